//! `agentloom runs prune --older-than DAYS`: runs that ended before the cut go with everything they
//! recorded; newer runs, and old runs still going or waiting in the queue, stay. Both backends.

mod support;

use support::Sandbox;
use support::backends::Backend;

fn count(sandbox: &Sandbox, sql: &str) -> i64 {
    sandbox.raw().value(sql).parse().expect("a count")
}

fn old_runs_go_with_what_they_recorded(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    for input in ["old one", "old two", "new"] {
        sandbox.run(&["run", "writing_chain", "--input", input]).ok();
    }
    let queued = sandbox.run(&["run", "hello_basic", "--input", "old, queued", "--queue"]).ok();
    let queued = queued.stdout.trim().to_owned();
    sandbox
        .raw()
        .execute("UPDATE runs SET created_at = '2026-01-01T00:00:00.000Z', ended_at = '2026-01-01T00:00:05.000Z' WHERE input LIKE 'old%'")
        .expect("two finished runs and a queued one from long ago");
    let spans_before = count(&sandbox, "SELECT count(*) FROM spans");

    let pruned = sandbox.run(&["--json", "runs", "prune", "--older-than", "30"]).ok().stdout;
    let pruned: serde_json::Value = serde_json::from_str(&pruned).expect("JSON");
    assert_eq!(pruned["deleted_runs"], 2, "{pruned}");
    let left: Vec<String> = sandbox.raw().rows("SELECT input FROM runs ORDER BY id").concat();
    assert_eq!(left, ["new", "old, queued"], "the new run and the queued one stay");
    assert_eq!(count(&sandbox, &format!("SELECT count(*) FROM runs WHERE id = {queued}")), 1);
    let orphans = "SELECT count(*) FROM spans s WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = s.run_id)";
    assert_eq!(count(&sandbox, orphans), 0);
    assert!(count(&sandbox, "SELECT count(*) FROM spans") < spans_before, "their spans went too");
    assert_eq!(count(&sandbox, "SELECT count(*) FROM messages WHERE run_id IN (1, 2)"), 0);
    assert_eq!(count(&sandbox, "SELECT count(*) FROM sessions"), 4, "sessions stay");
    sandbox
        .run(&["runs", "prune", "--older-than=-1"])
        .fails_with("--older-than -1: give a number of days, 0 or more");
}

on_both_backends!(old_runs_go_with_what_they_recorded);
