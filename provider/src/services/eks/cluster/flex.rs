//! Between `platform_eks_cluster`'s state and the EKS API: the state of what
//! EKS (and IAM, for the OIDC provider) has (`flatten_cluster`), the
//! identity of a cluster incarnation, the kubeconfig, and the logging setup
//! of a request (`expand_logging`).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eks::types::{Cluster, LogSetup, LogType, Logging};
use tf_provider::value::Value;

use super::{ClusterState, DEFAULT_IP_FAMILY, DEFAULT_POD_SECURITY_GROUPS, LOG_TYPES};
use crate::clients::AwsClients;
use crate::framework::plan::{known_str, known_string_map, optional_map, optional_set, to_value_map, to_value_set};
use crate::framework::tags;
use crate::services::eks::find::timestamp;
use crate::services::eks::roles::CLUSTER_OWNER_TAG;
use crate::services::eks::tags::shown_tags;
use crate::services::iam::oidc_provider::RemoteProvider;

/// Tags of the objects created for cluster `name`: its tags and the owner tag.
pub(super) fn owned_tags(name: &str, tags_all: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut tags = tags_all.clone();
    tags.insert(CLUSTER_OWNER_TAG.to_string(), name.to_string());
    tags
}

/// The issuer without the scheme, as IAM names OIDC providers.
pub(super) fn issuer_host_path(url: &str) -> &str {
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

pub(super) fn set_of(items: impl IntoIterator<Item = String>) -> BTreeSet<String> {
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
pub(super) fn identity_of(cluster: &Cluster) -> String {
    format!(
        "{} created {}",
        cluster.arn().unwrap_or_default(),
        timestamp(cluster.created_at()).unwrap_or_default()
    )
}

/// The identity recorded in state, if any. A state written before identities
/// were recorded has only the ARN: it counts (only this resource ever
/// recorded an ARN), and the next refresh fills `created_at`.
pub(super) fn recorded_identity(s: &ClusterState) -> Option<String> {
    let arn = known_str(&s.arn)?;
    Some(format!(
        "{arn} created {}",
        known_str(&s.created_at).unwrap_or_default()
    ))
}

/// Whether `cluster` is the one recorded in `s`.
pub(super) fn is_recorded(s: &ClusterState, cluster: &Cluster) -> bool {
    match (known_str(&s.arn), known_str(&s.created_at)) {
        (Some(arn), Some(_)) => cluster.arn() == Some(arn) && recorded_identity(s) == Some(identity_of(cluster)),
        (Some(arn), None) => cluster.arn() == Some(arn),
        (None, _) => false,
    }
}

/// Whether the IAM OIDC provider found is still the one `prior` recorded:
/// one deleted and made again outside Terraform has another creation date,
/// and is not the one this resource created.
pub(super) fn is_recorded_oidc_provider(prior: &ClusterState, found: &RemoteProvider) -> bool {
    match (known_str(&prior.oidc_provider_created_at), found.created_at.as_deref()) {
        (Some(recorded), Some(found)) => recorded == found,
        _ => true,
    }
}

/// The state for what EKS (and IAM, for the OIDC provider) has now.
pub(super) fn flatten_cluster(
    prior: &ClusterState,
    cluster: &Cluster,
    oidc: Option<&OidcFacts>,
    aws: &AwsClients,
) -> ClusterState {
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
        // EKS uses the bootstrap flag only at creation: the value recorded
        // (the configuration's, also after a change) stays; EKS's answer
        // fills it only when nothing is recorded (import).
        if let (false, Some(bootstrap)) = (
            prior.bootstrap_cluster_creator_admin_permissions.is_value(),
            access.bootstrap_cluster_creator_admin_permissions(),
        ) {
            s.bootstrap_cluster_creator_admin_permissions = Value::Value(bootstrap);
        }
    }
    // EKS may leave the bootstrap flag out of DescribeCluster; it cannot change after creation.
    if s.bootstrap_cluster_creator_admin_permissions.is_unknown() {
        s.bootstrap_cluster_creator_admin_permissions = Value::Null;
    }
    match cluster.upgrade_policy().and_then(|u| u.support_type()) {
        Some(support) => s.set_support_type(Value::Value(support.as_str().to_string())),
        // Not reported: what was recorded stays.
        None => s.set_support_type(match prior.support_type() {
            Value::Value(v) => Value::Value(v),
            _ => Value::Null,
        }),
    }
    // Read from the created role by refresh (read.rs); the planned value until then.
    if !s.pod_security_groups.is_value() {
        s.pod_security_groups = Value::Value(DEFAULT_POD_SECURITY_GROUPS);
    }
    // Without the provider's own tags (the `platform:owner` marker of the
    // create that made the cluster): never shown, never removed.
    let remote_tags: BTreeMap<String, String> = shown_tags(
        &cluster
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    );
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
///
/// The framework's settle step (`framework::settle`, at the trait boundary)
/// does not make this redundant: it runs on successful results too, where
/// an unknown left is reported as a provider bug, and this is where the
/// unknowns EKS or IAM legitimately leave (tags unknown at plan time, an
/// OIDC provider without a creation date) become null on those paths; and
/// it nulls the tags of a created object that is not recorded, which are
/// known values the framework's step keeps.
pub(super) fn settle(s: &mut ClusterState) {
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
pub(super) fn without_cluster(prior: &ClusterState) -> ClusterState {
    let mut s = prior.clone();
    for v in cluster_facts(&mut s) {
        *v = Value::Null;
    }
    settle(&mut s);
    s
}

/// The attributes EKS reports about the running cluster itself.
pub(super) fn cluster_facts(s: &mut ClusterState) -> [&mut Value<String>; 11] {
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

pub(super) fn expand_logging(enabled: &BTreeSet<String>) -> Logging {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_covers_every_type() {
        let logging = expand_logging(&BTreeSet::from(["audit".to_string()]));
        let setups = logging.cluster_logging();
        assert_eq!(setups.len(), 2);
        assert_eq!(setups[0].enabled(), Some(true));
        assert_eq!(setups[0].types(), &[LogType::Audit]);
        assert_eq!(setups[1].types().len(), 4);
    }

    #[tokio::test]
    async fn the_owner_marker_is_never_shown_in_tags() {
        use crate::clients::aws::{build_clients, AwsSettings};
        use crate::framework::ownership::OWNER_TAG;
        let aws = build_clients(AwsSettings {
            region: Some("eu-west-1".into()),
            default_tags: Some(BTreeMap::from([("env".to_string(), "prod".to_string())])),
            api_timeout: std::time::Duration::from_secs(5),
            ..Default::default()
        })
        .await
        .expect("clients");
        let cluster = Cluster::builder()
            .name("c")
            .arn("arn:aws:eks:eu-west-1:1:cluster/c")
            .tags(OWNER_TAG, "0123456789abcdef0123456789abcdef")
            .tags("team", "a")
            .tags("env", "prod")
            .build();
        let prior = ClusterState {
            tags: to_value_map(&BTreeMap::from([("team".to_string(), "a".to_string())])),
            ..Default::default()
        };
        let s = flatten_cluster(&prior, &cluster, None, &aws);
        let all = known_string_map(&s.tags_all).unwrap();
        assert_eq!(all.keys().collect::<Vec<_>>(), ["env", "team"]);
        assert_eq!(known_string_map(&s.tags).unwrap().keys().collect::<Vec<_>>(), ["team"]);
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
