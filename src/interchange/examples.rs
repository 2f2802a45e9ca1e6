//! The example workflows a new database is seeded with: one per agent kind, on offline models, so
//! every one of them runs without an API key.

use super::{InterchangeError, import_yaml};
use crate::store::Store;

/// One example workflow document, shipped in assets/examples.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The workflow's name inside the document.
    pub workflow: &'static str,
    pub yaml: &'static str,
}

macro_rules! example {
    ($name:literal) => {
        Example {
            workflow: $name,
            yaml: include_str!(concat!("../../assets/examples/", $name, ".yaml")),
        }
    };
}

/// Every example, simplest first.
pub const EXAMPLES: &[Example] = &[
    example!("hello_basic"),
    example!("writing_chain"),
    example!("review_parallel"),
    example!("support_router"),
    example!("research_orchestrator"),
    example!("tagline_evaluator"),
];

/// Imports every example whose workflow is not in the database yet; returns the names imported.
/// Existing workflows, even ones the user changed, are left alone.
pub fn seed_examples(store: &mut Store) -> Result<Vec<String>, InterchangeError> {
    let mut seeded = Vec::new();
    for example in EXAMPLES {
        if store.read(|r| r.find_workflow(example.workflow))?.is_none() {
            import_yaml(store, example.yaml)?;
            seeded.push(example.workflow.to_owned());
        }
    }
    Ok(seeded)
}
