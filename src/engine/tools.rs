//! The tools a basic agent is given: its `tool_of` children (agents as tools), `ask_human` when it
//! may ask the user, and `save_state` / `load_state` when its `state_tools` option is on.

use serde_json::{Value, json};

use super::context::RunContext;
use super::error::EngineError;
use super::human::{Reply, ask};
use super::invoke::{InvokeOptions, Spent, invoke};
use crate::llm::{ToolCall, ToolSpec};
use crate::model::{
    Agent, BasicOptions, JsonObject, LinkKind, LinkProperties, RunStatus, SpanKind,
};
use crate::store::SpanEnd;

/// What a tool does when called.
#[derive(Debug, Clone, PartialEq)]
pub enum Tool {
    /// Asks another agent.
    Agent(String),
    AskHuman,
    SaveState,
    LoadState,
    /// Calls a tool of an MCP server.
    Mcp {
        server: String,
        tool: String,
    },
}

/// The tools `agent` may call, with what each does.
pub fn tools_for(ctx: &RunContext, agent: &Agent) -> Result<Vec<(ToolSpec, Tool)>, EngineError> {
    let mut tools = Vec::new();
    for link in ctx.blueprint.children(&agent.spec.name, LinkKind::ToolOf) {
        let child = ctx.blueprint.agent(&link.child)?;
        let properties = LinkProperties::parse(&link.properties)
            .map_err(|p| EngineError::settings(&agent.spec.name, p))?;
        let description = properties
            .description
            .or_else(|| Some(child.spec.description.clone()).filter(|d| !d.is_empty()))
            .unwrap_or_else(|| format!("Ask the agent {}", child.spec.name));
        let schema = object_schema(&[("message", "What to ask or tell the agent")]);
        tools.push((
            ToolSpec { name: link.child.clone(), description, input_schema: schema },
            Tool::Agent(link.child.clone()),
        ));
    }
    if agent.spec.human_input {
        let schema = object_schema(&[("question", "The question for the user")]);
        let description = "Ask the user a question and wait for the answer".to_owned();
        tools.push((
            ToolSpec { name: "ask_human".into(), description, input_schema: schema },
            Tool::AskHuman,
        ));
    }
    let options = BasicOptions::parse(&agent.spec.options)
        .map_err(|p| EngineError::settings(&agent.spec.name, p))?;
    if options.state_tools {
        let save = object_schema(&[("key", "Name of the value"), ("value", "The value, as text")]);
        let load = object_schema(&[("key", "Name of the value")]);
        tools.push((
            ToolSpec {
                name: "save_state".into(),
                description: "Remember a value across runs".into(),
                input_schema: save,
            },
            Tool::SaveState,
        ));
        tools.push((
            ToolSpec {
                name: "load_state".into(),
                description: "Recall a remembered value".into(),
                input_schema: load,
            },
            Tool::LoadState,
        ));
    }
    Ok(tools)
}

fn object_schema(fields: &[(&str, &str)]) -> Value {
    let properties: JsonObject = fields
        .iter()
        .map(|(name, what)| ((*name).to_owned(), json!({"type": "string", "description": what})))
        .collect();
    let required: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    json!({"type": "object", "properties": properties, "required": required})
}

/// The outcome of one tool call, as the model will see it.
pub struct ToolOutcome {
    pub content: String,
    pub is_error: bool,
    pub spent: Spent,
}

/// Runs `call` for `agent` under span `parent`, as a `tool_call` span. A tool that fails, or a
/// tool the agent does not have, gives the model an error result rather than failing the run.
pub async fn execute(
    ctx: &RunContext,
    agent: &Agent,
    parent: i64,
    call: &ToolCall,
    tool: Option<&Tool>,
) -> Result<ToolOutcome, EngineError> {
    let name = agent.spec.name.as_str();
    let started = std::time::Instant::now();
    let arguments = Some(call.arguments.to_string());
    let span = ctx
        .start_span(
            Some(parent),
            name,
            SpanKind::ToolCall,
            &call.name,
            arguments,
            JsonObject::new(),
        )
        .await?;
    if let Some(replayed) = super::replay::replay_tool_call(ctx, name, span, call, tool).await {
        return replayed;
    }
    let result = run_tool(ctx, name, span, call, tool).await;
    let (status, content, spent) = match &result {
        Ok(Ok((content, spent))) => (RunStatus::Succeeded, content.clone(), *spent),
        Ok(Err(message)) => (RunStatus::Failed, message.clone(), Spent::default()),
        Err(EngineError::Cancelled) => {
            (ctx.stopped_status(), "cancelled".to_owned(), Spent::default())
        }
        Err(error) => (RunStatus::Failed, error.to_string(), Spent::default()),
    };
    let content = ctx.stored_text(content);
    ctx.finish_span(
        span,
        SpanEnd {
            status,
            output: Some(content.clone()),
            error: (status != RunStatus::Succeeded).then(|| content.clone()),
            attributes: JsonObject::new(),
            input_tokens: spent.usage.input_tokens,
            output_tokens: spent.usage.output_tokens,
            cost_usd: spent.cost_usd,
            duration_ms: started.elapsed().as_millis() as u64,
        },
    );
    let is_error = result?.is_err();
    Ok(ToolOutcome { content, is_error, spent })
}

/// What the tool answers: `Err(message)` is a failure the model is told about; an engine error
/// (a cancelled run, a database that cannot be written) ends the agent.
async fn run_tool(
    ctx: &RunContext,
    name: &str,
    span: i64,
    call: &ToolCall,
    tool: Option<&Tool>,
) -> Result<Result<(String, Spent), String>, EngineError> {
    let argument = |key: &str| {
        call.arguments.get(key).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
    };
    let result = match tool {
        None => Err(format!("there is no tool named \"{}\"", call.name)),
        Some(Tool::Agent(child)) => match argument("message") {
            None => Err("missing argument \"message\"".into()),
            Some(message) => {
                match invoke(ctx, child, message, Some(span), InvokeOptions::default()).await {
                    Ok(invocation) => Ok((invocation.output, invocation.spent)),
                    Err(EngineError::Cancelled) => return Err(EngineError::Cancelled),
                    Err(error) => Err(error.to_string()),
                }
            }
        },
        Some(Tool::AskHuman) => match argument("question") {
            None => Err("missing argument \"question\"".into()),
            Some(question) => match ask(ctx, name, span, question, None).await? {
                Reply::Answered(Value::String(text)) => Ok((text, Spent::default())),
                Reply::Answered(other) => Ok((other.to_string(), Spent::default())),
                Reply::Declined => Ok(("The user declined to answer.".into(), Spent::default())),
            },
        },
        Some(Tool::SaveState) => match (argument("key"), call.arguments.get("value").cloned()) {
            (Some(key), Some(value)) => {
                let (agent, session) = (name.to_owned(), ctx.session_id);
                ctx.writer.call(move |w| w.save_state(&agent, Some(session), &key, &value)).await?;
                Ok(("saved".into(), Spent::default()))
            }
            _ => Err("save_state needs \"key\" and \"value\"".into()),
        },
        Some(Tool::Mcp { server, tool }) => {
            let agent = ctx.blueprint.agent(name)?;
            let arguments = call.arguments.clone();
            let target = (server.as_str(), tool.as_str());
            super::mcp_tools::call(ctx, agent, span, &call.id, target, arguments).await?
        }
        Some(Tool::LoadState) => match argument("key") {
            Some(key) => {
                let value = ctx.read(|r| r.load_state(name, Some(ctx.session_id), &key))?;
                let text = value
                    .map_or_else(|| format!("nothing is saved under \"{key}\""), |v| v.to_string());
                Ok((text, Spent::default()))
            }
            None => Err("load_state needs \"key\"".into()),
        },
    };
    Ok(result)
}
