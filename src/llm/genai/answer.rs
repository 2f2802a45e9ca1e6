//! Collecting genai's stream into one answer: text deltas, tool calls, usage, and an end that
//! must arrive without the stream falling silent for longer than its idle limit.

use std::time::Duration;

use futures_util::StreamExt;
use genai::chat::{self as wire, ChatStreamEvent, StreamEnd};
use serde_json::{Map, Value};

use crate::llm::chat::{ChatResponse, ToolCall, Usage};
use crate::llm::error::LlmError;
use crate::llm::provider::TextSink;

use super::errors::{ErrorContext, shorten};

/// Reads the stream to its end, handing text deltas to `on_text`. A stream that stops before
/// its end-of-stream event was cut off, and is an error rather than a short answer; one that
/// sends nothing for `idle` has stalled.
pub(super) async fn collect(
    mut stream: wire::ChatStream,
    on_text: TextSink<'_>,
    errors: &ErrorContext<'_>,
    model: &str,
    idle: Duration,
) -> Result<ChatResponse, LlmError> {
    let mut text = String::new();
    loop {
        let next = tokio::time::timeout(idle, stream.next());
        let Some(event) = next.await.map_err(|_| LlmError::StreamIdle(idle))? else { break };
        match event.map_err(|e| errors.map(&e))? {
            ChatStreamEvent::Chunk(chunk) => {
                on_text(&chunk.content);
                text.push_str(&chunk.content);
            }
            ChatStreamEvent::End(end) => return finish(text, end, model),
            // Start, heartbeats, reasoning, and tool-call pieces (collected whole at the end).
            _ => {}
        }
    }
    Err(LlmError::Network(format!(
        "the answer stream was cut off before the model finished ({} characters of text arrived)",
        text.chars().count()
    )))
}

pub(super) fn finish(
    text: String,
    mut end: StreamEnd,
    model: &str,
) -> Result<ChatResponse, LlmError> {
    let tokens = |count: Option<i32>| count.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
    let usage = end
        .captured_usage
        .take()
        .map(|usage| Usage {
            input_tokens: tokens(usage.prompt_tokens),
            output_tokens: tokens(usage.completion_tokens),
        })
        .unwrap_or_default();
    let cut_off = end.captured_stop_reason.take().is_some_and(|reason| reason.is_max_tokens());
    let calls = end.captured_into_tool_calls().unwrap_or_default();
    if let (true, Some(last)) = (cut_off, calls.last()) {
        return Err(LlmError::Malformed(format!(
            "the answer reached max_tokens in the middle of a call to tool \"{}\"",
            last.fn_name
        )));
    }
    let tool_calls = calls.into_iter().map(tool_call).collect::<Result<Vec<_>, _>>()?;
    Ok(ChatResponse { text, tool_calls, usage, model: model.to_owned() })
}

/// A streamed tool call with its arguments, which must be a JSON object.
pub(super) fn tool_call(call: wire::ToolCall) -> Result<ToolCall, LlmError> {
    let malformed = |raw: &str| {
        LlmError::Malformed(format!(
            "the arguments of the call to tool \"{}\" (id {}) are not a JSON object: {}",
            call.fn_name,
            call.call_id,
            shorten(raw, 200)
        ))
    };
    let arguments = match &call.fn_arguments {
        Value::Object(_) => call.fn_arguments.clone(),
        // Some OpenAI-compatible servers send nothing for a call without arguments.
        Value::Null => Value::Object(Map::new()),
        Value::String(raw) if raw.trim().is_empty() => Value::Object(Map::new()),
        // genai leaves arguments it could not parse as the raw text.
        Value::String(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(parsed @ Value::Object(_)) => parsed,
            _ => return Err(malformed(raw)),
        },
        other => return Err(malformed(&other.to_string())),
    };
    Ok(ToolCall { id: call.call_id, name: call.fn_name, arguments })
}

// ---- Errors ------------------------------------------------------------------------------------
