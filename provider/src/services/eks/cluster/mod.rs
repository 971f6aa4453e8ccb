//! `platform_eks_cluster`: an EKS cluster with what every cluster on the
//! platform needs: its IAM role, a KMS key for envelope encryption of
//! secrets, and the IAM OIDC provider for IRSA.
//!
//! Create order: KMS key, cluster role (with the key in its inline policy),
//! cluster (retried while IAM propagates the new role), wait for ACTIVE, OIDC
//! provider. Each object is recorded in state as soon as it exists, so a
//! failure halfway leaves nothing that state does not know about; destroy
//! removes them in the reverse order.
//!
//! This file holds the state, the schema, what replaces the cluster and the
//! resource's steps; `plan.rs` the validation and the plan, `flex.rs` the
//! expand and flatten helpers, `read.rs` refresh and import, `apply.rs` the
//! create, update and delete steps.

// The error enums carry names next to the API error; they are on the cold path.
#![allow(clippy::result_large_err)]

mod apply;
mod flex;
mod plan;
mod read;
mod update;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description, NestedBlock};
use tf_provider::value::{self, Value};
use tf_provider::{AttributePath, Diagnostics};

use super::versions::check_cluster_version;
use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report, BoxError};
use crate::framework::ownership::{self, PendingPrivate};
use crate::framework::plan::{known_str, plan_status, require_str, ValueStringMap, ValueStringSet};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attributes, boolean, sensitive, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::validate::{self, Validator};
use crate::framework::wait::Timeouts;
use crate::services::iam::oidc_provider::DEFAULT_CLIENT_ID;

/// How many tags of its own this provider puts on the objects this resource
/// creates (`platform:*`: the owner marker and the cluster link on the
/// created role and key); they count against AWS's 50.
const PROVIDER_TAGS: usize = 2;

pub const DEFAULT_AUTHENTICATION_MODE: &str = "API";
pub const DEFAULT_IP_FAMILY: &str = "ipv4";
pub const DEFAULT_PUBLIC_ACCESS_CIDR: &str = "0.0.0.0/0";
pub const DEFAULT_ENDPOINT_PUBLIC_ACCESS: bool = true;
pub const DEFAULT_ENDPOINT_PRIVATE_ACCESS: bool = false;
/// `bootstrap_cluster_creator_admin_permissions` when unset.
pub const DEFAULT_BOOTSTRAP_ADMIN: bool = true;
pub const DEFAULT_CREATE_OIDC_PROVIDER: bool = true;
pub const LOG_TYPES: &[&str] = &["api", "audit", "authenticator", "controllerManager", "scheduler"];
pub const AUTHENTICATION_MODES: &[&str] = &["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"];
/// The authentication modes in the only order EKS moves a cluster through
/// them (access entries, once on, stay on).
pub const AUTHENTICATION_STEPS: &[&str] = &["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"];
/// `upgrade_policy.support_type` values (botocore, enum `SupportType`).
pub const SUPPORT_TYPES: &[&str] = &["STANDARD", "EXTENDED"];
/// EKS's support type when CreateCluster names none.
pub const DEFAULT_SUPPORT_TYPE: &str = "EXTENDED";
/// `pod_security_groups` when unset.
pub const DEFAULT_POD_SECURITY_GROUPS: bool = false;
/// The AWS managed policy security groups for pods need on the cluster role.
pub const VPC_RESOURCE_CONTROLLER: &str = "AmazonEKSVPCResourceController";
/// The most security groups EKS takes for the cluster's network interfaces.
pub const MAX_SECURITY_GROUPS: usize = 5;
/// How long a created key waits before KMS deletes it.
pub const KEY_DELETION_WINDOW_DAYS: i64 = 30;
/// How long the issuer's TLS handshake may take when computing the thumbprint.
const THUMBPRINT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterState {
    pub id: Value<String>,
    pub name: Value<String>,
    pub version: Value<String>,
    pub role_arn: Value<String>,
    pub managed_role_name: Value<String>,
    pub subnet_ids: ValueStringSet,
    pub security_group_ids: ValueStringSet,
    pub endpoint_public_access: Value<bool>,
    pub endpoint_private_access: Value<bool>,
    pub public_access_cidrs: ValueStringSet,
    pub ip_family: Value<String>,
    pub service_ipv4_cidr: Value<String>,
    pub service_ipv6_cidr: Value<String>,
    pub kms_key_arn: Value<String>,
    pub managed_kms_key_id: Value<String>,
    pub enabled_log_types: ValueStringSet,
    pub authentication_mode: Value<String>,
    pub bootstrap_cluster_creator_admin_permissions: Value<bool>,
    pub create_oidc_provider: Value<bool>,
    pub oidc_thumbprints: ValueStringSet,
    pub tags: ValueStringMap,
    pub tags_all: ValueStringMap,
    pub arn: Value<String>,
    pub endpoint: Value<String>,
    pub certificate_authority_data: Value<String>,
    pub oidc_issuer_url: Value<String>,
    pub oidc_provider_arn: Value<String>,
    pub cluster_security_group_id: Value<String>,
    pub vpc_id: Value<String>,
    pub platform_version: Value<String>,
    pub status: Value<String>,
    pub kubeconfig: Value<String>,
    pub created_at: Value<String>,
    pub create_kms_key: Value<bool>,
    pub managed_role_id: Value<String>,
    pub oidc_provider_created_at: Value<String>,
    pub managed_role_tags: ValueStringMap,
    pub managed_kms_key_tags: ValueStringMap,
    pub oidc_provider_tags: ValueStringMap,
    pub pod_security_groups: Value<bool>,
    pub upgrade_policy: Value<UpgradePolicyState>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}

/// The `upgrade_policy` block (a group: always present, its attribute null when unset).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UpgradePolicyState {
    pub support_type: Value<String>,
}

impl ClusterState {
    /// `upgrade_policy.support_type`, as a value of its own.
    pub fn support_type(&self) -> Value<String> {
        match &self.upgrade_policy {
            Value::Value(u) => u.support_type.clone(),
            Value::Unknown => Value::Unknown,
            Value::Null => Value::Null,
        }
    }

    pub fn set_support_type(&mut self, support_type: Value<String>) {
        self.upgrade_policy = Value::Value(UpgradePolicyState { support_type });
    }
}

// What EKS cannot change on a cluster. `role_arn` replaces it too, but only
// when it names another role than the created one, and `kms_key_arn` only
// when it names another key than the cluster's (adding one is in place);
// see `plan::plan_in_place`.
crate::replaces!(ClusterState {
    name,
    ip_family,
    service_ipv4_cidr,
});

pub struct ClusterResource {
    pub data: Arc<ProviderData>,
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(
            "An EKS cluster with its IAM role, a KMS key for envelope encryption of Kubernetes secrets, and the IAM OIDC provider that makes it ready for IRSA (`platform_irsa_role`). \
             The role and the key are created unless `role_arn` / `kms_key_arn` are given; the OIDC provider unless `create_oidc_provider = false`. \
             In place, each as an EKS update that is awaited before the next (EKS takes one kind of change per update): version upgrades (one minor version at a time), logging, endpoint access, subnets and security groups, the authentication mode (one step forward per apply), the upgrade policy, secrets encryption added to a cluster without it, `pod_security_groups` and tags; `bootstrap_cluster_creator_admin_permissions` is only recorded. The name, `ip_family`, `service_ipv4_cidr`, another role or another secrets key replace the cluster.\n\n\
             ## Declared admins\n\n\
             With `bootstrap_cluster_creator_admin_permissions = true` (the default), EKS gives whoever created the cluster a cluster-admin access entry, so who can administer the cluster depends on who ran the first apply. To declare the admins instead, without replacing the cluster: (1) with `authentication_mode` `API_AND_CONFIG_MAP` or `API`, add a `platform_eks_access_entry` for each admin principal with the access policy `arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy` at cluster scope, and apply; (2) import the creator's entry (its principal is the IAM role or user that created the cluster) into a `platform_eks_access_entry`, then remove that resource from the configuration so that the next apply deletes the entry (or keep it, now declared, if the creator should stay an admin); (3) set `bootstrap_cluster_creator_admin_permissions = false`. EKS reads that flag only when it creates the cluster, so changing it later changes nothing in AWS: it is recorded in state only, and never replaces the cluster.\n\n\
             ## Ownership\n\n\
             - **Creates** a KMS key (unless `kms_key_arn` is given or `create_kms_key = false`; at create, or when secrets encryption is added to a cluster without it), the IAM role `<name>-cluster` (unless `role_arn` is given), the cluster, and the IAM OIDC provider for its issuer (unless `create_oidc_provider = false`).\n\
             - **Marks** the role and key with the tag `platform:eks-cluster = <name>`; the role, the key, the cluster and the OIDC provider also carry `platform:owner`, a marker unique to the create that made them (left out of `tags`, `tags_all` and the `managed_*_tags`; on the cluster it is CreateCluster's `clientRequestToken`). CreateCluster and every cluster update send one `clientRequestToken` per operation, the same on every retry, so a lost answer never makes a second cluster or a second update. \
             It records what it made by identity: the cluster's `arn` and `created_at`, the role's `managed_role_id`, the key's `managed_kms_key_id`, the provider's `oidc_provider_arn` and `oidc_provider_created_at`.\n\
             - **A failed apply** leaves a tainted instance that names what the create made before the failure: the key (`managed_kms_key_id`) and the role (`managed_role_name`, `managed_role_id`) once each exists, the cluster (`arn`, `created_at`) once CreateCluster answered, also when it then ends `FAILED` or is not `ACTIVE` within `timeouts.create`; a create that fails before making anything (a name taken) leaves nothing. The next apply replaces the tainted instance: it deletes exactly the objects recorded (each only while its identity matches), then creates new ones; `terraform destroy` deletes them. A lost answer (a timeout, a dropped connection, a 5xx) is handled where it happens: the key, the role and the OIDC provider are looked for by their marker and adopted; CreateCluster is sent again with the same token, at most 3 times in all (a role IAM is still propagating keeps its 2-minute window), then the cluster is looked up by name and adopted if it carries the marker; one without the marker is someone else's (the apply fails with an import hint), and one confirmed absent by several reads was not made (the apply fails, keeping the role and key). When that look-up cannot decide, the apply fails saying that the outcome is unknown, and the tainted instance keeps the marker in its private state: the next refresh looks the cluster up, records it (so that it is replaced) if it carries the marker, and otherwise keeps only the role and key (a cluster of that name without the marker is not this resource's). With `-refresh=false` there is no such look-up: the replacement's destroy leaves a cluster it cannot prove its own alone, and the create then stops at the taken name; plan with refresh first. Every API call of the create, CreateCluster's resends and the role's propagation window included, is bounded by the provider's `api_timeout` (a call still unanswered then counts as a lost answer), and the wait for `ACTIVE` by `timeouts.create`: no create runs longer than the two together.\n\
             - **Tags** each object it created with `tags_all` (the cluster's `tags` over the provider's `default_tags`) and keeps them so: a change of `tags` reaches the role, key and OIDC provider in place, and a tag changed on one of them outside Terraform shows in `managed_role_tags`, `managed_kms_key_tags` or `oidc_provider_tags` and is put back by the apply. The provider's own `platform:` tags stay and are never shown. Only objects still proven its own (the recorded `managed_role_id`, key id, `oidc_provider_created_at`) are tagged, and an OIDC provider only when it carries the `platform:owner` marker of the create that made it (an imported provider made by hand keeps its tags); a role or key given in `role_arn` / `kms_key_arn` is never touched.\n\
             - **Deletes** only those: destroy reads each object again and leaves one that is missing or has another identity alone, with a warning, and removes it from state. A create that failed never recorded a cluster, so a cluster of the same name made by someone else is never deleted (nor the role or key such a cluster uses). A state written before identities were recorded is matched by ARN, and the next refresh records `created_at`.\n\
             - **Adopts** a role or OIDC provider only when it carries the marker of its own create, after that create lost its answer; and, through `terraform import <cluster name>` or an `import {}` block, an existing cluster (with the role and key when they carry its owner tag, and the OIDC provider of its issuer). An imported cluster without envelope encryption of secrets gets `create_kms_key = false`, so that `terraform plan -generate-config-out` writes a configuration whose plan is empty.\n\
             - **Refuses**, before creating anything, a cluster name that is taken (the error gives the `terraform import` command and `import {}` block) and a role `<name>-cluster` it did not create; it refuses an OIDC provider for the issuer that it did not create (import it into `platform_eks_oidc_provider` and set `create_oidc_provider = false`).\n\
             - **Refresh** believes the cluster or its OIDC provider gone only after 3 consecutive not-found reads, so one bad answer never plans a replacement.",
        ),
        attributes: attributes([
            ("id", string(Computed, "The cluster's name.")),
            ("name", string(Required, "The cluster's name: 1 to 100 letters, digits, `-` and `_`, starting with a letter or digit.")),
            ("version", string(Required, "The Kubernetes version, `\"<major>.<minor>\"` such as `\"1.34\"`. Upgrades happen in place, one minor version per apply (EKS cannot skip versions or downgrade). A new cluster or an upgrade is checked at plan time against EKS's release calendar (see the limits guide): a version EKS no longer accepts is an error; one newer than the provider's table, or past its end of extended support since, is a warning, and EKS decides at apply.")),
            ("role_arn", string(OptionalComputed, "The cluster's IAM role. When unset, a role named `<name>-cluster` trusting `eks.amazonaws.com`, with `AmazonEKSClusterPolicy` and the right to use the secrets key, is created and deleted with the cluster. Setting it to the ARN of that created role changes nothing: the role stays this resource's own (`managed_role_name`), is deleted with the cluster, and removing `role_arn` again is no change either. Changing it to another role replaces the cluster.")),
            ("managed_role_name", string(Computed, "The name of the role this resource created, or null when `role_arn` was given. If the role is deleted outside Terraform, the plan shows this attribute to be known after apply and the apply creates the role again in place, under the same name and ARN.")),
            ("subnet_ids", string_set(Required, "At least two subnets, in different availability zones, for the cluster's network interfaces. Changes in place (an EKS `VpcConfigUpdate`), with EKS's rules: the new subnets must be in the cluster's VPC and cover exactly the availability zones the cluster was created with; EKS refuses others at apply (the provider cannot read subnets at plan time), and the error names `subnet_ids`.")),
            ("security_group_ids", string_set(Optional, format!("Extra security groups for the cluster's network interfaces (EKS always adds `cluster_security_group_id`): at most {MAX_SECURITY_GROUPS}, in the cluster's VPC. Changes in place (an EKS `VpcConfigUpdate`, with `subnet_ids` when both change); removing them all leaves only the cluster security group."))),
            ("endpoint_public_access", boolean(OptionalComputed, format!("Whether the API server endpoint is reachable from the internet. Default `{DEFAULT_ENDPOINT_PUBLIC_ACCESS}`. Changes in place."))),
            ("endpoint_private_access", boolean(OptionalComputed, format!("Whether the API server endpoint is reachable from within the VPC. Default `{DEFAULT_ENDPOINT_PRIVATE_ACCESS}`. Changes in place."))),
            ("public_access_cidrs", string_set(OptionalComputed, format!("IPv4 CIDR blocks allowed to reach the public endpoint. Default `[\"{DEFAULT_PUBLIC_ACCESS_CIDR}\"]`. Changes in place."))),
            ("ip_family", string(OptionalComputed, format!("`{DEFAULT_IP_FAMILY}` (default) or `ipv6`: the address family of pods and services. IPv6 clusters need dual-stack subnets (each with an IPv6 CIDR block). The provider cannot see the subnets' CIDR blocks at plan time, so EKS's refusal comes at apply, naming `ip_family` and the subnets; the key and role made before it stay in state and go with `terraform destroy` or the next apply."))),
            ("service_ipv4_cidr", string(OptionalComputed, "The CIDR block Kubernetes services get addresses from: within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, /12 to /24. EKS picks one when unset. Only for `ip_family = \"ipv4\"`.")),
            ("service_ipv6_cidr", string(Computed, "The IPv6 CIDR block EKS gave Kubernetes services (IPv6 clusters only).")),
            ("kms_key_arn", string(OptionalComputed, format!("The KMS key that envelope-encrypts Kubernetes secrets. When unset, a key with rotation enabled is created (and scheduled for deletion after {KEY_DELETION_WINDOW_DAYS} days when the cluster is destroyed). A given key's policy must let the cluster role use it (the created role gets an inline policy for it). Added to a cluster without secrets encryption, it is associated in place (AssociateEncryptionConfig; a created key is made first). EKS cannot remove or change a cluster's key: removing encryption is refused at plan time (`terraform apply -replace` if a new cluster is really wanted), and another key replaces the cluster."))),
            ("managed_kms_key_id", string(Computed, "The id of the key this resource created, or null when `kms_key_arn` was given. A created key that is scheduled for deletion outside Terraform makes the plan replace the cluster, since EKS cannot change a cluster's key.")),
            ("enabled_log_types", string_set(Optional, "Control-plane logs sent to CloudWatch: any of `api`, `audit`, `authenticator`, `controllerManager`, `scheduler`. Changes in place.")),
            ("authentication_mode", string(OptionalComputed, format!("How IAM principals are mapped to Kubernetes identities: `{DEFAULT_AUTHENTICATION_MODE}` (access entries, the default), `API_AND_CONFIG_MAP` or `CONFIG_MAP` (the `aws-auth` ConfigMap). Changes in place one step per apply, `CONFIG_MAP` -> `API_AND_CONFIG_MAP` -> `API` (an EKS `AccessConfigUpdate`): a skip is refused at plan time naming the step between (move the ConfigMap's mappings to access entries while both work), and so is a step back, which EKS cannot make. A mode moved forward outside Terraform makes the next plan (a drift run's `terraform plan -detailed-exitcode` included) fail with an error naming the cluster's mode, since EKS cannot go back: set `authentication_mode` to that mode (see `docs/guides/drift-detection.md`)."))),
            ("bootstrap_cluster_creator_admin_permissions", boolean(OptionalComputed, format!("Whether the identity that creates the cluster gets a cluster-admin access entry. Default `{DEFAULT_BOOTSTRAP_ADMIN}`. EKS uses it only at creation: a change afterwards is recorded in state without any API call (it neither adds nor removes the entry; see \"Declared admins\")."))),
            ("create_oidc_provider", boolean(OptionalComputed, format!("Whether to create the IAM OIDC provider for the cluster's issuer (client id `{DEFAULT_CLIENT_ID}`), which IRSA needs. Default `{DEFAULT_CREATE_OIDC_PROVIDER}`. Changes in place."))),
            ("oidc_thumbprints", string_set(OptionalComputed, "SHA-1 thumbprints (40 hex digits) of the issuer's certificate chain for the OIDC provider. When unset, the thumbprint of the top certificate the issuer serves is computed from a verified TLS handshake; if the issuer cannot be reached, the provider is created without one (IAM verifies EKS issuers through its own trusted CAs) and a warning says so.")),
            ("tags", string_map(Optional, "Tags of the cluster and of every object it created (its role, key and OIDC provider; see `managed_role_tags`, `managed_kms_key_tags` and `oidc_provider_tags`). Merged over the provider's `default_tags`. Changes in place, on the created objects too.")),
            ("tags_all", string_map(Computed, "All tags of the cluster, including the provider's `default_tags`.")),
            ("arn", string(Computed, "The cluster's ARN.")),
            ("endpoint", string(Computed, "The API server's URL.")),
            ("certificate_authority_data", string(Computed, "The cluster's certificate authority, base64-encoded PEM, as kubeconfig's `certificate-authority-data` takes it.")),
            ("oidc_issuer_url", string(Computed, "The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<ID>`): the `url` of a `platform_eks_oidc_provider` copy in another account.")),
            ("oidc_provider_arn", string(Computed, "The ARN of the IAM OIDC provider this resource created: the `oidc_provider_arn` of `platform_irsa_role`. Null when `create_oidc_provider = false`.")),
            ("cluster_security_group_id", string(Computed, "The security group EKS created for the control plane and managed node groups.")),
            ("vpc_id", string(Computed, "The VPC of the cluster's subnets.")),
            ("platform_version", string(Computed, "The EKS platform version, such as `eks.7`.")),
            ("status", string(Computed, "The cluster's status: `ACTIVE` once created. Null while the cluster is missing (deleted outside Terraform) but objects this resource created still exist; the next apply replaces it.")),
            ("kubeconfig", sensitive(string(Computed, "A kubeconfig for the cluster whose user runs `aws eks get-token` (exec credentials, nothing secret inside; marked sensitive so plans stay short). Needs the AWS CLI where it is used."))),
            ("created_at", string(Computed, "When EKS created the cluster (RFC 3339). With `arn`, the identity of this incarnation of the cluster: destroy deletes the cluster only while both match. Null while the cluster is missing.")),
            ("create_kms_key", boolean(OptionalComputed, "Whether to create the secrets key when `kms_key_arn` is unset. Defaults to `true` when `kms_key_arn` is unset (and `false` when it is set). `false` with `kms_key_arn` unset means a cluster without envelope encryption of secrets, as an imported cluster made without it is (import sets it so). Turning it to `true` on such a cluster creates the key and associates it in place; turning encryption off is refused at plan time, since EKS cannot remove it.")),
            ("managed_role_id", string(Computed, "The `RoleId` of the role this resource created: destroy deletes that role only while its id matches.")),
            ("managed_role_tags", string_map(Computed, "The tags of the role this resource created, as IAM has them, without the provider's own `platform:` tags (which are never removed). The plan sets it to `tags_all`, so a tag changed on the role outside Terraform shows here as an exact diff, and the apply puts the role's tags back; a role given in `role_arn` is never tagged (null).")),
            ("managed_kms_key_tags", string_map(Computed, "The tags of the key this resource created, as KMS has them, without the provider's own `platform:` tags. Like `managed_role_tags`: planned as `tags_all`, so out-of-band changes show here and the apply repairs them; null for a key given in `kms_key_arn`.")),
            ("oidc_provider_tags", string_map(Computed, "The tags of the OIDC provider this resource created, as IAM has them, without the provider's own `platform:` tags. Like `managed_role_tags`: planned as `tags_all`, so out-of-band changes show here and the apply repairs them; null without `create_oidc_provider`, and for a provider adopted by import that this provider did not create (it lacks the `platform:owner` marker of a create; its tags are left alone).")),
            ("oidc_provider_created_at", string(Computed, "When IAM created the OIDC provider this resource created (RFC 3339): destroy deletes that provider only while it matches.")),
            ("pod_security_groups", boolean(OptionalComputed, format!("Whether the cluster can give pods security groups of their own: attaches the AWS managed policy `{VPC_RESOURCE_CONTROLLER}` to the role this resource created. Default `{DEFAULT_POD_SECURITY_GROUPS}`. Changes in place, both ways; refresh reads the role's attached policies, so the policy detached outside Terraform shows as a change to `true` that the apply repairs. With `role_arn` given it is an error at plan time: attach the policy to that role yourself."))),
        ]),
        blocks: [
            ("timeouts".to_string(), Timeouts::block()),
            (
                "upgrade_policy".to_string(),
                NestedBlock::Group(Block {
                    version: 1,
                    attributes: attributes([(
                        "support_type",
                        string(OptionalComputed, format!("`STANDARD` or `EXTENDED`. When unset, the cluster keeps what EKS has (`{DEFAULT_SUPPORT_TYPE}` for a new cluster, EKS's default). Changes in place (an EKS `UpgradePolicyUpdate`).")),
                    )]),
                    blocks: Default::default(),
                    description: Description::markdown("What happens when the cluster's Kubernetes version reaches the end of standard support. A cost decision: `EXTENDED` keeps the version running in extended support, which EKS bills at a higher hourly rate per cluster; `STANDARD` lets EKS upgrade the cluster automatically instead, at the standard rate."),
                    deprecated: false,
                }),
            ),
        ]
        .into_iter()
        .collect(),
        deprecated: false,
    }
}

#[async_trait]
impl ManagedResource for ClusterResource {
    type State = ClusterState;
    type Private = PendingPrivate;
    type Client = AwsClients;
    const NOUN: &'static str = "cluster";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        self.data.aws_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &ClusterState) {
        plan::validate_config(diags, config);
        // Tags: each key and value, and the count with this provider's own
        // tags and the default tags.
        validate::tags_attribute(diags, &config.tags, PROVIDER_TAGS, self.data.default_tags().as_ref());
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        state: ClusterState,
        private_state: PendingPrivate,
    ) -> Option<(ClusterState, PendingPrivate)> {
        let name = match known_str(&state.name).or(known_str(&state.id)) {
            Some(name) => name.to_string(),
            None => require_str(diags, "name", &state.name)?.to_string(),
        };
        // A create whose outcome is unknown (its answers were lost): the
        // cluster is looked up by the owner marker it was sent with.
        let pending = ownership::pending_marker(&private_state).map(str::to_string);
        let found: Result<Option<ClusterState>, BoxError> = async {
            match read::read_remote(aws, &state, &name, pending.as_deref()).await? {
                Some(s) => Ok(Some(s)),
                // Gone: keep the resource only while objects it created remain,
                // so that they are replaced or deleted, never orphaned.
                None if read::leftovers_exist(aws, &state).await? => {
                    if pending.is_none() {
                        tracing::warn!("EKS cluster `{name}` no longer exists; its role, key or OIDC provider remain, so it will be replaced");
                    }
                    Ok(Some(flex::without_cluster(&state)))
                }
                None => Ok(None),
            }
        }
        .await;
        // Once decided (found, or confirmed not there), nothing is pending any more.
        let private_state = if found.is_ok() {
            PendingPrivate::Null
        } else {
            private_state
        };
        finish_read(diags, &format!("EKS cluster `{name}`"), state, private_state, found)
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: ClusterState,
        config: ClusterState,
    ) -> Option<(ClusterState, PendingPrivate)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, None, &aws);
        if !check_cluster_version(diags, known_str(&s.version)) || !plan::check_pod_security_groups(diags, &s) {
            return None;
        }
        Some((s, Default::default()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: ClusterState,
        proposed: ClusterState,
        config: ClusterState,
        private_state: PendingPrivate,
    ) -> Option<(ClusterState, PendingPrivate, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, Some(&prior), &aws);
        if prior.bootstrap_cluster_creator_admin_permissions.is_null()
            && config.bootstrap_cluster_creator_admin_permissions.is_null()
        {
            // Not recorded (a state from before it was read): nothing to record.
            s.bootstrap_cluster_creator_admin_permissions = Value::Null;
        }
        let mut replace = ClusterState::replaced(&prior, &s);
        // Another role replaces the cluster; the created role's own ARN given
        // in `role_arn` is planned as no change (plan_created_role).
        replace.if_changed("role_arn", &prior.role_arn, &s.role_arn);
        if prior.arn.is_null() {
            // The cluster is missing (deleted outside Terraform, or a create failed halfway).
            s.arn = Value::Unknown;
            replace.paths.push(AttributePath::new("arn"));
        }
        // Another secrets key replaces the cluster; adding one is in place,
        // removing one is refused.
        if !plan::plan_encryption(diags, &prior, &s, &config, &mut replace)
            || !plan::check_pod_security_groups(diags, &s)
        {
            return None;
        }
        // A kept cluster's authentication mode moves one step forward; both
        // this and the version are checked, so that each error shows.
        let step_ok = !replace.is_empty() || plan::check_authentication_step(diags, &prior, &s);
        let new_version = known_str(&s.version).filter(|v| known_str(&prior.version) != Some(*v));
        if (!replace.is_empty() || new_version.is_some()) && !check_cluster_version(diags, known_str(&s.version)) {
            return None;
        }
        if !step_ok {
            return None;
        }
        if !replace.is_empty() {
            // A new cluster: everything computed is unknown again.
            plan::plan_computed(&mut s, &config, None, &aws);
        } else if let (Some(old), Some(new)) = (known_str(&prior.version), known_str(&s.version)) {
            if let Err(rule) = plan::version_step(old, new) {
                Validator::new(diags).error(&AttributePath::new("version"), rule);
                return None;
            }
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
        planned: ClusterState,
        _config: ClusterState,
        _private_state: PendingPrivate,
    ) -> Option<(ClusterState, PendingPrivate)> {
        let name = require_str(diags, "name", &planned.name)?.to_string();
        apply::create(aws, diags, name, planned).await
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: ClusterState,
        planned: ClusterState,
        _config: ClusterState,
        private_state: PendingPrivate,
    ) -> Option<(ClusterState, PendingPrivate)> {
        let name = require_str(diags, "name", &prior.name)?.to_string();
        let updated = update::update(aws, diags, name, prior, planned).await;
        Some((updated, private_state))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: ClusterState,
        private_state: PendingPrivate,
    ) -> Option<()> {
        let name = known_str(&prior.name).unwrap_or_default().to_string();
        match apply::delete_all(aws, diags, &prior, ownership::pending_marker(&private_state)).await {
            Ok(()) => Some(()),
            Err(err) => {
                report(diags, &failed(format!("deleting EKS cluster `{name}`"), err));
                None
            }
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        id: String,
    ) -> Option<(ClusterState, PendingPrivate)> {
        if let Err(rule) = super::validate::cluster_name(&id) {
            diags.root_error(
                format!("importing an EKS cluster: the id {rule}"),
                "Import with the cluster's name: `terraform import platform_eks_cluster.x my-cluster`.",
            );
            return None;
        }
        match read::import(aws, &id).await {
            Ok(Some(s)) => Some((s, Default::default())),
            Ok(None) => {
                diags.root_error_short(format!("importing EKS cluster `{id}`: no such cluster"));
                None
            }
            Err(err) => {
                report(diags, &failed(format!("importing EKS cluster `{id}`"), err));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::ClusterResource>();
    }
}
