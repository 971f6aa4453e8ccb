//! The cluster autoscaler's node-template tags on the Auto Scaling groups EKS
//! makes for a managed node group: with them, a node group that has scaled
//! to zero still tells the autoscaler which labels and taints a new node
//! would have, so a pod that tolerates a dedicated pool's taint scales it up
//! from zero.
//!
//! The format is the cluster autoscaler's (its AWS cloud provider README,
//! "Auto-Discovery Setup"): `k8s.io/cluster-autoscaler/node-template/label/<key>`
//! = `<value>` and `k8s.io/cluster-autoscaler/node-template/taint/<key>` =
//! `<value>:<Effect>`, with Kubernetes's effect names (`NoSchedule`), not
//! EKS's (`NO_SCHEDULE`).
//!
//! Ownership: the Auto Scaling groups are EKS's. Only tag keys under the two
//! prefixes above are this feature's; every other tag of the group (EKS's
//! own `eks:*` and `k8s.io/cluster-autoscaler/enabled`, a user's
//! `node-template/resources/*`) is never read into state, changed or deleted.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_autoscaling::types::{Filter, Tag};
use aws_sdk_autoscaling::Client;

use crate::framework::diag::ApiError;

/// The prefix of a label's tag key.
pub const LABEL_PREFIX: &str = "k8s.io/cluster-autoscaler/node-template/label/";
/// The prefix of a taint's tag key.
pub const TAINT_PREFIX: &str = "k8s.io/cluster-autoscaler/node-template/taint/";
/// How many tags an Auto Scaling group holds (EC2 Auto Scaling User Guide,
/// "Tag Auto Scaling groups and instances": "You can add up to 50 tags").
pub const ASG_MAX_TAGS: usize = 50;
/// The tags EKS itself puts on a managed node group's Auto Scaling group:
/// `eks:cluster-name`, `eks:nodegroup-name`, `k8s.io/cluster-autoscaler/enabled`,
/// `k8s.io/cluster-autoscaler/<cluster>` and `kubernetes.io/cluster/<cluster>`.
pub const EKS_ASG_TAGS: usize = 5;
/// Labels plus taints a node group may publish as tags.
pub const MAX_NODE_TEMPLATE_TAGS: usize = ASG_MAX_TAGS - EKS_ASG_TAGS;

/// Whether a tag key belongs to this feature.
pub fn is_owned(key: &str) -> bool {
    key.starts_with(LABEL_PREFIX) || key.starts_with(TAINT_PREFIX)
}

/// Kubernetes's name of an EKS taint effect (`NO_SCHEDULE` -> `NoSchedule`).
pub fn kubernetes_effect(eks: &str) -> &str {
    match eks {
        "NO_SCHEDULE" => "NoSchedule",
        "NO_EXECUTE" => "NoExecute",
        "PREFER_NO_SCHEDULE" => "PreferNoSchedule",
        other => other,
    }
}

/// The tags that publish `labels` and `taints` (keyed by (key, EKS effect),
/// as EKS identifies them). A taint without a value is `:<Effect>`.
pub fn node_template_tags(
    labels: &BTreeMap<String, String>,
    taints: &BTreeMap<(String, String), Option<String>>,
) -> BTreeMap<String, String> {
    let mut tags: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (format!("{LABEL_PREFIX}{k}"), v.clone()))
        .collect();
    for ((key, effect), value) in taints {
        tags.insert(
            format!("{TAINT_PREFIX}{key}"),
            format!("{}:{}", value.as_deref().unwrap_or_default(), kubernetes_effect(effect)),
        );
    }
    tags
}

/// What state shows for the feature's tags of several groups (EKS makes one
/// per node group; a node group may have more): a tag every group carries
/// with one value shows with it; a tag missing on some group, or with
/// different values, shows as missing when `wanted` has it (so the plan puts
/// it back) and with the first group's value otherwise (so the plan removes it).
pub fn merge_groups(
    groups: &[BTreeMap<String, String>],
    wanted: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let keys: BTreeSet<&String> = groups.iter().flat_map(|g| g.keys()).collect();
    let mut shown = BTreeMap::new();
    for key in keys {
        let values: Vec<Option<&String>> = groups.iter().map(|g| g.get(key)).collect();
        let first = values.iter().flatten().next().copied();
        let agree = values.iter().all(|v| *v == first);
        match first {
            Some(value) if agree => {
                shown.insert(key.clone(), value.clone());
            }
            Some(value) if !wanted.contains_key(key) => {
                shown.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    shown
}

/// The feature's tags of each group in `groups` (DescribeTags, paged), in
/// the order of `groups`; a group that does not exist has none.
pub async fn read_tags(asg: &Client, groups: &[String]) -> Result<Vec<BTreeMap<String, String>>, ApiError> {
    let mut by_group: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    if !groups.is_empty() {
        let mut token: Option<String> = None;
        loop {
            let out = asg
                .describe_tags()
                .filters(
                    Filter::builder()
                        .name("auto-scaling-group")
                        .set_values(Some(groups.to_vec()))
                        .build(),
                )
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| ApiError::new("DescribeTags", e))?;
            for tag in out.tags() {
                if let (Some(group), Some(key)) = (tag.resource_id(), tag.key()) {
                    if is_owned(key) {
                        by_group
                            .entry(group.to_string())
                            .or_default()
                            .insert(key.to_string(), tag.value().unwrap_or_default().to_string());
                    }
                }
            }
            token = out.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
        }
    }
    Ok(groups
        .iter()
        .map(|g| by_group.get(g).cloned().unwrap_or_default())
        .collect())
}

/// Brings the feature's tags of every group in `groups` to `wanted`:
/// CreateOrUpdateTags (never propagated to instances) for what is missing or
/// different, DeleteTags for the feature's keys that are not wanted. Both
/// calls are idempotent, so a retry after a lost answer is harmless. Tags
/// outside the feature's prefixes are never touched.
pub async fn sync_tags(asg: &Client, groups: &[String], wanted: &BTreeMap<String, String>) -> Result<(), ApiError> {
    debug_assert!(wanted.keys().all(|k| is_owned(k)));
    let current = read_tags(asg, groups).await?;
    let mut put = Vec::new();
    let mut delete = Vec::new();
    for (group, have) in groups.iter().zip(&current) {
        let tag = |key: &str, value: Option<&str>| {
            Tag::builder()
                .resource_id(group)
                .resource_type("auto-scaling-group")
                .key(key)
                .set_value(value.map(str::to_string))
                .propagate_at_launch(false)
                .build()
        };
        for (key, value) in wanted {
            if have.get(key) != Some(value) {
                put.push(tag(key, Some(value)));
            }
        }
        for key in have.keys().filter(|k| !wanted.contains_key(*k)) {
            delete.push(tag(key, None));
        }
    }
    if !delete.is_empty() {
        asg.delete_tags()
            .set_tags(Some(delete))
            .send()
            .await
            .map_err(|e| ApiError::new("DeleteTags", e))?;
    }
    if !put.is_empty() {
        asg.create_or_update_tags()
            .set_tags(Some(put))
            .send()
            .await
            .map_err(|e| ApiError::new("CreateOrUpdateTags", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(items: &[(&str, &str)]) -> BTreeMap<String, String> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn labels_and_taints_become_the_autoscalers_tags() {
        let labels = map(&[("pool", "batch")]);
        let taints = BTreeMap::from([
            (
                ("dedicated".to_string(), "NO_SCHEDULE".to_string()),
                Some("batch".to_string()),
            ),
            (("spot".to_string(), "PREFER_NO_SCHEDULE".to_string()), None),
        ]);
        assert_eq!(
            node_template_tags(&labels, &taints),
            map(&[
                ("k8s.io/cluster-autoscaler/node-template/label/pool", "batch"),
                (
                    "k8s.io/cluster-autoscaler/node-template/taint/dedicated",
                    "batch:NoSchedule"
                ),
                (
                    "k8s.io/cluster-autoscaler/node-template/taint/spot",
                    ":PreferNoSchedule"
                ),
            ])
        );
        assert!(is_owned("k8s.io/cluster-autoscaler/node-template/label/x"));
        assert!(!is_owned(
            "k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage"
        ));
        assert!(!is_owned("k8s.io/cluster-autoscaler/enabled"));
        assert_eq!(kubernetes_effect("NO_EXECUTE"), "NoExecute");
    }

    #[test]
    fn groups_that_disagree_show_as_drift() {
        let a = "k8s.io/cluster-autoscaler/node-template/label/a";
        let b = "k8s.io/cluster-autoscaler/node-template/label/b";
        let wanted = map(&[(a, "1")]);
        // One group: what it has.
        assert_eq!(
            merge_groups(&[map(&[(a, "1"), (b, "2")])], &wanted),
            map(&[(a, "1"), (b, "2")])
        );
        // A wanted tag missing on one group is missing; an unwanted one shows, to be removed.
        assert_eq!(
            merge_groups(&[map(&[(a, "1"), (b, "2")]), map(&[])], &wanted),
            map(&[(b, "2")])
        );
        // Different values of a wanted tag: missing.
        assert_eq!(merge_groups(&[map(&[(a, "1")]), map(&[(a, "9")])], &wanted), map(&[]));
        assert_eq!(merge_groups(&[], &wanted), map(&[]));
    }
}
