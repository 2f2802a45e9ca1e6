//! MCP servers in runs: the tools of an agent's linked servers (`server__tool`, narrowed by the
//! link's allow-list), their calls with cancellation, and the server's requests during a call:
//! sampling answered by an LLM as a `sampling` span, elicitation as a human_input_requests row,
//! progress and log notifications into the logs table.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::context::RunContext;
use super::error::EngineError;
use super::human::{Reply, ask_as};
use super::invoke::Spent;
use super::model_call::finish_model_span;
use super::tools::Tool;
use crate::llm::{ChatMessage, ChatRequest, LlmError, RequestParams, ToolSpec, call_with_retry};
use crate::mcp::{
    CallOptions, Cleared, ElicitationAnswer, ElicitationRequest, McpError, SamplingAnswer,
    SamplingRequest, ServerAsk, part_text,
};
use crate::model::{
    Agent, ContentPart, HumanInputSource, JsonObject, LogLevel, McpServer, Role, SecretRef,
    SpanKind, cut_part_to_limit,
};
use crate::store::NewLog;

/// What separates a server's name from its tool's in the names agents see.
pub const SEPARATOR: &str = "__";

/// `server` cleared for connecting: refused while it waits for the user's approval, otherwise
/// with its env and header secret references (`env:`, `keyring:`) replaced by their values.
/// Errors name the key, never a value.
pub fn clear_to_connect(server: &McpServer) -> Result<Cleared, String> {
    let name = &server.spec.name;
    let cleared = Cleared::check(server, |mut spec| {
        for (what, values) in [("env", &mut spec.env), ("header", &mut spec.headers)] {
            for (key, value) in values.iter_mut() {
                if let Ok(reference) = value.parse::<SecretRef>() {
                    *value = crate::llm::resolve(&reference)
                        .map_err(|e| format!("MCP server \"{name}\": {what} {key}: {e}"))?;
                }
            }
        }
        Ok(spec)
    });
    cleared.map_err(|e| e.to_string())
}

/// The MCP tools `agent` may call: those of each linked server, narrowed by the link's
/// allow-list. A server that cannot be reached fails the agent with a message naming it.
pub async fn mcp_tools(
    ctx: &RunContext,
    agent: &Agent,
) -> Result<Vec<(ToolSpec, Tool)>, EngineError> {
    let name = agent.spec.name.as_str();
    let mut tools = Vec::new();
    for link in &agent.mcp_servers {
        let server = ctx.read(|r| r.mcp_server(&link.server))?;
        let server = clear_to_connect(&server).map_err(|why| EngineError::agent(name, why))?;
        let listed = async { ctx.mcp.get(&server).await?.tools().await };
        let listed = tokio::select! {
            listed = listed => listed.map_err(|e| EngineError::agent(name, e.to_string()))?,
            _ = ctx.cancel.cancelled() => return Err(EngineError::Cancelled),
        };
        for tool in listed {
            let allowed = link.allowed_tools.as_ref().is_none_or(|a| a.contains(&tool.name));
            if allowed {
                let spec = ToolSpec {
                    name: format!("{}{SEPARATOR}{}", link.server, tool.name),
                    description: tool.description,
                    input_schema: tool.input_schema,
                };
                let tool = Tool::Mcp { server: link.server.clone(), tool: tool.name };
                tools.push((spec, tool));
            }
        }
    }
    Ok(tools)
}

/// Fills the values of the `{{mcp_prompt:SERVER/PROMPT}}` and `{{mcp_resource:SERVER/URI}}`
/// placeholders of `text` (an instruction, or an input) into `values`: a prompt rendered with the
/// arguments found among the other values (input, session variables, state), a resource's text.
/// The resources are returned as parts to attach to the agent's user message. The server must be
/// linked to the agent.
pub async fn mcp_placeholders(
    ctx: &RunContext,
    agent: &Agent,
    text: &str,
    values: &mut BTreeMap<String, String>,
) -> Result<Vec<ContentPart>, EngineError> {
    let name = agent.spec.name.as_str();
    let fail = |why: String| EngineError::agent(name, why);
    let mut attachments = Vec::new();
    for placeholder in placeholders_in(text) {
        if !is_mcp_placeholder(&placeholder) || values.contains_key(&placeholder) {
            continue;
        }
        let Some((kind, reference)) = placeholder.split_once(':') else { continue };
        // A replay that runs nothing live reaches no server; its model answers are recorded.
        if ctx.replays_everything() {
            values.insert(placeholder.clone(), format!("[{placeholder}: not fetched in a replay]"));
            continue;
        }
        let (server, item) = reference.split_once('/').ok_or_else(|| {
            fail(format!(
                "{{{{{placeholder}}}}}: write {kind}:SERVER/{}",
                if kind == "mcp_prompt" { "PROMPT" } else { "URI" }
            ))
        })?;
        if !agent.mcp_servers.iter().any(|l| l.server == server) {
            return Err(fail(format!(
                "its instruction uses MCP server \"{server}\", which is not linked to it"
            )));
        }
        let row = ctx.read(|r| r.mcp_server(server))?;
        let row = clear_to_connect(&row).map_err(fail)?;
        let connection = ctx.mcp.get(&row).await.map_err(|e| fail(e.to_string()))?;
        let text = if kind == "mcp_prompt" {
            let prompts = connection.prompts().await.map_err(|e| fail(e.to_string()))?;
            let prompt = prompts.iter().find(|p| p.name == item).ok_or_else(|| {
                fail(format!("MCP server \"{server}\" has no prompt named \"{item}\""))
            })?;
            let mut arguments = serde_json::Map::new();
            for argument in &prompt.arguments {
                match values.get(&argument.name) {
                    Some(value) => {
                        arguments.insert(argument.name.clone(), Value::String(value.clone()));
                    }
                    None if argument.required => {
                        return Err(fail(format!(
                            "prompt \"{item}\" of MCP server \"{server}\" needs \"{}\": set it \
                             as a session variable or agent state",
                            argument.name
                        )));
                    }
                    None => {}
                }
            }
            let messages =
                connection.prompt(item, &arguments).await.map_err(|e| fail(e.to_string()))?;
            messages
                .iter()
                .flat_map(|m| m.parts.iter())
                .filter_map(part_text)
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            let parts = connection.read(item).await.map_err(|e| fail(e.to_string()))?;
            let parts: Vec<ContentPart> =
                parts.into_iter().map(|p| cut_part_to_limit(p, ctx.max_message_bytes)).collect();
            let text = parts.iter().filter_map(part_text).collect::<Vec<_>>().join("\n");
            attachments.extend(parts);
            text
        };
        values.insert(placeholder, text);
    }
    Ok(attachments)
}

fn is_mcp_placeholder(name: &str) -> bool {
    name.starts_with("mcp_prompt:") || name.starts_with("mcp_resource:")
}

/// `text` with its MCP placeholders replaced by their `values`; other `{{...}}` stay as written
/// (an input is not a template).
pub fn fill_mcp_placeholders(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        out.push_str(&rest[..start]);
        match values.get(name).filter(|_| is_mcp_placeholder(name)) {
            Some(value) => out.push_str(value),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The names of the `{{...}}` placeholders of `template`, trimmed.
fn placeholders_in(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim().to_owned());
        rest = &after[end + 2..];
    }
    names
}

/// Calls `tool` of `server` for `agent` under span `span`, answering what the server asks
/// meanwhile. `Err(message)` is a failure the model is told about (the server crashed, timed
/// out, refused); an engine error (cancellation, the database) ends the agent. The parts of the
/// result beyond its text are kept on `ctx` for the message that stores it.
pub async fn call(
    ctx: &RunContext,
    agent: &Agent,
    span: i64,
    call_id: &str,
    (server, tool): (&str, &str),
    arguments: Value,
) -> Result<Result<(String, Spent), String>, EngineError> {
    let row = ctx.read(|r| r.mcp_server(server))?;
    let cleared = match clear_to_connect(&row) {
        Ok(cleared) => cleared,
        Err(why) => return Ok(Err(why)),
    };
    let connection = match ctx.mcp.get(&cleared).await {
        Ok(connection) => connection,
        Err(error) => return Ok(Err(error.to_string())),
    };
    let (asks_tx, mut asks) = mpsc::unbounded_channel();
    // The call's time limit is kept here, so that the time spent answering the server (a user
    // filling in an elicitation, a sampling model) does not count against it.
    let call_cancel = ctx.cancel.child_token();
    let options = CallOptions { timeout: None, cancel: call_cancel.clone(), asks: Some(asks_tx) };
    let call = connection.call_tool(tool, arguments, options);
    tokio::pin!(call);
    let mut spent = Spent::default();
    let mut deadline = tokio::time::Instant::now() + ctx.mcp_call_timeout;
    let mut timed_out = false;
    let result = loop {
        tokio::select! {
            result = &mut call => break result,
            Some(ask) = asks.recv() => {
                let started = tokio::time::Instant::now();
                spent += answer(ctx, agent, span, &row, ask).await?;
                deadline += started.elapsed();
            }
            _ = tokio::time::sleep_until(deadline), if !timed_out => {
                timed_out = true;
                call_cancel.cancel();
            }
        }
    };
    // Notifications the server sent before its answer are already queued (they are routed as
    // they are read); the loop above may have ended before taking them.
    while let Ok(notice) = asks.try_recv() {
        let ids = (ctx.session_id, ctx.run_id, span);
        if let Some(log) = notice_log(notice, server, ids, &agent.spec.name) {
            ctx.writer.send(move |w| w.write_log(&log));
        }
    }
    let result = match result {
        Err(McpError::Cancelled) if timed_out && !ctx.cancel.is_cancelled() => {
            Err(McpError::Timeout {
                server: server.to_owned(),
                what: format!("tools/call {tool}"),
                secs: ctx.mcp_call_timeout.as_secs_f64(),
            })
        }
        other => other,
    };
    match result {
        Ok(result) => {
            let text = ctx.stored_text(result.text());
            let extra = result
                .parts
                .into_iter()
                .filter(|p| !matches!(p, ContentPart::Text { .. }))
                .map(|p| cut_part_to_limit(p, ctx.max_message_bytes))
                .collect();
            ctx.keep_tool_parts(call_id, extra);
            if result.is_error { Ok(Err(text)) } else { Ok(Ok((text, spent))) }
        }
        Err(McpError::Cancelled) => Err(EngineError::Cancelled),
        Err(error) => Ok(Err(error.to_string())),
    }
}

/// Answers one thing the server asked during a call; returns what sampling spent.
async fn answer(
    ctx: &RunContext,
    agent: &Agent,
    span: i64,
    server: &McpServer,
    ask: ServerAsk,
) -> Result<Spent, EngineError> {
    let name = server.spec.name.as_str();
    match ask {
        ServerAsk::Sample { request, reply } => {
            let (answer, spent) = sample(ctx, agent, span, server, request).await?;
            let _ = reply.send(answer);
            return Ok(spent);
        }
        ServerAsk::Elicit { request, reply } => {
            let _ = reply.send(elicit(ctx, agent, span, name, request).await?);
        }
        notice => {
            let ids = (ctx.session_id, ctx.run_id, span);
            if let Some(log) = notice_log(notice, name, ids, &agent.spec.name) {
                ctx.writer.send(move |w| w.write_log(&log));
            }
        }
    }
    Ok(Spent::default())
}

/// A server's progress or log notification as a log record of the tool call `span`.
fn notice_log(
    notice: ServerAsk,
    server: &str,
    (session, run, span): (i64, i64, i64),
    agent: &str,
) -> Option<NewLog> {
    let (level, message, data) = match notice {
        ServerAsk::Progress { progress, total, message } => {
            let of = total.map(|t| format!("/{t}")).unwrap_or_default();
            let text = format!(
                "progress {progress}{of}{}",
                message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
            );
            (
                LogLevel::Info,
                text,
                json!({"progress": progress, "total": total, "message": message}),
            )
        }
        ServerAsk::Log { level, logger, data } => {
            let level = match level.as_str() {
                "debug" => LogLevel::Debug,
                "info" | "notice" => LogLevel::Info,
                "warning" => LogLevel::Warn,
                _ => LogLevel::Error,
            };
            let text = match &data {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (level, text, json!({"logger": logger, "data": data}))
        }
        ServerAsk::Sample { .. } | ServerAsk::Elicit { .. } => return None,
    };
    Some(NewLog {
        level,
        target: format!("mcp::{server}"),
        message,
        data: Some(data),
        session_id: Some(session),
        run_id: Some(run),
        span_id: Some(span),
        agent: Some(agent.to_owned()),
    })
}

/// Answers a sampling request with the server's sampling LLM (else the agent's), recorded as a
/// `sampling` span under the tool call with its tokens and cost.
async fn sample(
    ctx: &RunContext,
    agent: &Agent,
    parent: i64,
    server: &McpServer,
    request: SamplingRequest,
) -> Result<(Result<SamplingAnswer, String>, Spent), EngineError> {
    let agent_name = agent.spec.name.as_str();
    let config = match &server.spec.sampling_llm {
        Some(llm) => ctx.blueprint.llm_config(llm),
        None => ctx.blueprint.llm_for(agent, None),
    };
    let config = match config {
        Ok(config) => config,
        Err(error) => return Ok((Err(error.to_string()), Spent::default())),
    };
    let chat = ChatRequest {
        system: request.system.clone(),
        messages: request
            .messages
            .iter()
            .map(|(role, text)| match role {
                Role::Assistant => ChatMessage::assistant(text.clone()),
                _ => ChatMessage::user(text.clone()),
            })
            .collect(),
        tools: Vec::new(),
        params: RequestParams {
            max_tokens: Some(request.max_tokens).filter(|n| *n > 0),
            temperature: request.temperature,
            ..RequestParams::default()
        },
    };
    let mut attributes = JsonObject::new();
    attributes.insert("server".into(), server.spec.name.clone().into());
    attributes.insert("llm_config".into(), config.spec.name.clone().into());
    let input = chat.last_user_text().map(str::to_owned);
    let name = format!("sampling {}", server.spec.name);
    let span = ctx
        .start_span(Some(parent), agent_name, SpanKind::Sampling, &name, input, attributes)
        .await?;
    let started = std::time::Instant::now();
    let result = match ctx.provider(agent_name, config) {
        Ok(provider) => {
            call_with_retry(
                provider.as_ref(),
                &chat,
                &|_| {},
                &ctx.retry,
                &ctx.cancel,
                &|_, _, _| {},
            )
            .await
        }
        Err(error) => Err(LlmError::Config(error.to_string())),
    };
    let spent = finish_model_span(ctx, span, config, &result, started);
    match result {
        Ok(response) => {
            Ok((Ok(SamplingAnswer { text: response.text, model: response.model }), spent))
        }
        Err(LlmError::Cancelled) => Err(EngineError::Cancelled),
        Err(error) => Ok((Err(format!("sampling failed: {error}")), spent)),
    }
}

/// Puts an elicitation to the user as a human_input_requests row (its form schema kept) and
/// turns the reply into the server's answer.
async fn elicit(
    ctx: &RunContext,
    agent: &Agent,
    span: i64,
    server: &str,
    request: ElicitationRequest,
) -> Result<ElicitationAnswer, EngineError> {
    let prompt = format!(
        "MCP server \"{server}\" asks: {} (answer with a JSON object: {})",
        request.message,
        form_fields(&request.schema)
    );
    let schema = request.schema.clone();
    let reply =
        ask_as(ctx, HumanInputSource::Elicitation, &agent.spec.name, span, prompt, Some(schema))
            .await?;
    Ok(match reply {
        Reply::Declined => ElicitationAnswer::Decline,
        Reply::Answered(value) => match form_content(&request.schema, value) {
            Some(content) => ElicitationAnswer::Accept(content),
            None => ElicitationAnswer::Cancel,
        },
    })
}

/// The fields of a form schema as a reader needs them: `name (string, required), age (integer)`.
fn form_fields(schema: &Value) -> String {
    let required: Vec<&str> =
        schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let fields: Vec<String> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, definition)| {
            let kind = definition["type"].as_str().unwrap_or("value");
            let need = if required.contains(&name.as_str()) { ", required" } else { "" };
            format!("{name} ({kind}{need})")
        })
        .collect();
    if fields.is_empty() { "any fields".into() } else { fields.join(", ") }
}

/// The answer as the form's content object: an object as it is; text that is a JSON object;
/// or, for a form of one field, the text as that field's value.
fn form_content(schema: &Value, answer: Value) -> Option<Value> {
    let answer = match answer {
        Value::String(text) => serde_json::from_str::<Value>(&text)
            .ok()
            .filter(Value::is_object)
            .unwrap_or(Value::String(text)),
        other => other,
    };
    if answer.is_object() {
        return Some(answer);
    }
    let properties = schema["properties"].as_object()?;
    let (field, definition) = properties.iter().next().filter(|_| properties.len() == 1)?;
    let text = answer.as_str().map(str::to_owned).unwrap_or_else(|| answer.to_string());
    let value = match definition["type"].as_str() {
        Some("number" | "integer") => serde_json::from_str(&text).ok()?,
        Some("boolean") => Value::Bool(matches!(text.trim(), "true" | "yes" | "y")),
        _ => Value::String(text),
    };
    Some(json!({ field: value }))
}

#[cfg(test)]
mod tests {
    use super::form_content;
    use serde_json::json;

    #[test]
    fn only_mcp_placeholders_are_filled_in_an_input() {
        let values = [("mcp_prompt:s/p".to_owned(), "PROMPT".to_owned())].into_iter().collect();
        assert_eq!(
            super::fill_mcp_placeholders("a {{ mcp_prompt:s/p }} b {{input}} {{", &values),
            "a PROMPT b {{input}} {{"
        );
    }

    #[test]
    fn form_fields_say_their_types_and_which_are_required() {
        let schema = json!({"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"}, "age": {"type": "integer"}}});
        assert_eq!(super::form_fields(&schema), "name (string, required), age (integer)");
    }

    #[test]
    fn answers_become_form_content() {
        let one = json!({"type": "object", "properties": {"age": {"type": "integer"}}});
        assert_eq!(form_content(&one, json!("42")), Some(json!({"age": 42})));
        assert_eq!(form_content(&one, json!("{\"age\": 7}")), Some(json!({"age": 7})));
        assert_eq!(form_content(&one, json!("old")), None);
        let two = json!({"type": "object", "properties": {"a": {}, "b": {}}});
        assert_eq!(form_content(&two, json!("x")), None);
    }
}
