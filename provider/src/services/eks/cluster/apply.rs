//! The create, update and delete steps of `platform_eks_cluster`, each
//! object recorded in state as soon as it exists and deleted only while it is
//! the incarnation recorded.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eks::error::ProvideErrorMetadata;
use aws_sdk_eks::types::{
    AuthenticationMode, Cluster, CreateAccessConfigRequest, EncryptionConfig, IpFamily, KubernetesNetworkConfigRequest,
    Provider, SupportType, UpgradePolicyRequest, VpcConfigRequest,
};
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::flex::{
    expand_logging, flatten_cluster, identity_of, is_recorded, owned_tags, recorded_identity, settle, without_cluster,
    OidcFacts,
};
use super::{
    ClusterState, DEFAULT_AUTHENTICATION_MODE, DEFAULT_BOOTSTRAP_ADMIN, DEFAULT_ENDPOINT_PRIVATE_ACCESS,
    DEFAULT_ENDPOINT_PUBLIC_ACCESS, DEFAULT_IP_FAMILY, KEY_DELETION_WINDOW_DAYS, THUMBPRINT_TIMEOUT,
    VPC_RESOURCE_CONTROLLER,
};
use crate::clients::aws::CallerIdentity;
use crate::clients::AwsClients;
use crate::framework::diag::{failed, report, ApiError, BoxError};
use crate::framework::ownership::{self, Claim, NameTaken, OutcomeUnknown, PendingPrivate};
use crate::framework::plan::{known, known_str, known_string_map, known_string_set};
use crate::framework::wait::{Operation, Timeouts, WaitError};
use crate::services::eks::find::{find_cluster, is_not_found, timestamp};
use crate::services::eks::marked::{answered, carries, create_marked, name_in_use, Budget, Marked};
use crate::services::eks::roles::{cluster_role_name, expand_cluster_role, CLUSTER_OWNER_TAG};
use crate::services::eks::tags::shown_tags;
use crate::services::eks::thumbprint;
use crate::services::eks::wait::{is_role_propagation, wait_cluster_active, wait_cluster_deleted};
use crate::services::iam::oidc_provider::{
    create_provider, delete_provider_if_ours, provider_arn, CreateError, ProviderSpec, DEFAULT_CLIENT_ID,
};
use crate::services::iam::role;
use crate::services::kms::key::{self, KeySpec};

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

/// The secrets key this resource creates for cluster `name` (at create, or
/// when encryption is added to a cluster without it).
pub(super) fn key_spec(name: &str, identity: &CallerIdentity, owned_tags: &BTreeMap<String, String>) -> KeySpec {
    KeySpec {
        description: format!("Envelope encryption of Kubernetes secrets of EKS cluster {name}"),
        policy: serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [key::root_statement(&identity.partition, &identity.account_id)],
        })
        .to_string(),
        enable_key_rotation: true,
        tags: owned_tags.clone(),
    }
}

/// The ARN of the AWS managed policy that security groups for pods need on
/// the cluster role.
pub(super) fn vpc_resource_controller_arn(partition: &str) -> String {
    format!("arn:{partition}:iam::aws:policy/{VPC_RESOURCE_CONTROLLER}")
}

/// The role this resource creates for the cluster planned in `s`: the EKS
/// role of `roles.rs`, with the VPC resource controller policy when
/// `pod_security_groups` is on.
pub(super) fn cluster_role(
    name: &str,
    partition: &str,
    key_arn: Option<&str>,
    owned_tags: &BTreeMap<String, String>,
    s: &ClusterState,
) -> role::RoleSpec {
    let mut spec = expand_cluster_role(name, partition, key_arn, owned_tags);
    if s.pod_security_groups == Value::Value(true) {
        spec.policy_arns.insert(vpc_resource_controller_arn(partition));
    }
    spec
}

/// Sends CreateCluster with `token` as its `clientRequestToken`, and as the
/// cluster's owner marker (the tag [`ownership::OWNER_TAG`]): the same token
/// on every attempt, so EKS answers a repeat with the cluster the first
/// attempt made. A role IAM is still propagating is retried within its
/// window, a lost answer at most [`ownership::LOST_ANSWER_ATTEMPTS`] times,
/// neither past `budget`; when every answer was lost the cluster is looked
/// up by its marker (see [`create_marked`]).
pub(super) async fn create_cluster(
    aws: &AwsClients,
    s: &ClusterState,
    token: &str,
    budget: &Budget,
) -> Result<Marked<Cluster>, ClusterError> {
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
        .endpoint_public_access(
            known(&s.endpoint_public_access)
                .copied()
                .unwrap_or(DEFAULT_ENDPOINT_PUBLIC_ACCESS),
        )
        .endpoint_private_access(
            known(&s.endpoint_private_access)
                .copied()
                .unwrap_or(DEFAULT_ENDPOINT_PRIVATE_ACCESS),
        )
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
                .unwrap_or(DEFAULT_BOOTSTRAP_ADMIN),
        )
        .build();
    let upgrade = known_str(
        &s.upgrade_policy
            .as_ref_option()
            .map_or(Value::Null, |u| u.support_type.clone()),
    )
    .map(|support| {
        UpgradePolicyRequest::builder()
            .support_type(SupportType::from(support))
            .build()
    });
    let mut tags: std::collections::HashMap<String, String> = tags.into_iter().collect();
    tags.insert(ownership::OWNER_TAG.to_string(), token.to_string());
    let create = || {
        let req = aws
            .eks
            .create_cluster()
            .name(name)
            .version(version)
            .role_arn(role_arn)
            .resources_vpc_config(vpc.clone())
            .kubernetes_network_config(network.clone())
            .set_encryption_config(encryption.clone().map(|e| vec![e]))
            .logging(expand_logging(&logs))
            .access_config(access.clone())
            .set_upgrade_policy(upgrade.clone())
            .client_request_token(token)
            .set_tags(Some(tags.clone()));
        async move {
            answered(
                "CreateCluster",
                req.send().await.map_err(|e| ApiError::new("CreateCluster", e))?.cluster,
            )
        }
    };
    let find = || budget.call("DescribeCluster", find_cluster(&aws.eks, name));
    Ok(create_marked(
        "CreateCluster",
        budget,
        is_role_propagation,
        name_in_use,
        token,
        create,
        find,
        Cluster::tags,
    )
    .await)
}

/// Why CreateCluster failed for good (nothing was made, or nothing was found
/// after its answers were lost): the name taken, IPv6 subnets refused, or
/// EKS's error.
fn create_refused(s: &ClusterState, name: &str, err: ApiError) -> ClusterError {
    if name_in_use(&err) {
        return NameTaken::new("EKS cluster", name, "platform_eks_cluster", name).into();
    }
    if is_ipv6_subnet_refusal(s, &err) {
        return ClusterError::Ipv6Subnets {
            subnets: known_string_set(&s.subnet_ids)
                .unwrap_or_default()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", "),
            source: err,
        };
    }
    ClusterError::Create(err)
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
pub(super) async fn create_oidc(
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
            CreateError::Taken(taken) => ClusterError::Taken(taken.with(
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
pub(super) async fn delete_oidc(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    s: &ClusterState,
) -> Result<(), ClusterError> {
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

pub(super) fn thumbprint_warning(diags: &mut Diagnostics, issuer: &str, warning: Option<String>) {
    if let Some(detail) = warning {
        diags.root_warning(
            format!("the OIDC provider for `{issuer}` was created without a thumbprint"),
            format!(
                "Its certificate chain could not be read: {detail}\nIAM verifies EKS issuers through its own trusted CAs, so IRSA works without one. Set `oidc_thumbprints` to pin one."
            ),
        );
    }
}

/// Creates the key, the role, the cluster and its OIDC provider (see the
/// module's create order); returns what exists afterwards, also after a
/// failure halfway (reported), or `None` when nothing was made. The private
/// state is [`ownership::pending`] when CreateCluster's answer was lost on
/// every attempt and the cluster could not be found by its marker: the next
/// refresh decides.
pub(super) async fn create(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    name: String,
    planned: ClusterState,
) -> Option<(ClusterState, PendingPrivate)> {
    let none = PendingPrivate::Null;
    let context = format!("creating EKS cluster `{name}`");
    // The whole create: `api_timeout` for the calls, `timeouts.create` on top for the wait.
    let wait = Timeouts::get(&planned.timeouts, Operation::Create);
    let mut budget = Budget::of(&aws.eks);
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
        if budget
            .call("DescribeCluster", find_cluster(&aws.eks, &name))
            .await
            .map_err(ClusterError::Read)?
            .is_some()
        {
            return Err(NameTaken::new("EKS cluster", &name, "platform_eks_cluster", &name).into());
        }
        if s.managed_role_name.is_unknown() {
            let role_name = cluster_role_name(&name);
            let found = role::find_role_id(&aws.iam, &role_name)
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
        let spec = key_spec(&name, &identity, &owned_tags);
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
                return s.managed_kms_key_id.is_value().then(|| (without_cluster(&s), none));
            }
        }
    }
    let key_arn = known_str(&s.kms_key_arn).map(str::to_string);

    // 2. The cluster role, allowed to use the key.
    if s.managed_role_name.is_unknown() {
        let role_name = cluster_role_name(&name);
        let spec = cluster_role(&name, &identity.partition, key_arn.as_deref(), &owned_tags, &s);
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
                return Some((without_cluster(&s), none));
            }
        }
    }

    // 3. The cluster (one idempotency token, also its owner marker, for every
    //    attempt), then ACTIVE.
    let token = ownership::new_marker();
    let created = match create_cluster(aws, &s, &token, &budget).await {
        Ok(Marked::Made(created)) => created,
        Ok(Marked::Foreign(cluster)) => {
            // Every answer was lost and the cluster found is not ours.
            let taken = NameTaken::new("EKS cluster", &name, "platform_eks_cluster", &name).with(format!(
                ". CreateCluster's answers were lost, and the cluster found ({}) does not carry this create's owner marker",
                identity_of(&cluster)
            ));
            report(diags, &failed(context, ClusterError::Taken(taken)));
            return Some((without_cluster(&s), none));
        }
        Ok(Marked::Unknown(err)) => {
            // Every answer was lost and the look-up could not decide: recorded
            // (tainted) with the marker it was sent with; the next refresh
            // looks it up (see `read`).
            let unknown = OutcomeUnknown {
                operation: "CreateCluster",
                what: "EKS cluster".to_string(),
                name: name.clone(),
                marker: token.clone(),
                source: err,
            };
            report(diags, &failed(context, unknown));
            return Some((without_cluster(&s), ownership::pending(&token)));
        }
        Ok(Marked::Failed(err)) => {
            // Nothing made (or, after lost answers, confirmed absent): nothing
            // recorded for the cluster, so a later destroy never deletes one.
            report(diags, &failed(context, create_refused(&s, &name, err)));
            return Some((without_cluster(&s), none));
        }
        Err(err) => {
            report(diags, &failed(context, err));
            return Some((without_cluster(&s), none));
        }
    };
    // The identity of what this create made, recorded before anything else can fail.
    s.arn = Value::Value(created.arn().unwrap_or_default().to_string());
    s.created_at = timestamp(created.created_at()).map_or(Value::Null, Value::Value);
    tracing::info!(cluster = %name, "created EKS cluster; waiting for ACTIVE");
    let cluster = match budget.waiting(wait_cluster_active(&aws.eks, &name, wait)).await {
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
            return Some((without_cluster(&s), none));
        }
        Err(err) => {
            report(diags, &failed(context, ClusterError::Wait(err)));
            // The cluster exists: record what EKS has (tainted), so destroy removes it.
            return match find_cluster(&aws.eks, &name).await {
                Ok(Some(cluster)) if is_recorded(&s, &cluster) => {
                    Some((flatten_cluster(&s, &cluster, None, aws), none))
                }
                _ => {
                    let mut partial = s.clone();
                    settle(&mut partial);
                    Some((partial, none))
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
        match create_oidc(aws, &issuer, configured, &all_tags).await {
            Ok((facts, warning)) => {
                thumbprint_warning(diags, &issuer, warning);
                oidc = Some(facts);
            }
            Err(err) => {
                report(diags, &failed(context, err));
                return Some((flatten_cluster(&s, &cluster, None, aws), none));
            }
        }
    }
    let mut done = flatten_cluster(&s, &cluster, oidc.as_ref(), aws);
    // Configured values EKS may not echo back stay as planned.
    if planned.bootstrap_cluster_creator_admin_permissions.is_value()
        && done.bootstrap_cluster_creator_admin_permissions.is_null()
    {
        done.bootstrap_cluster_creator_admin_permissions = planned.bootstrap_cluster_creator_admin_permissions;
    }
    Some((done, none))
}

/// Deletes the OIDC provider, the cluster (waiting until it is gone), then
/// the key and role this resource created: each only when it is still the
/// incarnation recorded in state. Anything else is left alone, with a warning.
/// `pending` is the owner marker of a create whose outcome is unknown (a
/// plain destroy gets it from the private state without a refresh: a
/// replacement's destroy does not): a cluster carrying it is ours.
pub(super) async fn delete_all(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    s: &ClusterState,
    pending: Option<&str>,
) -> Result<(), BoxError> {
    delete_oidc(aws, diags, s).await?;
    let mut keep_role_and_key = false;
    if let Some(name) = known_str(&s.name) {
        let found = find_cluster(&aws.eks, name).await?;
        let recorded = recorded_identity(s);
        let pending_ours =
            |cluster: &Cluster| s.arn.is_null() && pending.is_some_and(|marker| carries(cluster.tags(), marker));
        let claim = match &found {
            None => Claim::Missing,
            Some(cluster) if is_recorded(s, cluster) || pending_ours(cluster) => Claim::Ours,
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
