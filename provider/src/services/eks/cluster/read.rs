//! Refresh and import of `platform_eks_cluster`: the cluster recorded (by
//! its identity, "gone" only after several not-found reads), its OIDC
//! provider, and the role and key it created.

use aws_sdk_eks::types::Cluster;
use tf_provider::value::Value;

use super::apply::ClusterError;
use super::flex::{
    flatten_cluster, identity_of, is_recorded, is_recorded_oidc_provider, recorded_identity, settle, OidcFacts,
};
use super::{ClusterState, VPC_RESOURCE_CONTROLLER};
use crate::clients::AwsClients;
use crate::framework::diag::{ApiError, BoxError};
use crate::framework::ownership;
use crate::framework::plan::{known_str, to_value_map};
use crate::services::eks::find::find_cluster;
use crate::services::eks::marked::carries;
use crate::services::eks::roles::CLUSTER_OWNER_TAG;
use crate::services::eks::tags::shown_tags;
use crate::services::iam::oidc_provider::{find_confirmed, provider_arn};
use crate::services::iam::role;
use crate::services::kms::key;

/// The cluster recorded in `prior`, read with the confirmation refresh
/// needs ("gone" only after several consecutive not-found reads). A cluster
/// of that name with another identity is not the one recorded: `Ok(None)`.
/// With `pending` (the owner marker of a create whose outcome is unknown,
/// when `prior` recorded no cluster), the cluster of that name is the one
/// recorded only if it carries that marker.
pub(super) async fn find_recorded(
    aws: &AwsClients,
    prior: &ClusterState,
    name: &str,
    pending: Option<&str>,
) -> Result<Option<Cluster>, ApiError> {
    let found = ownership::confirm_gone(|| find_cluster(&aws.eks, name)).await?;
    Ok(found.filter(|cluster| {
        let adopted = prior.arn.is_null() && pending.is_some_and(|marker| carries(cluster.tags(), marker));
        if adopted {
            tracing::warn!(
                cluster = name,
                found = %identity_of(cluster),
                "the EKS cluster whose create lost its answers exists and carries that create's owner marker: recorded"
            );
        }
        let ours = adopted || is_recorded(prior, cluster);
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

/// Reads the cluster and its OIDC provider; `Ok(None)` when the cluster
/// recorded is gone (or another one has its name). `pending`: see
/// [`find_recorded`].
pub(super) async fn read_remote(
    aws: &AwsClients,
    prior: &ClusterState,
    name: &str,
    pending: Option<&str>,
) -> Result<Option<ClusterState>, BoxError> {
    let Some(cluster) = find_recorded(aws, prior, name, pending).await? else {
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
    let mut s = flatten_cluster(prior, &cluster, oidc.as_ref(), aws);
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
                s.pod_security_groups = Value::Value(has_vpc_resource_controller(aws, &role_name).await?);
            }
            (Some((id, tags)), None) if tags.get(CLUSTER_OWNER_TAG).map(String::as_str) == Some(name) => {
                s.managed_role_id = Value::Value(id);
                s.managed_role_tags = to_value_map(&shown_tags(&tags));
                s.pod_security_groups = Value::Value(has_vpc_resource_controller(aws, &role_name).await?);
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

/// Whether the AWS managed policy that security groups for pods need is
/// attached to role `role_name` (ListAttachedRolePolicies, every page); a
/// role that vanished meanwhile has none.
pub(super) async fn has_vpc_resource_controller(aws: &AwsClients, role_name: &str) -> Result<bool, ClusterError> {
    let suffix = format!(":iam::aws:policy/{VPC_RESOURCE_CONTROLLER}");
    let mut pages = aws
        .iam
        .list_attached_role_policies()
        .role_name(role_name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                if page
                    .attached_policies()
                    .iter()
                    .any(|p| p.policy_arn().is_some_and(|arn| arn.ends_with(&suffix)))
                {
                    return Ok(true);
                }
            }
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => return Ok(false),
            Err(e) => {
                return Err(ClusterError::ReadRole {
                    name: role_name.to_string(),
                    source: ApiError::new("ListAttachedRolePolicies", e),
                })
            }
        }
    }
    Ok(false)
}

/// Whether anything this resource created still exists without the cluster.
pub(super) async fn leftovers_exist(aws: &AwsClients, s: &ClusterState) -> Result<bool, BoxError> {
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

/// The state of cluster `id` for import, with the role and key when they
/// carry its owner tag and the OIDC provider of its issuer; `Ok(None)` when
/// there is no such cluster.
pub(super) async fn import(aws: &AwsClients, id: &str) -> Result<Option<ClusterState>, BoxError> {
    let Some(cluster) = find_cluster(&aws.eks, id).await? else {
        return Ok(None);
    };
    let mut s = ClusterState::default();
    // Created by this resource? The role and key carry its owner tag.
    let owner = Some(id);
    s.pod_security_groups = Value::Value(false);
    if let Some(role_name) = cluster.role_arn().and_then(|a| a.rsplit('/').next()) {
        if let Some(remote) = role::find_role_by_name(&aws.iam, role_name).await? {
            if remote.spec.tags.get(CLUSTER_OWNER_TAG).map(String::as_str) == owner {
                s.managed_role_name = Value::Value(role_name.to_string());
                s.managed_role_id = Value::Value(remote.unique_id);
                let suffix = format!(":iam::aws:policy/{VPC_RESOURCE_CONTROLLER}");
                s.pod_security_groups = Value::Value(remote.spec.policy_arns.iter().any(|p| p.ends_with(&suffix)));
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
    let mut imported = flatten_cluster(&s, &cluster, oidc.as_ref(), aws);
    if imported.bootstrap_cluster_creator_admin_permissions.is_null() {
        imported.bootstrap_cluster_creator_admin_permissions = Value::Value(true);
    }
    Ok(Some(imported))
}
