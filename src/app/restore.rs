//! What deleting an agent removes, captured so that undo can put it all back: the agent with its
//! overrides and MCP servers, its links both ways, its canvas positions and the workflows rooted at it.

use serde::{Deserialize, Serialize};

use crate::model::{
    AgentMcpServer, AgentSpec, JsonObject, LinkKind, LlmOverride, NodePosition, WorkflowSpec,
};
use crate::store::{Result, Writer};

/// An agent and everything that went with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentSnapshot {
    pub spec: AgentSpec,
    pub llm_overrides: Vec<LlmOverride>,
    pub mcp_servers: Vec<AgentMcpServer>,
    pub links: Vec<LinkRecord>,
    pub workflows: Vec<WorkflowSpec>,
    /// Positions by workflow.
    pub positions: Vec<(String, NodePosition)>,
}

/// A link, by names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkRecord {
    pub parent: String,
    pub child: String,
    pub kind: LinkKind,
    pub order: Option<i64>,
    pub properties: JsonObject,
}

/// Reads everything deleting `name` would remove.
pub fn capture_agent(w: &Writer<'_>, name: &str) -> Result<AgentSnapshot> {
    let agent = w.agent(name)?;
    let links = w
        .links()?
        .into_iter()
        .filter(|l| l.parent == name || l.child == name)
        .map(|l| LinkRecord {
            parent: l.parent,
            child: l.child,
            kind: l.kind,
            order: l.sequence_order,
            properties: l.properties,
        })
        .collect();
    let all_workflows = w.workflows()?;
    let mut positions = Vec::new();
    for workflow in &all_workflows {
        if let Some(position) = w.layout(&workflow.spec.name)?.get(name) {
            positions.push((workflow.spec.name.clone(), *position));
        }
    }
    let workflows =
        all_workflows.into_iter().filter(|wf| wf.spec.root == name).map(|wf| wf.spec).collect();
    Ok(AgentSnapshot {
        spec: agent.spec,
        llm_overrides: agent.llm_overrides,
        mcp_servers: agent.mcp_servers,
        links,
        workflows,
        positions,
    })
}

/// Puts back what `capture_agent` read.
pub fn restore_agent(w: &Writer<'_>, snapshot: &AgentSnapshot) -> Result<()> {
    let name = &snapshot.spec.name;
    w.create_agent(&snapshot.spec)?;
    w.set_agent_llm_overrides(name, &snapshot.llm_overrides)?;
    w.set_agent_mcp_servers(name, &snapshot.mcp_servers)?;
    let existing = w.links()?;
    for link in &snapshot.links {
        let ends_exist =
            w.find_agent(&link.parent)?.is_some() && w.find_agent(&link.child)?.is_some();
        let restored = existing.iter().any(|l| {
            l.parent == link.parent
                && l.child == link.child
                && l.kind == link.kind
                && l.sequence_order == link.order
        });
        // Restoring several agents at once meets the links among them once per agent.
        if ends_exist && !restored {
            w.create_link(&link.parent, &link.child, link.kind, link.order, &link.properties)?;
        }
    }
    for workflow in &snapshot.workflows {
        w.create_workflow(workflow)?;
    }
    for (workflow, position) in &snapshot.positions {
        w.set_node_position(workflow, name, *position)?;
    }
    Ok(())
}
