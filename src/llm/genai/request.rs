//! Our chat requests and parameters as genai requests and options, per wire format.

use genai::chat::{self as wire, ChatOptions, ContentPart, JsonSpec};
use serde_json::{Value, json};

use crate::llm::chat::{ChatMessage, ChatRequest, RequestParams, ToolCall, ToolSpec};

use super::Wire;

/// Our request as genai's. Consecutive tool results travel as one tool turn.
pub(super) fn to_wire_request(request: &ChatRequest, wire_format: Wire) -> wire::ChatRequest {
    let mut messages = Vec::new();
    let mut results = Vec::new();
    for message in &request.messages {
        let turn = match message {
            ChatMessage::Tool { call_id, name, content, is_error } => {
                results.push(tool_result(call_id, name, content, *is_error, wire_format));
                continue;
            }
            ChatMessage::User { text } => wire::ChatMessage::user(text.as_str()),
            ChatMessage::Assistant { text, tool_calls } => assistant_turn(text, tool_calls),
        };
        if !results.is_empty() {
            messages.push(wire::ChatMessage::tool(std::mem::take(&mut results)));
        }
        messages.push(turn);
    }
    if !results.is_empty() {
        messages.push(wire::ChatMessage::tool(results));
    }
    let mut wire_request = wire::ChatRequest::new(messages);
    if let Some(system) = request.system.as_deref().filter(|s| !s.is_empty()) {
        wire_request = wire_request.with_system(system);
    }
    if !request.tools.is_empty() {
        wire_request = wire_request.with_tools(request.tools.iter().map(wire_tool));
    }
    wire_request
}

pub(super) fn assistant_turn(text: &str, tool_calls: &[ToolCall]) -> wire::ChatMessage {
    let mut parts = Vec::new();
    if !text.is_empty() || tool_calls.is_empty() {
        parts.push(ContentPart::from_text(text));
    }
    parts.extend(tool_calls.iter().map(|call| {
        ContentPart::ToolCall(wire::ToolCall {
            call_id: call.id.clone(),
            fn_name: call.name.clone(),
            fn_arguments: call.arguments.clone(),
            thought_signatures: None,
        })
    }));
    wire::ChatMessage::assistant(parts)
}

/// A tool result. genai has no error flag on tool results, so for Anthropic, whose wire has one,
/// a failed call's result is written as the raw `tool_result` block.
pub(super) fn tool_result(
    call_id: &str,
    name: &str,
    content: &str,
    is_error: bool,
    wire_format: Wire,
) -> ContentPart {
    if is_error && wire_format == Wire::Anthropic {
        return ContentPart::from_custom(
            json!({"type": "tool_result", "tool_use_id": call_id, "content": content, "is_error": true}),
            None,
        );
    }
    ContentPart::ToolResponse(wire::ToolResponse::new(call_id, content).with_fn_name(name))
}

pub(super) fn wire_tool(tool: &ToolSpec) -> wire::Tool {
    let wire_tool = wire::Tool::new(tool.name.as_str()).with_schema(tool.input_schema.clone());
    if tool.description.is_empty() {
        wire_tool
    } else {
        wire_tool.with_description(&tool.description)
    }
}

/// The request parameters genai sends; usage and tool calls are always captured.
pub(super) fn chat_options(
    params: &RequestParams,
    has_tools: bool,
    wire_format: Wire,
) -> ChatOptions {
    let mut options = ChatOptions::default().with_capture_usage(true).with_capture_tool_calls(true);
    if let Some(temperature) = params.temperature {
        options = options.with_temperature(temperature);
    }
    if let Some(top_p) = params.top_p {
        options = options.with_top_p(top_p);
    }
    if let Some(max_tokens) = params.max_tokens {
        options = options.with_max_tokens(max_tokens);
    }
    if let Some(stop) = params.stop.as_ref().filter(|stop| !stop.is_empty()) {
        options = options.with_stop_sequences(stop.clone());
    }
    if let Some(schema) = &params.response_format {
        // OpenAI wire: `response_format: json_schema`; Anthropic: `output_config.format`;
        // Gemini: its response schema. genai adapts the schema to each dialect.
        options = options.with_response_format(JsonSpec::new(schema_name(schema), schema.clone()));
    }
    // genai has no option for parallel tool calls, so it goes in the body where the wire has one
    // (OpenAI wire: `parallel_tool_calls`; Anthropic: `disable_parallel_tool_use`, its default
    // being parallel). Gemini has no such switch. Both wires refuse it without tools.
    match (params.parallel_tool_calls, wire_format) {
        (Some(parallel), Wire::OpenAi) if has_tools => {
            options = options.with_extra_body(json!({"parallel_tool_calls": parallel}));
        }
        (Some(false), Wire::Anthropic) if has_tools => {
            options = options.with_extra_body(
                json!({"tool_choice": {"type": "auto", "disable_parallel_tool_use": true}}),
            );
        }
        _ => {}
    }
    options
}

/// The name OpenAI wants for a response schema: its `title` in the characters allowed there,
/// or `response`.
pub(super) fn schema_name(schema: &Value) -> String {
    let title: String = schema
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .take(64)
        .collect();
    if title.trim_matches('_').is_empty() { "response".into() } else { title }
}

// ---- Answers -----------------------------------------------------------------------------------
