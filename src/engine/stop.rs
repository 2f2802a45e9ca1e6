//! Stopping runs: each run going in this engine has a `RunStop` (its cancellation token and why
//! it was stopped), so that a run the user cancelled is recorded as cancelled and one stopped with
//! its process (a graceful stop, a lost lease) as interrupted, which can be resumed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::model::RunStatus;

/// Why a run was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopCause {
    /// The user cancelled it.
    Cancelled,
    /// Its process is stopping (SIGTERM, Ctrl-C, the service shutting down).
    Shutdown,
    /// Another process took this one for dead and recorded its runs as interrupted.
    LeaseLost,
}

/// The error text of a run stopped by `cause` before it ended.
pub fn interrupted_because(cause: StopCause) -> String {
    match cause {
        StopCause::Cancelled => "cancelled".to_owned(),
        StopCause::Shutdown => {
            "interrupted: its process was stopped before the run ended".to_owned()
        }
        StopCause::LeaseLost => {
            "interrupted: its process lost its lease on the run before the run ended".to_owned()
        }
    }
}

/// One run's way to be stopped, and why it was.
#[derive(Debug, Default)]
pub struct RunStop {
    pub token: CancellationToken,
    cause: OnceLock<StopCause>,
}

impl RunStop {
    /// Stops the run for `cause`; the first cause given is the one recorded.
    pub fn stop(&self, cause: StopCause) {
        let _ = self.cause.set(cause);
        self.token.cancel();
    }

    /// Why the run was stopped, if it was; a token cancelled from elsewhere counts as cancelled.
    pub fn cause(&self) -> Option<StopCause> {
        self.cause.get().copied().or(self.token.is_cancelled().then_some(StopCause::Cancelled))
    }

    /// The status a step cut off by this stop ends with.
    pub fn stopped_status(&self) -> RunStatus {
        match self.cause() {
            Some(StopCause::Shutdown | StopCause::LeaseLost) => RunStatus::Interrupted,
            _ => RunStatus::Cancelled,
        }
    }
}

/// The runs going in one engine, by id.
#[derive(Debug, Clone, Default)]
pub struct RunHandles {
    runs: Arc<Mutex<HashMap<i64, Arc<RunStop>>>>,
}

impl RunHandles {
    /// Registers run `run` as going; returns its stop.
    pub fn insert(&self, run: i64) -> Arc<RunStop> {
        let stop = Arc::new(RunStop::default());
        if let Ok(mut runs) = self.runs.lock() {
            runs.insert(run, Arc::clone(&stop));
        }
        stop
    }

    /// Forgets run `run`: it has ended.
    pub fn remove(&self, run: i64) {
        if let Ok(mut runs) = self.runs.lock() {
            runs.remove(&run);
        }
    }

    /// Stops run `run` for `cause`; returns whether it was going here.
    pub fn stop(&self, run: i64, cause: StopCause) -> bool {
        let stop = self.runs.lock().ok().and_then(|runs| runs.get(&run).cloned());
        stop.map(|stop| stop.stop(cause)).is_some()
    }

    /// Stops every run going here for `cause`; returns how many.
    pub fn stop_all(&self, cause: StopCause) -> usize {
        let all: Vec<Arc<RunStop>> =
            self.runs.lock().map(|runs| runs.values().cloned().collect()).unwrap_or_default();
        for stop in &all {
            stop.stop(cause);
        }
        all.len()
    }

    /// How many runs are going here.
    pub fn len(&self) -> usize {
        self.runs.lock().map(|runs| runs.len()).unwrap_or(0)
    }

    /// Waits until no run is going, or `limit` has passed; returns how many still are.
    pub async fn wait_empty(&self, limit: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + limit;
        while self.len() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_cause_is_the_one_recorded() {
        let stop = RunStop::default();
        assert_eq!(stop.cause(), None);
        stop.stop(StopCause::Shutdown);
        stop.stop(StopCause::Cancelled);
        assert_eq!(stop.stopped_status(), RunStatus::Interrupted);
        let cancelled = RunStop::default();
        cancelled.token.cancel();
        assert_eq!(cancelled.stopped_status(), RunStatus::Cancelled);
    }
}
