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

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tf_provider::Diagnostics;

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

/// Whether the object found is the one this resource recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// Same identity: ours to change or delete.
    Ours,
    /// Nothing there.
    Missing,
    /// Something with the same name but another identity (re-created by
    /// someone else), or no identity recorded at all: not ours.
    Foreign { found: String },
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
    pub name: String,
    /// The resource type to import into, e.g. `platform_eks_cluster`.
    pub resource_type: &'static str,
    /// The id `terraform import` takes.
    pub import_id: String,
    /// Anything else to say (starts with "; " or ". "), or empty.
    pub extra: String,
}

impl NameTaken {
    pub fn new(what: &str, name: &str, resource_type: &'static str, import_id: &str) -> Self {
        NameTaken {
            what: what.to_string(),
            name: name.to_string(),
            resource_type,
            import_id: import_id.to_string(),
            extra: String::new(),
        }
    }

    pub fn with(mut self, extra: impl Into<String>) -> Self {
        self.extra = extra.into();
        self
    }
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
