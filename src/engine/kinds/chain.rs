//! A chain: its steps in sequence order, each given the previous step's output; `cumulative` gives
//! each step the request and every earlier output, and returns them all.

use super::labelled;
use crate::engine::error::EngineError;
use crate::engine::invoke::{InvokeOptions, Step};
use crate::model::{ChainOptions, LinkKind};

pub async fn run(step: &mut Step<'_>, input: String) -> Result<String, EngineError> {
    let ChainOptions { cumulative } = ChainOptions::parse(&step.agent.spec.options)
        .map_err(|p| EngineError::settings(&step.agent.spec.name, p))?;
    let steps: Vec<String> = step
        .ctx
        .blueprint
        .children(&step.agent.spec.name, LinkKind::ChainsTo)
        .iter()
        .map(|l| l.child.clone())
        .collect();
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut current = input.clone();
    for child in steps {
        let given = if cumulative && !outputs.is_empty() {
            labelled(Some(&input), &outputs)
        } else {
            current.clone()
        };
        current = step.invoke_child(&child, given, InvokeOptions::default()).await?;
        outputs.push((child, current.clone()));
    }
    Ok(if cumulative { labelled(None, &outputs) } else { current })
}
