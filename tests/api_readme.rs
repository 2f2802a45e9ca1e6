//! The README's REST service lines (the block fenced as ```sh api), run with curl as a newcomer
//! would paste them, against `agentloom serve --http` on a new database with the examples: an
//! agent is created, a session opened, and the answer comes back.

#[path = "support/api_server.rs"]
mod api_server;
mod support;

use std::io::ErrorKind;
use std::process::Command;

use api_server::ApiServer;
use serde_json::Value;
use support::Sandbox;

/// The address the README's lines use; the test's service listens on a free port instead.
const README_ADDRESS: &str = "localhost:8480";

/// The `curl ...` lines of the README block fenced as ```sh api.
fn curl_lines() -> Vec<String> {
    let readme = include_str!("../README.md");
    let start = readme.find("```sh api").expect("README has a ```sh api block");
    let block = &readme[start..];
    let block = &block[block.find('\n').expect("newline") + 1..];
    let block = &block[..block.find("```").expect("closing fence")];
    block
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("curl "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_readme_curl_lines_create_an_agent_open_a_session_and_get_an_answer() {
    let lines = curl_lines();
    assert_eq!(lines.len(), 3, "the README promises three commands: {lines:?}");
    assert!(lines.iter().all(|line| line.contains(README_ADDRESS)), "{lines:?}");
    let sandbox = Sandbox::seeded();
    let server = ApiServer::start(&sandbox);
    let answers: Vec<Value> = lines
        .iter()
        .map(|line| {
            let line = line.replace(README_ADDRESS, &server.addr.to_string());
            let output =
                Command::new("sh").arg("-c").arg(&line).output().unwrap_or_else(|e| {
                    match e.kind() {
                        ErrorKind::NotFound => panic!("`sh` is not on PATH"),
                        _ => panic!("cannot run `{line}`: {e}"),
                    }
                });
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "`{line}` failed (is curl installed?): {stdout}");
            serde_json::from_str(&stdout)
                .unwrap_or_else(|e| panic!("`{line}` printed no JSON ({e}): {stdout}"))
        })
        .collect();
    assert_eq!(answers[0]["name"], "greeter", "{}", answers[0]);
    assert_eq!(answers[1]["id"], 1, "the README's third line sends to session 1: {}", answers[1]);
    assert_eq!(answers[1]["agent"], "greeter");
    assert_eq!(answers[2]["status"], "succeeded", "{}", answers[2]);
    assert_eq!(answers[2]["output"], "Hello!");
}
