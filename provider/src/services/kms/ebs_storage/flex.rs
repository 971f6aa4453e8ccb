//! `platform_ebs_storage` as KMS and IAM see it: the key the state asks for
//! (`expand_key`), and the state from what they have (`flatten_storage`,
//! after `read_remote`).

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::plan::{csi_policy_name, manifest};
use super::{EbsStorageState, CSI_ROLE_TAG};
use crate::clients::AwsClients;
use crate::framework::diag::BoxError;
use crate::framework::plan::{known_str, known_string_map, optional_map, to_value_map};
use crate::framework::policy;
use crate::framework::tags;
use crate::services::iam::role;
use crate::services::kms::key::{self, KeyPlace, KeySpec, RemoteKey};

/// The key as the state asks for it. `None` while something is unknown.
pub fn expand_key(s: &EbsStorageState) -> Option<KeySpec> {
    Some(KeySpec {
        description: known_str(&s.description)?.to_string(),
        policy: known_str(&s.key_policy)?.to_string(),
        enable_key_rotation: *s.enable_key_rotation.as_ref_option()?,
        tags: known_string_map(&s.tags_all)?,
    })
}

/// Writes what KMS and IAM have into state, keeping the user's text for
/// equivalent policies.
pub fn flatten_storage(
    prior: &EbsStorageState,
    key: &RemoteKey,
    alias: Option<(String, Option<String>)>,
    inline: Option<String>,
    default_tags: &BTreeMap<String, String>,
) -> EbsStorageState {
    let mut s = prior.clone();
    s.id = Value::Value(key.key_id.clone());
    s.key_id = Value::Value(key.key_id.clone());
    s.key_arn = Value::Value(key.arn.clone());
    s.description = Value::Value(key.spec.description.clone());
    s.enable_key_rotation = Value::Value(key.spec.enable_key_rotation);
    s.key_policy = Value::Value(policy::refreshed_policy(known_str(&prior.key_policy), &key.spec.policy));
    if s.csi_driver_role_name.is_null() {
        s.csi_driver_role_name = key.spec.tags.get(CSI_ROLE_TAG).cloned().into();
    }
    let mut own_remote = key.spec.tags.clone();
    own_remote.remove(CSI_ROLE_TAG);
    let prior_own = known_string_map(&prior.tags).unwrap_or_default();
    s.tags = optional_map(&prior.tags, &tags::own_tags(&own_remote, default_tags, &prior_own));
    s.tags_all = to_value_map(&key.spec.tags);
    match alias {
        Some((arn, target)) => {
            s.alias_arn = Value::Value(arn);
            s.alias_target_key_id = target.into();
        }
        None => s.alias_target_key_id = Value::Null,
    }
    if s.alias_arn.is_null() || s.alias_arn.is_unknown() {
        if let (Some(place), Some(alias)) = (KeyPlace::from_arn(&key.arn), known_str(&s.alias_name)) {
            s.alias_arn = Value::Value(place.alias_arn(alias));
        }
    }
    s.iam_policy_json = match inline {
        Some(doc) => Value::Value(policy::refreshed_policy(known_str(&prior.iam_policy_json), &doc)),
        None => Value::Null,
    };
    if let Some(alias) = known_str(&s.alias_name) {
        s.csi_policy_name = Value::Value(csi_policy_name(alias));
    }
    s.storage_class_manifest = manifest(&s).map_or(Value::Null, Value::Value);
    s
}

/// Reads the key, its alias and the driver's inline policy; `Ok(None)` when the key is gone.
pub async fn read_remote(aws: &AwsClients, s: &EbsStorageState) -> Result<Option<EbsStorageState>, BoxError> {
    let Some(key_id) = known_str(&s.key_id).or(known_str(&s.id)) else {
        return Ok(None);
    };
    let Some(key) = key::find_key(&aws.kms, key_id).await? else {
        return Ok(None);
    };
    let alias = match known_str(&s.alias_name) {
        Some(alias) => key::find_alias_from_key(&aws.kms, alias, &key.key_id).await?,
        None => None,
    };
    let mut with_role = s.clone();
    if with_role.csi_driver_role_name.is_null() {
        with_role.csi_driver_role_name = key.spec.tags.get(CSI_ROLE_TAG).cloned().into();
    }
    let inline = match (known_str(&with_role.csi_driver_role_name), known_str(&s.alias_name)) {
        (Some(role_name), Some(alias)) => {
            role::find_inline_policy(&aws.iam, role_name, &csi_policy_name(alias)).await?
        }
        _ => None,
    };
    Ok(Some(flatten_storage(
        &with_role,
        &key,
        alias,
        inline,
        &aws.default_tags,
    )))
}
