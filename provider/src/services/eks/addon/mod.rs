//! `platform_eks_addon`: an EKS add-on (vpc-cni, coredns, kube-proxy, the
//! EBS CSI driver...), its version following the cluster's Kubernetes
//! version unless pinned, its configuration checked against the schema EKS
//! publishes, and DEGRADED-without-nodes taken as what it is: not a failure.
//!
//! This file holds the state, the schema, what replaces the add-on and the
//! resource's steps; `plan.rs` the validation and the plan, `flex.rs` the
//! expand and flatten helpers, `read.rs` refresh and import, `apply.rs` the
//! create, update and delete steps.

#![allow(clippy::result_large_err)]

mod apply;
mod flex;
mod plan;
mod read;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, Description};
use tf_provider::value::{self, Value};
use tf_provider::{AttributePath, Diagnostics};

use super::validate::cluster_name;
use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report};
use crate::framework::ownership::{self, PendingPrivate};
use crate::framework::plan::{known_str, require_str, ValueStringMap, ValueStringSet};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attr, attributes, object_list, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::validate;
use crate::framework::wait::Timeouts;

/// The tags of this provider's own on an add-on: the owner marker.
const PROVIDER_TAGS: usize = 1;

pub const RESOLVE_ON_CREATE: &[&str] = &["NONE", "OVERWRITE"];
pub const RESOLVE_ON_UPDATE: &[&str] = &["NONE", "OVERWRITE", "PRESERVE"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PodIdentityState {
    pub role_arn: Value<String>,
    pub service_account: Value<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AddonState {
    pub id: Value<String>,
    pub cluster_name: Value<String>,
    pub addon_name: Value<String>,
    pub addon_version: Value<String>,
    pub kubernetes_version: Value<String>,
    pub service_account_role_arn: Value<String>,
    pub pod_identity_associations: Value<Vec<PodIdentityState>>,
    pub pod_identity_association_arns: ValueStringSet,
    pub configuration_values: Value<String>,
    pub resolve_conflicts_on_create: Value<String>,
    pub resolve_conflicts_on_update: Value<String>,
    pub tags: ValueStringMap,
    pub tags_all: ValueStringMap,
    pub arn: Value<String>,
    pub created_at: Value<String>,
    pub status: Value<String>,
    pub health_issues: Value<Vec<Value<String>>>,
    #[serde(with = "value::serde_as_vec")]
    pub timeouts: Value<Timeouts>,
}

// What EKS cannot change on an add-on.
crate::replaces!(AddonState {
    cluster_name,
    addon_name
});

pub struct AddonResource {
    pub data: Arc<ProviderData>,
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(
            "An EKS add-on, such as `vpc-cni`, `coredns`, `kube-proxy`, `aws-ebs-csi-driver` or `eks-pod-identity-agent`. \
             The version, the configuration, the service-account role and the pod identity associations change in place (UpdateAddon); the cluster or add-on name replaces it.\n\n\
             **Version.** Without `addon_version`, the add-on gets the default version EKS names for the cluster's Kubernetes version (DescribeAddonVersions), resolved at creation and again whenever the cluster's Kubernetes version changes; otherwise the installed version is kept, so a newer default AWS publishes later is not drift. \
             The plan reads the cluster's version (DescribeCluster), so after a cluster upgrade the next plan moves the add-on to the new default. \
             To follow an upgrade in the same apply, set `kubernetes_version = platform_eks_cluster.x.version`: the add-on then waits for the cluster and moves with it. A pinned `addon_version` is checked at plan time against the versions EKS offers for that Kubernetes version.\n\n\
             **Configuration.** `configuration_values` is JSON, compared as JSON (formatting and key order are no change; your text is kept), and checked at plan time against the schema EKS publishes for the add-on version (DescribeAddonConfiguration), when the version is known.\n\n\
             **DEGRADED without nodes.** An add-on whose pods need nodes (coredns, the EBS CSI controller) reports DEGRADED with `InsufficientNumberOfReplicas` until some node can run them. That is not a failure: when it is the only health issue and the cluster has no managed node group with nodes yet, the create or update succeeds with a warning (so node groups later in the same apply can be created), `status` shows `DEGRADED` with `health_issues`, and the add-on turns ACTIVE by itself once nodes come; nothing shows in the next plan. While the cluster has nodes, the wait goes on until ACTIVE. Any other health issue (or CREATE_FAILED, UPDATE_FAILED) fails the apply with the issues.\n\n\
             ## Ownership\n\n\
             - **Creates** the add-on with one `clientRequestToken` per create (and per update), the same on every retry, so a lost answer never makes a second add-on or update. The add-on also carries the create's token as its owner marker, the tag `platform:owner`, which `tags` and `tags_all` never show (your tags may not start with `platform:`). A call whose answer is lost is sent again at most 3 times in all; all the calls of one create, update or delete fit in the provider's `api_timeout`, and the waits for the add-on in its `timeouts`. It records what it made by identity: the add-on's `arn` and `created_at`.\n\
             - **A failed apply** leaves: nothing in state when it failed before the add-on existed (reading the cluster or the versions, a refused CreateAddon); the add-on, as a *tainted* instance with its `arn` and `created_at`, when it exists but the wait for it failed (CREATE_FAILED, a health issue, a timeout, an unreadable answer). The next `plan` shows it replaced, `terraform destroy` deletes it, and the next apply deletes exactly it (by its `arn` and `created_at`) and creates a new one.\n\
             - **Lost answers:** when every answer to CreateAddon is lost, the add-on is looked up and kept if it carries the create's owner marker. If that lookup cannot tell either, the apply fails saying the outcome is unknown, and state holds a tainted instance naming the add-on (`cluster_name`, `addon_name`) with the marker in its private state. The next refresh looks it up: carrying the marker, it is recorded whole and the apply replaces it; not there (3 reads), the instance leaves state; there without the marker, it is someone else's, and the create fails with the import hint. Such an instance is never deleted or forgotten without a refresh: a replacement planned with `-refresh=false` fails at the delete, asking for a refresh.\n\
             - **Deletes** only that add-on: destroy reads it again and leaves one that is missing or has another identity alone, with a warning, and removes it from state. A create that failed before the add-on existed records nothing, so one of the same name made by someone else is never deleted. Deleting a cluster deletes its add-ons with it, as EKS does.\n\
             - **Adopts** an existing add-on only through `terraform import <cluster>:<addon>` or an `import {}` block.\n\
             - **Refuses**, before creating anything, an add-on that is already installed on the cluster (by someone else, or the console): the error gives the `terraform import` command and `import {}` block.\n\
             - **Refresh** believes the add-on gone only after 3 consecutive not-found reads, so one bad answer never plans a replacement.",
        ),
        attributes: attributes([
            ("id", string(Computed, "`<cluster_name>:<addon_name>`, the import id.")),
            ("cluster_name", string(Required, "The cluster's name (`platform_eks_cluster.x.name`).")),
            ("addon_name", string(Required, "The add-on's name as DescribeAddonVersions lists it, such as `vpc-cni`, `coredns`, `kube-proxy`, `aws-ebs-csi-driver`, `eks-pod-identity-agent`: lowercase letters, digits, `-` and `_`. Checked at plan time against the add-ons EKS offers for the Kubernetes version, when that is known.")),
            ("addon_version", string(OptionalComputed, "The add-on's version, such as `v1.19.2-eksbuild.1`. When unset: the default for the cluster's Kubernetes version at creation and after each change of `kubernetes_version`, and otherwise the installed one (see the resource's description). When set, it must be offered for the Kubernetes version (checked at plan time). Changes in place.")),
            ("kubernetes_version", string(OptionalComputed, "The Kubernetes version the add-on is for, `\"<major>.<minor>\"`. Set it to `platform_eks_cluster.x.version` so that an unpinned add-on moves to the new default in the same apply as a cluster upgrade (after the cluster). When unset, the cluster's version as the plan reads it, so the add-on follows an upgrade in the next plan. It is the version `addon_version` was resolved for, not read back from the add-on. At apply it must be the cluster's version.")),
            ("service_account_role_arn", string(Optional, "An IAM role for the add-on's service account (IRSA), such as the role of a `platform_irsa_role`. Unset: the add-on uses the node role. Changes in place.")),
            ("pod_identity_associations", object_list(Optional, &["role_arn", "service_account"], "EKS Pod Identity associations the add-on makes, `{ role_arn, service_account }`, one per service account (the add-on's own, such as `ebs-csi-controller-sa`). Changes in place: an update sends the whole list, and an empty list removes them. EKS reports only the associations' ARNs (`pod_identity_association_arns`): a refresh keeps the configured pairs while the add-on reports as many associations, and shows an empty list when it reports none.")),
            ("pod_identity_association_arns", string_set(Computed, "The ARNs of the pod identity associations the add-on owns, as EKS reports them.")),
            ("configuration_values", string(OptionalComputed, "The add-on's configuration as a JSON object, such as `jsonencode({ replicaCount = 3 })`. Compared as JSON: a text that says the same as the one in state (formatting, key order) is no change, and the text in state is kept. Checked at plan time against the schema of the add-on version (DescribeAddonConfiguration) when the version is known; changes in place, and removing it goes back to the add-on's defaults.")),
            ("resolve_conflicts_on_create", string(Optional, "How EKS resolves conflicts with fields of a self-managed installation at creation: `NONE` (EKS's default: the create may fail) or `OVERWRITE`. Used at creation only; changing it later changes nothing on EKS.")),
            ("resolve_conflicts_on_update", string(Optional, "How EKS resolves conflicts with values changed from its defaults on each update: `NONE`, `OVERWRITE` or `PRESERVE`. Sent with each update.")),
            ("tags", string_map(Optional, "Tags of the add-on, merged over the provider's `default_tags`. Changes in place.")),
            ("tags_all", string_map(Computed, "All tags of the add-on, including the provider's `default_tags`; a tag changed outside Terraform shows as drift and is put back.")),
            ("arn", string(Computed, "The add-on's ARN.")),
            ("created_at", string(Computed, "When EKS created the add-on (RFC 3339). With `arn`, the identity of this incarnation of the add-on: destroy deletes it only while both match.")),
            ("status", string(Computed, "The add-on's status: `ACTIVE`, or `DEGRADED` while its pods wait for nodes (see `health_issues`).")),
            ("health_issues", attr(AttributeType::List(Box::new(AttributeType::String)), Computed, "The add-on's health issues as EKS reports them, `\"<code>: <message>\"`, such as `\"InsufficientNumberOfReplicas: The add-on is unhealthy because it doesn't have the desired number of replicas.\"`; empty when healthy.")),
        ]),
        blocks: [("timeouts".to_string(), Timeouts::block())].into_iter().collect(),
        deprecated: false,
    }
}

#[async_trait]
impl ManagedResource for AddonResource {
    type State = AddonState;
    type Private = PendingPrivate;
    type Client = AwsClients;
    const NOUN: &'static str = "add-on";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        self.data.aws_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &AddonState) {
        plan::validate_config(diags, config);
        validate::tags_attribute(diags, &config.tags, PROVIDER_TAGS, self.data.default_tags().as_ref());
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        state: AddonState,
        private_state: PendingPrivate,
    ) -> Option<(AddonState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &state.cluster_name)?.to_string();
        let name = require_str(diags, "addon_name", &state.addon_name)?.to_string();
        // A create whose outcome was unknown is resolved by its owner marker.
        let (found, resolving) = match ownership::pending_marker(&private_state) {
            Some(marker) => (read::resolve_pending(aws, &state, &cluster, &name, marker).await, true),
            None => (read::read_remote(aws, &state, &cluster, &name).await, false),
        };
        let resolved = resolving && matches!(found, Ok(Some(_)));
        finish_read(
            diags,
            &format!("EKS add-on `{cluster}:{name}`"),
            state,
            private_state,
            found,
        )
        .map(|(s, p)| (s, if resolved { PendingPrivate::Null } else { p }))
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: AddonState,
        config: AddonState,
    ) -> Option<(AddonState, PendingPrivate)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan::plan(diags, &aws, &mut s, &config, None).await?;
        Some((s, PendingPrivate::Null))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: AddonState,
        proposed: AddonState,
        config: AddonState,
        private_state: PendingPrivate,
    ) -> Option<(AddonState, PendingPrivate, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        let replace = AddonState::replaced(&prior, &s);
        let prior_for_plan = replace.is_empty().then_some(&prior);
        plan::plan(diags, &aws, &mut s, &config, prior_for_plan).await?;
        if replace.is_empty() {
            // Any change can end ACTIVE or DEGRADED (no nodes yet): both are
            // known only after the apply.
            s.status = prior.status.clone();
            s.health_issues = prior.health_issues.clone();
            if s != prior {
                s.status = Value::Unknown;
                s.health_issues = Value::Unknown;
            }
        }
        Some((s, private_state, replace.paths))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        planned: AddonState,
        _config: AddonState,
        _private_state: PendingPrivate,
    ) -> Option<(AddonState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &planned.cluster_name)?.to_string();
        let name = require_str(diags, "addon_name", &planned.addon_name)?.to_string();
        apply::create(aws, diags, &cluster, &name, planned).await
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: AddonState,
        planned: AddonState,
        _config: AddonState,
        private_state: PendingPrivate,
    ) -> Option<(AddonState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &prior.cluster_name)?.to_string();
        let name = require_str(diags, "addon_name", &prior.addon_name)?.to_string();
        let updated = apply::update(aws, diags, &cluster, &name, prior, planned).await;
        Some((updated, private_state))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: AddonState,
        private_state: PendingPrivate,
    ) -> Option<()> {
        let id = known_str(&prior.id).unwrap_or_default().to_string();
        match apply::delete(aws, diags, &prior, ownership::pending_marker(&private_state)).await {
            Ok(()) => Some(()),
            Err(err) => {
                report(diags, &failed(format!("deleting EKS add-on `{id}`"), err));
                None
            }
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        id: String,
    ) -> Option<(AddonState, PendingPrivate)> {
        let Some((cluster, name)) = id
            .split_once(':')
            .filter(|(c, n)| cluster_name(c).is_ok() && plan::addon_name(n).is_ok())
        else {
            diags.root_error(
                format!("importing an EKS add-on: `{id}` is not `<cluster_name>:<addon_name>`"),
                "Import with `terraform import platform_eks_addon.x my-cluster:coredns`.",
            );
            return None;
        };
        match read::import(aws, cluster, name).await {
            Ok(Some(s)) => Some((s, PendingPrivate::Null)),
            Ok(None) => {
                diags.root_error_short(format!("importing EKS add-on `{id}`: no such add-on"));
                None
            }
            Err(err) => {
                report(diags, &failed(format!("importing EKS add-on `{id}`"), err));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::AddonResource>();
    }
}
