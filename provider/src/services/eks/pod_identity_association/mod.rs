//! `platform_eks_pod_identity_association`: an EKS Pod Identity association
//! between a Kubernetes service account and an IAM role (optionally chained
//! to a target role, usually in another account).
//!
//! This file holds the state, the schema, what replaces the association and
//! the resource's steps; `plan.rs` the validation and the plan, `apply.rs`
//! the API steps (create, update, delete, refresh and import) and the
//! flatten helper.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report, BoxError};
use crate::framework::ownership::{self, PendingPrivate};
use crate::framework::plan::{known_str, require_str, ValueStringMap};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attributes, boolean, string, string_map, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::validate;

mod apply;
mod plan;

/// The tags of this provider's own on an association: the owner marker (the
/// create's idempotency token, by which a create whose answers were all lost
/// finds what it made).
const PROVIDER_TAGS: usize = 1;

pub const DEFAULT_DISABLE_SESSION_TAGS: bool = false;
pub const RESOURCE_TYPE: &str = "platform_eks_pod_identity_association";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PodIdentityAssociationState {
    pub id: Value<String>,
    pub cluster_name: Value<String>,
    pub namespace: Value<String>,
    pub service_account: Value<String>,
    pub role_arn: Value<String>,
    pub target_role_arn: Value<String>,
    pub disable_session_tags: Value<bool>,
    pub tags: ValueStringMap,
    pub tags_all: ValueStringMap,
    pub association_id: Value<String>,
    pub association_arn: Value<String>,
    pub external_id: Value<String>,
    pub created_at: Value<String>,
}

// An association cannot move between clusters, namespaces or service
// accounts (UpdatePodIdentityAssociation's documentation).
crate::replaces!(PodIdentityAssociationState {
    cluster_name,
    namespace,
    service_account,
});

pub struct PodIdentityAssociationResource {
    pub data: Arc<ProviderData>,
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(
            "An EKS Pod Identity association: pods of a cluster that run as one Kubernetes service account get the credentials of an IAM role, through the EKS Pod Identity agent (the `eks-pod-identity-agent` addon) instead of an OIDC provider. \
             The role must trust `pods.eks.amazonaws.com` with `sts:AssumeRole` and `sts:TagSession` (`platform_irsa_role` with `pod_identity = true` builds such a role). \
             With `target_role_arn`, EKS assumes the role, then the target role (role chaining, for a role in another account). \
             `role_arn`, `target_role_arn`, `disable_session_tags` and tags change in place (UpdatePodIdentityAssociation, which keeps the association's id); anything else replaces the association.\n\n\
             ## Ownership\n\n\
             - **Creates** one association. CreatePodIdentityAssociation carries one `clientRequestToken`, the same on every retry, so a lost answer never makes a second association; so do updates. The association also carries the create's token as its owner marker, the tag `platform:owner`, which `tags` and `tags_all` never show (your tags may not start with `platform:`). A call whose answer is lost is sent again at most 3 times in all; a role IAM has not propagated yet is retried for up to 2 minutes; and all the calls of one create, update or delete fit in the provider's `api_timeout` (2 minutes by default, which also bounds that retry).\n\
             - **A failed apply** leaves nothing in state when the create failed (the association is made in one call). When every answer to CreatePodIdentityAssociation is lost, the service account's association is looked up and kept if it carries the create's owner marker. If that lookup cannot tell either, the apply fails saying the outcome is unknown, and state holds a *tainted* instance naming the association (`cluster_name`, `namespace`, `service_account`; no id yet) with the marker in its private state. The next refresh looks it up: carrying the marker, it is recorded whole and the apply replaces it (deletes exactly it, creates one); not there (3 reads), the instance leaves state; there without the marker, it is someone else's, and the create fails with the import hint. Such an instance is never deleted or forgotten without a refresh: a replacement planned with `-refresh=false` fails at the delete, asking for a refresh. A tainted association (`terraform taint`) plans a replacement and is deleted by `terraform destroy` like any other.\n\
             - **Records** the association's `association_id` and `created_at`: its identity. Destroy re-reads it and deletes it only while both match; an association that is missing, or another one, is left alone with a warning and the resource leaves state.\n\
             - **Refuses**, before creating anything, a namespace and service account that already have an association (EKS keeps one per service account): the error gives the `terraform import` command and `import {}` block. The same holds after `terraform state rm`. An association that an EKS add-on owns (`ownerArn`) is never imported, changed or deleted: manage it through the add-on.\n\
             - **Adopts** an existing association only through `terraform import <cluster_name>,<association_id>` or an `import {}` block (with `-generate-config-out`).\n\
             - **Gone** means three not-found reads in a row: one bad answer never plans a replacement. An association deleted outside Terraform (or with its cluster) leaves state cleanly.",
        ),
        attributes: attributes([
            ("id", string(Computed, "`<cluster_name>,<association_id>`, the import id (as terraform-provider-aws imports `aws_eks_pod_identity_association`).")),
            ("cluster_name", string(Required, "The cluster's name (`platform_eks_cluster.x.name`).")),
            ("namespace", string(Required, "The Kubernetes namespace of the service account: a DNS-1123 label (at most 63 lowercase letters, digits and `-`).")),
            ("service_account", string(Required, "The Kubernetes service account's name: a DNS-1123 subdomain (at most 253 lowercase letters, digits, `-` and `.`). EKS keeps one association per namespace and service account.")),
            ("role_arn", string(Required, "The IAM role the pods get. It must be in the cluster's account (EKS passes it with `iam:PassRole`; checked at plan time against the provider's account) and trust `pods.eks.amazonaws.com` with `sts:AssumeRole` and `sts:TagSession`. Changes in place. A role created in the same apply is retried for IAM's propagation delay (2 minutes, within the provider's `api_timeout`).")),
            ("target_role_arn", string(Optional, "A role, usually in another account, that EKS assumes with `role_arn`'s credentials and hands to the pods (role chaining). Its trust policy must allow `role_arn` to call `sts:AssumeRole` and `sts:TagSession`, and may pin `sts:ExternalId` to `external_id`. Changes in place; removing it makes the pods get `role_arn` again.")),
            ("disable_session_tags", boolean(OptionalComputed, format!("Whether EKS leaves out the session tags it adds (cluster, namespace, service account...) when it assumes the role. Default `{DEFAULT_DISABLE_SESSION_TAGS}`. Changes in place."))),
            ("tags", string_map(Optional, "Tags of the association. Merged over the provider's `default_tags`. Change in place.")),
            ("tags_all", string_map(Computed, "All tags of the association, including the provider's `default_tags`.")),
            ("association_id", string(Computed, "EKS's id of the association (`a-...`).")),
            ("association_arn", string(Computed, "The association's ARN.")),
            ("external_id", string(Computed, "With `target_role_arn`: the external id EKS sends when it assumes the target role, for the target role's trust policy (`sts:ExternalId`); null without a target role.")),
            ("created_at", string(Computed, "When EKS created the association (RFC 3339). With `association_id`, the identity of this association: destroy deletes it only while both match.")),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

#[async_trait]
impl ManagedResource for PodIdentityAssociationResource {
    type State = PodIdentityAssociationState;
    type Private = PendingPrivate;
    type Client = AwsClients;
    const NOUN: &'static str = "association";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        self.data.aws_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &PodIdentityAssociationState) {
        plan::validate_config(diags, config);
        validate::tags_attribute(diags, &config.tags, PROVIDER_TAGS, self.data.default_tags().as_ref());
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        state: PodIdentityAssociationState,
        private_state: PendingPrivate,
    ) -> Option<(PodIdentityAssociationState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &state.cluster_name)?.to_string();
        // A create whose outcome was unknown (no id recorded) is resolved by its owner marker.
        if let Some(marker) = ownership::pending_marker(&private_state) {
            if known_str(&state.association_id).is_none() {
                let what = format!(
                    "pod identity association for `{}/{}` on cluster `{cluster}`",
                    known_str(&state.namespace).unwrap_or_default(),
                    known_str(&state.service_account).unwrap_or_default()
                );
                let found = apply::resolve_pending(aws, &state, &cluster, marker).await;
                let resolved = matches!(found, Ok(Some(_)));
                return finish_read(diags, &what, state, private_state, found)
                    .map(|(s, p)| (s, if resolved { PendingPrivate::Null } else { p }));
            }
        }
        let id = require_str(diags, "association_id", &state.association_id)?.to_string();
        let found = apply::read_remote(aws, &state, &cluster, &id)
            .await
            .map_err(BoxError::from);
        finish_read(
            diags,
            &format!("pod identity association `{cluster},{id}`"),
            state,
            private_state,
            found,
        )
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: PodIdentityAssociationState,
        config: PodIdentityAssociationState,
    ) -> Option<(PodIdentityAssociationState, PendingPrivate)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, None, &aws.default_tags);
        plan::check_role_account(diags, &aws, &s).await;
        Some((s, PendingPrivate::Null))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: PodIdentityAssociationState,
        proposed: PodIdentityAssociationState,
        config: PodIdentityAssociationState,
        private_state: PendingPrivate,
    ) -> Option<(PodIdentityAssociationState, PendingPrivate, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, Some(&prior), &aws.default_tags);
        let replace = PodIdentityAssociationState::replaced(&prior, &s);
        if !replace.is_empty() {
            plan::plan_computed(&mut s, &config, None, &aws.default_tags);
        }
        if prior.role_arn != s.role_arn || !replace.is_empty() {
            plan::check_role_account(diags, &aws, &s).await;
        }
        Some((s, private_state, replace.paths))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        planned: PodIdentityAssociationState,
        _config: PodIdentityAssociationState,
        _private_state: PendingPrivate,
    ) -> Option<(PodIdentityAssociationState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &planned.cluster_name)?.to_string();
        let namespace = require_str(diags, "namespace", &planned.namespace)?.to_string();
        let service_account = require_str(diags, "service_account", &planned.service_account)?.to_string();
        let context =
            format!("creating pod identity association for `{namespace}/{service_account}` on cluster `{cluster}`");
        match apply::create(aws, &planned, &cluster, &namespace, &service_account).await {
            Ok(apply::Created::Made(created)) => Some((created, PendingPrivate::Null)),
            Ok(apply::Created::Unknown(state, err)) => {
                let marker = ownership::pending(&err.marker);
                report(diags, &failed(context, err));
                Some((*state, marker))
            }
            Err(err) => {
                report(diags, &failed(context, err));
                None
            }
        }
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: PodIdentityAssociationState,
        planned: PodIdentityAssociationState,
        _config: PodIdentityAssociationState,
        private_state: PendingPrivate,
    ) -> Option<(PodIdentityAssociationState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &prior.cluster_name)?.to_string();
        let id = require_str(diags, "association_id", &prior.association_id)?.to_string();
        let updated = apply::update(aws, diags, &cluster, &id, prior, planned).await;
        Some((updated, private_state))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: PodIdentityAssociationState,
        private_state: PendingPrivate,
    ) -> Option<()> {
        let cluster = known_str(&prior.cluster_name).unwrap_or_default();
        let what = match known_str(&prior.association_id) {
            Some(id) => format!("`{cluster},{id}`"),
            None => format!(
                "for `{}/{}` on cluster `{cluster}`",
                known_str(&prior.namespace).unwrap_or_default(),
                known_str(&prior.service_account).unwrap_or_default()
            ),
        };
        match apply::delete(aws, diags, &prior, ownership::pending_marker(&private_state)).await {
            Ok(()) => Some(()),
            Err(err) => {
                report(diags, &failed(format!("deleting pod identity association {what}"), err));
                None
            }
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        id: String,
    ) -> Option<(PodIdentityAssociationState, PendingPrivate)> {
        let Some((cluster, association_id)) = id
            .split_once(',')
            .filter(|(c, a)| super::validate::cluster_name(c).is_ok() && a.starts_with("a-") && a.len() > 2)
        else {
            diags.root_error(
                format!("importing a pod identity association: `{id}` is not `<cluster_name>,<association_id>`"),
                format!("Import with `terraform import {RESOURCE_TYPE}.x my-cluster,a-0123456789abcdefg`; `aws eks list-pod-identity-associations --cluster-name my-cluster` lists the ids."),
            );
            return None;
        };
        match apply::import(aws, cluster, association_id).await {
            Ok(s) => Some((s, PendingPrivate::Null)),
            Err(err) => {
                report(
                    diags,
                    &failed(format!("importing pod identity association `{id}`"), err),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::PodIdentityAssociationResource>();
    }
}
