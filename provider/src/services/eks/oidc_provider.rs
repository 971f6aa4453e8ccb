//! `platform_eks_oidc_provider`: an IAM OIDC provider for a cluster's issuer.
//!
//! IRSA needs the cluster's issuer registered as an IAM OIDC provider in the
//! account that holds the role. To run external-dns with a role in a DNS
//! account, the provider is copied there through an aliased provider block.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report};
use crate::framework::ownership::{self, PendingPrivate, Resolved};
use crate::framework::plan::{
    default_from_config, known_str, known_string_map, known_string_set, optional_map, optional_set, require_str,
    to_value_map, to_value_set, unknown_if_null, ValueStringMap, ValueStringSet,
};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attributes, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::services::iam::oidc_provider::{
    create_provider_marked, delete_provider_if_ours, find_confirmed, find_oidc_provider, find_pending, provider_arn,
    update_provider, CreateError, ProviderSpec, RemoteProvider, DEFAULT_CLIENT_ID,
};

/// How many tags of its own this provider puts on the objects this resource
/// creates (`platform:*`: the owner marker); they count against AWS's 50.
const PROVIDER_TAGS: usize = 1;

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

// A provider is registered for one issuer URL: another URL is another provider.
crate::replaces!(OidcProviderState { url });

pub struct OidcProviderResource {
    pub data: Arc<ProviderData>,
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
             - **A failed apply.** A create refused before it took effect records nothing. When the provider was created but reading its \
             `created_at` back failed, or when the create's answer was lost on every attempt and the lookup by ARN failed (the outcome is unknown), \
             the apply fails and records the provider by its `arn`, tainted, with the marker (in private state) and no `created_at`: the next \
             refresh reads it, and records it whole only when it carries that marker (it is then replaced: destroy deletes exactly it, then it is \
             created again); absent, the instance leaves state; without the marker, it is someone else's and left alone.\n\
             - **Refresh** believes the provider gone only after 3 consecutive not-found reads.",
        ),
        attributes: attributes([
            ("id", string(Computed, "The provider's ARN.")),
            ("url", string(Required, "The issuer URL, `https://oidc.eks.<region>.amazonaws.com/id/<ID>` (the cluster's `oidc_issuer_url`).")),
            ("client_ids", string_set(OptionalComputed, format!("Audiences allowed to use the provider. Defaults to `[\"{DEFAULT_CLIENT_ID}\"]`, the audience of EKS service-account tokens."))),
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

fn flatten_provider(
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

fn plan_computed(s: &mut OidcProviderState, config: &OidcProviderState, default_tags: &BTreeMap<String, String>) {
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

/// What the provider should have, from a state; `None` while anything is unknown.
fn expand_provider(s: &OidcProviderState) -> Option<ProviderSpec> {
    Some(ProviderSpec {
        client_ids: known_string_set(&s.client_ids)?,
        thumbprints: known_string_set(&s.thumbprints)?,
        tags: known_string_map(&s.tags_all)?,
    })
}

#[async_trait]
impl ManagedResource for OidcProviderResource {
    type State = OidcProviderState;
    type Private = PendingPrivate;
    type Client = AwsClients;
    const NOUN: &'static str = "provider";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        self.data.aws_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &OidcProviderState) {
        validate_state(diags, config);
        // Tags: each key and value, and the count with this provider's own
        // tags and the default tags.
        validate::tags_attribute(diags, &config.tags, PROVIDER_TAGS, self.data.default_tags().as_ref());
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        state: OidcProviderState,
        private_state: PendingPrivate,
    ) -> Option<(OidcProviderState, PendingPrivate)> {
        let arn = match known_str(&state.arn).or(known_str(&state.id)) {
            Some(arn) => arn.to_string(),
            None => require_str(diags, "arn", &state.arn)?.to_string(),
        };
        if known_str(&state.created_at).is_none() {
            if let Some(marker) = ownership::pending_marker(&private_state).map(str::to_string) {
                return read_pending(diags, aws, state, private_state, &arn, &marker).await;
            }
        }
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
                Some(flatten_provider(&state, &arn, &remote, &aws.default_tags))
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

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: OidcProviderState,
        config: OidcProviderState,
    ) -> Option<(OidcProviderState, PendingPrivate)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan_computed(&mut s, &config, &aws.default_tags);
        unknown_if_null(&mut s.id);
        unknown_if_null(&mut s.arn);
        unknown_if_null(&mut s.created_at);
        Some((s, Default::default()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: OidcProviderState,
        proposed: OidcProviderState,
        config: OidcProviderState,
        private_state: PendingPrivate,
    ) -> Option<(OidcProviderState, PendingPrivate, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan_computed(&mut s, &config, &aws.default_tags);
        let replace = OidcProviderState::replaced(&prior, &s);
        if !replace.is_empty() {
            s.id = Value::Unknown;
            s.arn = Value::Unknown;
            s.created_at = Value::Unknown;
        }
        Some((s, private_state, replace.paths))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        planned: OidcProviderState,
        _config: OidcProviderState,
        private_state: PendingPrivate,
    ) -> Option<(OidcProviderState, PendingPrivate)> {
        let url = require_str(diags, "url", &planned.url)?.to_string();
        let context = format!("creating the IAM OIDC provider for `{url}`");
        let Some(spec) = expand_provider(&planned) else {
            diags.root_error_short(format!("{context}: the plan still has unknown values"));
            return None;
        };
        let arn = match aws.identity().await {
            Ok(identity) => provider_arn(&identity.partition, &identity.account_id, &url),
            Err(err) => {
                report(diags, &failed(context, err));
                return None;
            }
        };
        match create_provider_marked(&aws.iam, &arn, &url, &spec).await {
            Ok((created, _)) => {
                let mut s = planned;
                s.id = Value::Value(created.arn.clone());
                s.arn = Value::Value(created.arn);
                s.created_at = created.created_at.map_or(Value::Null, Value::Value);
                Some((s, private_state))
            }
            Err(failure) => {
                let Some(marker) = failure.pending else {
                    report(diags, &failed(context, failure.error));
                    return None;
                };
                // The provider may exist (a lost answer whose lookup failed),
                // or exists without a known `created_at`: recorded (tainted)
                // by its ARN and marker; refresh decides.
                match failure.error {
                    CreateError::Create(source) | CreateError::Read { source, .. } => {
                        let unknown = ownership::OutcomeUnknown {
                            operation: "CreateOpenIDConnectProvider",
                            what: "IAM OIDC provider".to_string(),
                            name: arn.clone(),
                            marker: marker.clone(),
                            source,
                        };
                        report(diags, &failed(context, unknown));
                    }
                    other => report(diags, &failed(context, other)),
                }
                let mut s = planned;
                s.id = Value::Value(arn.clone());
                s.arn = Value::Value(arn);
                s.created_at = Value::Null;
                Some((s, ownership::pending(&marker)))
            }
        }
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: OidcProviderState,
        planned: OidcProviderState,
        _config: OidcProviderState,
        private_state: PendingPrivate,
    ) -> Option<(OidcProviderState, PendingPrivate)> {
        let arn = require_str(diags, "arn", &prior.arn)?.to_string();
        let result = match (expand_provider(&prior), expand_provider(&planned)) {
            (Some(old), Some(new)) => update_provider(&aws.iam, &arn, &old, &new).await,
            _ => Err("the plan still has unknown values".into()),
        };
        match result {
            Ok(()) => Some((planned, private_state)),
            Err(err) => {
                report(diags, &failed(format!("updating IAM OIDC provider `{arn}`"), err));
                let found = find_oidc_provider(&aws.iam, &arn).await;
                match found {
                    Ok(Some(remote)) => Some((
                        flatten_provider(&prior, &arn, &remote, &aws.default_tags),
                        private_state,
                    )),
                    Ok(None) => None,
                    Err(_) => Some((prior, private_state)),
                }
            }
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: OidcProviderState,
        private_state: PendingPrivate,
    ) -> Option<()> {
        let arn = require_str(diags, "arn", &prior.arn)?.to_string();
        let mut recorded = known_str(&prior.created_at).map(str::to_string);
        if recorded.is_none() {
            // A create whose outcome is unknown, not refreshed since: the
            // provider is ours if it carries the marker that create sent.
            if let Some(marker) = ownership::pending_marker(&private_state) {
                match find_pending(&aws.iam, &arn, marker).await {
                    Ok(found) => recorded = found.ok().flatten().and_then(|p| p.created_at),
                    Err(err) => {
                        report(diags, &failed(format!("deleting IAM OIDC provider `{arn}`"), err));
                        return None;
                    }
                }
            }
        }
        let recorded = recorded.as_deref();
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

    async fn import(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        id: String,
    ) -> Option<(OidcProviderState, PendingPrivate)> {
        if validate::oidc_provider_arn(&id).is_err() {
            diags.root_error(
                format!("importing an IAM OIDC provider: `{id}` is not an OIDC provider ARN"),
                "Import with `terraform import platform_eks_oidc_provider.x arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE`.",
            );
            return None;
        }
        match find_oidc_provider(&aws.iam, &id).await {
            Ok(Some(remote)) => Some((
                flatten_provider(&OidcProviderState::default(), &id, &remote, &aws.default_tags),
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

/// Refreshes a provider recorded by its marker (a create whose outcome is
/// unknown, or whose `created_at` could not be read back): carrying the
/// marker, it is ours and recorded whole (still tainted, so the apply
/// replaces it); absent on several reads, the instance leaves state; without
/// the marker, it is someone else's and left alone.
async fn read_pending(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    state: OidcProviderState,
    private_state: PendingPrivate,
    arn: &str,
    marker: &str,
) -> Option<(OidcProviderState, PendingPrivate)> {
    let what = format!("IAM OIDC provider `{arn}`");
    let resolved = match find_pending(&aws.iam, arn, marker).await {
        Ok(Ok(Some(remote))) => Resolved::Ours(flatten_provider(&state, arn, &remote, &aws.default_tags)),
        Ok(Ok(None)) => Resolved::Absent,
        Ok(Err(_)) => Resolved::Foreign,
        Err(err) => Resolved::Failed(err),
    };
    ownership::finish_pending(diags, &what, marker, (state, private_state), resolved)
}

#[cfg(test)]
mod tests {
    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::OidcProviderResource>();
    }
}
