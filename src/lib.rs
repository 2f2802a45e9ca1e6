//! AgentLoom: design, run and inspect multi-agent LLM workflows, with one SQLite file as the source of truth.
//!
//! Layers, bottom up: [`model`] (pure domain types), [`store`] (all SQL), [`llm`] (providers),
//! [`mcp`] (MCP clients and the MCP server), [`interchange`] (YAML and `mcpServers` documents),
//! [`engine`] (runs workflows), and on top the REST service ([`api`]), the desktop app (`app`,
//! feature `gui`) and the command line ([`cli`]). ARCHITECTURE.md says who may use whom.

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
