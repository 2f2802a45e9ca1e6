//! The LLM layer: a `Provider` trait (streaming first), the offline models, network providers
//! through genai, secret resolution at call time, and retries. Only this module knows vendor
//! wire formats.

mod chat;
mod error;
mod factory;
mod genai;
mod offline;
mod provider;
mod redaction;
mod retry;
mod secrets;

pub use chat::{ChatMessage, ChatRequest, ChatResponse, RequestParams, ToolCall, ToolSpec, Usage};
pub use error::{CALL_TIMEOUT_VARIABLE, LlmError};
pub use factory::{parse_model_string, provider_for};
pub use offline::{Passthrough, Playback, count_words};
pub use provider::{BoxFuture, Provider, TextSink};
pub use redaction::{REDACTED, ScrubbingWriter, register_secret, scrub_secrets};
pub use retry::{RetryPolicy, call_with_retry};
pub use secrets::resolve;
