//! Agent rows with their LLM overrides and MCP servers: read, create, update, upsert and delete.

use std::collections::BTreeMap;

use super::convert::to_json;
use super::db::{Row, params};
use super::error::{Result, StoreError, refuse_problems};
use super::{Outcome, Reader, Writer};
use crate::model::{Agent, AgentMcpServer, AgentSpec, LlmOverride};

const WHAT: &str = "agent";

const SELECT: &str = "SELECT a.id, a.name, a.agent_type, a.description, a.instruction, c.name, \
                      a.request_params, a.options, a.use_history, a.human_input, a.public, a.version, \
                      a.created_at, a.updated_at FROM agents a LEFT JOIN llm_configs c ON c.id = a.llm_config_id";

fn from_row(row: &Row<'_>) -> Result<Agent> {
    Ok(Agent {
        id: row.get(0)?,
        spec: AgentSpec {
            name: row.get(1)?,
            kind: row.word(2)?,
            description: row.get(3)?,
            instruction: row.get(4)?,
            llm: row.get(5)?,
            request_params: row.json(6)?,
            options: row.json(7)?,
            use_history: row.get(8)?,
            human_input: row.get(9)?,
            public: row.get(10)?,
        },
        llm_overrides: Vec::new(),
        mcp_servers: Vec::new(),
        version: row.get(11)?,
        created_at: row.get(12)?,
        updated_at: row.get(13)?,
    })
}

impl Reader<'_> {
    /// Every agent, by name, with its overrides and MCP servers.
    pub fn agents(&self) -> Result<Vec<Agent>> {
        let mut agents = self.all(&format!("{SELECT} ORDER BY a.name"), (), from_row)?;
        let mut overrides = self.overrides_by_agent(None)?;
        let mut servers = self.servers_by_agent(None)?;
        for agent in &mut agents {
            agent.llm_overrides = overrides.remove(&agent.id).unwrap_or_default();
            agent.mcp_servers = servers.remove(&agent.id).unwrap_or_default();
        }
        Ok(agents)
    }

    /// The agent called `name`, if there is one.
    pub fn find_agent(&self, name: &str) -> Result<Option<Agent>> {
        let Some(mut agent) =
            self.first(&format!("{SELECT} WHERE a.name = ?1"), [name], from_row)?
        else {
            return Ok(None);
        };
        agent.llm_overrides =
            self.overrides_by_agent(Some(agent.id))?.remove(&agent.id).unwrap_or_default();
        agent.mcp_servers =
            self.servers_by_agent(Some(agent.id))?.remove(&agent.id).unwrap_or_default();
        Ok(Some(agent))
    }

    /// The agent called `name`.
    pub fn agent(&self, name: &str) -> Result<Agent> {
        self.find_agent(name)?
            .ok_or_else(|| StoreError::NotFound { what: WHAT, name: name.to_owned() })
    }

    pub(super) fn agent_id(&self, name: &str) -> Result<i64> {
        self.id_by_name("agents", WHAT, name)
    }

    fn overrides_by_agent(&self, only: Option<i64>) -> Result<BTreeMap<i64, Vec<LlmOverride>>> {
        let rows = self.all(
            "SELECT o.agent_id, o.purpose, c.name FROM agent_llm_overrides o
             JOIN llm_configs c ON c.id = o.llm_config_id
             WHERE o.agent_id = ?1 OR ?1 IS NULL ORDER BY o.agent_id, o.purpose",
            [only],
            |row| Ok((row.get(0)?, LlmOverride { purpose: row.word(1)?, llm: row.get(2)? })),
        )?;
        Ok(group_by_agent(rows))
    }

    fn servers_by_agent(&self, only: Option<i64>) -> Result<BTreeMap<i64, Vec<AgentMcpServer>>> {
        let rows = self.all(
            "SELECT l.agent_id, s.name, l.allowed_tools FROM agent_mcp_servers l
             JOIN mcp_servers s ON s.id = l.mcp_server_id
             WHERE l.agent_id = ?1 OR ?1 IS NULL ORDER BY l.agent_id, s.name",
            [only],
            |row| {
                let server =
                    AgentMcpServer { server: row.get(1)?, allowed_tools: row.json_opt(2)? };
                Ok((row.get(0)?, server))
            },
        )?;
        Ok(group_by_agent(rows))
    }

    /// What uses the agent `id`: links to or from it, and workflows rooted at it.
    fn agent_users(&self, id: i64) -> Result<Vec<String>> {
        let sql = "SELECT 'link ' || p.name || ' -' || l.link_type || '-> ' || c.name
                     FROM agent_links l JOIN agents p ON p.id = l.parent_agent_id
                     JOIN agents c ON c.id = l.child_agent_id
                    WHERE l.parent_agent_id = ?1 OR l.child_agent_id = ?1
                   UNION ALL
                   SELECT 'workflow \"' || name || '\"' FROM workflows WHERE root_agent_id = ?1
                   ORDER BY 1";
        self.all(sql, [id], |row| row.get(0))
    }
}

fn group_by_agent<T>(rows: Vec<(i64, T)>) -> BTreeMap<i64, Vec<T>> {
    let mut by_agent: BTreeMap<i64, Vec<T>> = BTreeMap::new();
    for (agent, entry) in rows {
        by_agent.entry(agent).or_default().push(entry);
    }
    by_agent
}

/// What was deleted along with an agent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AgentDeletion {
    pub links: usize,
    pub workflows: Vec<String>,
}

impl Writer<'_> {
    /// Adds a new agent; its name must be free and its LLM config must exist.
    pub fn create_agent(&self, spec: &AgentSpec) -> Result<i64> {
        refuse_problems(WHAT, &spec.name, &spec.problems())?;
        if self.find_agent(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        self.save_agent_row(None, spec)
    }

    /// Replaces the agent called `name` with `spec` (which may rename it or change its kind,
    /// as long as its links still fit the new kind).
    pub fn update_agent(&self, name: &str, spec: &AgentSpec) -> Result<Outcome> {
        refuse_problems(WHAT, &spec.name, &spec.problems())?;
        let current = self.agent(name)?;
        if spec.name != name && self.find_agent(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        if spec.kind != current.spec.kind {
            self.refuse_kind_change(&current, spec)?;
        }
        self.refuse_new_conflicts(|| self.save_agent_row(Some(current.id), spec))?;
        self.outcome_of_update("agents", current.id, current.version)
    }

    /// Inserts `spec` as a new row (`id` None) or writes it over row `id`, with no check beyond
    /// the schema's; returns the row's id.
    pub(super) fn save_agent_row(&self, id: Option<i64>, spec: &AgentSpec) -> Result<i64> {
        let llm = spec.llm.as_deref().map(|name| self.llm_config_id(name)).transpose()?;
        self.insert(
            "INSERT INTO agents (id, name, agent_type, description, instruction, llm_config_id, request_params,
                                 options, use_history, human_input, public)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, agent_type = excluded.agent_type,
                 description = excluded.description, instruction = excluded.instruction,
                 llm_config_id = excluded.llm_config_id, request_params = excluded.request_params,
                 options = excluded.options, use_history = excluded.use_history,
                 human_input = excluded.human_input, public = excluded.public RETURNING id",
            params![
                id,
                spec.name,
                spec.kind.as_str(),
                spec.description,
                spec.instruction,
                llm,
                to_json(&spec.request_params)?,
                to_json(&spec.options)?,
                spec.use_history,
                spec.human_input,
                spec.public,
            ],
        )
    }

    fn refuse_kind_change(&self, current: &Agent, spec: &AgentSpec) -> Result<()> {
        let misfits: Vec<String> = self
            .links_of(&current.spec.name)?
            .into_iter()
            .filter(|link| !spec.kind.allows_child(link.kind))
            .map(|link| format!("{} -{}-> {}", link.parent, link.kind, link.child))
            .collect();
        if misfits.is_empty() {
            return Ok(());
        }
        Err(StoreError::Invalid(format!(
            "agent \"{}\" cannot become a {} agent: its links {} do not fit that kind (a {} agent links children with {}); remove them first",
            current.spec.name,
            spec.kind,
            misfits.join(", "),
            spec.kind,
            spec.kind.child_links().iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" or "),
        )))
    }

    /// Sets which LLM config the agent uses for which purpose, touching only what changes.
    pub fn set_agent_llm_overrides(&self, agent: &str, overrides: &[LlmOverride]) -> Result<()> {
        let current = self.agent(agent)?;
        for entry in overrides {
            if !current.spec.kind.override_purposes().contains(&entry.purpose) {
                return Err(StoreError::Invalid(format!(
                    "agent \"{agent}\": a {} agent makes no {} calls, so it takes no {} LLM override",
                    current.spec.kind, entry.purpose, entry.purpose
                )));
            }
        }
        for old in current
            .llm_overrides
            .iter()
            .filter(|o| !overrides.iter().any(|n| n.purpose == o.purpose))
        {
            self.exec(
                "DELETE FROM agent_llm_overrides WHERE agent_id = ?1 AND purpose = ?2",
                params![current.id, old.purpose.as_str()],
            )?;
        }
        for new in overrides.iter().filter(|n| !current.llm_overrides.contains(n)) {
            let config = self.llm_config_id(&new.llm)?;
            self.exec(
                "INSERT INTO agent_llm_overrides (agent_id, purpose, llm_config_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (agent_id, purpose) DO UPDATE SET llm_config_id = excluded.llm_config_id",
                params![current.id, new.purpose.as_str(), config],
            )?;
        }
        Ok(())
    }

    /// Sets which MCP servers (and which of their tools) the agent may use, touching only what changes.
    pub fn set_agent_mcp_servers(&self, agent: &str, servers: &[AgentMcpServer]) -> Result<()> {
        let current = self.agent(agent)?;
        for old in
            current.mcp_servers.iter().filter(|o| !servers.iter().any(|n| n.server == o.server))
        {
            let server = self.mcp_server_id(&old.server)?;
            self.exec(
                "DELETE FROM agent_mcp_servers WHERE agent_id = ?1 AND mcp_server_id = ?2",
                params![current.id, server],
            )?;
        }
        for new in servers.iter().filter(|n| !current.mcp_servers.contains(n)) {
            let server = self.mcp_server_id(&new.server)?;
            let allowed = new.allowed_tools.as_ref().map(to_json).transpose()?;
            self.exec(
                "INSERT INTO agent_mcp_servers (agent_id, mcp_server_id, allowed_tools) VALUES (?1, ?2, ?3)
                 ON CONFLICT (agent_id, mcp_server_id) DO UPDATE SET allowed_tools = excluded.allowed_tools",
                params![current.id, server, allowed],
            )?;
        }
        Ok(())
    }

    /// Replaces the agent's per-purpose LLM configs and its MCP servers, each only when given.
    pub fn set_agent_parts(
        &self,
        agent: &str,
        overrides: Option<&[LlmOverride]>,
        servers: Option<&[AgentMcpServer]>,
    ) -> Result<()> {
        if let Some(overrides) = overrides {
            self.set_agent_llm_overrides(agent, overrides)?;
        }
        if let Some(servers) = servers {
            self.set_agent_mcp_servers(agent, servers)?;
        }
        Ok(())
    }

    /// Deletes the agent called `name`. While links or workflows use it, this is refused unless
    /// `cascade`, which deletes those links and workflows too.
    pub fn delete_agent(&self, name: &str, cascade: bool) -> Result<AgentDeletion> {
        let id = self.agent_id(name)?;
        let users = self.agent_users(id)?;
        if !users.is_empty() && !cascade {
            let name = name.to_owned();
            return Err(StoreError::InUse { what: WHAT, name, users, cascadable: true });
        }
        let workflows: Vec<String> = self.all(
            "SELECT name FROM workflows WHERE root_agent_id = ?1 ORDER BY name",
            [id],
            |row| row.get(0),
        )?;
        self.exec("DELETE FROM workflows WHERE root_agent_id = ?1", [id])?;
        let links = self.exec(
            "DELETE FROM agent_links WHERE parent_agent_id = ?1 OR child_agent_id = ?1",
            [id],
        )?;
        self.exec("DELETE FROM agents WHERE id = ?1", [id])?;
        Ok(AgentDeletion { links, workflows })
    }
}
