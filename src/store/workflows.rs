//! Workflow rows: read, create, update, upsert and delete.

use super::db::{Row, params};
use super::error::{Result, StoreError, refuse_problems};
use super::{Outcome, Reader, Writer};
use crate::model::{Workflow, WorkflowSpec};

const WHAT: &str = "workflow";

const SELECT: &str = "SELECT w.id, w.name, w.description, a.name, w.webhook_url, w.version, \
                      w.created_at, w.updated_at FROM workflows w JOIN agents a ON a.id = w.root_agent_id";

fn from_row(row: &Row<'_>) -> Result<Workflow> {
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
        self.all(&format!("{SELECT} ORDER BY w.name"), (), from_row)
    }

    /// The workflow called `name`, if there is one.
    pub fn find_workflow(&self, name: &str) -> Result<Option<Workflow>> {
        self.first(&format!("{SELECT} WHERE w.name = ?1"), [name], from_row)
    }

    /// The workflow called `name`.
    pub fn workflow(&self, name: &str) -> Result<Workflow> {
        self.find_workflow(name)?
            .ok_or_else(|| StoreError::NotFound { what: WHAT, name: name.to_owned() })
    }
}

impl Writer<'_> {
    /// Adds a new workflow starting at an existing agent.
    pub fn create_workflow(&self, spec: &WorkflowSpec) -> Result<i64> {
        refuse_problems(WHAT, &spec.name, &spec.problems())?;
        if self.find_workflow(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        self.save_workflow_row(None, spec)
    }

    /// Replaces the workflow called `name` with `spec` (which may rename it).
    pub fn update_workflow(&self, name: &str, spec: &WorkflowSpec) -> Result<Outcome> {
        refuse_problems(WHAT, &spec.name, &spec.problems())?;
        let current = self.workflow(name)?;
        if spec.name != name && self.find_workflow(&spec.name)?.is_some() {
            return Err(StoreError::AlreadyExists { what: WHAT, name: spec.name.clone() });
        }
        self.save_workflow_row(Some(current.id), spec)?;
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
        self.exec("DELETE FROM workflows WHERE id = ?1", [workflow.id])?;
        Ok(())
    }

    /// Inserts `spec` as a new row (`id` None) or writes it over row `id`; returns the row's id.
    fn save_workflow_row(&self, id: Option<i64>, spec: &WorkflowSpec) -> Result<i64> {
        let root = self.agent_id(&spec.root)?;
        self.insert(
            "INSERT INTO workflows (id, name, description, root_agent_id, webhook_url) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
                 root_agent_id = excluded.root_agent_id, webhook_url = excluded.webhook_url RETURNING id",
            params![id, spec.name, spec.description, root, spec.webhook_url],
        )
    }
}
