//! Definition versions: the snapshots the schema's triggers append on every change, read back.

use super::db::{Row, params};
use serde::Serialize;

use super::Reader;
use super::error::Result;

/// One recorded version of a definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Position of this change among all definition changes of the file.
    pub revision: i64,
    /// `llm_config`, `mcp_server`, `agent`, `agent_link` or `workflow`.
    pub entity: String,
    pub entity_id: i64,
    pub version: i64,
    /// `insert`, `update` or `delete`.
    pub operation: String,
    /// The row as it was after the change (before it, for a delete).
    pub row: serde_json::Value,
    pub changed_at: String,
}

fn from_row(row: &Row<'_>) -> Result<HistoryEntry> {
    Ok(HistoryEntry {
        revision: row.get(0)?,
        entity: row.get(1)?,
        entity_id: row.get(2)?,
        version: row.get(3)?,
        operation: row.get(4)?,
        row: row.json(5)?,
        changed_at: row.get(6)?,
    })
}

const SELECT: &str = "SELECT revision, entity, entity_id, version, operation, row_json, changed_at \
                      FROM definition_history";

/// A cheap fingerprint of everything a canvas is drawn from: the latest definition revision and
/// the node positions. Equal stamps mean there is nothing new to draw; runs do not change it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DesignStamp {
    pub revision: i64,
    pub nodes: i64,
    /// A checksum of the node positions.
    pub positions: f64,
}

impl Reader<'_> {
    /// The fingerprint of the definitions and layout as they are now.
    pub fn design_stamp(&self) -> Result<DesignStamp> {
        let sql = "SELECT (SELECT coalesce(max(revision), 0) FROM definition_history), count(*),
                          coalesce(sum((x + 1.5) * (agent_id + 0.37) + (y + 2.5) * (agent_id + workflow_id * 0.61 + 0.71)), 0.0)
                   FROM canvas_nodes";
        let stamp = self.first(sql, (), |row| {
            Ok(DesignStamp { revision: row.get(0)?, nodes: row.get(1)?, positions: row.get(2)? })
        })?;
        Ok(stamp.unwrap_or_default())
    }

    /// The revision of the latest definition change (0 before any): what a run starting now runs.
    pub fn current_revision(&self) -> Result<i64> {
        let sql = "SELECT coalesce(max(revision), 0) FROM definition_history";
        Ok(self.first(sql, (), |row| row.get(0))?.unwrap_or(0))
    }

    /// Every recorded version of one definition, oldest first.
    pub fn history(&self, entity: &str, entity_id: i64) -> Result<Vec<HistoryEntry>> {
        let sql = format!("{SELECT} WHERE entity = ?1 AND entity_id = ?2 ORDER BY revision");
        self.all(&sql, params![entity, entity_id], from_row)
    }

    /// The definition `entity` #`entity_id` as it stood at `revision`, or `None` if it did not
    /// exist then.
    pub fn version_at(
        &self,
        entity: &str,
        entity_id: i64,
        revision: i64,
    ) -> Result<Option<HistoryEntry>> {
        let sql = format!(
            "{SELECT} WHERE entity = ?1 AND entity_id = ?2 AND revision <= ?3 ORDER BY revision DESC LIMIT 1"
        );
        let entry = self.first(&sql, params![entity, entity_id, revision], from_row)?;
        Ok(entry.filter(|e| e.operation != "delete"))
    }
}
