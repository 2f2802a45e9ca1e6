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

/// Whether a variable or header name usually carries a secret (`API_KEY`, `Authorization`, ...),
/// so its value must be a reference rather than a literal.
pub fn name_suggests_secret(name: &str) -> bool {
    const MARKERS: &[&str] =
        &["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "AUTH", "CREDENTIAL", "COOKIE"];
    let upper = name.to_ascii_uppercase();
    MARKERS.iter().any(|marker| upper.contains(marker))
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
        for name in ["OPENAI_API_KEY", "GITHUB_TOKEN", "Authorization", "DB_PASSWORD", "x-api-key"]
        {
            assert!(name_suggests_secret(name), "{name}");
        }
        for name in ["HOME", "ALLOWED_DIR", "LOG_LEVEL", "Accept", "PATH_PREFIX"] {
            assert!(!name_suggests_secret(name), "{name}");
        }
    }
}
