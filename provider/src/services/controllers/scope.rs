//! Least privilege of the parameters that name resources: each ARN is
//! checked against the grammar of what it names (zone ids, bucket names,
//! role names and paths, key ids, queue names, file system ids), and an IAM
//! wildcard (`*` or `?`) is refused wherever the controller's upstream policy
//! scopes the statement to named resources. Where the upstream document
//! itself uses a wildcard (`Controller::upstream`, `wildcard: true`), the
//! wildcard is accepted, with a warning naming the controller and the
//! upstream line when it matches every resource of its type.

use super::catalog::{self, Controller, Upstream};
use crate::framework::policy;
use crate::framework::validate::{iam_path, iam_role_arn, iam_role_name, kms_key_arn, parse_arn};

/// A value accepted although it grants on every resource of its type: the
/// warning's summary and detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Wide {
    pub summary: String,
    pub detail: String,
}

/// The checks of one element of an ARN-list parameter (or of
/// `interruption_queue_arn`) of `controller`: `Ok(Some(_))` for a wildcard
/// that upstream also uses and that matches every resource of its type.
pub fn check_arn(controller: &Controller, param: &str, value: &str) -> Result<Option<Wide>, String> {
    let upstream = controller.upstream.iter().find(|u| u.param == param);
    if has_wildcard(value) {
        return match upstream {
            Some(u) if u.wildcard => wildcard_as_upstream(controller, u, value),
            _ => Err(refused(controller, param, upstream, value)),
        };
    }
    grammar(param, value).map(|()| None)
}

fn has_wildcard(value: &str) -> bool {
    value.contains(['*', '?'])
}

/// What a wildcard in `param` would reach, for the messages.
fn what(param: &str) -> &'static str {
    match param {
        "hosted_zone_arns" => "hosted zone",
        "kms_key_arns" => "KMS key",
        "repository_arns" => "ECR repository",
        "secret_arns" => "secret",
        "parameter_arns" => "SSM parameter",
        "bucket_arns" => "S3 bucket",
        "file_system_arns" => "EFS file system",
        "node_role_arns" | "assume_role_arns" => "IAM role",
        "interruption_queue_arn" => "SQS queue",
        _ => "resource",
    }
}

fn refused(controller: &Controller, param: &str, upstream: Option<&Upstream>, value: &str) -> String {
    let names = upstream.map(|u| format!(" ({})", u.line)).unwrap_or_default();
    format!(
        "must name each {what} without a wildcard ('*' or '?'): the upstream policy of controller `{name}` scopes it to named resources{names}, \
         and a wildcard would grant the same actions on every matching {what}; got {value:?}",
        what = what(param),
        name = controller.name,
    )
}

/// A wildcard in a parameter whose upstream statement uses one: the forms
/// each parameter accepts, and the warning for a match-everything one.
fn wildcard_as_upstream(controller: &Controller, u: &Upstream, value: &str) -> Result<Option<Wide>, String> {
    let what = what(u.param);
    let wide = || {
        Some(Wide {
            summary: format!(
                "matches every {what}: controller `{}` is granted its actions on all of them",
                controller.name
            ),
            detail: format!(
                "{value:?} matches every {what} it can. That is what the upstream policy of controller `{}` grants ({}), \
                 so it is accepted; list the {what}s the controller needs to grant less.",
                controller.name, u.line
            ),
        })
    };
    let only = |form: &str| {
        format!(
            "may hold a wildcard only as the whole {what} ({form}), as the upstream policy of controller `{}` does ({}); got {value:?}",
            controller.name, u.line
        )
    };
    match u.param {
        "hosted_zone_arns" => {
            let ok = parse_arn(value).is_some_and(|(_, service, region, account, resource)| {
                service == "route53" && region.is_empty() && account.is_empty() && resource == "hostedzone/*"
            });
            if ok {
                Ok(wide())
            } else {
                Err(only("\"arn:aws:route53:::hostedzone/*\""))
            }
        }
        "file_system_arns" => {
            let ok = parse_arn(value).is_some_and(|(_, service, region, account, resource)| {
                service == "elasticfilesystem"
                    && catalog::region(region).is_ok()
                    && policy::is_account_id(account)
                    && resource == "file-system/*"
            });
            if ok {
                Ok(wide())
            } else {
                Err(only("\"arn:aws:elasticfilesystem:<region>:<account>:file-system/*\""))
            }
        }
        "repository_arns" | "secret_arns" | "parameter_arns" => {
            let name = named_arn(u.param, value)?;
            Ok(name.chars().all(|c| c == '*').then(wide).flatten())
        }
        _ => Err(only("none")),
    }
}

/// The grammar of a parameter's value without wildcards.
fn grammar(param: &str, value: &str) -> Result<(), String> {
    match param {
        "hosted_zone_arns" => hosted_zone_arn(value),
        "kms_key_arns" => key_arn(value),
        "repository_arns" | "secret_arns" | "parameter_arns" => named_arn(param, value).map(|_| ()),
        "bucket_arns" => bucket_arn(value),
        "file_system_arns" => file_system_arn(value),
        "node_role_arns" | "assume_role_arns" => role_arn(value),
        "interruption_queue_arn" => queue_arn(value),
        _ => Ok(()),
    }
}

/// `arn:<partition>:route53:::hostedzone/<id>`, the id as Route 53 returns
/// it: `Z` and up to 31 upper-case letters and digits (the API's
/// `HostedZoneId` is at most 32 characters).
pub fn hosted_zone_arn(value: &str) -> Result<(), String> {
    let ok = parse_arn(value).is_some_and(|(_, service, region, account, resource)| {
        service == "route53"
            && region.is_empty()
            && account.is_empty()
            && resource.strip_prefix("hostedzone/").is_some_and(zone_id)
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be a Route 53 hosted zone ARN such as \"arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ\" \
             (a zone id is 'Z' and up to 31 upper-case letters and digits), got {value:?}"
        ))
    }
}

fn zone_id(id: &str) -> bool {
    id.len() <= 32
        && id.len() >= 2
        && id.starts_with('Z')
        && id.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// A KMS key ARN whose key id is a key id: a UUID, or `mrk-` and 32 hex
/// digits for a multi-Region key (KMS Developer Guide, "Key identifiers").
pub fn key_arn(value: &str) -> Result<(), String> {
    kms_key_arn(value)?;
    let ok = parse_arn(value).is_some_and(|(_, _, region, _, resource)| {
        catalog::region(region).is_ok() && resource.strip_prefix("key/").is_some_and(key_id)
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be a KMS key ARN in a region, whose key id is a UUID such as \"1234abcd-12ab-34cd-56ef-1234567890ab\" \
             or a multi-Region key id \"mrk-\" and 32 hex digits, got {value:?}"
        ))
    }
}

fn key_id(id: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
    if let Some(rest) = id.strip_prefix("mrk-") {
        return hex(rest, 32);
    }
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 5 && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| hex(p, *n))
}

/// A regional ARN of an ECR repository, a secret or an SSM parameter, in a
/// named region and account, whose name (wildcards allowed) uses the
/// characters the service allows. Returns the name.
fn named_arn<'v>(param: &str, value: &'v str) -> Result<&'v str, String> {
    let (service, prefix, allowed, example): (&str, &str, &str, &str) = match param {
        "repository_arns" => (
            "ecr",
            "repository/",
            "._-/",
            "arn:aws:ecr:eu-west-1:123456789012:repository/team/app",
        ),
        "secret_arns" => (
            "secretsmanager",
            "secret:",
            "/_+=.@-",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/*",
        ),
        _ => (
            "ssm",
            "parameter/",
            "._-/",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/*",
        ),
    };
    let name = parse_arn(value).and_then(|(_, svc, region, account, resource)| {
        (svc == service && catalog::region(region).is_ok() && policy::is_account_id(account))
            .then(|| resource.strip_prefix(prefix))
            .flatten()
    });
    let lower = param == "repository_arns";
    match name {
        Some(name)
            if !name.is_empty()
                && name.len() <= 2048
                && name.chars().all(|c| {
                    (if lower {
                        c.is_ascii_lowercase() || c.is_ascii_digit()
                    } else {
                        c.is_ascii_alphanumeric()
                    }) || allowed.contains(c)
                        || c == '*'
                        || c == '?'
                }) =>
        {
            Ok(name)
        }
        _ => Err(format!(
            "must be an ARN such as \"{example}\" in a named region and account, the name made of {} ('*' and '?' wildcards allowed), got {value:?}",
            if lower {
                format!("lower-case letters, digits and '{allowed}'")
            } else {
                format!("letters, digits and '{allowed}'")
            }
        )),
    }
}

/// `arn:<partition>:s3:::<bucket>`, the bucket name as S3's naming rules for
/// general purpose buckets say: 3 to 63 lower-case letters, digits, '.' and
/// '-', starting and ending with a letter or digit, no "..", not an IPv4
/// address, none of the reserved prefixes and suffixes.
pub fn bucket_arn(value: &str) -> Result<(), String> {
    let Some((_, "s3", "", "", resource)) = parse_arn(value) else {
        return Err(format!(
            "must be an S3 bucket ARN such as \"arn:aws:s3:::velero-backups\", got {value:?}"
        ));
    };
    if resource.contains('/') {
        return Err(format!(
            "must be a bucket ARN without an object path, such as \"arn:aws:s3:::velero-backups\", got {value:?}"
        ));
    }
    bucket_name(resource).map_err(|rule| format!("names the bucket {resource:?}, which {rule}"))
}

fn bucket_name(name: &str) -> Result<(), String> {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&name.len()) {
        return Err("is not 3 to 63 characters long (S3 bucket naming rules)".into());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    {
        return Err("may hold only lower-case letters, digits, '.' and '-' (S3 bucket naming rules)".into());
    }
    if !edge(name.chars().next()) || !edge(name.chars().last()) {
        return Err("must start and end with a letter or digit (S3 bucket naming rules)".into());
    }
    if name.contains("..") {
        return Err("must not hold two adjacent periods (S3 bucket naming rules)".into());
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("must not be formatted as an IP address (S3 bucket naming rules)".into());
    }
    const PREFIXES: &[&str] = &["xn--", "sthree-", "amzn-s3-demo-"];
    const SUFFIXES: &[&str] = &["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    if let Some(p) = PREFIXES.iter().find(|p| name.starts_with(*p)) {
        return Err(format!(
            "must not start with the reserved prefix {p:?} (S3 bucket naming rules)"
        ));
    }
    if let Some(s) = SUFFIXES.iter().find(|s| name.ends_with(*s)) {
        return Err(format!(
            "must not end with the reserved suffix {s:?} (S3 bucket naming rules)"
        ));
    }
    Ok(())
}

/// `arn:<partition>:elasticfilesystem:<region>:<account>:file-system/fs-<8 to 40 hex digits>`
/// (the EFS API's `FileSystemId` pattern).
pub fn file_system_arn(value: &str) -> Result<(), String> {
    let ok = parse_arn(value).is_some_and(|(_, service, region, account, resource)| {
        service == "elasticfilesystem"
            && catalog::region(region).is_ok()
            && policy::is_account_id(account)
            && resource.strip_prefix("file-system/fs-").is_some_and(|hex| {
                (8..=40).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            })
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be an EFS file system ARN such as \"arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0\", got {value:?}"
        ))
    }
}

/// An IAM role ARN whose path and name follow IAM's grammar
/// (`role/<path><name>`: the path as `iam_path`, the name as `iam_role_name`).
pub fn role_arn(value: &str) -> Result<(), String> {
    iam_role_arn(value)?;
    let Some((_, _, _, _, resource)) = parse_arn(value) else {
        return iam_role_arn(value);
    };
    let rest = resource.strip_prefix("role/").unwrap_or(resource);
    let (path, name) = match rest.rfind('/') {
        Some(i) => (format!("/{}", &rest[..=i]), &rest[i + 1..]),
        None => ("/".to_string(), rest),
    };
    iam_path(&path).map_err(|rule| format!("names a role whose path {rule} (in {value:?})"))?;
    iam_role_name(name).map_err(|rule| format!("names a role whose name {rule} (in {value:?})"))
}

/// `arn:<partition>:sqs:<region>:<account>:<queue>`: a queue name of 1 to 80
/// letters, digits, '-' and '_' (with ".fifo" for a FIFO queue).
pub fn queue_arn(value: &str) -> Result<(), String> {
    let ok = parse_arn(value).is_some_and(|(_, service, region, account, name)| {
        let base = name.strip_suffix(".fifo").unwrap_or(name);
        service == "sqs"
            && catalog::region(region).is_ok()
            && policy::is_account_id(account)
            && (1..=80).contains(&name.len())
            && !base.is_empty()
            && base.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be an SQS queue ARN such as \"arn:aws:sqs:eu-west-1:123456789012:platform-main\" \
             (a queue name is 1 to 80 letters, digits, '-' and '_'), got {value:?}"
        ))
    }
}
