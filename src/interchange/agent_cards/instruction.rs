//! A card's instruction: the Markdown body or the `instruction` field, and the fast-agent template
//! placeholders in it, which AgentLoom fills differently or not at all.

use serde_json::Value;

use super::fields::CardKind;
use super::findings::{Findings, place};

/// What an agent card without an instruction gets: fast-agent's default, less the placeholders
/// only fast-agent fills.
pub(super) const DEFAULT_INSTRUCTION: &str = "You are a helpful AI Agent.";

/// Placeholders fast-agent fills itself, by name.
const FAST_AGENT_NAMES: &[&str] = &[
    "currentDate",
    "serverInstructions",
    "agentSkills",
    "env",
    "model_specific",
    "modelReferences",
    "workspaceRoot",
    "hostPlatform",
    "pythonVer",
    "agents",
];
/// Placeholders fast-agent fills itself, by prefix (`{{file:notes.md}}`).
const FAST_AGENT_PREFIXES: &[&str] = &["url:", "file:", "file_silent:", "internal:"];
/// Lines that open inline history in a card body, which fast-agent refuses too.
const HISTORY_DELIMITERS: &[&str] = &["---USER", "---ASSISTANT", "---RESOURCE"];
/// What stands in for `{{agents}}` in an orchestrator's instruction.
const WORKERS_NOTE: &str = "(the workers are listed in each planning request)";

/// The instruction of a card from its `instruction` field or Markdown body; placeholders
/// AgentLoom cannot fill are reported at `field` (`instruction`, or `body` for Markdown).
pub(super) fn read_instruction(
    field: Option<Value>,
    body: Option<&str>,
    kind: CardKind,
    file: &str,
    findings: &mut Findings,
) -> String {
    let from_body = body.and_then(|b| body_instruction(b, file, findings));
    let (text, at) = match (field, from_body) {
        (Some(_), Some(_)) => {
            findings.error(
                place(file, "instruction"),
                "the instruction is given both in the field and in the Markdown body; keep one",
            );
            return String::new();
        }
        (Some(Value::String(text)), None) if !text.trim().is_empty() => {
            (text.trim().to_owned(), "instruction")
        }
        (Some(_), None) => {
            findings.error(place(file, "instruction"), "must be non-empty text");
            return String::new();
        }
        (None, Some(text)) => (text, "body"),
        (None, None) if kind == CardKind::Agent => {
            findings.warn(
                file,
                format!(
                    "no instruction: the agent gets \"{DEFAULT_INSTRUCTION}\" (fast-agent's default \
                     also adds server instructions, skills, AGENTS.md and the date)"
                ),
            );
            return DEFAULT_INSTRUCTION.to_owned();
        }
        (None, None) => return String::new(),
    };
    check_placeholders(text, kind, &place(file, at), findings)
}

/// The instruction in a Markdown body: an opening `---SYSTEM` line dropped, the text trimmed.
fn body_instruction(body: &str, file: &str, findings: &mut Findings) -> Option<String> {
    let lines: Vec<&str> = body.lines().skip_while(|l| l.trim().is_empty()).collect();
    let lines = match lines.first() {
        Some(first) if first.trim() == "---SYSTEM" => &lines[1..],
        _ => &lines[..],
    };
    if let Some(delimiter) = lines.iter().find(|l| HISTORY_DELIMITERS.contains(&l.trim())) {
        findings.error(
            place(file, "body"),
            format!(
                "inline history ({}) is not supported in an AgentCard body, here as in fast-agent",
                delimiter.trim()
            ),
        );
        return None;
    }
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Checks the `{{...}}` placeholders of `text`, returning the instruction to store. A basic
/// agent's instruction is rendered at run time; a router's or orchestrator's reaches the model as
/// it is; the other kinds send theirs to no model.
fn check_placeholders(text: String, kind: CardKind, at: &str, findings: &mut Findings) -> String {
    let orchestrates = matches!(kind, CardKind::Orchestrator | CardKind::IterativePlanner);
    let sent_as_is = orchestrates || kind == CardKind::Router;
    let mut stored = text.clone();
    for name in placeholders(&text) {
        let fast_agents = FAST_AGENT_NAMES.contains(&name.as_str())
            || FAST_AGENT_PREFIXES.iter().any(|p| name.starts_with(p));
        if name == "input" {
            continue;
        }
        if orchestrates && name == "agents" {
            stored = replace_placeholder(&stored, "agents", WORKERS_NOTE);
            findings.warn(
                at,
                format!(
                    "{{{{agents}}}} is replaced by \"{WORKERS_NOTE}\": AgentLoom's orchestrator \
                     lists its workers in every planning request itself"
                ),
            );
        } else if fast_agents && kind == CardKind::Agent {
            findings.error(
                at,
                format!(
                    "placeholder {{{{{name}}}}} is filled by fast-agent; AgentLoom fills only \
                     {{{{input}}}}, session variables and agent state, so a run would stop at it \
                     (write the text in instead)"
                ),
            );
        } else if fast_agents && sent_as_is {
            findings.error(
                at,
                format!(
                    "placeholder {{{{{name}}}}} is filled by fast-agent; AgentLoom would send it \
                     to the model as it is (write the text in instead)"
                ),
            );
        } else if kind == CardKind::Agent {
            findings.warn(
                at,
                format!(
                    "{{{{{name}}}}} stays a placeholder: AgentLoom fills it from a session \
                     variable or agent state of that name, and a run without one stops \
                     (fast-agent kept it as text)"
                ),
            );
        }
    }
    stored
}

/// The names of the `{{name}}` placeholders in `text`, each once, in order; `\{{` is literal.
fn placeholders(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let escaped = rest[..start].ends_with('\\');
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim().to_owned();
        if !escaped && !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
        rest = &after[end + 2..];
    }
    names
}

/// `text` with every `{{name}}` (spaces inside the braces allowed) replaced by `with`.
fn replace_placeholder(text: &str, name: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push_str(&rest[..start]);
        if after[..end].trim() == name {
            out.push_str(with);
        } else {
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(kind: CardKind, body: &str) -> (String, Findings) {
        let mut findings = Findings::default();
        let text = read_instruction(None, Some(body), kind, "a.md", &mut findings);
        (text, findings)
    }

    #[test]
    fn the_body_is_the_instruction() {
        let (text, findings) = read(CardKind::Agent, "\n---SYSTEM\n    Be brief.\n");
        assert_eq!(text, "Be brief.");
        assert_eq!(findings.error_count(), 0);
        let (_, findings) = read(CardKind::Agent, "Hi\n---USER\nhello\n");
        assert_eq!(findings.error_count(), 1);
    }

    #[test]
    fn fast_agent_placeholders_are_reported_by_name() {
        let (_, findings) = read(CardKind::Agent, "Today is {{currentDate}}. Answer {{input}}.");
        let errors = findings.into_result().expect_err("refused");
        assert!(errors.to_string().contains("a.md: body: placeholder {{currentDate}}"), "{errors}");
        let (text, findings) = read(CardKind::IterativePlanner, "Workers:\n{{agents}}\nPlan.");
        assert!(text.contains(WORKERS_NOTE), "{text}");
        assert_eq!(findings.into_result().map(|r| r.warnings.len()).ok(), Some(1));
        assert_eq!(placeholders("a {{ x }} \\{{y}} {{x}}"), ["x"]);
        assert_eq!(replace_placeholder("a {{ agents }} {{b}}", "agents", "W"), "a W {{b}}");
    }
}
