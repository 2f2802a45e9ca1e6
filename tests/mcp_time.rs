//! MCP client against `mcp-server-time` from PyPI (a Python server nobody here wrote, in a
//! virtual environment the tests create from pinned requirements): a tool call whose
//! structuredContent is stored as a message part beside its text.

#[path = "support/mcp_peers.rs"]
mod mcp_peers;
mod support;

use serde_json::{Value, json};
use support::Sandbox;

#[test]
fn a_tool_call_with_structured_content_is_stored_as_parts() {
    let program = mcp_peers::time_server();
    let turns = json!([
        {"tool_calls": [{"name": "time__convert_time", "arguments": {
            "source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}}]},
        "converted",
    ]);
    let document = json!({
        "agentloom": 1,
        "workflow": {"name": "clock", "root": "clerk"},
        "agents": [{"name": "clerk", "type": "basic", "instruction": "Convert times.",
                    "llm": "script", "mcp_servers": [{"server": "time"}]}],
        "llm_configs": [{"name": "script", "provider": "playback", "model": "playback",
                         "provider_options": {"turns": turns}}],
        "mcp_servers": [{"name": "time", "transport": "stdio",
                         "command": program.display().to_string(),
                         "args": ["--local-timezone", "UTC"]}],
    });
    let sandbox = Sandbox::empty();
    let file = sandbox.path("clock.yaml");
    std::fs::write(&file, document.to_string()).expect("write");
    sandbox.run(&["import", file.to_str().expect("path")]).ok();
    sandbox.run(&["mcp", "trust", "time"]).ok();
    let run: Value =
        serde_json::from_str(&sandbox.run(&["--json", "run", "clock", "--input", "noon"]).stdout)
            .expect("run JSON");
    assert_eq!(run["status"], "succeeded", "{run}");
    let session = run["session_id"].as_i64().expect("session").to_string();
    let history: Value =
        serde_json::from_str(&sandbox.run(&["--json", "history", &session]).ok().stdout)
            .expect("history");
    let parts = history
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["role"] == "tool_response")
        .map(|m| m["content"].clone())
        .expect("a tool response");
    assert_eq!(parts[0]["type"], "tool_result");
    assert_eq!(parts[0]["is_error"], false);
    assert!(parts[0]["content"].as_str().unwrap_or_default().contains("Asia/Tokyo"), "{parts}");
    let structured = parts
        .as_array()
        .expect("parts")
        .iter()
        .find(|p| p["type"] == "resource" && p["uri"] == "mcp:structured-content")
        .unwrap_or_else(|| panic!("no structured content part in {parts}"));
    assert_eq!(structured["mime_type"], "application/json");
    let value: Value =
        serde_json::from_str(structured["text"].as_str().expect("json text")).expect("JSON");
    assert_eq!(value["target"]["timezone"], "Asia/Tokyo");
    assert!(
        value["target"]["datetime"].as_str().unwrap_or_default().ends_with("T21:00:00+09:00"),
        "{value}"
    );
    assert_eq!(value["time_difference"], "+9.0h");
}
