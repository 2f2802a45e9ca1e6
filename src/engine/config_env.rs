//! The engine's settings a user may change from the environment, for the CLI, the services and
//! the app alike: `AGENTLOOM_MAX_MESSAGE_BYTES` and `AGENTLOOM_MODEL_CALL_TIMEOUT_SECS`. A value
//! that does not parse is an error naming the variable, not a silent default.

use std::time::Duration;

use super::EngineConfig;
use crate::llm::CALL_TIMEOUT_VARIABLE;

/// The variable that sets [`EngineConfig::max_message_bytes`].
pub const MAX_MESSAGE_BYTES_VARIABLE: &str = "AGENTLOOM_MAX_MESSAGE_BYTES";

impl EngineConfig {
    /// The defaults, overridden by the environment variables that are set.
    pub fn from_env() -> Result<EngineConfig, String> {
        EngineConfig::default().overridden_by(|name| std::env::var(name).ok())
    }

    /// `self`, with the values `variable` gives for the variables it knows.
    fn overridden_by(
        mut self,
        variable: impl Fn(&str) -> Option<String>,
    ) -> Result<EngineConfig, String> {
        if let Some(text) = variable(MAX_MESSAGE_BYTES_VARIABLE) {
            self.max_message_bytes = match text.trim().parse::<usize>() {
                Ok(bytes) if bytes > 0 => bytes,
                _ => {
                    return Err(format!(
                        "{MAX_MESSAGE_BYTES_VARIABLE}: expected a number of bytes above 0, got \"{text}\""
                    ));
                }
            };
        }
        if let Some(text) = variable(CALL_TIMEOUT_VARIABLE) {
            let seconds = text.trim().parse::<f64>().ok().filter(|s| *s > 0.0);
            self.retry.call_timeout =
                seconds.and_then(|s| Duration::try_from_secs_f64(s).ok()).ok_or_else(|| {
                    format!("{CALL_TIMEOUT_VARIABLE}: expected seconds above 0, got \"{text}\"")
                })?;
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<EngineConfig, String> {
        EngineConfig::default().overridden_by(|name| {
            pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn the_environment_overrides_the_defaults_and_bad_values_are_errors() {
        assert_eq!(with(&[]), Ok(EngineConfig::default()));
        let config = with(&[(MAX_MESSAGE_BYTES_VARIABLE, "4096"), (CALL_TIMEOUT_VARIABLE, "2.5")])
            .expect("valid values");
        assert_eq!(config.max_message_bytes, 4096);
        assert_eq!(config.retry.call_timeout, Duration::from_millis(2500));
        let bad = with(&[(MAX_MESSAGE_BYTES_VARIABLE, "1 MiB")]).expect_err("not a number");
        assert_eq!(
            bad,
            "AGENTLOOM_MAX_MESSAGE_BYTES: expected a number of bytes above 0, got \"1 MiB\""
        );
        assert!(with(&[(CALL_TIMEOUT_VARIABLE, "0")]).is_err());
        assert!(with(&[(CALL_TIMEOUT_VARIABLE, "-3")]).is_err());
    }
}
