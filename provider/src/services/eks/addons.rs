//! EKS add-ons, what `platform_eks_addon` builds on: the finder, the
//! catalogue (DescribeAddonVersions: the versions offered for a Kubernetes
//! version and its default; DescribeAddonConfiguration: the configuration
//! schema), and the waiters, with the rule for DEGRADED.
//!
//! **DEGRADED without nodes is not a failure.** An add-on whose pods are a
//! Deployment (coredns, the EBS CSI controller) reports DEGRADED with
//! `InsufficientNumberOfReplicas` until some node can run them; in a stack
//! applied in one go the add-ons are often created before the node groups
//! (terraform-provider-aws#44669). [`wait_addon_settled`] ends as soon as
//! the add-on is ACTIVE; when it is DEGRADED and every health issue is of
//! that kind ([`NO_NODES_ISSUES`]), it keeps waiting while the cluster has a
//! managed node group with nodes (they are coming up), and otherwise ends
//! with [`Settled::waiting_for_nodes`] set, which the resource reports as a
//! warning. Any other health issue, CREATE_FAILED or UPDATE_FAILED fails the
//! wait with the issues.

use std::time::Duration;

use aws_sdk_eks::types::{Addon, AddonIssue, AddonStatus, NodegroupStatus, Update, UpdateStatus};
use aws_sdk_eks::Client;

use super::find::{find_node_group, is_not_found};
use super::wait::{describe_errors, GONE_CONFIRMATIONS};
use crate::framework::diag::ApiError;
use crate::framework::wait::{Poll, WaitError, Waiter};

/// The health issues EKS reports for an add-on whose pods have no node to
/// run on: "InsufficientNumberOfReplicas: The add-on is unhealthy because it
/// doesn't have the desired number of replicas." (the answer quoted in
/// aws-ia/terraform-aws-eks-blueprints-addons#335 and
/// terraform-aws-modules/terraform-aws-eks#3003).
pub const NO_NODES_ISSUES: &[&str] = &["InsufficientNumberOfReplicas"];

/// The add-on; `Ok(None)` when it (or its cluster) does not exist.
pub async fn find_addon(eks: &Client, cluster: &str, name: &str) -> Result<Option<Addon>, ApiError> {
    match eks.describe_addon().cluster_name(cluster).addon_name(name).send().await {
        Ok(out) => match out.addon {
            Some(addon) => Ok(Some(addon)),
            None => Err(ApiError::other("DescribeAddon", None, "EKS answered without an add-on")),
        },
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(ApiError::new("DescribeAddon", e)),
    }
}

/// What EKS offers of one add-on for one Kubernetes version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Offered {
    /// The versions, as DescribeAddonVersions lists them (newest first).
    pub versions: Vec<String>,
    /// The one marked `defaultVersion` for that Kubernetes version.
    pub default: Option<String>,
}

/// The versions of add-on `name` EKS offers for Kubernetes `kubernetes`;
/// `Ok(None)` when it offers none (no such add-on for that version).
pub async fn offered_versions(eks: &Client, name: &str, kubernetes: &str) -> Result<Option<Offered>, ApiError> {
    let mut offered = Offered::default();
    let mut found = false;
    let mut token: Option<String> = None;
    loop {
        let out = eks
            .describe_addon_versions()
            .addon_name(name)
            .kubernetes_version(kubernetes)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| ApiError::new("DescribeAddonVersions", e))?;
        for info in out.addons().iter().filter(|a| a.addon_name() == Some(name)) {
            for version in info.addon_versions() {
                let Some(v) = version.addon_version() else { continue };
                let compatible: Vec<_> = version
                    .compatibilities()
                    .iter()
                    .filter(|c| c.cluster_version() == Some(kubernetes))
                    .collect();
                if compatible.is_empty() {
                    continue;
                }
                found = true;
                if !offered.versions.iter().any(|o| o == v) {
                    offered.versions.push(v.to_string());
                }
                if compatible.iter().any(|c| c.default_version()) {
                    offered.default = Some(v.to_string());
                }
            }
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(found.then_some(offered))
}

/// The names of the add-ons EKS offers for Kubernetes `kubernetes`, sorted.
pub async fn offered_addons(eks: &Client, kubernetes: &str) -> Result<Vec<String>, ApiError> {
    let mut names = std::collections::BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let out = eks
            .describe_addon_versions()
            .kubernetes_version(kubernetes)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| ApiError::new("DescribeAddonVersions", e))?;
        names.extend(out.addons().iter().filter_map(|a| a.addon_name().map(str::to_string)));
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(names.into_iter().collect())
}

/// The configuration schema (JSON Schema text) of one add-on version;
/// `Ok(None)` when EKS has none for it (an unknown add-on or version, which
/// the version check reports, or an empty schema).
pub async fn configuration_schema(eks: &Client, name: &str, version: &str) -> Result<Option<String>, ApiError> {
    match eks
        .describe_addon_configuration()
        .addon_name(name)
        .addon_version(version)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .configuration_schema()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)),
        Err(e) => {
            let err = ApiError::new("DescribeAddonConfiguration", e);
            if err.is("InvalidParameterException") || err.is("ResourceNotFoundException") {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Health issues as "Code: message; ...".
pub fn describe_issues(issues: &[AddonIssue]) -> String {
    super::wait::describe_issues(issues.iter().map(|i| (i.code().map(|c| c.as_str()), i.message())))
}

/// Health issues one by one, "Code: message", as the resource shows them.
pub fn issue_lines(addon: &Addon) -> Vec<String> {
    addon
        .health()
        .map(|h| h.issues())
        .unwrap_or_default()
        .iter()
        .map(|i| {
            format!(
                "{}: {}",
                i.code().map_or("Unknown", |c| c.as_str()),
                i.message().unwrap_or_default()
            )
        })
        .collect()
}

/// Whether every health issue is of the "no node runs the pods" kind.
pub fn only_no_nodes_issues(issues: &[AddonIssue]) -> bool {
    !issues.is_empty()
        && issues
            .iter()
            .all(|i| i.code().is_some_and(|c| NO_NODES_ISSUES.contains(&c.as_str())))
}

/// Whether the cluster has a managed node group that has (or is getting)
/// nodes: ACTIVE or UPDATING with a desired size above zero.
pub async fn cluster_has_nodes(eks: &Client, cluster: &str) -> Result<bool, ApiError> {
    let mut token: Option<String> = None;
    loop {
        let out = match eks
            .list_nodegroups()
            .cluster_name(cluster)
            .set_next_token(token.take())
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if is_not_found(&e) => return Ok(false),
            Err(e) => return Err(ApiError::new("ListNodegroups", e)),
        };
        for name in out.nodegroups() {
            if let Some(ng) = find_node_group(eks, cluster, name).await? {
                let running = matches!(ng.status(), Some(NodegroupStatus::Active | NodegroupStatus::Updating));
                let desired = ng.scaling_config().and_then(|s| s.desired_size()).unwrap_or(0);
                if running && desired > 0 {
                    return Ok(true);
                }
            }
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(false),
        }
    }
}

/// How a wait for an add-on ended well.
#[derive(Debug, Clone)]
pub struct Settled {
    /// The add-on as last read.
    pub addon: Addon,
    /// Set when it is DEGRADED only because no node runs its pods yet (and
    /// the cluster has no node group with nodes): its health issues.
    pub waiting_for_nodes: Option<String>,
}

/// Waits for the add-on to be ACTIVE, or DEGRADED only for want of nodes
/// (see the module's documentation); other health issues and the FAILED
/// statuses end the wait with the issues.
pub async fn wait_addon_settled(
    eks: &Client,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<Settled, WaitError<ApiError>> {
    Waiter::new(format!("EKS add-on `{cluster}:{name}` to become ACTIVE"), timeout)
        .until(|| async {
            let Some(addon) = find_addon(eks, cluster, name).await? else {
                return Ok(Poll::Pending("not found yet".to_string()));
            };
            let issues = addon.health().map(|h| h.issues().to_vec()).unwrap_or_default();
            Ok(match addon.status() {
                Some(AddonStatus::Active) => Poll::Done(Settled {
                    addon,
                    waiting_for_nodes: None,
                }),
                Some(AddonStatus::Degraded) if only_no_nodes_issues(&issues) => {
                    if cluster_has_nodes(eks, cluster).await? {
                        Poll::Pending(format!(
                            "DEGRADED ({}); the cluster has nodes, waiting for the pods",
                            describe_issues(&issues)
                        ))
                    } else {
                        Poll::Done(Settled {
                            addon,
                            waiting_for_nodes: Some(describe_issues(&issues)),
                        })
                    }
                }
                Some(
                    status @ (AddonStatus::Degraded
                    | AddonStatus::CreateFailed
                    | AddonStatus::UpdateFailed
                    | AddonStatus::Deleting
                    | AddonStatus::DeleteFailed),
                ) => Poll::Failed(
                    format!("the add-on is {} {}", status.as_str(), describe_issues(&issues))
                        .trim()
                        .to_string(),
                ),
                Some(status) => Poll::Pending(status.as_str().to_string()),
                None => Poll::Pending("unknown".to_string()),
            })
        })
        .await
}

/// Waits for an AddonUpdate to be `Successful`; `Failed` and `Cancelled`
/// end the wait with EKS's error details.
pub async fn wait_addon_update(
    eks: &Client,
    cluster: &str,
    name: &str,
    update: &Update,
    timeout: Duration,
) -> Result<(), WaitError<ApiError>> {
    let Some(id) = update.id().filter(|id| !id.is_empty()).map(str::to_string) else {
        return Err(WaitError::Check {
            what: format!("the AddonUpdate of EKS add-on `{cluster}:{name}`"),
            source: ApiError::other("UpdateAddon", None, "EKS answered without the update's id"),
        });
    };
    Waiter::new(format!("AddonUpdate `{id}` of EKS add-on `{cluster}:{name}`"), timeout)
        .until(|| async {
            let out = eks
                .describe_update()
                .name(cluster)
                .addon_name(name)
                .update_id(&id)
                .send()
                .await
                .map_err(|e| ApiError::new("DescribeUpdate", e))?;
            let Some(update) = out.update else {
                return Err(ApiError::other(
                    "DescribeUpdate",
                    None,
                    "EKS answered without the update",
                ));
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

/// Waits until the add-on is gone, read as gone several times in a row.
pub async fn wait_addon_deleted(
    eks: &Client,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<(), WaitError<ApiError>> {
    Waiter::new(format!("EKS add-on `{cluster}:{name}` to be deleted"), timeout)
        .until_gone(GONE_CONFIRMATIONS, || async {
            Ok(find_addon(eks, cluster, name).await?.map(|a| match a.status() {
                Some(AddonStatus::DeleteFailed) => {
                    let issues = a.health().map(|h| h.issues().to_vec()).unwrap_or_default();
                    format!("DELETE_FAILED {}", describe_issues(&issues))
                }
                Some(status) => status.as_str().to_string(),
                None => "unknown".to_string(),
            }))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eks::types::AddonIssueCode;

    fn issue(code: AddonIssueCode) -> AddonIssue {
        AddonIssue::builder().code(code).message("m").build()
    }

    #[test]
    fn no_nodes_issues() {
        assert!(only_no_nodes_issues(&[issue(
            AddonIssueCode::InsufficientNumberOfReplicas
        )]));
        assert!(!only_no_nodes_issues(&[]));
        assert!(!only_no_nodes_issues(&[
            issue(AddonIssueCode::InsufficientNumberOfReplicas),
            issue(AddonIssueCode::ConfigurationConflict),
        ]));
        assert_eq!(
            describe_issues(&[issue(AddonIssueCode::ConfigurationConflict)]),
            "ConfigurationConflict: m"
        );
    }
}
