//! Webhooks: when a run of a workflow that names a callback URL ends, the service POSTs the run's
//! summary there, retrying failures a bounded number of times with exponential backoff. Logs name
//! the URL without its query or credentials.

use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use super::schemas;
use crate::model::Run;

/// How hard delivery tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait before the second attempt; it doubles before each later one.
    pub first_backoff: Duration,
    /// How long one attempt may take.
    pub timeout: Duration,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        WebhookPolicy {
            attempts: 4,
            first_backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}

/// What the callback URL receives.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunSummary {
    /// Always `run.finished`.
    pub event: &'static str,
    #[schema(value_type = schemas::Run)]
    pub run: Run,
}

impl RunSummary {
    pub fn finished(run: Run) -> RunSummary {
        RunSummary { event: "run.finished", run }
    }
}

/// The callback URL of run `run_id`'s workflow, with the run, when the workflow has one.
pub fn webhook_of_run(
    r: &crate::store::Reader<'_>,
    run_id: i64,
) -> crate::store::Result<Option<(String, Run)>> {
    let run = r.run(run_id)?;
    let url = match &run.workflow {
        Some(name) => r.find_workflow(name)?.and_then(|w| w.spec.webhook_url),
        None => None,
    };
    Ok(url.map(|url| (url, run)))
}

/// Sends run summaries to callback URLs.
#[derive(Clone)]
pub struct Webhooks {
    client: reqwest::Client,
    policy: WebhookPolicy,
}

impl Webhooks {
    pub fn new(policy: WebhookPolicy) -> Webhooks {
        Webhooks { client: reqwest::Client::new(), policy }
    }

    /// POSTs `summary` to `url` until it is accepted (a 2xx answer), a 4xx other than 408 and 429
    /// says retrying is pointless, or the attempts run out; returns whether it was accepted.
    pub async fn deliver(&self, url: &str, summary: &RunSummary) -> bool {
        let shown = loggable(url);
        let run = summary.run.id;
        let mut backoff = self.policy.first_backoff;
        for attempt in 1..=self.policy.attempts.max(1) {
            let sent =
                self.client.post(url).timeout(self.policy.timeout).json(summary).send().await;
            let (retry, why) = match sent {
                Ok(answer) if answer.status().is_success() => {
                    tracing::info!(run, url = %shown, attempt, "webhook delivered");
                    return true;
                }
                Ok(answer) => {
                    let status = answer.status();
                    let retry = status.is_server_error()
                        || status == reqwest::StatusCode::REQUEST_TIMEOUT
                        || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
                    (retry, format!("answered {status}"))
                }
                Err(error) => (true, without_url(&error)),
            };
            let last = attempt == self.policy.attempts || !retry;
            tracing::warn!(run, url = %shown, attempt, last, "webhook not delivered: {why}");
            if last {
                break;
            }
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
        false
    }
}

/// `url` without credentials, query or fragment, which may hold secrets.
fn loggable(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.set_query(None);
            parsed.set_fragment(None);
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            parsed.to_string()
        }
        Err(_) => "(an unparsable URL)".to_owned(),
    }
}

/// A reqwest error's text without the URL it carries.
fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "the URL");
    }
    if error.is_timeout() { format!("timed out ({text})") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_show_no_credentials_or_query() {
        assert_eq!(
            loggable("https://user:pw@hooks.example/x?token=s3cret#frag"),
            "https://hooks.example/x"
        );
        assert_eq!(loggable("not a url"), "(an unparsable URL)");
    }
}
