//! The JSON settings columns and what they may hold: request parameters, kind options, link properties.

use serde_json::Value;

use super::agent::{AgentKind, JsonObject};
use super::link::LinkKind;

/// The shape one setting's value must have.
#[derive(Debug, Clone, Copy)]
enum Rule {
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

type Rules = &'static [(&'static str, Rule)];

const REQUEST_PARAMS: Rules = &[
    ("temperature", Rule::Number { min: 0.0, max: 2.0 }),
    ("top_p", Rule::Number { min: 0.0, max: 1.0 }),
    ("max_tokens", Rule::Integer { min: 1 }),
    ("max_iterations", Rule::Integer { min: 1 }),
    ("parallel_tool_calls", Rule::Bool),
    ("response_format", Rule::Object),
    ("stop", Rule::TextList),
    ("timeout_secs", Rule::Number { min: 0.001, max: 86_400.0 }),
    ("idle_timeout_secs", Rule::Number { min: 0.001, max: 86_400.0 }),
];

/// The evaluator's ratings, best first.
pub const RATINGS: &[&str] = &["EXCELLENT", "GOOD", "FAIR", "POOR"];

const fn kind_options(kind: AgentKind) -> Rules {
    match kind {
        AgentKind::Chain => &[("cumulative", Rule::Bool)],
        AgentKind::Parallel => &[("include_request", Rule::Bool)],
        AgentKind::Orchestrator => &[
            ("plan_type", Rule::OneOf(&["full", "iterative"])),
            ("plan_iterations", Rule::Integer { min: 1 }),
        ],
        AgentKind::EvaluatorOptimizer => {
            &[("min_rating", Rule::OneOf(RATINGS)), ("max_refinements", Rule::Integer { min: 0 })]
        }
        AgentKind::Basic => &[("state_tools", Rule::Bool)],
        AgentKind::Router => &[],
    }
}

const LINK_PROPERTIES: Rules = &[("description", Rule::Text)];

fn check(rules: Rules, object: &JsonObject, what: &str) -> Vec<String> {
    object
        .iter()
        .filter_map(|(key, value)| match rules.iter().find(|(name, _)| name == key) {
            Some((_, rule)) => rule.check(value).err().map(|why| format!("{what} \"{key}\" {why}")),
            None if rules.is_empty() => Some(format!("unknown {what} \"{key}\": there are none")),
            None => {
                let known: Vec<&str> = rules.iter().map(|(name, _)| *name).collect();
                Some(format!("unknown {what} \"{key}\"; known: {}", known.join(", ")))
            }
        })
        .collect()
}

/// Every problem with a set of request parameters (from an agent or an LLM config).
pub fn check_request_params(params: &JsonObject) -> Vec<String> {
    check(REQUEST_PARAMS, params, "request parameter")
}

/// Every problem with the kind-specific options of an agent of `kind`.
pub fn check_options(kind: AgentKind, options: &JsonObject) -> Vec<String> {
    check(kind_options(kind), options, &format!("{kind} option"))
}

/// Every problem with the properties of a link (its kind does not change what is allowed yet).
pub fn check_link_properties(_kind: LinkKind, properties: &JsonObject) -> Vec<String> {
    check(LINK_PROPERTIES, properties, "link property")
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
}
