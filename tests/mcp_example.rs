//! The shipped MCP example (`assets/examples/mcp_tools.yaml`): it is its own canonical export,
//! it runs from `agentloom run` once its imported server is trusted and server-everything is
//! installed in tests/peers (as the test support does), its npx launcher and node child are gone
//! when the CLI exits, and where the package is not installed it fails at once naming the server
//! and how to install it.

#[path = "support/mcp_peers.rs"]
mod mcp_peers;
mod support;

use std::path::Path;

use serde_json::Value;
use support::Sandbox;

const EXAMPLE: &str = include_str!("../assets/examples/mcp_tools.yaml");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn imported(text: &str) -> Sandbox {
    let sandbox = Sandbox::empty();
    let file = sandbox.path("mcp_tools.yaml");
    std::fs::write(&file, text).expect("write");
    sandbox.run(&["import", file.to_str().expect("path")]).ok();
    sandbox
}

#[test]
fn the_example_is_its_canonical_export() {
    let sandbox = imported(EXAMPLE);
    let out = sandbox.path("out.yaml");
    sandbox.run(&["export", "mcp_tools", "-o", out.to_str().expect("path")]).ok();
    assert_eq!(std::fs::read_to_string(out).expect("exported"), EXAMPLE);
}

#[test]
fn the_example_runs_once_trusted_and_leaves_no_process_behind() {
    mcp_peers::everything_script(); // installs the pinned server into tests/peers
    let sandbox = imported(EXAMPLE);
    // From the repository root, where the example's working directory tests/peers is.
    let run = |args: &[&str]| {
        support::Run::from(sandbox.command(args).current_dir(repo()).output().expect("run"))
    };
    run(&["run", "mcp_tools", "--input", "Check"]).fails_with("agentloom mcp trust everything");
    sandbox.run(&["mcp", "trust", "everything"]).ok();
    let ran = run(&["--json", "run", "mcp_tools", "--input", "Check"]).ok();
    let outcome: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(outcome["output"], "The everything server echoed the greeting and added 19 and 23.");
    let session = outcome["session_id"].to_string();
    let history = sandbox.run(&["history", &session]).ok().stdout;
    assert!(history.contains("Echo: Hello from AgentLoom"), "{history}");
    assert!(history.contains("The sum of 19 and 23 is 42."), "{history}");
    for launched in ["server-everything@2026.8.31 stdio", ".bin/mcp-server-everything stdio"] {
        assert!(mcp_peers::processes_gone(launched), "{launched} outlived the CLI");
    }
}

#[test]
fn without_the_package_the_run_fails_at_once_naming_the_server_and_how_to_install() {
    let empty = tempfile::tempdir().expect("dir");
    let elsewhere =
        EXAMPLE.replace("cwd: tests/peers", &format!("cwd: {}", empty.path().display()));
    let sandbox = imported(&elsewhere);
    sandbox.run(&["mcp", "trust", "everything"]).ok();
    let failed = sandbox.run(&["run", "mcp_tools", "--input", "Check"]);
    let failed = failed.fails_with("MCP server \"everything\" exited");
    assert!(failed.stderr.contains("missing packages"), "{}", failed.stderr);
    assert!(failed.stderr.contains("install it with npm"), "{}", failed.stderr);
}
