//! The plan of `platform_eks_access_entry`: checks of the configuration
//! alone (principal, type and what each type takes, group and user names,
//! access policies and scopes), the values that follow from the configuration
//! and the prior state, and the checks against the cluster when it exists
//! (authentication mode, a principal that already has an entry, the access
//! policy catalogue).

use std::collections::BTreeMap;

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::flex::{identity_of, known_policies, taken};
use super::{AccessEntryState, DEFAULT_TYPE, KIND, SCOPES, TYPES};
use crate::clients::AwsClients;
use crate::framework::ownership;
use crate::framework::plan::{default_from_config, known_str, known_string_map, to_value_map};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::services::eks::find::{find_access_entry, find_cluster, list_access_policy_arns};
use crate::services::eks::marked::carries_any;
use crate::services::eks::validate::cluster_name;

/// Prefixes EKS refuses at the start of a custom user name ("Create access
/// entries", EKS User Guide).
pub const RESERVED_USER_PREFIXES: &[&str] = &["system:", "eks:", "aws:", "amazon:", "iam:"];

/// An access entry's principal: an IAM role or user ARN, not a service-linked
/// role.
pub fn principal_arn(value: &str) -> Result<(), String> {
    let rule = || {
        format!("must be an IAM role or user ARN such as \"arn:aws:iam::111122223333:role/admin\" (EKS refuses STS session ARNs and account roots), got {value:?}")
    };
    let (_, service, region, account, resource) = validate::parse_arn(value).ok_or_else(rule)?;
    let (kind, name) = resource.split_once('/').ok_or_else(rule)?;
    let ok = service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && (kind == "role" || kind == "user")
        && !name.is_empty()
        && !name.ends_with('/');
    if !ok {
        return Err(rule());
    }
    if kind == "role" && name.starts_with("aws-service-role/") {
        return Err(format!(
            "EKS refuses access entries for service-linked roles (`role/aws-service-role/...`), got {value:?}"
        ));
    }
    Ok(())
}

/// An EKS access policy ARN: `arn:<partition>:eks::aws:cluster-access-policy/<name>`.
pub fn policy_arn(value: &str) -> Result<(), String> {
    let ok = validate::parse_arn(value).is_some_and(|(_, service, region, account, resource)| {
        service == "eks"
            && region.is_empty()
            && account == "aws"
            && resource
                .strip_prefix("cluster-access-policy/")
                .is_some_and(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()))
    });
    if ok {
        Ok(())
    } else {
        Err(format!("must be an EKS access policy ARN such as \"arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy\", got {value:?}"))
    }
}

/// A Kubernetes group name EKS accepts.
pub fn kubernetes_group(value: &str) -> Result<(), String> {
    if value.starts_with("system:") {
        Err(format!(
            "EKS refuses group names starting with \"system:\", which Kubernetes reserves (for cluster administrators use an `access_policy` with AmazonEKSClusterAdminPolicy instead of \"system:masters\"), got {value:?}"
        ))
    } else if value.is_empty() {
        Err("must not be empty".to_string())
    } else {
        Ok(())
    }
}

/// A custom Kubernetes user name EKS accepts.
pub fn user_name(value: &str) -> Result<(), String> {
    if let Some(prefix) = RESERVED_USER_PREFIXES.iter().find(|p| value.starts_with(**p)) {
        return Err(format!(
            "EKS refuses user names starting with system:, eks:, aws:, amazon: or iam:, got {value:?} (starts with {prefix:?})"
        ));
    }
    if value.is_empty() {
        return Err("must not be empty; leave it unset for EKS's default".to_string());
    }
    for marker in ["{{SessionName}}", "{{SessionNameRaw}}"] {
        if let Some(at) = value.find(marker) {
            if !value[..at].contains(':') {
                return Err(format!(
                    "EKS needs a ':' somewhere before {marker} in a user name, e.g. \"dev:{marker}\", got {value:?}"
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn validate_config(diags: &mut Diagnostics, c: &AccessEntryState) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    v.check(&path("cluster_name"), c.cluster_name.as_ref_option(), |s: &String| {
        cluster_name(s)
    });
    v.check(&path("principal_arn"), c.principal_arn.as_ref_option(), |s: &String| {
        principal_arn(s)
    });
    v.check(&path("type"), c.r#type.as_ref_option(), validate::one_of(TYPES));
    let entry_type = match &c.r#type {
        Value::Null => Some(DEFAULT_TYPE),
        other => known_str(other),
    };
    if let Some(t) = entry_type.filter(|t| *t != DEFAULT_TYPE && TYPES.contains(t)) {
        if known_str(&c.principal_arn).is_some_and(|p| p.contains(":user/")) {
            v.error(
                &path("principal_arn"),
                format!("access entries of type {t} take IAM roles only, got a user"),
            );
        }
        let only_standard = |what: &str| {
            format!("only STANDARD access entries take {what}; EKS gives {t} entries what nodes need (remove it, or use type = \"STANDARD\")")
        };
        if matches!(&c.kubernetes_groups, Value::Value(g) if !g.is_empty()) {
            v.error(&path("kubernetes_groups"), only_standard("kubernetes_groups"));
        }
        if c.user_name.is_value() {
            v.error(&path("user_name"), only_standard("a user_name"));
        }
        if matches!(&c.access_policy, Value::Value(p) if !p.is_empty()) {
            v.error(&path("access_policy"), only_standard("access policies"));
        }
    }
    v.check_each(&path("kubernetes_groups"), &c.kubernetes_groups, |s: &String| {
        kubernetes_group(s)
    });
    v.check(&path("user_name"), c.user_name.as_ref_option(), |s: &String| {
        user_name(s)
    });
    if let Value::Value(policies) = &c.access_policy {
        let mut seen: Vec<&str> = Vec::new();
        for (i, policy) in policies.iter().enumerate() {
            let Value::Value(p) = policy else { continue };
            let at = |field: &'static str| path("access_policy").index(i as i64).attribute(field);
            v.check(&at("policy_arn"), p.policy_arn.as_ref_option(), |s: &String| {
                policy_arn(s)
            });
            if let Some(arn) = known_str(&p.policy_arn) {
                if let Some(j) = seen.iter().position(|s| *s == arn) {
                    v.error(
                        &path("access_policy").index(i as i64),
                        format!("associates {arn} again (as `access_policy[{j}]`): EKS associates each access policy once per entry; give it one scope (several namespaces go in one `namespaces` list)"),
                    );
                }
                seen.push(arn);
            }
            v.check(&at("scope"), p.scope.as_ref_option(), validate::one_of(SCOPES));
            match (known_str(&p.scope), &p.namespaces) {
                (Some("namespace"), Value::Null) => v.error(
                    &at("namespaces"),
                    "scope \"namespace\" needs at least one namespace in `namespaces`",
                ),
                (Some("namespace"), Value::Value(ns)) if ns.is_empty() => v.error(
                    &at("namespaces"),
                    "scope \"namespace\" needs at least one namespace in `namespaces`",
                ),
                (Some("cluster"), Value::Value(_)) => v.error(
                    &at("namespaces"),
                    "scope \"cluster\" covers every namespace: leave `namespaces` unset, or use scope = \"namespace\"",
                ),
                _ => {}
            }
            v.check_each(&at("namespaces"), &p.namespaces, |s: &String| {
                validate::dns1123_label_pattern(s)
            });
        }
    }
}

/// The values that follow from the configuration and the prior state
/// (`prior` is `None` for a new entry).
pub(super) fn plan_computed(
    s: &mut AccessEntryState,
    config: &AccessEntryState,
    prior: Option<&AccessEntryState>,
    aws: &AwsClients,
) {
    default_from_config(&mut s.r#type, &config.r#type, DEFAULT_TYPE.to_string());
    s.id = match (known_str(&s.cluster_name), known_str(&s.principal_arn)) {
        (Some(c), Some(p)) => Value::Value(format!("{c}:{p}")),
        _ => Value::Unknown,
    };
    s.tags_all = match known_string_map(&s.tags) {
        Some(own) => to_value_map(&tags::merge(&aws.default_tags, &own)),
        None => Value::Unknown,
    };
    if s.access_policy.is_null() {
        s.access_policy = Value::Value(Default::default());
    }
    // The user name EKS picks when unset; kept once known.
    if config.user_name.is_null() {
        s.user_name = prior.map_or(Value::Unknown, |p| {
            if p.user_name.is_null() {
                Value::Unknown
            } else {
                p.user_name.clone()
            }
        });
    }
    match prior {
        Some(p) => {
            s.arn = p.arn.clone();
            s.created_at = p.created_at.clone();
        }
        None => {
            s.arn = Value::Unknown;
            s.created_at = Value::Unknown;
        }
    }
}

/// Checks against what exists, when it can be read: on create (`creating`,
/// also a replacement) the cluster's authentication mode, an entry the
/// principal already has, and two resources for one principal in this
/// configuration; and the access policies against EKS's catalogue when they
/// change. What cannot be read now (a cluster made in this apply) is checked
/// again at apply. False after an error.
///
/// An existing entry is not "taken" when it is this resource's own: the
/// `prior` entry of a replacement (its recorded identity matches), or one
/// this provider process refreshed from state and confirmed ours
/// ([`ownership::held`]): Terraform refreshes a tainted instance before it
/// plans its replacement as a create, without the prior state. Without that
/// refresh (`-refresh=false`), an entry carrying this provider's owner
/// marker is a warning: the apply deletes the tainted entry before creating
/// the new one, and the create fails if the entry is not the tainted one.
pub(super) async fn check_remote(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    s: &AccessEntryState,
    prior: Option<&AccessEntryState>,
    creating: bool,
) -> bool {
    let mut ok = true;
    let (cluster, principal) = (known_str(&s.cluster_name), known_str(&s.principal_arn));
    // Each instance claims its entry once per run of the provider: a new or
    // tainted one when it is planned as a create, an existing one when it is
    // planned as a change; a replacement is planned as a change (with
    // `prior`), then as a create of the same instance, which claims it.
    if let (Some(cluster), Some(principal)) = (cluster, principal) {
        let first_plan_of_replacement = creating && prior.is_some();
        if !first_plan_of_replacement {
            let id = format!("{cluster}:{principal}");
            if let Err(other) = ownership::claim_in_plan(KIND, &id, "platform_eks_access_entry") {
                Validator::new(diags).error(
                    &AttributePath::new("principal_arn"),
                    format!("another {other} in this configuration also manages the access entry of this principal in cluster `{cluster}`: EKS keeps one entry per principal; merge them into one resource"),
                );
                ok = false;
            }
        }
    }
    if creating {
        if let (Some(cluster), Some(principal)) = (cluster, principal) {
            let id = format!("{cluster}:{principal}");
            match find_cluster(&aws.eks, cluster).await {
                Ok(Some(c)) if super::flex::config_map_only(&c) => {
                    // Not an error yet: the cluster may move to
                    // API_AND_CONFIG_MAP earlier in this same apply (a
                    // `cluster_name` that refers to the cluster orders the
                    // two). The create refuses if it has not.
                    Validator::new(diags).warning(
                        &AttributePath::new("cluster_name"),
                        format!("cluster `{cluster}` uses authentication_mode CONFIG_MAP today"),
                        super::flex::config_map_warning(cluster),
                    );
                    return ok;
                }
                Ok(Some(c)) => {
                    match find_access_entry(&aws.eks, cluster, principal).await {
                        Ok(Some(entry)) if prior.is_some_and(|p| super::flex::is_recorded(p, &entry)) => {
                            // The entry this replacement deletes first.
                            ownership::hold(KIND, &id, &identity_of(&entry));
                        }
                        Ok(Some(entry)) if ownership::held(KIND, &id, &identity_of(&entry)) => {
                            tracing::debug!(cluster, principal, "the existing entry is this resource's own (refreshed from state), which the plan replaces");
                        }
                        Ok(Some(entry)) if carries_any(entry.tags()) => {
                            Validator::new(diags).warning(
                            &AttributePath::new("principal_arn"),
                            format!("the access entry of this principal in cluster `{cluster}` exists and carries this provider's owner marker"),
                            "It was not refreshed from this resource's state in this run (for example with `-refresh=false`), so whether it is this resource's tainted entry, which the apply deletes before creating the new one, cannot be told now. If it is not, the create fails with the import command.",
                        );
                        }
                        Ok(Some(entry)) => {
                            let err = taken(&aws.eks, cluster, principal, &c, &entry).await;
                            Validator::new(diags).error(&AttributePath::new("principal_arn"), err);
                            ok = false;
                        }
                        Ok(None) => {}
                        Err(err) => {
                            tracing::debug!(cluster, principal, error = %err, "could not read the access entry; checked at apply")
                        }
                    }
                }
                Ok(None) => {}
                Err(err) => tracing::debug!(cluster, error = %err, "could not read the cluster; checked at apply"),
            }
        }
    }
    // The catalogue, only when the policies change.
    let wanted: BTreeMap<String, usize> = known_policies(&s.access_policy)
        .unwrap_or_default()
        .into_keys()
        .enumerate()
        .map(|(i, arn)| (arn, i))
        .collect();
    let before = prior
        .filter(|_| !creating)
        .and_then(|p| known_policies(&p.access_policy))
        .unwrap_or_default();
    let new: Vec<&String> = wanted.keys().filter(|arn| !before.contains_key(*arn)).collect();
    if !new.is_empty() {
        match list_access_policy_arns(&aws.eks).await {
            Ok(catalogue) if !catalogue.is_empty() => {
                for arn in new {
                    if !catalogue.contains(arn) {
                        let names: Vec<&str> = catalogue.iter().filter_map(|a| a.rsplit('/').next()).collect();
                        Validator::new(diags).error(
                            &AttributePath::new("access_policy"),
                            format!(
                                "EKS has no access policy {arn:?}; ListAccessPolicies lists {}",
                                names.join(", ")
                            ),
                        );
                        ok = false;
                    }
                }
            }
            Ok(_) => {}
            Err(err) => tracing::debug!(error = %err, "could not list the access policies; EKS decides at apply"),
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals() {
        for ok in [
            "arn:aws:iam::111122223333:role/admin",
            "arn:aws:iam::111122223333:role/teams/a/admin",
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws-cn:iam::111122223333:role/x",
        ] {
            assert_eq!(principal_arn(ok), Ok(()), "{ok}");
        }
        for bad in [
            "arn:aws:sts::111122223333:assumed-role/admin/session",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:policy/x",
            "arn:aws:iam::1111:role/x",
            "arn:aws:iam::111122223333:role/",
            "admin",
        ] {
            assert!(principal_arn(bad).is_err(), "{bad}");
        }
        assert!(principal_arn(
            "arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"
        )
        .unwrap_err()
        .contains("service-linked"));
    }

    #[test]
    fn policies_groups_and_user_names() {
        assert!(policy_arn("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy").is_ok());
        for bad in [
            "arn:aws:iam::aws:policy/AmazonEKSViewPolicy",
            "arn:aws:eks:us-east-1:aws:cluster-access-policy/AmazonEKSViewPolicy",
            "arn:aws:eks::aws:cluster-access-policy/",
            "AmazonEKSViewPolicy",
        ] {
            assert!(policy_arn(bad).is_err(), "{bad}");
        }
        assert!(kubernetes_group("viewers").is_ok());
        assert!(kubernetes_group("system:masters").is_err());
        assert!(user_name("dev:{{SessionName}}").is_ok());
        assert!(user_name("alice").is_ok());
        assert!(user_name("john{{SessionName}}").unwrap_err().contains("':'"));
        for reserved in ["system:x", "eks:x", "aws:x", "amazon:x", "iam:x"] {
            assert!(user_name(reserved).is_err(), "{reserved}");
        }
    }
}
