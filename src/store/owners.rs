//! Run ownership: every process that runs runs holds a lease on the file (a `run_owners` row it
//! renews with a heartbeat), and every run going on names its owner. Whoever opens the file marks
//! the runs of owners that are gone `interrupted`, with their open spans closed and their pending
//! questions withdrawn, so that no run stays `running` after its process died.

use std::time::Duration;

use super::db::params;
use super::error::Result;
use super::process::{Liveness, ProcessIdentity};
use super::{Reader, Store, Writer};

/// A `run_owners` row: one process's lease on running runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OwnerId(pub i64);

/// How long an owner counts as alive after its last heartbeat, when no pid check can tell
/// (an owner on another machine sharing the file).
pub const OWNER_LEASE: Duration = Duration::from_secs(20);

/// How often a live owner renews its lease and looks for runs of owners that are gone.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// SQL for the instant `OWNER_LEASE` from now, as the stored timestamps are written.
fn lease_expiry_sql(lease: Duration) -> String {
    format!("now_utc_plus({:.3})", lease.as_secs_f64())
}

/// An owner row as read back.
struct OwnerRow {
    id: OwnerId,
    process: ProcessIdentity,
    program: String,
    expired: bool,
}

impl OwnerRow {
    /// Why this owner is gone, or `None` while it may still be running its runs.
    fn gone_because(&self, me: &ProcessIdentity) -> Option<String> {
        let who = format!(
            "its process ({}, pid {} on {})",
            if self.program.is_empty() { "agentloom" } else { &self.program },
            self.process.pid,
            self.process.host
        );
        let lapsed = || {
            format!(
                "{who} stopped renewing its lease ({} s) before the run ended",
                OWNER_LEASE.as_secs()
            )
        };
        match me.liveness_of(&self.process) {
            Liveness::Gone => Some(format!("{who} stopped before the run ended")),
            // Where the OS does not say when a process started, a live pid may be a later
            // process's: the lease decides then too.
            Liveness::Alive if self.expired && self.process.start.is_none() => Some(lapsed()),
            Liveness::Alive => None,
            Liveness::Unknown if self.expired => Some(lapsed()),
            Liveness::Unknown => None,
        }
    }
}

impl Reader<'_> {
    fn owners(&self) -> Result<Vec<OwnerRow>> {
        self.all(
            "SELECT id, host, pid, process_start, program,
                    lease_expires_at < now_utc()
             FROM run_owners ORDER BY id",
            (),
            |row| {
                Ok(OwnerRow {
                    id: OwnerId(row.get(0)?),
                    process: ProcessIdentity {
                        host: row.get(1)?,
                        pid: row.get(2)?,
                        start: row.get(3)?,
                    },
                    program: row.get(4)?,
                    expired: row.get(5)?,
                })
            },
        )
    }

    /// Whether anything is left for [`Writer::recover_abandoned_runs`] to do: an owner that is
    /// gone, or a run going on without an owner.
    fn has_abandoned_runs(&self, me: &ProcessIdentity) -> Result<bool> {
        if self.owners()?.iter().any(|owner| owner.gone_because(me).is_some()) {
            return Ok(true);
        }
        let ownerless = self.first(
            "SELECT 1 FROM runs WHERE status IN ('running', 'waiting') AND owner_id IS NULL LIMIT 1", (),
            |_| Ok(()),
        )?;
        Ok(ownerless.is_some())
    }
}

impl Writer<'_> {
    /// Registers this process (`program` names what it is) as a run owner with a fresh lease.
    pub fn register_owner(&self, me: &ProcessIdentity, program: &str) -> Result<OwnerId> {
        let sql = format!(
            "INSERT INTO run_owners (host, pid, process_start, program, lease_expires_at)
             VALUES (?1, ?2, ?3, ?4, {}) RETURNING id",
            lease_expiry_sql(OWNER_LEASE)
        );
        Ok(OwnerId(self.insert(&sql, params![me.host, me.pid, me.start, program])?))
    }

    /// Renews `owner`'s lease; `false` when its row is gone: another process took it for dead
    /// and interrupted its runs, which this owner must then stop.
    pub fn renew_owner(&self, owner: OwnerId) -> Result<bool> {
        let sql = format!(
            "UPDATE run_owners SET heartbeat_at = now_utc(),
                                   lease_expires_at = {} WHERE id = ?1",
            lease_expiry_sql(OWNER_LEASE)
        );
        Ok(self.exec(&sql, [owner.0])? == 1)
    }

    /// Ends `owner`'s lease as its process stops: runs it still holds are interrupted (with `why`),
    /// then its row is removed. Returns the runs interrupted.
    pub fn release_owner(&self, owner: OwnerId, why: &str) -> Result<Vec<i64>> {
        let runs: Vec<i64> = self.all(
            "SELECT id FROM runs WHERE owner_id = ?1 AND status IN ('running', 'waiting')",
            [owner.0],
            |row| row.get(0),
        )?;
        for run in &runs {
            self.interrupt_run(*run, why)?;
        }
        self.exec("DELETE FROM run_owners WHERE id = ?1", [owner.0])?;
        Ok(runs)
    }

    /// Marks the runs of every owner that is gone (its pid dead on this host, or its lease
    /// expired) and every run going on without an owner `interrupted`, and removes those owners.
    /// Returns the runs interrupted.
    pub fn recover_abandoned_runs(&self) -> Result<Vec<i64>> {
        let me = ProcessIdentity::current();
        let mut interrupted = Vec::new();
        for owner in self.owners()? {
            let Some(why) = owner.gone_because(me) else { continue };
            interrupted.extend(self.release_owner(owner.id, &format!("interrupted: {why}"))?);
        }
        let ownerless: Vec<i64> = self.all(
            "SELECT id FROM runs WHERE status IN ('running', 'waiting') AND owner_id IS NULL",
            (),
            |row| row.get(0),
        )?;
        for run in ownerless {
            self.interrupt_run(run, "interrupted: no process was running it any more")?;
            interrupted.push(run);
        }
        Ok(interrupted)
    }

    /// Ends run `run`, if it is still going, as interrupted with `why`: its open spans are closed
    /// as interrupted, its pending questions withdrawn, and a warning logged on it.
    pub fn interrupt_run(&self, run: i64, why: &str) -> Result<()> {
        let changed = self.exec(
            &format!(
                "UPDATE runs SET status = 'interrupted', error = ?2, owner_id = NULL,
                        ended_at = now_utc(), {}
                 WHERE id = ?1 AND status IN ('queued', 'running', 'waiting')",
                super::sessions::RUN_TOTALS
            ),
            params![run, why],
        )?;
        if changed == 0 {
            return Ok(());
        }
        self.exec(
            "UPDATE spans SET status = 'interrupted', error = coalesce(error, ?2),
                    ended_at = now_utc(),
                    duration_ms = millis_since(started_at)
             WHERE run_id = ?1 AND status IN ('queued', 'running', 'waiting')",
            params![run, why],
        )?;
        self.exec(
            "UPDATE human_input_requests SET status = 'withdrawn'
             WHERE run_id = ?1 AND status = 'pending'",
            [run],
        )?;
        self.exec(
            "INSERT INTO logs (level, target, message, session_id, run_id)
             VALUES ('warn', 'agentloom::runs', ?2, (SELECT session_id FROM runs WHERE id = ?1), ?1)",
            params![run, format!("run {run} {why}")],
        )?;
        Ok(())
    }
}

impl Store {
    /// Marks the runs whose owners are gone `interrupted` (see [`Writer::recover_abandoned_runs`]);
    /// only reads when there is nothing to do, so that opening a busy file stays cheap.
    pub fn recover_abandoned_runs(&mut self) -> Result<Vec<i64>> {
        if self.is_read_only() {
            return Ok(Vec::new());
        }
        let me = ProcessIdentity::current();
        if !self.read(|r| r.has_abandoned_runs(me))? {
            return Ok(Vec::new());
        }
        match self.write("marking interrupted runs", |w| w.recover_abandoned_runs()) {
            // Another process holds the write lock for long: it will do this itself.
            Err(error) if error.is_busy() => Ok(Vec::new()),
            other => other,
        }
    }
}
