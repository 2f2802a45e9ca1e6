//! Resuming an interrupted run as itself: the same run id goes on as its next attempt, on the
//! definitions it started with. Every step of the interrupted attempt that finished is answered
//! from what it recorded (a model call is not made again, a tool not called again, a question
//! not asked again), as a replay pins them; the steps that were cut off, and all that follow,
//! run live. The interrupted attempt's spans and messages are replaced by the new attempt's, so
//! the run reads as one run that went through; its logs stay.

use std::sync::Arc;

use super::error::EngineError;
use super::replay::ReplayPlan;
use super::{Blueprint, Engine, RunOutcome};
use crate::model::RunStatus;

impl Engine {
    /// Resumes the interrupted run `run_id` to its end. Errors before it is taken up (an unknown
    /// run, one that is not interrupted, a session busy with another turn) are returned; a resumed
    /// run that fails is an outcome with status failed.
    pub async fn resume(&self, run_id: i64) -> Result<RunOutcome, EngineError> {
        let (run, spans, messages, blueprint) = self.read(|r| {
            let run = r.run(run_id)?;
            let spans = r.spans(run_id)?;
            let messages = r.run_messages(run_id)?;
            let blueprint = Blueprint::load_at(r, &run.target, run.definition_revision);
            Ok((run, spans, messages, blueprint))
        })?;
        if run.status != RunStatus::Interrupted {
            return Err(EngineError::NotResumable {
                run: run_id,
                reason: match run.status {
                    status if status.is_going() => {
                        format!("it is still {status}; only an interrupted run is resumed")
                    }
                    status => format!("it {status}; only an interrupted run is resumed"),
                },
            });
        }
        let blueprint = blueprint?;
        let plan = ReplayPlan::resume(&run, &spans, &messages)?;
        let reused = plan.finished_steps();
        let owner = self.owner()?;
        let attempt = self.shared.writer.call(move |w| w.resume_run(run_id, owner)).await?;
        tracing::info!(
            run_id,
            attempt,
            reused,
            "resuming run {run_id}: attempt {attempt}, {reused} finished steps reused"
        );
        self.drive(run_id, run.session_id, blueprint, run.target, run.input, Some(Arc::new(plan)))
            .await
    }
}
