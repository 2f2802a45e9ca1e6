//! Names users give to agents, workflows, LLM configs and MCP servers, and what they may contain.

use super::secret::{redact, url_has_password};

/// The longest name any definition may have.
pub const MAX_NAME_LEN: usize = 64;

/// Checks a definition's name. Agents, workflows and MCP servers become tool names
/// (`server__tool`, agents as tools), so they keep to letters, digits, `_` and `-`;
/// LLM configs may also use `.` and `:` (`gpt-4.1-mini`, `llama3.2:latest`).
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    let extra: &[char] = if what == "LLM config" { &['_', '-', '.', ':'] } else { &['_', '-'] };
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!("{what} name \"{name}\" must have 1 to {MAX_NAME_LEN} characters"));
    }
    if let Some(bad) = name.chars().find(|c| !c.is_ascii_alphanumeric() && !extra.contains(c)) {
        let allowed: String = extra.iter().map(|c| format!(" '{c}'")).collect();
        return Err(format!(
            "{what} name \"{name}\" contains {bad:?}; use letters, digits and{allowed}"
        ));
    }
    Ok(())
}

/// Checks that `text` (a model name, a command) has something in it and no control characters,
/// which terminals and SQLite's text functions do not show as they are.
pub fn check_plain_text(what: &str, text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some(format!("{what} must not be empty"));
    }
    text.chars()
        .find(|c| c.is_control())
        .map(|c| format!("{what} \"{}\" contains the control character {c:?}", text.escape_debug()))
}

/// Checks that `url` is an absolute http(s) URL that carries no password: the service stores
/// what it is given, so keys go through references (`api_key_ref`, a header such as
/// `Authorization=env:TOKEN`). The message shows such a URL only redacted.
pub fn check_url_without_password(what: &str, url: &str) -> Option<String> {
    if url_has_password(url) {
        return Some(format!(
            "{what} ({}) carries a password, which would be stored as given; leave the \
             user:password part out and give the key as a reference (api_key_ref, or a header \
             such as Authorization=env:TOKEN)",
            redact(url)
        ));
    }
    check_url(what, url)
}

/// Checks that `url` is an absolute http(s) URL.
pub fn check_url(what: &str, url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !url.chars().any(char::is_whitespace) => None,
        _ => Some(format!("{what} \"{url}\" must be an http:// or https:// URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn accepts_identifiers_and_names_what_is_wrong() {
        assert!(check_name("agent", "writer_2-b").is_ok());
        assert!(check_name("LLM config", "llama3.2:latest").is_ok());
        let error = check_name("agent", "my writer").expect_err("space");
        assert!(error.contains("agent name \"my writer\" contains ' '"), "{error}");
        assert!(check_name("agent", "gpt-4.1").is_err());
        assert!(check_name("workflow", "").is_err());
        assert!(check_name("agent", &"a".repeat(65)).is_err());
    }

    #[test]
    fn plain_text_has_no_control_characters() {
        use super::check_plain_text;
        assert_eq!(check_plain_text("model", "gpt-4.1-mini"), None);
        assert_eq!(check_plain_text("model", "  "), Some("model must not be empty".into()));
        let error = check_plain_text("model", "\u{0}+>").expect("a NUL");
        assert_eq!(error, "model \"\\0+>\" contains the control character '\\0'");
    }
}
