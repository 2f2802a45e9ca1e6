//! Replaying a run that called MCP tools of `@modelcontextprotocol/server-everything` (from npm,
//! over stdio): the tools' results (an image included), and the sampling calls the server made while one ran, come
//! from the recording, so the replay repeats the run step for step even when the server can no
//! longer be started.

#[path = "support/mcp_peers.rs"]
mod mcp_peers;
mod support;

use mcp_peers::everything_script;
use serde_json::{Value, json};
use support::{Run, Sandbox};

fn json_of(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

/// A workflow whose agent echoes, then has the server sample our model, then answers.
fn document(script: &str) -> String {
    let doc = json!({
        "agentloom": 1,
        "workflow": {"name": "mcp_demo", "root": "helper"},
        "agents": [{
            "name": "helper", "type": "basic", "instruction": "Use the tools for: {{input}}",
            "llm": "script",
            "mcp_servers": [{"server": "everything", "allowed_tools": ["echo", "trigger-sampling-request", "get-tiny-image"]}],
        }],
        "llm_configs": [
            {"name": "script", "provider": "playback", "model": "playback",
             "provider_options": {"turns": [
                 {"tool_calls": [
                     {"name": "everything__echo", "arguments": {"message": "hello mcp"}},
                     {"name": "everything__trigger-sampling-request", "arguments": {"prompt": "name a colour", "maxTokens": 20}},
                     {"name": "everything__get-tiny-image", "arguments": {}},
                 ]},
                 "done",
             ]}},
            {"name": "sampler", "provider": "passthrough", "model": "passthrough"},
        ],
        "mcp_servers": [{
            "name": "everything", "transport": "stdio", "command": "node",
            "args": [script, "stdio"], "sampling_llm": "sampler", "init_timeout_secs": 30.0,
        }],
    });
    serde_json::to_string_pretty(&doc).expect("document")
}

fn import(sandbox: &Sandbox, document: &str) {
    let file = sandbox.path("mcp_demo.yaml");
    std::fs::write(&file, document).expect("write document");
    sandbox.run(&["import", file.to_str().expect("path")]).ok();
}

#[test]
fn mcp_tool_results_and_sampling_replay_without_the_server() {
    let sandbox = Sandbox::empty();
    import(&sandbox, &document(&everything_script().display().to_string()));
    sandbox.run(&["mcp", "trust", "everything"]).ok();
    let source = json_of(&sandbox.run(&["--json", "run", "mcp_demo", "-i", "test"]).ok());
    assert_eq!(source["status"], "succeeded", "{source}");
    let source_id = source["run_id"].as_i64().expect("run").to_string();
    let shown = json_of(&sandbox.run(&["--json", "runs", "show", &source_id]).ok());
    let kinds: Vec<&str> = shown["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"sampling"), "the source sampled our model: {kinds:?}");

    // The server now points at a script that does not exist, and is no longer trusted.
    import(&sandbox, &document("/nonexistent/everything.js"));
    let replayed = json_of(&sandbox.run(&["--json", "replay", &source_id]).ok());
    assert_eq!(replayed["status"], "succeeded", "{replayed}");
    assert_eq!(replayed["output"], source["output"]);
    assert_eq!(replayed["tokens"], source["tokens"], "sampling tokens count in both");
    let replay_id = replayed["run_id"].as_i64().expect("run").to_string();
    let diff = json_of(&sandbox.run(&["--json", "runs", "diff", &source_id, &replay_id]).ok());
    assert_eq!(diff["first_divergence"], Value::Null, "{diff:#}");
    let paths: Vec<&str> =
        diff["spans"].as_array().expect("rows").iter().filter_map(|r| r["path"].as_str()).collect();
    assert!(paths.iter().any(|p| p.ends_with("/sampling")), "the sampling step too: {paths:?}");

    let history = |session: &Value| {
        let session = session.as_i64().expect("session").to_string();
        let messages = json_of(&sandbox.run(&["--json", "history", &session]).ok());
        messages
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| (m["role"].clone(), m["content"].clone()))
            .collect::<Vec<_>>()
    };
    let recorded = history(&source["session_id"]);
    assert!(
        recorded.iter().any(|(_, parts)| parts[1]["type"] == "image"),
        "the image came with the tool result: {recorded:?}"
    );
    assert_eq!(history(&replayed["session_id"]), recorded, "the same messages, image included");
}
