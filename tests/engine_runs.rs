//! The engine through `agentloom run`: every example runs offline, each kind records what it did,
//! tools and human input work, and failures leave runs, spans and messages consistent.

mod support;
use support::backends::Backend;

use std::process::Stdio;
use std::time::{Duration, Instant};

use agentloom::interchange::EXAMPLES;
use serde_json::Value;
use support::{ASKER, Run, Sandbox};

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

/// `runs show --json` of `run`: the run and its spans.
fn show(sandbox: &Sandbox, run: i64) -> Value {
    json(&sandbox.run(&["--json", "runs", "show", &run.to_string()]).ok())
}

/// Checks what every finished run must hold: no span left running, and the run's tokens equal
/// the sum over its model calls.
fn assert_consistent(sandbox: &Sandbox, run: i64) -> Value {
    let shown = show(sandbox, run);
    let spans = shown["spans"].as_array().expect("spans");
    assert!(!spans.is_empty(), "run {run} has no spans");
    for span in spans {
        assert!(
            !matches!(span["status"].as_str(), Some("running" | "queued" | "waiting")),
            "unfinished span {span}"
        );
    }
    let sum = |field: &str| -> i64 {
        spans
            .iter()
            .filter(|s| s["kind"] == "llm_call")
            .map(|s| s[field].as_i64().unwrap_or(0))
            .sum()
    };
    assert_eq!(shown["run"]["input_tokens"].as_i64(), Some(sum("input_tokens")));
    assert_eq!(shown["run"]["output_tokens"].as_i64(), Some(sum("output_tokens")));
    shown
}

fn attributes_of<'a>(shown: &'a Value, agent: &str) -> &'a Value {
    shown["spans"]
        .as_array()
        .and_then(|spans| spans.iter().find(|s| s["agent"] == agent && s["kind"] == "agent"))
        .map(|s| &s["attributes"])
        .unwrap_or_else(|| panic!("no span of {agent}"))
}

fn every_example_runs_offline_and_records_its_steps(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    for example in EXAMPLES {
        let run = sandbox
            .run(&["--json", "run", example.workflow, "--input", "Why is the sky blue?"])
            .ok();
        let outcome = json(&run);
        assert_eq!(outcome["status"], "succeeded", "{}: {outcome}", example.workflow);
        assert!(
            outcome["output"].as_str().is_some_and(|o| !o.is_empty()),
            "{}: {outcome}",
            example.workflow
        );
        assert!(outcome["tokens"]["input"].as_i64() > Some(0));
        let shown = assert_consistent(&sandbox, outcome["run_id"].as_i64().expect("run id"));
        match example.workflow {
            "support_router" => {
                let attributes = attributes_of(&shown, "support_desk");
                assert_eq!(attributes["route"], "tech_support");
                assert_eq!(attributes["reasoning"], "The request is about an error.");
            }
            "tagline_evaluator" => {
                let ratings: Vec<&Value> = attributes_of(&shown, "tagline_loop")["ratings"]
                    .as_array()
                    .expect("ratings")
                    .iter()
                    .map(|r| &r["rating"])
                    .collect();
                assert_eq!(ratings, ["FAIR", "GOOD"]);
            }
            "research_orchestrator" => {
                let plan = &attributes_of(&shown, "research_lead")["plan"];
                assert_eq!(plan.as_array().map(Vec::len), Some(2), "{plan}");
                assert_eq!(
                    outcome["output"],
                    "The research is complete; the summary above answers the request."
                );
            }
            "review_parallel" => {
                let output = outcome["output"].as_str().unwrap_or_default();
                assert!(output.contains("<response agent=\"grammar_reviewer\">"), "{output}");
                assert!(output.contains("<response agent=\"style_reviewer\">"), "{output}");
            }
            "writing_chain" | "hello_basic" => {
                assert_eq!(outcome["output"], "Why is the sky blue?")
            }
            other => panic!("no expectation for example {other}"),
        }
    }
}

fn a_session_keeps_each_agents_history(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    let first = json(&sandbox.run(&["--json", "run", "hello_basic", "-i", "one"]).ok());
    let session = first["session_id"].as_i64().expect("session").to_string();
    sandbox.run(&["--json", "run", "hello_basic", "-i", "two", "--session", &session]).ok();
    let history = json(&sandbox.run(&["--json", "history", &session]).ok());
    let turns: Vec<(String, String)> = history
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default().to_owned(),
                m["content"][0]["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [("user", "one"), ("assistant", "one"), ("user", "two"), ("assistant", "two")];
    assert_eq!(turns, expected.map(|(r, t)| (r.to_owned(), t.to_owned())));
    sandbox
        .run(&["run", "hello_basic", "-i", "x", "--session", "999"])
        .fails_with("session \"999\" does not exist");
}

fn import(sandbox: &Sandbox, yaml: &str) {
    let file = sandbox.path("extra.yaml");
    std::fs::write(&file, yaml).expect("write");
    sandbox.run(&["import", file.to_str().expect("path")]).ok();
}

const TOOLS: &str = "agentloom: 1
workflow: {name: tools, root: coordinator}
agents:
- name: coordinator
  type: basic
  instruction: Use your tools; the tone is {{tone}}.
  llm: coordinator_script
  options: {state_tools: true}
  links:
  - {child: echo_tool, type: tool_of, properties: {description: Repeats a message}}
- name: echo_tool
  type: basic
  llm: echo_model
llm_configs:
- name: coordinator_script
  provider: playback
  model: playback
  provider_options:
    turns:
    - tool_calls:
      - {name: echo_tool, arguments: {message: ping}}
      - {name: no_such_tool, arguments: {}}
      - {name: save_state, arguments: {key: last, value: pinged}}
    - All tools answered.
- name: echo_model
  provider: passthrough
  model: passthrough
";

fn a_basic_agent_calls_agents_and_built_ins_as_tools(backend: Backend) {
    let sandbox = Sandbox::empty_on(backend);
    import(&sandbox, TOOLS);
    sandbox
        .run(&["run", "tools", "-i", "go"])
        .fails_with("unknown placeholder {{tone}} in its instruction (known: input)");
    sandbox.run(&["state", "set", "coordinator", "tone", "\"dry\""]).ok();
    let outcome = json(&sandbox.run(&["--json", "run", "tools", "-i", "go"]).ok());
    assert_eq!(outcome["output"], "All tools answered.");
    let shown = assert_consistent(&sandbox, outcome["run_id"].as_i64().expect("id"));
    let spans = shown["spans"].as_array().expect("spans");
    let tool_spans: Vec<(&str, &str)> = spans
        .iter()
        .filter(|s| s["kind"] == "tool_call")
        .map(|s| (s["name"].as_str().unwrap_or_default(), s["status"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(
        tool_spans,
        [("echo_tool", "succeeded"), ("no_such_tool", "failed"), ("save_state", "succeeded")]
    );
    assert!(
        spans.iter().any(|s| s["agent"] == "echo_tool" && s["kind"] == "agent"),
        "the tool agent ran as a child span"
    );

    let session = outcome["session_id"].as_i64().expect("session").to_string();
    let history = json(&sandbox.run(&["--json", "history", &session]).ok());
    let results: Vec<String> = history
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == "tool_response")
        .map(|m| m["content"][0]["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(results, ["ping", "there is no tool named \"no_such_tool\"", "saved"]);
    let saved = sandbox.run(&["state", "get", "coordinator", "last", "--session", &session]).ok();
    assert_eq!(saved.stdout.trim(), "\"pinged\"");
}

fn a_failed_run_is_recorded_consistently_and_exits_non_zero(backend: Backend) {
    let sandbox = Sandbox::empty_on(backend);
    import(
        &sandbox,
        &TOOLS.replace(
            "  options: {state_tools: true}\n",
            "  options: {state_tools: true}\n  request_params: {max_iterations: 1}\n",
        ),
    );
    sandbox.run(&["state", "set", "coordinator", "tone", "dry"]).ok();
    let run = sandbox.run(&["--json", "run", "tools", "-i", "go"]);
    assert_ne!(run.code, 0);
    let outcome = json(&run);
    assert_eq!(outcome["status"], "failed");
    assert!(
        outcome["error"].as_str().is_some_and(
            |e| e.contains("made 1 model calls (max_iterations) without a final answer")
        ),
        "{outcome}"
    );
    let shown = assert_consistent(&sandbox, outcome["run_id"].as_i64().expect("id"));
    assert_eq!(attributes_of(&shown, "coordinator"), &serde_json::json!({}));
    assert_eq!(shown["run"]["status"], "failed");

    sandbox.run(&["agent", "add", "empty_chain", "--type", "chain"]).ok();
    let before = sandbox.dump();
    sandbox
        .run(&["run", "empty_chain", "-i", "x"])
        .fails_with("\"empty_chain\" is not ready to run:\n  - agent \"empty_chain\": needs at least one step (chains_to link)");
    assert_eq!(before, sandbox.dump(), "a run that cannot start records nothing");
    sandbox
        .run(&["run", "ghost", "-i", "x"])
        .fails_with("\"ghost\" is neither a workflow nor an agent");
}

fn a_question_waits_for_the_users_answer(backend: Backend) {
    let sandbox = Sandbox::empty_on(backend);
    import(&sandbox, ASKER);
    let child = sandbox
        .command(&["--json", "run", "ask", "-i", "pick"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    let pending = loop {
        let listed = json(&sandbox.run(&["--json", "answer"]).ok());
        if let Some(first) = listed.as_array().and_then(|l| l.first()).cloned() {
            break first;
        }
        assert!(Instant::now() < deadline, "no question appeared");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(pending["prompt"], "Which colour?");
    let run_id = pending["run_id"].as_i64().expect("run");
    assert_eq!(show(&sandbox, run_id)["run"]["status"], "waiting");
    let id = pending["id"].as_i64().expect("id").to_string();
    sandbox.run(&["answer", &id, "blue"]).ok();
    sandbox.run(&["answer", &id, "red"]).fails_with("is already answered");

    let output: Run = child.wait_with_output().expect("wait").into();
    let outcome = json(&output);
    assert_eq!(outcome["status"], "succeeded", "{}", output.stderr);
    assert_eq!(outcome["output"], "Thanks.");
    let shown = assert_consistent(&sandbox, run_id);
    let asked = shown["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .find(|s| s["name"] == "ask_human")
        .cloned();
    assert_eq!(asked.map(|s| s["output"].clone()), Some(Value::from("blue")));
}

/// A fan-in of fan-ins of echoes: each level doubles what it is given.
const FAN_INS: &str = "agentloom: 1
workflow: {name: doubling, root: outer}
agents:
- name: outer
  type: parallel
  links:
  - {child: left, type: fans_out_to}
  - {child: right, type: fans_out_to}
  - {child: outer_join, type: fan_in_from}
- name: left
  type: parallel
  links:
  - {child: echo_a, type: fans_out_to}
  - {child: echo_b, type: fans_out_to}
  - {child: inner_join, type: fan_in_from}
- name: right
  type: parallel
  links:
  - {child: echo_a, type: fans_out_to}
  - {child: echo_b, type: fans_out_to}
  - {child: inner_join, type: fan_in_from}
- {name: echo_a, type: basic, llm: echo_model}
- {name: echo_b, type: basic, llm: echo_model}
- {name: inner_join, type: basic, llm: echo_model}
- {name: outer_join, type: basic, llm: echo_model}
llm_configs:
- {name: echo_model, provider: passthrough, model: passthrough}
";

fn a_fan_in_of_fan_ins_stays_within_the_message_limit(backend: Backend) {
    let sandbox = Sandbox::empty_on(backend);
    import(&sandbox, FAN_INS);
    let limit = 2000;
    let run = sandbox
        .command(&["--json", "run", "doubling", "--input", &"tea ".repeat(200)])
        .env("AGENTLOOM_MAX_MESSAGE_BYTES", limit.to_string())
        .output()
        .expect("run agentloom");
    let outcome = json(&Run::from(run).ok());
    let output = outcome["output"].as_str().expect("an output");
    assert!(output.len() <= limit, "{} bytes", output.len());
    assert!(output.ends_with(&format!("bytes dropped to fit the {limit}-byte limit]")), "{output}");
    let shown = assert_consistent(&sandbox, outcome["run_id"].as_i64().expect("run id"));
    for span in shown["spans"].as_array().expect("spans") {
        for field in ["input", "output"] {
            let text = span[field].as_str().unwrap_or_default();
            assert!(text.len() <= limit, "{field} of {} has {} bytes", span["agent"], text.len());
        }
    }
}

/// Writes `sql` to the sandbox's database behind the store's back, as another writer could.
fn write_raw(sandbox: &Sandbox, sql: &str) {
    sandbox.raw().execute(sql).expect("raw write");
}

fn a_stored_setting_that_does_not_parse_fails_the_run_naming_the_key(backend: Backend) {
    let sandbox = Sandbox::empty_on(backend);
    import(&sandbox, TOOLS);
    sandbox.run(&["state", "set", "coordinator", "tone", "\"dry\""]).ok();
    let bad = r#"'{"temperature": "hot", "max_tokens": 5}'"#;
    write_raw(
        &sandbox,
        &format!("UPDATE agents SET request_params = {bad} WHERE name = 'coordinator'"),
    );
    sandbox.run(&["run", "tools", "-i", "go"]).fails_with(
        "agent \"coordinator\": request parameter \"temperature\" must be a number from 0 to 2",
    );

    write_raw(&sandbox, "UPDATE agents SET request_params = '{}' WHERE name = 'coordinator'");
    write_raw(
        &sandbox,
        &format!("UPDATE llm_configs SET request_params = {bad} WHERE name = 'coordinator_script'"),
    );
    sandbox.run(&["run", "tools", "-i", "go"]).fails_with(
        "agent \"coordinator\": its LLM config \"coordinator_script\" does not parse: request parameter \"temperature\" must be a number from 0 to 2",
    );

    write_raw(
        &sandbox,
        "UPDATE llm_configs SET request_params = '{}' WHERE name = 'coordinator_script';
         UPDATE agent_links SET properties = '{\"description\": 7}'",
    );
    sandbox
        .run(&["run", "tools", "-i", "go"])
        .fails_with("link property \"description\" must be a string, not 7");
}

on_both_backends!(
    every_example_runs_offline_and_records_its_steps,
    a_session_keeps_each_agents_history,
    a_basic_agent_calls_agents_and_built_ins_as_tools,
    a_failed_run_is_recorded_consistently_and_exits_non_zero,
    a_question_waits_for_the_users_answer,
    a_fan_in_of_fan_ins_stays_within_the_message_limit,
    a_stored_setting_that_does_not_parse_fails_the_run_naming_the_key,
);
