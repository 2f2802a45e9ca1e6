//! A card's `request_params`: fast-agent's names (MCP's camelCase and its own snake_case) turned
//! into AgentLoom's request parameters and checked; what has no equivalent is reported by name.

use serde_json::Value;

use super::fields::{Loss, is_inert};
use super::findings::{Findings, place};
use crate::model::{JsonObject, check_request_params};

/// fast-agent's name, and AgentLoom's.
const RENAMED: &[(&str, &str)] = &[
    ("maxTokens", "max_tokens"),
    ("max_tokens", "max_tokens"),
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("topP", "top_p"),
    ("max_iterations", "max_iterations"),
    ("parallel_tool_calls", "parallel_tool_calls"),
    ("stopSequences", "stop"),
    ("response_format", "response_format"),
];

/// Parameters with no AgentLoom equivalent: what losing them does, and the value that asks for
/// nothing beyond fast-agent's default.
const UNMAPPED: &[(&str, Loss, Option<&str>)] = &[
    ("top_k", Loss::Behaviour, None),
    ("topK", Loss::Behaviour, None),
    ("min_p", Loss::Behaviour, None),
    ("minP", Loss::Behaviour, None),
    ("presence_penalty", Loss::Behaviour, None),
    ("presencePenalty", Loss::Behaviour, None),
    ("frequency_penalty", Loss::Behaviour, None),
    ("frequencyPenalty", Loss::Behaviour, None),
    ("repetition_penalty", Loss::Behaviour, None),
    ("repetitionPenalty", Loss::Behaviour, None),
    ("model", Loss::Behaviour, None),
    ("modelPreferences", Loss::Behaviour, None),
    ("includeContext", Loss::Behaviour, None),
    ("metadata", Loss::Behaviour, None),
    ("structured_schema", Loss::Behaviour, None),
    ("structured_tool_policy", Loss::Behaviour, Some("auto")),
    ("sampling_tool_choice", Loss::Behaviour, None),
    ("template_vars", Loss::Behaviour, None),
    ("mcp_metadata", Loss::Behaviour, None),
    ("tool_result_mode", Loss::Behaviour, Some("postprocess")),
    ("service_tier", Loss::Behaviour, None),
    ("tools", Loss::Behaviour, None),
    ("toolChoice", Loss::Behaviour, None),
    ("streaming_timeout", Loss::Cosmetic, None),
    ("emit_loop_progress", Loss::Cosmetic, None),
    ("messages", Loss::Cosmetic, None),
];

/// AgentLoom's request parameters for a card's `request_params`; `use_history` is the card's own
/// setting, which fast-agent puts in place of the one in `request_params`.
pub(super) fn map_request_params(
    value: Value,
    use_history: bool,
    file: &str,
    findings: &mut Findings,
) -> JsonObject {
    let Value::Object(given) = value else {
        findings.error(place(file, "request_params"), "must be a mapping of parameters");
        return JsonObject::new();
    };
    let mut params = JsonObject::new();
    for (key, value) in given {
        let at = place(file, &format!("request_params.{key}"));
        if value.is_null() {
            continue;
        }
        if let Some((_, ours)) = RENAMED.iter().find(|(theirs, _)| *theirs == key) {
            map_one(&mut params, ours, value, &at, findings);
        } else {
            report_unmapped(&key, &value, use_history, &at, findings);
        }
    }
    params
}

fn map_one(params: &mut JsonObject, ours: &str, value: Value, at: &str, findings: &mut Findings) {
    if params.contains_key(ours) {
        findings
            .error(at, format!("sets {ours}, which another key of request_params already sets"));
        return;
    }
    let single: JsonObject = [(ours.to_owned(), value)].into_iter().collect();
    let problems = check_request_params(&single);
    if problems.is_empty() {
        params.extend(single);
    }
    for problem in problems {
        findings.error(at, problem);
    }
}

fn report_unmapped(key: &str, value: &Value, use_history: bool, at: &str, findings: &mut Findings) {
    match key {
        "use_history" => {
            if value.as_bool() != Some(use_history) {
                findings.warn(
                    at,
                    format!(
                        "fast-agent uses the card's use_history ({use_history}) instead, and so \
                         does AgentLoom"
                    ),
                );
            }
            return;
        }
        "systemPrompt" => {
            findings
                .warn(at, "fast-agent puts the instruction in its place, and so does AgentLoom");
            return;
        }
        _ => {}
    }
    let Some((_, loss, default)) = UNMAPPED.iter().find(|(name, _, _)| *name == key) else {
        let known: Vec<&str> = RENAMED.iter().map(|(theirs, _)| *theirs).collect();
        findings.error(
            at,
            format!(
                "unknown request parameter \"{key}\" (not imported); AgentLoom maps {}",
                known.join(", ")
            ),
        );
        return;
    };
    let asks_nothing = is_inert(value) || default.is_some_and(|d| value.as_str() == Some(d));
    let message = format!("request parameter \"{key}\" has no AgentLoom equivalent (not imported)");
    if *loss == Loss::Behaviour && !asks_nothing {
        findings.error(at, message);
    } else {
        findings.warn(at, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fast_agent_names_become_ours() {
        let mut findings = Findings::default();
        let given = json!({"maxTokens": 512, "temperature": 0.3, "stopSequences": ["END"],
                           "use_history": true, "tool_result_mode": "postprocess"});
        let params = map_request_params(given, true, "a.md", &mut findings);
        assert_eq!(
            Value::Object(params),
            json!({"max_tokens": 512, "temperature": 0.3, "stop": ["END"]})
        );
        assert_eq!(findings.into_result().map(|r| r.warnings.len()).ok(), Some(1));
    }

    #[test]
    fn what_changes_the_answer_is_refused_by_name() {
        let mut findings = Findings::default();
        let given = json!({"top_k": 40, "temperature": 9, "max_tokns": 5});
        map_request_params(given, true, "a.md", &mut findings);
        let text = findings.into_result().expect_err("refused").to_string();
        assert!(text.contains("a.md: request_params.top_k: request parameter \"top_k\""), "{text}");
        assert!(
            text.contains("request_params.temperature: request parameter \"temperature\" must be"),
            "{text}"
        );
        assert!(text.contains("unknown request parameter \"max_tokns\""), "{text}");
    }
}
