//! Calling a provider with a timeout per attempt, cancellation, and bounded retries with
//! exponential backoff and jitter (honouring a rate limit's retry-after).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;

use super::chat::{ChatRequest, ChatResponse};
use super::error::LlmError;
use super::provider::{Provider, TextSink};

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// How long one attempt may take.
    pub attempt_timeout: Duration,
    /// How long a whole call may take, retries included, when its request sets no
    /// `timeout_secs` (a request that does bounds each attempt by it instead).
    pub call_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(120),
            call_timeout: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (attempt counts from 1): the error's retry-after
    /// if it gives one, else exponential backoff with up to 50% jitter, never above `max_delay`.
    pub fn delay(&self, attempt: u32, error: &LlmError) -> Duration {
        if let LlmError::RateLimited { retry_after: Some(wait), .. } = error {
            return (*wait).min(self.max_delay);
        }
        let exponential =
            self.base_delay.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let jitter = exponential.mul_f64(jitter_fraction() * 0.5);
        (exponential + jitter).min(self.max_delay)
    }
}

/// A number in [0, 1) that differs from call to call; good enough to spread retries apart.
fn jitter_fraction() -> f64 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    f64::from(nanos.wrapping_mul(2_654_435_761) % 1_000_000) / 1_000_000.0
}

/// Calls `provider` until it answers, the error is not retryable, the attempts run out, or
/// `cancel` fires; a request without `timeout_secs` also stops at the policy's `call_timeout`.
/// `on_retry` hears of each failed attempt before its wait.
pub async fn call_with_retry(
    provider: &dyn Provider,
    request: &ChatRequest,
    on_text: TextSink<'_>,
    policy: &RetryPolicy,
    cancel: &CancellationToken,
    on_retry: &(dyn Fn(u32, &LlmError, Duration) + Send + Sync),
) -> Result<ChatResponse, LlmError> {
    let attempts = async {
        let mut attempt = 1;
        loop {
            let call =
                tokio::time::timeout(policy.attempt_timeout, provider.stream(request, on_text));
            let result = tokio::select! {
                _ = cancel.cancelled() => return Err(LlmError::Cancelled),
                outcome = call => outcome.unwrap_or(Err(LlmError::Timeout(policy.attempt_timeout))),
            };
            let error = match result {
                Ok(response) => return Ok(response),
                Err(error) if error.is_retryable() && attempt < policy.max_attempts => error,
                Err(error) => return Err(error),
            };
            let wait = policy.delay(attempt, &error);
            on_retry(attempt, &error, wait);
            tokio::select! {
                _ = cancel.cancelled() => return Err(LlmError::Cancelled),
                _ = tokio::time::sleep(wait) => {}
            }
            attempt += 1;
        }
    };
    if request.params.timeout_secs.is_some() {
        return attempts.await;
    }
    tokio::time::timeout(policy.call_timeout, attempts)
        .await
        .unwrap_or(Err(LlmError::CallTimeout(policy.call_timeout)))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::llm::error::CALL_TIMEOUT_VARIABLE;
    use crate::llm::provider::BoxFuture;

    /// Fails with the scripted errors, then answers.
    struct Flaky(Mutex<Vec<LlmError>>);

    impl Provider for Flaky {
        fn stream<'a>(
            &'a self,
            _request: &'a ChatRequest,
            _on_text: TextSink<'a>,
        ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
            Box::pin(async move {
                match self.0.lock().expect("lock").pop() {
                    Some(error) => Err(error),
                    None => Ok(ChatResponse { text: "ok".into(), ..ChatResponse::default() }),
                }
            })
        }
    }

    fn quick() -> RetryPolicy {
        RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        }
    }

    #[tokio::test]
    async fn retries_what_may_pass_and_stops_at_what_cannot() {
        let limited = LlmError::RateLimited {
            retry_after: Some(Duration::from_millis(5)),
            message: "slow down".into(),
        };
        let server = LlmError::Server { status: 503, message: "busy".into() };
        let flaky = Flaky(Mutex::new(vec![server, limited]));
        let waits = Mutex::new(Vec::new());
        let answer = call_with_retry(
            &flaky,
            &ChatRequest::default(),
            &|_| {},
            &quick(),
            &CancellationToken::new(),
            &|_, _, wait| waits.lock().expect("lock").push(wait),
        )
        .await;
        assert_eq!(answer.map(|a| a.text), Ok("ok".into()));
        assert_eq!(
            waits.lock().expect("lock")[0],
            Duration::from_millis(5),
            "retry-after is honoured"
        );

        let auth =
            Flaky(Mutex::new(vec![LlmError::Auth { status: 401, message: "bad key".into() }]));
        let answer = call_with_retry(
            &auth,
            &ChatRequest::default(),
            &|_| {},
            &quick(),
            &CancellationToken::new(),
            &|_, _, _| {},
        )
        .await;
        assert!(matches!(answer, Err(LlmError::Auth { .. })));

        let always: Vec<LlmError> = (0..10).map(|_| LlmError::Network("down".into())).collect();
        let down = Flaky(Mutex::new(always));
        let answer = call_with_retry(
            &down,
            &ChatRequest::default(),
            &|_| {},
            &quick(),
            &CancellationToken::new(),
            &|_, _, _| {},
        )
        .await;
        assert!(matches!(answer, Err(LlmError::Network(_))));
        assert_eq!(down.0.lock().expect("lock").len(), 6, "four attempts, then it gives up");
    }

    /// Never answers.
    struct Hangs;

    impl Provider for Hangs {
        fn stream<'a>(
            &'a self,
            _request: &'a ChatRequest,
            _on_text: TextSink<'a>,
        ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test]
    async fn a_call_without_timeout_secs_stops_at_the_call_timeout_retries_included() {
        let policy = RetryPolicy {
            attempt_timeout: Duration::from_millis(20),
            call_timeout: Duration::from_millis(50),
            ..quick()
        };
        let answer = call_with_retry(
            &Hangs,
            &ChatRequest::default(),
            &|_| {},
            &policy,
            &CancellationToken::new(),
            &|_, _, _| {},
        )
        .await;
        assert_eq!(answer.err(), Some(LlmError::CallTimeout(Duration::from_millis(50))));
        let message = LlmError::CallTimeout(Duration::from_millis(50)).to_string();
        assert!(message.contains("timeout_secs") && message.contains(CALL_TIMEOUT_VARIABLE));
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let policy = RetryPolicy::default();
        let error = LlmError::Network("x".into());
        assert!(policy.delay(1, &error) >= Duration::from_millis(500));
        assert!(policy.delay(3, &error) >= Duration::from_secs(2));
        assert_eq!(policy.delay(30, &error), policy.max_delay);
    }
}
