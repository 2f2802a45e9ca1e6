//! The engine's lease on its runs: a thread that renews this process's `run_owners` row every few
//! seconds and, on the same beat, marks the runs of processes that are gone `interrupted`. When the
//! row is found gone (another process took this one for dead, after a long stall), the runs still
//! going here are stopped: they have been recorded as interrupted and may be resumed elsewhere.

use std::sync::mpsc;
use std::thread;

use super::writer::WriterHandle;
use super::{RunHandles, StopCause};
use crate::store::{HEARTBEAT_EVERY, OwnerId};

/// Keeps the lease renewed while it lives; dropping it stops the heartbeat.
pub struct Lease {
    pub owner: OwnerId,
    _stop: mpsc::Sender<()>,
}

impl Lease {
    /// Starts renewing `owner`'s lease through `writer`; `runs` are stopped if the lease is lost.
    pub fn keep(owner: OwnerId, writer: WriterHandle, runs: RunHandles) -> Lease {
        let (stop, stopped) = mpsc::channel::<()>();
        let beat = move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(HEARTBEAT_EVERY) {
                let renewed = writer.call_blocking(move |w| {
                    let renewed = w.renew_owner(owner)?;
                    w.recover_abandoned_runs()?;
                    Ok(renewed)
                });
                match renewed {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::error!(
                            "this process's lease on its runs was taken (it stalled for longer than the lease); \
                             its runs were recorded as interrupted and are stopped here"
                        );
                        runs.stop_all(StopCause::LeaseLost);
                    }
                    // The writer reports failed writes itself; the next beat tries again.
                    Err(error) => tracing::warn!("renewing the run lease failed: {error}"),
                }
            }
        };
        if let Err(error) = thread::Builder::new().name("agentloom-lease".into()).spawn(beat) {
            tracing::error!("cannot start the run lease heartbeat: {error}");
        }
        Lease { owner, _stop: stop }
    }
}
