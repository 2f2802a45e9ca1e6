//! The store's definition API against a real database file: versions, history, integrity rules.

use agentloom::model::{AgentKind, AgentSpec, LinkKind, LlmConfigSpec, ProviderKind, WorkflowSpec};
use agentloom::store::{Outcome, Store, StoreError};
use serde_json::Map;

mod support;
use support::backends::{Backend, TestDb};

fn store_with_chain(backend: Backend) -> (TestDb, Store) {
    let db = backend.fresh();
    let mut store = Store::connect(&db.location).expect("open");
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
    (db, store)
}

fn an_edit_bumps_the_version_and_keeps_the_old_one_readable(backend: Backend) {
    let (_db, mut store) = store_with_chain(backend);
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

fn chain_steps_are_ordered_in_the_order_they_were_added(backend: Backend) {
    let (_db, store) = store_with_chain(backend);
    let links = store.read(|r| r.links_of("pipeline")).expect("links");
    let steps: Vec<(String, Option<i64>)> =
        links.into_iter().map(|l| (l.child, l.sequence_order)).collect();
    assert_eq!(steps, [("draft".to_owned(), Some(1)), ("polish".to_owned(), Some(2))]);
}

fn deleting_a_used_agent_is_refused_unless_cascading(backend: Backend) {
    let (_db, mut store) = store_with_chain(backend);
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

fn a_link_closing_a_cycle_is_refused_and_changes_nothing(backend: Backend) {
    let (_db, mut store) = store_with_chain(backend);
    store
        .write("tool", |w| w.create_link("draft", "polish", LinkKind::ToolOf, None, &Map::new()))
        .expect("tool");
    let error = store
        .write("cycle", |w| w.create_link("polish", "draft", LinkKind::ToolOf, None, &Map::new()))
        .expect_err("cycle");
    assert!(error.to_string().contains("cycle: draft → polish → draft"), "{error}");
    assert_eq!(store.read(|r| r.counts()).expect("counts").links, 3);
}

fn every_definition_kind_keeps_its_versions(backend: Backend) {
    let (_db, mut store) = store_with_chain(backend);
    store
        .write("edit all", |w| {
            let mut config = w.llm_config("offline")?.spec;
            config.model = "passthrough-2".into();
            assert_eq!(w.update_llm_config("offline", &config)?, Outcome::Updated);
            let mut workflow = w.workflow("writing")?.spec;
            workflow.description = "Draft, then polish".into();
            assert_eq!(w.update_workflow("writing", &workflow)?, Outcome::Updated);
            let link = w.links_of("pipeline")?.remove(0);
            let mut properties = Map::new();
            properties.insert("description".into(), "first".into());
            assert_eq!(w.update_link(link.id, link.sequence_order, &properties)?, Outcome::Updated);
            w.set_agent_llm_overrides("pipeline", &[])?;
            Ok(())
        })
        .expect("edits");
    let (config, workflow, link, revision) = store
        .read(|r| {
            Ok((
                r.llm_config("offline")?,
                r.workflow("writing")?,
                r.links_of("pipeline")?.remove(0),
                r.current_revision()?,
            ))
        })
        .expect("read");
    assert_eq!((config.version, workflow.version, link.version), (2, 2, 2));
    let history = store.read(|r| r.history("llm_config", config.id)).expect("history");
    assert_eq!(
        history.iter().map(|h| h.row["model"].clone()).collect::<Vec<_>>(),
        ["passthrough", "passthrough-2"]
    );
    assert_eq!(history.last().map(|h| h.revision), Some(revision - 2));
}

fn overrides_and_servers_are_part_of_the_agent_version(backend: Backend) {
    let (_db, mut store) = store_with_chain(backend);
    store
        .write("router", |w| {
            w.create_llm_config(&LlmConfigSpec::new("judge", ProviderKind::Playback, "playback"))?;
            let mut router = AgentSpec::new("desk", AgentKind::Router);
            router.llm = Some("offline".into());
            w.create_agent(&router)?;
            w.set_agent_llm_overrides(
                "desk",
                &[agentloom::model::LlmOverride {
                    purpose: agentloom::model::LlmPurpose::Routing,
                    llm: "judge".into(),
                }],
            )
        })
        .expect("router");
    let desk = store.read(|r| r.agent("desk")).expect("agent");
    assert_eq!(desk.version, 2);
    assert_eq!(desk.llm_overrides[0].llm, "judge");
    let history = store.read(|r| r.history("agent", desk.id)).expect("history");
    let judge = store.read(|r| r.llm_config("judge")).expect("judge");
    let routing = history.last().map(|h| h.row["llm_overrides"]["routing"].clone());
    assert_eq!(routing, Some(serde_json::json!(judge.id)), "the snapshot holds the override");
    let error = store.write("used", |w| w.delete_llm_config("judge")).expect_err("judge is used");
    assert!(error.to_string().contains("agent \"desk\" for routing"), "{error}");
}

on_both_backends!(
    an_edit_bumps_the_version_and_keeps_the_old_one_readable,
    chain_steps_are_ordered_in_the_order_they_were_added,
    deleting_a_used_agent_is_refused_unless_cascading,
    a_link_closing_a_cycle_is_refused_and_changes_nothing,
    every_definition_kind_keeps_its_versions,
    overrides_and_servers_are_part_of_the_agent_version,
);

/// Text with a NUL character (a model or a tool may send one) is stored: as it is in SQLite, with
/// U+FFFD in its place in PostgreSQL, whose text cannot hold it.
fn text_with_a_nul_character_is_stored(backend: Backend) {
    let (_db, mut store) = store_with_chain(backend);
    let mut spec = store.read(|r| r.agent("draft")).expect("agent").spec;
    spec.description = "before\0after".into();
    store.write("edit", |w| w.update_agent("draft", &spec)).expect("the write goes through");
    let stored = store.read(|r| r.agent("draft")).expect("agent").spec.description;
    let expected = match backend {
        Backend::Sqlite => "before\0after",
        Backend::Postgres => "before\u{FFFD}after",
    };
    assert_eq!(stored, expected);
}

on_both_backends!(text_with_a_nul_character_is_stored);
