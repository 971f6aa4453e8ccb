//! `platform_vault_seal` as KMS and IAM see it: the key and the created role
//! the state asks for (`expand_key`, `expand_role`), and the state from what
//! they have (`read_remote`, `flatten_key`).

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::helm::outputs;
use super::plan::desired_trust;
use super::{created_role_name, seal_policy_name, VaultSealState, DEFAULT_TLS_SECRET, ROLE_TAG, SEAL_TAG, TLS_VAULT};
use crate::clients::AwsClients;
use crate::framework::diag::BoxError;
use crate::framework::plan::{known_str, known_string_map, optional_map, to_value_map};
use crate::framework::policy;
use crate::framework::tags;
use crate::services::iam::role::{self, RoleSpec};
use crate::services::iam::trust;
use crate::services::kms::key::{self, KeySpec, RemoteKey};

/// The key the state asks for.
pub fn expand_key(s: &VaultSealState) -> Option<KeySpec> {
    Some(KeySpec {
        description: known_str(&s.description)?.to_string(),
        policy: known_str(&s.key_policy)?.to_string(),
        enable_key_rotation: *s.enable_key_rotation.as_ref_option()?,
        tags: known_string_map(&s.tags_all)?,
    })
}

/// The created role the state asks for (its tags mark it as this seal's).
pub fn expand_role(s: &VaultSealState) -> Option<RoleSpec> {
    let name = known_str(&s.name)?;
    let mut role_tags = tags::merge(&BTreeMap::new(), &known_string_map(&s.tags_all)?);
    role_tags.remove(ROLE_TAG);
    let mut inline = BTreeMap::new();
    if let Some(doc) = known_str(&s.seal_policy_json) {
        inline.insert(seal_policy_name(name), doc.to_string());
    }
    Some(RoleSpec {
        name: created_role_name(name),
        path: "/".into(),
        description: Some(format!("Vault awskms auto-unseal ({name})")),
        trust_policy: known_str(&s.trust_policy)
            .map(str::to_string)
            .or_else(|| desired_trust(s))?,
        max_session_duration: role::DEFAULT_MAX_SESSION,
        permissions_boundary: None,
        tags: role_tags,
        policy_arns: Default::default(),
        inline_policies: inline,
    })
}

/// Everything as AWS has it; `Ok(None)` when the key is gone.
pub async fn read_remote(aws: &AwsClients, prior: &VaultSealState) -> Result<Option<VaultSealState>, BoxError> {
    let Some(key_id) = known_str(&prior.kms_key_id).or(known_str(&prior.id)) else {
        return Ok(None);
    };
    let Some(key) = key::find_key(&aws.kms, key_id).await? else {
        return Ok(None);
    };
    let mut s = prior.clone();
    flatten_key(&mut s, &key, &aws.default_tags);
    if let Some(alias) = known_str(&s.alias_name) {
        match key::find_alias_from_key(&aws.kms, alias, &key.key_id).await? {
            Some((arn, target)) => {
                s.alias_arn = Value::Value(arn);
                s.alias_target_key_id = target.into();
            }
            None => s.alias_target_key_id = Value::Null,
        }
    }
    let role_name = known_str(&s.seal_role_name).map(str::to_string);
    let policy_name = known_str(&s.name).map(seal_policy_name);
    if let Some(role_name) = role_name {
        match role::find_role_by_name(&aws.iam, &role_name).await? {
            Some(remote) => {
                s.role_arn = Value::Value(remote.arn.clone());
                let mut m = BTreeMap::new();
                m.insert(trust::ROLE_ARN_ANNOTATION.to_string(), remote.arn.clone());
                s.service_account_annotations = to_value_map(&m);
                if s.role_created == Value::Value(true) {
                    s.trust_policy = Value::Value(policy::refreshed_policy(
                        known_str(&prior.trust_policy),
                        &remote.spec.trust_policy,
                    ));
                }
                s.seal_policy_json = match policy_name.and_then(|p| remote.spec.inline_policies.get(&p).cloned()) {
                    Some(doc) => Value::Value(policy::refreshed_policy(known_str(&prior.seal_policy_json), &doc)),
                    None => Value::Null,
                };
            }
            // The role is gone: the plan recreates it (created) or fails to find it (existing).
            None => {
                s.role_arn = Value::Null;
                s.trust_policy = Value::Null;
                s.seal_policy_json = Value::Null;
                s.service_account_annotations = Value::Null;
            }
        }
    }
    // An import, or a state written before the listener's TLS was an
    // argument, has neither: they take their defaults, TLS on.
    if s.listener_tls.is_null() {
        s.listener_tls = Value::Value(TLS_VAULT.to_string());
    }
    if s.tls_secret_name.is_null() && known_str(&s.listener_tls) == Some(TLS_VAULT) {
        s.tls_secret_name = Value::Value(DEFAULT_TLS_SECRET.to_string());
    }
    let kms_endpoint = aws.endpoints.kms.as_deref();
    outputs(&mut s, &aws.region, kms_endpoint);
    // A refresh never returns unknown values: what cannot be built is null.
    for v in [&mut s.seal_stanza, &mut s.helm_values] {
        if v.is_unknown() {
            *v = Value::Null;
        }
    }
    Ok(Some(s))
}

pub fn flatten_key(s: &mut VaultSealState, key: &RemoteKey, default_tags: &BTreeMap<String, String>) {
    s.id = Value::Value(key.key_id.clone());
    s.kms_key_id = Value::Value(key.key_id.clone());
    s.kms_key_arn = Value::Value(key.arn.clone());
    s.description = Value::Value(key.spec.description.clone());
    s.enable_key_rotation = Value::Value(key.spec.enable_key_rotation);
    s.key_policy = Value::Value(policy::refreshed_policy(known_str(&s.key_policy), &key.spec.policy));
    let mut own = key.spec.tags.clone();
    own.retain(|k, _| !k.starts_with(SEAL_TAG));
    let prior_own = known_string_map(&s.tags).unwrap_or_default();
    s.tags = optional_map(&s.tags, &tags::own_tags(&own, default_tags, &prior_own));
    s.tags_all = to_value_map(&key.spec.tags);
}
