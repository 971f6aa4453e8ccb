//! The plan of `platform_eks_node_group`: checks of the configuration alone
//! (Kubernetes label and taint syntax, EKS's own rules), the values that
//! follow from the configuration and the prior state (defaults, the created
//! role, the desired size), and what a plan does to the Kubernetes version.

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::flex::known_taints;
use super::rules::{self, AmiFamily};
use super::{
    NodeGroupState, CAPACITY_TYPES, DEFAULT_AUTOSCALER_NODE_TEMPLATE_TAGS, DEFAULT_CAPACITY_TYPE, DEFAULT_DISK_SIZE,
    DEFAULT_IGNORE_DESIRED_SIZE_CHANGES, DEFAULT_INSTANCE_TYPE, TAINT_EFFECTS,
};
use crate::clients::AwsClients;
use crate::framework::plan::{default_from_config, known, known_str, known_string_map, to_value_map};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::framework::wait::Timeouts;
use crate::services::eks::autoscaler_tags::{node_template_tags, MAX_NODE_TEMPLATE_TAGS};
use crate::services::eks::roles::{own_node_role_name, plan_created_role};
use crate::services::eks::tags::created_object_tags;
use crate::services::eks::validate::{self as eks, cluster_name, parse_version};
use crate::services::eks::versions::{self, NodeVersionChange};

/// A Kubernetes label key: an optional DNS-subdomain prefix and `/`, then a
/// name of 1 to 63 alphanumerics, `-`, `_` and `.`, starting and ending
/// alphanumeric.
pub fn label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let ok = !prefix.is_empty()
            && prefix.len() <= 253
            && prefix.split('.').all(|part| validate::dns1123_label(part).is_ok());
        if !ok {
            return Err(format!(
                "must be \"[prefix/]name\" with a DNS subdomain prefix such as \"example.com/role\", got {key:?}"
            ));
        }
    }
    label_value(name).and_then(|_| {
        if name.is_empty() {
            Err(format!("must have a name after the prefix, got {key:?}"))
        } else {
            Ok(())
        }
    })
    .map_err(|_| format!("must be \"[prefix/]name\" where name is 1 to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, got {key:?}"))
}

/// A Kubernetes label value: empty, or up to 63 alphanumerics, `-`, `_` and
/// `.`, starting and ending alphanumeric.
pub fn label_value(value: &str) -> Result<(), String> {
    let ok = value.is_empty()
        || (value.len() <= 63
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
    if ok {
        Ok(())
    } else {
        Err(format!("must be at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit, got {value:?}"))
    }
}

/// What `planned` does to the node group's Kubernetes version.
pub(super) fn version_change(
    prior: Option<&NodeGroupState>,
    planned: &NodeGroupState,
    replaced: bool,
) -> NodeVersionChange {
    let from = prior
        .and_then(|p| known_str(&p.version))
        .and_then(|v| parse_version(v).ok());
    match from {
        _ if replaced || prior.is_none_or(|p| p.arn.is_null()) => NodeVersionChange::Create,
        Some(from) if known_str(&planned.version).and_then(|v| parse_version(v).ok()) != Some(from) => {
            NodeVersionChange::Upgrade { from }
        }
        _ => NodeVersionChange::Unchanged,
    }
}

pub(super) fn validate_config(diags: &mut Diagnostics, c: &NodeGroupState) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    v.check(&path("cluster_name"), c.cluster_name.as_ref_option(), |s: &String| {
        cluster_name(s)
    });
    v.check(&path("name"), c.name.as_ref_option(), |s: &String| {
        if s.len() <= 63 {
            cluster_name(s)
        } else {
            Err(format!("must be at most 63 characters, got {}", s.len()))
        }
    });
    v.check(&path("node_role_arn"), c.node_role_arn.as_ref_option(), |s: &String| {
        validate::iam_role_arn(s)
    });
    v.check(&path("version"), c.version.as_ref_option(), |s: &String| {
        parse_version(s).and_then(|(major, minor)| versions::major_rule(major, minor))
    });
    v.check(
        &path("capacity_type"),
        c.capacity_type.as_ref_option(),
        validate::one_of(CAPACITY_TYPES),
    );
    v.check(
        &path("disk_size"),
        c.disk_size.as_ref_option(),
        validate::int_between(1, 16384),
    );
    if let Value::Value(subnets) = &c.subnet_ids {
        if subnets.is_empty() {
            v.error(&path("subnet_ids"), "must name at least one subnet");
        }
    }
    v.check_each(&path("subnet_ids"), &c.subnet_ids, validate::ec2_id("subnet"));
    if let Value::Value(types) = &c.instance_types {
        if types.is_empty() {
            v.error(
                &path("instance_types"),
                "must name at least one instance type, e.g. \"t3.large\"",
            );
        }
    }
    if let Value::Value(scaling) = &c.scaling {
        let at = |field: &'static str| path("scaling").attribute(field);
        v.check(&at("min"), scaling.min.as_ref_option(), validate::int_between(0, 1000));
        v.check(&at("max"), scaling.max.as_ref_option(), validate::int_between(1, 1000));
        if let (Some(min), Some(max)) = (known(&scaling.min), known(&scaling.max)) {
            if min > max {
                v.error(&at("min"), format!("must be at most `scaling.max` ({max}), got {min}"));
            }
            if let Some(desired) = known(&scaling.desired) {
                if desired < min || desired > max {
                    v.error(
                        &at("desired"),
                        format!("must be between `scaling.min` ({min}) and `scaling.max` ({max}), got {desired}"),
                    );
                }
            }
        }
    }
    if let Value::Value(labels) = &c.labels {
        for (key, value) in labels {
            v.check(&path("labels").key(key.clone()), Some(key.as_str()), label_key);
            v.check(&path("labels").key(key.clone()), value.as_ref_option(), |s: &String| {
                label_value(s)
            });
            v.check(&path("labels").key(key.clone()), Some(key.as_str()), eks::eks_label_key);
            v.check(&path("labels").key(key.clone()), value.as_ref_option(), |s: &String| {
                eks::eks_label_value(s)
            });
        }
    }
    if let Value::Value(taints) = &c.taint {
        v.check(&path("taint"), Some(&taints.len()), |n: &usize| eks::taint_count(*n));
        let mut seen = Vec::new();
        for (i, taint) in taints.iter().enumerate() {
            let Value::Value(t) = taint else { continue };
            let at = |field: &'static str| path("taint").index(i as i64).attribute(field);
            if let (Some(key), Some(effect)) = (known_str(&t.key), known_str(&t.effect)) {
                if let Some(j) = eks::duplicate_taint(&seen, key, effect) {
                    v.error(
                        &path("taint").index(i as i64),
                        format!("duplicates `taint[{j}]`: EKS keeps one taint per key and effect ({key:?}, {effect}); merge them or change the key or effect"),
                    );
                }
                seen.push((key.to_string(), effect.to_string()));
            }
            v.check(&at("key"), t.key.as_ref_option(), |s: &String| eks::eks_taint_key(s));
            v.check(&at("key"), t.key.as_ref_option(), |s: &String| label_key(s));
            v.check(&at("value"), t.value.as_ref_option(), |s: &String| label_value(s));
            v.check(&at("effect"), t.effect.as_ref_option(), |s: &String| {
                let kubernetes = [
                    ("NoSchedule", "NO_SCHEDULE"),
                    ("NoExecute", "NO_EXECUTE"),
                    ("PreferNoSchedule", "PREFER_NO_SCHEDULE"),
                ];
                if let Some((_, api)) = kubernetes.iter().find(|(k, _)| k == s) {
                    return Err(format!(
                        "EKS names the effect {api:?}, not the Kubernetes spelling {s:?}"
                    ));
                }
                validate::one_of(TAINT_EFFECTS)(s)
            });
        }
    }
    if let Value::Value(update) = &c.update_config {
        let at = |field: &'static str| path("update_config").attribute(field);
        v.check(
            &at("max_unavailable"),
            update.max_unavailable.as_ref_option(),
            validate::int_between(1, 100),
        );
        v.check(
            &at("max_unavailable_percentage"),
            update.max_unavailable_percentage.as_ref_option(),
            validate::int_between(1, 100),
        );
        if update.max_unavailable.is_value() == update.max_unavailable_percentage.is_value()
            && !update.max_unavailable.is_unknown()
            && !update.max_unavailable_percentage.is_unknown()
        {
            v.error(
                &path("update_config"),
                "set exactly one of `max_unavailable` and `max_unavailable_percentage`",
            );
        }
    }
    validate_launch_template_and_release(&mut v, c);
    if known(&c.autoscaler_node_template_tags) == Some(&true) {
        validate_autoscaler_tags(&mut v, c);
    }
    Timeouts::validate(&c.timeouts, &mut v);
}

/// EKS's rules for `launch_template`, `release_version` and a custom AMI.
fn validate_launch_template_and_release(v: &mut Validator, c: &NodeGroupState) {
    let path = AttributePath::new;
    let ami_type = c.ami_type.as_ref_option().map(String::as_str);
    if let Value::Value(lt) = &c.launch_template {
        let at = |field: &'static str| path("launch_template").attribute(field);
        v.check(&at("id"), lt.id.as_ref_option(), |s: &String| {
            rules::launch_template_id(s)
        });
        v.check(&at("name"), lt.name.as_ref_option(), |s: &String| {
            rules::launch_template_name(s)
        });
        v.check(&at("version"), lt.version.as_ref_option(), |s: &String| {
            rules::launch_template_version(s)
        });
        // Both is refused on create (plan_create): a configuration generated
        // by `terraform plan -generate-config-out` for an imported node group
        // has both, of the same template, and plans no change.
        if lt.id.is_null() && lt.name.is_null() {
            v.error(&path("launch_template"), EXACTLY_ONE_TEMPLATE);
        }
        if c.disk_size.is_value() {
            v.error(
                &path("disk_size"),
                "EKS refuses `disk_size` with a launch template: set the root volume's size in the template's block device mappings, or remove `launch_template`",
            );
        }
    } else if c.launch_template.is_null() && ami_type == Some("CUSTOM") {
        v.error(
            &path("ami_type"),
            "`CUSTOM` runs the AMI of a launch template: add a `launch_template` block whose template names the AMI",
        );
    }
    if ami_type == Some("CUSTOM") && c.version.is_value() {
        v.error(
            &path("version"),
            "EKS refuses a Kubernetes version with `ami_type = \"CUSTOM\"`: the launch template's AMI decides; remove `version`",
        );
    }
    if c.ami_type.is_unknown() {
        return;
    }
    v.check(
        &path("release_version"),
        c.release_version.as_ref_option(),
        |s: &String| {
            let release = rules::release_version(s, AmiFamily::of(ami_type))?;
            match (release, c.version.as_ref_option().and_then(|v| parse_version(v).ok())) {
                (Some(release), Some(version)) => rules::release_matches_version(&release, version),
                _ => Ok(()),
            }
        },
    );
}

/// With `autoscaler_node_template_tags`: what fits on an Auto Scaling group,
/// and one tag per taint key.
fn validate_autoscaler_tags(v: &mut Validator, c: &NodeGroupState) {
    let path = AttributePath::new;
    let labels = match &c.labels {
        Value::Value(l) => l.len(),
        _ => 0,
    };
    let taints = match &c.taint {
        Value::Value(t) => t.len(),
        _ => 0,
    };
    if labels + taints > MAX_NODE_TEMPLATE_TAGS {
        v.error(
            &path("autoscaler_node_template_tags"),
            format!(
                "publishes one Auto Scaling group tag per label and taint, and a group holds 50 tags of which EKS uses 5: at most {MAX_NODE_TEMPLATE_TAGS} labels and `taint` blocks together, got {}",
                labels + taints
            ),
        );
    }
    if let Value::Value(set) = &c.taint {
        let mut seen: Vec<&str> = Vec::new();
        for (i, taint) in set.iter().enumerate() {
            let Some(key) = taint.as_ref_option().and_then(|t| known_str(&t.key)) else {
                continue;
            };
            if let Some(j) = seen.iter().position(|k| *k == key) {
                v.error(
                    &path("taint").index(i as i64),
                    format!("the cluster autoscaler's tags hold one taint per key, and `taint[{j}]` has the key {key:?} too: use one effect per key, or set `autoscaler_node_template_tags = false`"),
                );
            }
            seen.push(key);
        }
    }
}

const EXACTLY_ONE_TEMPLATE: &str =
    "set exactly one of `id` and `name`: EKS takes the launch template by id or by name, not both";

/// A new node group names its launch template once, by id or by name.
pub(super) fn check_create(diags: &mut Diagnostics, config: &NodeGroupState) -> bool {
    match &config.launch_template {
        Value::Value(lt) if lt.id.is_value() && lt.name.is_value() => {
            Validator::new(diags).error(&AttributePath::new("launch_template"), EXACTLY_ONE_TEMPLATE);
            false
        }
        _ => true,
    }
}

/// Checks of the planned values against the prior state: an Amazon Linux
/// release is of the node group's Kubernetes version, and never older than
/// the one the nodes run. False after an error.
pub(super) fn check_planned(diags: &mut Diagnostics, s: &NodeGroupState, prior: Option<&NodeGroupState>) -> bool {
    let mut v = Validator::new(diags);
    let path = AttributePath::new("release_version");
    let family = match &s.ami_type {
        Value::Unknown => return true,
        t => AmiFamily::of(t.as_ref_option().map(String::as_str)),
    };
    let Some(planned) = known_str(&s.release_version).and_then(rules::amazon_linux_release) else {
        return true;
    };
    if family != AmiFamily::AmazonLinux {
        return true;
    }
    if let Some(version) = known_str(&s.version).and_then(|v| parse_version(v).ok()) {
        if let Err(rule) = rules::release_matches_version(&planned, version) {
            v.error(&path, rule);
            return false;
        }
    }
    let from = prior
        .filter(|p| p.arn.is_value())
        .and_then(|p| known_str(&p.release_version));
    if let Some(from_text) = from {
        if let Some(from) = rules::amazon_linux_release(from_text) {
            let to_text = known_str(&s.release_version).unwrap_or_default();
            if let Err(rule) = rules::release_not_older(&from, &planned, (from_text, to_text)) {
                v.error(&path, rule);
                return false;
            }
        }
    }
    true
}

/// Whether the plan names another launch template than the node group was
/// created with (or adds or removes one): EKS cannot change that in place.
pub(super) fn launch_template_replaced(prior: &NodeGroupState, planned: &NodeGroupState) -> bool {
    match (&prior.launch_template, &planned.launch_template) {
        (Value::Value(p), Value::Value(n)) => p.id != n.id || p.name != n.name,
        (p, n) => p.is_null() != n.is_null(),
    }
}

pub(super) fn plan_computed(
    s: &mut NodeGroupState,
    config: &NodeGroupState,
    prior: Option<&NodeGroupState>,
    aws: &AwsClients,
) {
    default_from_config(
        &mut s.capacity_type,
        &config.capacity_type,
        DEFAULT_CAPACITY_TYPE.to_string(),
    );
    let prior_group = prior.filter(|p| p.arn.is_value());
    if config.launch_template.is_null() {
        default_from_config(&mut s.disk_size, &config.disk_size, DEFAULT_DISK_SIZE);
        default_from_config(
            &mut s.instance_types,
            &config.instance_types,
            vec![Value::Value(DEFAULT_INSTANCE_TYPE.to_string())],
        );
    } else {
        // With a launch template, EKS takes the disk and (unless given) the
        // instance type from the template, and reports what it has.
        for (planned_value, config_value, prior_value) in
            [(&mut s.disk_size, &config.disk_size, prior_group.map(|p| &p.disk_size))]
        {
            if config_value.is_null() {
                *planned_value = prior_value.cloned().unwrap_or(Value::Unknown);
            }
        }
        if config.instance_types.is_null() {
            s.instance_types = prior_group.map_or(Value::Unknown, |p| p.instance_types.clone());
        }
    }
    plan_launch_template(s, config, prior_group);
    default_from_config(
        &mut s.autoscaler_node_template_tags,
        &config.autoscaler_node_template_tags,
        DEFAULT_AUTOSCALER_NODE_TEMPLATE_TAGS,
    );
    s.autoscaler_tags = match &s.autoscaler_node_template_tags {
        Value::Value(true) => match (known_string_map(&s.labels), known_taints(&s.taint)) {
            (Some(labels), Some(taints)) => to_value_map(&node_template_tags(&labels, &taints)),
            _ => Value::Unknown,
        },
        Value::Value(false) | Value::Null => Value::Null,
        Value::Unknown => Value::Unknown,
    };
    default_from_config(
        &mut s.ignore_desired_size_changes,
        &config.ignore_desired_size_changes,
        DEFAULT_IGNORE_DESIRED_SIZE_CHANGES,
    );
    s.id = match (known_str(&s.cluster_name), known_str(&s.name)) {
        (Some(c), Some(n)) => Value::Value(format!("{c}:{n}")),
        _ => Value::Unknown,
    };
    s.tags_all = match known_string_map(&s.tags) {
        Some(own) => to_value_map(&tags::merge(&aws.default_tags, &own)),
        None => Value::Unknown,
    };
    let prior = prior_group;
    // A created role deleted outside Terraform (see read) is created again
    // under the same name, so the node group's role ARN holds.
    let own_role = known_str(&s.cluster_name)
        .zip(known_str(&s.name))
        .map(|(cluster, name)| {
            let prior_arn = prior.and_then(|p| known_str(&p.node_role_arn));
            format!(":role/{}", own_node_role_name(cluster, name, prior_arn))
        });
    // The created role: its ARN, recorded name and RoleId (also when `node_role_arn` names it).
    plan_created_role(
        (&mut s.node_role_arn, &mut s.managed_role_name, &mut s.managed_role_id),
        &config.node_role_arn,
        prior.map(|p| (&p.node_role_arn, &p.managed_role_name, &p.managed_role_id)),
        own_role.as_deref(),
    );
    // Values EKS picks when unset.
    for (planned_value, config_value, prior_value) in [
        (&mut s.ami_type, &config.ami_type, prior.map(|p| &p.ami_type)),
        (&mut s.version, &config.version, prior.map(|p| &p.version)),
    ] {
        if config_value.is_null() {
            *planned_value = prior_value.cloned().unwrap_or(Value::Unknown);
        }
    }
    // An Amazon Linux release names its Kubernetes version: a node group
    // created with one runs that version.
    if config.version.is_null()
        && s.version.is_unknown()
        && config
            .ami_type
            .as_ref_option()
            .is_none_or(|t| AmiFamily::of(Some(t)) == AmiFamily::AmazonLinux)
    {
        if let Some(release) = known_str(&config.release_version).and_then(rules::amazon_linux_release) {
            s.version = Value::Value(format!("{}.{}", release.kubernetes.0, release.kubernetes.1));
        }
    }
    // The desired size: the configured one at creation or when enforced,
    // otherwise what EKS has, kept within the (new) bounds.
    let ignore = s.ignore_desired_size_changes != Value::Value(false);
    let prior_desired = prior.and_then(|p| p.scaling.as_ref_option()).map(|sc| sc.desired);
    let configured = config.scaling.as_ref_option().map_or(Value::Null, |sc| sc.desired);
    if let Value::Value(scaling) = &mut s.scaling {
        let bounds = known(&scaling.min).copied().zip(known(&scaling.max).copied());
        let within = |v: &Value<i64>| match (known(v), bounds) {
            (Some(d), Some((min, max))) => (min..=max).contains(d),
            _ => false,
        };
        // Terraform accepts, for a configured value, the configured or the
        // prior value: after creation, what EKS has while it fits the bounds
        // (unless the configured size is enforced), else the configured one.
        let desired = match (prior_desired, configured) {
            (_, Value::Unknown) => Value::Unknown,
            (Some(reported), c) if (ignore || c.is_null()) && within(&reported) => reported,
            (_, Value::Value(c)) => Value::Value(c),
            (Some(reported), Value::Null) => reported,
            (None, Value::Null) => scaling.min,
        };
        scaling.desired = match (desired, known(&scaling.min).copied(), known(&scaling.max).copied()) {
            (Value::Value(d), Some(min), Some(max)) => Value::Value(d.clamp(min, max.max(min))),
            (Value::Value(_), _, _) => Value::Unknown,
            (other, _, _) => other,
        };
    }
    match prior {
        Some(p) => {
            s.arn = p.arn.clone();
            s.created_at = p.created_at.clone();
            s.status = p.status.clone();
            s.autoscaling_group_names = p.autoscaling_group_names.clone();
            // Unset, the release follows what EKS installs: the same while
            // neither the version nor the launch template's version changes.
            let template_version =
                |st: &NodeGroupState| st.launch_template.as_ref_option().map(|lt| lt.version.clone());
            if config.release_version.is_null() {
                s.release_version = if p.version == s.version && template_version(p) == template_version(s) {
                    p.release_version.clone()
                } else {
                    Value::Unknown
                };
            }
        }
        None => {
            s.arn = Value::Unknown;
            s.created_at = Value::Unknown;
            s.status = Value::Unknown;
            s.autoscaling_group_names = Value::Unknown;
            if config.release_version.is_null() {
                s.release_version = Value::Unknown;
            }
        }
    }
    // The role this resource created (or will create) carries `tags_all`.
    s.managed_role_tags = created_object_tags(&s.managed_role_name, &s.tags_all);
}

/// The launch template's id and name: the one configured, and the other
/// from the prior state while the configured one names the same template,
/// else known after apply.
fn plan_launch_template(s: &mut NodeGroupState, config: &NodeGroupState, prior: Option<&NodeGroupState>) {
    let (Value::Value(lt), Value::Value(c)) = (&mut s.launch_template, &config.launch_template) else {
        return;
    };
    let prior_lt = prior.and_then(|p| p.launch_template.as_ref_option());
    let same = |configured: &Value<String>, prior: &Value<String>| configured.is_value() && configured == prior;
    let kept = prior_lt.filter(|p| same(&c.id, &p.id) || same(&c.name, &p.name));
    let plan = |configured: &Value<String>, prior: Option<&Value<String>>| match configured {
        Value::Null => prior.cloned().unwrap_or(Value::Unknown),
        other => other.clone(),
    };
    lt.id = plan(&c.id, kept.map(|p| &p.id));
    lt.name = plan(&c.name, kept.map(|p| &p.name));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_and_values() {
        for ok in ["role", "node.kubernetes.io/pool", "example.com/gpu-type", "a_b.c"] {
            assert!(label_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a/", "/a", "Exa mple", "under_score.com/x", &"a".repeat(64)] {
            assert!(label_key(bad).is_err(), "{bad}");
        }
        assert!(label_value("").is_ok());
        assert!(label_value("gpu-1").is_ok());
        assert!(label_value("-gpu").is_err());
    }
}
