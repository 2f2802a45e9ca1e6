//! `agentloom link ...`: wiring agents together.

use std::process::ExitCode;

use clap::Subcommand;

use super::Globals;
use super::output::{print_json, print_table};
use super::parse;
use crate::model::{JsonObject, LinkKind};
use crate::store::LinkSelector;

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Link CHILD to PARENT in the role TYPE
    Add {
        parent: String,
        child: String,
        /// chains_to, fans_out_to, fan_in_from, routes_to, orchestrates, generator_for_eval, evaluator_for_gen or tool_of
        #[arg(long = "type", value_name = "TYPE")]
        kind: LinkKind,
        /// Position of a chain step (default: after the last one)
        #[arg(long)]
        order: Option<i64>,
        /// Link properties as a JSON object, e.g. '{"description": "billing questions"}' for a route
        #[arg(long, value_name = "JSON", value_parser = parse::json_object)]
        props: Option<JsonObject>,
    },
    /// List links
    List {
        /// Only the links from this parent
        #[arg(long)]
        parent: Option<String>,
    },
    /// Remove the link from PARENT to CHILD
    Rm {
        parent: String,
        child: String,
        /// Which link, when the two agents have several
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<LinkKind>,
        /// Which chain step, when the child appears more than once
        #[arg(long)]
        order: Option<i64>,
    },
}

pub(super) fn run(globals: &Globals, command: LinkCommand) -> anyhow::Result<ExitCode> {
    match command {
        LinkCommand::Add { parent, child, kind, order, props } => {
            let mut store = globals.open()?;
            let link = store.write("adding a link", |w| {
                let id = w.create_link(&parent, &child, kind, order, &props.unwrap_or_default())?;
                let links = w.links_of(&parent)?;
                Ok(links.into_iter().find(|l| l.id == id))
            })?;
            let order = link
                .and_then(|l| l.sequence_order)
                .map_or_else(String::new, |o| format!(" (order {o})"));
            println!("Linked {parent} -{kind}-> {child}{order}.");
            Ok(ExitCode::SUCCESS)
        }
        LinkCommand::List { parent } => {
            let store = globals.open()?;
            let links = store.read(|r| match &parent {
                Some(parent) => {
                    r.agent(parent)?;
                    r.links_of(parent)
                }
                None => r.links(),
            })?;
            if globals.json {
                return print_json(&links);
            }
            let rows: Vec<Vec<String>> = links
                .iter()
                .map(|l| {
                    vec![
                        l.parent.clone(),
                        l.kind.to_string(),
                        l.sequence_order.map_or_else(|| "-".into(), |o| o.to_string()),
                        l.child.clone(),
                        if l.properties.is_empty() {
                            String::new()
                        } else {
                            serde_json::Value::Object(l.properties.clone()).to_string()
                        },
                    ]
                })
                .collect();
            print_table(&["PARENT", "TYPE", "ORDER", "CHILD", "PROPERTIES"], &rows);
            Ok(ExitCode::SUCCESS)
        }
        LinkCommand::Rm { parent, child, kind, order } => {
            let selector = LinkSelector { parent: &parent, child: &child, kind, order };
            let link = globals.open()?.write("removing a link", |w| w.delete_link(&selector))?;
            println!("Removed link {} -{}-> {}.", link.parent, link.kind, link.child);
            Ok(ExitCode::SUCCESS)
        }
    }
}
