//! Validators of AWS names and identifiers: IAM names and paths, ARNs in a
//! known partition, KMS aliases, EC2 ids, certificate thumbprints and CIDR
//! blocks. Each returns `Err(rule)` as the validators of the parent module do;
//! they are re-exported there.

use crate::framework::policy;

/// An IAM role name: 1–64 characters from `[A-Za-z0-9+=,.@_-]`.
pub fn iam_role_name(value: &str) -> Result<(), String> {
    iam_name_with_limit(value, 64, "an IAM role name")
}

/// An IAM role name prefix, which leaves room for the 26-character generated suffix.
pub fn iam_role_name_prefix(value: &str) -> Result<(), String> {
    iam_name_with_limit(
        value,
        64 - crate::framework::naming::SUFFIX_LEN,
        "an IAM role name prefix",
    )
}

/// An inline policy name: 1–128 characters from `[A-Za-z0-9+=,.@_-]`.
pub fn iam_policy_name(value: &str) -> Result<(), String> {
    iam_name_with_limit(value, 128, "an IAM policy name")
}

fn iam_name_with_limit(value: &str, max: usize, what: &str) -> Result<(), String> {
    let charset_ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if value.is_empty() || value.len() > max || !charset_ok {
        Err(format!(
            "must be {what}: 1 to {max} characters from letters, digits and '+=,.@_-', got {value:?} ({} characters)",
            value.len()
        ))
    } else {
        Ok(())
    }
}

/// An IAM path: `/` or `/segment/.../`, at most 512 characters.
pub fn iam_path(value: &str) -> Result<(), String> {
    let ok = value.len() <= 512
        && value.starts_with('/')
        && value.ends_with('/')
        && !value.contains("//")
        && value.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be an IAM path that begins and ends with '/', such as \"/\" or \"/platform/\", got {value:?}"
        ))
    }
}

/// The AWS partitions (botocore's `endpoints.json` / the SDK's partition
/// metadata): an ARN naming any other, such as `aws-`, is refused.
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// Splits an ARN into (partition, service, region, account, resource); `None`
/// for anything that is not an ARN in a known partition.
pub fn parse_arn(value: &str) -> Option<(&str, &str, &str, &str, &str)> {
    let mut parts = value.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let partition_ok = PARTITIONS.contains(&partition);
    (arn == "arn" && partition_ok && !service.is_empty() && !resource.is_empty())
        .then_some((partition, service, region, account, resource))
}

/// For an ARN whose partition does not exist (such as `aws-`), the rule that
/// says so; `None` for any other value.
fn unknown_partition(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, ':');
    let (arn, partition) = (parts.next()?, parts.next()?);
    (arn == "arn" && !PARTITIONS.contains(&partition)).then(|| {
        format!(
            "names the partition {partition:?}, which does not exist: an ARN's partition is one of {}, got {value:?}",
            PARTITIONS.join(", ")
        )
    })
}

/// `arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>`.
/// Returns the issuer (host and path) used as the condition-key prefix.
pub fn oidc_provider_arn(value: &str) -> Result<&str, String> {
    if let Some(rule) = unknown_partition(value) {
        return Err(rule);
    }
    let rule = || {
        format!("must be an IAM OIDC provider ARN such as \"arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE\", got {value:?}")
    };
    let (_, service, region, account, resource) = parse_arn(value).ok_or_else(rule)?;
    let issuer = resource.strip_prefix("oidc-provider/").ok_or_else(rule)?;
    let host = issuer.split('/').next().unwrap_or_default();
    let ok = service == "iam"
        && region.is_empty()
        && policy::is_account_id(account)
        && !host.is_empty()
        && host.contains('.')
        && !issuer.ends_with('/')
        && issuer.chars().all(|c| c.is_ascii_alphanumeric() || "-._/".contains(c));
    if ok {
        Ok(issuer)
    } else {
        Err(rule())
    }
}

/// An IAM managed policy ARN: `arn:<partition>:iam::<account or "aws">:policy/<path><name>`.
pub fn iam_policy_arn(value: &str) -> Result<(), String> {
    if let Some(rule) = unknown_partition(value) {
        return Err(rule);
    }
    let ok = parse_arn(value).is_some_and(|(_, service, region, account, resource)| {
        service == "iam"
            && region.is_empty()
            && (account == "aws" || policy::is_account_id(account))
            && resource.starts_with("policy/")
            && resource.len() > "policy/".len()
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be an IAM policy ARN such as \"arn:aws:iam::aws:policy/ReadOnlyAccess\", got {value:?}"
        ))
    }
}

/// A KMS alias name: `alias/` + letters, digits, `/`, `_`, `-`; not `alias/aws/`
/// (reserved for AWS managed keys); at most 256 characters.
pub fn kms_alias_name(value: &str) -> Result<(), String> {
    let Some(rest) = value.strip_prefix("alias/") else {
        return Err(format!(
            "must start with \"alias/\", e.g. \"alias/ebs-platform\", got {value:?}"
        ));
    };
    if value.starts_with("alias/aws/") {
        return Err(format!(
            "must not start with \"alias/aws/\", which is reserved for AWS managed keys, got {value:?}"
        ));
    }
    let ok =
        !rest.is_empty() && value.len() <= 256 && rest.chars().all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("must be \"alias/\" followed by letters, digits, '/', '_' and '-' (at most 256 characters in all), got {value:?}"))
    }
}

/// An IAM principal ARN for a key policy: the account root, a role or a user.
pub fn iam_principal_arn(value: &str) -> Result<(), String> {
    if let Some(rule) = unknown_partition(value) {
        return Err(rule);
    }
    let ok = parse_arn(value).is_some_and(|(_, service, region, account, resource)| {
        service == "iam"
            && region.is_empty()
            && policy::is_account_id(account)
            && (resource == "root" || resource.starts_with("role/") || resource.starts_with("user/"))
    });
    if ok {
        Ok(())
    } else {
        Err(format!("must be an IAM role, user or account-root ARN such as \"arn:aws:iam::123456789012:role/admin\", got {value:?}"))
    }
}

/// An IAM role ARN: `arn:<partition>:iam::<account>:role/<path><name>`.
pub fn iam_role_arn(value: &str) -> Result<(), String> {
    if let Some(rule) = unknown_partition(value) {
        return Err(rule);
    }
    let ok = parse_arn(value).is_some_and(|(_, service, region, account, resource)| {
        service == "iam"
            && region.is_empty()
            && policy::is_account_id(account)
            && resource.len() > "role/".len()
            && resource.starts_with("role/")
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be an IAM role ARN such as \"arn:aws:iam::123456789012:role/eks-cluster\", got {value:?}"
        ))
    }
}

/// A KMS key ARN: `arn:<partition>:kms:<region>:<account>:key/<id>` (EKS
/// takes key ARNs, not aliases, for envelope encryption).
pub fn kms_key_arn(value: &str) -> Result<(), String> {
    if let Some(rule) = unknown_partition(value) {
        return Err(rule);
    }
    let ok = parse_arn(value).is_some_and(|(_, service, region, account, resource)| {
        service == "kms"
            && !region.is_empty()
            && policy::is_account_id(account)
            && resource.len() > "key/".len()
            && resource.starts_with("key/")
    });
    if ok {
        Ok(())
    } else {
        Err(format!("must be a KMS key ARN such as \"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\" (not an alias), got {value:?}"))
    }
}

/// An EC2 id such as "subnet-0123456789abcdef0": the prefix, `-`, and 8 or
/// 17 lowercase hex digits (the short and long id formats,
/// <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html>).
pub fn ec2_id(prefix: &'static str) -> impl Fn(&String) -> Result<(), String> {
    move |value| {
        let ok = value
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|hex| {
                matches!(hex.len(), 8 | 17) && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            });
        if ok {
            Ok(())
        } else {
            Err(format!(
                "must be {prefix} ids such as \"{prefix}-0123456789abcdef0\": \"{prefix}-\" and 8 or 17 lowercase hex digits, got {value:?}"
            ))
        }
    }
}

/// A SHA-1 certificate thumbprint: 40 hex digits.
pub fn thumbprint(value: &str) -> Result<(), String> {
    if value.len() == 40 && value.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!("must be a SHA-1 thumbprint of 40 hex digits, got {value:?}"))
    }
}

/// An IPv4 CIDR block in canonical form ("10.0.0.0/16"): four octets, a
/// prefix length of 0 to 32, and no host bits set.
pub fn ipv4_cidr(value: &str) -> Result<(u32, u8), String> {
    let rule = || format!("must be an IPv4 CIDR block such as \"10.100.0.0/16\", got {value:?}");
    let (address, prefix) = value.split_once('/').ok_or_else(rule)?;
    let address: std::net::Ipv4Addr = address.parse().map_err(|_| rule())?;
    if prefix.is_empty() || prefix.len() > 2 || !prefix.chars().all(|c| c.is_ascii_digit()) {
        return Err(rule());
    }
    let prefix: u8 = prefix.parse().map_err(|_| rule())?;
    if prefix > 32 {
        return Err(rule());
    }
    let bits = u32::from(address);
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    if bits & !mask != 0 {
        let network = std::net::Ipv4Addr::from(bits & mask);
        return Err(format!(
            "has host bits set: {value:?} is not a network address; did you mean \"{network}/{prefix}\"?"
        ));
    }
    Ok((bits, prefix))
}

/// The Kubernetes service CIDR EKS accepts: within 10.0.0.0/8, 172.16.0.0/12
/// or 192.168.0.0/16, with a prefix length between /12 and /24.
pub fn service_ipv4_cidr(value: &str) -> Result<(), String> {
    let (bits, prefix) = ipv4_cidr(value)?;
    let private = [(0x0a00_0000u32, 8u8), (0xac10_0000, 12), (0xc0a8_0000, 16)]
        .iter()
        .any(|(net, len)| prefix >= *len && bits & (u32::MAX << (32 - len)) == *net);
    if !(12..=24).contains(&prefix) {
        return Err(format!("must have a prefix length between /12 and /24, got {value:?}"));
    }
    if !private {
        return Err(format!(
            "must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, got {value:?}"
        ));
    }
    Ok(())
}
