//! The AgentCard fields fast-agent 0.10 accepts for each card type, and what becomes of the ones
//! AgentLoom has no place for: an error when losing them would change what the agent does, a
//! warning when it would not.

use serde_json::Value;

use crate::model::AgentKind;

/// A card's `type`, as fast-agent spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CardKind {
    Agent,
    Chain,
    Parallel,
    Router,
    Orchestrator,
    IterativePlanner,
    EvaluatorOptimizer,
}

/// Fields every card type takes.
const COMMON: &[&str] =
    &["type", "name", "instruction", "description", "default", "tool_only", "schema_version"];

/// Fields of a basic `agent` card, besides the common ones.
const AGENT: &[&str] = &[
    "subagents",
    "subagent_model",
    "harness_tools",
    "agents",
    "servers",
    "tools",
    "resources",
    "prompts",
    "mcp_connect",
    "skills",
    "model",
    "use_history",
    "save_trajectory",
    "request_params",
    "human_input",
    "api_key",
    "history_source",
    "history_merge_target",
    "max_parallel",
    "child_timeout_sec",
    "max_display_instances",
    "function_tools",
    "tool_hooks",
    "lifecycle_hooks",
    "commands",
    "trim_tool_history",
    "tool_input_schema",
    "messages",
    "shell",
    "cwd",
    "variables",
];

const CHAIN: &[&str] = &["sequence", "cumulative"];
const PARALLEL: &[&str] = &["fan_out", "fan_in", "include_request"];
const EVALUATOR_OPTIMIZER: &[&str] = &[
    "generator",
    "evaluator",
    "min_rating",
    "max_refinements",
    "refinement_instruction",
    "messages",
];
const ROUTER: &[&str] = &[
    "agents",
    "servers",
    "tools",
    "resources",
    "prompts",
    "model",
    "use_history",
    "save_trajectory",
    "request_params",
    "human_input",
    "api_key",
    "messages",
];
const ORCHESTRATOR: &[&str] = &[
    "agents",
    "model",
    "use_history",
    "save_trajectory",
    "request_params",
    "human_input",
    "api_key",
    "plan_type",
    "plan_iterations",
    "messages",
];
const ITERATIVE_PLANNER: &[&str] =
    &["agents", "model", "request_params", "api_key", "plan_iterations", "messages"];

impl CardKind {
    /// Every card type AgentLoom imports.
    pub(super) const ALL: [CardKind; 7] = [
        CardKind::Agent,
        CardKind::Chain,
        CardKind::Parallel,
        CardKind::Router,
        CardKind::Orchestrator,
        CardKind::IterativePlanner,
        CardKind::EvaluatorOptimizer,
    ];

    /// Reads a card's `type` (case-insensitive, as fast-agent does); the error says why a type
    /// fast-agent knows has no AgentLoom equivalent.
    pub(super) fn parse(text: &str) -> Result<CardKind, String> {
        let kind = match text.trim().to_lowercase().as_str() {
            "agent" => CardKind::Agent,
            "chain" => CardKind::Chain,
            "parallel" => CardKind::Parallel,
            "router" => CardKind::Router,
            "orchestrator" => CardKind::Orchestrator,
            "iterative_planner" => CardKind::IterativePlanner,
            "evaluator_optimizer" => CardKind::EvaluatorOptimizer,
            "maker" => return Err("type \"MAKER\" (k-voting over a worker) has no AgentLoom equivalent (not imported)".into()),
            "a2a" => return Err("type \"a2a\" (a remote A2A agent) has no AgentLoom equivalent (not imported)".into()),
            "smart" => return Err("type \"smart\" (deprecated in fast-agent 0.10) turns on subagents and harness tools, which AgentLoom does not have; use type agent".into()),
            _ => return Err(format!(
                "unknown type \"{text}\"; fast-agent card types are agent, chain, parallel, router, orchestrator, iterative_planner, evaluator_optimizer"
            )),
        };
        Ok(kind)
    }

    /// The word fast-agent uses for this type.
    pub(super) fn word(self) -> &'static str {
        match self {
            CardKind::Agent => "agent",
            CardKind::Chain => "chain",
            CardKind::Parallel => "parallel",
            CardKind::Router => "router",
            CardKind::Orchestrator => "orchestrator",
            CardKind::IterativePlanner => "iterative_planner",
            CardKind::EvaluatorOptimizer => "evaluator_optimizer",
        }
    }

    /// The AgentLoom agent kind a card of this type becomes.
    pub(super) fn agent_kind(self) -> AgentKind {
        match self {
            CardKind::Agent => AgentKind::Basic,
            CardKind::Chain => AgentKind::Chain,
            CardKind::Parallel => AgentKind::Parallel,
            CardKind::Router => AgentKind::Router,
            CardKind::Orchestrator | CardKind::IterativePlanner => AgentKind::Orchestrator,
            CardKind::EvaluatorOptimizer => AgentKind::EvaluatorOptimizer,
        }
    }

    /// Whether fast-agent accepts `field` on a card of this type.
    pub(super) fn allows(self, field: &str) -> bool {
        let own = match self {
            CardKind::Agent => AGENT,
            CardKind::Chain => CHAIN,
            CardKind::Parallel => PARALLEL,
            CardKind::Router => ROUTER,
            CardKind::Orchestrator => ORCHESTRATOR,
            CardKind::IterativePlanner => ITERATIVE_PLANNER,
            CardKind::EvaluatorOptimizer => EVALUATOR_OPTIMIZER,
        };
        COMMON.contains(&field) || own.contains(&field)
    }

    /// The fields a card of this type must have.
    pub(super) fn required(self) -> &'static [&'static str] {
        match self {
            CardKind::Agent => &[],
            CardKind::Chain => &["sequence"],
            CardKind::Parallel => &["fan_out"],
            CardKind::Router | CardKind::Orchestrator | CardKind::IterativePlanner => &["agents"],
            CardKind::EvaluatorOptimizer => &["generator", "evaluator"],
        }
    }

    /// fast-agent's `use_history` when a card does not say.
    pub(super) fn default_use_history(self) -> bool {
        !matches!(self, CardKind::Router | CardKind::Orchestrator | CardKind::IterativePlanner)
    }

    /// Whether an agent of this type calls a model itself, and so needs an LLM config.
    pub(super) fn calls_llm(self) -> bool {
        matches!(
            self,
            CardKind::Agent
                | CardKind::Router
                | CardKind::Orchestrator
                | CardKind::IterativePlanner
        )
    }
}

/// What losing a field AgentLoom cannot hold would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Loss {
    /// The agent would behave differently: the import is refused.
    Behaviour,
    /// Nothing the agent does would change: imported with a warning.
    Cosmetic,
}

/// Fields fast-agent accepts that AgentLoom has no place for, with what they do there.
const UNSUPPORTED: &[(&str, Loss, &str)] = &[
    ("resources", Loss::Behaviour, "it filters MCP resources; AgentLoom has no resource filters"),
    ("prompts", Loss::Behaviour, "it filters MCP prompts; AgentLoom has no prompt filters"),
    ("skills", Loss::Behaviour, "AgentLoom has no agent skills"),
    (
        "api_key",
        Loss::Behaviour,
        "AgentLoom keeps keys on LLM configs, as env: or keyring: references",
    ),
    ("history_source", Loss::Behaviour, "it picks the history an agent-as-tool starts from"),
    ("history_merge_target", Loss::Behaviour, "it merges an agent-as-tool's history back"),
    ("max_parallel", Loss::Behaviour, "it limits agent-as-tool calls at once"),
    ("child_timeout_sec", Loss::Behaviour, "it times out agent-as-tool calls"),
    ("function_tools", Loss::Behaviour, "AgentLoom does not run Python function tools"),
    ("tool_hooks", Loss::Behaviour, "AgentLoom does not run Python hooks"),
    ("lifecycle_hooks", Loss::Behaviour, "AgentLoom does not run Python hooks"),
    ("trim_tool_history", Loss::Behaviour, "it trims tool calls from the history"),
    ("tool_input_schema", Loss::Behaviour, "it gives the agent a custom input schema as a tool"),
    ("messages", Loss::Behaviour, "it preloads conversation history from files"),
    ("shell", Loss::Behaviour, "AgentLoom gives agents no shell"),
    (
        "cwd",
        Loss::Behaviour,
        "it sets the shell's working directory; AgentLoom gives agents no shell",
    ),
    ("variables", Loss::Behaviour, "it sets template variables"),
    ("subagents", Loss::Behaviour, "AgentLoom has no built-in subagent tool"),
    ("harness_tools", Loss::Behaviour, "AgentLoom has no harness tools"),
    (
        "refinement_instruction",
        Loss::Behaviour,
        "AgentLoom's evaluator-optimizer uses its own refinement request",
    ),
    (
        "subagent_model",
        Loss::Cosmetic,
        "it picks the model of built-in subagents, which AgentLoom does not have",
    ),
    (
        "save_trajectory",
        Loss::Cosmetic,
        "AgentLoom records every run in the database instead of trajectory files",
    ),
    ("max_display_instances", Loss::Cosmetic, "a console display setting"),
    ("commands", Loss::Cosmetic, "interactive slash commands"),
];

/// How a field AgentLoom cannot hold is reported: `None` when AgentLoom maps it.
pub(super) fn unsupported(field: &str) -> Option<(Loss, &'static str)> {
    UNSUPPORTED.iter().find(|(name, _, _)| *name == field).map(|(_, loss, what)| (*loss, *what))
}

/// Whether `value` asks for nothing (null, false, empty), so dropping it changes nothing.
pub(super) fn is_inert(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::String(text) => text.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::Bool(true) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_read_case_insensitively_and_unsupported_ones_say_why() {
        assert_eq!(CardKind::parse("Chain"), Ok(CardKind::Chain));
        assert_eq!(
            CardKind::parse("iterative_planner").map(CardKind::agent_kind),
            Ok(AgentKind::Orchestrator)
        );
        assert!(CardKind::parse("MAKER").is_err_and(|e| e.contains("MAKER")));
        assert!(
            CardKind::parse("pipeline").is_err_and(|e| e.contains("unknown type \"pipeline\""))
        );
    }

    #[test]
    fn fields_follow_fast_agents_table() {
        assert!(CardKind::Chain.allows("sequence"));
        assert!(!CardKind::Chain.allows("model"));
        assert!(CardKind::Router.allows("servers"));
        assert!(!CardKind::IterativePlanner.allows("use_history"));
        assert_eq!(unsupported("shell").map(|(loss, _)| loss), Some(Loss::Behaviour));
        assert_eq!(unsupported("save_trajectory").map(|(loss, _)| loss), Some(Loss::Cosmetic));
        assert_eq!(unsupported("servers"), None);
        assert!(is_inert(&json!([])) && is_inert(&json!(false)) && !is_inert(&json!(true)));
    }
}
