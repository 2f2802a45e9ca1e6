//! Workflows: a named entry point into the agent graph.

use serde::Serialize;

/// What a user writes to define a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowSpec {
    pub name: String,
    pub description: String,
    /// The agent a run of this workflow starts at.
    pub root: String,
    /// Where the service POSTs a run summary when a run ends.
    pub webhook_url: Option<String>,
}

/// A workflow row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Workflow {
    pub id: i64,
    #[serde(flatten)]
    pub spec: WorkflowSpec,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Where an agent's node sits on a workflow's canvas.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NodePosition {
    pub x: f64,
    pub y: f64,
}
