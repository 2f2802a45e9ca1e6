//! The store's errors: each names what went wrong and where, in words a user can act on.

use std::path::PathBuf;

use crate::model::Problem;

/// Everything a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} \"{name}\" does not exist")]
    NotFound { what: &'static str, name: String },

    #[error("{what} \"{name}\" already exists")]
    AlreadyExists { what: &'static str, name: String },

    #[error("{what} \"{name}\" is used by {}; remove those first{}", .users.join(", "), cascade_hint(*.cascadable))]
    InUse { what: &'static str, name: String, users: Vec<String>, cascadable: bool },

    #[error("{0}")]
    Invalid(String),

    #[error(
        "session {session} is busy with run {run}, one turn at a time; wait for it to end or cancel it (agentloom runs show {run})"
    )]
    SessionBusy { session: i64, run: i64 },

    #[error("refused: the change would leave {}", render_problems(.0))]
    Conflicts(Vec<Problem>),

    #[error("{}: schema version {found} is newer than this AgentLoom understands (up to {supported}); upgrade AgentLoom to open it (the file was not changed)", .path.display())]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },

    #[error("{}: not a SQLite database (the file was not changed)", .path.display())]
    NotSqlite { path: PathBuf },

    #[error("{}: a SQLite database, but not AgentLoom's (the file was not changed)", .path.display())]
    NotAgentLoom { path: PathBuf },

    #[error("{}: the file is read-only; {action} needs to write to it", .path.display())]
    ReadOnly { path: PathBuf, action: &'static str },

    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn cascade_hint(cascadable: bool) -> &'static str {
    if cascadable { " or ask to cascade (--cascade)" } else { "" }
}

fn render_problems(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => many.iter().map(|p| format!("\n  - {p}")).collect(),
    }
}

/// Refuses a definition with `problems`, naming it as `what "name"`.
pub(super) fn refuse_problems(what: &str, name: &str, problems: &[String]) -> Result<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::invalid(&format!("{what} \"{name}\""), problems))
    }
}

impl StoreError {
    /// An invalid-input error built from several messages about one subject.
    pub fn invalid(subject: &str, messages: &[String]) -> StoreError {
        match messages {
            [one] => StoreError::Invalid(format!("{subject}: {one}")),
            many => StoreError::Invalid(format!(
                "{subject}:{}",
                many.iter().map(|m| format!("\n  - {m}")).collect::<String>()
            )),
        }
    }
}
