//! The SQLite side of the seam: binding parameters, reading cells, and the functions the store's
//! SQL calls that SQLite spells differently from PostgreSQL, registered on every connection.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::functions::FunctionFlags;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

use super::param::Param;
use super::row::Cell;
use crate::model::{epoch_millis, format_epoch_millis};
use crate::store::error::{Result, StoreError};

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => ValueRef::Null,
            Param::Integer(value) => ValueRef::Integer(value),
            Param::Real(value) => ValueRef::Real(value),
            Param::Text(text) => ValueRef::Text(text.as_bytes()),
            Param::Bool(value) => ValueRef::Integer(i64::from(value)),
        }))
    }
}

/// Cell `index` of a SQLite row.
pub(super) fn cell<'r>(row: &'r rusqlite::Row<'r>, index: usize) -> Result<Cell<'r>> {
    Ok(match row.get_ref(index)? {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(value) => Cell::Integer(value),
        ValueRef::Real(value) => Cell::Real(value),
        ValueRef::Text(bytes) => Cell::Text(std::str::from_utf8(bytes).map_err(|_| {
            StoreError::Row(format!("column {index} holds text that is not UTF-8"))
        })?),
        ValueRef::Blob(_) => {
            return Err(StoreError::Row(format!(
                "column {index} holds a blob, which no column should"
            )));
        }
    })
}

/// Milliseconds since the Unix epoch, now.
fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Registers the functions both databases offer under one name, so that the store writes its SQL
/// once: `now_utc()` (the timestamp text every row uses), `now_utc_plus(seconds)`,
/// `millis_since(timestamp)` (never below 0), and `this_host()` (the machine approvals are for). Triggers and defaults, which other programs run
/// too, use SQLite's own `strftime` instead.
pub(super) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let volatile = FunctionFlags::SQLITE_UTF8;
    conn.create_scalar_function("now_utc", 0, volatile, |_| Ok(format_epoch_millis(now_millis())))?;
    conn.create_scalar_function("now_utc_plus", 1, volatile, |ctx| {
        let seconds: f64 = ctx.get(0)?;
        Ok(format_epoch_millis(now_millis() + (seconds * 1_000.0) as i64))
    })?;
    let host = crate::store::ProcessIdentity::current().host.clone();
    conn.create_scalar_function(
        "this_host",
        0,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |_| Ok(host.clone()),
    )?;
    conn.create_scalar_function("millis_since", 1, volatile, |ctx| {
        let since: Option<String> = ctx.get(0)?;
        Ok(since.as_deref().and_then(epoch_millis).map(|since| (now_millis() - since).max(0)))
    })?;
    Ok(())
}

/// What `integrity_check` and `foreign_key_check` find, one line per problem.
pub(super) fn integrity_problems(conn: &Connection) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut integrity = conn.prepare("PRAGMA integrity_check")?;
    let mut rows = integrity.query([])?;
    while let Some(row) = rows.next()? {
        let line: String = row.get(0)?;
        if line != "ok" {
            problems.push(format!("integrity: {line}"));
        }
    }
    let mut references = conn.prepare("PRAGMA foreign_key_check")?;
    let mut rows = references.query([])?;
    while let Some(row) = rows.next()? {
        let (table, id, parent): (String, Option<i64>, String) =
            (row.get(0)?, row.get(1)?, row.get(2)?);
        let id = id.map_or_else(|| "?".to_owned(), |id| id.to_string());
        problems.push(format!("foreign key: {table} row {id} refers to a missing {parent} row"));
    }
    Ok(problems)
}
