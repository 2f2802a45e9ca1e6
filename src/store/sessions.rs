//! Session and run rows: where conversations and executions are recorded.

use super::db::{Row, params};
use super::error::{Result, StoreError};
use super::owners::OwnerId;
use super::{Reader, Writer};
use crate::model::{Run, RunDiff, RunOrigin, RunStatus, Session};

const SELECT_SESSION: &str = "SELECT s.id, w.name, a.name, s.title, s.variables, s.status, s.started_at, \
                              s.ended_at FROM sessions s LEFT JOIN workflows w ON w.id = s.workflow_id \
                              LEFT JOIN agents a ON a.id = s.agent_id";

pub(super) const SELECT_RUN: &str = "SELECT r.id, r.session_id, w.name, r.target_name, r.definition_revision, r.input, \
                          r.output, r.status, r.error, r.origin, r.replay_of_run_id, r.input_tokens, \
                          r.output_tokens, r.cost_usd, r.created_at, r.started_at, r.ended_at, r.queued \
                          FROM runs r LEFT JOIN workflows w ON w.id = r.workflow_id";

fn session_from_row(row: &Row<'_>) -> Result<Session> {
    Ok(Session {
        id: row.get(0)?,
        workflow: row.get(1)?,
        agent: row.get(2)?,
        title: row.get(3)?,
        variables: row.json(4)?,
        status: row.word(5)?,
        started_at: row.get(6)?,
        ended_at: row.get(7)?,
    })
}

pub(super) fn run_from_row(row: &Row<'_>) -> Result<Run> {
    Ok(Run {
        id: row.get(0)?,
        session_id: row.get(1)?,
        workflow: row.get(2)?,
        target: row.get(3)?,
        definition_revision: row.get(4)?,
        input: row.get(5)?,
        output: row.get(6)?,
        status: row.word(7)?,
        error: row.get(8)?,
        origin: row.word(9)?,
        replay_of_run_id: row.get(10)?,
        input_tokens: row.get(11)?,
        output_tokens: row.get(12)?,
        cost_usd: row.get(13)?,
        created_at: row.get(14)?,
        started_at: row.get(15)?,
        ended_at: row.get(16)?,
        queued: row.get(17)?,
    })
}

/// SQL assignments setting a run's tokens and cost (run `?1`) to the sums over its model calls.
pub(super) const RUN_TOTALS: &str = "\
    input_tokens = (SELECT coalesce(sum(input_tokens), 0) FROM spans
                    WHERE run_id = ?1 AND kind IN ('llm_call', 'sampling')),
    output_tokens = (SELECT coalesce(sum(output_tokens), 0) FROM spans
                     WHERE run_id = ?1 AND kind IN ('llm_call', 'sampling')),
    cost_usd = (SELECT coalesce(sum(cost_usd), 0) FROM spans
                WHERE run_id = ?1 AND kind IN ('llm_call', 'sampling'))";

/// What a run is of: a workflow (through its root agent) or an agent on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTarget {
    pub workflow: Option<String>,
    pub agent: String,
}

/// Which runs to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    pub workflow: Option<String>,
    pub status: Option<RunStatus>,
    pub session_id: Option<i64>,
    pub limit: Option<i64>,
}

impl Reader<'_> {
    /// The session `id`.
    pub fn session(&self, id: i64) -> Result<Session> {
        self.first(&format!("{SELECT_SESSION} WHERE s.id = ?1"), [id], session_from_row)?
            .ok_or_else(|| StoreError::NotFound { what: "session", name: id.to_string() })
    }

    /// The run `id`.
    pub fn run(&self, id: i64) -> Result<Run> {
        self.first(&format!("{SELECT_RUN} WHERE r.id = ?1"), [id], run_from_row)?
            .ok_or_else(|| StoreError::NotFound { what: "run", name: id.to_string() })
    }

    /// Run `a` compared with run `b`, each read with its spans.
    pub fn run_diff(&self, a: i64, b: i64) -> Result<RunDiff> {
        let (run_a, spans_a) = (self.run(a)?, self.spans(a)?);
        let (run_b, spans_b) = (self.run(b)?, self.spans(b)?);
        Ok(RunDiff::between(&run_a, &spans_a, &run_b, &spans_b))
    }

    /// Runs, newest first, narrowed by `filter`.
    pub fn runs(&self, filter: &RunFilter) -> Result<Vec<Run>> {
        let sql = format!(
            "{SELECT_RUN} WHERE (w.name = ?1 OR ?1 IS NULL) AND (r.status = ?2 OR ?2 IS NULL)
               AND (r.session_id = ?3 OR ?3 IS NULL) ORDER BY r.id DESC LIMIT ?4"
        );
        let status = filter.status.map(|s| s.as_str());
        self.all(
            &sql,
            params![filter.workflow, status, filter.session_id, filter.limit.unwrap_or(i64::MAX)],
            run_from_row,
        )
    }
}

impl Writer<'_> {
    /// Opens a session for `target`.
    pub fn create_session(&self, target: &RunTarget, title: &str) -> Result<i64> {
        let workflow = match &target.workflow {
            Some(name) => Some(self.workflow(name)?.id),
            None => None,
        };
        let agent = self.agent_id(&target.agent)?;
        self.insert(
            "INSERT INTO sessions (workflow_id, agent_id, title) VALUES (?1, ?2, ?3) RETURNING id",
            params![workflow, agent, title],
        )
    }

    /// Records a new run of `target` in `session`, at the current definition revision, running
    /// under `owner`. Refused while another turn of the session is going on, in any process.
    pub fn create_run(
        &self,
        session: i64,
        target: &RunTarget,
        input: &str,
        origin: RunOrigin,
        owner: OwnerId,
    ) -> Result<i64> {
        self.session(session)?;
        let workflow = match &target.workflow {
            Some(name) => Some(self.workflow(name)?.id),
            None => None,
        };
        let agent = self.agent_id(&target.agent)?;
        let name = target.workflow.as_deref().unwrap_or(&target.agent);
        let revision = self.current_revision()?;
        let inserted = self.within_savepoint(|w| {
            w.insert(
                "INSERT INTO runs (session_id, workflow_id, agent_id, target_name, definition_revision, input,
                                   status, origin, owner_id, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?8, now_utc()) RETURNING id",
                params![session, workflow, agent, name, revision, input, origin.as_str(), owner.0],
            )
        });
        self.refuse_second_turn(session, inserted)
    }

    /// Takes the interrupted run `run` up again under `owner`, as its next attempt: running, its
    /// error and end cleared, its spans and messages of the interrupted attempt removed (the
    /// resumed attempt records them anew, reusing what finished). Returns the attempt number.
    pub fn resume_run(&self, run: i64, owner: OwnerId) -> Result<i64> {
        let current = self.run(run)?;
        if current.status != RunStatus::Interrupted {
            return Err(StoreError::Invalid(format!(
                "run {run} is {}; only an interrupted run can be resumed",
                current.status
            )));
        }
        let claimed = self.within_savepoint(|w| {
            w.exec(
                "UPDATE runs SET status = 'running', error = NULL, output = NULL, ended_at = NULL,
                        owner_id = ?2, attempt = attempt + 1
                 WHERE id = ?1 AND status = 'interrupted'",
                params![run, owner.0],
            )
        });
        self.refuse_second_turn(current.session_id, claimed)?;
        self.exec("DELETE FROM messages WHERE run_id = ?1", [run])?;
        self.exec("DELETE FROM spans WHERE run_id = ?1", [run])?;
        self.first("SELECT attempt FROM runs WHERE id = ?1", [run], |row| row.get(0))?
            .ok_or_else(|| StoreError::NotFound { what: "run", name: run.to_string() })
    }

    /// Deletes up to `batch` runs that ended before `before` (a timestamp), with everything they
    /// recorded (spans, messages, logs, questions go with them); returns how many. Runs going on,
    /// queued, or interrupted and waiting to be resumed by a worker are kept.
    pub fn prune_runs(&self, before: &str, batch: i64) -> Result<usize> {
        self.exec(
            "DELETE FROM runs WHERE id IN (
                 SELECT id FROM runs
                 WHERE coalesce(ended_at, created_at) < ?1
                   AND (status IN ('succeeded', 'failed', 'cancelled')
                        OR (status = 'interrupted' AND NOT queued))
                 ORDER BY id LIMIT ?2)",
            params![before, batch],
        )
    }

    /// Cancels run `run` where it is not going on in any process (it was interrupted, or waits
    /// in the queue), so that no one resumes or takes it; `false` when it is neither.
    pub fn cancel_run_not_going(&self, run: i64) -> Result<bool> {
        let changed = self.exec(
            "UPDATE runs SET status = 'cancelled', ended_at = coalesce(ended_at, now_utc()),
                    error = CASE status WHEN 'queued' THEN 'cancelled before a worker took it'
                                        ELSE 'cancelled after it was interrupted' END
             WHERE id = ?1 AND status IN ('interrupted', 'queued')",
            [run],
        )?;
        Ok(changed == 1)
    }

    /// Turns the unique index that keeps one turn per session going into an error naming the turn.
    fn refuse_second_turn<T>(&self, session: i64, written: Result<T>) -> Result<T> {
        let error = match written {
            Ok(value) => return Ok(value),
            Err(error) if error.is_unique_violation() => error,
            Err(error) => return Err(error),
        };
        let going: Option<i64> = self.first(
            "SELECT id FROM runs WHERE session_id = ?1 AND status IN ('running', 'waiting')",
            [session],
            |row| row.get(0),
        )?;
        match going {
            Some(run) => Err(StoreError::SessionBusy { session, run }),
            None => Err(error),
        }
    }

    /// Moves a run that is still going to `status` (running or waiting).
    pub fn set_run_status(&self, run: i64, status: RunStatus) -> Result<()> {
        self.exec(
            "UPDATE runs SET status = ?2 WHERE id = ?1 AND status IN ('queued', 'running', 'waiting')",
            params![run, status.as_str()],
        )?;
        Ok(())
    }

    /// Ends a run with its outcome; its tokens and cost are the sums over its model calls. Only a
    /// run still going under `owner` is ended: one that another process took for abandoned (and
    /// interrupted, or resumed) is left as that process recorded it. Returns whether it was ended.
    pub fn finish_run(
        &self,
        run: i64,
        owner: OwnerId,
        status: RunStatus,
        output: Option<&str>,
        error: Option<&str>,
    ) -> Result<bool> {
        let changed = self.exec(
            &format!(
                "UPDATE runs SET status = ?2, output = ?3, error = ?4, owner_id = NULL,
                        ended_at = now_utc(), {RUN_TOTALS}
                 WHERE id = ?1 AND owner_id = ?5 AND status IN ('running', 'waiting')"
            ),
            params![run, status.as_str(), output, error, owner.0],
        )?;
        Ok(changed == 1)
    }
}
