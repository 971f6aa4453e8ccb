//! `platform_eks_node_group`: a managed node group, with its node role
//! (created by default with the worker, CNI and ECR-read policies).
//!
//! A cluster autoscaler moves the desired size; with
//! `ignore_desired_size_changes` (the default) that is not drift: the
//! configured `desired` only applies at creation. With
//! `autoscaler_node_template_tags`, the node group's labels and `taint` blocks
//! are published as the autoscaler's tags on its Auto Scaling groups, so a pool
//! at zero nodes can be scaled up for pods that need them.
//!
//! This file holds the state, the schema, what replaces the node group and
//! the resource's steps; `plan.rs` the validation and the plan, `flex.rs`
//! the expand and flatten helpers, `read.rs` refresh and import, `apply.rs`
//! the create, update and delete steps, `rules.rs` EKS's rules for AMI
//! releases and launch templates.

#![allow(clippy::result_large_err)]

mod apply;
mod flex;
mod plan;
mod read;
mod rules;

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description, NestedBlock};
use tf_provider::value::{self, Value};
use tf_provider::{AttributePath, Diagnostics};

use super::validate::cluster_name;
use super::versions::{check_node_group_version, NodeVersionChange};
use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report};
use crate::framework::ownership::{self, PendingPrivate};
use crate::framework::plan::{known_str, plan_status, require_str, ValueStringMap, ValueStringSet};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attr, attributes, boolean, number, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::validate;
use crate::framework::wait::Timeouts;

/// How many tags of its own this provider puts on the objects this resource
/// creates (`platform:*`: the owner marker and the node-group link on the
/// created role); they count against AWS's 50.
const PROVIDER_TAGS: usize = 2;

pub const DEFAULT_CAPACITY_TYPE: &str = "ON_DEMAND";
pub const DEFAULT_INSTANCE_TYPE: &str = "t3.medium";
pub const DEFAULT_DISK_SIZE: i64 = 20;
pub const DEFAULT_IGNORE_DESIRED_SIZE_CHANGES: bool = true;
pub const DEFAULT_AUTOSCALER_NODE_TEMPLATE_TAGS: bool = false;
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
pub struct LaunchTemplateState {
    pub id: Value<String>,
    pub name: Value<String>,
    pub version: Value<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeRepairState {
    pub enabled: Value<bool>,
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
    pub autoscaler_node_template_tags: Value<bool>,
    pub autoscaler_tags: ValueStringMap,
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
    pub launch_template: Value<LaunchTemplateState>,
    #[serde(with = "value::serde_as_vec")]
    pub node_repair_config: Value<NodeRepairState>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}

// What EKS cannot change on a node group. `node_role_arn` replaces it too,
// but only when it names another role than the created one (see
// `plan_update`); so does another launch template (`launch_template.id` or
// `name`), while its `version` changes in place.
crate::replaces!(NodeGroupState {
    cluster_name,
    name,
    subnet_ids,
    instance_types,
    capacity_type,
    ami_type,
    disk_size,
});

pub struct NodeGroupResource {
    pub data: Arc<ProviderData>,
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
            "An EKS managed node group with its node role. The `scaling`, `taint`, `update_config` and `node_repair_config` blocks, the `labels` attribute, the Kubernetes version, the AMI release (`release_version`), the launch template's version and tags change in place; anything else replaces the node group. \
             With `ignore_desired_size_changes = true` (the default) a cluster autoscaler may move the desired size without it showing as drift.\n\n\
             **Scale from zero.** With `autoscaler_node_template_tags = true`, the node group's labels and `taint` blocks are also tags of its Auto Scaling groups in the cluster autoscaler's format (`k8s.io/cluster-autoscaler/node-template/label/<key> = <value>`, `k8s.io/cluster-autoscaler/node-template/taint/<key> = <value>:<Effect>` with Kubernetes's `NoSchedule`, `NoExecute`, `PreferNoSchedule`), set once the node group is ACTIVE and after every label or taint change, and kept so: a tag changed or removed outside Terraform shows in `autoscaler_tags` and the apply puts it back. A pool at `min = 0` then still tells the autoscaler what a new node would carry, so pods that tolerate its taint scale it up from zero. (Cluster autoscaler 1.24 and later can also read them from EKS with `eks:DescribeNodegroup`; the tags need no extra permission and serve every version.)\n\n\
             **AMI refresh.** `release_version` pins the AMI release; a newer one rolls the nodes in place (UpdateNodegroupVersion). Feed it the recommended release, the public SSM parameter `/aws/service/eks/optimized-ami/<version>/amazon-linux-2023/x86_64/standard/recommended/release_version` (the aws provider's `aws_ssm_parameter` data source), or a variable a scheduled run (e.g. a Spacelift scheduled run) updates: each run then refreshes the nodes only when a new release exists.\n\n\
             ## Ownership\n\n\
             - **Creates** the node role `<cluster>.<name>-node` (unless `node_role_arn` is given) and the node group. Cluster and node-group names cannot contain `.`, so no two node groups want the same role name (`X-a` with `b` and `X` with `a-b` get `X-a.b-node` and `X.a-b-node`); a name longer than IAM's 64 characters is cut and ends with a hash of `<cluster>:<name>`. A role created by an earlier version under `<cluster>-<name>-node` keeps its name: state records it (`managed_role_name`), and it is recreated under that name if deleted outside Terraform.\n\
             - **Tags** the role it created with `tags_all` and keeps it so: a change of `tags` reaches the role in place, and a tag changed on the role outside Terraform shows in `managed_role_tags` and is put back by the apply (the provider's own `platform:` tags stay and are never shown). Only the role whose `RoleId` is recorded is tagged; a role given in `node_role_arn` is never touched.\n\
             - **Marks** the role with the tags `platform:eks-node-group = <cluster>:<name>` and `platform:owner`, a marker unique to the create that made it; the node group carries `platform:owner` too (CreateNodegroup's `clientRequestToken`; left out of `tags` and `tags_all`). CreateNodegroup and every node-group update send one `clientRequestToken` per operation, the same on every retry, so a lost answer never makes a second node group or update. \
             It records what it made by identity: the node group's `arn` and `created_at`, the role's `managed_role_id`.\n\
             - **A failed apply** leaves a tainted instance that names what the create made before the failure: the role (`managed_role_name`, `managed_role_id`) once it exists, the node group (`arn`, `created_at`) once CreateNodegroup answered, also when it then ends `CREATE_FAILED`, is not `ACTIVE` within `timeouts.create`, or its Auto Scaling groups could not be tagged; a create that fails before making anything (a name taken, a version the cluster refuses) leaves nothing. The next apply replaces the tainted instance: it deletes exactly the node group and role recorded (each only while its identity matches), then creates new ones; `terraform destroy` deletes them. A lost answer is handled where it happens: the role is looked for by its marker and adopted; CreateNodegroup is sent again with the same token, at most 3 times in all (a role IAM is still propagating keeps its 2-minute window), then the node group is looked up by name and adopted if it carries the marker; one without the marker is someone else's (the apply fails with an import hint), and one confirmed absent by several reads was not made (the apply fails, keeping the role, if one was created). When that look-up cannot decide, the apply fails saying that the outcome is unknown, and the tainted instance (named by `cluster_name` and `name`, with the role if one was created) keeps the marker in its private state: the next refresh looks the node group up, records it (so that it is replaced) if it carries the marker, and otherwise forgets it (keeping the role, if any, to be deleted). With `-refresh=false` there is no such look-up: the replacement's destroy leaves a node group it cannot prove its own alone, and the create then stops at the taken name; plan with refresh first. Every API call of the create, CreateNodegroup's resends and the role's propagation window included, is bounded by the provider's `api_timeout` (a call still unanswered then counts as a lost answer), and the wait for `ACTIVE` by `timeouts.create`: no create runs longer than the two together.\n\
             - **Deletes** only those: destroy reads each again and leaves one that is missing or has another identity alone, with a warning, and removes it from state. A create that failed never recorded a node group, so one of the same name made by someone else is never deleted. A state written before identities were recorded is matched by ARN, and the next refresh records `created_at`.\n\
             - **Adopts** a role only when it carries the marker of its own create, after that create lost its answer; and, through `terraform import <cluster>:<name>` or an `import {}` block, an existing node group (with its role when the role carries its owner tag).\n\
             - **Refuses**, before creating anything, a node-group name that is taken in the cluster (the error gives the `terraform import` command and `import {}` block), and a role name it did not create.\n\
             - **Auto Scaling groups** are EKS's: with `autoscaler_node_template_tags`, only tag keys under `k8s.io/cluster-autoscaler/node-template/label/` and `.../taint/` on the groups EKS reports for the node group are this resource's (written with `PropagateAtLaunch = false`); every other tag of the group is left alone, and turning the feature off removes only those keys.\n\
             - **Refresh** believes the node group gone only after 3 consecutive not-found reads, so one bad answer never plans a replacement.",
        ),
        attributes: attributes([
            ("id", string(Computed, "`<cluster_name>:<name>`, the import id.")),
            ("cluster_name", string(Required, "The cluster's name (`platform_eks_cluster.x.name`).")),
            ("name", string(Required, "The node group's name: 1 to 63 letters, digits, `-` and `_`, starting with a letter or digit.")),
            ("node_role_arn", string(OptionalComputed, "The nodes' IAM role. When unset, a role `<cluster>.<name>-node` trusting `ec2.amazonaws.com` with `AmazonEKSWorkerNodePolicy`, `AmazonEKS_CNI_Policy` and `AmazonEC2ContainerRegistryReadOnly` is created and deleted with the node group. Setting it to the ARN of that created role changes nothing: the role stays this resource's own (`managed_role_name`), is deleted with the node group, and removing `node_role_arn` again is no change either. Changing it to another role replaces the node group.")),
            ("managed_role_name", string(Computed, "The name of the node role this resource created, or null when `node_role_arn` was given. If the role is deleted outside Terraform, the next apply creates it again in place, under the same name and ARN.")),
            ("subnet_ids", string_set(Required, "The subnets the nodes run in.")),
            ("instance_types", attr(AttributeType::List(Box::new(AttributeType::String)), OptionalComputed, format!("Instance types, in order of preference. Default `[\"{DEFAULT_INSTANCE_TYPE}\"]`, or with a `launch_template` none (the template's instance type, else EKS's default); EKS refuses both an instance type in the template and `instance_types` (checked by EKS at creation)."))),
            ("capacity_type", string(OptionalComputed, format!("`{DEFAULT_CAPACITY_TYPE}` (default), `SPOT` or `CAPACITY_BLOCK`."))),
            ("ami_type", string(OptionalComputed, "The AMI family, such as `AL2023_x86_64_STANDARD` or `BOTTLEROCKET_ARM_64`. EKS picks one from the instance types when unset. `CUSTOM` runs the AMI of the `launch_template` (required then), and EKS refuses `version` and `release_version` with it.")),
            ("disk_size", number(OptionalComputed, format!("Root volume size in GiB. Default `{DEFAULT_DISK_SIZE}`; not with a `launch_template` (EKS refuses it: size the root volume in the template's block device mappings)."))),
            ("version", string(OptionalComputed, "The Kubernetes version of the nodes, `\"<major>.<minor>\"`. Defaults to the cluster's version at creation. Changes in place (UpdateNodegroupVersion), never back. EKS creates and upgrades a node group only to its cluster's version, so upgrade the cluster first; nodes may then lag the cluster by up to 3 minor versions (a warning past that). When the cluster exists, the plan reads its version (DescribeCluster) and refuses a version it can never accept; what only the apply can know (the cluster upgraded in the same apply) is checked again before anything is created or changed.")),
            ("release_version", string(OptionalComputed, "The AMI release, e.g. `1.33.0-20250704` for Amazon Linux (`<Kubernetes version>.<patch>-<YYYYMMDD>`) or `1.47.0-6154605b` for Bottlerocket. Unset: EKS installs the latest release at creation and on a version upgrade, and this shows it. Set: created with it, and a newer release updates the nodes in place (UpdateNodegroupVersion, waited for); EKS never goes back to an older release, and an Amazon Linux release must be of the node group's Kubernetes version (both checked at plan time). Not with `ami_type = \"CUSTOM\"`.")),
            ("labels", string_map(Optional, "Kubernetes labels of the nodes. Keys are `[prefix/]name` as Kubernetes defines them, at most 63 characters in all, and not under the prefixes EKS reserves (`kubernetes.io/`, `k8s.io/`, `eks.amazonaws.com/` and their subdomains, such as `node.kubernetes.io/`); values are 1 to 63 characters. Change in place.")),
            ("ignore_desired_size_changes", boolean(OptionalComputed, format!("Default `{DEFAULT_IGNORE_DESIRED_SIZE_CHANGES}`: `scaling.desired` applies at creation only, and a desired size moved by a cluster autoscaler is not drift. Set `false` to enforce `scaling.desired`."))),
            ("autoscaler_node_template_tags", boolean(OptionalComputed, format!("Default `{DEFAULT_AUTOSCALER_NODE_TEMPLATE_TAGS}`. When `true`, the labels and `taint` blocks are also published as the cluster autoscaler's node-template tags on the node group's Auto Scaling groups and kept in sync (see Scale from zero above); at most 45 labels and `taint` blocks together, since an Auto Scaling group holds 50 tags and EKS puts 5 of its own, and one taint per key. Setting it back to `false` removes those tags only."))),
            ("autoscaler_tags", string_map(Computed, "With `autoscaler_node_template_tags`, the autoscaler node-template tags the node group's Auto Scaling groups carry (only keys under `k8s.io/cluster-autoscaler/node-template/label/` and `.../taint/`). The plan sets it to the tags the labels and `taint` blocks make, so a tag changed or removed outside Terraform shows here as an exact diff and the apply repairs it. Null when the feature is off.")),
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
            (
                "launch_template".to_string(),
                NestedBlock::Optional(block(
                    "An EC2 launch template for the nodes: give exactly one of `id` and `name` (both, of the same template, only as `terraform plan -generate-config-out` writes them for an imported node group), and the `version`. Another template (id or name) replaces the node group; another `version` updates the nodes in place (UpdateNodegroupVersion, waited for). With a template, EKS refuses `disk_size` (checked at plan time) and an instance type both in the template and in `instance_types`.",
                    attributes([
                        ("id", string(OptionalComputed, "The template's id, `lt-` and 17 hex digits. Computed when `name` is given.")),
                        ("name", string(OptionalComputed, "The template's name. Computed when `id` is given.")),
                        ("version", string(Required, "The template's version number, e.g. `aws_launch_template.x.latest_version`. `$Latest` and `$Default` are refused: EKS resolves them once to a number, so the nodes would not follow the template.")),
                    ]),
                )),
            ),
            (
                "node_repair_config".to_string(),
                NestedBlock::Optional(block(
                    "Node auto repair: EKS replaces nodes that report unhealthy. Changes in place (UpdateNodegroupConfig); without the block, auto repair is off (EKS's default).",
                    attributes([("enabled", boolean(Required, "Whether EKS repairs unhealthy nodes."))]),
                )),
            ),
            ("timeouts".to_string(), Timeouts::block()),
        ]
        .into_iter()
        .collect(),
        deprecated: false,
    }
}

#[async_trait]
impl ManagedResource for NodeGroupResource {
    type State = NodeGroupState;
    type Private = PendingPrivate;
    type Client = AwsClients;
    const NOUN: &'static str = "node group";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        self.data.aws_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &NodeGroupState) {
        plan::validate_config(diags, config);
        // Tags: each key and value, and the count with this provider's own
        // tags and the default tags.
        validate::tags_attribute(diags, &config.tags, PROVIDER_TAGS, self.data.default_tags().as_ref());
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        state: NodeGroupState,
        private_state: PendingPrivate,
    ) -> Option<(NodeGroupState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &state.cluster_name)?.to_string();
        let name = require_str(diags, "name", &state.name)?.to_string();
        // A create whose outcome is unknown (its answers were lost): the node
        // group is looked up by the owner marker it was sent with.
        let pending = ownership::pending_marker(&private_state).map(str::to_string);
        let found = read::read_remote(aws, &state, &cluster, &name, pending.as_deref()).await;
        // Once decided (found, or confirmed not there), nothing is pending any more.
        let private_state = if found.is_ok() {
            PendingPrivate::Null
        } else {
            private_state
        };
        finish_read(
            diags,
            &format!("node group `{cluster}:{name}`"),
            state,
            private_state,
            found,
        )
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: NodeGroupState,
        config: NodeGroupState,
    ) -> Option<(NodeGroupState, PendingPrivate)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, None, &aws);
        if !plan::check_create(diags, &config) || !plan::check_planned(diags, &s, None) {
            return None;
        }
        let (cluster, version) = (known_str(&s.cluster_name), known_str(&s.version));
        if !check_node_group_version(diags, &aws.eks, cluster, version, NodeVersionChange::Create, false).await {
            return None;
        }
        Some((s, Default::default()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: NodeGroupState,
        proposed: NodeGroupState,
        config: NodeGroupState,
        private_state: PendingPrivate,
    ) -> Option<(NodeGroupState, PendingPrivate, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, Some(&prior), &aws);
        let mut replace = NodeGroupState::replaced(&prior, &s);
        // Another role replaces the node group; the created role's own ARN
        // given in `node_role_arn` is planned as no change (plan_created_role).
        replace.if_changed("node_role_arn", &prior.node_role_arn, &s.node_role_arn);
        // Another launch template (EKS updates only the template's version).
        if plan::launch_template_replaced(&prior, &s) {
            replace.paths.push(AttributePath::new("launch_template"));
        }
        if prior.arn.is_null() {
            // The node group is missing (deleted outside Terraform, or a create failed halfway).
            s.arn = Value::Unknown;
            replace.paths.push(AttributePath::new("arn"));
        }
        if !replace.is_empty() {
            plan::plan_computed(&mut s, &config, None, &aws);
        }
        if !plan::check_planned(diags, &s, replace.is_empty().then_some(&prior)) {
            return None;
        }
        let change = plan::version_change(Some(&prior), &s, !replace.is_empty());
        let (cluster, version) = (known_str(&s.cluster_name), known_str(&s.version));
        if !check_node_group_version(diags, &aws.eks, cluster, version, change, false).await {
            return None;
        }
        if replace.is_empty() {
            plan_status(&mut s, &prior, |state| &mut state.status, "ACTIVE");
        }
        Some((s, private_state, replace.paths))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        planned: NodeGroupState,
        _config: NodeGroupState,
        _private_state: PendingPrivate,
    ) -> Option<(NodeGroupState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &planned.cluster_name)?.to_string();
        let name = require_str(diags, "name", &planned.name)?.to_string();
        apply::create(aws, diags, cluster, name, planned).await
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: NodeGroupState,
        planned: NodeGroupState,
        _config: NodeGroupState,
        private_state: PendingPrivate,
    ) -> Option<(NodeGroupState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &prior.cluster_name)?.to_string();
        let name = require_str(diags, "name", &prior.name)?.to_string();
        let updated = apply::update(aws, diags, cluster, name, prior, planned).await;
        Some((updated, private_state))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: NodeGroupState,
        private_state: PendingPrivate,
    ) -> Option<()> {
        let id = known_str(&prior.id).unwrap_or_default().to_string();
        match apply::delete_all(aws, diags, &prior, ownership::pending_marker(&private_state)).await {
            Ok(()) => Some(()),
            Err(err) => {
                report(diags, &failed(format!("deleting node group `{id}`"), err));
                None
            }
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        id: String,
    ) -> Option<(NodeGroupState, PendingPrivate)> {
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
        match read::import(aws, &id, cluster, name).await {
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
    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::NodeGroupResource>();
    }
}
