//! The secret values this process resolved, kept in one process-wide set, and scrubbing them out
//! of text before it is logged or printed: the logs table, `agentloom logs`, the REST service's
//! console. Third-party code (genai, rmcp) may put a key into an error event; whatever path
//! that text takes to a log, it passes [`scrub_secrets`] first.

use std::borrow::Cow;
use std::io::Write;
use std::sync::RwLock;

/// What a secret value becomes wherever it would be written.
pub const REDACTED: &str = "[redacted]";

/// Values shorter than this are not registered: blanking every `abc` or `1234` of every log line
/// would hide more than it protects, and no provider issues keys that short.
pub const MIN_REDACTED_LEN: usize = 8;

/// Every secret value resolved so far, longest first (so a secret containing another is
/// replaced whole).
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers `value` as a secret: from now on [`scrub_secrets`] replaces it everywhere.
pub fn register_secret(value: &str) {
    if value.len() < MIN_REDACTED_LEN {
        return;
    }
    let Ok(mut secrets) = SECRETS.write() else { return };
    if !secrets.iter().any(|known| known == value) {
        secrets.push(value.to_owned());
        secrets.sort_by_key(|known| std::cmp::Reverse(known.len()));
    }
}

/// `text` with every registered secret replaced by [`REDACTED`].
pub fn scrub_secrets(text: &str) -> Cow<'_, str> {
    let Ok(secrets) = SECRETS.read() else { return Cow::Borrowed(text) };
    let mut scrubbed = Cow::Borrowed(text);
    for secret in secrets.iter() {
        if scrubbed.contains(secret.as_str()) {
            scrubbed = Cow::Owned(scrubbed.replace(secret.as_str(), REDACTED));
        }
    }
    scrubbed
}

/// A writer that scrubs secrets out of what passes through it. Log formatters write one whole
/// line per call, so a secret is never split across two writes.
pub struct ScrubbingWriter<W: Write>(pub W);

impl<W: Write> Write for ScrubbingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(bytes);
        match scrub_secrets(&text) {
            Cow::Borrowed(_) => self.0.write_all(bytes)?,
            Cow::Owned(scrubbed) => self.0.write_all(scrubbed.as_bytes())?,
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_scrubbed_from_text_and_writers() {
        let key = "sk-redaction-test-0123456789";
        assert_eq!(scrub_secrets(&format!("bad key {key}")), format!("bad key {key}"));
        register_secret(key);
        register_secret("short");
        assert_eq!(scrub_secrets(&format!("bad key {key}!")), "bad key [redacted]!");
        assert_eq!(scrub_secrets("a short word"), "a short word", "short values stay");

        let mut written = Vec::new();
        ScrubbingWriter(&mut written)
            .write_all(format!("{key} and {key}\n").as_bytes())
            .expect("write");
        assert_eq!(String::from_utf8(written).expect("text"), "[redacted] and [redacted]\n");
    }

    #[test]
    fn a_secret_containing_another_is_replaced_whole() {
        register_secret("inner-secret-value");
        register_secret("outer-inner-secret-value-longer");
        assert_eq!(scrub_secrets("x outer-inner-secret-value-longer y"), "x [redacted] y");
    }
}
