//! Span rows: the steps of a run, as a tree.

use super::convert::to_json;
use super::db::{Row, params};
use super::error::Result;
use super::{Reader, Writer};
use crate::model::{JsonObject, RunStatus, Span, SpanKind};

const SELECT: &str = "SELECT id, run_id, parent_span_id, agent_name, kind, name, position, status, input, \
                      output, error, attributes, input_tokens, output_tokens, cost_usd, started_at, \
                      ended_at, duration_ms FROM spans";

fn from_row(row: &Row<'_>) -> Result<Span> {
    Ok(Span {
        id: row.get(0)?,
        run_id: row.get(1)?,
        parent_span_id: row.get(2)?,
        agent: row.get(3)?,
        kind: row.word(4)?,
        name: row.get(5)?,
        position: row.get(6)?,
        status: row.word(7)?,
        input: row.get(8)?,
        output: row.get(9)?,
        error: row.get(10)?,
        attributes: row.json(11)?,
        input_tokens: row.get(12)?,
        output_tokens: row.get(13)?,
        cost_usd: row.get(14)?,
        started_at: row.get(15)?,
        ended_at: row.get(16)?,
        duration_ms: row.get(17)?,
    })
}

/// A span as it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSpan {
    pub run_id: i64,
    pub parent_span_id: Option<i64>,
    pub agent: String,
    pub kind: SpanKind,
    pub name: String,
    pub input: Option<String>,
    pub attributes: JsonObject,
}

/// How a span ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanEnd {
    pub status: RunStatus,
    pub output: Option<String>,
    pub error: Option<String>,
    pub attributes: JsonObject,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub duration_ms: u64,
}

impl Reader<'_> {
    /// Every span of `run`, parents before children, siblings in order.
    pub fn spans(&self, run: i64) -> Result<Vec<Span>> {
        self.all(&format!("{SELECT} WHERE run_id = ?1 ORDER BY id"), [run], from_row)
    }
}

impl Writer<'_> {
    /// Records a span that starts now, running, after its siblings.
    pub fn create_span(&self, span: &NewSpan) -> Result<i64> {
        let agent = self.first("SELECT id FROM agents WHERE name = ?1", [&span.agent], |row| {
            row.get::<i64>(0)
        })?;
        self.insert(
            "INSERT INTO spans (run_id, parent_span_id, agent_id, agent_name, kind, name, position, status, input,
                                attributes, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6,
                     (SELECT count(*) FROM spans WHERE run_id = ?1 AND parent_span_id IS NOT DISTINCT FROM ?2),
                     'running', ?7, ?8, now_utc()) RETURNING id",
            params![
                span.run_id,
                span.parent_span_id,
                agent,
                span.agent,
                span.kind.as_str(),
                span.name,
                span.input,
                to_json(&span.attributes)?,
            ],
        )
    }

    /// Moves a span that is still going to `status` (running or waiting).
    pub fn set_span_status(&self, span: i64, status: RunStatus) -> Result<()> {
        self.exec(
            "UPDATE spans SET status = ?2 WHERE id = ?1 AND status IN ('queued', 'running', 'waiting')",
            params![span, status.as_str()],
        )?;
        Ok(())
    }

    /// Ends a span; `end.attributes` are merged over the ones it started with.
    pub fn finish_span(&self, span: i64, end: &SpanEnd) -> Result<()> {
        self.exec(
            "UPDATE spans SET status = ?2, output = ?3, error = ?4, attributes = json_patch(attributes, ?5),
                    input_tokens = ?6, output_tokens = ?7, cost_usd = ?8, duration_ms = ?9,
                    ended_at = now_utc()
             WHERE id = ?1",
            params![
                span,
                end.status.as_str(),
                end.output,
                end.error,
                to_json(&end.attributes)?,
                end.input_tokens as i64,
                end.output_tokens as i64,
                end.cost_usd,
                end.duration_ms as i64,
            ],
        )?;
        Ok(())
    }
}
