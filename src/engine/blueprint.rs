//! The blueprint of a run: the definitions it needs, read once from the database when it starts,
//! so that an edit made while it runs changes the next run, not this one.

use std::collections::{BTreeMap, BTreeSet};

use super::error::EngineError;
use crate::model::{
    Agent, GraphAgent, GraphLink, Link, LinkKind, LlmConfig, LlmPurpose, Problem, RequestParams,
    validate,
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
        let root = match reader.find_workflow(name)? {
            Some(workflow) => Some(workflow.spec.root),
            None => None,
        };
        let is_agent = root.is_none() && reader.find_agent(name)?.is_some();
        let target = target_of(name, root, is_agent)?;
        Blueprint::assemble(name, target, reader.agents()?, reader.links()?, || {
            Ok(reader.llm_configs()?)
        })
    }

    /// Like `load`, with the definitions as they stood at `revision` (what a run recorded at that
    /// revision ran), rebuilt from the definition history.
    pub fn load_at(
        reader: &Reader<'_>,
        name: &str,
        revision: i64,
    ) -> Result<Blueprint, EngineError> {
        let definitions = reader.definitions_at(revision)?;
        let root =
            definitions.workflows.iter().find(|w| w.spec.name == name).map(|w| w.spec.root.clone());
        let is_agent = definitions.agents.iter().any(|a| a.spec.name == name);
        let target = target_of(name, root, is_agent)?;
        let configs = definitions.llm_configs;
        Blueprint::assemble(name, target, definitions.agents, definitions.links, || Ok(configs))
    }

    /// The blueprint of `target` from every agent and link, validated; `llm_configs` is read
    /// only once the structure is known to be sound.
    fn assemble(
        name: &str,
        target: RunTarget,
        agents: Vec<Agent>,
        all_links: Vec<Link>,
        llm_configs: impl FnOnce() -> Result<Vec<LlmConfig>, EngineError>,
    ) -> Result<Blueprint, EngineError> {
        let agents: BTreeMap<String, Agent> =
            agents.into_iter().map(|a| (a.spec.name.clone(), a)).collect();
        let mut links: BTreeMap<String, Vec<Link>> = BTreeMap::new();
        for link in all_links {
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
        let llm_configs = llm_configs()?.into_iter().map(|c| (c.spec.name.clone(), c)).collect();
        let agents: BTreeMap<String, Agent> =
            agents.into_iter().filter(|(name, _)| reachable.contains(name)).collect();
        check_config_params(&agents, &llm_configs)?;
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

/// Refuses the run when an LLM config an agent uses has stored request parameters that do not
/// parse (written behind the store's back), naming the agent, the config and the key.
fn check_config_params(
    agents: &BTreeMap<String, Agent>,
    llm_configs: &BTreeMap<String, LlmConfig>,
) -> Result<(), EngineError> {
    for agent in agents.values() {
        let used = agent.spec.llm.iter().chain(agent.llm_overrides.iter().map(|o| &o.llm));
        for config in used.filter_map(|name| llm_configs.get(name)) {
            if let Err(problems) = RequestParams::parse(&config.spec.request_params) {
                let config = &config.spec.name;
                let message =
                    format!("its LLM config \"{config}\" does not parse: {}", problems.join("; "));
                return Err(EngineError::agent(&agent.spec.name, message));
            }
        }
    }
    Ok(())
}

/// What a run of `name` is of: the workflow with root agent `root`, else the agent `name`.
fn target_of(name: &str, root: Option<String>, is_agent: bool) -> Result<RunTarget, EngineError> {
    match root {
        Some(root) => Ok(RunTarget { workflow: Some(name.to_owned()), agent: root }),
        None if is_agent => Ok(RunTarget { workflow: None, agent: name.to_owned() }),
        None => Err(EngineError::UnknownTarget(name.to_owned())),
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
