//! Waiting on EKS: clusters and node groups becoming ACTIVE or gone, updates
//! (UpdateClusterVersion, UpdateClusterConfig, UpdateNodegroupConfig,
//! UpdateNodegroupVersion) started with one idempotency token and followed
//! until they succeed, and the retry rules of the creates (a role IAM is
//! still propagating).

use std::time::Duration;

use aws_sdk_eks::types::{Cluster, ClusterStatus, ErrorDetail, Nodegroup, NodegroupStatus, Update, UpdateStatus};
use aws_sdk_eks::Client;

use super::find::{find_cluster, find_node_group};
use crate::framework::diag::ApiError;
use crate::framework::retry::Backoff;
use crate::framework::wait::{Poll, WaitError, Waiter};

/// "Gone" reads in a row before a delete is believed.
pub const GONE_CONFIRMATIONS: u32 = 3;

/// How a request with an idempotency token (`clientRequestToken`) is sent
/// again, with the same token, after an ambiguous failure: EKS answers a
/// repeat with the original result, so this never makes a second object or
/// a second update.
pub const SAME_TOKEN: Backoff = Backoff {
    timeout: Duration::from_secs(60),
    initial: Duration::from_millis(500),
    max_delay: Duration::from_secs(5),
    max_attempts: Some(4),
};

/// Starts an EKS update with one `clientRequestToken`, sent again unchanged
/// after an ambiguous failure (EKS answers a repeat with the original
/// update, so this never starts a second one), then waits until the update
/// is Successful. `send` makes the request with the token it is given; a
/// failure to start becomes `start_error`'s error.
pub async fn run_update<F, Fut, E>(
    eks: &Client,
    cluster: &str,
    nodegroup: Option<&str>,
    operation: &'static str,
    timeout: Duration,
    send: F,
    start_error: impl FnOnce(ApiError) -> E,
) -> Result<(), crate::framework::diag::BoxError>
where
    F: Fn(&str) -> Fut,
    Fut: std::future::Future<Output = Result<Option<Update>, ApiError>>,
    E: Into<crate::framework::diag::BoxError>,
{
    let token = crate::framework::ownership::new_marker();
    let update = crate::framework::retry::retry(operation, SAME_TOKEN, |e: &ApiError| e.ambiguous, || send(&token))
        .await
        .map_err(|e| start_error(e).into())?;
    if let Some(update) = update {
        wait_update_successful(eks, cluster, nodegroup, &update, timeout).await?;
    }
    Ok(())
}

/// An update EKS reports as `Failed` or `Cancelled`, with its error details:
/// "ClusterUnreachable: ... (resources: main)".
pub fn describe_errors(errors: &[ErrorDetail]) -> String {
    if errors.is_empty() {
        return "EKS gave no details".to_string();
    }
    errors
        .iter()
        .map(|e| {
            let code = e.error_code().map_or("Unknown".to_string(), |c| c.as_str().to_string());
            let message = e.error_message().unwrap_or_default();
            let resources = e.resource_ids().join(", ");
            if resources.is_empty() {
                format!("{code}: {message}")
            } else {
                format!("{code}: {message} (resources: {resources})")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits for an update to be `Successful`. `Failed` and `Cancelled` end the
/// wait with EKS's error details.
pub async fn wait_update_successful(
    eks: &Client,
    cluster: &str,
    nodegroup: Option<&str>,
    update: &Update,
    timeout: Duration,
) -> Result<(), WaitError<ApiError>> {
    let id = update.id().unwrap_or_default().to_string();
    let kind = update.r#type().map_or("update".to_string(), |t| t.as_str().to_string());
    let target = match nodegroup {
        Some(ng) => format!("node group `{cluster}:{ng}`"),
        None => format!("EKS cluster `{cluster}`"),
    };
    Waiter::new(format!("{kind} `{id}` of {target}"), timeout)
        .until(|| async {
            let out = eks
                .describe_update()
                .name(cluster)
                .set_nodegroup_name(nodegroup.map(str::to_string))
                .update_id(&id)
                .send()
                .await
                .map_err(|e| ApiError::new("DescribeUpdate", e))?;
            let Some(update) = out.update else {
                return Ok(Poll::Pending("no update returned".to_string()));
            };
            Ok(match update.status() {
                Some(UpdateStatus::Successful) => Poll::Done(()),
                Some(status @ (UpdateStatus::Failed | UpdateStatus::Cancelled)) => {
                    Poll::Failed(format!("{}: {}", status.as_str(), describe_errors(update.errors())))
                }
                Some(status) => Poll::Pending(status.as_str().to_string()),
                None => Poll::Pending("unknown".to_string()),
            })
        })
        .await
}

/// Health issues as "code: message; ...", from (code, message) pairs.
pub fn describe_issues<'a>(issues: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>) -> String {
    issues
        .map(|(code, message)| format!("{}: {}", code.unwrap_or("Unknown"), message.unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits for ACTIVE; FAILED ends the wait.
pub async fn wait_cluster_active(eks: &Client, name: &str, timeout: Duration) -> Result<Cluster, WaitError<ApiError>> {
    Waiter::new(format!("EKS cluster `{name}` to become ACTIVE"), timeout)
        .until(|| async {
            let Some(cluster) = find_cluster(eks, name).await? else {
                return Ok(Poll::Pending("not found yet".to_string()));
            };
            Ok(match cluster.status() {
                Some(ClusterStatus::Active) => Poll::Done(cluster),
                Some(ClusterStatus::Failed) => {
                    let issues = cluster.health().map(|h| h.issues()).unwrap_or_default();
                    let health = describe_issues(issues.iter().map(|i| (i.code().map(|c| c.as_str()), i.message())));
                    Poll::Failed(format!("the cluster is FAILED {health}").trim().to_string())
                }
                Some(status) => Poll::Pending(status.as_str().to_string()),
                None => Poll::Pending("unknown".to_string()),
            })
        })
        .await
}

/// Waits until the cluster is gone, read as gone several times in a row.
pub async fn wait_cluster_deleted(eks: &Client, name: &str, timeout: Duration) -> Result<(), WaitError<ApiError>> {
    Waiter::new(format!("EKS cluster `{name}` to be deleted"), timeout)
        .until_gone(GONE_CONFIRMATIONS, || async {
            Ok(find_cluster(eks, name)
                .await?
                .map(|c| c.status().map_or("unknown".to_string(), |s| s.as_str().to_string())))
        })
        .await
}

/// EKS answers CreateCluster with InvalidParameterException while IAM is
/// still propagating a role created a moment ago (the messages
/// terraform-provider-aws retries on).
pub fn is_role_propagation(err: &ApiError) -> bool {
    if !err.is("InvalidParameterException") {
        return false;
    }
    let message = err.message.as_deref().unwrap_or_default();
    let lower = message.to_ascii_lowercase();
    (lower.contains("role") && lower.contains("does not exist"))
        || message.contains("Error in role params")
        || message.contains("could not be assumed because the trusted entity is not correct")
        || message.contains("Role could not be assumed because the trusted entity is not correct")
        || message.contains("The provided role doesn't have the Amazon EKS Managed Policies associated with it")
        || message.contains("IAM role's policy must include")
}

fn health(ng: &Nodegroup) -> String {
    let issues = ng.health().map(|h| h.issues()).unwrap_or_default();
    describe_issues(issues.iter().map(|i| (i.code().map(|c| c.as_str()), i.message())))
}

pub async fn wait_node_group_active(
    eks: &Client,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<Nodegroup, WaitError<ApiError>> {
    Waiter::new(format!("node group `{cluster}:{name}` to become ACTIVE"), timeout)
        .until(|| async {
            let Some(ng) = find_node_group(eks, cluster, name).await? else {
                return Ok(Poll::Pending("not found yet".to_string()));
            };
            Ok(match ng.status() {
                Some(NodegroupStatus::Active) => Poll::Done(ng),
                Some(status @ (NodegroupStatus::CreateFailed | NodegroupStatus::Degraded)) => {
                    Poll::Failed(format!("{} {}", status.as_str(), health(&ng)).trim().to_string())
                }
                Some(status) => Poll::Pending(status.as_str().to_string()),
                None => Poll::Pending("unknown".to_string()),
            })
        })
        .await
}

pub async fn wait_node_group_deleted(
    eks: &Client,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<(), WaitError<ApiError>> {
    Waiter::new(format!("node group `{cluster}:{name}` to be deleted"), timeout)
        .until_gone(GONE_CONFIRMATIONS, || async {
            match find_node_group(eks, cluster, name).await? {
                None => Ok(None),
                Some(ng) if ng.status() == Some(&NodegroupStatus::DeleteFailed) => {
                    Ok(Some(format!("DELETE_FAILED {}", health(&ng))))
                }
                Some(ng) => Ok(Some(
                    ng.status().map_or("unknown".to_string(), |s| s.as_str().to_string()),
                )),
            }
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
