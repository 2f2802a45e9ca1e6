//! Providers reached over the network, through genai: OpenAI, Anthropic, Gemini, Ollama,
//! OpenRouter, Groq, DeepSeek, xAI and any OpenAI-compatible endpoint by base URL.

use super::chat::{ChatRequest, ChatResponse};
use super::error::LlmError;
use super::provider::{BoxFuture, Provider, TextSink};
use crate::model::LlmConfigSpec;

/// A network model, configured from its LLM config row.
pub struct GenaiProvider {
    config: LlmConfigSpec,
}

impl GenaiProvider {
    /// A provider for `config`.
    pub fn new(config: &LlmConfigSpec) -> Result<GenaiProvider, LlmError> {
        Ok(GenaiProvider { config: config.clone() })
    }
}

impl Provider for GenaiProvider {
    fn stream<'a>(
        &'a self,
        _request: &'a ChatRequest,
        _on_text: TextSink<'a>,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        Box::pin(async move {
            Err(LlmError::Config(format!(
                "LLM config \"{}\": {} models are not wired up in this build yet",
                self.config.name, self.config.provider
            )))
        })
    }
}
