//! The store's errors: each names what went wrong and where, in words a user can act on.

use std::path::PathBuf;

use super::location::Location;
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

    #[error("{at}: schema version {found} is newer than this AgentLoom understands (up to {supported}); upgrade AgentLoom to open it ({})", unchanged(.at))]
    NewerSchema { at: Location, found: i64, supported: i64 },

    #[error("{}: not a SQLite database (the file was not changed)", .path.display())]
    NotSqlite { path: PathBuf },

    #[error("{at}: {}, but not AgentLoom's ({})", what_it_is(.at), unchanged(.at))]
    NotAgentLoom { at: Location },

    #[error("{}: the file is read-only; {action} needs to write to it", .path.display())]
    ReadOnly { path: PathBuf, action: &'static str },

    #[error(
        "{at}: disk full: {action} was not saved, nothing changed; free some space and try again"
    )]
    DiskFull { at: Location, action: &'static str },

    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("database error: {message}")]
    Postgres {
        message: String,
        /// The SQLSTATE code the server gave, if it answered at all.
        sqlstate: Option<String>,
    },

    #[error("a stored row does not read back: {0}")]
    Row(String),
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> StoreError {
        let sqlstate = error.code().map(|code| code.code().to_owned());
        let message = match error.as_db_error() {
            Some(db) => match db.detail() {
                Some(detail) => format!("{} ({detail})", db.message()),
                None => db.message().to_owned(),
            },
            None => error.to_string(),
        };
        StoreError::Postgres { message, sqlstate }
    }
}

/// PostgreSQL's SQLSTATE for a unique index broken.
const UNIQUE_VIOLATION: &str = "23505";
/// PostgreSQL's SQLSTATE for a server out of disk space.
const DISK_FULL: &str = "53100";
/// PostgreSQL's SQLSTATE for a lock not granted in time.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What the store promises it left alone at `at`.
fn unchanged(at: &Location) -> &'static str {
    match at {
        Location::File(_) => "the file was not changed",
        Location::Postgres(_) => "the database was not changed",
    }
}

/// What a database that is not AgentLoom's at `at` was found to be.
fn what_it_is(at: &Location) -> &'static str {
    match at {
        Location::File(_) => "a SQLite database",
        Location::Postgres(_) => "a PostgreSQL database with tables",
    }
}

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

/// SQLite's extended code for a shared-memory file (`-shm`) it could not grow, which is how a
/// full disk shows itself in WAL mode ("disk I/O error", 4874) before SQLITE_FULL does.
const SQLITE_IOERR_SHMSIZE: std::ffi::c_int = 4874;

impl StoreError {
    /// `self`, or [`StoreError::DiskFull`] naming `path` when SQLite said the disk is full.
    pub(super) fn naming_full_disk(self, at: &Location, action: &'static str) -> StoreError {
        let full = match &self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => {
                failure.code == rusqlite::ErrorCode::DiskFull
                    || failure.extended_code == SQLITE_IOERR_SHMSIZE
            }
            StoreError::Postgres { sqlstate, .. } => sqlstate.as_deref() == Some(DISK_FULL),
            _ => false,
        };
        if full { StoreError::DiskFull { at: at.clone(), action } } else { self }
    }

    /// Whether the database refused a write for breaking a unique index.
    pub(super) fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => {
                failure.code == rusqlite::ErrorCode::ConstraintViolation
            }
            StoreError::Postgres { sqlstate, .. } => sqlstate.as_deref() == Some(UNIQUE_VIOLATION),
            _ => false,
        }
    }

    /// Whether another connection held the lock for longer than this one waits.
    pub(super) fn is_busy(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => {
                failure.code == rusqlite::ErrorCode::DatabaseBusy
            }
            StoreError::Postgres { sqlstate, .. } => {
                sqlstate.as_deref() == Some(LOCK_NOT_AVAILABLE)
            }
            _ => false,
        }
    }

    /// A PostgreSQL error that the server did not give (the connection, its thread).
    pub(super) fn postgres(message: impl Into<String>) -> StoreError {
        StoreError::Postgres { message: message.into(), sqlstate: None }
    }

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

#[cfg(test)]
mod tests {
    use crate::model::LogLevel;
    use crate::store::{NewLog, Store};

    #[test]
    fn a_full_disk_says_so_and_names_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("full.db");
        let mut store = Store::open(&path).expect("open");
        // SQLite answers SQLITE_FULL when a file may not grow, as when the disk is full.
        let conn = store.db.as_sqlite().expect("a file");
        let pages: i64 =
            conn.pragma_query_value(None, "page_count", |row| row.get(0)).expect("pages");
        conn.pragma_update(None, "max_page_count", pages).expect("cap the file");
        let note = NewLog {
            level: LogLevel::Info,
            target: "test".into(),
            message: "x".repeat(1 << 20),
            data: None,
            session_id: None,
            run_id: None,
            span_id: None,
            agent: None,
        };
        let error = store.write("a big note", |w| w.write_log(&note)).expect_err("no room");
        assert_eq!(
            error.to_string(),
            format!(
                "{}: disk full: a big note was not saved, nothing changed; free some space and try again",
                path.display()
            )
        );
    }
}
