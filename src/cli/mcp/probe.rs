//! `agentloom mcp test|tools|prompt|read`: connect to one server as a run would, and show what it
//! offers (with timings) or say clearly why it cannot be reached.

use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;

use super::super::Globals;
use super::super::output::{print_json, print_table};
use crate::engine::clear_to_connect;
use crate::mcp::{Connection, Connections, McpError, part_text};

/// Connects to `name` from its row (secrets resolved, trust checked) and hands the connection to
/// `work`; the server is stopped when it returns.
fn with_connection<T>(
    globals: &Globals,
    name: &str,
    work: impl AsyncFnOnce(&Connection, u128) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let server = globals.open()?.read(|r| r.mcp_server(name))?;
    let server = clear_to_connect(&server).map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let connections = Connections::new();
        let started = Instant::now();
        let connection = connections.get(&server).await?;
        let connect_ms = started.elapsed().as_millis();
        let result = work(&connection, connect_ms).await;
        drop(connection);
        connections.close_all().await;
        result
    })
}

/// Lists with `list`, timing it; a server that does not offer the feature gives an empty list.
async fn timed<T>(
    list: impl Future<Output = Result<Vec<T>, McpError>>,
) -> (Vec<T>, u128, Option<String>) {
    let started = Instant::now();
    match list.await {
        Ok(items) => (items, started.elapsed().as_millis(), None),
        Err(error) => (Vec::new(), started.elapsed().as_millis(), Some(error.to_string())),
    }
}

pub(super) fn test(globals: &Globals, name: &str) -> anyhow::Result<ExitCode> {
    with_connection(globals, name, async |connection, connect_ms| {
        let (tools, tools_ms, tools_error) = timed(connection.tools()).await;
        let (prompts, prompts_ms, prompts_error) = timed(connection.prompts()).await;
        let (resources, resources_ms, resources_error) = timed(connection.resources()).await;
        let summary = connection.summary();
        if globals.json {
            print_json(&json!({
                "server": summary, "connect_ms": connect_ms,
                "tools": tools, "tools_ms": tools_ms, "tools_error": tools_error,
                "prompts": prompts, "prompts_ms": prompts_ms, "prompts_error": prompts_error,
                "resources": resources, "resources_ms": resources_ms, "resources_error": resources_error,
            }))?;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "{name}: {} {} (protocol {}), connected in {connect_ms} ms",
            summary.name, summary.version, summary.protocol_version
        );
        let section = |title: &str, count: usize, ms: u128, error: &Option<String>| match error {
            Some(error) => println!("\n{title}: not listed ({error})"),
            None => println!("\n{title} ({count}, listed in {ms} ms):"),
        };
        section("Tools", tools.len(), tools_ms, &tools_error);
        for tool in &tools {
            println!("  {name}__{}  {}", tool.name, first_line(&tool.description));
        }
        section("Prompts", prompts.len(), prompts_ms, &prompts_error);
        for prompt in &prompts {
            let arguments: Vec<String> = prompt
                .arguments
                .iter()
                .map(|a| if a.required { a.name.clone() } else { format!("[{}]", a.name) })
                .collect();
            println!(
                "  {} {}  {}",
                prompt.name,
                arguments.join(" "),
                first_line(&prompt.description)
            );
        }
        section("Resources", resources.len(), resources_ms, &resources_error);
        for resource in &resources {
            println!("  {}  {}", resource.uri, resource.name);
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub(super) fn tools(globals: &Globals, name: &str) -> anyhow::Result<ExitCode> {
    with_connection(globals, name, async |connection, _| {
        let tools = connection.tools().await?;
        if globals.json {
            return print_json(&tools);
        }
        let rows: Vec<Vec<String>> = tools
            .iter()
            .map(|t| vec![format!("{name}__{}", t.name), first_line(&t.description).to_owned()])
            .collect();
        print_table(&["TOOL (AS AGENTS SEE IT)", "DESCRIPTION"], &rows);
        Ok(ExitCode::SUCCESS)
    })
}

pub(super) fn prompt(
    globals: &Globals,
    name: &str,
    prompt: &str,
    args: &[(String, String)],
) -> anyhow::Result<ExitCode> {
    let arguments: serde_json::Map<String, serde_json::Value> =
        args.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    with_connection(globals, name, async |connection, _| {
        let messages = connection.prompt(prompt, &arguments).await?;
        if globals.json {
            return print_json(&messages);
        }
        let texts: Vec<String> =
            messages.iter().flat_map(|m| m.parts.iter()).filter_map(part_text).collect();
        println!("{}", texts.join("\n"));
        Ok(ExitCode::SUCCESS)
    })
}

pub(super) fn read(globals: &Globals, name: &str, uri: &str) -> anyhow::Result<ExitCode> {
    with_connection(globals, name, async |connection, _| {
        let parts = connection.read(uri).await?;
        if globals.json {
            return print_json(&parts);
        }
        for part in &parts {
            match part_text(part) {
                Some(text) => println!("{text}"),
                None => println!("[{uri}: binary content, see --json]"),
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}
