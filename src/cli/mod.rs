//! The command line: global options, the subcommand tree, and dispatch. Names here are a contract
//! that scripts, the README and later tools build on.

mod agent;
mod db;
mod diff;
mod link;
mod llm;
mod mcp;
mod output;
mod parse;
mod replay;
mod run;
mod runs;
mod serve;
mod serve_mcp;
mod streamed_answer;
mod transfer;
mod worker;
mod workflow;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::store::{Location, Store};

/// Design, run and inspect multi-agent LLM workflows; one SQLite file holds everything.
#[derive(Debug, Parser)]
#[command(name = "agentloom", version = version_line(), about, long_about = None)]
pub struct Cli {
    /// The database: a SQLite file, or postgres://USER@HOST:PORT/DATABASE [default: the platform data directory, e.g. ~/.local/share/agentloom/agentloom.db]
    #[arg(long, global = true, env = "AGENTLOOM_DB", value_name = "PATH|URL")]
    pub db: Option<Location>,

    /// Print machine-readable JSON (list and show commands)
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, migrate and check the database
    #[command(subcommand)]
    Db(db::DbCommand),
    /// LLM configs: provider, model, endpoint and key reference
    #[command(subcommand)]
    Llm(llm::LlmCommand),
    /// Agents: the nodes of a workflow
    #[command(subcommand)]
    Agent(agent::AgentCommand),
    /// Links: how agents are wired (chain steps, fan-out, routes, workers, ...)
    #[command(subcommand)]
    Link(link::LinkCommand),
    /// Workflows: named entry points into the agent graph
    #[command(subcommand)]
    Workflow(workflow::WorkflowCommand),
    /// MCP servers agents can use
    #[command(subcommand)]
    Mcp(mcp::McpCommand),
    /// Write a workflow and everything it needs as YAML
    Export(transfer::ExportArgs),
    /// Read a YAML workflow document into the database, all or nothing
    Import(transfer::ImportArgs),
    /// Run a workflow or an agent on an input
    Run(run::RunArgs),
    /// Talk with a workflow or an agent, one line at a time, in one session
    Chat(run::ChatArgs),
    /// Replay a past run from its recorded answers (no provider is called), or live from one of its spans
    Replay(replay::ReplayArgs),
    /// Past runs and their span trees
    #[command(subcommand)]
    Runs(runs::RunsCommand),
    /// The messages of a session
    History { session: i64 },
    /// Log records, oldest first
    Logs {
        /// Only this run's
        #[arg(long)]
        run: Option<i64>,
        /// At least this severe: trace, debug, info, warn or error
        #[arg(long)]
        level: Option<crate::model::LogLevel>,
        /// At most the newest this many
        #[arg(long, default_value_t = 200)]
        limit: i64,
    },
    /// Answer a question a running agent asked (with no arguments: list the waiting ones)
    Answer {
        request: Option<i64>,
        text: Option<String>,
        /// Decline to answer
        #[arg(long)]
        decline: bool,
    },
    /// Agents' saved state
    #[command(subcommand)]
    State(runs::StateCommand),
    /// Serve the database to other programs: the REST API (--http), or workflows as MCP tools (--mcp)
    Serve(serve::ServeArgs),
    /// Run queued runs (`run --queue`, REST `"queue": true`) from the database, on any machine that reaches it
    Worker(worker::WorkerArgs),
}

/// What `--version` prints: the program and the schema it writes.
fn version_line() -> String {
    format!("{} (schema {})", env!("CARGO_PKG_VERSION"), crate::store::SCHEMA_VERSION)
}

/// The global options every command sees.
pub(crate) struct Globals {
    db: Option<Location>,
    json: bool,
}

impl Globals {
    /// The database: `--db`, `AGENTLOOM_DB`, or the platform default file.
    fn db(&self) -> anyhow::Result<Location> {
        match &self.db {
            Some(db) => Ok(db.clone()),
            None => default_db_path().map(Location::File),
        }
    }

    /// Opens the database, creating it when missing: the default one with the example workflows,
    /// one named by `--db` or `AGENTLOOM_DB` empty.
    fn open(&self) -> anyhow::Result<Store> {
        self.open_seeding(self.db.is_none())
    }

    /// Opens the database; one created just now gets the example workflows when `seed` says so.
    fn open_seeding(&self, seed: bool) -> anyhow::Result<Store> {
        let db = self.db()?;
        let is_new = !exists(&db);
        let mut store = Store::connect(&db)?;
        if is_new && seed {
            db::seed_examples(&mut store)?;
        }
        Ok(store)
    }
}

/// The engine's settings: the defaults, changed by `AGENTLOOM_MAX_MESSAGE_BYTES` and
/// `AGENTLOOM_MODEL_CALL_TIMEOUT_SECS` when they are set.
fn engine_config() -> anyhow::Result<crate::engine::EngineConfig> {
    crate::engine::EngineConfig::from_env().map_err(anyhow::Error::msg)
}

/// Whether the database is there already: a file that exists, or any server database (the store
/// creates the schema in it, never the database itself).
fn exists(db: &Location) -> bool {
    db.file().is_none_or(std::path::Path::exists)
}

/// Where the database lives when no `--db` or `AGENTLOOM_DB` says otherwise.
pub fn default_db_path() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "agentloom")
        .context("cannot tell where this platform keeps application data; pass --db PATH")?;
    Ok(dirs.data_dir().join("agentloom.db"))
}

/// Runs the command line; the exit code says whether it succeeded.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let globals = Globals { db: cli.db, json: cli.json };
    match cli.command {
        None => db::overview(&globals),
        Some(Command::Db(command)) => db::run(&globals, command),
        Some(Command::Llm(command)) => llm::run(&globals, command),
        Some(Command::Agent(command)) => agent::run(&globals, command),
        Some(Command::Link(command)) => link::run(&globals, command),
        Some(Command::Workflow(command)) => workflow::run(&globals, command),
        Some(Command::Mcp(command)) => mcp::run(&globals, command),
        Some(Command::Export(args)) => transfer::export(&globals, args),
        Some(Command::Import(args)) => transfer::import(&globals, args),
        Some(Command::Run(args)) => run::run(&globals, args),
        Some(Command::Chat(args)) => run::chat(&globals, args),
        Some(Command::Replay(args)) => replay::replay(&globals, args),
        Some(Command::Runs(command)) => runs::runs(&globals, command),
        Some(Command::History { session }) => runs::history(&globals, session),
        Some(Command::Logs { run, level, limit }) => runs::logs(&globals, run, level, limit),
        Some(Command::Answer { request, text, decline }) => {
            runs::answer(&globals, request, text, decline)
        }
        Some(Command::State(command)) => runs::state(&globals, command),
        Some(Command::Serve(args)) => serve::serve(&globals, args),
        Some(Command::Worker(args)) => worker::worker(&globals, args),
    }
}
