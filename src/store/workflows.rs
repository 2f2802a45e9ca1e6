//! Workflow rows: read, create, update, upsert and delete.

use rusqlite::{OptionalExtension, Row, params};

use super::error::{Result, StoreError};
use super::{Outcome, Reader, Writer};
use crate::model::{Workflow, WorkflowSpec};

const WHAT: &str = "workflow";

const COLUMNS: &str =
    "w.id, w.name, w.description, a.name, w.webhook_url, w.version, w.created_at, w.updated_at";

const FROM: &str = "workflows w JOIN agents a ON a.id = w.root_agent_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Workflow> {
    Ok(Workflow {
        id: row.get(0)?,
        spec: WorkflowSpec {
            name: row.get(1)?,
            description: row.get(2)?,
            root: row.get(3)?,
            webhook_url: row.get(4)?,
        },
        version: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
    })
}

impl Reader<'_> {
    /// Every workflow, by name.
    pub fn workflows(&self) -> Result<Vec<Workflow>> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} ORDER BY w.name");
        let mut statement = self.conn().prepare(&sql)?;
        let rows = statement.query_map([], from_row)?.collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The workflow called `name`, if there is one.
    pub fn find_workflow(&self, name: &str) -> Result<Option<Workflow>> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE w.name = ?1");
        Ok(self.conn().query_row(&sql, [name], from_row).optional()?)
    }

    /// The workflow called `name`.
    pub fn workflow(&self, name: &str) -> Result<Workflow> {
        self.find_workflow(name)?
            .ok_or_else(|| StoreError::NotFound { what: WHAT, name: name.to_owned() })
    }
}

fn check(spec: &WorkflowSpec) -> Result<()> {
    let problems = spec.problems();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::invalid(&format!("{WHAT} \"{}\"", spec.name), &problems))
    }
}

impl Writer<'_> {
    /// Adds a new workflow starting at an existing agent.
    pub fn create_workflow(&self, spec: &WorkflowSpec) -> Result<i64> {
        check(spec)?;
        if self.find_workflow(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        let root = self.agent_id(&spec.root)?;
        self.conn().execute(
            "INSERT INTO workflows (name, description, root_agent_id, webhook_url) VALUES (?1, ?2, ?3, ?4)",
            params![spec.name, spec.description, root, spec.webhook_url],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Replaces the workflow called `name` with `spec` (which may rename it).
    pub fn update_workflow(&self, name: &str, spec: &WorkflowSpec) -> Result<Outcome> {
        check(spec)?;
        let current = self.workflow(name)?;
        if spec.name != name && self.find_workflow(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        let root = self.agent_id(&spec.root)?;
        self.conn().execute(
            "UPDATE workflows SET name = ?2, description = ?3, root_agent_id = ?4, webhook_url = ?5 WHERE id = ?1",
            params![current.id, spec.name, spec.description, root, spec.webhook_url],
        )?;
        self.outcome_of_update("workflows", current.id, current.version)
    }

    /// Creates the workflow or brings the existing one of that name in line with `spec`.
    pub fn put_workflow(&self, spec: &WorkflowSpec) -> Result<Outcome> {
        match self.find_workflow(&spec.name)? {
            Some(_) => self.update_workflow(&spec.name, spec),
            None => self.create_workflow(spec).map(|_| Outcome::Created),
        }
    }

    /// Deletes the workflow called `name` and its canvas layout; its agents stay.
    pub fn delete_workflow(&self, name: &str) -> Result<()> {
        let workflow = self.workflow(name)?;
        self.conn().execute("DELETE FROM workflows WHERE id = ?1", [workflow.id])?;
        Ok(())
    }
}
