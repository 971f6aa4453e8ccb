//! Between `platform_eks_addon`'s state and the EKS API: the pod identity
//! associations of a request, the state of what EKS has
//! (`flatten_addon`), and the identity of an add-on incarnation.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eks::types::{Addon, AddonPodIdentityAssociations};
use tf_provider::value::Value;

use super::plan::equivalent_configuration;
use super::{AddonState, PodIdentityState};
use crate::framework::plan::{known_str, known_string_map, optional_map, to_value_map, to_value_set};
use crate::framework::tags;
use crate::services::eks::addons::issue_lines;
use crate::services::eks::find::timestamp;

/// The configured pod identity associations as the API takes them; `None`
/// while any part is unknown.
pub(super) fn expand_pairs(s: &AddonState) -> Option<Vec<AddonPodIdentityAssociations>> {
    match &s.pod_identity_associations {
        Value::Null => Some(Vec::new()),
        Value::Unknown => None,
        Value::Value(pairs) => pairs
            .iter()
            .map(|p| {
                AddonPodIdentityAssociations::builder()
                    .role_arn(known_str(&p.role_arn)?)
                    .service_account(known_str(&p.service_account)?)
                    .build()
                    .ok()
            })
            .collect(),
    }
}

/// The state of `addon` as EKS reports it, with what EKS does not report
/// (the configured pod identity pairs, `kubernetes_version`, the conflict
/// modes, the timeouts, the user's configuration text while equivalent)
/// from `prior`.
pub(super) fn flatten_addon(prior: &AddonState, addon: &Addon, default_tags: &BTreeMap<String, String>) -> AddonState {
    let mut s = prior.clone();
    let text = |v: Option<&str>| {
        v.filter(|v| !v.is_empty())
            .map_or(Value::Null, |v| Value::Value(v.to_string()))
    };
    let cluster = addon.cluster_name().unwrap_or_default().to_string();
    let name = addon.addon_name().unwrap_or_default().to_string();
    s.id = Value::Value(format!("{cluster}:{name}"));
    s.cluster_name = Value::Value(cluster);
    s.addon_name = Value::Value(name);
    s.addon_version = text(addon.addon_version());
    s.service_account_role_arn = text(addon.service_account_role_arn());
    s.configuration_values = match (known_str(&prior.configuration_values), addon.configuration_values()) {
        (_, None) | (_, Some("")) => Value::Null,
        (Some(mine), Some(remote)) if equivalent_configuration(mine, remote) => Value::Value(mine.to_string()),
        (_, Some(remote)) => Value::Value(remote.to_string()),
    };
    let arns: BTreeSet<String> = addon.pod_identity_associations().iter().cloned().collect();
    s.pod_identity_association_arns = to_value_set(&arns);
    // EKS reports association ARNs, not the pairs: the configured pairs stay
    // while as many associations exist; none is shown as none.
    s.pod_identity_associations = match &prior.pod_identity_associations {
        Value::Value(pairs) if arns.is_empty() && !pairs.is_empty() => Value::Value(Vec::new()),
        Value::Value(pairs) if pairs.len() == arns.len() => Value::Value(pairs.clone()),
        Value::Value(_) => Value::Value(Vec::<PodIdentityState>::new()),
        other => other.clone(),
    };
    // The provider's own tags (the owner marker) are never shown.
    let remote_tags: BTreeMap<String, String> = crate::services::eks::tags::shown_tags(
        &addon
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    );
    let prior_own = known_string_map(&prior.tags).unwrap_or_default();
    s.tags = optional_map(&prior.tags, &tags::own_tags(&remote_tags, default_tags, &prior_own));
    s.tags_all = to_value_map(&remote_tags);
    s.arn = text(addon.addon_arn());
    s.created_at = text(timestamp(addon.created_at()).as_deref());
    s.status = text(addon.status().map(|st| st.as_str()));
    s.health_issues = Value::Value(issue_lines(addon).into_iter().map(Value::Value).collect());
    settle(&mut s);
    s
}

/// What a saved state must not hold: unknown values become null.
pub(super) fn settle(s: &mut AddonState) {
    use crate::framework::plan::null_if_unknown as null;
    null(&mut s.id);
    null(&mut s.addon_version);
    null(&mut s.kubernetes_version);
    null(&mut s.pod_identity_association_arns);
    null(&mut s.tags_all);
    null(&mut s.arn);
    null(&mut s.created_at);
    null(&mut s.status);
    null(&mut s.health_issues);
}

/// The identity of an add-on: its ARN and `createdAt`.
pub(super) fn identity_of(addon: &Addon) -> String {
    crate::services::eks::find::identity(addon.addon_arn(), addon.created_at())
}

/// Whether `addon` is the one recorded in `s`: same ARN and `createdAt`.
pub(super) fn is_recorded(s: &AddonState, addon: &Addon) -> bool {
    crate::services::eks::find::is_recorded(&s.arn, &s.created_at, addon.addon_arn(), addon.created_at(), true)
}

pub(super) fn recorded_identity(s: &AddonState) -> Option<String> {
    crate::services::eks::find::recorded_identity(&s.arn, &s.created_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::ownership::OWNER_TAG;

    #[test]
    fn the_owner_marker_is_never_shown() {
        let addon = Addon::builder()
            .cluster_name("c")
            .addon_name("coredns")
            .addon_arn("arn:aws:eks:us-east-1:111122223333:addon/c/coredns/1")
            .tags("team", "a")
            .tags(OWNER_TAG, "0123456789abcdef0123456789abcdef")
            .build();
        let prior = AddonState {
            tags: to_value_map(&BTreeMap::from([("team".to_string(), "a".to_string())])),
            ..Default::default()
        };
        let s = flatten_addon(&prior, &addon, &BTreeMap::new());
        assert_eq!(
            known_string_map(&s.tags_all).unwrap().keys().collect::<Vec<_>>(),
            ["team"]
        );
        assert_eq!(known_string_map(&s.tags).unwrap().keys().collect::<Vec<_>>(), ["team"]);
    }
}
