//! Links between agents: the edges of a workflow graph, typed by the role the child plays for its parent.

use serde::Serialize;

use super::string_enum::string_enum;

string_enum! {
    /// The role a child agent plays for its parent (the seed's `link_type`).
    pub enum LinkKind ("link type") {
        /// A step of a chain, run in `sequence_order`.
        ChainsTo = "chains_to",
        /// A branch of a parallel fan-out.
        FansOutTo = "fans_out_to",
        /// The agent that receives every fan-out output (at most one).
        FanInFrom = "fan_in_from",
        /// A route a router may pick.
        RoutesTo = "routes_to",
        /// A worker an orchestrator may assign plan steps to.
        Orchestrates = "orchestrates",
        /// The generator of an evaluator-optimizer loop.
        GeneratorForEval = "generator_for_eval",
        /// The evaluator of an evaluator-optimizer loop.
        EvaluatorForGen = "evaluator_for_gen",
        /// An agent a basic agent may call as a tool.
        ToolOf = "tool_of",
    }
}

impl LinkKind {
    /// Whether links of this kind are ordered by `sequence_order`.
    pub const fn is_ordered(self) -> bool {
        matches!(self, LinkKind::ChainsTo)
    }
}

/// A link row with both ends resolved to agent names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub id: i64,
    pub parent: String,
    pub child: String,
    pub kind: LinkKind,
    pub sequence_order: Option<i64>,
    pub properties: serde_json::Map<String, serde_json::Value>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}
