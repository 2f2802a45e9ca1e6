//! The definitions as they stood at a past revision, rebuilt from the snapshots in
//! `definition_history`: what a run recorded at that revision ran, so that it can be replayed
//! exactly after its agents, links or LLM configs have changed.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Reader;
use super::error::{Result, StoreError};
use crate::model::{
    Agent, AgentMcpServer, AgentSpec, Author, Link, LlmConfig, LlmConfigSpec, LlmOverride,
    Workflow, WorkflowSpec,
};

/// Every agent, link, LLM config and workflow that existed at one revision, as it was then.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DefinitionsAt {
    pub revision: i64,
    pub agents: Vec<Agent>,
    pub links: Vec<Link>,
    pub llm_configs: Vec<LlmConfig>,
    pub workflows: Vec<Workflow>,
}

/// One snapshot: which definition, and its row as JSON.
struct Snapshot {
    entity: String,
    id: i64,
    row: Map<String, Value>,
}

impl Reader<'_> {
    /// The definitions as they stood at `revision` (see `runs.definition_revision`).
    pub fn definitions_at(&self, revision: i64) -> Result<DefinitionsAt> {
        let sql = "SELECT entity, entity_id, row_json FROM (
                       SELECT entity, entity_id, row_json, operation, row_number() OVER (
                           PARTITION BY entity, entity_id ORDER BY revision DESC) AS latest
                       FROM definition_history WHERE revision <= ?1) AS snapshots
                   WHERE latest = 1 AND operation <> 'delete'
                   ORDER BY entity, entity_id";
        let rows: Vec<(String, i64, String)> =
            self.all(sql, [revision], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        let mut snapshots = Vec::with_capacity(rows.len());
        for (entity, id, text) in rows {
            let row = match serde_json::from_str(&text) {
                Ok(Value::Object(row)) => row,
                _ => return Err(bad(&entity, id, "the snapshot is not a JSON object")),
            };
            snapshots.push(Snapshot { entity, id, row });
        }
        let names = |entity: &str| -> HashMap<i64, String> {
            snapshots
                .iter()
                .filter(|s| s.entity == entity)
                .filter_map(|s| Some((s.id, s.row.get("name")?.as_str()?.to_owned())))
                .collect()
        };
        let names = Names {
            llm_configs: names("llm_config"),
            agents: names("agent"),
            mcp_servers: names("mcp_server"),
        };
        let mut definitions = DefinitionsAt { revision, ..DefinitionsAt::default() };
        for snapshot in &snapshots {
            match snapshot.entity.as_str() {
                "llm_config" => definitions.llm_configs.push(llm_config(snapshot)?),
                "agent" => definitions.agents.push(agent(snapshot, &names)?),
                "agent_link" => definitions.links.push(link(snapshot, &names)?),
                "workflow" => definitions.workflows.push(workflow(snapshot, &names)?),
                _ => {}
            }
        }
        Ok(definitions)
    }
}

/// Names by id, at the revision.
struct Names {
    llm_configs: HashMap<i64, String>,
    agents: HashMap<i64, String>,
    mcp_servers: HashMap<i64, String>,
}

fn bad(entity: &str, id: i64, why: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(format!("definition history: {entity} #{id}: {why}"))
}

impl Snapshot {
    /// Field `key`, read as `T` (a missing field reads as null).
    fn get<T: DeserializeOwned>(&self, key: &str) -> Result<T> {
        let value = self.row.get(key).cloned().unwrap_or(Value::Null);
        serde_json::from_value(value).map_err(|e| bad(&self.entity, self.id, format!("{key}: {e}")))
    }

    fn flag(&self, key: &str) -> Result<bool> {
        Ok(self.get::<Option<i64>>(key)?.unwrap_or(0) != 0)
    }

    /// The name of what field `key` refers to by id, or `None` when it is null.
    fn name_of(&self, key: &str, names: &HashMap<i64, String>) -> Result<Option<String>> {
        match self.get::<Option<i64>>(key)? {
            None => Ok(None),
            Some(id) => names.get(&id).cloned().map(Some).ok_or_else(|| {
                bad(&self.entity, self.id, format!("{key} {id} did not exist at this revision"))
            }),
        }
    }

    fn required_name(&self, key: &str, names: &HashMap<i64, String>) -> Result<String> {
        self.name_of(key, names)?.ok_or_else(|| bad(&self.entity, self.id, format!("no {key}")))
    }

    fn stamp(&self) -> Result<(i64, String)> {
        Ok((self.get("version")?, self.get::<Option<String>>("updated_at")?.unwrap_or_default()))
    }
}

fn llm_config(s: &Snapshot) -> Result<LlmConfig> {
    let (version, updated_at) = s.stamp()?;
    let api_key_ref = match s.get::<Option<String>>("api_key_ref")? {
        None => None,
        Some(text) => Some(text.parse().map_err(|e| bad(&s.entity, s.id, e))?),
    };
    Ok(LlmConfig {
        id: s.id,
        spec: LlmConfigSpec {
            name: s.get("name")?,
            provider: s.get("provider")?,
            model: s.get("model")?,
            base_url: s.get("base_url")?,
            api_key_ref,
            request_params: s.get::<Option<_>>("request_params")?.unwrap_or_default(),
            provider_options: s.get::<Option<_>>("provider_options")?.unwrap_or_default(),
            input_price_per_mtok: s.get("input_price_per_mtok")?,
            output_price_per_mtok: s.get("output_price_per_mtok")?,
        },
        // History keeps no approvals, and a past binding may never have been approved: a config
        // rebuilt from it resolves no key (a full replay calls no provider anyway).
        written_by: Author::Api,
        trusted_binding: None,
        version,
        created_at: updated_at.clone(),
        updated_at,
    })
}

fn agent(s: &Snapshot, names: &Names) -> Result<Agent> {
    let (version, updated_at) = s.stamp()?;
    let mut llm_overrides = Vec::new();
    for (purpose, id) in s.get::<Option<HashMap<String, i64>>>("llm_overrides")?.unwrap_or_default()
    {
        let purpose = purpose.parse().map_err(|e| bad(&s.entity, s.id, e))?;
        let llm = names.llm_configs.get(&id).cloned().ok_or_else(|| {
            bad(&s.entity, s.id, format!("override LLM config {id} did not exist at this revision"))
        })?;
        llm_overrides.push(LlmOverride { purpose, llm });
    }
    llm_overrides.sort_by_key(|o| o.purpose.as_str());
    let mut mcp_servers = Vec::new();
    for link in s.get::<Option<Vec<Map<String, Value>>>>("mcp_servers")?.unwrap_or_default() {
        let id = link.get("mcp_server_id").and_then(Value::as_i64).unwrap_or_default();
        let server = names.mcp_servers.get(&id).cloned().ok_or_else(|| {
            bad(&s.entity, s.id, format!("MCP server {id} did not exist at this revision"))
        })?;
        let allowed_tools =
            serde_json::from_value(link.get("allowed_tools").cloned().unwrap_or_default())
                .map_err(|e| bad(&s.entity, s.id, format!("allowed_tools: {e}")))?;
        mcp_servers.push(AgentMcpServer { server, allowed_tools });
    }
    mcp_servers.sort_by(|a, b| a.server.cmp(&b.server));
    Ok(Agent {
        id: s.id,
        spec: AgentSpec {
            name: s.get("name")?,
            kind: s.get("agent_type")?,
            description: s.get::<Option<String>>("description")?.unwrap_or_default(),
            instruction: s.get::<Option<String>>("instruction")?.unwrap_or_default(),
            llm: s.name_of("llm_config_id", &names.llm_configs)?,
            request_params: s.get::<Option<_>>("request_params")?.unwrap_or_default(),
            options: s.get::<Option<_>>("options")?.unwrap_or_default(),
            use_history: s.flag("use_history")?,
            human_input: s.flag("human_input")?,
            public: s.flag("public")?,
        },
        llm_overrides,
        mcp_servers,
        version,
        created_at: updated_at.clone(),
        updated_at,
    })
}

fn link(s: &Snapshot, names: &Names) -> Result<Link> {
    let (version, updated_at) = s.stamp()?;
    Ok(Link {
        id: s.id,
        parent: s.required_name("parent_agent_id", &names.agents)?,
        child: s.required_name("child_agent_id", &names.agents)?,
        kind: s.get("link_type")?,
        sequence_order: s.get("sequence_order")?,
        properties: s.get::<Option<_>>("properties")?.unwrap_or_default(),
        version,
        created_at: updated_at.clone(),
        updated_at,
    })
}

fn workflow(s: &Snapshot, names: &Names) -> Result<Workflow> {
    let (version, updated_at) = s.stamp()?;
    Ok(Workflow {
        id: s.id,
        spec: WorkflowSpec {
            name: s.get("name")?,
            description: s.get::<Option<String>>("description")?.unwrap_or_default(),
            root: s.required_name("root_agent_id", &names.agents)?,
            webhook_url: s.get("webhook_url")?,
        },
        version,
        created_at: updated_at.clone(),
        updated_at,
    })
}
