//! Refresh and import of `platform_eks_node_group`.

use tf_provider::value::Value;

use super::flex::{
    flatten_node_group, identity_of, is_recorded, known_taints, recorded_identity, settle, without_node_group,
};
use super::NodeGroupState;
use crate::clients::AwsClients;
use crate::framework::diag::BoxError;
use crate::framework::ownership;
use crate::framework::plan::{known, known_str, known_string_map, known_string_set, to_value_map};
use crate::services::eks::autoscaler_tags::{merge_groups, node_template_tags, read_tags};
use crate::services::eks::find::find_node_group;
use crate::services::eks::marked::carries;
use crate::services::eks::roles::NODE_GROUP_OWNER_TAG;
use crate::services::eks::tags::shown_tags;
use crate::services::iam::role;

/// The node group recorded in `state` (by identity, "gone" only after
/// several consecutive not-found reads), with its created role; a missing
/// node group whose created role remains is kept, so the next apply replaces
/// it; `Ok(None)` when nothing of it is left. With `pending` (the owner
/// marker of a create whose outcome is unknown, when `state` recorded no
/// node group), the node group of that name is the one recorded only if it
/// carries that marker.
pub(super) async fn read_remote(
    aws: &AwsClients,
    state: &NodeGroupState,
    cluster: &str,
    name: &str,
    pending: Option<&str>,
) -> Result<Option<NodeGroupState>, BoxError> {
    // "Gone" only after several consecutive not-found reads; a node
    // group of that name with another identity is not the one recorded.
    let found = ownership::confirm_gone(|| find_node_group(&aws.eks, cluster, name)).await?;
    let found = found.filter(|ng| {
        let adopted = state.arn.is_null() && pending.is_some_and(|marker| carries(ng.tags(), marker));
        if adopted {
            tracing::warn!(cluster, nodegroup = name, found = %identity_of(ng),
                        "the node group whose create lost its answers exists and carries that create's owner marker: recorded");
        }
        let ours = adopted || is_recorded(state, ng);
        if !ours {
            tracing::warn!(cluster, nodegroup = name, found = %identity_of(ng), recorded = ?recorded_identity(state),
                        "a node group of that name exists, but it is not the one this resource created or imported");
        }
        ours
    });
    match found {
        Some(ng) => {
            let mut s = flatten_node_group(state, &ng, &aws.default_tags);
            // The created role deleted outside Terraform (or made again
            // by someone else): the plan recreates it in place.
            if let Some(role_name) = known_str(&s.managed_role_name).map(str::to_string) {
                let owner = format!("{cluster}:{name}");
                match (
                    role::find_role_id(&aws.iam, &role_name).await?,
                    known_str(&s.managed_role_id),
                ) {
                    (Some((id, tags)), Some(recorded)) if id == recorded => {
                        s.managed_role_tags = to_value_map(&shown_tags(&tags));
                    }
                    (Some((id, tags)), None) if tags.get(NODE_GROUP_OWNER_TAG) == Some(&owner) => {
                        s.managed_role_id = Value::Value(id);
                        s.managed_role_tags = to_value_map(&shown_tags(&tags));
                    }
                    _ => {
                        s.managed_role_name = Value::Null;
                        s.managed_role_id = Value::Null;
                    }
                }
            }
            // The autoscaler's tags on the Auto Scaling groups, while the feature is on.
            s.autoscaler_tags = if known(&s.autoscaler_node_template_tags) == Some(&true) {
                let groups: Vec<String> = known_string_set(&s.autoscaling_group_names)
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                let wanted = node_template_tags(
                    &known_string_map(&s.labels).unwrap_or_default(),
                    &known_taints(&s.taint).unwrap_or_default(),
                );
                to_value_map(&merge_groups(&read_tags(&aws.autoscaling, &groups).await?, &wanted))
            } else {
                Value::Null
            };
            settle(&mut s);
            Ok(Some(s))
        }
        None => match known_str(&state.managed_role_name) {
            // Its created role remains: keep it, so the next apply replaces the node group.
            Some(role_name) if role::role_exists(&aws.iam, role_name).await? => Ok(Some(without_node_group(state))),
            _ => Ok(None),
        },
    }
}

/// The state of node group `id` (`<cluster>:<name>`) for import, with its
/// role when the role carries its owner tag; `Ok(None)` when there is no
/// such node group.
pub(super) async fn import(
    aws: &AwsClients,
    id: &str,
    cluster: &str,
    name: &str,
) -> Result<Option<NodeGroupState>, BoxError> {
    let Some(ng) = find_node_group(&aws.eks, cluster, name).await? else {
        return Ok(None);
    };
    let mut s = NodeGroupState {
        ignore_desired_size_changes: Value::Value(true),
        autoscaler_node_template_tags: Value::Value(false),
        ..Default::default()
    };
    if let Some(role_name) = ng.node_role().and_then(|a| a.rsplit('/').next()) {
        if let Some(remote) = role::find_role_by_name(&aws.iam, role_name).await? {
            if remote.spec.tags.get(NODE_GROUP_OWNER_TAG).map(String::as_str) == Some(id) {
                s.managed_role_name = Value::Value(role_name.to_string());
                s.managed_role_id = Value::Value(remote.unique_id);
            }
        }
    }
    Ok(Some(flatten_node_group(&s, &ng, &aws.default_tags)))
}
