//! A definition set: one workflow with every agent, link, LLM config and MCP server it needs, and its
//! canvas layout. What export reads and import writes, independent of any file format.

use std::collections::BTreeMap;

use super::agent::{AgentMcpServer, AgentSpec, JsonObject, LlmOverride};
use super::link::{Link, LinkKind};
use super::llm_config::LlmConfigSpec;
use super::mcp_server::McpServerSpec;
use super::workflow::{NodePosition, WorkflowSpec};

/// A workflow and everything it is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionSet {
    pub workflow: WorkflowSpec,
    /// The root first, then the others by name.
    pub agents: Vec<AgentDefinition>,
    pub llm_configs: Vec<LlmConfigSpec>,
    pub mcp_servers: Vec<McpServerSpec>,
    pub layout: BTreeMap<String, NodePosition>,
}

/// An agent with its overrides, MCP servers and links to its children.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentDefinition {
    pub spec: AgentSpec,
    pub llm_overrides: Vec<LlmOverride>,
    pub mcp_servers: Vec<AgentMcpServer>,
    pub links: Vec<LinkSpec>,
}

/// A link from its parent's point of view.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSpec {
    pub child: String,
    pub kind: LinkKind,
    pub order: Option<i64>,
    pub properties: JsonObject,
}

impl LinkSpec {
    /// Whether `link` (a stored row) is this link: same child, kind and place, whatever its properties.
    pub fn is(&self, link: &Link) -> bool {
        self.child == link.child && self.kind == link.kind && self.order == link.sequence_order
    }
}
