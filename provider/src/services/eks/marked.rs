//! What the creates, updates and deletes of EKS objects share so that a
//! lost answer never makes a duplicate or an orphan and no operation runs
//! unbounded: the cluster, node group, add-on, access entry and pod identity
//! association all go through it.
//!
//! - [`Budget`]: the time one create, update or delete may spend on API
//!   calls, the provider's `api_timeout` from its first call; the resource's
//!   own `timeouts` (waiting for a cluster, node group or add-on to become
//!   ACTIVE) come on top ([`Budget::waiting`]). Every call goes through
//!   [`Budget::call`], so no operation runs longer than `api_timeout` plus
//!   those waits, even when a call hangs.
//! - [`send`]: a mutation sent again with the same `clientRequestToken`
//!   after a lost answer (a timeout, a dropped connection, a 5xx), at most
//!   [`ownership::LOST_ANSWER_ATTEMPTS`] times in all (EKS answers a repeat
//!   with the object the first request made), and after IAM's propagation
//!   error (a role made a moment ago) within its two-minute window, counted
//!   apart from the lost answers (both inside the budget).
//! - [`create_marked`]: a create that carries its token also as the owner
//!   tag ([`OWNER_TAG`]). When every answer was lost (or the name is taken
//!   after a lost answer), the object is looked up and adopted if it carries
//!   that marker; one without it is foreign; one confirmed absent
//!   ([`ownership::confirm_gone`]) was not made; when the lookup cannot
//!   decide (it failed, or the budget ran out), the outcome is unknown
//!   ([`Marked::Unknown`]) and the resource returns a tainted state with
//!   [`ownership::pending`] in its private state, which the next refresh
//!   resolves.
//!
//! Why the pod identity association's create once ran 184 s: it retried
//! every lost answer (`e.ambiguous`) inside IAM's 2-minute propagation
//! window (`Backoff::IAM_PROPAGATION`), some 15 attempts; the window was only
//! checked before each pause, so the last attempt (up to the 30-s attempt
//! timeout, or `api_timeout`), the `check_free` listing before it and the
//! SDK's own retries came on top. Lost answers are now retried a bounded
//! number of times, and every call is bounded by what is left of the budget.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::clients::DEFAULT_API_TIMEOUT;
use crate::framework::diag::ApiError;
use crate::framework::ownership::{self, LOST_ANSWER_ATTEMPTS, OWNER_TAG};
use crate::framework::retry::Backoff;

/// The first pause before a mutation is sent again; doubled up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const MAX_PAUSE: Duration = Duration::from_secs(10);

/// The time one create, update or delete may still spend on API calls.
#[derive(Debug, Clone)]
pub struct Budget {
    deadline: Instant,
    total: Duration,
}

impl Budget {
    /// A budget of the provider's `api_timeout` (the EKS client's operation
    /// timeout), from now.
    pub fn of(eks: &aws_sdk_eks::Client) -> Self {
        let total = eks
            .config()
            .timeout_config()
            .and_then(|t| t.operation_timeout())
            .unwrap_or(DEFAULT_API_TIMEOUT);
        Self::new(total)
    }

    /// A budget of `total`, from now.
    pub fn new(total: Duration) -> Self {
        Budget {
            deadline: Instant::now() + total,
            total,
        }
    }

    /// What is left.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Runs one API call, cut off when the budget runs out: then the call's
    /// outcome is unknown (it may have been sent), an ambiguous error.
    pub async fn call<T, Fut>(&self, operation: &'static str, call: Fut) -> Result<T, ApiError>
    where
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let remaining = self.remaining();
        if remaining.is_zero() {
            return Err(self.spent(operation));
        }
        match tokio::time::timeout(remaining, call).await {
            Ok(answer) => answer,
            Err(_) => Err(self.spent(operation)),
        }
    }

    /// Runs a wait bounded by the resource's own `timeouts`; the time it
    /// takes is added to the budget of the calls.
    pub async fn waiting<T>(&mut self, wait: impl Future<Output = T>) -> T {
        let start = Instant::now();
        let out = wait.await;
        self.deadline += start.elapsed();
        out
    }

    fn spent(&self, operation: &'static str) -> ApiError {
        ApiError {
            ambiguous: true,
            ..ApiError::other(
                operation,
                None,
                format!(
                    "no answer within the provider's `api_timeout` ({:?}) for this operation's API calls",
                    self.total
                ),
            )
        }
    }
}

/// What [`send`] did: the last answer, and how many answers were lost.
#[derive(Debug)]
pub struct Sent<T> {
    /// The answer, or the last error.
    pub result: Result<T, ApiError>,
    /// How many attempts ended without a usable answer (the request may have
    /// taken effect).
    pub lost: u32,
}

/// Sends a mutation that carries one `clientRequestToken` (the same on every
/// attempt, so a repeat is not a second change) or is idempotent by itself:
/// again after a lost answer, [`LOST_ANSWER_ATTEMPTS`] attempts in all, and
/// again after an error `propagation` accepts (IAM has not yet propagated a
/// role made a moment ago) while [`Backoff::IAM_PROPAGATION`]'s window lasts;
/// never past the budget.
pub async fn send<T, F, Fut>(
    operation: &'static str,
    budget: &Budget,
    propagation: impl Fn(&ApiError) -> bool,
    mut op: F,
) -> Sent<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let start = Instant::now();
    let mut pause = FIRST_PAUSE;
    let mut lost = 0;
    loop {
        let err = match budget.call(operation, op()).await {
            Ok(answer) => {
                return Sent {
                    result: Ok(answer),
                    lost,
                }
            }
            Err(err) => err,
        };
        let again = if err.ambiguous {
            lost += 1;
            lost < LOST_ANSWER_ATTEMPTS
        } else {
            propagation(&err) && start.elapsed() + pause <= Backoff::IAM_PROPAGATION.timeout
        };
        if !again || pause >= budget.remaining() {
            return Sent { result: Err(err), lost };
        }
        tracing::info!("{operation}: attempt failed ({err}); sending it again in {pause:?}");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// The tags a create sends: the wanted tags and the owner tag with `marker`.
pub fn with_owner_tag(tags: &BTreeMap<String, String>, marker: &str) -> HashMap<String, String> {
    let mut all: HashMap<String, String> = tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    all.insert(OWNER_TAG.to_string(), marker.to_string());
    all
}

/// Whether an object's tags carry the owner marker `marker`.
pub fn carries(tags: Option<&HashMap<String, String>>, marker: &str) -> bool {
    !marker.is_empty() && tags.and_then(|t| t.get(OWNER_TAG)).is_some_and(|m| m == marker)
}

/// Whether an object's tags carry an owner marker of this provider at all
/// (of some create, not necessarily the one in question).
pub fn carries_any(tags: Option<&HashMap<String, String>>) -> bool {
    tags.is_some_and(|t| t.contains_key(OWNER_TAG))
}

/// The conflict of an EKS create: the name is taken ("already exists").
pub fn name_in_use(err: &ApiError) -> bool {
    err.is("ResourceInUseException")
}

/// The object in a create's answer, or an error when EKS answered without it.
pub fn answered<T>(operation: &'static str, object: Option<T>) -> Result<T, ApiError> {
    object.ok_or_else(|| ApiError::other(operation, None, "EKS answered without the object it created"))
}

/// How a create with an owner marker ended.
#[derive(Debug)]
pub enum Marked<T> {
    /// Made: the answer came, or the object was found carrying the marker
    /// after the answers were lost.
    Made(T),
    /// Nothing was made: a definite error, or lost answers and the object
    /// confirmed absent.
    Failed(ApiError),
    /// After lost answers, the object exists without this create's marker:
    /// someone else made it meanwhile.
    Foreign(T),
    /// Every answer was lost and the lookup could not decide (it failed, or
    /// the budget ran out): the object may exist.
    Unknown(ApiError),
}

/// Runs a create whose object carries `marker` (its idempotency token) as
/// the owner tag: [`send`], then, when the answers were lost, looks the
/// object up with `find` (not found only after several reads,
/// [`ownership::confirm_gone`]) and adopts it if `tags_of` shows the marker.
/// After a lost answer, an error `is_conflict` accepts ("already exists")
/// also means "look first".
#[allow(clippy::too_many_arguments)]
pub async fn create_marked<T, C, CF, F, FF>(
    operation: &'static str,
    budget: &Budget,
    propagation: impl Fn(&ApiError) -> bool,
    is_conflict: impl Fn(&ApiError) -> bool,
    marker: &str,
    create: C,
    find: F,
    tags_of: impl Fn(&T) -> Option<&HashMap<String, String>>,
) -> Marked<T>
where
    C: FnMut() -> CF,
    CF: Future<Output = Result<T, ApiError>>,
    F: FnMut() -> FF,
    FF: Future<Output = Result<Option<T>, ApiError>>,
{
    let sent = send(operation, budget, propagation, create).await;
    let err = match sent.result {
        Ok(made) => return Marked::Made(made),
        Err(err) => err,
    };
    if !(err.ambiguous || (sent.lost > 0 && is_conflict(&err))) {
        return Marked::Failed(err);
    }
    tracing::warn!(
        "{operation}: {} answer(s) lost ({err}); looking for the object by its owner marker",
        sent.lost
    );
    if budget.remaining().is_zero() {
        return Marked::Unknown(err);
    }
    match ownership::confirm_gone(find).await {
        Ok(Some(found)) if carries(tags_of(&found), marker) => {
            tracing::warn!("{operation}: found the object this create made by its owner marker; adopted");
            Marked::Made(found)
        }
        Ok(Some(found)) => Marked::Foreign(found),
        Ok(None) => {
            tracing::info!("{operation}: the object is not there (confirmed): nothing was made");
            Marked::Failed(err)
        }
        Err(lookup) => {
            tracing::warn!("{operation}: looking for the object failed ({lookup}): its outcome is unknown");
            Marked::Unknown(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn lost() -> ApiError {
        ApiError {
            ambiguous: true,
            ..ApiError::other("CreateX", Some("InternalFailure"), "lost")
        }
    }

    fn propagating() -> ApiError {
        ApiError::other("CreateX", Some("InvalidParameterException"), "role does not exist")
    }

    fn tagged(marker: &str) -> HashMap<String, String> {
        with_owner_tag(&BTreeMap::from([("team".to_string(), "a".to_string())]), marker)
    }

    #[tokio::test(start_paused = true)]
    async fn lost_answers_are_sent_again_a_bounded_number_of_times() {
        let sent = AtomicU32::new(0);
        let budget = Budget::new(Duration::from_secs(120));
        let out: Sent<()> = send(
            "CreateX",
            &budget,
            |_| true,
            || {
                sent.fetch_add(1, Ordering::Relaxed);
                async { Err(lost()) }
            },
        )
        .await;
        assert_eq!(sent.load(Ordering::Relaxed), LOST_ANSWER_ATTEMPTS);
        assert_eq!(out.lost, LOST_ANSWER_ATTEMPTS);
        assert!(out.result.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn propagation_keeps_its_window_within_the_budget() {
        let start = tokio::time::Instant::now();
        let budget = Budget::new(Duration::from_secs(120));
        let out: Sent<()> = send(
            "CreateX",
            &budget,
            |e| e.is("InvalidParameterException"),
            || async { Err(propagating()) },
        )
        .await;
        assert_eq!(out.lost, 0);
        let took = start.elapsed();
        assert!(
            took > Duration::from_secs(100) && took <= Duration::from_secs(120),
            "{took:?}"
        );
        // A shorter budget cuts the window.
        let start = tokio::time::Instant::now();
        let budget = Budget::new(Duration::from_secs(20));
        let _: Sent<()> = send("CreateX", &budget, |_| true, || async { Err(propagating()) }).await;
        assert!(start.elapsed() <= Duration::from_secs(20), "{:?}", start.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn propagation_and_lost_answers_are_counted_apart_and_definite_errors_are_final() {
        // What EKS answers CreateCluster while IAM propagates a new role.
        let eks_propagating = || {
            ApiError::other(
                "CreateCluster",
                Some("InvalidParameterException"),
                "Role with arn: arn:aws:iam::1:role/x could not be assumed because it does not exist",
            )
        };
        assert!(super::super::wait::is_role_propagation(&eks_propagating()));
        // Propagation errors first, then lost answers: the lost answers have
        // their own count, untouched by the propagation errors.
        let sent = AtomicU32::new(0);
        let budget = Budget::new(Duration::from_secs(120));
        let out: Sent<()> = send("CreateX", &budget, super::super::wait::is_role_propagation, || {
            let n = sent.fetch_add(1, Ordering::Relaxed);
            let err = if n < 5 { eks_propagating() } else { lost() };
            async move { Err(err) }
        })
        .await;
        assert_eq!(sent.load(Ordering::Relaxed), 5 + LOST_ANSWER_ATTEMPTS);
        assert_eq!(out.lost, LOST_ANSWER_ATTEMPTS);
        // A definite error (not propagation) is sent once.
        let sent = AtomicU32::new(0);
        let refused = || {
            ApiError::other(
                "CreateCluster",
                Some("InvalidParameterException"),
                "Subnet x does not exist",
            )
        };
        assert!(!super::super::wait::is_role_propagation(&refused()));
        let out: Sent<()> = send("CreateX", &budget, super::super::wait::is_role_propagation, || {
            sent.fetch_add(1, Ordering::Relaxed);
            let err = refused();
            async move { Err(err) }
        })
        .await;
        assert_eq!(sent.load(Ordering::Relaxed), 1);
        assert_eq!(out.lost, 0);
        assert!(out.result.is_err_and(|e| !e.ambiguous));
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_budget_sends_nothing() {
        let budget = Budget::new(Duration::ZERO);
        let sent = AtomicU32::new(0);
        let out: Sent<()> = send(
            "CreateX",
            &budget,
            |_| true,
            || async {
                sent.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
        )
        .await;
        assert_eq!(sent.load(Ordering::Relaxed), 0, "a request was sent past the budget");
        let err = out.result.unwrap_err();
        assert!(err.ambiguous && err.to_string().contains("api_timeout"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_past_the_budget_is_cut_off_as_a_lost_answer() {
        let budget = Budget::new(Duration::from_secs(5));
        let start = tokio::time::Instant::now();
        let out: Result<(), ApiError> = budget
            .call("CreateX", async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(())
            })
            .await;
        let err = out.unwrap_err();
        assert!(err.ambiguous && err.to_string().contains("api_timeout"), "{err}");
        assert!(start.elapsed() <= Duration::from_secs(5));
        // Every answer hangs: the whole create stays within the budget.
        let budget = Budget::new(Duration::from_secs(30));
        let start = tokio::time::Instant::now();
        let marked: Marked<u32> = create_marked(
            "CreateX",
            &budget,
            |_| false,
            |_| false,
            "m",
            || async {
                tokio::time::sleep(Duration::from_secs(25)).await;
                Err(lost())
            },
            || async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(None)
            },
            |_| None,
        )
        .await;
        assert!(matches!(marked, Marked::Unknown(_)), "{marked:?}");
        assert!(start.elapsed() <= Duration::from_secs(30), "{:?}", start.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn waits_extend_the_budget_of_the_calls() {
        let mut budget = Budget::new(Duration::from_secs(10));
        budget.waiting(tokio::time::sleep(Duration::from_secs(60))).await;
        assert!(budget.remaining() >= Duration::from_secs(9), "{:?}", budget.remaining());
    }

    #[tokio::test(start_paused = true)]
    async fn lost_answers_then_the_object_with_the_marker_is_adopted() {
        let budget = Budget::new(Duration::from_secs(120));
        let marked: Marked<HashMap<String, String>> = create_marked(
            "CreateX",
            &budget,
            |_| false,
            |_| false,
            "m1",
            || async { Err(lost()) },
            || async { Ok(Some(tagged("m1"))) },
            |t| Some(t),
        )
        .await;
        assert!(matches!(marked, Marked::Made(_)), "{marked:?}");
        // Another create's object, or one without a marker, is not adopted.
        for other in [tagged("m2"), HashMap::new()] {
            let marked = create_marked(
                "CreateX",
                &budget,
                |_| false,
                |_| false,
                "m1",
                || async { Err(lost()) },
                || {
                    let other = other.clone();
                    async move { Ok(Some(other)) }
                },
                |t| Some(t),
            )
            .await;
            assert!(matches!(marked, Marked::Foreign(_)), "{marked:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn lost_answers_and_nothing_there_is_nothing_made_and_a_failed_lookup_is_unknown() {
        let budget = Budget::new(Duration::from_secs(120));
        let looked = AtomicU32::new(0);
        let marked: Marked<HashMap<String, String>> = create_marked(
            "CreateX",
            &budget,
            |_| false,
            |_| false,
            "m1",
            || async { Err(lost()) },
            || {
                looked.fetch_add(1, Ordering::Relaxed);
                async { Ok(None) }
            },
            |t| Some(t),
        )
        .await;
        assert!(matches!(marked, Marked::Failed(ref e) if e.ambiguous), "{marked:?}");
        assert_eq!(looked.load(Ordering::Relaxed), ownership::GONE_CONFIRMATIONS);
        let marked: Marked<HashMap<String, String>> = create_marked(
            "CreateX",
            &budget,
            |_| false,
            |_| false,
            "m1",
            || async { Err(lost()) },
            || async { Err(ApiError::other("DescribeX", None, "unreadable")) },
            |t| Some(t),
        )
        .await;
        assert!(matches!(marked, Marked::Unknown(_)), "{marked:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn definite_errors_are_not_looked_up_and_conflicts_only_after_a_lost_answer() {
        let budget = Budget::new(Duration::from_secs(120));
        let looked = AtomicU32::new(0);
        let in_use = || ApiError::other("CreateX", Some("ResourceInUseException"), "in use");
        let marked: Marked<HashMap<String, String>> = create_marked(
            "CreateX",
            &budget,
            |_| false,
            |e| e.is("ResourceInUseException"),
            "m1",
            || async { Err(in_use()) },
            || {
                looked.fetch_add(1, Ordering::Relaxed);
                async { Ok(Some(tagged("m1"))) }
            },
            |t| Some(t),
        )
        .await;
        assert!(matches!(marked, Marked::Failed(_)));
        assert_eq!(looked.load(Ordering::Relaxed), 0);
        let sent = AtomicU32::new(0);
        let marked: Marked<HashMap<String, String>> = create_marked(
            "CreateX",
            &budget,
            |_| false,
            |e| e.is("ResourceInUseException"),
            "m1",
            || {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                async move { Err(if n == 0 { lost() } else { in_use() }) }
            },
            || async { Ok(Some(tagged("m1"))) },
            |t| Some(t),
        )
        .await;
        assert!(matches!(marked, Marked::Made(_)), "{marked:?}");
        // After a lost answer, a refusal that is not the conflict is final: not looked up.
        let sent = AtomicU32::new(0);
        let looked = AtomicU32::new(0);
        let marked: Marked<HashMap<String, String>> = create_marked(
            "CreateX",
            &budget,
            |_| false,
            |e| e.is("ResourceInUseException"),
            "m1",
            || {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                async move {
                    Err(if n == 0 {
                        lost()
                    } else {
                        ApiError::other("CreateX", Some("InvalidParameterException"), "subnets")
                    })
                }
            },
            || {
                looked.fetch_add(1, Ordering::Relaxed);
                async { Ok(Some(tagged("m1"))) }
            },
            |t| Some(t),
        )
        .await;
        assert!(
            matches!(marked, Marked::Failed(ref e) if e.is("InvalidParameterException")),
            "{marked:?}"
        );
        assert_eq!(looked.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn markers_are_matched_exactly() {
        assert!(carries(Some(&tagged("m1")), "m1"));
        assert!(!carries(Some(&tagged("m1")), "m2"));
        assert!(!carries(Some(&tagged("")), ""));
        assert!(!carries(None, "m1"));
        assert!(carries_any(Some(&tagged("m1"))) && !carries_any(Some(&HashMap::new())));
    }

    #[test]
    fn an_old_empty_private_state_decodes_as_nothing_pending() {
        use tf_provider::value::{StructEmpty, Value, ValueEmpty};
        // What the resources stored before (`ValueEmpty`), and what Terraform
        // hands over for no private state at all (empty bytes are read as nil).
        let old = [
            rmp_serde::to_vec_named(&ValueEmpty::default()).unwrap(),
            rmp_serde::to_vec_named(&ValueEmpty::Null).unwrap(),
            rmp_serde::to_vec_named(&Value::Value(StructEmpty {})).unwrap(),
            vec![0xc0],
        ];
        for bytes in old {
            let private: ownership::PendingPrivate =
                rmp_serde::from_slice(&bytes).unwrap_or_else(|e| panic!("{bytes:?}: {e}"));
            assert_eq!(ownership::pending_marker(&private), None, "{bytes:?}");
        }
        let bytes = rmp_serde::to_vec_named(&ownership::pending("m1")).unwrap();
        let private: ownership::PendingPrivate = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(ownership::pending_marker(&private), Some("m1"));
    }
}
