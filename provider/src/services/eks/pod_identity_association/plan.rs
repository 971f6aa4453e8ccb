//! The plan of `platform_eks_pod_identity_association`: checks of the
//! configuration alone, the role's account, and the computed values.

use std::collections::BTreeMap;

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::{PodIdentityAssociationState, DEFAULT_DISABLE_SESSION_TAGS};
use crate::clients::AwsClients;
use crate::framework::plan::{default_from_config, known_str, known_string_map, to_value_map};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::services::eks::validate::{cluster_name, role_in_account, service_account_name};

pub(super) fn validate_config(diags: &mut Diagnostics, c: &PodIdentityAssociationState) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    v.check(&path("cluster_name"), c.cluster_name.as_ref_option(), |s: &String| {
        cluster_name(s)
    });
    v.check(&path("namespace"), c.namespace.as_ref_option(), |s: &String| {
        validate::dns1123_label(s).map_err(|rule| format!("a Kubernetes namespace {rule}"))
    });
    v.check(
        &path("service_account"),
        c.service_account.as_ref_option(),
        |s: &String| service_account_name(s),
    );
    v.check(&path("role_arn"), c.role_arn.as_ref_option(), |s: &String| {
        validate::iam_role_arn(s)
    });
    v.check(
        &path("target_role_arn"),
        c.target_role_arn.as_ref_option(),
        |s: &String| validate::iam_role_arn(s),
    );
}

/// `role_arn` must be a role of the provider's account (the cluster's):
/// checked once the ARN is known, against STS's answer (cached per process).
pub(super) async fn check_role_account(diags: &mut Diagnostics, aws: &AwsClients, s: &PodIdentityAssociationState) {
    let Some(role) = known_str(&s.role_arn) else { return };
    if validate::iam_role_arn(role).is_err() {
        return;
    }
    match aws.identity().await {
        Ok(identity) => {
            let mut v = Validator::new(diags);
            v.check(&AttributePath::new("role_arn"), Some(role), |r: &str| {
                role_in_account(r, &identity.account_id)
            });
        }
        // The apply's own answer from EKS says it then; the plan is not blocked.
        Err(err) => tracing::warn!("not checking the account of `role_arn` at plan time: {err}"),
    }
}

pub(super) fn plan_computed(
    s: &mut PodIdentityAssociationState,
    config: &PodIdentityAssociationState,
    prior: Option<&PodIdentityAssociationState>,
    default_tags: &BTreeMap<String, String>,
) {
    default_from_config(
        &mut s.disable_session_tags,
        &config.disable_session_tags,
        DEFAULT_DISABLE_SESSION_TAGS,
    );
    s.tags_all = match known_string_map(&s.tags) {
        Some(own) => to_value_map(&tags::merge(default_tags, &own)),
        None => Value::Unknown,
    };
    match prior {
        Some(p) => {
            s.id = p.id.clone();
            s.association_id = p.association_id.clone();
            s.association_arn = p.association_arn.clone();
            s.created_at = p.created_at.clone();
            s.external_id = external_id(&s.target_role_arn, Some((&p.target_role_arn, &p.external_id)));
        }
        None => {
            s.id = Value::Unknown;
            s.association_id = Value::Unknown;
            s.association_arn = Value::Unknown;
            s.created_at = Value::Unknown;
            s.external_id = external_id(&s.target_role_arn, None);
        }
    }
}

/// The planned `external_id`: null without a target role, the prior one while
/// the target role stays, unknown until EKS answers otherwise.
fn external_id(target: &Value<String>, prior: Option<(&Value<String>, &Value<String>)>) -> Value<String> {
    match (target, prior) {
        (Value::Null, _) => Value::Null,
        (t, Some((prior_target, prior_id))) if t == prior_target && prior_id.is_value() => prior_id.clone(),
        _ => Value::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value<String> {
        Value::Value(s.to_string())
    }

    #[test]
    fn validation_names_attribute_paths() {
        let config = PodIdentityAssociationState {
            cluster_name: text("-bad"),
            namespace: text("Apps"),
            service_account: text("web_1"),
            role_arn: text("arn:aws:iam::123:role/x"),
            target_role_arn: text("arn:aws:s3:::bucket"),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, &config);
        let summaries: Vec<String> = diags.errors.iter().map(|d| d.summary.to_string()).collect();
        for expected in [
            "`cluster_name`",
            "`namespace`: a Kubernetes namespace must be a DNS-1123 label",
            "`service_account`: must be a Kubernetes service-account name",
            "`role_arn`: must be an IAM role ARN",
            "`target_role_arn`: must be an IAM role ARN",
        ] {
            assert!(
                summaries.iter().any(|s| s.starts_with(expected)),
                "missing {expected} in {summaries:#?}"
            );
        }
        let mut diags = Diagnostics::default();
        validate_config(
            &mut diags,
            &PodIdentityAssociationState {
                namespace: Value::Unknown,
                role_arn: Value::Unknown,
                ..Default::default()
            },
        );
        assert!(diags.errors.is_empty());
    }

    #[test]
    fn computed_values_follow_the_prior_association() {
        let prior = PodIdentityAssociationState {
            id: text("c,a-1"),
            association_id: text("a-1"),
            association_arn: text("arn"),
            created_at: text("2026-01-01T00:00:00Z"),
            target_role_arn: text("arn:aws:iam::210987654321:role/t"),
            external_id: text("ext"),
            tags: Value::Null,
            tags_all: to_value_map(&BTreeMap::new()),
            disable_session_tags: Value::Value(false),
            ..Default::default()
        };
        let config = PodIdentityAssociationState {
            target_role_arn: prior.target_role_arn.clone(),
            ..Default::default()
        };
        let mut s = config.clone();
        plan_computed(&mut s, &config, Some(&prior), &BTreeMap::new());
        assert_eq!(s.external_id, text("ext"));
        assert_eq!(
            (s.id.clone(), s.created_at.clone()),
            (prior.id.clone(), prior.created_at.clone())
        );
        assert_eq!(s.disable_session_tags, Value::Value(false));
        // Another target: EKS decides the external id; no target: none.
        let mut other = config.clone();
        other.target_role_arn = text("arn:aws:iam::210987654321:role/u");
        let mut s = other.clone();
        plan_computed(&mut s, &other, Some(&prior), &BTreeMap::new());
        assert!(s.external_id.is_unknown());
        let none = PodIdentityAssociationState::default();
        let mut s = none.clone();
        plan_computed(&mut s, &none, Some(&prior), &BTreeMap::new());
        assert!(s.external_id.is_null());
        let mut s = none.clone();
        plan_computed(&mut s, &none, None, &BTreeMap::new());
        assert!(s.association_id.is_unknown() && s.external_id.is_null());
    }
}
