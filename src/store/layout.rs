//! Canvas layout rows: where each agent's node sits on a workflow's canvas.

use std::collections::BTreeMap;

use super::db::params;
use super::error::Result;
use super::{Reader, Writer};
use crate::model::NodePosition;

impl Reader<'_> {
    /// The position of every node on the canvas of the workflow called `workflow`, by agent name.
    pub fn layout(&self, workflow: &str) -> Result<BTreeMap<String, NodePosition>> {
        let id = self.workflow(workflow)?.id;
        let rows = self.all(
            "SELECT a.name, n.x, n.y FROM canvas_nodes n JOIN agents a ON a.id = n.agent_id
             WHERE n.workflow_id = ?1 ORDER BY a.name",
            [id],
            |row| Ok((row.get(0)?, NodePosition { x: row.get(1)?, y: row.get(2)? })),
        )?;
        Ok(rows.into_iter().collect())
    }
}

impl Writer<'_> {
    /// Places the node of `agent` on the canvas of `workflow`.
    pub fn set_node_position(
        &self,
        workflow: &str,
        agent: &str,
        position: NodePosition,
    ) -> Result<()> {
        let workflow_id = self.workflow(workflow)?.id;
        let agent_id = self.agent_id(agent)?;
        self.exec(
            "INSERT INTO canvas_nodes (workflow_id, agent_id, x, y) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (workflow_id, agent_id) DO UPDATE SET x = excluded.x, y = excluded.y",
            params![workflow_id, agent_id, position.x, position.y],
        )?;
        Ok(())
    }

    /// Takes the node of `agent` off the canvas of `workflow`.
    pub fn remove_node(&self, workflow: &str, agent: &str) -> Result<()> {
        let workflow_id = self.workflow(workflow)?.id;
        let agent_id = self.agent_id(agent)?;
        self.exec(
            "DELETE FROM canvas_nodes WHERE workflow_id = ?1 AND agent_id = ?2",
            params![workflow_id, agent_id],
        )?;
        Ok(())
    }

    /// Replaces the whole layout of `workflow` with `positions`.
    pub fn set_layout(
        &self,
        workflow: &str,
        positions: &BTreeMap<String, NodePosition>,
    ) -> Result<()> {
        let workflow_id = self.workflow(workflow)?.id;
        self.exec("DELETE FROM canvas_nodes WHERE workflow_id = ?1", [workflow_id])?;
        for (agent, position) in positions {
            self.set_node_position(workflow, agent, *position)?;
        }
        Ok(())
    }
}
