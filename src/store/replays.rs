//! What replaying a run needs from the rows: where a span sits in its run's tree, the session a
//! replay runs in (with the source session's variables), the link from a replay to its source, and
//! the conversation an agent had before a given run.

use super::db::params;
use super::error::{Result, StoreError};
use super::owners::OwnerId;
use super::{Reader, Writer};
use crate::model::{Message, RunOrigin};

/// Where a replay came from: the run it replays and the span it re-ran from, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ReplaySource {
    pub run_id: i64,
    pub from_span_id: Option<i64>,
}

impl Reader<'_> {
    /// The positions among siblings from the run's root span down to span `id`: its place in the
    /// run's tree, which is the same in every run that took the same steps.
    pub fn span_path(&self, id: i64) -> Result<Vec<i64>> {
        let sql = "WITH RECURSIVE up(id, parent, position, depth) AS (
                       SELECT id, parent_span_id, position, 0 FROM spans WHERE id = ?1
                       UNION ALL
                       SELECT s.id, s.parent_span_id, s.position, up.depth + 1
                       FROM spans s JOIN up ON s.id = up.parent)
                   SELECT position FROM up ORDER BY depth DESC";
        let path: Vec<i64> = self.all(sql, [id], |row| row.get(0))?;
        if path.is_empty() {
            return Err(StoreError::NotFound { what: "span", name: id.to_string() });
        }
        Ok(path)
    }

    /// The run `run` replays, and the span it re-ran from; `None` for a run that is no replay.
    pub fn replay_source(&self, run: i64) -> Result<Option<ReplaySource>> {
        self.run(run)?;
        let sql = "SELECT replay_of_run_id, replay_from_span_id FROM runs WHERE id = ?1";
        let found = self.first(sql, [run], |row| {
            Ok((row.get::<Option<i64>>(0)?, row.get::<Option<i64>>(1)?))
        })?;
        Ok(found
            .and_then(|(of, from)| of.map(|run_id| ReplaySource { run_id, from_span_id: from })))
    }

    /// The messages of `agent` in `session` that came before run `run`: what the agent remembered
    /// when that run started.
    pub fn agent_history_before(
        &self,
        session: i64,
        agent: &str,
        run: i64,
    ) -> Result<Vec<Message>> {
        let before = self.first(
            "SELECT coalesce(min(sequence_number), 9223372036854775807) FROM messages WHERE run_id = ?1",
            [run],
            |row| row.get::<i64>(0),
        )?;
        let messages = self.agent_history(session, agent, None)?;
        Ok(messages.into_iter().filter(|m| Some(m.sequence_number) < before).collect())
    }
}

impl Writer<'_> {
    /// Opens a session for a replay of a run in `source`: the same workflow or agent and the same
    /// variables, but none of its messages, so that replaying never adds to the source's conversation.
    pub fn create_replay_session(&self, source: i64, title: &str) -> Result<i64> {
        self.session(source)?;
        self.insert(
            "INSERT INTO sessions (workflow_id, agent_id, title, variables)
             SELECT workflow_id, agent_id, ?2, variables FROM sessions WHERE id = ?1 RETURNING id",
            params![source, title],
        )
    }

    /// Records a replay of run `source` in `session`, running: the same target and input, linked
    /// to its source and to the span `from` it re-runs from (which must be one of the source's),
    /// at definition revision `revision`.
    pub fn create_replay_run(
        &self,
        session: i64,
        source: i64,
        from: Option<i64>,
        revision: i64,
        origin: RunOrigin,
        owner: OwnerId,
    ) -> Result<i64> {
        self.session(session)?;
        self.run(source)?;
        if let Some(span) = from {
            let owner = self
                .first("SELECT run_id FROM spans WHERE id = ?1", [span], |row| row.get::<i64>(0))?;
            if owner != Some(source) {
                return Err(StoreError::Invalid(format!(
                    "span {span} is not a step of run {source}"
                )));
            }
        }
        self.insert(
            "INSERT INTO runs (session_id, workflow_id, agent_id, target_name, definition_revision, input,
                               status, origin, replay_of_run_id, replay_from_span_id, owner_id, started_at)
             SELECT ?1, workflow_id, agent_id, target_name, ?4, input, 'running', ?5, id, ?3, ?6,
                    now_utc()
             FROM runs WHERE id = ?2 RETURNING id",
            params![session, source, from, revision, origin.as_str(), owner.0],
        )
    }
}
