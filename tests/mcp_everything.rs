//! MCP client against `@modelcontextprotocol/server-everything` from npm, a server nobody here
//! wrote, over stdio and streamable HTTP: agents call its tools (scripted by the offline playback
//! model), its sampling request is answered by our model, its elicitation through a
//! human_input_requests row, its roots request with our roots, its progress lands in the logs.

#[path = "support/mcp_peers.rs"]
mod mcp_peers;
#[path = "support/scripted_llm.rs"]
mod scripted_llm;
mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use mcp_peers::{EverythingHttp, everything_script, processes_gone};
use serde_json::{Value, json};
use support::{Run, Sandbox};

fn json_of(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

/// The server row for server-everything over stdio (our own command line) or HTTP.
fn stdio_server(roots: &[String]) -> Value {
    let script = everything_script();
    json!({
        "name": "everything", "transport": "stdio", "command": "node",
        "args": [script.display().to_string(), "stdio"],
        "root_paths": roots, "sampling_llm": "sampler", "init_timeout_secs": 30.0,
    })
}

fn http_server(url: &str) -> Value {
    json!({"name": "everything", "transport": "http", "url": url, "sampling_llm": "sampler"})
}

/// A workflow whose agent `helper` plays `turns` (scripted tool calls, then an answer) with the
/// tools of `server` it is allowed.
fn document(server: &Value, turns: Value, allowed: &[&str]) -> String {
    let doc = json!({
        "agentloom": 1,
        "workflow": {"name": "mcp_demo", "root": "helper"},
        "agents": [{
            "name": "helper", "type": "basic", "instruction": "Use the tools for: {{input}}",
            "llm": "script",
            "mcp_servers": [{"server": "everything", "allowed_tools": allowed}],
        }],
        "llm_configs": [
            {"name": "script", "provider": "playback", "model": "playback",
             "provider_options": {"turns": turns}},
            {"name": "sampler", "provider": "passthrough", "model": "passthrough"},
        ],
        "mcp_servers": [server],
    });
    serde_json::to_string_pretty(&doc).expect("document")
}

/// A sandbox holding `document`, its imported stdio server approved.
fn sandbox_with(document: &str) -> Sandbox {
    let sandbox = Sandbox::empty();
    let file = sandbox.path("mcp_demo.yaml");
    std::fs::write(&file, document).expect("write document");
    sandbox.run(&["import", file.to_str().expect("path")]).ok();
    sandbox
}

fn trust(sandbox: &Sandbox) {
    sandbox.run(&["mcp", "trust", "everything"]).ok();
}

/// Runs `mcp_demo` and returns `{run_id, session_id, status, output}`.
fn run_demo(sandbox: &Sandbox) -> Value {
    json_of(&sandbox.run(&["--json", "run", "mcp_demo", "--input", "test"]))
}

/// Every tool result part of the session's messages, by tool name.
fn tool_results(sandbox: &Sandbox, session: i64) -> Vec<(String, Value)> {
    let history = json_of(&sandbox.run(&["--json", "history", &session.to_string()]).ok());
    history
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == "tool_response")
        .map(|m| (m["tool_name"].as_str().unwrap_or_default().to_owned(), m["content"].clone()))
        .collect()
}

fn result_text(results: &[(String, Value)], tool: &str) -> String {
    let (_, parts) = results
        .iter()
        .find(|(name, _)| name == tool)
        .unwrap_or_else(|| panic!("no result of {tool} in {results:?}"));
    parts[0]["content"].as_str().unwrap_or_default().to_owned()
}

fn spans(sandbox: &Sandbox, run: i64) -> Vec<Value> {
    let shown = json_of(&sandbox.run(&["--json", "runs", "show", &run.to_string()]).ok());
    shown["spans"].as_array().expect("spans").clone()
}

fn echo_and_sum_turns() -> Value {
    json!([
        {"tool_calls": [
            {"name": "everything__echo", "arguments": {"message": "hello mcp"}},
            {"name": "everything__get-sum", "arguments": {"a": 2, "b": 3}},
            {"name": "everything__get-env", "arguments": {}},
        ]},
        "done",
    ])
}

fn assert_echo_and_sum(sandbox: &Sandbox) {
    let outcome = run_demo(sandbox);
    assert_eq!(outcome["status"], "succeeded", "{outcome}");
    assert_eq!(outcome["output"], "done");
    let results = tool_results(sandbox, outcome["session_id"].as_i64().expect("session"));
    assert_eq!(result_text(&results, "everything__echo"), "Echo: hello mcp");
    assert_eq!(result_text(&results, "everything__get-sum"), "The sum of 2 and 3 is 5.");
    // get-env exists on the server but is not on the agent's allow-list.
    let refused = &results.iter().find(|(n, _)| n == "everything__get-env").expect("get-env").1;
    assert_eq!(refused[0]["is_error"], true);
    assert!(refused[0]["content"].as_str().unwrap_or_default().contains("no tool named"));
    let tool_spans: Vec<String> = spans(sandbox, outcome["run_id"].as_i64().expect("run"))
        .iter()
        .filter(|s| s["kind"] == "tool_call")
        .map(|s| format!("{} {}", s["name"].as_str().unwrap_or_default(), s["status"]))
        .collect();
    assert!(tool_spans.contains(&"everything__echo \"succeeded\"".to_owned()), "{tool_spans:?}");
}

#[test]
fn an_agent_uses_echo_and_sum_over_stdio_and_no_child_outlives_the_run() {
    // A word of its own on the server's command line (other tests start the same server).
    let marker = "marker-echo-and-sum-over-stdio";
    let mut server = stdio_server(&[]);
    server["args"].as_array_mut().expect("args").push(json!(marker));
    let sandbox = sandbox_with(&document(&server, echo_and_sum_turns(), &["echo", "get-sum"]));
    // Imported stdio servers start only once the user approved their command line.
    let refused = run_demo(&sandbox);
    assert_eq!(refused["status"], "failed", "{refused}");
    assert!(
        refused["error"].as_str().unwrap_or_default().contains("agentloom mcp trust everything"),
        "{refused}"
    );
    trust(&sandbox);
    assert_echo_and_sum(&sandbox);
    assert!(processes_gone(marker), "server-everything outlived the CLI");
}

#[test]
fn an_agent_uses_echo_and_sum_over_streamable_http() {
    let server = EverythingHttp::start();
    let sandbox = sandbox_with(&document(
        &http_server(&server.url()),
        echo_and_sum_turns(),
        &["echo", "get-sum"],
    ));
    assert_echo_and_sum(&sandbox);
}

#[test]
fn sampling_is_answered_by_our_model_as_a_sampling_span_with_tokens() {
    let turns = json!([
        {"tool_calls": [{"name": "everything__trigger-sampling-request", "arguments": {"prompt": "name a colour", "maxTokens": 20}}]},
        "sampled",
    ]);
    let sandbox = sandbox_with(&document(&stdio_server(&[]), turns, &["trigger-sampling-request"]));
    trust(&sandbox);
    let outcome = run_demo(&sandbox);
    assert_eq!(outcome["status"], "succeeded", "{outcome}");
    let results = tool_results(&sandbox, outcome["session_id"].as_i64().expect("session"));
    let text = result_text(&results, "everything__trigger-sampling-request");
    // The passthrough sampler answers with the server's own prompt.
    assert!(text.contains("Resource trigger-sampling-request context: name a colour"), "{text}");
    assert!(text.contains("\"model\": \"passthrough\""), "{text}");
    let run = outcome["run_id"].as_i64().expect("run");
    let all = spans(&sandbox, run);
    let sampling = all.iter().find(|s| s["kind"] == "sampling").expect("a sampling span");
    assert_eq!(sampling["status"], "succeeded");
    assert!(sampling["output_tokens"].as_i64().unwrap_or(0) > 0, "{sampling}");
    let tool = all.iter().find(|s| s["kind"] == "tool_call").expect("tool span");
    assert_eq!(sampling["parent_span_id"], tool["id"]);
    let total: i64 = all
        .iter()
        .filter(|s| s["kind"] == "llm_call" || s["kind"] == "sampling")
        .map(|s| s["output_tokens"].as_i64().unwrap_or(0))
        .sum();
    let shown = json_of(&sandbox.run(&["--json", "runs", "show", &run.to_string()]).ok());
    assert_eq!(shown["run"]["output_tokens"].as_i64(), Some(total));
}

#[test]
fn elicitation_becomes_a_question_answered_from_the_cli_with_its_form_schema() {
    let turns = json!([
        {"tool_calls": [{"name": "everything__trigger-elicitation-request", "arguments": {}}]},
        "thanks",
    ]);
    let sandbox =
        sandbox_with(&document(&stdio_server(&[]), turns, &["trigger-elicitation-request"]));
    trust(&sandbox);
    let running = sandbox
        .command(&["--json", "run", "mcp_demo", "--input", "test"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the run");
    let deadline = Instant::now() + Duration::from_secs(60);
    let request = loop {
        let pending = json_of(&sandbox.run(&["--json", "answer"]).ok());
        if let Some(request) = pending.as_array().and_then(|p| p.first()) {
            break request.clone();
        }
        assert!(Instant::now() < deadline, "no question appeared");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(request["source"], "elicitation");
    assert!(request["prompt"].as_str().unwrap_or_default().contains("everything"), "{request}");
    assert_eq!(request["response_schema"]["properties"]["name"]["type"], "string");
    assert_eq!(request["response_schema"]["required"], json!(["name"]));
    let id = request["id"].as_i64().expect("id").to_string();
    sandbox.run(&["answer", &id, r#"{"name": "Ada Lovelace", "check": true}"#]).ok();
    let output = running.wait_with_output().expect("run ends");
    let outcome: Value = serde_json::from_slice(&output.stdout).expect("run JSON");
    assert_eq!(outcome["status"], "succeeded", "{outcome}");
    let results = tool_results(&sandbox, outcome["session_id"].as_i64().expect("session"));
    let text = result_text(&results, "everything__trigger-elicitation-request");
    assert!(text.contains("User provided the requested information"), "{text}");
    assert!(text.contains("Ada Lovelace"), "{text}");
}

#[test]
fn roots_come_from_the_row_and_progress_lands_in_the_logs() {
    let dir = tempfile::tempdir().expect("root dir");
    let root = dir.path().display().to_string();
    let turns = json!([
        {"tool_calls": [{"name": "everything__get-roots-list", "arguments": {}}]},
        {"tool_calls": [{"name": "everything__trigger-long-running-operation", "arguments": {"duration": 1, "steps": 2}}]},
        "done",
    ]);
    let allowed = ["get-roots-list", "trigger-long-running-operation"];
    let sandbox =
        sandbox_with(&document(&stdio_server(std::slice::from_ref(&root)), turns, &allowed));
    trust(&sandbox);
    let outcome = run_demo(&sandbox);
    assert_eq!(outcome["status"], "succeeded", "{outcome}");
    let results = tool_results(&sandbox, outcome["session_id"].as_i64().expect("session"));
    let roots = result_text(&results, "everything__get-roots-list");
    assert!(roots.contains(&format!("file://{root}")), "{roots}");
    let long = result_text(&results, "everything__trigger-long-running-operation");
    assert!(long.contains("Long running operation completed"), "{long}");
    let run = outcome["run_id"].as_i64().expect("run").to_string();
    let logs = json_of(&sandbox.run(&["--json", "logs", "--run", &run]).ok());
    let messages: Vec<&str> =
        logs.as_array().expect("logs").iter().filter_map(|l| l["message"].as_str()).collect();
    assert!(messages.contains(&"progress 1/2"), "{messages:?}");
    assert!(messages.contains(&"progress 2/2"), "{messages:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prompt_serves_as_instruction_and_a_resource_is_attached_to_the_message() {
    use scripted_llm::{Answer, Reply, ScriptedLlm};
    let model = ScriptedLlm::start([Reply::Answer(Answer::text(&["sunny"]))]).await;
    let document = json!({
        "agentloom": 1,
        "workflow": {"name": "weather", "root": "forecaster"},
        "agents": [{
            "name": "forecaster", "type": "basic", "llm": "model",
            "instruction": "{{mcp_prompt:everything/args-prompt}}\nBackground:\n\
                            {{mcp_resource:everything/demo://resource/static/document/features.md}}",
            "mcp_servers": [{"server": "everything", "allowed_tools": []}],
        }],
        "llm_configs": [
            {"name": "model", "provider": "generic", "model": "scripted", "base_url": model.base_url()},
            {"name": "sampler", "provider": "passthrough", "model": "passthrough"},
        ],
        "mcp_servers": [stdio_server(&[])],
    });
    let sandbox = sandbox_with(&serde_json::to_string(&document).expect("document"));
    trust(&sandbox);
    // The prompt's required argument comes from the agent's state (or a session variable).
    sandbox.run(&["state", "set", "forecaster", "city", "Paris"]).ok();
    let outcome = json_of(&sandbox.run(&["--json", "run", "weather", "--input", "tomorrow?"]));
    assert_eq!(outcome["status"], "succeeded", "{outcome}");
    assert_eq!(outcome["output"], "sunny");

    let journal = model.journal();
    let system = journal[0].body["messages"][0].clone();
    assert_eq!(system["role"], "system", "{system}");
    let system = system["content"].as_str().unwrap_or_default();
    assert!(
        system.starts_with("What's weather in Paris?\nBackground:\n# Everything Server - Features"),
        "{system}"
    );

    let history =
        json_of(&sandbox.run(&["--json", "history", &outcome["session_id"].to_string()]).ok());
    let user = &history.as_array().expect("messages")[0];
    assert_eq!(user["role"], "user");
    assert_eq!(user["content"][0]["text"], "tomorrow?");
    assert_eq!(user["content"][1]["type"], "resource");
    assert_eq!(user["content"][1]["uri"], "demo://resource/static/document/features.md");
    assert!(user["content"][1]["text"].as_str().unwrap_or_default().contains("Features"));
}

#[test]
fn mcp_prompt_and_read_print_what_the_server_renders() {
    let sandbox = sandbox_with(&document(&stdio_server(&[]), json!(["x"]), &[]));
    trust(&sandbox);
    let prompt =
        sandbox.run(&["mcp", "prompt", "everything", "args-prompt", "--arg", "city=Lyon"]).ok();
    assert_eq!(prompt.stdout.trim(), "What's weather in Lyon?");
    sandbox
        .run(&["mcp", "prompt", "everything", "args-prompt"])
        .fails_with("MCP server \"everything\" answered prompts/get args-prompt with an error");
    let read = sandbox
        .run(&["mcp", "read", "everything", "demo://resource/static/document/features.md"])
        .ok();
    assert!(read.stdout.starts_with("# Everything Server - Features"), "{}", read.stdout);
}

#[test]
fn env_secret_references_are_resolved_at_connect_time_and_never_stored() {
    const SECRET: &str = "s3cr3t-value-for-the-mcp-test";
    // The server starts only when DEMO_API_KEY holds the variable's value, not the reference
    // (the child also inherits the variable itself, which the row does not name).
    let check = format!(
        "test \"$DEMO_API_KEY\" = \"$AGENTLOOM_TEST_MCP_SECRET\" || \
         {{ echo \"DEMO_API_KEY is $DEMO_API_KEY\" >&2; exit 9; }}; exec node '{}' stdio",
        everything_script().display()
    );
    let server = json!({
        "name": "everything", "transport": "stdio", "command": "sh", "args": ["-c", check],
        "env": {"DEMO_API_KEY": "env:AGENTLOOM_TEST_MCP_SECRET"}, "sampling_llm": "sampler",
    });
    let turns = json!([
        {"tool_calls": [{"name": "everything__echo", "arguments": {"message": "resolved"}}]},
        "done",
    ]);
    let sandbox = sandbox_with(&document(&server, turns, &["echo"]));
    trust(&sandbox);

    let mut command = sandbox.command(&["run", "mcp_demo", "--input", "x"]);
    let unset = Run::from(command.env_remove("AGENTLOOM_TEST_MCP_SECRET").output().expect("run"));
    let unset = unset.fails_with("MCP server \"everything\": env DEMO_API_KEY");
    assert!(unset.stderr.contains("AGENTLOOM_TEST_MCP_SECRET is not set"), "{}", unset.stderr);

    let mut command = sandbox.command(&["--json", "run", "mcp_demo", "--input", "x"]);
    let ran = Run::from(command.env("AGENTLOOM_TEST_MCP_SECRET", SECRET).output().expect("run"));
    let outcome = json_of(&ran.ok());
    assert_eq!(outcome["status"], "succeeded", "{outcome}");
    let results = tool_results(&sandbox, outcome["session_id"].as_i64().expect("session"));
    assert_eq!(result_text(&results, "everything__echo"), "Echo: resolved");
    let stored = support::dump(&sandbox.db);
    assert!(!stored.contains(SECRET), "the secret landed in the database");
    assert!(stored.contains("env:AGENTLOOM_TEST_MCP_SECRET"));
}

#[test]
fn images_and_embedded_resources_are_stored_as_message_parts() {
    let turns = json!([
        {"tool_calls": [
            {"name": "everything__get-tiny-image", "arguments": {}},
            {"name": "everything__get-resource-reference", "arguments": {"resourceType": "Text", "resourceId": 3}},
        ]},
        "done",
    ]);
    let allowed = ["get-tiny-image", "get-resource-reference"];
    let sandbox = sandbox_with(&document(&stdio_server(&[]), turns, &allowed));
    trust(&sandbox);
    let outcome = run_demo(&sandbox);
    assert_eq!(outcome["status"], "succeeded", "{outcome}");
    let results = tool_results(&sandbox, outcome["session_id"].as_i64().expect("session"));
    let parts_of = |tool: &str| {
        results.iter().find(|(name, _)| name == tool).map(|(_, parts)| parts.clone()).expect(tool)
    };
    let image = parts_of("everything__get-tiny-image");
    let image = image.as_array().expect("parts").iter().find(|p| p["type"] == "image").cloned();
    let image = image.expect("an image part");
    assert_eq!(image["mime_type"], "image/png");
    assert!(image["data"].as_str().is_some_and(|d| d.len() > 100), "{image}");
    let reference = parts_of("everything__get-resource-reference");
    let resource =
        reference.as_array().expect("parts").iter().find(|p| p["type"] == "resource").cloned();
    let resource = resource.expect("a resource part");
    assert!(resource["uri"].as_str().is_some_and(|u| u.ends_with("/3")), "{resource}");
    assert!(resource["text"].as_str().is_some_and(|t| !t.is_empty()), "{resource}");
    // The model reads the resource's text with its URI.
    assert!(reference[0]["content"].as_str().unwrap_or_default().contains("[resource "));
}

#[test]
fn without_a_sampling_llm_the_calling_agents_model_answers() {
    let mut server = stdio_server(&[]);
    server.as_object_mut().expect("row").remove("sampling_llm");
    let turns = json!([
        {"tool_calls": [{"name": "everything__trigger-sampling-request", "arguments": {"prompt": "hi"}}]},
        "the agent's own model answered",
        "done",
    ]);
    let sandbox = sandbox_with(&document(&server, turns, &["trigger-sampling-request"]));
    trust(&sandbox);
    let outcome = run_demo(&sandbox);
    assert_eq!(outcome["status"], "succeeded", "{outcome}");
    assert_eq!(outcome["output"], "done");
    let results = tool_results(&sandbox, outcome["session_id"].as_i64().expect("session"));
    let text = result_text(&results, "everything__trigger-sampling-request");
    assert!(text.contains("the agent's own model answered"), "{text}");
    let all = spans(&sandbox, outcome["run_id"].as_i64().expect("run"));
    let sampling = all.iter().find(|s| s["kind"] == "sampling").expect("a sampling span");
    assert_eq!(sampling["attributes"]["llm_config"], "script");
}

#[test]
fn an_input_takes_a_prompt_as_the_user_message_and_attaches_a_resource() {
    let doc = json!({
        "agentloom": 1,
        "workflow": {"name": "relay", "root": "relayer"},
        "agents": [{"name": "relayer", "type": "basic", "llm": "sampler",
                    "instruction": "Answer: {{input}}",
                    "mcp_servers": [{"server": "everything", "allowed_tools": []}]}],
        "llm_configs": [{"name": "sampler", "provider": "passthrough", "model": "passthrough"}],
        "mcp_servers": [stdio_server(&[])],
    });
    let sandbox = sandbox_with(&serde_json::to_string(&doc).expect("document"));
    trust(&sandbox);
    let input = "{{mcp_prompt:everything/simple-prompt}} | \
                 {{mcp_resource:everything/demo://resource/static/document/features.md}}";
    let outcome = json_of(&sandbox.run(&["--json", "run", "relay", "--input", input]).ok());
    // The passthrough model answers with the user message it got: the prompt and the resource.
    let output = outcome["output"].as_str().expect("output");
    assert!(
        output.starts_with(
            "This is a simple prompt without arguments. | # Everything Server - Features"
        ),
        "{output}"
    );
    let history =
        json_of(&sandbox.run(&["--json", "history", &outcome["session_id"].to_string()]).ok());
    let user = &history.as_array().expect("messages")[0];
    assert_eq!(user["content"][0]["text"].as_str(), Some(output));
    assert_eq!(user["content"][1]["uri"], "demo://resource/static/document/features.md");
}
