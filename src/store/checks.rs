//! Whole-database checks: SQLite's integrity and foreign keys, structure validation, and the guard
//! that refuses a write introducing a contradiction.

use std::collections::BTreeSet;

use serde::Serialize;

use super::error::{Result, StoreError};
use super::{Reader, Writer};
use crate::model::{GraphAgent, GraphLink, Problem, Severity, validate};

/// How many of each thing the database holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub agents: i64,
    pub links: i64,
    pub workflows: i64,
    pub llm_configs: i64,
    pub mcp_servers: i64,
    pub sessions: i64,
    pub runs: i64,
}

impl Reader<'_> {
    /// The agent graph as validation sees it.
    pub fn graph(&self) -> Result<(Vec<GraphAgent>, Vec<GraphLink>)> {
        let agents = self.agents()?.iter().map(GraphAgent::of).collect();
        let links = self.links()?.iter().map(GraphLink::of).collect();
        Ok((agents, links))
    }

    /// Every structure problem of the stored definitions.
    pub fn validate(&self) -> Result<Vec<Problem>> {
        let (agents, links) = self.graph()?;
        Ok(validate(&agents, &links))
    }

    /// What the database's own checks of its storage and references find (SQLite's
    /// `integrity_check` and `foreign_key_check`), one line per problem.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        self.db.integrity_problems()
    }

    /// How many of each thing the database holds.
    pub fn counts(&self) -> Result<Counts> {
        let count = |table: &str| -> Result<i64> {
            let sql = format!("SELECT count(*) FROM {table}");
            Ok(self.first(&sql, (), |row| row.get(0))?.unwrap_or(0))
        };
        Ok(Counts {
            agents: count("agents")?,
            links: count("agent_links")?,
            workflows: count("workflows")?,
            llm_configs: count("llm_configs")?,
            mcp_servers: count("mcp_servers")?,
            sessions: count("sessions")?,
            runs: count("runs")?,
        })
    }

    fn conflicts(&self) -> Result<BTreeSet<Problem>> {
        Ok(self.validate()?.into_iter().filter(|p| p.severity == Severity::Conflict).collect())
    }
}

impl Writer<'_> {
    /// Runs `change` and refuses it (the caller's transaction then rolls back) when it leaves a
    /// contradiction, such as a cycle, that was not there before.
    pub fn refuse_new_conflicts<T>(&self, change: impl FnOnce() -> Result<T>) -> Result<T> {
        let before = self.conflicts()?;
        let value = change()?;
        let introduced: Vec<Problem> = self.conflicts()?.difference(&before).cloned().collect();
        if introduced.is_empty() { Ok(value) } else { Err(StoreError::Conflicts(introduced)) }
    }
}
