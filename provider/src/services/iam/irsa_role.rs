//! `platform_irsa_role`: an IAM role that Kubernetes service accounts assume
//! through the cluster's IAM OIDC provider (IRSA).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics};

use super::role::{self, RemoteRole, RoleSpec, DEFAULT_MAX_SESSION};
use super::trust::{self, ServiceAccount, DEFAULT_AUDIENCE, ROLE_ARN_ANNOTATION};
use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report};
use crate::framework::naming;
use crate::framework::ownership;
use crate::framework::plan::{
    default_from_config, known_str, known_string_map, known_string_set, optional_map, optional_set, optional_string,
    planned_policy, to_value_map, unknown_if_null, ValueStringMap, ValueStringSet,
};
use crate::framework::policy;
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attributes, number, object_list, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};

pub const DEFAULT_PATH: &str = "/";

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
            "An IAM role that Kubernetes service accounts assume through the cluster's IAM OIDC provider (IRSA). \
             The trust policy pins both `:sub` and `:aud`, with one statement for exact service-account names and one for wildcard names. \
             Inline and managed policies, tags and the permissions boundary are refreshed on every plan; equivalent policy documents never show as a diff.\n\n\
             ## Ownership\n\n\
             - **Creates** one IAM role, tagged `platform:owner` with a marker unique to that create (the tag is not shown in `tags` or `tags_all`).\n\
             - **Records** the role's `unique_id` (IAM's `RoleId`). Destroy re-reads the role and deletes it only if it still has that id: \
             a role deleted and re-created by someone else under the same name is left alone, with a warning, and the resource leaves state.\n\
             - **Refuses** a name that is already taken: the apply fails before anything is made, with the `terraform import` command and the `import {}` block. \
             The same holds after `terraform state rm`.\n\
             - **Adopts** only the role its own create made: when the answer to CreateRole is lost (timeout, dropped connection, 5xx), \
             the role is looked up by name and adopted if it carries this create's marker, and CreateRole is sent again only if no role exists.\n\
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
            ("oidc_provider_arn", string(Required, "ARN of the IAM OIDC provider for the cluster, `arn:aws:iam::<account>:oidc-provider/<issuer>`. The issuer host and path form the condition keys (`<issuer>:sub`, `<issuer>:aud`). The provider may belong to another account, for example a copy in a DNS account.")),
            ("service_accounts", object_list(Required, &["namespace", "name"], "Service accounts allowed to assume the role, as a list of `{ namespace, name }`. Both are DNS-1123 names; an entry containing `*` matches with `StringLike`, all others with `StringEquals`. The trust policy built from them is checked at plan time: past IAM's default \"Role trust policy length\" quota of 2,048 characters a warning names the quota to raise, past 8,192 it is an error. An import reads the subjects back with the exact ones and the wildcard ones each in one group, in the order of the trust policy's statements. The list is compared in order, as Terraform compares lists: after an import, or after reordering the entries, a plan that only reorders them shows `service_accounts` changing, and its apply makes no API call (the trust policy is equivalent).")),
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
            ("service_account_annotations", string_map(Computed, "Annotations for the Kubernetes service accounts: `{ \"eks.amazonaws.com/role-arn\" = arn }`.")),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

/// The trust policy this role's configuration asks for.
fn desired_trust_policy(state: &IrsaRoleState) -> Option<String> {
    trust::desired_trust(&state.oidc_provider_arn, &state.service_accounts, &state.audience)
}

fn validate_state(diags: &mut Diagnostics, config: &IrsaRoleState, default_tags: Option<&BTreeMap<String, String>>) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    v.check(&path("name"), config.name.as_ref_option(), |s: &String| {
        validate::iam_role_name(s)
    });
    v.check(
        &path("name_prefix"),
        config.name_prefix.as_ref_option(),
        |s: &String| validate::iam_role_name_prefix(s),
    );
    if config.name.is_value() && config.name_prefix.is_value() {
        v.error(
            &path("name_prefix"),
            "conflicts with `name`: set one of `name` or `name_prefix`, not both",
        );
    }
    v.check(&path("path"), config.path.as_ref_option(), |s: &String| {
        validate::iam_path(s)
    });
    v.check(
        &path("description"),
        config.description.as_ref_option(),
        |s: &String| {
            if s.chars().count() <= 1000 {
                Ok(())
            } else {
                Err("must be at most 1000 characters".into())
            }
        },
    );
    v.check(
        &path("oidc_provider_arn"),
        config.oidc_provider_arn.as_ref_option(),
        |s: &String| validate::oidc_provider_arn(s).map(|_| ()),
    );
    v.check(&path("audience"), config.audience.as_ref_option(), |s: &String| {
        if s.is_empty() {
            Err("must not be empty; EKS tokens use \"sts.amazonaws.com\"".into())
        } else {
            Ok(())
        }
    });
    trust::validate_service_accounts(&mut v, &config.service_accounts, true);
    if let Value::Value(arns) = &config.policy_arns {
        for arn in arns.iter().filter_map(|a| a.as_ref_option()) {
            v.check(&path("policy_arns"), Some(arn), |s: &String| {
                validate::iam_policy_arn(s)
            });
        }
    }
    if let Value::Value(policies) = &config.inline_policies {
        for (name, document) in policies {
            let item = path("inline_policies").key(name.clone());
            v.check(&item, Some(name), |s: &String| validate::iam_policy_name(s));
            if name.starts_with(role::MANAGED_INLINE_PREFIX) {
                v.error(&item, format!("names starting with {:?} are reserved for policies other platform_* resources put on the role: rename it", role::MANAGED_INLINE_PREFIX));
            }
            if let Some(document) = document.as_ref_option() {
                for rule in validate::policy_errors(document, policy::PolicyKind::Identity) {
                    v.error(&item, rule);
                }
            }
        }
        let total: usize = policies
            .values()
            .filter_map(|d| d.as_ref_option())
            .map(|d| policy::iam_size(d))
            .sum();
        if total > MAX_INLINE_POLICY_SIZE {
            v.error(
                &path("inline_policies"),
                format!(
                    "the inline policies of a role may total at most 10,240 characters (white space not counted), got {total}: \
                     move some statements into managed policies (`policy_arns`)"
                ),
            );
        }
    }
    trust::validate_trust_size(&mut v, desired_trust_policy(config).as_deref());
    v.check(
        &path("permissions_boundary"),
        config.permissions_boundary.as_ref_option(),
        |s: &String| validate::iam_policy_arn(s),
    );
    v.check(
        &path("max_session_duration"),
        config.max_session_duration.as_ref_option(),
        validate::int_between(3600, 43200),
    );
    validate::tags_map(&mut v, &path("tags"), &config.tags, PROVIDER_TAGS, default_tags);
}

/// IAM's quota on the inline policies of one role, all together.
pub const MAX_INLINE_POLICY_SIZE: usize = 10_240;
/// The tags of this provider's own on the role: the owner marker.
pub const PROVIDER_TAGS: usize = 1;

/// The role as the planned state asks for it. `None` while something is unknown.
fn expand_role(state: &IrsaRoleState, name: &str) -> Option<RoleSpec> {
    Some(RoleSpec {
        name: name.to_string(),
        path: known_str(&state.path).unwrap_or(DEFAULT_PATH).to_string(),
        description: known_str(&state.description)
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        trust_policy: match known_str(&state.trust_policy) {
            Some(tp) => tp.to_string(),
            None => desired_trust_policy(state)?,
        },
        max_session_duration: state
            .max_session_duration
            .as_ref_option()
            .copied()
            .unwrap_or(DEFAULT_MAX_SESSION),
        permissions_boundary: known_str(&state.permissions_boundary).map(str::to_string),
        tags: known_string_map(&state.tags_all)?,
        policy_arns: known_string_set(&state.policy_arns)?,
        inline_policies: known_string_map(&state.inline_policies)?,
    })
}

/// Writes what IAM has into state, keeping the user's text for equivalent
/// policies and the user's own tags apart from the provider's defaults.
fn flatten_role(prior: &IrsaRoleState, remote: &RemoteRole, default_tags: &BTreeMap<String, String>) -> IrsaRoleState {
    let spec = &remote.spec;
    let mut state = prior.clone();
    state.id = Value::Value(spec.name.clone());
    state.name = Value::Value(spec.name.clone());
    state.path = Value::Value(spec.path.clone());
    state.description = optional_string(&prior.description, spec.description.as_deref());
    state.max_session_duration = Value::Value(spec.max_session_duration);
    state.permissions_boundary = optional_string(&prior.permissions_boundary, spec.permissions_boundary.as_deref());
    state.arn = Value::Value(remote.arn.clone());
    state.unique_id = Value::Value(remote.unique_id.clone());
    state.trust_policy = Value::Value(policy::refreshed_policy(
        known_str(&prior.trust_policy),
        &spec.trust_policy,
    ));
    state.policy_arns = optional_set(&prior.policy_arns, &spec.policy_arns);

    let prior_inline = known_string_map(&prior.inline_policies).unwrap_or_default();
    let inline: BTreeMap<String, String> = spec
        .inline_policies
        .iter()
        .filter(|(name, _)| !name.starts_with(role::MANAGED_INLINE_PREFIX))
        .map(|(name, doc)| {
            (
                name.clone(),
                policy::refreshed_policy(prior_inline.get(name).map(String::as_str), doc),
            )
        })
        .collect();
    state.inline_policies = optional_map(&prior.inline_policies, &inline);

    let prior_own = known_string_map(&prior.tags).unwrap_or_default();
    state.tags = optional_map(&prior.tags, &tags::own_tags(&spec.tags, default_tags, &prior_own));
    state.tags_all = to_value_map(&spec.tags);
    let mut annotations = BTreeMap::new();
    annotations.insert(ROLE_ARN_ANNOTATION.to_string(), remote.arn.clone());
    state.service_account_annotations = to_value_map(&annotations);

    // The inputs of the trust policy are the configuration's; an import has none,
    // so recover them from the document.
    if prior.oidc_provider_arn.is_null() || prior.service_accounts.is_null() || prior.audience.is_null() {
        let parsed = trust::parse_trust_policy(&spec.trust_policy);
        if prior.oidc_provider_arn.is_null() {
            state.oidc_provider_arn = parsed.oidc_provider_arn.into();
        }
        if prior.audience.is_null() {
            state.audience = Value::Value(parsed.audience.unwrap_or_else(|| DEFAULT_AUDIENCE.to_string()));
        }
        if prior.service_accounts.is_null() && !parsed.subjects.is_empty() {
            state.service_accounts = Value::Value(trust::flatten_service_accounts(parsed.subjects));
        }
    }
    state
}

/// Defaults for what the configuration leaves unset.
fn plan_defaults(state: &mut IrsaRoleState, config: &IrsaRoleState) {
    default_from_config(&mut state.path, &config.path, DEFAULT_PATH.to_string());
    default_from_config(&mut state.audience, &config.audience, DEFAULT_AUDIENCE.to_string());
    default_from_config(
        &mut state.max_session_duration,
        &config.max_session_duration,
        DEFAULT_MAX_SESSION,
    );
}

/// `tags_all` for a plan: the defaults overlaid with the resource's tags.
fn planned_tags_all(state: &IrsaRoleState, default_tags: &BTreeMap<String, String>) -> ValueStringMap {
    match known_string_map(&state.tags) {
        Some(own) => to_value_map(&tags::merge(default_tags, &own)),
        None => Value::Unknown,
    }
}

/// The role before an update, and whether the update replaces it.
struct PriorRole<'p> {
    state: &'p IrsaRoleState,
    replaced: bool,
}

/// The computed values of a plan, after [`plan_defaults`]: the trust policy,
/// `tags_all`, and the ids (kept while the role stays, unknown for a new one).
fn plan_computed(state: &mut IrsaRoleState, prior: Option<PriorRole>, default_tags: &BTreeMap<String, String>) {
    match prior {
        None => {
            if state.name.is_null() {
                state.name = Value::Unknown;
            }
            state.id = state.name.clone();
            state.trust_policy = desired_trust_policy(state).map_or(Value::Unknown, Value::Value);
            state.tags_all = planned_tags_all(state, default_tags);
            unknown_if_null(&mut state.arn);
            unknown_if_null(&mut state.unique_id);
            unknown_if_null(&mut state.service_account_annotations);
        }
        Some(PriorRole { state: prior, replaced }) => {
            state.trust_policy = planned_policy(Some(&prior.trust_policy), desired_trust_policy(state));
            state.tags_all = match planned_tags_all(state, default_tags) {
                planned if planned == prior.tags_all => prior.tags_all.clone(),
                planned => planned,
            };
            if replaced {
                state.id = state.name.clone();
                state.arn = Value::Unknown;
                state.unique_id = Value::Unknown;
                state.service_account_annotations = Value::Unknown;
            } else {
                state.id = prior.id.clone();
            }
        }
    }
}

#[async_trait]
impl ManagedResource for IrsaRoleResource {
    type State = IrsaRoleState;
    type Private = ValueEmpty;
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
        private_state: ValueEmpty,
    ) -> Option<(IrsaRoleState, ValueEmpty)> {
        let Some(name) = known_str(&state.id).or(known_str(&state.name)).map(str::to_string) else {
            return Some((state, private_state));
        };
        let found = ownership::confirm_gone(|| role::find_role_by_name(&aws.iam, &name)).await;
        let found = found.map(|remote| remote.map(|remote| flatten_role(&state, &remote, &aws.default_tags)));
        finish_read(diags, &format!("IAM role `{name}`"), state, private_state, found)
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: IrsaRoleState,
        config: IrsaRoleState,
    ) -> Option<(IrsaRoleState, ValueEmpty)> {
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
        private_state: ValueEmpty,
    ) -> Option<(IrsaRoleState, ValueEmpty, Vec<AttributePath>)> {
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
        private_state: ValueEmpty,
    ) -> Option<(IrsaRoleState, ValueEmpty)> {
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
        private_state: ValueEmpty,
    ) -> Option<(IrsaRoleState, ValueEmpty)> {
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
        _private_state: ValueEmpty,
    ) -> Option<()> {
        let Some(name) = known_str(&prior.id).or(known_str(&prior.name)) else {
            return Some(());
        };
        // The role is deleted only if it is the incarnation this resource
        // created or imported: the same `RoleId`.
        let recorded = known_str(&prior.unique_id);
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
    ) -> Option<(IrsaRoleState, ValueEmpty)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";

    fn sa(ns: &str, name: &str) -> ServiceAccount {
        ServiceAccount {
            namespace: Value::Value(ns.into()),
            name: Value::Value(name.into()),
        }
    }

    #[test]
    fn validation_names_attribute_paths() {
        let mut inline = BTreeMap::new();
        inline.insert("bad".to_string(), Value::Value("{\n  \"Statement\": [\n".to_string()));
        let config = IrsaRoleState {
            name: Value::Value("x".repeat(65)),
            name_prefix: Value::Value("p".into()),
            oidc_provider_arn: Value::Value("arn:aws:iam::123:role/x".into()),
            service_accounts: Value::Value(vec![sa("ok", "ok"), sa("Bad_NS", "ok")]),
            max_session_duration: Value::Value(60),
            inline_policies: Value::Value(inline),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, &config, None);
        let summaries: Vec<String> = diags.errors.iter().map(|d| d.summary.to_string()).collect();
        for expected in [
            "`name`",
            "`name_prefix`",
            "`oidc_provider_arn`",
            "`service_accounts[1].namespace`: must be a DNS-1123 label",
            "`max_session_duration`: must be between 3600 and 43200",
            "`inline_policies[\"bad\"]`: must be a valid JSON policy document: syntax error at line 3",
        ] {
            assert!(
                summaries.iter().any(|s| s.starts_with(expected)),
                "missing {expected} in {summaries:#?}"
            );
        }
        let mut diags = Diagnostics::default();
        validate_state(
            &mut diags,
            &IrsaRoleState {
                service_accounts: Value::Value(vec![]),
                ..Default::default()
            },
            None,
        );
        assert!(diags.errors[0]
            .summary
            .starts_with("`service_accounts`: must list at least one"));
    }

    #[test]
    fn unknown_values_are_not_validated() {
        let config = IrsaRoleState {
            name: Value::Unknown,
            oidc_provider_arn: Value::Unknown,
            service_accounts: Value::Value(vec![ServiceAccount {
                namespace: Value::Unknown,
                name: Value::Value("x".into()),
            }]),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, &config, None);
        assert!(diags.errors.is_empty(), "{:?}", diags.errors);
    }

    #[test]
    fn flatten_keeps_equivalent_user_text_and_own_tags() {
        let user_policy = "{ \"Version\": \"2012-10-17\", \"Statement\": [ { \"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\"], \"Resource\": \"*\" } ] }";
        let mut prior = IrsaRoleState {
            id: Value::Value("r".into()),
            oidc_provider_arn: Value::Value(ARN.into()),
            service_accounts: Value::Value(vec![sa("a", "b")]),
            audience: Value::Value(DEFAULT_AUDIENCE.into()),
            ..Default::default()
        };
        let mut inline = BTreeMap::new();
        inline.insert("s3".to_string(), user_policy.to_string());
        prior.inline_policies = to_value_map(&inline);
        prior.trust_policy = Value::Value(desired_trust_policy(&prior).unwrap());
        let mut remote_inline = BTreeMap::new();
        remote_inline.insert(
            "s3".to_string(),
            r#"{"Statement":[{"Resource":"*","Action":"s3:GetObject","Effect":"Allow"}],"Version":"2012-10-17"}"#
                .to_string(),
        );
        let mut remote_tags = BTreeMap::new();
        remote_tags.insert("team".to_string(), "platform".to_string());
        let remote = RemoteRole {
            owner_marker: None,
            arn: "arn:aws:iam::123456789012:role/r".into(),
            unique_id: "AROA".into(),
            spec: RoleSpec {
                name: "r".into(),
                path: "/".into(),
                trust_policy: percent_encoding::utf8_percent_encode(
                    known_str(&prior.trust_policy).unwrap(),
                    percent_encoding::NON_ALPHANUMERIC,
                )
                .to_string(),
                max_session_duration: 3600,
                inline_policies: remote_inline,
                tags: remote_tags.clone(),
                ..Default::default()
            },
        };
        let state = flatten_role(&prior, &remote, &remote_tags);
        assert_eq!(state.inline_policies, prior.inline_policies);
        assert_eq!(state.trust_policy, prior.trust_policy);
        assert!(
            state.tags.is_null(),
            "default tags are not the resource's own: {:?}",
            state.tags
        );
        assert_eq!(state.tags_all, to_value_map(&remote_tags));
        assert!(state.policy_arns.is_null());
    }

    #[test]
    fn trust_policy_size_warns_past_the_default_quota_and_fails_past_the_maximum() {
        let accounts = |n: usize| -> Value<Vec<ServiceAccount>> {
            Value::Value(
                (0..n)
                    .map(|i| sa("namespace", &format!("service-account-{i:04}")))
                    .collect(),
            )
        };
        let config = |n: usize| IrsaRoleState {
            name: Value::Value("r".into()),
            oidc_provider_arn: Value::Value(ARN.into()),
            service_accounts: accounts(n),
            ..Default::default()
        };
        let run = |n: usize| {
            let mut diags = Diagnostics::default();
            validate_state(&mut diags, &config(n), None);
            diags
        };
        let small = run(3);
        assert!(small.errors.is_empty() && small.warnings.is_empty());
        let over_default = run(40);
        assert!(over_default.errors.is_empty(), "{:?}", over_default.errors);
        assert!(over_default.warnings[0]
            .summary
            .contains("over IAM's default quota of 2,048"));
        assert!(over_default.warnings[0].detail.contains("Role trust policy length"));
        let over_max = run(200);
        assert!(over_max.errors[0].summary.contains("IAM allows at most 8,192"));
    }

    #[test]
    fn inline_policies_follow_the_grammar_and_the_aggregate_quota() {
        let mut inline = BTreeMap::new();
        inline.insert(
            "noeffect".to_string(),
            Value::Value(r#"{"Statement":[{"Action":"s3:*","Resource":"*"}]}"#.to_string()),
        );
        let big = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":[{}]}}]}}"#,
            (0..400)
                .map(|i| format!("\"arn:aws:s3:::bucket-{i:05}/*\""))
                .collect::<Vec<_>>()
                .join(",\n  ")
        );
        inline.insert("big".to_string(), Value::Value(big));
        let config = IrsaRoleState {
            name: Value::Value("r".into()),
            inline_policies: Value::Value(inline),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, &config, None);
        let summaries: Vec<String> = diags.errors.iter().map(|d| d.summary.to_string()).collect();
        assert!(
            summaries
                .iter()
                .any(|s| s.starts_with("`inline_policies[\"noeffect\"]`: Statement[0]: \"Effect\" must be")),
            "{summaries:?}"
        );
        assert!(
            summaries
                .iter()
                .any(|s| s.starts_with("`inline_policies`: the inline policies of a role may total at most 10,240")),
            "{summaries:?}"
        );
    }

    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::IrsaRoleResource>();
    }
}
