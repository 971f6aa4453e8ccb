//! `platform_eks_access_entry`: an EKS access entry (an IAM principal's
//! access to a cluster's Kubernetes API) with its access policies.
//!
//! This file holds the state, the schema, what replaces the entry and the
//! resource's steps; `plan.rs` the validation and the plan, `flex.rs` the
//! conversions between the state and EKS's answers, `apply.rs` the create,
//! update, delete, refresh and import steps.

#![allow(clippy::result_large_err)]

mod apply;
mod flex;
mod plan;

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description, NestedBlock};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report};
use crate::framework::ownership::{self, PendingPrivate};
use crate::framework::plan::{known_str, require_str, ValueStringMap, ValueStringSet};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attributes, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::validate;

pub const DEFAULT_TYPE: &str = "STANDARD";
/// What the ownership errors and the process registry ([`ownership::hold`]) call an entry.
pub const KIND: &str = "EKS access entry";
/// The tags of this provider's own on an entry: the owner marker.
const PROVIDER_TAGS: usize = 1;
/// The access-entry types EKS knows (botocore, CreateAccessEntry `type`).
pub const TYPES: &[&str] = &[
    "STANDARD",
    "EC2_LINUX",
    "EC2_WINDOWS",
    "FARGATE_LINUX",
    "EC2",
    "HYBRID_LINUX",
    "HYPERPOD_LINUX",
];
pub const SCOPES: &[&str] = &["cluster", "namespace"];
/// The access policy that makes a cluster administrator.
pub const CLUSTER_ADMIN_POLICY: &str = "AmazonEKSClusterAdminPolicy";

/// One `access_policy` block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessPolicyState {
    pub policy_arn: Value<String>,
    pub scope: Value<String>,
    pub namespaces: ValueStringSet,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessEntryState {
    pub id: Value<String>,
    pub cluster_name: Value<String>,
    pub principal_arn: Value<String>,
    pub r#type: Value<String>,
    pub kubernetes_groups: ValueStringSet,
    pub user_name: Value<String>,
    pub access_policy: Value<BTreeSet<Value<AccessPolicyState>>>,
    pub tags: ValueStringMap,
    pub tags_all: ValueStringMap,
    pub arn: Value<String>,
    pub created_at: Value<String>,
}

// What EKS cannot change on an access entry.
crate::replaces!(AccessEntryState {
    cluster_name,
    principal_arn,
    r#type,
});

pub struct AccessEntryResource {
    pub data: Arc<ProviderData>,
}

const DESCRIPTION: &str = concat!(
    "An EKS access entry: an IAM role or user's access to a cluster's Kubernetes API, with the EKS access policies associated with it (`access_policy` blocks). ",
    "The cluster's `authentication_mode` must be `API_AND_CONFIG_MAP` or `API`. `kubernetes_groups`, `user_name`, the access policies and their scopes, and tags change in place; `cluster_name`, `principal_arn` and `type` replace the entry. ",
    "An access policy associated, disassociated or rescoped outside Terraform shows as an exact diff of the `access_policy` blocks, and the apply puts it back.\n\n",
    "## Declared admins\n\n",
    "A cluster's administrators are principals in configuration, one entry each with `AmazonEKSClusterAdminPolicy` at cluster scope, so that no plan depends on who runs it:\n\n",
    r#"```hcl
variable "cluster_admins" {
  type    = set(string)
  default = ["arn:aws:iam::111122223333:role/platform-admin", "arn:aws:iam::111122223333:role/ci-deployer"]
}

resource "platform_eks_access_entry" "admin" {
  for_each      = var.cluster_admins
  cluster_name  = platform_eks_cluster.main.name
  principal_arn = each.value

  access_policy {
    policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    scope      = "cluster"
  }
}
```

"#,
    "A new cluster takes `bootstrap_cluster_creator_admin_permissions = false` with declared admins from the start. ",
    "A cluster created with it `true` has an entry EKS made for whoever created it; this provider never adopts it by itself (creating an entry for that principal fails with the import hint). ",
    "To move to declared admins without replacing the cluster: (1) declare the admins as above and apply; ",
    "(2) find the creator's entry (`aws eks list-access-entries --cluster-name <cluster>`), adopt it with an `import {}` block and a matching resource, and apply (the plan imports it and changes nothing):\n\n",
    r#"```hcl
import {
  to = platform_eks_access_entry.creator
  id = "<cluster>:arn:aws:iam::111122223333:role/the-creator"
}

resource "platform_eks_access_entry" "creator" {
  cluster_name  = "<cluster>"
  principal_arn = "arn:aws:iam::111122223333:role/the-creator"

  access_policy {
    policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    scope      = "cluster"
  }
}
```

"#,
    "(3) remove both blocks and apply: the creator's entry is destroyed, the declared admins remain, and the plan is empty. ",
    "Each step is an ordinary reviewed plan; none depends on the identity that runs it.\n\n",
    "## Ownership\n\n",
    "- **Creates** the access entry and associates its access policies. CreateAccessEntry and UpdateAccessEntry send one `clientRequestToken` per operation, the same on every retry, so a lost answer never makes a second entry; AssociateAccessPolicy sets a policy's scope whatever it was, so sending it again is harmless. ",
    "The entry also carries the create's token as its owner marker, the tag `platform:owner`, which `tags` and `tags_all` never show (your tags may not start with `platform:`). ",
    "A call whose answer is lost is sent again at most 3 times in all, and all the calls of one create, update or delete fit in the provider's `api_timeout`. ",
    "It records what it made by identity: the entry's `arn` and `created_at`.\n",
    "- **A failed apply** leaves: nothing in state when it failed before the entry existed; the entry, as a *tainted* instance with its `arn` and `created_at`, when a later step failed (associating an access policy, reading it back). The next `plan` shows that entry replaced, `terraform destroy` deletes it, and the next apply deletes exactly it and creates a new one (the plan knows the existing entry as this resource's own because the refresh before it confirmed it).\n",
    "- **Lost answers:** when every answer to CreateAccessEntry is lost, the entry is looked up and kept if it carries the create's owner marker. If that lookup cannot tell either (it fails too), the apply fails saying the outcome is unknown, and state holds a tainted instance naming the entry (`cluster_name`, `principal_arn`) with the marker in its private state. The next refresh looks the entry up: carrying the marker, it is recorded whole, and the apply replaces it; not there (3 reads), the instance leaves state and the apply creates the entry; there without the marker, it is someone else's, and the create fails with the import hint.\n",
    "- **With `-refresh=false`** a tainted entry is not refreshed, so the plan cannot confirm that the principal's existing entry is this resource's own: when that entry carries this provider's owner marker the plan warns instead of failing, the apply deletes the tainted entry (by its recorded `arn` and `created_at`) before creating the new one, and the create fails with the import hint if the entry was not the tainted one. An instance whose create's outcome was unknown is never deleted or forgotten without a refresh: its replacement fails at the delete, asking for a refresh.\n",
    "- **Deletes** only that entry: destroy reads it again and leaves an entry that is missing or has another identity (made again by someone else) alone, with a warning, and removes it from state.\n",
    "- **Adopts** an existing entry only through `terraform import <cluster_name>:<principal_arn>` or an `import {}` block.\n",
    "- **Refuses**, at plan time when the cluster exists and again before creating anything, a principal that already has an entry in the cluster (the error gives the `terraform import` command and `import {}` block, and says when it looks like the cluster creator's entry), two resources of one configuration for the same principal; and, before creating, a cluster in `CONFIG_MAP` mode (the plan only warns about it, since the cluster may move to `API_AND_CONFIG_MAP` earlier in the same apply).\n",
    "- **Refresh** believes the entry gone only after 3 consecutive not-found reads; an entry of that principal with another identity is not this one, and leaves state.",
);

fn schema_block() -> Block {
    let block = |description: &str, attributes| Block {
        version: 1,
        attributes,
        blocks: Default::default(),
        description: Description::markdown(description),
        deprecated: false,
    };
    Block {
        version: 1,
        description: Description::markdown(DESCRIPTION),
        attributes: attributes([
            ("id", string(Computed, "`<cluster_name>:<principal_arn>`, the import id (as terraform-provider-aws's `aws_eks_access_entry`).")),
            ("cluster_name", string(Required, "The cluster's name (`platform_eks_cluster.x.name`). Its `authentication_mode` must be `API_AND_CONFIG_MAP` or `API` when the entry is created: a cluster still in `CONFIG_MAP` mode at plan time gets a warning (it may change earlier in the same apply, when this attribute refers to it), and the create fails if it has not changed.")),
            ("principal_arn", string(Required, "The IAM role or user (`arn:aws:iam::<account>:role/<path/name>` or `:user/...`). Not an STS session ARN, nor a service-linked role (`role/aws-service-role/...`); node types take roles only. One entry per principal and cluster.")),
            ("type", string(OptionalComputed, format!("`{DEFAULT_TYPE}` (default) for people and workloads, or, for nodes, `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`, `EC2` (EKS Auto Mode node classes), `HYBRID_LINUX` or `HYPERPOD_LINUX`. Only `STANDARD` entries take the `kubernetes_groups` and `user_name` attributes and `access_policy` blocks: EKS gives the other types what nodes need."))),
            ("kubernetes_groups", string_set(Optional, "Kubernetes group names the principal belongs to, for your own RBAC bindings (`RoleBinding`/`ClusterRoleBinding` subjects of `kind: Group`). Names may not start with `system:`. `STANDARD` entries only; for other types EKS sets the groups itself and they are not shown. Change in place.")),
            ("user_name", string(OptionalComputed, "The Kubernetes user name. By default EKS's: the user's ARN, or `arn:aws:sts::<account>:assumed-role/<role name>/{{SessionName}}` for a role (`system:node:...` for node types). When set: not starting with `system:`, `eks:`, `aws:`, `amazon:` or `iam:`, and with a `:` somewhere before `{{SessionName}}` or `{{SessionNameRaw}}` if it uses them. `STANDARD` entries only. Changes in place; removing it from the configuration keeps the current name.")),
            ("tags", string_map(Optional, "Tags of the access entry. Merged over the provider's `default_tags`. Change in place.")),
            ("tags_all", string_map(Computed, "All tags of the access entry, including the provider's `default_tags`.")),
            ("arn", string(Computed, "The access entry's ARN.")),
            ("created_at", string(Computed, "When EKS created the access entry (RFC 3339). With `arn`, the identity of this incarnation of the entry: destroy deletes it only while both match.")),
        ]),
        blocks: [(
            "access_policy".to_string(),
            NestedBlock::Set(block(
                "An EKS access policy associated with the entry, with its scope; repeat the block for each policy (each policy once). `STANDARD` entries only. Adding, removing or rescoping one changes the entry in place (AssociateAccessPolicy / DisassociateAccessPolicy). For example a read-only entry in two namespaces: `access_policy { policy_arn = \"arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy\" scope = \"namespace\" namespaces = [\"team-a\", \"team-b\"] }`.",
                attributes([
                    ("policy_arn", string(Required, "The access policy: `arn:aws:eks::aws:cluster-access-policy/<name>`, one of those ListAccessPolicies lists, such as `AmazonEKSClusterAdminPolicy`, `AmazonEKSAdminPolicy`, `AmazonEKSEditPolicy`, `AmazonEKSViewPolicy`. The plan checks the name against that list.")),
                    ("scope", string(Required, "`cluster` (every namespace and cluster-wide objects) or `namespace` (only the objects in `namespaces`).")),
                    ("namespaces", string_set(Optional, "With `scope = \"namespace\"`: one or more Kubernetes namespace names; a `*` wildcard is allowed (`dev-*`). EKS does not check that they exist. Leave unset for `cluster`.")),
                ]),
            )),
        )]
        .into_iter()
        .collect(),
        deprecated: false,
    }
}

#[async_trait]
impl ManagedResource for AccessEntryResource {
    type State = AccessEntryState;
    type Private = PendingPrivate;
    type Client = AwsClients;
    const NOUN: &'static str = "access entry";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        self.data.aws_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &AccessEntryState) {
        plan::validate_config(diags, config);
        validate::tags_attribute(diags, &config.tags, PROVIDER_TAGS, self.data.default_tags().as_ref());
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        state: AccessEntryState,
        private_state: PendingPrivate,
    ) -> Option<(AccessEntryState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &state.cluster_name)?.to_string();
        let principal = require_str(diags, "principal_arn", &state.principal_arn)?.to_string();
        // A create whose outcome was unknown is resolved by its owner marker.
        let (found, resolving) = match ownership::pending_marker(&private_state) {
            Some(marker) => (
                apply::resolve_pending(aws, &state, &cluster, &principal, marker).await,
                true,
            ),
            None => (apply::read_remote(aws, &state, &cluster, &principal).await, false),
        };
        let resolved = resolving && matches!(found, Ok(Some(_)));
        finish_read(
            diags,
            &format!("access entry `{cluster}:{principal}`"),
            state,
            private_state,
            found,
        )
        .map(|(s, p)| (s, if resolved { PendingPrivate::Null } else { p }))
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: AccessEntryState,
        config: AccessEntryState,
    ) -> Option<(AccessEntryState, PendingPrivate)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, None, &aws);
        if !plan::check_remote(diags, &aws, &s, None, true).await {
            return None;
        }
        Some((s, PendingPrivate::Null))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: AccessEntryState,
        proposed: AccessEntryState,
        config: AccessEntryState,
        private_state: PendingPrivate,
    ) -> Option<(AccessEntryState, PendingPrivate, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, Some(&prior), &aws);
        let replace = AccessEntryState::replaced(&prior, &s);
        if !replace.is_empty() {
            plan::plan_computed(&mut s, &config, None, &aws);
        }
        if !plan::check_remote(diags, &aws, &s, Some(&prior), !replace.is_empty()).await {
            return None;
        }
        Some((s, private_state, replace.paths))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        planned: AccessEntryState,
        _config: AccessEntryState,
        _private_state: PendingPrivate,
    ) -> Option<(AccessEntryState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &planned.cluster_name)?.to_string();
        let principal = require_str(diags, "principal_arn", &planned.principal_arn)?.to_string();
        apply::create(aws, diags, &cluster, &principal, planned).await
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: AccessEntryState,
        planned: AccessEntryState,
        _config: AccessEntryState,
        private_state: PendingPrivate,
    ) -> Option<(AccessEntryState, PendingPrivate)> {
        let cluster = require_str(diags, "cluster_name", &prior.cluster_name)?.to_string();
        let principal = require_str(diags, "principal_arn", &prior.principal_arn)?.to_string();
        let updated = apply::update(aws, diags, &cluster, &principal, prior, planned).await;
        Some((updated, private_state))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: AccessEntryState,
        private_state: PendingPrivate,
    ) -> Option<()> {
        let id = known_str(&prior.id).unwrap_or_default().to_string();
        match apply::delete(aws, diags, &prior, ownership::pending_marker(&private_state)).await {
            Ok(()) => Some(()),
            Err(err) => {
                report(diags, &failed(format!("deleting access entry `{id}`"), err));
                None
            }
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        id: String,
    ) -> Option<(AccessEntryState, PendingPrivate)> {
        let Some((cluster, principal)) = id
            .split_once(':')
            .filter(|(c, p)| super::validate::cluster_name(c).is_ok() && plan::principal_arn(p).is_ok())
        else {
            diags.root_error(
                format!("importing an access entry: `{id}` is not `<cluster_name>:<principal_arn>`"),
                "Import with `terraform import platform_eks_access_entry.x my-cluster:arn:aws:iam::111122223333:role/my-role`.",
            );
            return None;
        };
        match apply::import(aws, cluster, principal).await {
            Ok(Some(s)) => Some((s, PendingPrivate::Null)),
            Ok(None) => {
                diags.root_error_short(format!("importing access entry `{id}`: no such access entry"));
                None
            }
            Err(err) => {
                report(diags, &failed(format!("importing access entry `{id}`"), err));
                None
            }
        }
    }
}

/// An entry with nothing learnt from EKS yet unknown left: what a failed
/// step leaves in state.
pub(crate) fn settle(s: &mut AccessEntryState) {
    use crate::framework::plan::null_if_unknown as null;
    null(&mut s.id);
    null(&mut s.r#type);
    null(&mut s.user_name);
    null(&mut s.tags_all);
    null(&mut s.arn);
    null(&mut s.created_at);
    if s.access_policy.is_unknown() {
        s.access_policy = Value::Value(BTreeSet::new());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::AccessEntryResource>();
    }
}
