//! An orchestrator: a planner call makes a plan of steps whose tasks go to its workers (the whole
//! plan at once, or one step at a time when iterative, within `plan_iterations`), the tasks of a
//! step run concurrently, and a final call synthesises the results.

use serde::{Deserialize, Serialize};

use super::labelled;
use crate::engine::error::EngineError;
use crate::engine::invoke::{InvokeOptions, Step, invoke};
use crate::engine::model_call::call_model;
use crate::engine::structured::parse_answer;
use crate::llm::{ChatMessage, ChatRequest, RequestParams};
use crate::model::{LinkKind, LlmPurpose, OrchestratorOptions, PlanType};

#[derive(Debug, Clone, Deserialize, Serialize)]
struct Plan {
    #[serde(default)]
    steps: Vec<PlanStep>,
    #[serde(default)]
    is_complete: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct PlanStep {
    description: String,
    tasks: Vec<Task>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct Task {
    agent: String,
    description: String,
}

pub async fn run(step: &mut Step<'_>, input: String) -> Result<String, EngineError> {
    let ctx = step.ctx;
    let agent = step.agent;
    let name = agent.spec.name.as_str();
    let workers: Vec<String> = ctx
        .blueprint
        .children(name, LinkKind::Orchestrates)
        .iter()
        .map(|l| l.child.clone())
        .collect();
    let mut roster = String::new();
    for worker in &workers {
        roster
            .push_str(&format!("- {worker}: {}\n", ctx.blueprint.agent(worker)?.spec.description));
    }
    let options = OrchestratorOptions::parse(&agent.spec.options)
        .map_err(|p| EngineError::settings(name, p))?;
    let iterative = options.plan_type == PlanType::Iterative;
    let rounds = if iterative { options.plan_iterations } else { 1 };
    let mut done: Vec<(String, String)> = Vec::new();
    let mut executed: Vec<PlanStep> = Vec::new();
    for _ in 0..rounds {
        let ask = if iterative { "the next step only" } else { "every step needed" };
        let progress =
            if done.is_empty() { "nothing yet".to_owned() } else { labelled(None, &done) };
        let prompt = format!(
            "Objective:\n{input}\n\nWorkers:\n{roster}\nResults so far:\n{progress}\n\n\
             Plan {ask}. Answer with a JSON object: {{\"steps\": [{{\"description\": text, \"tasks\": \
             [{{\"agent\": worker name, \"description\": what to do}}]}}], \"is_complete\": true when the \
             objective is met}}."
        );
        let plan: Plan = structured_call(step, prompt, plan_schema(&workers)).await?;
        for planned in &plan.steps {
            for task in &planned.tasks {
                if !workers.contains(&task.agent) {
                    return Err(EngineError::agent(
                        name,
                        format!(
                            "the plan gives a task to \"{}\", which is not one of its workers ({})",
                            task.agent,
                            workers.join(", ")
                        ),
                    ));
                }
            }
            let context = labelled(None, &done);
            let span = step.span;
            let runs = planned.tasks.iter().map(|task| {
                let given = format!(
                    "Objective:\n{input}\n\nYour task:\n{}\n\nEarlier results:\n{context}",
                    task.description
                );
                invoke(ctx, &task.agent, given, Some(span), InvokeOptions::default())
            });
            for (task, result) in
                planned.tasks.iter().zip(futures_util::future::join_all(runs).await)
            {
                let invocation = result?;
                step.spent += invocation.spent;
                done.push((task.agent.clone(), invocation.output));
            }
            executed.push(planned.clone());
        }
        if plan.is_complete || !iterative {
            break;
        }
    }
    step.note("plan", serde_json::to_value(&executed).unwrap_or_default());
    let synthesis = format!(
        "Objective:\n{input}\n\nResults:\n{}\n\nWrite the final answer to the objective from these results.",
        labelled(None, &done)
    );
    let config = ctx.blueprint.llm_for(agent, Some(LlmPurpose::Planning))?;
    let request = ChatRequest {
        system: Some(agent.spec.instruction.clone()).filter(|i| !i.trim().is_empty()),
        messages: vec![ChatMessage::user(synthesis)],
        ..ChatRequest::default()
    };
    let (response, spent) = call_model(ctx, agent, config, step.span, request).await?;
    step.spent += spent;
    Ok(response.text)
}

async fn structured_call(
    step: &mut Step<'_>,
    prompt: String,
    schema: serde_json::Value,
) -> Result<Plan, EngineError> {
    let agent = step.agent;
    let config = step.ctx.blueprint.llm_for(agent, Some(LlmPurpose::Planning))?;
    let request = ChatRequest {
        system: Some(agent.spec.instruction.clone()).filter(|i| !i.trim().is_empty()),
        messages: vec![ChatMessage::user(prompt)],
        tools: Vec::new(),
        params: RequestParams { response_format: Some(schema), ..RequestParams::default() },
    };
    let (response, spent) = call_model(step.ctx, agent, config, step.span, request).await?;
    step.spent += spent;
    parse_answer(&response.text).map_err(|why| {
        EngineError::agent(&agent.spec.name, format!("the plan cannot be read: {why}"))
    })
}

fn plan_schema(workers: &[String]) -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "steps": {"type": "array", "items": {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "tasks": {"type": "array", "items": {
                        "type": "object",
                        "properties": {"agent": {"type": "string", "enum": workers}, "description": {"type": "string"}},
                        "required": ["agent", "description"],
                        "additionalProperties": false
                    }}
                },
                "required": ["description", "tasks"],
                "additionalProperties": false
            }},
            "is_complete": {"type": "boolean"}
        },
        "required": ["steps", "is_complete"],
        "additionalProperties": false
    })
}
