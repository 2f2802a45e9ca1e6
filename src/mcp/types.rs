//! What the rest of AgentLoom sees of MCP: servers' tools, prompts and resources, tool results as
//! message parts, and the requests a server makes of its client (sampling, elicitation) with the
//! notifications it sends (progress, logs). None of these name rmcp.

use serde::Serialize;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::model::{ContentPart, Role};

/// Who a connected server says it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerSummary {
    pub name: String,
    pub version: String,
    pub protocol_version: String,
    pub instructions: Option<String>,
}

/// A tool a server offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpTool {
    pub name: String,
    pub description: String,
    pub input_schema: Value,
    pub output_schema: Option<Value>,
}

/// A prompt template a server offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpPrompt {
    pub name: String,
    pub description: String,
    pub arguments: Vec<McpPromptArgument>,
}

/// One argument of a prompt template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpPromptArgument {
    pub name: String,
    pub description: String,
    pub required: bool,
}

/// A resource a server offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpResource {
    pub uri: String,
    pub name: String,
    pub description: String,
    pub mime_type: Option<String>,
}

/// One message of a prompt a server rendered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptMessage {
    /// `User` or `Assistant`.
    pub role: Role,
    pub parts: Vec<ContentPart>,
}

/// What a tool call returned: its content as message parts (text, images, embedded resources,
/// structured content), and whether the server flagged it as an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolResult {
    pub parts: Vec<ContentPart>,
    pub is_error: bool,
}

/// The URI under which a tool's `structuredContent` is kept, as an `application/json` resource part.
pub const STRUCTURED_CONTENT_URI: &str = "mcp:structured-content";

impl ToolResult {
    /// The result as the model reads it: the text parts (resources and images as a line naming
    /// them), and the structured content as JSON when the server gave no text.
    pub fn text(&self) -> String {
        let mut texts = Vec::new();
        let mut structured = None;
        for part in &self.parts {
            match part {
                ContentPart::Text { text } => texts.push(text.clone()),
                ContentPart::Resource { uri, text, .. } if uri == STRUCTURED_CONTENT_URI => {
                    structured = text.clone();
                }
                ContentPart::Resource { uri, text: Some(text), .. } => {
                    texts.push(format!("[resource {uri}]\n{text}"))
                }
                ContentPart::Resource { uri, text: None, .. } => {
                    texts.push(format!("[resource {uri}]"))
                }
                ContentPart::Image { mime_type, .. } => texts.push(format!("[image {mime_type}]")),
                ContentPart::ToolCall { .. } | ContentPart::ToolResult { .. } => {}
            }
        }
        match structured {
            Some(json) if texts.is_empty() => json,
            _ => texts.join("\n"),
        }
    }
}

/// A server's `sampling/createMessage`, in our terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplingRequest {
    pub system: Option<String>,
    /// `User` or `Assistant` turns, as text.
    pub messages: Vec<(Role, String)>,
    pub max_tokens: u32,
    pub temperature: Option<f64>,
}

/// Our answer to a sampling request.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingAnswer {
    pub text: String,
    pub model: String,
}

/// A server's `elicitation/create` (form mode): what to ask, and the JSON schema of the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElicitationRequest {
    pub message: String,
    pub schema: Value,
}

/// What the user did with an elicitation.
#[derive(Debug, Clone, PartialEq)]
pub enum ElicitationAnswer {
    Accept(Value),
    Decline,
    Cancel,
}

/// Something a server asks or tells while one of our calls is in flight. Requests carry the
/// channel their answer goes back on; dropping it answers with an error.
#[derive(Debug)]
pub enum ServerAsk {
    Sample { request: SamplingRequest, reply: oneshot::Sender<Result<SamplingAnswer, String>> },
    Elicit { request: ElicitationRequest, reply: oneshot::Sender<ElicitationAnswer> },
    Progress { progress: f64, total: Option<f64>, message: Option<String> },
    Log { level: String, logger: Option<String>, data: Value },
}

/// The text a prompt message or resource part carries, if any.
pub fn part_text(part: &ContentPart) -> Option<String> {
    match part {
        ContentPart::Text { text } => Some(text.clone()),
        ContentPart::Resource { text, .. } => text.clone(),
        _ => None,
    }
}
