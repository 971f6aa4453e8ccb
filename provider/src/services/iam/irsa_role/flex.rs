//! Between `platform_irsa_role`'s state and IAM: the role a plan asks for
//! (`expand_role`) and the state of what IAM has (`flatten_role`).

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::plan::desired_trust_policy;
use super::{IrsaRoleState, DEFAULT_PATH};
use crate::framework::plan::{
    known_str, known_string_map, known_string_set, optional_map, optional_set, optional_string, to_value_map,
};
use crate::framework::policy;
use crate::framework::tags;
use crate::services::iam::role::{self, RemoteRole, RoleSpec, DEFAULT_MAX_SESSION};
use crate::services::iam::trust::{self, DEFAULT_AUDIENCE, ROLE_ARN_ANNOTATION};

/// The role as the planned state asks for it. `None` while something is unknown.
pub(super) fn expand_role(state: &IrsaRoleState, name: &str) -> Option<RoleSpec> {
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
pub(super) fn flatten_role(
    prior: &IrsaRoleState,
    remote: &RemoteRole,
    default_tags: &BTreeMap<String, String>,
) -> IrsaRoleState {
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
    // The inputs of the trust policy are the configuration's; an import has none,
    // so recover them from the document. Whether EKS Pod Identity may assume
    // the role is read from it every time: a removed statement is drift.
    let parsed = trust::parse_trust_policy(&spec.trust_policy);
    state.pod_identity = Value::Value(parsed.pod_identity);
    if prior.oidc_provider_arn.is_null() || prior.service_accounts.is_null() || prior.audience.is_null() {
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
    state.service_account_annotations = to_value_map(&annotations(&remote.arn, serves_irsa(&state)));
    state
}

/// Whether the role serves IRSA: its configuration (or, on import, its
/// trust policy) names an OIDC provider.
pub(super) fn serves_irsa(state: &IrsaRoleState) -> bool {
    !state.oidc_provider_arn.is_null() || !state.service_accounts.is_null()
}

/// The service-account annotations of role `arn`: the IRSA one, or none for
/// a role that serves pod identity only.
pub(super) fn annotations(arn: &str, irsa: bool) -> BTreeMap<String, String> {
    let mut annotations = BTreeMap::new();
    if irsa {
        annotations.insert(ROLE_ARN_ANNOTATION.to_string(), arn.to_string());
    }
    annotations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::trust::ServiceAccount;

    pub(crate) const ARN: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";

    pub(crate) fn sa(ns: &str, name: &str) -> ServiceAccount {
        ServiceAccount {
            namespace: Value::Value(ns.into()),
            name: Value::Value(name.into()),
        }
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
}
