//! fast-agent AgentCards through `agentloom import`: card sets in fast-agent's own Markdown and
//! YAML forms become workflows (rows checked through the CLI's JSON), run offline, and every card
//! that cannot be carried over is refused by file and field with the database left as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

/// A private database file, and the binary run against it.
struct Db {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("x.db");
        Db { dir, path }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_agentloom"))
            .arg("--db")
            .arg(&self.path)
            .args(args)
            .env_remove("AGENTLOOM_DB")
            .output()
            .expect("run agentloom")
    }

    /// Standard output of a command that must succeed.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let (stdout, stderr) = texts(&output);
        assert!(output.status.success(), "{args:?} failed\nstdout: {stdout}\nstderr: {stderr}");
        stdout
    }

    /// Standard error of a command that must fail.
    fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let (stdout, stderr) = texts(&output);
        assert!(!output.status.success(), "{args:?} succeeded\nstdout: {stdout}");
        stderr
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    fn agent(&self, name: &str) -> Value {
        self.json(&["agent", "show", name])["agent"].clone()
    }

    /// `(kind, child, order)` of every link of `parent`, sorted.
    fn links_of(&self, parent: &str) -> Vec<(String, String, Value)> {
        let links = self.json(&["link", "list"]);
        let found = links
            .as_array()
            .expect("a list")
            .iter()
            .filter(|l| l["parent"] == parent)
            .map(|l| {
                let text = |key: &str| l[key].as_str().unwrap_or_default().to_owned();
                (text("kind"), text("child"), l["sequence_order"].clone())
            })
            .collect();
        sorted(found)
    }

    /// Every definition the CLI lists, to compare before and after a refused import.
    fn everything(&self) -> Value {
        json!({
            "agents": self.json(&["agent", "list"]),
            "links": self.json(&["link", "list"]),
            "workflows": self.json(&["workflow", "list"]),
            "llm_configs": self.json(&["llm", "list"]),
            "mcp_servers": self.json(&["mcp", "list"]),
        })
    }
}

fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agent_cards")
        .join(name)
        .display()
        .to_string()
}

fn link(kind: &str, child: &str, order: Value) -> (String, String, Value) {
    (kind.to_owned(), child.to_owned(), order)
}

/// Links in one order whatever order they were listed in (routes and branches have none).
fn sorted(mut links: Vec<(String, String, Value)>) -> Vec<(String, String, Value)> {
    links.sort_by_key(|(kind, child, order)| (kind.clone(), order.to_string(), child.clone()));
    links
}

/// A card folder written by the test, for sets made to be refused.
fn card_folder(db: &Db, name: &str, cards: &[(&str, &str)]) -> String {
    let folder = db.dir.path().join(name);
    fs::create_dir_all(&folder).expect("folder");
    for (file, text) in cards {
        fs::write(folder.join(file), text).expect("card");
    }
    folder.display().to_string()
}

#[test]
fn a_markdown_chain_becomes_a_workflow_that_runs() {
    let db = Db::new();
    let out = db.ok(&["import", &fixture("chain")]);
    assert!(out.contains("as workflow \"chain\" (starts at \"post_writer\")"), "{out}");
    assert!(out.contains("chain/README.md: skipped: Markdown without front matter"), "{out}");

    let chain = db.agent("post_writer");
    assert_eq!(chain["kind"], "chain");
    assert_eq!(chain["options"], json!({"cumulative": false}));
    assert_eq!(
        db.links_of("post_writer"),
        sorted(vec![
            link("chains_to", "summariser", json!(1)),
            link("chains_to", "social_media", json!(2))
        ])
    );
    let summariser = db.agent("summariser");
    assert_eq!(summariser["llm"], "passthrough");
    assert_eq!(summariser["use_history"], false);
    assert_eq!(summariser["request_params"], json!({"max_tokens": 800, "temperature": 0.2}));
    assert_eq!(
        summariser["instruction"],
        "Given some notes, provide a complete and comprehensive summary.\nKeep every fact; drop every opinion."
    );
    let post = db.agent("social_media");
    assert!(post["instruction"].as_str().is_some_and(|i| i.starts_with("Write a 280")), "{post}");
    assert_eq!(post["use_history"], true);

    let workflow = db.json(&["workflow", "show", "chain"]);
    assert_eq!(workflow["workflow"]["root"], "post_writer");
    assert_eq!(workflow["problems"], json!([]));
    let run = db.json(&["run", "chain", "-i", "hi"]);
    assert_eq!((&run["status"], &run["output"]), (&json!("succeeded"), &json!("hi")), "{run}");
}

#[test]
fn a_yaml_parallel_fans_out_and_in_with_the_default_model_of_fast_agent_yaml() {
    let db = Db::new();
    let out = db.ok(&["import", &fixture("workspace/parallel")]);
    assert!(out.contains("use \"passthrough\": the default_model of"), "{out}");
    assert!(
        out.contains(
            "grader.yaml: field \"save_trajectory\" is not supported by AgentLoom (not imported)"
        ),
        "{out}"
    );

    let panel = db.agent("review_panel");
    assert_eq!(panel["kind"], "parallel");
    assert_eq!(panel["options"], json!({"include_request": false}));
    assert_eq!(
        db.links_of("review_panel"),
        sorted(vec![
            link("fans_out_to", "proofreader", Value::Null),
            link("fans_out_to", "fact_checker", Value::Null),
            link("fans_out_to", "style_enforcer", Value::Null),
            link("fan_in_from", "grader", Value::Null),
        ])
    );
    let enforcer = db.agent("style_enforcer");
    assert_eq!(enforcer["llm"], "passthrough");
    assert_eq!(enforcer["request_params"], json!({"temperature": 0.4, "max_iterations": 3}));
    assert!(enforcer["instruction"].as_str().is_some_and(|i| i.starts_with("Analyze the story")));

    let run = db.json(&["run", "parallel", "-i", "Once upon a time."]);
    assert_eq!(run["status"], "succeeded", "{run}");
}

#[test]
fn a_router_gets_llm_configs_from_model_strings_and_servers_from_fast_agent_yaml() {
    let db = Db::new();
    let out = db.ok(&["import", &fixture("workspace/router")]);
    assert!(
        out.contains("mcp.servers.fetch.read_timeout_seconds: \"read_timeout_seconds\" has no AgentLoom equivalent"),
        "{out}"
    );
    assert!(out.contains("reads its key from env:ANTHROPIC_API_KEY"), "{out}");

    let router = db.agent("route");
    assert_eq!(
        (&router["kind"], &router["llm"]),
        (&json!("router"), &json!("anthropic.claude-sonnet-4-5"))
    );
    assert_eq!(router["use_history"], false, "fast-agent's default for a router");
    assert_eq!(
        db.links_of("route"),
        sorted(vec![
            link("routes_to", "code_expert", Value::Null),
            link("routes_to", "general_assistant", Value::Null),
            link("routes_to", "fetcher", Value::Null),
        ])
    );
    let configs = db.json(&["llm", "list"]);
    let sonnet = configs
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "anthropic.claude-sonnet-4-5"));
    let sonnet = sonnet.expect("config for the router's model");
    assert_eq!(
        (&sonnet["provider"], &sonnet["model"], &sonnet["api_key_ref"]),
        (&json!("anthropic"), &json!("claude-sonnet-4-5"), &json!("env:ANTHROPIC_API_KEY"))
    );
    let assistant = db.agent("general_assistant");
    assert_eq!(
        (&assistant["llm"], &assistant["human_input"]),
        (&json!("openai.gpt-4.1-mini"), &json!(true))
    );
    assert_eq!(
        db.agent("code_expert")["mcp_servers"],
        json!([{"server": "filesystem", "allowed_tools": ["read_file", "list_directory"]}])
    );
    assert_eq!(
        db.agent("fetcher")["mcp_servers"],
        json!([{"server": "fetch", "allowed_tools": null}])
    );
    let servers = db.json(&["mcp", "list"]);
    let fetch =
        servers.as_array().and_then(|s| s.iter().find(|s| s["name"] == "fetch")).expect("fetch");
    assert_eq!((&fetch["command"], &fetch["args"]), (&json!("uvx"), &json!(["mcp-server-fetch"])));
    let filesystem = servers
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "filesystem"))
        .expect("filesystem");
    assert_eq!(
        (&filesystem["command"], &filesystem["args"]),
        (&json!("npx"), &json!(["-y", "@modelcontextprotocol/server-filesystem", "."]))
    );
}

#[test]
fn an_iterative_planner_is_an_orchestrator_that_plans_step_by_step() {
    let db = Db::new();
    let out = db.ok(&["import", &fixture("planner")]);
    assert!(out.contains("cards without a model (finder, writer) use \"passthrough\""), "{out}");

    let planner = db.agent("orchestrate");
    assert_eq!(planner["kind"], "orchestrator");
    assert_eq!(planner["options"], json!({"plan_type": "iterative", "plan_iterations": 4}));
    assert_eq!(planner["use_history"], false);
    let instruction = planner["instruction"].as_str().unwrap_or_default();
    assert!(
        !instruction.contains("{{agents}}") && instruction.contains("planning request"),
        "{instruction}"
    );
    assert_eq!(
        db.links_of("orchestrate"),
        sorted(vec![
            link("orchestrates", "finder", Value::Null),
            link("orchestrates", "writer", Value::Null)
        ])
    );
    assert_eq!(
        db.agent("finder")["mcp_servers"],
        json!([{"server": "docs", "allowed_tools": null}])
    );
    let servers = db.json(&["mcp", "list"]);
    assert_eq!(servers[0]["url"], "https://docs.example.com/mcp");
    assert_eq!(servers[0]["headers"], json!({"Authorization": "env:DOCS_TOKEN"}));
}

#[test]
fn an_evaluator_optimizer_keeps_its_rating_and_rounds() {
    let db = Db::new();
    let imported = db.json(&["import", &fixture("evaluator")]);
    assert_eq!(
        (&imported["workflow"], &imported["root"]),
        (&json!("evaluator"), &json!("cover_letter_writer"))
    );
    assert_eq!(imported["warnings"], json!([]), "refinement_instruction: null asks for nothing");

    let loop_agent = db.agent("cover_letter_writer");
    assert_eq!(loop_agent["kind"], "evaluator_optimizer");
    assert_eq!(loop_agent["options"], json!({"min_rating": "EXCELLENT", "max_refinements": 2}));
    assert_eq!(
        db.links_of("cover_letter_writer"),
        sorted(vec![
            link("generator_for_eval", "generator", Value::Null),
            link("evaluator_for_gen", "evaluator", Value::Null)
        ])
    );
}

#[test]
fn importing_again_changes_nothing_and_our_own_yaml_still_imports() {
    let db = Db::new();
    db.ok(&["import", &fixture("chain")]);
    let again = db.ok(&["import", &fixture("chain")]);
    assert!(again.contains("0 created, 0 updated"), "{again}");
    let yaml = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples/writing_chain.yaml");
    let out = db.ok(&["import", &yaml.display().to_string()]);
    assert!(out.contains("created workflow writing_chain"), "{out}");
}

#[test]
fn a_field_agentloom_cannot_hold_is_reported_by_name() {
    let db = Db::new();
    let err = db.fails(&["import", &fixture("bad_field")]);
    assert!(
        err.contains(
            "bad_field/writer.md: field \"shell\" is not supported by AgentLoom (not imported)"
        ),
        "{err}"
    );
    assert!(err.contains("bad_field/writer.md: unknown field \"temprature\""), "{err}");
    assert!(err.contains("the database is unchanged"), "{err}");
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let db = Db::new();
    let err = db.fails(&["import", &fixture("bad_syntax")]);
    assert!(err.contains("bad_syntax/writer.md: line 5 column"), "{err}");
}

#[test]
fn a_card_naming_an_unknown_agent_names_it() {
    let db = Db::new();
    let err = db.fails(&["import", &fixture("unknown_agent")]);
    assert!(
        err.contains("unknown_agent/pipeline.md: sequence[1]: unknown agent \"editor\""),
        "{err}"
    );
    let alone = db.fails(&["import", &fixture("evaluator/cover_letter_writer.yaml")]);
    assert!(
        alone.contains("cover_letter_writer.yaml: generator: unknown agent \"generator\""),
        "{alone}"
    );
}

#[test]
fn a_refused_import_changes_nothing() {
    let db = Db::new();
    db.ok(&["import", &fixture("chain")]);
    let before = db.everything();
    for refused in ["unknown_agent", "bad_field", "bad_syntax"] {
        db.fails(&["import", &fixture(refused)]);
    }
    let changed = card_folder(
        &db,
        "chain",
        &[
            ("post_writer.md", "---\ntype: chain\nsequence: [summariser]\ndefault: true\n---\n"),
            (
                "summariser.md",
                "---\nmodel: passthrough\nservers: [nowhere]\n---\nA new instruction.\n",
            ),
        ],
    );
    let err = db.fails(&["import", &changed]);
    assert!(err.contains("summariser.md: servers[0]: unknown MCP server \"nowhere\""), "{err}");
    assert_eq!(db.everything(), before);
    assert!(db.fails(&["agent", "show", "drafter"]).contains("drafter"));
}

#[test]
fn sets_without_an_entry_or_with_unmappable_models_are_refused() {
    let db = Db::new();
    let two = card_folder(
        &db,
        "two",
        &[
            ("a.md", "---\nmodel: passthrough\n---\nA.\n"),
            ("b.md", "---\nmodel: passthrough\n---\nB.\n"),
        ],
    );
    let err = db.fails(&["import", &two]);
    assert!(err.contains("cannot tell which card the workflow starts at: a, b"), "{err}");
    assert!(err.contains("default: true"), "{err}");
    let model = card_folder(
        &db,
        "model",
        &[
            ("a.md", "---\nmodel: o3-mini?reasoning=high\n---\nA.\n"),
            ("b.md", "---\nmodel: sonnet\ndefault: true\n---\nB.\n"),
        ],
    );
    let err = db.fails(&["import", &model]);
    assert!(
        err.contains("a.md: model: model \"o3-mini?reasoning=high\": options after '?'"),
        "{err}"
    );
    assert!(err.contains("b.md: model: model \"sonnet\" cannot be mapped"), "{err}");
    let placeholder = card_folder(
        &db,
        "date",
        &[("a.md", "---\nmodel: passthrough\n---\nToday is {{currentDate}}.\n")],
    );
    let err = db.fails(&["import", &placeholder]);
    assert!(
        err.contains("a.md: body: placeholder {{currentDate}} is filled by fast-agent"),
        "{err}"
    );
}

#[test]
fn a_fast_agent_yaml_beside_the_cards_configures_them_and_secrets_stay_unread() {
    let db = Db::new();
    let folder = card_folder(
        &db,
        "clock",
        &[
            ("clock.md", "---\nname: clock\nservers: [time]\n---\nTell the time in {{input}}.\n"),
            (
                "fast-agent.yaml",
                "default_model: passthrough\nmcp:\n  servers:\n    time:\n      target: uvx mcp-server-time\n",
            ),
            ("fastagent.secrets.yaml", "openai:\n  api_key: sk-not-a-real-key\n"),
        ],
    );
    let out = db.ok(&["import", &folder]);
    assert!(out.contains("fastagent.secrets.yaml: skipped: a secrets file: never read"), "{out}");
    assert_eq!(db.agent("clock")["llm"], "passthrough");
    let servers = db.json(&["mcp", "list"]);
    assert_eq!(
        (&servers[0]["command"], &servers[0]["args"]),
        (&json!("uvx"), &json!(["mcp-server-time"]))
    );
}
