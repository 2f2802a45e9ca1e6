//! fast-agent AgentCards (one card file, or a folder of Markdown and YAML cards) imported as one
//! workflow: every field mapped onto AgentLoom's rows or reported by name, then written all or
//! nothing through the same path as a YAML workflow document.

mod card;
mod card_set;
mod fields;
mod findings;
mod instruction;
mod origins;
mod request_params;
mod servers;
mod source;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{DocProblem, InterchangeError, existing_names, import_bundle};
use crate::model::ProviderKind;
use crate::store::{ImportReport, Store};
use card_set::{Existing, assemble};

/// Splits a model string (`openai.gpt-4.1-mini`, `passthrough`) into its provider and model, or
/// says why it cannot. The CLI passes the LLM layer's parser; interchange does not use that layer.
pub type ModelParser = fn(&str) -> Result<(ProviderKind, String), String>;

/// What importing a card set did, and what it could not carry over.
#[derive(Debug, Clone, Serialize)]
pub struct CardImport {
    /// The card file or folder imported.
    pub source: String,
    pub workflow: String,
    /// The agent the workflow starts at.
    pub root: String,
    /// The card files read, in order.
    pub cards: Vec<String>,
    pub report: ImportReport,
    /// Fields not imported, or imported with a different meaning; none changes what the agents do.
    pub warnings: Vec<DocProblem>,
    /// Choices the import made: default models, key references, files skipped.
    pub notes: Vec<DocProblem>,
}

/// Whether `path` holds fast-agent AgentCards (a folder, a Markdown file, or a YAML file that is
/// not an AgentLoom workflow document) rather than an AgentLoom YAML document.
pub fn is_agent_card_source(path: &Path) -> bool {
    source::looks_like_cards(path)
}

/// Imports the cards at `path` as one workflow named after the folder or file, in one transaction:
/// everything or nothing. Agents and the workflow are matched by name, so importing again updates
/// them; LLM configs and MCP servers already in the database are used as they are.
pub fn import_agent_cards(
    store: &mut Store,
    path: &Path,
    parse_model: ModelParser,
) -> Result<CardImport, InterchangeError> {
    let source = source::read(path)?;
    let existing = store.read(|r| {
        let servers: BTreeMap<_, _> =
            r.mcp_servers()?.into_iter().map(|s| (s.spec.name.clone(), s.spec)).collect();
        Ok(Existing { names: existing_names(r)?, servers })
    })?;
    let assembled = assemble(&source, &existing, parse_model)?;
    let report = import_bundle(store, &assembled.bundle)
        .map_err(|error| assembled.origins.translate(error))?;
    Ok(CardImport {
        source: source.shown,
        workflow: assembled.bundle.workflow.name.clone(),
        root: assembled.bundle.workflow.root.clone(),
        cards: assembled.cards,
        report,
        warnings: assembled.remarks.warnings,
        notes: assembled.remarks.notes,
    })
}
