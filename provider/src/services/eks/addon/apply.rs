//! The create, update and delete steps of `platform_eks_addon`: the add-on
//! recorded in state as soon as it exists, changed with one idempotency
//! token per update, and deleted only while it is the incarnation recorded.

use aws_sdk_eks::types::{Addon, ResolveConflicts, Update};
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::flex::{expand_pairs, flatten_addon, identity_of, is_recorded, recorded_identity, settle};
use super::plan::equivalent_configuration;
use super::AddonState;
use crate::clients::AwsClients;
use crate::framework::diag::{failed, report, ApiError, BoxError};
use crate::framework::ownership::{self, Claim, NameTaken, OutcomeUnknown, PendingPrivate};
use crate::framework::plan::{known_str, known_string_map};
use crate::framework::wait::{Operation, Timeouts, WaitError};
use crate::services::eks::addons::{
    find_addon, offered_versions, wait_addon_deleted, wait_addon_settled, wait_addon_update, Settled,
};
use crate::services::eks::find::{find_cluster, is_not_found, timestamp};
use crate::services::eks::marked::{carries, carries_any, create_marked, send, with_owner_tag, Budget, Marked};
use crate::services::eks::tags::update_tags;

#[derive(Debug, thiserror::Error)]
pub enum AddonError {
    #[error("the plan still has unknown values for {0}")]
    Unknown(&'static str),
    #[error(transparent)]
    Taken(#[from] NameTaken),
    #[error("reading the add-on")]
    Read(#[source] ApiError),
    #[error("reading the cluster")]
    Cluster(#[source] ApiError),
    #[error("EKS cluster `{0}` does not exist")]
    NoCluster(String),
    #[error("`kubernetes_version` is {wanted}, but the cluster runs {current}: upgrade the cluster first (set `kubernetes_version = platform_eks_cluster.x.version` so the add-on waits for it)")]
    VersionMismatch { wanted: String, current: String },
    #[error("reading the add-on versions")]
    Versions(#[source] ApiError),
    #[error("EKS names no default version of `{name}` for Kubernetes {kubernetes}; set `addon_version`")]
    NoDefault { name: String, kubernetes: String },
    #[error("creating the add-on")]
    Create(#[source] ApiError),
    #[error("add-on `{id}` is no longer the one this create made (found {found})")]
    Replaced { id: String, found: String },
    #[error("waiting for the add-on")]
    Wait(#[source] WaitError<ApiError>),
    #[error("updating the add-on: {what}")]
    Update {
        what: &'static str,
        #[source]
        source: ApiError,
    },
    #[error("deleting the add-on")]
    Delete(#[source] ApiError),
    #[error(transparent)]
    Outcome(#[from] OutcomeUnknown),
    #[error("the add-on carries an owner marker of this provider, but this resource did not record which create made it (its create's outcome was unknown, and this run did not refresh it): run `terraform apply` (or `plan`) with refresh, which resolves it, then destroy")]
    Unresolved,
}

/// The cluster's Kubernetes version, which the planned `kubernetes_version`
/// must be (it is set to it when the plan could not know it).
async fn settle_kubernetes(
    aws: &AwsClients,
    budget: &Budget,
    cluster: &str,
    s: &mut AddonState,
) -> Result<String, AddonError> {
    let found = budget
        .call("DescribeCluster", find_cluster(&aws.eks, cluster))
        .await
        .map_err(AddonError::Cluster)?;
    let current = found
        .and_then(|c| c.version().map(str::to_string))
        .ok_or_else(|| AddonError::NoCluster(cluster.to_string()))?;
    match known_str(&s.kubernetes_version) {
        Some(wanted) if wanted != current => Err(AddonError::VersionMismatch {
            wanted: wanted.to_string(),
            current,
        }),
        _ => {
            s.kubernetes_version = Value::Value(current.clone());
            Ok(current)
        }
    }
}

/// The default version, for an add-on whose version the plan could not know.
async fn settle_version(
    aws: &AwsClients,
    budget: &Budget,
    name: &str,
    kubernetes: &str,
    s: &mut AddonState,
) -> Result<(), AddonError> {
    if s.addon_version.is_unknown() {
        let offered = budget
            .call("DescribeAddonVersions", offered_versions(&aws.eks, name, kubernetes))
            .await
            .map_err(AddonError::Versions)?;
        let default = offered.and_then(|o| o.default).ok_or_else(|| AddonError::NoDefault {
            name: name.to_string(),
            kubernetes: kubernetes.to_string(),
        })?;
        s.addon_version = Value::Value(default);
    }
    Ok(())
}

/// The warning for an add-on left DEGRADED for want of nodes.
fn warn_waiting_for_nodes(diags: &mut Diagnostics, cluster: &str, name: &str, settled: &Settled) {
    if let Some(issues) = &settled.waiting_for_nodes {
        diags.root_warning(
            format!("EKS add-on `{cluster}:{name}` is DEGRADED until nodes can run its pods"),
            format!(
                "EKS reports {issues}. The cluster has no managed node group with nodes yet, so this is expected and not a failure: \
                 the add-on becomes ACTIVE by itself once nodes join (for example the node groups created after it in this apply). \
                 Its `status` shows DEGRADED until then; nothing changes in the next plan."
            ),
        );
    }
}

/// Sends CreateAddon with `token` as its `clientRequestToken`, the same on
/// every attempt (so a repeat after a lost answer is not a second add-on),
/// and as the owner tag: when every answer is lost, the add-on is looked up
/// and adopted if it carries it.
async fn create_addon(
    aws: &AwsClients,
    budget: &Budget,
    s: &AddonState,
    token: &str,
) -> Result<Marked<Addon>, AddonError> {
    let cluster = known_str(&s.cluster_name).ok_or(AddonError::Unknown("cluster_name"))?;
    let name = known_str(&s.addon_name).ok_or(AddonError::Unknown("addon_name"))?;
    let tags = with_owner_tag(
        &known_string_map(&s.tags_all).ok_or(AddonError::Unknown("tags"))?,
        token,
    );
    let pairs = expand_pairs(s).ok_or(AddonError::Unknown("pod_identity_associations"))?;
    Ok(create_marked(
        "CreateAddon",
        budget,
        |_| false,
        |e| e.is("ResourceInUseException"),
        token,
        || {
            let req = aws
                .eks
                .create_addon()
                .cluster_name(cluster)
                .addon_name(name)
                .set_addon_version(known_str(&s.addon_version).map(str::to_string))
                .set_service_account_role_arn(known_str(&s.service_account_role_arn).map(str::to_string))
                .set_configuration_values(known_str(&s.configuration_values).map(str::to_string))
                .set_resolve_conflicts(known_str(&s.resolve_conflicts_on_create).map(ResolveConflicts::from))
                .set_pod_identity_associations((!pairs.is_empty()).then(|| pairs.clone()))
                .client_request_token(token)
                .set_tags(Some(tags.clone()));
            async move {
                let out = req.send().await.map_err(|e| ApiError::new("CreateAddon", e))?;
                out.addon
                    .ok_or_else(|| ApiError::other("CreateAddon", None, "EKS returned no add-on"))
            }
        },
        || budget.call("DescribeAddon", find_addon(&aws.eks, cluster, name)),
        |addon: &Addon| addon.tags(),
    )
    .await)
}

fn taken(cluster: &str, name: &str) -> NameTaken {
    let id = format!("{cluster}:{name}");
    NameTaken::new("EKS add-on", &id, "platform_eks_addon", &id)
}

/// Creates the add-on and waits until it settles; returns what exists
/// afterwards, also after a failure once the add-on exists (reported), with
/// the private state ([`ownership::pending`] when the create's outcome is
/// unknown), or `None` when nothing was made.
pub(super) async fn create(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    cluster: &str,
    name: &str,
    planned: AddonState,
) -> Option<(AddonState, PendingPrivate)> {
    let context = format!("creating EKS add-on `{cluster}:{name}`");
    let mut budget = Budget::of(&aws.eks);
    let mut s = planned;
    // An add-on already installed (by someone else, or the console) fails before anything is made.
    match budget.call("DescribeAddon", find_addon(&aws.eks, cluster, name)).await {
        Ok(None) => {}
        Ok(Some(_)) => {
            report(diags, &failed(context, AddonError::Taken(taken(cluster, name))));
            return None;
        }
        Err(err) => {
            report(diags, &failed(context, AddonError::Read(err)));
            return None;
        }
    }
    let prepared = async {
        let kubernetes = settle_kubernetes(aws, &budget, cluster, &mut s).await?;
        settle_version(aws, &budget, name, &kubernetes, &mut s).await
    };
    if let Err(err) = prepared.await {
        report(diags, &failed(context, err));
        return None;
    }
    // One idempotency token for every attempt of this create; the add-on carries it as its owner marker.
    let token = ownership::new_marker();
    let created = match create_addon(aws, &budget, &s, &token).await {
        Ok(Marked::Made(created)) => created,
        Ok(Marked::Failed(err)) if err.is("ResourceInUseException") => {
            report(diags, &failed(context, AddonError::Taken(taken(cluster, name))));
            return None;
        }
        Ok(Marked::Failed(err)) => {
            // Nothing made, nothing recorded: a later destroy never deletes an add-on of that name.
            report(diags, &failed(context, AddonError::Create(err)));
            return None;
        }
        Ok(Marked::Foreign(_)) => {
            report(diags, &failed(context, AddonError::Taken(taken(cluster, name))));
            return None;
        }
        Ok(Marked::Unknown(source)) => {
            let err = OutcomeUnknown {
                operation: "CreateAddon",
                what: "EKS add-on".to_string(),
                name: format!("{cluster}:{name}"),
                marker: token.clone(),
                source,
            };
            report(diags, &failed(context, AddonError::Outcome(err)));
            settle(&mut s);
            return Some((s, ownership::pending(&token)));
        }
        Err(err) => {
            report(diags, &failed(context, err));
            return None;
        }
    };
    // The identity of what this create made, recorded before anything else can fail.
    let Some(arn) = created.addon_arn() else {
        let err = ApiError::other(
            "CreateAddon",
            None,
            format!("EKS answered without the add-on's ARN, so this create cannot record it; the add-on may exist: check with `aws eks describe-addon --cluster-name {cluster} --addon-name {name}` and import it (`terraform import <address> {cluster}:{name}`)"),
        );
        report(diags, &failed(context, err));
        return None;
    };
    s.arn = Value::Value(arn.to_string());
    s.created_at = timestamp(created.created_at()).map_or(Value::Null, Value::Value);
    let waited = budget
        .waiting(wait_addon_settled(
            &aws.eks,
            cluster,
            name,
            Timeouts::get(&s.timeouts, Operation::Create),
        ))
        .await;
    let state = match waited {
        Ok(settled) if is_recorded(&s, &settled.addon) => {
            warn_waiting_for_nodes(diags, cluster, name, &settled);
            flatten_addon(&s, &settled.addon, &aws.default_tags)
        }
        Ok(settled) => {
            let err = AddonError::Replaced {
                id: format!("{cluster}:{name}"),
                found: identity_of(&settled.addon),
            };
            report(diags, &failed(context, err));
            return None;
        }
        Err(err) => {
            report(diags, &failed(context, AddonError::Wait(err)));
            match budget.call("DescribeAddon", find_addon(&aws.eks, cluster, name)).await {
                Ok(Some(addon)) if is_recorded(&s, &addon) => flatten_addon(&s, &addon, &aws.default_tags),
                _ => {
                    settle(&mut s);
                    s
                }
            }
        }
    };
    Some((state, PendingPrivate::Null))
}

/// Brings the add-on from `prior` to `planned`, then returns what EKS has
/// now; failures are reported.
pub(super) async fn update(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    cluster: &str,
    name: &str,
    prior: AddonState,
    planned: AddonState,
) -> AddonState {
    let mut planned = planned;
    let context = format!("updating EKS add-on `{cluster}:{name}`");
    let mut budget = Budget::of(&aws.eks);
    let outcome = async {
        if planned.kubernetes_version != prior.kubernetes_version || planned.addon_version.is_unknown() {
            let kubernetes = settle_kubernetes(aws, &budget, cluster, &mut planned).await?;
            settle_version(aws, &budget, name, &kubernetes, &mut planned).await?;
        }
        update_addon(aws, &mut budget, cluster, name, &prior, &planned).await
    };
    let waited = match outcome.await {
        Ok(waited) => waited,
        Err(err) => {
            report(diags, &failed(context, err));
            None
        }
    };
    if let Some(settled) = &waited {
        warn_waiting_for_nodes(diags, cluster, name, settled);
    }
    match budget.call("DescribeAddon", find_addon(&aws.eks, cluster, name)).await {
        Ok(Some(addon)) => flatten_addon(&planned, &addon, &aws.default_tags),
        Ok(None) => {
            let mut s = prior;
            settle(&mut s);
            s
        }
        Err(err) => {
            report(
                diags,
                &failed(format!("reading EKS add-on `{cluster}:{name}` after updating it"), err),
            );
            prior
        }
    }
}

/// UpdateAddon when the version, configuration, role or pod identity
/// associations change (waited for until Successful and the add-on
/// settles), then the tags. The settled add-on, when there was an update.
async fn update_addon(
    aws: &AwsClients,
    budget: &mut Budget,
    cluster: &str,
    name: &str,
    prior: &AddonState,
    planned: &AddonState,
) -> Result<Option<Settled>, BoxError> {
    let eks = &aws.eks;
    let timeout = Timeouts::get(&planned.timeouts, Operation::Update);
    let mut req = eks.update_addon().cluster_name(cluster).addon_name(name);
    let mut changed = false;
    if prior.addon_version != planned.addon_version {
        req = req.set_addon_version(known_str(&planned.addon_version).map(str::to_string));
        changed = true;
    }
    let same_configuration = match (
        known_str(&prior.configuration_values),
        known_str(&planned.configuration_values),
    ) {
        (Some(a), Some(b)) => equivalent_configuration(a, b),
        (a, b) => a == b,
    };
    if !same_configuration {
        // An empty text puts the add-on's defaults back, as terraform-provider-aws sends it.
        req = req.configuration_values(known_str(&planned.configuration_values).unwrap_or_default());
        changed = true;
    }
    if prior.service_account_role_arn != planned.service_account_role_arn {
        req = req.service_account_role_arn(known_str(&planned.service_account_role_arn).unwrap_or_default());
        changed = true;
    }
    if prior.pod_identity_associations != planned.pod_identity_associations {
        let pairs = expand_pairs(planned).ok_or(AddonError::Unknown("pod_identity_associations"))?;
        req = req.set_pod_identity_associations(Some(pairs));
        changed = true;
    }
    let mut settled = None;
    if changed {
        req = req.set_resolve_conflicts(known_str(&planned.resolve_conflicts_on_update).map(ResolveConflicts::from));
        // One token for every attempt of this update: a lost answer never starts a second one.
        let token = ownership::new_marker();
        let update: Option<Update> = send(
            "UpdateAddon",
            budget,
            |_| false,
            || {
                let req = req.clone().client_request_token(&token);
                async move {
                    req.send()
                        .await
                        .map(|o| o.update)
                        .map_err(|e| ApiError::new("UpdateAddon", e))
                }
            },
        )
        .await
        .result
        .map_err(|source| AddonError::Update {
            what: "version, configuration, role or pod identity associations",
            source,
        })?;
        // One wait for both, bounded by `timeouts.update`.
        let start = tokio::time::Instant::now();
        let waits = async {
            if let Some(update) = update {
                wait_addon_update(eks, cluster, name, &update, timeout).await?;
            }
            let left = timeout.saturating_sub(start.elapsed());
            wait_addon_settled(eks, cluster, name, left).await
        };
        settled = Some(budget.waiting(waits).await.map_err(AddonError::Wait)?);
    }
    let arn = known_str(&prior.arn).ok_or(AddonError::Unknown("arn"))?;
    budget
        .call(
            "TagResource",
            update_tags(
                eks,
                arn,
                &known_string_map(&prior.tags_all).unwrap_or_default(),
                &known_string_map(&planned.tags_all).unwrap_or_default(),
            ),
        )
        .await
        .map_err(|source| AddonError::Update { what: "tags", source })?;
    Ok(settled)
}

/// Deletes the add-on while it is the incarnation recorded in state (or, for
/// a create whose outcome was unknown, the add-on carrying its owner marker
/// `pending`); anything else is left alone, with a warning.
pub(super) async fn delete(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    s: &AddonState,
    pending: Option<&str>,
) -> Result<(), BoxError> {
    let (Some(cluster), Some(name)) = (known_str(&s.cluster_name), known_str(&s.addon_name)) else {
        return Ok(());
    };
    let mut budget = Budget::of(&aws.eks);
    let found = budget
        .call("DescribeAddon", find_addon(&aws.eks, cluster, name))
        .await
        .map_err(AddonError::Read)?;
    let recorded = recorded_identity(s);
    let what = format!("EKS add-on `{cluster}:{name}`");
    let ours = match (&found, recorded.is_some(), pending) {
        (Some(addon), true, _) => is_recorded(s, addon),
        (Some(addon), false, Some(marker)) => carries(addon.tags(), marker),
        // Nothing recorded and no marker at hand (the replacement of a
        // tainted add-on planned with `-refresh=false`): an add-on with this
        // provider's owner marker may be the one the create made.
        (Some(addon), false, None) if carries_any(addon.tags()) => return Err(AddonError::Unresolved.into()),
        _ => false,
    };
    match &found {
        Some(_) if ours => {
            let deleted = budget
                .call("DeleteAddon", async {
                    match aws
                        .eks
                        .delete_addon()
                        .cluster_name(cluster)
                        .addon_name(name)
                        .send()
                        .await
                    {
                        Ok(_) => Ok(true),
                        Err(e) if is_not_found(&e) => Ok(false),
                        Err(e) => Err(ApiError::new("DeleteAddon", e)),
                    }
                })
                .await
                .map_err(AddonError::Delete)?;
            if deleted {
                tracing::info!(cluster, addon = name, "deleting EKS add-on");
                budget
                    .waiting(wait_addon_deleted(
                        &aws.eks,
                        cluster,
                        name,
                        Timeouts::get(&s.timeouts, Operation::Delete),
                    ))
                    .await
                    .map_err(AddonError::Wait)?;
            }
        }
        Some(addon) => {
            let claim = Claim::Foreign {
                found: identity_of(addon),
            };
            ownership::warn_left_alone(diags, &what, recorded.as_deref(), &claim);
        }
        None => {
            if recorded.is_some() {
                ownership::warn_left_alone(diags, &what, recorded.as_deref(), &Claim::Missing);
            }
        }
    }
    Ok(())
}
