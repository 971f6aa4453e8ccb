//! Bounded retries for named, retryable errors (AWS eventual consistency).
//!
//! Throttling and 5xx responses are retried by the AWS SDK's own retry
//! strategy (configured from `max_retries` / `retry_mode`). This helper is for
//! the errors the SDK cannot know are transient, such as IAM rejecting a trust
//! policy that names an OIDC provider created a moment ago. Callers name the
//! exact error they retry; anything else is returned at once. Clients that do
//! not go through the SDK (Spacelift) use it for their 429/5xx retries too.

use std::future::Future;
use std::time::{Duration, Instant};

/// How long, and how fast, to retry.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Give up once this much time has passed since the first attempt.
    pub timeout: Duration,
    /// The first delay; doubled after each attempt up to `max_delay`.
    pub initial: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
    /// Give up after this many attempts, when set.
    pub max_attempts: Option<u32>,
}

impl Backoff {
    /// The propagation window terraform-provider-aws uses for IAM: two minutes.
    pub const IAM_PROPAGATION: Backoff = Backoff {
        timeout: Duration::from_secs(120),
        initial: Duration::from_millis(500),
        max_delay: Duration::from_secs(10),
        max_attempts: None,
    };
}

/// For a call whose SDK retry is turned off (a non-idempotent create): a
/// predicate that accepts throttling errors as often as the SDK would have
/// retried them (`max_retries`), so the provider's retry settings still hold.
/// `sdk_max_attempts` is the client's configured attempt count.
pub fn throttling_budget(sdk_max_attempts: u32) -> impl Fn(&crate::framework::diag::ApiError) -> bool + Send + Sync {
    let retried = std::sync::atomic::AtomicU32::new(0);
    move |err| {
        let throttled = [
            "Throttling",
            "ThrottlingException",
            "RequestLimitExceeded",
            "TooManyRequestsException",
        ]
        .iter()
        .any(|code| err.is(code));
        throttled && retried.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1 < sdk_max_attempts
    }
}

/// Runs `op` until it succeeds, fails with an error `retryable` does not
/// accept, `backoff.timeout` would be exceeded by the next wait, or
/// `backoff.max_attempts` attempts have been made.
pub async fn retry<T, E, F, Fut>(
    what: &str,
    backoff: Backoff,
    retryable: impl Fn(&E) -> bool,
    mut op: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let start = Instant::now();
    let mut delay = backoff.initial;
    let mut attempt = 1u32;
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(err)
                if retryable(&err)
                    && start.elapsed() + delay <= backoff.timeout
                    && backoff.max_attempts.is_none_or(|max| attempt < max) =>
            {
                tracing::info!("{what}: attempt {attempt} failed with a retryable error, retrying in {delay:?}: {err}");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(backoff.max_delay);
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    const FAST: Backoff = Backoff {
        timeout: Duration::from_millis(200),
        initial: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_attempts: None,
    };

    #[tokio::test]
    async fn retries_named_errors_until_success() {
        let calls = Cell::new(0);
        let result: Result<u32, String> = retry(
            "op",
            FAST,
            |e: &String| e == "not yet",
            || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move {
                    if n < 3 {
                        Err("not yet".to_string())
                    } else {
                        Ok(n)
                    }
                }
            },
        )
        .await;
        assert_eq!(result, Ok(3));
    }

    #[tokio::test]
    async fn other_errors_fail_at_once() {
        let calls = Cell::new(0);
        let result: Result<(), String> = retry(
            "op",
            FAST,
            |e: &String| e == "not yet",
            || {
                calls.set(calls.get() + 1);
                async { Err("denied".to_string()) }
            },
        )
        .await;
        assert_eq!(result, Err("denied".to_string()));
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test]
    async fn gives_up_after_max_attempts() {
        let calls = Cell::new(0);
        let bounded = Backoff {
            max_attempts: Some(3),
            ..FAST
        };
        let result: Result<(), String> = retry(
            "op",
            bounded,
            |_: &String| true,
            || {
                calls.set(calls.get() + 1);
                async { Err("not yet".to_string()) }
            },
        )
        .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn throttling_is_retried_as_often_as_the_sdk_would() {
        use crate::framework::diag::ApiError;
        let throttled = ApiError::other("CreateRole", Some("Throttling"), "Rate exceeded");
        let other = ApiError::other("CreateRole", Some("AccessDenied"), "no");
        let budget = throttling_budget(3);
        assert!(!budget(&other));
        assert!(budget(&throttled) && budget(&throttled));
        assert!(!budget(&throttled), "a third attempt would exceed max_attempts = 3");
        assert!(!throttling_budget(1)(&throttled), "max_retries = 0 retries nothing");
    }

    #[tokio::test]
    async fn gives_up_after_the_timeout() {
        let calls = Cell::new(0);
        let result: Result<(), String> = retry(
            "op",
            FAST,
            |_: &String| true,
            || {
                calls.set(calls.get() + 1);
                async { Err("not yet".to_string()) }
            },
        )
        .await;
        assert!(result.is_err());
        assert!(calls.get() > 1);
    }
}
