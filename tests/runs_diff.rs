//! `agentloom replay` and `agentloom runs diff` through the binary: every example replays to the
//! same steps, a replay from a span diverges where it should and the diff points there, in text
//! and JSON, and bad runs or spans are refused with the database unchanged.

mod support;
use support::backends::Backend;

use agentloom::interchange::EXAMPLES;
use serde_json::Value;
use support::{Run, Sandbox};

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

fn run_id(run: &Run) -> String {
    json(run)["run_id"].as_i64().expect("run id").to_string()
}

fn every_example_replays_to_the_same_steps(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    for example in EXAMPLES {
        let source = run_id(
            &sandbox.run(&["--json", "run", example.workflow, "-i", "Why is the sky blue?"]).ok(),
        );
        let replayed = sandbox.run(&["--json", "replay", &source]).ok();
        let outcome = json(&replayed);
        let replay = run_id(&replayed);
        let shown = json(&sandbox.run(&["--json", "runs", "show", &replay]).ok());
        assert_eq!(
            shown["replay_of"]["run_id"].as_i64().map(|id| id.to_string()),
            Some(source.clone())
        );
        let source_run = json(&sandbox.run(&["--json", "runs", "show", &source]).ok());
        assert_eq!(outcome["output"], source_run["run"]["output"], "{}", example.workflow);
        let diff = json(&sandbox.run(&["--json", "runs", "diff", &source, &replay]).ok());
        assert_eq!(diff["first_divergence"], Value::Null, "{}: {diff:#}", example.workflow);
        assert_eq!(diff["same_output"], true);
        let text = sandbox.run(&["runs", "diff", &source, &replay]).ok().stdout;
        assert!(text.contains("No divergence"), "{text}");
        assert!(text.contains(&format!("run {replay} replays run {source}")), "{text}");
    }
}

fn a_replay_from_a_span_diverges_there_and_the_diff_says_so(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    let source = run_id(&sandbox.run(&["--json", "run", "tagline_evaluator", "-i", "tea"]).ok());
    let shown = json(&sandbox.run(&["--json", "runs", "show", &source]).ok());
    // The judge's second model call: live again, the scripted judge starts its turns over.
    let judge_calls: Vec<i64> = shown["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .filter(|s| s["kind"] == "llm_call" && s["agent"] == "tagline_judge")
        .map(|s| s["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(judge_calls.len(), 2, "{shown:#}");
    let from = judge_calls[1].to_string();

    let replayed = sandbox.run(&["replay", &source, "--from", &from]).ok();
    assert!(
        replayed.stderr.contains(&format!(
            "replaying run {source} of tagline_evaluator live from span {from}"
        )),
        "{}",
        replayed.stderr
    );
    assert!(replayed.stderr.contains("▶ tagline_judge (basic)"), "progress: {}", replayed.stderr);
    let replay = (source.parse::<i64>().expect("id") + 1).to_string();
    let listed = json(&sandbox.run(&["--json", "runs", "show", &replay]).ok());
    assert_eq!(
        listed["replay_of"]["from_span_id"].as_i64().map(|s| s.to_string()),
        Some(from.clone())
    );

    let diff = json(&sandbox.run(&["--json", "runs", "diff", &source, &replay]).ok());
    let first = diff["first_divergence"].as_u64().expect("a divergence") as usize;
    let row = &diff["spans"][first];
    assert_eq!(row["path"], "tagline_loop/tagline_judge#1/llm_call", "{diff:#}");
    assert_eq!(row["a"]["span_id"].as_i64().map(|s| s.to_string()), Some(from.clone()));
    assert_eq!(row["same_output"], false);

    let text = sandbox.run(&["runs", "diff", &source, &replay]).ok().stdout;
    let marked: Vec<&str> = text.lines().filter(|l| l.starts_with('▶')).collect();
    assert_eq!(marked.len(), 1, "{text}");
    assert!(
        marked[0].contains("tagline_judge llm_call") && marked[0].contains("differs"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "First divergence: tagline_loop/tagline_judge#1/llm_call (span {from} of run {source}"
        )),
        "{text}"
    );
    assert!(text.contains("only in B"), "the extra round only the replay took: {text}");
}

fn bad_runs_and_spans_are_refused_with_nothing_recorded(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    let source = run_id(&sandbox.run(&["--json", "run", "hello_basic", "-i", "hi"]).ok());
    let before = sandbox.dump();
    sandbox.run(&["replay", "99"]).fails_with("run \"99\" does not exist");
    sandbox.run(&["replay", &source, "--from", "99999"]).fails_with(&format!(
        "run {source} cannot be replayed: span 99999 is not one of its steps (see `agentloom runs show {source}`)"
    ));
    sandbox.run(&["runs", "diff", &source, "42"]).fails_with("run \"42\" does not exist");
    sandbox.run(&["replay", "x"]).fails_with("invalid value 'x'");
    assert_eq!(before, sandbox.dump(), "a refused replay records nothing");
}

fn a_replay_runs_the_recorded_definitions_unless_told_the_current_ones(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    let source = run_id(&sandbox.run(&["--json", "run", "writing_chain", "-i", "tea"]).ok());
    sandbox.run(&["agent", "add", "signer", "--type", "basic", "--llm", "passthrough"]).ok();
    sandbox.run(&["link", "add", "writing_pipeline", "signer", "--type", "chains_to"]).ok();

    let replayed = json(&sandbox.run(&["--json", "replay", &source]).ok());
    assert_eq!(replayed["status"], "succeeded", "{replayed}");
    let current = sandbox.run(&["--json", "replay", &source, "--definitions", "current"]);
    assert_ne!(current.code, 0, "a step the source never took fails the replay");
    let outcome = json(&current);
    let error = outcome["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("agent \"signer\": replay diverged: the replay asks for a model call of agent \"signer\""),
        "{outcome}"
    );
    let text = sandbox.run(&["replay", &source, "--definitions", "current", "-q"]);
    assert!(text.stderr.contains("replay diverged"), "{}", text.stderr);
}

on_both_backends!(
    every_example_replays_to_the_same_steps,
    a_replay_from_a_span_diverges_there_and_the_diff_says_so,
    bad_runs_and_spans_are_refused_with_nothing_recorded,
    a_replay_runs_the_recorded_definitions_unless_told_the_current_ones,
);
