//! Runtime records: sessions, runs, spans, messages and their content parts, logs, human-input
//! requests and agent state, as rows.

use serde::{Deserialize, Serialize};

use super::agent::JsonObject;
use super::runtime::{
    HumanInputSource, HumanInputStatus, LogLevel, Role, RunOrigin, RunStatus, SessionStatus,
    SpanKind,
};

/// A conversation that runs happen in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub id: i64,
    pub workflow: Option<String>,
    pub agent: Option<String>,
    pub title: String,
    pub variables: JsonObject,
    pub status: SessionStatus,
    pub started_at: String,
    pub ended_at: Option<String>,
}

/// One execution of a workflow or agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub id: i64,
    pub session_id: i64,
    pub workflow: Option<String>,
    /// The workflow or agent name as it was run.
    pub target: String,
    pub definition_revision: i64,
    pub input: String,
    pub output: Option<String>,
    pub status: RunStatus,
    pub error: Option<String>,
    pub origin: RunOrigin,
    pub replay_of_run_id: Option<i64>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
    pub created_at: String,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    /// Enqueued for workers: a worker runs it, and another one resumes it if that worker dies.
    pub queued: bool,
}

impl Run {
    /// Whether the run is over: it ended, or was interrupted with nobody to resume it (a queued
    /// run that was interrupted is not over: the next worker resumes it).
    pub fn is_over(&self) -> bool {
        match self.status {
            RunStatus::Interrupted => !self.queued,
            status => status.is_final(),
        }
    }
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    pub id: i64,
    pub run_id: i64,
    pub parent_span_id: Option<i64>,
    pub agent: String,
    pub kind: SpanKind,
    pub name: String,
    pub position: i64,
    pub status: RunStatus,
    pub input: Option<String>,
    pub output: Option<String>,
    pub error: Option<String>,
    pub attributes: JsonObject,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_ms: Option<i64>,
}

/// One piece of a message's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    Text { text: String },
    ToolCall { id: String, name: String, arguments: serde_json::Value },
    ToolResult { call_id: String, name: String, content: String, is_error: bool },
    Image { mime_type: String, data: String },
    Resource { uri: String, mime_type: Option<String>, text: Option<String> },
}

impl ContentPart {
    /// A text part.
    pub fn text(text: impl Into<String>) -> ContentPart {
        ContentPart::Text { text: text.into() }
    }
}

/// A message of a session's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: i64,
    pub session_id: i64,
    pub sequence_number: i64,
    pub run_id: Option<i64>,
    pub span_id: Option<i64>,
    pub agent: Option<String>,
    pub role: Role,
    pub content: Vec<ContentPart>,
    pub model: Option<String>,
    pub input_tokens: Option<i64>,
    pub output_tokens: Option<i64>,
    pub latency_ms: Option<i64>,
    pub tool_call_id: Option<String>,
    pub tool_name: Option<String>,
    pub created_at: String,
}

impl Message {
    /// The text parts of the message, joined.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|part| match part {
                ContentPart::Text { text } => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A structured log record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRecord {
    pub id: i64,
    pub at: String,
    pub level: LogLevel,
    pub target: String,
    pub message: String,
    pub data: Option<serde_json::Value>,
    pub session_id: Option<i64>,
    pub run_id: Option<i64>,
    pub span_id: Option<i64>,
    pub agent: Option<String>,
}

/// A question for the user, from an agent or an MCP server.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HumanInputRequest {
    pub id: i64,
    pub run_id: Option<i64>,
    pub span_id: Option<i64>,
    pub session_id: Option<i64>,
    pub agent: Option<String>,
    pub source: HumanInputSource,
    pub prompt: String,
    pub response_schema: Option<serde_json::Value>,
    pub answer: Option<serde_json::Value>,
    pub status: HumanInputStatus,
    pub created_at: String,
    pub answered_at: Option<String>,
}
