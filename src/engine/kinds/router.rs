//! A router: one routing call with structured output picks a child by name and description and
//! says why; the picked child answers. With a single route, no call is made.

use serde::Deserialize;

use crate::engine::error::EngineError;
use crate::engine::invoke::{InvokeOptions, Step};
use crate::engine::model_call::call_model;
use crate::engine::structured::parse_answer;
use crate::llm::{ChatMessage, ChatRequest, RequestParams};
use crate::model::{LinkKind, LinkProperties, LlmPurpose};

/// The routing call's answer.
#[derive(Debug, Deserialize)]
struct Route {
    agent: String,
    #[serde(default)]
    confidence: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
}

pub async fn run(step: &mut Step<'_>, input: String) -> Result<String, EngineError> {
    let ctx = step.ctx;
    let agent = step.agent;
    let routes = ctx.blueprint.children(&agent.spec.name, LinkKind::RoutesTo);
    let names: Vec<String> = routes.iter().map(|l| l.child.clone()).collect();
    let chosen = if let [only] = names.as_slice() {
        step.note("reasoning", "the only route");
        only.clone()
    } else {
        let mut catalogue = String::new();
        for link in &routes {
            let child = ctx.blueprint.agent(&link.child)?;
            let properties = LinkProperties::parse(&link.properties)
                .map_err(|p| EngineError::settings(&agent.spec.name, p))?;
            let description = properties.description.unwrap_or(child.spec.description.clone());
            catalogue.push_str(&format!("- {}: {}\n", link.child, description));
        }
        let instruction = if agent.spec.instruction.trim().is_empty() {
            "You route requests to the agent best suited to answer them."
        } else {
            agent.spec.instruction.as_str()
        };
        let prompt = format!(
            "Pick the one agent that should handle the request below.\n\nAgents:\n{catalogue}\nRequest:\n{input}\n\n\
             Answer with a JSON object: {{\"agent\": name, \"confidence\": \"high\" | \"medium\" | \"low\", \"reasoning\": why}}."
        );
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "agent": {"type": "string", "enum": names},
                "confidence": {"type": "string", "enum": ["high", "medium", "low"]},
                "reasoning": {"type": "string"}
            },
            "required": ["agent", "confidence", "reasoning"],
            "additionalProperties": false
        });
        let request = ChatRequest {
            system: Some(instruction.to_owned()),
            messages: vec![ChatMessage::user(prompt)],
            tools: Vec::new(),
            params: RequestParams { response_format: Some(schema), ..RequestParams::default() },
        };
        let config = ctx.blueprint.llm_for(agent, Some(LlmPurpose::Routing))?;
        let (response, spent) = call_model(ctx, agent, config, step.span, request).await?;
        step.spent += spent;
        let route: Route = parse_answer(&response.text).map_err(|why| {
            EngineError::agent(
                &agent.spec.name,
                format!("the routing answer cannot be read: {why}"),
            )
        })?;
        if !names.contains(&route.agent) {
            return Err(EngineError::agent(
                &agent.spec.name,
                format!(
                    "the routing answer picked \"{}\", which is not one of its routes ({})",
                    route.agent,
                    names.join(", ")
                ),
            ));
        }
        if let Some(confidence) = route.confidence {
            step.note("confidence", confidence);
        }
        if let Some(reasoning) = route.reasoning {
            step.note("reasoning", reasoning);
        }
        route.agent
    };
    step.note("route", chosen.clone());
    step.invoke_child(&chosen, input, InvokeOptions::default()).await
}
