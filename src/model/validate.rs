//! Structure validation: every problem of an agent graph at once, each naming the agent or link it concerns.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use super::agent::{AgentKind, JsonObject};
use super::link::LinkKind;
use super::settings;

/// An agent as validation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphAgent {
    pub name: String,
    pub kind: AgentKind,
    pub has_llm: bool,
    pub options: JsonObject,
    pub request_params: JsonObject,
}

impl GraphAgent {
    /// `agent` as validation sees it.
    pub fn of(agent: &super::agent::Agent) -> GraphAgent {
        GraphAgent {
            name: agent.spec.name.clone(),
            kind: agent.spec.kind,
            has_llm: agent.spec.llm.is_some(),
            options: agent.spec.options.clone(),
            request_params: agent.spec.request_params.clone(),
        }
    }
}

/// A link as validation sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GraphLink {
    pub parent: String,
    pub child: String,
    pub kind: LinkKind,
    pub order: Option<i64>,
}

impl GraphLink {
    /// `link` as validation sees it.
    pub fn of(link: &super::link::Link) -> GraphLink {
        GraphLink {
            parent: link.parent.clone(),
            child: link.child.clone(),
            kind: link.kind,
            order: link.sequence_order,
        }
    }
}

impl fmt::Display for GraphLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -{}-> {}", self.parent, self.kind, self.child)?;
        match self.order {
            Some(order) => write!(f, " (order {order})"),
            None => Ok(()),
        }
    }
}

/// What a problem is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    Agent { name: String },
    Link(GraphLink),
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something still has to be added (a chain without steps, an agent without an LLM):
    /// normal while a workflow is being built, but it cannot run yet.
    Incomplete,
    /// The definitions contradict themselves (a cycle, a link the parent's kind cannot have):
    /// a write that introduces one is refused.
    Conflict,
}

/// One thing wrong with the graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Problem {
    pub subject: Subject,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Subject::Agent { name } => write!(f, "agent \"{name}\": {}", self.message),
            Subject::Link(link) => write!(f, "link {link}: {}", self.message),
        }
    }
}

/// Every problem of the graph made of `agents` and `links`, sorted by subject.
pub fn validate(agents: &[GraphAgent], links: &[GraphLink]) -> Vec<Problem> {
    let mut problems = BTreeSet::new();
    let by_name: BTreeMap<&str, &GraphAgent> =
        agents.iter().map(|a| (a.name.as_str(), a)).collect();
    let mut children: BTreeMap<&str, Vec<&GraphLink>> = BTreeMap::new();

    for link in links {
        let mut report = |message: String| {
            problems.insert(Problem {
                subject: Subject::Link(link.clone()),
                severity: Severity::Conflict,
                message,
            });
        };
        for end in [&link.parent, &link.child] {
            if !by_name.contains_key(end.as_str()) {
                report(format!("unknown agent \"{end}\""));
            }
        }
        if let Some(parent) =
            by_name.get(link.parent.as_str()).filter(|p| !p.kind.allows_child(link.kind))
        {
            report(not_allowed_message(parent.kind, link.kind));
        }
        children.entry(link.parent.as_str()).or_default().push(link);
    }

    for agent in agents {
        let own = children.get(agent.name.as_str()).map(Vec::as_slice).unwrap_or_default();
        check_agent(agent, own, &mut problems);
    }
    for cycle in find_cycles(&children) {
        problems.insert(Problem {
            subject: Subject::Agent { name: cycle[0].to_owned() },
            severity: Severity::Conflict,
            message: format!("is part of a cycle: {}", cycle.join(" → ")),
        });
    }
    problems.into_iter().collect()
}

/// Why a parent of `parent` kind cannot have a child linked with `link`.
pub fn not_allowed_message(parent: AgentKind, link: LinkKind) -> String {
    let allowed: Vec<&str> = parent.child_links().iter().map(|k| k.as_str()).collect();
    format!(
        "a {parent} agent cannot have a {link} child; its children are linked with {}",
        allowed.join(" or ")
    )
}

fn check_agent(agent: &GraphAgent, links: &[&GraphLink], problems: &mut BTreeSet<Problem>) {
    let subject = Subject::Agent { name: agent.name.clone() };
    let mut report = |severity, message: String| {
        problems.insert(Problem { subject: subject.clone(), severity, message });
    };
    let count = |kind: LinkKind| links.iter().filter(|l| l.kind == kind).count();

    for message in settings::check_options(agent.kind, &agent.options)
        .into_iter()
        .chain(settings::check_request_params(&agent.request_params))
    {
        report(Severity::Conflict, message);
    }
    if agent.kind.calls_llm(count(LinkKind::RoutesTo)) && !agent.has_llm {
        report(Severity::Incomplete, format!("a {} agent needs an LLM config", agent.kind));
    }
    let mut at_least_one = |kind: LinkKind, what: &str| {
        if count(kind) == 0 {
            report(Severity::Incomplete, format!("needs at least one {what} ({kind} link)"));
        }
    };
    match agent.kind {
        AgentKind::Basic => {}
        AgentKind::Chain => at_least_one(LinkKind::ChainsTo, "step"),
        AgentKind::Parallel => at_least_one(LinkKind::FansOutTo, "branch"),
        AgentKind::Router => at_least_one(LinkKind::RoutesTo, "route"),
        AgentKind::Orchestrator => at_least_one(LinkKind::Orchestrates, "worker"),
        AgentKind::EvaluatorOptimizer => {
            for (kind, role) in [
                (LinkKind::GeneratorForEval, "a generator"),
                (LinkKind::EvaluatorForGen, "an evaluator"),
            ] {
                if count(kind) == 0 {
                    report(Severity::Incomplete, format!("needs {role} ({kind} link)"));
                }
            }
        }
    }
    check_link_counts(agent, links, problems);
}

fn check_link_counts(agent: &GraphAgent, links: &[&GraphLink], problems: &mut BTreeSet<Problem>) {
    let mut report = |link: &GraphLink, severity, message: String| {
        problems.insert(Problem { subject: Subject::Link(link.clone()), severity, message });
    };
    let single = [
        (LinkKind::FanInFrom, "fan-in"),
        (LinkKind::GeneratorForEval, "generator"),
        (LinkKind::EvaluatorForGen, "evaluator"),
    ];
    for (kind, role) in single {
        let same: Vec<&&GraphLink> = links.iter().filter(|l| l.kind == kind).collect();
        if same.len() > 1 {
            let names: Vec<&str> = same.iter().map(|l| l.child.as_str()).collect();
            for link in &same {
                let message = format!(
                    "\"{}\" may have only one {role}, but has {}",
                    agent.name,
                    names.join(", ")
                );
                report(link, Severity::Conflict, message);
            }
        }
    }
    let mut orders: BTreeMap<i64, Vec<&GraphLink>> = BTreeMap::new();
    for link in links.iter().filter(|l| l.kind.is_ordered()) {
        match link.order {
            Some(order) => orders.entry(order).or_default().push(link),
            None => report(link, Severity::Incomplete, "needs a sequence order".into()),
        }
    }
    for (order, same) in orders.into_iter().filter(|(_, same)| same.len() > 1) {
        let names: Vec<&str> = same.iter().map(|l| l.child.as_str()).collect();
        for link in same {
            let message = format!("order {order} is shared by {}", names.join(", "));
            report(link, Severity::Conflict, message);
        }
    }
}

/// Every elementary cycle reachable by depth-first search, each rotated to start at its
/// smallest name and closed (`a → b → a`), without repeats.
fn find_cycles<'a>(children: &BTreeMap<&'a str, Vec<&'a GraphLink>>) -> BTreeSet<Vec<&'a str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Unseen,
        OnPath,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    let mut cycles = BTreeSet::new();

    fn visit<'a>(
        node: &'a str,
        children: &BTreeMap<&'a str, Vec<&'a GraphLink>>,
        marks: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
        cycles: &mut BTreeSet<Vec<&'a str>>,
    ) {
        marks.insert(node, Mark::OnPath);
        path.push(node);
        for link in children.get(node).into_iter().flatten() {
            let next = link.child.as_str();
            match marks.get(next).copied().unwrap_or(Mark::Unseen) {
                Mark::Unseen => visit(next, children, marks, path, cycles),
                Mark::OnPath => {
                    let start = path.iter().position(|n| *n == next).unwrap_or(0);
                    let mut cycle: Vec<&str> = path[start..].to_vec();
                    let smallest = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
                    cycle.rotate_left(smallest);
                    cycle.push(cycle[0]);
                    cycles.insert(cycle);
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(node, Mark::Done);
    }

    for &node in children.keys() {
        if marks.get(node).copied().unwrap_or(Mark::Unseen) == Mark::Unseen {
            visit(node, children, &mut marks, &mut Vec::new(), &mut cycles);
        }
    }
    cycles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(name: &str, kind: AgentKind) -> GraphAgent {
        GraphAgent {
            name: name.into(),
            kind,
            has_llm: true,
            options: JsonObject::new(),
            request_params: JsonObject::new(),
        }
    }

    fn link(parent: &str, kind: LinkKind, child: &str, order: Option<i64>) -> GraphLink {
        GraphLink { parent: parent.into(), child: child.into(), kind, order }
    }

    /// Validates the graph and compares the rendered problems with `expected`.
    fn check(agents: &[GraphAgent], links: &[GraphLink], expected: &[&str]) {
        let problems: Vec<String> =
            validate(agents, links).iter().map(ToString::to_string).collect();
        assert_eq!(problems, expected);
    }

    #[test]
    fn a_complete_graph_has_no_problem() {
        let agents = [
            agent("pipeline", AgentKind::Chain),
            agent("a", AgentKind::Basic),
            agent("b", AgentKind::Basic),
        ];
        let links = [
            link("pipeline", LinkKind::ChainsTo, "a", Some(1)),
            link("pipeline", LinkKind::ChainsTo, "b", Some(2)),
        ];
        check(&agents, &links, &[]);
    }

    #[test]
    fn every_kind_reports_what_it_misses() {
        let mut lonely = agent("solo", AgentKind::Basic);
        lonely.has_llm = false;
        let agents = [
            agent("c", AgentKind::Chain),
            agent("p", AgentKind::Parallel),
            agent("r", AgentKind::Router),
            agent("o", AgentKind::Orchestrator),
            agent("e", AgentKind::EvaluatorOptimizer),
            lonely,
        ];
        check(
            &agents,
            &[],
            &[
                "agent \"c\": needs at least one step (chains_to link)",
                "agent \"e\": needs a generator (generator_for_eval link)",
                "agent \"e\": needs an evaluator (evaluator_for_gen link)",
                "agent \"o\": needs at least one worker (orchestrates link)",
                "agent \"p\": needs at least one branch (fans_out_to link)",
                "agent \"r\": needs at least one route (routes_to link)",
                "agent \"solo\": a basic agent needs an LLM config",
            ],
        );
    }

    #[test]
    fn conflicts_name_the_links() {
        let agents = [
            agent("c", AgentKind::Chain),
            agent("p", AgentKind::Parallel),
            agent("x", AgentKind::Basic),
            agent("y", AgentKind::Basic),
        ];
        let links = [
            link("c", LinkKind::ChainsTo, "x", Some(1)),
            link("c", LinkKind::ChainsTo, "y", Some(1)),
            link("c", LinkKind::RoutesTo, "p", None),
            link("p", LinkKind::FansOutTo, "x", None),
            link("p", LinkKind::FanInFrom, "x", None),
            link("p", LinkKind::FanInFrom, "y", None),
            link("x", LinkKind::ToolOf, "ghost", None),
        ];
        check(
            &agents,
            &links,
            &[
                "link c -routes_to-> p: a chain agent cannot have a routes_to child; its children are linked with chains_to",
                "link c -chains_to-> x (order 1): order 1 is shared by x, y",
                "link c -chains_to-> y (order 1): order 1 is shared by x, y",
                "link p -fan_in_from-> x: \"p\" may have only one fan-in, but has x, y",
                "link p -fan_in_from-> y: \"p\" may have only one fan-in, but has x, y",
                "link x -tool_of-> ghost: unknown agent \"ghost\"",
            ],
        );
    }

    #[test]
    fn a_cycle_is_named_once_from_its_smallest_agent() {
        let agents = [
            agent("writer", AgentKind::Basic),
            agent("critic", AgentKind::Basic),
            agent("editor", AgentKind::Basic),
        ];
        let links = [
            link("writer", LinkKind::ToolOf, "critic", None),
            link("critic", LinkKind::ToolOf, "editor", None),
            link("editor", LinkKind::ToolOf, "writer", None),
        ];
        check(
            &agents,
            &links,
            &["agent \"critic\": is part of a cycle: critic → editor → writer → critic"],
        );
    }

    #[test]
    fn a_single_route_needs_no_llm() {
        let mut router = agent("r", AgentKind::Router);
        router.has_llm = false;
        let agents = [router, agent("a", AgentKind::Basic), agent("b", AgentKind::Basic)];
        check(&agents, &[link("r", LinkKind::RoutesTo, "a", None)], &[]);
        check(
            &agents,
            &[link("r", LinkKind::RoutesTo, "a", None), link("r", LinkKind::RoutesTo, "b", None)],
            &["agent \"r\": a router agent needs an LLM config"],
        );
    }
}
