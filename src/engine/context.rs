//! The shared state of one run: its ids, blueprint, connections, providers, events and cancellation.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::blueprint::Blueprint;
use super::error::EngineError;
use super::events::RunEvent;
use super::lease::CurrentOwner;
use super::stop::RunStop;
use super::writer::WriterHandle;
use crate::llm::{Provider, RetryPolicy, provider_for, scrub_secrets};
use crate::mcp::Connections;
use crate::model::{ContentPart, JsonObject, LlmConfig, RunStatus, SpanKind, cut_to_limit};
use crate::store::{NewSpan, Reader, SpanEnd, Store};

/// Everything the agents of one run share.
pub struct RunContext {
    pub run_id: i64,
    pub session_id: i64,
    pub blueprint: Blueprint,
    pub writer: WriterHandle,
    pub cancel: CancellationToken,
    /// Why the run was stopped, when it was: cancelled, or interrupted with its process.
    pub stop: Arc<RunStop>,
    pub retry: RetryPolicy,
    /// How often a waiting agent looks for the user's answer.
    pub human_input_poll: Duration,
    /// In a replay: the recording that answers its steps.
    pub replay: Option<Arc<super::replay::ReplayPlan>>,
    /// The engine's MCP connections, shared by its runs.
    pub mcp: Arc<Connections>,
    /// How long one MCP tool call may take.
    pub mcp_call_timeout: Duration,
    /// The most text one message (an output, an answer, a tool result) may carry.
    pub max_message_bytes: usize,
    reader: Arc<Mutex<Store>>,
    events: broadcast::Sender<RunEvent>,
    providers: Mutex<HashMap<String, Arc<dyn Provider>>>,
    /// Parts of MCP tool results beyond their text (images, resources, structured content), by
    /// tool call id, until the agent stores the result message.
    tool_parts: Mutex<HashMap<String, Vec<ContentPart>>>,
}

/// The parts of a context that outlive one run.
pub struct Shared {
    pub writer: WriterHandle,
    /// This process's run owner row: every run started here is held under it (`None` on a
    /// read-only file, where nothing runs).
    pub owner: Option<Arc<CurrentOwner>>,
    pub reader: Arc<Mutex<Store>>,
    pub events: broadcast::Sender<RunEvent>,
    pub retry: RetryPolicy,
    pub human_input_poll: Duration,
    pub mcp: Arc<Connections>,
    pub mcp_call_timeout: Duration,
    pub max_message_bytes: usize,
}

impl RunContext {
    /// The context of run `run_id` in `session_id`.
    pub fn new(
        shared: &Shared,
        run_id: i64,
        session_id: i64,
        blueprint: Blueprint,
        stop: Arc<RunStop>,
    ) -> RunContext {
        RunContext {
            run_id,
            session_id,
            blueprint,
            writer: shared.writer.clone(),
            cancel: stop.token.clone(),
            stop,
            retry: shared.retry,
            human_input_poll: shared.human_input_poll,
            replay: None,
            mcp: Arc::clone(&shared.mcp),
            mcp_call_timeout: shared.mcp_call_timeout,
            max_message_bytes: shared.max_message_bytes,
            reader: Arc::clone(&shared.reader),
            events: shared.events.clone(),
            providers: Mutex::new(HashMap::new()),
            tool_parts: Mutex::new(HashMap::new()),
        }
    }

    /// Reads from the database on the engine's read connection.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Reader<'_>) -> crate::store::Result<T>,
    ) -> Result<T, EngineError> {
        let store = self
            .reader
            .lock()
            .map_err(|_| EngineError::WriterGone("the read connection is poisoned".into()))?;
        Ok(store.read(f)?)
    }

    /// `text` as the engine stores and passes it on: every secret the process resolved scrubbed
    /// out, and cut to the message limit (with a note when it was longer).
    pub fn stored_text(&self, text: String) -> String {
        let text = match scrub_secrets(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(scrubbed) => scrubbed,
        };
        cut_to_limit(text, self.max_message_bytes)
    }

    /// Keeps the extra parts of tool call `call_id`'s result for the message that stores it.
    pub fn keep_tool_parts(&self, call_id: &str, parts: Vec<ContentPart>) {
        if let Ok(mut kept) = self.tool_parts.lock() {
            kept.insert(call_id.to_owned(), parts);
        }
    }

    /// The extra parts kept for tool call `call_id` (none for most tools).
    pub fn take_tool_parts(&self, call_id: &str) -> Vec<ContentPart> {
        self.tool_parts.lock().ok().and_then(|mut kept| kept.remove(call_id)).unwrap_or_default()
    }

    /// Tells watchers what happened; nobody listening is fine.
    pub fn emit(&self, event: RunEvent) {
        let _ = self.events.send(event);
    }

    /// The run's provider for `config`, made on first use (offline models keep per-run state).
    /// A config whose key reference waits for the user's approval is refused before its key is
    /// ever resolved.
    pub fn provider(
        &self,
        agent: &str,
        config: &LlmConfig,
    ) -> Result<Arc<dyn Provider>, EngineError> {
        if let Some(why) = config.unapproved() {
            let name = &config.spec.name;
            return Err(EngineError::agent(
                agent,
                format!("LLM config \"{name}\" {}", why.explain("llm", name)),
            ));
        }
        let mut providers = self
            .providers
            .lock()
            .map_err(|_| EngineError::agent(agent, "provider cache poisoned"))?;
        if let Some(provider) = providers.get(&config.spec.name) {
            return Ok(Arc::clone(provider));
        }
        let provider = provider_for(&config.spec)
            .map_err(|source| EngineError::Llm { agent: agent.to_owned(), source })?;
        providers.insert(config.spec.name.clone(), Arc::clone(&provider));
        Ok(provider)
    }

    /// Records a span that starts now under `parent` and announces it.
    pub async fn start_span(
        &self,
        parent: Option<i64>,
        agent: &str,
        kind: SpanKind,
        name: &str,
        input: Option<String>,
        attributes: JsonObject,
    ) -> Result<i64, EngineError> {
        let span = NewSpan {
            run_id: self.run_id,
            parent_span_id: parent,
            agent: agent.to_owned(),
            kind,
            name: name.to_owned(),
            input,
            attributes,
        };
        let span_id = self.writer.call(move |w| w.create_span(&span)).await?;
        self.emit(RunEvent::SpanStarted {
            run_id: self.run_id,
            span_id,
            parent_span_id: parent,
            agent: agent.to_owned(),
            kind,
            name: name.to_owned(),
        });
        Ok(span_id)
    }

    /// Records how a span ended and announces it.
    pub fn finish_span(&self, span_id: i64, mut end: SpanEnd) {
        end.error = end.error.map(|error| scrub_secrets(&error).into_owned());
        self.emit(RunEvent::SpanFinished {
            run_id: self.run_id,
            span_id,
            status: end.status,
            input_tokens: end.input_tokens,
            output_tokens: end.output_tokens,
            duration_ms: end.duration_ms,
        });
        self.writer.send(move |w| w.finish_span(span_id, &end));
    }

    /// The status a step ends with when the run was stopped under it.
    pub fn stopped_status(&self) -> RunStatus {
        self.stop.stopped_status()
    }

    /// Moves the run and one of its spans to `status` (waiting while the user answers, running after).
    pub fn set_waiting(&self, span_id: i64, waiting: bool) {
        let run = self.run_id;
        self.writer.send(move |w| mark_waiting(w, run, span_id, waiting));
    }
}

/// Marks run `run` and its span `span_id` waiting for a person (or running again).
pub(super) fn mark_waiting(
    w: &crate::store::Writer<'_>,
    run: i64,
    span_id: i64,
    waiting: bool,
) -> crate::store::Result<()> {
    let status = if waiting { RunStatus::Waiting } else { RunStatus::Running };
    w.set_run_status(run, status)?;
    w.set_span_status(span_id, status)
}
