//! Interchange: the documents AgentLoom reads and writes. Workflows as YAML (export and import,
//! all-or-nothing, every problem reported at its place) and the `mcpServers` JSON of Claude Desktop,
//! Cursor and VS Code.

mod agent_cards;
mod bundle;
mod examples;
mod mcp_json;
mod problems;
mod read_bundle;
mod read_document;
mod strict_json;
mod write_bundle;

pub use agent_cards::{CardImport, ModelParser, import_agent_cards, is_agent_card_source};
pub use bundle::{Bundle, FORMAT_VERSION};
pub use examples::{EXAMPLES, Example, seed_examples};
pub use mcp_json::{McpImport, import_mcp_servers, parse_mcp_servers};
pub use problems::{DocProblem, InterchangeError};
pub use read_bundle::{ExistingNames, locate, to_definitions};
pub use read_document::{MAX_DOCUMENT_BYTES, ReadDocumentError, read_document};
pub use write_bundle::to_bundle;

use crate::model::ServerOrigin;
use crate::store::{ImportReport, Reader, Store, StoreError};

/// The workflow called `name` as a YAML document.
pub fn export_yaml(reader: &Reader<'_>, workflow: &str) -> Result<String, InterchangeError> {
    let bundle = to_bundle(&reader.definition_set(workflow)?);
    serde_saphyr::to_string(&bundle).map_err(|error| {
        InterchangeError::Syntax(format!("cannot write workflow \"{workflow}\" as YAML: {error}"))
    })
}

/// Parses a YAML workflow document; a syntax or shape error says where.
pub fn parse_yaml(text: &str) -> Result<Bundle, InterchangeError> {
    serde_saphyr::from_str(text).map_err(|error| {
        let message = error.to_string();
        InterchangeError::Syntax(message.strip_prefix("error: ").unwrap_or(&message).to_owned())
    })
}

/// Imports a YAML workflow document in one transaction: everything or nothing. Definitions are
/// matched by name, so importing a workflow again updates it (a new version) instead of duplicating it.
pub fn import_yaml(store: &mut Store, text: &str) -> Result<ImportReport, InterchangeError> {
    let bundle = parse_yaml(text)?;
    import_bundle(store, &bundle)
}

/// Imports a parsed workflow document, as [`import_yaml`].
pub fn import_bundle(store: &mut Store, bundle: &Bundle) -> Result<ImportReport, InterchangeError> {
    let existing = store.read(existing_names)?;
    let set = to_definitions(bundle, &existing)?;
    store.write("importing", |w| w.put_definitions(&set, ServerOrigin::Import)).map_err(|error| {
        match error {
            StoreError::Conflicts(found) => InterchangeError::Problems(
                found
                    .iter()
                    .map(|p| DocProblem { path: locate(bundle, p), message: p.to_string() })
                    .collect(),
            ),
            other => InterchangeError::Store(other),
        }
    })
}

/// The names of every agent, LLM config and MCP server already stored.
pub fn existing_names(reader: &Reader<'_>) -> Result<ExistingNames, StoreError> {
    Ok(ExistingNames {
        agents: reader.agents()?.into_iter().map(|a| a.spec.name).collect(),
        llm_configs: reader.llm_configs()?.into_iter().map(|c| c.spec.name).collect(),
        mcp_servers: reader.mcp_servers()?.into_iter().map(|s| s.spec.name).collect(),
    })
}
