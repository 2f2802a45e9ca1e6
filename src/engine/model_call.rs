//! One model call: an `llm_call` span, merged request parameters, retries, streamed text in
//! batches (retracted when an attempt fails and is retried, or replaced when the answer is cut to
//! the message limit), tokens and cost.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::context::RunContext;
use super::error::EngineError;
use super::events::RunEvent;
use super::invoke::Spent;
use crate::llm::{ChatRequest, ChatResponse, LlmError, RequestParams, Usage, call_with_retry};
use crate::model::{Agent, JsonObject, LlmConfig, LogLevel, RunStatus, SpanKind};
use crate::store::{NewLog, SpanEnd};

/// How long streamed text gathers before it is announced.
const TEXT_BATCH: Duration = Duration::from_millis(50);

/// The request parameters of `config` overlaid by those of `agent`; a stored column that does
/// not parse is an error naming the agent and the key.
pub fn agent_params(agent: &Agent, config: &LlmConfig) -> Result<RequestParams, EngineError> {
    let name = agent.spec.name.as_str();
    let parse = |object| RequestParams::parse(object).map_err(|p| EngineError::settings(name, p));
    Ok(parse(&config.spec.request_params)?.overlaid_with(&parse(&agent.spec.request_params)?))
}

/// Calls the model of `config` for `agent` under span `parent`. Request parameters are the
/// config's, overlaid by the agent's, overlaid by those of `request`.
pub async fn call_model(
    ctx: &RunContext,
    agent: &Agent,
    config: &LlmConfig,
    parent: i64,
    mut request: ChatRequest,
) -> Result<(ChatResponse, Spent), EngineError> {
    let agent_name = agent.spec.name.as_str();
    request.params = agent_params(agent, config)?.overlaid_with(&request.params);
    let name = format!("{}.{}", config.spec.provider, config.spec.model);
    let mut attributes = JsonObject::new();
    attributes.insert("llm_config".into(), config.spec.name.clone().into());
    if !request.tools.is_empty() {
        let tools: Vec<&str> = request.tools.iter().map(|t| t.name.as_str()).collect();
        attributes.insert("tools".into(), tools.into());
    }
    if request.params.response_format.is_some() {
        attributes.insert("structured".into(), true.into());
    }
    let input = request.last_user_text().map(str::to_owned);
    let span = ctx
        .start_span(Some(parent), agent_name, SpanKind::LlmCall, &name, input, attributes)
        .await?;
    let asked = request.last_user_text();
    if let Some(replayed) = super::replay::replay_model_call(ctx, agent_name, span, asked).await {
        // A resumed run goes on as if this call had been answered here: a model answering by
        // position must not answer the live calls that follow with the turn this one reused. (A
        // replay from a span starts such a model's turns over, as a new run does.) A provider
        // that cannot be made says why when a live call needs it.
        if ctx.resumes()
            && let Ok(provider) = ctx.provider(agent_name, config)
        {
            provider.skip_answered();
        }
        return replayed;
    }
    let provider = ctx.provider(agent_name, config)?;

    let started = Instant::now();
    let batch = Mutex::new((String::new(), Instant::now()));
    let flush = |force: bool| {
        let Ok(mut pending) = batch.lock() else { return };
        if !pending.0.is_empty() && (force || pending.1.elapsed() >= TEXT_BATCH) {
            let text = std::mem::take(&mut pending.0);
            pending.1 = Instant::now();
            ctx.emit(RunEvent::Text {
                run_id: ctx.run_id,
                span_id: span,
                agent: agent_name.to_owned(),
                text,
            });
        }
    };
    let on_text = |delta: &str| {
        if let Ok(mut pending) = batch.lock() {
            pending.0.push_str(delta);
        }
        flush(false);
    };
    let on_retry = |attempt: u32, error: &LlmError, wait: Duration| {
        if let Ok(mut pending) = batch.lock() {
            pending.0.clear();
        }
        ctx.emit(RunEvent::TextRetracted {
            run_id: ctx.run_id,
            span_id: span,
            agent: agent_name.to_owned(),
        });
        let log = NewLog {
            level: LogLevel::Warn,
            target: "agentloom::llm".into(),
            message: format!(
                "attempt {attempt} failed ({error}); retrying in {} ms",
                wait.as_millis()
            ),
            data: None,
            session_id: Some(ctx.session_id),
            run_id: Some(ctx.run_id),
            span_id: Some(span),
            agent: Some(agent_name.to_owned()),
        };
        ctx.writer.send(move |w| w.write_log(&log));
    };
    let result =
        call_with_retry(provider.as_ref(), &request, &on_text, &ctx.retry, &ctx.cancel, &on_retry)
            .await;
    flush(true);
    let result = result.map(|response| limit_answer(ctx, span, agent_name, response));

    let spent = finish_model_span(ctx, span, config, &result, started);
    match result {
        Ok(response) => Ok((response, spent)),
        Err(LlmError::Cancelled) => Err(EngineError::Cancelled),
        Err(source) => Err(EngineError::Llm { agent: agent_name.to_owned(), source }),
    }
}

/// The answer as it is stored (secrets scrubbed, cut to the message limit). When that changed
/// it, watchers who saw the text stream are told to drop it and are sent the stored text.
fn limit_answer(ctx: &RunContext, span: i64, agent: &str, response: ChatResponse) -> ChatResponse {
    let text = ctx.stored_text(response.text.clone());
    if text == response.text {
        return response;
    }
    let (run_id, span_id) = (ctx.run_id, span);
    ctx.emit(RunEvent::TextRetracted { run_id, span_id, agent: agent.to_owned() });
    ctx.emit(RunEvent::Text { run_id, span_id, agent: agent.to_owned(), text: text.clone() });
    ChatResponse { text, ..response }
}

/// Closes the span of a model call (or a sampling request) that began at `started`: its status,
/// answer, model and tool calls, tokens and cost; returns what it spent.
pub(super) fn finish_model_span(
    ctx: &RunContext,
    span: i64,
    config: &LlmConfig,
    result: &Result<ChatResponse, LlmError>,
    started: Instant,
) -> Spent {
    let (status, usage) = match result {
        Ok(response) => (RunStatus::Succeeded, response.usage),
        Err(LlmError::Cancelled) => (ctx.stopped_status(), Usage::default()),
        Err(_) => (RunStatus::Failed, Usage::default()),
    };
    let cost_usd = cost_of(config, usage);
    let mut attributes = JsonObject::new();
    if let Ok(response) = result {
        attributes.insert("model".into(), response.model.clone().into());
        if !response.tool_calls.is_empty() {
            attributes.insert(
                "tool_calls".into(),
                serde_json::to_value(&response.tool_calls).unwrap_or_default(),
            );
        }
    }
    ctx.finish_span(
        span,
        SpanEnd {
            status,
            output: result.as_ref().ok().map(|r| r.text.clone()),
            error: result.as_ref().err().map(ToString::to_string),
            attributes,
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            cost_usd,
            duration_ms: started.elapsed().as_millis() as u64,
        },
    );
    Spent { usage, cost_usd }
}

/// What `usage` costs at the config's prices (per million tokens); nothing when it has none.
pub fn cost_of(config: &LlmConfig, usage: Usage) -> f64 {
    let per_token = |price: Option<f64>| price.unwrap_or(0.0) / 1_000_000.0;
    usage.input_tokens as f64 * per_token(config.spec.input_price_per_mtok)
        + usage.output_tokens as f64 * per_token(config.spec.output_price_per_mtok)
}
