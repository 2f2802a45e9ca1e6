//! Edits the window asks for, applied to the database by the worker thread: every edit is one
//! committed transaction (no Save button), and a refused one leaves the file as it was.

use crate::model::{AgentKind, AgentSpec, JsonObject, LinkKind, NodePosition, WorkflowSpec};
use crate::store::{LinkSelector, Store, Writer};

/// One change a user makes in the window.
#[derive(Debug, Clone, PartialEq)]
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
    /// Nodes moved on `workflow`'s canvas.
    MoveNodes {
        workflow: String,
        positions: Vec<(String, NodePosition)>,
    },
    Link {
        parent: String,
        child: String,
        kind: LinkKind,
    },
    Unlink {
        parent: String,
        child: String,
        kind: LinkKind,
    },
    DeleteAgent {
        name: String,
    },
    UpdateAgent {
        name: String,
        spec: Box<AgentSpec>,
    },
    /// A new workflow with a new basic agent as its root.
    CreateWorkflow {
        name: String,
    },
}

/// Applies `edit`; says what it did, or why it was refused.
pub fn apply(store: &mut Store, edit: Edit) -> Result<String, String> {
    let result = match edit {
        Edit::CreateAgent { kind, workflow, position } => store.write("adding an agent", |w| {
            let taken: Vec<String> = w.agents()?.into_iter().map(|a| a.spec.name).collect();
            let name = (1..)
                .map(|n| format!("{kind}_{n}"))
                .find(|n| !taken.contains(n))
                .unwrap_or_default();
            let mut spec = AgentSpec::new(&name, kind);
            spec.llm =
                w.llm_configs()?.first().map(|c| c.spec.name.clone()).filter(|_| kind.calls_llm(2));
            w.create_agent(&spec)?;
            w.set_node_position(&workflow, &name, position)?;
            Ok(format!("Added {kind} agent \"{name}\"."))
        }),
        Edit::PlaceAgent { workflow, agent, position } => store.write("placing an agent", |w| {
            w.set_node_position(&workflow, &agent, position)?;
            Ok(format!("Placed \"{agent}\" on the canvas."))
        }),
        Edit::MoveNodes { workflow, positions } => store.write("moving nodes", |w| {
            for (agent, position) in &positions {
                w.set_node_position(&workflow, agent, *position)?;
            }
            Ok(String::new())
        }),
        Edit::Link { parent, child, kind } => store.write("adding a link", |w| {
            w.create_link(&parent, &child, kind, None, &JsonObject::new())?;
            Ok(format!("Linked {parent} -{kind}-> {child}."))
        }),
        Edit::Unlink { parent, child, kind } => store.write("removing a link", |w| {
            let selector =
                LinkSelector { parent: &parent, child: &child, kind: Some(kind), order: None };
            w.delete_link(&selector)?;
            Ok(format!("Removed {parent} -{kind}-> {child}."))
        }),
        Edit::DeleteAgent { name } => store.write("deleting an agent", |w| {
            let deleted = w.delete_agent(&name, true)?;
            Ok(format!("Deleted \"{name}\" and {} links.", deleted.links))
        }),
        Edit::UpdateAgent { name, spec } => store.write("editing an agent", |w| {
            w.update_agent(&name, &spec)?;
            Ok(format!("Saved \"{}\".", spec.name))
        }),
        Edit::CreateWorkflow { name } => store.write("adding a workflow", |w| {
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
            w.set_node_position(&name, &root.name, NodePosition { x: 0.0, y: 0.0 })?;
            Ok(format!("Added workflow \"{name}\"."))
        }),
    };
    result.map_err(|error| error.to_string())
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
