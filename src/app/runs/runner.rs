//! The window's link to the engine: runs start on the tokio runtime, their events come back to the
//! UI thread over a channel that wakes the window, and answers to questions are written off the UI
//! thread. Nothing here waits: every method returns at once.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, OnceLock};

use tokio::runtime::Handle;
use tokio::sync::broadcast::error::RecvError;
use tracing_subscriber::Registry;
use tracing_subscriber::reload;

use crate::engine::{
    Cancelled, DbLogLayer, Engine, EngineConfig, ReplayRequest, RunEvent, RunRequest,
};
use crate::model::{HumanInputStatus, RunOrigin};
use crate::store::{Location, Store};

/// Asks the window to draw again; called from other threads.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Something that happened off the UI thread that the status line should tell.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Info(String),
    Error(String),
}

/// Starts runs and reports on them.
pub struct Runner {
    engine: Engine,
    runtime: Handle,
    db: Location,
    events: Receiver<RunEvent>,
    notices: Receiver<Notice>,
    notify: Sender<Notice>,
    wake: Wake,
}

impl Runner {
    /// An engine on the database at `path`, its events forwarded to the window.
    pub fn start(db: &Location, runtime: Handle, wake: Wake) -> Result<Runner, String> {
        let engine =
            Engine::open(db.clone(), EngineConfig::from_env()?).map_err(|e| e.to_string())?;
        route_logs_to(&engine);
        let (forward, events) = channel();
        let mut subscription = engine.subscribe();
        let waker = wake.clone();
        runtime.spawn(async move {
            loop {
                match subscription.recv().await {
                    Ok(event) => {
                        if forward.send(event).is_err() {
                            return;
                        }
                        waker();
                    }
                    // The window reads the rows again when it missed events; nothing to do here.
                    Err(RecvError::Lagged(_)) => waker(),
                    Err(RecvError::Closed) => return,
                }
            }
        });
        let (notify, notices) = channel();
        Ok(Runner { engine, runtime, db: db.clone(), events, notices, notify, wake })
    }

    /// Starts running `target` on `input`, in `session` or a new one.
    pub fn run(&self, target: String, input: String, session: Option<i64>) {
        let request = RunRequest { target, input, session, origin: RunOrigin::App };
        let (engine, notify, wake) = (self.engine.clone(), self.notify.clone(), self.wake.clone());
        self.runtime.spawn(async move {
            // A run that started reports its end as events; only a refusal to start comes here.
            if let Err(error) = engine.run(request).await {
                let _ = notify.send(Notice::Error(format!("The run did not start: {error}")));
                wake();
            }
        });
    }

    /// Replays run `run_id` from its recording (no provider is called), or, with `from_span`,
    /// live from that span on with everything before it pinned to what was recorded.
    pub fn replay(&self, run_id: i64, from_span: Option<i64>) {
        let request = ReplayRequest { run_id, from_span, origin: RunOrigin::App };
        let (engine, notify, wake) = (self.engine.clone(), self.notify.clone(), self.wake.clone());
        self.runtime.spawn(async move {
            if let Err(error) = engine.replay(request).await {
                let _ = notify.send(Notice::Error(format!("The replay did not start: {error}")));
                wake();
            }
        });
    }

    /// Resumes the interrupted run `run_id` as itself: its finished steps answer from what they
    /// recorded, the rest runs live.
    pub fn resume(&self, run_id: i64) {
        let (engine, notify, wake) = (self.engine.clone(), self.notify.clone(), self.wake.clone());
        self.runtime.spawn(async move {
            if let Err(error) = engine.resume(run_id).await {
                let _ = notify.send(Notice::Error(format!("The run was not resumed: {error}")));
                wake();
            }
        });
    }

    /// Asks run `run_id` to stop; an interrupted run (going on nowhere) is marked cancelled.
    pub fn cancel(&self, run_id: i64) {
        let (engine, notify, wake) = (self.engine.clone(), self.notify.clone(), self.wake.clone());
        self.runtime.spawn(async move {
            let notice = match engine.cancel_or_drop(run_id).await {
                // Its events tell how it ends.
                Ok(Some(Cancelled::Stopping)) => return,
                Ok(Some(Cancelled::Dropped)) => Notice::Info(format!("Run {run_id} cancelled.")),
                Ok(Some(Cancelled::Requested)) => Notice::Info(format!(
                    "Run {run_id} runs in another process; it was asked to stop and ends cancelled within seconds."
                )),
                Ok(None) => Notice::Info(format!("Run {run_id} is not running here.")),
                Err(error) => Notice::Error(format!("Run {run_id} was not cancelled: {error}")),
            };
            let _ = notify.send(notice);
            wake();
        });
    }

    /// Stops the runs going here as the window closes (each recorded as interrupted, to be
    /// resumed), gives them a moment to record it, and gives up this process's lease.
    pub fn shut_down(&self) {
        let engine = self.engine.clone();
        let closed = self.runtime.block_on(async move {
            engine.interrupt_all();
            engine.wait_idle(std::time::Duration::from_secs(5)).await;
            engine.close().await
        });
        if let Err(error) = closed {
            tracing::error!("closing the engine: {error}");
        }
    }

    /// Answers (or declines) the question `request`; the waiting run picks the answer up.
    pub fn answer(&self, request: i64, answer: Option<serde_json::Value>) {
        let (db, notify, wake) = (self.db.clone(), self.notify.clone(), self.wake.clone());
        self.runtime.spawn_blocking(move || {
            let status = if answer.is_some() {
                HumanInputStatus::Answered
            } else {
                HumanInputStatus::Declined
            };
            let written = Store::connect(&db).and_then(|mut store| {
                store.write("answering a question", |w| {
                    w.answer_human_input(request, status, answer.as_ref())
                })
            });
            let notice = match written {
                Ok(_) => Notice::Info(format!("Question {request} {status}.")),
                Err(error) => Notice::Error(format!("The answer was not saved: {error}")),
            };
            let _ = notify.send(notice);
            wake();
        });
    }

    /// Events since the last call.
    pub fn events(&self) -> impl Iterator<Item = RunEvent> + '_ {
        self.events.try_iter()
    }

    /// Notices since the last call.
    pub fn notices(&self) -> impl Iterator<Item = Notice> + '_ {
        self.notices.try_iter()
    }
}

/// Where tracing events go: the logs table of the engine opened last. The subscriber is set once
/// per process; opening another file swaps the layer inside it.
fn route_logs_to(engine: &Engine) {
    use tracing_subscriber::layer::SubscriberExt;
    static ROUTE: OnceLock<reload::Handle<Option<DbLogLayer>, Registry>> = OnceLock::new();
    let layer = Some(engine.log_layer(tracing::Level::INFO));
    if let Some(route) = ROUTE.get() {
        let _ = route.reload(layer);
        return;
    }
    let (reloadable, route) = reload::Layer::new(layer);
    if tracing::subscriber::set_global_default(tracing_subscriber::registry().with(reloadable))
        .is_ok()
    {
        let _ = ROUTE.set(route);
    }
}
