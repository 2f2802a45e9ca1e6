//! The typed options of each agent kind and of links, parsed from their JSON columns; the
//! defaults the engine runs with are written here once.

use super::agent::{AgentKind, JsonObject};
use super::settings::Reader;

/// The evaluator's ratings, best first.
pub const RATINGS: &[&str] = &["EXCELLENT", "GOOD", "FAIR", "POOR"];

/// An evaluator's rating; a lower rank is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rating {
    Excellent,
    #[default]
    Good,
    Fair,
    Poor,
}

impl Rating {
    const ALL: [Rating; 4] = [Rating::Excellent, Rating::Good, Rating::Fair, Rating::Poor];

    /// The rating `text` names (any case, trimmed), if any.
    pub fn named(text: &str) -> Option<Rating> {
        let index = RATINGS.iter().position(|r| r.eq_ignore_ascii_case(text.trim()))?;
        Rating::ALL.get(index).copied()
    }

    /// 0 for the best rating, 3 for the worst.
    pub fn rank(self) -> usize {
        self as usize
    }
}

fn option_reader(object: &JsonObject, kind: AgentKind) -> Reader<'_> {
    Reader::new(object, format!("{kind} option"))
}

/// A chain's options: `cumulative` gives each step the request and every earlier output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChainOptions {
    pub cumulative: bool,
}

impl ChainOptions {
    pub fn parse(object: &JsonObject) -> Result<ChainOptions, Vec<String>> {
        let mut read = option_reader(object, AgentKind::Chain);
        let cumulative = read.bool("cumulative").unwrap_or_default();
        read.finish(ChainOptions { cumulative })
    }
}

/// A parallel's options: `include_request` (on by default) gives the fan-in the request too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParallelOptions {
    pub include_request: bool,
}

impl Default for ParallelOptions {
    fn default() -> ParallelOptions {
        ParallelOptions { include_request: true }
    }
}

impl ParallelOptions {
    pub fn parse(object: &JsonObject) -> Result<ParallelOptions, Vec<String>> {
        let mut read = option_reader(object, AgentKind::Parallel);
        let default = ParallelOptions::default();
        let include_request = read.bool("include_request").unwrap_or(default.include_request);
        read.finish(ParallelOptions { include_request })
    }
}

/// How an orchestrator plans: every step at once, or one step a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanType {
    #[default]
    Full,
    Iterative,
}

/// An orchestrator's options; `plan_iterations` bounds the rounds of an iterative plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrchestratorOptions {
    pub plan_type: PlanType,
    pub plan_iterations: u32,
}

impl Default for OrchestratorOptions {
    fn default() -> OrchestratorOptions {
        OrchestratorOptions { plan_type: PlanType::Full, plan_iterations: 5 }
    }
}

impl OrchestratorOptions {
    pub fn parse(object: &JsonObject) -> Result<OrchestratorOptions, Vec<String>> {
        let mut read = option_reader(object, AgentKind::Orchestrator);
        let default = OrchestratorOptions::default();
        let plan_type = match read.one_of("plan_type", &["full", "iterative"]) {
            Some("iterative") => PlanType::Iterative,
            Some(_) => PlanType::Full,
            None => default.plan_type,
        };
        let plan_iterations = read.whole("plan_iterations", 1).unwrap_or(default.plan_iterations);
        read.finish(OrchestratorOptions { plan_type, plan_iterations })
    }
}

/// An evaluator-optimizer's options: refine until `min_rating` or `max_refinements` run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvaluatorOptions {
    pub min_rating: Rating,
    pub max_refinements: u32,
}

impl Default for EvaluatorOptions {
    fn default() -> EvaluatorOptions {
        EvaluatorOptions { min_rating: Rating::Good, max_refinements: 3 }
    }
}

impl EvaluatorOptions {
    pub fn parse(object: &JsonObject) -> Result<EvaluatorOptions, Vec<String>> {
        let mut read = option_reader(object, AgentKind::EvaluatorOptimizer);
        let default = EvaluatorOptions::default();
        let min_rating = read
            .one_of("min_rating", RATINGS)
            .and_then(Rating::named)
            .unwrap_or(default.min_rating);
        let max_refinements = read.whole("max_refinements", 0).unwrap_or(default.max_refinements);
        read.finish(EvaluatorOptions { min_rating, max_refinements })
    }
}

/// A basic agent's options: `state_tools` gives it `save_state` and `load_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BasicOptions {
    pub state_tools: bool,
}

impl BasicOptions {
    pub fn parse(object: &JsonObject) -> Result<BasicOptions, Vec<String>> {
        let mut read = option_reader(object, AgentKind::Basic);
        let state_tools = read.bool("state_tools").unwrap_or_default();
        read.finish(BasicOptions { state_tools })
    }
}

/// A router has no options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouterOptions;

impl RouterOptions {
    pub fn parse(object: &JsonObject) -> Result<RouterOptions, Vec<String>> {
        option_reader(object, AgentKind::Router).finish(RouterOptions)
    }
}

/// A link's properties: `description` tells a router or a tool user what the child is for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkProperties {
    pub description: Option<String>,
}

impl LinkProperties {
    pub fn parse(object: &JsonObject) -> Result<LinkProperties, Vec<String>> {
        let mut read = Reader::new(object, "link property");
        let description = read.text("description");
        read.finish(LinkProperties { description })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn object(value: Value) -> JsonObject {
        value.as_object().cloned().unwrap_or_default()
    }

    fn names_key<T: std::fmt::Debug>(parsed: Result<T, Vec<String>>, key: &str) {
        let problems = parsed.expect_err("a wrong value is an error");
        assert!(problems.iter().any(|p| p.contains(&format!("\"{key}\" must be"))), "{problems:?}");
    }

    #[test]
    fn defaults_are_the_engines() {
        let none = JsonObject::new();
        assert_eq!(ChainOptions::parse(&none), Ok(ChainOptions { cumulative: false }));
        assert_eq!(ParallelOptions::parse(&none), Ok(ParallelOptions { include_request: true }));
        let orchestrator = OrchestratorOptions { plan_type: PlanType::Full, plan_iterations: 5 };
        assert_eq!(OrchestratorOptions::parse(&none), Ok(orchestrator));
        let evaluator = EvaluatorOptions { min_rating: Rating::Good, max_refinements: 3 };
        assert_eq!(EvaluatorOptions::parse(&none), Ok(evaluator));
        assert_eq!(BasicOptions::parse(&none), Ok(BasicOptions { state_tools: false }));
        assert_eq!(RouterOptions::parse(&none), Ok(RouterOptions));
        assert_eq!(LinkProperties::parse(&none), Ok(LinkProperties { description: None }));
    }

    #[test]
    fn every_key_parses() {
        let chain = ChainOptions::parse(&object(json!({"cumulative": true})));
        assert_eq!(chain, Ok(ChainOptions { cumulative: true }));
        let parallel = ParallelOptions::parse(&object(json!({"include_request": false})));
        assert_eq!(parallel, Ok(ParallelOptions { include_request: false }));
        let plan = object(json!({"plan_type": "iterative", "plan_iterations": 2}));
        let orchestrator =
            OrchestratorOptions { plan_type: PlanType::Iterative, plan_iterations: 2 };
        assert_eq!(OrchestratorOptions::parse(&plan), Ok(orchestrator));
        let eval = object(json!({"min_rating": "EXCELLENT", "max_refinements": 0}));
        let evaluator = EvaluatorOptions { min_rating: Rating::Excellent, max_refinements: 0 };
        assert_eq!(EvaluatorOptions::parse(&eval), Ok(evaluator));
        let basic = BasicOptions::parse(&object(json!({"state_tools": true})));
        assert_eq!(basic, Ok(BasicOptions { state_tools: true }));
        let link = LinkProperties::parse(&object(json!({"description": "maths"})));
        assert_eq!(link, Ok(LinkProperties { description: Some("maths".into()) }));
    }

    #[test]
    fn a_wrong_type_names_the_key() {
        names_key(ChainOptions::parse(&object(json!({"cumulative": "yes"}))), "cumulative");
        names_key(
            ParallelOptions::parse(&object(json!({"include_request": 1}))),
            "include_request",
        );
        names_key(OrchestratorOptions::parse(&object(json!({"plan_type": "some"}))), "plan_type");
        let zero = object(json!({"plan_iterations": 0}));
        names_key(OrchestratorOptions::parse(&zero), "plan_iterations");
        names_key(EvaluatorOptions::parse(&object(json!({"min_rating": 2}))), "min_rating");
        let negative = object(json!({"max_refinements": -1}));
        names_key(EvaluatorOptions::parse(&negative), "max_refinements");
        names_key(BasicOptions::parse(&object(json!({"state_tools": null}))), "state_tools");
        names_key(LinkProperties::parse(&object(json!({"description": 7}))), "description");
    }

    #[test]
    fn ratings_rank_best_first() {
        assert_eq!(Rating::named(" fair "), Some(Rating::Fair));
        assert_eq!(Rating::named("SUPERB"), None);
        assert!(Rating::Excellent.rank() < Rating::Poor.rank());
    }
}
