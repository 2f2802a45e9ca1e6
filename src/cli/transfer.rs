//! `agentloom export` and `agentloom import`: workflows as YAML documents.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::Globals;
use super::output::print_json;
use crate::interchange;
use crate::store::Outcome;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The workflow to export
    workflow: String,
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A YAML workflow document, as `agentloom export` writes it
    file: PathBuf,
}

pub(super) fn export(globals: &Globals, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = globals.open()?;
    let yaml = store
        .read(|r| Ok(interchange::export_yaml(r, &args.workflow)))?
        .with_context(|| format!("cannot export workflow \"{}\"", args.workflow))?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, &yaml)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Wrote workflow \"{}\" to {}.", args.workflow, path.display());
        }
        None => print!("{yaml}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn import(globals: &Globals, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut store = globals.open()?;
    let report = interchange::import_yaml(&mut store, &text).with_context(|| {
        format!("{} was not imported; the database is unchanged", args.file.display())
    })?;
    if globals.json {
        return print_json(&report);
    }
    let summary = format!(
        "{} created, {} updated, {} unchanged",
        report.count(Outcome::Created),
        report.count(Outcome::Updated),
        report.count(Outcome::Unchanged)
    );
    println!("Imported {}: {summary}.", args.file.display());
    for change in report.changes.iter().filter(|c| c.outcome != Outcome::Unchanged) {
        let verb = if change.outcome == Outcome::Created { "created" } else { "updated" };
        println!("  {verb} {} {}", change.what, change.name);
    }
    if !report.untrusted_servers.is_empty() {
        println!(
            "Imported stdio servers start only once you approve their command line: agentloom mcp trust NAME ({}).",
            report.untrusted_servers.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
