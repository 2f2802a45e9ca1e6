//! `agentloom db ...` and the bare `agentloom` overview: create, seed, check and summarise the database.

use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;

use super::Globals;
use super::output::{print_json, print_table, short};
use crate::interchange;
use crate::model::{Problem, RunStatus};
use crate::store::{Location, RunFilter, SCHEMA_VERSION, Store};

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the database (or bring it to the current schema) and seed the example workflows
    Init {
        /// Create it without the example workflows
        #[arg(long)]
        empty: bool,
    },
    /// Check integrity and foreign keys (a SQLite file; a PostgreSQL server keeps them itself) and the structure of every workflow; non-zero exit on any problem
    Check,
    /// Where the database is and what it holds
    Info,
    /// Copy a whole database (ids, versions, runs, history) into a new, empty one: a file to
    /// PostgreSQL, PostgreSQL to a file, or either to its own kind
    Copy {
        /// The database to copy: a file path or a postgres:// URL
        from: Location,
        /// Where to copy it: a new file, or an empty PostgreSQL database
        to: Location,
    },
}

pub(super) fn run(globals: &Globals, command: DbCommand) -> anyhow::Result<ExitCode> {
    match command {
        DbCommand::Init { empty } => init(globals, empty),
        DbCommand::Check => check(globals),
        DbCommand::Info => overview(globals),
        DbCommand::Copy { from, to } => copy(globals, &from, &to),
    }
}

fn copy(globals: &Globals, from: &Location, to: &Location) -> anyhow::Result<ExitCode> {
    if !super::exists(from) {
        anyhow::bail!("{from}: there is no database there to copy");
    }
    let source = Store::connect(from)?;
    let mut target = Store::connect(to)?;
    let report = source.copy_into(&mut target)?;
    if globals.json {
        return print_json(&report);
    }
    let rows: usize = report.tables.iter().map(|(_, rows)| rows).sum();
    let listed: Vec<String> = report
        .tables
        .iter()
        .filter(|(_, rows)| *rows > 0)
        .map(|(table, rows)| format!("{rows} {table}"))
        .collect();
    println!("Copied {from} to {to}: {rows} rows ({}).", listed.join(", "));
    if report.words_added > 0 {
        println!("Added {} words of the source's reference tables.", report.words_added);
    }
    if !report.interrupted_runs.is_empty() {
        let runs: Vec<String> = report.interrupted_runs.iter().map(i64::to_string).collect();
        println!(
            "Runs going on in the source arrive interrupted: {}; resume them with agentloom runs resume RUN.",
            runs.join(", ")
        );
    }
    if report.approvals_dropped > 0 {
        println!(
            "{} approvals of MCP launches and LLM bindings stay with the source's machine; approve them again (agentloom mcp trust NAME, agentloom llm trust NAME).",
            report.approvals_dropped
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Seeds the example workflows that are missing; says which.
pub(super) fn seed_examples(store: &mut Store) -> anyhow::Result<Vec<String>> {
    Ok(interchange::seed_examples(store)?)
}

fn init(globals: &Globals, empty: bool) -> anyhow::Result<ExitCode> {
    let db = globals.db()?;
    let existed = super::exists(&db);
    let mut store = Store::connect(&db)?;
    let seeded = if empty { Vec::new() } else { seed_examples(&mut store)? };
    if globals.json {
        return print_json(&serde_json::json!({
            "path": db.to_string(),
            "created": !existed,
            "schema_version": SCHEMA_VERSION,
            "seeded_workflows": seeded,
        }));
    }
    let verb = if existed { "Opened" } else { "Created" };
    println!("{verb} {db} (schema {SCHEMA_VERSION}).");
    match seeded.len() {
        0 => {}
        n => println!("Seeded {n} example workflows: {}.", seeded.join(", ")),
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Serialize)]
struct CheckReport {
    integrity: Vec<String>,
    structure: Vec<Problem>,
    /// Runs whose process stopped before they ended (not a problem of the file): resumable.
    interrupted_runs: Vec<i64>,
}

fn check(globals: &Globals) -> anyhow::Result<ExitCode> {
    let store = globals.open()?;
    let report = store.read(|r| {
        let filter = RunFilter { status: Some(RunStatus::Interrupted), ..RunFilter::default() };
        Ok(CheckReport {
            integrity: r.integrity_problems()?,
            structure: r.validate()?,
            interrupted_runs: r.runs(&filter)?.iter().map(|run| run.id).collect(),
        })
    })?;
    let clean = report.integrity.is_empty() && report.structure.is_empty();
    if globals.json {
        print_json(&report)?;
    } else if clean {
        println!("No problems: integrity, foreign keys and workflow structure are all in order.");
    } else {
        let count = report.integrity.len() + report.structure.len();
        println!("{count} problem{}:", if count == 1 { "" } else { "s" });
        for line in &report.integrity {
            println!("  {line}");
        }
        for problem in &report.structure {
            println!("  {problem}");
        }
    }
    if !globals.json && !report.interrupted_runs.is_empty() {
        let runs: Vec<String> = report.interrupted_runs.iter().map(ToString::to_string).collect();
        println!(
            "Interrupted runs, whose process stopped before they ended: {}; go on with \
             `agentloom runs resume RUN`, or drop one with `agentloom runs cancel RUN`.",
            runs.join(", ")
        );
    }
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// What `agentloom` with no subcommand prints: the database, what it holds, what to try next.
pub(super) fn overview(globals: &Globals) -> anyhow::Result<ExitCode> {
    let db = globals.db()?;
    let existed = super::exists(&db);
    // Like the app's first launch: a database created here starts with the examples.
    let store = globals.open_seeding(true)?;
    let (counts, workflows, agents) =
        store.read(|r| Ok((r.counts()?, r.workflows()?, r.agents()?)))?;
    if globals.json {
        return print_json(&serde_json::json!({
            "path": db.to_string(),
            "schema_version": SCHEMA_VERSION,
            "counts": counts,
            "workflows": workflows,
        }));
    }
    let created = if existed { "" } else { ", created just now" };
    println!("AgentLoom database: {db} (schema {SCHEMA_VERSION}{created})");
    println!(
        "Holds {} workflows, {} agents, {} links, {} LLM configs, {} MCP servers, {} sessions, {} runs.",
        counts.workflows,
        counts.agents,
        counts.links,
        counts.llm_configs,
        counts.mcp_servers,
        counts.sessions,
        counts.runs
    );
    if !workflows.is_empty() {
        println!();
        let rows: Vec<Vec<String>> = workflows
            .iter()
            .map(|w| {
                let kind = agents
                    .iter()
                    .find(|a| a.spec.name == w.spec.root)
                    .map_or_else(String::new, |a| a.spec.kind.to_string());
                vec![
                    w.spec.name.clone(),
                    format!("{} ({kind})", w.spec.root),
                    short(&w.spec.description, 60),
                ]
            })
            .collect();
        print_table(&["WORKFLOW", "ROOT", "DESCRIPTION"], &rows);
    }
    let example = workflows.first().map_or("NAME", |w| w.spec.name.as_str());
    println!();
    println!("Try next:");
    let tips = [
        (format!("agentloom workflow show {example}"), "the agents and links of a workflow"),
        ("agentloom agent list".to_owned(), "every agent, its type and LLM config"),
        (format!("agentloom export {example} -o {example}.yaml"), "the workflow as a YAML file"),
        ("agentloom db check".to_owned(), "integrity and structure problems"),
        ("agentloom --help".to_owned(), "every command"),
    ];
    let width = tips.iter().map(|(command, _)| command.len()).max().unwrap_or(0);
    for (command, what) in tips {
        println!("  {command:<width$}  {what}");
    }
    Ok(ExitCode::SUCCESS)
}
