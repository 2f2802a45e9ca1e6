//! Log rows: structured records tied to the session, run, span and agent they concern.

use super::db::{Row, params};
use super::error::Result;
use super::{Reader, Writer};
use crate::model::{LogLevel, LogRecord};

const SELECT: &str = "SELECT l.id, l.at, l.level, l.target, l.message, l.data, l.session_id, l.run_id, \
                      l.span_id, a.name FROM logs l LEFT JOIN agents a ON a.id = l.agent_id";

fn from_row(row: &Row<'_>) -> Result<LogRecord> {
    Ok(LogRecord {
        id: row.get(0)?,
        at: row.get(1)?,
        level: row.word(2)?,
        target: row.get(3)?,
        message: row.get(4)?,
        data: row.json_opt(5)?,
        session_id: row.get(6)?,
        run_id: row.get(7)?,
        span_id: row.get(8)?,
        agent: row.get(9)?,
    })
}

/// A log record to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLog {
    pub level: LogLevel,
    pub target: String,
    pub message: String,
    pub data: Option<serde_json::Value>,
    pub session_id: Option<i64>,
    pub run_id: Option<i64>,
    pub span_id: Option<i64>,
    pub agent: Option<String>,
}

/// Which logs to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub run_id: Option<i64>,
    /// At least this severe.
    pub level: Option<LogLevel>,
    pub limit: Option<i64>,
}

impl Reader<'_> {
    /// Log records, oldest first, narrowed by `filter` (the newest `limit` when a limit is given).
    pub fn logs(&self, filter: &LogFilter) -> Result<Vec<LogRecord>> {
        // The levels are the model's own words, so they can stand in the SQL.
        let levels: Vec<String> = LogLevel::ALL
            .iter()
            .filter(|l| filter.level.is_none_or(|min| **l >= min))
            .map(|l| format!("'{}'", l.as_str()))
            .collect();
        let sql = format!(
            "SELECT * FROM ({SELECT} WHERE (l.run_id = ?1 OR ?1 IS NULL) AND l.level IN ({})
               ORDER BY l.id DESC LIMIT ?2) AS newest ORDER BY 1",
            levels.join(", ")
        );
        self.all(&sql, params![filter.run_id, filter.limit.unwrap_or(i64::MAX)], from_row)
    }
}

impl Writer<'_> {
    /// Writes one log record.
    pub fn write_log(&self, log: &NewLog) -> Result<()> {
        let agent = match &log.agent {
            Some(name) => self
                .first("SELECT id FROM agents WHERE name = ?1", [name], |row| row.get::<i64>(0))?,
            None => None,
        };
        let data = log.data.as_ref().map(serde_json::Value::to_string);
        self.exec(
            "INSERT INTO logs (level, target, message, data, session_id, run_id, span_id, agent_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                log.level.as_str(),
                log.target,
                log.message,
                data,
                log.session_id,
                log.run_id,
                log.span_id,
                agent
            ],
        )?;
        Ok(())
    }
}
