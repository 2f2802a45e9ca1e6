//! Copying a whole database into an empty one, SQLite to PostgreSQL and back: every row with its
//! id, versions, runs, spans, messages, logs and definition history as they are, in one write
//! transaction of the target (a copy that fails leaves it empty) read from one snapshot of the
//! source. What belongs to the source's machine stays behind: its processes' leases (a run going
//! on there arrives interrupted, to be resumed) and the local approvals of MCP launches and LLM
//! bindings (approved again on the target).

use serde::Serialize;

use super::db::{Db, Row, Value};
use super::error::{Result, StoreError};
use super::{Reader, Store, Writer};

/// The words the model may grow, copied first (only the words the target lacks).
const REFERENCE_TABLES: &[&str] = &[
    "agent_types",
    "link_types",
    "providers",
    "run_statuses",
    "span_kinds",
    "session_statuses",
    "human_input_statuses",
    "agent_link_rules",
];

/// Every other table, in an order where each row's references are already there, with the
/// column its rows are ordered by. `definition_history` comes last: copying the definitions makes
/// the target's triggers write history of their own, which the source's then replaces.
const TABLES: &[(&str, &str)] = &[
    ("llm_configs", "id"),
    ("mcp_servers", "id"),
    ("agents", "id"),
    ("agent_llm_overrides", "agent_id, purpose"),
    ("agent_mcp_servers", "agent_id, mcp_server_id"),
    ("agent_links", "id"),
    ("workflows", "id"),
    ("canvas_nodes", "workflow_id, agent_id"),
    ("sessions", "id"),
    ("runs", "id"),
    ("spans", "id"),
    ("messages", "id"),
    ("agent_state", "id"),
    ("logs", "id"),
    ("human_input_requests", "id"),
    ("edit_journal", "id"),
    ("definition_history", "revision"),
];

/// The definition tables, whose versions the target's triggers bump while their parts arrive.
const VERSIONED: &[&str] = &["llm_configs", "mcp_servers", "agents", "agent_links", "workflows"];

/// Whether the target gets NULL for `table.column` instead of the source's value: a lease belongs
/// to the source's machine, and a run's replay span is set once the spans are there. (Approvals,
/// in tables of their own, belong to their machines and are not copied at all.)
fn not_copied(table: &str, column: &str) -> bool {
    matches!((table, column), ("runs", "owner_id" | "replay_from_span_id"))
}

/// What a copy did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CopyReport {
    /// Rows copied, by table, in copying order.
    pub tables: Vec<(String, usize)>,
    /// Words of the reference tables the source had and the target did not.
    pub words_added: usize,
    /// Runs that were going on in the source, now interrupted in the target.
    pub interrupted_runs: Vec<i64>,
    /// MCP servers and LLM configs whose local approval was not copied.
    pub approvals_dropped: i64,
}

impl Store {
    /// Copies everything `self` holds into `target`, which must hold nothing yet.
    pub fn copy_into(&self, target: &mut Store) -> Result<CopyReport> {
        let target_at = target.location().to_string();
        self.read(|source| {
            target.write("copying a database", |writer| {
                refuse_unless_empty(writer, &target_at)?;
                copy_all(source, writer)
            })
        })
    }
}

fn refuse_unless_empty(target: &Writer<'_>, at: &str) -> Result<()> {
    let mut held = Vec::new();
    for (table, _) in TABLES {
        let rows = count(target, table)?;
        if rows > 0 {
            held.push(format!("{rows} {table}"));
        }
    }
    if held.is_empty() {
        return Ok(());
    }
    Err(StoreError::Invalid(format!(
        "{at} is not empty: it holds {}; copy into a new database (nothing was changed)",
        held.join(", ")
    )))
}

fn copy_all(source: &Reader<'_>, target: &Writer<'_>) -> Result<CopyReport> {
    let mut report = CopyReport::default();
    for table in REFERENCE_TABLES {
        report.words_added += copy_table(source, target, table, None, true)?;
    }
    for (table, order) in TABLES {
        if *table == "definition_history" {
            target.exec("DELETE FROM definition_history", ())?;
        }
        let copied = copy_table(source, target, table, Some(order), false)?;
        report.tables.push(((*table).to_owned(), copied));
    }
    // Runs that replay from a span refer to spans copied after them.
    let replays: Vec<(i64, i64)> = source.all(
        "SELECT id, replay_from_span_id FROM runs WHERE replay_from_span_id IS NOT NULL",
        (),
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    for (run, span) in replays {
        target.exec("UPDATE runs SET replay_from_span_id = ?2 WHERE id = ?1", [run, span])?;
    }
    restore_versions(source, target)?;
    report.approvals_dropped =
        count(source, "launch_approvals")? + count(source, "binding_approvals")?;
    report.interrupted_runs = target.recover_abandoned_runs()?;
    if target.db.is_postgres() {
        continue_identities(target.db)?;
    }
    Ok(report)
}

/// Copies the rows of `table` (ordered by `order`); `only_new` skips rows the target has.
fn copy_table(
    source: &Reader<'_>,
    target: &Writer<'_>,
    table: &str,
    order: Option<&str>,
    only_new: bool,
) -> Result<usize> {
    let columns = columns_of(target.db, table)?;
    let listed = columns.join(", ");
    let order = order.map(|order| format!(" ORDER BY {order}")).unwrap_or_default();
    let rows: Vec<Vec<Value>> =
        source.all(&format!("SELECT {listed} FROM {table}{order}"), (), values)?;
    let placeholders: Vec<String> = (1..=columns.len()).map(|n| format!("?{n}")).collect();
    let conflict = if only_new { " ON CONFLICT DO NOTHING" } else { "" };
    let insert =
        format!("INSERT INTO {table} ({listed}) VALUES ({}){conflict}", placeholders.join(", "));
    let mut copied = 0;
    for mut row in rows {
        for (value, column) in row.iter_mut().zip(&columns) {
            if not_copied(table, column) {
                *value = Value::Null;
            }
        }
        copied += target.exec(&insert, row.as_slice())?;
    }
    Ok(copied)
}

fn values(row: &Row<'_>) -> Result<Vec<Value>> {
    (0..row.len()).map(|index| row.get(index)).collect()
}

/// The columns of `table` in the database of `db`, in their order.
fn columns_of(db: &Db, table: &str) -> Result<Vec<String>> {
    let sql = if db.is_postgres() {
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
    } else {
        "SELECT name FROM pragma_table_info(?1) ORDER BY cid"
    };
    let columns: Vec<String> = db.all(sql, [table], |row| row.get(0))?;
    if columns.is_empty() {
        return Err(StoreError::Invalid(format!("the target has no table {table}")));
    }
    Ok(columns)
}

/// Sets each definition's version and update time back to the source's: the target's triggers
/// bumped them as the definition's parts (overrides, servers) arrived. Changing the version
/// itself records no history.
fn restore_versions(source: &Reader<'_>, target: &Writer<'_>) -> Result<()> {
    for table in VERSIONED {
        let stamps: Vec<(i64, i64, String)> =
            source.all(&format!("SELECT id, version, updated_at FROM {table}"), (), |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?;
        let update = format!(
            "UPDATE {table} SET version = ?2, updated_at = ?3 WHERE id = ?1 AND version <> ?2"
        );
        for (id, version, updated_at) in stamps {
            target.exec(&update, super::db::params![id, version, updated_at])?;
        }
    }
    Ok(())
}

/// Moves PostgreSQL's identity sequences past the ids copied in, so that new rows get new ids.
fn continue_identities(db: &Db) -> Result<()> {
    for (table, order) in TABLES {
        if !matches!(*order, "id" | "revision") {
            continue;
        }
        db.first(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{order}'),
                               coalesce(max({order}), 0) + 1, false) FROM {table}"
            ),
            (),
            |_| Ok(()),
        )?;
    }
    Ok(())
}

fn count(reader: &Reader<'_>, table: &str) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM {table}");
    Ok(reader.first(&sql, (), |row| row.get(0))?.unwrap_or(0))
}
