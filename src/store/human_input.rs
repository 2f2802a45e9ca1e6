//! Human-input request rows: questions for the user, and their answers.

use super::db::{Row, params};
use super::error::{Result, StoreError};
use super::{Reader, Writer};
use crate::model::{HumanInputRequest, HumanInputSource, HumanInputStatus};

const SELECT: &str = "SELECT h.id, h.run_id, h.span_id, h.session_id, a.name, h.source, h.prompt, \
                      h.response_schema, h.answer, h.status, h.created_at, h.answered_at \
                      FROM human_input_requests h LEFT JOIN agents a ON a.id = h.agent_id";

fn from_row(row: &Row<'_>) -> Result<HumanInputRequest> {
    Ok(HumanInputRequest {
        id: row.get(0)?,
        run_id: row.get(1)?,
        span_id: row.get(2)?,
        session_id: row.get(3)?,
        agent: row.get(4)?,
        source: row.word(5)?,
        prompt: row.get(6)?,
        response_schema: row.json_opt(7)?,
        answer: row.json_opt(8)?,
        status: row.word(9)?,
        created_at: row.get(10)?,
        answered_at: row.get(11)?,
    })
}

/// A question to put to the user.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHumanInput {
    pub run_id: Option<i64>,
    pub span_id: Option<i64>,
    pub session_id: Option<i64>,
    pub agent: Option<String>,
    pub source: HumanInputSource,
    pub prompt: String,
    pub response_schema: Option<serde_json::Value>,
}

impl Reader<'_> {
    /// The human-input request `id`.
    pub fn human_input(&self, id: i64) -> Result<HumanInputRequest> {
        self.first(&format!("{SELECT} WHERE h.id = ?1"), [id], from_row)?.ok_or_else(|| {
            StoreError::NotFound { what: "human-input request", name: id.to_string() }
        })
    }

    /// Requests with `status` (all when `None`), oldest first.
    pub fn human_inputs(&self, status: Option<HumanInputStatus>) -> Result<Vec<HumanInputRequest>> {
        let sql = format!("{SELECT} WHERE h.status = ?1 OR ?1 IS NULL ORDER BY h.id");
        self.all(&sql, [status.map(|s| s.as_str())], from_row)
    }
}

impl Writer<'_> {
    /// Records a pending question; returns its id.
    pub fn create_human_input(&self, request: &NewHumanInput) -> Result<i64> {
        let agent = match &request.agent {
            Some(name) => Some(self.agent_id(name)?),
            None => None,
        };
        let schema = request.response_schema.as_ref().map(serde_json::Value::to_string);
        self.insert(
            "INSERT INTO human_input_requests (run_id, span_id, session_id, agent_id, source, prompt, response_schema)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            params![
                request.run_id,
                request.span_id,
                request.session_id,
                agent,
                request.source.as_str(),
                request.prompt,
                schema
            ],
        )
    }

    /// Answers (or declines, or cancels) a pending request. Refused when it is no longer pending.
    pub fn answer_human_input(
        &self,
        id: i64,
        status: HumanInputStatus,
        answer: Option<&serde_json::Value>,
    ) -> Result<HumanInputRequest> {
        let request = self.human_input(id)?;
        if let (HumanInputStatus::Withdrawn, Some(run)) = (request.status, request.run_id) {
            return Err(StoreError::Invalid(format!(
                "human-input request {id} was withdrawn: run {run}, which asked it, was interrupted; \
                 resume the run (agentloom runs resume {run}) to be asked again"
            )));
        }
        if request.status != HumanInputStatus::Pending {
            return Err(StoreError::Invalid(format!(
                "human-input request {id} is already {}; only a pending request can be answered",
                request.status
            )));
        }
        if (status == HumanInputStatus::Answered) != answer.is_some() {
            return Err(StoreError::Invalid(format!(
                "human-input request {id}: an answer goes with the status answered, and only with it"
            )));
        }
        self.exec(
            "UPDATE human_input_requests SET status = ?2, answer = ?3,
                    answered_at = now_utc()
             WHERE id = ?1",
            params![id, status.as_str(), answer.map(serde_json::Value::to_string)],
        )?;
        self.human_input(id)
    }
}
