//! The create, update and delete steps of `platform_eks_node_group`: the
//! node role and the node group each recorded in state as soon as they
//! exist, and deleted only while they are the incarnation recorded.

use std::collections::BTreeMap;

use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, Nodegroup, NodegroupUpdateConfig, Taint, UpdateLabelsPayload, UpdateTaintsPayload,
};
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::flex::{
    expand_launch_template, expand_node_repair, expand_scaling, expand_taint, expand_update_config, flatten_node_group,
    identity_of, is_recorded, known_taints, recorded_identity, settle, without_node_group,
};
use super::{plan, NodeGroupState, DEFAULT_CAPACITY_TYPE, DEFAULT_INSTANCE_TYPE};
use crate::clients::AwsClients;
use crate::framework::diag::{failed, report, ApiError, BoxError};
use crate::framework::ownership::{self, Claim, NameTaken, OutcomeUnknown, PendingPrivate};
use crate::framework::plan::{known, known_str, known_string_map, known_string_set, to_value_map};
use crate::framework::tags;
use crate::framework::wait::{Operation, Timeouts, WaitError};
use crate::services::eks::autoscaler_tags::{merge_groups, node_template_tags, read_tags, sync_tags};
use crate::services::eks::find::{find_node_group, is_not_found, timestamp};
use crate::services::eks::marked::{answered, carries, create_marked, name_in_use, Budget, Marked};
use crate::services::eks::roles::{
    expand_node_role, node_role_name, own_node_role_name, recreate_or_adopt_role, sync_role_tags, NODE_GROUP_OWNER_TAG,
};
use crate::services::eks::tags::update_tags;
use crate::services::eks::versions::{check_node_group_version, NodeVersionChange};
use crate::services::eks::wait::{is_role_propagation, run_update, wait_node_group_active, wait_node_group_deleted};
use crate::services::iam::role;

#[derive(Debug, thiserror::Error)]
pub enum NodeGroupError {
    #[error("the plan still has unknown values for {0}")]
    Unknown(&'static str),
    #[error(transparent)]
    Taken(#[from] NameTaken),
    #[error("reading the node group")]
    Read(#[source] ApiError),
    #[error("node group `{id}` is no longer the one this create made (found {found})")]
    Replaced { id: String, found: String },
    #[error("creating the node group")]
    Create(#[source] ApiError),
    #[error("waiting for the node group")]
    Wait(#[source] WaitError<ApiError>),
    #[error("updating the node group: {what}")]
    Update {
        what: &'static str,
        #[source]
        source: ApiError,
    },
    #[error("deleting the node group")]
    Delete(#[source] ApiError),
    #[error("setting the cluster autoscaler's node-template tags on Auto Scaling groups {groups}")]
    AutoscalerTags {
        groups: String,
        #[source]
        source: ApiError,
    },
    #[error("EKS reports no Auto Scaling group for the node group, so its cluster autoscaler tags cannot be set")]
    NoAutoScalingGroup,
}

/// The node group's name taken by one this resource did not create.
fn taken(cluster: &str, name: &str) -> NameTaken {
    NameTaken::new(
        "node group",
        &format!("{cluster}:{name}"),
        "platform_eks_node_group",
        &format!("{cluster}:{name}"),
    )
}

/// Sends CreateNodegroup with `token` as its `clientRequestToken`, and as
/// the node group's owner marker (the tag [`ownership::OWNER_TAG`]), the same
/// on every attempt, so a repeat after a lost answer is not a second node
/// group. A role IAM is still propagating is retried within its window, a
/// lost answer at most [`ownership::LOST_ANSWER_ATTEMPTS`] times, neither
/// past `budget`; when every answer was lost the node group is looked up by
/// its marker (see [`create_marked`]).
pub(super) async fn create_node_group(
    aws: &AwsClients,
    s: &NodeGroupState,
    token: &str,
    budget: &Budget,
) -> Result<Marked<Nodegroup>, NodeGroupError> {
    let cluster = known_str(&s.cluster_name).ok_or(NodeGroupError::Unknown("cluster_name"))?;
    let name = known_str(&s.name).ok_or(NodeGroupError::Unknown("name"))?;
    let role = known_str(&s.node_role_arn).ok_or(NodeGroupError::Unknown("node_role_arn"))?;
    let subnets = known_string_set(&s.subnet_ids).ok_or(NodeGroupError::Unknown("subnet_ids"))?;
    let types: Option<Vec<String>> = match &s.instance_types {
        Value::Value(list) => Some(
            list.iter()
                .map(|t| t.as_ref_option().cloned())
                .collect::<Option<_>>()
                .ok_or(NodeGroupError::Unknown("instance_types"))?,
        ),
        // With a launch template, its instance type (or EKS's default).
        _ if s.launch_template.is_value() => None,
        _ => Some(vec![DEFAULT_INSTANCE_TYPE.to_string()]),
    };
    let labels = known_string_map(&s.labels).ok_or(NodeGroupError::Unknown("labels"))?;
    let taints = known_taints(&s.taint).ok_or(NodeGroupError::Unknown("taint"))?;
    let mut tags = known_string_map(&s.tags_all).ok_or(NodeGroupError::Unknown("tags"))?;
    tags.insert(ownership::OWNER_TAG.to_string(), token.to_string());
    let scaling = expand_scaling(s)?;
    let create = || {
        let req = aws
            .eks
            .create_nodegroup()
            .cluster_name(cluster)
            .nodegroup_name(name)
            .node_role(role)
            .set_subnets(Some(subnets.iter().cloned().collect()))
            .set_instance_types(types.clone())
            .capacity_type(CapacityTypes::from(
                known_str(&s.capacity_type).unwrap_or(DEFAULT_CAPACITY_TYPE),
            ))
            .set_ami_type(known_str(&s.ami_type).map(AmiTypes::from))
            .set_disk_size(known(&s.disk_size).map(|d| *d as i32))
            .set_version(known_str(&s.version).map(str::to_string))
            .scaling_config(scaling.clone())
            .set_labels((!labels.is_empty()).then(|| labels.clone().into_iter().collect()))
            .set_taints((!taints.is_empty()).then(|| {
                taints
                    .iter()
                    .map(|((k, e), v)| expand_taint(k, e, v.as_ref()))
                    .collect()
            }))
            .set_update_config(expand_update_config(s))
            .set_launch_template(expand_launch_template(s))
            .set_release_version(known_str(&s.release_version).map(str::to_string))
            .set_node_repair_config(s.node_repair_config.is_value().then(|| expand_node_repair(s)))
            .client_request_token(token)
            .set_tags(Some(tags.clone().into_iter().collect()));
        async move {
            answered(
                "CreateNodegroup",
                req.send()
                    .await
                    .map_err(|e| ApiError::new("CreateNodegroup", e))?
                    .nodegroup,
            )
        }
    };
    let find = || budget.call("DescribeNodegroup", find_node_group(&aws.eks, cluster, name));
    Ok(create_marked(
        "CreateNodegroup",
        budget,
        is_role_propagation,
        name_in_use,
        token,
        create,
        find,
        Nodegroup::tags,
    )
    .await)
}

/// Creates the node role (unless given) and the node group, and waits for
/// ACTIVE; returns what exists afterwards, also after a failure halfway
/// (reported), or `None` when nothing was made. The private state is
/// [`ownership::pending`] when CreateNodegroup's answer was lost on every
/// attempt and the node group could not be found by its marker: the next
/// refresh decides.
pub(super) async fn create(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    cluster: String,
    name: String,
    planned: NodeGroupState,
) -> Option<(NodeGroupState, PendingPrivate)> {
    let none = PendingPrivate::Null;
    let context = format!("creating node group `{cluster}:{name}`");
    // The whole create: `api_timeout` for the calls, `timeouts.create` on top for the wait.
    let wait = Timeouts::get(&planned.timeouts, Operation::Create);
    let mut budget = Budget::of(&aws.eks);
    let mut s = planned.clone();
    // A name taken by a node group this resource did not create fails
    // before anything is made.
    match budget
        .call("DescribeNodegroup", find_node_group(&aws.eks, &cluster, &name))
        .await
    {
        Ok(None) => {}
        Ok(Some(_)) => {
            report(diags, &failed(context, NodeGroupError::Taken(taken(&cluster, &name))));
            return None;
        }
        Err(err) => {
            report(diags, &failed(context, NodeGroupError::Read(err)));
            return None;
        }
    }
    // The cluster's version, now known for certain, before anything is made.
    let version = known_str(&s.version);
    if !check_node_group_version(
        diags,
        &aws.eks,
        Some(&cluster),
        version,
        NodeVersionChange::Create,
        true,
    )
    .await
    {
        return None;
    }
    if s.managed_role_name.is_unknown() {
        let partition = match aws.identity().await {
            Ok(identity) => identity.partition.clone(),
            Err(err) => {
                report(diags, &failed(context, err));
                return None;
            }
        };
        let role_name = node_role_name(&cluster, &name);
        let spec = expand_node_role(
            &role_name,
            &cluster,
            &name,
            &partition,
            &known_string_map(&s.tags_all).unwrap_or_default(),
        );
        match role::create_role(&aws.iam, &spec).await {
            Ok(created) => {
                s.node_role_arn = Value::Value(created.arn);
                s.managed_role_name = Value::Value(role_name);
                s.managed_role_id = Value::Value(created.unique_id);
            }
            Err(failure) => {
                let Some(created) = failure.created else {
                    report(diags, &failed(context, failure.error));
                    return None;
                };
                s.node_role_arn = Value::Value(created.arn);
                s.managed_role_name = Value::Value(role_name);
                s.managed_role_id = Value::Value(created.unique_id);
                report(diags, &failed(context, failure.error));
                return Some((without_node_group(&s), none));
            }
        }
    }
    // One idempotency token, also the owner marker, for every attempt of this create.
    let token = ownership::new_marker();
    let created = match create_node_group(aws, &s, &token, &budget).await {
        Ok(Marked::Made(created)) => created,
        Ok(Marked::Foreign(ng)) => {
            // Every answer was lost and the node group found is not ours.
            let taken = taken(&cluster, &name).with(format!(
                ". CreateNodegroup's answers were lost, and the node group found ({}) does not carry this create's owner marker",
                identity_of(&ng)
            ));
            report(diags, &failed(context, NodeGroupError::Taken(taken)));
            return s.managed_role_name.is_value().then(|| (without_node_group(&s), none));
        }
        Ok(Marked::Unknown(err)) => {
            // Every answer was lost and the look-up could not decide: recorded
            // (tainted) with the marker it was sent with; the next refresh
            // looks it up (see `read`).
            let unknown = OutcomeUnknown {
                operation: "CreateNodegroup",
                what: "node group".to_string(),
                name: format!("{cluster}:{name}"),
                marker: token.clone(),
                source: err,
            };
            report(diags, &failed(context, unknown));
            return Some((without_node_group(&s), ownership::pending(&token)));
        }
        Ok(Marked::Failed(err)) => {
            // Nothing made (or, after lost answers, confirmed absent): nothing
            // recorded for the node group, so a later destroy never deletes one.
            let err = if name_in_use(&err) {
                NodeGroupError::Taken(taken(&cluster, &name))
            } else {
                NodeGroupError::Create(err)
            };
            report(diags, &failed(context, err));
            return s.managed_role_name.is_value().then(|| (without_node_group(&s), none));
        }
        Err(err) => {
            report(diags, &failed(context, err));
            return s.managed_role_name.is_value().then(|| (without_node_group(&s), none));
        }
    };
    // The identity of what this create made, recorded before anything else can fail.
    s.arn = Value::Value(created.nodegroup_arn().unwrap_or_default().to_string());
    s.created_at = timestamp(created.created_at()).map_or(Value::Null, Value::Value);
    let done = match budget
        .waiting(wait_node_group_active(&aws.eks, &cluster, &name, wait))
        .await
    {
        Ok(ng) if is_recorded(&s, &ng) => {
            // Once ACTIVE, the Auto Scaling groups exist: their autoscaler tags.
            let mut created = flatten_node_group(&s, &ng, &aws.default_tags);
            if let Err(err) = publish_autoscaler_tags(aws, &mut created, false).await {
                report(diags, &failed(context, err));
            }
            created
        }
        Ok(ng) => {
            let err = NodeGroupError::Replaced {
                id: format!("{cluster}:{name}"),
                found: identity_of(&ng),
            };
            report(diags, &failed(context, err));
            without_node_group(&s)
        }
        Err(err) => {
            report(diags, &failed(context, NodeGroupError::Wait(err)));
            match find_node_group(&aws.eks, &cluster, &name).await {
                Ok(Some(ng)) if is_recorded(&s, &ng) => flatten_node_group(&s, &ng, &aws.default_tags),
                _ => {
                    let mut partial = s.clone();
                    settle(&mut partial);
                    partial
                }
            }
        }
    };
    Some((done, none))
}

/// Brings the node group and its created role from `prior` to `planned`
/// (re-creating a created role deleted outside Terraform first), then
/// returns what EKS has now; failures are reported.
pub(super) async fn update(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    cluster: String,
    name: String,
    prior: NodeGroupState,
    planned: NodeGroupState,
) -> NodeGroupState {
    // The cluster's version, now known for certain, before anything changes.
    let change = plan::version_change(Some(&prior), &planned, false);
    if !check_node_group_version(
        diags,
        &aws.eks,
        Some(&cluster),
        known_str(&planned.version),
        change,
        true,
    )
    .await
    {
        return prior;
    }
    let mut planned = planned;
    if prior.managed_role_name.is_null() && planned.managed_role_name.is_unknown() {
        // The created role, deleted outside Terraform, comes back first.
        let tags = known_string_map(&planned.tags_all).unwrap_or_default();
        let context = format!("recreating the node role of node group `{cluster}:{name}`");
        // Under the name it had (the node group's role ARN names it).
        let role_name = own_node_role_name(&cluster, &name, known_str(&planned.node_role_arn));
        let owner = format!("{cluster}:{name}");
        let Some(created) = recreate_or_adopt_role(aws, diags, context, (NODE_GROUP_OWNER_TAG, &owner), |partition| {
            expand_node_role(&role_name, &cluster, &name, partition, &tags)
        })
        .await
        else {
            return prior;
        };
        planned.managed_role_name = Value::Value(created.0);
        planned.managed_role_id = Value::Value(created.1);
    }
    let updated = match update_node_group(aws, &prior, &planned).await {
        Ok(()) => true,
        Err(err) => {
            report(diags, &failed(format!("updating node group `{cluster}:{name}`"), err));
            false
        }
    };
    match find_node_group(&aws.eks, &cluster, &name).await {
        Ok(Some(ng)) => {
            let mut s = flatten_node_group(&planned, &ng, &aws.default_tags);
            // After the label and taint changes: the autoscaler tags follow
            // what the nodes now carry.
            let was_on = known(&prior.autoscaler_node_template_tags) == Some(&true);
            if let Err(err) = publish_autoscaler_tags(aws, &mut s, was_on).await {
                report(diags, &failed(format!("updating node group `{cluster}:{name}`"), err));
            }
            s
        }
        Ok(None) => without_node_group(&planned),
        Err(err) => {
            if updated {
                report(
                    diags,
                    &failed(format!("reading node group `{cluster}:{name}` after updating it"), err),
                );
            }
            prior
        }
    }
}

pub(super) async fn update_node_group(
    aws: &AwsClients,
    prior: &NodeGroupState,
    planned: &NodeGroupState,
) -> Result<(), BoxError> {
    let cluster = known_str(&planned.cluster_name).ok_or(NodeGroupError::Unknown("cluster_name"))?;
    let name = known_str(&planned.name).ok_or(NodeGroupError::Unknown("name"))?;
    let timeout = Timeouts::get(&planned.timeouts, Operation::Update);
    let eks = &aws.eks;

    // The Kubernetes version, the AMI release and the launch template's
    // version: one UpdateNodegroupVersion.
    let new_version = match (known_str(&prior.version), known_str(&planned.version)) {
        (Some(old), Some(new)) if old != new => Some(new),
        _ => None,
    };
    let new_release = match known_str(&planned.release_version) {
        Some(new) if known_str(&prior.release_version) != Some(new) => Some(new),
        _ => None,
    };
    let template_version = |s: &NodeGroupState| {
        s.launch_template
            .as_ref_option()
            .and_then(|lt| known_str(&lt.version).map(str::to_string))
    };
    let new_template = (template_version(prior) != template_version(planned))
        .then(|| expand_launch_template(planned))
        .flatten();
    if new_version.is_some() || new_release.is_some() || new_template.is_some() {
        let op = "UpdateNodegroupVersion";
        let what = match (new_version, new_release, &new_template) {
            (Some(_), _, _) => "version",
            (None, Some(_), _) => "release_version",
            _ => "launch_template.version",
        };
        let send = |token: &str| {
            let req = eks
                .update_nodegroup_version()
                .cluster_name(cluster)
                .nodegroup_name(name)
                .set_version(new_version.map(str::to_string))
                .set_release_version(new_release.map(str::to_string))
                .set_launch_template(new_template.clone())
                .client_request_token(token);
            async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(op, e)) }
        };
        run_update(eks, cluster, Some(name), op, timeout, send, |source| {
            NodeGroupError::Update { what, source }
        })
        .await?;
    }

    let mut req = eks.update_nodegroup_config().cluster_name(cluster).nodegroup_name(name);
    let mut changed = false;
    if prior.scaling != planned.scaling {
        req = req.scaling_config(expand_scaling(planned)?);
        changed = true;
    }
    let (old_labels, new_labels) = (
        known_string_map(&prior.labels).unwrap_or_default(),
        known_string_map(&planned.labels).unwrap_or_default(),
    );
    if old_labels != new_labels {
        let (removed, set) = tags::diff(&old_labels, &new_labels);
        req = req.labels(
            UpdateLabelsPayload::builder()
                .set_add_or_update_labels((!set.is_empty()).then(|| set.into_iter().collect()))
                .set_remove_labels((!removed.is_empty()).then_some(removed))
                .build(),
        );
        changed = true;
    }
    let (old_taints, new_taints) = (
        known_taints(&prior.taint).unwrap_or_default(),
        known_taints(&planned.taint).unwrap_or_default(),
    );
    if old_taints != new_taints {
        let add: Vec<Taint> = new_taints
            .iter()
            .filter(|(k, v)| old_taints.get(*k) != Some(*v))
            .map(|((key, effect), value)| expand_taint(key, effect, value.as_ref()))
            .collect();
        let remove: Vec<Taint> = old_taints
            .iter()
            .filter(|(k, _)| !new_taints.contains_key(*k))
            .map(|((key, effect), value)| expand_taint(key, effect, value.as_ref()))
            .collect();
        req = req.taints(
            UpdateTaintsPayload::builder()
                .set_add_or_update_taints((!add.is_empty()).then_some(add))
                .set_remove_taints((!remove.is_empty()).then_some(remove))
                .build(),
        );
        changed = true;
    }
    if prior.update_config != planned.update_config {
        let config = expand_update_config(planned)
            .unwrap_or_else(|| NodegroupUpdateConfig::builder().max_unavailable(1).build());
        req = req.update_config(config);
        changed = true;
    }
    if prior.node_repair_config != planned.node_repair_config {
        req = req.node_repair_config(expand_node_repair(planned));
        changed = true;
    }
    if changed {
        let op = "UpdateNodegroupConfig";
        let send = |token: &str| {
            let req = req.clone().client_request_token(token);
            async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(op, e)) }
        };
        run_update(eks, cluster, Some(name), op, timeout, send, |source| {
            NodeGroupError::Update {
                what: "scaling, labels, taints, update_config or node_repair_config",
                source,
            }
        })
        .await?;
    }

    let arn = known_str(&prior.arn).ok_or(NodeGroupError::Unknown("arn"))?;
    update_tags(
        eks,
        arn,
        &known_string_map(&prior.tags_all).unwrap_or_default(),
        &known_string_map(&planned.tags_all).unwrap_or_default(),
    )
    .await
    .map_err(|source| NodeGroupError::Update { what: "tags", source })?;
    // The role this resource created follows the node group's tags, from the
    // tags it has now (so out-of-band changes are repaired), only while it is
    // the one recorded.
    if let Some(role_name) = known_str(&prior.managed_role_name) {
        let owner_value = format!("{cluster}:{name}");
        let owner = BTreeMap::from([(NODE_GROUP_OWNER_TAG.to_string(), owner_value.clone())]);
        let recorded = known_str(&prior.managed_role_id);
        let wanted = known_string_map(&planned.tags_all).unwrap_or_default();
        sync_role_tags(&aws.iam, role_name, &wanted, &owner, |id, tags| {
            recorded.map_or(tags.get(NODE_GROUP_OWNER_TAG) == Some(&owner_value), |r| r == id)
        })
        .await?;
    }
    Ok(())
}

/// With `autoscaler_node_template_tags` (or when it was on before, to
/// remove them), brings the autoscaler's node-template tags of the node
/// group's Auto Scaling groups to what `s` (the node group as EKS has it)
/// says, and records them in `s.autoscaler_tags`.
pub(super) async fn publish_autoscaler_tags(
    aws: &AwsClients,
    s: &mut NodeGroupState,
    was_on: bool,
) -> Result<(), NodeGroupError> {
    let on = known(&s.autoscaler_node_template_tags) == Some(&true);
    if !on && !was_on {
        s.autoscaler_tags = Value::Null;
        return Ok(());
    }
    let groups: Vec<String> = known_string_set(&s.autoscaling_group_names)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let wanted = if on {
        node_template_tags(
            &known_string_map(&s.labels).unwrap_or_default(),
            &known_taints(&s.taint).unwrap_or_default(),
        )
    } else {
        BTreeMap::new()
    };
    let failed = |source| NodeGroupError::AutoscalerTags {
        groups: groups.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", "),
        source,
    };
    if groups.is_empty() && !wanted.is_empty() {
        s.autoscaler_tags = Value::Value(Default::default());
        return Err(NodeGroupError::NoAutoScalingGroup);
    }
    if let Err(err) = sync_tags(&aws.autoscaling, &groups, &wanted).await {
        // What the groups carry now, so the next plan shows what is left to do.
        // Turning the feature off failed: state keeps it on, so the next
        // apply removes what is left.
        s.autoscaler_node_template_tags = Value::Value(true);
        s.autoscaler_tags = match read_tags(&aws.autoscaling, &groups).await {
            Ok(have) => to_value_map(&merge_groups(&have, &wanted)),
            Err(_) => Value::Value(Default::default()),
        };
        return Err(failed(err));
    }
    s.autoscaler_tags = if on { to_value_map(&wanted) } else { Value::Null };
    Ok(())
}

/// Deletes the node group, then the role this resource created: each only
/// while it is the incarnation recorded in state; anything else is left
/// alone, with a warning. `pending` is the owner marker of a create whose
/// outcome is unknown (a plain destroy gets it from the private state
/// without a refresh; a replacement's destroy does not): a node group
/// carrying it is ours.
pub(super) async fn delete_all(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    s: &NodeGroupState,
    pending: Option<&str>,
) -> Result<(), BoxError> {
    let mut keep_role = false;
    if let (Some(cluster), Some(name)) = (known_str(&s.cluster_name), known_str(&s.name)) {
        let found = find_node_group(&aws.eks, cluster, name)
            .await
            .map_err(NodeGroupError::Read)?;
        let recorded = recorded_identity(s);
        let pending_ours = |ng: &Nodegroup| s.arn.is_null() && pending.is_some_and(|marker| carries(ng.tags(), marker));
        match &found {
            Some(ng) if is_recorded(s, ng) || pending_ours(ng) => {
                match aws
                    .eks
                    .delete_nodegroup()
                    .cluster_name(cluster)
                    .nodegroup_name(name)
                    .send()
                    .await
                {
                    Ok(_) => {
                        tracing::info!(cluster, nodegroup = name, "deleting node group");
                        wait_node_group_deleted(&aws.eks, cluster, name, Timeouts::get(&s.timeouts, Operation::Delete))
                            .await
                            .map_err(NodeGroupError::Wait)?;
                    }
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => return Err(NodeGroupError::Delete(ApiError::new("DeleteNodegroup", e)).into()),
                }
            }
            Some(ng) => {
                // A failed create never recorded one: this is someone else's.
                let claim = Claim::Foreign { found: identity_of(ng) };
                if recorded.is_some() {
                    ownership::warn_left_alone(
                        diags,
                        &format!("node group `{cluster}:{name}`"),
                        recorded.as_deref(),
                        &claim,
                    );
                }
                keep_role = ng.node_role() == known_str(&s.node_role_arn);
            }
            None => {}
        }
    }
    if keep_role {
        diags.root_warning(
            "the created node role was not deleted",
            "Another node group of the same name uses it; it was left alone and removed from state.",
        );
        return Ok(());
    }
    if let Some(role_name) = known_str(&s.managed_role_name) {
        // Only the role this resource created: its owner tag, and its RoleId when recorded.
        let owner = format!(
            "{}:{}",
            known_str(&s.cluster_name).unwrap_or_default(),
            known_str(&s.name).unwrap_or_default()
        );
        let recorded = known_str(&s.managed_role_id);
        let claim = role::delete_role(&aws.iam, role_name, |r| {
            r.spec.tags.get(NODE_GROUP_OWNER_TAG) == Some(&owner) && recorded.is_none_or(|id| r.unique_id == id)
        })
        .await?;
        if matches!(claim, Claim::Foreign { .. }) {
            ownership::warn_left_alone(diags, &format!("IAM role `{role_name}`"), recorded, &claim);
        }
    }
    Ok(())
}
