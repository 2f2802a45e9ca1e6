//! Message rows: a session's history, in sequence.

use super::convert::to_json;
use super::db::{Row, params};
use super::error::Result;
use super::{Reader, Writer};
use crate::model::{ContentPart, Message, Role};

const SELECT: &str = "SELECT m.id, m.session_id, m.sequence_number, m.run_id, m.span_id, a.name, m.role, \
                      m.content, m.model, m.input_tokens, m.output_tokens, m.latency_ms, m.tool_call_id, \
                      m.tool_name, m.created_at FROM messages m LEFT JOIN agents a ON a.id = m.agent_id";

fn from_row(row: &Row<'_>) -> Result<Message> {
    Ok(Message {
        id: row.get(0)?,
        session_id: row.get(1)?,
        sequence_number: row.get(2)?,
        run_id: row.get(3)?,
        span_id: row.get(4)?,
        agent: row.get(5)?,
        role: row.word(6)?,
        content: row.json(7)?,
        model: row.get(8)?,
        input_tokens: row.get(9)?,
        output_tokens: row.get(10)?,
        latency_ms: row.get(11)?,
        tool_call_id: row.get(12)?,
        tool_name: row.get(13)?,
        created_at: row.get(14)?,
    })
}

/// A message to append to a session.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub session_id: i64,
    pub run_id: Option<i64>,
    pub span_id: Option<i64>,
    pub agent: Option<String>,
    pub role: Role,
    pub content: Vec<ContentPart>,
    pub model: Option<String>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub latency_ms: Option<u64>,
    pub tool_call_id: Option<String>,
    pub tool_name: Option<String>,
}

impl Reader<'_> {
    /// Every message of `session`, in sequence.
    pub fn messages(&self, session: i64) -> Result<Vec<Message>> {
        self.all(
            &format!("{SELECT} WHERE m.session_id = ?1 ORDER BY m.sequence_number"),
            [session],
            from_row,
        )
    }

    /// The messages of `agent` in `session`, in sequence: its conversation so far, made of the
    /// turns that succeeded and of the run `current` going on. A turn that failed, was cancelled
    /// or was interrupted left no answer to its question, so none of it is fed to the next turn.
    pub fn agent_history(
        &self,
        session: i64,
        agent: &str,
        current: Option<i64>,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "{SELECT} WHERE m.session_id = ?1 AND a.name = ?2
               AND (m.run_id IS NULL OR m.run_id = ?3
                    OR (SELECT status FROM runs r WHERE r.id = m.run_id) = 'succeeded')
             ORDER BY m.sequence_number"
        );
        self.all(&sql, params![session, agent, current], from_row)
    }

    /// Every message of `run`, in sequence.
    pub fn run_messages(&self, run: i64) -> Result<Vec<Message>> {
        self.all(
            &format!("{SELECT} WHERE m.run_id = ?1 ORDER BY m.sequence_number"),
            [run],
            from_row,
        )
    }
}

impl Writer<'_> {
    /// Appends a message at the end of its session; returns its id.
    pub fn append_message(&self, message: &NewMessage) -> Result<i64> {
        let agent = match &message.agent {
            Some(name) => self
                .first("SELECT id FROM agents WHERE name = ?1", [name], |row| row.get::<i64>(0))?,
            None => None,
        };
        self.insert(
            "INSERT INTO messages (session_id, sequence_number, run_id, span_id, agent_id, role, content, model,
                                   input_tokens, output_tokens, latency_ms, tool_call_id, tool_name)
             VALUES (?1, (SELECT coalesce(max(sequence_number) + 1, 0) FROM messages WHERE session_id = ?1),
                     ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
            params![
                message.session_id,
                message.run_id,
                message.span_id,
                agent,
                message.role.as_str(),
                to_json(&message.content)?,
                message.model,
                message.input_tokens.map(|t| t as i64),
                message.output_tokens.map(|t| t as i64),
                message.latency_ms.map(|t| t as i64),
                message.tool_call_id,
                message.tool_name,
            ],
        )
    }
}
