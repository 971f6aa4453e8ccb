//! `platform_eks_oidc_provider`: an IAM OIDC provider for a cluster's issuer.
//!
//! IRSA needs the cluster's issuer registered as an IAM OIDC provider in the
//! account that holds the role. To run external-dns with a role in a DNS
//! account, the provider is copied there through an aliased provider block.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::clients::ProviderData;
use crate::framework::diag::{failed, finish_read, report, ApiError, BoxError};
use crate::framework::ownership::{self, Claim, CreateOnceError, NameTaken, OWNER_TAG};
use crate::framework::plan::{
    default_from_config, known_str, known_string_map, known_string_set, optional_map, optional_set, to_value_map,
    to_value_set, unknown_if_null, RequiresReplace, ValueStringMap, ValueStringSet,
};
use crate::framework::retry::{retry, throttling_budget, Backoff};
use crate::framework::schema::{
    attributes, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};

/// How many tags of its own this provider puts on the objects this resource
/// creates (`platform:*`: the owner marker); they count against AWS's 50.
const PROVIDER_TAGS: usize = 1;

pub const DEFAULT_CLIENT_ID: &str = "sts.amazonaws.com";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcProviderState {
    pub id: Value<String>,
    pub url: Value<String>,
    pub client_ids: ValueStringSet,
    pub thumbprints: ValueStringSet,
    pub tags: ValueStringMap,
    pub tags_all: ValueStringMap,
    pub arn: Value<String>,
    pub issuer: Value<String>,
    pub created_at: Value<String>,
}

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

pub struct OidcProviderResource {
    data: Arc<ProviderData>,
}

impl OidcProviderResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(
            "An IAM OIDC provider for a cluster's issuer URL, so that `platform_irsa_role` can trust the cluster's service accounts. \
             Use it to copy a cluster's provider into another account (for example a DNS account for external-dns) through an aliased provider block.\n\n\
             ## Ownership\n\n\
             - **Creates** one IAM OIDC provider for `url`.\n\
             - **Marks** it with the tag `platform:owner`, a marker unique to the create that made it (left out of `tags` and `tags_all`). CreateOpenIDConnectProvider has no idempotency token: the SDK's own retry is off for it, and after an ambiguous failure (timeout, dropped connection, 5xx) the provider is looked up by its ARN, which follows from the URL and the account. \
             It records the provider's identity: `arn` and `created_at`.\n\
             - **Deletes** only that: destroy reads the provider again and leaves one that is missing or was made again (another `created_at`) alone, with a warning, and removes it from state.\n\
             - **Adopts** a provider only when it carries the marker of its own create, after that create lost its answer; and, through `terraform import <arn>` or an `import {}` block, an existing provider.\n\
             - **Refuses** a provider for the URL that exists without its marker: the error gives the `terraform import` command and `import {}` block.\n\
             - **Refresh** believes the provider gone only after 3 consecutive not-found reads.",
        ),
        attributes: attributes([
            ("id", string(Computed, "The provider's ARN.")),
            ("url", string(Required, "The issuer URL, `https://oidc.eks.<region>.amazonaws.com/id/<ID>` (the cluster's `oidc_issuer_url`). Changing it replaces the provider.")),
            ("client_ids", string_set(OptionalComputed, "Audiences allowed to use the provider. Defaults to `[\"sts.amazonaws.com\"]`, the audience of EKS service-account tokens.")),
            ("thumbprints", string_set(Optional, "SHA-1 thumbprints (40 hex digits, at most 5) of the issuer's certificate chain. IAM no longer requires them for issuers whose certificates it can verify itself.")),
            ("tags", string_map(Optional, "Tags of the provider. Merged over the provider's `default_tags`.")),
            ("tags_all", string_map(Computed, "All tags, including the provider's `default_tags`.")),
            ("arn", string(Computed, "The provider's ARN: `oidc_provider_arn` of `platform_irsa_role`.")),
            ("issuer", string(Computed, "The issuer without the scheme: the prefix of the `:sub` and `:aud` condition keys.")),
            ("created_at", string(Computed, "When IAM created the provider (RFC 3339). With `arn`, the identity destroy checks: a provider deleted and made again outside Terraform is left alone.")),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

fn validate_state(diags: &mut Diagnostics, c: &OidcProviderState) {
    let mut v = Validator::new(diags);
    v.check(&AttributePath::new("url"), c.url.as_ref_option(), |url: &String| {
        let rest = url.strip_prefix("https://").ok_or_else(|| format!("must start with \"https://\", got {url:?}"))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || !host.contains('.') || rest.contains('?') || rest.contains('#') || rest.ends_with('/') || rest.len() > 255 {
            return Err(format!("must be an issuer URL such as \"https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE\" (a host, no query, no trailing '/'), got {url:?}"));
        }
        if host.contains(':') {
            return Err(format!(
                "must not name a port: IAM registers OIDC providers by host and path (\"The URL should not contain a port \
                 number\"), and an ARN with a port is no IAM OIDC provider ARN; serve the issuer on 443, got {url:?}"
            ));
        }
        Ok(())
    });
    if let Value::Value(ids) = &c.client_ids {
        if ids.is_empty() {
            v.error(
                &AttributePath::new("client_ids"),
                "must name at least one audience, e.g. \"sts.amazonaws.com\"",
            );
        }
    }
    v.check_each(&AttributePath::new("client_ids"), &c.client_ids, |s| {
        if s.is_empty() || s.len() > 255 {
            Err(format!("client ids must be 1 to 255 characters, got {s:?}"))
        } else {
            Ok(())
        }
    });
    if let Value::Value(prints) = &c.thumbprints {
        if prints.len() > 5 {
            v.error(
                &AttributePath::new("thumbprints"),
                format!("IAM accepts at most 5 thumbprints, got {}", prints.len()),
            );
        }
    }
    v.check_each(&AttributePath::new("thumbprints"), &c.thumbprints, |s| {
        validate::thumbprint(s)
    });
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

fn flatten(
    prior: &OidcProviderState,
    arn: &str,
    remote: &RemoteProvider,
    default_tags: &BTreeMap<String, String>,
) -> OidcProviderState {
    let mut s = prior.clone();
    s.id = Value::Value(arn.to_string());
    s.arn = Value::Value(arn.to_string());
    s.url = Value::Value(format!("https://{}", remote.url.trim_start_matches("https://")));
    s.issuer = Value::Value(remote.url.trim_start_matches("https://").to_string());
    s.client_ids = to_value_set(&remote.client_ids);
    s.thumbprints = optional_set(&prior.thumbprints, &remote.thumbprints);
    let prior_own = known_string_map(&prior.tags).unwrap_or_default();
    s.tags = optional_map(&prior.tags, &tags::own_tags(&remote.tags, default_tags, &prior_own));
    s.tags_all = to_value_map(&remote.tags);
    if let Some(created_at) = &remote.created_at {
        s.created_at = Value::Value(created_at.clone());
    }
    crate::framework::plan::null_if_unknown(&mut s.created_at);
    s
}

fn planned(s: &mut OidcProviderState, config: &OidcProviderState, default_tags: &BTreeMap<String, String>) {
    default_from_config(
        &mut s.client_ids,
        &config.client_ids,
        [Value::Value(DEFAULT_CLIENT_ID.to_string())].into_iter().collect(),
    );
    s.issuer = known_str(&s.url).map_or(Value::Unknown, |u| {
        Value::Value(u.trim_start_matches("https://").to_string())
    });
    s.tags_all = match known_string_map(&s.tags) {
        Some(own) => to_value_map(&tags::merge(default_tags, &own)),
        None => Value::Unknown,
    };
}

/// What an OIDC provider should have.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProviderSpec {
    pub client_ids: BTreeSet<String>,
    pub thumbprints: BTreeSet<String>,
    /// Tags including the provider's default tags.
    pub tags: BTreeMap<String, String>,
}

impl ProviderSpec {
    /// From a state; `None` while anything is unknown.
    fn of(s: &OidcProviderState) -> Option<ProviderSpec> {
        Some(ProviderSpec {
            client_ids: known_string_set(&s.client_ids)?,
            thumbprints: known_string_set(&s.thumbprints)?,
            tags: known_string_map(&s.tags_all)?,
        })
    }
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
}

/// Creates the provider for `url`, whose ARN will be `arn` ([`provider_arn`]).
///
/// CreateOpenIDConnectProvider has no idempotency token, so it goes through
/// [`ownership::create_once`]: the SDK's own retry is off for it, the
/// provider is tagged with a new owner marker ([`OWNER_TAG`]), and after an
/// ambiguous failure the provider is looked for by its ARN and adopted only
/// if it carries this create's marker. A provider for the URL without it is
/// [`NameTaken`], never taken over.
pub async fn create_provider(
    iam: &Client,
    arn: &str,
    url: &str,
    spec: &ProviderSpec,
) -> Result<CreatedProvider, CreateError> {
    let marker = ownership::new_marker();
    let mut all_tags = spec.tags.clone();
    all_tags.insert(OWNER_TAG.to_string(), marker.clone());
    let tags = iam_tags(&all_tags).map_err(CreateError::Tags)?;
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
    let created = ownership::create_once(
        &format!("creating IAM OIDC provider `{arn}`"),
        |e| e.is("EntityAlreadyExists"),
        || async {
            let out = retry(
                "CreateOpenIDConnectProvider",
                Backoff::IAM_PROPAGATION,
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
    .await
    .map_err(|err| match err {
        CreateOnceError::Create(e) if e.is("EntityAlreadyExists") => taken().into(),
        CreateOnceError::Create(e) => CreateError::Create(e),
        CreateOnceError::Find(e) => e,
    })?;
    if created.created_at.is_some() {
        return Ok(created);
    }
    let created_at = find_oidc_provider(iam, &created.arn)
        .await
        .map_err(read)?
        .and_then(|p| p.created_at);
    tracing::info!(arn = %created.arn, "created IAM OIDC provider");
    Ok(CreatedProvider { created_at, ..created })
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

#[async_trait]
impl Resource for OidcProviderResource {
    type State<'a> = OidcProviderState;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: schema_block(),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        validate_state(diags, &config);
        // Tags: each key and value, and the count with this provider's own
        // tags and the default tags.
        validate::tags_map(
            &mut Validator::new(diags),
            &AttributePath::new("tags"),
            &config.tags,
            PROVIDER_TAGS,
            self.data.default_tags().as_ref(),
        );
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Some(aws) = self.data.aws_or_report(diags) else {
            return Some((state, private_state));
        };
        let arn = known_str(&state.arn).or(known_str(&state.id))?.to_string();
        let found = find_confirmed(&aws.iam, &arn).await;
        let recorded = known_str(&state.created_at);
        let found = found.map(|remote| {
            remote.and_then(|remote| {
                // Deleted and made again outside Terraform: not the provider this resource manages.
                if let (Some(recorded), Some(now)) = (recorded, remote.created_at.as_deref()) {
                    if recorded != now {
                        tracing::warn!(%arn, recorded, found = now, "the IAM OIDC provider was re-created outside Terraform; it is not the one in state");
                        return None;
                    }
                }
                Some(flatten(&state, &arn, &remote, &aws.default_tags))
            })
        });
        finish_read(
            diags,
            &format!("IAM OIDC provider `{arn}`"),
            state,
            private_state,
            found,
        )
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        planned(&mut s, &config, &aws.default_tags);
        unknown_if_null(&mut s.id);
        unknown_if_null(&mut s.arn);
        unknown_if_null(&mut s.created_at);
        Some((s, Default::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        planned(&mut s, &config, &aws.default_tags);
        let mut replace = RequiresReplace::default();
        replace.if_changed("url", &prior.url, &s.url);
        if !replace.is_empty() {
            s.id = Value::Unknown;
            s.arn = Value::Unknown;
            s.created_at = Value::Unknown;
        }
        Some((s, private_state, replace.paths))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        let url = known_str(&planned.url)?.to_string();
        let result: Result<CreatedProvider, BoxError> = async {
            let spec = ProviderSpec::of(&planned).ok_or("the plan still has unknown values")?;
            let identity = aws.identity().await?;
            let arn = provider_arn(&identity.partition, &identity.account_id, &url);
            Ok(create_provider(&aws.iam, &arn, &url, &spec).await?)
        }
        .await;
        match result {
            Ok(created) => {
                let mut s = planned;
                s.id = Value::Value(created.arn.clone());
                s.arn = Value::Value(created.arn);
                s.created_at = created.created_at.map_or(Value::Null, Value::Value);
                Some((s, private_state))
            }
            Err(err) => {
                report(
                    diags,
                    &failed(format!("creating the IAM OIDC provider for `{url}`"), err),
                );
                None
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        let arn = known_str(&prior.arn)?.to_string();
        let result = match (ProviderSpec::of(&prior), ProviderSpec::of(&planned)) {
            (Some(old), Some(new)) => update_provider(&aws.iam, &arn, &old, &new).await,
            _ => Err("the plan still has unknown values".into()),
        };
        match result {
            Ok(()) => Some((planned, private_state)),
            Err(err) => {
                report(diags, &failed(format!("updating IAM OIDC provider `{arn}`"), err));
                let found = find_oidc_provider(&aws.iam, &arn).await;
                match found {
                    Ok(Some(remote)) => Some((flatten(&prior, &arn, &remote, &aws.default_tags), private_state)),
                    Ok(None) => None,
                    Err(_) => Some((prior, private_state)),
                }
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let aws = self.data.aws_or_report(diags)?;
        let arn = known_str(&prior.arn)?.to_string();
        let recorded = known_str(&prior.created_at);
        match delete_provider_if_ours(&aws.iam, &arn, recorded).await {
            Ok(claim) => {
                ownership::warn_left_alone(diags, &format!("IAM OIDC provider `{arn}`"), recorded, &claim);
                Some(())
            }
            Err(err) => {
                report(diags, &failed(format!("deleting IAM OIDC provider `{arn}`"), err));
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        if validate::oidc_provider_arn(&id).is_err() {
            diags.root_error(
                format!("importing an IAM OIDC provider: `{id}` is not an OIDC provider ARN"),
                "Import with `terraform import platform_eks_oidc_provider.x arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE`.",
            );
            return None;
        }
        match find_oidc_provider(&aws.iam, &id).await {
            Ok(Some(remote)) => Some((
                flatten(&OidcProviderState::default(), &id, &remote, &aws.default_tags),
                Default::default(),
            )),
            Ok(None) => {
                diags.root_error_short(format!("importing IAM OIDC provider `{id}`: no such provider"));
                None
            }
            Err(err) => {
                report(diags, &failed(format!("importing IAM OIDC provider `{id}`"), err));
                None
            }
        }
    }
}
