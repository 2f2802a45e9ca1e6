//! The seam between the store and its database: one connection type whose queries, parameters,
//! rows and transactions look the same whichever database is behind it. The store's SQL is
//! written once against it; what only one database has (SQLite's pragmas) lives here.

mod param;
mod postgres;
mod row;
mod sqlite;

use rusqlite::Connection;

use postgres::PgConn;

pub(super) use param::{Params, ToParam, params};
pub(super) use row::{Row, Value};

use super::error::{Result, StoreError};

/// A connection to the store's database.
pub(super) enum Db {
    Sqlite(Connection),
    Postgres(PgConn),
}

/// The key of the advisory lock every PostgreSQL write transaction takes first (the bytes
/// "ALOM"), so that writers go one at a time, as on SQLite.
const WRITE_LOCK: i64 = 0x414C_4F4D;

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

    /// Connects to the PostgreSQL database at `url`.
    pub fn postgres(url: &str) -> Result<Db> {
        Ok(Db::Postgres(PgConn::connect(url)?))
    }

    /// The SQLite connection, for tests that reach below the store.
    #[cfg(test)]
    pub fn as_sqlite(&self) -> Option<&Connection> {
        match self {
            Db::Sqlite(conn) => Some(conn),
            Db::Postgres(_) => None,
        }
    }

    /// Whether this is a PostgreSQL connection, for the few statements written twice.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// Runs `sql` (an insert, update or delete) and returns how many rows it changed. Statements
    /// are prepared once per connection and kept, so hot writes compile once.
    pub fn exec(&self, sql: &str, params: impl Params) -> Result<usize> {
        match self {
            Db::Sqlite(conn) => {
                let params = params.to_params();
                Ok(conn.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params.iter()))?)
            }
            Db::Postgres(conn) => conn.exec(sql, &params.to_params()),
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
            Db::Postgres(conn) => {
                let rows = conn.query(sql, &params.to_params())?;
                rows.iter().map(|row| map(&Row::Postgres(row))).collect()
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
            Db::Postgres(conn) => {
                let rows = conn.query(sql, &params.to_params())?;
                rows.first().map(|row| map(&Row::Postgres(row))).transpose()
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
            Db::Postgres(conn) => conn.batch(sql),
        }
    }

    /// Begins a transaction, rolled back unless [`Tx::commit`] is called.
    pub fn begin(&self, mode: TxMode) -> Result<Tx<'_>> {
        let begin = match (self, mode) {
            (Db::Sqlite(_), TxMode::Read) => "BEGIN DEFERRED".to_owned(),
            (Db::Sqlite(_), TxMode::Write) => "BEGIN IMMEDIATE".to_owned(),
            (Db::Postgres(_), TxMode::Read) => "BEGIN ISOLATION LEVEL REPEATABLE READ".to_owned(),
            // The notice reaches the other connections when (and only if) the write commits.
            (Db::Postgres(_), TxMode::Write) => format!(
                "BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK}); NOTIFY {}",
                postgres::CHANGES_CHANNEL
            ),
        };
        match self {
            Db::Sqlite(conn) => conn.execute_batch(&begin)?,
            Db::Postgres(conn) => conn.begin(&begin)?,
        }
        Ok(Tx { db: self, open: true })
    }

    /// A number that changes whenever another connection commits; watchers poll it.
    pub fn data_version(&self) -> Result<i64> {
        match self {
            Db::Sqlite(conn) => {
                Ok(conn.pragma_query_value(None, "data_version", |row| row.get(0))?)
            }
            Db::Postgres(conn) => Ok(conn.commits_by_others()),
        }
    }

    /// Folds SQLite's write-ahead log back into the file (as far as readers allow) and truncates
    /// it; PostgreSQL does its own.
    pub fn checkpoint(&self) -> Result<()> {
        match self {
            Db::Sqlite(conn) => {
                Ok(conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?)
            }
            Db::Postgres(_) => Ok(()),
        }
    }

    /// What the database's own checks of its storage and references find, one line per problem
    /// (SQLite's `integrity_check` and `foreign_key_check`; PostgreSQL never holds a dangling
    /// reference, and checks its pages as it reads them).
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        match self {
            Db::Sqlite(conn) => sqlite::integrity_problems(conn),
            Db::Postgres(_) => Ok(Vec::new()),
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
