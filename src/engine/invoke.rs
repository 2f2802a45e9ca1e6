//! Invoking an agent: one span per invocation, dispatched by the agent's kind, with the tokens and
//! cost of everything beneath it added up. Its input and output are cut to the message limit.

use std::time::Instant;

use tracing::Instrument;

use super::context::RunContext;
use super::error::EngineError;
use super::kinds;
use crate::llm::{BoxFuture, Usage};
use crate::model::{Agent, AgentKind, JsonObject, RunStatus, SpanKind};
use crate::store::SpanEnd;

/// What an invocation produced and what it cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Invocation {
    pub output: String,
    pub spent: Spent,
}

/// Tokens and money spent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spent {
    pub usage: Usage,
    pub cost_usd: f64,
}

impl std::ops::AddAssign for Spent {
    fn add_assign(&mut self, other: Spent) {
        self.usage += other.usage;
        self.cost_usd += other.cost_usd;
    }
}

/// Adjustments a parent makes to how its child runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InvokeOptions {
    /// A JSON schema the child's answer must follow (an evaluator's rating).
    pub response_format: Option<serde_json::Value>,
    /// An LLM config to use instead of the child's own (an evaluation override).
    pub llm_override: Option<String>,
}

/// One agent invocation in progress: its span, and what it has spent and noted so far.
pub struct Step<'a> {
    pub ctx: &'a RunContext,
    pub agent: &'a Agent,
    pub span: i64,
    pub spent: Spent,
    /// Facts recorded on the span when it ends: the route picked, the plan, the ratings, ...
    pub attributes: JsonObject,
}

impl Step<'_> {
    /// Invokes `child` under this step and adds what it spent.
    pub async fn invoke_child(
        &mut self,
        child: &str,
        input: String,
        options: InvokeOptions,
    ) -> Result<String, EngineError> {
        let invocation = invoke(self.ctx, child, input, Some(self.span), options).await?;
        self.spent += invocation.spent;
        Ok(invocation.output)
    }

    /// Records a fact on this step's span.
    pub fn note(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        self.attributes.insert(key.to_owned(), value.into());
    }
}

/// Invokes the agent called `agent` on `input` under span `parent`.
pub fn invoke<'a>(
    ctx: &'a RunContext,
    agent: &'a str,
    input: String,
    parent: Option<i64>,
    options: InvokeOptions,
) -> BoxFuture<'a, Result<Invocation, EngineError>> {
    Box::pin(async move {
        if ctx.cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        let node = ctx.blueprint.agent(agent)?;
        let input = ctx.stored_text(input);
        let started = Instant::now();
        let kind = node.spec.kind;
        let span = ctx
            .start_span(
                parent,
                agent,
                SpanKind::Agent,
                kind.as_str(),
                Some(input.clone()),
                JsonObject::new(),
            )
            .await?;
        let mut step =
            Step { ctx, agent: node, span, spent: Spent::default(), attributes: JsonObject::new() };
        let traced = tracing::info_span!(
            "agent",
            session_id = ctx.session_id,
            run_id = ctx.run_id,
            span_id = span,
            agent
        );
        let result = async {
            tracing::debug!(kind = kind.as_str(), "agent started");
            let result = match kind {
                AgentKind::Basic => kinds::basic::run(&mut step, input, &options).await,
                AgentKind::Chain => kinds::chain::run(&mut step, input).await,
                AgentKind::Parallel => kinds::parallel::run(&mut step, input).await,
                AgentKind::Router => kinds::router::run(&mut step, input).await,
                AgentKind::Orchestrator => kinds::orchestrator::run(&mut step, input).await,
                AgentKind::EvaluatorOptimizer => kinds::evaluator::run(&mut step, input).await,
            };
            match &result {
                Ok(_) => {
                    tracing::info!(ms = started.elapsed().as_millis() as u64, "agent finished")
                }
                Err(error) => tracing::error!("agent failed: {error}"),
            }
            result
        }
        .instrument(traced)
        .await;
        let result = result.map(|output| ctx.stored_text(output));
        let status = match &result {
            Ok(_) => RunStatus::Succeeded,
            Err(EngineError::Cancelled) => ctx.stopped_status(),
            Err(_) => RunStatus::Failed,
        };
        ctx.finish_span(
            span,
            SpanEnd {
                status,
                output: result.as_ref().ok().cloned(),
                error: result.as_ref().err().map(ToString::to_string),
                attributes: step.attributes,
                input_tokens: step.spent.usage.input_tokens,
                output_tokens: step.spent.usage.output_tokens,
                cost_usd: step.spent.cost_usd,
                duration_ms: started.elapsed().as_millis() as u64,
            },
        );
        result.map(|output| Invocation { output, spent: step.spent })
    })
}
