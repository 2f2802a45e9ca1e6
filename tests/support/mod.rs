//! Test support: run the `agentloom` binary on a private database and read its database back.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use agentloom::store::Location;

pub mod backends;
pub mod install_lock;
pub mod postgres;

use backends::Backend;

/// A private database (a file in a temporary directory by default) and the binary to run
/// against it.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    /// The file, on SQLite; on PostgreSQL a path nothing uses.
    pub db: PathBuf,
    pub location: Location,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Fails the test, showing the output, unless the run succeeded.
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Fails the test unless the run failed with a message containing `needle` on stderr.
    pub fn fails_with(self, needle: &str) -> Run {
        assert_ne!(self.code, 0, "expected failure\nstdout: {}", self.stdout);
        assert!(
            self.stderr.contains(needle),
            "stderr does not contain {needle:?}:\n{}",
            self.stderr
        );
        self
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Sandbox {
    /// A sandbox whose database does not exist yet.
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("agentloom.db");
        Sandbox { location: Location::File(db.clone()), dir, db }
    }

    /// A sandbox whose database, on `backend`, has nothing in it yet.
    pub fn on(backend: Backend) -> Sandbox {
        let fresh = backend.fresh();
        let db = fresh.dir.path().join("agentloom.db");
        Sandbox { dir: fresh.dir, db, location: fresh.location }
    }

    /// A sandbox on `backend` with an empty, initialised database.
    pub fn empty_on(backend: Backend) -> Sandbox {
        let sandbox = Sandbox::on(backend);
        sandbox.run(&["db", "init", "--empty"]).ok();
        sandbox
    }

    /// Another program's connection to the sandbox's database (see [`backends::RawDb`]).
    pub fn raw(&self) -> backends::RawDb {
        backends::RawDb::of(&self.location)
    }

    /// A sandbox on `backend` seeded with the example workflows.
    pub fn seeded_on(backend: Backend) -> Sandbox {
        let sandbox = Sandbox::on(backend);
        sandbox.run(&["db", "init"]).ok();
        sandbox
    }

    /// Every row of every table of the sandbox's database (see [`dump`]).
    pub fn dump(&self) -> String {
        match &self.location {
            Location::File(path) => dump(path),
            Location::Postgres(url) => postgres::dump(&url.to_string()),
        }
    }

    /// A sandbox with an empty, initialised database.
    pub fn empty() -> Sandbox {
        let sandbox = Sandbox::new();
        sandbox.run(&["db", "init", "--empty"]).ok();
        sandbox
    }

    /// A sandbox seeded with the example workflows.
    pub fn seeded() -> Sandbox {
        let sandbox = Sandbox::new();
        sandbox.run(&["db", "init"]).ok();
        sandbox
    }

    /// Runs `agentloom --db DB ARGS...`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().expect("run agentloom").into()
    }

    /// The command for `agentloom --db DB ARGS...`, to adjust before running.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_agentloom"));
        command.arg("--db").arg(self.location.to_string()).args(args).env_remove("AGENTLOOM_DB");
        command
    }

    /// A path inside the sandbox directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A workflow `ask` whose agent `asker`, on a scripted model, asks the user "Which colour?" and
/// then answers "Thanks.".
pub const ASKER: &str = "agentloom: 1
workflow: {name: ask, root: asker}
agents:
- name: asker
  type: basic
  human_input: true
  llm: asker_script
llm_configs:
- name: asker_script
  provider: playback
  model: playback
  provider_options:
    turns:
    - tool_calls: [{name: ask_human, arguments: {question: Which colour?}}]
    - Thanks.
";

/// Every row of every table, in a stable text form: equal dumps mean nothing stored changed.
pub fn dump(db: &Path) -> String {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open for dump");
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .expect("tables")
        .query_map([], |row| row.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("tables");
    tables.retain(|t| t != "sqlite_sequence");
    let mut out = String::new();
    for table in tables {
        out.push_str(&format!("== {table}\n"));
        let mut statement =
            conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2")).expect("select");
        let columns = statement.column_count();
        let rows = statement
            .query_map([], |row| {
                (0..columns)
                    .map(|i| row.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .expect("rows");
        for row in rows {
            out.push_str(&row.expect("row").join(" | "));
            out.push('\n');
        }
    }
    out
}
