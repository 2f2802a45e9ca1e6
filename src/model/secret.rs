//! Secret references: where a key lives (`env:VAR`, `keyring:service/user`), so the key itself is never stored.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A pointer to a secret, resolved only at call time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretRef {
    /// An environment variable.
    Env(String),
    /// An entry of the platform keyring, written `service/user` (user defaults to `default`).
    Keyring(String),
}

/// Why a text is not a secret reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not a secret reference; write env:VARIABLE or keyring:service/user (the key itself is never stored)"
)]
pub struct NotASecretRef(pub String);

impl FromStr for SecretRef {
    type Err = NotASecretRef;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || NotASecretRef(redact(text));
        if let Some(var) = text.strip_prefix("env:") {
            let valid = !var.is_empty()
                && !var.starts_with(|c: char| c.is_ascii_digit())
                && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            return if valid { Ok(SecretRef::Env(var.to_owned())) } else { Err(invalid()) };
        }
        if let Some(entry) = text.strip_prefix("keyring:") {
            let valid = !entry.is_empty() && !entry.chars().any(char::is_whitespace);
            return if valid { Ok(SecretRef::Keyring(entry.to_owned())) } else { Err(invalid()) };
        }
        Err(invalid())
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(var) => write!(f, "env:{var}"),
            SecretRef::Keyring(entry) => write!(f, "keyring:{entry}"),
        }
    }
}

impl Serialize for SecretRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether a variable or header name usually carries a secret (`API_KEY`, `Authorization`,
/// `GITHUB_PAT`, `DATABASE_URL`, ...), so its value must be a reference rather than a literal.
pub fn name_suggests_secret(name: &str) -> bool {
    /// Parts of a name that mark a secret wherever they appear.
    const INSIDE: &[&str] = &[
        "KEY",
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "AUTH",
        "CREDENTIAL",
        "COOKIE",
        "DATABASE_URL",
        "CONNECTION_STRING",
        "CONN_STR",
    ];
    /// Words (between `_`, `-` or `.`) that mark a secret only on their own: `GITHUB_PAT` but not
    /// `PATH`.
    const WORDS: &[&str] = &["PAT", "DSN", "PASS", "PW"];
    let upper = name.to_ascii_uppercase();
    INSIDE.iter().any(|marker| upper.contains(marker))
        || upper.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| WORDS.contains(&word))
}

/// Why `value`, given for `key` (described as `what`, e.g. `env GITHUB_PAT`), may not be stored
/// as it is: a literal under a name that suggests a secret, or a URL carrying a password. The
/// message shows the value only redacted.
pub fn literal_secret_problem(what: &str, key: &str, value: &str) -> Option<String> {
    if !must_be_reference(key, value) {
        return None;
    }
    let variable = env_var_for(key);
    if name_suggests_secret(key) {
        return Some(format!(
            "{what} looks like a secret; store a reference instead of the value, e.g. \
             {key}=env:{variable} (the value is read from that variable at connect time)"
        ));
    }
    Some(format!(
        "{what} holds a URL with a password ({}); put the whole value in an environment \
         variable and store a reference, e.g. {key}=env:{variable}",
        redact(value)
    ))
}

/// Whether `value`, given for `key`, may only be stored as a reference: it is a literal under a
/// name that suggests a secret, or a URL carrying a password.
pub fn must_be_reference(key: &str, value: &str) -> bool {
    value.parse::<SecretRef>().is_err() && (name_suggests_secret(key) || url_has_password(value))
}

/// Whether `text` holds a URL whose user part carries a password (`https://user:pw@host`).
pub fn url_has_password(text: &str) -> bool {
    text.match_indices("://").any(|(at, _)| {
        let rest = &text[at + 3..];
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .and_then(|(user, _)| user.split_once(':'))
            .is_some_and(|(_, password)| !password.is_empty())
    })
}

/// The environment variable a reference for `key` would name: `Authorization` → `AUTHORIZATION`.
pub fn env_var_for(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect()
}

/// Shows at most the first few characters of something that may be a secret.
pub fn redact(text: &str) -> String {
    let shown: String = text.chars().take(4).collect();
    if shown.len() == text.len() { shown } else { format!("{shown}…") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references_and_refuses_literals() {
        assert_eq!("env:OPENAI_API_KEY".parse(), Ok(SecretRef::Env("OPENAI_API_KEY".into())));
        assert_eq!(
            "keyring:agentloom/openai".parse(),
            Ok(SecretRef::Keyring("agentloom/openai".into()))
        );
        for bad in ["sk-abcdef123456", "env:", "env:1ABC", "env:A-B", "keyring:", "keyring:a b"] {
            let error = bad.parse::<SecretRef>().expect_err(bad);
            assert!(!error.to_string().contains("abcdef123456"), "{error} leaks the literal");
        }
    }

    #[test]
    fn recognises_secret_looking_names() {
        for name in [
            "OPENAI_API_KEY",
            "GITHUB_TOKEN",
            "Authorization",
            "DB_PASSWORD",
            "x-api-key",
            "GITHUB_PAT",
            "DATABASE_URL",
            "SENTRY_DSN",
            "MSSQL_CONNECTION_STRING",
            "PASSWD",
            "GOOGLE_CREDENTIALS",
            "SMTP_PASS",
        ] {
            assert!(name_suggests_secret(name), "{name}");
        }
        for name in ["HOME", "ALLOWED_DIR", "LOG_LEVEL", "Accept", "PATH_PREFIX", "PATH", "PATTERN"]
        {
            assert!(!name_suggests_secret(name), "{name}");
        }
    }

    #[test]
    fn finds_passwords_in_urls_without_echoing_them() {
        assert!(url_has_password("https://user:hunter22@example.com/x"));
        assert!(url_has_password("postgres://app:hunter22@db:5432/app"));
        assert!(!url_has_password("https://user@example.com/a:b@c"));
        assert!(!url_has_password("https://example.com/?next=a:b@c"));
        assert!(!url_has_password("plain text"));
        let problem = literal_secret_problem("env DB", "DB", "postgres://app:hunter22@db/app")
            .expect("a password in a URL");
        assert!(problem.contains("DB=env:DB") && !problem.contains("hunter22"), "{problem}");
        assert_eq!(literal_secret_problem("env DB", "DB", "env:DB_URL"), None);
    }
}
