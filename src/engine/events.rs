//! Run events: what the engine tells watchers (the CLI's progress lines, later the app's panels)
//! while a run goes. Text arrives in batches, never one event per token.

use serde::Serialize;

use crate::model::{RunStatus, SpanKind};

/// Something that happened in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    RunStarted {
        run_id: i64,
        session_id: i64,
        target: String,
    },
    SpanStarted {
        run_id: i64,
        span_id: i64,
        parent_span_id: Option<i64>,
        agent: String,
        kind: SpanKind,
        name: String,
    },
    /// Model output as it streams, batched.
    Text {
        run_id: i64,
        span_id: i64,
        agent: String,
        text: String,
    },
    /// The text streamed so far for `span_id` is dropped: the model call failed and is tried
    /// again (the retry streams anew), or its answer was cut to the message limit (the cut text
    /// follows as one `Text`).
    TextRetracted {
        run_id: i64,
        span_id: i64,
        agent: String,
    },
    SpanFinished {
        run_id: i64,
        span_id: i64,
        status: RunStatus,
        input_tokens: u64,
        output_tokens: u64,
        duration_ms: u64,
    },
    HumanInputRequested {
        run_id: i64,
        request_id: i64,
        agent: String,
        prompt: String,
    },
    HumanInputAnswered {
        run_id: i64,
        request_id: i64,
    },
    RunFinished {
        run_id: i64,
        status: RunStatus,
        output: Option<String>,
        error: Option<String>,
    },
}
