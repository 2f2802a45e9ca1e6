//! The store's definition API against a real database file: versions, history, integrity rules.

use agentloom::model::{AgentKind, AgentSpec, LinkKind, LlmConfigSpec, ProviderKind, WorkflowSpec};
use agentloom::store::{Outcome, Store, StoreError};
use serde_json::Map;

fn store_with_chain() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("test.db")).expect("open");
    store
        .write("seed", |w| {
            w.create_llm_config(&LlmConfigSpec::new(
                "offline",
                ProviderKind::Passthrough,
                "passthrough",
            ))?;
            for name in ["draft", "polish"] {
                let mut spec = AgentSpec::new(name, AgentKind::Basic);
                spec.llm = Some("offline".into());
                w.create_agent(&spec)?;
            }
            w.create_agent(&AgentSpec::new("pipeline", AgentKind::Chain))?;
            w.create_link("pipeline", "draft", LinkKind::ChainsTo, None, &Map::new())?;
            w.create_link("pipeline", "polish", LinkKind::ChainsTo, None, &Map::new())?;
            w.create_workflow(&WorkflowSpec {
                name: "writing".into(),
                description: String::new(),
                root: "pipeline".into(),
                webhook_url: None,
            })?;
            Ok(())
        })
        .expect("seed");
    (dir, store)
}

#[test]
fn an_edit_bumps_the_version_and_keeps_the_old_one_readable() {
    let (_dir, mut store) = store_with_chain();
    let before = store.read(|r| r.agent("draft")).expect("agent");
    assert_eq!(before.version, 1);

    let outcome = store
        .write("edit", |w| {
            let mut spec = before.spec.clone();
            spec.instruction = "Write a first draft of {{input}}".into();
            w.update_agent("draft", &spec)
        })
        .expect("edit");
    assert_eq!(outcome, Outcome::Updated);
    let unchanged =
        store.write("same", |w| w.update_agent("draft", &w.agent("draft")?.spec)).expect("same");
    assert_eq!(unchanged, Outcome::Unchanged);

    let after = store.read(|r| r.agent("draft")).expect("agent");
    assert_eq!(after.version, 2);
    let history = store.read(|r| r.history("agent", after.id)).expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].row["instruction"], "");
    assert_eq!(history[1].row["instruction"], "Write a first draft of {{input}}");
    assert!(history[0].revision < history[1].revision);
    let old = store.read(|r| r.version_at("agent", after.id, history[0].revision)).expect("at");
    assert_eq!(old.map(|e| e.version), Some(1));
}

#[test]
fn chain_steps_are_ordered_in_the_order_they_were_added() {
    let (_dir, store) = store_with_chain();
    let links = store.read(|r| r.links_of("pipeline")).expect("links");
    let steps: Vec<(String, Option<i64>)> =
        links.into_iter().map(|l| (l.child, l.sequence_order)).collect();
    assert_eq!(steps, [("draft".to_owned(), Some(1)), ("polish".to_owned(), Some(2))]);
}

#[test]
fn deleting_a_used_agent_is_refused_unless_cascading() {
    let (_dir, mut store) = store_with_chain();
    let error = store.write("rm", |w| w.delete_agent("pipeline", false)).expect_err("in use");
    let message = error.to_string();
    assert!(matches!(error, StoreError::InUse { .. }));
    assert!(message.contains("link pipeline -chains_to-> draft"), "{message}");
    assert!(message.contains("workflow \"writing\""), "{message}");
    assert_eq!(store.read(|r| r.counts()).expect("counts").agents, 3);

    let deleted = store.write("rm", |w| w.delete_agent("pipeline", true)).expect("cascade");
    assert_eq!(deleted.links, 2);
    assert_eq!(deleted.workflows, ["writing"]);
    let counts = store.read(|r| r.counts()).expect("counts");
    assert_eq!((counts.agents, counts.links, counts.workflows), (2, 0, 0));
    assert!(store.read(|r| r.integrity_problems()).expect("check").is_empty());
}

#[test]
fn a_link_closing_a_cycle_is_refused_and_changes_nothing() {
    let (_dir, mut store) = store_with_chain();
    store
        .write("tool", |w| w.create_link("draft", "polish", LinkKind::ToolOf, None, &Map::new()))
        .expect("tool");
    let error = store
        .write("cycle", |w| w.create_link("polish", "draft", LinkKind::ToolOf, None, &Map::new()))
        .expect_err("cycle");
    assert!(error.to_string().contains("cycle: draft → polish → draft"), "{error}");
    assert_eq!(store.read(|r| r.counts()).expect("counts").links, 3);
}
