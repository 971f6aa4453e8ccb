//! The plan of `platform_vault_seal`: defaults, the key and seal policies,
//! and the computed values a plan can know.

use std::collections::BTreeMap;

use serde_json::json;
use tf_provider::value::Value;

use super::helm::outputs;
use super::{
    created_role_name, seal_policy_name, VaultSealState, DEFAULT_KEY_ROTATION, DEFAULT_NAMESPACE,
    DEFAULT_SERVICE_ACCOUNT, DEFAULT_TLS_SECRET, DEFAULT_WINDOW, ROLE_TAG, SEAL_ACTIONS, SEAL_TAG, TLS_MESH, TLS_VAULT,
};
use crate::framework::plan::{default_from_config, known_str, known_string_map, planned_policy, to_value_map};
use crate::framework::tags;
use crate::services::iam::trust::{self, ServiceAccount};
use crate::services::kms::key::{self, KeyPlace};

/// Defaults for what the configuration leaves unset.
pub fn plan_defaults(s: &mut VaultSealState, config: &VaultSealState) {
    let name = known_str(&s.name).map(str::to_string);
    if config.alias_name.is_null() {
        s.alias_name = name
            .as_ref()
            .map_or(Value::Unknown, |n| Value::Value(format!("alias/vault-{n}")));
    }
    if config.description.is_null() {
        s.description = name
            .as_ref()
            .map_or(Value::Unknown, |n| Value::Value(format!("Vault auto-unseal ({n})")));
    }
    default_from_config(
        &mut s.deletion_window_in_days,
        &config.deletion_window_in_days,
        DEFAULT_WINDOW,
    );
    default_from_config(
        &mut s.enable_key_rotation,
        &config.enable_key_rotation,
        DEFAULT_KEY_ROTATION,
    );
    default_from_config(&mut s.listener_tls, &config.listener_tls, TLS_VAULT.to_string());
    if config.tls_secret_name.is_null() {
        s.tls_secret_name = match known_str(&s.listener_tls) {
            Some(TLS_MESH) => Value::Null,
            Some(_) => Value::Value(DEFAULT_TLS_SECRET.to_string()),
            None => Value::Unknown,
        };
    }
    if config.role_name.is_null() {
        let vault = ServiceAccount {
            namespace: Value::Value(DEFAULT_NAMESPACE.into()),
            name: Value::Value(DEFAULT_SERVICE_ACCOUNT.into()),
        };
        default_from_config(&mut s.service_accounts, &config.service_accounts, vec![vault]);
        default_from_config(&mut s.audience, &config.audience, trust::DEFAULT_AUDIENCE.to_string());
    } else {
        s.service_accounts = Value::Null;
        s.audience = Value::Null;
    }
}

pub fn key_policy(place: &KeyPlace, role_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            key::root_statement(&place.partition, &place.account),
            {
                "Sid": "AllowVaultSealRole",
                "Effect": "Allow",
                "Principal": { "AWS": role_arn },
                "Action": SEAL_ACTIONS,
                "Resource": "*",
            },
        ],
    })
    .to_string()
}

/// Exactly the rights the awskms seal uses, on this key only.
pub fn seal_policy(key_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "VaultAwsKmsSeal",
            "Effect": "Allow",
            "Action": SEAL_ACTIONS,
            "Resource": key_arn,
        }],
    })
    .to_string()
}

/// The trust policy of the created role, once its inputs are known.
pub fn desired_trust(s: &VaultSealState) -> Option<String> {
    trust::desired_trust(&s.oidc_provider_arn, &s.service_accounts, &s.audience)
}

/// Fills what the plan can know. `prior` is the state before an update.
pub fn plan_computed(
    s: &mut VaultSealState,
    prior: Option<&VaultSealState>,
    region: &str,
    kms_endpoint: Option<&str>,
    default_tags: &BTreeMap<String, String>,
) {
    let name = known_str(&s.name).map(str::to_string);
    let managed = s.role_name.is_null();
    s.role_created = Value::Value(managed);
    s.seal_role_name = match (managed, &s.role_name, &name) {
        (false, role_name, _) => role_name.clone(),
        (true, _, Some(n)) => Value::Value(created_role_name(n)),
        (true, _, None) => Value::Unknown,
    };
    s.seal_policy_name = name
        .as_deref()
        .map_or(Value::Unknown, |n| Value::Value(seal_policy_name(n)));
    s.trust_policy = if managed {
        planned_policy(prior.map(|p| &p.trust_policy), desired_trust(s))
    } else {
        Value::Null
    };

    // The role ARN stays known while the role stays the same.
    let same_role = prior.is_some_and(|p| p.seal_role_name == s.seal_role_name && p.role_arn.is_value());
    s.role_arn = if same_role {
        prior.map(|p| p.role_arn.clone()).unwrap_or(Value::Unknown)
    } else {
        Value::Unknown
    };
    s.service_account_annotations = match known_str(&s.role_arn) {
        Some(arn) => {
            let mut m = BTreeMap::new();
            m.insert(trust::ROLE_ARN_ANNOTATION.to_string(), arn.to_string());
            to_value_map(&m)
        }
        None => Value::Unknown,
    };

    let place = prior
        .and_then(|p| known_str(&p.kms_key_arn))
        .and_then(KeyPlace::from_arn);
    s.key_policy = match (&place, known_str(&s.role_arn)) {
        (Some(place), Some(role_arn)) => {
            planned_policy(prior.map(|p| &p.key_policy), Some(key_policy(place, role_arn)))
        }
        _ => Value::Unknown,
    };
    s.seal_policy_json = match prior.and_then(|p| known_str(&p.kms_key_arn)) {
        Some(key_arn) => planned_policy(prior.map(|p| &p.seal_policy_json), Some(seal_policy(key_arn))),
        None => Value::Unknown,
    };
    s.alias_arn = match (&place, known_str(&s.alias_name)) {
        (Some(p), Some(alias)) => Value::Value(p.alias_arn(alias)),
        _ => Value::Unknown,
    };
    s.alias_target_key_id = prior.map_or(Value::Unknown, |p| p.kms_key_id.clone());
    s.tags_all = match (known_string_map(&s.tags), &name, known_str(&s.seal_role_name)) {
        (Some(own), Some(n), Some(role_name)) => {
            let mut all = tags::merge(default_tags, &own);
            all.insert(SEAL_TAG.to_string(), n.clone());
            all.insert(ROLE_TAG.to_string(), role_name.to_string());
            match prior {
                Some(p) if p.tags_all == to_value_map(&all) => p.tags_all.clone(),
                _ => to_value_map(&all),
            }
        }
        _ => Value::Unknown,
    };
    outputs(s, region, kms_endpoint);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn seal_policy_grants_exactly_the_seal_actions_on_the_key() {
        let doc: serde_json::Value =
            serde_json::from_str(&seal_policy("arn:aws:kms:eu-west-1:123456789012:key/k")).unwrap();
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(
            statements[0]["Action"],
            json!(["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"])
        );
        assert_eq!(statements[0]["Resource"], "arn:aws:kms:eu-west-1:123456789012:key/k");
    }
}
