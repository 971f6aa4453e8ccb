//! The IAM OpenID Connect provider of an EKS cluster's issuer: find, create,
//! update (client ids, thumbprints, tags) and delete, with the ownership
//! rules both `platform_eks_cluster` (the provider it creates for IRSA) and
//! `platform_eks_oidc_provider` (a standalone copy, e.g. in a DNS account)
//! follow: the owner marker of the create that made it, and its `CreateDate`
//! as the identity of one incarnation.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;

use crate::framework::diag::{ApiError, BoxError};
use crate::framework::ownership::{self, Claim, CreateOnceError, NameTaken, OWNER_TAG};
use crate::framework::retry::{retry, throttling_budget, Backoff};
use crate::framework::tags;

/// The audience of EKS service-account tokens: the client id a provider gets
/// when none is configured.
pub const DEFAULT_CLIENT_ID: &str = "sts.amazonaws.com";

/// What IAM has.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RemoteProvider {
    /// Without the scheme, as IAM returns it.
    pub url: String,
    pub client_ids: BTreeSet<String>,
    pub thumbprints: BTreeSet<String>,
    /// Without [`OWNER_TAG`], which is in `owner_marker`.
    pub tags: BTreeMap<String, String>,
    /// IAM's `CreateDate` (RFC 3339): with the ARN, the identity of this
    /// incarnation of the provider.
    pub created_at: Option<String>,
    /// The owner marker the create that made the provider tagged it with.
    pub owner_marker: Option<String>,
}

fn is_not_found<E: aws_sdk_iam::error::ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some("NoSuchEntity")
}

/// The provider with its tags; `Ok(None)` when it does not exist.
pub async fn find_oidc_provider(iam: &Client, arn: &str) -> Result<Option<RemoteProvider>, ApiError> {
    let out = match iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => return Ok(None),
        Err(e) => return Err(ApiError::new("GetOpenIDConnectProvider", e)),
    };
    let mut tags: BTreeMap<String, String> = out
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    let owner_marker = tags.remove(OWNER_TAG);
    Ok(Some(RemoteProvider {
        url: out.url.unwrap_or_default(),
        client_ids: out.client_id_list.unwrap_or_default().into_iter().collect(),
        thumbprints: out.thumbprint_list.unwrap_or_default().into_iter().collect(),
        tags,
        created_at: out
            .create_date
            .and_then(|d| d.fmt(aws_sdk_iam::primitives::DateTimeFormat::DateTime).ok()),
        owner_marker,
    }))
}

/// The ARN IAM gives the provider for `url`: predictable, so a create whose
/// answer was lost can look for what it made.
pub fn provider_arn(partition: &str, account: &str, url: &str) -> String {
    format!(
        "arn:{partition}:iam::{account}:oidc-provider/{}",
        url.trim_start_matches("https://")
    )
}

fn iam_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, BoxError> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(BoxError::from))
        .collect()
}

/// What an OIDC provider should have.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProviderSpec {
    pub client_ids: BTreeSet<String>,
    pub thumbprints: BTreeSet<String>,
    /// Tags including the provider's default tags.
    pub tags: BTreeMap<String, String>,
}

/// A provider [`create_provider`] made (or adopted after a lost answer).
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedProvider {
    pub arn: String,
    /// IAM's `CreateDate`, when the provider could be read back.
    pub created_at: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Taken(#[from] NameTaken),
    #[error("invalid tags")]
    Tags(#[source] BoxError),
    #[error("creating the IAM OIDC provider")]
    Create(#[source] ApiError),
    #[error("looking for IAM OIDC provider `{arn}` after its create failed")]
    Read {
        arn: String,
        #[source]
        source: ApiError,
    },
    #[error("reading IAM OIDC provider `{arn}` back after creating it")]
    ReadBack {
        arn: String,
        #[source]
        source: ApiError,
    },
}

/// Creates the provider for `url`, whose ARN will be `arn` ([`provider_arn`]).
///
/// CreateOpenIDConnectProvider has no idempotency token, so it goes through
/// [`ownership::create_once`]: the SDK's own retry is off for it, the
/// provider is tagged with a new owner marker ([`OWNER_TAG`]), and after an
/// ambiguous failure the provider is looked for by its ARN and adopted only
/// if it carries this create's marker. A provider for the URL without it is
/// [`NameTaken`], never taken over. (See [`create_provider_marked`] for a
/// caller that records what a failed create may have made.)
pub async fn create_provider(
    iam: &Client,
    arn: &str,
    url: &str,
    spec: &ProviderSpec,
) -> Result<CreatedProvider, CreateError> {
    create_provider_marked(iam, arn, url, spec)
        .await
        .map(|(created, _)| created)
        .map_err(|failure| failure.error)
}

/// Why [`create_provider_marked`] failed, and what the caller may have to record.
#[derive(Debug)]
pub struct CreateFailure {
    pub error: CreateError,
    /// Set when the provider at the ARN may exist (the answer to the create
    /// was lost on every attempt and the lookup failed or found nothing) or
    /// exists without a known `created_at` (reading it back failed): the
    /// owner marker it was sent with. A caller records the ARN (tainted) with
    /// [`ownership::pending`]; refresh decides with [`find_pending`].
    pub pending: Option<String>,
}

/// [`create_provider`], returning also the owner marker the provider carries,
/// and on failure whether something may exist that the caller must record.
pub async fn create_provider_marked(
    iam: &Client,
    arn: &str,
    url: &str,
    spec: &ProviderSpec,
) -> Result<(CreatedProvider, String), Box<CreateFailure>> {
    let marker = ownership::new_marker();
    let fail = |error, pending: bool| {
        Box::new(CreateFailure {
            error,
            pending: pending.then(|| marker.clone()),
        })
    };
    let mut all_tags = spec.tags.clone();
    all_tags.insert(OWNER_TAG.to_string(), marker.clone());
    let tags = iam_tags(&all_tags).map_err(|e| fail(CreateError::Tags(e), false))?;
    let no_sdk_retry =
        aws_sdk_iam::config::Builder::default().retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled());
    // Throttling is refused before it takes effect: retried here, as often as
    // the SDK would have (`max_retries`).
    let throttled = throttling_budget(iam.config().retry_config().map_or(1, |r| r.max_attempts()));
    let taken = || NameTaken::new("IAM OIDC provider", url, "platform_eks_oidc_provider", arn);
    let read = |source| CreateError::Read {
        arn: arn.to_string(),
        source,
    };
    // One propagation window for every attempt: a create whose answer is
    // lost and sent again does not wait the window again.
    let window = std::time::Instant::now();
    let created = ownership::create_once(
        &format!("creating IAM OIDC provider `{arn}`"),
        |e| e.is("EntityAlreadyExists"),
        || async {
            let out = retry(
                "CreateOpenIDConnectProvider",
                Backoff {
                    timeout: Backoff::IAM_PROPAGATION.timeout.saturating_sub(window.elapsed()),
                    ..Backoff::IAM_PROPAGATION
                },
                &throttled,
                || {
                    let req = iam
                        .create_open_id_connect_provider()
                        .url(url)
                        .set_client_id_list(Some(spec.client_ids.iter().cloned().collect()))
                        .set_thumbprint_list(
                            (!spec.thumbprints.is_empty()).then(|| spec.thumbprints.iter().cloned().collect()),
                        )
                        .set_tags(Some(tags.clone()))
                        .customize()
                        .config_override(no_sdk_retry.clone());
                    async move {
                        req.send()
                            .await
                            .map_err(|e| ApiError::new("CreateOpenIDConnectProvider", e))
                    }
                },
            )
            .await?;
            Ok(CreatedProvider {
                arn: out.open_id_connect_provider_arn.unwrap_or_else(|| arn.to_string()),
                created_at: None,
            })
        },
        || async {
            match find_oidc_provider(iam, arn).await.map_err(read)? {
                Some(found) if found.owner_marker.as_deref() == Some(marker.as_str()) => Ok(Some(CreatedProvider {
                    arn: arn.to_string(),
                    created_at: found.created_at,
                })),
                Some(_) => Err(CreateError::from(taken())),
                None => Ok(None),
            }
        },
    )
    .await;
    let created = match created {
        Ok(created) => created,
        Err(CreateOnceError::Create(e)) if e.is("EntityAlreadyExists") => return Err(fail(taken().into(), false)),
        Err(CreateOnceError::Create(e)) => {
            let ambiguous = e.ambiguous;
            return Err(fail(CreateError::Create(e), ambiguous));
        }
        Err(CreateOnceError::Find(e @ CreateError::Read { .. })) => return Err(fail(e, true)),
        Err(CreateOnceError::Find(e)) => return Err(fail(e, false)),
    };
    if created.created_at.is_some() {
        return Ok((created, marker));
    }
    tracing::info!(arn = %created.arn, "created IAM OIDC provider");
    // The provider exists: a failure to read its `created_at` back leaves it
    // to be recorded by its marker.
    let created_at = find_oidc_provider(iam, &created.arn)
        .await
        .map_err(|source| {
            fail(
                CreateError::ReadBack {
                    arn: created.arn.clone(),
                    source,
                },
                true,
            )
        })?
        .and_then(|p| p.created_at);
    Ok((CreatedProvider { created_at, ..created }, marker))
}

/// Resolves a create recorded with [`CreateFailure::pending`]: the provider
/// at `arn` when it carries `marker` (it is the one that create made);
/// `Ok(None)` when there is none on several reads; `Err(found)` with what is
/// there when it carries no such marker (someone else's).
pub async fn find_pending(
    iam: &Client,
    arn: &str,
    marker: &str,
) -> Result<Result<Option<RemoteProvider>, RemoteProvider>, ApiError> {
    Ok(match find_confirmed(iam, arn).await? {
        Some(found) if found.owner_marker.as_deref() == Some(marker) => Ok(Some(found)),
        Some(found) => Err(found),
        None => Ok(None),
    })
}

/// Brings the provider from `prior` to `spec`: client ids, thumbprints, tags.
pub async fn update_provider(
    iam: &Client,
    arn: &str,
    prior: &ProviderSpec,
    spec: &ProviderSpec,
) -> Result<(), BoxError> {
    for id in spec.client_ids.difference(&prior.client_ids) {
        iam.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .client_id(id)
            .send()
            .await
            .map_err(|e| ApiError::new("AddClientIDToOpenIDConnectProvider", e))?;
    }
    for id in prior.client_ids.difference(&spec.client_ids) {
        iam.remove_client_id_from_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .client_id(id)
            .send()
            .await
            .map_err(|e| ApiError::new("RemoveClientIDFromOpenIDConnectProvider", e))?;
    }
    if prior.thumbprints != spec.thumbprints {
        iam.update_open_id_connect_provider_thumbprint()
            .open_id_connect_provider_arn(arn)
            .set_thumbprint_list(Some(spec.thumbprints.iter().cloned().collect()))
            .send()
            .await
            .map_err(|e| ApiError::new("UpdateOpenIDConnectProviderThumbprint", e))?;
    }
    let (removed, changed) = tags::diff(&prior.tags, &spec.tags);
    if !removed.is_empty() {
        iam.untag_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| ApiError::new("UntagOpenIDConnectProvider", e))?;
    }
    if !changed.is_empty() {
        iam.tag_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .set_tags(Some(iam_tags(&changed)?))
            .send()
            .await
            .map_err(|e| ApiError::new("TagOpenIDConnectProvider", e))?;
    }
    Ok(())
}

/// Deletes the provider; one that is already gone counts as deleted.
pub async fn delete_provider(iam: &Client, arn: &str) -> Result<(), ApiError> {
    match iam
        .delete_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(ApiError::new("DeleteOpenIDConnectProvider", e)),
    }
}

/// Deletes the provider at `arn` only when it is the incarnation recorded
/// (`recorded` is its `CreateDate`); otherwise leaves it alone. Returns the claim.
pub async fn delete_provider_if_ours(iam: &Client, arn: &str, recorded: Option<&str>) -> Result<Claim, ApiError> {
    let found = find_oidc_provider(iam, arn).await?;
    let claim = ownership::claim(recorded, found.as_ref().and_then(|p| p.created_at.as_deref()));
    if claim == Claim::Ours {
        delete_provider(iam, arn).await?;
    }
    Ok(match (found, claim) {
        (Some(_), Claim::Missing) => Claim::Foreign {
            found: "no creation date".to_string(),
        },
        (_, claim) => claim,
    })
}

/// Reads the provider, believing "gone" only after several consecutive
/// not-found reads.
pub async fn find_confirmed(iam: &Client, arn: &str) -> Result<Option<RemoteProvider>, ApiError> {
    ownership::confirm_gone(|| find_oidc_provider(iam, arn)).await
}
