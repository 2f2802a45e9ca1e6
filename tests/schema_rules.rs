//! The schema enforces the model's rules by itself, for every writer of the file (sqlite3 too):
//! the CHECK lists name exactly the model's words, and the link rules match the agent kinds.

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

#[test]
fn check_lists_name_exactly_the_model_words() {
    let (_dir, conn) = fresh();
    let expectations: &[(&str, &str, BTreeSet<String>)] = &[
        ("agents", "agent_type", words(AgentKind::ALL)),
        ("agent_links", "link_type", words(LinkKind::ALL)),
        ("llm_configs", "provider", words(ProviderKind::ALL)),
        ("agent_llm_overrides", "purpose", words(LlmPurpose::ALL)),
        ("mcp_servers", "transport", words(Transport::ALL)),
        ("mcp_servers", "origin", words(ServerOrigin::ALL)),
        ("mcp_servers", "written_by", words(Author::ALL)),
        ("llm_configs", "written_by", words(Author::ALL)),
        ("sessions", "status", words(SessionStatus::ALL)),
        ("runs", "status", words(RunStatus::ALL)),
        ("runs", "origin", words(RunOrigin::ALL)),
        ("spans", "status", words(RunStatus::ALL)),
        ("spans", "kind", words(SpanKind::ALL)),
        ("messages", "role", words(Role::ALL)),
        ("logs", "level", words(LogLevel::ALL)),
        ("human_input_requests", "source", words(HumanInputSource::ALL)),
        ("human_input_requests", "status", words(HumanInputStatus::ALL)),
    ];
    for (table, column, expected) in expectations {
        assert_eq!(&check_list(&conn, table, column), expected, "{table}.{column}");
    }
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
