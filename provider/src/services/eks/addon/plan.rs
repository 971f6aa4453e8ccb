//! The plan of `platform_eks_addon`: checks of the configuration alone, and
//! what the plan reads from EKS: the cluster's Kubernetes version, the
//! add-on versions offered for it (the default of an unpinned add-on, the
//! check of a pinned one) and the configuration schema of the version.

use std::collections::BTreeSet;

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::{AddonState, RESOLVE_ON_CREATE, RESOLVE_ON_UPDATE};
use crate::clients::AwsClients;
use crate::framework::diag::{failed, report};
use crate::framework::json_schema;
use crate::framework::plan::{known_str, known_string_map, to_value_map};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::framework::wait::Timeouts;
use crate::services::eks::addons::{configuration_schema, offered_addons, offered_versions};
use crate::services::eks::find::find_cluster;
use crate::services::eks::validate::{cluster_name, parse_version};
use crate::services::eks::versions;

/// Add-on names: what DescribeAddonVersions lists (`vpc-cni`,
/// `aws-ebs-csi-driver`, marketplace ones such as `kubecost_kubecost`).
pub const ADDON_NAME_MAX: usize = 100;

/// An add-on name: 1 to 100 lowercase letters, digits, `-` and `_`,
/// starting with a letter or digit.
pub fn addon_name(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= ADDON_NAME_MAX
        && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be an add-on name as DescribeAddonVersions lists them, such as \"coredns\": 1 to {ADDON_NAME_MAX} lowercase letters, digits, '-' and '_', got {value:?}"
        ))
    }
}

/// An add-on version: `v`, a digit, then letters, digits, `.`, `-`, `_`, `+`
/// (EKS's `v1.19.2-eksbuild.1`), at most 100 characters.
pub fn addon_version(value: &str) -> Result<(), String> {
    let mut chars = value.chars();
    let ok = value.len() <= 100
        && chars.next() == Some('v')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || ".-_+".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be an add-on version such as \"v1.19.2-eksbuild.1\" (as DescribeAddonVersions lists them), got {value:?}"
        ))
    }
}

/// `configuration_values`: a JSON object.
pub fn configuration_object(value: &str) -> Result<serde_json::Value, String> {
    match serde_json::from_str::<serde_json::Value>(value) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        Ok(other) => Err(format!(
            "must be a JSON object such as {{\"replicaCount\": 2}}, got a JSON {}",
            match other {
                serde_json::Value::Array(_) => "array",
                serde_json::Value::String(_) => "string",
                serde_json::Value::Number(_) => "number",
                serde_json::Value::Bool(_) => "boolean",
                _ => "null",
            }
        )),
        Err(err) => Err(format!(
            "must be valid JSON (use jsonencode({{ ... }})): syntax error at line {}, column {}",
            err.line(),
            err.column()
        )),
    }
}

/// Whether two configuration texts say the same (as JSON: formatting and key
/// order aside); texts that are not JSON compare as text.
pub fn equivalent_configuration(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

pub(super) fn validate_config(diags: &mut Diagnostics, c: &AddonState) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    v.check(&path("cluster_name"), c.cluster_name.as_ref_option(), |s: &String| {
        cluster_name(s)
    });
    v.check(&path("addon_name"), c.addon_name.as_ref_option(), |s: &String| {
        addon_name(s)
    });
    v.check(&path("addon_version"), c.addon_version.as_ref_option(), |s: &String| {
        addon_version(s)
    });
    v.check(
        &path("kubernetes_version"),
        c.kubernetes_version.as_ref_option(),
        |s: &String| parse_version(s).and_then(|(major, minor)| versions::major_rule(major, minor)),
    );
    v.check(
        &path("service_account_role_arn"),
        c.service_account_role_arn.as_ref_option(),
        |s: &String| validate::iam_role_arn(s),
    );
    v.check(
        &path("configuration_values"),
        c.configuration_values.as_ref_option(),
        |s: &String| configuration_object(s).map(|_| ()),
    );
    v.check(
        &path("resolve_conflicts_on_create"),
        c.resolve_conflicts_on_create.as_ref_option(),
        |s: &String| {
            if s == "PRESERVE" {
                return Err("on create PRESERVE works as NONE (EKS API reference, CreateAddon); use \"NONE\" or \"OVERWRITE\" here, and PRESERVE in `resolve_conflicts_on_update`".to_string());
            }
            validate::one_of(RESOLVE_ON_CREATE)(s)
        },
    );
    v.check(
        &path("resolve_conflicts_on_update"),
        c.resolve_conflicts_on_update.as_ref_option(),
        validate::one_of(RESOLVE_ON_UPDATE),
    );
    if let Value::Value(pairs) = &c.pod_identity_associations {
        let mut seen = BTreeSet::new();
        for (i, pair) in pairs.iter().enumerate() {
            let at = |field: &'static str| path("pod_identity_associations").index(i as i64).attribute(field);
            v.check(&at("role_arn"), pair.role_arn.as_ref_option(), |s: &String| {
                validate::iam_role_arn(s)
            });
            v.check(
                &at("service_account"),
                pair.service_account.as_ref_option(),
                |s: &String| {
                    validate::dns1123_subdomain_pattern(s)
                        .map_err(|rule| format!("must be a Kubernetes service account name: {rule}"))
                },
            );
            if let Some(sa) = known_str(&pair.service_account) {
                if !seen.insert(sa.to_string()) {
                    v.error(
                        &at("service_account"),
                        format!(
                            "EKS allows one pod identity association per service account, and {sa:?} is given twice"
                        ),
                    );
                }
            }
        }
    }
    Timeouts::validate(&c.timeouts, &mut v);
}

/// The plan of a new add-on (`prior` `None`, also for a replacement) or of a
/// change. `None` when an error was reported.
pub(super) async fn plan(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    s: &mut AddonState,
    config: &AddonState,
    prior: Option<&AddonState>,
) -> Option<()> {
    s.id = match (known_str(&s.cluster_name), known_str(&s.addon_name)) {
        (Some(c), Some(n)) => Value::Value(format!("{c}:{n}")),
        _ => Value::Unknown,
    };
    s.tags_all = match known_string_map(&s.tags) {
        Some(own) => to_value_map(&tags::merge(&aws.default_tags, &own)),
        None => Value::Unknown,
    };
    // The cluster's Kubernetes version, when the cluster exists.
    let cluster_version = match known_str(&s.cluster_name) {
        Some(cluster) => match find_cluster(&aws.eks, cluster).await {
            Ok(found) => found.and_then(|c| c.version().map(str::to_string)),
            Err(err) => {
                report(
                    diags,
                    &failed(format!("reading EKS cluster `{cluster}` to plan its add-on"), err),
                );
                return None;
            }
        },
        None => None,
    };
    if config.kubernetes_version.is_null() {
        s.kubernetes_version = match (&cluster_version, prior) {
            (Some(v), _) => Value::Value(v.clone()),
            (None, Some(p)) => p.kubernetes_version.clone(),
            (None, None) => Value::Unknown,
        };
    } else if let (Some(wanted), Some(current)) = (known_str(&config.kubernetes_version), cluster_version.as_deref()) {
        if let (Ok(w), Ok(c)) = (parse_version(wanted), parse_version(current)) {
            if w != c && w != (c.0, c.1 + 1) {
                diags.error(
                    format!("`kubernetes_version`: must be its cluster's version ({current}), or the next one during an upgrade, got {wanted}"),
                    "Set `kubernetes_version = platform_eks_cluster.x.version`, or leave it unset to follow the cluster's version.",
                    AttributePath::new("kubernetes_version"),
                );
                return None;
            }
        }
    }

    let name = known_str(&s.addon_name).map(str::to_string);
    let kubernetes = known_str(&s.kubernetes_version).map(str::to_string);
    let same_target = prior.is_some_and(|p| p.kubernetes_version == s.kubernetes_version);
    let unchanged_version = prior.is_some_and(|p| p.addon_version == s.addon_version) && same_target;
    if config.addon_version.is_null() {
        match (prior, &name, &kubernetes) {
            // Resolved for this Kubernetes version already: keep what is installed.
            (Some(p), _, _) if same_target && p.addon_version.is_value() => s.addon_version = p.addon_version.clone(),
            (_, Some(name), Some(k)) => {
                let offered = offered_for(diags, aws, name, k).await?;
                match offered.default {
                    Some(default) => s.addon_version = Value::Value(default),
                    None => {
                        diags.error(
                            format!("`addon_version`: EKS names no default version of {name:?} for Kubernetes {k}"),
                            format!(
                                "Set `addon_version` to one of the versions EKS offers: {}.",
                                offered.versions.join(", ")
                            ),
                            AttributePath::new("addon_version"),
                        );
                        return None;
                    }
                }
            }
            _ => s.addon_version = Value::Unknown,
        }
    } else if let (Some(version), Some(name), Some(k)) = (known_str(&config.addon_version), &name, &kubernetes) {
        if !unchanged_version {
            let offered = offered_for(diags, aws, name, k).await?;
            if !offered.versions.iter().any(|v| v == version) {
                diags.error(
                    format!("`addon_version`: {version} is not a version of {name:?} EKS offers for Kubernetes {k}"),
                    format!(
                        "EKS offers {} for Kubernetes {k} (default {}); remove `addon_version` to use the default.",
                        offered.versions.join(", "),
                        offered.default.as_deref().unwrap_or("none")
                    ),
                    AttributePath::new("addon_version"),
                );
                return None;
            }
        }
    }

    // The configuration: none when the configuration has none (Terraform
    // proposes the prior text for an unset optional+computed attribute), and
    // the text in state while the configured one says the same.
    if config.configuration_values.is_null() {
        s.configuration_values = Value::Null;
    } else if let (Some(p), Some(wanted)) = (
        prior.and_then(|p| known_str(&p.configuration_values)),
        known_str(&config.configuration_values),
    ) {
        if equivalent_configuration(p, wanted) {
            s.configuration_values = Value::Value(p.to_string());
        }
    }
    // The configuration against the version's schema.
    let unchanged_configuration =
        prior.is_some_and(|p| p.configuration_values == s.configuration_values && p.addon_version == s.addon_version);
    if let (Some(text), Some(version), Some(name)) =
        (known_str(&s.configuration_values), known_str(&s.addon_version), &name)
    {
        if !unchanged_configuration {
            check_configuration(diags, aws, name, version, text).await?;
        }
    }

    match prior {
        Some(p) => {
            s.arn = p.arn.clone();
            s.created_at = p.created_at.clone();
            s.status = p.status.clone();
            s.health_issues = p.health_issues.clone();
            s.pod_identity_association_arns = if p.pod_identity_associations == s.pod_identity_associations {
                p.pod_identity_association_arns.clone()
            } else {
                Value::Unknown
            };
        }
        None => {
            s.arn = Value::Unknown;
            s.created_at = Value::Unknown;
            s.status = Value::Unknown;
            s.health_issues = Value::Unknown;
            s.pod_identity_association_arns = Value::Unknown;
        }
    }
    Some(())
}

/// What EKS offers of `name` for Kubernetes `k`; an add-on it does not
/// offer at all is an error on `addon_name` naming those it does.
async fn offered_for(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    name: &str,
    k: &str,
) -> Option<crate::services::eks::addons::Offered> {
    match offered_versions(&aws.eks, name, k).await {
        Ok(Some(offered)) => Some(offered),
        Ok(None) => {
            let names = offered_addons(&aws.eks, k).await.unwrap_or_default();
            diags.error(
                format!("`addon_name`: EKS offers no add-on {name:?} for Kubernetes {k}"),
                format!("The add-ons EKS offers for Kubernetes {k}: {}.", names.join(", ")),
                AttributePath::new("addon_name"),
            );
            None
        }
        Err(err) => {
            report(
                diags,
                &failed(format!("reading the versions of EKS add-on `{name}`"), err),
            );
            None
        }
    }
}

/// Checks `text` against the configuration schema of `name` `version`, when
/// EKS publishes one and it can be followed; each problem is an error on
/// `configuration_values`.
async fn check_configuration(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    name: &str,
    version: &str,
    text: &str,
) -> Option<()> {
    let Ok(value) = configuration_object(text) else {
        return Some(()); // validate reported it
    };
    let schema = match configuration_schema(&aws.eks, name, version).await {
        Ok(Some(schema)) => schema,
        Ok(None) => return Some(()),
        Err(err) => {
            tracing::warn!(
                addon = name,
                version,
                "the configuration schema could not be read ({err}); EKS checks the configuration at apply"
            );
            return Some(());
        }
    };
    let Ok(schema) = serde_json::from_str::<serde_json::Value>(&schema) else {
        tracing::warn!(
            addon = name,
            version,
            "the configuration schema EKS published is not JSON; not checked here"
        );
        return Some(());
    };
    match json_schema::validate(&schema, &value) {
        Ok(errors) if errors.is_empty() => Some(()),
        Ok(errors) => {
            for error in errors {
                diags.error(
                    format!("`configuration_values`: does not fit the configuration schema of {name} {version}: {error}"),
                    format!(
                        "EKS publishes the schema with `aws eks describe-addon-configuration --addon-name {name} --addon-version {version}`; \
                         the configuration is checked against it before anything is changed."
                    ),
                    AttributePath::new("configuration_values"),
                );
            }
            None
        }
        Err(problem) => {
            tracing::warn!(
                addon = name,
                version,
                "the configuration schema cannot be followed ({problem}); not checked here"
            );
            Some(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_versions_and_configuration() {
        for ok in ["coredns", "vpc-cni", "kubecost_kubecost", "aws-ebs-csi-driver"] {
            assert_eq!(addon_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "CoreDNS", "-x", "a b", &"a".repeat(101)] {
            assert!(addon_name(bad).is_err(), "{bad}");
        }
        for ok in ["v1.19.2-eksbuild.1", "v0.2.5-rc.1", "v2.1.0+build.3"] {
            assert_eq!(addon_version(ok), Ok(()), "{ok}");
        }
        for bad in ["1.19.2", "latest", "v", "vX", "v1.2 ", ""] {
            assert!(addon_version(bad).is_err(), "{bad}");
        }
        assert!(configuration_object("{\"replicaCount\": 2}").is_ok());
        assert!(configuration_object("[1]").unwrap_err().contains("got a JSON array"));
        assert!(configuration_object("{replicaCount: 2}")
            .unwrap_err()
            .contains("syntax error at line 1"));
        assert!(equivalent_configuration(
            "{\"a\":1,\"b\":[2]}",
            "{ \"b\": [2],\n \"a\": 1 }"
        ));
        assert!(!equivalent_configuration("{\"a\":1}", "{\"a\":2}"));
    }
}
