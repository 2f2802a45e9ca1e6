//! Runs through the queue: a run enqueued here is recorded as queued and left to a worker; a
//! worker's engine claims the next queued run and drives it as any other run, or resumes one whose
//! worker died from its persisted steps. Claims go through the database (see `store::queue`), so
//! any number of workers on any number of machines share one queue.

use serde::Serialize;

use super::error::EngineError;
use super::{Blueprint, Engine, RunOutcome, RunRequest};
use crate::model::RunStatus;
use crate::store::{Claimed, StoreError};

/// A run waiting in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Enqueued {
    pub run_id: i64,
    pub session_id: i64,
    /// Always `queued`: what the run's status reads until a worker takes it.
    pub status: RunStatus,
}

/// How many claims a worker tries in a row when other workers take the runs it was handed.
const CLAIM_TRIES: usize = 8;

impl Engine {
    /// Enqueues `request` for workers and returns at once. Errors are the ones `run` returns
    /// before a run is recorded (an unknown target, a workflow that is not ready).
    pub async fn enqueue(&self, request: RunRequest) -> Result<Enqueued, EngineError> {
        let (blueprint, session_id) = self.prepare(&request).await?;
        let (target, input, origin) = (blueprint.target, request.input, request.origin);
        let run_id = self
            .shared
            .writer
            .call(move |w| w.enqueue_run(session_id, &target, &input, origin))
            .await?;
        Ok(Enqueued { run_id, session_id, status: RunStatus::Queued })
    }

    /// Takes the next run from the queue and drives it to its end: a queued run, or one whose
    /// worker died (resumed, its finished steps reused). `None` when the queue has nothing this
    /// engine may take now.
    pub async fn run_next_queued(&self) -> Result<Option<RunOutcome>, EngineError> {
        // A read first: an empty queue costs no write (and wakes no watcher).
        if self.read(|r| r.queue_length())? == 0 {
            return Ok(None);
        }
        for _ in 0..CLAIM_TRIES {
            let owner = self.owner()?;
            let claimed = self.shared.writer.call(move |w| w.claim_queued_run(owner)).await?;
            match claimed {
                None => return Ok(None),
                Some(Claimed::Fresh(run_id)) => return self.drive_claimed(run_id).await.map(Some),
                Some(Claimed::Orphaned(run_id)) => match self.resume(run_id).await {
                    Ok(outcome) => return Ok(Some(outcome)),
                    // Another worker resumed it first, or its session took another turn.
                    Err(
                        EngineError::NotResumable { .. }
                        | EngineError::Store(StoreError::Invalid(_) | StoreError::SessionBusy { .. }),
                    ) => continue,
                    Err(error) => return Err(error),
                },
            }
        }
        Ok(None)
    }

    /// Drives the queued run `run_id`, now claimed by this engine's owner, on the definitions of
    /// the revision it was enqueued at. A run that cannot start ends recorded as failed.
    async fn drive_claimed(&self, run_id: i64) -> Result<RunOutcome, EngineError> {
        let (run, blueprint) = self.read(|r| {
            let run = r.run(run_id)?;
            let blueprint = Blueprint::load_at(r, &run.target, run.definition_revision);
            Ok((run, blueprint))
        })?;
        match blueprint {
            Ok(blueprint) => {
                self.drive(run_id, run.session_id, blueprint, run.target, run.input, None).await
            }
            Err(error) => self.fail_claimed(run_id, error).await,
        }
    }

    /// Records the claimed run `run_id` as failed with `error`, before any step of it ran.
    async fn fail_claimed(
        &self,
        run_id: i64,
        error: EngineError,
    ) -> Result<RunOutcome, EngineError> {
        let (owner, why) = (self.owner()?, error.to_string());
        let run = self
            .shared
            .writer
            .call(move |w| {
                w.finish_run(run_id, owner, RunStatus::Failed, None, Some(&why))?;
                w.run(run_id)
            })
            .await?;
        Ok(RunOutcome::from(run))
    }
}
