//! The engine: runs agents and workflows on tokio from the rows of the database, persisting every
//! step (runs, spans, messages, logs, human-input requests) through one batching writer, and
//! telling watchers what happens as `RunEvent`s.

mod blueprint;
mod context;
mod error;
mod events;
mod human;
mod invoke;
mod kinds;
mod logging;
mod mcp_tools;
mod model_call;
mod probes;
mod replay;
mod structured;
mod template;
mod tools;
mod writer;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

pub use blueprint::Blueprint;
pub use error::EngineError;
pub use events::RunEvent;
pub use invoke::Spent;
pub use logging::DbLogLayer;
pub use mcp_tools::clear_to_connect;
pub use probes::{McpProbe, probe_llm, probe_mcp};
pub use replay::{ReplayDefinitions, ReplayRequest};

use context::{RunContext, Shared};
use invoke::{InvokeOptions, invoke};
use replay::ReplayPlan;
use writer::WriterHandle;

use crate::llm::RetryPolicy;
use crate::model::{RunOrigin, RunStatus};
use crate::store::Store;

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

/// Settings of an engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineConfig {
    pub retry: RetryPolicy,
    /// How often a run waiting for the user looks for the answer.
    pub human_input_poll: Duration,
    /// How long one MCP tool call may take before it is cancelled and reported as failed.
    pub mcp_call_timeout: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            retry: RetryPolicy::default(),
            human_input_poll: Duration::from_millis(250),
            mcp_call_timeout: Duration::from_secs(300),
        }
    }
}

/// Runs workflows against one database file. Cheap to clone; clones share the writer.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
    running: Arc<Mutex<HashMap<i64, CancellationToken>>>,
}

impl Engine {
    /// An engine on the database at `path`, with its own writer and reader connections.
    pub fn open(path: &Path, config: EngineConfig) -> Result<Engine, EngineError> {
        let writer = WriterHandle::start(path)?;
        let reader = Arc::new(Mutex::new(Store::open(path)?));
        let (events, _) = broadcast::channel(4096);
        let shared = Shared {
            writer,
            reader,
            events,
            retry: config.retry,
            human_input_poll: config.human_input_poll,
            mcp: Arc::new(crate::mcp::Connections::new()),
            mcp_call_timeout: config.mcp_call_timeout,
        };
        Ok(Engine { shared: Arc::new(shared), running: Arc::new(Mutex::new(HashMap::new())) })
    }

    /// A tracing layer that writes events at `min_level` and above to this engine's logs table.
    pub fn log_layer(&self, min_level: tracing::Level) -> DbLogLayer {
        DbLogLayer::new(self.shared.writer.clone(), min_level)
    }

    /// Waits until every record sent so far is written, then folds the write-ahead log back into
    /// the file, so that the next process starts on a clean file. Call it before the process exits.
    pub async fn close(&self) -> Result<(), EngineError> {
        self.shared.writer.flush().await?;
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

    /// Asks the run `run_id` to stop; returns whether it was running here.
    pub fn cancel(&self, run_id: i64) -> bool {
        let running = self.running.lock().ok();
        running.and_then(|r| r.get(&run_id).cloned()).map(|token| token.cancel()).is_some()
    }

    /// Runs `request` to its end. Errors before the run is recorded (an unknown target, a
    /// workflow that is not ready) are returned; a run that fails is an outcome with status failed.
    pub async fn run(&self, request: RunRequest) -> Result<RunOutcome, EngineError> {
        let blueprint = {
            let store = self
                .shared
                .reader
                .lock()
                .map_err(|_| EngineError::WriterGone("reader poisoned".into()))?;
            store.read(|r| Ok(Blueprint::load(r, &request.target)))??
        };
        let target = blueprint.target.clone();
        let session_id = match request.session {
            Some(id) => {
                let store = self
                    .shared
                    .reader
                    .lock()
                    .map_err(|_| EngineError::WriterGone("reader poisoned".into()))?;
                store.read(|r| r.session(id))?.id
            }
            None => {
                let (target, title) =
                    (target.clone(), request.input.chars().take(80).collect::<String>());
                self.shared.writer.call(move |w| w.create_session(&target, &title)).await?
            }
        };
        let (run_target, input, origin) = (target.clone(), request.input.clone(), request.origin);
        let run_id = self
            .shared
            .writer
            .call(move |w| w.create_run(session_id, &run_target, &input, origin))
            .await?;
        self.drive(run_id, session_id, blueprint, request.target, request.input, None).await
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
        let cancel = CancellationToken::new();
        if let Ok(mut running) = self.running.lock() {
            running.insert(run_id, cancel.clone());
        }
        let root = blueprint.target.agent.clone();
        let mut ctx = RunContext::new(&self.shared, run_id, session_id, blueprint, cancel);
        ctx.replay = replay;
        ctx.emit(RunEvent::RunStarted { run_id, session_id, target: label });

        let result = invoke(&ctx, &root, input, None, InvokeOptions::default()).await;
        let result = match replay::replay_divergence(&ctx) {
            Some(divergence) => Err(divergence),
            None => result,
        };
        let (status, output, error) = match result {
            Ok(invocation) => (RunStatus::Succeeded, Some(invocation.output), None),
            Err(EngineError::Cancelled) => {
                (RunStatus::Cancelled, None, Some("cancelled".to_owned()))
            }
            Err(error) => (RunStatus::Failed, None, Some(error.to_string())),
        };
        let (out, err) = (output.clone(), error.clone());
        let run = self
            .shared
            .writer
            .call(move |w| {
                w.finish_run(run_id, status, out.as_deref(), err.as_deref())?;
                w.run(run_id)
            })
            .await?;
        if let Ok(mut running) = self.running.lock() {
            running.remove(&run_id);
        }
        ctx.emit(RunEvent::RunFinished {
            run_id,
            status,
            output: output.clone(),
            error: error.clone(),
        });
        Ok(RunOutcome {
            run_id,
            session_id,
            status,
            output,
            error,
            input_tokens: run.input_tokens,
            output_tokens: run.output_tokens,
            cost_usd: run.cost_usd,
        })
    }
}
