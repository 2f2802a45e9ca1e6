//! Resolving secret references at call time: `env:VAR` from the environment, `keyring:service/user`
//! from the platform keyring, or, where there is none (a headless machine), from an environment
//! variable named after the entry. The value is handed to the provider and never stored or logged;
//! there is deliberately no fallback to the database.

use crate::model::SecretRef;

use super::error::LlmError;

/// The user of a keyring entry written without one (`keyring:service`).
pub const DEFAULT_KEYRING_USER: &str = "default";

/// The secret `reference` points at.
///
/// A keyring lookup talks to the platform's credential store (the Secret Service over D-Bus on
/// Linux), so it may block briefly.
pub fn resolve(reference: &SecretRef) -> Result<String, LlmError> {
    let value = resolve_unregistered(reference)?;
    super::redaction::register_secret(&value);
    Ok(value)
}

/// The value `reference` points at, not yet known to the redaction set.
fn resolve_unregistered(reference: &SecretRef) -> Result<String, LlmError> {
    let missing = |why: String| LlmError::MissingSecret { reference: reference.to_string(), why };
    match reference {
        SecretRef::Env(variable) => match std::env::var(variable) {
            Ok(value) if !value.is_empty() => Ok(value),
            Ok(_) => Err(missing(format!("the environment variable {variable} is empty"))),
            Err(_) => Err(missing(format!("the environment variable {variable} is not set"))),
        },
        SecretRef::Keyring(entry) => {
            resolve_keyring(entry, read_platform_keyring, |name| std::env::var(name).ok())
                .map_err(missing)
        }
    }
}

/// The environment variable a keyring entry falls back to: the entry as written, upper-cased,
/// with every other character than a letter or digit made `_` (`agentloom/openai` →
/// `AGENTLOOM_OPENAI`).
pub fn keyring_fallback_variable(entry: &str) -> String {
    entry
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
        .collect()
}

/// Splits `service/user` at its first slash; the user defaults to [`DEFAULT_KEYRING_USER`].
fn split_entry(entry: &str) -> (&str, &str) {
    match entry.split_once('/') {
        Some((service, user)) if !user.is_empty() => (service, user),
        Some((service, _)) => (service, DEFAULT_KEYRING_USER),
        None => (entry, DEFAULT_KEYRING_USER),
    }
}

/// Looks `entry` up in `keyring` (service, user → secret or why not), then in the environment
/// through `env`. The error says why both failed, without any secret in it.
fn resolve_keyring(
    entry: &str,
    keyring: impl FnOnce(&str, &str) -> Result<String, String>,
    env: impl FnOnce(&str) -> Option<String>,
) -> Result<String, String> {
    let (service, user) = split_entry(entry);
    let keyring_why = match keyring(service, user) {
        Ok(secret) if !secret.is_empty() => return Ok(secret),
        Ok(_) => "its secret is empty".to_owned(),
        Err(why) => why,
    };
    let variable = keyring_fallback_variable(entry);
    match env(&variable) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(format!(
            "the platform keyring gave nothing for service \"{service}\", user \"{user}\" \
             ({keyring_why}), and the fallback environment variable {variable} is not set"
        )),
    }
}

/// Reads a password from the platform keyring, or says why it could not.
fn read_platform_keyring(service: &str, user: &str) -> Result<String, String> {
    let describe = |error: keyring::Error| match error {
        keyring::Error::NoEntry => "no such entry".to_owned(),
        keyring::Error::NoDefaultStore => "no keyring service is available".to_owned(),
        other => format!("keyring unavailable: {other}"),
    };
    keyring::Entry::new(service, user).map_err(describe)?.get_password().map_err(describe)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_keyring(_: &str, _: &str) -> Result<String, String> {
        Err("no keyring service is available".into())
    }

    #[test]
    fn names_the_fallback_variable_after_the_entry() {
        assert_eq!(keyring_fallback_variable("agentloom/openai"), "AGENTLOOM_OPENAI");
        assert_eq!(keyring_fallback_variable("my-app/team.lead"), "MY_APP_TEAM_LEAD");
        assert_eq!(keyring_fallback_variable("openai"), "OPENAI");
        assert_eq!(split_entry("openai"), ("openai", "default"));
        assert_eq!(split_entry("agentloom/openai"), ("agentloom", "openai"));
        assert_eq!(split_entry("svc/"), ("svc", "default"));
    }

    #[test]
    fn keyring_wins_when_it_has_the_entry() {
        let looked_up = std::cell::RefCell::new(Vec::new());
        let secret = resolve_keyring(
            "agentloom/openai",
            |service, user| {
                looked_up.borrow_mut().push(format!("{service}|{user}"));
                Ok("from-keyring".into())
            },
            |_| Some("from-env".into()),
        );
        assert_eq!(secret, Ok("from-keyring".into()));
        assert_eq!(looked_up.into_inner(), ["agentloom|openai"]);
    }

    #[test]
    fn headless_machines_fall_back_to_the_environment() {
        let asked = std::cell::RefCell::new(String::new());
        let secret = resolve_keyring("agentloom/openai", no_keyring, |name| {
            *asked.borrow_mut() = name.to_owned();
            Some("sk-from-env".into())
        });
        assert_eq!(secret, Ok("sk-from-env".into()));
        assert_eq!(asked.into_inner(), "AGENTLOOM_OPENAI");

        let missing_entry = resolve_keyring(
            "openai",
            |_, _| Err("no such entry".into()),
            |name| (name == "OPENAI").then(|| "sk-2".into()),
        );
        assert_eq!(missing_entry, Ok("sk-2".into()));
    }

    #[test]
    fn says_both_places_it_looked_when_neither_has_the_secret() {
        let why = resolve_keyring("agentloom/openai", no_keyring, |_| None)
            .expect_err("nothing anywhere");
        assert!(why.contains("platform keyring"), "{why}");
        assert!(why.contains("service \"agentloom\", user \"openai\""), "{why}");
        assert!(why.contains("AGENTLOOM_OPENAI"), "{why}");
        let empty = resolve_keyring("svc/user", no_keyring, |_| Some(String::new()));
        assert!(empty.is_err(), "an empty variable is no secret");
    }

    #[test]
    fn missing_references_are_typed_errors_naming_the_reference() {
        let reference = SecretRef::Env("AGENTLOOM_TEST_SURELY_UNSET_VARIABLE".into());
        match resolve(&reference) {
            Err(LlmError::MissingSecret { reference, why }) => {
                assert_eq!(reference, "env:AGENTLOOM_TEST_SURELY_UNSET_VARIABLE");
                assert!(why.contains("not set"), "{why}");
            }
            other => panic!("expected MissingSecret, got {other:?}"),
        }
        let reference = SecretRef::Keyring("agentloom-test-surely-absent/nobody".into());
        match resolve(&reference) {
            Err(LlmError::MissingSecret { why, .. }) => {
                assert!(why.contains("AGENTLOOM_TEST_SURELY_ABSENT_NOBODY"), "{why}");
            }
            other => panic!("expected MissingSecret, got {other:?}"),
        }
    }
}
