//! A parallel: every fan-out child on the same input at once; the fan-in agent receives every
//! output labelled by agent (with the request when `include_request`, the default); without a
//! fan-in the labelled outputs are the result.

use super::labelled;
use crate::engine::error::EngineError;
use crate::engine::invoke::{InvokeOptions, Step, invoke};
use crate::model::{LinkKind, ParallelOptions};

pub async fn run(step: &mut Step<'_>, input: String) -> Result<String, EngineError> {
    let ctx = step.ctx;
    let name = step.agent.spec.name.clone();
    let ParallelOptions { include_request } = ParallelOptions::parse(&step.agent.spec.options)
        .map_err(|p| EngineError::settings(&name, p))?;
    let branches: Vec<String> = ctx
        .blueprint
        .children(&name, LinkKind::FansOutTo)
        .iter()
        .map(|l| l.child.clone())
        .collect();
    let span = step.span;
    let runs = branches
        .iter()
        .map(|child| invoke(ctx, child, input.clone(), Some(span), InvokeOptions::default()));
    let results = futures_util::future::join_all(runs).await;
    let mut outputs = Vec::with_capacity(results.len());
    let mut first_error = None;
    for (child, result) in branches.into_iter().zip(results) {
        match result {
            Ok(invocation) => {
                step.spent += invocation.spent;
                outputs.push((child, invocation.output));
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    let gathered = labelled(include_request.then_some(input.as_str()), &outputs);
    match ctx.blueprint.children(&name, LinkKind::FanInFrom).first() {
        Some(fan_in) => {
            step.invoke_child(&fan_in.child.clone(), gathered, InvokeOptions::default()).await
        }
        None => Ok(gathered),
    }
}
