//! MCP servers a card set says how to reach: `mcp.servers` in `fast-agent.yaml` and a card's
//! `mcp_connect`, turned into AgentLoom server definitions. `${VAR}` becomes an `env:VAR`
//! reference; a literal secret is never stored.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fields::{Loss, is_inert};
use super::findings::{Findings, place};
use super::source::ConfigDoc;
use crate::model::{McpServerSpec, Transport, check_name, env_var_for, must_be_reference};

/// A server definition and where the card set gave it.
#[derive(Debug, Clone)]
pub(super) struct DeclaredServer {
    pub(super) place: String,
    pub(super) spec: McpServerSpec,
}

/// Keys of an `mcp_connect` entry or a `mcp.servers` entry with no AgentLoom equivalent: what
/// losing them does, and the value that asks for nothing.
const UNMAPPED: &[(&str, Loss, Option<&str>)] = &[
    ("auth", Loss::Behaviour, None),
    ("access_token", Loss::Behaviour, None),
    ("connector_id", Loss::Behaviour, None),
    ("management", Loss::Behaviour, Some("client")),
    ("sampling", Loss::Behaviour, None),
    ("description", Loss::Cosmetic, None),
    ("defer_loading", Loss::Cosmetic, None),
    ("protocol_mode", Loss::Cosmetic, None),
    ("elicitation", Loss::Cosmetic, None),
    ("include_instructions", Loss::Cosmetic, None),
    ("load_on_start", Loss::Cosmetic, None),
    ("reconnect_on_disconnect", Loss::Cosmetic, None),
    ("ping_interval_seconds", Loss::Cosmetic, None),
    ("max_missed_pings", Loss::Cosmetic, None),
    ("read_timeout_seconds", Loss::Cosmetic, None),
    ("http_timeout_seconds", Loss::Cosmetic, None),
    ("http_read_timeout_seconds", Loss::Cosmetic, None),
    ("read_transport_sse_timeout_seconds", Loss::Cosmetic, None),
    ("implementation", Loss::Cosmetic, None),
];

/// Keys AgentLoom maps, in `mcp_connect` and in `mcp.servers`.
const CONNECT_KEYS: &[&str] = &["target", "name", "headers"];
const CONFIG_KEYS: &[&str] =
    &["target", "name", "transport", "command", "args", "env", "cwd", "url", "headers", "roots"];

/// The servers of a card's `mcp_connect`: fast-agent's mapping form (`name: {target: ...}`) or
/// its older list form (`- {name: ..., target: ...}`).
pub(super) fn read_connects(
    value: Value,
    file: &str,
    findings: &mut Findings,
) -> Vec<DeclaredServer> {
    let entries: Vec<(String, Option<String>, Value)> = match value {
        Value::Object(map) => map
            .into_iter()
            .map(|(name, entry)| (format!("mcp_connect.{name}"), Some(name), entry))
            .collect(),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, entry)| (format!("mcp_connect[{i}]"), None, entry))
            .collect(),
        _ => {
            findings
                .error(place(file, "mcp_connect"), "must be a mapping of server name to target");
            return Vec::new();
        }
    };
    let mut servers = Vec::new();
    for (field, key_name, entry) in entries {
        let at = place(file, &field);
        let Value::Object(entry) = entry else {
            findings.error(&at, "must be a mapping with a target");
            continue;
        };
        let given_name = entry.get("name").and_then(Value::as_str).map(str::to_owned);
        let Some(name) = key_name.or(given_name) else {
            findings.error(&at, "needs a name (AgentLoom does not guess one from the target)");
            continue;
        };
        if let Some(spec) = read_entry(&name, &entry, CONNECT_KEYS, &at, findings) {
            servers.push(DeclaredServer { place: at, spec });
        }
    }
    servers
}

/// The server `name` of `fast-agent.yaml`'s `mcp.servers`: `None` when the file does not have it.
pub(super) fn config_server(
    config: &ConfigDoc,
    name: &str,
    findings: &mut Findings,
) -> Option<Option<DeclaredServer>> {
    let entry = config.values.get("mcp")?.get("servers")?.get(name)?;
    let at = place(&config.shown, &format!("mcp.servers.{name}"));
    let Value::Object(entry) = entry else {
        findings.error(&at, "must be a mapping (command and args, url, or target)");
        return Some(None);
    };
    Some(
        read_entry(name, entry, CONFIG_KEYS, &at, findings)
            .map(|spec| DeclaredServer { place: at, spec }),
    )
}

/// One server entry: where it is reached (`target`, or `command`/`url`), its env and headers, and
/// every key AgentLoom has no place for reported by name.
fn read_entry(
    name: &str,
    entry: &Map<String, Value>,
    mapped: &[&str],
    at: &str,
    findings: &mut Findings,
) -> Option<McpServerSpec> {
    let before = findings.error_count();
    if let Err(message) = check_name("MCP server", name) {
        findings.error(at, message);
    }
    report_unmapped(entry, mapped, at, findings);
    let text = |key: &str, findings: &mut Findings| match entry.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            findings.error(format!("{at}.{key}"), "must be text");
            None
        }
    };
    let mut spec = match text("target", findings) {
        Some(target) => from_target(name, &target)
            .map_err(|why| findings.error(format!("{at}.target"), why))
            .ok()?,
        None => from_parts(name, entry, at, findings)?,
    };
    spec.env = string_map(entry.get("env"), &format!("{at}.env"), findings);
    spec.headers = string_map(entry.get("headers"), &format!("{at}.headers"), findings);
    spec.cwd = text("cwd", findings);
    spec.root_paths = root_paths(entry.get("roots"), &format!("{at}.roots"), findings);
    for problem in spec.problems() {
        findings.error(at, problem);
    }
    (findings.error_count() == before).then_some(spec)
}

fn report_unmapped(entry: &Map<String, Value>, mapped: &[&str], at: &str, findings: &mut Findings) {
    for (key, value) in entry.iter().filter(|(k, v)| !mapped.contains(&k.as_str()) && !v.is_null())
    {
        let here = format!("{at}.{key}");
        match UNMAPPED.iter().find(|(name, _, _)| name == key) {
            Some((_, loss, default)) => {
                let asks_nothing =
                    is_inert(value) || default.is_some_and(|d| value.as_str() == Some(d));
                let message = format!("\"{key}\" has no AgentLoom equivalent (not imported)");
                if *loss == Loss::Behaviour && !asks_nothing {
                    findings.error(here, message);
                } else {
                    findings.warn(here, message);
                }
            }
            None => findings.error(here, format!("unknown key \"{key}\" (not imported)")),
        }
    }
}

/// A server from fast-agent's `target` shorthand: a URL (streamable HTTP, or SSE when the path
/// ends in `/sse`; fast-agent adds `/mcp` to a bare URL), `@scope/package` (run with npx), or a
/// command line.
fn from_target(name: &str, target: &str) -> Result<McpServerSpec, String> {
    let target = target.trim();
    if target.starts_with("http://") || target.starts_with("https://") {
        return Ok(remote(name, target));
    }
    let words = shlex::split(target)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| format!("cannot split \"{target}\" into a command and its arguments"))?;
    let Some((first, rest)) = words.split_first() else {
        return Err("must not be empty".into());
    };
    Ok(if first.starts_with('@') {
        McpServerSpec::stdio(name, "npx", words.clone())
    } else {
        McpServerSpec::stdio(name, first.clone(), rest.to_vec())
    })
}

fn remote(name: &str, url: &str) -> McpServerSpec {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let path_start = base.find("://").map_or(0, |i| i + 3);
    let path =
        base[path_start..].find('/').map_or("", |i| &base[path_start + i..]).trim_end_matches('/');
    if path.ends_with("/sse") {
        return McpServerSpec::remote(name, Transport::Sse, url);
    }
    if query.is_none() && !path.ends_with("/mcp") {
        let root = base.trim_end_matches('/');
        return McpServerSpec::remote(name, Transport::Http, format!("{root}/mcp"));
    }
    McpServerSpec::remote(name, Transport::Http, url)
}

/// A server from `mcp.servers` fields: `command` and `args`, or `url`, with `transport`.
fn from_parts(
    name: &str,
    entry: &Map<String, Value>,
    at: &str,
    findings: &mut Findings,
) -> Option<McpServerSpec> {
    let command = entry.get("command").and_then(Value::as_str);
    let url = entry.get("url").and_then(Value::as_str);
    let transport = entry.get("transport").and_then(Value::as_str);
    let args: Vec<String> = match entry.get("args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
        }
        Some(_) => {
            findings.error(format!("{at}.args"), "must be a list of text");
            return None;
        }
    };
    match (transport, command, url) {
        (Some("sse"), _, Some(url)) => Some(McpServerSpec::remote(name, Transport::Sse, url)),
        (Some("http" | "streamable-http" | "streamable_http"), _, Some(url))
        | (None, None, Some(url)) => Some(McpServerSpec::remote(name, Transport::Http, url)),
        (Some("stdio") | None, Some(command), _) => Some(McpServerSpec::stdio(name, command, args)),
        (Some(other), _, _)
            if !["stdio", "sse", "http", "streamable-http", "streamable_http"].contains(&other) =>
        {
            findings.error(
                format!("{at}.transport"),
                format!("unknown transport \"{other}\"; expected stdio, sse or http"),
            );
            None
        }
        _ => {
            findings.error(at, "needs a target, a command (stdio) or a url (http, sse)");
            None
        }
    }
}

/// Env or header values: `${VAR}` becomes `env:VAR`; a literal under a secret-looking name is
/// replaced by a reference to the variable of that name, never stored.
fn string_map(
    value: Option<&Value>,
    at: &str,
    findings: &mut Findings,
) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let Some(value) = value.filter(|v| !v.is_null()) else { return map };
    let Some(object) = value.as_object() else {
        findings.error(at, "must be a mapping of names to text");
        return map;
    };
    for (key, value) in object {
        let here = format!("{at}.{key}");
        let Some(text) = value.as_str() else {
            findings.error(here, "must be text");
            continue;
        };
        if let Some(stored) = reference_or_literal(key, text, &here, findings) {
            map.insert(key.clone(), stored);
        }
    }
    map
}

fn reference_or_literal(
    key: &str,
    text: &str,
    at: &str,
    findings: &mut Findings,
) -> Option<String> {
    if let Some(inner) = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')) {
        if inner.contains(':') {
            findings.error(
                at,
                "a default value (${VAR:default}) cannot be kept; AgentLoom reads env:VAR as it is",
            );
            return None;
        }
        return Some(format!("env:{inner}"));
    }
    if text.contains("${") {
        findings.error(
            at,
            "a variable inside other text cannot be kept; AgentLoom stores either the whole value or a reference (env:VAR)",
        );
        return None;
    }
    if must_be_reference(key, text) {
        let variable = env_var_for(key);
        findings.warn(
            at,
            format!(
                "the literal value was not stored; it is read from ${variable} at connect time"
            ),
        );
        return Some(format!("env:{variable}"));
    }
    Some(text.to_owned())
}

/// `roots` entries (`{uri: file:///path}`) as local paths.
fn root_paths(value: Option<&Value>, at: &str, findings: &mut Findings) -> Vec<String> {
    let Some(Value::Array(roots)) = value.filter(|v| !v.is_null()) else {
        if value.is_some_and(|v| !v.is_null()) {
            findings.error(at, "must be a list of {uri: file:///...} entries");
        }
        return Vec::new();
    };
    let mut paths = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        match root.get("uri").and_then(Value::as_str).and_then(|u| u.strip_prefix("file://")) {
            Some(path) => paths.push(path.to_owned()),
            None => findings.error(format!("{at}[{i}].uri"), "AgentLoom keeps only file:// roots"),
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn targets_read_as_fast_agent_reads_them() {
        let url = from_target("docs", "https://demo.hf.space").expect("url");
        assert_eq!(
            (url.transport, url.url.as_deref()),
            (Transport::Http, Some("https://demo.hf.space/mcp"))
        );
        let sse = from_target("old", "http://localhost:8080/sse").expect("sse");
        assert_eq!(sse.transport, Transport::Sse);
        let npx =
            from_target("everything", "@modelcontextprotocol/server-everything").expect("npx");
        assert_eq!((npx.command.as_deref(), npx.args.len()), (Some("npx"), 1));
        let uvx = from_target("fetch", "uvx mcp-server-fetch").expect("uvx");
        assert_eq!(
            (uvx.command.as_deref(), uvx.args.as_slice()),
            (Some("uvx"), &["mcp-server-fetch".to_owned()][..])
        );
    }

    #[test]
    fn secrets_become_references_and_unknown_keys_are_named() {
        let mut findings = Findings::default();
        let entry = json!({"target": "https://x.example/mcp", "headers": {"Authorization": "${TOKEN}", "X-Trace": "on"}});
        let Value::Object(entry) = entry else { panic!("object") };
        let spec = read_entry("x", &entry, CONNECT_KEYS, "a.md: mcp_connect.x", &mut findings)
            .expect("spec");
        assert_eq!(spec.headers.get("Authorization").map(String::as_str), Some("env:TOKEN"));
        let entry = json!({"target": "uvx a", "auth": {"oauth": true}, "colour": "red"});
        let Value::Object(entry) = entry else { panic!("object") };
        assert!(
            read_entry("x", &entry, CONNECT_KEYS, "a.md: mcp_connect.x", &mut findings).is_none()
        );
        let text = findings.into_result().expect_err("refused").to_string();
        assert!(
            text.contains("mcp_connect.x.auth: \"auth\" has no AgentLoom equivalent"),
            "{text}"
        );
        assert!(text.contains("mcp_connect.x.colour: unknown key \"colour\""), "{text}");
    }
}
