//! Typed errors of model calls, and which of them are worth retrying.

use std::time::Duration;

/// The environment variable that sets a model call's default limit (read by the engine's
/// configuration; named here for the message).
pub const CALL_TIMEOUT_VARIABLE: &str = "AGENTLOOM_MODEL_CALL_TIMEOUT_SECS";

/// Why a model call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("the key reference {reference} gives no key: {why}")]
    MissingSecret { reference: String, why: String },

    #[error("the provider refused the key (HTTP {status}): {message}")]
    Auth { status: u16, message: String },

    #[error("rate limited{}: {message}", .retry_after.map(|d| format!(" (retry after {} s)", d.as_secs_f64())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration>, message: String },

    #[error("the request is longer than the model's context: {0}")]
    ContextLength(String),

    #[error("no answer within {} s (one attempt's limit; timeout_secs in the request parameters sets it)", .0.as_secs_f64())]
    Timeout(Duration),

    /// The whole call, retries included, ran past the engine's default limit.
    #[error("no answer within {} s, retries included (the default limit of a model call; set timeout_secs in the LLM config's or the agent's request parameters, or {CALL_TIMEOUT_VARIABLE}, to change it)", .0.as_secs_f64())]
    CallTimeout(Duration),

    #[error("the answer stream sent nothing for {} s (set idle_timeout_secs in the LLM config's or the agent's request parameters to change it)", .0.as_secs_f64())]
    StreamIdle(Duration),

    #[error("the provider failed (HTTP {status}): {message}")]
    Server { status: u16, message: String },

    #[error("the provider's answer could not be read: {0}")]
    Malformed(String),

    #[error("could not reach the provider: {0}")]
    Network(String),

    #[error("cancelled")]
    Cancelled,

    #[error("{0}")]
    Config(String),
}

impl LlmError {
    /// Whether trying the same call again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            LlmError::RateLimited { .. }
                | LlmError::Timeout(_)
                | LlmError::StreamIdle(_)
                | LlmError::Network(_)
                | LlmError::Server { status: 500..=599, .. }
        )
    }
}
