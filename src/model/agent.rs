//! Agents: the nodes of a workflow graph, each of one kind that decides how it runs and which links it may have.

use serde::{Deserialize, Serialize};

use super::link::LinkKind;
use super::llm_config::LlmPurpose;
use super::names::check_name;
use super::settings::{check_options, check_request_params};
use super::string_enum::string_enum;

string_enum! {
    /// How an agent runs (the seed's `agent_type`).
    pub enum AgentKind ("agent type") {
        /// One LLM with an instruction, history and tools.
        Basic = "basic",
        /// Children in sequence, each fed the previous output.
        Chain = "chain",
        /// Children concurrently on the same input, with an optional fan-in.
        Parallel = "parallel",
        /// One child picked per request by a routing call.
        Router = "router",
        /// A planner that assigns steps to workers, then synthesises.
        Orchestrator = "orchestrator",
        /// A generator refined by an evaluator until good enough.
        EvaluatorOptimizer = "evaluator_optimizer",
    }
}

impl AgentKind {
    /// The link kinds an agent of this kind may have to its children.
    pub const fn child_links(self) -> &'static [LinkKind] {
        match self {
            AgentKind::Basic => &[LinkKind::ToolOf],
            AgentKind::Chain => &[LinkKind::ChainsTo],
            AgentKind::Parallel => &[LinkKind::FansOutTo, LinkKind::FanInFrom],
            AgentKind::Router => &[LinkKind::RoutesTo],
            AgentKind::Orchestrator => &[LinkKind::Orchestrates],
            AgentKind::EvaluatorOptimizer => {
                &[LinkKind::GeneratorForEval, LinkKind::EvaluatorForGen]
            }
        }
    }

    /// Whether an agent of this kind may have a child linked with `link`.
    pub fn allows_child(self, link: LinkKind) -> bool {
        self.child_links().contains(&link)
    }

    /// Whether this kind calls an LLM itself, given how many `routes_to` children it has
    /// (a router with a single route picks it without a call).
    pub fn calls_llm(self, route_count: usize) -> bool {
        match self {
            AgentKind::Basic | AgentKind::Orchestrator => true,
            AgentKind::Router => route_count > 1,
            AgentKind::Chain | AgentKind::Parallel | AgentKind::EvaluatorOptimizer => false,
        }
    }

    /// The purposes for which an agent of this kind may name an LLM other than its default.
    pub const fn override_purposes(self) -> &'static [LlmPurpose] {
        match self {
            AgentKind::Orchestrator => &[LlmPurpose::Planning],
            AgentKind::Router => &[LlmPurpose::Routing],
            AgentKind::EvaluatorOptimizer => &[LlmPurpose::Evaluation],
            AgentKind::Basic | AgentKind::Chain | AgentKind::Parallel => &[],
        }
    }
}

/// JSON object columns (request parameters, kind options, link properties).
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// What a user writes to define an agent: every column but the bookkeeping ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentSpec {
    pub name: String,
    pub kind: AgentKind,
    pub description: String,
    /// The instruction template; `{{input}}` and other placeholders are filled at run time.
    pub instruction: String,
    /// Name of the default LLM config.
    pub llm: Option<String>,
    pub request_params: JsonObject,
    /// Kind-specific settings, e.g. `cumulative` for a chain or `max_refinements` for an evaluator-optimizer.
    pub options: JsonObject,
    pub use_history: bool,
    pub human_input: bool,
    /// Whether the agent is offered on its own as an MCP tool and API target.
    pub public: bool,
}

impl AgentSpec {
    /// A new agent of `kind` with every other field at its default.
    pub fn new(name: impl Into<String>, kind: AgentKind) -> AgentSpec {
        AgentSpec {
            name: name.into(),
            kind,
            description: String::new(),
            instruction: String::new(),
            llm: None,
            request_params: JsonObject::new(),
            options: JsonObject::new(),
            use_history: true,
            human_input: false,
            public: false,
        }
    }
}

impl AgentSpec {
    /// Every problem with this spec on its own (its name, options and request parameters).
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = check_name("agent", &self.name).err().into_iter().collect();
        problems.extend(check_options(self.kind, &self.options));
        problems.extend(check_request_params(&self.request_params));
        problems
    }
}

/// An agent row: its spec, its per-purpose LLM overrides and MCP servers, and bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agent {
    pub id: i64,
    #[serde(flatten)]
    pub spec: AgentSpec,
    pub llm_overrides: Vec<LlmOverride>,
    pub mcp_servers: Vec<AgentMcpServer>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// An LLM config an agent uses for one purpose instead of its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmOverride {
    pub purpose: LlmPurpose,
    pub llm: String,
}

/// An MCP server an agent may use, optionally limited to some of its tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMcpServer {
    pub server: String,
    /// `None`: every tool of the server; `Some`: only these.
    pub allowed_tools: Option<Vec<String>>,
}
