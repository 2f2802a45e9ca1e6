//! AgentLoom: design, run and inspect multi-agent LLM workflows, with one SQLite file as the source of truth.
//!
//! Layers, bottom up: [`model`] (pure domain types), [`store`] (all SQL), [`llm`] (providers),
//! [`interchange`] (YAML and `mcpServers` documents), [`engine`] (runs workflows), [`cli`].
//! ARCHITECTURE.md says who may use whom.

pub mod api;
#[cfg(feature = "gui")]
pub mod app;
pub mod cli;
pub mod engine;
pub mod interchange;
pub mod llm;
pub mod mcp;
pub mod model;
pub mod store;
