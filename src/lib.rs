//! AgentLoom: design, run and inspect multi-agent LLM workflows, with one SQLite file as the source of truth.
//!
//! Layers, bottom up: [`model`] (pure domain types), [`store`] (all SQL), [`interchange`]
//! (YAML and `mcpServers` documents), [`cli`]. ARCHITECTURE.md says who may use whom.

pub mod cli;
pub mod engine;
pub mod interchange;
pub mod llm;
pub mod model;
pub mod store;
