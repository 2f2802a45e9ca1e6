//! The binary against a scripted LLM server on 127.0.0.1: `agentloom run` and `serve --http` as a
//! user meets them when the provider misbehaves. A key echoed in a 401 reaches no row, log or
//! console; a retried stream shows only the retry; a hung provider meets the call's limit; an
//! answer over the message limit is cut with a note.

#[path = "support/api_server.rs"]
mod api_server;
#[path = "support/scripted_llm.rs"]
mod scripted_llm;
mod support;

use api_server::{ApiServer, sse_events};
use scripted_llm::{Answer, Reply, ScriptedLlm};
use serde_json::{Value, json};
use support::{Run, Sandbox, dump};

/// The variable the scripted config's key reference names.
const KEY_VARIABLE: &str = "AGENTLOOM_WIRE_TEST_KEY";
/// A key that must never be seen again once it is sent.
const KEY: &str = "sk-wire-test-5f3c9a1e77d04b2a";

/// A scripted LLM server (on a runtime of its own, so the test may block) and a sandbox with an
/// agent `solo` calling it with the key `env:AGENTLOOM_WIRE_TEST_KEY`.
struct Wired {
    _runtime: tokio::runtime::Runtime,
    server: ScriptedLlm,
    sandbox: Sandbox,
}

impl Wired {
    fn new(script: Vec<Reply>) -> Wired {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let server = runtime.block_on(ScriptedLlm::start(script));
        let sandbox = Sandbox::empty();
        sandbox
            .run(&[
                "llm",
                "add",
                "scripted",
                "--provider",
                "generic",
                "--model",
                "scripted-model",
                "--base-url",
                &server.base_url(),
                "--api-key-ref",
                &format!("env:{KEY_VARIABLE}"),
            ])
            .ok();
        sandbox.run(&["agent", "add", "solo", "--type", "basic", "--llm", "scripted"]).ok();
        Wired { _runtime: runtime, server, sandbox }
    }

    /// Runs `agentloom ARGS...` with the key in its environment.
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// Runs `agentloom ARGS...` with the key and `env` in its environment.
    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.sandbox.command(args);
        command.env(KEY_VARIABLE, KEY).envs(env.iter().copied());
        command.output().expect("run agentloom").into()
    }
}

/// Fails the test if `text` (named `what`) holds the key.
fn assert_no_key(what: &str, text: &str) {
    assert!(!text.contains(KEY), "the key reached {what}:\n{text}");
}

#[test]
fn a_key_echoed_by_a_401_reaches_no_row_log_or_console() {
    let refusal = || Reply::status(401, &format!("Incorrect API key provided: {KEY}."));
    let wired = Wired::new(vec![refusal(), refusal()]);

    let run = wired.run(&["run", "solo", "--input", "hello"]);
    assert_ne!(run.code, 0, "a refused key fails the run");
    assert!(run.stderr.contains("refused the key"), "{}", run.stderr);
    let sent = wired.server.journal();
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "the key was sent, so the provider could echo it"
    );
    assert_no_key("the CLI's stdout", &run.stdout);
    assert_no_key("the CLI's stderr", &run.stderr);

    let mut service = ApiServer::start_with(
        &wired.sandbox,
        &["--bind", "127.0.0.1:0"],
        &[(KEY_VARIABLE, KEY), ("RUST_LOG", "trace")],
    );
    let http = service.client();
    let session = http.post("/sessions", json!({"target": "solo"})).expect(201);
    let sent = http.post(&format!("/sessions/{}/send", session["id"]), json!({"message": "hi"}));
    let outcome = sent.json();
    let run_id = outcome["run_id"].as_i64().unwrap_or_else(|| panic!("a run: {outcome}"));
    let logs = http.get(&format!("/runs/{run_id}/logs?level=trace&limit=1000")).expect(200);
    assert!(logs.as_array().is_some_and(|l| !l.is_empty()), "the run logged: {logs}");
    assert_no_key("GET /runs/{id}/logs", &logs.to_string());
    assert_no_key("the service's answer", &outcome.to_string());
    service.terminate();
    assert_no_key("the service's console", &service.log());

    let logs = wired.run(&["logs", "--level", "trace", "--limit", "1000"]).ok();
    assert!(!logs.stdout.trim().is_empty(), "agentloom logs shows the runs' logs");
    assert_no_key("agentloom logs", &logs.stdout);
    assert_no_key("the database", &dump(&wired.sandbox.db));
    assert!(dump(&wired.sandbox.db).contains("Incorrect API key provided"), "the error is kept");
}

/// The output recorded for run `run_id`.
fn recorded_output(db: &std::path::Path, run_id: i64) -> Option<String> {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row("SELECT output FROM runs WHERE id = ?1", [run_id], |row| row.get(0))
        .expect("the run's row")
}

/// Slower than the engine's 50 ms text batches, so the cut-off text reaches watchers.
const PACE: std::time::Duration = std::time::Duration::from_millis(80);

/// A stream cut off after some text, then the whole answer on the retry.
fn cut_then_whole() -> [Reply; 2] {
    [
        Reply::Truncated(Answer::text(&["this answer ", "is cut off here"]).with_pace(PACE)),
        Reply::Answer(Answer::text(&["You: ", "retry-after-partial"])),
    ]
}

#[test]
fn a_retried_stream_shows_only_the_retry_on_stdout_and_in_server_sent_events() {
    let wired = Wired::new([cut_then_whole(), cut_then_whole()].concat());

    let run = wired.run(&["run", "solo", "--input", "hello"]).ok();
    assert_eq!(wired.server.journal().len(), 2, "the cut stream was retried");
    assert_eq!(recorded_output(&wired.sandbox.db, 1).as_deref(), Some("You: retry-after-partial"));
    assert_eq!(run.stdout, "You: retry-after-partial\n", "stdout is the recorded output");

    let service =
        ApiServer::start_with(&wired.sandbox, &["--bind", "127.0.0.1:0"], &[(KEY_VARIABLE, KEY)]);
    let http = service.client();
    let session = http.post("/sessions", json!({"target": "solo"})).expect(201);
    let reply = http.send(
        reqwest::Method::POST,
        &format!("/sessions/{}/send", session["id"]),
        Some(json!({"message": "hello"}).to_string()),
        &[("accept", "text/event-stream")],
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let events = sse_events(&reply.text);
    let retracted = events
        .iter()
        .position(|(name, _)| name == "text_retracted")
        .unwrap_or_else(|| panic!("no text_retracted event: {events:?}"));
    let text_of = |events: &[(String, Value)]| -> String {
        events
            .iter()
            .filter(|(name, _)| name == "text")
            .filter_map(|(_, d)| d["text"].as_str())
            .collect()
    };
    assert_eq!(text_of(&events[..retracted]), "this answer is cut off here");
    assert_eq!(events[retracted].1["span_id"], events[retracted - 1].1["span_id"]);
    assert_eq!(text_of(&events[retracted..]), "You: retry-after-partial");
    let finished = events.last().map(|(_, data)| data["output"].clone());
    assert_eq!(finished, Some(json!("You: retry-after-partial")));
}

#[test]
fn a_provider_that_never_answers_meets_the_default_call_limit() {
    let wired = Wired::new(vec![Reply::Hang, Reply::Hang, Reply::Hang, Reply::Hang]);
    let started = std::time::Instant::now();
    let run = wired.run_with(
        &["run", "solo", "--input", "hello"],
        &[("AGENTLOOM_MODEL_CALL_TIMEOUT_SECS", "0.5")],
    );
    let run = run.fails_with(
        "no answer within 0.5 s, retries included (the default limit of a model call; set \
         timeout_secs in the LLM config's or the agent's request parameters, or \
         AGENTLOOM_MODEL_CALL_TIMEOUT_SECS, to change it)",
    );
    assert!(started.elapsed().as_secs() < 20, "it gave up in {:?}", started.elapsed());
    assert_no_key("stderr", &run.stderr);

    let bad = wired
        .run_with(&["run", "solo", "--input", "hello"], &[("AGENTLOOM_MAX_MESSAGE_BYTES", "lots")]);
    bad.fails_with("AGENTLOOM_MAX_MESSAGE_BYTES: expected a number of bytes above 0, got \"lots\"");
}

#[test]
fn an_answer_over_the_message_limit_is_cut_with_a_note() {
    let long = "word ".repeat(100);
    let wired = Wired::new(vec![Reply::Answer(Answer::text(&[&long]))]);
    let run = wired
        .run_with(&["run", "solo", "--input", "hello"], &[("AGENTLOOM_MAX_MESSAGE_BYTES", "100")]);
    let run = run.ok();
    let expected = format!("{}\n[cut: 451 bytes dropped to fit the 100-byte limit]", &long[..49]);
    assert_eq!(recorded_output(&wired.sandbox.db, 1).as_deref(), Some(expected.as_str()));
    assert_eq!(run.stdout, format!("{expected}\n"));
    let stored = dump(&wired.sandbox.db);
    assert!(!stored.contains(&long[..100]), "no row keeps the whole answer");
}

#[test]
fn an_answer_echoing_the_key_is_stored_and_shown_redacted() {
    let echo = format!("Your key is {KEY}, keep it safe.");
    let wired = Wired::new(vec![Reply::Answer(Answer::text(&[&echo]))]);
    let run = wired.run(&["run", "solo", "--input", "hello"]).ok();
    assert_eq!(run.stdout, "Your key is [redacted], keep it safe.\n");
    assert_no_key("the database", &dump(&wired.sandbox.db));
}
