//! `agentloom mcp test` and `mcp tools` against server-everything (over stdio and streamable
//! HTTP), and the diagnosis each way of failing gets: command not found, exited with its status
//! and stderr, no answer within the init timeout, an HTTP error status, an unapproved import.

#[path = "support/mcp_peers.rs"]
mod mcp_peers;
mod support;

use mcp_peers::{EverythingHttp, everything_script};
use serde_json::Value;
use support::Sandbox;
use support::backends::Backend;

fn add_everything(sandbox: &Sandbox) {
    let command = format!("node {} stdio", everything_script().display());
    sandbox.run(&["mcp", "add", "everything", "--command", &command]).ok();
}

#[test]
fn test_prints_server_info_tools_prompts_and_resources_with_timings() {
    let sandbox = Sandbox::empty();
    add_everything(&sandbox);
    let shown = sandbox.run(&["mcp", "test", "everything"]).ok();
    let out = &shown.stdout;
    assert!(out.contains("everything: mcp-servers/everything"), "{out}");
    assert!(out.contains("connected in "), "{out}");
    assert!(out.contains("Tools ("), "{out}");
    assert!(out.contains("listed in "), "{out}");
    assert!(out.contains("everything__echo  Echoes back the input string"), "{out}");
    // These appear only because we declare sampling, elicitation and roots.
    for conditional in ["trigger-sampling-request", "trigger-elicitation-request", "get-roots-list"]
    {
        assert!(out.contains(&format!("everything__{conditional}")), "{conditional}: {out}");
    }
    assert!(out.contains("args-prompt city [state]"), "{out}");
    assert!(out.contains("demo://resource/static/document/architecture.md"), "{out}");

    let json: Value =
        serde_json::from_str(&sandbox.run(&["--json", "mcp", "test", "everything"]).ok().stdout)
            .expect("JSON");
    assert_eq!(json["server"]["name"], "mcp-servers/everything");
    assert!(
        json["prompts"].as_array().is_some_and(|p| p.iter().any(|p| p["name"] == "simple-prompt"))
    );
}

#[test]
fn tools_lists_names_as_agents_see_them_over_http_too() {
    let server = EverythingHttp::start();
    let sandbox = Sandbox::empty();
    sandbox.run(&["mcp", "add", "web", "--url", &server.url()]).ok();
    let table = sandbox.run(&["mcp", "tools", "web"]).ok().stdout;
    assert!(table.contains("web__get-sum"), "{table}");
    let json: Value =
        serde_json::from_str(&sandbox.run(&["--json", "mcp", "tools", "web"]).ok().stdout)
            .expect("JSON");
    let sum =
        json.as_array().and_then(|t| t.iter().find(|t| t["name"] == "get-sum")).expect("get-sum");
    assert_eq!(sum["input_schema"]["properties"]["a"]["type"], "number");
}

#[test]
fn failures_are_diagnosed() {
    let sandbox = Sandbox::empty();
    sandbox.run(&["mcp", "add", "missing", "--command", "no-such-program-here --flag"]).ok();
    sandbox.run(&["mcp", "test", "missing"]).fails_with(
        "MCP server \"missing\" cannot start: `no-such-program-here` was not found on PATH",
    );

    sandbox
        .run(&["mcp", "add", "dies", "--command", "sh -c 'echo the config is broken >&2; exit 3'"])
        .ok();
    sandbox
        .run(&["mcp", "test", "dies"])
        .fails_with("MCP server \"dies\" exited (exit status: 3) before it answered; the end of its stderr:\nthe config is broken");

    sandbox.run(&["mcp", "add", "mute", "--command", "sleep 30", "--init-timeout", "0.5"]).ok();
    sandbox
        .run(&["mcp", "test", "mute"])
        .fails_with("MCP server \"mute\" did not finish initializing within 0.5 s");

    sandbox
        .run(&["mcp", "add", "legacy", "--url", "http://127.0.0.1:9/sse", "--transport", "sse"])
        .ok();
    sandbox
        .run(&["mcp", "test", "legacy"])
        .fails_with("the legacy SSE transport is no longer offered");

    let server = EverythingHttp::start();
    let wrong = format!("http://127.0.0.1:{}/nowhere", server.port);
    sandbox.run(&["mcp", "add", "lost", "--url", &wrong]).ok();
    sandbox.run(&["mcp", "test", "lost"]).fails_with("HTTP 404 Not Found");
}

#[test]
fn an_imported_stdio_server_starts_only_once_trusted_and_a_change_revokes_it() {
    let sandbox = Sandbox::empty();
    let config = serde_json::json!({"mcpServers": {"everything": {
        "command": "node", "args": [everything_script().display().to_string(), "stdio"],
    }}});
    let file = sandbox.path("claude.json");
    std::fs::write(&file, config.to_string()).expect("write");
    sandbox.run(&["mcp", "import", file.to_str().expect("path")]).ok();
    sandbox.run(&["mcp", "tools", "everything"]).fails_with("agentloom mcp trust everything");
    sandbox.run(&["mcp", "trust", "everything"]).ok();
    sandbox.run(&["mcp", "tools", "everything"]).ok();
    // Importing a different command line for it revokes the approval.
    let changed = serde_json::json!({"mcpServers": {"everything": {
        "command": "node", "args": [everything_script().display().to_string(), "stdio", "--extra"],
    }}});
    std::fs::write(&file, changed.to_string()).expect("write");
    sandbox.run(&["mcp", "import", file.to_str().expect("path")]).ok();
    sandbox.run(&["mcp", "tools", "everything"]).fails_with("agentloom mcp trust everything");
}

#[test]
fn an_env_value_changed_by_a_reimport_revokes_the_approval() {
    let sandbox = Sandbox::empty();
    let marker = sandbox.path("started");
    let file = sandbox.path("servers.json");
    let import = |bash_env: &str| {
        let config = serde_json::json!({"mcpServers": {"shell": {
            "command": "sh", "args": ["-c", format!("touch '{}'", marker.display())],
            "env": {"BASH_ENV": bash_env},
        }}});
        std::fs::write(&file, config.to_string()).expect("write");
        sandbox.run(&["mcp", "import", file.to_str().expect("path")]).ok();
    };
    import("/dev/null");
    sandbox.run(&["mcp", "tools", "shell"]).fails_with("agentloom mcp trust shell");
    assert!(!marker.exists(), "it started before it was approved");
    sandbox.run(&["mcp", "trust", "shell"]).ok();
    sandbox.run(&["mcp", "tools", "shell"]).fails_with("exited");
    assert!(marker.exists(), "the approved command did not start");
    std::fs::remove_file(&marker).expect("remove the marker");

    import("evil.sh");
    let refused = sandbox.run(&["mcp", "tools", "shell"]).fails_with("agentloom mcp trust shell");
    assert!(refused.stderr.contains("changed since it was approved"), "{}", refused.stderr);
    assert!(!marker.exists(), "a changed environment started without approval");
}

#[test]
fn header_secret_references_are_resolved_when_connecting() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    // One request is read and refused; its head is kept.
    let head = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut seen = Vec::new();
        let mut buffer = [0u8; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = stream.read(&mut buffer).expect("read");
            if read == 0 {
                break;
            }
            seen.extend_from_slice(&buffer[..read]);
        }
        let _ = stream.write_all(
            b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        String::from_utf8_lossy(&seen).to_lowercase()
    });
    let sandbox = Sandbox::empty();
    sandbox
        .run(&[
            "mcp",
            "add",
            "guarded",
            "--url",
            &url,
            "--header",
            "Authorization=env:AGENTLOOM_TEST_TOKEN",
            "--header",
            "X-Team-Secret=env:AGENTLOOM_TEST_TEAM",
        ])
        .ok();
    let mut command = sandbox.command(&["mcp", "test", "guarded"]);
    command.env("AGENTLOOM_TEST_TOKEN", "tok-123").env("AGENTLOOM_TEST_TEAM", "team-456");
    let refused = support::Run::from(command.output().expect("run"));
    let refused = refused.fails_with("MCP server \"guarded\" could not be reached");
    assert!(!refused.stderr.contains("tok-123") && !refused.stderr.contains("team-456"));
    let head = head.join().expect("listener");
    assert!(head.contains("authorization: bearer tok-123"), "{head}");
    assert!(head.contains("x-team-secret: team-456"), "{head}");
    assert!(!support::dump(&sandbox.db).contains("tok-123"));
}

/// An approval is the approving machine's: one given elsewhere (a teammate's, on a shared
/// PostgreSQL database) lets nothing start here until this machine's user approves too.
fn an_approval_given_on_another_machine_starts_nothing_here(backend: Backend) {
    let sandbox = Sandbox::empty_on(backend);
    let marker = sandbox.path("started");
    let config = serde_json::json!({"mcpServers": {"shell": {
        "command": "sh", "args": ["-c", format!("touch '{}'", marker.display())],
    }}});
    let file = sandbox.path("servers.json");
    std::fs::write(&file, config.to_string()).expect("write");
    sandbox.run(&["mcp", "import", file.to_str().expect("path")]).ok();
    sandbox.run(&["mcp", "trust", "shell"]).ok();
    sandbox
        .raw()
        .execute("UPDATE launch_approvals SET host = 'another-machine'")
        .expect("the approval moves to another machine");
    sandbox.run(&["mcp", "tools", "shell"]).fails_with("agentloom mcp trust shell");
    assert!(!marker.exists(), "another machine's approval started it here");
    sandbox.run(&["mcp", "trust", "shell"]).ok();
    sandbox.run(&["mcp", "tools", "shell"]).fails_with("exited");
    assert!(marker.exists(), "this machine's approval did not start it");
    let approvals = sandbox.raw().value("SELECT count(*) FROM launch_approvals");
    assert_eq!(approvals, "2", "each machine keeps its own");
}

on_both_backends!(an_approval_given_on_another_machine_starts_nothing_here);
