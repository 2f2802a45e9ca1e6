//! The `mcpServers` JSON that Claude Desktop, Cursor and VS Code share: read into MCP server specs,
//! with literal secrets turned into references instead of being stored, and a key given twice
//! refused rather than silently read as its last value.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::problems::{InterchangeError, Problems};
use super::strict_json::parse_strict_json;
use crate::model::{McpServerSpec, ServerOrigin, Transport, env_var_for, must_be_reference};
use crate::store::{Outcome, Store};

/// The servers found in a document, and what the user should know about how they were read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpImport {
    pub servers: Vec<McpServerSpec>,
    /// Secrets replaced by references, keys ignored, ...
    pub notes: Vec<String>,
}

/// Reads an `mcpServers` (or VS Code `servers`) document.
pub fn parse_mcp_servers(text: &str) -> Result<McpImport, InterchangeError> {
    let document = parse_strict_json(text).map_err(|error| match error.is_data() {
        true => InterchangeError::Syntax(error.to_string()),
        false => InterchangeError::Syntax(format!("not valid JSON: {error}")),
    })?;
    let (key, entries) = ["mcpServers", "servers"]
        .iter()
        .find_map(|key| document.get(key).and_then(Value::as_object).map(|map| (*key, map)))
        .ok_or_else(|| {
            InterchangeError::Syntax(
                "expected an object with \"mcpServers\" (Claude Desktop, Cursor) or \"servers\" (VS Code)"
                    .into(),
            )
        })?;
    let mut problems = Problems::default();
    let mut notes = Vec::new();
    let mut servers = Vec::new();
    for (name, entry) in entries {
        let path = format!("{key}.{name}");
        if let Some(spec) = read_server(&mut problems, &mut notes, &path, name, entry) {
            let found = spec.problems();
            if found.is_empty() {
                servers.push(spec);
            } else {
                problems.add_all(&path, found);
            }
        }
    }
    problems.into_result(McpImport { servers, notes })
}

/// Imports every server of an `mcpServers` document in one transaction, marked as imported:
/// a stdio server will not start until the user trusts its command line.
pub fn import_mcp_servers(
    store: &mut Store,
    text: &str,
) -> Result<(McpImport, Vec<(String, Outcome)>), InterchangeError> {
    let parsed = parse_mcp_servers(text)?;
    let outcomes = store.write("importing MCP servers", |w| {
        parsed
            .servers
            .iter()
            .map(|spec| Ok((spec.name.clone(), w.put_mcp_server(spec, ServerOrigin::Import)?)))
            .collect()
    })?;
    Ok((parsed, outcomes))
}

const KNOWN_KEYS: &[&str] =
    &["command", "args", "env", "cwd", "url", "headers", "type", "transport"];

fn read_server(
    problems: &mut Problems,
    notes: &mut Vec<String>,
    path: &str,
    name: &str,
    entry: &Value,
) -> Option<McpServerSpec> {
    let Some(entry) = entry.as_object() else {
        problems.add(path, "must be an object with \"command\" or \"url\"");
        return None;
    };
    for key in entry.keys().filter(|k| !KNOWN_KEYS.contains(&k.as_str())) {
        notes.push(format!("{path}.{key}: not used by AgentLoom, ignored"));
    }
    let text = |problems: &mut Problems, key: &str| -> Option<String> {
        match entry.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                problems.add(format!("{path}.{key}"), format!("must be a string, not {other}"));
                None
            }
        }
    };
    let command = text(problems, "command");
    let url = text(problems, "url");
    let cwd = text(problems, "cwd");
    let declared = text(problems, "type").or_else(|| text(problems, "transport"));
    let transport = match (declared.as_deref(), &command, &url) {
        (Some("stdio"), _, _) | (None, Some(_), None) => Transport::Stdio,
        (Some("sse"), _, _) => Transport::Sse,
        (Some("http" | "streamable-http" | "streamableHttp" | "streamable_http"), _, _)
        | (None, None, Some(_)) => Transport::Http,
        (Some(other), _, _) => {
            problems.add(
                format!("{path}.type"),
                format!("unknown transport \"{other}\"; expected stdio, sse or http"),
            );
            return None;
        }
        (None, None, None) => {
            problems.add(path, "needs \"command\" (a local server) or \"url\" (a remote one)");
            return None;
        }
        (None, Some(_), Some(_)) => {
            problems.add(path, "has both \"command\" and \"url\"; keep one");
            return None;
        }
    };
    let args = match entry.get("args") {
        None => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect()
        }
        Some(_) => {
            problems.add(format!("{path}.args"), "must be a list of strings");
            Vec::new()
        }
    };
    let env = string_map(problems, notes, &format!("{path}.env"), entry.get("env"));
    let headers = string_map(problems, notes, &format!("{path}.headers"), entry.get("headers"));
    let mut spec = match transport {
        Transport::Stdio => McpServerSpec::stdio(name, command.unwrap_or_default(), args),
        remote => McpServerSpec::remote(name, remote, url.unwrap_or_default()),
    };
    spec.env = env;
    spec.headers = headers;
    spec.cwd = cwd;
    Some(spec)
}

/// Reads a `{name: value}` object, replacing literal values of secret-looking names with
/// `env:NAME` references and saying so in `notes`.
fn string_map(
    problems: &mut Problems,
    notes: &mut Vec<String>,
    path: &str,
    value: Option<&Value>,
) -> BTreeMap<String, String> {
    let Some(value) = value else { return BTreeMap::new() };
    let Some(object) = value.as_object() else {
        problems.add(path, "must be an object of strings");
        return BTreeMap::new();
    };
    let mut map = BTreeMap::new();
    for (key, value) in object {
        let Some(text) = value.as_str() else {
            problems.add(format!("{path}.{key}"), "must be a string");
            continue;
        };
        if must_be_reference(key, text) {
            let variable = env_var_for(key);
            notes.push(format!(
                "{path}.{key}: the literal value was not stored; it is read from ${variable} at connect time"
            ));
            map.insert(key.clone(), format!("env:{variable}"));
        } else {
            map.insert(key.clone(), text.to_owned());
        }
    }
    map
}
