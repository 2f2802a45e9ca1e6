//! How each kind of agent runs, one file per kind, with fast-agent's semantics.

pub mod basic;
pub mod chain;
pub mod evaluator;
pub mod orchestrator;
pub mod parallel;
pub mod router;

/// Labels outputs by agent for the agent that reads them all (a fan-in, a cumulative step, a synthesis).
pub fn labelled(request: Option<&str>, outputs: &[(String, String)]) -> String {
    let mut text = String::new();
    if let Some(request) = request {
        text.push_str(&format!("<request>\n{request}\n</request>\n"));
    }
    for (agent, output) in outputs {
        text.push_str(&format!("<response agent=\"{agent}\">\n{output}\n</response>\n"));
    }
    text.trim_end().to_owned()
}
