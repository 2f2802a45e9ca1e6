//! `agentloom workflow ...`: named entry points into the agent graph.

use std::process::ExitCode;

use clap::Subcommand;

use super::Globals;
use super::output::{print_fields, print_json, print_table, short};
use crate::model::{Problem, Subject, WorkflowSpec};

#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// Add a workflow that starts at ROOT
    Add {
        name: String,
        /// The agent a run starts at
        #[arg(long, value_name = "AGENT")]
        root: String,
        #[arg(long, value_name = "TEXT", default_value = "")]
        description: String,
    },
    /// List workflows
    List,
    /// Show a workflow: its agents and links
    Show { name: String },
    /// Delete a workflow (its agents stay)
    Rm { name: String },
}

pub(super) fn run(globals: &Globals, command: WorkflowCommand) -> anyhow::Result<ExitCode> {
    match command {
        WorkflowCommand::Add { name, root, description } => {
            let spec = WorkflowSpec { name, description, root, webhook_url: None };
            globals.open()?.write("adding a workflow", |w| w.create_workflow(&spec))?;
            println!("Added workflow \"{}\" starting at agent \"{}\".", spec.name, spec.root);
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::List => {
            let workflows = globals.open()?.read(|r| r.workflows())?;
            if globals.json {
                return print_json(&workflows);
            }
            let rows: Vec<Vec<String>> = workflows
                .iter()
                .map(|w| {
                    vec![
                        w.spec.name.clone(),
                        w.spec.root.clone(),
                        w.version.to_string(),
                        short(&w.spec.description, 60),
                    ]
                })
                .collect();
            print_table(&["NAME", "ROOT", "VERSION", "DESCRIPTION"], &rows);
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Show { name } => show(globals, &name),
        WorkflowCommand::Rm { name } => {
            globals.open()?.write("deleting a workflow", |w| w.delete_workflow(&name))?;
            println!("Deleted workflow \"{name}\"; its agents are still there.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show(globals: &Globals, name: &str) -> anyhow::Result<ExitCode> {
    let store = globals.open()?;
    let (workflow, set, problems) =
        store.read(|r| Ok((r.workflow(name)?, r.definition_set(name)?, r.validate()?)))?;
    let members: Vec<&str> = set.agents.iter().map(|a| a.spec.name.as_str()).collect();
    let concerns = |p: &&Problem| match &p.subject {
        Subject::Agent { name } => members.contains(&name.as_str()),
        Subject::Link(link) => members.contains(&link.parent.as_str()),
    };
    let problems: Vec<&Problem> = problems.iter().filter(concerns).collect();
    if globals.json {
        let agents: Vec<_> = set.agents.iter().map(|a| &a.spec).collect();
        return print_json(&serde_json::json!({
            "workflow": workflow,
            "agents": agents,
            "problems": problems,
        }));
    }
    print_fields(&[
        ("workflow", workflow.spec.name.clone()),
        ("description", workflow.spec.description.clone()),
        ("root", workflow.spec.root.clone()),
        ("version", workflow.version.to_string()),
    ]);
    println!();
    let rows: Vec<Vec<String>> = set
        .agents
        .iter()
        .map(|a| {
            let wiring: Vec<String> = a
                .links
                .iter()
                .map(|l| match l.order {
                    Some(order) => format!("{} {}#{order}", l.kind, l.child),
                    None => format!("{} {}", l.kind, l.child),
                })
                .collect();
            vec![
                a.spec.name.clone(),
                a.spec.kind.to_string(),
                a.spec.llm.clone().unwrap_or_else(|| "-".into()),
                wiring.join(", "),
            ]
        })
        .collect();
    print_table(&["AGENT", "TYPE", "LLM", "LINKS"], &rows);
    if problems.is_empty() {
        println!();
        println!("Structure: ready to run.");
    } else {
        println!();
        println!("Structure problems:");
        for problem in problems {
            println!("  {problem}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
