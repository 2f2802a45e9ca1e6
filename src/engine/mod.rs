//! The engine: runs agents and workflows on tokio from the rows of the database, persisting every
//! step (runs, spans, messages, logs, human-input requests) through one batching writer, and
//! telling watchers what happens as `RunEvent`s.

mod blueprint;
mod config_env;
mod context;
mod error;
mod events;
mod human;
mod invoke;
mod kinds;
mod lease;
mod logging;
mod mcp_tools;
mod model_call;
mod probes;
mod queue;
mod replay;
mod resume;
mod stop;
mod structured;
mod template;
mod tools;
mod writer;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;

pub use blueprint::Blueprint;
pub use config_env::MAX_MESSAGE_BYTES_VARIABLE;
pub use error::EngineError;
pub use events::RunEvent;
pub use invoke::Spent;
pub use logging::DbLogLayer;
pub use mcp_tools::clear_to_connect;
pub use probes::{McpProbe, probe_llm, probe_mcp};
pub use queue::Enqueued;
pub use replay::{ReplayDefinitions, ReplayRequest};

use context::{RunContext, Shared};
use invoke::{InvokeOptions, invoke};
use lease::Lease;
use replay::ReplayPlan;
pub(crate) use stop::{RunHandles, StopCause};
use writer::WriterHandle;

use crate::llm::RetryPolicy;
use crate::model::{RunOrigin, RunStatus};
use crate::store::{Location, OwnerId, Store};

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    /// A workflow's name, or an agent's.
    pub target: String,
    pub input: String,
    /// Continue this session; `None` opens a new one.
    pub session: Option<i64>,
    pub origin: RunOrigin,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunOutcome {
    pub run_id: i64,
    pub session_id: i64,
    pub status: RunStatus,
    pub output: Option<String>,
    pub error: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: f64,
}

/// What cancelling a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// It was going here and was asked to stop; it ends recorded as cancelled.
    Stopping,
    /// It was interrupted or queued (going on nowhere) and is now recorded as cancelled.
    Dropped,
    /// Another process runs it and was asked to stop it: it ends cancelled there within one
    /// heartbeat.
    Requested,
}

/// Settings of an engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineConfig {
    pub retry: RetryPolicy,
    /// How often a run waiting for the user looks for the answer.
    pub human_input_poll: Duration,
    /// How long one MCP tool call may take before it is cancelled and reported as failed.
    pub mcp_call_timeout: Duration,
    /// The most text one message may carry (agent outputs, model answers, tool results);
    /// longer text is cut with a note.
    pub max_message_bytes: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            retry: RetryPolicy::default(),
            human_input_poll: Duration::from_millis(250),
            mcp_call_timeout: Duration::from_secs(300),
            max_message_bytes: crate::model::DEFAULT_MAX_MESSAGE_BYTES,
        }
    }
}

/// Runs workflows against one database file. Cheap to clone; clones share the writer.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
    running: RunHandles,
    /// This process's lease on its runs, renewed while the engine lives; taken by `close`.
    lease: Arc<Mutex<Option<Lease>>>,
}

impl Engine {
    /// An engine on the database at `db` (a file path or a [`Location`]), with its own writer and
    /// reader connections. It registers this process as an owner of runs on the database and
    /// keeps that lease renewed.
    pub fn open(db: impl Into<Location>, config: EngineConfig) -> Result<Engine, EngineError> {
        Engine::open_as(db, config, program_name())
    }

    /// [`Engine::open`], registering this process's run owner as `program` (what `run_owners`
    /// shows for it: a worker gives its name).
    pub fn open_as(
        db: impl Into<Location>,
        config: EngineConfig,
        program: String,
    ) -> Result<Engine, EngineError> {
        let db = db.into();
        let (writer, owner) = WriterHandle::start(&db, &program)?;
        let running = RunHandles::default();
        // A read-only file runs nothing, so there is no lease to keep on it.
        let lease = owner.map(|owner| Lease::keep(owner, program, writer.clone(), running.clone()));
        let owner = lease.as_ref().map(|lease| Arc::clone(&lease.owner));
        let reader = Arc::new(Mutex::new(Store::connect(&db)?));
        let (events, _) = broadcast::channel(4096);
        let shared = Shared {
            writer,
            owner,
            reader,
            events,
            retry: config.retry,
            human_input_poll: config.human_input_poll,
            mcp: Arc::new(crate::mcp::Connections::new()),
            mcp_call_timeout: config.mcp_call_timeout,
            max_message_bytes: config.max_message_bytes,
        };
        Ok(Engine { shared: Arc::new(shared), running, lease: Arc::new(Mutex::new(lease)) })
    }

    /// This process's run owner row, under which every run started here is held; on a read-only
    /// file, the error saying that nothing can run there.
    fn owner(&self) -> Result<OwnerId, EngineError> {
        self.shared.owner.as_ref().map(|owner| owner.get()).ok_or_else(|| {
            match self.shared.writer.refusal() {
                Some(refusal) => refusal.into(),
                None => EngineError::WriterGone("this process holds no lease on the file".into()),
            }
        })
    }

    /// A tracing layer that writes events at `min_level` and above to this engine's logs table.
    pub fn log_layer(&self, min_level: tracing::Level) -> DbLogLayer {
        DbLogLayer::new(self.shared.writer.clone(), min_level)
    }

    /// Waits until every record sent so far is written, gives up this process's lease on its runs
    /// (a run still going here is recorded as interrupted), then folds the write-ahead log back
    /// into the file, so that the next process starts on a clean file. Call it before the process
    /// exits; the engine runs nothing more afterwards.
    pub async fn close(&self) -> Result<(), EngineError> {
        if self.shared.owner.is_none() {
            // A read-only file: nothing was written, nothing is to be folded back.
            return Ok(());
        }
        self.shared.writer.flush().await?;
        let lease = self.lease.lock().ok().and_then(|mut lease| lease.take());
        if let Some(lease) = lease {
            let owner = lease.owner.get();
            drop(lease);
            let why = stop::interrupted_because(StopCause::Shutdown);
            let left = self.shared.writer.call(move |w| w.release_owner(owner, &why)).await?;
            if !left.is_empty() {
                tracing::warn!(?left, "runs still going at close were recorded as interrupted");
            }
        }
        let store = self
            .shared
            .reader
            .lock()
            .map_err(|_| EngineError::WriterGone("reader poisoned".into()))?;
        store.checkpoint()?;
        Ok(())
    }

    /// Events of every run from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RunEvent> {
        self.shared.events.subscribe()
    }

    /// Asks the run `run_id` to stop, to be recorded as cancelled; returns whether it was running here.
    pub fn cancel(&self, run_id: i64) -> bool {
        self.running.stop(run_id, StopCause::Cancelled)
    }

    /// Cancels run `run_id` wherever it stands: one going here is asked to stop (`Stopping`), an
    /// interrupted or queued one, going on nowhere, is marked cancelled at once so that it is not
    /// resumed or taken (`Dropped`), and one another process runs is asked of that process
    /// (`Requested`); `None` for a run that has ended.
    pub async fn cancel_or_drop(&self, run_id: i64) -> Result<Option<Cancelled>, EngineError> {
        if self.cancel(run_id) {
            return Ok(Some(Cancelled::Stopping));
        }
        let outcome = self
            .shared
            .writer
            .call(move |w| {
                if w.cancel_run_not_going(run_id)? {
                    return Ok(Some(Cancelled::Dropped));
                }
                Ok(w.request_cancel(run_id)?.then_some(Cancelled::Requested))
            })
            .await?;
        Ok(outcome)
    }

    /// Stops every run going here because the process is stopping (SIGTERM, Ctrl-C): each is
    /// recorded as interrupted, so that it can be resumed. Returns how many were asked to stop.
    pub fn interrupt_all(&self) -> usize {
        self.running.stop_all(StopCause::Shutdown)
    }

    /// Waits until no run is going here, or `limit` has passed; returns how many still are.
    pub async fn wait_idle(&self, limit: Duration) -> usize {
        self.running.wait_empty(limit).await
    }

    /// Runs `request` to its end. Errors before the run is recorded (an unknown target, a
    /// workflow that is not ready) are returned; a run that fails is an outcome with status failed.
    pub async fn run(&self, request: RunRequest) -> Result<RunOutcome, EngineError> {
        let (blueprint, session_id) = self.prepare(&request).await?;
        let target = blueprint.target.clone();
        let (input, origin) = (request.input.clone(), request.origin);
        let owner = self.owner()?;
        let run_id = self
            .shared
            .writer
            .call(move |w| w.create_run(session_id, &target, &input, origin, owner))
            .await?;
        self.drive(run_id, session_id, blueprint, request.target, request.input, None).await
    }

    /// What `request` runs, checked (an unknown target, a workflow that is not ready are errors),
    /// and its session: the one it names, or a new one titled after its input.
    async fn prepare(&self, request: &RunRequest) -> Result<(Blueprint, i64), EngineError> {
        let blueprint = self.read(|r| Ok(Blueprint::load(r, &request.target)))??;
        let session_id = match request.session {
            Some(id) => self.read(|r| r.session(id))?.id,
            None => {
                let target = blueprint.target.clone();
                let title = request.input.chars().take(80).collect::<String>();
                self.shared.writer.call(move |w| w.create_session(&target, &title)).await?
            }
        };
        Ok((blueprint, session_id))
    }

    /// Runs the root agent of the recorded run `run_id` to its end (answering from `replay`'s
    /// recording where it says so) and records how the run ended.
    async fn drive(
        &self,
        run_id: i64,
        session_id: i64,
        blueprint: Blueprint,
        label: String,
        input: String,
        replay: Option<Arc<ReplayPlan>>,
    ) -> Result<RunOutcome, EngineError> {
        let stop = self.running.insert(run_id);
        let root = blueprint.target.agent.clone();
        let mut ctx =
            RunContext::new(&self.shared, run_id, session_id, blueprint, Arc::clone(&stop));
        ctx.replay = replay;
        ctx.emit(RunEvent::RunStarted { run_id, session_id, target: label });

        let result = invoke(&ctx, &root, input, None, InvokeOptions::default()).await;
        let result = match replay::replay_divergence(&ctx) {
            Some(divergence) => Err(divergence),
            None => result,
        };
        let (status, output, error) = match result {
            Ok(invocation) => (RunStatus::Succeeded, Some(invocation.output), None),
            Err(EngineError::Cancelled) => match stop.cause() {
                Some(cause @ (StopCause::Shutdown | StopCause::LeaseLost)) => {
                    let why = format!(
                        "{}; resume it with `agentloom runs resume {run_id}`",
                        stop::interrupted_because(cause)
                    );
                    (RunStatus::Interrupted, None, Some(why))
                }
                _ => (RunStatus::Cancelled, None, Some("cancelled".to_owned())),
            },
            Err(error) => (RunStatus::Failed, None, Some(error.to_string())),
        };
        let (out, err, owner) = (output.clone(), error.clone(), self.owner()?);
        let recorded = self
            .shared
            .writer
            .call(move |w| {
                let ended = w.finish_run(run_id, owner, status, out.as_deref(), err.as_deref())?;
                Ok((ended, w.run(run_id)?))
            })
            .await;
        self.running.remove(run_id);
        let (ended, run) = recorded?;
        if !ended {
            tracing::warn!(
                run_id,
                "the run ended here after another process had recorded it as {}; that record stands",
                run.status
            );
        }
        ctx.emit(RunEvent::RunFinished {
            run_id,
            status: run.status,
            output: run.output.clone(),
            error: run.error.clone(),
        });
        Ok(RunOutcome::from(run))
    }
}

impl From<crate::model::Run> for RunOutcome {
    /// How the recorded run `run` ended.
    fn from(run: crate::model::Run) -> RunOutcome {
        RunOutcome {
            run_id: run.id,
            session_id: run.session_id,
            status: run.status,
            output: run.output,
            error: run.error,
            input_tokens: run.input_tokens,
            output_tokens: run.output_tokens,
            cost_usd: run.cost_usd,
        }
    }
}

/// What this process is, for the run owner row: the program's file name.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "agentloom".to_owned())
}
