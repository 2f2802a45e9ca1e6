//! Export and import: every example round-trips byte for byte, re-importing is a new version and
//! never a duplicate, and an mcpServers file imports without storing its secrets.

mod support;
use support::backends::Backend;

use agentloom::interchange::EXAMPLES;
use support::Sandbox;

fn every_example_round_trips_byte_for_byte(backend: Backend) {
    let seeded = Sandbox::seeded_on(backend);
    for example in EXAMPLES {
        let exported = seeded.run(&["export", example.workflow]).ok().stdout;
        assert_eq!(
            exported, example.yaml,
            "{}: the shipped file is not what export writes",
            example.workflow
        );

        let file = seeded.path(&format!("{}.yaml", example.workflow));
        seeded.run(&["export", example.workflow, "-o", file.to_str().expect("path")]).ok();
        let empty = Sandbox::empty_on(backend);
        empty.run(&["import", file.to_str().expect("path")]).ok();
        let again = empty.run(&["export", example.workflow]).ok().stdout;
        assert_eq!(
            again, exported,
            "{}: export → import → export changed the bytes",
            example.workflow
        );
        empty.run(&["db", "check"]).ok();
    }
}

fn reimporting_a_changed_workflow_makes_a_new_version_not_a_duplicate(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    let original = sandbox.run(&["export", "writing_chain"]).ok().stdout;
    let file = sandbox.path("chain.yaml");

    std::fs::write(&file, &original).expect("write");
    let unchanged = sandbox.run(&["--json", "import", file.to_str().expect("path")]).ok().stdout;
    let report: serde_json::Value = serde_json::from_str(&unchanged).expect("json");
    assert!(
        report["changes"].as_array().expect("changes").iter().all(|c| c["outcome"] == "unchanged"),
        "{unchanged}"
    );

    let edited = original.replace("Write a short first draft", "Write a vivid first draft");
    std::fs::write(&file, edited).expect("write");
    let run = sandbox.run(&["import", file.to_str().expect("path")]).ok();
    assert!(run.stdout.contains("updated agent drafter"), "{}", run.stdout);

    let agents: serde_json::Value =
        serde_json::from_str(&sandbox.run(&["--json", "agent", "list"]).ok().stdout).expect("json");
    let drafters: Vec<&serde_json::Value> =
        agents.as_array().expect("list").iter().filter(|a| a["name"] == "drafter").collect();
    assert_eq!(drafters.len(), 1);
    assert_eq!(drafters[0]["version"], 2);
    assert!(drafters[0]["instruction"].as_str().expect("text").contains("vivid"));
}

fn a_reimport_that_drops_a_step_removes_its_link(backend: Backend) {
    let sandbox = Sandbox::seeded_on(backend);
    let original = sandbox.run(&["export", "writing_chain"]).ok().stdout;
    let without_polish =
        original.replace("  - child: polisher\n    type: chains_to\n    order: 2\n", "");
    assert_ne!(without_polish, original);
    let file = sandbox.path("chain.yaml");
    std::fs::write(&file, without_polish).expect("write");
    sandbox.run(&["import", file.to_str().expect("path")]).ok();
    let links =
        sandbox.run(&["--json", "link", "list", "--parent", "writing_pipeline"]).ok().stdout;
    let links: serde_json::Value = serde_json::from_str(&links).expect("json");
    assert_eq!(links.as_array().expect("links").len(), 1);
}

fn mcp_servers_json_imports_as_untrusted_without_literal_secrets(backend: Backend) {
    let sandbox = Sandbox::empty_on(backend);
    let file = sandbox.path("claude_desktop_config.json");
    std::fs::write(
        &file,
        r#"{
  "mcpServers": {
    "everything": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"]},
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_supersecretvalue", "LOG_LEVEL": "info"},
      "disabled": false
    },
    "remote": {"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer abc.def"}}
  }
}"#,
    )
    .expect("write");
    let run = sandbox.run(&["mcp", "import", file.to_str().expect("path")]).ok();
    assert!(
        run.stdout.contains("mcpServers.github.disabled: not used by AgentLoom, ignored"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("GITHUB_PERSONAL_ACCESS_TOKEN: the literal value was not stored"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("agentloom mcp trust NAME (everything, github)"), "{}", run.stdout);

    // On SQLite every byte of the file and its WAL, freed pages too; on PostgreSQL every row.
    let stored = match backend {
        Backend::Sqlite => [
            std::fs::read(&sandbox.db).expect("db"),
            std::fs::read(sandbox.db.with_extension("db-wal")).unwrap_or_default(),
        ]
        .concat(),
        Backend::Postgres => sandbox.dump().into_bytes(),
    };
    for secret in ["ghp_supersecretvalue", "abc.def"] {
        let found = stored.windows(secret.len()).any(|w| w == secret.as_bytes());
        assert!(!found, "{secret} landed in the database");
    }

    let github: serde_json::Value =
        serde_json::from_str(&sandbox.run(&["--json", "mcp", "show", "github"]).ok().stdout)
            .expect("json");
    assert_eq!(github["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"], "env:GITHUB_PERSONAL_ACCESS_TOKEN");
    assert_eq!(github["env"]["LOG_LEVEL"], "info");
    assert_eq!(github["origin"], "import");
    assert!(github["trusted_launch"].is_null());

    let list = sandbox.run(&["mcp", "list"]).ok().stdout;
    assert!(list.contains("after `agentloom mcp trust`"), "{list}");
    sandbox.run(&["mcp", "trust", "github"]).ok();
    let trusted: serde_json::Value =
        serde_json::from_str(&sandbox.run(&["--json", "mcp", "show", "github"]).ok().stdout)
            .expect("json");
    assert!(trusted["trusted_launch"].is_string());

    let changed = std::fs::read_to_string(&file)
        .expect("read")
        .replace("server-github\"", "server-github@2\"");
    std::fs::write(&file, changed).expect("write");
    sandbox.run(&["mcp", "import", file.to_str().expect("path")]).ok();
    let list = sandbox.run(&["mcp", "list"]).ok().stdout;
    let github_line = list.lines().find(|l| l.starts_with("github")).expect("github row");
    assert!(
        github_line.contains("after `agentloom mcp trust`"),
        "a changed command line must be approved again: {list}"
    );
}

on_both_backends!(
    every_example_round_trips_byte_for_byte,
    reimporting_a_changed_workflow_makes_a_new_version_not_a_duplicate,
    a_reimport_that_drops_a_step_removes_its_link,
    mcp_servers_json_imports_as_untrusted_without_literal_secrets,
);
