//! Creates of EKS objects whose answer may be lost (CreateCluster,
//! CreateNodegroup): how often they are sent again, how long a create may
//! run in all, and how the object is looked for once every answer was lost.
//!
//! Such a create is sent with one `clientRequestToken`, the same on every
//! attempt, and the object carries that token as its owner marker
//! ([`OWNER_TAG`]). A lost answer (a timeout, a dropped connection, a 5xx)
//! is sent again at most [`LOST_ANSWER_ATTEMPTS`] times in all: EKS answers
//! a repeat with the object the first request made. A role IAM is still
//! propagating keeps its own window ([`Backoff::IAM_PROPAGATION`]). When
//! every answer was lost, the object is looked up by name ([`look_up`]): it
//! is ours only if it carries the marker; when that cannot be decided the
//! create's outcome is unknown ([`crate::framework::ownership::OutcomeUnknown`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::framework::diag::ApiError;
use crate::framework::ownership::{LOST_ANSWER_ATTEMPTS, OWNER_TAG};
use crate::framework::retry::Backoff;

use super::wait::is_role_propagation;

/// The retry rule of a create sent with an idempotency token: a role IAM is
/// still propagating, for the whole propagation window; a lost answer, until
/// [`LOST_ANSWER_ATTEMPTS`] attempts have been made. Anything else is final.
pub fn create_retryable() -> impl Fn(&ApiError) -> bool + Send + Sync {
    let lost = AtomicU32::new(0);
    move |err| {
        if is_role_propagation(err) {
            return true;
        }
        err.ambiguous && lost.fetch_add(1, Ordering::Relaxed) + 1 < LOST_ANSWER_ATTEMPTS
    }
}

/// Whether an attempt of a create lost its answer, so that a conflict after
/// it ("already exists") is looked into by marker rather than called
/// foreign: the object may be the one this create made.
#[derive(Debug, Default)]
pub struct LostAnswers(AtomicBool);

impl LostAnswers {
    /// Notes an attempt's result and returns it.
    pub fn note<T>(&self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        if let Err(err) = &result {
            if err.ambiguous {
                self.0.store(true, Ordering::Relaxed);
            }
        }
        result
    }

    /// The create's last error, ambiguous when it is the conflict `code`
    /// after a lost answer.
    pub fn conflict_after_lost(&self, mut err: ApiError, code: &str) -> ApiError {
        if err.is(code) && self.0.load(Ordering::Relaxed) {
            err.ambiguous = true;
        }
        err
    }
}

/// How a create with an idempotency token is sent again: within the IAM
/// propagation window, and never past what is left of the create's budget.
pub fn create_backoff(budget: &Budget) -> Backoff {
    Backoff {
        timeout: Backoff::IAM_PROPAGATION.timeout.min(budget.remaining()),
        ..Backoff::IAM_PROPAGATION
    }
}

/// How long a create may run in all: the provider's `api_timeout` (the API
/// calls) plus the resource's `timeouts.create` (the wait for ACTIVE).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    start: Instant,
    limit: Duration,
}

impl Budget {
    /// A budget of `api_timeout` (read from the EKS client's configuration)
    /// plus `wait`, starting now.
    pub fn new(eks: &aws_sdk_eks::Client, wait: Duration) -> Self {
        let api_timeout = eks
            .config()
            .timeout_config()
            .and_then(|t| t.operation_timeout())
            .unwrap_or(crate::clients::DEFAULT_API_TIMEOUT);
        Budget::of(api_timeout + wait)
    }

    /// A budget of `limit`, starting now.
    pub fn of(limit: Duration) -> Self {
        Budget {
            start: Instant::now(),
            limit,
        }
    }

    /// What is left of it.
    pub fn remaining(&self) -> Duration {
        self.limit.saturating_sub(self.start.elapsed())
    }

    /// `wait` (the resource's timeout for a wait), or what is left of the
    /// budget when that is less.
    pub fn cap(&self, wait: Duration) -> Duration {
        wait.min(self.remaining())
    }
}

/// Whether `tags` carry the owner marker `marker`.
pub fn carries_marker(tags: Option<&HashMap<String, String>>, marker: &str) -> bool {
    !marker.is_empty() && tags.and_then(|t| t.get(OWNER_TAG)).map(String::as_str) == Some(marker)
}

/// What a look-up by name found after a create's answers were lost.
#[derive(Debug)]
pub enum Found<T> {
    /// The object, carrying the create's marker: ours.
    Ours(T),
    /// An object of that name without the marker: not ours.
    Foreign(T),
    /// Nothing, or the look-up failed: whether the create took effect is
    /// unknown (it may still appear).
    Unknown(Option<ApiError>),
}

/// Looks the object up by name once (`find`), and sorts it by its marker.
pub async fn look_up<T, F, Fut>(
    find: F,
    tags_of: impl Fn(&T) -> Option<&HashMap<String, String>>,
    marker: &str,
) -> Found<T>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, ApiError>>,
{
    match find().await {
        Ok(Some(found)) if carries_marker(tags_of(&found), marker) => Found::Ours(found),
        Ok(Some(found)) => Found::Foreign(found),
        Ok(None) => Found::Unknown(None),
        Err(err) => Found::Unknown(Some(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost() -> ApiError {
        ApiError {
            ambiguous: true,
            ..ApiError::other("CreateCluster", Some("InternalFailure"), "lost")
        }
    }

    #[test]
    fn lost_answers_are_sent_again_a_bounded_number_of_times() {
        let retryable = create_retryable();
        let retried = (0..10).take_while(|_| retryable(&lost())).count() as u32;
        assert_eq!(retried + 1, LOST_ANSWER_ATTEMPTS, "attempts in all");
    }

    #[test]
    fn role_propagation_keeps_its_window_and_definite_errors_are_final() {
        let retryable = create_retryable();
        let propagating = ApiError::other(
            "CreateCluster",
            Some("InvalidParameterException"),
            "Role with arn: arn:aws:iam::1:role/x could not be assumed because it does not exist",
        );
        assert!((0..50).all(|_| retryable(&propagating)));
        // Lost answers have their own count, untouched by propagation errors.
        assert!(retryable(&lost()));
        let refused = ApiError::other(
            "CreateCluster",
            Some("InvalidParameterException"),
            "Subnet x does not exist",
        );
        assert!(!retryable(&refused));
    }

    #[test]
    fn a_conflict_after_a_lost_answer_is_looked_into() {
        let taken = || ApiError::other("CreateCluster", Some("ResourceInUseException"), "exists");
        let fresh = LostAnswers::default();
        assert!(!fresh.conflict_after_lost(taken(), "ResourceInUseException").ambiguous);
        let lost_once = LostAnswers::default();
        let _ = lost_once.note::<()>(Err(lost()));
        assert!(
            lost_once
                .conflict_after_lost(taken(), "ResourceInUseException")
                .ambiguous
        );
        let refused = ApiError::other("CreateCluster", Some("InvalidParameterException"), "subnets");
        assert!(
            !lost_once
                .conflict_after_lost(refused, "ResourceInUseException")
                .ambiguous
        );
    }

    #[test]
    fn the_budget_caps_waits_and_the_propagation_window() {
        let budget = Budget::of(Duration::from_secs(30));
        assert_eq!(budget.cap(Duration::from_secs(2)), Duration::from_secs(2));
        assert!(budget.cap(Duration::from_secs(3600)) <= Duration::from_secs(30));
        assert!(create_backoff(&budget).timeout <= Duration::from_secs(30));
        let spent = Budget::of(Duration::ZERO);
        assert_eq!(spent.cap(Duration::from_secs(2)), Duration::ZERO);
        let long = Budget::of(Duration::from_secs(3600));
        assert_eq!(create_backoff(&long).timeout, Backoff::IAM_PROPAGATION.timeout);
    }

    #[test]
    fn an_old_empty_private_state_decodes_as_nothing_pending() {
        use crate::framework::ownership::{pending, pending_marker, PendingPrivate};
        use tf_provider::value::{StructEmpty, ValueEmpty};
        // What the resources stored before (`ValueEmpty`), and what Terraform
        // hands over for no private state at all (empty bytes are read as nil).
        let old = [
            rmp_serde::to_vec_named(&ValueEmpty::Null).unwrap(),
            rmp_serde::to_vec_named(&ValueEmpty::Value(StructEmpty {})).unwrap(),
            vec![0xc0],
        ];
        for bytes in old {
            let private: PendingPrivate = rmp_serde::from_slice(&bytes).unwrap_or_else(|e| panic!("{bytes:?}: {e}"));
            assert_eq!(pending_marker(&private), None, "{bytes:?}");
        }
        let bytes = rmp_serde::to_vec_named(&pending("m1")).unwrap();
        let private: PendingPrivate = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(pending_marker(&private), Some("m1"));
    }

    #[tokio::test]
    async fn look_up_sorts_by_the_marker() {
        let tagged = |m: &str| HashMap::from([(OWNER_TAG.to_string(), m.to_string())]);
        fn tags_of(t: &HashMap<String, String>) -> Option<&HashMap<String, String>> {
            Some(t)
        }
        let found = look_up(|| async { Ok(Some(tagged("m1"))) }, tags_of, "m1").await;
        assert!(matches!(found, Found::Ours(_)));
        let found = look_up(|| async { Ok(Some(tagged("m2"))) }, tags_of, "m1").await;
        assert!(matches!(found, Found::Foreign(_)));
        let found = look_up(|| async { Ok(Some(HashMap::new())) }, tags_of, "m1").await;
        assert!(matches!(found, Found::Foreign(_)));
        let found = look_up(|| async { Ok(None::<HashMap<String, String>>) }, tags_of, "m1").await;
        assert!(matches!(found, Found::Unknown(None)));
        let found = look_up(
            || async { Err::<Option<HashMap<String, String>>, _>(lost()) },
            tags_of,
            "m1",
        )
        .await;
        assert!(matches!(found, Found::Unknown(Some(_))));
        assert!(!carries_marker(Some(&tagged("")), ""), "an empty marker proves nothing");
    }
}
