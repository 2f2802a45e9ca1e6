//! LLM config rows: read, create, update, upsert, trust (locally only) and delete (refused while agents or servers use one).

use super::convert::to_json;
use super::db::{Row, params};
use super::error::{Result, StoreError, refuse_problems};
use super::{Outcome, Reader, Writer};
use crate::model::{Author, LlmConfig, LlmConfigSpec};

const WHAT: &str = "LLM config";

const SELECT: &str = "SELECT id, name, provider, model, base_url, api_key_ref, request_params, \
                      provider_options, input_price_per_mtok, output_price_per_mtok, version, \
                      created_at, updated_at, written_by, \
                      (SELECT a.fingerprint FROM binding_approvals a WHERE a.llm_config_id = llm_configs.id \
                       AND a.host IN (this_host(), '') ORDER BY a.host DESC LIMIT 1) \
                      FROM llm_configs";

fn from_row(row: &Row<'_>) -> Result<LlmConfig> {
    Ok(LlmConfig {
        id: row.get(0)?,
        spec: LlmConfigSpec {
            name: row.get(1)?,
            provider: row.word(2)?,
            model: row.get(3)?,
            base_url: row.get(4)?,
            api_key_ref: row.word_opt(5)?,
            request_params: row.json(6)?,
            provider_options: row.json(7)?,
            input_price_per_mtok: row.get(8)?,
            output_price_per_mtok: row.get(9)?,
        },
        written_by: row.word(13)?,
        trusted_binding: row.get(14)?,
        version: row.get(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
    })
}

impl Reader<'_> {
    /// Every LLM config, by name.
    pub fn llm_configs(&self) -> Result<Vec<LlmConfig>> {
        self.all(&format!("{SELECT} ORDER BY name"), (), from_row)
    }

    /// The LLM config called `name`, if there is one.
    pub fn find_llm_config(&self, name: &str) -> Result<Option<LlmConfig>> {
        self.first(&format!("{SELECT} WHERE name = ?1"), [name], from_row)
    }

    /// The LLM config called `name`.
    pub fn llm_config(&self, name: &str) -> Result<LlmConfig> {
        self.find_llm_config(name)?
            .ok_or_else(|| StoreError::NotFound { what: WHAT, name: name.to_owned() })
    }

    pub(super) fn llm_config_id(&self, name: &str) -> Result<i64> {
        self.id_by_name("llm_configs", WHAT, name)
    }

    /// What refers to the LLM config `id`: agents by default or override, servers for sampling.
    fn llm_config_users(&self, id: i64) -> Result<Vec<String>> {
        let sql = "SELECT 'agent \"' || name || '\"' FROM agents WHERE llm_config_id = ?1
                   UNION ALL
                   SELECT 'agent \"' || a.name || '\" for ' || o.purpose
                     FROM agent_llm_overrides o JOIN agents a ON a.id = o.agent_id WHERE o.llm_config_id = ?1
                   UNION ALL
                   SELECT 'MCP server \"' || name || '\" for sampling' FROM mcp_servers
                    WHERE sampling_llm_config_id = ?1
                   ORDER BY 1";
        self.all(sql, [id], |row| row.get(0))
    }
}

impl Writer<'_> {
    /// Adds a new LLM config; its name must be free.
    pub fn create_llm_config(&self, spec: &LlmConfigSpec) -> Result<i64> {
        refuse_problems(WHAT, &spec.name, &spec.problems())?;
        if self.find_llm_config(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        self.save_llm_config_row(None, spec, self.author)
    }

    /// Replaces the LLM config called `name` with `spec` (which may rename it). A REST client
    /// that changes its provider, endpoint or key reference marks it as its own.
    pub fn update_llm_config(&self, name: &str, spec: &LlmConfigSpec) -> Result<Outcome> {
        refuse_problems(WHAT, &spec.name, &spec.problems())?;
        let current = self.llm_config(name)?;
        if spec.name != name && self.find_llm_config(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        let rebinds = current.spec.binding_fingerprint() != spec.binding_fingerprint();
        let author = self.author_after(rebinds, current.written_by);
        self.save_llm_config_row(Some(current.id), spec, author)?;
        self.outcome_of_update("llm_configs", current.id, current.version)
    }

    /// Creates the LLM config or brings the existing one of that name in line with `spec`.
    pub fn put_llm_config(&self, spec: &LlmConfigSpec) -> Result<Outcome> {
        match self.find_llm_config(&spec.name)? {
            Some(_) => self.update_llm_config(&spec.name, spec),
            None => self.create_llm_config(spec).map(|_| Outcome::Created),
        }
    }

    /// Records the local user's approval of the config's provider, endpoint and key reference,
    /// for this machine.
    pub fn trust_llm_config(&self, name: &str) -> Result<LlmConfig> {
        self.refuse_remote_approval(WHAT, name)?;
        let config = self.llm_config(name)?;
        if config.spec.api_key_ref.is_none() {
            return Err(StoreError::Invalid(format!(
                "{WHAT} \"{name}\" has no key reference; only configs that send a secret need approval"
            )));
        }
        self.exec(
            "INSERT INTO binding_approvals (llm_config_id, host, fingerprint) VALUES (?1, this_host(), ?2)
             ON CONFLICT (llm_config_id, host) DO UPDATE SET fingerprint = excluded.fingerprint,
                 approved_at = now_utc()",
            params![config.id, config.spec.binding_fingerprint()],
        )?;
        self.llm_config(name)
    }

    /// Deletes the LLM config called `name`; refused while anything uses it.
    pub fn delete_llm_config(&self, name: &str) -> Result<()> {
        let id = self.llm_config_id(name)?;
        let users = self.llm_config_users(id)?;
        if !users.is_empty() {
            let name = name.to_owned();
            return Err(StoreError::InUse { what: WHAT, name, users, cascadable: false });
        }
        self.exec("DELETE FROM llm_configs WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Inserts `spec` as a new row (`id` None) or writes it over row `id`; returns the row's id.
    fn save_llm_config_row(
        &self,
        id: Option<i64>,
        spec: &LlmConfigSpec,
        author: Author,
    ) -> Result<i64> {
        self.insert(
            "INSERT INTO llm_configs (id, name, provider, model, base_url, api_key_ref, request_params,
                                      provider_options, input_price_per_mtok, output_price_per_mtok,
                                      written_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, provider = excluded.provider,
                 model = excluded.model, base_url = excluded.base_url, api_key_ref = excluded.api_key_ref,
                 request_params = excluded.request_params, provider_options = excluded.provider_options,
                 input_price_per_mtok = excluded.input_price_per_mtok,
                 output_price_per_mtok = excluded.output_price_per_mtok,
                 written_by = excluded.written_by RETURNING id",
            params![
                id,
                spec.name,
                spec.provider.as_str(),
                spec.model,
                spec.base_url,
                spec.api_key_ref.as_ref().map(ToString::to_string),
                to_json(&spec.request_params)?,
                to_json(&spec.provider_options)?,
                spec.input_price_per_mtok,
                spec.output_price_per_mtok,
                author.as_str(),
            ],
        )
    }
}
