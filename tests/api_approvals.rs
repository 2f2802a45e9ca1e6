//! What a REST client writes starts no process and sends no secret until the user approves it on
//! the service's machine, against `agentloom serve --http`: a stdio MCP server written over REST
//! runs only after `agentloom mcp trust`, an LLM config bound over REST to a key reference gets
//! its key only after `agentloom llm trust` (and loses the approval when its endpoint changes),
//! REST cannot approve, and literal secrets (or URLs with passwords) are refused unechoed.

#[path = "support/api_server.rs"]
mod api_server;
mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use api_server::{ApiServer, Http, echo_service};
use serde_json::{Value, json};
use support::Sandbox;
use support::backends::Backend;

/// Opens a session with the agent `target` and sends `message`; returns how the run ended.
fn send_to(http: &Http, target: &str, message: &str) -> Value {
    let session = http.post("/sessions", json!({"target": target})).expect(201);
    let id = session["id"].as_i64().expect("session id");
    http.post(&format!("/sessions/{id}/send"), json!({"message": message})).expect(200)
}

fn a_stdio_server_written_over_rest_starts_only_after_local_approval(backend: Backend) {
    let (sandbox, _server, http) = echo_service(backend);
    let marker = sandbox.path("started");
    let touch = format!("touch '{}'", marker.display());
    let created = http
        .post("/mcp-servers", json!({"name": "shell", "command": "sh", "args": ["-c", touch]}))
        .expect(201);
    assert_eq!(created["written_by"], "api");
    http.post(
        "/agents",
        json!({"name": "helper", "kind": "basic", "llm": "echo",
               "mcp_servers": [{"server": "shell", "allowed_tools": null}]}),
    )
    .expect(201);

    let refused = send_to(&http, "helper", "hi");
    assert_eq!(refused["status"], "failed", "{refused}");
    let error = refused["error"].as_str().unwrap_or_default();
    assert!(error.contains("`agentloom mcp trust shell`"), "{error}");
    assert!(error.contains("written through the REST service"), "{error}");
    assert!(!marker.exists(), "the command ran before it was approved");

    // REST has no way to approve: no endpoint, and trust fields are not part of a body.
    http.post("/mcp-servers/shell/trust", json!({})).error(404, "no such endpoint");
    http.put("/mcp-servers/shell", json!({"trusted_launch": created["trusted_launch"]}))
        .error(400, "unknown field `trusted_launch`");
    http.put("/mcp-servers/shell", json!({"written_by": "local"}))
        .error(400, "unknown field `written_by`");
    assert!(!marker.exists());

    sandbox.run(&["mcp", "trust", "shell"]).ok();
    send_to(&http, "helper", "hi");
    assert!(marker.exists(), "the approved command did not run");

    // A REST change of its arguments asks for approval again.
    std::fs::remove_file(&marker).expect("remove the marker");
    let again = format!("{touch}; true");
    http.put("/mcp-servers/shell", json!({"args": ["-c", again]})).expect(200);
    let refused = send_to(&http, "helper", "hi");
    let error = refused["error"].as_str().unwrap_or_default();
    assert!(error.contains("changed since it was approved"), "{error}");
    assert!(error.contains("`agentloom mcp trust shell`"), "{error}");
    assert!(!marker.exists());
}

/// A loopback listener that keeps every byte it is sent and answers each request 401.
fn recording_listener() -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let url = format!("http://{}/v1", listener.local_addr().expect("addr"));
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&received);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buffer = [0u8; 4096];
            while let Ok(read @ 1..) = stream.read(&mut buffer) {
                kept.lock().expect("kept").extend_from_slice(&buffer[..read]);
                if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n\
                  content-length: 27\r\nconnection: close\r\n\r\n{\"error\":\"not authorized\"}\n",
            );
        }
    });
    (url, received)
}

fn a_key_reference_written_over_rest_is_resolved_only_after_local_approval(backend: Backend) {
    const VAR: &str = "AGENTLOOM_TEST_HOST_SECRET";
    const VALUE: &str = "host-secret-3f9a1c77";
    let sandbox = Sandbox::empty_on(backend);
    let server = ApiServer::start_with(&sandbox, &["--bind", "127.0.0.1:0"], &[(VAR, VALUE)]);
    let http = server.client();
    let (url, received) = recording_listener();
    let created = http
        .post(
            "/llm-configs",
            json!({"name": "remote", "provider": "generic", "model": "m", "base_url": url,
                   "api_key_ref": format!("env:{VAR}")}),
        )
        .expect(201);
    assert_eq!(created["written_by"], "api");
    http.post("/agents", json!({"name": "helper", "kind": "basic", "llm": "remote"})).expect(201);

    let refused = send_to(&http, "helper", "hi");
    let error = refused["error"].as_str().unwrap_or_default();
    assert!(error.contains("`agentloom llm trust remote`"), "{error}");
    thread::sleep(Duration::from_millis(300));
    assert!(received.lock().expect("received").is_empty(), "the endpoint was called");
    http.put("/llm-configs/remote", json!({"trusted_binding": "{}"}))
        .error(400, "unknown field `trusted_binding`");

    sandbox.run(&["llm", "trust", "remote"]).ok();
    let answered = send_to(&http, "helper", "hi");
    assert_eq!(answered["status"], "failed", "the listener refuses every key: {answered}");
    let sent = String::from_utf8_lossy(&received.lock().expect("received")).into_owned();
    assert!(sent.contains(VALUE), "the approved key was not sent: {sent}");

    // Another endpoint asks for approval again; the model and parameters do not.
    http.put("/llm-configs/remote", json!({"request_params": {"temperature": 0.1}})).expect(200);
    let still = send_to(&http, "helper", "hi");
    assert!(!still["error"].as_str().unwrap_or_default().contains("llm trust"), "{still}");
    http.put("/llm-configs/remote", json!({"base_url": "http://127.0.0.1:9/v1"})).expect(200);
    let changed = send_to(&http, "helper", "hi");
    let error = changed["error"].as_str().unwrap_or_default();
    assert!(error.contains("changed since it was approved"), "{error}");

    for reply in [
        http.get("/llm-configs"),
        http.get("/runs"),
        http.get(&format!("/runs/{}/logs", answered["run_id"])),
    ] {
        assert!(!reply.text.contains(VALUE), "{}", reply.text);
    }
    for reply in [&refused, &answered, &still, &changed] {
        assert!(!reply.to_string().contains(VALUE), "{reply}");
    }
}

fn literal_secrets_and_urls_with_passwords_are_refused_without_echoing_them(backend: Backend) {
    const SECRET: &str = "hunter2-4b1d";
    let (_sandbox, _server, http) = echo_service(backend);
    let stdio = |env: Value| json!({"name": "tool", "command": "tool", "env": env});
    let cases = [
        (
            "/mcp-servers",
            stdio(json!({"GITHUB_PAT": SECRET})),
            "env GITHUB_PAT looks like a secret",
        ),
        (
            "/mcp-servers",
            stdio(json!({"DATABASE_URL": format!("postgres://app:{SECRET}@db/app")})),
            "env DATABASE_URL looks like a secret",
        ),
        (
            "/mcp-servers",
            stdio(json!({"UPSTREAM": format!("https://me:{SECRET}@example.com")})),
            "env UPSTREAM holds a URL with a password",
        ),
        (
            "/mcp-servers",
            json!({"name": "web", "url": format!("https://me:{SECRET}@example.com/mcp")}),
            "carries a password",
        ),
        (
            "/llm-configs",
            json!({"name": "llm", "provider": "generic", "model": "m",
                   "base_url": format!("https://me:{SECRET}@example.com/v1")}),
            "base URL (http…) carries a password",
        ),
    ];
    for (path, body, needle) in cases {
        let message = http.post(path, body).error(400, needle);
        assert!(!message.contains(SECRET), "{message}");
        assert!(message.contains("env:"), "{message} does not say to use a reference");
    }
    assert_eq!(http.get("/mcp-servers").expect(200), json!([]));
}

on_both_backends!(
    a_stdio_server_written_over_rest_starts_only_after_local_approval,
    a_key_reference_written_over_rest_is_resolved_only_after_local_approval,
    literal_secrets_and_urls_with_passwords_are_refused_without_echoing_them,
);
