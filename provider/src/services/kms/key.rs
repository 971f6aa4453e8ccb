//! A symmetric KMS key with its policy, rotation, tags and one alias, as
//! plain Rust values: the finders, create, update and delete that
//! `platform_ebs_storage` and `platform_vault_seal` are built on.

// `KeyError` carries names with the API error; it is on the cold path.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_kms::types::{KeySpec as SdkKeySpec, KeyState, KeyUsageType, Tag};
use aws_sdk_kms::Client;

use crate::framework::diag::ApiError;
use crate::framework::policy;
use crate::framework::retry::{retry, Backoff};

/// What the configuration asks of a key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeySpec {
    pub description: String,
    pub policy: String,
    pub enable_key_rotation: bool,
    /// Tags including the provider's default tags.
    pub tags: BTreeMap<String, String>,
}

/// Where a key lives: partition, region and account, as its ARN says.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPlace {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl KeyPlace {
    /// From a key or alias ARN.
    pub fn from_arn(arn: &str) -> Option<KeyPlace> {
        let (partition, _, region, account, _) = crate::framework::validate::parse_arn(arn)?;
        Some(KeyPlace {
            partition: partition.into(),
            region: region.into(),
            account: account.into(),
        })
    }

    /// Where new keys go: the caller's partition and account, the provider's region.
    pub async fn current(aws: &crate::provider::AwsClients) -> Result<KeyPlace, crate::provider::IdentityError> {
        let identity = aws.identity().await?;
        Ok(KeyPlace {
            partition: identity.partition.clone(),
            region: aws.region.clone(),
            account: identity.account_id.clone(),
        })
    }

    /// The ARN of `alias` (`alias/<name>`) here.
    pub fn alias_arn(&self, alias: &str) -> String {
        format!("arn:{}:kms:{}:{}:{alias}", self.partition, self.region, self.account)
    }
}

/// What KMS has.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RemoteKey {
    pub key_id: String,
    pub arn: String,
    pub account_id: String,
    pub spec: KeySpec,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("reading KMS key `{key}`")]
    Read {
        key: String,
        #[source]
        source: ApiError,
    },
    #[error("creating a KMS key for `{purpose}`")]
    Create {
        purpose: String,
        #[source]
        source: ApiError,
    },
    #[error("KMS returned no key metadata when creating a key for `{purpose}`")]
    NoMetadata { purpose: String },
    #[error("updating KMS key `{key}`: {what}")]
    Update {
        key: String,
        what: &'static str,
        #[source]
        source: ApiError,
    },
    #[error("invalid tag `{key}`: {message}")]
    BadTag { key: String, message: String },
    #[error("scheduling the deletion of KMS key `{key}`")]
    ScheduleDeletion {
        key: String,
        #[source]
        source: ApiError,
    },
    #[error("reading KMS alias `{alias}`")]
    ReadAlias {
        alias: String,
        #[source]
        source: ApiError,
    },
    #[error("pointing KMS alias `{alias}` at key `{key}`")]
    Alias {
        alias: String,
        key: String,
        #[source]
        source: ApiError,
    },
    #[error("deleting KMS alias `{alias}`")]
    DeleteAlias {
        alias: String,
        #[source]
        source: ApiError,
    },
}

/// A key that is pending deletion is as good as gone: it cannot be used and
/// will disappear by itself.
fn is_gone(state: Option<&KeyState>) -> bool {
    matches!(
        state,
        Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
    )
}

/// Finds a key with its policy, rotation status and tags; `Ok(None)` when it
/// does not exist or is pending deletion.
pub async fn find_key(kms: &Client, key_id: &str) -> Result<Option<RemoteKey>, KeyError> {
    let read = |source| KeyError::Read {
        key: key_id.to_string(),
        source,
    };
    let metadata = match kms.describe_key().key_id(key_id).send().await {
        Ok(out) => match out.key_metadata {
            Some(m) => m,
            None => return Ok(None),
        },
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found_exception()) => return Ok(None),
        Err(e) => return Err(read(ApiError::new("DescribeKey", e))),
    };
    if is_gone(metadata.key_state()) {
        return Ok(None);
    }
    let key_id = metadata.key_id().to_string();
    let policy = kms
        .get_key_policy()
        .key_id(&key_id)
        .policy_name("default")
        .send()
        .await
        .map_err(|e| read(ApiError::new("GetKeyPolicy", e)))?
        .policy
        .unwrap_or_default();
    let rotation = kms
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .map_err(|e| read(ApiError::new("GetKeyRotationStatus", e)))?
        .key_rotation_enabled;
    let mut tags = BTreeMap::new();
    let mut pages = kms.list_resource_tags().key_id(&key_id).into_paginator().send();
    while let Some(page) = pages.next().await {
        for tag in page
            .map_err(|e| read(ApiError::new("ListResourceTags", e)))?
            .tags
            .unwrap_or_default()
        {
            tags.insert(tag.tag_key, tag.tag_value);
        }
    }
    Ok(Some(RemoteKey {
        arn: metadata.arn().unwrap_or_default().to_string(),
        account_id: metadata.aws_account_id().unwrap_or_default().to_string(),
        spec: KeySpec {
            description: metadata.description().unwrap_or_default().to_string(),
            policy,
            enable_key_rotation: rotation,
            tags,
        },
        key_id,
    }))
}

/// Whether the key exists and is not pending deletion (one DescribeKey call).
pub async fn key_exists(kms: &Client, key_id: &str) -> Result<bool, KeyError> {
    match kms.describe_key().key_id(key_id).send().await {
        Ok(out) => Ok(out.key_metadata.is_some_and(|m| !is_gone(m.key_state()))),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found_exception()) => Ok(false),
        Err(e) => Err(KeyError::Read {
            key: key_id.to_string(),
            source: ApiError::new("DescribeKey", e),
        }),
    }
}

/// An alias: (alias ARN, target key id); `Ok(None)` when it does not exist.
pub async fn find_alias(kms: &Client, alias: &str) -> Result<Option<(String, Option<String>)>, KeyError> {
    let mut pages = kms.list_aliases().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| KeyError::ReadAlias {
            alias: alias.to_string(),
            source: ApiError::new("ListAliases", e),
        })?;
        for entry in page.aliases.unwrap_or_default() {
            if entry.alias_name.as_deref() == Some(alias) {
                return Ok(Some((entry.alias_arn.unwrap_or_default(), entry.target_key_id)));
            }
        }
    }
    Ok(None)
}

fn kms_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, KeyError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(|e| KeyError::BadTag {
                    key: k.clone(),
                    message: e.to_string(),
                })
        })
        .collect()
}

/// KMS rejects a policy naming a principal it cannot resolve yet (an IAM
/// role created a moment ago) with `MalformedPolicyDocumentException`.
fn is_principal_not_ready(err: &ApiError) -> bool {
    err.is("MalformedPolicyDocumentException")
}

/// How long a key policy waits for its principals to propagate.
pub const POLICY_PROPAGATION: Backoff = Backoff {
    timeout: Duration::from_secs(120),
    initial: Duration::from_millis(500),
    max_delay: Duration::from_secs(10),
    max_attempts: None,
};

/// A key made by [`create_key`] before a later step failed.
#[derive(Debug)]
pub struct CreateFailure {
    /// Set when the key exists: the caller records it or schedules its deletion.
    pub created: Option<RemoteKey>,
    pub error: KeyError,
}

/// Creates a symmetric encryption key, then enables rotation.
pub async fn create_key(kms: &Client, purpose: &str, spec: &KeySpec) -> Result<RemoteKey, Box<CreateFailure>> {
    let fail = |created, error| Box::new(CreateFailure { created, error });
    let tags = kms_tags(&spec.tags).map_err(|e| fail(None, e))?;
    let out = retry("CreateKey", POLICY_PROPAGATION, is_principal_not_ready, || {
        let req = kms
            .create_key()
            .description(&spec.description)
            .key_usage(KeyUsageType::EncryptDecrypt)
            .key_spec(SdkKeySpec::SymmetricDefault)
            .policy(&spec.policy)
            .set_tags((!tags.is_empty()).then(|| tags.clone()));
        async move { req.send().await.map_err(|e| ApiError::new("CreateKey", e)) }
    })
    .await
    .map_err(|source| {
        fail(
            None,
            KeyError::Create {
                purpose: purpose.to_string(),
                source,
            },
        )
    })?;
    let Some(metadata) = out.key_metadata else {
        return Err(fail(
            None,
            KeyError::NoMetadata {
                purpose: purpose.to_string(),
            },
        ));
    };
    let mut remote = RemoteKey {
        key_id: metadata.key_id().to_string(),
        arn: metadata.arn().unwrap_or_default().to_string(),
        account_id: metadata.aws_account_id().unwrap_or_default().to_string(),
        spec: KeySpec {
            enable_key_rotation: false,
            ..spec.clone()
        },
    };
    tracing::info!(key = %remote.key_id, purpose, "created KMS key");
    if spec.enable_key_rotation {
        if let Err(error) = set_rotation(kms, &remote.key_id, true).await {
            return Err(fail(Some(remote), error));
        }
        remote.spec.enable_key_rotation = true;
    }
    Ok(remote)
}

async fn set_rotation(kms: &Client, key_id: &str, enabled: bool) -> Result<(), KeyError> {
    let err = |source| KeyError::Update {
        key: key_id.to_string(),
        what: "key rotation",
        source,
    };
    if enabled {
        kms.enable_key_rotation()
            .key_id(key_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err(ApiError::new("EnableKeyRotation", e)))
    } else {
        kms.disable_key_rotation()
            .key_id(key_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err(ApiError::new("DisableKeyRotation", e)))
    }
}

/// Brings the key from `prior` to `spec` in place.
pub async fn update_key(kms: &Client, key_id: &str, prior: &KeySpec, spec: &KeySpec) -> Result<(), KeyError> {
    let err = |what, source| KeyError::Update {
        key: key_id.to_string(),
        what,
        source,
    };
    if !policy::equivalent(&prior.policy, &spec.policy) {
        retry("PutKeyPolicy", POLICY_PROPAGATION, is_principal_not_ready, || async {
            kms.put_key_policy()
                .key_id(key_id)
                .policy_name("default")
                .policy(&spec.policy)
                .send()
                .await
                .map_err(|e| ApiError::new("PutKeyPolicy", e))
        })
        .await
        .map_err(|source| err("key policy", source))?;
    }
    if prior.description != spec.description {
        kms.update_key_description()
            .key_id(key_id)
            .description(&spec.description)
            .send()
            .await
            .map_err(|e| err("description", ApiError::new("UpdateKeyDescription", e)))?;
    }
    if prior.enable_key_rotation != spec.enable_key_rotation {
        set_rotation(kms, key_id, spec.enable_key_rotation).await?;
    }
    let (removed, changed) = crate::framework::tags::diff(&prior.tags, &spec.tags);
    if !removed.is_empty() {
        kms.untag_resource()
            .key_id(key_id)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| err("tags", ApiError::new("UntagResource", e)))?;
    }
    if !changed.is_empty() {
        kms.tag_resource()
            .key_id(key_id)
            .set_tags(Some(kms_tags(&changed)?))
            .send()
            .await
            .map_err(|e| err("tags", ApiError::new("TagResource", e)))?;
    }
    Ok(())
}

/// Points `alias` at `key_id`, creating the alias when it does not exist.
pub async fn ensure_alias(kms: &Client, alias: &str, key_id: &str) -> Result<(), KeyError> {
    let err = |source| KeyError::Alias {
        alias: alias.to_string(),
        key: key_id.to_string(),
        source,
    };
    match find_alias(kms, alias).await? {
        Some((_, Some(target))) if target == key_id => Ok(()),
        Some(_) => kms
            .update_alias()
            .alias_name(alias)
            .target_key_id(key_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err(ApiError::new("UpdateAlias", e))),
        None => kms
            .create_alias()
            .alias_name(alias)
            .target_key_id(key_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| err(ApiError::new("CreateAlias", e))),
    }
}

/// Deletes `alias` if it still points at `key_id`; an alias that is gone, or
/// that now belongs to another key, is left alone.
pub async fn delete_alias(kms: &Client, alias: &str, key_id: &str) -> Result<(), KeyError> {
    match find_alias(kms, alias).await? {
        Some((_, Some(target))) if target == key_id => {}
        _ => return Ok(()),
    }
    match kms.delete_alias().alias_name(alias).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found_exception()) => Ok(()),
        Err(e) => Err(KeyError::DeleteAlias {
            alias: alias.to_string(),
            source: ApiError::new("DeleteAlias", e),
        }),
    }
}

/// Schedules the key's deletion after `window_days`. A key that is gone or
/// already pending deletion counts as done.
pub async fn schedule_deletion(kms: &Client, key_id: &str, window_days: i64) -> Result<(), KeyError> {
    if find_key(kms, key_id).await?.is_none() {
        return Ok(());
    }
    match kms
        .schedule_key_deletion()
        .key_id(key_id)
        .pending_window_in_days(window_days as i32)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found_exception()) => Ok(()),
        Err(e) => Err(KeyError::ScheduleDeletion {
            key: key_id.to_string(),
            source: ApiError::new("ScheduleKeyDeletion", e),
        }),
    }
}

/// `kms:*` for the account root: the statement that keeps a key manageable.
pub fn root_statement(partition: &str, account_id: &str) -> serde_json::Value {
    serde_json::json!({
        "Sid": "EnableRootAccountAdministration",
        "Effect": "Allow",
        "Principal": { "AWS": format!("arn:{partition}:iam::{account_id}:root") },
        "Action": "kms:*",
        "Resource": "*",
    })
}

/// The actions a key administrator needs (no use of the key itself).
pub const ADMIN_ACTIONS: &[&str] = &[
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
];
