//! Plan-time rules of EKS names and values that more than one resource
//! checks: cluster and node-group names, Kubernetes versions, and what the
//! Kubernetes label syntax alone does not give for managed node groups: EKS's
//! reserved label prefixes, the lengths of its API model, and the taint count.

/// `"1.31"` as (1, 31).
pub fn parse_version(version: &str) -> Result<(u32, u32), String> {
    let rule = || format!("must be a Kubernetes version \"<major>.<minor>\" such as \"1.31\", got {version:?}");
    let (major, minor) = version.split_once('.').ok_or_else(rule)?;
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 3 && s.chars().all(|c| c.is_ascii_digit()) && !(s.len() > 1 && s.starts_with('0')))
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .ok_or_else(rule)
    };
    Ok((number(major)?, number(minor)?))
}

/// An EKS cluster name (node-group names follow the same rule, at most 63
/// characters): 1 to 100 letters, digits, `-` and `_`, starting with a letter
/// or digit.
pub fn cluster_name(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 100
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be 1 to 100 letters, digits, '-' and '_', starting with a letter or digit, got {value:?}"
        ))
    }
}

/// A Kubernetes service-account name, as a pod identity association names
/// it: a DNS-1123 subdomain (at most 253 characters, lowercase letters,
/// digits, `-` and `.`), without wildcards.
pub fn service_account_name(value: &str) -> Result<(), String> {
    let ok = !value.contains('*') && crate::framework::validate::dns1123_subdomain_pattern(value).is_ok();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be a Kubernetes service-account name, a DNS-1123 subdomain: at most 253 characters, lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit (no wildcards), got {value:?}"
        ))
    }
}

/// The role of a pod identity association: EKS passes it with
/// `iam:PassRole`, so it must be in the cluster's account, which is the
/// account of the provider's credentials (EKS User Guide,
/// "pod-id-assign-target-role": "The EKS Pod Identity role must be in your
/// EKS cluster's account due to IAM PassRole requirements"). A role of
/// another account goes in `target_role_arn`.
pub fn role_in_account(role_arn: &str, account: &str) -> Result<(), String> {
    match crate::framework::validate::parse_arn(role_arn) {
        Some((_, _, _, role_account, _)) if role_account != account => Err(format!(
            "must be a role in the cluster's account {account} (EKS passes it with iam:PassRole), got one in account {role_account}; \
             to reach a role in another account, give a role of this account here and the other one in `target_role_arn`"
        )),
        _ => Ok(()),
    }
}

/// Label-key prefixes EKS refuses on managed node groups, with their
/// subdomains. EKS answers CreateNodegroup / UpdateNodegroupConfig with
/// InvalidParameterException "Label cannot contain reserved prefixes
/// [kubernetes.io/, k8s.io/, eks.amazonaws.com/]" (quoted in
/// eksctl-io/eksctl#4007, where `node-role.kubernetes.io/test` was refused, and
/// kubernetes/cloud-provider-aws#242).
pub const RESERVED_LABEL_DOMAINS: &[&str] = &["kubernetes.io", "k8s.io", "eks.amazonaws.com"];

/// Label keys and values: 1 to 63 characters each (botocore's EKS model,
/// shapes `labelKey` and `labelValue`, min 1 max 63).
pub const LABEL_MAX: usize = 63;

/// Taint keys: 1 to 63 characters (botocore's `taintKey`); values 0 to 63
/// (`taintValue`).
pub const TAINT_KEY_MAX: usize = 63;

/// "A maximum of 50 taints are allowed per node group" (EKS User Guide,
/// Node taints on managed node groups).
pub const MAX_TAINTS: usize = 50;

/// A label key EKS accepts beyond the Kubernetes syntax: not under a reserved
/// prefix, and at most 63 characters in all (prefix included).
pub fn eks_label_key(key: &str) -> Result<(), String> {
    if let Some((prefix, _)) = key.rsplit_once('/') {
        if let Some(domain) = RESERVED_LABEL_DOMAINS
            .iter()
            .find(|d| prefix == **d || prefix.ends_with(&format!(".{d}")))
        {
            return Err(format!(
                "EKS refuses labels under the reserved prefixes kubernetes.io/, k8s.io/ and eks.amazonaws.com/ (and their subdomains), got {key:?} (under {domain}); use a prefix of your own such as \"example.com/\""
            ));
        }
    }
    if key.len() > LABEL_MAX {
        return Err(format!(
            "EKS accepts label keys of at most {LABEL_MAX} characters, prefix included, got {} in {key:?}",
            key.len()
        ));
    }
    Ok(())
}

/// A label value EKS accepts: not empty (botocore's `labelValue` has min 1).
pub fn eks_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        Err("EKS refuses empty label values (1 to 63 characters); give it a value such as \"true\"".to_string())
    } else {
        Ok(())
    }
}

/// A taint key EKS accepts: at most 63 characters, prefix included.
pub fn eks_taint_key(key: &str) -> Result<(), String> {
    if key.len() > TAINT_KEY_MAX {
        Err(format!(
            "EKS accepts taint keys of at most {TAINT_KEY_MAX} characters, prefix included, got {} in {key:?}",
            key.len()
        ))
    } else {
        Ok(())
    }
}

/// The taint count.
pub fn taint_count(count: usize) -> Result<(), String> {
    if count > MAX_TAINTS {
        Err(format!(
            "EKS allows at most {MAX_TAINTS} `taint` blocks per node group, got {count}"
        ))
    } else {
        Ok(())
    }
}

/// The index of an earlier taint with the same key and effect, which EKS
/// would take as one taint (a node holds one taint per key and effect).
pub fn duplicate_taint(seen: &[(String, String)], key: &str, effect: &str) -> Option<usize> {
    seen.iter().position(|(k, e)| k == key && e == effect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_names() {
        assert_eq!(parse_version("1.31"), Ok((1, 31)));
        for bad in ["1", "1.", "v1.31", "1.31.2", "1.031", "", "a.b"] {
            assert!(parse_version(bad).is_err(), "{bad}");
        }
        assert!(cluster_name("prod-eu_1").is_ok());
        assert!(cluster_name("-x").is_err());
        assert!(cluster_name(&"a".repeat(101)).is_err());
    }

    #[test]
    fn pod_identity_names_and_accounts() {
        assert!(service_account_name("ebs-csi-controller-sa").is_ok());
        assert!(service_account_name("a.b").is_ok());
        for bad in ["", "Web", "web_1", "app-*", "-x", &"a".repeat(254)] {
            assert!(service_account_name(bad).is_err(), "{bad}");
        }
        let arn = "arn:aws:iam::123456789012:role/x";
        assert!(role_in_account(arn, "123456789012").is_ok());
        assert!(role_in_account(arn, "210987654321")
            .unwrap_err()
            .contains("must be a role in the cluster's account 210987654321"));
    }

    #[test]
    fn reserved_prefixes() {
        for bad in [
            "kubernetes.io/role",
            "node.kubernetes.io/pool",
            "node-role.kubernetes.io/worker",
            "k8s.io/x",
            "sub.k8s.io/x",
            "eks.amazonaws.com/capacityType",
        ] {
            assert!(eks_label_key(bad).unwrap_err().contains("reserved prefixes"), "{bad}");
        }
        for good in [
            "pool",
            "example.com/pool",
            "notkubernetes.io/x",
            "kubernetes.io.example.com/x",
        ] {
            assert_eq!(eks_label_key(good), Ok(()), "{good}");
        }
        assert!(eks_label_key(&format!("example.com/{}", "a".repeat(60))).is_err());
        assert!(eks_label_value("").is_err());
        assert!(eks_taint_key(&"a".repeat(64)).is_err());
        assert!(taint_count(51).is_err() && taint_count(50).is_ok());
    }
}
