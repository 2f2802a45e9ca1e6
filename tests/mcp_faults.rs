//! MCP faults, with a small rmcp server inside this test binary (it runs itself with
//! `--ignored --exact fault_server`): a server that crashes mid-call, hangs past the call
//! timeout, answers with invalid JSON-RPC, or returns a huge result. Each gives the model a clear
//! error, the other server (server-everything) and the run carry on, a crashed server is started
//! again for the next call, every message is stored, and no child outlives the engine.

#[path = "support/mcp_peers.rs"]
mod mcp_peers;
mod support;

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use agentloom::engine::{Engine, EngineConfig, RunRequest};
use agentloom::model::{ContentPart, Message, Role, RunOrigin, RunStatus};
use agentloom::store::Store;
use mcp_peers::{everything_script, processes_gone};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorData, ListToolsResult,
    PaginatedRequestParams, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ServerHandler, ServiceExt};
use serde_json::{Value, json};

/// The environment variable that turns this binary into the fault server.
const FAULT_SERVER: &str = "AGENTLOOM_TEST_FAULT_SERVER";
/// Where the fault server notes that a call was cancelled.
const CANCELLED_LOG: &str = "AGENTLOOM_TEST_FAULT_CANCELLED";
/// How big the huge result is: over the 1 MiB AgentLoom keeps of a result.
const HUGE: usize = 3 << 20;

struct Faulty;

impl ServerHandler for Faulty {
    fn get_info(&self) -> ServerConfig {
        serde_json::from_value(json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "faulty", "version": "1.0.0"},
        }))
        .expect("server config")
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tool = |name: &str| {
            json!({"name": name, "description": format!("{name} on purpose"),
                   "inputSchema": {"type": "object", "properties": {}}})
        };
        let tools: Vec<Value> =
            ["ok", "crash", "hang", "garbage", "huge", "log"].into_iter().map(tool).collect();
        Ok(serde_json::from_value(json!({ "tools": tools })).expect("tools"))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let text = match request.name.as_ref() {
            "ok" => format!("ok from process {}", std::process::id()),
            "crash" => {
                eprintln!("faulty: crashing on purpose");
                std::process::exit(7);
            }
            "hang" => {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                    // The client's notifications/cancelled for this request.
                    _ = context.ct.cancelled() => {
                        if let Some(path) = std::env::var_os(CANCELLED_LOG) {
                            std::fs::write(path, "hang cancelled").expect("write the cancel log");
                        }
                    }
                }
                String::new()
            }
            "garbage" => {
                // A response to this very request, but not JSON-RPC (no "jsonrpc", no result).
                let id = serde_json::to_value(&context.id).expect("id");
                {
                    let mut out = std::io::stdout().lock();
                    let line = json!({"id": id, "oops": "this is not JSON-RPC"});
                    writeln!(out, "{line}").expect("write");
                    out.flush().expect("flush");
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
                String::new()
            }
            "huge" => "x".repeat(HUGE),
            // Logging is deprecated by SEP-2577, but servers of today (2025 protocols) send it.
            #[allow(deprecated)]
            "log" => {
                let note = serde_json::from_value(json!({
                    "level": "warning", "logger": "faulty", "data": "disk almost full",
                }))
                .expect("log notification");
                context.peer.notify_logging_message(note).await.expect("send the log");
                "logged".to_owned()
            }
            other => return Err(ErrorData::invalid_params(format!("no tool {other}"), None)),
        };
        let result: CallToolResult =
            serde_json::from_value(json!({"content": [{"type": "text", "text": text}]}))
                .expect("result");
        Ok(result.into())
    }
}

/// The fault server itself: serves `Faulty` on stdio when this binary is started by a test
/// below, and does nothing otherwise.
#[test]
#[ignore = "the fault server the other tests start as a child process"]
fn fault_server() {
    if std::env::var_os(FAULT_SERVER).is_none() {
        return;
    }
    // The test harness has printed "test fault_server ... " without a line end: end that line,
    // so that our first JSON-RPC message starts a line of its own (the client skips the others).
    println!();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let service = Faulty.serve(rmcp::transport::stdio()).await.expect("serve");
        let _ = service.waiting().await;
    });
}

/// A database whose workflow `faults` has an agent with the `faulty` and `everything` servers,
/// playing `turns`.
fn database(dir: &Path, turns: Value) -> std::path::PathBuf {
    let me = std::env::current_exe().expect("test binary").display().to_string();
    let document = json!({
        "agentloom": 1,
        "workflow": {"name": "faults", "root": "worker"},
        "agents": [{
            "name": "worker", "type": "basic", "instruction": "Work.", "llm": "script",
            "mcp_servers": [{"server": "faulty"}, {"server": "everything"}],
        }],
        "llm_configs": [{"name": "script", "provider": "playback", "model": "playback",
                         "provider_options": {"turns": turns}}],
        "mcp_servers": [
            {"name": "faulty", "transport": "stdio", "command": me,
             "args": ["--ignored", "--exact", "fault_server", "--nocapture", "--test-threads=1",
                      "--skip", marker(dir)],
             "env": {FAULT_SERVER: "1",
                     CANCELLED_LOG: dir.join("cancelled.txt").display().to_string()}},
            {"name": "everything", "transport": "stdio", "command": "node",
             "args": [everything_script().display().to_string(), "stdio", marker(dir)]},
        ],
    });
    let path = dir.join("faults.db");
    let mut store = Store::open(&path).expect("store");
    agentloom::interchange::import_yaml(&mut store, &document.to_string()).expect("import");
    store
        .write("trust", |w| {
            w.trust_mcp_server("faulty")?;
            w.trust_mcp_server("everything")
        })
        .expect("trust");
    path
}

/// A run of `faults`.
fn faults_request() -> RunRequest {
    RunRequest {
        target: "faults".into(),
        input: "go".into(),
        session: None,
        origin: RunOrigin::Cli,
    }
}

fn call(name: &str) -> Value {
    json!({"name": name, "arguments": {}})
}

/// Runs `faults` on a fresh engine with a short call timeout and returns the run's status and
/// its tool results (name, text, is_error), then drops the engine.
/// A tool result: the tool's name, its text and whether it is an error.
type ResultRow = (String, String, bool);

fn run(path: &Path) -> ((RunStatus, Option<String>), Vec<ResultRow>, Vec<Message>) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let outcome = runtime.block_on(async {
        let config =
            EngineConfig { mcp_call_timeout: Duration::from_secs(2), ..EngineConfig::default() };
        let engine = Engine::open(path, config).expect("engine");
        let outcome = engine.run(faults_request()).await.expect("run");
        engine.close().await.expect("close");
        outcome
    });
    drop(runtime);
    let store = Store::open(path).expect("store");
    let messages = store.read(|r| r.messages(outcome.session_id)).expect("messages");
    let results = messages
        .iter()
        .filter(|m| m.role == Role::ToolResponse)
        .flat_map(|m| m.content.iter())
        .filter_map(|part| match part {
            ContentPart::ToolResult { name, content, is_error, .. } => {
                Some((name.clone(), content.clone(), *is_error))
            }
            _ => None,
        })
        .collect();
    ((outcome.status, outcome.error), results, messages)
}

fn result<'a>(results: &'a [ResultRow], index: usize, name: &str) -> &'a ResultRow {
    let found = &results[index];
    assert_eq!(found.0, name, "{results:?}");
    found
}

/// A word on the command lines of one test's servers (tests run at the same time), so that
/// each can look for its own children.
fn marker(dir: &Path) -> String {
    format!("marker-{}", dir.file_name().and_then(|n| n.to_str()).unwrap_or_default())
}

fn assert_no_server_left(dir: &Path) {
    assert!(processes_gone(&marker(dir)), "a server outlived the engine");
}

#[test]
fn a_crash_mid_call_is_an_error_the_others_carry_on_and_the_server_starts_again() {
    let dir = tempfile::tempdir().expect("dir");
    let turns = json!([
        {"tool_calls": [call("faulty__ok")]},
        {"tool_calls": [call("faulty__crash"), {"name": "everything__echo", "arguments": {"message": "still here"}}]},
        {"tool_calls": [call("faulty__ok")]},
        "finished",
    ]);
    let (status, results, messages) = run(&database(dir.path(), turns));
    assert_eq!(status.0, RunStatus::Succeeded, "{:?}", status.1);
    let first = result(&results, 0, "faulty__ok");
    let crash = result(&results, 1, "faulty__crash");
    assert!(crash.2, "{crash:?}");
    assert!(crash.1.contains("MCP server \"faulty\" exited (exit status: 7)"), "{crash:?}");
    assert!(crash.1.contains("faulty: crashing on purpose"), "{crash:?}");
    assert_eq!(result(&results, 2, "everything__echo").1, "Echo: still here");
    // The next call starts the server again: another process answers.
    let again = result(&results, 3, "faulty__ok");
    assert!(!again.2 && again.1.starts_with("ok from process"), "{again:?}");
    assert_ne!(first.1, again.1);
    // Everything said is stored: the user turn, 3 tool calls turns + results, the final answer.
    assert_eq!(messages.iter().filter(|m| m.role == Role::ToolCall).count(), 4);
    assert_eq!(messages.last().map(Message::text).as_deref(), Some("finished"));
    assert_no_server_left(dir.path());
}

#[test]
fn a_hang_and_invalid_json_rpc_time_out_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    let turns = json!([
        {"tool_calls": [call("faulty__hang"), call("faulty__garbage")]},
        {"tool_calls": [call("faulty__ok"), {"name": "everything__get-sum", "arguments": {"a": 1, "b": 2}}]},
        "finished",
    ]);
    let (status, results, _) = run(&database(dir.path(), turns));
    assert_eq!(status.0, RunStatus::Succeeded, "{:?}", status.1);
    for (index, tool) in [(0, "hang"), (1, "garbage")] {
        let failed = result(&results, index, &format!("faulty__{tool}"));
        assert!(failed.2, "{failed:?}");
        assert_eq!(
            failed.1,
            format!("MCP server \"faulty\" did not answer tools/call {tool} within 2 s")
        );
    }
    assert!(result(&results, 2, "faulty__ok").1.starts_with("ok from process"));
    assert_eq!(result(&results, 3, "everything__get-sum").1, "The sum of 1 and 2 is 3.");
    assert_no_server_left(dir.path());
}

#[test]
fn a_huge_result_is_cut_to_what_is_kept_with_a_note() {
    let dir = tempfile::tempdir().expect("dir");
    let turns = json!([{"tool_calls": [call("faulty__huge")]}, "finished"]);
    let (status, results, _) = run(&database(dir.path(), turns));
    assert_eq!(status.0, RunStatus::Succeeded, "{:?}", status.1);
    let huge = result(&results, 0, "faulty__huge");
    assert!(!huge.2);
    assert!(huge.1.len() <= 1 << 20, "{} bytes kept, note included", huge.1.len());
    let kept = huge.1.find("\n[cut: ").expect("a note");
    let note = format!("\n[cut: {} bytes dropped to fit the 1048576-byte limit]", HUGE - kept);
    assert_eq!(&huge.1[kept..], note);
    assert_no_server_left(dir.path());
}

#[test]
fn cancelling_a_run_cancels_its_call_in_flight() {
    use agentloom::engine::RunEvent;
    use agentloom::model::SpanKind;
    let dir = tempfile::tempdir().expect("dir");
    let path = database(dir.path(), json!([{"tool_calls": [call("faulty__hang")]}, "never"]));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let outcome = runtime.block_on(async {
        let config =
            EngineConfig { mcp_call_timeout: Duration::from_secs(600), ..EngineConfig::default() };
        let engine = Engine::open(&path, config).expect("engine");
        let mut events = engine.subscribe();
        let running = tokio::spawn({
            let engine = engine.clone();
            async move { engine.run(faults_request()).await }
        });
        // Cancel once the tool call has started (its span exists and the request is in flight).
        loop {
            if let Ok(RunEvent::SpanStarted { run_id, kind: SpanKind::ToolCall, .. }) =
                events.recv().await
            {
                tokio::time::sleep(Duration::from_millis(300)).await;
                assert!(engine.cancel(run_id));
                break;
            }
        }
        let outcome = tokio::time::timeout(Duration::from_secs(30), running)
            .await
            .expect("the run ends soon after it is cancelled")
            .expect("join")
            .expect("run");
        engine.close().await.expect("close");
        outcome
    });
    drop(runtime);
    assert_eq!(outcome.status, RunStatus::Cancelled);
    let store = Store::open(&path).expect("store");
    let spans = store.read(|r| r.spans(outcome.run_id)).expect("spans");
    let tool = spans.iter().find(|s| s.kind == SpanKind::ToolCall).expect("tool span");
    assert_eq!((tool.name.as_str(), tool.status), ("faulty__hang", RunStatus::Cancelled));
    let noted = std::fs::read_to_string(dir.path().join("cancelled.txt"));
    assert_eq!(noted.ok().as_deref(), Some("hang cancelled"), "the server was not told");
    assert_no_server_left(dir.path());
}

#[test]
fn one_engine_reuses_a_connection_across_runs() {
    let dir = tempfile::tempdir().expect("dir");
    let turns = json!([{"tool_calls": [call("faulty__ok")]}, "first"]);
    let path = database(dir.path(), turns);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let answers = runtime.block_on(async {
        let engine = Engine::open(&path, EngineConfig::default()).expect("engine");
        let mut answers = Vec::new();
        for _ in 0..2 {
            let outcome = engine.run(faults_request()).await.expect("run");
            assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.error);
            let store = Store::open(&path).expect("store");
            let messages = store.read(|r| r.messages(outcome.session_id)).expect("messages");
            let answer = messages
                .iter()
                .flat_map(|m| m.content.iter())
                .find_map(|part| match part {
                    ContentPart::ToolResult { content, .. } => Some(content.clone()),
                    _ => None,
                })
                .expect("a tool result");
            answers.push(answer);
        }
        engine.close().await.expect("close");
        answers
    });
    drop(runtime);
    // Each run has its own playback model, so both call faulty__ok; one server process answers.
    assert!(answers[0].starts_with("ok from process"), "{answers:?}");
    assert_eq!(answers[0], answers[1]);
    assert_no_server_left(dir.path());
}

#[test]
fn time_spent_answering_an_elicitation_does_not_count_against_the_call() {
    use agentloom::model::HumanInputStatus;
    let dir = tempfile::tempdir().expect("dir");
    let ask = json!({"name": "everything__trigger-elicitation-request", "arguments": {}});
    let path = database(dir.path(), json!([{"tool_calls": [ask]}, "thanks"]));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let outcome = runtime.block_on(async {
        // A call may take one second, the user answers after two.
        let config = EngineConfig {
            mcp_call_timeout: Duration::from_secs(1),
            human_input_poll: Duration::from_millis(50),
            ..EngineConfig::default()
        };
        let engine = Engine::open(&path, config).expect("engine");
        let running = tokio::spawn({
            let engine = engine.clone();
            async move { engine.run(faults_request()).await }
        });
        let mut store = Store::open(&path).expect("store");
        let pending = loop {
            let pending =
                store.read(|r| r.human_inputs(Some(HumanInputStatus::Pending))).expect("read");
            if let Some(request) = pending.into_iter().next() {
                break request;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        tokio::time::sleep(Duration::from_secs(2)).await;
        let answer = json!({"name": "Grace Hopper"});
        store
            .write("answer", |w| {
                w.answer_human_input(pending.id, HumanInputStatus::Answered, Some(&answer))
            })
            .expect("answer");
        let outcome = running.await.expect("join").expect("run");
        engine.close().await.expect("close");
        outcome
    });
    drop(runtime);
    assert_eq!(outcome.status, RunStatus::Succeeded, "{:?}", outcome.error);
    let store = Store::open(&path).expect("store");
    let messages = store.read(|r| r.messages(outcome.session_id)).expect("messages");
    let text: String = messages
        .iter()
        .flat_map(|m| m.content.iter())
        .filter_map(|part| match part {
            ContentPart::ToolResult { content, is_error: false, .. } => Some(content.clone()),
            _ => None,
        })
        .collect();
    assert!(text.contains("Grace Hopper"), "{text}");
    assert_no_server_left(dir.path());
}

#[test]
fn a_log_notification_during_a_call_lands_in_the_logs_table() {
    use agentloom::model::LogLevel;
    use agentloom::store::LogFilter;
    let dir = tempfile::tempdir().expect("dir");
    let path = database(dir.path(), json!([{"tool_calls": [call("faulty__log")]}, "finished"]));
    let ((status, error), results, _) = run(&path);
    assert_eq!(status, RunStatus::Succeeded, "{error:?}");
    assert_eq!(result(&results, 0, "faulty__log").1, "logged");
    let store = Store::open(&path).expect("store");
    let logs = store.read(|r| r.logs(&LogFilter::default())).expect("logs");
    let log = logs.iter().find(|l| l.target == "mcp::faulty").expect("the server's log");
    assert_eq!((log.level, log.message.as_str()), (LogLevel::Warn, "disk almost full"));
    assert_eq!(log.agent.as_deref(), Some("worker"));
    assert!(log.run_id.is_some() && log.span_id.is_some());
    assert_eq!(log.data.as_ref().map(|d| d["logger"].clone()), Some(json!("faulty")));
    assert_no_server_left(dir.path());
}
