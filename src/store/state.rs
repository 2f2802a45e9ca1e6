//! Agent state rows: persistent key → JSON values per agent, across sessions or within one.

use super::db::params;
use super::error::{Result, StoreError};
use super::{Reader, Writer};

impl Reader<'_> {
    /// The value of `key` for `agent` in `session` (`None`: the agent's state across sessions).
    pub fn load_state(
        &self,
        agent: &str,
        session: Option<i64>,
        key: &str,
    ) -> Result<Option<serde_json::Value>> {
        let agent = self.agent_id(agent)?;
        self.first(
            "SELECT state_value FROM agent_state WHERE agent_id = ?1 AND session_id IS NOT DISTINCT FROM ?2 AND state_key = ?3",
            params![agent, session, key],
            |row| row.json(0),
        )
    }

    /// Every key of `agent` in `session` with its value, by key.
    pub fn state_entries(
        &self,
        agent: &str,
        session: Option<i64>,
    ) -> Result<Vec<(String, serde_json::Value)>> {
        let agent = self.agent_id(agent)?;
        self.all(
            "SELECT state_key, state_value FROM agent_state WHERE agent_id = ?1 AND session_id IS NOT DISTINCT FROM ?2 ORDER BY state_key",
            params![agent, session],
            |row| Ok((row.get(0)?, row.json(1)?)),
        )
    }
}

impl Writer<'_> {
    /// Sets `key` of `agent` in `session` (`None`: across sessions) to `value`.
    pub fn save_state(
        &self,
        agent: &str,
        session: Option<i64>,
        key: &str,
        value: &serde_json::Value,
    ) -> Result<()> {
        if key.is_empty() {
            return Err(StoreError::Invalid("a state key cannot be empty".into()));
        }
        let agent = self.agent_id(agent)?;
        let value = value.to_string();
        // An update, else an insert: the unique index is on an expression (no session is
        // session 0), which PostgreSQL cannot name as an upsert's conflict target the way SQLite
        // does. Writers go one at a time, so nothing comes between the two.
        let updated = self.exec(
            "UPDATE agent_state SET state_value = ?4, updated_at = now_utc()
             WHERE agent_id = ?1 AND session_id IS NOT DISTINCT FROM ?2 AND state_key = ?3",
            params![agent, session, key, value],
        )?;
        if updated == 0 {
            self.exec(
                "INSERT INTO agent_state (agent_id, session_id, state_key, state_value)
                 VALUES (?1, ?2, ?3, ?4)",
                params![agent, session, key, value],
            )?;
        }
        Ok(())
    }
}
