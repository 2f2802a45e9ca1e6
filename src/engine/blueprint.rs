//! The blueprint of a run: the definitions it needs, read once from the database when it starts,
//! so that an edit made while it runs changes the next run, not this one.

use std::collections::{BTreeMap, BTreeSet};

use super::error::EngineError;
use crate::model::{
    Agent, GraphAgent, GraphLink, Link, LinkKind, LlmConfig, LlmPurpose, Problem, validate,
};
use crate::store::{Reader, RunTarget};

/// Every agent reachable from the run's root, its links and the LLM configs.
#[derive(Debug, Clone)]
pub struct Blueprint {
    pub target: RunTarget,
    pub agents: BTreeMap<String, Agent>,
    /// Links by parent, in kind / order / child order.
    pub links: BTreeMap<String, Vec<Link>>,
    pub llm_configs: BTreeMap<String, LlmConfig>,
}

impl Blueprint {
    /// Reads what running `name` (a workflow, else an agent) needs, and refuses when the agents
    /// it would reach have structure problems.
    pub fn load(reader: &Reader<'_>, name: &str) -> Result<Blueprint, EngineError> {
        let target = match reader.find_workflow(name)? {
            Some(workflow) => {
                RunTarget { workflow: Some(workflow.spec.name), agent: workflow.spec.root }
            }
            None if reader.find_agent(name)?.is_some() => {
                RunTarget { workflow: None, agent: name.to_owned() }
            }
            None => return Err(EngineError::UnknownTarget(name.to_owned())),
        };
        let agents: BTreeMap<String, Agent> =
            reader.agents()?.into_iter().map(|a| (a.spec.name.clone(), a)).collect();
        let mut links: BTreeMap<String, Vec<Link>> = BTreeMap::new();
        for link in reader.links()? {
            links.entry(link.parent.clone()).or_default().push(link);
        }
        let reachable = reachable_from(&target.agent, &links);
        // Only what this run reaches is validated: a large file with other workflows costs nothing here.
        let graph_agents: Vec<GraphAgent> =
            reachable.iter().filter_map(|name| agents.get(name)).map(GraphAgent::of).collect();
        let graph_links: Vec<GraphLink> = reachable
            .iter()
            .flat_map(|parent| links.get(parent).into_iter().flatten())
            .map(GraphLink::of)
            .collect();
        let problems: Vec<Problem> = validate(&graph_agents, &graph_links);
        if !problems.is_empty() {
            return Err(EngineError::NotReady { target: name.to_owned(), problems });
        }
        let llm_configs =
            reader.llm_configs()?.into_iter().map(|c| (c.spec.name.clone(), c)).collect();
        let agents = agents.into_iter().filter(|(name, _)| reachable.contains(name)).collect();
        let links = links.into_iter().filter(|(parent, _)| reachable.contains(parent)).collect();
        Ok(Blueprint { target, agents, links, llm_configs })
    }

    /// The agent called `name`.
    pub fn agent(&self, name: &str) -> Result<&Agent, EngineError> {
        self.agents.get(name).ok_or_else(|| EngineError::agent(name, "is not part of this run"))
    }

    /// The children `parent` links with `kind`, in order.
    pub fn children(&self, parent: &str, kind: LinkKind) -> Vec<&Link> {
        let mut children: Vec<&Link> =
            self.links.get(parent).into_iter().flatten().filter(|l| l.kind == kind).collect();
        children.sort_by_key(|l| (l.sequence_order, l.child.clone()));
        children
    }

    /// The LLM config `agent` uses for `purpose`: its override for that purpose, else its default.
    pub fn llm_for(
        &self,
        agent: &Agent,
        purpose: Option<LlmPurpose>,
    ) -> Result<&LlmConfig, EngineError> {
        let name = purpose
            .and_then(|p| agent.llm_overrides.iter().find(|o| o.purpose == p))
            .map(|o| o.llm.as_str())
            .or(agent.spec.llm.as_deref())
            .ok_or_else(|| EngineError::agent(&agent.spec.name, "has no LLM config"))?;
        self.llm_config(name)
    }

    /// The LLM config called `name`.
    pub fn llm_config(&self, name: &str) -> Result<&LlmConfig, EngineError> {
        self.llm_configs
            .get(name)
            .ok_or_else(|| EngineError::agent(name, "is not an LLM config of this database"))
    }
}

fn reachable_from(root: &str, links: &BTreeMap<String, Vec<Link>>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut pending = vec![root.to_owned()];
    while let Some(agent) = pending.pop() {
        if seen.insert(agent.clone()) {
            pending.extend(links.get(&agent).into_iter().flatten().map(|l| l.child.clone()));
        }
    }
    seen
}
