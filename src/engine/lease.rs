//! The engine's lease on its runs: a thread that renews this process's `run_owners` row every few
//! seconds and, on the same beat, marks the runs of processes that are gone `interrupted`. When the
//! row is found gone (another process took this one for dead, after a stall longer than the
//! lease), the runs still going here are stopped (they were recorded as interrupted and may be
//! resumed elsewhere) and the process registers anew, so that its next runs have an owner. Each
//! beat also stops the runs here that another process asked to cancel.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;

use super::writer::WriterHandle;
use super::{RunHandles, StopCause};
use crate::store::{HEARTBEAT_EVERY, OwnerId, ProcessIdentity};

/// The owner row runs started now are held under; it changes only when the lease was lost.
#[derive(Debug)]
pub struct CurrentOwner(AtomicI64);

impl CurrentOwner {
    pub fn get(&self) -> OwnerId {
        OwnerId(self.0.load(Ordering::Acquire))
    }

    fn set(&self, owner: OwnerId) {
        self.0.store(owner.0, Ordering::Release);
    }
}

/// Keeps the lease renewed while it lives; dropping it stops the heartbeat.
pub struct Lease {
    pub owner: Arc<CurrentOwner>,
    _stop: mpsc::Sender<()>,
}

impl Lease {
    /// Starts renewing `owner`'s lease through `writer` (registering as `program` again if it is
    /// lost); `runs` are stopped when it is.
    pub fn keep(owner: OwnerId, program: String, writer: WriterHandle, runs: RunHandles) -> Lease {
        let current = Arc::new(CurrentOwner(AtomicI64::new(owner.0)));
        let (stop, stopped) = mpsc::channel::<()>();
        let held = Arc::clone(&current);
        let beat = move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(HEARTBEAT_EVERY) {
                let owner = held.get();
                let renewed = writer.call_blocking(move |w| {
                    let renewed = w.renew_owner(owner)?;
                    w.recover_abandoned_runs()?;
                    Ok((renewed, w.cancel_requests(owner)?))
                });
                match renewed {
                    Ok((true, cancelled)) => {
                        for run in cancelled {
                            if runs.stop(run, StopCause::Cancelled) {
                                tracing::info!(run_id = run, "run {run} cancelled from elsewhere");
                            }
                        }
                    }
                    // Given back by `close` while this beat was on its way: nothing is lost.
                    Ok((false, _)) if stopped.try_recv() != Err(mpsc::TryRecvError::Empty) => {
                        return;
                    }
                    Ok((false, _)) => {
                        tracing::error!(
                            "this process's lease on its runs was taken (it stalled for longer than \
                             the lease); its runs were recorded as interrupted and are stopped here"
                        );
                        runs.stop_all(StopCause::LeaseLost);
                        let program = program.clone();
                        match writer.call_blocking(move |w| {
                            w.register_owner(ProcessIdentity::current(), &program)
                        }) {
                            Ok(owner) => held.set(owner),
                            Err(error) => {
                                tracing::error!("registering again as a run owner: {error}")
                            }
                        }
                    }
                    // The writer reports failed writes itself; the next beat tries again.
                    Err(error) => tracing::warn!("renewing the run lease failed: {error}"),
                }
            }
        };
        if let Err(error) = thread::Builder::new().name("agentloom-lease".into()).spawn(beat) {
            tracing::error!("cannot start the run lease heartbeat: {error}");
        }
        Lease { owner: current, _stop: stop }
    }
}
