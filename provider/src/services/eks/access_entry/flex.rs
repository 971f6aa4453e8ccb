//! Between `platform_eks_access_entry`'s state and the EKS API: the access
//! policies as a map (`known_policies`), the state of what EKS has
//! (`flatten_entry`), the identity of an entry's incarnation, and what the
//! plan and apply say about a cluster without access entries or a principal
//! that already has one.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eks::types::{AccessEntry, AssociatedAccessPolicy, AuthenticationMode, Cluster};
use tf_provider::value::Value;

use super::{AccessEntryState, AccessPolicyState, CLUSTER_ADMIN_POLICY, DEFAULT_TYPE};
use crate::framework::ownership::NameTaken;
use crate::framework::plan::{
    known_str, known_string_map, known_string_set, optional_map, optional_set, to_value_map, to_value_set,
};
use crate::framework::tags;
use crate::services::eks::find::{find_associated_policies, timestamp};

/// An access policy's scope: "cluster", or "namespace" with its namespaces.
pub type Scope = (String, BTreeSet<String>);

/// The `access_policy` blocks as policy ARN -> scope; `None` while anything
/// is unknown.
pub fn known_policies(policies: &Value<BTreeSet<Value<AccessPolicyState>>>) -> Option<BTreeMap<String, Scope>> {
    match policies {
        Value::Null => Some(BTreeMap::new()),
        Value::Unknown => None,
        Value::Value(set) => set
            .iter()
            .map(|p| {
                let p = p.as_ref_option()?;
                Some((
                    known_str(&p.policy_arn)?.to_string(),
                    (known_str(&p.scope)?.to_string(), known_string_set(&p.namespaces)?),
                ))
            })
            .collect(),
    }
}

/// EKS's associations as `access_policy` blocks: cluster scope without
/// `namespaces` (EKS lists it with an empty list).
pub fn flatten_policies(policies: &[AssociatedAccessPolicy]) -> Value<BTreeSet<Value<AccessPolicyState>>> {
    Value::Value(
        policies
            .iter()
            .map(|p| {
                let scope = p.access_scope();
                let kind = scope.and_then(|s| s.r#type()).map(|t| t.as_str().to_string());
                let namespaces: BTreeSet<String> = scope
                    .map(|s| s.namespaces().iter().cloned().collect())
                    .unwrap_or_default();
                Value::Value(AccessPolicyState {
                    policy_arn: p.policy_arn().map_or(Value::Null, |a| Value::Value(a.to_string())),
                    namespaces: if kind.as_deref() == Some("cluster") && namespaces.is_empty() {
                        Value::Null
                    } else {
                        to_value_set(&namespaces)
                    },
                    scope: kind.map_or(Value::Null, Value::Value),
                })
            })
            .collect(),
    )
}

/// The state of the entry EKS has, with its associations, over `prior`.
pub fn flatten_entry(
    prior: &AccessEntryState,
    entry: &AccessEntry,
    policies: &[AssociatedAccessPolicy],
    default_tags: &BTreeMap<String, String>,
) -> AccessEntryState {
    let mut s = prior.clone();
    let text = |v: Option<&str>| {
        v.filter(|v| !v.is_empty())
            .map_or(Value::Null, |v| Value::Value(v.to_string()))
    };
    let cluster = entry.cluster_name().unwrap_or_default().to_string();
    let principal = entry.principal_arn().unwrap_or_default().to_string();
    s.id = Value::Value(format!("{cluster}:{principal}"));
    s.cluster_name = Value::Value(cluster);
    s.principal_arn = Value::Value(principal);
    let entry_type = entry.r#type().unwrap_or(DEFAULT_TYPE).to_string();
    let standard = entry_type == DEFAULT_TYPE;
    s.r#type = Value::Value(entry_type);
    // Other types' groups are EKS's own (`system:nodes`): not shown.
    s.kubernetes_groups = if standard {
        optional_set(
            &prior.kubernetes_groups,
            &entry.kubernetes_groups().iter().cloned().collect(),
        )
    } else {
        Value::Null
    };
    s.user_name = text(entry.username());
    s.access_policy = flatten_policies(policies);
    // The provider's own tags (the owner marker) are never shown.
    let remote_tags: BTreeMap<String, String> = crate::services::eks::tags::shown_tags(
        &entry
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    );
    let prior_own = known_string_map(&prior.tags).unwrap_or_default();
    s.tags = optional_map(&prior.tags, &tags::own_tags(&remote_tags, default_tags, &prior_own));
    s.tags_all = to_value_map(&remote_tags);
    s.arn = text(entry.access_entry_arn());
    s.created_at = text(timestamp(entry.created_at()).as_deref());
    super::settle(&mut s);
    s
}

/// The identity of an access entry: its ARN and `createdAt`.
pub fn identity_of(entry: &AccessEntry) -> String {
    crate::services::eks::find::identity(entry.access_entry_arn(), entry.created_at())
}

/// The identity recorded in `s`, if any.
pub fn recorded_identity(s: &AccessEntryState) -> Option<String> {
    crate::services::eks::find::recorded_identity(&s.arn, &s.created_at)
}

/// Whether `entry` is the one recorded in `s`: same ARN and `createdAt`.
pub fn is_recorded(s: &AccessEntryState, entry: &AccessEntry) -> bool {
    crate::services::eks::find::is_recorded(
        &s.arn,
        &s.created_at,
        entry.access_entry_arn(),
        entry.created_at(),
        false,
    )
}

/// A cluster whose authentication mode has no access entries.
pub fn config_map_only(cluster: &Cluster) -> bool {
    cluster.access_config().and_then(|a| a.authentication_mode()) == Some(&AuthenticationMode::ConfigMap)
}

/// What to do about a cluster in CONFIG_MAP mode.
pub fn config_map_rule(cluster: &str) -> String {
    format!(
        "cluster `{cluster}` uses authentication_mode CONFIG_MAP, which has no access entries: change the cluster's authentication_mode to \"API_AND_CONFIG_MAP\" (then \"API\", one step per apply) before its access entries, in an earlier apply or in the same one with `cluster_name` referring to the cluster (`platform_eks_cluster.<name>.name`) so that the cluster changes first"
    )
}

/// The plan's warning for a cluster that is in CONFIG_MAP mode when planned.
pub fn config_map_warning(cluster: &str) -> String {
    format!(
        "Access entries need authentication_mode \"API_AND_CONFIG_MAP\" or \"API\". If this apply moves cluster `{cluster}` there and `cluster_name` refers to the cluster (`platform_eks_cluster.<name>.name`), the entry is created after the change; otherwise creating it fails. The principal's existing entries could not be checked."
    )
}

/// The error for a principal that already has an entry in `cluster_name`,
/// saying so when it looks like the one EKS made for the cluster's creator
/// (`bootstrap_cluster_creator_admin_permissions`: the cluster-admin policy
/// at cluster scope, made within an hour of the cluster).
pub async fn taken(
    eks: &aws_sdk_eks::Client,
    cluster_name: &str,
    principal: &str,
    cluster: &Cluster,
    entry: &AccessEntry,
) -> NameTaken {
    let id = format!("{cluster_name}:{principal}");
    let taken = NameTaken::new("EKS access entry", &id, "platform_eks_access_entry", &id);
    let bootstrap = cluster
        .access_config()
        .and_then(|a| a.bootstrap_cluster_creator_admin_permissions())
        == Some(true);
    let near_creation = match (cluster.created_at(), entry.created_at()) {
        (Some(c), Some(e)) => (e.secs() - c.secs()).abs() <= 3600,
        _ => false,
    };
    if !(bootstrap && near_creation) {
        return taken;
    }
    let admin = find_associated_policies(eks, cluster_name, principal)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
        .iter()
        .any(|p| {
            p.policy_arn()
                .is_some_and(|a| a.ends_with(&format!("/{CLUSTER_ADMIN_POLICY}")))
                && p.access_scope().and_then(|s| s.r#type()).map(|t| t.as_str()) == Some("cluster")
        });
    if admin {
        taken.with(
            ". It looks like the entry EKS made for the cluster's creator (bootstrap_cluster_creator_admin_permissions = true): \
             declare the admins you want, import this entry, then remove it from the configuration to delete it \
             (see the \"Declared admins\" section of the platform_eks_access_entry docs)",
        )
    } else {
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::ownership::OWNER_TAG;

    fn entry() -> AccessEntry {
        AccessEntry::builder()
            .cluster_name("c")
            .principal_arn("arn:aws:iam::111122223333:role/dev")
            .access_entry_arn("arn:aws:eks:us-east-1:111122223333:access-entry/c/role/111122223333/dev/1")
            .created_at(aws_sdk_eks::primitives::DateTime::from_secs(1_700_000_000))
            .r#type("STANDARD")
            .tags("team", "a")
            .tags("env", "prod")
            .tags(OWNER_TAG, "0123456789abcdef0123456789abcdef")
            .build()
    }

    #[test]
    fn the_owner_marker_is_never_shown() {
        let prior = AccessEntryState {
            tags: to_value_map(&BTreeMap::from([("team".to_string(), "a".to_string())])),
            ..Default::default()
        };
        let defaults = BTreeMap::from([("env".to_string(), "prod".to_string())]);
        let s = flatten_entry(&prior, &entry(), &[], &defaults);
        let tags_all = known_string_map(&s.tags_all).unwrap();
        assert_eq!(tags_all.keys().collect::<Vec<_>>(), ["env", "team"]);
        assert_eq!(known_string_map(&s.tags).unwrap().keys().collect::<Vec<_>>(), ["team"]);
        assert!(is_recorded(&s, &entry()), "the identity is recorded whole");
    }

    #[test]
    fn a_pending_create_names_the_entry_and_records_nothing_learnt() {
        let planned = AccessEntryState {
            id: Value::Value("c:p".into()),
            cluster_name: Value::Value("c".into()),
            principal_arn: Value::Value("p".into()),
            arn: Value::Unknown,
            created_at: Value::Unknown,
            user_name: Value::Unknown,
            access_policy: Value::Unknown,
            ..Default::default()
        };
        let s = super::super::apply::pending_state(&planned);
        assert_eq!(
            (s.id, s.cluster_name, s.principal_arn),
            (planned.id, planned.cluster_name, planned.principal_arn)
        );
        assert_eq!(
            (s.arn, s.created_at, s.user_name),
            (Value::Null, Value::Null, Value::Null)
        );
        assert_eq!(s.access_policy, Value::Value(BTreeSet::new()));
    }
}
