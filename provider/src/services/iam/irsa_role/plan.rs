//! The plan of `platform_irsa_role`: checks of the configuration alone
//! (names, the trust policy's inputs and size, policies, tags) and the
//! values that follow from the configuration and the prior state.

use std::collections::BTreeMap;

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::flex::{annotations, serves_irsa};
use super::{IrsaRoleState, DEFAULT_PATH, DEFAULT_POD_IDENTITY};
use crate::framework::plan::known_str;
use crate::framework::plan::{
    default_from_config, known_string_map, planned_policy, to_value_map, unknown_if_null, ValueStringMap,
};
use crate::framework::policy;
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::services::iam::role::{self, DEFAULT_MAX_SESSION};
use crate::services::iam::trust::{self, DEFAULT_AUDIENCE};

/// The trust policy this role's configuration asks for.
pub(super) fn desired_trust_policy(state: &IrsaRoleState) -> Option<String> {
    trust::desired_combined_trust(
        &state.oidc_provider_arn,
        &state.service_accounts,
        &state.audience,
        &state.pod_identity,
    )
}

/// A role serves IRSA (`oidc_provider_arn` and `service_accounts`, both),
/// EKS Pod Identity (`pod_identity = true`), or both; never neither.
fn validate_kinds(v: &mut Validator, config: &IrsaRoleState) {
    let path = AttributePath::new;
    let irsa_parts = [
        ("oidc_provider_arn", config.oidc_provider_arn.is_null()),
        ("service_accounts", config.service_accounts.is_null()),
    ];
    match irsa_parts {
        [(_, true), (given, false)] | [(given, false), (_, true)] => {
            let missing = if given == "oidc_provider_arn" {
                "service_accounts"
            } else {
                "oidc_provider_arn"
            };
            v.error(
                &path(missing),
                format!("must be set with `{given}`: IRSA needs both the cluster's OIDC provider and the service accounts it trusts"),
            );
        }
        [(_, true), (_, true)]
            if config.pod_identity.as_ref_option() != Some(&true) && !config.pod_identity.is_unknown() =>
        {
            v.error(
                &path("pod_identity"),
                "a role must serve IRSA or EKS Pod Identity: set `oidc_provider_arn` and `service_accounts` (IRSA), or `pod_identity = true`, or both",
            );
        }
        _ => {}
    }
}

pub(super) fn validate_state(
    diags: &mut Diagnostics,
    config: &IrsaRoleState,
    default_tags: Option<&BTreeMap<String, String>>,
) {
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
    validate_kinds(&mut v, config);
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

/// Defaults for what the configuration leaves unset.
pub(super) fn plan_defaults(state: &mut IrsaRoleState, config: &IrsaRoleState) {
    default_from_config(&mut state.pod_identity, &config.pod_identity, DEFAULT_POD_IDENTITY);
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
pub(super) struct PriorRole<'p> {
    pub(super) state: &'p IrsaRoleState,
    pub(super) replaced: bool,
}

/// The computed values of a plan, after [`plan_defaults`]: the trust policy,
/// `tags_all`, and the ids (kept while the role stays, unknown for a new one).
pub(super) fn plan_computed(
    state: &mut IrsaRoleState,
    prior: Option<PriorRole>,
    default_tags: &BTreeMap<String, String>,
) {
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
                // IRSA turned on or off changes the annotation.
                if let Some(arn) = known_str(&prior.arn) {
                    state.service_account_annotations = to_value_map(&annotations(arn, serves_irsa(state)));
                }
            }
        }
    }
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
    fn a_role_serves_irsa_pod_identity_or_both() {
        let errors = |config: IrsaRoleState| {
            let mut diags = Diagnostics::default();
            validate_state(&mut diags, &config, None);
            diags.errors.iter().map(|d| d.summary.to_string()).collect::<Vec<_>>()
        };
        let neither = errors(IrsaRoleState::default());
        assert!(
            neither
                .iter()
                .any(|s| s.starts_with("`pod_identity`: a role must serve IRSA or EKS Pod Identity")),
            "{neither:?}"
        );
        let half = errors(IrsaRoleState {
            oidc_provider_arn: Value::Value(ARN.into()),
            pod_identity: Value::Value(true),
            ..Default::default()
        });
        assert!(
            half.iter()
                .any(|s| s.starts_with("`service_accounts`: must be set with `oidc_provider_arn`")),
            "{half:?}"
        );
        for ok in [
            IrsaRoleState {
                pod_identity: Value::Value(true),
                ..Default::default()
            },
            IrsaRoleState {
                pod_identity: Value::Unknown,
                ..Default::default()
            },
            IrsaRoleState {
                oidc_provider_arn: Value::Value(ARN.into()),
                service_accounts: Value::Value(vec![sa("a", "b")]),
                pod_identity: Value::Value(true),
                ..Default::default()
            },
        ] {
            assert_eq!(errors(ok.clone()), Vec::<String>::new(), "{ok:?}");
        }
    }

    #[test]
    fn the_trust_policy_follows_pod_identity() {
        let mut state = IrsaRoleState {
            pod_identity: Value::Value(true),
            ..Default::default()
        };
        plan_computed(&mut state, None, &BTreeMap::new());
        let trust = known_str(&state.trust_policy).unwrap().to_string();
        assert!(trust::parse_trust_policy(&trust).pod_identity);
        assert!(trust::parse_trust_policy(&trust).oidc_provider_arn.is_none());
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
}
