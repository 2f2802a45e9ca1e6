//! The schema enforces the model's rules by itself, for every writer of the database (sqlite3 or
//! psql too), on SQLite and on PostgreSQL alike: the reference tables and CHECK lists name exactly
//! the model's words, a new word is one INSERT, and the link rules match the agent kinds.

use std::collections::BTreeSet;
use std::fmt::Display;

use agentloom::model::{
    AgentKind, Author, HumanInputSource, HumanInputStatus, LinkKind, LlmPurpose, LogLevel,
    ProviderKind, Role, RunOrigin, RunStatus, ServerOrigin, SessionStatus, SpanKind, Transport,
};
use agentloom::store::Store;

mod support;
use support::backends::{Backend, RawDb, TestDb};

fn fresh(backend: Backend) -> (TestDb, RawDb) {
    let db = backend.fresh();
    drop(Store::connect(&db.location).expect("create"));
    let raw = db.raw();
    (db, raw)
}

/// The words of `column IN (...)`, the CHECK on `table.column`.
fn check_list(raw: &RawDb, table: &str, column: &str) -> BTreeSet<String> {
    let (sql, list_start) = match raw.backend() {
        Backend::Sqlite => (
            raw.value(&format!(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = '{table}'"
            )),
            format!("CHECK ({column} IN ("),
        ),
        // PostgreSQL shows `column IN (...)` as `column = ANY (ARRAY['a'::text, ...])`.
        Backend::Postgres => (
            raw.rows(&format!(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE conrelid = '{table}'::regclass AND contype = 'c'"
            ))
            .concat()
            .join("\n"),
            format!("({column} = ANY (ARRAY["),
        ),
    };
    let start = sql.find(&list_start).unwrap_or_else(|| panic!("no CHECK on {table}.{column}"));
    let list = &sql[start + list_start.len()..];
    let list = &list[..list.find([')', ']']).expect("close")];
    list.split(',')
        .map(|word| word.trim().trim_end_matches("::text").trim_matches('\'').to_owned())
        .collect()
}

fn words<T: Display>(all: &[T]) -> BTreeSet<String> {
    all.iter().map(ToString::to_string).collect()
}

/// The words of reference table `table`.
fn reference_words(raw: &RawDb, table: &str) -> BTreeSet<String> {
    raw.rows(&format!("SELECT name FROM {table}")).concat().into_iter().collect()
}

/// The table and column that `table.column` refers to, by its foreign key.
fn referenced(raw: &RawDb, table: &str, column: &str) -> Option<(String, String)> {
    let sql = match raw.backend() {
        Backend::Sqlite => format!(
            "SELECT \"table\", \"to\" FROM pragma_foreign_key_list('{table}') WHERE \"from\" = '{column}'"
        ),
        Backend::Postgres => format!(
            "SELECT c.confrelid::regclass::text, a.attname FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = c.confkey[1]
             JOIN pg_attribute f ON f.attrelid = c.conrelid AND f.attnum = c.conkey[1]
             WHERE c.conrelid = '{table}'::regclass AND c.contype = 'f' AND f.attname = '{column}'"
        ),
    };
    let mut rows = raw.rows(&sql).into_iter();
    rows.next().map(|row| (row[0].clone(), row[1].clone()))
}

fn reference_tables_name_exactly_the_model_words(backend: Backend) {
    let (_db, raw) = fresh(backend);
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
            referenced(&raw, table, column),
            Some((reference.to_string(), "name".to_owned())),
            "{table}.{column} refers to {reference}"
        );
        assert_eq!(&reference_words(&raw, reference), expected, "{reference}");
    }
}

fn check_lists_name_exactly_the_model_words(backend: Backend) {
    let (_db, raw) = fresh(backend);
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
        assert_eq!(&check_list(&raw, table, column), expected, "{table}.{column}");
    }
}

fn a_new_word_is_one_insert_and_an_unknown_one_is_refused(backend: Backend) {
    let (_db, raw) = fresh(backend);
    let unknown =
        "INSERT INTO llm_configs (name, provider, model) VALUES ('m', 'mistral', 'small')";
    assert!(raw.execute(unknown).is_err(), "a provider the schema does not know");
    raw.execute("INSERT INTO providers (name, meaning) VALUES ('mistral', 'Mistral AI')")
        .expect("a new provider");
    raw.execute(unknown).expect("the new provider is accepted");
    assert!(
        raw.execute("DELETE FROM providers WHERE name = 'mistral'").is_err(),
        "a word still in use cannot be removed"
    );
    raw.execute("INSERT INTO agent_types (name, meaning) VALUES ('critic', 'rates')")
        .expect("a new agent type");
    raw.execute("INSERT INTO link_types (name, meaning) VALUES ('critiques', 'rated')")
        .expect("a new link type");
    raw.execute("INSERT INTO agent_link_rules VALUES ('critic', 'critiques')").expect("its rule");
    raw.execute(
        "INSERT INTO agents (name, agent_type) VALUES ('judge', 'critic'), ('draft', 'basic');
         INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type) VALUES (1, 2, 'critiques');",
    )
    .expect("an agent of the new type with its new link");
    assert!(
        raw.execute("INSERT INTO agent_link_rules VALUES ('critic', 'no_such_link')").is_err(),
        "a rule naming an unknown link type"
    );
}

fn link_rules_in_the_schema_match_the_agent_kinds(backend: Backend) {
    let (_db, raw) = fresh(backend);
    let stored: BTreeSet<(String, String)> = raw
        .rows("SELECT agent_type, link_type FROM agent_link_rules")
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect();
    let model: BTreeSet<(String, String)> = AgentKind::ALL
        .iter()
        .flat_map(|kind| {
            kind.child_links().iter().map(move |link| (kind.to_string(), link.to_string()))
        })
        .collect();
    assert_eq!(stored, model);
}

fn raw_sql_cannot_break_the_rules(backend: Backend) {
    let (_db, raw) = fresh(backend);
    raw.execute("INSERT INTO agents (name, agent_type) VALUES ('c', 'chain'), ('b', 'basic');")
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
        assert!(raw.execute(sql).is_err(), "the schema accepted {what}");
    }
    raw.execute("INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type, sequence_order) VALUES (1, 2, 'chains_to', 1)")
        .expect("an allowed link");
    assert!(
        raw.execute("UPDATE agents SET agent_type = 'router' WHERE id = 1").is_err(),
        "a kind change that its links do not fit"
    );
    assert!(raw.execute("DELETE FROM agents WHERE id = 2").is_err(), "deleting a linked agent");
    let version_of_c = || -> i64 {
        raw.value("SELECT version FROM agents WHERE id = 1").parse().expect("a version")
    };
    let version = version_of_c();
    raw.execute("UPDATE agents SET instruction = 'edited by another program' WHERE id = 1")
        .expect("edit");
    assert_eq!(version_of_c(), version + 1, "an edit from any writer bumps the version");
}

on_both_backends!(
    reference_tables_name_exactly_the_model_words,
    check_lists_name_exactly_the_model_words,
    a_new_word_is_one_insert_and_an_unknown_one_is_refused,
    link_rules_in_the_schema_match_the_agent_kinds,
    raw_sql_cannot_break_the_rules,
);
