//! Every user-facing failure of the definitions CLI: the message names what and where, the exit
//! code is non-zero, and nothing already stored changes.

mod support;

use support::{Sandbox, dump};

/// Runs `args` on a database seeded with the examples and checks that it fails with `expected`
/// on stderr and leaves every stored row as it was.
fn check(sandbox: &Sandbox, args: &[&str], expected: &str) {
    let before = dump(&sandbox.db);
    sandbox.run(args).fails_with(expected);
    assert_eq!(before, dump(&sandbox.db), "{args:?} changed the database");
}

#[test]
fn definitions_refuse_bad_values_and_references() {
    let sandbox = Sandbox::seeded();
    let cases: &[(&[&str], &str)] = &[
        (
            &["agent", "add", "x", "--type", "wizard"],
            "unknown agent type \"wizard\"; expected one of: basic, chain, parallel, router, orchestrator, evaluator_optimizer",
        ),
        (&["agent", "add", "echo", "--type", "basic"], "agent \"echo\" already exists"),
        (&["agent", "add", "my agent", "--type", "basic"], "agent name \"my agent\" contains ' '"),
        (
            &["agent", "add", "x", "--type", "basic", "--llm", "nope"],
            "LLM config \"nope\" does not exist",
        ),
        (&["agent", "add", "x", "--type", "basic", "--params", "{temp"], "invalid JSON"),
        (
            &["agent", "add", "x", "--type", "basic", "--params", "{\"temprature\": 1}"],
            "agent \"x\": unknown request parameter \"temprature\"; known: temperature",
        ),
        (
            &["agent", "add", "x", "--type", "chain", "--options", "{\"min_rating\": \"GOOD\"}"],
            "unknown chain option \"min_rating\"; known: cumulative",
        ),
        (
            &["agent", "add", "x", "--type", "router", "--llm-for", "planning=passthrough"],
            "a router agent makes no planning calls",
        ),
        (
            &["agent", "add", "x", "--type", "basic", "--mcp", "nowhere"],
            "MCP server \"nowhere\" does not exist",
        ),
        (&["agent", "edit", "ghost", "--instruction", "hi"], "agent \"ghost\" does not exist"),
        (
            &["agent", "edit", "writing_pipeline", "--type", "router"],
            "agent \"writing_pipeline\" cannot become a router agent: its links writing_pipeline -chains_to-> drafter, writing_pipeline -chains_to-> polisher do not fit that kind",
        ),
        (&["agent", "edit", "echo", "--rename", "drafter"], "agent \"drafter\" already exists"),
        (
            &["agent", "rm", "drafter"],
            "agent \"drafter\" is used by link writing_pipeline -chains_to-> drafter; remove those first or ask to cascade (--cascade)",
        ),
        (&["agent", "rm", "ghost"], "agent \"ghost\" does not exist"),
    ];
    for (args, expected) in cases {
        check(&sandbox, args, expected);
    }
}

#[test]
fn links_refuse_what_the_graph_cannot_have() {
    let sandbox = Sandbox::seeded();
    let cases: &[(&[&str], &str)] = &[
        (
            &["link", "add", "writing_pipeline", "ghost", "--type", "chains_to"],
            "agent \"ghost\" does not exist",
        ),
        (
            &["link", "add", "writing_pipeline", "echo", "--type", "routes_to"],
            "agent \"writing_pipeline\" is a chain; a chain agent cannot have a routes_to child; its children are linked with chains_to",
        ),
        (
            &["link", "add", "echo", "drafter", "--type", "linked_to"],
            "unknown link type \"linked_to\"",
        ),
        (
            &["link", "add", "drafter", "writing_pipeline", "--type", "tool_of"],
            "is part of a cycle: drafter → writing_pipeline → drafter",
        ),
        (&["link", "add", "echo", "echo", "--type", "tool_of"], "an agent cannot be its own child"),
        (
            &["link", "add", "review_panel", "echo", "--type", "fan_in_from"],
            "\"review_panel\" may have only one fan-in, but has echo, review_summary",
        ),
        (
            &["link", "add", "writing_pipeline", "echo", "--type", "chains_to", "--order", "1"],
            "order 1 is shared by drafter, echo",
        ),
        (
            &["link", "add", "writing_pipeline", "drafter", "--type", "chains_to", "--order", "1"],
            "link \"writing_pipeline -chains_to-> drafter\" already exists",
        ),
        (
            &["link", "add", "support_desk", "echo", "--type", "routes_to", "--props", "[1]"],
            "expected a JSON object",
        ),
        (
            &[
                "link",
                "add",
                "support_desk",
                "echo",
                "--type",
                "routes_to",
                "--props",
                "{\"descripton\": \"x\"}",
            ],
            "unknown link property \"descripton\"; known: description",
        ),
        (&["link", "rm", "echo", "drafter"], "link \"echo → drafter\" does not exist"),
        (&["workflow", "add", "w", "--root", "ghost"], "agent \"ghost\" does not exist"),
        (
            &["workflow", "add", "hello_basic", "--root", "echo"],
            "workflow \"hello_basic\" already exists",
        ),
        (&["workflow", "rm", "ghost"], "workflow \"ghost\" does not exist"),
        (&["export", "ghost"], "workflow \"ghost\" does not exist"),
    ];
    for (args, expected) in cases {
        check(&sandbox, args, expected);
    }
}

#[test]
fn secrets_are_only_ever_references() {
    let sandbox = Sandbox::seeded();
    let secret = "sk-live-0123456789abcdef";
    let run = sandbox.run(&[
        "llm",
        "add",
        "x",
        "--provider",
        "openai",
        "--model",
        "gpt-4.1",
        "--api-key-ref",
        secret,
    ]);
    let run =
        run.fails_with("is not a secret reference; write env:VARIABLE or keyring:service/user");
    assert!(!run.stderr.contains(secret), "the key leaked into the error: {}", run.stderr);
    check(
        &sandbox,
        &[
            "mcp",
            "add",
            "gh",
            "--command",
            "npx -y server-github",
            "--env",
            "GITHUB_TOKEN=ghp_literal",
        ],
        "env GITHUB_TOKEN looks like a secret; store a reference instead of the value, e.g. GITHUB_TOKEN=env:GITHUB_TOKEN",
    );
    check(
        &sandbox,
        &[
            "mcp",
            "add",
            "remote",
            "--url",
            "https://mcp.example.com/mcp",
            "--header",
            "Authorization=Bearer abc",
        ],
        "header Authorization looks like a secret",
    );
    check(
        &sandbox,
        &["llm", "rm", "passthrough"],
        "LLM config \"passthrough\" is used by agent \"billing_support\"",
    );
    check(
        &sandbox,
        &["llm", "add", "passthrough", "--provider", "passthrough", "--model", "x"],
        "already exists",
    );
    check(
        &sandbox,
        &["llm", "add", "x", "--provider", "openia", "--model", "m"],
        "unknown provider \"openia\"",
    );
    check(
        &sandbox,
        &[
            "llm",
            "add",
            "x",
            "--provider",
            "generic",
            "--model",
            "m",
            "--base-url",
            "localhost:1234",
        ],
        "base URL \"localhost:1234\" must be an http:// or https:// URL",
    );
    check(&sandbox, &["mcp", "add", "x", "--command", "npx 'open"], "unbalanced quotes");
    check(&sandbox, &["mcp", "trust", "ghost"], "MCP server \"ghost\" does not exist");
}

#[test]
fn import_reports_every_problem_at_its_place_and_changes_nothing() {
    let sandbox = Sandbox::seeded();
    let syntax = sandbox.path("syntax.yaml");
    std::fs::write(&syntax, "agentloom: 1\nworkflow:\n  name: [unclosed\n  root: a\n")
        .expect("write");
    check(&sandbox, &["import", syntax.to_str().expect("path")], "line 3");

    let dangling = sandbox.path("dangling.yaml");
    std::fs::write(
        &dangling,
        "agentloom: 1
workflow: {name: broken, root: pipeline}
agents:
- name: pipeline
  type: chain
  links:
  - {child: drafter, type: chains_to, order: 1}
- name: reviewer
  type: basic
  llm: missing_model
  links:
  - {child: writer, type: chains_to}
layout:
  ghost: [0, 0]
",
    )
    .expect("write");
    let before = dump(&sandbox.db);
    let run = sandbox.run(&["import", dangling.to_str().expect("path")]);
    let run = run.fails_with("dangling.yaml was not imported; the database is unchanged");
    for expected in [
        "4 problems in the document:",
        "agents[1].llm: unknown LLM config \"missing_model\"",
        "agents[1].links[0].child: unknown agent \"writer\"",
        "agents[1].links[0].type: a basic agent cannot have a chains_to child",
        "layout.ghost: not an agent of this document",
    ] {
        assert!(run.stderr.contains(expected), "missing {expected:?} in:\n{}", run.stderr);
    }
    assert_eq!(before, dump(&sandbox.db));

    let cycle = sandbox.path("cycle.yaml");
    std::fs::write(
        &cycle,
        "agentloom: 1
workflow: {name: loop, root: a}
agents:
- {name: a, type: basic, llm: passthrough, links: [{child: b, type: tool_of}]}
- {name: b, type: basic, llm: passthrough, links: [{child: a, type: tool_of}]}
",
    )
    .expect("write");
    check(
        &sandbox,
        &["import", cycle.to_str().expect("path")],
        "agents[0]: agent \"a\": is part of a cycle: a → b → a",
    );

    let unknown_field = sandbox.path("unknown.yaml");
    std::fs::write(&unknown_field, "agentloom: 1\nworkflow: {name: w, root: echo, colour: red}\n")
        .expect("write");
    check(&sandbox, &["import", unknown_field.to_str().expect("path")], "colour");
}

#[test]
fn documents_are_read_up_to_a_size_limit() {
    let sandbox = Sandbox::seeded();
    let started = std::time::Instant::now();
    check(
        &sandbox,
        &["import", "/dev/zero"],
        "cannot read /dev/zero: it is larger than the 16 MiB (16777216 bytes) a document may have",
    );
    check(
        &sandbox,
        &["mcp", "import", "/dev/zero"],
        "cannot read /dev/zero: it is larger than the 16 MiB",
    );
    assert!(started.elapsed().as_secs() < 30, "reading stops at the limit");

    let oversized = sandbox.path("mcp.json");
    let padding = " ".repeat(16 * 1024 * 1024);
    std::fs::write(&oversized, format!("{{\"mcpServers\": {{}}{padding}}}")).expect("write");
    let shown = oversized.display().to_string();
    check(
        &sandbox,
        &["mcp", "import", &shown],
        &format!("cannot read {shown}: it is larger than the 16 MiB"),
    );
    let cards = sandbox.path("card.md");
    std::fs::write(&cards, format!("---\nname: big\n---\n{padding}")).expect("write");
    check(&sandbox, &["import", cards.to_str().expect("path")], "larger than the 16 MiB");
}

#[test]
fn mcp_json_refuses_a_key_given_twice() {
    let sandbox = Sandbox::seeded();
    let cases = [
        (
            "{\"mcpServers\": {\"fs\": {\"command\": \"npx\"}},\n \"mcpServers\": {}}",
            "duplicate key \"mcpServers\" in the document at line 2",
        ),
        (
            "{\"mcpServers\": {\n  \"fs\": {\"command\": \"npx\"},\n  \"fs\": {\"command\": \"uvx\"}\n}}",
            "duplicate key \"fs\" in mcpServers at line 3",
        ),
        (
            "{\"mcpServers\": {\"fs\": {\"command\": \"npx\",\n  \"env\": {\"A\": \"1\", \"A\": \"2\"}}}}",
            "duplicate key \"A\" in mcpServers.fs.env at line 2",
        ),
    ];
    for (index, (text, expected)) in cases.iter().enumerate() {
        let file = sandbox.path(&format!("twice-{index}.json"));
        std::fs::write(&file, text).expect("write");
        check(&sandbox, &["mcp", "import", file.to_str().expect("path")], expected);
    }
}

#[test]
fn running_needs_a_writable_file_and_state_needs_a_key() {
    let sandbox = Sandbox::seeded();
    check(&sandbox, &["state", "set", "echo", "", "1"], "a state key cannot be empty");

    let mut permissions = std::fs::metadata(&sandbox.db).expect("metadata").permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&sandbox.db, permissions).expect("make read-only");
    let run = sandbox.run(&["run", "echo", "--input", "hi"]);
    let expected =
        format!("{}: the file is read-only; running needs to write to it", sandbox.db.display());
    let run = run.fails_with(&expected);
    assert!(!run.stderr.contains("batch was dropped"), "{}", run.stderr);
}

#[test]
fn the_database_s_own_files_are_never_a_document() {
    let sandbox = Sandbox::seeded();
    let db = sandbox.db.to_str().expect("path").to_owned();
    let wal = format!("{db}-wal");
    check(
        &sandbox,
        &["export", "writing_chain", "-o", &db],
        "this is the database's own file; exporting to it would damage the database",
    );
    check(&sandbox, &["export", "writing_chain", "-o", &wal], "own file; exporting to it");
    check(&sandbox, &["import", &db], "own file; importing it would damage the database");
    let integrity: String = rusqlite::Connection::open(&sandbox.db)
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .expect("check");
    assert_eq!(integrity, "ok");
}
