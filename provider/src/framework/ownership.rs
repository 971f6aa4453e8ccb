//! The ownership model every resource follows: the provider deletes,
//! retargets or adopts only what it can prove it created or imported.
//!
//! 1. **Identity.** When a resource creates or imports an object it records an
//!    identity unique to that incarnation of the object (a role's `RoleId`, a
//!    key id, a cluster's ARN plus `createdAt`, a Spacelift context id). Before
//!    deleting, it re-reads the object and compares ([`claim`]): a missing
//!    object or one with another identity is left alone and dropped from state
//!    with a warning ([`warn_left_alone`]). A failed create that never got an
//!    identity records nothing to delete.
//! 2. **Names already taken** fail with [`NameTaken`], which names the object
//!    and gives the exact `terraform import` command and `import {}` block.
//! 3. **Lost answers.** Where the API has an idempotency token (EKS
//!    `clientRequestToken`) it is used. Where it has none (IAM CreateRole,
//!    KMS CreateKey, Spacelift mutations) the object is marked at creation with
//!    an owner marker ([`OWNER_TAG`] = [`new_marker`]), the SDK's automatic
//!    retry is off for that call, and after an ambiguous failure
//!    ([`ApiError::ambiguous`](crate::framework::diag::ApiError)) the object is
//!    looked for by its marker before anything is tried again.
//! 4. **"Gone" needs proof.** Refresh believes an object deleted only after
//!    [`GONE_CONFIRMATIONS`] consecutive not-found reads ([`confirm_gone`]), the
//!    same confirmation the delete waiters use. A malformed answer is an error.
//! 5. **Failed applies leave a wholly known partial state.** Every state a
//!    resource returns passes [`settle`](crate::framework::settle) at the
//!    trait boundary: no unknown survives, so Terraform always records what
//!    it is handed. A create that fails part-way returns the identity of
//!    what it made (name, recorded id, owner marker), which Terraform keeps
//!    as a *tainted* instance; a create that fails before anything exists
//!    returns nothing.
//! 6. **Tainted instances are ours.** Terraform plans a tainted instance's
//!    replacement as a create (no prior state, no private state), and hands
//!    the destroy half of any replacement the *planned* private state, not
//!    the prior one. So what a delete needs to prove ownership lives in the
//!    public state (a recorded id, `created_at`, an owner marker attribute),
//!    never only in private state; and a plan-time "name taken" check
//!    accepts an object that this process has just refreshed from state
//!    ([`hold`] / [`held`]): that is the tainted object the plan replaces.
//! 7. **Outcome unknown.** A create whose answer is lost on every attempt
//!    (and which cannot find its object by token or marker right away)
//!    returns a tainted state naming what it would have made, with the token
//!    or marker it sent in the private state ([`PendingCreate`]) and the
//!    error [`OutcomeUnknown`]. The next refresh (which Terraform hands the
//!    real private state) looks the object up by that identity: found and
//!    carrying the marker, it is ours, recorded whole and replaced; not
//!    found (confirmed), the instance leaves state.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tf_provider::Diagnostics;

use crate::framework::diag::ApiError;

/// The tag (or Spacelift label prefix) that marks an object with the owner
/// marker of the create that made it. It belongs to the provider: user tags
/// may not use the `platform:` prefix, and reads leave it out of `tags`.
pub const OWNER_TAG: &str = "platform:owner";

/// How many consecutive not-found reads prove an object gone, on refresh as
/// after a delete.
pub const GONE_CONFIRMATIONS: u32 = 3;

/// The pause between confirming reads on refresh.
pub const CONFIRM_PAUSE: Duration = Duration::from_millis(500);

static MARKER_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new owner marker: unique to one create (time, process, counter and the
/// address of a stack value, hashed), 32 hex digits. It is no secret; it only
/// has to differ from every other create's.
pub fn new_marker() -> String {
    use std::hash::{BuildHasher, Hasher};
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let counter = MARKER_COUNTER.fetch_add(1, Ordering::Relaxed);
    let local = 0u8;
    let mut parts = [0u64; 2];
    for (i, part) in parts.iter_mut().enumerate() {
        // RandomState is seeded from the OS's randomness once per process.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(now.as_nanos());
        h.write_u32(std::process::id());
        h.write_u64(counter);
        h.write_usize(&local as *const u8 as usize);
        h.write_usize(i);
        *part = h.finish();
    }
    format!("{:016x}{:016x}", parts[0], parts[1])
}

/// Reads through `find`, and believes "not found" only after
/// [`GONE_CONFIRMATIONS`] consecutive not-found answers: an eventually
/// consistent API, or one bad answer, may briefly hide an object that exists.
/// Errors are returned at once (an error is never "gone").
pub async fn confirm_gone<T, E, F, Fut>(mut find: F) -> Result<Option<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, E>>,
{
    for read in 1..=GONE_CONFIRMATIONS {
        if let Some(found) = find().await? {
            if read > 1 {
                tracing::warn!("an object reported missing was found on read {read}: it is not gone");
            }
            return Ok(Some(found));
        }
        if read < GONE_CONFIRMATIONS {
            tokio::time::sleep(CONFIRM_PAUSE).await;
        }
    }
    Ok(None)
}

/// How often a create without an idempotency token whose answer was lost is
/// looked for and sent again.
pub const LOST_ANSWER_ATTEMPTS: u32 = 3;

/// Why [`create_once`] failed.
#[derive(Debug)]
pub enum CreateOnceError<E> {
    /// The create's own error: definite (nothing was made), or ambiguous with
    /// nothing found after [`LOST_ANSWER_ATTEMPTS`] tries.
    Create(ApiError),
    /// Looking for what the create made failed (or found a foreign object).
    Find(E),
}

/// Runs a create that has no idempotency token (IAM CreateRole, KMS
/// CreateKey) so that a lost answer makes neither a duplicate nor an orphan.
///
/// `create` must send the request once, without the SDK's own retry, with the
/// owner marker on the object. After an ambiguous failure (the request may
/// have taken effect) `find_own` looks for the object by that marker: found,
/// it is adopted; not found, the create is sent again (at most
/// [`LOST_ANSWER_ATTEMPTS`] times). After a lost answer, an error that says
/// the object already exists (`is_conflict`) also means "look first": an
/// eventually consistent read may not have seen it yet.
pub async fn create_once<T, E, C, CF, F, FF>(
    what: &str,
    is_conflict: impl Fn(&ApiError) -> bool,
    mut create: C,
    mut find_own: F,
) -> Result<T, CreateOnceError<E>>
where
    C: FnMut() -> CF,
    CF: Future<Output = Result<T, ApiError>>,
    F: FnMut() -> FF,
    FF: Future<Output = Result<Option<T>, E>>,
{
    let mut lost = 0;
    loop {
        let err = match create().await {
            Ok(made) => return Ok(made),
            Err(err) => err,
        };
        if !(err.ambiguous || (lost > 0 && is_conflict(&err))) {
            return Err(CreateOnceError::Create(err));
        }
        if err.ambiguous {
            lost += 1;
        }
        tracing::warn!("{what}: the answer may be lost ({err}); looking for the object by its owner marker");
        match find_own().await {
            Ok(Some(found)) => {
                tracing::warn!("{what}: found the object this create made by its owner marker; adopted");
                return Ok(found);
            }
            Ok(None) if err.ambiguous && lost < LOST_ANSWER_ATTEMPTS => continue,
            Ok(None) => return Err(CreateOnceError::Create(err)),
            Err(find_err) => return Err(CreateOnceError::Find(find_err)),
        }
    }
}

/// Whether the object found is the one this resource recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// Same identity: ours to change or delete.
    Ours,
    /// Nothing there.
    Missing,
    /// Something with the same name but another identity (re-created by
    /// someone else), or no identity recorded at all: not ours.
    Foreign {
        /// The identity found.
        found: String,
    },
}

/// Compares the identity recorded in state with the one found. With nothing
/// recorded, nothing can be proven ours.
pub fn claim(recorded: Option<&str>, found: Option<&str>) -> Claim {
    match (recorded, found) {
        (_, None) => Claim::Missing,
        (Some(r), Some(f)) if !r.is_empty() && r == f => Claim::Ours,
        (_, Some(f)) => Claim::Foreign { found: f.to_string() },
    }
}

/// The warning for a delete that leaves an object alone because it is not
/// (or no longer) the one this resource created.
pub fn warn_left_alone(diags: &mut Diagnostics, what: &str, recorded: Option<&str>, claim: &Claim) {
    let detail = match claim {
        Claim::Missing => format!("{what} no longer exists; it is removed from state."),
        Claim::Foreign { found } => format!(
            "{what} exists, but it is not the one this resource created or imported (recorded identity {}, found {found}). \
             It was left untouched and removed from state; import it to manage it here.",
            recorded.filter(|r| !r.is_empty()).map_or("none".to_string(), |r| format!("`{r}`")),
        ),
        Claim::Ours => return,
    };
    tracing::warn!("{detail}");
    diags.root_warning(format!("{what} was not deleted"), detail);
}

/// Creating an object whose name is already taken by one this resource did
/// not create. The message names it and gives the import command.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{what} `{name}` already exists and this resource did not create it. To manage it here, import it: \
     `terraform import {resource_type}.<name> {import_id}`, or add `import {{ to = {resource_type}.<name>, id = \"{import_id}\" }}`{extra}"
)]
pub struct NameTaken {
    /// "EKS cluster", "IAM role", "KMS alias".
    pub what: String,
    /// The name (or id) that is taken.
    pub name: String,
    /// The resource type to import into, e.g. `platform_eks_cluster`.
    pub resource_type: &'static str,
    /// The id `terraform import` takes.
    pub import_id: String,
    /// Anything else to say (starts with "; " or ". "), or empty.
    pub extra: String,
}

impl NameTaken {
    /// `what` (e.g. "IAM role") named `name` is taken; `import_id` imports it into `resource_type`.
    pub fn new(what: &str, name: &str, resource_type: &'static str, import_id: &str) -> Self {
        NameTaken {
            what: what.to_string(),
            name: name.to_string(),
            resource_type,
            import_id: import_id.to_string(),
            extra: String::new(),
        }
    }

    /// Adds a sentence to the error's detail.
    pub fn with(mut self, extra: impl Into<String>) -> Self {
        self.extra = extra.into();
        self
    }
}

/// The private state of a create whose outcome is unknown: the owner marker
/// (or idempotency token, when the object carries it as a tag) the create
/// sent. Refresh resolves it ([`OutcomeUnknown`]); once the object is
/// recorded whole, the private state is empty again.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PendingCreate {
    /// The marker or token the create sent with the object.
    pub marker: String,
}

/// Private state of a resource that records [`PendingCreate`] (null when
/// nothing is pending).
pub type PendingPrivate = tf_provider::value::Value<PendingCreate>;

/// The marker of a pending create recorded in `private`, if any.
pub fn pending_marker(private: &PendingPrivate) -> Option<&str> {
    private
        .as_ref_option()
        .map(|p| p.marker.as_str())
        .filter(|m| !m.is_empty())
}

/// The private state recording a create whose outcome is unknown.
pub fn pending(marker: &str) -> PendingPrivate {
    tf_provider::value::Value::Value(PendingCreate {
        marker: marker.to_string(),
    })
}

/// A create whose answer was lost on every attempt: whether the object
/// exists is unknown. The state returned with it names the object and the
/// marker it was sent with; the next refresh decides.
#[derive(Debug, thiserror::Error)]
#[error(
    "the answer to {operation} was lost on every attempt, so whether {what} `{name}` exists is unknown: it is recorded \
     (tainted) with the owner marker `{marker}` it was sent with, and the next plan looks it up by that marker, keeping \
     it (to replace it) if it exists and forgetting it if it does not"
)]
pub struct OutcomeUnknown {
    /// The create operation, e.g. `CreateCluster`.
    pub operation: &'static str,
    /// "EKS cluster".
    pub what: String,
    /// The object's name or id.
    pub name: String,
    /// The marker or token the create sent.
    pub marker: String,
    /// The last error of the create.
    #[source]
    pub source: ApiError,
}

/// What a refresh found of a create whose outcome was unknown
/// ([`PendingCreate`]).
#[derive(Debug)]
pub enum Resolved<S, E> {
    /// The object exists and carries the create's marker: ours, recorded
    /// whole (the instance stays tainted, so the apply replaces it).
    Ours(S),
    /// Not found on several consecutive reads: the create made nothing.
    Absent,
    /// An object of that name without the marker: someone else's.
    Foreign,
    /// The look-up failed: nothing is decided.
    Failed(E),
}

/// The end of a refresh of a pending create (the counterpart of
/// [`finish_read`](crate::framework::diag::finish_read)): `Ours` becomes the
/// state, with nothing pending; `Absent` and `Foreign` leave state (the
/// latter with a warning, the object untouched); `Failed` reports the error
/// and keeps `prior` as it was. `what` names the object ("IAM role `x`").
pub fn finish_pending<S, P: Default, E: Into<crate::framework::diag::BoxError>>(
    diags: &mut Diagnostics,
    what: &str,
    marker: &str,
    prior: (S, P),
    resolved: Resolved<S, E>,
) -> Option<(S, P)> {
    match resolved {
        Resolved::Ours(state) => {
            tracing::warn!("{what}, whose create did not finish, exists with this resource's owner marker: recorded");
            Some((state, P::default()))
        }
        Resolved::Absent => {
            tracing::warn!(
                "{what}, whose create did not finish, does not exist: nothing was created; removing it from state"
            );
            None
        }
        Resolved::Foreign => {
            let detail = format!(
                "{what} exists without the owner marker `{marker}` that this resource's create (whose answer was lost) \
                 sent: it is someone else's. It is removed from state and left untouched; import it to manage it here."
            );
            tracing::warn!("{detail}");
            diags.root_warning(format!("{what} is not the one this resource created"), detail);
            None
        }
        Resolved::Failed(err) => {
            crate::framework::diag::report(diags, &crate::framework::diag::failed(format!("reading {what}"), err));
            Some(prior)
        }
    }
}

/// Objects this provider process has refreshed from state, by kind and
/// name, with the identity recorded there. Terraform refreshes every
/// instance, tainted ones included, before it plans them, in the same
/// provider process; a tainted instance's replacement is then planned as a
/// create, without its prior state. A plan-time "name taken" check asks
/// [`held`] before it calls an existing object foreign.
static HELD: std::sync::Mutex<Vec<(&'static str, String, String)>> = std::sync::Mutex::new(Vec::new());

/// Records that the object `name` of `kind` ("EKS access entry"), with
/// `identity`, is held in state (called by refresh, once it is confirmed ours).
pub fn hold(kind: &'static str, name: &str, identity: &str) {
    let mut held = HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !held.iter().any(|(k, n, i)| *k == kind && n == name && i == identity) {
        held.push((kind, name.to_string(), identity.to_string()));
    }
}

/// Whether the object `name` of `kind` with `identity` was refreshed from
/// state in this process (see [`hold`]).
pub fn held(kind: &'static str, name: &str, identity: &str) -> bool {
    let held = HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    held.iter().any(|(k, n, i)| *k == kind && n == name && i == identity)
}

/// Names claimed by the resources planned in this provider process, so that
/// two resources of one configuration that would own the same object (a KMS
/// alias in two `platform_ebs_storage`) are caught at plan time instead of
/// taking the object from each other on every apply.
static PLAN_CLAIMS: std::sync::Mutex<Vec<(&'static str, String, &'static str)>> = std::sync::Mutex::new(Vec::new());

/// Claims `name` of `kind` ("KMS alias") for a resource of `resource_type`
/// being planned. Terraform plans each resource instance once per run of the
/// provider (one run for the plan, another for the apply), so a second claim
/// of the same name in one run comes from another resource: its type is
/// returned, and the caller reports the conflict on its attribute.
pub fn claim_in_plan(kind: &'static str, name: &str, resource_type: &'static str) -> Result<(), &'static str> {
    let mut claims = PLAN_CLAIMS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, _, other)) = claims.iter().find(|(k, n, _)| *k == kind && n == name) {
        return Err(other);
    }
    claims.push((kind, name.to_string(), resource_type));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn markers_differ() {
        let a = new_marker();
        let b = new_marker();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn claims() {
        assert_eq!(claim(Some("A"), Some("A")), Claim::Ours);
        assert_eq!(claim(Some("A"), None), Claim::Missing);
        assert_eq!(claim(Some("A"), Some("B")), Claim::Foreign { found: "B".into() });
        assert_eq!(claim(None, Some("B")), Claim::Foreign { found: "B".into() });
        assert_eq!(claim(Some(""), Some("")), Claim::Foreign { found: "".into() });
    }

    #[tokio::test(start_paused = true)]
    async fn one_not_found_is_not_gone() {
        let reads = AtomicU32::new(0);
        let found: Result<Option<u32>, String> = confirm_gone(|| {
            let n = reads.fetch_add(1, Ordering::Relaxed);
            async move { Ok((n == 1).then_some(7)) }
        })
        .await;
        assert_eq!(found, Ok(Some(7)));
        assert_eq!(reads.load(Ordering::Relaxed), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn gone_after_consecutive_not_found_reads() {
        let reads = AtomicU32::new(0);
        let found: Result<Option<u32>, String> = confirm_gone(|| {
            reads.fetch_add(1, Ordering::Relaxed);
            async { Ok(None) }
        })
        .await;
        assert_eq!(found, Ok(None));
        assert_eq!(reads.load(Ordering::Relaxed), GONE_CONFIRMATIONS);
    }

    #[tokio::test(start_paused = true)]
    async fn errors_are_never_gone() {
        let found: Result<Option<u32>, String> = confirm_gone(|| async { Err("malformed".to_string()) }).await;
        assert_eq!(found, Err("malformed".to_string()));
    }

    #[test]
    fn a_second_claim_in_one_plan_conflicts() {
        assert_eq!(claim_in_plan("test alias", "alias/a", "platform_ebs_storage"), Ok(()));
        assert_eq!(claim_in_plan("test alias", "alias/b", "platform_vault_seal"), Ok(()));
        assert_eq!(
            claim_in_plan("test alias", "alias/a", "platform_vault_seal"),
            Err("platform_ebs_storage")
        );
        assert_eq!(claim_in_plan("other kind", "alias/a", "platform_vault_seal"), Ok(()));
    }

    fn lost() -> ApiError {
        ApiError {
            ambiguous: true,
            ..ApiError::other("Create", Some("InternalFailure"), "lost")
        }
    }

    #[tokio::test]
    async fn a_lost_answer_is_looked_for_before_sending_again() {
        let sent = AtomicU32::new(0);
        let looked = AtomicU32::new(0);
        // The first create takes effect, its answer is lost; the object is found.
        let made: Result<u32, CreateOnceError<String>> = create_once(
            "test",
            |_| false,
            || {
                sent.fetch_add(1, Ordering::Relaxed);
                async { Err(lost()) }
            },
            || {
                looked.fetch_add(1, Ordering::Relaxed);
                async { Ok(Some(7)) }
            },
        )
        .await;
        assert!(matches!(made, Ok(7)));
        assert_eq!((sent.load(Ordering::Relaxed), looked.load(Ordering::Relaxed)), (1, 1));
    }

    #[tokio::test]
    async fn nothing_found_is_sent_again_bounded() {
        let sent = AtomicU32::new(0);
        let made: Result<u32, CreateOnceError<String>> = create_once(
            "test",
            |_| false,
            || {
                sent.fetch_add(1, Ordering::Relaxed);
                async { Err(lost()) }
            },
            || async { Ok(None) },
        )
        .await;
        assert!(matches!(made, Err(CreateOnceError::Create(e)) if e.ambiguous));
        assert_eq!(sent.load(Ordering::Relaxed), LOST_ANSWER_ATTEMPTS);
    }

    #[tokio::test]
    async fn definite_errors_are_not_retried_and_conflicts_only_look_after_a_lost_answer() {
        let looked = AtomicU32::new(0);
        let exists = || ApiError::other("Create", Some("EntityAlreadyExists"), "taken");
        let made: Result<u32, CreateOnceError<String>> = create_once(
            "test",
            |e| e.is("EntityAlreadyExists"),
            || async { Err(exists()) },
            || {
                looked.fetch_add(1, Ordering::Relaxed);
                async { Ok(Some(1)) }
            },
        )
        .await;
        assert!(matches!(made, Err(CreateOnceError::Create(e)) if e.is("EntityAlreadyExists")));
        assert_eq!(
            looked.load(Ordering::Relaxed),
            0,
            "a taken name is never adopted without a lost answer"
        );

        // Lost, not found yet (eventual consistency), then "already exists": look again.
        let sent = AtomicU32::new(0);
        let looked = AtomicU32::new(0);
        let made: Result<u32, CreateOnceError<String>> = create_once(
            "test",
            |e| e.is("EntityAlreadyExists"),
            || {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                async move { Err(if n == 0 { lost() } else { exists() }) }
            },
            || {
                let n = looked.fetch_add(1, Ordering::Relaxed);
                async move { Ok((n == 1).then_some(9)) }
            },
        )
        .await;
        assert!(matches!(made, Ok(9)));
    }

    #[test]
    fn held_objects_are_matched_by_kind_name_and_identity() {
        hold("test entry", "c:p", "arn@1");
        assert!(held("test entry", "c:p", "arn@1"));
        assert!(!held("test entry", "c:p", "arn@2"), "another incarnation is not held");
        assert!(!held("other kind", "c:p", "arn@1"));
    }

    #[test]
    fn pending_markers_round_trip_and_empty_is_none() {
        assert_eq!(pending_marker(&pending("abc")), Some("abc"));
        assert_eq!(pending_marker(&PendingPrivate::Null), None);
        assert_eq!(pending_marker(&pending("")), None);
        let err = OutcomeUnknown {
            operation: "CreateCluster",
            what: "EKS cluster".into(),
            name: "c".into(),
            marker: "m1".into(),
            source: lost(),
        };
        let text = err.to_string();
        assert!(
            text.contains("`c`") && text.contains("`m1`") && text.contains("CreateCluster"),
            "{text}"
        );
    }

    #[test]
    fn a_pending_create_is_recorded_forgotten_or_kept() {
        let mut diags = Diagnostics::default();
        let prior = (1, PendingPrivate::Null);
        let ours = finish_pending::<_, _, String>(&mut diags, "x", "m", prior.clone(), Resolved::Ours(2));
        assert_eq!(ours, Some((2, PendingPrivate::Null)));
        assert_eq!(
            finish_pending::<i32, _, String>(&mut diags, "x", "m", prior.clone(), Resolved::Absent),
            None
        );
        assert!(diags.errors.is_empty() && diags.warnings.is_empty(), "absent is quiet");
        assert_eq!(
            finish_pending::<i32, _, String>(&mut diags, "x", "m", prior.clone(), Resolved::Foreign),
            None
        );
        assert_eq!(diags.warnings.len(), 1, "a foreign object is named in a warning");
        let failed = finish_pending(
            &mut diags,
            "IAM role `r`",
            "m",
            (1, pending("m")),
            Resolved::Failed("boom".to_string()),
        );
        assert_eq!(
            failed,
            Some((1, pending("m"))),
            "a failed look-up keeps the pending state"
        );
        assert_eq!(diags.errors[0].summary, "reading IAM role `r`");
    }

    #[test]
    fn name_taken_gives_the_import_command() {
        let msg = NameTaken::new("EKS cluster", "x", "platform_eks_cluster", "x").to_string();
        assert!(
            msg.contains("`terraform import platform_eks_cluster.<name> x`"),
            "{msg}"
        );
        assert!(
            msg.contains("import { to = platform_eks_cluster.<name>, id = \"x\" }"),
            "{msg}"
        );
    }
}
