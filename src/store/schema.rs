//! The schema's migrations, applied in order and counted in `PRAGMA user_version`.

use rusqlite::{Connection, OptionalExtension};

use super::db::Db;
use super::error::{Result, StoreError};

/// Marks a SQLite file as AgentLoom's (`PRAGMA application_id`, the bytes "ALOM").
pub const APPLICATION_ID: i64 = 0x414C_4F4D;

/// One step of the schema: the SQL that takes a database from `version - 1` to `version`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, oldest first; `MIGRATIONS[i].version == i + 1`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "definitions",
        sql: include_str!("../../migrations/0001_definitions.sql"),
    },
    Migration {
        version: 2,
        name: "definition history",
        sql: include_str!("../../migrations/0002_definition_history.sql"),
    },
    Migration {
        version: 3,
        name: "runtime",
        sql: include_str!("../../migrations/0003_runtime.sql"),
    },
    Migration {
        version: 4,
        name: "edit journal",
        sql: include_str!("../../migrations/0004_edit_journal.sql"),
    },
    Migration {
        version: 5,
        name: "run ownership",
        sql: include_str!("../../migrations/0005_run_ownership.sql"),
    },
    Migration {
        version: 6,
        name: "approvals",
        sql: include_str!("../../migrations/0006_approvals.sql"),
    },
    Migration {
        version: 7,
        name: "reference words",
        sql: include_str!("../../migrations/0007_reference_words.sql"),
    },
    Migration {
        version: 8,
        name: "shared database",
        sql: include_str!("../../migrations/0008_shared_database.sql"),
    },
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// PostgreSQL's migrations, oldest first: a PostgreSQL database is created at schema 7 in one
/// step, and every later version has one migration here as well as one in [`MIGRATIONS`].
pub const POSTGRES_MIGRATIONS: &[Migration] = &[
    Migration {
        version: 7,
        name: "schema 7",
        sql: include_str!("../../migrations/postgres/0007_schema.sql"),
    },
    Migration {
        version: 8,
        name: "shared database",
        sql: include_str!("../../migrations/postgres/0008_shared_database.sql"),
    },
];

/// Takes a PostgreSQL database from schema `current` (0: no tables yet) to [`SCHEMA_VERSION`],
/// inside the caller's transaction.
pub(super) fn migrate_postgres(db: &Db, current: i64) -> Result<()> {
    for migration in POSTGRES_MIGRATIONS.iter().filter(|m| m.version > current) {
        db.batch(migration.sql)?;
        db.exec("UPDATE agentloom_schema SET version = ?1", [migration.version])?;
    }
    Ok(())
}

/// Takes the database from its current version to `target`, all steps in one transaction.
/// Public so that upgrade tests can build databases of every earlier version.
///
/// Foreign keys are off while the steps run, as SQLite's way of changing a table (building the new
/// one, copying the rows, dropping the old) needs, and every reference is checked before the
/// transaction commits: an upgrade that would leave one dangling changes nothing.
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let enforced: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let migrated = migrate_in_one_transaction(conn, target);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    migrated
}

fn migrate_in_one_transaction(conn: &mut Connection, target: i64) -> Result<()> {
    let tx = conn.transaction()?;
    let current: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for migration in MIGRATIONS.iter().filter(|m| m.version > current && m.version <= target) {
        tx.execute_batch(migration.sql)?;
        tx.pragma_update(None, "user_version", migration.version)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    let dangling: Option<String> =
        tx.query_row("PRAGMA foreign_key_check", [], |row| row.get(0)).optional()?;
    if let Some(table) = dangling {
        return Err(StoreError::Invalid(format!(
            "upgrading the schema would leave a row of {table} referring to a row that does not exist"
        )));
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_count_up_from_one() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, index as i64 + 1, "{}", migration.name);
        }
    }

    #[test]
    fn postgres_reaches_the_same_version() {
        let last = POSTGRES_MIGRATIONS.last().map(|m| m.version);
        assert_eq!(last, Some(SCHEMA_VERSION));
        for pair in POSTGRES_MIGRATIONS.windows(2) {
            assert_eq!(pair[1].version, pair[0].version + 1, "{}", pair[1].name);
        }
    }
}
