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
use crate::framework::ownership::{self, CreateOnceError, NameTaken, OWNER_TAG};
use crate::framework::policy;
use crate::framework::retry::{retry, throttling_budget, Backoff};

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
    pub async fn current(aws: &crate::clients::AwsClients) -> Result<KeyPlace, crate::clients::IdentityError> {
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
    /// The [`OWNER_TAG`] the create that made the key put on it; kept out of
    /// `spec.tags`.
    pub owner_marker: Option<String>,
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
    #[error("listing KMS keys to find the key a lost CreateKey answer made")]
    ListKeys {
        #[source]
        source: ApiError,
    },
    #[error("KMS alias `{alias}` points at key `{target}`, which this resource did not create")]
    AliasTaken {
        alias: String,
        target: String,
        #[source]
        source: NameTaken,
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
    let owner_marker = tags.remove(OWNER_TAG);
    Ok(Some(RemoteKey {
        arn: metadata.arn().unwrap_or_default().to_string(),
        account_id: metadata.aws_account_id().unwrap_or_default().to_string(),
        owner_marker,
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
    scan_aliases(kms, alias, None).await
}

/// Alias `alias` of key `key_id`: (alias ARN, target key id), listed with
/// `ListAliases(KeyId)`, so one call however many aliases the account holds.
/// `Ok(None)` when the key has no such alias: it may not exist, or point at
/// another key ([`find_alias`] tells which).
pub async fn find_alias_of_key(
    kms: &Client,
    alias: &str,
    key_id: &str,
) -> Result<Option<(String, Option<String>)>, KeyError> {
    scan_aliases(kms, alias, Some(key_id)).await
}

/// Pages through `ListAliases` (of key `key_id` only, when given) until
/// `alias` is found.
async fn scan_aliases(
    kms: &Client,
    alias: &str,
    key_id: Option<&str>,
) -> Result<Option<(String, Option<String>)>, KeyError> {
    let mut pages = kms
        .list_aliases()
        .set_key_id(key_id.map(str::to_string))
        .into_paginator()
        .send();
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

/// Alias `alias`, looked for among the aliases of key `key_id` first (one
/// call, however many aliases the account holds), and only when it is not
/// there among the whole account's, to tell an alias moved to another key
/// from a deleted one.
pub async fn find_alias_from_key(
    kms: &Client,
    alias: &str,
    key_id: &str,
) -> Result<Option<(String, Option<String>)>, KeyError> {
    match find_alias_of_key(kms, alias, key_id).await? {
        Some(found) => Ok(Some(found)),
        None => find_alias(kms, alias).await,
    }
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
    /// Set when whether the key exists is unknown: the answer to CreateKey was
    /// lost on every attempt and the lookup by marker found nothing, or
    /// failed. It is the owner marker the key was sent with; a caller that
    /// can record it (tainted, with [`ownership::pending`]) lets the next
    /// refresh decide ([`find_pending`]).
    pub pending: Option<String>,
}

/// The ids of every key in the account and region (ListKeys pages hold up to
/// 1,000 ids, so this is one call in most accounts).
async fn list_key_ids(kms: &Client) -> Result<std::collections::BTreeSet<String>, KeyError> {
    let mut ids = std::collections::BTreeSet::new();
    let mut pages = kms.list_keys().limit(1000).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| KeyError::ListKeys {
            source: ApiError::new("ListKeys", e),
        })?;
        ids.extend(page.keys.unwrap_or_default().into_iter().filter_map(|k| k.key_id));
    }
    Ok(ids)
}

/// The key a CreateKey whose answer was lost made: among the keys that were
/// not there before (`before`), the one tagged with `marker`. Only the new
/// keys' tags are read, so this stays cheap in an account with many keys.
async fn find_created_key(
    kms: &Client,
    before: &std::collections::BTreeSet<String>,
    marker: &str,
) -> Result<Option<String>, KeyError> {
    for key_id in list_key_ids(kms).await?.difference(before) {
        let tags = kms
            .list_resource_tags()
            .key_id(key_id)
            .send()
            .await
            .map_err(|e| KeyError::Read {
                key: key_id.clone(),
                source: ApiError::new("ListResourceTags", e),
            })?;
        let ours = tags
            .tags
            .unwrap_or_default()
            .iter()
            .any(|t| t.tag_key == OWNER_TAG && t.tag_value == marker);
        if ours {
            return Ok(Some(key_id.clone()));
        }
    }
    Ok(None)
}

/// The key (not pending deletion) tagged with the owner marker `marker`,
/// read whole; `Ok(None)` when there is none. It reads the tags of every key
/// in the account and region: only a create whose outcome is unknown needs it.
pub async fn find_key_by_marker(kms: &Client, marker: &str) -> Result<Option<RemoteKey>, KeyError> {
    for key_id in list_key_ids(kms).await? {
        let tags = match kms.list_resource_tags().key_id(&key_id).send().await {
            Ok(out) => out.tags.unwrap_or_default(),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found_exception()) => continue,
            Err(e) => {
                return Err(KeyError::Read {
                    key: key_id.clone(),
                    source: ApiError::new("ListResourceTags", e),
                })
            }
        };
        if tags.iter().any(|t| t.tag_key == OWNER_TAG && t.tag_value == marker) {
            if let Some(key) = find_key(kms, &key_id).await? {
                return Ok(Some(key));
            }
        }
    }
    Ok(None)
}

/// Resolves a create recorded with [`CreateFailure::pending`]: the key that
/// carries `marker`, or `Ok(None)` when none does on several reads (the
/// create made nothing).
pub async fn find_pending(kms: &Client, marker: &str) -> Result<Option<RemoteKey>, KeyError> {
    ownership::confirm_gone(|| find_key_by_marker(kms, marker)).await
}

/// Creates a symmetric encryption key, then enables rotation.
///
/// CreateKey has no idempotency token and keys have no name, so a lost answer
/// could leave a second key behind. The SDK's own retry is off for this call;
/// the key is tagged with a new owner marker ([`OWNER_TAG`]); the ids of the
/// keys that exist are listed first, and after an ambiguous failure only the
/// keys that appeared since are searched for the marker, before CreateKey is
/// tried again.
pub async fn create_key(kms: &Client, purpose: &str, spec: &KeySpec) -> Result<RemoteKey, Box<CreateFailure>> {
    let marker = ownership::new_marker();
    let fail = |created, error| {
        Box::new(CreateFailure {
            created,
            error,
            pending: None,
        })
    };
    // Lost on every attempt, and not found (or the lookup failed): unknown.
    let unknown = |error| {
        Box::new(CreateFailure {
            created: None,
            error,
            pending: Some(marker.clone()),
        })
    };
    let mut all_tags = spec.tags.clone();
    all_tags.insert(OWNER_TAG.to_string(), marker.clone());
    let tags = kms_tags(&all_tags).map_err(|e| fail(None, e))?;
    let before = list_key_ids(kms).await.map_err(|e| fail(None, e))?;
    let no_sdk_retry =
        aws_sdk_kms::config::Builder::default().retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled());
    // Throttling is refused before it takes effect: retried here, as often as
    // the SDK would have (`max_retries`).
    let throttled = throttling_budget(kms.config().retry_config().map_or(1, |r| r.max_attempts()));
    let create_error = |source| KeyError::Create {
        purpose: purpose.to_string(),
        source,
    };

    // One propagation window for every attempt: a create whose answer is
    // lost and sent again does not wait the window again.
    let window = std::time::Instant::now();
    let metadata = ownership::create_once(
        &format!("creating a KMS key for `{purpose}`"),
        |_| false,
        || async {
            let out = retry(
                "CreateKey",
                Backoff {
                    timeout: POLICY_PROPAGATION.timeout.saturating_sub(window.elapsed()),
                    ..POLICY_PROPAGATION
                },
                |e: &ApiError| is_principal_not_ready(e) || throttled(e),
                || {
                    let req = kms
                        .create_key()
                        .description(&spec.description)
                        .key_usage(KeyUsageType::EncryptDecrypt)
                        .key_spec(SdkKeySpec::SymmetricDefault)
                        .policy(&spec.policy)
                        .set_tags(Some(tags.clone()))
                        .customize()
                        .config_override(no_sdk_retry.clone());
                    async move { req.send().await.map_err(|e| ApiError::new("CreateKey", e)) }
                },
            )
            .await?;
            out.key_metadata
                .ok_or_else(|| ApiError::other("CreateKey", None, "the answer holds no key metadata"))
        },
        || async {
            let Some(key_id) = find_created_key(kms, &before, &marker).await? else {
                return Ok(None);
            };
            kms.describe_key()
                .key_id(&key_id)
                .send()
                .await
                .map(|out| out.key_metadata)
                .map_err(|e| KeyError::Read {
                    key: key_id.clone(),
                    source: ApiError::new("DescribeKey", e),
                })
        },
    )
    .await
    .map_err(|err| match err {
        CreateOnceError::Create(source) if source.ambiguous => unknown(create_error(source)),
        CreateOnceError::Create(source) => fail(None, create_error(source)),
        CreateOnceError::Find(err) => unknown(err),
    })?;
    let marker = marker.clone();
    let mut remote = RemoteKey {
        key_id: metadata.key_id().to_string(),
        arn: metadata.arn().unwrap_or_default().to_string(),
        account_id: metadata.aws_account_id().unwrap_or_default().to_string(),
        owner_marker: Some(marker),
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
    update_key_tags(kms, key_id, &prior.tags, &spec.tags).await?;
    Ok(())
}

/// Brings the tags of key `key_id` from `old` to `new`: untags the keys that
/// are gone, tags the new and changed pairs. Nothing is sent when they agree.
pub async fn update_key_tags(
    kms: &Client,
    key_id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), KeyError> {
    let err = |source| KeyError::Update {
        key: key_id.to_string(),
        what: "tags",
        source,
    };
    let (removed, changed) = crate::framework::tags::diff(old, new);
    if !removed.is_empty() {
        kms.untag_resource()
            .key_id(key_id)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| err(ApiError::new("UntagResource", e)))?;
    }
    if !changed.is_empty() {
        kms.tag_resource()
            .key_id(key_id)
            .set_tags(Some(kms_tags(&changed)?))
            .send()
            .await
            .map_err(|e| err(ApiError::new("TagResource", e)))?;
    }
    Ok(())
}

/// All tags of key `key_id`, the owner marker included; `Ok(None)` when the
/// key does not exist or is pending deletion (DescribeKey, then ListResourceTags).
pub async fn key_tags(kms: &Client, key_id: &str) -> Result<Option<BTreeMap<String, String>>, KeyError> {
    if !key_exists(kms, key_id).await? {
        return Ok(None);
    }
    let mut tags = BTreeMap::new();
    let mut pages = kms.list_resource_tags().key_id(key_id).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found_exception()) => return Ok(None),
            Err(e) => {
                return Err(KeyError::Read {
                    key: key_id.to_string(),
                    source: ApiError::new("ListResourceTags", e),
                })
            }
        };
        for tag in page.tags.unwrap_or_default() {
            tags.insert(tag.tag_key, tag.tag_value);
        }
    }
    Ok(Some(tags))
}

/// Claims `alias_name` for this resource in this plan: two resources of one
/// configuration that name the same alias would take it from each other on
/// every apply, so the second is an error on its `alias_name`.
pub fn claim_alias_in_plan(
    diags: &mut tf_provider::Diagnostics,
    alias: Option<&str>,
    resource_type: &'static str,
) -> Option<()> {
    let Some(alias) = alias else {
        return Some(());
    };
    match ownership::claim_in_plan("KMS alias", alias, resource_type) {
        Ok(()) => Some(()),
        Err(other) => {
            diags.error(
                format!("`alias_name`: KMS alias `{alias}` is also the alias of a `{other}` in this configuration"),
                "One alias can point at one key only: two resources naming it would take it from each other on every \
                 apply. Give each resource its own `alias_name`.",
                tf_provider::AttributePath::new("alias_name"),
            );
            None
        }
    }
}

/// Whether `alias` may be pointed at a key of ours: `Ok(())` when it does not
/// exist, already points at `key_id`, or points at a key that is gone or
/// pending deletion (adopted, and logged); [`KeyError::AliasTaken`] when it
/// points at a live key that is not `key_id`. `resource_type` names the
/// resource the import hint is for.
pub async fn check_alias_free(
    kms: &Client,
    alias: &str,
    key_id: Option<&str>,
    resource_type: &'static str,
) -> Result<(), KeyError> {
    let Some((_, target)) = find_alias(kms, alias).await? else {
        return Ok(());
    };
    let Some(target) = target else {
        return Ok(());
    };
    if Some(target.as_str()) == key_id {
        return Ok(());
    }
    if !key_exists(kms, &target).await? {
        tracing::warn!(alias, key = %target, "KMS alias points at a key that is gone or pending deletion; it is adopted");
        return Ok(());
    }
    Err(KeyError::AliasTaken {
        alias: alias.to_string(),
        target: target.clone(),
        source: NameTaken::new("KMS alias", alias, resource_type, alias),
    })
}

/// Points `alias` at `key_id`, creating the alias when it does not exist.
///
/// With `retarget` false (a new alias for this resource), an alias that
/// points at another live key is not taken over: [`KeyError::AliasTaken`].
/// With `retarget` true (the alias this resource already owns, moved outside
/// Terraform), it is pointed back. A CreateAlias that finds the alias already
/// there (a lost answer, or a race) re-reads it and accepts it only if it
/// points at `key_id`; so does a CreateAlias whose answer was lost (5xx,
/// dropped connection) with the SDK's retries off or exhausted.
pub async fn ensure_alias(
    kms: &Client,
    alias: &str,
    key_id: &str,
    retarget: bool,
    resource_type: &'static str,
) -> Result<(), KeyError> {
    let err = |source| KeyError::Alias {
        alias: alias.to_string(),
        key: key_id.to_string(),
        source,
    };
    if !retarget {
        check_alias_free(kms, alias, Some(key_id), resource_type).await?;
    }
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
        None => match kms.create_alias().alias_name(alias).target_key_id(key_id).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_already_exists_exception()) => {
                if let Some((_, Some(target))) = find_alias(kms, alias).await? {
                    if target == key_id {
                        return Ok(());
                    }
                }
                // Made by someone else meanwhile: theirs unless its key is gone.
                check_alias_free(kms, alias, Some(key_id), resource_type).await?;
                kms.update_alias()
                    .alias_name(alias)
                    .target_key_id(key_id)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| err(ApiError::new("UpdateAlias", e)))
            }
            Err(e) => {
                let source = ApiError::new("CreateAlias", e);
                // The answer may be lost (a 5xx, a dropped connection): an
                // alias that points at this key now is the one just made.
                if source.ambiguous {
                    if let Some((_, Some(target))) = find_alias(kms, alias).await? {
                        if target == key_id {
                            tracing::warn!(
                                alias,
                                key = key_id,
                                "the answer to CreateAlias was lost; the alias points at the key: done"
                            );
                            return Ok(());
                        }
                    }
                }
                Err(err(source))
            }
        },
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
