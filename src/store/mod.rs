//! The store: the only module that speaks SQL. It opens and migrates the database file and offers
//! typed reads and writes inside transactions that the `read` / `write` closures own.

mod agents;
mod checks;
mod convert;
mod copy;
mod db;
mod definitions;
mod definitions_at;
mod error;
mod history;
mod human_input;
mod journal;
mod layout;
mod links;
mod llm_configs;
mod location;
mod logs;
mod mcp_servers;
mod messages;
mod open;
mod own_files;
mod owners;
mod process;
mod queue;
mod replays;
pub mod schema;
mod sessions;
mod spans;
mod state;
mod workflows;

use std::ops::Deref;
use std::path::Path;

use crate::model::Author;
use db::{Db, Params, Row, TxMode};

pub use agents::AgentDeletion;
pub use checks::Counts;
pub use copy::CopyReport;
pub use definitions::{Change, ImportReport};
pub use definitions_at::DefinitionsAt;
pub use error::{Result, StoreError};
pub use history::{DesignStamp, HistoryEntry};
pub use human_input::NewHumanInput;
pub use journal::JournalEntry;
pub use links::LinkSelector;
pub use location::{Location, PostgresUrl};
pub use logs::{LogFilter, NewLog};
pub use messages::NewMessage;
pub use owners::{HEARTBEAT_EVERY, OWNER_LEASE, OwnerId};
pub use process::{Liveness, ProcessIdentity};
pub use queue::Claimed;
pub use replays::ReplaySource;
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use sessions::{RunFilter, RunTarget};
pub use spans::{NewSpan, SpanEnd};

/// What a write did to a definition that it creates or updates by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Removed,
}

/// One AgentLoom database: a connection and where it came from.
pub struct Store {
    db: Db,
    location: Location,
    read_only: bool,
}

impl Store {
    /// Opens (creating or upgrading as needed) the database at `path`.
    ///
    /// Opening a file that others may have left also marks the runs of processes that are gone
    /// `interrupted` (see [`Store::recover_abandoned_runs`]).
    pub fn open(path: &Path) -> Result<Store> {
        let (conn, read_only) = open::open_file(path)?;
        let location = Location::File(path.to_owned());
        let mut store = Store { db: Db::sqlite(conn)?, location, read_only };
        store.recover_abandoned_runs()?;
        Ok(store)
    }

    /// Opens the database at `location` as [`Store::open`] opens a file; a PostgreSQL database
    /// gets the schema created in it when it has no tables yet.
    pub fn connect(location: &Location) -> Result<Store> {
        let url = match location {
            Location::File(path) => return Store::open(path),
            Location::Postgres(url) => url,
        };
        let db = open::open_postgres(url)?;
        let mut store = Store { db, location: location.clone(), read_only: false };
        store.recover_abandoned_runs()?;
        Ok(store)
    }

    /// Where this store's database is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// A number that changes whenever another connection (another process, sqlite3) commits
    /// to the file; watchers poll it to notice outside edits.
    pub fn data_version(&self) -> Result<i64> {
        self.db.data_version()
    }

    /// Folds the write-ahead log back into the file (as far as readers allow) and truncates it.
    pub fn checkpoint(&self) -> Result<()> {
        self.db.checkpoint()
    }

    /// Whether the file is read-only, so that every write is refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Runs `f` on a consistent snapshot of the database.
    pub fn read<T>(&self, f: impl FnOnce(&Reader<'_>) -> Result<T>) -> Result<T> {
        let tx = self.db.begin(TxMode::Read)?;
        let result = f(&Reader { db: &self.db });
        // A read transaction has nothing to keep: dropping it rolls back.
        drop(tx);
        result
    }

    /// Runs `f` in a write transaction: committed when `f` succeeds, rolled back, leaving
    /// every stored row as it was, when it fails. `action` names the write for error messages.
    /// The user on this machine writes it: definitions it changes are approved as written.
    pub fn write<T>(
        &mut self,
        action: &'static str,
        f: impl FnOnce(&Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_as(Author::Local, action, f)
    }

    /// Runs `f` as [`Store::write`] does, on behalf of `author`: what a REST client binds to a
    /// command or a secret waits for the local user's approval, and it can approve nothing.
    pub fn write_as<T>(
        &mut self,
        author: Author,
        action: &'static str,
        f: impl FnOnce(&Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        if let (true, Location::File(path)) = (self.read_only, &self.location) {
            return Err(StoreError::ReadOnly { path: path.clone(), action });
        }
        let written = (|| {
            let tx = self.db.begin(TxMode::Write)?;
            let value = f(&Writer { reader: Reader { db: &self.db }, author })?;
            tx.commit()?;
            Ok(value)
        })();
        written.map_err(|error: StoreError| error.naming_full_disk(&self.location, action))
    }
}

impl Writer<'_> {
    /// Runs `f` inside a savepoint: when it fails, its changes are undone and the rest of the
    /// transaction goes on.
    pub fn within_savepoint<T>(&self, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        self.db.batch("SAVEPOINT step")?;
        match f(self) {
            Ok(value) => {
                self.db.batch("RELEASE step")?;
                Ok(value)
            }
            Err(error) => {
                self.db.batch("ROLLBACK TO step; RELEASE step")?;
                Err(error)
            }
        }
    }

    /// Refuses an approval asked for by anyone but the user on this machine.
    fn refuse_remote_approval(&self, what: &str, name: &str) -> Result<()> {
        match self.author {
            Author::Local => Ok(()),
            Author::Api => Err(StoreError::Invalid(format!(
                "{what} \"{name}\" can only be approved on this machine (the CLI or the app), \
                 never through the REST service"
            ))),
        }
    }

    /// Who writes a definition that `rebinds` (changes what it starts or where its secrets go)
    /// or not, last written by `before`: a rebinding write is this writer's, any other keeps
    /// the author it had.
    fn author_after(&self, rebinds: bool, before: Author) -> Author {
        if rebinds { self.author } else { before }
    }

    /// Whether an update of row `id` in `table`, at `version` before, changed it (the schema's
    /// triggers bump `version` only when a defining column changes).
    fn outcome_of_update(&self, table: &str, id: i64, version: i64) -> Result<Outcome> {
        let sql = format!("SELECT version FROM {table} WHERE id = ?1");
        let now: i64 = self
            .first(&sql, [id], |row| row.get(0))?
            .ok_or_else(|| StoreError::NotFound { what: "row", name: format!("{table} {id}") })?;
        Ok(if now == version { Outcome::Unchanged } else { Outcome::Updated })
    }
}

/// Typed queries inside a transaction.
pub struct Reader<'t> {
    db: &'t Db,
}

/// Typed changes inside a write transaction; every query of [`Reader`] too.
pub struct Writer<'t> {
    reader: Reader<'t>,
    /// On whose behalf it writes.
    author: Author,
}

impl<'t> Deref for Writer<'t> {
    type Target = Reader<'t>;

    fn deref(&self) -> &Reader<'t> {
        &self.reader
    }
}

impl Reader<'_> {
    /// Runs `sql` (an insert, update or delete); returns how many rows it changed.
    fn exec(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.db.exec(sql, params)
    }

    /// Runs `sql`, an insert ending in `RETURNING id`; returns the new row's id.
    fn insert(&self, sql: &str, params: impl Params) -> Result<i64> {
        self.db.insert(sql, params)
    }

    /// Every row `sql` returns, each turned into a `T` by `map`.
    fn all<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.db.all(sql, params, map)
    }

    /// The first row `sql` returns, if any, turned into a `T` by `map`.
    fn first<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        self.db.first(sql, params, map)
    }

    /// The id of the row of `table` called `name`; `what` names the table for the error.
    fn id_by_name(&self, table: &str, what: &'static str, name: &str) -> Result<i64> {
        let sql = format!("SELECT id FROM {table} WHERE name = ?1");
        self.first(&sql, [name], |row| row.get(0))?
            .ok_or_else(|| StoreError::NotFound { what, name: name.to_owned() })
    }
}
