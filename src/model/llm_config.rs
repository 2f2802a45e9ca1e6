//! LLM configs: a named provider + model + endpoint + key reference that agents point at.

use serde::{Deserialize, Serialize};

use super::agent::JsonObject;
use super::names::{check_name, check_plain_text, check_url};
use super::secret::SecretRef;
use super::settings::check_request_params;
use super::string_enum::string_enum;

string_enum! {
    /// Who serves the model. `generic` is any OpenAI-compatible endpoint reached by base URL
    /// (LM Studio, vLLM, llama.cpp server); `passthrough` and `playback` are offline models.
    pub enum ProviderKind ("provider") {
        OpenAi = "openai",
        Anthropic = "anthropic",
        Google = "google",
        Ollama = "ollama",
        OpenRouter = "openrouter",
        Groq = "groq",
        DeepSeek = "deepseek",
        Xai = "xai",
        Generic = "generic",
        Passthrough = "passthrough",
        Playback = "playback",
    }
}

impl ProviderKind {
    /// Whether calls leave the machine's process (and so may need a key and a network).
    pub const fn is_offline(self) -> bool {
        matches!(self, ProviderKind::Passthrough | ProviderKind::Playback)
    }
}

string_enum! {
    /// What an agent uses a non-default LLM for (the seed's `AgentLLMOverrides.purpose`).
    pub enum LlmPurpose ("LLM purpose") {
        Planning = "planning",
        Routing = "routing",
        Evaluation = "evaluation",
    }
}

/// What a user writes to define an LLM config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmConfigSpec {
    pub name: String,
    pub provider: ProviderKind,
    pub model: String,
    pub base_url: Option<String>,
    /// Where the key lives (`env:VAR` or `keyring:service/user`); never the key itself.
    pub api_key_ref: Option<SecretRef>,
    pub request_params: JsonObject,
    /// Provider-specific settings, e.g. the scripted turns of a `playback` model.
    pub provider_options: JsonObject,
    pub input_price_per_mtok: Option<f64>,
    pub output_price_per_mtok: Option<f64>,
}

impl LlmConfigSpec {
    /// A config for `provider` and `model` with every other field at its default.
    pub fn new(name: impl Into<String>, provider: ProviderKind, model: impl Into<String>) -> Self {
        LlmConfigSpec {
            name: name.into(),
            provider,
            model: model.into(),
            base_url: None,
            api_key_ref: None,
            request_params: JsonObject::new(),
            provider_options: JsonObject::new(),
            input_price_per_mtok: None,
            output_price_per_mtok: None,
        }
    }
}

impl LlmConfigSpec {
    /// Every problem with this spec on its own.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> =
            check_name("LLM config", &self.name).err().into_iter().collect();
        problems.extend(check_plain_text("model", &self.model));
        if let Some(url) = &self.base_url {
            problems.extend(check_url("base URL", url));
        }
        problems.extend(check_request_params(&self.request_params));
        for (what, price) in [
            ("input price", self.input_price_per_mtok),
            ("output price", self.output_price_per_mtok),
        ] {
            if price.is_some_and(|p| !(p >= 0.0 && p.is_finite())) {
                problems.push(format!("{what} must be a non-negative number"));
            }
        }
        problems
    }
}

/// An LLM config row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LlmConfig {
    pub id: i64,
    #[serde(flatten)]
    pub spec: LlmConfigSpec,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}
