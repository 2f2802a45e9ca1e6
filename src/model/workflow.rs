//! Workflows: a named entry point into the agent graph.

use serde::{Deserialize, Serialize};

use super::names::{check_name, check_url};

/// What a user writes to define a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowSpec {
    pub name: String,
    pub description: String,
    /// The agent a run of this workflow starts at.
    pub root: String,
    /// Where the service POSTs a run summary when a run ends.
    pub webhook_url: Option<String>,
}

impl WorkflowSpec {
    /// Every problem with this spec on its own.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> =
            check_name("workflow", &self.name).err().into_iter().collect();
        if let Some(url) = &self.webhook_url {
            problems.extend(check_url("webhook URL", url));
        }
        problems
    }
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NodePosition {
    pub x: f64,
    pub y: f64,
}
