//! Opening database files: what is not ours or is too new is refused untouched; older schemas
//! are upgraded (after a backup) to exactly what a fresh database has.

mod support;

use std::fs;

use agentloom::store::schema::{MIGRATIONS, Migration, POSTGRES_MIGRATIONS, migrate_to};
use agentloom::store::{SCHEMA_VERSION, Store, StoreError};
use rusqlite::Connection;
use support::{Sandbox, dump};

#[test]
fn a_newer_schema_is_refused_and_left_byte_for_byte() {
    let sandbox = Sandbox::seeded();
    {
        let conn = Connection::open(&sandbox.db).expect("open");
        conn.pragma_update(None, "journal_mode", "DELETE").expect("journal");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).expect("bump");
    }
    let before = fs::read(&sandbox.db).expect("read");
    let run = sandbox.run(&["agent", "list"]);
    run.fails_with(&format!(
        "schema version {} is newer than this AgentLoom understands (up to {SCHEMA_VERSION}); upgrade AgentLoom to open it (the file was not changed)",
        SCHEMA_VERSION + 1
    ));
    assert_eq!(before, fs::read(&sandbox.db).expect("read"));
}

#[test]
fn files_that_are_not_ours_are_refused_untouched() {
    let sandbox = Sandbox::new();
    let text = sandbox.path("notes.txt");
    fs::write(
        &text,
        "shopping list: milk, eggs, a much longer line so the file is not tiny\n".repeat(20),
    )
    .expect("write");
    let before = fs::read(&text).expect("read");
    let run = sandbox.command(&["agent", "list"]).arg("--db").arg(&text).output().expect("run");
    support::Run::from(run)
        .fails_with("notes.txt: not a SQLite database (the file was not changed)");
    assert_eq!(before, fs::read(&text).expect("read"));

    let other = sandbox.path("other.sqlite");
    Connection::open(&other)
        .and_then(|c| c.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)"))
        .expect("other db");
    let before = fs::read(&other).expect("read");
    let run = sandbox.command(&["agent", "list"]).arg("--db").arg(&other).output().expect("run");
    support::Run::from(run).fails_with(
        "other.sqlite: a SQLite database, but not AgentLoom's (the file was not changed)",
    );
    assert_eq!(before, fs::read(&other).expect("read"));

    let directory = sandbox.path("a-directory");
    fs::create_dir(&directory).expect("dir");
    assert!(matches!(Store::open(&directory), Err(StoreError::NotSqlite { .. })));
}

#[test]
fn a_read_only_file_can_be_read_but_not_written() {
    let sandbox = Sandbox::seeded();
    let mut permissions = fs::metadata(&sandbox.db).expect("meta").permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&sandbox.db, permissions).expect("chmod");
    let before = dump(&sandbox.db);

    let listed = sandbox.run(&["agent", "list"]).ok();
    assert!(listed.stdout.contains("echo"), "{}", listed.stdout);
    sandbox
        .run(&["agent", "add", "x", "--type", "basic"])
        .fails_with("agentloom.db: the file is read-only; adding an agent needs to write to it");
    assert_eq!(before, dump(&sandbox.db));
}

#[test]
fn an_empty_file_becomes_a_new_database() {
    let sandbox = Sandbox::new();
    fs::write(&sandbox.db, b"").expect("touch");
    sandbox.run(&["agent", "list"]).ok();
    let conn = Connection::open(&sandbox.db).expect("open");
    let version: i64 =
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).expect("version");
    assert_eq!(version, SCHEMA_VERSION);
}

/// The schema as SQLite describes it: every table, index, view and trigger with its SQL.
fn schema_of(conn: &Connection) -> Vec<(String, String, Option<String>)> {
    conn.prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name")
        .expect("schema")
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .expect("schema")
        .collect::<Result<_, _>>()
        .expect("schema")
}

/// Rows that are valid at every schema version, to carry through upgrades.
const FIXTURE: &str = "
    INSERT INTO llm_configs (name, provider, model) VALUES ('local', 'generic', 'llama3.2');
    INSERT INTO agents (name, agent_type, llm_config_id) VALUES ('writer', 'basic', 1), ('flow', 'chain', NULL);
    INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type, sequence_order) VALUES (2, 1, 'chains_to', 1);
    INSERT INTO workflows (name, root_agent_id) VALUES ('story', 2);
";

#[test]
fn every_earlier_version_upgrades_to_the_fresh_schema_and_keeps_its_rows() {
    let dir = tempfile::tempdir().expect("dir");
    let fresh_path = dir.path().join("fresh.db");
    drop(Store::open(&fresh_path).expect("fresh"));
    let fresh = schema_of(&Connection::open(&fresh_path).expect("open"));

    for migration in MIGRATIONS.iter().filter(|m| m.version < SCHEMA_VERSION) {
        let path = dir.path().join(format!("v{}.db", migration.version));
        {
            let mut conn = Connection::open(&path).expect("open");
            migrate_to(&mut conn, migration.version).expect("old schema");
            conn.execute_batch(FIXTURE).expect("fixture");
        }
        let store = Store::open(&path).expect("upgrade");
        let (agents, links, workflow, problems) = store
            .read(|r| Ok((r.agents()?, r.links()?, r.workflow("story")?, r.integrity_problems()?)))
            .expect("read");
        assert_eq!(agents.len(), 2, "from v{}", migration.version);
        assert_eq!(links.len(), 1, "from v{}", migration.version);
        assert_eq!(workflow.spec.root, "flow");
        assert!(problems.is_empty(), "from v{}: {problems:?}", migration.version);
        drop(store);

        let upgraded = schema_of(&Connection::open(&path).expect("open"));
        assert_eq!(
            upgraded, fresh,
            "schema upgraded from v{} differs from a fresh one",
            migration.version
        );
        let backup =
            dir.path().join(format!("v{}.db.schema-{}.bak", migration.version, migration.version));
        let kept: i64 = Connection::open(&backup)
            .and_then(|c| c.query_row("SELECT count(*) FROM agents", [], |r| r.get(0)))
            .expect("backup readable");
        assert_eq!(kept, 2, "the backup holds the rows from before the upgrade");
    }
}

#[test]
fn runs_left_going_by_an_older_version_are_interrupted_by_the_upgrade() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("v4.db");
    {
        let mut conn = Connection::open(&path).expect("open");
        migrate_to(&mut conn, 4).expect("schema 4");
        conn.execute_batch(FIXTURE).expect("fixture");
        conn.execute_batch(
            "INSERT INTO sessions (workflow_id) VALUES (1), (1);
             INSERT INTO runs (session_id, target_name, input, status, output) VALUES (1, 'story', 'a', 'succeeded', 'done');
             INSERT INTO runs (session_id, target_name, input, status) VALUES (1, 'story', 'b', 'running'), (2, 'story', 'c', 'waiting');
             INSERT INTO spans (run_id, kind, status) VALUES (1, 'agent', 'succeeded'), (2, 'agent', 'running'), (3, 'agent', 'waiting');
             INSERT INTO human_input_requests (run_id, session_id, source, prompt) VALUES (3, 2, 'agent', 'Which?');",
        )
        .expect("runs of schema 4");
    }
    drop(Store::open(&path).expect("upgrade"));
    let conn = Connection::open(&path).expect("open");
    let column = |sql: &str| -> Vec<String> {
        let mut statement = conn.prepare(sql).expect(sql);
        statement.query_map([], |r| r.get(0)).expect(sql).collect::<Result<_, _>>().expect(sql)
    };
    assert_eq!(
        column("SELECT status FROM runs ORDER BY id"),
        ["succeeded", "interrupted", "interrupted"]
    );
    assert_eq!(
        column("SELECT status FROM spans ORDER BY id"),
        ["succeeded", "interrupted", "interrupted"]
    );
    assert_eq!(column("SELECT status FROM human_input_requests"), ["withdrawn"]);
    let errors = column("SELECT error FROM runs WHERE status = 'interrupted'");
    assert!(
        errors.iter().all(|e| e.contains("when the database was upgraded to schema 5")),
        "{errors:?}"
    );
    assert_eq!(
        column("SELECT output FROM runs WHERE id = 1"),
        ["done"],
        "finished runs kept as they were"
    );
}

/// FNV-1a (64-bit) of a migration's text, line endings normalised: a fingerprint that needs no
/// dependency and changes with any edit.
fn fingerprint(sql: &str) -> u64 {
    sql.replace("\r\n", "\n").bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Every migration as it shipped. A file that has shipped is never edited: databases out there
/// already ran it, so a change goes in a new migration. Add a line here for each new one.
const SHIPPED: &[(i64, u64)] = &[
    (1, 0x97f7_2678_cd16_de39),
    (2, 0xffab_5c48_4926_7cb0),
    (3, 0xfea6_c360_ff47_8878),
    (4, 0xcf5d_bab3_8ab7_9fae),
    (5, 0xccf0_6fd5_f4f2_0cc2),
    (6, 0x5c87_065e_0911_9120),
    (7, 0x5763_8cc6_9b60_0ccb),
    (8, 0x134d_71ff_a08d_f64c),
];

/// PostgreSQL's migrations as they shipped, pinned the same way.
const SHIPPED_POSTGRES: &[(i64, u64)] = &[(7, 0x854e_909d_2d82_00d7), (8, 0xdaa2_b427_cfaa_e0e9)];

#[test]
fn shipped_migrations_are_never_edited() {
    assert_pinned("", MIGRATIONS, SHIPPED);
    assert_pinned("PostgreSQL ", POSTGRES_MIGRATIONS, SHIPPED_POSTGRES);
}

fn assert_pinned(which: &str, migrations: &[Migration], shipped: &[(i64, u64)]) {
    let found: Vec<(i64, u64)> =
        migrations.iter().map(|m| (m.version, fingerprint(m.sql))).collect();
    for (version, fingerprint) in &found {
        match shipped.iter().find(|(shipped, _)| shipped == version) {
            Some((_, pinned)) => assert_eq!(
                fingerprint, pinned,
                "{which}migration {version} was edited after it shipped; put the change in a new migration"
            ),
            None => panic!(
                "{which}migration {version} is not pinned: add ({version}, {fingerprint:#x}) to its SHIPPED list"
            ),
        }
    }
    assert_eq!(found.len(), shipped.len(), "a pinned {which}migration is gone");
}

/// A PostgreSQL database that is not AgentLoom's (tables of another application), or whose
/// AgentLoom schema is newer than this binary, is refused with every row as it was.
#[test]
fn postgresql_databases_not_ours_or_too_new_are_refused_unchanged() {
    use support::backends::Backend;
    let foreign = Sandbox::on(Backend::Postgres);
    let raw = foreign.raw();
    raw.execute("CREATE TABLE invoices (id BIGINT PRIMARY KEY, total NUMERIC); INSERT INTO invoices VALUES (1, 9.5)")
        .expect("another application's table");
    let before = foreign.dump();
    foreign.run(&["agent", "list"]).fails_with(
        "a PostgreSQL database with tables, but not AgentLoom's (the database was not changed)",
    );
    assert_eq!(foreign.dump(), before);

    let newer = Sandbox::seeded_on(Backend::Postgres);
    newer
        .raw()
        .execute(&format!("UPDATE agentloom_schema SET version = {}", SCHEMA_VERSION + 1))
        .expect("a newer AgentLoom's mark");
    let before = newer.dump();
    newer.run(&["agent", "list"]).fails_with(&format!(
        "schema version {} is newer than this AgentLoom understands (up to {SCHEMA_VERSION}); upgrade AgentLoom to open it",
        SCHEMA_VERSION + 1
    ));
    assert_eq!(newer.dump(), before);
    newer.run(&["db", "check"]).fails_with("is newer than this AgentLoom understands");

    // A database that is not there is named, with the server's reason.
    let absent = support::postgres::server().url("absent_db");
    let run: support::Run = std::process::Command::new(env!("CARGO_BIN_EXE_agentloom"))
        .args(["--db", &absent, "agent", "list"])
        .output()
        .expect("run")
        .into();
    run.fails_with(&format!(
        "{absent}: cannot connect: FATAL: database \"absent_db\" does not exist"
    ));
}

/// A PostgreSQL connection the server closed (a restart, a failover, `pg_terminate_backend`) is
/// opened again at the next transaction, and the store goes on reading and writing.
#[test]
fn a_postgresql_connection_the_server_closed_is_opened_again() {
    use support::backends::Backend;
    let db = Backend::Postgres.fresh();
    let mut store = Store::connect(&db.location).expect("connect");
    let before = store.data_version().expect("version");
    let terminated = db.raw().value(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    assert_eq!(terminated, "1", "the store's one connection");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let counts = store.read(|r| r.counts()).expect("a read after the server closed the connection");
    assert_eq!(counts.agents, 0);
    let spec = agentloom::model::AgentSpec::new("after", agentloom::model::AgentKind::Chain);
    store.write("add", |w| w.create_agent(&spec)).expect("a write too");
    assert!(store.data_version().expect("version") > before, "what it missed counts as a change");
}
