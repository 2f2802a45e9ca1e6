//! `agentloom export` and `agentloom import`: workflows as YAML documents, and fast-agent
//! AgentCards imported as workflows.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::Globals;
use super::output::print_json;
use crate::interchange::{self, CardImport, DocProblem};
use crate::llm;
use crate::store::{ImportReport, Outcome};

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
    /// A YAML workflow document, as `agentloom export` writes it; or fast-agent AgentCards: a
    /// card file (Markdown with YAML front matter, or YAML) or a folder of them
    file: PathBuf,
}

pub(super) fn export(globals: &Globals, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = globals.open()?;
    let yaml = store
        .read(|r| Ok(interchange::export_yaml(r, &args.workflow)))?
        .with_context(|| format!("cannot export workflow \"{}\"", args.workflow))?;
    match &args.output {
        Some(path) => {
            store.refuse_own_file(path, "exporting to")?;
            std::fs::write(path, &yaml)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Wrote workflow \"{}\" to {}.", args.workflow, path.display());
        }
        None => print!("{yaml}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn import(globals: &Globals, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let mut store = globals.open()?;
    store.refuse_own_file(&args.file, "importing")?;
    if interchange::is_agent_card_source(&args.file) {
        drop(store);
        return import_cards(globals, &args.file);
    }
    let text = interchange::read_document(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let report = interchange::import_yaml(&mut store, &text).with_context(|| {
        format!("{} was not imported; the database is unchanged", args.file.display())
    })?;
    if globals.json {
        return print_json(&report);
    }
    println!("Imported {}: {}.", args.file.display(), summary(&report));
    print_changes(&report);
    Ok(ExitCode::SUCCESS)
}

/// `agentloom import` of fast-agent AgentCards: one workflow, then what was not carried over.
fn import_cards(globals: &Globals, path: &Path) -> anyhow::Result<ExitCode> {
    let mut store = globals.open()?;
    let imported =
        interchange::import_agent_cards(&mut store, path, parse_model).with_context(|| {
            format!(
                "the AgentCards in {} were not imported; the database is unchanged",
                path.display()
            )
        })?;
    if globals.json {
        return print_json(&imported);
    }
    let CardImport { workflow, root, cards, report, warnings, notes, .. } = &imported;
    println!(
        "Imported {} fast-agent card{} from {} as workflow \"{workflow}\" (starts at \"{root}\"): {}.",
        cards.len(),
        if cards.len() == 1 { "" } else { "s" },
        path.display(),
        summary(report)
    );
    print_changes(report);
    print_remarks("Notes:", notes);
    print_remarks("Warnings (not imported as written):", warnings);
    Ok(ExitCode::SUCCESS)
}

/// The LLM layer's model-string parser, in the shape interchange takes.
fn parse_model(text: &str) -> Result<(crate::model::ProviderKind, String), String> {
    llm::parse_model_string(text).map_err(|error| error.to_string())
}

fn summary(report: &ImportReport) -> String {
    format!(
        "{} created, {} updated, {} removed, {} unchanged",
        report.count(Outcome::Created),
        report.count(Outcome::Updated),
        report.count(Outcome::Removed),
        report.count(Outcome::Unchanged)
    )
}

fn print_changes(report: &ImportReport) {
    for change in report.changes.iter().filter(|c| c.outcome != Outcome::Unchanged) {
        let verb = match change.outcome {
            Outcome::Created => "created",
            Outcome::Removed => "removed",
            Outcome::Updated | Outcome::Unchanged => "updated",
        };
        println!("  {verb} {} {}", change.what, change.name);
    }
    if !report.untrusted_servers.is_empty() {
        println!(
            "Imported stdio servers start only once you approve their command line: agentloom mcp trust NAME ({}).",
            report.untrusted_servers.join(", ")
        );
    }
}

fn print_remarks(title: &str, remarks: &[DocProblem]) {
    if remarks.is_empty() {
        return;
    }
    println!("{title}");
    for remark in remarks {
        println!("  {remark}");
    }
}
