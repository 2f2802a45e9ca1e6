//! genai's errors as `LlmError`s: status, Retry-After, context length, never the key.

use std::error::Error as StdError;
use std::time::Duration;

use serde_json::Value;

use crate::llm::error::LlmError;

/// What error messages need: the config to name, and the key to keep out of them.
pub(super) struct ErrorContext<'a> {
    pub(super) config: &'a str,
    pub(super) key: Option<&'a str>,
}

impl ErrorContext<'_> {
    /// The typed error for a genai error.
    pub(super) fn map(&self, error: &genai::Error) -> LlmError {
        use genai::Error as E;
        match error {
            E::HttpError { status, body, headers, .. } => self.status_error(
                status.as_u16(),
                body,
                retry_after(|name| {
                    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
                }),
            ),
            E::WebModelCall { webc_error, .. } | E::WebAdapterCall { webc_error, .. } => {
                self.webc_error(webc_error)
            }
            E::WebStream { error, .. } => self.transport_error(error.as_ref()),
            E::StreamParse { serde_error, .. } => {
                LlmError::Malformed(format!("a streamed event is not valid JSON: {serde_error}"))
            }
            E::ChatResponse { body, .. } => self.stream_error_event(body),
            E::JsonValueExt(_)
            | E::SerdeJson(_)
            | E::InvalidJsonResponseElement { .. }
            | E::NoChatResponse { .. }
            | E::ChatResponseGeneration { .. } => {
                LlmError::Malformed(self.clean(&error.to_string()))
            }
            other => LlmError::Config(format!(
                "LLM config \"{}\": {}",
                self.config,
                self.clean(&other.to_string())
            )),
        }
    }

    fn webc_error(&self, error: &genai::webc::Error) -> LlmError {
        use genai::webc::Error as W;
        match error {
            W::ResponseFailedStatus { status, body, headers } => self.status_error(
                status.as_u16(),
                body,
                retry_after(|name| {
                    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
                }),
            ),
            W::ResponseFailedNotJson { content_type, body } => LlmError::Malformed(format!(
                "the provider answered {content_type}, not JSON: {}",
                self.clean(body)
            )),
            W::ResponseFailedInvalidJson { cause, .. } => {
                LlmError::Malformed(format!("the answer is not valid JSON: {cause}"))
            }
            W::JsonValueExt(cause) => {
                LlmError::Malformed(format!("the answer lacks an expected field: {cause}"))
            }
            W::Reqwest(cause) => LlmError::Network(self.clean(&describe_chain(cause))),
        }
    }

    /// Errors from below the stream: an HTTP failure genai wrapped, a cut connection, bad bytes.
    fn transport_error(&self, error: &(dyn StdError + Send + Sync + 'static)) -> LlmError {
        if let Some(inner) = error.downcast_ref::<genai::Error>() {
            return self.map(inner);
        }
        if let Some(inner) = error.downcast_ref::<genai::webc::Error>() {
            return self.webc_error(inner);
        }
        if error.is::<std::str::Utf8Error>() || error.is::<std::string::FromUtf8Error>() {
            return LlmError::Malformed(format!("the answer stream is not valid UTF-8: {error}"));
        }
        LlmError::Network(self.clean(&describe_chain(error)))
    }

    /// An HTTP error status, with the server's own message.
    pub(super) fn status_error(
        &self,
        status: u16,
        body: &str,
        retry_after: Option<Duration>,
    ) -> LlmError {
        let message = self.clean(&server_message(body));
        match status {
            401 | 403 => LlmError::Auth { status, message },
            429 => LlmError::RateLimited { retry_after, message },
            408 => LlmError::Network(format!(
                "the provider timed out the request (HTTP 408): {message}"
            )),
            500..=599 => LlmError::Server { status, message },
            _ if mentions_context_length(&message) => {
                LlmError::ContextLength(format!("HTTP {status}: {message}"))
            }
            _ => LlmError::Config(format!(
                "LLM config \"{}\": the provider refused the request (HTTP {status}): {message}",
                self.config
            )),
        }
    }

    /// An error event inside a stream that began well (Anthropic `event: error`, OpenAI
    /// `{"error": ..}`). There is no HTTP status then: overloads count as 529, as Anthropic
    /// answers them over HTTP, and other failures as 500, so that both are retried.
    fn stream_error_event(&self, body: &Value) -> LlmError {
        let message = self.clean(&json_error_message(body).unwrap_or_else(|| body.to_string()));
        let lower = message.to_lowercase();
        if lower.contains("rate_limit") || lower.contains("rate limit") {
            LlmError::RateLimited { retry_after: None, message }
        } else if mentions_context_length(&message) {
            LlmError::ContextLength(message)
        } else if lower.contains("overloaded") {
            LlmError::Server { status: 529, message }
        } else {
            LlmError::Server {
                status: 500,
                message: format!("error in the answer stream: {message}"),
            }
        }
    }

    /// `text` without the key, and not too long to show.
    fn clean(&self, text: &str) -> String {
        let text = match self.key.filter(|key| !key.is_empty()) {
            Some(key) => text.replace(key, "[key]"),
            None => text.to_owned(),
        };
        shorten(&text, 1000)
    }
}

/// The wait a rate-limited answer asks for. genai 0.7.2 keeps the headers of a failed response
/// (`HttpError::headers`, `ResponseFailedStatus::headers`): `retry-after-ms` (OpenAI) is read
/// first, then `retry-after` in seconds. Its HTTP-date form is not read (the providers we target
/// send seconds); the retry policy's backoff applies then.
pub(super) fn retry_after(header: impl Fn(&str) -> Option<String>) -> Option<Duration> {
    let parse = |text: String, per_second: f64| {
        let number = text.trim().parse::<f64>().ok()?;
        Duration::try_from_secs_f64(number / per_second).ok()
    };
    header("retry-after-ms")
        .and_then(|text| parse(text, 1000.0))
        .or_else(|| header("retry-after").and_then(|text| parse(text, 1.0)))
}

/// The message in an error body, whatever the vendor's shape; else the body itself.
pub(super) fn server_message(body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|json| json_error_message(&json))
        .unwrap_or_else(|| body.trim().to_owned());
    if message.is_empty() { "(no message)".into() } else { message }
}

/// OpenAI and Gemini: `{"error": {"message", "type"|"status"}}`; Anthropic:
/// `{"type": "error", "error": {"type", "message"}}`; others: `{"message"}`, `{"error": "..."}`
/// or `{"detail": "..."}`. Gemini may wrap it in a list.
pub(super) fn json_error_message(json: &Value) -> Option<String> {
    let json = json.as_array().and_then(|items| items.first()).unwrap_or(json);
    let error = json.get("error").unwrap_or(json);
    if let Some(text) = error.as_str() {
        return Some(text.to_owned());
    }
    let message = ["message", "detail"].iter().find_map(|k| error.get(*k)?.as_str())?;
    let kind = ["type", "code", "status"].iter().find_map(|k| error.get(*k)?.as_str());
    Some(match kind {
        Some(kind) if !message.contains(kind) => format!("{message} ({kind})"),
        _ => message.to_owned(),
    })
}

/// Whether a refusal says the request is longer than the model's context.
pub(super) fn mentions_context_length(message: &str) -> bool {
    const MARKERS: &[&str] = &[
        "context length",
        "context_length",
        "context window",
        "maximum context",
        "prompt is too long",
        "input is too long",
        "too many tokens",
        "reduce the length",
    ];
    let lower = message.to_lowercase();
    MARKERS.iter().any(|marker| lower.contains(marker))
}

/// An error and its causes, as one line.
pub(super) fn describe_chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// At most `max_chars` characters of `text`, marked when cut.
pub(super) fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
