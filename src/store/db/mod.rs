//! The seam between the store and its database: one connection type whose queries, parameters,
//! rows and transactions look the same whichever database is behind it. The store's SQL is
//! written once against it; what only one database has (SQLite's pragmas) lives here.

mod param;
mod row;
mod sqlite;

use rusqlite::Connection;

pub(super) use param::{Params, ToParam, params};
pub(super) use row::Row;

use super::error::{Result, StoreError};

/// A connection to the store's database.
pub(super) enum Db {
    Sqlite(Connection),
}

/// How a transaction begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TxMode {
    /// A consistent snapshot to read from.
    Read,
    /// The one writer at a time: begun holding the write lock, so it never fails half-way
    /// because another writer came first.
    Write,
}

impl Db {
    /// Wraps a SQLite connection, registering the functions the store's SQL calls.
    pub fn sqlite(conn: Connection) -> Result<Db> {
        sqlite::register_functions(&conn)?;
        Ok(Db::Sqlite(conn))
    }

    /// The SQLite connection, for tests that reach below the store.
    #[cfg(test)]
    pub fn as_sqlite(&self) -> Option<&Connection> {
        match self {
            Db::Sqlite(conn) => Some(conn),
        }
    }

    /// Runs `sql` (an insert, update or delete) and returns how many rows it changed. Statements
    /// are prepared once per connection and kept, so hot writes compile once.
    pub fn exec(&self, sql: &str, params: impl Params) -> Result<usize> {
        match self {
            Db::Sqlite(conn) => {
                let params = params.to_params();
                Ok(conn.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params.iter()))?)
            }
        }
    }

    /// Every row `sql` returns, each turned into a `T` by `map`.
    pub fn all<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut map: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        match self {
            Db::Sqlite(conn) => {
                let params = params.to_params();
                let mut statement = conn.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
                let mut found = Vec::new();
                while let Some(row) = rows.next()? {
                    found.push(map(&Row::Sqlite(row))?);
                }
                Ok(found)
            }
        }
    }

    /// The first row `sql` returns, if any, turned into a `T` by `map`.
    pub fn first<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        match self {
            Db::Sqlite(conn) => {
                let params = params.to_params();
                let mut statement = conn.prepare_cached(sql)?;
                let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
                rows.next()?.map(|row| map(&Row::Sqlite(row))).transpose()
            }
        }
    }

    /// Runs `sql`, an insert ending in `RETURNING id`, and returns the new row's id.
    pub fn insert(&self, sql: &str, params: impl Params) -> Result<i64> {
        self.first(sql, params, |row| row.get(0))?
            .ok_or_else(|| StoreError::Row(format!("an insert returned no id: {sql}")))
    }

    /// Runs statements without parameters, one after another.
    pub fn batch(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
        }
    }

    /// Begins a transaction, rolled back unless [`Tx::commit`] is called.
    pub fn begin(&self, mode: TxMode) -> Result<Tx<'_>> {
        self.batch(match mode {
            TxMode::Read => "BEGIN DEFERRED",
            TxMode::Write => "BEGIN IMMEDIATE",
        })?;
        Ok(Tx { db: self, open: true })
    }

    /// A number that changes whenever another connection commits; watchers poll it.
    pub fn data_version(&self) -> Result<i64> {
        match self {
            Db::Sqlite(conn) => {
                Ok(conn.pragma_query_value(None, "data_version", |row| row.get(0))?)
            }
        }
    }

    /// Folds the write-ahead log back into the file (as far as readers allow) and truncates it.
    pub fn checkpoint(&self) -> Result<()> {
        match self {
            Db::Sqlite(conn) => {
                Ok(conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?)
            }
        }
    }

    /// What the database's own checks of its storage and references find, one line per problem.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        match self {
            Db::Sqlite(conn) => {
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
                    problems.push(format!(
                        "foreign key: {table} row {id} refers to a missing {parent} row"
                    ));
                }
                Ok(problems)
            }
        }
    }
}

/// An open transaction; dropping it without [`Tx::commit`] rolls it back.
pub(super) struct Tx<'d> {
    db: &'d Db,
    open: bool,
}

impl Tx<'_> {
    /// Commits the transaction.
    pub fn commit(mut self) -> Result<()> {
        self.db.batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // A failed rollback leaves nothing to undo: the database ends the transaction itself.
            let _ = self.db.batch("ROLLBACK");
        }
    }
}
