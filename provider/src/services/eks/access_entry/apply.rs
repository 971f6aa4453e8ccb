//! The create, update, delete, refresh and import steps of
//! `platform_eks_access_entry`: the entry recorded in state as soon as it
//! exists, its access policies brought to the configuration, and nothing
//! deleted that is not the incarnation recorded.

use std::collections::BTreeMap;

use aws_sdk_eks::types::{AccessEntry, AccessScope, AccessScopeType};
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::flex::{
    config_map_rule, flatten_entry, identity_of, is_recorded, known_policies, recorded_identity, taken, Scope,
};
use super::{AccessEntryState, DEFAULT_TYPE, KIND};
use crate::clients::AwsClients;
use crate::framework::diag::{failed, report, ApiError, BoxError};
use crate::framework::ownership::{self, Claim, NameTaken, OutcomeUnknown, PendingPrivate};
use crate::framework::plan::{known_str, known_string_map, known_string_set};
use crate::services::eks::find::{find_access_entry, find_associated_policies, find_cluster, is_not_found};
use crate::services::eks::marked::{carries, carries_any, create_marked, send, with_owner_tag, Budget, Marked};
use crate::services::eks::tags::update_tags;

#[derive(Debug, thiserror::Error)]
pub enum AccessEntryError {
    #[error("the plan still has unknown values for {0}")]
    Unknown(&'static str),
    #[error(transparent)]
    Taken(#[from] NameTaken),
    #[error("{0}")]
    ConfigMap(String),
    #[error("reading the access entry")]
    Read(#[source] ApiError),
    #[error("the access entry changed while it was read (its access policies could not be listed)")]
    Vanished,
    #[error("creating the access entry")]
    Create(#[source] ApiError),
    #[error("updating the access entry: {what}")]
    Update {
        what: String,
        #[source]
        source: ApiError,
    },
    #[error("deleting the access entry")]
    Delete(#[source] ApiError),
    #[error(transparent)]
    Outcome(#[from] OutcomeUnknown),
    #[error("the access entry of this principal carries an owner marker of this provider, but this resource did not record which create made it (its create's outcome was unknown, and this run did not refresh it): run `terraform apply` (or `plan`) with refresh, which resolves it, then destroy")]
    Unresolved,
}

/// An EKS error that says the cluster has no access entries (CONFIG_MAP
/// mode), as the error that says what to do.
fn config_map_or(err: ApiError, cluster: &str, other: impl FnOnce(ApiError) -> AccessEntryError) -> AccessEntryError {
    if err.is("InvalidRequestException")
        && err
            .message
            .as_deref()
            .is_some_and(|m| m.contains("authentication mode"))
    {
        AccessEntryError::ConfigMap(config_map_rule(cluster))
    } else {
        other(err)
    }
}

/// The entry and its associations, as the state (`Ok(None)` when it is gone).
async fn read_back(
    aws: &AwsClients,
    budget: &Budget,
    base: &AccessEntryState,
    cluster: &str,
    principal: &str,
    entry: AccessEntry,
) -> Result<AccessEntryState, AccessEntryError> {
    let policies = budget
        .call(
            "ListAssociatedAccessPolicies",
            find_associated_policies(&aws.eks, cluster, principal),
        )
        .await
        .map_err(|e| config_map_or(e, cluster, AccessEntryError::Read))?
        .ok_or(AccessEntryError::Vanished)?;
    Ok(flatten_entry(base, &entry, &policies, &aws.default_tags))
}

/// Associates `policy` with `scope` (AssociateAccessPolicy sets the scope
/// whatever it was, so an attempt sent again after a lost answer is harmless).
async fn associate(
    aws: &AwsClients,
    budget: &Budget,
    cluster: &str,
    principal: &str,
    policy: &str,
    (scope, namespaces): &Scope,
) -> Result<(), AccessEntryError> {
    let access_scope = AccessScope::builder()
        .r#type(AccessScopeType::from(scope.as_str()))
        .set_namespaces((scope == "namespace").then(|| namespaces.iter().cloned().collect()))
        .build();
    send(
        "AssociateAccessPolicy",
        budget,
        |_| false,
        || {
            let req = aws
                .eks
                .associate_access_policy()
                .cluster_name(cluster)
                .principal_arn(principal)
                .policy_arn(policy)
                .access_scope(access_scope.clone());
            async move { req.send().await.map_err(|e| ApiError::new("AssociateAccessPolicy", e)) }
        },
    )
    .await
    .result
    .map(|_| ())
    .map_err(|source| AccessEntryError::Update {
        what: format!("associating {policy}"),
        source,
    })
}

async fn disassociate(
    aws: &AwsClients,
    budget: &Budget,
    cluster: &str,
    principal: &str,
    policy: &str,
) -> Result<(), AccessEntryError> {
    let sent = send(
        "DisassociateAccessPolicy",
        budget,
        |_| false,
        || {
            let req = aws
                .eks
                .disassociate_access_policy()
                .cluster_name(cluster)
                .principal_arn(principal)
                .policy_arn(policy);
            async move {
                req.send()
                    .await
                    .map_err(|e| ApiError::new("DisassociateAccessPolicy", e))
            }
        },
    )
    .await
    .result;
    match sent {
        Ok(_) => Ok(()),
        // Already gone (a repeat after a lost answer, or removed meanwhile).
        Err(e) if e.is("ResourceNotFoundException") => Ok(()),
        Err(source) => Err(AccessEntryError::Update {
            what: format!("disassociating {policy}"),
            source,
        }),
    }
}

/// Brings the associations from `old` to `new`.
async fn sync_policies(
    aws: &AwsClients,
    budget: &Budget,
    cluster: &str,
    principal: &str,
    old: &BTreeMap<String, Scope>,
    new: &BTreeMap<String, Scope>,
) -> Result<(), AccessEntryError> {
    for (policy, scope) in new {
        if old.get(policy) != Some(scope) {
            associate(aws, budget, cluster, principal, policy, scope).await?;
        }
    }
    for policy in old.keys().filter(|p| !new.contains_key(*p)) {
        disassociate(aws, budget, cluster, principal, policy).await?;
    }
    Ok(())
}

/// Sends CreateAccessEntry with `token` as its `clientRequestToken`, the same
/// on every attempt (so a repeat after a lost answer is not a second entry),
/// and as the owner tag: when every answer is lost, the entry is looked up
/// and adopted if it carries it.
async fn create_entry(
    aws: &AwsClients,
    budget: &Budget,
    s: &AccessEntryState,
    cluster: &str,
    principal: &str,
    token: &str,
) -> Result<Marked<AccessEntry>, AccessEntryError> {
    let entry_type = known_str(&s.r#type).unwrap_or(DEFAULT_TYPE);
    let groups = known_string_set(&s.kubernetes_groups).ok_or(AccessEntryError::Unknown("kubernetes_groups"))?;
    let tags = with_owner_tag(
        &known_string_map(&s.tags_all).ok_or(AccessEntryError::Unknown("tags"))?,
        token,
    );
    let user_name = known_str(&s.user_name).map(str::to_string);
    Ok(create_marked(
        "CreateAccessEntry",
        budget,
        |_| false,
        |e| e.is("ResourceInUseException"),
        token,
        || {
            let req = aws
                .eks
                .create_access_entry()
                .cluster_name(cluster)
                .principal_arn(principal)
                .r#type(entry_type)
                .set_kubernetes_groups((!groups.is_empty()).then(|| groups.iter().cloned().collect()))
                .set_username(user_name.clone())
                .set_tags(Some(tags.clone()))
                .client_request_token(token);
            async move {
                let out = req.send().await.map_err(|e| ApiError::new("CreateAccessEntry", e))?;
                out.access_entry
                    .ok_or_else(|| ApiError::other("CreateAccessEntry", None, "EKS returned no access entry"))
            }
        },
        || budget.call("DescribeAccessEntry", find_access_entry(&aws.eks, cluster, principal)),
        |entry: &AccessEntry| entry.tags(),
    )
    .await)
}

fn taken_id(cluster: &str, principal: &str) -> NameTaken {
    let id = format!("{cluster}:{principal}");
    NameTaken::new(KIND, &id, "platform_eks_access_entry", &id)
}

/// The entry a create whose outcome is unknown would have made: its name
/// (`cluster_name`, `principal_arn`, `id`), nothing learnt from EKS, and no
/// access policy associated.
pub(super) fn pending_state(planned: &AccessEntryState) -> AccessEntryState {
    let mut s = planned.clone();
    s.arn = Value::Null;
    s.created_at = Value::Null;
    super::settle(&mut s);
    s.access_policy = Value::Value(Default::default());
    s
}

/// Creates the entry and associates its policies; returns what exists
/// afterwards, also after a failure halfway (reported), with the private
/// state ([`ownership::pending`] when the create's outcome is unknown), or
/// `None` when nothing was made.
pub(super) async fn create(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    cluster: &str,
    principal: &str,
    planned: AccessEntryState,
) -> Option<(AccessEntryState, PendingPrivate)> {
    let context = format!("creating access entry `{cluster}:{principal}`");
    let budget = Budget::of(&aws.eks);
    // An entry this resource did not create fails before anything is made.
    match budget
        .call("DescribeAccessEntry", find_access_entry(&aws.eks, cluster, principal))
        .await
    {
        Ok(None) => {}
        Ok(Some(entry)) => {
            let err = taken_in_budget(aws, &budget, cluster, principal, &entry).await;
            report(diags, &failed(context, AccessEntryError::Taken(err)));
            return None;
        }
        Err(err) => {
            report(
                diags,
                &failed(context, config_map_or(err, cluster, AccessEntryError::Read)),
            );
            return None;
        }
    }
    let policies = known_policies(&planned.access_policy).unwrap_or_default();
    // One idempotency token for every attempt of this create; the entry carries it as its owner marker.
    let token = ownership::new_marker();
    let entry = match create_entry(aws, &budget, &planned, cluster, principal, &token).await {
        Ok(Marked::Made(entry)) => entry,
        Ok(Marked::Failed(err)) if err.is("ResourceInUseException") => {
            report(
                diags,
                &failed(context, AccessEntryError::Taken(taken_id(cluster, principal))),
            );
            return None;
        }
        Ok(Marked::Failed(err)) => {
            // Nothing made, nothing recorded: a later destroy never deletes an entry of this principal.
            report(
                diags,
                &failed(context, config_map_or(err, cluster, AccessEntryError::Create)),
            );
            return None;
        }
        Ok(Marked::Foreign(_)) => {
            report(
                diags,
                &failed(context, AccessEntryError::Taken(taken_id(cluster, principal))),
            );
            return None;
        }
        Ok(Marked::Unknown(source)) => {
            let err = OutcomeUnknown {
                operation: "CreateAccessEntry",
                what: KIND.to_string(),
                name: format!("{cluster}:{principal}"),
                marker: token.clone(),
                source,
            };
            report(diags, &failed(context, AccessEntryError::Outcome(err)));
            return Some((pending_state(&planned), ownership::pending(&token)));
        }
        Err(err) => {
            report(diags, &failed(context, err));
            return None;
        }
    };
    // The identity of what this create made, recorded before anything else can fail.
    let mut s = planned.clone();
    let Some(arn) = entry.access_entry_arn() else {
        let err = ApiError::other(
            "CreateAccessEntry",
            None,
            format!("EKS answered without the entry's ARN, so this create cannot record it; the entry may exist: check with `aws eks describe-access-entry --cluster-name {cluster} --principal-arn {principal}` and import it (`terraform import <address> {cluster}:{principal}`)"),
        );
        report(diags, &failed(context, AccessEntryError::Create(err)));
        return None;
    };
    s.arn = Value::Value(arn.to_string());
    s.created_at = crate::services::eks::find::timestamp(entry.created_at()).map_or(Value::Null, Value::Value);
    let associated = sync_policies(aws, &budget, cluster, principal, &BTreeMap::new(), &policies).await;
    let found = read_back(aws, &budget, &s, cluster, principal, entry.clone()).await;
    if let Err(err) = associated {
        report(diags, &failed(context.clone(), err));
    }
    let state = match found {
        Ok(state) => state,
        Err(err) => {
            report(
                diags,
                &failed(
                    format!("reading access entry `{cluster}:{principal}` after creating it"),
                    err,
                ),
            );
            let mut partial = flatten_entry(&s, &entry, &[], &aws.default_tags);
            // What was associated is not known: refresh shows it.
            partial.access_policy = Value::Value(Default::default());
            partial
        }
    };
    Some((state, PendingPrivate::Null))
}

/// [`taken`] within what is left of the budget (the plain import hint when
/// the cluster's details cannot be read in time).
async fn taken_in_budget(
    aws: &AwsClients,
    budget: &Budget,
    cluster: &str,
    principal: &str,
    entry: &AccessEntry,
) -> NameTaken {
    let detailed = async {
        match find_cluster(&aws.eks, cluster).await {
            Ok(Some(c)) => taken(&aws.eks, cluster, principal, &c, entry).await,
            _ => taken_id(cluster, principal),
        }
    };
    tokio::time::timeout(budget.remaining(), detailed)
        .await
        .unwrap_or_else(|_| taken_id(cluster, principal))
}

/// Brings the entry from `prior` to `planned`, then returns what EKS has now;
/// failures are reported.
pub(super) async fn update(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    cluster: &str,
    principal: &str,
    prior: AccessEntryState,
    planned: AccessEntryState,
) -> AccessEntryState {
    let context = format!("updating access entry `{cluster}:{principal}`");
    let budget = Budget::of(&aws.eks);
    let updated = match update_entry(aws, &budget, cluster, principal, &prior, &planned).await {
        Ok(()) => true,
        Err(err) => {
            report(diags, &failed(context, err));
            false
        }
    };
    let found = match budget
        .call("DescribeAccessEntry", find_access_entry(&aws.eks, cluster, principal))
        .await
    {
        Ok(Some(entry)) if is_recorded(&prior, &entry) => {
            read_back(aws, &budget, &planned, cluster, principal, entry).await
        }
        Ok(_) => Err(AccessEntryError::Vanished),
        Err(err) => Err(AccessEntryError::Read(err)),
    };
    match found {
        Ok(state) => state,
        Err(err) => {
            if updated {
                report(
                    diags,
                    &failed(
                        format!("reading access entry `{cluster}:{principal}` after updating it"),
                        err,
                    ),
                );
            }
            prior
        }
    }
}

async fn update_entry(
    aws: &AwsClients,
    budget: &Budget,
    cluster: &str,
    principal: &str,
    prior: &AccessEntryState,
    planned: &AccessEntryState,
) -> Result<(), BoxError> {
    let standard = known_str(&planned.r#type).unwrap_or(DEFAULT_TYPE) == DEFAULT_TYPE;
    let (old_groups, new_groups) = (
        known_string_set(&prior.kubernetes_groups).unwrap_or_default(),
        known_string_set(&planned.kubernetes_groups).ok_or(AccessEntryError::Unknown("kubernetes_groups"))?,
    );
    // A user name is sent only when it changes (EKS refuses its own
    // `system:node:` names back on other types).
    let new_user = known_str(&planned.user_name).filter(|u| Some(*u) != known_str(&prior.user_name));
    if standard && (old_groups != new_groups || new_user.is_some()) {
        let token = ownership::new_marker();
        send(
            "UpdateAccessEntry",
            budget,
            |_| false,
            || {
                let req = aws
                    .eks
                    .update_access_entry()
                    .cluster_name(cluster)
                    .principal_arn(principal)
                    .set_kubernetes_groups(Some(new_groups.iter().cloned().collect()))
                    .set_username(new_user.map(str::to_string))
                    .client_request_token(&token);
                async move { req.send().await.map_err(|e| ApiError::new("UpdateAccessEntry", e)) }
            },
        )
        .await
        .result
        .map_err(|source| AccessEntryError::Update {
            what: "kubernetes_groups or user_name".to_string(),
            source,
        })?;
    }
    let old = known_policies(&prior.access_policy).unwrap_or_default();
    let new = known_policies(&planned.access_policy).ok_or(AccessEntryError::Unknown("access_policy"))?;
    sync_policies(aws, budget, cluster, principal, &old, &new).await?;
    let arn = known_str(&prior.arn).ok_or(AccessEntryError::Unknown("arn"))?;
    budget
        .call(
            "TagResource",
            update_tags(
                &aws.eks,
                arn,
                &known_string_map(&prior.tags_all).unwrap_or_default(),
                &known_string_map(&planned.tags_all).unwrap_or_default(),
            ),
        )
        .await
        .map_err(|source| AccessEntryError::Update {
            what: "tags".to_string(),
            source,
        })?;
    Ok(())
}

/// Deletes the entry only while it is the incarnation recorded in state (or,
/// for a create whose outcome was unknown, the entry carrying its owner
/// marker `pending`); anything else is left alone, with a warning.
pub(super) async fn delete(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    s: &AccessEntryState,
    pending: Option<&str>,
) -> Result<(), BoxError> {
    let (Some(cluster), Some(principal)) = (known_str(&s.cluster_name), known_str(&s.principal_arn)) else {
        return Ok(());
    };
    let budget = Budget::of(&aws.eks);
    let found = budget
        .call("DescribeAccessEntry", find_access_entry(&aws.eks, cluster, principal))
        .await
        .map_err(AccessEntryError::Read)?;
    let recorded = recorded_identity(s);
    let ours = match (&found, recorded.is_some(), pending) {
        (Some(entry), true, _) => is_recorded(s, entry),
        (Some(entry), false, Some(marker)) => carries(entry.tags(), marker),
        // Nothing recorded and no marker at hand (the replacement of a
        // tainted entry planned with `-refresh=false`): an entry with this
        // provider's owner marker may be the one the create made.
        (Some(entry), false, None) if carries_any(entry.tags()) => return Err(AccessEntryError::Unresolved.into()),
        _ => false,
    };
    match &found {
        Some(_) if ours => {
            match budget
                .call("DeleteAccessEntry", async {
                    aws.eks
                        .delete_access_entry()
                        .cluster_name(cluster)
                        .principal_arn(principal)
                        .send()
                        .await
                        .map_err(|e| {
                            if is_not_found(&e) {
                                ApiError::other("DeleteAccessEntry", Some("ResourceNotFoundException"), "gone")
                            } else {
                                ApiError::new("DeleteAccessEntry", e)
                            }
                        })
                })
                .await
            {
                Ok(_) => tracing::info!(cluster, principal, "deleted access entry"),
                Err(e) if e.is("ResourceNotFoundException") => {}
                Err(e) => return Err(AccessEntryError::Delete(e).into()),
            }
        }
        Some(entry) => ownership::warn_left_alone(
            diags,
            &format!("access entry `{cluster}:{principal}`"),
            recorded.as_deref(),
            &Claim::Foreign {
                found: identity_of(entry),
            },
        ),
        None => {}
    }
    Ok(())
}

/// The entry recorded in `state` ("gone" only after several consecutive
/// not-found reads; an entry of that principal with another identity is not
/// this one); `Ok(None)` when it is gone. An entry confirmed to be the one
/// recorded is held ([`ownership::hold`]): a plan that replaces it (tainted)
/// does not take it for someone else's.
pub(super) async fn read_remote(
    aws: &AwsClients,
    state: &AccessEntryState,
    cluster: &str,
    principal: &str,
) -> Result<Option<AccessEntryState>, BoxError> {
    let budget = Budget::of(&aws.eks);
    let found = ownership::confirm_gone(|| find_access_entry(&aws.eks, cluster, principal)).await?;
    let Some(entry) = found else {
        return Ok(None);
    };
    if !is_recorded(state, &entry) {
        tracing::warn!(cluster, principal, found = %identity_of(&entry), recorded = ?recorded_identity(state),
                       "an access entry of that principal exists, but it is not the one this resource created or imported");
        return Ok(None);
    }
    ownership::hold(KIND, &format!("{cluster}:{principal}"), &identity_of(&entry));
    Ok(Some(read_back(aws, &budget, state, cluster, principal, entry).await?))
}

/// Refresh of an entry whose create's outcome was unknown (`marker`, the
/// token and owner marker it was sent with): found carrying the marker, it is
/// the one the create made, recorded whole (and held); not found (confirmed),
/// or found without the marker (not ours), `Ok(None)`: it leaves state.
pub(super) async fn resolve_pending(
    aws: &AwsClients,
    state: &AccessEntryState,
    cluster: &str,
    principal: &str,
    marker: &str,
) -> Result<Option<AccessEntryState>, BoxError> {
    let budget = Budget::of(&aws.eks);
    let found = ownership::confirm_gone(|| find_access_entry(&aws.eks, cluster, principal)).await?;
    let Some(entry) = found else {
        tracing::warn!(
            cluster,
            principal,
            "the access entry whose create's outcome was unknown does not exist: nothing was made"
        );
        return Ok(None);
    };
    if !carries(entry.tags(), marker) {
        tracing::warn!(cluster, principal, found = %identity_of(&entry),
                       "an access entry of that principal exists without the owner marker of the create whose outcome was unknown: it is not this resource's");
        return Ok(None);
    }
    tracing::warn!(
        cluster,
        principal,
        "found the access entry whose create's outcome was unknown by its owner marker: recorded"
    );
    ownership::hold(KIND, &format!("{cluster}:{principal}"), &identity_of(&entry));
    Ok(Some(read_back(aws, &budget, state, cluster, principal, entry).await?))
}

/// The state of the entry of `principal` in `cluster` for import; `Ok(None)`
/// when there is none.
pub(super) async fn import(
    aws: &AwsClients,
    cluster: &str,
    principal: &str,
) -> Result<Option<AccessEntryState>, BoxError> {
    let budget = Budget::of(&aws.eks);
    let Some(entry) = find_access_entry(&aws.eks, cluster, principal)
        .await
        .map_err(|e| config_map_or(e, cluster, AccessEntryError::Read))?
    else {
        return Ok(None);
    };
    Ok(Some(
        read_back(aws, &budget, &AccessEntryState::default(), cluster, principal, entry).await?,
    ))
}
