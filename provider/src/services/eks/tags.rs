//! Tags of what the EKS resources create: EKS's own tag updates, the
//! provider's `platform:` tags (never shown, never removed), and the tags a
//! created object is planned and brought to (`tags_all` plus owner tags).

use std::collections::BTreeMap;

use aws_sdk_eks::Client;
use tf_provider::value::Value;

use crate::framework::diag::ApiError;

/// Brings the tags of a cluster or node group from `old` to `new`.
pub async fn update_tags(
    eks: &Client,
    arn: &str,
    old: &std::collections::BTreeMap<String, String>,
    new: &std::collections::BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let (removed, changed) = crate::framework::tags::diff(old, new);
    if !removed.is_empty() {
        eks.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| ApiError::new("UntagResource", e))?;
    }
    if !changed.is_empty() {
        eks.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(changed.into_iter().collect()))
            .send()
            .await
            .map_err(|e| ApiError::new("TagResource", e))?;
    }
    Ok(())
}

/// The prefix of the provider's own tags (owner markers such as
/// `platform:owner` and `platform:eks-cluster`, links between resources).
/// Users may not set such tags, so on the objects a resource created they are
/// never removed, and never shown as drift.
pub const PLATFORM_TAG_PREFIX: &str = "platform:";

/// Whether `key` is one of the provider's own tags ([`PLATFORM_TAG_PREFIX`],
/// compared as the tag validator compares it: ignoring case).
pub fn is_platform_tag(key: &str) -> bool {
    key.len() >= PLATFORM_TAG_PREFIX.len() && key[..PLATFORM_TAG_PREFIX.len()].eq_ignore_ascii_case(PLATFORM_TAG_PREFIX)
}

/// The tags of a created object as a resource shows them (`managed_role_tags`
/// and the like): all of them but the provider's own.
pub fn shown_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| !is_platform_tag(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The tags a created object must end up with, given those it has now
/// (`current`, all of them): the wanted tags (the resource's `tags_all`),
/// the owner tags the resource puts on what it creates (`owner`), and every
/// other provider tag it already carries (such as the `platform:owner` marker
/// of the create that made it), which is never removed.
pub fn wanted_created_tags(
    current: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
    owner: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut all: BTreeMap<String, String> = current
        .iter()
        .filter(|(k, _)| is_platform_tag(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    all.extend(shown_tags(wanted));
    all.extend(owner.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

/// The planned tags of an object the resource created, recorded in
/// `created` (its name, id or ARN): `tags_all` without the provider's own
/// tags; null when the resource has no such object.
pub fn created_object_tags(
    created: &Value<String>,
    tags_all: &crate::framework::plan::ValueStringMap,
) -> crate::framework::plan::ValueStringMap {
    use crate::framework::plan::{known_string_map, to_value_map};
    match (created, known_string_map(tags_all)) {
        (Value::Null, _) => Value::Null,
        (_, Some(all)) => to_value_map(&shown_tags(&all)),
        (_, None) => Value::Unknown,
    }
}

/// Brings the tags of KMS key `key_id`, which this resource created (the key
/// id is its identity), to `wanted` plus the owner tags `owner`. A key that is
/// missing or pending deletion is left alone.
pub async fn sync_key_tags(
    kms: &aws_sdk_kms::Client,
    key_id: &str,
    wanted: &BTreeMap<String, String>,
    owner: &BTreeMap<String, String>,
) -> Result<(), crate::services::kms::key::KeyError> {
    use crate::services::kms::key;
    let Some(current) = key::key_tags(kms, key_id).await? else {
        return Ok(());
    };
    let target = wanted_created_tags(&current, wanted, owner);
    key::update_key_tags(kms, key_id, &current, &target).await
}
