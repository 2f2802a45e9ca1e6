//! Wire-neutral chat types: what the engine asks a model and what it gets back.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One conversation turn sent to a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum ChatMessage {
    User {
        text: String,
    },
    Assistant {
        text: String,
        tool_calls: Vec<ToolCall>,
    },
    /// The result of a tool call the assistant asked for.
    Tool {
        call_id: String,
        name: String,
        content: String,
        is_error: bool,
    },
}

impl ChatMessage {
    /// A user turn.
    pub fn user(text: impl Into<String>) -> ChatMessage {
        ChatMessage::User { text: text.into() }
    }

    /// An assistant turn with text only.
    pub fn assistant(text: impl Into<String>) -> ChatMessage {
        ChatMessage::Assistant { text: text.into(), tool_calls: Vec::new() }
    }
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON schema of the arguments object.
    pub input_schema: serde_json::Value,
}

/// A call the model asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: serde_json::Value,
}

/// Request parameters, merged from the LLM config's defaults and the agent's (agent wins).
/// How long an answer stream may send nothing, unless `idle_timeout_secs` says otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestParams {
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: Option<u32>,
    /// How many model calls a tool loop may make.
    pub max_iterations: Option<u32>,
    pub parallel_tool_calls: Option<bool>,
    /// A JSON schema the answer must follow (structured output).
    pub response_format: Option<serde_json::Value>,
    pub stop: Option<Vec<String>>,
    pub timeout_secs: Option<f64>,
    /// How long an answer stream may send nothing before the attempt fails
    /// ([`DEFAULT_IDLE_TIMEOUT`] when unset).
    pub idle_timeout_secs: Option<f64>,
}

impl RequestParams {
    /// Reads parameters from a JSON object column (already checked by `model::check_request_params`).
    pub fn from_json(object: &crate::model::JsonObject) -> RequestParams {
        serde_json::from_value(serde_json::Value::Object(object.clone())).unwrap_or_default()
    }

    /// `self` with every parameter `over` sets taken from `over`.
    pub fn overlaid_with(&self, over: &RequestParams) -> RequestParams {
        RequestParams {
            temperature: over.temperature.or(self.temperature),
            top_p: over.top_p.or(self.top_p),
            max_tokens: over.max_tokens.or(self.max_tokens),
            max_iterations: over.max_iterations.or(self.max_iterations),
            parallel_tool_calls: over.parallel_tool_calls.or(self.parallel_tool_calls),
            response_format: over.response_format.clone().or_else(|| self.response_format.clone()),
            stop: over.stop.clone().or_else(|| self.stop.clone()),
            timeout_secs: over.timeout_secs.or(self.timeout_secs),
            idle_timeout_secs: over.idle_timeout_secs.or(self.idle_timeout_secs),
        }
    }

    /// How long the answer stream may stay silent: `idle_timeout_secs`, else the default.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout_secs
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .unwrap_or(DEFAULT_IDLE_TIMEOUT)
    }
}

/// Everything one model call needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub system: Option<String>,
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolSpec>,
    pub params: RequestParams,
}

impl ChatRequest {
    /// The text of the last user turn, if any.
    pub fn last_user_text(&self) -> Option<&str> {
        self.messages.iter().rev().find_map(|m| match m {
            ChatMessage::User { text } => Some(text.as_str()),
            _ => None,
        })
    }
}

/// Tokens a call used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
    }
}

/// What a model answered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    /// The model that answered, as the provider names it.
    pub model: String,
}
