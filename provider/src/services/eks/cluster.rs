//! `platform_eks_cluster`: an EKS cluster with what every cluster on the
//! platform needs: its IAM role, a KMS key for envelope encryption of
//! secrets, and the IAM OIDC provider for IRSA.
//!
//! Create order: KMS key, cluster role (with the key in its inline policy),
//! cluster (retried while IAM propagates the new role), wait for ACTIVE, OIDC
//! provider. Each object is recorded in state as soon as it exists, so a
//! failure halfway leaves nothing that state does not know about; destroy
//! removes them in the reverse order.

// The error enums carry names next to the API error; they are on the cold path.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eks::error::ProvideErrorMetadata;
use aws_sdk_eks::types::{
    AuthenticationMode, Cluster, CreateAccessConfigRequest, EncryptionConfig, IpFamily, KubernetesNetworkConfigRequest,
    LogSetup, LogType, Logging, Provider, VpcConfigRequest,
};
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description, Schema};
use tf_provider::value::{self, Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::find::{find_cluster, is_not_found, timestamp};
use super::roles::{
    cluster_role_name, expand_cluster_role, plan_created_role, recreate_or_adopt_role, sync_role_tags,
    CLUSTER_OWNER_TAG,
};
use super::tags::{created_object_tags, shown_tags, sync_key_tags, update_tags};
use super::thumbprint;
use super::validate::{cluster_name, parse_version};
use super::wait::{is_role_propagation, run_update, wait_cluster_active, wait_cluster_deleted};
use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, report, ApiError, BoxError};
use crate::framework::ownership::{self, Claim, NameTaken};
use crate::framework::plan::{
    created_unless_given, default_from_config, known, known_str, known_string_map, known_string_set, optional_map,
    optional_set, plan_status, to_value_map, to_value_set, RequiresReplace, ValueStringMap, ValueStringSet,
};
use crate::framework::retry::{retry, Backoff};
use crate::framework::schema::{
    attributes, boolean, sensitive, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::framework::wait::{Operation, Timeouts, WaitError};
use crate::services::iam::oidc_provider::{
    self as oidc_provider, create_provider, delete_provider_if_ours, find_confirmed, provider_arn, update_provider,
    ProviderSpec, DEFAULT_CLIENT_ID,
};
use crate::services::iam::role;
use crate::services::kms::key::{self, KeySpec};

/// How many tags of its own this provider puts on the objects this resource
/// creates (`platform:*`: the owner marker and the cluster link on the
/// created role and key); they count against AWS's 50.
const PROVIDER_TAGS: usize = 2;

pub const DEFAULT_AUTHENTICATION_MODE: &str = "API";
pub const DEFAULT_IP_FAMILY: &str = "ipv4";
pub const DEFAULT_PUBLIC_ACCESS_CIDR: &str = "0.0.0.0/0";
pub const LOG_TYPES: &[&str] = &["api", "audit", "authenticator", "controllerManager", "scheduler"];
pub const AUTHENTICATION_MODES: &[&str] = &["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"];
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
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}

pub struct ClusterResource {
    data: Arc<ProviderData>,
}

impl ClusterResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(
            "An EKS cluster with its IAM role, a KMS key for envelope encryption of Kubernetes secrets, and the IAM OIDC provider that makes it ready for IRSA (`platform_irsa_role`). \
             The role and the key are created unless `role_arn` / `kms_key_arn` are given; the OIDC provider unless `create_oidc_provider = false`. \
             Version upgrades (one minor version at a time), logging, endpoint access and tags change in place; anything else replaces the cluster.\n\n\
             ## Ownership\n\n\
             - **Creates** a KMS key (unless `kms_key_arn` is given or `create_kms_key = false`), the IAM role `<name>-cluster` (unless `role_arn` is given), the cluster, and the IAM OIDC provider for its issuer (unless `create_oidc_provider = false`).\n\
             - **Marks** the role and key with the tag `platform:eks-cluster = <name>`; the role and the OIDC provider also carry `platform:owner`, a marker unique to the create that made them (left out of `tags`). CreateCluster and every cluster update send one `clientRequestToken` per operation, the same on every retry, so a lost answer never makes a second cluster or a second update. \
             It records what it made by identity: the cluster's `arn` and `created_at`, the role's `managed_role_id`, the key's `managed_kms_key_id`, the provider's `oidc_provider_arn` and `oidc_provider_created_at`.\n\
             - **Tags** each object it created with `tags_all` (the cluster's `tags` over the provider's `default_tags`) and keeps them so: a change of `tags` reaches the role, key and OIDC provider in place, and a tag changed on one of them outside Terraform shows in `managed_role_tags`, `managed_kms_key_tags` or `oidc_provider_tags` and is put back by the apply. The provider's own `platform:` tags stay and are never shown. Only objects still proven its own (the recorded `managed_role_id`, key id, `oidc_provider_created_at`) are tagged, and an OIDC provider only when it carries the `platform:owner` marker of the create that made it (an imported provider made by hand keeps its tags); a role or key given in `role_arn` / `kms_key_arn` is never touched.\n\
             - **Deletes** only those: destroy reads each object again and leaves one that is missing or has another identity alone, with a warning, and removes it from state. A create that failed never recorded a cluster, so a cluster of the same name made by someone else is never deleted (nor the role or key such a cluster uses). A state written before identities were recorded is matched by ARN, and the next refresh records `created_at`.\n\
             - **Adopts** a role or OIDC provider only when it carries the marker of its own create, after that create lost its answer; and, through `terraform import <cluster name>` or an `import {}` block, an existing cluster (with the role and key when they carry its owner tag, and the OIDC provider of its issuer). An imported cluster without envelope encryption of secrets gets `create_kms_key = false`, so that `terraform plan -generate-config-out` writes a configuration whose plan is empty.\n\
             - **Refuses**, before creating anything, a cluster name that is taken (the error gives the `terraform import` command and `import {}` block) and a role `<name>-cluster` it did not create; it refuses an OIDC provider for the issuer that it did not create (import it into `platform_eks_oidc_provider` and set `create_oidc_provider = false`).\n\
             - **Refresh** believes the cluster or its OIDC provider gone only after 3 consecutive not-found reads, so one bad answer never plans a replacement.",
        ),
        attributes: attributes([
            ("id", string(Computed, "The cluster's name.")),
            ("name", string(Required, "The cluster's name: 1 to 100 letters, digits, `-` and `_`, starting with a letter or digit. Changing it replaces the cluster.")),
            ("version", string(Required, "The Kubernetes version, `\"<major>.<minor>\"` such as `\"1.34\"`. Upgrades happen in place, one minor version per apply (EKS cannot skip versions or downgrade). A new cluster or an upgrade is checked at plan time against EKS's release calendar (see the limits guide): a version EKS no longer accepts is an error; one newer than the provider's table, or past its end of extended support since, is a warning, and EKS decides at apply.")),
            ("role_arn", string(OptionalComputed, "The cluster's IAM role. When unset, a role named `<name>-cluster` trusting `eks.amazonaws.com`, with `AmazonEKSClusterPolicy` and the right to use the secrets key, is created and deleted with the cluster. Setting it to the ARN of that created role changes nothing: the role stays this resource's own (`managed_role_name`), is deleted with the cluster, and removing `role_arn` again is no change either. Changing it to another role replaces the cluster.")),
            ("managed_role_name", string(Computed, "The name of the role this resource created, or null when `role_arn` was given. If the role is deleted outside Terraform, the plan shows this attribute to be known after apply and the apply creates the role again in place, under the same name and ARN.")),
            ("subnet_ids", string_set(Required, "At least two subnets, in different availability zones, for the cluster's network interfaces. Changing them replaces the cluster.")),
            ("security_group_ids", string_set(Optional, "Extra security groups for the cluster's network interfaces (EKS always adds `cluster_security_group_id`). Changing them replaces the cluster.")),
            ("endpoint_public_access", boolean(OptionalComputed, "Whether the API server endpoint is reachable from the internet. Default `true`. Changes in place.")),
            ("endpoint_private_access", boolean(OptionalComputed, "Whether the API server endpoint is reachable from within the VPC. Default `false`. Changes in place.")),
            ("public_access_cidrs", string_set(OptionalComputed, "IPv4 CIDR blocks allowed to reach the public endpoint. Default `[\"0.0.0.0/0\"]`. Changes in place.")),
            ("ip_family", string(OptionalComputed, "`ipv4` (default) or `ipv6`: the address family of pods and services. IPv6 clusters need dual-stack subnets (each with an IPv6 CIDR block). The provider cannot see the subnets' CIDR blocks at plan time, so EKS's refusal comes at apply, naming `ip_family` and the subnets; the key and role made before it stay in state and go with `terraform destroy` or the next apply. Changing it replaces the cluster.")),
            ("service_ipv4_cidr", string(OptionalComputed, "The CIDR block Kubernetes services get addresses from: within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, /12 to /24. EKS picks one when unset. Only for `ip_family = \"ipv4\"`. Changing it replaces the cluster.")),
            ("service_ipv6_cidr", string(Computed, "The IPv6 CIDR block EKS gave Kubernetes services (IPv6 clusters only).")),
            ("kms_key_arn", string(OptionalComputed, "The KMS key that envelope-encrypts Kubernetes secrets. When unset, a key with rotation enabled is created (and scheduled for deletion after 30 days when the cluster is destroyed). A given key's policy must let the cluster role use it. Changing it replaces the cluster (EKS cannot change the key).")),
            ("managed_kms_key_id", string(Computed, "The id of the key this resource created, or null when `kms_key_arn` was given. A created key that is scheduled for deletion outside Terraform makes the plan replace the cluster, since EKS cannot change a cluster's key.")),
            ("enabled_log_types", string_set(Optional, "Control-plane logs sent to CloudWatch: any of `api`, `audit`, `authenticator`, `controllerManager`, `scheduler`. Changes in place.")),
            ("authentication_mode", string(OptionalComputed, "How IAM principals are mapped to Kubernetes identities: `API` (access entries, the default), `API_AND_CONFIG_MAP` or `CONFIG_MAP` (the `aws-auth` ConfigMap). Changing it replaces the cluster.")),
            ("bootstrap_cluster_creator_admin_permissions", boolean(OptionalComputed, "Whether the identity that creates the cluster gets a cluster-admin access entry. Default `true`. Changing it replaces the cluster.")),
            ("create_oidc_provider", boolean(OptionalComputed, "Whether to create the IAM OIDC provider for the cluster's issuer (client id `sts.amazonaws.com`), which IRSA needs. Default `true`. Changes in place.")),
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
            ("create_kms_key", boolean(OptionalComputed, "Whether to create the secrets key when `kms_key_arn` is unset. Defaults to `true` when `kms_key_arn` is unset (and `false` when it is set). `false` with `kms_key_arn` unset means a cluster without envelope encryption of secrets, as an imported cluster made without it is (import sets it so). Turning encryption on or off replaces the cluster.")),
            ("managed_role_id", string(Computed, "The `RoleId` of the role this resource created: destroy deletes that role only while its id matches.")),
            ("managed_role_tags", string_map(Computed, "The tags of the role this resource created, as IAM has them, without the provider's own `platform:` tags (which are never removed). The plan sets it to `tags_all`, so a tag changed on the role outside Terraform shows here as an exact diff, and the apply puts the role's tags back; a role given in `role_arn` is never tagged (null).")),
            ("managed_kms_key_tags", string_map(Computed, "The tags of the key this resource created, as KMS has them, without the provider's own `platform:` tags. Like `managed_role_tags`: planned as `tags_all`, so out-of-band changes show here and the apply repairs them; null for a key given in `kms_key_arn`.")),
            ("oidc_provider_tags", string_map(Computed, "The tags of the OIDC provider this resource created, as IAM has them, without the provider's own `platform:` tags. Like `managed_role_tags`: planned as `tags_all`, so out-of-band changes show here and the apply repairs them; null without `create_oidc_provider`, and for a provider adopted by import that this provider did not create (it lacks the `platform:owner` marker of a create; its tags are left alone).")),
            ("oidc_provider_created_at", string(Computed, "When IAM created the OIDC provider this resource created (RFC 3339): destroy deletes that provider only while it matches.")),
        ]),
        blocks: [("timeouts".to_string(), Timeouts::block())].into_iter().collect(),
        deprecated: false,
    }
}

/// Can `from` become `to` in place? One minor version up, or unchanged.
pub fn version_step(from: &str, to: &str) -> Result<(), String> {
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

fn validate_state(diags: &mut Diagnostics, c: &ClusterState) {
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

// ---- expand and flatten -----------------------------------------------------------

/// Tags of the objects created for cluster `name`: its tags and the owner tag.
fn owned_tags(name: &str, tags_all: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut tags = tags_all.clone();
    tags.insert(CLUSTER_OWNER_TAG.to_string(), name.to_string());
    tags
}

/// The issuer without the scheme, as IAM names OIDC providers.
fn issuer_host_path(url: &str) -> &str {
    url.trim_start_matches("https://")
}

pub fn kubeconfig(name: &str, region: &str, arn: &str, endpoint: &str, ca: &str) -> String {
    let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    format!(
        "apiVersion: v1
kind: Config
clusters:
  - name: {arn}
    cluster:
      server: {endpoint}
      certificate-authority-data: {ca}
contexts:
  - name: {arn}
    context:
      cluster: {arn}
      user: {arn}
current-context: {arn}
preferences: {{}}
users:
  - name: {arn}
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: aws
        args: [\"--region\", {region}, \"eks\", \"get-token\", \"--cluster-name\", {name}, \"--output\", \"json\"]
        interactiveMode: Never
",
        arn = q(arn),
        endpoint = q(endpoint),
        ca = q(ca),
        region = q(region),
        name = q(name),
    )
}

fn set_of(items: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    items.into_iter().collect()
}

/// The OIDC provider this resource created, as IAM has it.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcFacts {
    pub arn: String,
    pub thumbprints: BTreeSet<String>,
    pub created_at: Option<String>,
    /// Its tags without the provider's own (`oidc_provider_tags`); `None`
    /// for a provider this provider did not create (imported), whose tags
    /// are left alone.
    pub tags: Option<BTreeMap<String, String>>,
}

/// The identity of a cluster: its ARN and `createdAt`.
fn identity_of(cluster: &Cluster) -> String {
    format!(
        "{} created {}",
        cluster.arn().unwrap_or_default(),
        timestamp(cluster.created_at()).unwrap_or_default()
    )
}

/// The identity recorded in state, if any. A state written before identities
/// were recorded has only the ARN: it counts (only this resource ever
/// recorded an ARN), and the next refresh fills `created_at`.
fn recorded_identity(s: &ClusterState) -> Option<String> {
    let arn = known_str(&s.arn)?;
    Some(format!(
        "{arn} created {}",
        known_str(&s.created_at).unwrap_or_default()
    ))
}

/// Whether `cluster` is the one recorded in `s`.
fn is_recorded(s: &ClusterState, cluster: &Cluster) -> bool {
    match (known_str(&s.arn), known_str(&s.created_at)) {
        (Some(arn), Some(_)) => cluster.arn() == Some(arn) && recorded_identity(s) == Some(identity_of(cluster)),
        (Some(arn), None) => cluster.arn() == Some(arn),
        (None, _) => false,
    }
}

/// The state for what EKS (and IAM, for the OIDC provider) has now.
fn flatten(prior: &ClusterState, cluster: &Cluster, oidc: Option<&OidcFacts>, aws: &AwsClients) -> ClusterState {
    let mut s = prior.clone();
    let name = cluster.name().unwrap_or_default().to_string();
    let text = |v: Option<&str>| {
        v.filter(|v| !v.is_empty())
            .map_or(Value::Null, |v| Value::Value(v.to_string()))
    };
    s.id = Value::Value(name.clone());
    s.name = Value::Value(name.clone());
    s.version = text(cluster.version());
    s.role_arn = text(cluster.role_arn());
    let vpc = cluster.resources_vpc_config();
    s.subnet_ids = to_value_set(&set_of(vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default()));
    s.security_group_ids = optional_set(
        &prior.security_group_ids,
        &set_of(vpc.map(|v| v.security_group_ids().to_vec()).unwrap_or_default()),
    );
    s.endpoint_public_access = Value::Value(vpc.is_some_and(|v| v.endpoint_public_access()));
    s.endpoint_private_access = Value::Value(vpc.is_some_and(|v| v.endpoint_private_access()));
    s.public_access_cidrs = to_value_set(&set_of(
        vpc.map(|v| v.public_access_cidrs().to_vec()).unwrap_or_default(),
    ));
    s.cluster_security_group_id = text(vpc.and_then(|v| v.cluster_security_group_id()));
    s.vpc_id = text(vpc.and_then(|v| v.vpc_id()));
    let network = cluster.kubernetes_network_config();
    s.ip_family = Value::Value(
        network
            .and_then(|n| n.ip_family())
            .map_or(DEFAULT_IP_FAMILY.to_string(), |f| f.as_str().to_string()),
    );
    s.service_ipv4_cidr = text(network.and_then(|n| n.service_ipv4_cidr()));
    s.service_ipv6_cidr = text(network.and_then(|n| n.service_ipv6_cidr()));
    s.kms_key_arn = text(
        cluster
            .encryption_config()
            .iter()
            .find_map(|e| e.provider())
            .and_then(|p| p.key_arn()),
    );
    let enabled: BTreeSet<String> = cluster
        .logging()
        .map(|l| l.cluster_logging())
        .unwrap_or_default()
        .iter()
        .filter(|setup| setup.enabled() == Some(true))
        .flat_map(|setup| setup.types().iter().map(|t| t.as_str().to_string()))
        .collect();
    s.enabled_log_types = optional_set(&prior.enabled_log_types, &enabled);
    if let Some(access) = cluster.access_config() {
        if let Some(mode) = access.authentication_mode() {
            s.authentication_mode = Value::Value(mode.as_str().to_string());
        }
        if let Some(bootstrap) = access.bootstrap_cluster_creator_admin_permissions() {
            s.bootstrap_cluster_creator_admin_permissions = Value::Value(bootstrap);
        }
    }
    // EKS may leave the bootstrap flag out of DescribeCluster; it cannot change after creation.
    if s.bootstrap_cluster_creator_admin_permissions.is_unknown() {
        s.bootstrap_cluster_creator_admin_permissions = Value::Null;
    }
    let remote_tags: BTreeMap<String, String> = cluster
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let prior_own = known_string_map(&prior.tags).unwrap_or_default();
    s.tags = optional_map(
        &prior.tags,
        &tags::own_tags(&remote_tags, &aws.default_tags, &prior_own),
    );
    s.tags_all = to_value_map(&remote_tags);
    s.arn = text(cluster.arn());
    s.endpoint = text(cluster.endpoint());
    s.certificate_authority_data = text(cluster.certificate_authority().and_then(|c| c.data()));
    s.oidc_issuer_url = text(cluster.identity().and_then(|i| i.oidc()).and_then(|o| o.issuer()));
    s.platform_version = text(cluster.platform_version());
    s.status = text(cluster.status().map(|st| st.as_str()));
    s.kubeconfig = match (
        known_str(&s.arn),
        known_str(&s.endpoint),
        known_str(&s.certificate_authority_data),
    ) {
        (Some(arn), Some(endpoint), Some(ca)) => Value::Value(kubeconfig(&name, &aws.region, arn, endpoint, ca)),
        _ => Value::Null,
    };
    s.created_at = text(timestamp(cluster.created_at()).as_deref());
    match oidc {
        Some(o) => {
            s.oidc_provider_arn = Value::Value(o.arn.clone());
            s.oidc_thumbprints = to_value_set(&o.thumbprints);
            if let Some(created_at) = &o.created_at {
                s.oidc_provider_created_at = Value::Value(created_at.clone());
            }
            s.oidc_provider_tags = o.tags.as_ref().map_or(Value::Null, to_value_map);
        }
        None => {
            s.oidc_provider_arn = Value::Null;
            s.oidc_thumbprints = Value::Null;
            s.oidc_provider_created_at = Value::Null;
            s.oidc_provider_tags = Value::Null;
        }
    }
    settle(&mut s);
    s
}

/// A state saved after a failure must hold no unknown values.
fn settle(s: &mut ClusterState) {
    use crate::framework::plan::null_if_unknown as null;
    null(&mut s.id);
    null(&mut s.role_arn);
    null(&mut s.managed_role_name);
    null(&mut s.public_access_cidrs);
    null(&mut s.service_ipv4_cidr);
    null(&mut s.service_ipv6_cidr);
    null(&mut s.kms_key_arn);
    null(&mut s.managed_kms_key_id);
    null(&mut s.oidc_thumbprints);
    null(&mut s.tags_all);
    null(&mut s.arn);
    null(&mut s.endpoint);
    null(&mut s.certificate_authority_data);
    null(&mut s.oidc_issuer_url);
    null(&mut s.oidc_provider_arn);
    null(&mut s.cluster_security_group_id);
    null(&mut s.vpc_id);
    null(&mut s.platform_version);
    null(&mut s.status);
    null(&mut s.kubeconfig);
    null(&mut s.bootstrap_cluster_creator_admin_permissions);
    null(&mut s.created_at);
    null(&mut s.create_kms_key);
    null(&mut s.managed_role_id);
    null(&mut s.oidc_provider_created_at);
    // The tags of a created object are shown only while it is recorded.
    for (object, tags) in [
        (&s.managed_role_name, &mut s.managed_role_tags),
        (&s.managed_kms_key_id, &mut s.managed_kms_key_tags),
        (&s.oidc_provider_arn, &mut s.oidc_provider_tags),
    ] {
        if !object.is_value() || tags.is_unknown() {
            *tags = Value::Null;
        }
    }
}

/// A state for a cluster that does not exist (yet, or any more), keeping what
/// this resource created.
fn without_cluster(prior: &ClusterState) -> ClusterState {
    let mut s = prior.clone();
    for v in cluster_facts(&mut s) {
        *v = Value::Null;
    }
    settle(&mut s);
    s
}

/// The attributes EKS reports about the running cluster itself.
fn cluster_facts(s: &mut ClusterState) -> [&mut Value<String>; 11] {
    [
        &mut s.created_at,
        &mut s.arn,
        &mut s.endpoint,
        &mut s.certificate_authority_data,
        &mut s.oidc_issuer_url,
        &mut s.cluster_security_group_id,
        &mut s.vpc_id,
        &mut s.platform_version,
        &mut s.status,
        &mut s.kubeconfig,
        &mut s.service_ipv6_cidr,
    ]
}

/// The plan's values that follow from the configuration and the prior state.
fn planned(s: &mut ClusterState, config: &ClusterState, prior: Option<&ClusterState>, aws: &AwsClients) {
    default_from_config(&mut s.endpoint_public_access, &config.endpoint_public_access, true);
    default_from_config(&mut s.endpoint_private_access, &config.endpoint_private_access, false);
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
        true,
    );
    default_from_config(&mut s.create_oidc_provider, &config.create_oidc_provider, true);
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

// ---- create, update, delete steps ----------------------------------------------

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("the plan still has unknown values for {0}")]
    Unknown(&'static str),
    #[error(transparent)]
    Taken(#[from] NameTaken),
    #[error(
        "IAM role `{name}` already exists and this resource did not create it: set `role_arn` to use it, or delete it"
    )]
    RoleTaken { name: String },
    #[error("reading the EKS cluster")]
    Read(#[source] ApiError),
    #[error("EKS cluster `{name}` is no longer the one this create made (found {found})")]
    Replaced { name: String, found: String },
    #[error("reading IAM role `{name}`")]
    ReadRole {
        name: String,
        #[source]
        source: ApiError,
    },
    #[error("creating the EKS cluster")]
    Create(#[source] ApiError),
    #[error("`ip_family = \"ipv6\"` needs dual-stack subnets, each with an IPv6 CIDR block, and EKS refused `subnet_ids` ({subnets}): associate IPv6 CIDR blocks with them, choose dual-stack subnets, or set `ip_family = \"ipv4\"`")]
    Ipv6Subnets {
        subnets: String,
        #[source]
        source: ApiError,
    },
    #[error("waiting for the EKS cluster")]
    Wait(#[source] WaitError<ApiError>),
    #[error("EKS did not return the cluster `{0}` after creating it")]
    Vanished(String),
    #[error("updating the EKS cluster: {what}")]
    Update {
        what: &'static str,
        #[source]
        source: ApiError,
    },
    #[error("deleting the EKS cluster")]
    Delete(#[source] ApiError),
    #[error("creating the IAM OIDC provider for `{issuer}`")]
    CreateOidc {
        issuer: String,
        #[source]
        source: BoxError,
    },
    #[error("updating IAM OIDC provider `{arn}`")]
    UpdateOidc {
        arn: String,
        #[source]
        source: BoxError,
    },
    #[error("deleting IAM OIDC provider `{arn}`")]
    DeleteOidc {
        arn: String,
        #[source]
        source: ApiError,
    },
    #[error("reading IAM OIDC provider `{arn}`")]
    ReadOidc {
        arn: String,
        #[source]
        source: ApiError,
    },
}

fn log_setups(enabled: &BTreeSet<String>) -> Logging {
    let (on, off): (Vec<&str>, Vec<&str>) = LOG_TYPES.iter().partition(|t| enabled.contains(**t));
    let mut setups = Vec::new();
    for (types, flag) in [(on, true), (off, false)] {
        if !types.is_empty() {
            setups.push(
                LogSetup::builder()
                    .set_types(Some(types.into_iter().map(LogType::from).collect()))
                    .enabled(flag)
                    .build(),
            );
        }
    }
    Logging::builder().set_cluster_logging(Some(setups)).build()
}

/// Sends CreateCluster with `token` as its `clientRequestToken`: the same
/// token on every attempt (IAM propagation, an ambiguous failure), so EKS
/// answers a repeat with the cluster the first attempt made. A name taken by
/// another cluster is [`NameTaken`]. Returns the cluster EKS reports.
async fn create_cluster(aws: &AwsClients, s: &ClusterState, token: &str) -> Result<Cluster, ClusterError> {
    let name = known_str(&s.name).ok_or(ClusterError::Unknown("name"))?;
    let version = known_str(&s.version).ok_or(ClusterError::Unknown("version"))?;
    let role_arn = known_str(&s.role_arn).ok_or(ClusterError::Unknown("role_arn"))?;
    let key_arn = match &s.kms_key_arn {
        Value::Unknown => return Err(ClusterError::Unknown("kms_key_arn")),
        other => known_str(other),
    };
    let subnets = known_string_set(&s.subnet_ids).ok_or(ClusterError::Unknown("subnet_ids"))?;
    let groups = known_string_set(&s.security_group_ids).ok_or(ClusterError::Unknown("security_group_ids"))?;
    let cidrs = known_string_set(&s.public_access_cidrs).ok_or(ClusterError::Unknown("public_access_cidrs"))?;
    let logs = known_string_set(&s.enabled_log_types).ok_or(ClusterError::Unknown("enabled_log_types"))?;
    let tags = known_string_map(&s.tags_all).ok_or(ClusterError::Unknown("tags"))?;
    let vpc = VpcConfigRequest::builder()
        .set_subnet_ids(Some(subnets.into_iter().collect()))
        .set_security_group_ids((!groups.is_empty()).then(|| groups.into_iter().collect()))
        .endpoint_public_access(known(&s.endpoint_public_access).copied().unwrap_or(true))
        .endpoint_private_access(known(&s.endpoint_private_access).copied().unwrap_or(false))
        .set_public_access_cidrs(Some(cidrs.into_iter().collect()))
        .build();
    let network = KubernetesNetworkConfigRequest::builder()
        .ip_family(IpFamily::from(known_str(&s.ip_family).unwrap_or(DEFAULT_IP_FAMILY)))
        .set_service_ipv4_cidr(known_str(&s.service_ipv4_cidr).map(str::to_string))
        .build();
    // `resources` is deprecated (EKS now encrypts all API data) but still what
    // the API documents for envelope encryption of secrets.
    #[allow(deprecated)]
    let encryption = key_arn.map(|key_arn| {
        EncryptionConfig::builder()
            .resources("secrets")
            .provider(Provider::builder().key_arn(key_arn).build())
            .build()
    });
    let access = CreateAccessConfigRequest::builder()
        .authentication_mode(AuthenticationMode::from(
            known_str(&s.authentication_mode).unwrap_or(DEFAULT_AUTHENTICATION_MODE),
        ))
        .bootstrap_cluster_creator_admin_permissions(
            known(&s.bootstrap_cluster_creator_admin_permissions)
                .copied()
                .unwrap_or(true),
        )
        .build();
    let tags: std::collections::HashMap<String, String> = tags.into_iter().collect();
    let sent = retry(
        "CreateCluster",
        Backoff::IAM_PROPAGATION,
        |e: &ApiError| is_role_propagation(e) || e.ambiguous,
        || {
            let req = aws
                .eks
                .create_cluster()
                .name(name)
                .version(version)
                .role_arn(role_arn)
                .resources_vpc_config(vpc.clone())
                .kubernetes_network_config(network.clone())
                .set_encryption_config(encryption.clone().map(|e| vec![e]))
                .logging(log_setups(&logs))
                .access_config(access.clone())
                .client_request_token(token)
                .set_tags((!tags.is_empty()).then(|| tags.clone()));
            async move { req.send().await.map_err(|e| ApiError::new("CreateCluster", e)) }
        },
    )
    .await;
    match sent {
        Ok(out) => out.cluster.ok_or_else(|| ClusterError::Vanished(name.to_string())),
        Err(err) if err.is("ResourceInUseException") => {
            Err(NameTaken::new("EKS cluster", name, "platform_eks_cluster", name).into())
        }
        Err(err) if is_ipv6_subnet_refusal(s, &err) => Err(ClusterError::Ipv6Subnets {
            subnets: known_string_set(&s.subnet_ids)
                .unwrap_or_default()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", "),
            source: err,
        }),
        Err(err) => Err(ClusterError::Create(err)),
    }
}

/// EKS refusing the subnets of an IPv6 cluster (InvalidParameterException
/// about IPv6): no plan-time check can see a subnet's CIDR blocks (the
/// provider has no EC2 client), so the apply names `ip_family` and the subnets.
fn is_ipv6_subnet_refusal(s: &ClusterState, err: &ApiError) -> bool {
    known_str(&s.ip_family) == Some("ipv6")
        && err.is("InvalidParameterException")
        && err
            .message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("ipv6"))
}

/// Creates the OIDC provider for the cluster's issuer; returns it, and a
/// warning when the thumbprint could not be computed.
async fn create_oidc(
    aws: &AwsClients,
    issuer: &str,
    configured_prints: Option<BTreeSet<String>>,
    tags: &BTreeMap<String, String>,
) -> Result<(OidcFacts, Option<String>), ClusterError> {
    let (prints, warning) = match configured_prints {
        Some(prints) => (prints, None),
        None => match thumbprint::issuer_thumbprint(issuer, THUMBPRINT_TIMEOUT).await {
            Ok(print) => (BTreeSet::from([print]), None),
            Err(err) => (BTreeSet::new(), Some(crate::framework::diag::cause_chain(&err))),
        },
    };
    let spec = ProviderSpec {
        client_ids: BTreeSet::from([DEFAULT_CLIENT_ID.to_string()]),
        thumbprints: prints.clone(),
        tags: tags.clone(),
    };
    let create_oidc_error = |source: BoxError| ClusterError::CreateOidc {
        issuer: issuer.to_string(),
        source,
    };
    let identity = aws.identity().await.map_err(|e| create_oidc_error(e.into()))?;
    let arn = provider_arn(&identity.partition, &identity.account_id, issuer);
    let created = create_provider(&aws.iam, &arn, issuer, &spec)
        .await
        .map_err(|err| match err {
            oidc_provider::CreateError::Taken(taken) => ClusterError::Taken(taken.with(
                ". Or set `create_oidc_provider = false` on the cluster and manage the existing provider with that resource",
            )),
            other => create_oidc_error(other.into()),
        })?;
    Ok((
        OidcFacts {
            arn: created.arn,
            thumbprints: prints,
            created_at: created.created_at,
            tags: Some(shown_tags(tags)),
        },
        warning,
    ))
}

/// Deletes the OIDC provider this resource created, if it is still that one.
async fn delete_oidc(aws: &AwsClients, diags: &mut Diagnostics, s: &ClusterState) -> Result<(), ClusterError> {
    let Some(arn) = known_str(&s.oidc_provider_arn) else {
        return Ok(());
    };
    let recorded = known_str(&s.oidc_provider_created_at);
    let claim = delete_provider_if_ours(&aws.iam, arn, recorded)
        .await
        .map_err(|source| ClusterError::DeleteOidc {
            arn: arn.to_string(),
            source,
        })?;
    if matches!(claim, Claim::Foreign { .. }) {
        ownership::warn_left_alone(diags, &format!("IAM OIDC provider `{arn}`"), recorded, &claim);
    }
    Ok(())
}

fn thumbprint_warning(diags: &mut Diagnostics, issuer: &str, warning: Option<String>) {
    if let Some(detail) = warning {
        diags.root_warning(
            format!("the OIDC provider for `{issuer}` was created without a thumbprint"),
            format!(
                "Its certificate chain could not be read: {detail}\nIAM verifies EKS issuers through its own trusted CAs, so IRSA works without one. Set `oidc_thumbprints` to pin one."
            ),
        );
    }
}

/// The cluster recorded in `prior`, read with the confirmation refresh
/// needs ("gone" only after several consecutive not-found reads). A cluster
/// of that name with another identity is not the one recorded: `Ok(None)`.
async fn find_recorded(aws: &AwsClients, prior: &ClusterState, name: &str) -> Result<Option<Cluster>, ApiError> {
    let found = ownership::confirm_gone(|| find_cluster(&aws.eks, name)).await?;
    Ok(found.filter(|cluster| {
        let ours = is_recorded(prior, cluster);
        if !ours {
            tracing::warn!(
                cluster = name,
                found = %identity_of(cluster),
                recorded = ?recorded_identity(prior),
                "an EKS cluster of that name exists, but it is not the one this resource created or imported"
            );
        }
        ours
    }))
}

/// Whether the IAM OIDC provider found is still the one `prior` recorded:
/// one deleted and made again outside Terraform has another creation date,
/// and is not the one this resource created.
fn is_recorded_oidc_provider(prior: &ClusterState, found: &oidc_provider::RemoteProvider) -> bool {
    match (known_str(&prior.oidc_provider_created_at), found.created_at.as_deref()) {
        (Some(recorded), Some(found)) => recorded == found,
        _ => true,
    }
}

/// Reads the cluster and its OIDC provider; `Ok(None)` when the cluster
/// recorded is gone (or another one has its name).
async fn read_remote(aws: &AwsClients, prior: &ClusterState, name: &str) -> Result<Option<ClusterState>, BoxError> {
    let Some(cluster) = find_recorded(aws, prior, name).await? else {
        return Ok(None);
    };
    let oidc = match known_str(&prior.oidc_provider_arn) {
        Some(arn) => find_confirmed(&aws.iam, arn)
            .await
            .map_err(|source| ClusterError::ReadOidc {
                arn: arn.to_string(),
                source,
            })?
            .filter(|p| is_recorded_oidc_provider(prior, p))
            .map(|p| OidcFacts {
                arn: arn.to_string(),
                thumbprints: p.thumbprints,
                created_at: p.created_at,
                // Only a provider this provider created (it carries the marker of that
                // create) follows the cluster's tags; an imported one is left alone.
                tags: p.owner_marker.is_some().then(|| shown_tags(&p.tags)),
            }),
        None => None,
    };
    let mut s = flatten(prior, &cluster, oidc.as_ref(), aws);
    // The role and key this resource created, deleted outside Terraform:
    // the plan recreates the role in place and replaces the cluster for the
    // key (EKS cannot change it). A role of that name with another identity
    // is not ours either.
    if let Some(role_name) = known_str(&s.managed_role_name).map(str::to_string) {
        let found = role::find_role_id(&aws.iam, &role_name)
            .await
            .map_err(|source| ClusterError::ReadRole {
                name: role_name.clone(),
                source,
            })?;
        match (found, known_str(&s.managed_role_id)) {
            (Some((id, tags)), Some(recorded)) if id == recorded => {
                s.managed_role_tags = to_value_map(&shown_tags(&tags));
            }
            (Some((id, tags)), None) if tags.get(CLUSTER_OWNER_TAG).map(String::as_str) == Some(name) => {
                s.managed_role_id = Value::Value(id);
                s.managed_role_tags = to_value_map(&shown_tags(&tags));
            }
            _ => {
                s.managed_role_name = Value::Null;
                s.managed_role_id = Value::Null;
            }
        }
    }
    if !s.create_kms_key.is_value() {
        // A state from before `create_kms_key`: whether it created its key.
        s.create_kms_key = Value::Value(s.managed_kms_key_id.is_value());
    }
    if let Some(key_id) = known_str(&s.managed_kms_key_id) {
        match key::key_tags(&aws.kms, key_id).await? {
            Some(tags) => s.managed_kms_key_tags = to_value_map(&shown_tags(&tags)),
            None => s.managed_kms_key_id = Value::Null,
        }
    }
    settle(&mut s);
    Ok(Some(s))
}

/// Whether anything this resource created still exists without the cluster.
async fn leftovers_exist(aws: &AwsClients, s: &ClusterState) -> Result<bool, BoxError> {
    if let Some(role) = known_str(&s.managed_role_name) {
        if role::role_exists(&aws.iam, role).await? {
            return Ok(true);
        }
    }
    if let Some(key_id) = known_str(&s.managed_kms_key_id) {
        if key::key_exists(&aws.kms, key_id).await? {
            return Ok(true);
        }
    }
    if let Some(arn) = known_str(&s.oidc_provider_arn) {
        if find_confirmed(&aws.iam, arn).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn update_cluster(
    aws: &AwsClients,
    prior: &ClusterState,
    planned: &ClusterState,
    diags: &mut Diagnostics,
) -> Result<(), BoxError> {
    let name = known_str(&planned.name).ok_or(ClusterError::Unknown("name"))?;
    let timeout = Timeouts::get(&planned.timeouts, Operation::Update);
    let eks = &aws.eks;
    if let (Some(old), Some(new)) = (known_str(&prior.version), known_str(&planned.version)) {
        if old != new {
            tracing::info!(cluster = name, from = old, to = new, "upgrading EKS cluster");
            let op = "UpdateClusterVersion";
            let send = |token: &str| {
                let req = eks
                    .update_cluster_version()
                    .name(name)
                    .version(new)
                    .client_request_token(token);
                async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(op, e)) }
            };
            run_update(eks, name, None, op, timeout, send, |source| ClusterError::Update {
                what: "version",
                source,
            })
            .await?;
        }
    }
    let old_logs = known_string_set(&prior.enabled_log_types).unwrap_or_default();
    let new_logs = known_string_set(&planned.enabled_log_types).unwrap_or_default();
    if old_logs != new_logs {
        let op = "UpdateClusterConfig";
        let send = |token: &str| {
            let req = eks
                .update_cluster_config()
                .name(name)
                .logging(log_setups(&new_logs))
                .client_request_token(token);
            async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(op, e)) }
        };
        run_update(eks, name, None, op, timeout, send, |source| ClusterError::Update {
            what: "logging",
            source,
        })
        .await?;
    }
    let endpoint_changed = prior.endpoint_public_access != planned.endpoint_public_access
        || prior.endpoint_private_access != planned.endpoint_private_access
        || known_string_set(&prior.public_access_cidrs) != known_string_set(&planned.public_access_cidrs);
    if endpoint_changed {
        let vpc = VpcConfigRequest::builder()
            .endpoint_public_access(known(&planned.endpoint_public_access).copied().unwrap_or(true))
            .endpoint_private_access(known(&planned.endpoint_private_access).copied().unwrap_or(false))
            .set_public_access_cidrs(known_string_set(&planned.public_access_cidrs).map(|c| c.into_iter().collect()))
            .build();
        let op = "UpdateClusterConfig";
        let send = |token: &str| {
            let req = eks
                .update_cluster_config()
                .name(name)
                .resources_vpc_config(vpc.clone())
                .client_request_token(token);
            async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(op, e)) }
        };
        run_update(eks, name, None, op, timeout, send, |source| ClusterError::Update {
            what: "endpoint access",
            source,
        })
        .await?;
    }
    let arn = known_str(&prior.arn).ok_or(ClusterError::Unknown("arn"))?;
    let old_tags = known_string_map(&prior.tags_all).unwrap_or_default();
    let new_tags = known_string_map(&planned.tags_all).unwrap_or_default();
    update_tags(eks, arn, &old_tags, &new_tags)
        .await
        .map_err(|source| ClusterError::Update { what: "tags", source })?;
    // The role and key this resource created follow the cluster's tags, from
    // the tags they have now (so out-of-band changes are repaired), only
    // while they are the ones recorded.
    let owner = BTreeMap::from([(CLUSTER_OWNER_TAG.to_string(), name.to_string())]);
    if let Some(role_name) = known_str(&prior.managed_role_name) {
        let recorded = known_str(&prior.managed_role_id);
        sync_role_tags(&aws.iam, role_name, &new_tags, &owner, |id, tags| {
            recorded.map_or(tags.get(CLUSTER_OWNER_TAG).map(String::as_str) == Some(name), |r| {
                r == id
            })
        })
        .await?;
    }
    if let (Some(key_id), Some(planned_key)) = (
        known_str(&prior.managed_kms_key_id),
        known_str(&planned.managed_kms_key_id),
    ) {
        if key_id == planned_key {
            sync_key_tags(&aws.kms, key_id, &new_tags, &owner).await?;
        }
    }
    // The OIDC provider: created, deleted, or brought to the planned thumbprints and tags.
    let wanted = planned.create_oidc_provider != Value::Value(false);
    match (known_str(&prior.oidc_provider_arn), wanted) {
        (None, true) => {
            let issuer = known_str(&prior.oidc_issuer_url).ok_or(ClusterError::Unknown("oidc_issuer_url"))?;
            let (_, warning) = create_oidc(aws, issuer, known_string_set(&planned.oidc_thumbprints), &new_tags).await?;
            thumbprint_warning(diags, issuer, warning);
        }
        (Some(_), false) => delete_oidc(aws, diags, prior).await?,
        (Some(oidc_arn), true) => {
            // Its tags as IAM has them now (without the owner marker, which
            // stays), when it is still the provider recorded.
            let remote = oidc_provider::find_oidc_provider(&aws.iam, oidc_arn)
                .await
                .map_err(|source| ClusterError::ReadOidc {
                    arn: oidc_arn.to_string(),
                    source,
                })?
                .filter(|p| is_recorded_oidc_provider(prior, p));
            let Some(remote) = remote else {
                return Ok(());
            };
            // Tags only on a provider this provider created (it carries its marker).
            let created_here = remote.owner_marker.is_some();
            let old = ProviderSpec {
                client_ids: BTreeSet::from([DEFAULT_CLIENT_ID.to_string()]),
                thumbprints: known_string_set(&prior.oidc_thumbprints).unwrap_or_default(),
                tags: remote.tags.clone(),
            };
            let new = ProviderSpec {
                thumbprints: known_string_set(&planned.oidc_thumbprints).unwrap_or_else(|| old.thumbprints.clone()),
                tags: if created_here { new_tags } else { remote.tags },
                ..old.clone()
            };
            update_provider(&aws.iam, oidc_arn, &old, &new)
                .await
                .map_err(|source| ClusterError::UpdateOidc {
                    arn: oidc_arn.to_string(),
                    source,
                })?;
        }
        (None, false) => {}
    }
    Ok(())
}

/// Deletes the OIDC provider, the cluster (waiting until it is gone), then
/// the key and role this resource created: each only when it is still the
/// incarnation recorded in state. Anything else is left alone, with a warning.
async fn delete_all(aws: &AwsClients, diags: &mut Diagnostics, s: &ClusterState) -> Result<(), BoxError> {
    delete_oidc(aws, diags, s).await?;
    let mut keep_role_and_key = false;
    if let Some(name) = known_str(&s.name) {
        let found = find_cluster(&aws.eks, name).await?;
        let recorded = recorded_identity(s);
        let claim = match &found {
            None => Claim::Missing,
            Some(cluster) if is_recorded(s, cluster) => Claim::Ours,
            Some(cluster) => Claim::Foreign {
                found: identity_of(cluster),
            },
        };
        match (&claim, &found) {
            (Claim::Ours, _) => match aws.eks.delete_cluster().name(name).send().await {
                Ok(_) => {
                    tracing::info!(cluster = name, "deleting EKS cluster");
                    wait_cluster_deleted(&aws.eks, name, Timeouts::get(&s.timeouts, Operation::Delete))
                        .await
                        .map_err(ClusterError::Wait)?;
                }
                Err(e) if is_not_found(&e) => {}
                Err(e)
                    if e.code() == Some("ResourceInUseException")
                        && e.message().is_some_and(|m| m.contains("DELETING")) =>
                {
                    wait_cluster_deleted(&aws.eks, name, Timeouts::get(&s.timeouts, Operation::Delete))
                        .await
                        .map_err(ClusterError::Wait)?;
                }
                Err(e) => return Err(ClusterError::Delete(ApiError::new("DeleteCluster", e)).into()),
            },
            (Claim::Foreign { .. }, Some(cluster)) => {
                // Only a cluster this resource recorded is deleted; a failed
                // create never recorded one, so this is someone else's.
                if recorded.is_some() {
                    ownership::warn_left_alone(diags, &format!("EKS cluster `{name}`"), recorded.as_deref(), &claim);
                }
                // What that cluster uses stays with it.
                keep_role_and_key = cluster.role_arn() == known_str(&s.role_arn)
                    || cluster
                        .encryption_config()
                        .iter()
                        .filter_map(|e| e.provider().and_then(|p| p.key_arn()))
                        .any(|k| Some(k) == known_str(&s.kms_key_arn));
            }
            _ => {}
        }
    }
    if keep_role_and_key {
        diags.root_warning(
            "the created role and key were not deleted",
            "Another EKS cluster of the same name uses them; they were left alone and removed from state.",
        );
        return Ok(());
    }
    if let Some(key_id) = known_str(&s.managed_kms_key_id) {
        key::schedule_deletion(&aws.kms, key_id, KEY_DELETION_WINDOW_DAYS).await?;
    }
    if let Some(role_name) = known_str(&s.managed_role_name) {
        // Only the role this resource created: its owner tag, and its RoleId when recorded.
        let recorded = known_str(&s.managed_role_id);
        let claim = role::delete_role(&aws.iam, role_name, |r| {
            r.spec.tags.get(CLUSTER_OWNER_TAG).map(String::as_str) == known_str(&s.name)
                && recorded.is_none_or(|id| r.unique_id == id)
        })
        .await?;
        if matches!(claim, Claim::Foreign { .. }) {
            ownership::warn_left_alone(diags, &format!("IAM role `{role_name}`"), recorded, &claim);
        }
    }
    Ok(())
}

#[async_trait]
impl Resource for ClusterResource {
    type State<'a> = ClusterState;
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
        let name = known_str(&state.name).or(known_str(&state.id))?.to_string();
        let found: Result<Option<ClusterState>, BoxError> = async {
            match read_remote(&aws, &state, &name).await? {
                Some(s) => Ok(Some(s)),
                // Gone: keep the resource only while objects it created remain,
                // so that they are replaced or deleted, never orphaned.
                None if leftovers_exist(&aws, &state).await? => {
                    tracing::warn!("EKS cluster `{name}` no longer exists; its role, key or OIDC provider remain, so it will be replaced");
                    Ok(Some(without_cluster(&state)))
                }
                None => Ok(None),
            }
        }
        .await;
        crate::framework::diag::finish_read(diags, &format!("EKS cluster `{name}`"), state, private_state, found)
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
        if !super::versions::check_cluster_version(diags, known_str(&s.version)) {
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
        replace.if_changed("name", &prior.name, &s.name);
        replace.if_changed("role_arn", &prior.role_arn, &s.role_arn);
        replace.if_changed("subnet_ids", &prior.subnet_ids, &s.subnet_ids);
        replace.if_changed("security_group_ids", &prior.security_group_ids, &s.security_group_ids);
        replace.if_changed("ip_family", &prior.ip_family, &s.ip_family);
        replace.if_changed("service_ipv4_cidr", &prior.service_ipv4_cidr, &s.service_ipv4_cidr);
        replace.if_changed("kms_key_arn", &prior.kms_key_arn, &s.kms_key_arn);
        replace.if_changed(
            "authentication_mode",
            &prior.authentication_mode,
            &s.authentication_mode,
        );
        if prior.bootstrap_cluster_creator_admin_permissions.is_value() {
            replace.if_changed(
                "bootstrap_cluster_creator_admin_permissions",
                &prior.bootstrap_cluster_creator_admin_permissions,
                &s.bootstrap_cluster_creator_admin_permissions,
            );
        } else {
            // Not reported by EKS (e.g. after import): nothing to compare with.
            s.bootstrap_cluster_creator_admin_permissions = prior.bootstrap_cluster_creator_admin_permissions;
        }
        if prior.arn.is_null() {
            // The cluster is missing (deleted outside Terraform, or a create failed halfway).
            s.arn = Value::Unknown;
            replace.paths.push(AttributePath::new("arn"));
        }
        let new_version = known_str(&s.version).filter(|v| known_str(&prior.version) != Some(*v));
        if (!replace.is_empty() || new_version.is_some())
            && !super::versions::check_cluster_version(diags, known_str(&s.version))
        {
            return None;
        }
        if !replace.is_empty() {
            // A new cluster: everything computed is unknown again.
            planned(&mut s, &config, None, &aws);
        } else if let (Some(old), Some(new)) = (known_str(&prior.version), known_str(&s.version)) {
            if let Err(rule) = version_step(old, new) {
                Validator::new(diags).error(&AttributePath::new("version"), rule);
                return None;
            }
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
        let name = known_str(&planned.name)?.to_string();
        let context = format!("creating EKS cluster `{name}`");
        let identity = match aws.identity().await {
            Ok(identity) => identity.clone(),
            Err(err) => {
                report(diags, &failed(context, err));
                return None;
            }
        };
        let mut s = planned.clone();
        let all_tags = known_string_map(&s.tags_all).unwrap_or_default();
        let owned_tags = owned_tags(&name, &all_tags);
        // On a failure, what exists so far is recorded (without_cluster: unknowns become null).

        // 0. Names taken by objects this resource did not create fail before
        //    anything is made (no key, no role): a cluster, the role's name.
        let taken: Result<(), ClusterError> = async {
            if find_cluster(&aws.eks, &name)
                .await
                .map_err(ClusterError::Read)?
                .is_some()
            {
                return Err(NameTaken::new("EKS cluster", &name, "platform_eks_cluster", &name).into());
            }
            if s.managed_role_name.is_unknown() {
                let role_name = cluster_role_name(&name);
                let found =
                    role::find_role_id(&aws.iam, &role_name)
                        .await
                        .map_err(|source| ClusterError::ReadRole {
                            name: role_name.clone(),
                            source,
                        })?;
                if found.is_some() {
                    return Err(ClusterError::RoleTaken { name: role_name });
                }
            }
            Ok(())
        }
        .await;
        if let Err(err) = taken {
            report(diags, &failed(context, err));
            return None;
        }

        // 1. The secrets key (unless given, or `create_kms_key = false`).
        if s.managed_kms_key_id.is_unknown() {
            let spec = KeySpec {
                description: format!("Envelope encryption of Kubernetes secrets of EKS cluster {name}"),
                policy: serde_json::json!({
                    "Version": "2012-10-17",
                    "Statement": [key::root_statement(&identity.partition, &identity.account_id)],
                })
                .to_string(),
                enable_key_rotation: true,
                tags: owned_tags.clone(),
            };
            match key::create_key(&aws.kms, &format!("EKS cluster {name}"), &spec).await {
                Ok(created) => {
                    s.kms_key_arn = Value::Value(created.arn);
                    s.managed_kms_key_id = Value::Value(created.key_id);
                }
                Err(failure) => {
                    if let Some(created) = failure.created {
                        s.kms_key_arn = Value::Value(created.arn);
                        s.managed_kms_key_id = Value::Value(created.key_id);
                    }
                    report(diags, &failed(context, failure.error));
                    return s
                        .managed_kms_key_id
                        .is_value()
                        .then(|| (without_cluster(&s), private_state));
                }
            }
        }
        let key_arn = known_str(&s.kms_key_arn).map(str::to_string);

        // 2. The cluster role, allowed to use the key.
        if s.managed_role_name.is_unknown() {
            let role_name = cluster_role_name(&name);
            let spec = expand_cluster_role(&name, &identity.partition, key_arn.as_deref(), &owned_tags);
            match role::create_role(&aws.iam, &spec).await {
                Ok(created) => {
                    s.role_arn = Value::Value(created.arn);
                    s.managed_role_name = Value::Value(role_name);
                    s.managed_role_id = Value::Value(created.unique_id);
                }
                Err(failure) => {
                    if let Some(created) = failure.created {
                        s.role_arn = Value::Value(created.arn);
                        s.managed_role_name = Value::Value(role_name);
                        s.managed_role_id = Value::Value(created.unique_id);
                    }
                    report(diags, &failed(context, failure.error));
                    return Some((without_cluster(&s), private_state));
                }
            }
        }

        // 3. The cluster (one idempotency token for every attempt), then ACTIVE.
        let token = ownership::new_marker();
        let created = match create_cluster(&aws, &s, &token).await {
            Ok(created) => created,
            Err(err) => {
                // Nothing recorded for the cluster: a later destroy never deletes it.
                report(diags, &failed(context, err));
                return Some((without_cluster(&s), private_state));
            }
        };
        // The identity of what this create made, recorded before anything else can fail.
        s.arn = Value::Value(created.arn().unwrap_or_default().to_string());
        s.created_at = timestamp(created.created_at()).map_or(Value::Null, Value::Value);
        tracing::info!(cluster = %name, "created EKS cluster; waiting for ACTIVE");
        let cluster = match wait_cluster_active(&aws.eks, &name, Timeouts::get(&s.timeouts, Operation::Create)).await {
            Ok(cluster) if is_recorded(&s, &cluster) => cluster,
            Ok(cluster) => {
                report(
                    diags,
                    &failed(
                        context,
                        ClusterError::Replaced {
                            name: name.clone(),
                            found: identity_of(&cluster),
                        },
                    ),
                );
                return Some((without_cluster(&s), private_state));
            }
            Err(err) => {
                report(diags, &failed(context, ClusterError::Wait(err)));
                // The cluster exists: record what EKS has (tainted), so destroy removes it.
                return match find_cluster(&aws.eks, &name).await {
                    Ok(Some(cluster)) if is_recorded(&s, &cluster) => {
                        Some((flatten(&s, &cluster, None, &aws), private_state))
                    }
                    _ => {
                        let mut partial = s.clone();
                        settle(&mut partial);
                        Some((partial, private_state))
                    }
                };
            }
        };

        // 4. The OIDC provider for IRSA.
        let mut oidc = None;
        if s.create_oidc_provider != Value::Value(false) {
            let issuer = cluster
                .identity()
                .and_then(|i| i.oidc())
                .and_then(|o| o.issuer())
                .unwrap_or_default()
                .to_string();
            let configured = match &planned.oidc_thumbprints {
                Value::Value(_) => known_string_set(&planned.oidc_thumbprints),
                _ => None,
            };
            match create_oidc(&aws, &issuer, configured, &all_tags).await {
                Ok((facts, warning)) => {
                    thumbprint_warning(diags, &issuer, warning);
                    oidc = Some(facts);
                }
                Err(err) => {
                    report(diags, &failed(context, err));
                    return Some((flatten(&s, &cluster, None, &aws), private_state));
                }
            }
        }
        let mut done = flatten(&s, &cluster, oidc.as_ref(), &aws);
        // Configured values EKS may not echo back stay as planned.
        if planned.bootstrap_cluster_creator_admin_permissions.is_value()
            && done.bootstrap_cluster_creator_admin_permissions.is_null()
        {
            done.bootstrap_cluster_creator_admin_permissions = planned.bootstrap_cluster_creator_admin_permissions;
        }
        Some((done, private_state))
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
        let name = known_str(&prior.name)?.to_string();
        // The created role, deleted outside Terraform, comes back first.
        let mut role_name = prior.managed_role_name.clone();
        let mut role_id = planned.managed_role_id.clone();
        if role_name.is_null() && planned.managed_role_name.is_unknown() {
            let tags = owned_tags(&name, &known_string_map(&planned.tags_all).unwrap_or_default());
            let key_arn = known_str(&planned.kms_key_arn);
            let context = format!("recreating the IAM role of EKS cluster `{name}`");
            let Some(created) = recreate_or_adopt_role(&aws, diags, context, (CLUSTER_OWNER_TAG, &name), |partition| {
                expand_cluster_role(&name, partition, key_arn, &tags)
            })
            .await
            else {
                return Some((prior, private_state));
            };
            role_name = Value::Value(created.0);
            role_id = Value::Value(created.1);
        }
        let updated = match update_cluster(&aws, &prior, &planned, diags).await {
            Ok(()) => true,
            Err(err) => {
                report(diags, &failed(format!("updating EKS cluster `{name}`"), err));
                false
            }
        };
        // Record what EKS and IAM have now (the OIDC provider by its ARN, which is predictable).
        let mut basis = planned.clone();
        basis.managed_role_name = role_name;
        basis.managed_role_id = role_id;
        if basis.oidc_provider_arn.is_unknown() {
            basis.oidc_provider_arn = known_str(&prior.oidc_issuer_url).map_or(Value::Null, |issuer| {
                let account = known_str(&prior.arn)
                    .and_then(|a| a.split(':').nth(4))
                    .unwrap_or_default();
                let partition = known_str(&prior.arn).and_then(|a| a.split(':').nth(1)).unwrap_or("aws");
                Value::Value(format!(
                    "arn:{partition}:iam::{account}:oidc-provider/{}",
                    issuer_host_path(issuer)
                ))
            });
        }
        match read_remote(&aws, &basis, &name).await {
            Ok(Some(mut now)) => {
                if now.bootstrap_cluster_creator_admin_permissions.is_null() {
                    now.bootstrap_cluster_creator_admin_permissions =
                        planned.bootstrap_cluster_creator_admin_permissions;
                }
                settle(&mut now);
                Some((now, private_state))
            }
            Ok(None) => Some((without_cluster(&basis), private_state)),
            Err(err) => {
                if updated {
                    report(
                        diags,
                        &failed(format!("reading EKS cluster `{name}` after updating it"), err),
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
        let name = known_str(&prior.name).unwrap_or_default().to_string();
        match delete_all(&aws, diags, &prior).await {
            Ok(()) => Some(()),
            Err(err) => {
                report(diags, &failed(format!("deleting EKS cluster `{name}`"), err));
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
        if let Err(rule) = cluster_name(&id) {
            diags.root_error(
                format!("importing an EKS cluster: the id {rule}"),
                "Import with the cluster's name: `terraform import platform_eks_cluster.x my-cluster`.",
            );
            return None;
        }
        let result: Result<Option<ClusterState>, BoxError> = async {
            let Some(cluster) = find_cluster(&aws.eks, &id).await? else {
                return Ok(None);
            };
            let mut s = ClusterState::default();
            // Created by this resource? The role and key carry its owner tag.
            let owner = Some(id.as_str());
            if let Some(role_name) = cluster.role_arn().and_then(|a| a.rsplit('/').next()) {
                if let Some(remote) = role::find_role_by_name(&aws.iam, role_name).await? {
                    if remote.spec.tags.get(CLUSTER_OWNER_TAG).map(String::as_str) == owner {
                        s.managed_role_name = Value::Value(role_name.to_string());
                        s.managed_role_id = Value::Value(remote.unique_id);
                    }
                }
            }
            if let Some(key_arn) = cluster
                .encryption_config()
                .first()
                .and_then(|e| e.provider())
                .and_then(|p| p.key_arn())
            {
                if let Some(remote) = key::find_key(&aws.kms, key_arn).await? {
                    if remote.spec.tags.get(CLUSTER_OWNER_TAG).map(String::as_str) == owner {
                        s.managed_kms_key_id = Value::Value(remote.key_id);
                    }
                }
            }
            let issuer = cluster
                .identity()
                .and_then(|i| i.oidc())
                .and_then(|o| o.issuer())
                .unwrap_or_default();
            let identity = aws.identity().await?;
            let oidc_arn = provider_arn(&identity.partition, &identity.account_id, issuer);
            let oidc = find_confirmed(&aws.iam, &oidc_arn).await?.map(|p| OidcFacts {
                arn: oidc_arn.clone(),
                thumbprints: p.thumbprints,
                created_at: p.created_at,
                // Only a provider this provider created (it carries the marker of that
                // create) follows the cluster's tags; an imported one is left alone.
                tags: p.owner_marker.is_some().then(|| shown_tags(&p.tags)),
            });
            s.create_oidc_provider = Value::Value(oidc.is_some());
            // No envelope encryption, or a key this resource did not create: nothing to create.
            s.create_kms_key = Value::Value(s.managed_kms_key_id.is_value());
            let mut imported = flatten(&s, &cluster, oidc.as_ref(), &aws);
            if imported.bootstrap_cluster_creator_admin_permissions.is_null() {
                imported.bootstrap_cluster_creator_admin_permissions = Value::Value(true);
            }
            Ok(Some(imported))
        }
        .await;
        match result {
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
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.31"), Ok((1, 31)));
        for bad in ["1", "1.", "v1.31", "1.31.2", "1.031", "", "a.b"] {
            assert!(parse_version(bad).is_err(), "{bad}");
        }
        assert!(version_step("1.30", "1.31").is_ok());
        assert!(version_step("1.30", "1.30").is_ok());
        assert!(version_step("1.29", "1.31")
            .unwrap_err()
            .contains("go from 1.29 to 1.30 first"));
        assert!(version_step("1.31", "1.30").unwrap_err().contains("cannot downgrade"));
    }

    #[test]
    fn names() {
        assert!(cluster_name("prod-eu_1").is_ok());
        assert!(cluster_name("-x").is_err());
        assert!(cluster_name(&"a".repeat(101)).is_err());
        assert_eq!(cluster_role_name("main"), "main-cluster");
        let long = cluster_role_name(&"a".repeat(100));
        assert!(long.len() <= 64 && long.ends_with("-cluster"), "{long}");
    }

    #[test]
    fn propagation_errors_are_named() {
        let err = |code: &str, message: &str| ApiError::other("CreateCluster", Some(code), message);
        assert!(is_role_propagation(&err(
            "InvalidParameterException",
            "Role with arn: arn:aws:iam::123456789012:role/x could not be assumed because it does not exist or the trusted entity is not correct"
        )));
        assert!(is_role_propagation(&err(
            "InvalidParameterException",
            "Error in role params"
        )));
        assert!(!is_role_propagation(&err(
            "InvalidParameterException",
            "Subnet subnet-1 does not exist"
        )));
        assert!(!is_role_propagation(&err(
            "ResourceInUseException",
            "Error in role params"
        )));
    }

    #[test]
    fn log_setups_cover_every_type() {
        let logging = log_setups(&BTreeSet::from(["audit".to_string()]));
        let setups = logging.cluster_logging();
        assert_eq!(setups.len(), 2);
        assert_eq!(setups[0].enabled(), Some(true));
        assert_eq!(setups[0].types(), &[LogType::Audit]);
        assert_eq!(setups[1].types().len(), 4);
    }

    #[test]
    fn kubeconfig_runs_get_token() {
        let text = kubeconfig(
            "main",
            "eu-west-1",
            "arn:aws:eks:eu-west-1:1:cluster/main",
            "https://x",
            "Q0E=",
        );
        assert!(text.contains("command: aws"));
        assert!(
            text.contains("args: [\"--region\", \"eu-west-1\", \"eks\", \"get-token\", \"--cluster-name\", \"main\"")
        );
        assert!(text.contains("certificate-authority-data: \"Q0E=\""));
    }
}
