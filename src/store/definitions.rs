//! Definition sets in and out of the database: a workflow with everything it is made of, read for
//! export and written by import in one guarded pass.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::error::Result;
use super::{Outcome, Reader, Writer};
use crate::model::{AgentDefinition, DefinitionSet, LinkSpec, McpServer, ServerOrigin, Transport};

/// One definition an import created, updated or left as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub what: &'static str,
    pub name: String,
    pub outcome: Outcome,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub changes: Vec<Change>,
    /// Imported stdio servers that will not start until the user trusts them.
    pub untrusted_servers: Vec<String>,
}

impl ImportReport {
    fn record(&mut self, what: &'static str, name: impl Into<String>, outcome: Outcome) {
        self.changes.push(Change { what, name: name.into(), outcome });
    }

    /// How many changes had `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.changes.iter().filter(|c| c.outcome == outcome).count()
    }
}

impl Reader<'_> {
    /// The workflow called `name` with every agent reachable from its root or placed on its
    /// canvas, their links, the LLM configs and MCP servers they use, and the layout.
    pub fn definition_set(&self, name: &str) -> Result<DefinitionSet> {
        let workflow = self.workflow(name)?;
        let layout = self.layout(name)?;
        let mut agents: BTreeMap<String, _> =
            self.agents()?.into_iter().map(|a| (a.spec.name.clone(), a)).collect();
        let mut links_by_parent: BTreeMap<String, Vec<LinkSpec>> = BTreeMap::new();
        for link in self.links()? {
            links_by_parent.entry(link.parent).or_default().push(LinkSpec {
                child: link.child,
                kind: link.kind,
                order: link.sequence_order,
                properties: link.properties,
            });
        }

        let mut members = BTreeSet::new();
        let mut pending: Vec<String> = layout.keys().cloned().collect();
        pending.push(workflow.spec.root.clone());
        while let Some(agent) = pending.pop() {
            if let Some(links) = links_by_parent.get(&agent) {
                pending
                    .extend(links.iter().map(|l| l.child.clone()).filter(|c| !members.contains(c)));
            }
            members.insert(agent);
        }

        let mut definitions = Vec::new();
        let root_first = std::iter::once(&workflow.spec.root)
            .chain(members.iter().filter(|m| **m != workflow.spec.root));
        for name in root_first {
            if let Some(agent) = agents.remove(name) {
                definitions.push(AgentDefinition {
                    links: links_by_parent.remove(name).unwrap_or_default(),
                    spec: agent.spec,
                    llm_overrides: agent.llm_overrides,
                    mcp_servers: agent.mcp_servers,
                });
            }
        }

        let server_names: BTreeSet<&str> = definitions
            .iter()
            .flat_map(|a| a.mcp_servers.iter().map(|s| s.server.as_str()))
            .collect();
        let servers: Vec<McpServer> = self
            .mcp_servers()?
            .into_iter()
            .filter(|s| server_names.contains(s.spec.name.as_str()))
            .collect();
        let config_names: BTreeSet<&str> = definitions
            .iter()
            .flat_map(|a| a.spec.llm.iter().chain(a.llm_overrides.iter().map(|o| &o.llm)))
            .chain(servers.iter().filter_map(|s| s.spec.sampling_llm.as_ref()))
            .map(String::as_str)
            .collect();
        let llm_configs = self
            .llm_configs()?
            .into_iter()
            .filter(|c| config_names.contains(c.spec.name.as_str()))
            .map(|c| c.spec)
            .collect();

        Ok(DefinitionSet {
            workflow: workflow.spec,
            agents: definitions,
            llm_configs,
            mcp_servers: servers.into_iter().map(|s| s.spec).collect(),
            layout,
        })
    }
}

impl Writer<'_> {
    /// Creates or updates, by name, everything in `set`, touching only what differs; each
    /// agent's links become exactly those of the set. Refused as a whole when it would leave a
    /// contradiction (such as a cycle) that was not there before.
    pub fn put_definitions(
        &self,
        set: &DefinitionSet,
        origin: ServerOrigin,
    ) -> Result<ImportReport> {
        self.refuse_new_conflicts(|| {
            let mut report = ImportReport::default();
            for config in &set.llm_configs {
                report.record("LLM config", &config.name, self.put_llm_config(config)?);
            }
            for server in &set.mcp_servers {
                report.record("MCP server", &server.name, self.put_mcp_server(server, origin)?);
                let stored = self.mcp_server(&server.name)?;
                if stored.spec.transport == Transport::Stdio && !stored.may_launch() {
                    report.untrusted_servers.push(server.name.clone());
                }
            }
            for agent in &set.agents {
                for stale in self.links_of(&agent.spec.name)? {
                    if !agent.links.iter().any(|l| l.is(&stale)) {
                        self.exec("DELETE FROM agent_links WHERE id = ?1", [stale.id])?;
                        let name = format!("{} -{}-> {}", stale.parent, stale.kind, stale.child);
                        report.record("link", name, Outcome::Removed);
                    }
                }
            }
            for agent in &set.agents {
                let name = agent.spec.name.as_str();
                let current = self.find_agent(name)?;
                self.save_agent_row(current.as_ref().map(|c| c.id), &agent.spec)?;
                self.set_agent_llm_overrides(name, &agent.llm_overrides)?;
                self.set_agent_mcp_servers(name, &agent.mcp_servers)?;
                let outcome = match current {
                    Some(current) => {
                        self.outcome_of_update("agents", current.id, current.version)?
                    }
                    None => Outcome::Created,
                };
                report.record("agent", name, outcome);
            }
            for agent in &set.agents {
                self.put_links(agent, &mut report)?;
            }
            report.record("workflow", &set.workflow.name, self.put_workflow(&set.workflow)?);
            self.set_layout(&set.workflow.name, &set.layout)?;
            Ok(report)
        })
    }

    fn put_links(&self, agent: &AgentDefinition, report: &mut ImportReport) -> Result<()> {
        let parent = self.agent_id(&agent.spec.name)?;
        let existing = self.links_of(&agent.spec.name)?;
        for link in &agent.links {
            let name = format!("{} -{}-> {}", agent.spec.name, link.kind, link.child);
            let current = existing.iter().find(|l| link.is(l));
            let outcome = match current {
                Some(current) if current.properties == link.properties => Outcome::Unchanged,
                Some(current) => self.update_link(current.id, link.order, &link.properties)?,
                None => {
                    let child = self.agent_id(&link.child)?;
                    self.insert_link(parent, child, link.kind, link.order, &link.properties)?;
                    Outcome::Created
                }
            };
            report.record("link", name, outcome);
        }
        Ok(())
    }
}
