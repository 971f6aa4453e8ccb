//! `platform_eks_node_group`: a managed node group, with its node role
//! (created by default with the worker, CNI and ECR-read policies).
//!
//! A cluster autoscaler moves the desired size; with
//! `ignore_desired_size_changes` (the default) that is not drift: the
//! configured `desired` only applies at creation.

#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, Nodegroup, NodegroupScalingConfig, NodegroupUpdateConfig, Taint, TaintEffect,
    UpdateLabelsPayload, UpdateTaintsPayload,
};
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description, NestedBlock, Schema};
use tf_provider::value::{self, Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::find::{find_node_group, is_not_found, timestamp};
use super::roles::{
    expand_node_role, node_role_name, own_node_role_name, plan_created_role, recreate_or_adopt_role, sync_role_tags,
    NODE_GROUP_OWNER_TAG,
};
use super::tags::{created_object_tags, shown_tags, update_tags};
use super::validate::{self as eks, cluster_name, parse_version};
use super::versions::{check_node_group_version, NodeVersionChange};
use super::wait::{is_role_propagation, run_update, wait_node_group_active, wait_node_group_deleted};
use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report, ApiError, BoxError};
use crate::framework::ownership::{self, Claim, NameTaken};
use crate::framework::plan::{
    default_from_config, known, known_str, known_string_map, known_string_set, optional_map, plan_status, to_value_map,
    to_value_set, RequiresReplace, ValueStringMap, ValueStringSet,
};
use crate::framework::retry::{retry, Backoff};
use crate::framework::schema::{
    attr, attributes, boolean, number, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::framework::wait::{Operation, Timeouts, WaitError};
use crate::services::iam::role;

/// How many tags of its own this provider puts on the objects this resource
/// creates (`platform:*`: the owner marker and the node-group link on the
/// created role); they count against AWS's 50.
const PROVIDER_TAGS: usize = 2;

pub const DEFAULT_CAPACITY_TYPE: &str = "ON_DEMAND";
pub const DEFAULT_INSTANCE_TYPE: &str = "t3.medium";
pub const DEFAULT_DISK_SIZE: i64 = 20;
pub const CAPACITY_TYPES: &[&str] = &["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"];
pub const TAINT_EFFECTS: &[&str] = &["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"];
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Scaling {
    pub min: Value<i64>,
    pub max: Value<i64>,
    pub desired: Value<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TaintState {
    pub key: Value<String>,
    pub value: Value<String>,
    pub effect: Value<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateConfigState {
    pub max_unavailable: Value<i64>,
    pub max_unavailable_percentage: Value<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeGroupState {
    pub id: Value<String>,
    pub cluster_name: Value<String>,
    pub name: Value<String>,
    pub node_role_arn: Value<String>,
    pub managed_role_name: Value<String>,
    pub subnet_ids: ValueStringSet,
    pub instance_types: Value<Vec<Value<String>>>,
    pub capacity_type: Value<String>,
    pub ami_type: Value<String>,
    pub disk_size: Value<i64>,
    pub version: Value<String>,
    pub release_version: Value<String>,
    pub labels: ValueStringMap,
    pub ignore_desired_size_changes: Value<bool>,
    pub tags: ValueStringMap,
    pub tags_all: ValueStringMap,
    pub arn: Value<String>,
    pub status: Value<String>,
    pub autoscaling_group_names: ValueStringSet,
    pub created_at: Value<String>,
    pub managed_role_id: Value<String>,
    pub managed_role_tags: ValueStringMap,
    pub scaling: Value<Scaling>,
    pub taint: Value<BTreeSet<Value<TaintState>>>,
    #[serde(with = "value::serde_as_vec")]
    pub update_config: Value<UpdateConfigState>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}

pub struct NodeGroupResource {
    data: Arc<ProviderData>,
}

impl NodeGroupResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn schema_block() -> Block {
    use tf_provider::schema::AttributeType;
    let block = |description: &str, attributes| Block {
        version: 1,
        attributes,
        blocks: Default::default(),
        description: Description::markdown(description),
        deprecated: false,
    };
    Block {
        version: 1,
        description: Description::markdown(
            "An EKS managed node group with its node role. `scaling`, `labels`, `taint` blocks, `update_config`, the Kubernetes version and tags change in place; anything else replaces the node group. \
             With `ignore_desired_size_changes = true` (the default) a cluster autoscaler may move the desired size without it showing as drift.\n\n\
             ## Ownership\n\n\
             - **Creates** the node role `<cluster>.<name>-node` (unless `node_role_arn` is given) and the node group. Cluster and node-group names cannot contain `.`, so no two node groups want the same role name (`X-a` with `b` and `X` with `a-b` get `X-a.b-node` and `X.a-b-node`); a name longer than IAM's 64 characters is cut and ends with a hash of `<cluster>:<name>`. A role created by an earlier version under `<cluster>-<name>-node` keeps its name: state records it (`managed_role_name`), and it is recreated under that name if deleted outside Terraform.\n\
             - **Tags** the role it created with `tags_all` and keeps it so: a change of `tags` reaches the role in place, and a tag changed on the role outside Terraform shows in `managed_role_tags` and is put back by the apply (the provider's own `platform:` tags stay and are never shown). Only the role whose `RoleId` is recorded is tagged; a role given in `node_role_arn` is never touched.\n\
             - **Marks** the role with the tags `platform:eks-node-group = <cluster>:<name>` and `platform:owner`, a marker unique to the create that made it. CreateNodegroup and every node-group update send one `clientRequestToken` per operation, the same on every retry, so a lost answer never makes a second node group or update. \
             It records what it made by identity: the node group's `arn` and `created_at`, the role's `managed_role_id`.\n\
             - **Deletes** only those: destroy reads each again and leaves one that is missing or has another identity alone, with a warning, and removes it from state. A create that failed never recorded a node group, so one of the same name made by someone else is never deleted. A state written before identities were recorded is matched by ARN, and the next refresh records `created_at`.\n\
             - **Adopts** a role only when it carries the marker of its own create, after that create lost its answer; and, through `terraform import <cluster>:<name>` or an `import {}` block, an existing node group (with its role when the role carries its owner tag).\n\
             - **Refuses**, before creating anything, a node-group name that is taken in the cluster (the error gives the `terraform import` command and `import {}` block), and a role name it did not create.\n\
             - **Refresh** believes the node group gone only after 3 consecutive not-found reads, so one bad answer never plans a replacement.",
        ),
        attributes: attributes([
            ("id", string(Computed, "`<cluster_name>:<name>`, the import id.")),
            ("cluster_name", string(Required, "The cluster's name (`platform_eks_cluster.x.name`). Changing it replaces the node group.")),
            ("name", string(Required, "The node group's name: 1 to 63 letters, digits, `-` and `_`, starting with a letter or digit. Changing it replaces the node group.")),
            ("node_role_arn", string(OptionalComputed, "The nodes' IAM role. When unset, a role `<cluster>.<name>-node` trusting `ec2.amazonaws.com` with `AmazonEKSWorkerNodePolicy`, `AmazonEKS_CNI_Policy` and `AmazonEC2ContainerRegistryReadOnly` is created and deleted with the node group. Setting it to the ARN of that created role changes nothing: the role stays this resource's own (`managed_role_name`), is deleted with the node group, and removing `node_role_arn` again is no change either. Changing it to another role replaces the node group.")),
            ("managed_role_name", string(Computed, "The name of the node role this resource created, or null when `node_role_arn` was given. If the role is deleted outside Terraform, the next apply creates it again in place, under the same name and ARN.")),
            ("subnet_ids", string_set(Required, "The subnets the nodes run in. Changing them replaces the node group.")),
            ("instance_types", attr(AttributeType::List(Box::new(AttributeType::String)), OptionalComputed, "Instance types, in order of preference. Default `[\"t3.medium\"]`. Changing them replaces the node group.")),
            ("capacity_type", string(OptionalComputed, "`ON_DEMAND` (default), `SPOT` or `CAPACITY_BLOCK`. Changing it replaces the node group.")),
            ("ami_type", string(OptionalComputed, "The AMI family, such as `AL2023_x86_64_STANDARD` or `BOTTLEROCKET_ARM_64`. EKS picks one from the instance types when unset. Changing it replaces the node group.")),
            ("disk_size", number(OptionalComputed, "Root volume size in GiB. Default `20`. Changing it replaces the node group.")),
            ("version", string(OptionalComputed, "The Kubernetes version of the nodes, `\"<major>.<minor>\"`. Defaults to the cluster's version at creation. Changes in place (UpdateNodegroupVersion), never back. EKS creates and upgrades a node group only to its cluster's version, so upgrade the cluster first; nodes may then lag the cluster by up to 3 minor versions (a warning past that). When the cluster exists, the plan reads its version (DescribeCluster) and refuses a version it can never accept; what only the apply can know (the cluster upgraded in the same apply) is checked again before anything is created or changed.")),
            ("release_version", string(Computed, "The AMI release version EKS installed.")),
            ("labels", string_map(Optional, "Kubernetes labels of the nodes. Keys are `[prefix/]name` as Kubernetes defines them, at most 63 characters in all, and not under the prefixes EKS reserves (`kubernetes.io/`, `k8s.io/`, `eks.amazonaws.com/` and their subdomains, such as `node.kubernetes.io/`); values are 1 to 63 characters. Change in place.")),
            ("ignore_desired_size_changes", boolean(OptionalComputed, "Default `true`: `scaling.desired` applies at creation only, and a desired size moved by a cluster autoscaler is not drift. Set `false` to enforce `scaling.desired`.")),
            ("tags", string_map(Optional, "Tags of the node group and of the node role it created (see `managed_role_tags`). Merged over the provider's `default_tags`. Changes in place, on the created role too.")),
            ("tags_all", string_map(Computed, "All tags of the node group, including the provider's `default_tags`.")),
            ("arn", string(Computed, "The node group's ARN.")),
            ("status", string(Computed, "The node group's status: `ACTIVE` once created. Null while the node group is missing but its created role remains; the next apply replaces it.")),
            ("autoscaling_group_names", string_set(Computed, "The Auto Scaling groups EKS manages for the node group.")),
            ("created_at", string(Computed, "When EKS created the node group (RFC 3339). With `arn`, the identity of this incarnation of the node group: destroy deletes it only while both match. Null while the node group is missing.")),
            ("managed_role_id", string(Computed, "The `RoleId` of the node role this resource created: destroy deletes that role only while its id matches.")),
            ("managed_role_tags", string_map(Computed, "The tags of the node role this resource created, as IAM has them, without the provider's own `platform:` tags (which are never removed). The plan sets it to `tags_all`, so a tag changed on the role outside Terraform shows here as an exact diff, and the apply puts the role's tags back; null for a role given in `node_role_arn`.")),
        ]),
        blocks: [
            (
                "scaling".to_string(),
                NestedBlock::Single(block(
                    "The node group's size. Requires `min <= desired <= max`.",
                    attributes([
                        ("min", number(Required, "The minimum number of nodes (0 or more).")),
                        ("max", number(Required, "The maximum number of nodes (1 or more).")),
                        ("desired", number(OptionalComputed, "The number of nodes to start with. Defaults to `min`. Enforced later only with `ignore_desired_size_changes = false`; otherwise the value EKS reports (kept within `min` and `max`).")),
                    ]),
                )),
            ),
            (
                "taint".to_string(),
                NestedBlock::Set(block(
                    "A Kubernetes taint on every node, e.g. a dedicated pool: `taint { key = \"dedicated\" value = \"gpu\" effect = \"NO_SCHEDULE\" }`. Repeat the block for each taint: at most 50 per node group, one per key and effect. Changes in place.",
                    attributes([
                        ("key", string(Required, "The taint key: `[prefix/]name` as Kubernetes defines label keys, at most 63 characters in all.")),
                        ("value", string(Optional, "The taint value: at most 63 characters.")),
                        ("effect", string(Required, "`NO_SCHEDULE`, `NO_EXECUTE` or `PREFER_NO_SCHEDULE` (the EKS API's names for `NoSchedule`, `NoExecute`, `PreferNoSchedule`).")),
                    ]),
                )),
            ),
            (
                "update_config".to_string(),
                NestedBlock::Optional(block(
                    "How many nodes may be unavailable during a rolling update: set exactly one of the two. EKS's default is one node. Changes in place.",
                    attributes([
                        ("max_unavailable", number(Optional, "A number of nodes (1 to 100).")),
                        ("max_unavailable_percentage", number(Optional, "A percentage of nodes (1 to 100).")),
                    ]),
                )),
            ),
            ("timeouts".to_string(), Timeouts::block()),
        ]
        .into_iter()
        .collect(),
        deprecated: false,
    }
}

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
fn version_change(prior: Option<&NodeGroupState>, planned: &NodeGroupState, replaced: bool) -> NodeVersionChange {
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

fn validate_state(diags: &mut Diagnostics, c: &NodeGroupState) {
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
        parse_version(s).and_then(|(major, minor)| super::versions::major_rule(major, minor))
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
    Timeouts::validate(&c.timeouts, &mut v);
}

// ---- expand and flatten -------------------------------------------------------------

fn taint_set(taints: &[Taint]) -> Value<BTreeSet<Value<TaintState>>> {
    Value::Value(
        taints
            .iter()
            .map(|t| {
                Value::Value(TaintState {
                    key: t.key().map_or(Value::Null, |k| Value::Value(k.to_string())),
                    value: t
                        .value()
                        .filter(|v| !v.is_empty())
                        .map_or(Value::Null, |v| Value::Value(v.to_string())),
                    effect: t.effect().map_or(Value::Null, |e| Value::Value(e.as_str().to_string())),
                })
            })
            .collect(),
    )
}

/// Taints with every part known, keyed by (key, effect) as EKS identifies them.
fn known_taints(taints: &Value<BTreeSet<Value<TaintState>>>) -> Option<BTreeMap<(String, String), Option<String>>> {
    match taints {
        Value::Null => Some(BTreeMap::new()),
        Value::Unknown => None,
        Value::Value(set) => set
            .iter()
            .map(|t| {
                let t = t.as_ref_option()?;
                Some((
                    (known_str(&t.key)?.to_string(), known_str(&t.effect)?.to_string()),
                    match &t.value {
                        Value::Unknown => return None,
                        v => v.as_ref_option().cloned(),
                    },
                ))
            })
            .collect(),
    }
}

fn sdk_taint(key: &str, effect: &str, value: Option<&String>) -> Taint {
    Taint::builder()
        .key(key)
        .effect(TaintEffect::from(effect))
        .set_value(value.cloned())
        .build()
}

fn flatten(prior: &NodeGroupState, ng: &Nodegroup, default_tags: &BTreeMap<String, String>) -> NodeGroupState {
    let mut s = prior.clone();
    let text = |v: Option<&str>| {
        v.filter(|v| !v.is_empty())
            .map_or(Value::Null, |v| Value::Value(v.to_string()))
    };
    let cluster = ng.cluster_name().unwrap_or_default().to_string();
    let name = ng.nodegroup_name().unwrap_or_default().to_string();
    s.id = Value::Value(format!("{cluster}:{name}"));
    s.cluster_name = Value::Value(cluster);
    s.name = Value::Value(name);
    s.node_role_arn = text(ng.node_role());
    s.subnet_ids = to_value_set(&ng.subnets().iter().cloned().collect());
    s.instance_types = Value::Value(ng.instance_types().iter().map(|t| Value::Value(t.clone())).collect());
    s.capacity_type = text(ng.capacity_type().map(|c| c.as_str()));
    s.ami_type = text(ng.ami_type().map(|a| a.as_str()));
    s.disk_size = ng.disk_size().map_or(Value::Null, |d| Value::Value(i64::from(d)));
    s.version = text(ng.version());
    s.release_version = text(ng.release_version());
    let labels: BTreeMap<String, String> = ng
        .labels()
        .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    s.labels = optional_map(&prior.labels, &labels);
    // No taint blocks is an empty set in Terraform, never null.
    s.taint = taint_set(ng.taints());
    let scaling = ng.scaling_config();
    let remote = Scaling {
        min: scaling
            .and_then(|c| c.min_size())
            .map_or(Value::Null, |v| Value::Value(i64::from(v))),
        max: scaling
            .and_then(|c| c.max_size())
            .map_or(Value::Null, |v| Value::Value(i64::from(v))),
        desired: scaling
            .and_then(|c| c.desired_size())
            .map_or(Value::Null, |v| Value::Value(i64::from(v))),
    };
    s.scaling = Value::Value(remote);
    s.update_config = match ng.update_config() {
        Some(u) if u.max_unavailable().is_some() || u.max_unavailable_percentage().is_some() => {
            // EKS reports its default (one node) when none was configured.
            let default_one = u.max_unavailable() == Some(1) && u.max_unavailable_percentage().is_none();
            if default_one && prior.update_config.is_null() {
                Value::Null
            } else {
                Value::Value(UpdateConfigState {
                    max_unavailable: u.max_unavailable().map_or(Value::Null, |v| Value::Value(i64::from(v))),
                    max_unavailable_percentage: u
                        .max_unavailable_percentage()
                        .map_or(Value::Null, |v| Value::Value(i64::from(v))),
                })
            }
        }
        _ => Value::Null,
    };
    let remote_tags: BTreeMap<String, String> = ng
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let prior_own = known_string_map(&prior.tags).unwrap_or_default();
    s.tags = optional_map(&prior.tags, &tags::own_tags(&remote_tags, default_tags, &prior_own));
    s.tags_all = to_value_map(&remote_tags);
    s.arn = text(ng.nodegroup_arn());
    s.created_at = text(timestamp(ng.created_at()).as_deref());
    s.status = text(ng.status().map(|st| st.as_str()));
    s.autoscaling_group_names = to_value_set(
        &ng.resources()
            .map(|r| {
                r.auto_scaling_groups()
                    .iter()
                    .filter_map(|g| g.name().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    );
    settle(&mut s);
    s
}

fn settle(s: &mut NodeGroupState) {
    use crate::framework::plan::null_if_unknown as null;
    null(&mut s.id);
    null(&mut s.node_role_arn);
    null(&mut s.managed_role_name);
    null(&mut s.instance_types);
    null(&mut s.capacity_type);
    null(&mut s.ami_type);
    null(&mut s.disk_size);
    null(&mut s.version);
    null(&mut s.release_version);
    null(&mut s.tags_all);
    null(&mut s.arn);
    null(&mut s.status);
    null(&mut s.autoscaling_group_names);
    null(&mut s.created_at);
    null(&mut s.managed_role_id);
    // The created role's tags are shown only while it is recorded.
    if !s.managed_role_name.is_value() || s.managed_role_tags.is_unknown() {
        s.managed_role_tags = Value::Null;
    }
    if let Value::Value(scaling) = &mut s.scaling {
        null(&mut scaling.desired);
    }
}

fn without_node_group(prior: &NodeGroupState) -> NodeGroupState {
    let mut s = prior.clone();
    s.arn = Value::Null;
    s.created_at = Value::Null;
    s.status = Value::Null;
    s.release_version = Value::Null;
    s.autoscaling_group_names = Value::Null;
    settle(&mut s);
    s
}

fn planned(s: &mut NodeGroupState, config: &NodeGroupState, prior: Option<&NodeGroupState>, aws: &AwsClients) {
    default_from_config(
        &mut s.capacity_type,
        &config.capacity_type,
        DEFAULT_CAPACITY_TYPE.to_string(),
    );
    default_from_config(&mut s.disk_size, &config.disk_size, DEFAULT_DISK_SIZE);
    default_from_config(
        &mut s.instance_types,
        &config.instance_types,
        vec![Value::Value(DEFAULT_INSTANCE_TYPE.to_string())],
    );
    default_from_config(
        &mut s.ignore_desired_size_changes,
        &config.ignore_desired_size_changes,
        true,
    );
    s.id = match (known_str(&s.cluster_name), known_str(&s.name)) {
        (Some(c), Some(n)) => Value::Value(format!("{c}:{n}")),
        _ => Value::Unknown,
    };
    s.tags_all = match known_string_map(&s.tags) {
        Some(own) => to_value_map(&tags::merge(&aws.default_tags, &own)),
        None => Value::Unknown,
    };
    let prior = prior.filter(|p| p.arn.is_value());
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
            s.release_version = if p.version == s.version {
                p.release_version.clone()
            } else {
                Value::Unknown
            };
        }
        None => {
            s.arn = Value::Unknown;
            s.created_at = Value::Unknown;
            s.status = Value::Unknown;
            s.autoscaling_group_names = Value::Unknown;
            s.release_version = Value::Unknown;
        }
    }
    // The role this resource created (or will create) carries `tags_all`.
    s.managed_role_tags = created_object_tags(&s.managed_role_name, &s.tags_all);
}

// ---- create, update, delete steps ----------------------------------------------------

#[derive(Debug, thiserror::Error)]
pub enum NodeGroupError {
    #[error("the plan still has unknown values for {0}")]
    Unknown(&'static str),
    #[error(transparent)]
    Taken(#[from] NameTaken),
    #[error("reading the node group")]
    Read(#[source] ApiError),
    #[error("node group `{id}` is no longer the one this create made (found {found})")]
    Replaced { id: String, found: String },
    #[error("creating the node group")]
    Create(#[source] ApiError),
    #[error("waiting for the node group")]
    Wait(#[source] WaitError<ApiError>),
    #[error("updating the node group: {what}")]
    Update {
        what: &'static str,
        #[source]
        source: ApiError,
    },
    #[error("deleting the node group")]
    Delete(#[source] ApiError),
}

fn scaling_config(s: &NodeGroupState) -> Result<NodegroupScalingConfig, NodeGroupError> {
    let scaling = s.scaling.as_ref_option().ok_or(NodeGroupError::Unknown("scaling"))?;
    let int = |v: &Value<i64>, what| known(v).map(|v| *v as i32).ok_or(NodeGroupError::Unknown(what));
    Ok(NodegroupScalingConfig::builder()
        .min_size(int(&scaling.min, "scaling.min")?)
        .max_size(int(&scaling.max, "scaling.max")?)
        .desired_size(int(&scaling.desired, "scaling.desired")?)
        .build())
}

fn update_config(s: &NodeGroupState) -> Option<NodegroupUpdateConfig> {
    let u = s.update_config.as_ref_option()?;
    Some(
        NodegroupUpdateConfig::builder()
            .set_max_unavailable(known(&u.max_unavailable).map(|v| *v as i32))
            .set_max_unavailable_percentage(known(&u.max_unavailable_percentage).map(|v| *v as i32))
            .build(),
    )
}

/// Sends CreateNodegroup with `token` as its `clientRequestToken`, the same
/// on every attempt, so a repeat after a lost answer is not a second node
/// group. A name taken by another node group is [`NameTaken`].
async fn create_node_group(aws: &AwsClients, s: &NodeGroupState, token: &str) -> Result<Nodegroup, NodeGroupError> {
    let cluster = known_str(&s.cluster_name).ok_or(NodeGroupError::Unknown("cluster_name"))?;
    let name = known_str(&s.name).ok_or(NodeGroupError::Unknown("name"))?;
    let role = known_str(&s.node_role_arn).ok_or(NodeGroupError::Unknown("node_role_arn"))?;
    let subnets = known_string_set(&s.subnet_ids).ok_or(NodeGroupError::Unknown("subnet_ids"))?;
    let types: Vec<String> = match &s.instance_types {
        Value::Value(list) => list
            .iter()
            .map(|t| t.as_ref_option().cloned())
            .collect::<Option<_>>()
            .ok_or(NodeGroupError::Unknown("instance_types"))?,
        _ => vec![DEFAULT_INSTANCE_TYPE.to_string()],
    };
    let labels = known_string_map(&s.labels).ok_or(NodeGroupError::Unknown("labels"))?;
    let taints = known_taints(&s.taint).ok_or(NodeGroupError::Unknown("taint"))?;
    let tags = known_string_map(&s.tags_all).ok_or(NodeGroupError::Unknown("tags"))?;
    let scaling = scaling_config(s)?;
    let sent = retry(
        "CreateNodegroup",
        Backoff::IAM_PROPAGATION,
        |e: &ApiError| is_role_propagation(e) || e.ambiguous,
        || {
            let req = aws
                .eks
                .create_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(name)
                .node_role(role)
                .set_subnets(Some(subnets.iter().cloned().collect()))
                .set_instance_types(Some(types.clone()))
                .capacity_type(CapacityTypes::from(
                    known_str(&s.capacity_type).unwrap_or(DEFAULT_CAPACITY_TYPE),
                ))
                .set_ami_type(known_str(&s.ami_type).map(AmiTypes::from))
                .set_disk_size(known(&s.disk_size).map(|d| *d as i32))
                .set_version(known_str(&s.version).map(str::to_string))
                .scaling_config(scaling.clone())
                .set_labels((!labels.is_empty()).then(|| labels.clone().into_iter().collect()))
                .set_taints(
                    (!taints.is_empty())
                        .then(|| taints.iter().map(|((k, e), v)| sdk_taint(k, e, v.as_ref())).collect()),
                )
                .set_update_config(update_config(s))
                .client_request_token(token)
                .set_tags((!tags.is_empty()).then(|| tags.clone().into_iter().collect()));
            async move { req.send().await.map_err(|e| ApiError::new("CreateNodegroup", e)) }
        },
    )
    .await;
    match sent {
        Ok(out) => out.nodegroup.ok_or_else(|| {
            NodeGroupError::Create(ApiError::other("CreateNodegroup", None, "EKS returned no node group"))
        }),
        Err(err) if err.is("ResourceInUseException") => Err(NameTaken::new(
            "node group",
            &format!("{cluster}:{name}"),
            "platform_eks_node_group",
            &format!("{cluster}:{name}"),
        )
        .into()),
        Err(err) => Err(NodeGroupError::Create(err)),
    }
}

async fn update_node_group(aws: &AwsClients, prior: &NodeGroupState, planned: &NodeGroupState) -> Result<(), BoxError> {
    let cluster = known_str(&planned.cluster_name).ok_or(NodeGroupError::Unknown("cluster_name"))?;
    let name = known_str(&planned.name).ok_or(NodeGroupError::Unknown("name"))?;
    let timeout = Timeouts::get(&planned.timeouts, Operation::Update);
    let eks = &aws.eks;

    if let (Some(old), Some(new)) = (known_str(&prior.version), known_str(&planned.version)) {
        if old != new {
            let op = "UpdateNodegroupVersion";
            let send = |token: &str| {
                let req = eks
                    .update_nodegroup_version()
                    .cluster_name(cluster)
                    .nodegroup_name(name)
                    .version(new)
                    .client_request_token(token);
                async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(op, e)) }
            };
            run_update(eks, cluster, Some(name), op, timeout, send, |source| {
                NodeGroupError::Update {
                    what: "version",
                    source,
                }
            })
            .await?;
        }
    }

    let mut req = eks.update_nodegroup_config().cluster_name(cluster).nodegroup_name(name);
    let mut changed = false;
    if prior.scaling != planned.scaling {
        req = req.scaling_config(scaling_config(planned)?);
        changed = true;
    }
    let (old_labels, new_labels) = (
        known_string_map(&prior.labels).unwrap_or_default(),
        known_string_map(&planned.labels).unwrap_or_default(),
    );
    if old_labels != new_labels {
        let (removed, set) = tags::diff(&old_labels, &new_labels);
        req = req.labels(
            UpdateLabelsPayload::builder()
                .set_add_or_update_labels((!set.is_empty()).then(|| set.into_iter().collect()))
                .set_remove_labels((!removed.is_empty()).then_some(removed))
                .build(),
        );
        changed = true;
    }
    let (old_taints, new_taints) = (
        known_taints(&prior.taint).unwrap_or_default(),
        known_taints(&planned.taint).unwrap_or_default(),
    );
    if old_taints != new_taints {
        let add: Vec<Taint> = new_taints
            .iter()
            .filter(|(k, v)| old_taints.get(*k) != Some(*v))
            .map(|((key, effect), value)| sdk_taint(key, effect, value.as_ref()))
            .collect();
        let remove: Vec<Taint> = old_taints
            .iter()
            .filter(|(k, _)| !new_taints.contains_key(*k))
            .map(|((key, effect), value)| sdk_taint(key, effect, value.as_ref()))
            .collect();
        req = req.taints(
            UpdateTaintsPayload::builder()
                .set_add_or_update_taints((!add.is_empty()).then_some(add))
                .set_remove_taints((!remove.is_empty()).then_some(remove))
                .build(),
        );
        changed = true;
    }
    if prior.update_config != planned.update_config {
        let config =
            update_config(planned).unwrap_or_else(|| NodegroupUpdateConfig::builder().max_unavailable(1).build());
        req = req.update_config(config);
        changed = true;
    }
    if changed {
        let op = "UpdateNodegroupConfig";
        let send = |token: &str| {
            let req = req.clone().client_request_token(token);
            async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(op, e)) }
        };
        run_update(eks, cluster, Some(name), op, timeout, send, |source| {
            NodeGroupError::Update {
                what: "scaling, labels, taints or update_config",
                source,
            }
        })
        .await?;
    }

    let arn = known_str(&prior.arn).ok_or(NodeGroupError::Unknown("arn"))?;
    update_tags(
        eks,
        arn,
        &known_string_map(&prior.tags_all).unwrap_or_default(),
        &known_string_map(&planned.tags_all).unwrap_or_default(),
    )
    .await
    .map_err(|source| NodeGroupError::Update { what: "tags", source })?;
    // The role this resource created follows the node group's tags, from the
    // tags it has now (so out-of-band changes are repaired), only while it is
    // the one recorded.
    if let Some(role_name) = known_str(&prior.managed_role_name) {
        let owner_value = format!("{cluster}:{name}");
        let owner = BTreeMap::from([(NODE_GROUP_OWNER_TAG.to_string(), owner_value.clone())]);
        let recorded = known_str(&prior.managed_role_id);
        let wanted = known_string_map(&planned.tags_all).unwrap_or_default();
        sync_role_tags(&aws.iam, role_name, &wanted, &owner, |id, tags| {
            recorded.map_or(tags.get(NODE_GROUP_OWNER_TAG) == Some(&owner_value), |r| r == id)
        })
        .await?;
    }
    Ok(())
}

/// The identity of a node group: its ARN and `createdAt`.
fn identity_of(ng: &Nodegroup) -> String {
    format!(
        "{} created {}",
        ng.nodegroup_arn().unwrap_or_default(),
        timestamp(ng.created_at()).unwrap_or_default()
    )
}

/// Whether `ng` is the node group recorded in `s`: same ARN, and same
/// `createdAt` when recorded (a state written before identities were
/// recorded has only the ARN; the next refresh fills `created_at`).
fn is_recorded(s: &NodeGroupState, ng: &Nodegroup) -> bool {
    match (known_str(&s.arn), known_str(&s.created_at)) {
        (Some(arn), Some(created_at)) => {
            ng.nodegroup_arn() == Some(arn) && timestamp(ng.created_at()).as_deref() == Some(created_at)
        }
        (Some(arn), None) => ng.nodegroup_arn() == Some(arn),
        (None, _) => false,
    }
}

fn recorded_identity(s: &NodeGroupState) -> Option<String> {
    let arn = known_str(&s.arn)?;
    Some(format!(
        "{arn} created {}",
        known_str(&s.created_at).unwrap_or_default()
    ))
}

/// Deletes the node group, then the role this resource created: each only
/// while it is the incarnation recorded in state; anything else is left
/// alone, with a warning.
async fn delete_all(aws: &AwsClients, diags: &mut Diagnostics, s: &NodeGroupState) -> Result<(), BoxError> {
    let mut keep_role = false;
    if let (Some(cluster), Some(name)) = (known_str(&s.cluster_name), known_str(&s.name)) {
        let found = find_node_group(&aws.eks, cluster, name)
            .await
            .map_err(NodeGroupError::Read)?;
        let recorded = recorded_identity(s);
        match &found {
            Some(ng) if is_recorded(s, ng) => {
                match aws
                    .eks
                    .delete_nodegroup()
                    .cluster_name(cluster)
                    .nodegroup_name(name)
                    .send()
                    .await
                {
                    Ok(_) => {
                        tracing::info!(cluster, nodegroup = name, "deleting node group");
                        wait_node_group_deleted(&aws.eks, cluster, name, Timeouts::get(&s.timeouts, Operation::Delete))
                            .await
                            .map_err(NodeGroupError::Wait)?;
                    }
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => return Err(NodeGroupError::Delete(ApiError::new("DeleteNodegroup", e)).into()),
                }
            }
            Some(ng) => {
                // A failed create never recorded one: this is someone else's.
                let claim = Claim::Foreign { found: identity_of(ng) };
                if recorded.is_some() {
                    ownership::warn_left_alone(
                        diags,
                        &format!("node group `{cluster}:{name}`"),
                        recorded.as_deref(),
                        &claim,
                    );
                }
                keep_role = ng.node_role() == known_str(&s.node_role_arn);
            }
            None => {}
        }
    }
    if keep_role {
        diags.root_warning(
            "the created node role was not deleted",
            "Another node group of the same name uses it; it was left alone and removed from state.",
        );
        return Ok(());
    }
    if let Some(role_name) = known_str(&s.managed_role_name) {
        // Only the role this resource created: its owner tag, and its RoleId when recorded.
        let owner = format!(
            "{}:{}",
            known_str(&s.cluster_name).unwrap_or_default(),
            known_str(&s.name).unwrap_or_default()
        );
        let recorded = known_str(&s.managed_role_id);
        let claim = role::delete_role(&aws.iam, role_name, |r| {
            r.spec.tags.get(NODE_GROUP_OWNER_TAG) == Some(&owner) && recorded.is_none_or(|id| r.unique_id == id)
        })
        .await?;
        if matches!(claim, Claim::Foreign { .. }) {
            ownership::warn_left_alone(diags, &format!("IAM role `{role_name}`"), recorded, &claim);
        }
    }
    Ok(())
}

#[async_trait]
impl Resource for NodeGroupResource {
    type State<'a> = NodeGroupState;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: schema_block(),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        validate_state(diags, &config);
        // Tags: each key and value, and the count with this provider's own
        // tags and the default tags.
        validate::tags_map(
            &mut Validator::new(diags),
            &AttributePath::new("tags"),
            &config.tags,
            PROVIDER_TAGS,
            self.data.default_tags().as_ref(),
        );
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Some(aws) = self.data.aws_or_report(diags) else {
            return Some((state, private_state));
        };
        let cluster = known_str(&state.cluster_name)?.to_string();
        let name = known_str(&state.name)?.to_string();
        let found: Result<Option<NodeGroupState>, BoxError> = async {
            // "Gone" only after several consecutive not-found reads; a node
            // group of that name with another identity is not the one recorded.
            let found = ownership::confirm_gone(|| find_node_group(&aws.eks, &cluster, &name)).await?;
            let found = found.filter(|ng| {
                let ours = is_recorded(&state, ng);
                if !ours {
                    tracing::warn!(cluster, nodegroup = name, found = %identity_of(ng), recorded = ?recorded_identity(&state),
                        "a node group of that name exists, but it is not the one this resource created or imported");
                }
                ours
            });
            match found {
                Some(ng) => {
                    let mut s = flatten(&state, &ng, &aws.default_tags);
                    // The created role deleted outside Terraform (or made again
                    // by someone else): the plan recreates it in place.
                    if let Some(role_name) = known_str(&s.managed_role_name).map(str::to_string) {
                        let owner = format!("{cluster}:{name}");
                        match (role::find_role_id(&aws.iam, &role_name).await?, known_str(&s.managed_role_id)) {
                            (Some((id, tags)), Some(recorded)) if id == recorded => {
                                s.managed_role_tags = to_value_map(&shown_tags(&tags));
                            }
                            (Some((id, tags)), None) if tags.get(NODE_GROUP_OWNER_TAG) == Some(&owner) => {
                                s.managed_role_id = Value::Value(id);
                                s.managed_role_tags = to_value_map(&shown_tags(&tags));
                            }
                            _ => {
                                s.managed_role_name = Value::Null;
                                s.managed_role_id = Value::Null;
                            }
                        }
                    }
                    settle(&mut s);
                    Ok(Some(s))
                }
                None => match known_str(&state.managed_role_name) {
                    // Its created role remains: keep it, so the next apply replaces the node group.
                    Some(role_name) if role::role_exists(&aws.iam, role_name).await? => {
                        Ok(Some(without_node_group(&state)))
                    }
                    _ => Ok(None),
                },
            }
        }
        .await;
        finish_read(
            diags,
            &format!("node group `{cluster}:{name}`"),
            state,
            private_state,
            found,
        )
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        planned(&mut s, &config, None, &aws);
        let (cluster, version) = (known_str(&s.cluster_name), known_str(&s.version));
        if !check_node_group_version(diags, &aws.eks, cluster, version, NodeVersionChange::Create, false).await {
            return None;
        }
        Some((s, Default::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        planned(&mut s, &config, Some(&prior), &aws);
        let mut replace = RequiresReplace::default();
        replace.if_changed("cluster_name", &prior.cluster_name, &s.cluster_name);
        replace.if_changed("name", &prior.name, &s.name);
        replace.if_changed("node_role_arn", &prior.node_role_arn, &s.node_role_arn);
        replace.if_changed("subnet_ids", &prior.subnet_ids, &s.subnet_ids);
        replace.if_changed("instance_types", &prior.instance_types, &s.instance_types);
        replace.if_changed("capacity_type", &prior.capacity_type, &s.capacity_type);
        replace.if_changed("ami_type", &prior.ami_type, &s.ami_type);
        replace.if_changed("disk_size", &prior.disk_size, &s.disk_size);
        if prior.arn.is_null() {
            s.arn = Value::Unknown;
            replace.paths.push(AttributePath::new("arn"));
        }
        if !replace.is_empty() {
            planned(&mut s, &config, None, &aws);
        }
        let change = version_change(Some(&prior), &s, !replace.is_empty());
        let (cluster, version) = (known_str(&s.cluster_name), known_str(&s.version));
        if !check_node_group_version(diags, &aws.eks, cluster, version, change, false).await {
            return None;
        }
        if replace.is_empty() {
            plan_status(&mut s, &prior, |state| &mut state.status, "ACTIVE");
        }
        Some((s, private_state, replace.paths))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        let cluster = known_str(&planned.cluster_name)?.to_string();
        let name = known_str(&planned.name)?.to_string();
        let context = format!("creating node group `{cluster}:{name}`");
        let mut s = planned.clone();
        // A name taken by a node group this resource did not create fails
        // before anything is made.
        match find_node_group(&aws.eks, &cluster, &name).await {
            Ok(None) => {}
            Ok(Some(_)) => {
                let id = format!("{cluster}:{name}");
                let taken = NameTaken::new("node group", &id, "platform_eks_node_group", &id);
                report(diags, &failed(context, NodeGroupError::Taken(taken)));
                return None;
            }
            Err(err) => {
                report(diags, &failed(context, NodeGroupError::Read(err)));
                return None;
            }
        }
        // The cluster's version, now known for certain, before anything is made.
        let version = known_str(&s.version);
        if !check_node_group_version(
            diags,
            &aws.eks,
            Some(&cluster),
            version,
            NodeVersionChange::Create,
            true,
        )
        .await
        {
            return None;
        }
        if s.managed_role_name.is_unknown() {
            let partition = match aws.identity().await {
                Ok(identity) => identity.partition.clone(),
                Err(err) => {
                    report(diags, &failed(context, err));
                    return None;
                }
            };
            let role_name = node_role_name(&cluster, &name);
            let spec = expand_node_role(
                &role_name,
                &cluster,
                &name,
                &partition,
                &known_string_map(&s.tags_all).unwrap_or_default(),
            );
            match role::create_role(&aws.iam, &spec).await {
                Ok(created) => {
                    s.node_role_arn = Value::Value(created.arn);
                    s.managed_role_name = Value::Value(role_name);
                    s.managed_role_id = Value::Value(created.unique_id);
                }
                Err(failure) => {
                    let Some(created) = failure.created else {
                        report(diags, &failed(context, failure.error));
                        return None;
                    };
                    s.node_role_arn = Value::Value(created.arn);
                    s.managed_role_name = Value::Value(role_name);
                    s.managed_role_id = Value::Value(created.unique_id);
                    report(diags, &failed(context, failure.error));
                    return Some((without_node_group(&s), private_state));
                }
            }
        }
        // One idempotency token for every attempt of this create.
        let token = ownership::new_marker();
        let created = match create_node_group(&aws, &s, &token).await {
            Ok(created) => created,
            Err(err) => {
                // Nothing recorded for the node group: a later destroy never deletes it.
                report(diags, &failed(context, err));
                return s
                    .managed_role_name
                    .is_value()
                    .then(|| (without_node_group(&s), private_state));
            }
        };
        // The identity of what this create made, recorded before anything else can fail.
        s.arn = Value::Value(created.nodegroup_arn().unwrap_or_default().to_string());
        s.created_at = timestamp(created.created_at()).map_or(Value::Null, Value::Value);
        match wait_node_group_active(&aws.eks, &cluster, &name, Timeouts::get(&s.timeouts, Operation::Create)).await {
            Ok(ng) if is_recorded(&s, &ng) => Some((flatten(&s, &ng, &aws.default_tags), private_state)),
            Ok(ng) => {
                let err = NodeGroupError::Replaced {
                    id: format!("{cluster}:{name}"),
                    found: identity_of(&ng),
                };
                report(diags, &failed(context, err));
                Some((without_node_group(&s), private_state))
            }
            Err(err) => {
                report(diags, &failed(context, NodeGroupError::Wait(err)));
                match find_node_group(&aws.eks, &cluster, &name).await {
                    Ok(Some(ng)) if is_recorded(&s, &ng) => Some((flatten(&s, &ng, &aws.default_tags), private_state)),
                    _ => {
                        let mut partial = s.clone();
                        settle(&mut partial);
                        Some((partial, private_state))
                    }
                }
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        let cluster = known_str(&prior.cluster_name)?.to_string();
        let name = known_str(&prior.name)?.to_string();
        // The cluster's version, now known for certain, before anything changes.
        let change = version_change(Some(&prior), &planned, false);
        if !check_node_group_version(
            diags,
            &aws.eks,
            Some(&cluster),
            known_str(&planned.version),
            change,
            true,
        )
        .await
        {
            return Some((prior, private_state));
        }
        let mut planned = planned;
        if prior.managed_role_name.is_null() && planned.managed_role_name.is_unknown() {
            // The created role, deleted outside Terraform, comes back first.
            let tags = known_string_map(&planned.tags_all).unwrap_or_default();
            let context = format!("recreating the node role of node group `{cluster}:{name}`");
            // Under the name it had (the node group's role ARN names it).
            let role_name = own_node_role_name(&cluster, &name, known_str(&planned.node_role_arn));
            let owner = format!("{cluster}:{name}");
            let Some(created) =
                recreate_or_adopt_role(&aws, diags, context, (NODE_GROUP_OWNER_TAG, &owner), |partition| {
                    expand_node_role(&role_name, &cluster, &name, partition, &tags)
                })
                .await
            else {
                return Some((prior, private_state));
            };
            planned.managed_role_name = Value::Value(created.0);
            planned.managed_role_id = Value::Value(created.1);
        }
        let updated = match update_node_group(&aws, &prior, &planned).await {
            Ok(()) => true,
            Err(err) => {
                report(diags, &failed(format!("updating node group `{cluster}:{name}`"), err));
                false
            }
        };
        match find_node_group(&aws.eks, &cluster, &name).await {
            Ok(Some(ng)) => Some((flatten(&planned, &ng, &aws.default_tags), private_state)),
            Ok(None) => Some((without_node_group(&planned), private_state)),
            Err(err) => {
                if updated {
                    report(
                        diags,
                        &failed(format!("reading node group `{cluster}:{name}` after updating it"), err),
                    );
                }
                Some((prior, private_state))
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let aws = self.data.aws_or_report(diags)?;
        let id = known_str(&prior.id).unwrap_or_default().to_string();
        match delete_all(&aws, diags, &prior).await {
            Ok(()) => Some(()),
            Err(err) => {
                report(diags, &failed(format!("deleting node group `{id}`"), err));
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        let Some((cluster, name)) = id
            .split_once(':')
            .filter(|(c, n)| cluster_name(c).is_ok() && cluster_name(n).is_ok())
        else {
            diags.root_error(
                format!("importing a node group: `{id}` is not `<cluster_name>:<node_group_name>`"),
                "Import with `terraform import platform_eks_node_group.x my-cluster:my-nodes`.",
            );
            return None;
        };
        let result: Result<Option<NodeGroupState>, BoxError> = async {
            let Some(ng) = find_node_group(&aws.eks, cluster, name).await? else {
                return Ok(None);
            };
            let mut s = NodeGroupState {
                ignore_desired_size_changes: Value::Value(true),
                ..Default::default()
            };
            if let Some(role_name) = ng.node_role().and_then(|a| a.rsplit('/').next()) {
                if let Some(remote) = role::find_role_by_name(&aws.iam, role_name).await? {
                    if remote.spec.tags.get(NODE_GROUP_OWNER_TAG) == Some(&id) {
                        s.managed_role_name = Value::Value(role_name.to_string());
                        s.managed_role_id = Value::Value(remote.unique_id);
                    }
                }
            }
            Ok(Some(flatten(&s, &ng, &aws.default_tags)))
        }
        .await;
        match result {
            Ok(Some(s)) => Some((s, Default::default())),
            Ok(None) => {
                diags.root_error_short(format!("importing node group `{id}`: no such node group"));
                None
            }
            Err(err) => {
                report(diags, &failed(format!("importing node group `{id}`"), err));
                None
            }
        }
    }
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
