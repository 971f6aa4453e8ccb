//! An IAM role with its inline and managed policies, as plain Rust values:
//! the finder, create, update and delete that `platform_irsa_role` (and later
//! the Vault seal's role) are built on.

// `RoleError` carries the role and policy names with the API error; it is on
// the cold path (one per failed call), so its size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;

use crate::framework::diag::ApiError;
use crate::framework::ownership::{self, Claim, CreateOnceError, OWNER_TAG};
use crate::framework::policy;
use crate::framework::retry::{retry, throttling_budget, Backoff};

/// Inline policies whose names start with this prefix belong to other
/// `platform_*` resources (e.g. `platform_ebs_storage` puts
/// `platform-ebs-kms-<alias>` on the EBS CSI driver's role). A role resource
/// leaves them alone, and users may not give their own policies such names.
pub const MANAGED_INLINE_PREFIX: &str = "platform-";

/// IAM's default maximum session duration of a role, in seconds.
pub const DEFAULT_MAX_SESSION: i64 = 3600;

/// What the configuration asks for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleSpec {
    pub name: String,
    pub path: String,
    pub description: Option<String>,
    pub trust_policy: String,
    pub max_session_duration: i64,
    pub permissions_boundary: Option<String>,
    /// Tags including the provider's default tags.
    pub tags: BTreeMap<String, String>,
    pub policy_arns: BTreeSet<String>,
    pub inline_policies: BTreeMap<String, String>,
}

/// What IAM has. Policy documents are URL-decoded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RemoteRole {
    pub arn: String,
    /// IAM's `RoleId`: unique to this incarnation of the role, the identity a
    /// delete checks.
    pub unique_id: String,
    /// The [`OWNER_TAG`] the create that made the role put on it; it is kept
    /// out of `spec.tags`.
    pub owner_marker: Option<String>,
    pub spec: RoleSpec,
}

#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("reading IAM role `{name}`")]
    Read {
        name: String,
        #[source]
        source: ApiError,
    },
    #[error("creating IAM role `{name}`")]
    Create {
        name: String,
        #[source]
        source: ApiError,
    },
    #[error("IAM role `{name}` was created but could not be read back")]
    Vanished { name: String },
    #[error("creating IAM role `{name}`: a role with that name already exists and this resource did not create it")]
    Exists { name: String },
    #[error("putting inline policy `{policy}` on IAM role `{name}`")]
    PutInline {
        name: String,
        policy: String,
        #[source]
        source: ApiError,
    },
    #[error("deleting inline policy `{policy}` from IAM role `{name}`")]
    DeleteInline {
        name: String,
        policy: String,
        #[source]
        source: ApiError,
    },
    #[error("attaching policy `{policy}` to IAM role `{name}`")]
    Attach {
        name: String,
        policy: String,
        #[source]
        source: ApiError,
    },
    #[error("detaching policy `{policy}` from IAM role `{name}`")]
    Detach {
        name: String,
        policy: String,
        #[source]
        source: ApiError,
    },
    #[error("updating IAM role `{name}`")]
    Update {
        name: String,
        #[source]
        source: ApiError,
    },
    #[error("updating the trust policy of IAM role `{name}`")]
    UpdateTrust {
        name: String,
        #[source]
        source: ApiError,
    },
    #[error("updating the tags of IAM role `{name}`")]
    Tags {
        name: String,
        #[source]
        source: ApiError,
    },
    #[error("invalid tag `{key}` for IAM role `{name}`: {message}")]
    BadTag { name: String, key: String, message: String },
    #[error("deleting IAM role `{name}`")]
    Delete {
        name: String,
        #[source]
        source: ApiError,
    },
}

/// Finds a role and everything attached to it; `Ok(None)` when it does not exist
/// (also when it disappears between the calls). 3 + N calls for N inline
/// policies: GetRole (with the tags), ListAttachedRolePolicies,
/// ListRolePolicies and one GetRolePolicy each.
pub async fn find_role_by_name(iam: &Client, name: &str) -> Result<Option<RemoteRole>, RoleError> {
    let read = |source| RoleError::Read {
        name: name.to_string(),
        source,
    };
    let role = match iam.get_role().role_name(name).send().await {
        Ok(out) => match out.role {
            Some(role) => role,
            None => return Ok(None),
        },
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => return Ok(None),
        Err(err) => return Err(read(ApiError::new("GetRole", err))),
    };

    macro_rules! gone_or {
        ($result:expr, $op:literal) => {
            match $result {
                Ok(v) => v,
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_no_such_entity_exception()) =>
                {
                    return Ok(None)
                }
                Err(err) => return Err(read(ApiError::new($op, err))),
            }
        };
    }

    // GetRole's answer carries all the role's tags (IAM allows at most 50 on
    // a role), so no ListRoleTags call is needed.
    let mut tags: BTreeMap<String, String> = role
        .tags
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    let owner_marker = tags.remove(OWNER_TAG);

    let mut policy_arns = BTreeSet::new();
    let mut pages = iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for attached in gone_or!(page, "ListAttachedRolePolicies")
            .attached_policies
            .unwrap_or_default()
        {
            if let Some(arn) = attached.policy_arn {
                policy_arns.insert(arn);
            }
        }
    }

    let mut inline_names = Vec::new();
    let mut pages = iam.list_role_policies().role_name(name).into_paginator().send();
    while let Some(page) = pages.next().await {
        inline_names.extend(gone_or!(page, "ListRolePolicies").policy_names);
    }
    let mut inline_policies = BTreeMap::new();
    for policy_name in inline_names {
        let out = gone_or!(
            iam.get_role_policy()
                .role_name(name)
                .policy_name(&policy_name)
                .send()
                .await,
            "GetRolePolicy"
        );
        inline_policies.insert(policy_name, policy::decode_iam_document(&out.policy_document));
    }

    Ok(Some(RemoteRole {
        arn: role.arn,
        unique_id: role.role_id,
        owner_marker,
        spec: RoleSpec {
            name: role.role_name,
            path: role.path,
            description: role.description.filter(|d| !d.is_empty()),
            trust_policy: role
                .assume_role_policy_document
                .as_deref()
                .map(policy::decode_iam_document)
                .unwrap_or_default(),
            max_session_duration: role.max_session_duration.map_or(DEFAULT_MAX_SESSION, i64::from),
            permissions_boundary: role.permissions_boundary.and_then(|b| b.permissions_boundary_arn),
            tags,
            policy_arns,
            inline_policies,
        },
    }))
}

/// The `RoleId` of role `name` and all its tags (the owner marker included),
/// from one GetRole call; `Ok(None)` when there is no such role.
pub async fn find_role_id(
    iam: &Client,
    name: &str,
) -> Result<Option<(String, std::collections::BTreeMap<String, String>)>, ApiError> {
    match iam.get_role().role_name(name).send().await {
        Ok(out) => Ok(out.role.map(|r| {
            let tags = r
                .tags
                .unwrap_or_default()
                .into_iter()
                .map(|t| (t.key, t.value))
                .collect();
            (r.role_id, tags)
        })),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(None),
        Err(err) => Err(ApiError::new("GetRole", err)),
    }
}

/// Whether the role exists (one GetRole call; [`find_role_by_name`] reads everything).
pub async fn role_exists(iam: &Client, name: &str) -> Result<bool, RoleError> {
    match iam.get_role().role_name(name).send().await {
        Ok(_) => Ok(true),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(false),
        Err(err) => Err(RoleError::Read {
            name: name.to_string(),
            source: ApiError::new("GetRole", err),
        }),
    }
}

fn iam_tags(name: &str, tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, RoleError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder().key(k).value(v).build().map_err(|e| RoleError::BadTag {
                name: name.to_string(),
                key: k.clone(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// IAM rejects a trust policy whose principal it cannot resolve yet, for
/// example an OIDC provider created a moment ago: `MalformedPolicyDocument`
/// with "Invalid principal in policy".
fn is_principal_not_ready(err: &ApiError) -> bool {
    err.is("MalformedPolicyDocument")
        && err
            .message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("invalid principal"))
}

/// A role created, or not, by [`create_role`].
#[derive(Debug)]
pub struct CreateFailure {
    /// Set when the role exists: the caller must record it in state.
    pub created: Option<RemoteRole>,
    pub error: RoleError,
    /// Set when whether the role exists is unknown: the answer to CreateRole
    /// was lost on every attempt and the lookup by name found nothing, or
    /// failed. It is the owner marker the role was sent with; a caller that
    /// can record it (tainted, with [`ownership::pending`]) lets the next
    /// refresh decide ([`find_pending`]). `error` is then the create's own
    /// ([`RoleError::Create`]) or the lookup's ([`RoleError::Read`]).
    pub pending: Option<String>,
}

/// The ARN and `RoleId` of a role this create made, found by its owner marker
/// after an ambiguous failure; `None` when no role of that name exists (the
/// create did not happen), an error when one exists that another create made.
async fn find_created(iam: &Client, name: &str, marker: &str) -> Result<Option<(String, String)>, RoleError> {
    match iam.get_role().role_name(name).send().await {
        Ok(out) => {
            let role = out.role.ok_or_else(|| RoleError::Vanished { name: name.to_string() })?;
            let ours = role
                .tags
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|t| t.key == OWNER_TAG && t.value == marker);
            if !ours {
                return Err(RoleError::Exists { name: name.to_string() });
            }
            Ok(Some((role.arn, role.role_id)))
        }
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(None),
        Err(err) => Err(RoleError::Read {
            name: name.to_string(),
            source: ApiError::new("GetRole", err),
        }),
    }
}

/// Resolves a create whose outcome was unknown ([`CreateFailure::pending`]):
/// the role `name` read whole when it carries `marker` (it is the one that
/// create made); `Ok(None)` when there is no role of that name on several
/// reads (the create made nothing); [`RoleError::Exists`] when the role
/// there carries no such marker (someone else's).
pub async fn find_pending(iam: &Client, name: &str, marker: &str) -> Result<Option<RemoteRole>, RoleError> {
    match ownership::confirm_gone(|| find_role_by_name(iam, name)).await? {
        Some(remote) if remote.owner_marker.as_deref() == Some(marker) => Ok(Some(remote)),
        Some(_) => Err(RoleError::Exists { name: name.to_string() }),
        None => Ok(None),
    }
}

/// Creates the role, then its inline policies, then the attachments.
///
/// CreateRole is not idempotent, so the SDK's own retry is off for it. The
/// role is tagged with a new owner marker ([`OWNER_TAG`]); after an
/// ambiguous failure (timeout, dropped connection, 5xx) the role is looked
/// for by name and adopted only if it carries this create's marker. A role
/// of that name without it is [`RoleError::Exists`]: never taken over.
///
/// If a step after `CreateRole` fails, the role is returned in
/// [`CreateFailure::created`] so that the caller records it (tainted) in state:
/// nothing is ever left behind that state does not know about.
pub async fn create_role(iam: &Client, spec: &RoleSpec) -> Result<RemoteRole, Box<CreateFailure>> {
    let fail = |created: Option<RemoteRole>, error| {
        Box::new(CreateFailure {
            created,
            error,
            pending: None,
        })
    };
    let name = spec.name.clone();
    let marker = ownership::new_marker();
    let mut all_tags = spec.tags.clone();
    all_tags.insert(OWNER_TAG.to_string(), marker.clone());
    let tags = iam_tags(&name, &all_tags).map_err(|e| fail(None, e))?;
    let no_sdk_retry =
        aws_sdk_iam::config::Builder::default().retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled());
    // Throttling is refused before it takes effect: retried here, as often as
    // the SDK would have (`max_retries`).
    let throttled = throttling_budget(iam.config().retry_config().map_or(1, |r| r.max_attempts()));

    // One propagation window for every attempt: a create whose answer is
    // lost and sent again does not wait the window again.
    let window = std::time::Instant::now();
    let created = ownership::create_once(
        &format!("creating IAM role `{name}`"),
        |e| e.is("EntityAlreadyExists"),
        || async {
            let out = retry(
                "CreateRole",
                Backoff {
                    timeout: Backoff::IAM_PROPAGATION.timeout.saturating_sub(window.elapsed()),
                    ..Backoff::IAM_PROPAGATION
                },
                |e: &ApiError| is_principal_not_ready(e) || throttled(e),
                || {
                    let req = iam
                        .create_role()
                        .role_name(&spec.name)
                        .path(&spec.path)
                        .assume_role_policy_document(&spec.trust_policy)
                        .max_session_duration(spec.max_session_duration as i32)
                        .set_description(spec.description.clone())
                        .set_permissions_boundary(spec.permissions_boundary.clone())
                        .set_tags(Some(tags.clone()))
                        .customize()
                        .config_override(no_sdk_retry.clone());
                    async move { req.send().await.map_err(|e| ApiError::new("CreateRole", e)) }
                },
            )
            .await?;
            let role = out
                .role
                .ok_or_else(|| ApiError::other("CreateRole", None, "the answer holds no role"))?;
            Ok((role.arn, role.role_id))
        },
        || find_created(iam, &name, &marker),
    )
    .await;
    // Lost on every attempt, and not found (or the lookup failed): unknown.
    let unknown = |error| {
        Box::new(CreateFailure {
            created: None,
            error,
            pending: Some(marker.clone()),
        })
    };
    let (arn, unique_id) = match created {
        Ok(made) => made,
        Err(CreateOnceError::Create(source)) if source.is("EntityAlreadyExists") => {
            return Err(fail(None, RoleError::Exists { name: name.clone() }))
        }
        Err(CreateOnceError::Create(source)) => {
            let ambiguous = source.ambiguous;
            let error = RoleError::Create {
                name: name.clone(),
                source,
            };
            return Err(if ambiguous { unknown(error) } else { fail(None, error) });
        }
        Err(CreateOnceError::Find(err @ RoleError::Read { .. })) => return Err(unknown(err)),
        Err(CreateOnceError::Find(err)) => return Err(fail(None, err)),
    };

    let mut remote = RemoteRole {
        arn,
        unique_id,
        owner_marker: Some(marker),
        spec: RoleSpec {
            inline_policies: BTreeMap::new(),
            policy_arns: BTreeSet::new(),
            ..spec.clone()
        },
    };
    tracing::info!(role = %name, arn = %remote.arn, "created IAM role");

    for (policy_name, document) in &spec.inline_policies {
        if let Err(source) = put_inline(iam, &name, policy_name, document).await {
            return Err(fail(Some(remote), source));
        }
        remote
            .spec
            .inline_policies
            .insert(policy_name.clone(), document.clone());
    }
    for arn in &spec.policy_arns {
        if let Err(source) = attach(iam, &name, arn).await {
            return Err(fail(Some(remote), source));
        }
        remote.spec.policy_arns.insert(arn.clone());
    }
    Ok(remote)
}

pub async fn put_inline(iam: &Client, name: &str, policy_name: &str, document: &str) -> Result<(), RoleError> {
    iam.put_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .policy_document(document)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| RoleError::PutInline {
            name: name.to_string(),
            policy: policy_name.to_string(),
            source: ApiError::new("PutRolePolicy", e),
        })
}

async fn attach(iam: &Client, name: &str, arn: &str) -> Result<(), RoleError> {
    iam.attach_role_policy()
        .role_name(name)
        .policy_arn(arn)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| RoleError::Attach {
            name: name.to_string(),
            policy: arn.to_string(),
            source: ApiError::new("AttachRolePolicy", e),
        })
}

/// Brings the role from `prior` to `spec` in place. Name and path cannot change
/// in place; the caller plans a replacement for those.
pub async fn update_role(iam: &Client, prior: &RoleSpec, spec: &RoleSpec) -> Result<(), RoleError> {
    let name = spec.name.as_str();

    if !policy::equivalent(&prior.trust_policy, &spec.trust_policy) {
        iam.update_assume_role_policy()
            .role_name(name)
            .policy_document(&spec.trust_policy)
            .send()
            .await
            .map_err(|e| RoleError::UpdateTrust {
                name: name.to_string(),
                source: ApiError::new("UpdateAssumeRolePolicy", e),
            })?;
    }

    if prior.description != spec.description || prior.max_session_duration != spec.max_session_duration {
        iam.update_role()
            .role_name(name)
            .description(spec.description.clone().unwrap_or_default())
            .max_session_duration(spec.max_session_duration as i32)
            .send()
            .await
            .map_err(|e| RoleError::Update {
                name: name.to_string(),
                source: ApiError::new("UpdateRole", e),
            })?;
    }

    if prior.permissions_boundary != spec.permissions_boundary {
        let result = match &spec.permissions_boundary {
            Some(boundary) => iam
                .put_role_permissions_boundary()
                .role_name(name)
                .permissions_boundary(boundary)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ApiError::new("PutRolePermissionsBoundary", e)),
            None => iam
                .delete_role_permissions_boundary()
                .role_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ApiError::new("DeleteRolePermissionsBoundary", e)),
        };
        result.map_err(|source| RoleError::Update {
            name: name.to_string(),
            source,
        })?;
    }

    update_role_tags(iam, name, &prior.tags, &spec.tags).await?;

    for policy_name in prior
        .inline_policies
        .keys()
        .filter(|k| !spec.inline_policies.contains_key(*k))
    {
        delete_inline(iam, name, policy_name).await?;
    }
    for (policy_name, document) in &spec.inline_policies {
        let unchanged = prior
            .inline_policies
            .get(policy_name)
            .is_some_and(|old| policy::equivalent(old, document));
        if !unchanged {
            put_inline(iam, name, policy_name, document).await?;
        }
    }

    for arn in prior.policy_arns.difference(&spec.policy_arns) {
        detach(iam, name, arn).await?;
    }
    for arn in spec.policy_arns.difference(&prior.policy_arns) {
        attach(iam, name, arn).await?;
    }
    Ok(())
}

/// Brings the tags of role `name` from `old` to `new`: untags the keys that
/// are gone, tags the new and changed pairs. Nothing is sent when they agree.
pub async fn update_role_tags(
    iam: &Client,
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), RoleError> {
    let (removed_tags, changed_tags) = crate::framework::tags::diff(old, new);
    if !removed_tags.is_empty() {
        iam.untag_role()
            .role_name(name)
            .set_tag_keys(Some(removed_tags))
            .send()
            .await
            .map_err(|e| RoleError::Tags {
                name: name.to_string(),
                source: ApiError::new("UntagRole", e),
            })?;
    }
    if !changed_tags.is_empty() {
        iam.tag_role()
            .role_name(name)
            .set_tags(Some(iam_tags(name, &changed_tags)?))
            .send()
            .await
            .map_err(|e| RoleError::Tags {
                name: name.to_string(),
                source: ApiError::new("TagRole", e),
            })?;
    }
    Ok(())
}

/// One inline policy of a role, URL-decoded; `Ok(None)` when the role or the
/// policy does not exist.
pub async fn find_inline_policy(iam: &Client, role: &str, policy_name: &str) -> Result<Option<String>, RoleError> {
    match iam
        .get_role_policy()
        .role_name(role)
        .policy_name(policy_name)
        .send()
        .await
    {
        Ok(out) => Ok(Some(policy::decode_iam_document(&out.policy_document))),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(None),
        Err(e) => Err(RoleError::Read {
            name: role.to_string(),
            source: ApiError::new("GetRolePolicy", e),
        }),
    }
}

/// Puts an inline policy on a role that may have been created a moment ago:
/// IAM's `NoSuchEntity` for the role is retried within a short, bounded window.
pub async fn put_inline_on_new_role(
    iam: &Client,
    role: &str,
    policy_name: &str,
    document: &str,
) -> Result<(), RoleError> {
    let window = Backoff {
        timeout: std::time::Duration::from_secs(20),
        ..Backoff::IAM_PROPAGATION
    };
    retry(
        "PutRolePolicy",
        window,
        |e: &RoleError| matches!(e, RoleError::PutInline { source, .. } if source.is("NoSuchEntity")),
        || put_inline(iam, role, policy_name, document),
    )
    .await
}

fn is_no_such_entity(err: &ApiError) -> bool {
    err.is("NoSuchEntity")
}

/// Deletes one inline policy; a role or policy that is already gone counts as deleted.
pub async fn delete_inline(iam: &Client, name: &str, policy_name: &str) -> Result<(), RoleError> {
    match iam
        .delete_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(()),
        Err(e) => Err(RoleError::DeleteInline {
            name: name.to_string(),
            policy: policy_name.to_string(),
            source: ApiError::new("DeleteRolePolicy", e),
        }),
    }
}

async fn detach(iam: &Client, name: &str, arn: &str) -> Result<(), RoleError> {
    match iam.detach_role_policy().role_name(name).policy_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(()),
        Err(e) => Err(RoleError::Detach {
            name: name.to_string(),
            policy: arn.to_string(),
            source: ApiError::new("DetachRolePolicy", e),
        }),
    }
}

/// Deletes the role after detaching every managed policy and deleting every
/// inline policy it has now (not only those in state), if `owned` proves the
/// role found under `name` is the one the caller created (e.g. its `RoleId`
/// is the one recorded). A missing role, or one that is not proven ours, is
/// left alone: the returned [`Claim`] says which, for the caller's warning.
pub async fn delete_role(iam: &Client, name: &str, owned: impl Fn(&RemoteRole) -> bool) -> Result<Claim, RoleError> {
    let Some(remote) = find_role_by_name(iam, name).await? else {
        return Ok(Claim::Missing);
    };
    if !owned(&remote) {
        tracing::warn!(role = %name, role_id = %remote.unique_id, "IAM role is not the one this resource created; left alone");
        return Ok(Claim::Foreign {
            found: remote.unique_id.clone(),
        });
    }
    for arn in &remote.spec.policy_arns {
        detach(iam, name, arn).await?;
    }
    for policy_name in remote.spec.inline_policies.keys() {
        delete_inline(iam, name, policy_name).await?;
    }
    let result = retry(
        "DeleteRole",
        Backoff {
            timeout: std::time::Duration::from_secs(30),
            ..Backoff::IAM_PROPAGATION
        },
        // A policy detached a moment ago may still be counted against the role.
        |e: &ApiError| e.is("DeleteConflict"),
        || async {
            iam.delete_role()
                .role_name(name)
                .send()
                .await
                .map_err(|e| ApiError::new("DeleteRole", e))
        },
    )
    .await;
    match result {
        Ok(_) => Ok(Claim::Ours),
        Err(e) if is_no_such_entity(&e) => Ok(Claim::Ours),
        Err(source) => Err(RoleError::Delete {
            name: name.to_string(),
            source,
        }),
    }
}
