//! Finders of the EKS objects the resources manage: each returns `Ok(None)`
//! when the object does not exist (EKS's ResourceNotFoundException), so a
//! caller decides what "gone" means.

use aws_sdk_eks::types::{Cluster, Nodegroup, PodIdentityAssociation, PodIdentityAssociationSummary};
use aws_sdk_eks::Client;

use aws_sdk_eks::primitives::DateTime;
use tf_provider::value::Value;

use crate::framework::diag::ApiError;
use crate::framework::plan::known_str;

/// EKS's "no such cluster / node group / update".
pub fn is_not_found<E: aws_sdk_eks::error::ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some("ResourceNotFoundException")
}

/// An EKS or IAM timestamp as RFC 3339, the form identities are recorded in.
pub fn timestamp(t: Option<&aws_sdk_eks::primitives::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_sdk_eks::primitives::DateTimeFormat::DateTime).ok())
}

/// An EKS object's identity in words, for logs and errors: its ARN and
/// `createdAt` ("<arn> created <createdAt>").
pub fn identity(arn: Option<&str>, created_at: Option<&DateTime>) -> String {
    format!(
        "{} created {}",
        arn.unwrap_or_default(),
        timestamp(created_at).unwrap_or_default()
    )
}

/// The identity a state recorded (`arn`, `created_at`), in the same words;
/// `None` when it recorded no ARN.
pub fn recorded_identity(arn: &Value<String>, created_at: &Value<String>) -> Option<String> {
    let arn = known_str(arn)?;
    Some(format!("{arn} created {}", known_str(created_at).unwrap_or_default()))
}

/// Whether the object EKS reports (`arn`, `created_at`) is the one a state
/// recorded: same ARN and `createdAt`. With `arn_only_states`, a state that
/// has only the ARN (written before identities were recorded; the next
/// refresh fills `created_at`) is matched by ARN.
pub fn is_recorded(
    recorded_arn: &Value<String>,
    recorded_created_at: &Value<String>,
    arn: Option<&str>,
    created_at: Option<&DateTime>,
    arn_only_states: bool,
) -> bool {
    match (known_str(recorded_arn), known_str(recorded_created_at)) {
        (Some(want), Some(created)) => arn == Some(want) && timestamp(created_at).as_deref() == Some(created),
        (Some(want), None) => arn_only_states && arn == Some(want),
        (None, _) => false,
    }
}

/// The cluster; `Ok(None)` when it does not exist.
pub async fn find_cluster(eks: &Client, name: &str) -> Result<Option<Cluster>, ApiError> {
    match eks.describe_cluster().name(name).send().await {
        Ok(out) => Ok(out.cluster),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(ApiError::new("DescribeCluster", e)),
    }
}

/// The node group; `Ok(None)` when it (or its cluster) does not exist.
pub async fn find_node_group(eks: &Client, cluster: &str, name: &str) -> Result<Option<Nodegroup>, ApiError> {
    match eks
        .describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.nodegroup),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(ApiError::new("DescribeNodegroup", e)),
    }
}

/// The access entry of `principal` in `cluster`; `Ok(None)` when it (or its
/// cluster) does not exist. A cluster in CONFIG_MAP mode is an error
/// (InvalidRequestException), never "not found".
pub async fn find_access_entry(
    eks: &Client,
    cluster: &str,
    principal: &str,
) -> Result<Option<aws_sdk_eks::types::AccessEntry>, ApiError> {
    match eks
        .describe_access_entry()
        .cluster_name(cluster)
        .principal_arn(principal)
        .send()
        .await
    {
        Ok(out) => match out.access_entry {
            Some(entry) => Ok(Some(entry)),
            None => Err(ApiError::other(
                "DescribeAccessEntry",
                None,
                "EKS answered without an access entry",
            )),
        },
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(ApiError::new("DescribeAccessEntry", e)),
    }
}

/// The access policies associated with the access entry of `principal`, all
/// pages; `Ok(None)` when the entry (or its cluster) does not exist.
pub async fn find_associated_policies(
    eks: &Client,
    cluster: &str,
    principal: &str,
) -> Result<Option<Vec<aws_sdk_eks::types::AssociatedAccessPolicy>>, ApiError> {
    let mut pages = eks
        .list_associated_access_policies()
        .cluster_name(cluster)
        .principal_arn(principal)
        .into_paginator()
        .send();
    let mut all = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(out) => all.extend(out.associated_access_policies.unwrap_or_default()),
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(ApiError::new("ListAssociatedAccessPolicies", e)),
        }
    }
    Ok(Some(all))
}

/// The ARNs of every access policy EKS offers (ListAccessPolicies, all pages).
pub async fn list_access_policy_arns(eks: &Client) -> Result<Vec<String>, ApiError> {
    let mut pages = eks.list_access_policies().into_paginator().send();
    let mut all = Vec::new();
    while let Some(page) = pages.next().await {
        let out = page.map_err(|e| ApiError::new("ListAccessPolicies", e))?;
        all.extend(
            out.access_policies
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.arn),
        );
    }
    Ok(all)
}

/// The pod identity association; `Ok(None)` when it (or its cluster) does not exist.
pub async fn find_pod_identity_association(
    eks: &Client,
    cluster: &str,
    association_id: &str,
) -> Result<Option<PodIdentityAssociation>, ApiError> {
    match eks
        .describe_pod_identity_association()
        .cluster_name(cluster)
        .association_id(association_id)
        .send()
        .await
    {
        Ok(out) => match out.association {
            Some(a) => Ok(Some(a)),
            None => Err(ApiError::other(
                "DescribePodIdentityAssociation",
                None,
                "EKS answered without an association",
            )),
        },
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(ApiError::new("DescribePodIdentityAssociation", e)),
    }
}

/// The pod identity associations of a namespace's service account (EKS keeps
/// at most one), every page; `Ok(None)` when the cluster does not exist.
pub async fn list_pod_identity_associations(
    eks: &Client,
    cluster: &str,
    namespace: &str,
    service_account: &str,
) -> Result<Option<Vec<PodIdentityAssociationSummary>>, ApiError> {
    let mut found = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let sent = eks
            .list_pod_identity_associations()
            .cluster_name(cluster)
            .namespace(namespace)
            .service_account(service_account)
            .set_next_token(next.take())
            .send()
            .await;
        let out = match sent {
            Ok(out) => out,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(ApiError::new("ListPodIdentityAssociations", e)),
        };
        found.extend(out.associations().iter().cloned());
        match out.next_token() {
            Some(token) if !token.is_empty() => next = Some(token.to_string()),
            _ => return Ok(Some(found)),
        }
    }
}
