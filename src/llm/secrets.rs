//! Resolving secret references at call time: `env:VAR` from the environment, `keyring:service/user`
//! from the platform keyring. The value is handed to the provider and never stored or logged.

use crate::model::SecretRef;

use super::error::LlmError;

/// The secret `reference` points at.
pub fn resolve(reference: &SecretRef) -> Result<String, LlmError> {
    match reference {
        SecretRef::Env(variable) => std::env::var(variable).map_err(|_| LlmError::MissingSecret {
            reference: reference.to_string(),
            why: format!("the environment variable {variable} is not set"),
        }),
        SecretRef::Keyring(entry) => Err(LlmError::MissingSecret {
            reference: reference.to_string(),
            why: format!(
                "keyring entry {entry}: this build has no keyring support yet; use env:VARIABLE"
            ),
        }),
    }
}
