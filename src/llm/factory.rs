//! From an LLM config row to a provider that can be called.

use std::sync::Arc;

use super::error::LlmError;
use super::genai::GenaiProvider;
use super::offline::{Passthrough, Playback};
use super::provider::Provider;
use crate::model::{LlmConfigSpec, ProviderKind};

/// A fresh provider for `config`. Offline models keep per-instance state (playback's position),
/// so the engine makes one per run.
pub fn provider_for(config: &LlmConfigSpec) -> Result<Arc<dyn Provider>, LlmError> {
    match config.provider {
        ProviderKind::Passthrough => Ok(Arc::new(Passthrough)),
        ProviderKind::Playback => {
            let turns = match config.provider_options.get("turns") {
                Some(serde_json::Value::Array(turns)) => turns.clone(),
                Some(_) => {
                    return Err(LlmError::Config(format!(
                        "LLM config \"{}\": provider_options.turns must be a list of turns",
                        config.name
                    )));
                }
                None => Vec::new(),
            };
            Ok(Arc::new(Playback::new(&turns)))
        }
        _ => Ok(Arc::new(GenaiProvider::new(config)?)),
    }
}

/// Splits a model string as fast-agent writes it (`openai.gpt-4.1-mini`,
/// `generic.llama3.2:latest`, `passthrough`) into a provider and a model name.
pub fn parse_model_string(text: &str) -> Result<(ProviderKind, String), LlmError> {
    if let Ok(offline @ (ProviderKind::Passthrough | ProviderKind::Playback)) = text.parse() {
        return Ok((offline, text.to_owned()));
    }
    let (provider, model) = text.split_once('.').ok_or_else(|| {
        LlmError::Config(format!(
            "model \"{text}\" should read PROVIDER.MODEL, e.g. openai.gpt-4.1-mini"
        ))
    })?;
    let provider = provider
        .parse()
        .map_err(|e: crate::model::UnknownVariant| LlmError::Config(e.to_string()))?;
    if model.is_empty() {
        return Err(LlmError::Config(format!(
            "model \"{text}\" names no model after the provider"
        )));
    }
    Ok((provider, model.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fast_agent_model_strings() {
        assert_eq!(
            parse_model_string("openai.gpt-4.1-mini"),
            Ok((ProviderKind::OpenAi, "gpt-4.1-mini".into()))
        );
        assert_eq!(
            parse_model_string("generic.llama3.2:latest"),
            Ok((ProviderKind::Generic, "llama3.2:latest".into()))
        );
        assert_eq!(
            parse_model_string("passthrough"),
            Ok((ProviderKind::Passthrough, "passthrough".into()))
        );
        assert!(parse_model_string("gpt-4").is_err());
        assert!(parse_model_string("openia.gpt-4").is_err());
    }
}
