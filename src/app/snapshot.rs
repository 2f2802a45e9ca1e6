//! What the window shows, read from the database in `logic()` (never in `ui()`): the workflows, the
//! agents and links of the open one with their positions, and every validation problem.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Agent, Link, LlmConfigSpec, NodePosition, Problem, Subject, Workflow};
use crate::store::{Result, Store};

/// A consistent read of everything the window draws.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub workflows: Vec<Workflow>,
    /// The open workflow, if any.
    pub workflow: Option<Workflow>,
    pub agents: BTreeMap<String, Agent>,
    /// The agents on the open workflow's canvas, root first.
    pub on_canvas: Vec<String>,
    pub positions: BTreeMap<String, NodePosition>,
    pub links: Vec<Link>,
    pub problems: Vec<Problem>,
    pub llm_configs: Vec<String>,
    pub llm_specs: Vec<LlmConfigSpec>,
    /// The LLM configs whose key waits for the user's approval (a REST client bound it).
    pub llm_unapproved: BTreeSet<String>,
    /// Each MCP server's name, command line or URL, and whether it may start.
    pub mcp_servers: Vec<(String, String, bool)>,
}

impl Snapshot {
    /// Reads the database with `workflow` open (the first workflow when it is missing).
    pub fn load(store: &Store, workflow: Option<&str>) -> Result<Snapshot> {
        store.read(|r| {
            let workflows = r.workflows()?;
            let open = workflow
                .and_then(|name| workflows.iter().find(|w| w.spec.name == name))
                .or(workflows.first())
                .cloned();
            let (on_canvas, positions) = match &open {
                Some(open) => {
                    let set = r.definition_set(&open.spec.name)?;
                    (set.agents.into_iter().map(|a| a.spec.name).collect(), set.layout)
                }
                None => (Vec::new(), BTreeMap::new()),
            };
            let llm_rows = r.llm_configs()?;
            let llm_unapproved = llm_rows
                .iter()
                .filter(|c| c.unapproved().is_some())
                .map(|c| c.spec.name.clone())
                .collect();
            let llm_specs: Vec<LlmConfigSpec> = llm_rows.into_iter().map(|c| c.spec).collect();
            Ok(Snapshot {
                workflows,
                workflow: open,
                agents: r.agents()?.into_iter().map(|a| (a.spec.name.clone(), a)).collect(),
                on_canvas,
                positions,
                links: r.links()?,
                problems: r.validate()?,
                llm_configs: llm_specs.iter().map(|c| c.name.clone()).collect(),
                llm_specs,
                llm_unapproved,
                mcp_servers: r
                    .mcp_servers()?
                    .into_iter()
                    .map(|s| {
                        let endpoint = match (&s.spec.command, &s.spec.url) {
                            (Some(command), _) => format!("{command} {}", s.spec.args.join(" ")),
                            (None, url) => url.clone().unwrap_or_default(),
                        };
                        let starts = s.may_launch();
                        (s.spec.name, endpoint, starts)
                    })
                    .collect(),
            })
        })
    }

    /// The problems of the agents on the canvas (or of their links).
    pub fn canvas_problems(&self) -> Vec<&Problem> {
        let members: BTreeSet<&str> = self.on_canvas.iter().map(String::as_str).collect();
        self.problems
            .iter()
            .filter(|p| match &p.subject {
                Subject::Agent { name } => members.contains(name.as_str()),
                Subject::Link(link) => members.contains(link.parent.as_str()),
            })
            .collect()
    }

    /// How many problems concern `agent`.
    pub fn problems_of(&self, agent: &str) -> usize {
        self.problems
            .iter()
            .filter(|p| match &p.subject {
                Subject::Agent { name } => name == agent,
                Subject::Link(link) => link.parent == agent,
            })
            .count()
    }
}
