//! An evaluator-optimizer: the generator answers, the evaluator rates the answer EXCELLENT, GOOD,
//! FAIR or POOR with feedback, and the generator refines until the rating reaches `min_rating` or
//! `max_refinements` run out; the best-rated answer is returned.

use serde::Deserialize;

use crate::engine::error::EngineError;
use crate::engine::invoke::{InvokeOptions, Step};
use crate::engine::structured::parse_answer;
use crate::model::{EvaluatorOptions, LinkKind, LlmPurpose, RATINGS, Rating};

#[derive(Debug, Deserialize)]
struct Evaluation {
    rating: String,
    #[serde(default)]
    feedback: String,
}

pub async fn run(step: &mut Step<'_>, input: String) -> Result<String, EngineError> {
    let ctx = step.ctx;
    let agent = step.agent;
    let name = agent.spec.name.clone();
    let only = |kind: LinkKind| {
        ctx.blueprint
            .children(&name, kind)
            .first()
            .map(|l| l.child.clone())
            .ok_or_else(|| EngineError::agent(&name, format!("has no {kind} link")))
    };
    let (generator, evaluator) =
        (only(LinkKind::GeneratorForEval)?, only(LinkKind::EvaluatorForGen)?);
    let options = EvaluatorOptions::parse(&agent.spec.options)
        .map_err(|p| EngineError::settings(&name, p))?;
    let min_rank = options.min_rating.rank();
    let max_refinements = options.max_refinements;
    let evaluation_llm = agent
        .llm_overrides
        .iter()
        .find(|o| o.purpose == LlmPurpose::Evaluation)
        .map(|o| o.llm.clone());
    let judge =
        InvokeOptions { response_format: Some(evaluation_schema()), llm_override: evaluation_llm };

    let mut response =
        step.invoke_child(&generator, input.clone(), InvokeOptions::default()).await?;
    let mut best: Option<(usize, String)> = None;
    let mut ratings = Vec::new();
    for round in 0..=max_refinements {
        let asked = format!(
            "Evaluate the response to the request.\n\nRequest:\n{input}\n\nResponse:\n{response}\n\n\
             Answer with a JSON object: {{\"rating\": \"EXCELLENT\" | \"GOOD\" | \"FAIR\" | \"POOR\", \
             \"feedback\": how to improve it, \"needs_improvement\": true or false, \"focus_areas\": [text]}}."
        );
        let verdict = step.invoke_child(&evaluator, asked, judge.clone()).await?;
        let evaluation: Evaluation = parse_answer(&verdict).map_err(|why| {
            EngineError::agent(&name, format!("the evaluation cannot be read: {why}"))
        })?;
        let rating = rank(&evaluation.rating).ok_or_else(|| {
            EngineError::agent(
                &name,
                format!(
                    "the evaluation rated \"{}\"; expected one of {}",
                    evaluation.rating,
                    RATINGS.join(", ")
                ),
            )
        })?;
        ratings.push(
            serde_json::json!({"rating": evaluation.rating, "feedback": evaluation.feedback}),
        );
        if best.as_ref().is_none_or(|(best_rank, _)| rating <= *best_rank) {
            best = Some((rating, response.clone()));
        }
        if rating <= min_rank || round == max_refinements {
            break;
        }
        let refine = format!(
            "Improve your response to the request using the feedback.\n\nRequest:\n{input}\n\n\
             Your previous response:\n{response}\n\nFeedback:\n{}",
            evaluation.feedback
        );
        response = step.invoke_child(&generator, refine, InvokeOptions::default()).await?;
    }
    step.note("ratings", ratings);
    Ok(best.map(|(_, text)| text).unwrap_or(response))
}

/// 0 for EXCELLENT, up to 3 for POOR.
fn rank(rating: &str) -> Option<usize> {
    Rating::named(rating).map(Rating::rank)
}

fn evaluation_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "rating": {"type": "string", "enum": RATINGS},
            "feedback": {"type": "string"},
            "needs_improvement": {"type": "boolean"},
            "focus_areas": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["rating", "feedback", "needs_improvement", "focus_areas"],
        "additionalProperties": false
    })
}
