//! What the cluster and node-group resources share: waiting for EKS updates
//! (UpdateClusterVersion, UpdateClusterConfig, UpdateNodegroupConfig,
//! UpdateNodegroupVersion) to succeed, tag updates, not-found and health-issue
//! texts, and re-creating a role they had created.

use std::time::Duration;

use aws_sdk_eks::types::{ErrorDetail, Update, UpdateStatus};
use aws_sdk_eks::Client;

use crate::framework::diag::ApiError;
use crate::framework::retry::Backoff;
use crate::framework::wait::{Poll, WaitError, Waiter};

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

/// An EKS or IAM timestamp as RFC 3339, the form identities are recorded in.
pub fn timestamp(t: Option<&aws_sdk_eks::primitives::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_sdk_eks::primitives::DateTimeFormat::DateTime).ok())
}

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

/// EKS's "no such cluster / node group / update".
pub fn is_not_found<E: aws_sdk_eks::error::ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some("ResourceNotFoundException")
}

/// Brings the tags of a cluster or node group from `old` to `new`.
pub async fn update_tags(
    eks: &Client,
    arn: &str,
    old: &std::collections::BTreeMap<String, String>,
    new: &std::collections::BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let (removed, changed) = crate::framework::tags::diff(old, new);
    if !removed.is_empty() {
        eks.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| ApiError::new("UntagResource", e))?;
    }
    if !changed.is_empty() {
        eks.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(changed.into_iter().collect()))
            .send()
            .await
            .map_err(|e| ApiError::new("TagResource", e))?;
    }
    Ok(())
}

/// Health issues as "code: message; ...", from (code, message) pairs.
pub fn describe_issues<'a>(issues: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>) -> String {
    issues
        .map(|(code, message)| format!("{}: {}", code.unwrap_or("Unknown"), message.unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Creates again a role the resource had created and that was deleted
/// outside Terraform; `spec` builds it for the caller's partition. Returns
/// the role's name and `RoleId` when it exists afterwards (also after a
/// half-failed create), `None` when nothing was created. Failures are reported.
pub async fn recreate_role(
    aws: &crate::provider::AwsClients,
    diags: &mut tf_provider::Diagnostics,
    context: String,
    spec: impl FnOnce(&str) -> crate::services::iam::role::RoleSpec,
) -> Option<(String, String)> {
    use crate::framework::diag::{failed, report};
    let partition = match aws.identity().await {
        Ok(identity) => identity.partition.clone(),
        Err(err) => {
            report(diags, &failed(context, err));
            return None;
        }
    };
    let spec = spec(&partition);
    match crate::services::iam::role::create_role(&aws.iam, &spec).await {
        Ok(created) => Some((spec.name, created.unique_id)),
        Err(failure) => {
            report(diags, &failed(context, failure.error));
            failure.created.map(|created| (spec.name, created.unique_id))
        }
    }
}
