//! Edits the window asks for, applied to the database by the worker thread. Every edit is one
//! committed transaction (no Save button), is journalled with the edit that undoes it (so undo and
//! redo survive a restart), and when refused leaves the file as it was.

use serde::{Deserialize, Serialize};

use super::restore::{AgentSnapshot, capture_agent, restore_agent};
use crate::model::{
    AgentKind, AgentMcpServer, AgentSpec, JsonObject, LinkKind, LlmConfigSpec, LlmOverride,
    NodePosition, WorkflowSpec,
};
use crate::store::{LinkSelector, Store, Writer};

/// One change a user makes in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum Edit {
    /// A new agent of `kind`, named after its kind, placed on `workflow`'s canvas.
    CreateAgent {
        kind: AgentKind,
        workflow: String,
        position: NodePosition,
    },
    /// An existing agent put on `workflow`'s canvas.
    PlaceAgent {
        workflow: String,
        agent: String,
        position: NodePosition,
    },
    /// An agent taken off `workflow`'s canvas (it stays in the database).
    UnplaceAgent {
        workflow: String,
        agent: String,
    },
    /// Nodes moved on `workflow`'s canvas.
    MoveNodes {
        workflow: String,
        positions: Vec<(String, NodePosition)>,
    },
    Link {
        parent: String,
        child: String,
        kind: LinkKind,
        order: Option<i64>,
        properties: JsonObject,
    },
    Unlink {
        parent: String,
        child: String,
        kind: LinkKind,
    },
    DeleteAgent {
        name: String,
    },
    /// An agent brought back as it was before it was deleted.
    RestoreAgent {
        snapshot: Box<AgentSnapshot>,
    },
    /// Several agents deleted at once (undoes a duplication).
    DeleteAgents {
        names: Vec<String>,
    },
    /// Agents brought back (undoes `DeleteAgents`).
    RestoreAgents {
        snapshots: Vec<AgentSnapshot>,
    },
    /// Copies of `agents` (with the links among them) placed on `workflow`'s canvas, shifted by `offset`.
    Duplicate {
        workflow: String,
        agents: Vec<String>,
        offset: (f64, f64),
    },
    UpdateAgent {
        name: String,
        spec: Box<AgentSpec>,
    },
    /// A link's order and properties changed.
    UpdateLink {
        parent: String,
        child: String,
        kind: LinkKind,
        order: Option<i64>,
        properties: JsonObject,
    },
    /// The agent's per-purpose LLM overrides and MCP servers (with their tool allow-lists).
    SetAgentParts {
        name: String,
        llm_overrides: Vec<LlmOverride>,
        mcp_servers: Vec<AgentMcpServer>,
    },
    /// A new workflow with a new basic agent as its root.
    CreateWorkflow {
        name: String,
    },
    /// A workflow and its root agent removed (undoes `CreateWorkflow`).
    DeleteWorkflow {
        name: String,
        root: String,
    },
    /// A YAML workflow document read into the database (all or nothing; not undoable).
    ImportYaml {
        path: std::path::PathBuf,
    },
    /// A workflow written to a YAML file.
    ExportYaml {
        workflow: String,
        path: std::path::PathBuf,
    },
    /// An LLM config created (`previous` None) or replaced.
    SaveLlmConfig {
        previous: Option<String>,
        spec: Box<LlmConfigSpec>,
    },
    DeleteLlmConfig {
        name: String,
    },
    /// MCP servers read from a pasted `mcpServers` block (not undoable).
    ImportMcpServers {
        json: String,
    },
    /// An imported MCP server's exact launch approved (a decision about this machine, not undone).
    TrustMcpServer {
        name: String,
    },
    /// An LLM config's provider, endpoint and key reference approved (a decision about this
    /// machine, not undone).
    TrustLlmConfig {
        name: String,
    },
    Undo,
    Redo,
}

/// Applies `edit` as `editor` (whose undo and redo it joins); says what it did, or why it was
/// refused.
pub fn apply(store: &mut Store, editor: &str, edit: Edit) -> Result<String, String> {
    if let Edit::ExportYaml { path, .. } = &edit {
        store.refuse_own_file(path, "exporting to").map_err(|e| e.to_string())?;
    }
    let result = match edit {
        Edit::ImportYaml { path } => return import_yaml_file(store, &path),
        Edit::ImportMcpServers { json } => return import_mcp_block(store, &json),
        Edit::Undo => store.write("undoing", |w| step_journal(w, editor, true)),
        Edit::Redo => store.write("redoing", |w| step_journal(w, editor, false)),
        edit => store.write("editing", |w| {
            let (message, inverse) = perform(w, &edit)?;
            if let Some(inverse) = inverse {
                let forward = serde_json::to_value(&edit).map_err(|e| invalid(e.to_string()))?;
                let inverse = serde_json::to_value(&inverse).map_err(|e| invalid(e.to_string()))?;
                w.journal_edit(editor, &message, &forward, &inverse)?;
            }
            Ok(message)
        }),
    };
    result.map_err(|error| error.to_string())
}

/// Imports a workflow YAML file, all or nothing, as `agentloom import` does (not undoable).
fn import_yaml_file(store: &mut Store, path: &std::path::Path) -> Result<String, String> {
    store.refuse_own_file(path, "importing").map_err(|e| e.to_string())?;
    let text = crate::interchange::read_document(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let report = crate::interchange::import_yaml(store, &text).map_err(|e| e.to_string())?;
    let changed =
        report.changes.iter().filter(|c| c.outcome != crate::store::Outcome::Unchanged).count();
    Ok(format!("Imported {} ({changed} changes).", path.display()))
}

/// Adds the servers of a pasted `mcpServers` block, as `agentloom mcp import` does (not undoable).
fn import_mcp_block(store: &mut Store, json: &str) -> Result<String, String> {
    let (parsed, _) =
        crate::interchange::import_mcp_servers(store, json).map_err(|e| e.to_string())?;
    let names: Vec<&str> = parsed.servers.iter().map(|s| s.name.as_str()).collect();
    let mut message = format!("Imported MCP servers: {}.", names.join(", "));
    for note in parsed.notes {
        message.push_str(&format!(" Note: {note}."));
    }
    Ok(message)
}

fn invalid(message: String) -> crate::store::StoreError {
    crate::store::StoreError::Invalid(message)
}

/// Undoes `editor`'s last done edit, or redoes their first undone one.
fn step_journal(w: &Writer<'_>, editor: &str, undo: bool) -> crate::store::Result<String> {
    let entry = if undo { w.last_done_edit(editor)? } else { w.first_undone_edit(editor)? };
    let Some(entry) = entry else {
        return Ok(if undo { "Nothing to undo." } else { "Nothing to redo." }.to_owned());
    };
    let stored = if undo { entry.inverse } else { entry.forward };
    let edit: Edit = serde_json::from_value(stored)
        .map_err(|e| invalid(format!("the journalled edit cannot be read: {e}")))?;
    perform(w, &edit)?;
    w.mark_edit(entry.id, undo)?;
    Ok(format!("{}: {}", if undo { "Undone" } else { "Redone" }, entry.label))
}

/// Carries out `edit`; returns what it did and the edit that undoes it (`None` for edits that are
/// not journalled, such as undo itself).
fn perform(w: &Writer<'_>, edit: &Edit) -> crate::store::Result<(String, Option<Edit>)> {
    Ok(match edit {
        Edit::CreateAgent { kind, workflow, position } => {
            let taken: Vec<String> = w.agents()?.into_iter().map(|a| a.spec.name).collect();
            let name = (1..)
                .map(|n| format!("{kind}_{n}"))
                .find(|n| !taken.contains(n))
                .unwrap_or_default();
            let mut spec = AgentSpec::new(&name, *kind);
            spec.llm = favourite_llm(w)?.filter(|_| kind.calls_llm(2));
            w.create_agent(&spec)?;
            w.set_node_position(workflow, &name, *position)?;
            (format!("Added {kind} agent \"{name}\"."), Some(Edit::DeleteAgent { name }))
        }
        Edit::PlaceAgent { workflow, agent, position } => {
            w.set_node_position(workflow, agent, *position)?;
            let inverse = Edit::UnplaceAgent { workflow: workflow.clone(), agent: agent.clone() };
            (format!("Placed \"{agent}\" on the canvas."), Some(inverse))
        }
        Edit::UnplaceAgent { workflow, agent } => {
            let position =
                w.layout(workflow)?.get(agent).copied().unwrap_or(NodePosition { x: 0.0, y: 0.0 });
            w.remove_node(workflow, agent)?;
            let inverse =
                Edit::PlaceAgent { workflow: workflow.clone(), agent: agent.clone(), position };
            (format!("Took \"{agent}\" off the canvas."), Some(inverse))
        }
        Edit::MoveNodes { workflow, positions } => {
            let before = w.layout(workflow)?;
            let mut previous = Vec::new();
            for (agent, position) in positions {
                previous.push((agent.clone(), before.get(agent).copied().unwrap_or(*position)));
                w.set_node_position(workflow, agent, *position)?;
            }
            let moved = positions.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>().join(", ");
            (
                format!("Moved {moved}."),
                Some(Edit::MoveNodes { workflow: workflow.clone(), positions: previous }),
            )
        }
        Edit::Link { parent, child, kind, order, properties } => {
            w.create_link(parent, child, *kind, *order, properties)?;
            let inverse =
                Edit::Unlink { parent: parent.clone(), child: child.clone(), kind: *kind };
            (format!("Linked {parent} -{kind}-> {child}."), Some(inverse))
        }
        Edit::Unlink { parent, child, kind } => {
            let selector = LinkSelector { parent, child, kind: Some(*kind), order: None };
            let link = w.delete_link(&selector)?;
            let inverse = Edit::Link {
                parent: parent.clone(),
                child: child.clone(),
                kind: *kind,
                order: link.sequence_order,
                properties: link.properties,
            };
            (format!("Removed {parent} -{kind}-> {child}."), Some(inverse))
        }
        Edit::DeleteAgent { name } => {
            let snapshot = capture_agent(w, name)?;
            let deleted = w.delete_agent(name, true)?;
            let inverse = Edit::RestoreAgent { snapshot: Box::new(snapshot) };
            (format!("Deleted \"{name}\" and {} links.", deleted.links), Some(inverse))
        }
        Edit::DeleteAgents { names } => {
            let mut snapshots = Vec::new();
            for name in names {
                snapshots.push(capture_agent(w, name)?);
                w.delete_agent(name, true)?;
            }
            let inverse = Edit::RestoreAgents { snapshots };
            (format!("Deleted {}.", names.join(", ")), Some(inverse))
        }
        Edit::RestoreAgents { snapshots } => {
            for snapshot in snapshots {
                restore_agent(w, snapshot)?;
            }
            let names = snapshots.iter().map(|s| s.spec.name.clone()).collect::<Vec<_>>();
            (format!("Restored {}.", names.join(", ")), Some(Edit::DeleteAgents { names }))
        }
        Edit::Duplicate { workflow, agents, offset } => {
            let copies = duplicate(w, workflow, agents, *offset)?;
            let message = format!("Duplicated as {}.", copies.join(", "));
            (message, Some(Edit::DeleteAgents { names: copies }))
        }
        Edit::RestoreAgent { snapshot } => {
            restore_agent(w, snapshot)?;
            let name = snapshot.spec.name.clone();
            (format!("Restored \"{name}\"."), Some(Edit::DeleteAgent { name }))
        }
        Edit::UpdateAgent { name, spec } => {
            let before = w.agent(name)?.spec;
            w.update_agent(name, spec)?;
            let inverse = Edit::UpdateAgent { name: spec.name.clone(), spec: Box::new(before) };
            (format!("Saved \"{}\".", spec.name), Some(inverse))
        }
        Edit::UpdateLink { parent, child, kind, order, properties } => {
            let selector = LinkSelector { parent, child, kind: Some(*kind), order: None };
            let link = w.link(&selector)?;
            w.update_link(link.id, *order, properties)?;
            let inverse = Edit::UpdateLink {
                parent: parent.clone(),
                child: child.clone(),
                kind: *kind,
                order: link.sequence_order,
                properties: link.properties,
            };
            (format!("Saved {parent} -{kind}-> {child}."), Some(inverse))
        }
        Edit::SetAgentParts { name, llm_overrides, mcp_servers } => {
            let before = w.agent(name)?;
            w.set_agent_llm_overrides(name, llm_overrides)?;
            w.set_agent_mcp_servers(name, mcp_servers)?;
            let inverse = Edit::SetAgentParts {
                name: name.clone(),
                llm_overrides: before.llm_overrides,
                mcp_servers: before.mcp_servers,
            };
            (format!("Saved the LLMs and MCP servers of \"{name}\"."), Some(inverse))
        }
        Edit::CreateWorkflow { name } => {
            let mut root = AgentSpec::new(format!("{name}_root"), AgentKind::Basic);
            root.llm = favourite_llm(w)?;
            w.create_agent(&root)?;
            let spec = WorkflowSpec {
                name: name.clone(),
                description: String::new(),
                root: root.name.clone(),
                webhook_url: None,
            };
            w.create_workflow(&spec)?;
            w.set_node_position(name, &root.name, NodePosition { x: 0.0, y: 0.0 })?;
            let inverse = Edit::DeleteWorkflow { name: name.clone(), root: root.name };
            (format!("Added workflow \"{name}\"."), Some(inverse))
        }
        Edit::DeleteWorkflow { name, root } => {
            w.delete_workflow(name)?;
            w.delete_agent(root, true)?;
            (
                format!("Deleted workflow \"{name}\"."),
                Some(Edit::CreateWorkflow { name: name.clone() }),
            )
        }
        Edit::ExportYaml { workflow, path } => {
            let yaml =
                crate::interchange::export_yaml(w, workflow).map_err(|e| invalid(e.to_string()))?;
            std::fs::write(path, yaml).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
            (format!("Exported \"{workflow}\" to {}.", path.display()), None)
        }
        Edit::SaveLlmConfig { previous, spec } => match previous {
            Some(name) => {
                let before = w.llm_config(name)?.spec;
                w.update_llm_config(name, spec)?;
                let inverse = Edit::SaveLlmConfig {
                    previous: Some(spec.name.clone()),
                    spec: Box::new(before),
                };
                (format!("Saved LLM config \"{}\".", spec.name), Some(inverse))
            }
            None => {
                w.create_llm_config(spec)?;
                (
                    format!("Added LLM config \"{}\".", spec.name),
                    Some(Edit::DeleteLlmConfig { name: spec.name.clone() }),
                )
            }
        },
        Edit::DeleteLlmConfig { name } => {
            let before = w.llm_config(name)?.spec;
            w.delete_llm_config(name)?;
            let inverse = Edit::SaveLlmConfig { previous: None, spec: Box::new(before) };
            (format!("Deleted LLM config \"{name}\"."), Some(inverse))
        }
        Edit::TrustMcpServer { name } => {
            w.trust_mcp_server(name)?;
            (format!("Approved MCP server \"{name}\": it starts when an agent needs it."), None)
        }
        Edit::TrustLlmConfig { name } => {
            w.trust_llm_config(name)?;
            (format!("Approved LLM config \"{name}\": its key is sent to its endpoint."), None)
        }
        Edit::ImportYaml { .. } | Edit::ImportMcpServers { .. } => (String::new(), None),
        Edit::Undo | Edit::Redo => (String::new(), None),
    })
}

/// Copies `agents` under fresh names (`NAME_copy`, `NAME_copy2`, ...) with their overrides, MCP
/// servers and the links among them, placed on `workflow` shifted by `offset`; returns the new names.
fn duplicate(
    w: &Writer<'_>,
    workflow: &str,
    agents: &[String],
    offset: (f64, f64),
) -> crate::store::Result<Vec<String>> {
    let taken: std::collections::BTreeSet<String> =
        w.agents()?.into_iter().map(|a| a.spec.name).collect();
    let layout = w.layout(workflow)?;
    let mut renamed = std::collections::BTreeMap::new();
    for name in agents {
        let copy = (1..)
            .map(|n| if n == 1 { format!("{name}_copy") } else { format!("{name}_copy{n}") })
            .find(|c| !taken.contains(c) && !renamed.values().any(|v: &String| v == c))
            .unwrap_or_default();
        renamed.insert(name.clone(), copy);
    }
    for (original, copy) in &renamed {
        let agent = w.agent(original)?;
        let mut spec = agent.spec.clone();
        spec.name = copy.clone();
        w.create_agent(&spec)?;
        w.set_agent_llm_overrides(copy, &agent.llm_overrides)?;
        w.set_agent_mcp_servers(copy, &agent.mcp_servers)?;
        let at = layout.get(original).copied().unwrap_or(NodePosition { x: 0.0, y: 0.0 });
        w.set_node_position(
            workflow,
            copy,
            NodePosition { x: at.x + offset.0, y: at.y + offset.1 },
        )?;
    }
    for link in w.links()? {
        if let (Some(parent), Some(child)) = (renamed.get(&link.parent), renamed.get(&link.child)) {
            w.create_link(parent, child, link.kind, link.sequence_order, &link.properties)?;
        }
    }
    Ok(renamed.into_values().collect())
}

/// The LLM config most agents use, for a new agent to start with.
fn favourite_llm(w: &Writer<'_>) -> crate::store::Result<Option<String>> {
    let mut uses: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for agent in w.agents()? {
        if let Some(llm) = agent.spec.llm {
            *uses.entry(llm).or_default() += 1;
        }
    }
    let favourite = uses.into_iter().max_by_key(|(_, count)| *count).map(|(name, _)| name);
    Ok(favourite.or(w.llm_configs()?.first().map(|c| c.spec.name.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANN: &str = "ann@one";
    const BOB: &str = "bob@two";

    fn database() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("edits.db");
        let mut store = Store::open(&path).expect("store");
        crate::interchange::seed_examples(&mut store).expect("examples");
        (dir, path)
    }

    fn rows(store: &Store) -> (usize, usize, usize) {
        store
            .read(|r| Ok((r.agents()?.len(), r.links()?.len(), r.workflows()?.len())))
            .expect("counts")
    }

    #[test]
    fn every_edit_undoes_and_redoes_even_after_a_restart() {
        let (_dir, path) = database();
        let mut store = Store::open(&path).expect("store");
        let before = rows(&store);

        apply(&mut store, ANN, Edit::DeleteAgent { name: "writing_pipeline".into() })
            .expect("delete");
        assert_eq!(rows(&store), (before.0 - 1, before.1 - 2, before.2 - 1));

        let mut spec = store.read(|r| r.agent("drafter")).expect("drafter").spec;
        spec.instruction = "Draft boldly: {{input}}".into();
        apply(&mut store, ANN, Edit::UpdateAgent { name: "drafter".into(), spec: Box::new(spec) })
            .expect("edit");
        drop(store);

        let mut store = Store::open(&path).expect("reopened");
        assert_eq!(apply(&mut store, ANN, Edit::Undo), Ok("Undone: Saved \"drafter\".".into()));
        let drafter = store.read(|r| r.agent("drafter")).expect("drafter");
        assert_eq!(drafter.spec.instruction, "Write a short first draft about: {{input}}\n");

        apply(&mut store, ANN, Edit::Undo).expect("undo delete");
        assert_eq!(rows(&store), before, "the agent, its links and its workflow are back");
        let layout = store.read(|r| r.layout("writing_chain")).expect("layout");
        assert!(layout.contains_key("writing_pipeline"), "and its place on the canvas");
        assert_eq!(apply(&mut store, ANN, Edit::Undo), Ok("Nothing to undo.".into()));

        apply(&mut store, ANN, Edit::Redo).expect("redo delete");
        assert_eq!(rows(&store).0, before.0 - 1);
        apply(&mut store, ANN, Edit::Redo).expect("redo edit");
        let drafter = store.read(|r| r.agent("drafter")).expect("drafter");
        assert_eq!(drafter.spec.instruction, "Draft boldly: {{input}}");
        assert_eq!(apply(&mut store, ANN, Edit::Redo), Ok("Nothing to redo.".into()));
    }

    #[test]
    fn undo_walks_each_editors_own_edits() {
        let (_dir, path) = database();
        let mut store = Store::open(&path).expect("store");
        let describe = |store: &Store, name: &str, description: &str| {
            let mut spec = store.read(|r| r.agent(name)).expect("agent").spec;
            spec.description = description.into();
            Edit::UpdateAgent { name: name.into(), spec: Box::new(spec) }
        };
        let ann_edit = describe(&store, "drafter", "Ann's");
        apply(&mut store, ANN, ann_edit).expect("ann edits");
        let bob_edit = describe(&store, "echo", "Bob's");
        apply(&mut store, BOB, bob_edit).expect("bob edits");

        assert_eq!(apply(&mut store, ANN, Edit::Undo), Ok("Undone: Saved \"drafter\".".into()));
        let echo = store.read(|r| r.agent("echo")).expect("echo");
        assert_eq!(echo.spec.description, "Bob's", "Ann's undo leaves Bob's edit alone");
        assert_eq!(apply(&mut store, ANN, Edit::Undo), Ok("Nothing to undo.".into()));
        let another = describe(&store, "polisher", "Bob again");
        apply(&mut store, BOB, another).expect("bob edits again");
        assert_eq!(
            apply(&mut store, ANN, Edit::Redo),
            Ok("Redone: Saved \"drafter\".".into()),
            "Bob's new edit does not drop Ann's redo"
        );
        assert_eq!(apply(&mut store, BOB, Edit::Undo), Ok("Undone: Saved \"polisher\".".into()));
    }

    #[test]
    fn links_moves_and_new_agents_undo() {
        let (_dir, path) = database();
        let mut store = Store::open(&path).expect("store");
        let link = Edit::Link {
            parent: "writing_pipeline".into(),
            child: "echo".into(),
            kind: LinkKind::ChainsTo,
            order: None,
            properties: JsonObject::new(),
        };
        apply(&mut store, ANN, link).expect("link");
        let position = NodePosition { x: 999.0, y: 5.0 };
        let moved = Edit::MoveNodes {
            workflow: "writing_chain".into(),
            positions: vec![("drafter".into(), position)],
        };
        apply(&mut store, ANN, moved).expect("move");
        let created = Edit::CreateAgent {
            kind: AgentKind::Router,
            workflow: "writing_chain".into(),
            position,
        };
        assert_eq!(apply(&mut store, ANN, created), Ok("Added router agent \"router_1\".".into()));

        apply(&mut store, ANN, Edit::Undo).expect("undo create");
        assert!(store.read(|r| r.find_agent("router_1")).expect("read").is_none());
        apply(&mut store, ANN, Edit::Undo).expect("undo move");
        let layout = store.read(|r| r.layout("writing_chain")).expect("layout");
        assert_eq!(layout.get("drafter"), Some(&NodePosition { x: 320.0, y: -80.0 }));
        apply(&mut store, ANN, Edit::Undo).expect("undo link");
        assert_eq!(store.read(|r| r.links_of("writing_pipeline")).expect("links").len(), 2);

        let refused = Edit::Link {
            parent: "drafter".into(),
            child: "writing_pipeline".into(),
            kind: LinkKind::ToolOf,
            order: None,
            properties: JsonObject::new(),
        };
        let error = apply(&mut store, ANN, refused).expect_err("a cycle");
        assert!(error.contains("cycle"), "{error}");
        assert_eq!(
            apply(&mut store, ANN, Edit::Redo),
            Ok("Redone: Linked writing_pipeline -chains_to-> echo.".into())
        );
    }

    #[test]
    fn duplicating_copies_the_links_inside_the_selection_and_undoes() {
        let (_dir, path) = database();
        let mut store = Store::open(&path).expect("store");
        let before = rows(&store);
        let agents = vec!["writing_pipeline".to_owned(), "drafter".to_owned()];
        let duplicated =
            Edit::Duplicate { workflow: "writing_chain".into(), agents, offset: (60.0, 60.0) };
        assert_eq!(
            apply(&mut store, ANN, duplicated),
            Ok("Duplicated as drafter_copy, writing_pipeline_copy.".into())
        );
        let links = store.read(|r| r.links_of("writing_pipeline_copy")).expect("links");
        let copied: Vec<(&str, Option<i64>)> =
            links.iter().map(|l| (l.child.as_str(), l.sequence_order)).collect();
        assert_eq!(
            copied,
            [("drafter_copy", Some(1))],
            "only the link inside the selection is copied"
        );
        let layout = store.read(|r| r.layout("writing_chain")).expect("layout");
        assert_eq!(layout.get("drafter_copy"), Some(&NodePosition { x: 380.0, y: -20.0 }));

        apply(&mut store, ANN, Edit::Undo).expect("undo");
        assert_eq!(rows(&store), before);
        apply(&mut store, ANN, Edit::Redo).expect("redo");
        assert_eq!(rows(&store), (before.0 + 2, before.1 + 1, before.2));
    }

    #[test]
    fn a_link_edit_changes_order_and_description_and_undoes() {
        let (_dir, path) = database();
        let mut store = Store::open(&path).expect("store");
        let mut properties = JsonObject::new();
        properties.insert("description".into(), "the first draft".into());
        let edit = Edit::UpdateLink {
            parent: "writing_pipeline".into(),
            child: "drafter".into(),
            kind: LinkKind::ChainsTo,
            order: Some(5),
            properties,
        };
        apply(&mut store, ANN, edit).expect("edit");
        let order = |store: &Store| {
            let links = store.read(|r| r.links_of("writing_pipeline")).expect("links");
            links
                .into_iter()
                .find(|l| l.child == "drafter")
                .map(|l| (l.sequence_order, l.properties.len()))
        };
        assert_eq!(order(&store), Some((Some(5), 1)));
        apply(&mut store, ANN, Edit::Undo).expect("undo");
        assert_eq!(order(&store), Some((Some(1), 0)));
    }

    #[test]
    fn export_then_import_through_the_window_changes_nothing() {
        let (dir, path) = database();
        let mut store = Store::open(&path).expect("store");
        let file = dir.path().join("chain.yaml");
        let exported = apply(
            &mut store,
            ANN,
            Edit::ExportYaml { workflow: "writing_chain".into(), path: file.clone() },
        );
        assert!(exported.expect("export").starts_with("Exported \"writing_chain\""));
        let imported = apply(&mut store, ANN, Edit::ImportYaml { path: file }).expect("import");
        assert!(imported.ends_with("(0 changes)."), "{imported}");
        let block =
            r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}"#;
        let added =
            apply(&mut store, ANN, Edit::ImportMcpServers { json: block.into() }).expect("servers");
        assert_eq!(added, "Imported MCP servers: fetch.");
    }
}
