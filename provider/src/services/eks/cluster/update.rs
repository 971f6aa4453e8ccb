//! The in-place changes of `platform_eks_cluster`: each EKS change is one
//! update (EKS takes one kind per UpdateClusterConfig) started with its own
//! idempotency token and awaited before the next; then the tags, the created
//! role's policies and the OIDC provider.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_eks::operation::update_cluster_config::builders::UpdateClusterConfigFluentBuilder;
use aws_sdk_eks::types::{
    AuthenticationMode, EncryptionConfig, Provider, SupportType, UpdateAccessConfigRequest, UpgradePolicyRequest,
    VpcConfigRequest,
};
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::apply::{
    cluster_role, create_oidc, delete_oidc, key_spec, thumbprint_warning, vpc_resource_controller_arn, ClusterError,
};
use super::flex::{expand_logging, is_recorded_oidc_provider, issuer_host_path, owned_tags, settle, without_cluster};
use super::read::read_remote;
use super::{ClusterState, DEFAULT_ENDPOINT_PRIVATE_ACCESS, DEFAULT_ENDPOINT_PUBLIC_ACCESS};
use crate::clients::AwsClients;
use crate::framework::diag::{failed, report, ApiError, BoxError};
use crate::framework::plan::{known, known_str, known_string_map, known_string_set};
use crate::framework::wait::{Operation, Timeouts};
use crate::services::eks::roles::{recreate_or_adopt_role, sync_role_tags, CLUSTER_OWNER_TAG, ENCRYPTION_POLICY};
use crate::services::eks::tags::{sync_key_tags, update_tags};
use crate::services::eks::wait::run_update;
use crate::services::iam::oidc_provider::{find_oidc_provider, update_provider, ProviderSpec, DEFAULT_CLIENT_ID};
use crate::services::iam::role;
use crate::services::kms::key;

/// Brings the cluster and what it created from `prior` to `planned`
/// (re-creating a created role deleted outside Terraform first, and creating
/// the secrets key when encryption is added with `create_kms_key`), then
/// returns what EKS and IAM have now; failures are reported.
pub(super) async fn update(
    aws: &AwsClients,
    diags: &mut Diagnostics,
    name: String,
    prior: ClusterState,
    planned: ClusterState,
) -> ClusterState {
    let mut planned = planned;
    let tags = owned_tags(&name, &known_string_map(&planned.tags_all).unwrap_or_default());
    // The created role, deleted outside Terraform, comes back first.
    let mut role_name = prior.managed_role_name.clone();
    let mut role_id = planned.managed_role_id.clone();
    if role_name.is_null() && planned.managed_role_name.is_unknown() {
        let key_arn = known_str(&planned.kms_key_arn);
        let context = format!("recreating the IAM role of EKS cluster `{name}`");
        let Some(created) = recreate_or_adopt_role(aws, diags, context, (CLUSTER_OWNER_TAG, &name), |partition| {
            cluster_role(&name, partition, key_arn, &tags, &planned)
        })
        .await
        else {
            return prior;
        };
        role_name = Value::Value(created.0);
        role_id = Value::Value(created.1);
    }
    // Secrets encryption added with `create_kms_key`: the key first,
    // recorded before anything else can fail.
    if prior.kms_key_arn.is_null() && planned.managed_kms_key_id.is_unknown() {
        let context = format!("creating the secrets key of EKS cluster `{name}`");
        let identity = match aws.identity().await {
            Ok(identity) => identity.clone(),
            Err(err) => {
                report(diags, &failed(context, err));
                return prior;
            }
        };
        match key::create_key(
            &aws.kms,
            &format!("EKS cluster {name}"),
            &key_spec(&name, &identity, &tags),
        )
        .await
        {
            Ok(created) => {
                planned.kms_key_arn = Value::Value(created.arn);
                planned.managed_kms_key_id = Value::Value(created.key_id);
            }
            Err(failure) => {
                report(diags, &failed(context, failure.error));
                let mut kept = prior;
                if let Some(created) = failure.created {
                    // Not associated: the next plan associates it (plan_computed).
                    kept.managed_kms_key_id = Value::Value(created.key_id);
                }
                return kept;
            }
        }
    }
    let updated = match update_cluster(aws, &prior, &planned, known_str(&role_name), diags).await {
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
    match read_remote(aws, &basis, &name, None).await {
        Ok(Some(mut now)) => {
            if now.bootstrap_cluster_creator_admin_permissions.is_null() {
                now.bootstrap_cluster_creator_admin_permissions = planned.bootstrap_cluster_creator_admin_permissions;
            }
            settle(&mut now);
            now
        }
        Ok(None) => without_cluster(&basis),
        Err(err) => {
            if updated {
                report(
                    diags,
                    &failed(format!("reading EKS cluster `{name}` after updating it"), err),
                );
            }
            // What this apply created stays recorded.
            let mut kept = prior;
            kept.managed_role_name = basis.managed_role_name;
            kept.managed_role_id = basis.managed_role_id;
            kept.managed_kms_key_id = basis.managed_kms_key_id;
            settle(&mut kept);
            kept
        }
    }
}

/// Starts one UpdateClusterConfig (or AssociateEncryptionConfig) with
/// `send`, and waits for it; `what` names the change in errors.
async fn cluster_update<F, Fut>(
    aws: &AwsClients,
    name: &str,
    planned: &ClusterState,
    op: &'static str,
    what: &'static str,
    send: F,
) -> Result<(), BoxError>
where
    F: Fn(&str) -> Fut,
    Fut: std::future::Future<Output = Result<Option<aws_sdk_eks::types::Update>, ApiError>>,
{
    tracing::info!(cluster = name, change = what, "updating EKS cluster");
    let timeout = Timeouts::get(&planned.timeouts, Operation::Update);
    run_update(&aws.eks, name, None, op, timeout, send, |source| ClusterError::Update {
        what,
        source,
    })
    .await
}

/// One UpdateClusterConfig call, waited for: `set` adds the one kind of
/// change (EKS takes one per call) to the request.
async fn config_update<S>(
    aws: &AwsClients,
    name: &str,
    planned: &ClusterState,
    what: &'static str,
    set: S,
) -> Result<(), BoxError>
where
    S: Fn(UpdateClusterConfigFluentBuilder) -> UpdateClusterConfigFluentBuilder,
{
    const CONFIG: &str = "UpdateClusterConfig";
    let send = |token: &str| {
        let req = set(aws.eks.update_cluster_config().name(name)).client_request_token(token);
        async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(CONFIG, e)) }
    };
    cluster_update(aws, name, planned, CONFIG, what, send).await
}

pub(super) async fn update_cluster(
    aws: &AwsClients,
    prior: &ClusterState,
    planned: &ClusterState,
    role_name: Option<&str>,
    diags: &mut Diagnostics,
) -> Result<(), BoxError> {
    let name = known_str(&planned.name).ok_or(ClusterError::Unknown("name"))?;
    let eks = &aws.eks;
    if let (Some(old), Some(new)) = (known_str(&prior.version), known_str(&planned.version)) {
        if old != new {
            let op = "UpdateClusterVersion";
            let send = |token: &str| {
                let req = eks
                    .update_cluster_version()
                    .name(name)
                    .version(new)
                    .client_request_token(token);
                async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(op, e)) }
            };
            cluster_update(aws, name, planned, op, "version", send).await?;
        }
    }
    // Secrets encryption for a cluster without it: the created role may use
    // the key first, then EKS associates it (once; it cannot be undone).
    if let (None, Some(key_arn)) = (known_str(&prior.kms_key_arn), known_key_arn(aws, planned).await?) {
        if let Some(role_name) = role_name {
            let identity = aws.identity().await?;
            let spec = cluster_role(name, &identity.partition, Some(&key_arn), &BTreeMap::new(), planned);
            if let Some(document) = spec.inline_policies.get(ENCRYPTION_POLICY) {
                role::put_inline(&aws.iam, role_name, ENCRYPTION_POLICY, document).await?;
            }
        }
        // `resources` is deprecated (EKS now encrypts all API data) but still
        // what the API documents for envelope encryption of secrets.
        #[allow(deprecated)]
        let encryption = EncryptionConfig::builder()
            .resources("secrets")
            .provider(Provider::builder().key_arn(&key_arn).build())
            .build();
        let op = "AssociateEncryptionConfig";
        let send = |token: &str| {
            let req = eks
                .associate_encryption_config()
                .cluster_name(name)
                .encryption_config(encryption.clone())
                .client_request_token(token);
            async move { req.send().await.map(|o| o.update).map_err(|e| ApiError::new(op, e)) }
        };
        cluster_update(aws, name, planned, op, "secrets encryption (`kms_key_arn`)", send).await?;
    }
    // Subnets and security groups: one VpcConfigUpdate.
    let subnets = known_string_set(&planned.subnet_ids).unwrap_or_default();
    let groups = known_string_set(&planned.security_group_ids).unwrap_or_default();
    if known_string_set(&prior.subnet_ids).unwrap_or_default() != subnets
        || known_string_set(&prior.security_group_ids).unwrap_or_default() != groups
    {
        let vpc = VpcConfigRequest::builder()
            .set_subnet_ids(Some(subnets.into_iter().collect()))
            .set_security_group_ids(Some(groups.into_iter().collect()))
            .build();
        config_update(aws, name, planned, "`subnet_ids` and `security_group_ids`", |b| {
            b.resources_vpc_config(vpc.clone())
        })
        .await?;
    }
    if let (Some(old), Some(new)) = (
        known_str(&prior.authentication_mode),
        known_str(&planned.authentication_mode),
    ) {
        if old != new {
            let access = UpdateAccessConfigRequest::builder()
                .authentication_mode(AuthenticationMode::from(new))
                .build();
            config_update(aws, name, planned, "`authentication_mode`", |b| {
                b.access_config(access.clone())
            })
            .await?;
        }
    }
    let new_support = planned.support_type();
    if let (Some(old), Some(new)) = (known_str(&prior.support_type()), known_str(&new_support)) {
        if old != new {
            let policy = UpgradePolicyRequest::builder()
                .support_type(SupportType::from(new))
                .build();
            config_update(aws, name, planned, "`upgrade_policy`", |b| {
                b.upgrade_policy(policy.clone())
            })
            .await?;
        }
    }
    let old_logs = known_string_set(&prior.enabled_log_types).unwrap_or_default();
    let new_logs = known_string_set(&planned.enabled_log_types).unwrap_or_default();
    if old_logs != new_logs {
        config_update(aws, name, planned, "logging", |b| b.logging(expand_logging(&new_logs))).await?;
    }
    let endpoint_changed = prior.endpoint_public_access != planned.endpoint_public_access
        || prior.endpoint_private_access != planned.endpoint_private_access
        || known_string_set(&prior.public_access_cidrs) != known_string_set(&planned.public_access_cidrs);
    if endpoint_changed {
        let vpc = VpcConfigRequest::builder()
            .endpoint_public_access(
                known(&planned.endpoint_public_access)
                    .copied()
                    .unwrap_or(DEFAULT_ENDPOINT_PUBLIC_ACCESS),
            )
            .endpoint_private_access(
                known(&planned.endpoint_private_access)
                    .copied()
                    .unwrap_or(DEFAULT_ENDPOINT_PRIVATE_ACCESS),
            )
            .set_public_access_cidrs(known_string_set(&planned.public_access_cidrs).map(|c| c.into_iter().collect()))
            .build();
        config_update(aws, name, planned, "endpoint access", |b| {
            b.resources_vpc_config(vpc.clone())
        })
        .await?;
    }
    // Security groups for pods: the VPC resource controller policy on the
    // created role, either way (also when it was detached outside).
    if let (Some(role_name), Value::Value(wanted)) = (role_name, &planned.pod_security_groups) {
        if prior.pod_security_groups != Value::Value(*wanted) || prior.managed_role_name.is_null() {
            set_vpc_resource_controller(aws, role_name, *wanted).await?;
        }
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
            let remote = find_oidc_provider(&aws.iam, oidc_arn)
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

/// The ARN of the key to associate: the planned one, or (planned unknown)
/// the one created for this cluster, read by its recorded id.
async fn known_key_arn(aws: &AwsClients, planned: &ClusterState) -> Result<Option<String>, BoxError> {
    if let Some(arn) = known_str(&planned.kms_key_arn) {
        return Ok(Some(arn.to_string()));
    }
    match (&planned.kms_key_arn, known_str(&planned.managed_kms_key_id)) {
        (Value::Unknown, Some(key_id)) => match key::find_key(&aws.kms, key_id).await? {
            Some(found) => Ok(Some(found.arn)),
            None => Err(ClusterError::Unknown("kms_key_arn (the created key is gone)").into()),
        },
        _ => Ok(None),
    }
}

/// Attaches (or detaches) the VPC resource controller policy on the role
/// this resource created. Attaching twice and detaching a policy that is not
/// attached (NoSuchEntity) change nothing.
async fn set_vpc_resource_controller(aws: &AwsClients, role_name: &str, attached: bool) -> Result<(), BoxError> {
    let identity = aws.identity().await?;
    let policy = vpc_resource_controller_arn(&identity.partition);
    tracing::info!(
        role = role_name,
        attached,
        "security groups for pods: the VPC resource controller policy"
    );
    let result = if attached {
        aws.iam
            .attach_role_policy()
            .role_name(role_name)
            .policy_arn(&policy)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| ApiError::new("AttachRolePolicy", e))
    } else {
        match aws
            .iam
            .detach_role_policy()
            .role_name(role_name)
            .policy_arn(&policy)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(()),
            Err(e) => Err(ApiError::new("DetachRolePolicy", e)),
        }
    };
    result.map_err(|source| {
        ClusterError::Update {
            what: "`pod_security_groups` (the cluster role's policies)",
            source,
        }
        .into()
    })
}
