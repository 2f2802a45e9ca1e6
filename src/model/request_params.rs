//! Request parameters: what an LLM config or an agent sets for its model calls, parsed from its
//! JSON column (a value that breaks its rule is an error naming the key).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::agent::JsonObject;
use super::settings::Reader;

/// How long an answer stream may send nothing, unless `idle_timeout_secs` says otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Request parameters, merged from the LLM config's defaults and the agent's (agent wins).
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
    /// Parses a `request_params` column: every problem (bad value, unknown key) or the parameters.
    pub fn parse(object: &JsonObject) -> Result<RequestParams, Vec<String>> {
        let mut read = Reader::new(object, "request parameter");
        let params = RequestParams {
            temperature: read.number("temperature", 0.0, 2.0),
            top_p: read.number("top_p", 0.0, 1.0),
            max_tokens: read.whole("max_tokens", 1),
            max_iterations: read.whole("max_iterations", 1),
            parallel_tool_calls: read.bool("parallel_tool_calls"),
            response_format: read.object("response_format"),
            stop: read.text_list("stop"),
            timeout_secs: read.number("timeout_secs", 0.001, 86_400.0),
            idle_timeout_secs: read.number("idle_timeout_secs", 0.001, 86_400.0),
        };
        read.finish(params)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(value: Value) -> Result<RequestParams, Vec<String>> {
        RequestParams::parse(&value.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn every_key_parses() {
        let all = json!({
            "temperature": 0.5, "top_p": 0.9, "max_tokens": 100, "max_iterations": 4,
            "parallel_tool_calls": false, "response_format": {"type": "object"},
            "stop": ["END"], "timeout_secs": 30, "idle_timeout_secs": 5.5
        });
        let params = parse(all).expect("all keys parse");
        assert_eq!(params.temperature, Some(0.5));
        assert_eq!(params.top_p, Some(0.9));
        assert_eq!(params.max_tokens, Some(100));
        assert_eq!(params.max_iterations, Some(4));
        assert_eq!(params.parallel_tool_calls, Some(false));
        assert_eq!(params.response_format, Some(json!({"type": "object"})));
        assert_eq!(params.stop, Some(vec!["END".to_owned()]));
        assert_eq!(params.timeout_secs, Some(30.0));
        assert_eq!(params.idle_timeout(), Duration::from_secs_f64(5.5));
    }

    #[test]
    fn one_bad_value_is_an_error_not_a_silent_drop_of_the_others() {
        let problems =
            parse(json!({"temperature": "hot", "max_tokens": 5})).expect_err("hot is no number");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("\"temperature\" must be a number from 0 to 2"));
    }

    #[test]
    fn the_default_sets_nothing() {
        assert_eq!(parse(json!({})), Ok(RequestParams::default()));
        assert_eq!(RequestParams::default().idle_timeout(), DEFAULT_IDLE_TIMEOUT);
    }
}
