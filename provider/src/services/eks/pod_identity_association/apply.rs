//! The API steps of `platform_eks_pod_identity_association`: create (after
//! checking that the service account has no association yet), update in
//! place, delete by identity, refresh and import, and the state of what EKS
//! has (`flatten`).

use std::collections::BTreeMap;

use aws_sdk_eks::types::PodIdentityAssociation;
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::{PodIdentityAssociationState, RESOURCE_TYPE};
use crate::clients::AwsClients;
use crate::framework::diag::{failed, report, ApiError, BoxError};
use crate::framework::ownership::{self, Claim, NameTaken, OutcomeUnknown};
use crate::framework::plan::{known, known_str, known_string_map, optional_map, optional_string, to_value_map};
use crate::framework::tags;
use crate::services::eks::find::{
    find_pod_identity_association, is_not_found, list_pod_identity_associations, timestamp,
};
use crate::services::eks::marked::{carries, carries_any, create_marked, send, with_owner_tag, Budget, Marked};
use crate::services::eks::tags::update_tags;
use crate::services::eks::wait::is_role_propagation;

#[derive(Debug, thiserror::Error)]
pub enum PodIdentityError {
    #[error("the plan still has unknown values for {0}")]
    Unknown(&'static str),
    #[error(transparent)]
    Taken(#[from] NameTaken),
    #[error("the service account `{namespace}/{service_account}` already has pod identity association `{id}`, which the EKS add-on `{owner}` owns: it is managed through the add-on (its pod identity associations), never by this resource; give this workload another service account, or configure the role on the add-on")]
    OwnedByAddon {
        namespace: String,
        service_account: String,
        id: String,
        owner: String,
    },
    #[error("no pod identity association `{id}` in cluster `{cluster}`")]
    NotFound { cluster: String, id: String },
    #[error("reading the pod identity associations")]
    Read(#[source] ApiError),
    #[error("creating the association")]
    Create(#[source] ApiError),
    #[error("updating the association: {what}")]
    Update {
        what: &'static str,
        #[source]
        source: ApiError,
    },
    #[error("deleting the association")]
    Delete(#[source] ApiError),
    #[error("the association of this service account carries an owner marker of this provider, but this resource did not record which create made it (its create's outcome was unknown, and this run did not refresh it): run `terraform apply` (or `plan`) with refresh, which resolves it, then destroy")]
    Unresolved,
}

/// The state of association `a` as EKS has it; the configuration's own
/// choices (`tags` apart from `default_tags`, an unset target role) come
/// from `prior`.
pub(super) fn flatten(
    prior: &PodIdentityAssociationState,
    a: &PodIdentityAssociation,
    default_tags: &BTreeMap<String, String>,
) -> PodIdentityAssociationState {
    let text = |v: Option<&str>| {
        v.filter(|v| !v.is_empty())
            .map_or(Value::Null, |v| Value::Value(v.to_string()))
    };
    let mut s = prior.clone();
    let cluster = a.cluster_name().unwrap_or_default();
    let id = a.association_id().unwrap_or_default();
    s.id = Value::Value(format!("{cluster},{id}"));
    s.cluster_name = Value::Value(cluster.to_string());
    s.namespace = text(a.namespace());
    s.service_account = text(a.service_account());
    s.role_arn = text(a.role_arn());
    s.target_role_arn = optional_string(&prior.target_role_arn, a.target_role_arn());
    s.disable_session_tags = Value::Value(a.disable_session_tags().unwrap_or(false));
    // The provider's own tags (the owner marker) are never shown.
    let remote_tags: BTreeMap<String, String> = crate::services::eks::tags::shown_tags(
        &a.tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    );
    let prior_own = known_string_map(&prior.tags).unwrap_or_default();
    s.tags = optional_map(&prior.tags, &tags::own_tags(&remote_tags, default_tags, &prior_own));
    s.tags_all = to_value_map(&remote_tags);
    s.association_id = Value::Value(id.to_string());
    s.association_arn = text(a.association_arn());
    s.external_id = text(a.external_id());
    s.created_at = text(timestamp(a.created_at()).as_deref());
    s
}

/// The identity of an association: its id and `createdAt`.
fn identity_of(a: &PodIdentityAssociation) -> String {
    format!(
        "{} created {}",
        a.association_id().unwrap_or_default(),
        timestamp(a.created_at()).unwrap_or_default()
    )
}

fn recorded_identity(s: &PodIdentityAssociationState) -> Option<String> {
    Some(format!(
        "{} created {}",
        known_str(&s.association_id)?,
        known_str(&s.created_at).unwrap_or_default()
    ))
}

/// Whether `a` is the association recorded in `s`: same id and, when
/// recorded, the same `createdAt`; never one an add-on owns.
fn is_recorded(s: &PodIdentityAssociationState, a: &PodIdentityAssociation) -> bool {
    let same_id = known_str(&s.association_id).is_some() && a.association_id() == known_str(&s.association_id);
    let same_time = known_str(&s.created_at).is_none_or(|t| timestamp(a.created_at()).as_deref() == Some(t));
    same_id && same_time && a.owner_arn().is_none()
}

/// The association of the service account `namespace/service_account`, in
/// full (EKS keeps at most one); `Ok(None)` when there is none, or no cluster.
async fn find_for_service_account(
    aws: &AwsClients,
    cluster: &str,
    namespace: &str,
    service_account: &str,
) -> Result<Option<PodIdentityAssociation>, ApiError> {
    let listed = list_pod_identity_associations(&aws.eks, cluster, namespace, service_account).await?;
    let Some(id) = listed.unwrap_or_default().iter().find_map(|a| {
        (a.namespace() == Some(namespace) && a.service_account() == Some(service_account))
            .then(|| a.association_id().unwrap_or_default().to_string())
    }) else {
        return Ok(None);
    };
    find_pod_identity_association(&aws.eks, cluster, &id).await
}

/// Whether the service account already has an association: the error that
/// says whose, or `Ok(())`.
async fn check_free(
    aws: &AwsClients,
    budget: &Budget,
    cluster: &str,
    namespace: &str,
    service_account: &str,
) -> Result<(), PodIdentityError> {
    let listed = budget
        .call(
            "ListPodIdentityAssociations",
            list_pod_identity_associations(&aws.eks, cluster, namespace, service_account),
        )
        .await
        .map_err(PodIdentityError::Read)?;
    // No such cluster: CreatePodIdentityAssociation says so itself.
    let Some(listed) = listed else { return Ok(()) };
    let Some(existing) = listed
        .iter()
        .find(|a| a.namespace() == Some(namespace) && a.service_account() == Some(service_account))
    else {
        return Ok(());
    };
    let id = existing.association_id().unwrap_or_default().to_string();
    if let Some(owner) = existing.owner_arn() {
        return Err(PodIdentityError::OwnedByAddon {
            namespace: namespace.to_string(),
            service_account: service_account.to_string(),
            id,
            owner: owner.to_string(),
        });
    }
    Err(taken(cluster, namespace, service_account, &id).into())
}

fn taken(cluster: &str, namespace: &str, service_account: &str, id: &str) -> NameTaken {
    NameTaken::new(
        "pod identity association for service account",
        &format!("{namespace}/{service_account}"),
        RESOURCE_TYPE,
        &format!("{cluster},{id}"),
    )
    .with(format!(
        ". It is `{id}` in cluster `{cluster}`; EKS keeps one association per namespace and service account"
    ))
}

/// How a create ended, when it did not fail outright.
#[derive(Debug)]
pub(super) enum Created {
    /// The association EKS made (or that was found by its owner marker).
    Made(PodIdentityAssociationState),
    /// Every answer was lost and the lookup could not decide: the state
    /// naming the association the create would have made, and why.
    Unknown(Box<PodIdentityAssociationState>, OutcomeUnknown),
}

/// Checks that the service account is free, then sends
/// CreatePodIdentityAssociation with one `clientRequestToken` for every
/// attempt (a repeat after a lost answer is the same association), also
/// carried as the owner tag: when every answer is lost, the association of
/// the service account is looked up and adopted if it carries it. Lost
/// answers are sent again a bounded number of times, IAM's propagation
/// error within its window, all within `api_timeout`.
pub(super) async fn create(
    aws: &AwsClients,
    planned: &PodIdentityAssociationState,
    cluster: &str,
    namespace: &str,
    service_account: &str,
) -> Result<Created, PodIdentityError> {
    let role = known_str(&planned.role_arn).ok_or(PodIdentityError::Unknown("role_arn"))?;
    let tags = known_string_map(&planned.tags_all).ok_or(PodIdentityError::Unknown("tags"))?;
    if planned.target_role_arn.is_unknown() {
        return Err(PodIdentityError::Unknown("target_role_arn"));
    }
    let target = known_str(&planned.target_role_arn);
    let disable = known(&planned.disable_session_tags).copied().unwrap_or(false);
    let budget = Budget::of(&aws.eks);
    check_free(aws, &budget, cluster, namespace, service_account).await?;
    let token = ownership::new_marker();
    let tags = with_owner_tag(&tags, &token);
    let marked = create_marked(
        "CreatePodIdentityAssociation",
        &budget,
        is_role_propagation,
        |e| e.is("ResourceInUseException"),
        &token,
        || {
            let req = aws
                .eks
                .create_pod_identity_association()
                .cluster_name(cluster)
                .namespace(namespace)
                .service_account(service_account)
                .role_arn(role)
                .set_target_role_arn(target.map(str::to_string))
                .disable_session_tags(disable)
                .client_request_token(&token)
                .set_tags(Some(tags.clone()));
            async move {
                let out = req
                    .send()
                    .await
                    .map_err(|e| ApiError::new("CreatePodIdentityAssociation", e))?;
                out.association.ok_or_else(|| {
                    ApiError::other(
                        "CreatePodIdentityAssociation",
                        None,
                        "EKS answered without an association",
                    )
                })
            }
        },
        || {
            budget.call(
                "ListPodIdentityAssociations",
                find_for_service_account(aws, cluster, namespace, service_account),
            )
        },
        |a: &PodIdentityAssociation| a.tags(),
    )
    .await;
    match marked {
        Marked::Made(association) => Ok(Created::Made(flatten(planned, &association, &aws.default_tags))),
        // Made by someone else between the check and the create.
        Marked::Failed(err) if err.is("ResourceInUseException") => {
            check_free(aws, &budget, cluster, namespace, service_account).await?;
            Err(PodIdentityError::Create(err))
        }
        Marked::Failed(err) => Err(PodIdentityError::Create(err)),
        Marked::Foreign(found) => Err(taken(
            cluster,
            namespace,
            service_account,
            found.association_id().unwrap_or_default(),
        )
        .into()),
        Marked::Unknown(source) => {
            let mut s = planned.clone();
            s.id = Value::Null;
            s.association_id = Value::Null;
            s.association_arn = Value::Null;
            s.created_at = Value::Null;
            if s.external_id.is_unknown() {
                s.external_id = Value::Null;
            }
            let err = OutcomeUnknown {
                operation: "CreatePodIdentityAssociation",
                what: "pod identity association for service account".to_string(),
                name: format!("{namespace}/{service_account}"),
                marker: token.clone(),
                source,
            };
            Ok(Created::Unknown(Box::new(s), err))
        }
    }
}

/// Brings the association from `prior` to `planned` in place (role, target
/// role, session tags with UpdatePodIdentityAssociation, then tags), and
/// returns what EKS has now; failures are reported.
pub(super) async fn update(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    cluster: &str,
    id: &str,
    prior: PodIdentityAssociationState,
    planned: PodIdentityAssociationState,
) -> PodIdentityAssociationState {
    let context = format!("updating pod identity association `{cluster},{id}`");
    let budget = Budget::of(&aws.eks);
    let changed = match send_update(aws, &budget, cluster, id, &prior, &planned).await {
        Ok(()) => true,
        Err(err) => {
            report(diags, &failed(context.clone(), err));
            false
        }
    };
    match budget
        .call(
            "DescribePodIdentityAssociation",
            find_pod_identity_association(&aws.eks, cluster, id),
        )
        .await
    {
        Ok(Some(a)) => flatten(if changed { &planned } else { &prior }, &a, &aws.default_tags),
        Ok(None) => {
            diags.root_error_short(format!("{context}: the association no longer exists"));
            prior
        }
        Err(err) => {
            report(
                diags,
                &failed(
                    format!("reading pod identity association `{cluster},{id}` after updating it"),
                    err,
                ),
            );
            prior
        }
    }
}

async fn send_update(
    aws: &AwsClients,
    budget: &Budget,
    cluster: &str,
    id: &str,
    prior: &PodIdentityAssociationState,
    planned: &PodIdentityAssociationState,
) -> Result<(), PodIdentityError> {
    let role_changed = prior.role_arn != planned.role_arn;
    let target_changed = prior.target_role_arn != planned.target_role_arn;
    let tags_changed = prior.disable_session_tags != planned.disable_session_tags;
    if role_changed || target_changed || tags_changed {
        let role = known_str(&planned.role_arn).ok_or(PodIdentityError::Unknown("role_arn"))?;
        // An empty target role removes it.
        let target = match &planned.target_role_arn {
            Value::Value(t) => Some(t.clone()),
            Value::Null if target_changed => Some(String::new()),
            Value::Null => None,
            Value::Unknown => return Err(PodIdentityError::Unknown("target_role_arn")),
        };
        let disable = known(&planned.disable_session_tags).copied().unwrap_or(false);
        let token = ownership::new_marker();
        send("UpdatePodIdentityAssociation", budget, is_role_propagation, || {
            let req = aws
                .eks
                .update_pod_identity_association()
                .cluster_name(cluster)
                .association_id(id)
                .role_arn(role)
                .set_target_role_arn(target.clone())
                .disable_session_tags(disable)
                .client_request_token(&token);
            async move {
                req.send()
                    .await
                    .map_err(|e| ApiError::new("UpdatePodIdentityAssociation", e))
            }
        })
        .await
        .result
        .map_err(|source| PodIdentityError::Update {
            what: "role_arn, target_role_arn or disable_session_tags",
            source,
        })?;
    }
    if let Some(arn) = known_str(&prior.association_arn) {
        let wanted = known_string_map(&planned.tags_all).ok_or(PodIdentityError::Unknown("tags"))?;
        budget
            .call(
                "TagResource",
                update_tags(
                    &aws.eks,
                    arn,
                    &known_string_map(&prior.tags_all).unwrap_or_default(),
                    &wanted,
                ),
            )
            .await
            .map_err(|source| PodIdentityError::Update { what: "tags", source })?;
    }
    Ok(())
}

/// Deletes the association while it is the one recorded (id and
/// `createdAt`), or, for a create whose outcome was unknown (no id recorded),
/// the association of the service account that carries its owner marker
/// `pending`; anything else is left alone, with a warning.
pub(super) async fn delete(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    s: &PodIdentityAssociationState,
    pending: Option<&str>,
) -> Result<(), BoxError> {
    let Some(cluster) = known_str(&s.cluster_name) else {
        return Ok(());
    };
    let budget = Budget::of(&aws.eks);
    let found = match known_str(&s.association_id) {
        Some(id) => budget
            .call(
                "DescribePodIdentityAssociation",
                find_pod_identity_association(&aws.eks, cluster, id),
            )
            .await
            .map_err(PodIdentityError::Read)?,
        None => {
            // A create whose outcome was unknown: look by the service account.
            let (Some(namespace), Some(service_account)) = (known_str(&s.namespace), known_str(&s.service_account))
            else {
                return Ok(());
            };
            let found = budget
                .call(
                    "ListPodIdentityAssociations",
                    find_for_service_account(aws, cluster, namespace, service_account),
                )
                .await
                .map_err(PodIdentityError::Read)?;
            match (found, pending) {
                (Some(a), Some(marker)) if carries(a.tags(), marker) => Some(a),
                (Some(a), None) if carries_any(a.tags()) && a.owner_arn().is_none() => {
                    return Err(PodIdentityError::Unresolved.into())
                }
                (Some(a), _) => {
                    tracing::warn!(cluster, found = %identity_of(&a),
                        "the association of the service account is not the one this resource's create made; left alone");
                    return Ok(());
                }
                (None, _) => return Ok(()),
            }
        }
    };
    let Some(found) = found else {
        return Ok(());
    };
    let id = found.association_id().unwrap_or_default().to_string();
    let recorded = known_str(&s.association_id).is_some();
    if recorded && !is_recorded(s, &found) {
        let claim = Claim::Foreign {
            found: identity_of(&found),
        };
        ownership::warn_left_alone(
            diags,
            &format!("pod identity association `{cluster},{id}`"),
            recorded_identity(s).as_deref(),
            &claim,
        );
        return Ok(());
    }
    budget
        .call("DeletePodIdentityAssociation", async {
            match aws
                .eks
                .delete_pod_identity_association()
                .cluster_name(cluster)
                .association_id(&id)
                .send()
                .await
            {
                Ok(_) => Ok(()),
                Err(e) if is_not_found(&e) => Ok(()),
                Err(e) => Err(ApiError::new("DeletePodIdentityAssociation", e)),
            }
        })
        .await
        .map_err(|e| PodIdentityError::Delete(e).into())
}

/// The association recorded in `state` ("gone" only after several
/// consecutive not-found reads; another association is not this one).
pub(super) async fn read_remote(
    aws: &AwsClients,
    state: &PodIdentityAssociationState,
    cluster: &str,
    id: &str,
) -> Result<Option<PodIdentityAssociationState>, ApiError> {
    let found = ownership::confirm_gone(|| find_pod_identity_association(&aws.eks, cluster, id)).await?;
    Ok(found
        .filter(|a| {
            let ours = is_recorded(state, a);
            if !ours {
                tracing::warn!(cluster, association = id, found = %identity_of(a), recorded = ?recorded_identity(state),
                    "the pod identity association is not the one this resource created or imported");
            }
            ours
        })
        .map(|a| flatten(state, &a, &aws.default_tags)))
}

/// The state of association `id` of `cluster`, for import; one an add-on
/// owns is refused.
pub(super) async fn import(
    aws: &AwsClients,
    cluster: &str,
    id: &str,
) -> Result<PodIdentityAssociationState, PodIdentityError> {
    let a = find_pod_identity_association(&aws.eks, cluster, id)
        .await
        .map_err(PodIdentityError::Read)?
        .ok_or_else(|| PodIdentityError::NotFound {
            cluster: cluster.to_string(),
            id: id.to_string(),
        })?;
    if let Some(owner) = a.owner_arn() {
        return Err(PodIdentityError::OwnedByAddon {
            namespace: a.namespace().unwrap_or_default().to_string(),
            service_account: a.service_account().unwrap_or_default().to_string(),
            id: id.to_string(),
            owner: owner.to_string(),
        });
    }
    Ok(flatten(&PodIdentityAssociationState::default(), &a, &aws.default_tags))
}

/// Refresh of an association whose create's outcome was unknown (`marker`,
/// the token and owner marker it was sent with; no id recorded): the
/// association of the service account, found carrying the marker, is the one
/// the create made, recorded whole; none (confirmed), or one without the
/// marker (not ours), `Ok(None)`: it leaves state.
pub(super) async fn resolve_pending(
    aws: &AwsClients,
    state: &PodIdentityAssociationState,
    cluster: &str,
    marker: &str,
) -> Result<Option<PodIdentityAssociationState>, BoxError> {
    let (Some(namespace), Some(service_account)) = (known_str(&state.namespace), known_str(&state.service_account))
    else {
        return Ok(None);
    };
    let found = ownership::confirm_gone(|| find_for_service_account(aws, cluster, namespace, service_account)).await?;
    let Some(a) = found else {
        tracing::warn!(
            cluster,
            namespace,
            service_account,
            "the pod identity association whose create's outcome was unknown does not exist: nothing was made"
        );
        return Ok(None);
    };
    if !carries(a.tags(), marker) {
        tracing::warn!(cluster, found = %identity_of(&a),
            "the service account's pod identity association does not carry the owner marker of the create whose outcome was unknown: it is not this resource's");
        return Ok(None);
    }
    tracing::warn!(
        cluster,
        namespace,
        service_account,
        "found the pod identity association whose create's outcome was unknown by its owner marker: recorded"
    );
    Ok(Some(flatten(state, &a, &aws.default_tags)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::ownership::OWNER_TAG;

    #[test]
    fn the_owner_marker_is_never_shown() {
        let a = PodIdentityAssociation::builder()
            .cluster_name("c")
            .namespace("apps")
            .service_account("web")
            .association_id("a-0123456789abcdefg")
            .tags("team", "a")
            .tags(OWNER_TAG, "0123456789abcdef0123456789abcdef")
            .build();
        let prior = PodIdentityAssociationState {
            tags: to_value_map(&BTreeMap::from([("team".to_string(), "a".to_string())])),
            ..Default::default()
        };
        let s = flatten(&prior, &a, &BTreeMap::new());
        assert_eq!(
            known_string_map(&s.tags_all).unwrap().keys().collect::<Vec<_>>(),
            ["team"]
        );
        assert_eq!(known_string_map(&s.tags).unwrap().keys().collect::<Vec<_>>(), ["team"]);
        assert!(is_recorded(&s, &a));
    }
}
