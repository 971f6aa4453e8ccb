//! Finders of the EKS objects the resources manage: each returns `Ok(None)`
//! when the object does not exist (EKS's ResourceNotFoundException), so a
//! caller decides what "gone" means.

use aws_sdk_eks::types::{Cluster, Nodegroup};
use aws_sdk_eks::Client;

use crate::framework::diag::ApiError;

/// EKS's "no such cluster / node group / update".
pub fn is_not_found<E: aws_sdk_eks::error::ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some("ResourceNotFoundException")
}

/// An EKS or IAM timestamp as RFC 3339, the form identities are recorded in.
pub fn timestamp(t: Option<&aws_sdk_eks::primitives::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_sdk_eks::primitives::DateTimeFormat::DateTime).ok())
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
