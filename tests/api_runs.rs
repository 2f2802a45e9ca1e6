//! The REST service running things, against `agentloom serve --http` on 127.0.0.1: sessions and
//! their messages (answered at the end or streamed as server-sent events), history, runs with
//! their span trees and logs, human input answered over HTTP, cancelling, and webhooks with
//! retries to a receiver on 127.0.0.1.

#[path = "support/api_server.rs"]
mod api_server;
mod support;

use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};

use api_server::{ApiServer, Http, WebhookReceiver, echo_service, sse_events};
use serde_json::{Value, json};
use support::Sandbox;
use support::backends::Backend;

/// A service on an empty database with an offline echo agent `helper` in a workflow `help`.
fn service(backend: Backend) -> (Sandbox, ApiServer, Http) {
    let (sandbox, server, http) = echo_service(backend);
    http.post("/agents", json!({"name": "helper", "kind": "basic", "llm": "echo"})).expect(201);
    http.post("/workflows", json!({"name": "help", "root": "helper"})).expect(201);
    (sandbox, server, http)
}

/// Adds `asker`, an agent whose scripted model asks the user a question each run, then thanks.
fn add_asker(http: &Http) {
    let turns = json!([
        {"tool_calls": [{"name": "ask_human", "arguments": {"question": "Which colour?"}}]},
        "Thanks."
    ]);
    http.post(
        "/llm-configs",
        json!({"name": "asker_script", "provider": "playback", "model": "playback",
               "provider_options": {"turns": turns}}),
    )
    .expect(201);
    http.post(
        "/agents",
        json!({"name": "asker", "kind": "basic", "llm": "asker_script", "human_input": true}),
    )
    .expect(201);
}

/// Opens a session with `target`; returns its id.
fn open_session(http: &Http, target: &str) -> i64 {
    let session = http.post("/sessions", json!({"target": target})).expect(201);
    session["id"].as_i64().expect("session id")
}

/// Waits for the first pending question and returns it.
fn pending_question(http: &Http) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pending = http.get("/human-input?status=pending").expect(200);
        if let Some(first) = pending.as_array().and_then(|list| list.first()) {
            return first.clone();
        }
        assert!(Instant::now() < deadline, "no question appeared");
        thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `message` to `session` on a thread of its own (the answer waits for the run).
fn send_in_background(base: &str, session: i64, message: &str) -> thread::JoinHandle<Value> {
    let (base, message) = (base.to_owned(), message.to_owned());
    thread::spawn(move || {
        Http::new(&base, None)
            .post(&format!("/sessions/{session}/send"), json!({"message": message}))
            .expect(200)
    })
}

fn a_session_answers_keeps_its_history_and_records_its_runs(backend: Backend) {
    let (_sandbox, _server, http) = service(backend);
    let session = http.post("/sessions", json!({"target": "help", "title": "first"})).expect(201);
    assert_eq!(session["workflow"], "help");
    assert_eq!(session["agent"], "helper");
    assert_eq!(session["title"], "first");
    let id = session["id"].as_i64().expect("id");
    assert_eq!(http.get(&format!("/sessions/{id}")).expect(200), session);

    let first = http.post(&format!("/sessions/{id}/send"), json!({"message": "hello"})).expect(200);
    assert_eq!(first["status"], "succeeded");
    assert_eq!(first["output"], "hello");
    assert_eq!(first["session_id"], id);
    let second =
        http.post(&format!("/sessions/{id}/send"), json!({"message": "again"})).expect(200);
    assert_eq!(second["output"], "again");

    let history = http.get(&format!("/sessions/{id}/history")).expect(200);
    let said: Vec<(String, String)> = history
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
    let expected =
        [("user", "hello"), ("assistant", "hello"), ("user", "again"), ("assistant", "again")];
    assert_eq!(said, expected.map(|(role, text)| (role.to_owned(), text.to_owned())));

    let runs = http.get(&format!("/runs?session={id}")).expect(200);
    let ids: Vec<i64> =
        runs.as_array().expect("runs").iter().filter_map(|r| r["id"].as_i64()).collect();
    assert_eq!(
        ids,
        vec![second["run_id"].as_i64().expect("run"), first["run_id"].as_i64().expect("run")]
    );
    assert_eq!(runs[0]["origin"], "api");
    assert_eq!(
        http.get("/runs?status=succeeded&limit=1").expect(200).as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(http.get("/runs?workflow=nothing").expect(200), json!([]));

    let run = first["run_id"].as_i64().expect("run");
    let tree = http.get(&format!("/runs/{run}")).expect(200);
    assert_eq!(tree["run"]["output"], "hello");
    assert_eq!(tree["spans"].as_array().map(Vec::len), Some(1), "one root span: {tree}");
    let root = &tree["spans"][0];
    assert_eq!((root["kind"].as_str(), root["agent"].as_str()), (Some("agent"), Some("helper")));
    let call = &root["children"][0];
    assert_eq!(call["kind"], "llm_call");
    assert_eq!(call["parent_span_id"], root["id"]);
    assert_eq!(call["children"], json!([]));
    let logs = http.get(&format!("/runs/{run}/logs?level=info&limit=10")).expect(200);
    let logs = logs.as_array().expect("log records");
    assert!(logs.iter().any(|l| l["message"] == "agent finished"), "{logs:?}");
    assert!(logs.iter().all(|l| l["run_id"] == run), "{logs:?}");
    assert_eq!(http.get(&format!("/runs/{run}/logs?level=error")).expect(200), json!([]));
}

fn sending_refuses_what_cannot_run(backend: Backend) {
    let (_sandbox, _server, http) = service(backend);
    http.post("/agents", json!({"name": "empty_chain", "kind": "chain"})).expect(201);
    let chain = open_session(&http, "empty_chain");
    http.post(&format!("/sessions/{chain}/send"), json!({"message": "hi"}))
        .error(409, "\"empty_chain\" is not ready to run");
    http.post("/sessions/999/send", json!({"message": "hi"}))
        .error(404, "session \"999\" does not exist");
    http.post("/sessions", json!({"target": "ghost"}))
        .error(404, "workflow or agent \"ghost\" does not exist");
    http.post("/sessions", json!({})).error(400, "missing field `target`");
    let id = open_session(&http, "helper");
    http.post(&format!("/sessions/{id}/send"), json!({"text": "hi"}))
        .error(400, "unknown field `text`");
    http.get("/sessions/999/history").error(404, "session \"999\" does not exist");
    http.get("/runs/999").error(404, "run \"999\" does not exist");
    http.get("/runs/999/logs").error(404, "run \"999\" does not exist");
    http.get("/runs?status=done").error(400, "unknown run status \"done\"");
    http.get("/runs?limit=0").error(400, "limit: must be 1 or more");
    http.post("/runs/999/cancel", json!({})).error(404, "run \"999\" does not exist");
    let done = http.post(&format!("/sessions/{id}/send"), json!({"message": "hi"})).expect(200);
    http.post(&format!("/runs/{}/cancel", done["run_id"]), json!({}))
        .error(409, "has already ended (succeeded)");
}

fn a_message_streams_its_run_as_server_sent_events(backend: Backend) {
    let (_sandbox, _server, http) = service(backend);
    let id = open_session(&http, "help");
    let reply = http.send(
        reqwest::Method::POST,
        &format!("/sessions/{id}/send"),
        Some(json!({"message": "stream me"}).to_string()),
        &[("accept", "text/event-stream")],
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.content_type.starts_with("text/event-stream"), "{}", reply.content_type);
    let events = sse_events(&reply.text);
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.first(), Some(&"run_started"), "{names:?}");
    assert_eq!(names.last(), Some(&"run_finished"), "{names:?}");
    assert!(names.contains(&"span_started") && names.contains(&"text"), "{names:?}");
    let run = events[0].1["run_id"].clone();
    assert!(events.iter().all(|(_, data)| data["run_id"] == run), "events of another run");
    assert_eq!(events.last().map(|(_, data)| data["output"].clone()), Some(json!("stream me")));
    let streamed: String = events
        .iter()
        .filter(|(name, _)| name == "text")
        .filter_map(|(_, d)| d["text"].as_str())
        .collect();
    assert_eq!(streamed, "stream me");

    http.post("/agents", json!({"name": "empty_chain", "kind": "chain"})).expect(201);
    let broken = open_session(&http, "empty_chain");
    let reply = http.send(
        reqwest::Method::POST,
        &format!("/sessions/{broken}/send"),
        Some(json!({"message": "x"}).to_string()),
        &[("accept", "text/event-stream")],
    );
    let events = sse_events(&reply.text);
    assert_eq!(events.len(), 1, "{}", reply.text);
    assert_eq!(events[0].0, "error");
    assert!(events[0].1["error"].as_str().unwrap_or_default().contains("is not ready to run"));
}

fn questions_are_answered_over_http_and_runs_cancelled(backend: Backend) {
    let (_sandbox, server, http) = service(backend);
    add_asker(&http);
    let session = open_session(&http, "asker");

    let answered = send_in_background(&server.base(), session, "pick");
    let question = pending_question(&http);
    assert_eq!(question["prompt"], "Which colour?");
    assert_eq!(question["agent"], "asker");
    let run = question["run_id"].as_i64().expect("run");
    assert_eq!(http.get(&format!("/runs/{run}")).expect(200)["run"]["status"], "waiting");
    http.post(&format!("/sessions/{session}/send"), json!({"message": "meanwhile"}))
        .error(409, "is still answering the previous message");
    let path = format!("/human-input/{}", question["id"]);
    http.post(&path, json!({})).error(400, "answer: required, unless decline is true");
    http.post(&path, json!({"answer": "x", "decline": true})).error(400, "not both");
    http.post(&path, json!({"answer": 42})).error(400, "answer: give text or a JSON object");
    let reply = http.post(&path, json!({"answer": "blue"})).expect(200);
    assert_eq!(
        (reply["status"].as_str(), reply["answer"].as_str()),
        (Some("answered"), Some("blue"))
    );
    http.post(&path, json!({"answer": "red"})).error(409, "is already answered");
    http.post("/human-input/999", json!({"decline": true}))
        .error(404, "human-input request \"999\" does not exist");
    http.get("/human-input?status=later").error(400, "unknown human-input status");
    let outcome = answered.join().expect("the send");
    assert_eq!(
        (outcome["status"].as_str(), outcome["output"].as_str()),
        (Some("succeeded"), Some("Thanks."))
    );
    assert_eq!(
        http.get("/human-input?status=answered").expect(200).as_array().map(Vec::len),
        Some(1)
    );

    let cancelled = send_in_background(&server.base(), session, "pick again");
    let question = pending_question(&http);
    let run = question["run_id"].as_i64().expect("run");
    let reply = http.post(&format!("/runs/{run}/cancel"), json!({})).expect(202);
    assert_eq!(reply, json!({"run_id": run, "cancelling": true}));
    let outcome = cancelled.join().expect("the send");
    assert_eq!(outcome["status"], "cancelled");
    assert_eq!(http.get(&format!("/runs/{run}")).expect(200)["run"]["status"], "cancelled");
}

fn a_finished_run_is_posted_to_its_workflows_webhook_with_retries(backend: Backend) {
    let (_sandbox, server, http) = service(backend);
    let receiver = WebhookReceiver::start(&[500, 503, 200]);
    http.put("/workflows/help", json!({"webhook_url": receiver.url})).expect(200);
    let id = open_session(&http, "help");
    let outcome =
        http.post(&format!("/sessions/{id}/send"), json!({"message": "ping"})).expect(200);

    let wait = Duration::from_secs(30);
    let attempts: Vec<(u16, Value)> = (0..3).filter_map(|_| receiver.next(wait)).collect();
    let statuses: Vec<u16> = attempts.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, vec![500, 503, 200], "{}", server.log());
    for (_, summary) in &attempts {
        assert_eq!(summary["event"], "run.finished");
        assert_eq!(summary["run"]["id"], outcome["run_id"]);
        assert_eq!(summary["run"]["status"], "succeeded");
        assert_eq!(summary["run"]["output"], "ping");
    }
    assert!(receiver.next(Duration::from_millis(1500)).is_none(), "posted after it was accepted");
    let log = server.log();
    assert!(log.contains("webhook delivered"), "{log}");
    assert!(!log.contains("s3cret"), "the log shows the URL's query: {log}");

    // An agent's own session has no workflow, so nothing is posted for it.
    let agent_session = open_session(&http, "helper");
    http.post(&format!("/sessions/{agent_session}/send"), json!({"message": "quiet"})).expect(200);
    assert!(receiver.next(Duration::from_millis(1500)).is_none());
}

fn a_webhook_that_keeps_failing_is_given_up_after_bounded_attempts(backend: Backend) {
    let (_sandbox, server, http) = service(backend);
    let receiver = WebhookReceiver::start(&[500; 10]);
    http.put("/workflows/help", json!({"webhook_url": receiver.url})).expect(200);
    let id = open_session(&http, "help");
    http.post(&format!("/sessions/{id}/send"), json!({"message": "ping"})).expect(200);
    let attempts = (0..4).filter_map(|_| receiver.next(Duration::from_secs(15))).count();
    assert_eq!(attempts, 4, "{}", server.log());
    assert!(receiver.next(Duration::from_secs(5)).is_none(), "a fifth attempt");
    assert!(server.log().contains("last=true"), "{}", server.log());
}

fn stopping_the_service_interrupts_its_runs_which_resume_after_a_restart(backend: Backend) {
    let (sandbox, mut server, http) = service(backend);
    add_asker(&http);
    let session = open_session(&http, "asker");
    let waiting = send_in_background(&server.base(), session, "pick");
    let run = pending_question(&http)["run_id"].as_i64().expect("run");
    // A second turn whose client hangs up at once: its run goes on, and must be recorded too.
    let hung_up = open_session(&http, "asker");
    let mut request = std::net::TcpStream::connect(server.addr).expect("connect");
    let body = r#"{"message": "gone"}"#;
    write!(
        request,
        "POST /sessions/{hung_up}/send HTTP/1.1\r\nHost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        server.addr,
        body.len()
    )
    .expect("send");
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get("/human-input?status=pending").expect(200).as_array().map_or(0, Vec::len) < 2 {
        assert!(Instant::now() < deadline, "the second turn did not ask");
        thread::sleep(Duration::from_millis(50));
    }
    drop(request);

    let status = server.terminate();
    assert!(status.success(), "{status}: {}", server.log());
    let answered = waiting.join().expect("the send");
    assert_eq!(answered["status"], "interrupted");
    assert!(
        answered["error"]
            .as_str()
            .is_some_and(|e| e.contains(&format!("agentloom runs resume {run}"))),
        "{answered}"
    );
    let listed = sandbox.run(&["--json", "runs", "list", "--status", "interrupted"]).ok();
    let listed: Value = serde_json::from_str(&listed.stdout).expect("JSON");
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "both turns recorded: {listed}");
    let shown = sandbox.run(&["--json", "runs", "show", &run.to_string()]).ok();
    let shown: Value = serde_json::from_str(&shown.stdout).expect("JSON");
    assert_eq!(shown["run"]["status"], "interrupted");
    for span in shown["spans"].as_array().expect("spans") {
        assert!(
            !matches!(span["status"].as_str(), Some("running" | "waiting" | "queued")),
            "a span left open: {span}"
        );
    }
    let withdrawn = sandbox.run(&["--json", "answer"]).ok();
    assert!(
        !withdrawn.stdout.contains("Which colour?"),
        "no question is left pending: {}",
        withdrawn.stdout
    );

    // Started again, the service resumes the run as itself: the question is asked anew.
    let server = ApiServer::start(&sandbox);
    let http = server.client();
    let resuming = {
        let base = server.base();
        thread::spawn(move || {
            Http::new(&base, None).post(&format!("/runs/{run}/resume"), json!({})).expect(200)
        })
    };
    let question = pending_question(&http);
    assert_eq!(question["run_id"], run);
    let id = question["id"].as_i64().expect("id");
    http.post(&format!("/human-input/{id}"), json!({"answer": "blue"})).expect(200);
    let resumed = resuming.join().expect("the resume");
    assert_eq!(resumed["run_id"], run);
    assert_eq!(resumed["status"], "succeeded", "{resumed}");
    assert_eq!(resumed["output"], "Thanks.");
    http.post(&format!("/runs/{run}/resume"), json!({}))
        .error(409, "only an interrupted run is resumed");
    // An interrupted run is cancelled where it is not going on: it is then not resumed.
    let other = listed[0]["id"]
        .as_i64()
        .filter(|id| *id != run)
        .or(listed[1]["id"].as_i64())
        .expect("other run");
    http.post(&format!("/runs/{other}/cancel"), json!({})).expect(202);
    assert_eq!(http.get(&format!("/runs/{other}")).expect(200)["run"]["status"], "cancelled");
}

fn a_run_replays_from_its_recording_and_compares_with_its_source(backend: Backend) {
    let (_sandbox, _server, http) = service(backend);
    let session = open_session(&http, "help");
    let send = format!("/sessions/{session}/send");
    let first = http.post(&send, json!({"message": "hello there"})).expect(200);
    let source = first["run_id"].as_i64().expect("run id");

    let replay = http.post(&format!("/runs/{source}/replay"), json!({})).expect(200);
    assert_eq!(replay["status"], "succeeded");
    assert_eq!(replay["output"], first["output"], "the recorded answer, again");
    let replay_id = replay["run_id"].as_i64().expect("replay id");
    assert_ne!(replay["session_id"], first["session_id"], "a replay has a session of its own");
    let tree = http.get(&format!("/runs/{replay_id}")).expect(200);
    assert_eq!(tree["run"]["replay_of_run_id"], source);

    let same = http.get(&format!("/runs/{source}/diff/{replay_id}")).expect(200);
    assert_eq!(same["first_divergence"], Value::Null, "{same}");
    assert_eq!(same["same_output"], true);
    assert_eq!(same["a"]["run_id"], source);

    let second = http.post(&send, json!({"message": "something else"})).expect(200);
    let other = second["run_id"].as_i64().expect("run id");
    let parted = http.get(&format!("/runs/{source}/diff/{other}")).expect(200);
    let at = parted["first_divergence"].as_u64().expect("the runs part ways") as usize;
    assert_eq!(parted["spans"][at]["same_output"], false, "{parted}");

    http.post("/runs/999/replay", json!({})).error(404, "run");
    http.get(&format!("/runs/{source}/diff/999")).error(404, "run");
    http.post(&format!("/runs/{source}/replay"), json!({"from_span": 99_999}))
        .error(409, "cannot be replayed");
    http.post(&format!("/runs/{source}/replay"), json!({"from": 1})).error(400, "from");
}

on_both_backends!(
    a_session_answers_keeps_its_history_and_records_its_runs,
    sending_refuses_what_cannot_run,
    a_message_streams_its_run_as_server_sent_events,
    questions_are_answered_over_http_and_runs_cancelled,
    a_finished_run_is_posted_to_its_workflows_webhook_with_retries,
    a_webhook_that_keeps_failing_is_given_up_after_bounded_attempts,
    stopping_the_service_interrupts_its_runs_which_resume_after_a_restart,
    a_run_replays_from_its_recording_and_compares_with_its_source,
);
