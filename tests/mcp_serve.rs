//! `agentloom serve --mcp`: an rmcp client (the library, not our client code) lists the
//! workflows and public agents as tools and runs them, over stdio and streamable HTTP; the runs
//! are recorded with origin `mcp`, and a session can be continued; over HTTP, pages of other
//! sites are refused by their Origin. On a SQLite file and on PostgreSQL.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::{Value, json};
use support::Sandbox;
use support::backends::Backend;

/// A seeded database with the agent `echo` (of hello_basic) also public.
fn sandbox(backend: Backend) -> Sandbox {
    let sandbox = Sandbox::seeded_on(backend);
    sandbox.run(&["agent", "edit", "echo", "--public", "true"]).ok();
    sandbox
}

fn arguments(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().cloned().expect("object")
}

/// Lists the tools, runs `hello_basic` twice in one session, and checks the runs are recorded.
async fn exercise(client: &RunningService<RoleClient, ()>, sandbox: &Sandbox) {
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for expected in ["hello_basic", "writing_chain", "support_router", "echo"] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    let hello = tools.iter().find(|t| t.name == "hello_basic").expect("hello_basic");
    assert_eq!(hello.input_schema["required"], json!(["input"]));

    let params = CallToolRequestParams::new("hello_basic")
        .with_arguments(arguments(json!({"input": "Hello over MCP"})));
    let first = client.call_tool(params).await.expect("tools/call");
    let first = serde_json::to_value(&first).expect("result");
    assert_eq!(first["isError"], false, "{first}");
    assert_eq!(first["content"][0]["text"], "Hello over MCP");
    let session = first["structuredContent"]["session_id"].as_i64().expect("session");

    let params = CallToolRequestParams::new("hello_basic")
        .with_arguments(arguments(json!({"input": "Again", "session": session})));
    let second = serde_json::to_value(client.call_tool(params).await.expect("call")).expect("json");
    assert_eq!(second["structuredContent"]["session_id"].as_i64(), Some(session));

    let unknown =
        CallToolRequestParams::new("nothing_here").with_arguments(arguments(json!({"input": "x"})));
    let error = client.call_tool(unknown).await.expect_err("unknown tool");
    assert!(error.to_string().contains("no workflow or public agent named"), "{error}");

    let runs: Value =
        serde_json::from_str(&sandbox.run(&["--json", "runs", "list"]).ok().stdout).expect("runs");
    let mcp_runs: Vec<&Value> =
        runs.as_array().expect("runs").iter().filter(|r| r["origin"] == "mcp").collect();
    assert_eq!(mcp_runs.len(), 2, "{runs}");
    assert!(mcp_runs.iter().all(|r| r["session_id"].as_i64() == Some(session)));
}

async fn workflows_are_tools_over_stdio(backend: Backend) {
    let sandbox = sandbox(backend);
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_agentloom"));
    command
        .arg("--db")
        .arg(sandbox.location.to_string())
        .args(["serve", "--mcp", "stdio"])
        .env_remove("AGENTLOOM_DB");
    let transport =
        TokioChildProcess::builder(command).stderr(Stdio::null()).spawn().expect("spawn").0;
    let client = ().serve(transport).await.expect("initialize");
    let info = client.peer_info().expect("server info");
    assert_eq!(serde_json::to_value(&*info).expect("info")["serverInfo"]["name"], "agentloom");
    exercise(&client, &sandbox).await;
    client.cancel().await.expect("close");
}

async fn workflows_are_tools_over_streamable_http(backend: Backend) {
    let sandbox = sandbox(backend);
    let mut server = sandbox
        .command(&["serve", "--mcp", "http", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut line).expect("read");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    let client =
        ().serve(StreamableHttpClientTransport::from_uri(url.clone())).await.expect("initialize");
    exercise(&client, &sandbox).await;
    client.cancel().await.expect("close");
    let authority = url.trim_start_matches("http://").split('/').next().expect("authority");
    let port = authority.rsplit(':').next().expect("port");
    for (origin, status) in
        [(format!("http://evil.example:{port}"), 403), (format!("http://localhost:{port}"), 406)]
    {
        assert_eq!(post_with_origin(authority, &origin), status, "{origin}");
    }
    let _ = server.kill();
    let _ = server.wait();
}

/// The status of a bare `POST /mcp` to `authority` with `Origin: origin` (no Accept header, so a
/// request that gets past the origin check is refused as not acceptable).
fn post_with_origin(authority: &str, origin: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(authority).expect("connect");
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {authority}\r\nOrigin: {origin}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[test]
fn http_refuses_an_address_other_than_loopback() {
    let sandbox = sandbox(Backend::Sqlite);
    sandbox
        .run(&["serve", "--mcp", "http", "--bind", "0.0.0.0:0"])
        .fails_with("the MCP service has no authentication");
}

on_both_backends!(async workflows_are_tools_over_stdio, workflows_are_tools_over_streamable_http);
