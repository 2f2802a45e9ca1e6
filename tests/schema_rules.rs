//! The schema enforces the model's rules by itself, for every writer of the file (sqlite3 too):
//! the reference tables and CHECK lists name exactly the model's words, a new word is one INSERT,
//! and the link rules match the agent kinds.

use std::collections::BTreeSet;
use std::fmt::Display;

use agentloom::model::{
    AgentKind, Author, HumanInputSource, HumanInputStatus, LinkKind, LlmPurpose, LogLevel,
    ProviderKind, Role, RunOrigin, RunStatus, ServerOrigin, SessionStatus, SpanKind, Transport,
};
use agentloom::store::Store;
use rusqlite::Connection;

fn fresh() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("rules.db");
    drop(Store::open(&path).expect("create"));
    let conn = Connection::open(&path).expect("open");
    conn.pragma_update(None, "foreign_keys", true).expect("fk");
    (dir, conn)
}

/// The words of `column IN (...)` in the CREATE TABLE statement of `table`.
fn check_list(conn: &Connection, table: &str, column: &str) -> BTreeSet<String> {
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .expect("table sql");
    let start = sql
        .find(&format!("CHECK ({column} IN ("))
        .unwrap_or_else(|| panic!("no CHECK on {table}.{column}"));
    let list = &sql[start..];
    let list = &list[list.find("IN (").expect("IN") + 4..list.find(')').expect("close")];
    list.split(',').map(|word| word.trim().trim_matches('\'').to_owned()).collect()
}

fn words<T: Display>(all: &[T]) -> BTreeSet<String> {
    all.iter().map(ToString::to_string).collect()
}

/// The words of reference table `table`.
fn reference_words(conn: &Connection, table: &str) -> BTreeSet<String> {
    conn.prepare(&format!("SELECT name FROM {table}"))
        .expect("reference table")
        .query_map([], |r| r.get(0))
        .expect("words")
        .collect::<Result<_, _>>()
        .expect("words")
}

/// The table and column that `table.column` refers to, by its foreign key.
fn referenced(conn: &Connection, table: &str, column: &str) -> Option<(String, String)> {
    conn.query_row(
        "SELECT \"table\", \"to\" FROM pragma_foreign_key_list(?1) WHERE \"from\" = ?2",
        [table, column],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .ok()
}

#[test]
fn reference_tables_name_exactly_the_model_words() {
    let (_dir, conn) = fresh();
    let expectations: &[(&str, &str, &str, BTreeSet<String>)] = &[
        ("agents", "agent_type", "agent_types", words(AgentKind::ALL)),
        ("agent_link_rules", "agent_type", "agent_types", words(AgentKind::ALL)),
        ("agent_links", "link_type", "link_types", words(LinkKind::ALL)),
        ("agent_link_rules", "link_type", "link_types", words(LinkKind::ALL)),
        ("llm_configs", "provider", "providers", words(ProviderKind::ALL)),
        ("sessions", "status", "session_statuses", words(SessionStatus::ALL)),
        ("runs", "status", "run_statuses", words(RunStatus::ALL)),
        ("spans", "status", "run_statuses", words(RunStatus::ALL)),
        ("spans", "kind", "span_kinds", words(SpanKind::ALL)),
        ("human_input_requests", "status", "human_input_statuses", words(HumanInputStatus::ALL)),
    ];
    for (table, column, reference, expected) in expectations {
        assert_eq!(
            referenced(&conn, table, column),
            Some((reference.to_string(), "name".to_owned())),
            "{table}.{column} refers to {reference}"
        );
        assert_eq!(&reference_words(&conn, reference), expected, "{reference}");
    }
}

#[test]
fn check_lists_name_exactly_the_model_words() {
    let (_dir, conn) = fresh();
    let expectations: &[(&str, &str, BTreeSet<String>)] = &[
        ("agent_llm_overrides", "purpose", words(LlmPurpose::ALL)),
        ("mcp_servers", "transport", words(Transport::ALL)),
        ("mcp_servers", "origin", words(ServerOrigin::ALL)),
        ("mcp_servers", "written_by", words(Author::ALL)),
        ("llm_configs", "written_by", words(Author::ALL)),
        ("runs", "origin", words(RunOrigin::ALL)),
        ("messages", "role", words(Role::ALL)),
        ("logs", "level", words(LogLevel::ALL)),
        ("human_input_requests", "source", words(HumanInputSource::ALL)),
    ];
    for (table, column, expected) in expectations {
        assert_eq!(&check_list(&conn, table, column), expected, "{table}.{column}");
    }
}

#[test]
fn a_new_word_is_one_insert_and_an_unknown_one_is_refused() {
    let (_dir, conn) = fresh();
    let unknown =
        "INSERT INTO llm_configs (name, provider, model) VALUES ('m', 'mistral', 'small')";
    assert!(conn.execute(unknown, []).is_err(), "a provider the schema does not know");
    conn.execute("INSERT INTO providers (name, meaning) VALUES ('mistral', 'Mistral AI')", [])
        .expect("a new provider");
    conn.execute(unknown, []).expect("the new provider is accepted");
    assert!(
        conn.execute("DELETE FROM providers WHERE name = 'mistral'", []).is_err(),
        "a word still in use cannot be removed"
    );
    conn.execute("INSERT INTO agent_types (name, meaning) VALUES ('critic', 'rates')", [])
        .expect("a new agent type");
    conn.execute("INSERT INTO link_types (name, meaning) VALUES ('critiques', 'rated')", [])
        .expect("a new link type");
    conn.execute("INSERT INTO agent_link_rules VALUES ('critic', 'critiques')", [])
        .expect("its rule");
    conn.execute_batch(
        "INSERT INTO agents (name, agent_type) VALUES ('judge', 'critic'), ('draft', 'basic');
         INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type) VALUES (1, 2, 'critiques');",
    )
    .expect("an agent of the new type with its new link");
    assert!(
        conn.execute("INSERT INTO agent_link_rules VALUES ('critic', 'no_such_link')", []).is_err(),
        "a rule naming an unknown link type"
    );
}

#[test]
fn link_rules_in_the_schema_match_the_agent_kinds() {
    let (_dir, conn) = fresh();
    let stored: BTreeSet<(String, String)> = conn
        .prepare("SELECT agent_type, link_type FROM agent_link_rules")
        .expect("rules")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rules")
        .collect::<Result<_, _>>()
        .expect("rules");
    let model: BTreeSet<(String, String)> = AgentKind::ALL
        .iter()
        .flat_map(|kind| {
            kind.child_links().iter().map(move |link| (kind.to_string(), link.to_string()))
        })
        .collect();
    assert_eq!(stored, model);
}

#[test]
fn raw_sql_cannot_break_the_rules() {
    let (_dir, conn) = fresh();
    conn.execute_batch(
        "INSERT INTO agents (name, agent_type) VALUES ('c', 'chain'), ('b', 'basic');",
    )
    .expect("agents");
    let refused = [
        (
            "a link type the parent cannot have",
            "INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type) VALUES (1, 2, 'routes_to')",
        ),
        (
            "a self link",
            "INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type) VALUES (2, 2, 'tool_of')",
        ),
        (
            "a link to a missing agent",
            "INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type) VALUES (1, 99, 'chains_to')",
        ),
        (
            "a literal API key",
            "INSERT INTO llm_configs (name, provider, model, api_key_ref) VALUES ('x', 'openai', 'm', 'sk-123')",
        ),
        ("invalid JSON", "UPDATE agents SET options = '{oops' WHERE id = 1"),
        (
            "a JSON array where an object belongs",
            "UPDATE agents SET request_params = '[]' WHERE id = 1",
        ),
        ("an unknown agent type", "INSERT INTO agents (name, agent_type) VALUES ('w', 'wizard')"),
        ("a duplicate name", "INSERT INTO agents (name, agent_type) VALUES ('c', 'basic')"),
        (
            "a name with spaces",
            "INSERT INTO agents (name, agent_type) VALUES ('my agent', 'basic')",
        ),
        (
            "a stdio server without a command",
            "INSERT INTO mcp_servers (name, transport) VALUES ('s', 'stdio')",
        ),
        (
            "a failed run without an error",
            "INSERT INTO sessions (id) VALUES (1); INSERT INTO runs (session_id, target_name, input, status) VALUES (1, 'c', 'hi', 'failed')",
        ),
    ];
    for (what, sql) in refused {
        assert!(conn.execute_batch(sql).is_err(), "the schema accepted {what}");
    }
    conn.execute("INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type, sequence_order) VALUES (1, 2, 'chains_to', 1)", [])
        .expect("an allowed link");
    assert!(
        conn.execute("UPDATE agents SET agent_type = 'router' WHERE id = 1", []).is_err(),
        "a kind change that its links do not fit"
    );
    assert!(
        conn.execute("DELETE FROM agents WHERE id = 2", []).is_err(),
        "deleting a linked agent"
    );
    let version: i64 =
        conn.query_row("SELECT version FROM agents WHERE id = 1", [], |r| r.get(0)).expect("v");
    conn.execute("UPDATE agents SET instruction = 'edited by sqlite3' WHERE id = 1", [])
        .expect("edit");
    let after: i64 =
        conn.query_row("SELECT version FROM agents WHERE id = 1", [], |r| r.get(0)).expect("v");
    assert_eq!(after, version + 1, "an edit from any writer bumps the version");
}
