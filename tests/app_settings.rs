//! The settings window, driven through AccessKit with egui_kittest: "Test" on an MCP server
//! connects to `@modelcontextprotocol/server-everything` (from npm, pinned in tests/peers) as a
//! run would and lists its tools in the window; "Approve" lets an imported command start and a
//! key bound over REST be sent.

#![cfg(feature = "gui")]

#[path = "support/app_window.rs"]
mod app_window;
#[path = "support/mcp_peers.rs"]
mod mcp_peers;
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agentloom::app::AgentLoomApp;
use agentloom::store::Store;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use mcp_peers::everything_script;

/// A database with the examples, after `agentloom ARGS` ran on it.
fn database_after(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("settings.db");
    let mut store = Store::open(&db).expect("store");
    agentloom::interchange::seed_examples(&mut store).expect("examples");
    drop(store);
    let done = std::process::Command::new(env!("CARGO_BIN_EXE_agentloom"))
        .arg("--db")
        .arg(&db)
        .args(args)
        .output()
        .expect("agentloom");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    (dir, db)
}

/// Every text the window shows (a label's text is its value in AccessKit).
fn texts(harness: &Harness<'_, AgentLoomApp>) -> Vec<String> {
    harness
        .query_all_by_role(Role::Label)
        .filter_map(|node| node.accesskit_node().value())
        .collect()
}

/// Steps the window until `saved` holds (the worker committed an approval), for 10 s at most.
fn step_until_saved(harness: &mut Harness<'_, AgentLoomApp>, saved: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !saved() {
        assert!(Instant::now() < deadline, "the approval was not saved");
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn test_on_an_mcp_server_lists_its_tools_in_the_window() {
    let command = format!("node {} stdio", everything_script().display());
    let (dir, db) = database_after(&["mcp", "add", "everything", "--command", &command]);
    let mut window = app_window::open_file(dir, db, None);
    let harness = &mut window.harness;
    harness.run_steps(3);
    harness.get_by_label("Settings").click();
    harness.run_steps(3);
    harness.get_by_label("Test").click();
    let deadline = Instant::now() + Duration::from_secs(60);
    let report = loop {
        harness.step();
        if let Some(report) = texts(harness).into_iter().find(|t| t.contains("connected in")) {
            break report;
        }
        assert!(Instant::now() < deadline, "no test result; the window shows {:?}", texts(harness));
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(report.starts_with("✔ everything (mcp-servers/everything"), "{report}");
    assert!(report.contains("everything__echo  Echoes back the input string"), "{report}");
    assert!(report.contains("everything__get-sum"), "{report}");
    assert!(mcp_peers::processes_gone(&everything_script().display().to_string()));
}

#[test]
fn an_imported_server_starts_only_once_approved_in_the_window() {
    let block = std::env::temp_dir().join(format!("agentloom-servers-{}.json", std::process::id()));
    std::fs::write(
        &block,
        r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}"#,
    )
    .expect("write");
    let (dir, db) = database_after(&["mcp", "import", block.to_str().expect("path")]);
    std::fs::remove_file(&block).expect("remove");
    let may_launch = |db: &Path| {
        Store::open(db).expect("store").read(|r| r.mcp_server("fetch")).expect("row").may_launch()
    };
    assert!(!may_launch(&db), "an imported command waits for approval");

    let mut window = app_window::open_file(dir, db.clone(), None);
    let harness = &mut window.harness;
    harness.run_steps(3);
    harness.get_by_label("Settings").click();
    harness.run_steps(3);
    assert!(harness.query_by_label("Test").is_none(), "an unapproved server cannot be tried");
    harness.get_by_label("Approve…").click();
    harness.run_steps(2);
    harness.get_by_label("Run this command on this computer when an agent needs it?");
    harness.get_by_label("Approve").click();
    step_until_saved(harness, || may_launch(&db));
    harness.run_steps(3);
    harness.get_by_label("Test");
}

#[test]
fn a_key_bound_over_rest_is_approved_in_the_window() {
    use agentloom::model::{Author, LlmConfigSpec, ProviderKind, SecretRef};
    let (dir, db) = database_after(&["llm", "list"]);
    let mut spec = LlmConfigSpec::new("remote", ProviderKind::Generic, "m");
    spec.base_url = Some("http://127.0.0.1:9/v1".into());
    spec.api_key_ref = Some(SecretRef::Env("REMOTE_KEY".into()));
    Store::open(&db)
        .expect("store")
        .write_as(Author::Api, "adding an LLM config", |w| w.create_llm_config(&spec))
        .expect("written as a REST client");
    let approved = |db: &Path| {
        let config = Store::open(db).expect("store").read(|r| r.llm_config("remote"));
        config.expect("row").unapproved().is_none()
    };
    assert!(!approved(&db), "a key a REST client bound waits for approval");

    let mut window = app_window::open_file(dir, db.clone(), None);
    let harness = &mut window.harness;
    harness.run_steps(3);
    harness.get_by_label("Settings").click();
    harness.run_steps(3);
    harness.get_by_label("Approve").click();
    step_until_saved(harness, || approved(&db));
    harness.run_steps(3);
    assert!(harness.query_by_label("Approve").is_none(), "{:?}", texts(harness));
}
