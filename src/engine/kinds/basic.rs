//! A basic agent: its instruction rendered as the system prompt, its history from the session
//! when `use_history` is on, and a tool loop bounded by `max_iterations`. Every message it sends
//! or receives is committed before the next step depends on it.

use std::collections::BTreeMap;

use crate::engine::error::EngineError;
use crate::engine::invoke::{InvokeOptions, Step};
use crate::engine::mcp_tools::{fill_mcp_placeholders, mcp_placeholders, mcp_tools};
use crate::engine::model_call::{agent_params, call_model};
use crate::engine::template::render;
use crate::engine::tools::{execute, tools_for};
use crate::llm::{ChatMessage, ChatRequest, RequestParams, ToolCall};
use crate::model::{ContentPart, Message, Role};
use crate::store::NewMessage;

/// How many model calls a tool loop may make, unless the request parameters say otherwise.
const DEFAULT_MAX_ITERATIONS: u32 = 20;

pub async fn run(
    step: &mut Step<'_>,
    input: String,
    options: &InvokeOptions,
) -> Result<String, EngineError> {
    let ctx = step.ctx;
    let agent = step.agent;
    let name = agent.spec.name.as_str();
    let config = match &options.llm_override {
        Some(llm) => ctx.blueprint.llm_config(llm)?,
        None => ctx.blueprint.llm_for(agent, None)?,
    };
    let mut values = placeholders(step, &input)?;
    // The input may take a server's prompt (as the user message) or a resource (attached to it).
    let mut attachments = mcp_placeholders(ctx, agent, &input, &mut values).await?;
    let input = fill_mcp_placeholders(&input, &values);
    values.insert("input".into(), input.clone());
    attachments.extend(mcp_placeholders(ctx, agent, &agent.spec.instruction, &mut values).await?);
    let system =
        render(&agent.spec.instruction, &values).map_err(|why| EngineError::agent(name, why))?;
    let mut messages =
        if agent.spec.use_history { to_chat(&ctx.agent_history(name)?) } else { Vec::new() };
    let mut content = vec![ContentPart::text(input.clone())];
    content.extend(attachments);
    record(step, Role::User, content, None).await?;
    messages.push(ChatMessage::user(input));

    let mut tools = tools_for(ctx, agent)?;
    // A replay that runs nothing live answers MCP calls from the recording: no server is reached.
    if !ctx.replays_everything() {
        tools.extend(mcp_tools(ctx, agent).await?);
    }
    let specs: Vec<_> = tools.iter().map(|(spec, _)| spec.clone()).collect();
    let max_iterations =
        agent_params(agent, config)?.max_iterations.unwrap_or(DEFAULT_MAX_ITERATIONS);
    for _ in 0..max_iterations {
        let request = ChatRequest {
            system: Some(system.clone()).filter(|s| !s.trim().is_empty()),
            messages: messages.clone(),
            tools: specs.clone(),
            params: RequestParams {
                response_format: options.response_format.clone(),
                ..RequestParams::default()
            },
        };
        let (response, spent) = call_model(ctx, agent, config, step.span, request).await?;
        step.spent += spent;
        let reply = NewReply {
            model: response.model.clone(),
            usage: Some((spent.usage.input_tokens, spent.usage.output_tokens)),
        };
        if !response.text.is_empty() || response.tool_calls.is_empty() {
            record(
                step,
                Role::Assistant,
                vec![ContentPart::text(response.text.clone())],
                Some(&reply),
            )
            .await?;
        }
        for call in &response.tool_calls {
            record_tool_call(step, call).await?;
        }
        messages.push(ChatMessage::Assistant {
            text: response.text.clone(),
            tool_calls: response.tool_calls.clone(),
        });
        if response.tool_calls.is_empty() {
            return Ok(response.text);
        }
        let span = step.span;
        let runs = response.tool_calls.iter().map(|call| {
            let tool = tools.iter().find(|(spec, _)| spec.name == call.name).map(|(_, tool)| tool);
            execute(ctx, agent, span, call, tool)
        });
        for (call, outcome) in
            response.tool_calls.iter().zip(futures_util::future::join_all(runs).await)
        {
            let outcome = outcome?;
            step.spent += outcome.spent;
            let part = ContentPart::ToolResult {
                call_id: call.id.clone(),
                name: call.name.clone(),
                content: outcome.content.clone(),
                is_error: outcome.is_error,
            };
            let mut parts = vec![part];
            parts.extend(ctx.take_tool_parts(&call.id));
            let message = new_message(step, Role::ToolResponse, parts, None);
            let message = NewMessage {
                tool_call_id: Some(call.id.clone()),
                tool_name: Some(call.name.clone()),
                ..message
            };
            ctx.writer.call(move |w| w.append_message(&message)).await?;
            messages.push(ChatMessage::Tool {
                call_id: call.id.clone(),
                name: call.name.clone(),
                content: outcome.content,
                is_error: outcome.is_error,
            });
        }
    }
    Err(EngineError::agent(
        name,
        format!("made {max_iterations} model calls (max_iterations) without a final answer"),
    ))
}

/// The values an instruction may use: `input`, the session's variables, and the agent's state
/// (its session state over its state across sessions).
fn placeholders(step: &Step<'_>, input: &str) -> Result<BTreeMap<String, String>, EngineError> {
    let ctx = step.ctx;
    let name = step.agent.spec.name.as_str();
    let (session, global, own) = ctx.read(|r| {
        Ok((
            r.session(ctx.session_id)?,
            r.state_entries(name, None)?,
            r.state_entries(name, Some(ctx.session_id))?,
        ))
    })?;
    let text = |value: serde_json::Value| match value {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    };
    let mut values: BTreeMap<String, String> =
        global.into_iter().map(|(k, v)| (k, text(v))).collect();
    values.extend(own.into_iter().map(|(k, v)| (k, text(v))));
    values.extend(session.variables.into_iter().map(|(k, v)| (k, text(v))));
    values.insert("input".into(), input.to_owned());
    Ok(values)
}

/// The model and token counts of an assistant message.
struct NewReply {
    model: String,
    usage: Option<(u64, u64)>,
}

fn new_message(
    step: &Step<'_>,
    role: Role,
    content: Vec<ContentPart>,
    reply: Option<&NewReply>,
) -> NewMessage {
    NewMessage {
        session_id: step.ctx.session_id,
        run_id: Some(step.ctx.run_id),
        span_id: Some(step.span),
        agent: Some(step.agent.spec.name.clone()),
        role,
        content,
        model: reply.map(|r| r.model.clone()),
        input_tokens: reply.and_then(|r| r.usage.map(|u| u.0)),
        output_tokens: reply.and_then(|r| r.usage.map(|u| u.1)),
        latency_ms: None,
        tool_call_id: None,
        tool_name: None,
    }
}

async fn record(
    step: &Step<'_>,
    role: Role,
    content: Vec<ContentPart>,
    reply: Option<&NewReply>,
) -> Result<(), EngineError> {
    let message = new_message(step, role, content, reply);
    step.ctx.writer.call(move |w| w.append_message(&message)).await?;
    Ok(())
}

async fn record_tool_call(step: &Step<'_>, call: &ToolCall) -> Result<(), EngineError> {
    let part = ContentPart::ToolCall {
        id: call.id.clone(),
        name: call.name.clone(),
        arguments: call.arguments.clone(),
    };
    let message = NewMessage {
        tool_call_id: Some(call.id.clone()),
        tool_name: Some(call.name.clone()),
        ..new_message(step, Role::ToolCall, vec![part], None)
    };
    step.ctx.writer.call(move |w| w.append_message(&message)).await?;
    Ok(())
}

/// An agent's stored conversation as model turns: tool calls join the assistant turn before them.
fn to_chat(history: &[Message]) -> Vec<ChatMessage> {
    let mut turns: Vec<ChatMessage> = Vec::new();
    for message in history {
        match message.role {
            Role::User => turns.push(ChatMessage::user(message.text())),
            Role::Assistant => turns.push(ChatMessage::assistant(message.text())),
            Role::ToolCall => {
                for part in &message.content {
                    if let ContentPart::ToolCall { id, name, arguments } = part {
                        let call = ToolCall {
                            id: id.clone(),
                            name: name.clone(),
                            arguments: arguments.clone(),
                        };
                        match turns.last_mut() {
                            Some(ChatMessage::Assistant { tool_calls, .. }) => {
                                tool_calls.push(call)
                            }
                            _ => turns.push(ChatMessage::Assistant {
                                text: String::new(),
                                tool_calls: vec![call],
                            }),
                        }
                    }
                }
            }
            Role::ToolResponse => {
                for part in &message.content {
                    if let ContentPart::ToolResult { call_id, name, content, is_error } = part {
                        turns.push(ChatMessage::Tool {
                            call_id: call_id.clone(),
                            name: name.clone(),
                            content: content.clone(),
                            is_error: *is_error,
                        });
                    }
                }
            }
            Role::System => {}
        }
    }
    turns
}
