//! The JSON settings columns and what they may hold: each is parsed into its typed value
//! (`RequestParams`, the kind options, `LinkProperties`) and a problem is a parse error.

use serde_json::Value;

use super::agent::{AgentKind, JsonObject};
use super::kind_options::{
    BasicOptions, ChainOptions, EvaluatorOptions, LinkProperties, OrchestratorOptions,
    ParallelOptions, RouterOptions,
};
use super::link::LinkKind;
use super::request_params::RequestParams;

/// The shape one setting's value must have.
#[derive(Debug, Clone, Copy)]
pub(super) enum Rule {
    Bool,
    Number { min: f64, max: f64 },
    Integer { min: i64 },
    OneOf(&'static [&'static str]),
    Text,
    TextList,
    Object,
}

impl Rule {
    fn check(self, value: &Value) -> Result<(), String> {
        let fits = match self {
            Rule::Bool => value.is_boolean(),
            Rule::Number { min, max } => value.as_f64().is_some_and(|n| (min..=max).contains(&n)),
            Rule::Integer { min } => value.as_i64().is_some_and(|n| n >= min),
            Rule::OneOf(choices) => value.as_str().is_some_and(|s| choices.contains(&s)),
            Rule::Text => value.is_string(),
            Rule::TextList => value.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Rule::Object => value.is_object(),
        };
        if fits { Ok(()) } else { Err(format!("must be {}, not {value}", self.describe())) }
    }

    fn describe(self) -> String {
        match self {
            Rule::Bool => "true or false".into(),
            Rule::Number { min, max } => format!("a number from {min} to {max}"),
            Rule::Integer { min } => format!("a whole number of at least {min}"),
            Rule::OneOf(choices) => format!("one of {}", choices.join(", ")),
            Rule::Text => "a string".into(),
            Rule::TextList => "a list of strings".into(),
            Rule::Object => "a JSON object".into(),
        }
    }
}

/// Reads one settings object key by key: each key a typed value reads is known, every other key
/// is a problem, and so is a value that breaks its rule. The keys a type reads are its only list.
pub(super) struct Reader<'a> {
    object: &'a JsonObject,
    what: String,
    known: Vec<&'static str>,
    problems: Vec<String>,
}

impl<'a> Reader<'a> {
    /// A reader of `object`, whose keys problems call `what` ("request parameter").
    pub(super) fn new(object: &'a JsonObject, what: impl Into<String>) -> Reader<'a> {
        Reader { object, what: what.into(), known: Vec::new(), problems: Vec::new() }
    }

    fn take<T>(
        &mut self,
        key: &'static str,
        rule: Rule,
        read: impl FnOnce(&Value) -> Option<T>,
    ) -> Option<T> {
        self.known.push(key);
        let value = self.object.get(key)?;
        let what = &self.what;
        match rule.check(value).map(|()| read(value)) {
            Ok(Some(read)) => Some(read),
            Ok(None) => {
                self.problems.push(format!("{what} \"{key}\" is too large, not {value}"));
                None
            }
            Err(why) => {
                self.problems.push(format!("{what} \"{key}\" {why}"));
                None
            }
        }
    }

    pub(super) fn bool(&mut self, key: &'static str) -> Option<bool> {
        self.take(key, Rule::Bool, Value::as_bool)
    }

    pub(super) fn number(&mut self, key: &'static str, min: f64, max: f64) -> Option<f64> {
        self.take(key, Rule::Number { min, max }, Value::as_f64)
    }

    pub(super) fn whole(&mut self, key: &'static str, min: u32) -> Option<u32> {
        self.take(key, Rule::Integer { min: min.into() }, |v| {
            v.as_u64().and_then(|n| u32::try_from(n).ok())
        })
    }

    pub(super) fn one_of(
        &mut self,
        key: &'static str,
        choices: &'static [&'static str],
    ) -> Option<&'static str> {
        self.take(key, Rule::OneOf(choices), |v| {
            v.as_str().and_then(|s| choices.iter().copied().find(|c| *c == s))
        })
    }

    pub(super) fn text(&mut self, key: &'static str) -> Option<String> {
        self.take(key, Rule::Text, |v| v.as_str().map(str::to_owned))
    }

    pub(super) fn text_list(&mut self, key: &'static str) -> Option<Vec<String>> {
        self.take(key, Rule::TextList, |v| {
            v.as_array()?.iter().map(|s| s.as_str().map(str::to_owned)).collect()
        })
    }

    pub(super) fn object(&mut self, key: &'static str) -> Option<Value> {
        self.take(key, Rule::Object, |v| Some(v.clone()))
    }

    /// `value` when every key was known and every value fit; else every problem.
    pub(super) fn finish<T>(mut self, value: T) -> Result<T, Vec<String>> {
        let what = &self.what;
        for key in self.object.keys().filter(|k| !self.known.contains(&k.as_str())) {
            self.problems.push(if self.known.is_empty() {
                format!("unknown {what} \"{key}\": there are none")
            } else {
                format!("unknown {what} \"{key}\"; known: {}", self.known.join(", "))
            });
        }
        if self.problems.is_empty() { Ok(value) } else { Err(self.problems) }
    }
}

fn problems<T>(parsed: Result<T, Vec<String>>) -> Vec<String> {
    parsed.err().unwrap_or_default()
}

/// Every problem with a set of request parameters (from an agent or an LLM config).
pub fn check_request_params(params: &JsonObject) -> Vec<String> {
    problems(RequestParams::parse(params))
}

/// Every problem with the kind-specific options of an agent of `kind`.
pub fn check_options(kind: AgentKind, options: &JsonObject) -> Vec<String> {
    match kind {
        AgentKind::Chain => problems(ChainOptions::parse(options)),
        AgentKind::Parallel => problems(ParallelOptions::parse(options)),
        AgentKind::Orchestrator => problems(OrchestratorOptions::parse(options)),
        AgentKind::EvaluatorOptimizer => problems(EvaluatorOptions::parse(options)),
        AgentKind::Basic => problems(BasicOptions::parse(options)),
        AgentKind::Router => problems(RouterOptions::parse(options)),
    }
}

/// Every problem with the properties of a link (its kind does not change what is allowed yet).
pub fn check_link_properties(_kind: LinkKind, properties: &JsonObject) -> Vec<String> {
    problems(LinkProperties::parse(properties))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> JsonObject {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn request_params_name_the_bad_key() {
        assert!(
            check_request_params(&object(json!({"temperature": 0.2, "max_tokens": 50}))).is_empty()
        );
        let problems = check_request_params(&object(json!({"temperature": 3, "max_tokns": 5})));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains("\"temperature\" must be a number from 0 to 2"))
        );
        assert!(problems.iter().any(|p| p.contains("unknown request parameter \"max_tokns\"")));
    }

    #[test]
    fn options_follow_the_kind() {
        let eval = object(json!({"min_rating": "GOOD", "max_refinements": 3}));
        assert!(check_options(AgentKind::EvaluatorOptimizer, &eval).is_empty());
        let problems = check_options(AgentKind::Chain, &eval);
        assert_eq!(problems.len(), 2, "{problems:?}");
        let bad = object(json!({"min_rating": "SUPERB"}));
        let problems = check_options(AgentKind::EvaluatorOptimizer, &bad);
        assert!(problems[0].contains("one of EXCELLENT, GOOD, FAIR, POOR"), "{problems:?}");
        assert!(check_options(AgentKind::Router, &object(json!({"x": 1})))[0].contains("none"));
    }

    #[test]
    fn a_whole_number_too_large_is_a_problem() {
        let problems = check_request_params(&object(json!({"max_tokens": 1_u64 << 40})));
        assert!(problems[0].contains("\"max_tokens\" is too large"), "{problems:?}");
    }
}
