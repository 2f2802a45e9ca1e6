//! The edit journal: what the desktop app did and how to undo it, kept in the file so that undo
//! and redo survive a restart. The store keeps the edits as opaque JSON; the app gives them meaning.

use super::db::{Row, params};
use super::error::Result;
use super::{Reader, Writer};

/// One journalled edit.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub id: i64,
    pub label: String,
    pub forward: serde_json::Value,
    pub inverse: serde_json::Value,
}

const SELECT: &str = "SELECT id, label, forward, inverse FROM edit_journal";

fn from_row(row: &Row<'_>) -> Result<JournalEntry> {
    Ok(JournalEntry {
        id: row.get(0)?,
        label: row.get(1)?,
        forward: row.json(2)?,
        inverse: row.json(3)?,
    })
}

impl Reader<'_> {
    /// The latest edit that is done: what undo would undo.
    pub fn last_done_edit(&self) -> Result<Option<JournalEntry>> {
        self.first(&format!("{SELECT} WHERE NOT undone ORDER BY id DESC LIMIT 1"), (), from_row)
    }

    /// The earliest undone edit: what redo would redo.
    pub fn first_undone_edit(&self) -> Result<Option<JournalEntry>> {
        self.first(&format!("{SELECT} WHERE undone ORDER BY id LIMIT 1"), (), from_row)
    }
}

impl Writer<'_> {
    /// Records a new edit; the undone edits (the redo stack) are dropped.
    pub fn journal_edit(
        &self,
        label: &str,
        forward: &serde_json::Value,
        inverse: &serde_json::Value,
    ) -> Result<()> {
        self.exec("DELETE FROM edit_journal WHERE undone", ())?;
        self.exec(
            "INSERT INTO edit_journal (label, forward, inverse) VALUES (?1, ?2, ?3)",
            params![label, forward.to_string(), inverse.to_string()],
        )?;
        Ok(())
    }

    /// Marks edit `id` undone (or done again).
    pub fn mark_edit(&self, id: i64, undone: bool) -> Result<()> {
        self.exec("UPDATE edit_journal SET undone = ?2 WHERE id = ?1", params![id, undone])?;
        Ok(())
    }
}
