//! `agentloom db copy`: a whole database, SQLite to PostgreSQL and back, keeps every row with its
//! id, version and history (the file that comes back dumps byte for byte like the one that left),
//! every workflow exports the same and every run shows the same tree on the way; a target that
//! holds anything is refused and left as it was.

mod support;

use agentloom::interchange::EXAMPLES;
use serde_json::Value;
use support::Sandbox;
use support::backends::Backend;

/// Every workflow's export and every run's tree, as the CLI shows them.
fn what_users_see(sandbox: &Sandbox) -> Vec<String> {
    let mut seen: Vec<String> =
        EXAMPLES.iter().map(|e| sandbox.run(&["export", e.workflow]).ok().stdout).collect();
    let runs = sandbox.run(&["--json", "runs", "list", "--limit", "1000"]).ok().stdout;
    let runs: Value = serde_json::from_str(&runs).expect("JSON");
    for run in runs.as_array().expect("runs") {
        let id = run["id"].to_string();
        seen.push(sandbox.run(&["--json", "runs", "show", &id]).ok().stdout);
    }
    seen
}

#[test]
fn a_file_goes_to_postgresql_and_back_unchanged() {
    let original = Sandbox::seeded_on(Backend::Sqlite);
    for example in EXAMPLES {
        original.run(&["run", example.workflow, "--input", "Why is the sky blue?"]).ok();
    }
    // A definition with a history of its own, and a replay that refers to a span.
    original.run(&["agent", "edit", "drafter", "--instruction", "Draft it."]).ok();
    original.run(&["replay", "2"]).ok();
    let before = original.dump();
    let seen = what_users_see(&original);

    let server = Sandbox::on(Backend::Postgres);
    let copied = original
        .run(&["db", "copy", &original.location.to_string(), &server.location.to_string()])
        .ok();
    assert!(copied.stdout.starts_with("Copied "), "{}", copied.stdout);
    assert_eq!(what_users_see(&server), seen, "PostgreSQL shows what the file showed");
    let checked = server.run(&["db", "check"]).ok().stdout;
    assert!(
        checked.contains("No problems: integrity, foreign keys and workflow structure"),
        "{checked}"
    );

    let back = Sandbox::on(Backend::Sqlite);
    back.run(&["db", "copy", &server.location.to_string(), &back.location.to_string()]).ok();
    assert_eq!(back.dump(), before, "the file came back as it left");
    assert_eq!(what_users_see(&back), seen);

    // New rows on the copy get new ids.
    server.run(&["agent", "add", "newcomer", "--type", "chain"]).ok();
    server.run(&["run", "hello_basic", "--input", "again"]).ok();
}

#[test]
fn a_target_that_holds_anything_is_refused_unchanged() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let source = Sandbox::seeded_on(Backend::Sqlite);
        let target = Sandbox::seeded_on(backend);
        let before = target.dump();
        source
            .run(&["db", "copy", &source.location.to_string(), &target.location.to_string()])
            .fails_with("is not empty: it holds 4 llm_configs");
        assert_eq!(target.dump(), before, "the refused target changed");
    }
    let nowhere = Sandbox::on(Backend::Sqlite);
    let target = Sandbox::on(Backend::Sqlite);
    nowhere
        .run(&["db", "copy", &nowhere.location.to_string(), &target.location.to_string()])
        .fails_with("there is no database there to copy");
}
