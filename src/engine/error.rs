//! The engine's errors.

use crate::llm::LlmError;
use crate::model::Problem;
use crate::store::StoreError;

/// Why a run could not start or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),

    #[error("agent \"{agent}\": {source}")]
    Llm { agent: String, source: LlmError },

    #[error("\"{0}\" is neither a workflow nor an agent")]
    UnknownTarget(String),

    #[error("\"{target}\" is not ready to run:{}", .problems.iter().map(|p| format!("\n  - {p}")).collect::<String>())]
    NotReady { target: String, problems: Vec<Problem> },

    #[error("agent \"{agent}\": {message}")]
    Agent { agent: String, message: String },

    #[error("run {run} cannot be replayed: {reason}")]
    NotReplayable { run: i64, reason: String },

    #[error("run {run} cannot be resumed: {reason}")]
    NotResumable { run: i64, reason: String },

    #[error("the run was cancelled")]
    Cancelled,

    #[error("the database writer stopped: {0}")]
    WriterGone(String),
}

impl EngineError {
    /// An error about what `agent` did or was given.
    pub fn agent(agent: &str, message: impl Into<String>) -> EngineError {
        EngineError::Agent { agent: agent.to_owned(), message: message.into() }
    }

    /// A stored settings column of `agent` that does not parse: every problem, one per line.
    pub fn settings(agent: &str, problems: Vec<String>) -> EngineError {
        EngineError::agent(
            agent,
            format!("its stored settings do not parse: {}", problems.join("; ")),
        )
    }
}
