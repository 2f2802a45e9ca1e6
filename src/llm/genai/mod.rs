//! Providers reached over the network, through genai: OpenAI, Anthropic, Gemini, Ollama,
//! OpenRouter, Groq, DeepSeek, xAI and any OpenAI-compatible endpoint by base URL. `request` maps
//! our wire-neutral requests onto genai's, `answer` collects its stream, and `errors` turns its
//! errors into `LlmError`s that never carry the key.

mod answer;
mod errors;
mod request;

use std::time::Duration;

use genai::adapter::AdapterKind;
use genai::resolver::{AuthData, Endpoint};
use genai::{Client, Headers, ModelIden, ServiceTarget};

use super::chat::{ChatRequest, ChatResponse};
use super::error::LlmError;
use super::provider::{BoxFuture, Provider, TextSink};
use super::secrets::resolve;
use crate::model::{LlmConfigSpec, ProviderKind, SecretRef};

use answer::collect;
use errors::ErrorContext;
use request::{chat_options, to_wire_request};

/// A network model, configured from its LLM config row. The key is resolved on every call.
pub struct GenaiProvider {
    client: Client,
    config_name: String,
    route: Route,
    /// The base URL, ending in `/` (before any query), as genai's adapters join paths to it.
    endpoint: String,
    model: String,
    api_key_ref: Option<SecretRef>,
}

impl GenaiProvider {
    /// A provider for `config`; fails when the config cannot work whatever the network says.
    pub fn new(config: &LlmConfigSpec) -> Result<GenaiProvider, LlmError> {
        let refuse =
            |why: String| LlmError::Config(format!("LLM config \"{}\": {why}", config.name));
        let route = route(config.provider).ok_or_else(|| {
            refuse(format!(
                "{} is an offline model, not one reached over the network",
                config.provider
            ))
        })?;
        let endpoint = match (config.base_url.as_deref(), route.default_endpoint) {
            (Some(url), _) if !url.trim().is_empty() => endpoint_root(url.trim()),
            (_, Some(default)) => default.to_owned(),
            (_, None) => {
                return Err(refuse(format!(
                    "a {} model (any OpenAI-compatible server) needs a base URL, \
                     e.g. http://localhost:1234/v1",
                    config.provider
                )));
            }
        };
        if route.wire == Wire::Gemini && config.api_key_ref.is_none() {
            return Err(refuse(
                "google (Gemini) models need a key reference (api_key_ref), \
                 e.g. env:GEMINI_API_KEY"
                    .into(),
            ));
        }
        let client = Client::builder()
            .build()
            .map_err(|e| refuse(format!("cannot set up the HTTP client: {e}")))?;
        Ok(GenaiProvider {
            client,
            config_name: config.name.clone(),
            route,
            endpoint,
            model: config.model.clone(),
            api_key_ref: config.api_key_ref.clone(),
        })
    }

    async fn call(
        &self,
        request: &ChatRequest,
        on_text: TextSink<'_>,
    ) -> Result<ChatResponse, LlmError> {
        let key = self.api_key_ref.as_ref().map(resolve).transpose()?;
        let errors = ErrorContext { config: &self.config_name, key: key.as_deref() };
        let auth = match &key {
            Some(key) => AuthData::from_single(key.clone()),
            None => self.keyless_auth(),
        };
        let target = ServiceTarget {
            endpoint: Endpoint::from_owned(self.endpoint.clone()),
            auth,
            model: ModelIden::new(self.route.adapter, self.model.clone()),
        };
        let options = chat_options(&request.params, !request.tools.is_empty(), self.route.wire);
        let answer = self
            .client
            .exec_chat_stream(target, to_wire_request(request, self.route.wire), Some(&options))
            .await
            .map_err(|e| errors.map(&e))?;
        let idle = request.params.idle_timeout();
        collect(answer.stream, on_text, &errors, &self.model, idle).await
    }

    /// genai's adapters insist on a key; without one we name the URL and headers ourselves, so
    /// the request goes out with no key at all (local servers want none, hosted ones answer 401).
    fn keyless_auth(&self) -> AuthData {
        let (base, query) = match self.endpoint.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (self.endpoint.as_str(), String::new()),
        };
        match self.route.wire {
            Wire::OpenAi => AuthData::RequestOverride {
                url: format!("{base}chat/completions{query}"),
                headers: Headers::default(),
            },
            Wire::Anthropic => AuthData::RequestOverride {
                url: format!("{base}messages{query}"),
                headers: Headers::from(("anthropic-version", ANTHROPIC_VERSION)),
            },
            // `new` refuses Gemini configs without a key reference.
            Wire::Gemini => AuthData::None,
        }
    }
}

impl Provider for GenaiProvider {
    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_text: TextSink<'a>,
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        Box::pin(async move {
            let limit =
                request.params.timeout_secs.and_then(|s| Duration::try_from_secs_f64(s).ok());
            match limit {
                Some(limit) => tokio::time::timeout(limit, self.call(request, on_text))
                    .await
                    .unwrap_or(Err(LlmError::Timeout(limit))),
                None => self.call(request, on_text).await,
            }
        })
    }
}

/// The Anthropic API version genai speaks, sent by hand on keyless requests.
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    OpenAi,
    Anthropic,
    Gemini,
}

/// Which genai adapter serves a provider kind, and where by default.
#[derive(Debug, Clone, Copy)]
struct Route {
    adapter: AdapterKind,
    wire: Wire,
    default_endpoint: Option<&'static str>,
}

/// The route for `kind`; `None` for the offline models. Ollama is reached through its
/// OpenAI-compatible `/v1` API rather than genai's native Ollama adapter, which cannot send a
/// JSON schema for structured output.
fn route(kind: ProviderKind) -> Option<Route> {
    let (adapter, wire, default_endpoint) = match kind {
        ProviderKind::OpenAi => {
            (AdapterKind::OpenAI, Wire::OpenAi, Some("https://api.openai.com/v1/"))
        }
        ProviderKind::Anthropic => {
            (AdapterKind::Anthropic, Wire::Anthropic, Some("https://api.anthropic.com/v1/"))
        }
        ProviderKind::Google => (
            AdapterKind::Gemini,
            Wire::Gemini,
            Some("https://generativelanguage.googleapis.com/v1beta/"),
        ),
        ProviderKind::Ollama => {
            (AdapterKind::OpenAI, Wire::OpenAi, Some("http://localhost:11434/v1/"))
        }
        ProviderKind::OpenRouter => {
            (AdapterKind::OpenRouter, Wire::OpenAi, Some("https://openrouter.ai/api/v1/"))
        }
        ProviderKind::Groq => {
            (AdapterKind::Groq, Wire::OpenAi, Some("https://api.groq.com/openai/v1/"))
        }
        ProviderKind::DeepSeek => {
            (AdapterKind::DeepSeek, Wire::OpenAi, Some("https://api.deepseek.com/v1/"))
        }
        ProviderKind::Xai => (AdapterKind::Xai, Wire::OpenAi, Some("https://api.x.ai/v1/")),
        ProviderKind::Generic => (AdapterKind::OpenAI, Wire::OpenAi, None),
        ProviderKind::Passthrough | ProviderKind::Playback => return None,
    };
    Some(Route { adapter, wire, default_endpoint })
}

/// `url` with exactly one `/` ending its path, keeping any query.
fn endpoint_root(url: &str) -> String {
    let (path, query) = match url.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (url, None),
    };
    let mut root = format!("{}/", path.trim_end_matches('/'));
    if let Some(query) = query {
        root.push('?');
        root.push_str(query);
    }
    root
}

// ---- Requests ----------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::answer::*;
    use super::errors::*;
    use super::request::*;
    use super::*;
    use crate::llm::chat::{ChatMessage, ChatRequest, ToolCall};
    use genai::chat as wire;
    use serde_json::{Value, json};

    fn spec(provider: ProviderKind, base_url: Option<&str>) -> LlmConfigSpec {
        let mut spec = LlmConfigSpec::new("test-llm", provider, "some-model");
        spec.base_url = base_url.map(str::to_owned);
        spec
    }

    #[test]
    fn every_network_kind_has_a_route_and_generic_needs_a_base_url() {
        for kind in [
            ProviderKind::OpenAi,
            ProviderKind::Anthropic,
            ProviderKind::Ollama,
            ProviderKind::OpenRouter,
            ProviderKind::Groq,
            ProviderKind::DeepSeek,
            ProviderKind::Xai,
        ] {
            let provider = GenaiProvider::new(&spec(kind, None)).expect("builds");
            assert!(provider.endpoint.ends_with('/'), "{kind}: {}", provider.endpoint);
        }
        match GenaiProvider::new(&spec(ProviderKind::Generic, None)) {
            Err(LlmError::Config(why)) => {
                assert!(why.contains("\"test-llm\"") && why.contains("base URL"), "{why}");
            }
            _ => panic!("generic without a base URL must be refused"),
        }
        let generic = GenaiProvider::new(&spec(ProviderKind::Generic, Some("http://h:1234/v1")))
            .expect("builds");
        assert_eq!(generic.endpoint, "http://h:1234/v1/");
        assert!(GenaiProvider::new(&spec(ProviderKind::Google, None)).is_err());
        assert!(GenaiProvider::new(&spec(ProviderKind::Passthrough, None)).is_err());
    }

    #[test]
    fn endpoints_end_in_one_slash_and_keep_their_query() {
        assert_eq!(endpoint_root("http://h/v1"), "http://h/v1/");
        assert_eq!(endpoint_root("http://h/v1//"), "http://h/v1/");
        assert_eq!(endpoint_root("http://h/v1?api-version=2"), "http://h/v1/?api-version=2");
    }

    #[test]
    fn statuses_become_typed_errors_without_the_key() {
        let errors = ErrorContext { config: "c", key: Some("sk-secret-123") };
        let body = r#"{"error": {"message": "Incorrect API key provided: sk-secret-123", "type": "invalid_request_error"}}"#;
        let auth = errors.status_error(401, body, None);
        assert!(matches!(auth, LlmError::Auth { status: 401, .. }), "{auth:?}");
        assert!(!auth.to_string().contains("sk-secret-123"), "{auth}");
        assert!(auth.to_string().contains("Incorrect API key"), "{auth}");

        let context = r#"{"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long: 201000 tokens > 200000 maximum"}}"#;
        assert!(matches!(errors.status_error(400, context, None), LlmError::ContextLength(_)));
        assert!(matches!(
            errors.status_error(503, "busy", None),
            LlmError::Server { status: 503, .. }
        ));
        assert!(matches!(errors.status_error(404, "no such model", None), LlmError::Config(_)));
        let limited = errors.status_error(429, "", Some(Duration::from_secs(3)));
        assert_eq!(
            limited,
            LlmError::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
                message: "(no message)".into()
            }
        );
    }

    #[test]
    fn reads_retry_after_in_seconds_or_milliseconds() {
        let headers = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(retry_after(headers(&[("retry-after", "2")])), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after(headers(&[("retry-after", "2"), ("retry-after-ms", "250")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_after(headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")])), None);
        assert_eq!(retry_after(headers(&[("retry-after", "-1")])), None);
        assert_eq!(retry_after(headers(&[])), None);
    }

    #[test]
    fn tool_arguments_must_be_a_json_object() {
        let call = |arguments: Value| wire::ToolCall {
            call_id: "call_1".into(),
            fn_name: "lookup".into(),
            fn_arguments: arguments,
            thought_signatures: None,
        };
        let parsed = tool_call(call(json!({"q": 1}))).expect("object");
        assert_eq!(parsed.arguments, json!({"q": 1}));
        assert_eq!(tool_call(call(json!(""))).expect("empty").arguments, json!({}));
        assert_eq!(tool_call(call(json!("{\"q\": 2}"))).expect("text").arguments, json!({"q": 2}));
        match tool_call(call(json!("{\"q\": "))) {
            Err(LlmError::Malformed(why)) => assert!(why.contains("\"lookup\""), "{why}"),
            other => panic!("expected Malformed, got {other:?}"),
        }
        assert!(tool_call(call(json!([1, 2]))).is_err());
    }

    #[test]
    fn consecutive_tool_results_travel_together() {
        let request = ChatRequest {
            messages: vec![
                ChatMessage::user("hi"),
                ChatMessage::Assistant {
                    text: String::new(),
                    tool_calls: vec![
                        ToolCall { id: "a".into(), name: "t".into(), arguments: json!({}) },
                        ToolCall { id: "b".into(), name: "t".into(), arguments: json!({}) },
                    ],
                },
                ChatMessage::Tool {
                    call_id: "a".into(),
                    name: "t".into(),
                    content: "1".into(),
                    is_error: false,
                },
                ChatMessage::Tool {
                    call_id: "b".into(),
                    name: "t".into(),
                    content: "2".into(),
                    is_error: true,
                },
            ],
            ..ChatRequest::default()
        };
        let wire_request = to_wire_request(&request, Wire::Anthropic);
        assert_eq!(wire_request.messages.len(), 3);
        assert_eq!(wire_request.messages[2].content.parts().len(), 2);
    }
}
