//! LLM configs: a named provider + model + endpoint + key reference that agents point at.

use serde::{Deserialize, Serialize};

use super::agent::JsonObject;
use super::approval::{Author, Unapproved};
use super::names::{check_name, check_plain_text, check_url_without_password};
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
            problems.extend(check_url_without_password("base URL", url));
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

impl LlmConfigSpec {
    /// What the user approves when trusting a config: who serves it, at which endpoint, with
    /// which key reference. Any change of these asks again; model and parameters do not.
    pub fn binding_fingerprint(&self) -> String {
        serde_json::json!({
            "provider": self.provider,
            "base_url": self.base_url,
            "api_key_ref": self.api_key_ref,
        })
        .to_string()
    }
}

/// An LLM config row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LlmConfig {
    pub id: i64,
    #[serde(flatten)]
    pub spec: LlmConfigSpec,
    /// Who last changed its provider, endpoint or key reference.
    pub written_by: Author,
    /// The binding fingerprint the user approved, if any.
    pub trusted_binding: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl LlmConfig {
    /// Why the engine may not resolve this config's key yet; `None` when it may. A config a REST
    /// client bound to a key reference waits for the local user's approval, so that no client
    /// can have a host variable or keyring entry sent to an endpoint of its choosing. Configs
    /// without a key, and those written locally, need none.
    pub fn unapproved(&self) -> Option<Unapproved> {
        if self.written_by == Author::Local || self.spec.api_key_ref.is_none() {
            return None;
        }
        let current = self.spec.binding_fingerprint();
        Unapproved::compare(self.trusted_binding.as_deref(), &current, Unapproved::WrittenOverApi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_a_rest_client_bound_waits_for_approval_of_its_endpoint() {
        let mut spec = LlmConfigSpec::new("c", ProviderKind::Generic, "m");
        spec.base_url = Some("http://h/v1".into());
        let mut config = LlmConfig {
            id: 1,
            spec,
            written_by: Author::Api,
            trusted_binding: None,
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        };
        assert_eq!(config.unapproved(), None, "no key to send");
        config.spec.api_key_ref = Some(SecretRef::Env("HOME_SECRET".into()));
        assert_eq!(config.unapproved(), Some(Unapproved::WrittenOverApi));
        config.trusted_binding = Some(config.spec.binding_fingerprint());
        config.spec.model = "other".into();
        assert_eq!(config.unapproved(), None, "the model is not part of the binding");
        config.spec.base_url = Some("http://elsewhere/v1".into());
        assert_eq!(config.unapproved(), Some(Unapproved::ChangedSinceApproval));
        config.written_by = Author::Local;
        assert_eq!(config.unapproved(), None);
    }
}
