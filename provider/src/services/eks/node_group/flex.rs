//! Between `platform_eks_node_group`'s state and the EKS API: the request
//! parts of a create or update (`expand_scaling`, `expand_taint`,
//! `expand_update_config`), the state of what EKS has
//! (`flatten_node_group`), and the identity of a node-group incarnation.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eks::types::{
    LaunchTemplateSpecification, NodeRepairConfig, Nodegroup, NodegroupScalingConfig, NodegroupUpdateConfig, Taint,
    TaintEffect,
};
use tf_provider::value::Value;

use super::apply::NodeGroupError;
use super::{LaunchTemplateState, NodeGroupState, NodeRepairState, Scaling, TaintState, UpdateConfigState};
use crate::framework::plan::{known, known_str, known_string_map, optional_map, to_value_map, to_value_set};
use crate::framework::tags;
use crate::services::eks::find::timestamp;
use crate::services::eks::tags::shown_tags;

pub(super) fn flatten_taints(taints: &[Taint]) -> Value<BTreeSet<Value<TaintState>>> {
    Value::Value(
        taints
            .iter()
            .map(|t| {
                Value::Value(TaintState {
                    key: t.key().map_or(Value::Null, |k| Value::Value(k.to_string())),
                    value: t
                        .value()
                        .filter(|v| !v.is_empty())
                        .map_or(Value::Null, |v| Value::Value(v.to_string())),
                    effect: t.effect().map_or(Value::Null, |e| Value::Value(e.as_str().to_string())),
                })
            })
            .collect(),
    )
}

/// Taints with every part known, keyed by (key, effect) as EKS identifies them.
pub(super) fn known_taints(
    taints: &Value<BTreeSet<Value<TaintState>>>,
) -> Option<BTreeMap<(String, String), Option<String>>> {
    match taints {
        Value::Null => Some(BTreeMap::new()),
        Value::Unknown => None,
        Value::Value(set) => set
            .iter()
            .map(|t| {
                let t = t.as_ref_option()?;
                Some((
                    (known_str(&t.key)?.to_string(), known_str(&t.effect)?.to_string()),
                    match &t.value {
                        Value::Unknown => return None,
                        v => v.as_ref_option().cloned(),
                    },
                ))
            })
            .collect(),
    }
}

pub(super) fn expand_taint(key: &str, effect: &str, value: Option<&String>) -> Taint {
    Taint::builder()
        .key(key)
        .effect(TaintEffect::from(effect))
        .set_value(value.cloned())
        .build()
}

pub(super) fn expand_scaling(s: &NodeGroupState) -> Result<NodegroupScalingConfig, NodeGroupError> {
    let scaling = s.scaling.as_ref_option().ok_or(NodeGroupError::Unknown("scaling"))?;
    let int = |v: &Value<i64>, what| known(v).map(|v| *v as i32).ok_or(NodeGroupError::Unknown(what));
    Ok(NodegroupScalingConfig::builder()
        .min_size(int(&scaling.min, "scaling.min")?)
        .max_size(int(&scaling.max, "scaling.max")?)
        .desired_size(int(&scaling.desired, "scaling.desired")?)
        .build())
}

pub(super) fn expand_update_config(s: &NodeGroupState) -> Option<NodegroupUpdateConfig> {
    let u = s.update_config.as_ref_option()?;
    Some(
        NodegroupUpdateConfig::builder()
            .set_max_unavailable(known(&u.max_unavailable).map(|v| *v as i32))
            .set_max_unavailable_percentage(known(&u.max_unavailable_percentage).map(|v| *v as i32))
            .build(),
    )
}

/// The launch template for CreateNodegroup or UpdateNodegroupVersion: by id
/// when known, else by name (EKS takes one of them, not both).
pub(super) fn expand_launch_template(s: &NodeGroupState) -> Option<LaunchTemplateSpecification> {
    let lt = s.launch_template.as_ref_option()?;
    let id = known_str(&lt.id);
    Some(
        LaunchTemplateSpecification::builder()
            .set_id(id.map(str::to_string))
            .set_name(if id.is_none() {
                known_str(&lt.name).map(str::to_string)
            } else {
                None
            })
            .set_version(known_str(&lt.version).map(str::to_string))
            .build(),
    )
}

/// Node auto repair as configured; without the block, off.
pub(super) fn expand_node_repair(s: &NodeGroupState) -> NodeRepairConfig {
    let enabled = s
        .node_repair_config
        .as_ref_option()
        .and_then(|c| known(&c.enabled).copied());
    NodeRepairConfig::builder().enabled(enabled.unwrap_or(false)).build()
}

pub(super) fn flatten_node_group(
    prior: &NodeGroupState,
    ng: &Nodegroup,
    default_tags: &BTreeMap<String, String>,
) -> NodeGroupState {
    let mut s = prior.clone();
    let text = |v: Option<&str>| {
        v.filter(|v| !v.is_empty())
            .map_or(Value::Null, |v| Value::Value(v.to_string()))
    };
    let cluster = ng.cluster_name().unwrap_or_default().to_string();
    let name = ng.nodegroup_name().unwrap_or_default().to_string();
    s.id = Value::Value(format!("{cluster}:{name}"));
    s.cluster_name = Value::Value(cluster);
    s.name = Value::Value(name);
    s.node_role_arn = text(ng.node_role());
    s.subnet_ids = to_value_set(&ng.subnets().iter().cloned().collect());
    s.instance_types = Value::Value(ng.instance_types().iter().map(|t| Value::Value(t.clone())).collect());
    s.capacity_type = text(ng.capacity_type().map(|c| c.as_str()));
    s.ami_type = text(ng.ami_type().map(|a| a.as_str()));
    s.disk_size = ng.disk_size().map_or(Value::Null, |d| Value::Value(i64::from(d)));
    s.version = text(ng.version());
    s.release_version = text(ng.release_version());
    let labels: BTreeMap<String, String> = ng
        .labels()
        .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    s.labels = optional_map(&prior.labels, &labels);
    // No taint blocks is an empty set in Terraform, never null.
    s.taint = flatten_taints(ng.taints());
    let scaling = ng.scaling_config();
    let remote = Scaling {
        min: scaling
            .and_then(|c| c.min_size())
            .map_or(Value::Null, |v| Value::Value(i64::from(v))),
        max: scaling
            .and_then(|c| c.max_size())
            .map_or(Value::Null, |v| Value::Value(i64::from(v))),
        desired: scaling
            .and_then(|c| c.desired_size())
            .map_or(Value::Null, |v| Value::Value(i64::from(v))),
    };
    s.scaling = Value::Value(remote);
    s.launch_template = match ng.launch_template() {
        Some(lt) if lt.id().is_some() || lt.name().is_some() => Value::Value(LaunchTemplateState {
            id: text(lt.id()),
            name: text(lt.name()),
            version: text(lt.version()),
        }),
        _ => Value::Null,
    };
    // EKS's default (off) is no block, unless the configuration has one.
    s.node_repair_config = match ng.node_repair_config().and_then(|c| c.enabled()) {
        Some(true) => Value::Value(NodeRepairState {
            enabled: Value::Value(true),
        }),
        Some(false) if prior.node_repair_config.is_value() => Value::Value(NodeRepairState {
            enabled: Value::Value(false),
        }),
        _ => Value::Null,
    };
    s.update_config = match ng.update_config() {
        Some(u) if u.max_unavailable().is_some() || u.max_unavailable_percentage().is_some() => {
            // EKS reports its default (one node) when none was configured.
            let default_one = u.max_unavailable() == Some(1) && u.max_unavailable_percentage().is_none();
            if default_one && prior.update_config.is_null() {
                Value::Null
            } else {
                Value::Value(UpdateConfigState {
                    max_unavailable: u.max_unavailable().map_or(Value::Null, |v| Value::Value(i64::from(v))),
                    max_unavailable_percentage: u
                        .max_unavailable_percentage()
                        .map_or(Value::Null, |v| Value::Value(i64::from(v))),
                })
            }
        }
        _ => Value::Null,
    };
    // Without the provider's own tags (the `platform:owner` marker of the
    // create that made the node group): never shown, never removed.
    let remote_tags: BTreeMap<String, String> = shown_tags(
        &ng.tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    );
    let prior_own = known_string_map(&prior.tags).unwrap_or_default();
    s.tags = optional_map(&prior.tags, &tags::own_tags(&remote_tags, default_tags, &prior_own));
    s.tags_all = to_value_map(&remote_tags);
    s.arn = text(ng.nodegroup_arn());
    s.created_at = text(timestamp(ng.created_at()).as_deref());
    s.status = text(ng.status().map(|st| st.as_str()));
    s.autoscaling_group_names = to_value_set(
        &ng.resources()
            .map(|r| {
                r.auto_scaling_groups()
                    .iter()
                    .filter_map(|g| g.name().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    );
    settle(&mut s);
    s
}

pub(super) fn settle(s: &mut NodeGroupState) {
    use crate::framework::plan::null_if_unknown as null;
    null(&mut s.id);
    null(&mut s.node_role_arn);
    null(&mut s.managed_role_name);
    null(&mut s.instance_types);
    null(&mut s.capacity_type);
    null(&mut s.ami_type);
    null(&mut s.disk_size);
    null(&mut s.version);
    null(&mut s.release_version);
    null(&mut s.tags_all);
    null(&mut s.arn);
    null(&mut s.status);
    null(&mut s.autoscaling_group_names);
    null(&mut s.created_at);
    null(&mut s.managed_role_id);
    null(&mut s.autoscaler_node_template_tags);
    null(&mut s.autoscaler_tags);
    if let Value::Value(lt) = &mut s.launch_template {
        null(&mut lt.id);
        null(&mut lt.name);
        null(&mut lt.version);
    }
    // The created role's tags are shown only while it is recorded.
    if !s.managed_role_name.is_value() || s.managed_role_tags.is_unknown() {
        s.managed_role_tags = Value::Null;
    }
    if let Value::Value(scaling) = &mut s.scaling {
        null(&mut scaling.desired);
    }
}

pub(super) fn without_node_group(prior: &NodeGroupState) -> NodeGroupState {
    let mut s = prior.clone();
    s.arn = Value::Null;
    s.created_at = Value::Null;
    s.status = Value::Null;
    s.release_version = Value::Null;
    s.autoscaling_group_names = Value::Null;
    s.autoscaler_tags = Value::Null;
    settle(&mut s);
    s
}

/// The identity of a node group: its ARN and `createdAt`.
pub(super) fn identity_of(ng: &Nodegroup) -> String {
    crate::services::eks::find::identity(ng.nodegroup_arn(), ng.created_at())
}

/// Whether `ng` is the node group recorded in `s`: same ARN, and same
/// `createdAt` when recorded (a state written before identities were
/// recorded has only the ARN; the next refresh fills `created_at`).
pub(super) fn is_recorded(s: &NodeGroupState, ng: &Nodegroup) -> bool {
    crate::services::eks::find::is_recorded(&s.arn, &s.created_at, ng.nodegroup_arn(), ng.created_at(), true)
}

pub(super) fn recorded_identity(s: &NodeGroupState) -> Option<String> {
    crate::services::eks::find::recorded_identity(&s.arn, &s.created_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::ownership::OWNER_TAG;

    #[test]
    fn the_owner_marker_is_never_shown_in_tags() {
        let ng = Nodegroup::builder()
            .nodegroup_name("workers")
            .cluster_name("c")
            .nodegroup_arn("arn:aws:eks:eu-west-1:1:nodegroup/c/workers/x")
            .tags(OWNER_TAG, "0123456789abcdef0123456789abcdef")
            .tags("team", "a")
            .tags("env", "prod")
            .build();
        let prior = NodeGroupState {
            tags: to_value_map(&BTreeMap::from([("team".to_string(), "a".to_string())])),
            ..Default::default()
        };
        let defaults = BTreeMap::from([("env".to_string(), "prod".to_string())]);
        let s = flatten_node_group(&prior, &ng, &defaults);
        let all = known_string_map(&s.tags_all).unwrap();
        assert_eq!(all.keys().collect::<Vec<_>>(), ["env", "team"]);
        assert_eq!(known_string_map(&s.tags).unwrap().keys().collect::<Vec<_>>(), ["team"]);
    }
}
