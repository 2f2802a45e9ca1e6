//! Result rows as the store reads them from either database: each cell one of a few plain kinds,
//! turned into the Rust type the caller asks for, with an error naming the column when it does not fit.

use std::str::FromStr;

use serde::de::DeserializeOwned;

use crate::store::error::{Result, StoreError};

/// One cell of a result row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::store) enum Cell<'r> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'r str),
    Bool(bool),
}

impl Cell<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Integer(_) => "an integer",
            Cell::Real(_) => "a real number",
            Cell::Text(_) => "text",
            Cell::Bool(_) => "a boolean",
        }
    }
}

/// A Rust type a cell can be read as.
pub(in crate::store) trait Column: Sized {
    /// The value of `cell`, or what it should have been.
    fn from_cell(cell: Cell<'_>) -> std::result::Result<Self, &'static str>;
}

/// A row of either database.
pub(in crate::store) enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r tokio_postgres::Row),
}

impl Row<'_> {
    /// Column `index` as a `T`.
    pub fn get<T: Column>(&self, index: usize) -> Result<T> {
        let cell = self.cell(index)?;
        T::from_cell(cell).map_err(|wanted| {
            StoreError::Row(format!("column {index} holds {}, not {wanted}", cell.kind()))
        })
    }

    /// Column `index`, text holding JSON, as a `T`.
    pub fn json<T: DeserializeOwned>(&self, index: usize) -> Result<T> {
        let text: String = self.get(index)?;
        parse_json(index, &text)
    }

    /// Column `index`, NULL or text holding JSON, as a `T`.
    pub fn json_opt<T: DeserializeOwned>(&self, index: usize) -> Result<Option<T>> {
        let text: Option<String> = self.get(index)?;
        text.map(|text| parse_json(index, &text)).transpose()
    }

    /// Column `index`, one of a closed set of words, as the `T` it names.
    pub fn word<T>(&self, index: usize) -> Result<T>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let text: String = self.get(index)?;
        parse_word(index, &text)
    }

    /// Column `index`, NULL or one of a closed set of words.
    pub fn word_opt<T>(&self, index: usize) -> Result<Option<T>>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let text: Option<String> = self.get(index)?;
        text.map(|text| parse_word(index, &text)).transpose()
    }

    /// How many columns the row has.
    pub fn len(&self) -> usize {
        match self {
            Row::Sqlite(row) => row.as_ref().column_count(),
            Row::Postgres(row) => row.len(),
        }
    }

    fn cell(&self, index: usize) -> Result<Cell<'_>> {
        match self {
            Row::Sqlite(row) => super::sqlite::cell(row, index),
            Row::Postgres(row) => super::postgres::cell(row, index),
        }
    }
}

fn parse_json<T: DeserializeOwned>(index: usize, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|error| {
        StoreError::Row(format!("column {index} holds JSON that does not fit: {error}"))
    })
}

fn parse_word<T>(index: usize, text: &str) -> Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|error| StoreError::Row(format!("column {index}: {error}")))
}

/// A cell's value of any kind, owned: what copying a row from one database to another reads and
/// binds.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::store) enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Bool(bool),
}

impl Column for Value {
    fn from_cell(cell: Cell<'_>) -> std::result::Result<Self, &'static str> {
        Ok(match cell {
            Cell::Null => Value::Null,
            Cell::Integer(value) => Value::Integer(value),
            Cell::Real(value) => Value::Real(value),
            Cell::Text(text) => Value::Text(text.to_owned()),
            Cell::Bool(value) => Value::Bool(value),
        })
    }
}

impl super::ToParam for Value {
    fn to_param(&self) -> super::param::Param<'_> {
        use super::param::Param;
        match self {
            Value::Null => Param::Null,
            Value::Integer(value) => Param::Integer(*value),
            Value::Real(value) => Param::Real(*value),
            Value::Text(text) => Param::Text(text),
            Value::Bool(value) => Param::Bool(*value),
        }
    }
}

impl<T: Column> Column for Option<T> {
    fn from_cell(cell: Cell<'_>) -> std::result::Result<Self, &'static str> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

impl Column for String {
    fn from_cell(cell: Cell<'_>) -> std::result::Result<Self, &'static str> {
        match cell {
            Cell::Text(text) => Ok(text.to_owned()),
            _ => Err("text"),
        }
    }
}

impl Column for i64 {
    fn from_cell(cell: Cell<'_>) -> std::result::Result<Self, &'static str> {
        match cell {
            Cell::Integer(value) => Ok(value),
            Cell::Bool(value) => Ok(i64::from(value)),
            _ => Err("an integer"),
        }
    }
}

impl Column for u32 {
    fn from_cell(cell: Cell<'_>) -> std::result::Result<Self, &'static str> {
        const WANTED: &str = "an integer from 0 to 4294967295";
        i64::from_cell(cell).map_err(|_| WANTED)?.try_into().map_err(|_| WANTED)
    }
}

impl Column for f64 {
    fn from_cell(cell: Cell<'_>) -> std::result::Result<Self, &'static str> {
        match cell {
            Cell::Real(value) => Ok(value),
            // SQLite stores a whole REAL value as an integer.
            Cell::Integer(value) => Ok(value as f64),
            _ => Err("a number"),
        }
    }
}

impl Column for bool {
    fn from_cell(cell: Cell<'_>) -> std::result::Result<Self, &'static str> {
        match cell {
            Cell::Bool(value) => Ok(value),
            // SQLite has no boolean type: its flags are 0 and 1.
            Cell::Integer(0) => Ok(false),
            Cell::Integer(1) => Ok(true),
            _ => Err("a boolean (0 or 1)"),
        }
    }
}
