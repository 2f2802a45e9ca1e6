//! Parsers for option values: JSON objects, `KEY=VALUE` pairs, secret references, server uses.

use std::collections::BTreeMap;

use crate::model::{AgentMcpServer, JsonObject};

/// Parses `--params`/`--options`/`--props`: a JSON object.
pub(super) fn json_object(text: &str) -> Result<JsonObject, String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(object)) => Ok(object),
        Ok(other) => {
            Err(format!("expected a JSON object like {{\"temperature\": 0.2}}, got {other}"))
        }
        Err(error) => Err(format!("invalid JSON: {error}")),
    }
}

/// Parses `KEY=VALUE`.
pub(super) fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got \"{text}\"")),
    }
}

/// Collects `KEY=VALUE` pairs into a map.
pub(super) fn pairs(items: &[(String, String)]) -> BTreeMap<String, String> {
    items.iter().cloned().collect()
}

/// Parses `--mcp SERVER` or `--mcp SERVER:tool_a,tool_b` (an allow-list of tools).
pub(super) fn server_use(text: &str) -> Result<AgentMcpServer, String> {
    match text.split_once(':') {
        None => Ok(AgentMcpServer { server: text.to_owned(), allowed_tools: None }),
        Some((server, tools)) => {
            let tools: Vec<String> = tools
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            if server.is_empty() || tools.is_empty() {
                return Err(format!("expected SERVER or SERVER:tool,tool, got \"{text}\""));
            }
            Ok(AgentMcpServer { server: server.to_owned(), allowed_tools: Some(tools) })
        }
    }
}

/// Splits `--command "npx -y @scope/server /tmp"` into a program and its arguments, shell-style.
pub(super) fn command_line(text: &str) -> Result<(String, Vec<String>), String> {
    let mut words = shlex::split(text)
        .ok_or_else(|| format!("cannot split the command line \"{text}\": unbalanced quotes"))?
        .into_iter();
    let program = words.next().ok_or_else(|| "the command line is empty".to_owned())?;
    Ok((program, words.collect()))
}

/// Checks `--allow-host NAME`: a host name or address as a `Host` header names it, without a
/// scheme, port or path (`my-box.local`, `192.168.1.5`, `[fe80::1]`).
pub(super) fn host_name(text: &str) -> Result<String, String> {
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let is_ipv6 = text.starts_with('[') && bare.parse::<std::net::Ipv6Addr>().is_ok();
    if !text.is_empty() && (is_ipv6 || text.chars().all(allowed)) {
        return Ok(text.to_owned());
    }
    Err(format!(
        "\"{text}\" is not a host name; give the name alone, without scheme, port or path \
         (e.g. my-box.local)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_have_no_scheme_port_or_path() {
        for good in ["my-box.local", "192.168.1.5", "[fe80::1]", "localhost"] {
            assert_eq!(host_name(good), Ok(good.to_owned()));
        }
        for bad in ["", "http://box", "box:8480", "box/x", "[nope]", "a b"] {
            assert!(host_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_option_values() {
        assert!(json_object("{\"a\": 1}").is_ok());
        assert!(json_object("[1]").expect_err("array").contains("expected a JSON object"));
        assert!(json_object("{a: 1}").expect_err("bad").starts_with("invalid JSON"));
        assert_eq!(key_value("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert!(key_value("=x").is_err());
        let used = server_use("fetch:fetch, fetch_html").expect("use");
        assert_eq!(used.allowed_tools, Some(vec!["fetch".into(), "fetch_html".into()]));
        assert_eq!(
            command_line("npx -y '@a/b c'"),
            Ok(("npx".into(), vec!["-y".into(), "@a/b c".into()]))
        );
        assert!(command_line("npx 'open").is_err());
    }
}
