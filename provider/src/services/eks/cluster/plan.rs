//! The plan of `platform_eks_cluster`: checks of the configuration alone,
//! the values that follow from the configuration and the prior state
//! (defaults, the created role and key, what EKS reports), and the rule of
//! in-place version upgrades.

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::flex::cluster_facts;
use super::{
    ClusterState, AUTHENTICATION_MODES, AUTHENTICATION_STEPS, DEFAULT_AUTHENTICATION_MODE, DEFAULT_BOOTSTRAP_ADMIN,
    DEFAULT_CREATE_OIDC_PROVIDER, DEFAULT_ENDPOINT_PRIVATE_ACCESS, DEFAULT_ENDPOINT_PUBLIC_ACCESS, DEFAULT_IP_FAMILY,
    DEFAULT_POD_SECURITY_GROUPS, DEFAULT_PUBLIC_ACCESS_CIDR, LOG_TYPES, MAX_SECURITY_GROUPS, SUPPORT_TYPES,
    VPC_RESOURCE_CONTROLLER,
};
use crate::clients::AwsClients;
use crate::framework::plan::{
    created_unless_given, default_from_config, known_str, known_string_map, to_value_map, RequiresReplace,
};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::framework::wait::Timeouts;
use crate::services::eks::roles::{cluster_role_name, plan_created_role};
use crate::services::eks::tags::created_object_tags;
use crate::services::eks::validate::{cluster_name, parse_version};

pub(super) fn validate_config(diags: &mut Diagnostics, c: &ClusterState) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    v.check(&path("name"), c.name.as_ref_option(), |s: &String| cluster_name(s));
    v.check(&path("version"), c.version.as_ref_option(), |s: &String| {
        parse_version(s).map(|_| ())
    });
    v.check(&path("role_arn"), c.role_arn.as_ref_option(), |s: &String| {
        validate::iam_role_arn(s)
    });
    v.check(&path("kms_key_arn"), c.kms_key_arn.as_ref_option(), |s: &String| {
        validate::kms_key_arn(s)
    });
    if let Value::Value(subnets) = &c.subnet_ids {
        if subnets.len() < 2 && subnets.iter().all(Value::is_value) {
            v.error(
                &path("subnet_ids"),
                format!(
                    "EKS needs at least two subnets in different availability zones, got {}",
                    subnets.len()
                ),
            );
        }
    }
    v.check_each(&path("subnet_ids"), &c.subnet_ids, validate::ec2_id("subnet"));
    v.check_each(
        &path("security_group_ids"),
        &c.security_group_ids,
        validate::ec2_id("sg"),
    );
    if let Value::Value(groups) = &c.security_group_ids {
        if groups.len() > MAX_SECURITY_GROUPS {
            v.error(
                &path("security_group_ids"),
                format!(
                    "EKS takes at most {MAX_SECURITY_GROUPS} security groups for the cluster's network interfaces, got {}; use fewer groups with more rules",
                    groups.len()
                ),
            );
        }
    }
    v.check(
        &path("upgrade_policy").attribute("support_type"),
        c.support_type().as_ref_option(),
        validate::one_of(SUPPORT_TYPES),
    );
    v.check_each(&path("public_access_cidrs"), &c.public_access_cidrs, |s| {
        validate::ipv4_cidr(s).map(|_| ())
    });
    // Unset, private access is off (the default).
    if c.endpoint_public_access == Value::Value(false)
        && matches!(c.endpoint_private_access, Value::Value(false) | Value::Null)
    {
        v.error(
            &path("endpoint_private_access"),
            "the API server must be reachable somehow: with `endpoint_public_access = false`, set `endpoint_private_access = true`",
        );
    }
    v.check(
        &path("ip_family"),
        c.ip_family.as_ref_option(),
        validate::one_of(&["ipv4", "ipv6"]),
    );
    v.check(
        &path("service_ipv4_cidr"),
        c.service_ipv4_cidr.as_ref_option(),
        |s: &String| validate::service_ipv4_cidr(s),
    );
    if c.ip_family.as_ref_option().map(String::as_str) == Some("ipv6") && c.service_ipv4_cidr.is_value() {
        v.error(
            &path("service_ipv4_cidr"),
            "only applies to `ip_family = \"ipv4\"`; EKS picks the service CIDR of IPv6 clusters (see `service_ipv6_cidr`)",
        );
    }
    v.check_each(
        &path("enabled_log_types"),
        &c.enabled_log_types,
        validate::one_of(LOG_TYPES),
    );
    v.check(
        &path("authentication_mode"),
        c.authentication_mode.as_ref_option(),
        validate::one_of(AUTHENTICATION_MODES),
    );
    if let Value::Value(prints) = &c.oidc_thumbprints {
        if c.create_oidc_provider == Value::Value(false) {
            v.error(
                &path("oidc_thumbprints"),
                "only applies with `create_oidc_provider = true`; remove it or create the provider",
            );
        }
        if prints.len() > 5 {
            v.error(
                &path("oidc_thumbprints"),
                format!("IAM accepts at most 5 thumbprints, got {}", prints.len()),
            );
        }
    }
    v.check_each(&path("oidc_thumbprints"), &c.oidc_thumbprints, |s| {
        validate::thumbprint(s)
    });
    Timeouts::validate(&c.timeouts, &mut v);
}

/// Secrets encryption on an existing cluster: EKS associates a key once with
/// a cluster that has none (in place), and can neither change nor remove it.
/// Another key joins `replace`; removing encryption from a cluster that is
/// kept is an error naming the fix. Returns false after an error.
pub(super) fn plan_encryption(
    diags: &mut Diagnostics,
    prior: &ClusterState,
    s: &ClusterState,
    config: &ClusterState,
    replace: &mut RequiresReplace,
) -> bool {
    let Some(key) = known_str(&prior.kms_key_arn) else {
        // No encryption yet: a key (given, or created at apply) is associated in place.
        return true;
    };
    match &s.kms_key_arn {
        Value::Value(planned) if planned == key => true,
        Value::Value(_) | Value::Unknown => {
            replace.paths.push(AttributePath::new("kms_key_arn"));
            true
        }
        Value::Null if !replace.is_empty() => true,
        Value::Null => {
            let (path, fix) = if config.create_kms_key == Value::Value(false) && prior.managed_kms_key_id.is_value() {
                ("create_kms_key", "keep `create_kms_key = true`".to_string())
            } else {
                ("kms_key_arn", format!("keep `kms_key_arn = \"{key}\"`"))
            };
            Validator::new(diags).error(
                &AttributePath::new(path),
                format!(
                    "EKS cannot remove secrets encryption from a cluster (it uses key `{key}`): {fix}. If a new cluster without it is really wanted, replace this one with `terraform apply -replace=<address>`"
                ),
            );
            false
        }
    }
}

/// `authentication_mode` changes in place one step forward per apply:
/// CONFIG_MAP -> API_AND_CONFIG_MAP -> API. EKS cannot go back; the skip is
/// the provider's rule, so that the `aws-auth` mappings move to access
/// entries while both work. Returns false after an error.
pub(super) fn check_authentication_step(diags: &mut Diagnostics, prior: &ClusterState, s: &ClusterState) -> bool {
    let (Some(from), Some(to)) = (known_str(&prior.authentication_mode), known_str(&s.authentication_mode)) else {
        return true;
    };
    match authentication_step(from, to) {
        Ok(()) => true,
        Err(rule) => {
            Validator::new(diags).error(&AttributePath::new("authentication_mode"), rule);
            false
        }
    }
}

/// Can the authentication mode go from `from` to `to` in one apply?
pub(super) fn authentication_step(from: &str, to: &str) -> Result<(), String> {
    let rank = |mode: &str| AUTHENTICATION_STEPS.iter().position(|m| *m == mode);
    let (Some(old), Some(new)) = (rank(from), rank(to)) else {
        return Ok(());
    };
    if new < old {
        Err(format!(
            "the cluster's authentication mode is `{from}`, and EKS cannot change it back to `{to}` (access entries, once on, stay on): set `authentication_mode = \"{from}\"`. If a cluster with `{to}` is really wanted, replace this one with `terraform apply -replace=<address>`"
        ))
    } else if new > old + 1 {
        let between = AUTHENTICATION_STEPS[old + 1];
        Err(format!(
            "the authentication mode changes one step per apply: go from `{from}` to `{between}` first, apply, move the `aws-auth` ConfigMap's mappings to access entries, then set `{to}`"
        ))
    } else {
        Ok(())
    }
}

/// `pod_security_groups` attaches a policy to the role this resource
/// created; a role given in `role_arn` is the user's to change. Returns false
/// after an error.
pub(super) fn check_pod_security_groups(diags: &mut Diagnostics, s: &ClusterState) -> bool {
    if s.pod_security_groups == Value::Value(true) && s.managed_role_name.is_null() {
        Validator::new(diags).error(
            &AttributePath::new("pod_security_groups"),
            format!(
                "only applies to the role this resource creates, and `role_arn` names a role of your own: attach `arn:aws:iam::aws:policy/{VPC_RESOURCE_CONTROLLER}` to that role yourself and remove `pod_security_groups`"
            ),
        );
        return false;
    }
    true
}

/// Can `from` become `to` in place? One minor version up, or unchanged.
pub(super) fn version_step(from: &str, to: &str) -> Result<(), String> {
    let (Ok(old), Ok(new)) = (parse_version(from), parse_version(to)) else {
        return Ok(());
    };
    if new == old || new == (old.0, old.1 + 1) {
        Ok(())
    } else if new < old {
        Err(format!("EKS cannot downgrade a cluster: {from} to {to}. Set it back to \"{from}\" (replacing a cluster is never done for a version change; taint it if that is what you want)"))
    } else {
        Err(format!(
            "EKS upgrades one minor version at a time: go from {from} to {}.{} first, apply, then continue to {to}",
            old.0,
            old.1 + 1
        ))
    }
}

/// The plan's values that follow from the configuration and the prior state.
pub(super) fn plan_computed(
    s: &mut ClusterState,
    config: &ClusterState,
    prior: Option<&ClusterState>,
    aws: &AwsClients,
) {
    default_from_config(
        &mut s.endpoint_public_access,
        &config.endpoint_public_access,
        DEFAULT_ENDPOINT_PUBLIC_ACCESS,
    );
    default_from_config(
        &mut s.endpoint_private_access,
        &config.endpoint_private_access,
        DEFAULT_ENDPOINT_PRIVATE_ACCESS,
    );
    default_from_config(
        &mut s.public_access_cidrs,
        &config.public_access_cidrs,
        [Value::Value(DEFAULT_PUBLIC_ACCESS_CIDR.to_string())]
            .into_iter()
            .collect(),
    );
    default_from_config(&mut s.ip_family, &config.ip_family, DEFAULT_IP_FAMILY.to_string());
    default_from_config(
        &mut s.authentication_mode,
        &config.authentication_mode,
        DEFAULT_AUTHENTICATION_MODE.to_string(),
    );
    default_from_config(
        &mut s.bootstrap_cluster_creator_admin_permissions,
        &config.bootstrap_cluster_creator_admin_permissions,
        DEFAULT_BOOTSTRAP_ADMIN,
    );
    default_from_config(
        &mut s.create_oidc_provider,
        &config.create_oidc_provider,
        DEFAULT_CREATE_OIDC_PROVIDER,
    );
    default_from_config(
        &mut s.pod_security_groups,
        &config.pod_security_groups,
        DEFAULT_POD_SECURITY_GROUPS,
    );
    default_from_config(
        &mut s.create_kms_key,
        &config.create_kms_key,
        config.kms_key_arn.is_null(),
    );
    s.id = s.name.clone();
    s.tags_all = match known_string_map(&s.tags) {
        Some(own) => to_value_map(&tags::merge(&aws.default_tags, &own)),
        None => Value::Unknown,
    };
    let prior = prior.filter(|p| p.arn.is_value());
    // The created role and key stay while the configuration leaves them unset.
    // A created role deleted outside Terraform (see read_remote) is created
    // again under the same name, so the cluster's role ARN holds.
    let own_role = known_str(&s.name).map(|name| format!(":role/{}", cluster_role_name(name)));
    // The created role: its ARN, recorded name and RoleId (also when `role_arn` names it).
    plan_created_role(
        (&mut s.role_arn, &mut s.managed_role_name, &mut s.managed_role_id),
        &config.role_arn,
        prior.map(|p| (&p.role_arn, &p.managed_role_name, &p.managed_role_id)),
        own_role.as_deref(),
    );
    if s.create_kms_key == Value::Value(false) && config.kms_key_arn.is_null() {
        // No envelope encryption of secrets (e.g. an imported cluster made without it).
        s.kms_key_arn = Value::Null;
        s.managed_kms_key_id = Value::Null;
    } else {
        created_unless_given(
            &mut s.kms_key_arn,
            &mut s.managed_kms_key_id,
            &config.kms_key_arn,
            prior.map(|p| (&p.kms_key_arn, &p.managed_kms_key_id)),
            // A cluster's key cannot change: a vanished created key replaces the cluster.
            None,
        );
        // A key created for a cluster that had none, whose association then
        // failed: the apply associates it (its ARN is read then).
        if let Some(p) = prior.filter(|p| p.kms_key_arn.is_null() && p.managed_kms_key_id.is_value()) {
            if config.kms_key_arn.is_null() && s.managed_kms_key_id == p.managed_kms_key_id {
                s.kms_key_arn = Value::Unknown;
            }
        }
    }
    // Unset, the support type is what EKS has (its default on a new cluster).
    if config.support_type().is_null() {
        let support_type = match prior {
            Some(p) => p.support_type(),
            None => Value::Unknown,
        };
        s.set_support_type(support_type);
    }
    if config.service_ipv4_cidr.is_null() {
        s.service_ipv4_cidr = match (prior, known_str(&s.ip_family)) {
            (_, Some("ipv6")) => Value::Null,
            (Some(p), _) => p.service_ipv4_cidr.clone(),
            (None, _) => Value::Unknown,
        };
    }
    match prior {
        Some(p) => {
            let mut known_facts = p.clone();
            for (planned_value, prior_value) in cluster_facts(s).into_iter().zip(cluster_facts(&mut known_facts)) {
                *planned_value = prior_value.clone();
            }
            if p.version != s.version {
                s.platform_version = Value::Unknown;
            }
        }
        None => {
            for v in cluster_facts(s) {
                *v = Value::Unknown;
            }
        }
    }
    if s.create_oidc_provider == Value::Value(false) {
        s.oidc_provider_arn = Value::Null;
        s.oidc_thumbprints = Value::Null;
        s.oidc_provider_created_at = Value::Null;
    } else {
        let existing = prior.and_then(|p| p.oidc_provider_arn.as_ref_option().map(|_| p));
        match existing {
            Some(p) => {
                s.oidc_provider_arn = p.oidc_provider_arn.clone();
                s.oidc_provider_created_at = p.oidc_provider_created_at.clone();
                if config.oidc_thumbprints.is_null() {
                    s.oidc_thumbprints = p.oidc_thumbprints.clone();
                }
            }
            None => {
                s.oidc_provider_arn = Value::Unknown;
                s.oidc_provider_created_at = Value::Unknown;
                if config.oidc_thumbprints.is_null() {
                    s.oidc_thumbprints = Value::Unknown;
                }
            }
        }
    }
    // Every object this resource created (or will create) carries `tags_all`.
    s.managed_role_tags = created_object_tags(&s.managed_role_name, &s.tags_all);
    s.managed_kms_key_tags = created_object_tags(&s.managed_kms_key_id, &s.tags_all);
    s.oidc_provider_tags = match prior {
        // An OIDC provider adopted by import, not created here: tags left alone.
        Some(p)
            if p.oidc_provider_arn.is_value() && p.oidc_provider_tags.is_null() && s.oidc_provider_arn.is_value() =>
        {
            Value::Null
        }
        _ => created_object_tags(&s.oidc_provider_arn, &s.tags_all),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_steps() {
        assert!(version_step("1.30", "1.31").is_ok());
        assert!(version_step("1.30", "1.30").is_ok());
        assert!(version_step("1.29", "1.31")
            .unwrap_err()
            .contains("go from 1.29 to 1.30 first"));
        assert!(version_step("1.31", "1.30").unwrap_err().contains("cannot downgrade"));
    }

    #[test]
    fn authentication_steps() {
        assert!(authentication_step("CONFIG_MAP", "API_AND_CONFIG_MAP").is_ok());
        assert!(authentication_step("API_AND_CONFIG_MAP", "API").is_ok());
        assert!(authentication_step("API", "API").is_ok());
        let skip = authentication_step("CONFIG_MAP", "API").unwrap_err();
        assert!(
            skip.contains("one step per apply") && skip.contains("to `API_AND_CONFIG_MAP` first"),
            "{skip}"
        );
        for (from, to) in [
            ("API", "API_AND_CONFIG_MAP"),
            ("API", "CONFIG_MAP"),
            ("API_AND_CONFIG_MAP", "CONFIG_MAP"),
        ] {
            let back = authentication_step(from, to).unwrap_err();
            assert!(
                back.contains("cannot change it back") && back.contains(&format!("= \"{from}\"")),
                "{back}"
            );
        }
    }
}
