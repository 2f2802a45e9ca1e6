//! The run queue: runs enqueued for workers (`runs.queued`), claimed one at a time by whichever
//! worker asks first, on any machine that reaches the database. A claimed run has an owner like
//! any other, so a worker that dies leaves it interrupted, and being queued it is resumed by the
//! next worker that asks, from its persisted steps.

use super::db::{Db, params};
use super::error::Result;
use super::owners::OwnerId;
use super::sessions::RunTarget;
use super::{Reader, Writer};
use crate::model::RunOrigin;

/// What a worker is handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// A queued run, now running under the worker's owner.
    Fresh(i64),
    /// A queued run whose worker died: the worker is to resume it (it claims it by resuming).
    Orphaned(i64),
}

/// The oldest queued run whose session has no turn going, claimed for `?1` (the owner).
/// PostgreSQL skips the rows another transaction holds; SQLite has one writer at a time.
fn claim_sql(db: &Db) -> String {
    let skip_locked = if db.is_postgres() { " FOR UPDATE SKIP LOCKED" } else { "" };
    format!(
        "UPDATE runs SET status = 'running', owner_id = ?1, started_at = now_utc()
         WHERE id = (SELECT q.id FROM runs q
                     WHERE q.queued AND q.status = 'queued'
                       AND NOT EXISTS (SELECT 1 FROM runs t WHERE t.session_id = q.session_id
                                       AND t.status IN ('running', 'waiting'))
                     ORDER BY q.id LIMIT 1{skip_locked})
         RETURNING id"
    )
}

impl Writer<'_> {
    /// Records a run of `target` in `session` that waits for a worker: queued, with no owner, at
    /// the current definition revision (what the worker will run, whenever it takes it).
    pub fn enqueue_run(
        &self,
        session: i64,
        target: &RunTarget,
        input: &str,
        origin: RunOrigin,
    ) -> Result<i64> {
        self.session(session)?;
        let workflow = match &target.workflow {
            Some(name) => Some(self.workflow(name)?.id),
            None => None,
        };
        let agent = self.agent_id(&target.agent)?;
        let name = target.workflow.as_deref().unwrap_or(&target.agent);
        let revision = self.current_revision()?;
        self.insert(
            "INSERT INTO runs (session_id, workflow_id, agent_id, target_name, definition_revision, input,
                               status, origin, queued)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8) RETURNING id",
            params![session, workflow, agent, name, revision, input, origin.as_str(), true],
        )
    }

    /// The next run for the worker `owner`: a queued run, claimed; else a queued run whose worker
    /// died, to resume; else `None`. A run whose worker died after someone asked to cancel it is
    /// cancelled, not resumed.
    pub fn claim_queued_run(&self, owner: OwnerId) -> Result<Option<Claimed>> {
        if let Some(run) = self.first(&claim_sql(self.db), [owner.0], |row| row.get(0))? {
            return Ok(Some(Claimed::Fresh(run)));
        }
        self.exec(
            "UPDATE runs SET status = 'cancelled',
                    error = 'cancelled: asked for while it ran, then its worker stopped'
             WHERE queued AND status = 'interrupted' AND cancel_requested",
            (),
        )?;
        Ok(self.orphaned_queued_run()?.map(Claimed::Orphaned))
    }
}

impl Writer<'_> {
    /// Asks the process running run `run` to stop it (it runs elsewhere); `false` when it is not
    /// going on under an owner.
    pub fn request_cancel(&self, run: i64) -> Result<bool> {
        let asked = self.exec(
            "UPDATE runs SET cancel_requested = ?2
             WHERE id = ?1 AND status IN ('running', 'waiting') AND owner_id IS NOT NULL",
            params![run, true],
        )?;
        Ok(asked == 1)
    }
}

impl Reader<'_> {
    /// The runs of `owner` that another process asked to cancel.
    pub fn cancel_requests(&self, owner: OwnerId) -> Result<Vec<i64>> {
        self.all(
            "SELECT id FROM runs WHERE owner_id = ?1 AND cancel_requested
               AND status IN ('running', 'waiting')",
            [owner.0],
            |row| row.get(0),
        )
    }

    /// The oldest queued run that was interrupted (its worker died) and whose session has no
    /// turn going.
    fn orphaned_queued_run(&self) -> Result<Option<i64>> {
        self.first(
            "SELECT q.id FROM runs q
             WHERE q.queued AND q.status = 'interrupted'
               AND NOT EXISTS (SELECT 1 FROM runs t WHERE t.session_id = q.session_id
                               AND t.status IN ('running', 'waiting'))
             ORDER BY q.id LIMIT 1",
            (),
            |row| row.get(0),
        )
    }

    /// How many queued runs wait for a worker (interrupted ones included).
    pub fn queue_length(&self) -> Result<i64> {
        let waiting = self.first(
            "SELECT count(*) FROM runs WHERE queued AND status IN ('queued', 'interrupted')",
            (),
            |row| row.get(0),
        )?;
        Ok(waiting.unwrap_or(0))
    }
}
