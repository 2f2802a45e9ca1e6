//! The edit journal: what the desktop app did and how to undo it, kept in the database so that
//! undo and redo survive a restart. Each edit names its editor (`user@host`): on a database that
//! several people edit, undo and redo walk one person's edits only. The store keeps the edits as
//! opaque JSON; the app gives them meaning.

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
    /// `editor`'s latest edit that is done: what their undo would undo.
    pub fn last_done_edit(&self, editor: &str) -> Result<Option<JournalEntry>> {
        let sql = format!("{SELECT} WHERE editor = ?1 AND NOT undone ORDER BY id DESC LIMIT 1");
        self.first(&sql, [editor], from_row)
    }

    /// `editor`'s earliest undone edit: what their redo would redo.
    pub fn first_undone_edit(&self, editor: &str) -> Result<Option<JournalEntry>> {
        let sql = format!("{SELECT} WHERE editor = ?1 AND undone ORDER BY id LIMIT 1");
        self.first(&sql, [editor], from_row)
    }
}

impl Writer<'_> {
    /// Records a new edit of `editor`; their undone edits (their redo stack) are dropped.
    pub fn journal_edit(
        &self,
        editor: &str,
        label: &str,
        forward: &serde_json::Value,
        inverse: &serde_json::Value,
    ) -> Result<()> {
        self.exec("DELETE FROM edit_journal WHERE editor = ?1 AND undone", [editor])?;
        self.exec(
            "INSERT INTO edit_journal (editor, label, forward, inverse) VALUES (?1, ?2, ?3, ?4)",
            params![editor, label, forward.to_string(), inverse.to_string()],
        )?;
        Ok(())
    }

    /// Marks edit `id` undone (or done again).
    pub fn mark_edit(&self, id: i64, undone: bool) -> Result<()> {
        self.exec("UPDATE edit_journal SET undone = ?2 WHERE id = ?1", params![id, undone])?;
        Ok(())
    }
}
