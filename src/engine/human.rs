//! Asking the user: a human_input_requests row, the run waiting until another process (the CLI's
//! `answer`, the app, the API) answers it, then going on.

use super::context::{RunContext, mark_waiting};
use super::error::EngineError;
use super::events::RunEvent;
use crate::model::{HumanInputSource, HumanInputStatus, RunStatus};
use crate::store::NewHumanInput;

/// What the user did with a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Answered(serde_json::Value),
    Declined,
}

/// Asks the user `prompt` on behalf of `agent` (under span `span`) and waits for the reply.
pub async fn ask(
    ctx: &RunContext,
    agent: &str,
    span: i64,
    prompt: String,
    schema: Option<serde_json::Value>,
) -> Result<Reply, EngineError> {
    ask_as(ctx, HumanInputSource::Agent, agent, span, prompt, schema).await
}

/// Asks the user `prompt` for `source` (an agent, or an MCP server's elicitation during one of
/// `agent`'s tool calls) and waits for the reply.
pub async fn ask_as(
    ctx: &RunContext,
    source: HumanInputSource,
    agent: &str,
    span: i64,
    prompt: String,
    schema: Option<serde_json::Value>,
) -> Result<Reply, EngineError> {
    let request = NewHumanInput {
        run_id: Some(ctx.run_id),
        span_id: Some(span),
        session_id: Some(ctx.session_id),
        agent: Some(agent.to_owned()),
        source,
        prompt: prompt.clone(),
        response_schema: schema,
    };
    // The question and the run's waiting are one write: whoever sees the question sees the run
    // waiting for it.
    let run = ctx.run_id;
    let id = ctx
        .writer
        .call(move |w| {
            let id = w.create_human_input(&request)?;
            mark_waiting(w, run, span, true)?;
            Ok(id)
        })
        .await?;
    ctx.emit(RunEvent::HumanInputRequested {
        run_id: ctx.run_id,
        request_id: id,
        agent: agent.to_owned(),
        prompt,
    });
    let reply = loop {
        tokio::select! {
            _ = ctx.cancel.cancelled() => {
                // A run interrupted with its process withdraws its question; a resume asks again.
                let status = match ctx.stopped_status() {
                    RunStatus::Interrupted => HumanInputStatus::Withdrawn,
                    _ => HumanInputStatus::Cancelled,
                };
                ctx.writer.send(move |w| w.answer_human_input(id, status, None).map(|_| ()));
                return Err(EngineError::Cancelled);
            }
            _ = tokio::time::sleep(ctx.human_input_poll) => {}
        }
        let request = ctx.read(|r| r.human_input(id))?;
        match request.status {
            HumanInputStatus::Pending => continue,
            HumanInputStatus::Answered => {
                break Reply::Answered(request.answer.unwrap_or_default());
            }
            HumanInputStatus::Declined => break Reply::Declined,
            HumanInputStatus::Cancelled
            | HumanInputStatus::Expired
            | HumanInputStatus::Withdrawn => {
                return Err(EngineError::Cancelled);
            }
        }
    };
    ctx.set_waiting(span, false);
    ctx.emit(RunEvent::HumanInputAnswered { run_id: ctx.run_id, request_id: id });
    Ok(reply)
}
