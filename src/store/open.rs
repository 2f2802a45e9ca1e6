//! Opening a database: recognise what it is before touching it, create or upgrade it, and (for a
//! file) set the pragmas.

use std::fs;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::db::{Db, TxMode};
use super::error::{Result, StoreError};
use super::location::{Location, PostgresUrl};
use super::schema::{APPLICATION_ID, SCHEMA_VERSION, migrate_postgres, migrate_to};

/// What a path holds, judged without writing to it.
enum Found {
    /// Nothing yet, or an empty file: a new database.
    Nothing,
    /// A file with something in it, which SQLite itself then recognises as a database or not.
    Something,
}

/// How long a connection waits for another writer before giving up.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Looks at `path` with `stat` alone. The file is never opened outside SQLite: on POSIX, closing
/// any descriptor of a file drops every lock the process holds on it, so a header read here while
/// another connection of this process is open (the service's pool, the engine's writer) would let
/// other processes write under it. SQLite reads the header itself, in `header_facts`.
fn inspect(path: &Path) -> Result<Found> {
    match fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Found::Nothing),
        Err(source) => Err(StoreError::Io { path: path.to_owned(), source }),
        Ok(meta) if meta.is_dir() => Err(StoreError::NotSqlite { path: path.to_owned() }),
        Ok(meta) if meta.len() == 0 => Ok(Found::Nothing),
        Ok(_) => Ok(Found::Something),
    }
}

/// Opens `path` as an AgentLoom database: creates it when missing or empty, upgrades an older
/// schema (after a backup copy), and refuses, without changing a byte, a file that is not
/// SQLite, not AgentLoom's, or newer than this binary. Returns the connection and whether it is read-only.
pub(super) fn open_file(path: &Path) -> Result<(Connection, bool)> {
    let found = inspect(path)?;
    let read_only = matches!(found, Found::Something)
        && fs::metadata(path).map(|m| m.permissions().readonly()).unwrap_or(false);
    let new_dir =
        path.parent().filter(|d| !d.as_os_str().is_empty() && matches!(found, Found::Nothing));
    if let Some(dir) = new_dir {
        fs::create_dir_all(dir)
            .map_err(|source| StoreError::Io { path: dir.to_owned(), source })?;
    }
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let mut conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;

    let (app_id, version, objects) = header_facts(&conn).map_err(|error| match error {
        rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::NotADatabase => {
            StoreError::NotSqlite { path: path.to_owned() }
        }
        other => StoreError::Sqlite(other),
    })?;
    let blank = objects == 0 && version == 0;
    if app_id != APPLICATION_ID && !blank {
        return Err(StoreError::NotAgentLoom { at: path.into() });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            at: path.into(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < SCHEMA_VERSION {
        if read_only {
            return Err(StoreError::ReadOnly {
                path: path.to_owned(),
                action: "upgrading its schema",
            });
        }
        if !blank {
            back_up(&conn, path, version)?;
        }
        migrate_to(&mut conn, SCHEMA_VERSION)?;
    }
    if !read_only {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    Ok((conn, read_only))
}

fn header_facts(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let app_id = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let version = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let objects = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))?;
    Ok((app_id, version, objects))
}

/// Copies the database beside itself (`NAME.schema-N.bak`) before its first upgrade from version N.
fn back_up(conn: &Connection, path: &Path, version: i64) -> Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".schema-{version}.bak"));
    let backup = path.with_file_name(name);
    if backup.exists() {
        return Ok(());
    }
    let target = backup.to_string_lossy().into_owned();
    conn.execute("VACUUM INTO ?1", [target])?;
    Ok(())
}

/// Connects to the PostgreSQL database at `url` and makes it AgentLoom's at this schema: creates
/// the schema in a database without tables, upgrades an older one, and refuses, changing
/// nothing, one with other tables or a newer schema. All in one transaction that holds the write
/// lock, so that two processes opening a new database at once create the schema once.
pub(super) fn open_postgres(url: &PostgresUrl) -> Result<Db> {
    let at = Location::Postgres(url.clone());
    let db = Db::postgres(url.connect_string()).map_err(|error| match error {
        StoreError::Postgres { message, sqlstate } => {
            StoreError::Postgres { message: format!("{at}: {message}"), sqlstate }
        }
        other => other,
    })?;
    let tx = db.begin(TxMode::Write)?;
    let (tables, marked) = db
        .first(
            "SELECT (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()),
                    to_regclass('agentloom_schema') IS NOT NULL",
            (),
            |row| Ok((row.get::<i64>(0)?, row.get::<bool>(1)?)),
        )?
        .unwrap_or((0, false));
    let version = match (tables, marked) {
        (0, _) => 0,
        (_, false) => return Err(StoreError::NotAgentLoom { at }),
        (_, true) => {
            let mark =
                db.first("SELECT application_id, version FROM agentloom_schema", (), |row| {
                    Ok((row.get::<i64>(0)?, row.get::<i64>(1)?))
                })?;
            match mark {
                Some((APPLICATION_ID, version)) => version,
                _ => return Err(StoreError::NotAgentLoom { at }),
            }
        }
    };
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { at, found: version, supported: SCHEMA_VERSION });
    }
    if version < SCHEMA_VERSION {
        migrate_postgres(&db, version)?;
    }
    tx.commit()?;
    Ok(db)
}
