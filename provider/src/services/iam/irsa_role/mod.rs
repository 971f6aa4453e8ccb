//! `platform_irsa_role`: an IAM role that Kubernetes service accounts assume
//! through the cluster's IAM OIDC provider (IRSA), or pods through EKS Pod
//! Identity, or both.
//!
//! This file holds the state, the schema and the resource's steps; `plan.rs`
//! the validation and the plan, `flex.rs` the expand and flatten helpers.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::role::{self, DEFAULT_MAX_SESSION};
use super::trust::{ServiceAccount, DEFAULT_AUDIENCE, PODS_PRINCIPAL};
use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report, ApiError};
use crate::framework::naming;
use crate::framework::ownership::{self, PendingPrivate, Resolved};
use crate::framework::plan::{known_str, optional_set, ValueStringMap, ValueStringSet};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attributes, boolean, number, object_list, string, string_map, string_set, Computed, Optional, OptionalComputed,
};
use crate::framework::validate;

mod flex;
mod plan;

use flex::{expand_role, flatten_role};
use plan::{plan_computed, plan_defaults, validate_state, PriorRole};

pub const DEFAULT_PATH: &str = "/";
pub const DEFAULT_POD_IDENTITY: bool = false;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IrsaRoleState {
    pub id: Value<String>,
    pub name: Value<String>,
    pub name_prefix: Value<String>,
    pub path: Value<String>,
    pub description: Value<String>,
    pub oidc_provider_arn: Value<String>,
    pub service_accounts: Value<Vec<ServiceAccount>>,
    pub audience: Value<String>,
    pub pod_identity: Value<bool>,
    pub policy_arns: ValueStringSet,
    pub inline_policies: ValueStringMap,
    pub permissions_boundary: Value<String>,
    pub max_session_duration: Value<i64>,
    pub tags: ValueStringMap,
    pub tags_all: ValueStringMap,
    pub arn: Value<String>,
    pub unique_id: Value<String>,
    pub trust_policy: Value<String>,
    pub service_account_annotations: ValueStringMap,
}

// `name_prefix` replaces the role too, but only while `name` is unset
// (`plan_update` adds it by hand).
crate::replaces!(IrsaRoleState { name, path });

pub struct IrsaRoleResource {
    pub data: Arc<ProviderData>,
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(
            "An IAM role that Kubernetes service accounts assume through the cluster's IAM OIDC provider (IRSA), through EKS Pod Identity (`pod_identity = true`, with a `platform_eks_pod_identity_association`), or both. \
             For IRSA the trust policy pins both `:sub` and `:aud`, with one statement for exact service-account names and one for wildcard names; for pod identity one more statement lets `pods.eks.amazonaws.com` call `sts:AssumeRole` and `sts:TagSession`. \
             Inline and managed policies, tags and the permissions boundary are refreshed on every plan; equivalent policy documents never show as a diff.\n\n\
             ## Ownership\n\n\
             - **Creates** one IAM role, tagged `platform:owner` with a marker unique to that create (the tag is not shown in `tags` or `tags_all`).\n\
             - **Records** the role's `unique_id` (IAM's `RoleId`). Destroy re-reads the role and deletes it only if it still has that id: \
             a role deleted and re-created by someone else under the same name is left alone, with a warning, and the resource leaves state.\n\
             - **Refuses** a name that is already taken: the apply fails before anything is made, with the `terraform import` command and the `import {}` block. \
             The same holds after `terraform state rm`.\n\
             - **Adopts** only the role its own create made: when the answer to CreateRole is lost (timeout, dropped connection, 5xx), \
             the role is looked up by name and adopted if it carries this create's marker, and CreateRole is sent again only if no role exists.\n\
             - **A failed apply.** A create that fails before CreateRole took effect records nothing; the next apply creates the role. \
             Once the role exists, a failure putting an inline policy or attaching a managed one records the role (name and `unique_id`, with what was \
             put on it), tainted: the next apply deletes exactly that role (same `unique_id`) and creates it again, and `terraform destroy` deletes it. \
             When CreateRole's answer is lost on every attempt and the lookup by name fails (or finds nothing), whether the role exists is unknown: \
             the apply fails saying so and records the role by name, tainted, with the marker it was sent with (in private state); the next refresh \
             reads the role: carrying that marker, it is recorded whole and replaced; absent, the instance leaves state; without the marker, it is \
             someone else's and left alone.\n\
             - **Gone** means three not-found reads in a row; one bad answer does not drop the role from state.\n\
             - **Import** (`terraform import` or an `import {}` block with `-generate-config-out`) adopts any role; inline policies named `platform-*` \
             belong to other `platform_*` resources and are left alone.",
        ),
        attributes: attributes([
            ("id", string(Computed, "The role name.")),
            ("name", string(OptionalComputed, "Role name, 1–64 characters from letters, digits and `+=,.@_-`. Conflicts with `name_prefix`; when both are unset a unique name starting with `platform-` is generated.")),
            ("name_prefix", string(Optional, "Creates a unique role name beginning with this prefix (at most 38 characters). Conflicts with `name`. Changing it replaces the role when `name` is unset.")),
            ("path", string(OptionalComputed, format!("IAM path of the role, beginning and ending with `/`. Defaults to `{DEFAULT_PATH}`."))),
            ("description", string(Optional, "Description of the role.")),
            ("oidc_provider_arn", string(Optional, "For IRSA, with `service_accounts`: ARN of the IAM OIDC provider for the cluster, `arn:aws:iam::<account>:oidc-provider/<issuer>`. The issuer host and path form the condition keys (`<issuer>:sub`, `<issuer>:aud`). The provider may belong to another account, for example a copy in a DNS account.")),
            ("service_accounts", object_list(Optional, &["namespace", "name"], "For IRSA, with `oidc_provider_arn`: service accounts allowed to assume the role, as a list of `{ namespace, name }`. Both are DNS-1123 names; an entry containing `*` matches with `StringLike`, all others with `StringEquals`. The trust policy built from them is checked at plan time: past IAM's default \"Role trust policy length\" quota of 2,048 characters a warning names the quota to raise, past 8,192 it is an error. An import reads the subjects back with the exact ones and the wildcard ones each in one group, in the order of the trust policy's statements. The list is compared in order, as Terraform compares lists: after an import, or after reordering the entries, a plan that only reorders them shows `service_accounts` changing, and its apply makes no API call (the trust policy is equivalent).")),
            ("pod_identity", boolean(OptionalComputed, format!("Whether EKS Pod Identity may assume the role: the trust policy then also lets `{PODS_PRINCIPAL}` call `sts:AssumeRole` and `sts:TagSession`, and a `platform_eks_pod_identity_association` can hand the role to a service account (of any cluster of the account). Default `{DEFAULT_POD_IDENTITY}`. A role needs IRSA (`oidc_provider_arn` and `service_accounts`), pod identity, or both; a plan with neither is an error. Refreshed from the trust policy: a pod identity statement removed outside Terraform shows as a diff and is put back on apply."))),
            ("audience", string(OptionalComputed, format!("Value pinned by the `:aud` condition. Defaults to `{DEFAULT_AUDIENCE}`, the audience of EKS projected service-account tokens."))),
            ("policy_arns", string_set(Optional, "ARNs of managed policies to attach. Policies attached outside Terraform show as a diff and are detached on apply.")),
            ("inline_policies", string_map(Optional, "Inline policies, from policy name to JSON document. Documents are compared semantically, so formatting, key order, statement order and `\"x\"` versus `[\"x\"]` never cause a diff. Names starting with `platform-` are reserved for policies other `platform_*` resources put on the role (such as `platform_ebs_storage`); the role leaves those alone. Checked at plan time against IAM's policy grammar (a `Statement`; `Effect` `Allow` or `Deny`; exactly one of `Action`/`NotAction` and of `Resource`/`NotResource`; no `Principal`), with the statement index, and against IAM's quota of 10,240 characters for all inline policies of a role together (white space not counted).")),
            ("permissions_boundary", string(Optional, "ARN of the managed policy used as the role's permissions boundary.")),
            ("max_session_duration", number(OptionalComputed, format!("Maximum session duration in seconds, 3600–43200. Defaults to `{DEFAULT_MAX_SESSION}`."))),
            ("tags", string_map(Optional, "Tags of the role. Merged over the provider's `default_tags`.")),
            ("tags_all", string_map(Computed, "All tags of the role, including the provider's `default_tags`.")),
            ("arn", string(Computed, "ARN of the role.")),
            ("unique_id", string(Computed, "Stable unique id IAM assigns to the role (`AROA...`).")),
            ("trust_policy", string(Computed, "The trust (assume-role) policy document the role has. An out-of-band edit shows as a diff and is repaired on apply.")),
            ("service_account_annotations", string_map(Computed, "Annotations for the Kubernetes service accounts: `{ \"eks.amazonaws.com/role-arn\" = arn }` for IRSA; empty for a role that serves pod identity only (the annotation would make the pods try IRSA first, which that role does not trust).")),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

#[async_trait]
impl ManagedResource for IrsaRoleResource {
    type State = IrsaRoleState;
    type Private = PendingPrivate;
    type Client = AwsClients;
    const NOUN: &'static str = "role";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        self.data.aws_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &IrsaRoleState) {
        let default_tags = self.data.default_tags();
        validate_state(diags, config, default_tags.as_ref());
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        state: IrsaRoleState,
        private_state: PendingPrivate,
    ) -> Option<(IrsaRoleState, PendingPrivate)> {
        let Some(name) = known_str(&state.id).or(known_str(&state.name)).map(str::to_string) else {
            return Some((state, private_state));
        };
        if known_str(&state.unique_id).is_none() {
            if let Some(marker) = ownership::pending_marker(&private_state).map(str::to_string) {
                return read_pending(diags, aws, state, private_state, &name, &marker).await;
            }
        }
        let found = ownership::confirm_gone(|| role::find_role_by_name(&aws.iam, &name)).await;
        let found = found.map(|remote| remote.map(|remote| flatten_role(&state, &remote, &aws.default_tags)));
        finish_read(diags, &format!("IAM role `{name}`"), state, private_state, found)
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: IrsaRoleState,
        config: IrsaRoleState,
    ) -> Option<(IrsaRoleState, PendingPrivate)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut state = proposed;
        plan_defaults(&mut state, &config);
        plan_computed(&mut state, None, &aws.default_tags);
        Some((state, Default::default()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: IrsaRoleState,
        proposed: IrsaRoleState,
        config: IrsaRoleState,
        private_state: PendingPrivate,
    ) -> Option<(IrsaRoleState, PendingPrivate, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut state = proposed;
        plan_defaults(&mut state, &config);

        // A generated name follows its prefix: a new prefix means a new name.
        // (With `name` set, only a change of `name` replaces the role.)
        let new_prefix = config.name.is_null() && prior.name_prefix != state.name_prefix;
        if new_prefix {
            state.name = Value::Unknown;
        }
        let mut replace = IrsaRoleState::replaced(&prior, &state);
        if new_prefix {
            replace.if_changed("name_prefix", &prior.name_prefix, &state.name_prefix);
        }

        let prior_role = PriorRole {
            state: &prior,
            replaced: !replace.is_empty(),
        };
        plan_computed(&mut state, Some(prior_role), &aws.default_tags);
        Some((state, private_state, replace.paths))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        planned: IrsaRoleState,
        _config: IrsaRoleState,
        private_state: PendingPrivate,
    ) -> Option<(IrsaRoleState, PendingPrivate)> {
        let name = match known_str(&planned.name) {
            Some(name) => name.to_string(),
            None => naming::unique_name(known_str(&planned.name_prefix).unwrap_or(naming::DEFAULT_PREFIX)),
        };
        let Some(spec) = expand_role(&planned, &name) else {
            diags.root_error_short(format!("creating IAM role `{name}`: the plan still has unknown values"));
            return None;
        };
        let mut state = planned.clone();
        state.name = Value::Value(name.clone());
        state.id = Value::Value(name.clone());
        state.trust_policy = Value::Value(spec.trust_policy.clone());
        match role::create_role(&aws.iam, &spec).await {
            Ok(remote) => Some((flatten_role(&state, &remote, &aws.default_tags), private_state)),
            Err(failure) if matches!(failure.error, role::RoleError::Exists { .. }) => {
                let taken = ownership::NameTaken::new("IAM role", &name, "platform_irsa_role", &name);
                report(diags, &failed(format!("creating IAM role `{name}`"), taken));
                None
            }
            Err(failure) if failure.pending.is_some() => {
                // Whether the role exists is unknown: record it (tainted) by
                // name with the marker it was sent with; refresh decides.
                let marker = failure.pending.unwrap_or_default();
                let source = match failure.error {
                    role::RoleError::Create { source, .. } | role::RoleError::Read { source, .. } => source,
                    other => ApiError::other("CreateRole", None, other.to_string()),
                };
                let unknown = ownership::OutcomeUnknown {
                    operation: "CreateRole",
                    what: "IAM role".to_string(),
                    name: name.clone(),
                    marker: marker.clone(),
                    source,
                };
                report(diags, &failed(format!("creating IAM role `{name}`"), unknown));
                state.arn = Value::Null;
                state.unique_id = Value::Null;
                state.service_account_annotations = Value::Null;
                state.policy_arns = optional_set(&planned.policy_arns, &Default::default());
                state.inline_policies = Value::Null;
                Some((state, ownership::pending(&marker)))
            }
            Err(failure) => {
                report(diags, &failure.error);
                // The role exists: record it so that Terraform taints it and the
                // next apply replaces it or destroy removes it. Never an orphan.
                failure.created.map(|remote| {
                    let mut partial = flatten_role(&state, &remote, &aws.default_tags);
                    partial.policy_arns = optional_set(&planned.policy_arns, &remote.spec.policy_arns);
                    (partial, private_state)
                })
            }
        }
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: IrsaRoleState,
        planned: IrsaRoleState,
        _config: IrsaRoleState,
        private_state: PendingPrivate,
    ) -> Option<(IrsaRoleState, PendingPrivate)> {
        let Some(name) = known_str(&prior.id).map(str::to_string) else {
            diags.root_error_short("updating IAM role: the prior state has no role name");
            return None;
        };
        let (Some(prior_spec), Some(spec)) = (expand_role(&prior, &name), expand_role(&planned, &name)) else {
            diags.root_error_short(format!("updating IAM role `{name}`: the plan still has unknown values"));
            return None;
        };
        match role::update_role(&aws.iam, &prior_spec, &spec).await {
            // The plan is fully known at apply time and is now what IAM has.
            Ok(()) => Some((planned, private_state)),
            Err(err) => {
                report(diags, &err);
                // Part of the update may have gone through: record what IAM has now.
                match role::find_role_by_name(&aws.iam, &name).await {
                    Ok(Some(remote)) => Some((flatten_role(&prior, &remote, &aws.default_tags), private_state)),
                    Ok(None) => None,
                    Err(read_err) => {
                        report(diags, &read_err);
                        Some((prior, private_state))
                    }
                }
            }
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: IrsaRoleState,
        private_state: PendingPrivate,
    ) -> Option<()> {
        let Some(name) = known_str(&prior.id).or(known_str(&prior.name)) else {
            return Some(());
        };
        // The role is deleted only if it is the incarnation this resource
        // created or imported: the same `RoleId`.
        let mut recorded = known_str(&prior.unique_id).map(str::to_string);
        if recorded.is_none() {
            // A create whose outcome is unknown, not refreshed since: the role
            // is ours if it carries the marker that create sent.
            if let Some(marker) = ownership::pending_marker(&private_state) {
                match role::find_pending(&aws.iam, name, marker).await {
                    Ok(found) => recorded = found.map(|r| r.unique_id),
                    Err(role::RoleError::Exists { .. }) => {}
                    Err(err) => {
                        report(diags, &err);
                        return None;
                    }
                }
            }
        }
        let recorded = recorded.as_deref();
        match role::delete_role(&aws.iam, name, |r| Some(r.unique_id.as_str()) == recorded).await {
            Ok(claim) => {
                ownership::warn_left_alone(diags, &format!("IAM role `{name}`"), recorded, &claim);
                Some(())
            }
            Err(err) => {
                report(diags, &err);
                None
            }
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        id: String,
    ) -> Option<(IrsaRoleState, PendingPrivate)> {
        if let Err(rule) = validate::iam_role_name(&id) {
            diags.root_error(
                format!("importing IAM role: the import id {rule}"),
                "Import `platform_irsa_role` by role name: `terraform import platform_irsa_role.x my-role`.",
            );
            return None;
        }
        match role::find_role_by_name(&aws.iam, &id).await {
            Ok(Some(remote)) => Some((
                flatten_role(&IrsaRoleState::default(), &remote, &aws.default_tags),
                Default::default(),
            )),
            Ok(None) => {
                diags.root_error_short(format!("importing IAM role `{id}`: no such role"));
                None
            }
            Err(err) => {
                report(diags, &err);
                None
            }
        }
    }
}

/// Refreshes a role whose create's outcome is unknown (no `unique_id`, the
/// marker in private state): carrying the marker, it is ours and recorded
/// whole (still tainted, so the apply replaces it); absent on several reads,
/// the create made nothing and the instance leaves state; without the marker,
/// it is someone else's and left alone.
async fn read_pending(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    state: IrsaRoleState,
    private_state: PendingPrivate,
    name: &str,
    marker: &str,
) -> Option<(IrsaRoleState, PendingPrivate)> {
    let what = format!("IAM role `{name}`");
    let resolved = match role::find_pending(&aws.iam, name, marker).await {
        Ok(Some(remote)) => Resolved::Ours(flatten_role(&state, &remote, &aws.default_tags)),
        Ok(None) => Resolved::Absent,
        Err(role::RoleError::Exists { .. }) => Resolved::Foreign,
        Err(err) => Resolved::Failed(err),
    };
    ownership::finish_pending(diags, &what, marker, (state, private_state), resolved)
}

#[cfg(test)]
mod tests {
    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::IrsaRoleResource>();
    }
}
