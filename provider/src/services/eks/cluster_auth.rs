//! `platform_eks_cluster_auth`, as a data source and as an ephemeral
//! resource: a bearer token for the kubernetes and helm providers, built the
//! way `aws eks get-token` builds it: a presigned STS `GetCallerIdentity` URL
//! whose signature covers the `x-k8s-aws-id` header (the cluster name), valid
//! for 60 seconds, base64url-encoded and prefixed `k8s-aws-v1.`.
//!
//! Both make the token with [`make_token`] and check the configuration with
//! [`validate_cluster_name`]. The ephemeral resource (Terraform >= 1.10,
//! OpenTofu >= 1.11) keeps the token out of the plan and the state; the data
//! source, for older CLIs, stores it in the state, and its value changes on
//! every read.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings};
use aws_sigv4::sign::v4;
use base64::Engine;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, ClientCapabilities, DataSource, Diagnostics, EphemeralOpened, EphemeralResource};

use crate::clients::ProviderData;
use crate::framework::diag::{failed, report, BoxError};
use crate::framework::plan::require_str;
use crate::framework::schema::{attributes, sensitive, string, Computed, Required};
use crate::framework::validate::Validator;

pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterAuthState {
    pub id: Value<String>,
    pub cluster_name: Value<String>,
    pub token: Value<String>,
}

pub struct ClusterAuthDataSource {
    data: Arc<ProviderData>,
}

impl ClusterAuthDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

/// The token for `cluster` in `region`, signed with `credentials` at `now`.
pub fn token(
    cluster: &str,
    region: &str,
    credentials: aws_credential_types::Credentials,
    now: SystemTime,
) -> Result<String, BoxError> {
    let url = format!("https://sts.{region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15");
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(TOKEN_LIFETIME);
    let identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()?
        .into();
    let signable = SignableRequest::new(
        "GET",
        url.clone(),
        [(CLUSTER_ID_HEADER, cluster)].into_iter(),
        SignableBody::Bytes(&[]),
    )?;
    let (instructions, _signature) = sign(signable, &params)?.into_parts();
    let mut request = http::Request::builder().method("GET").uri(&url).body(())?;
    instructions.apply_to_request_http1x(&mut request);
    let presigned = request.uri().to_string();
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(presigned)
    ))
}

#[async_trait]
impl DataSource for ClusterAuthDataSource {
    type State<'a> = ClusterAuthState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: Block {
                version: 1,
                description: Description::markdown(format!(
                    "A bearer token for an EKS cluster, for the `kubernetes` and `helm` providers, built as `aws eks get-token` builds it: \
                     a presigned STS `GetCallerIdentity` URL signed with the provider's credentials, covering the `x-k8s-aws-id` header, \
                     valid for 60 seconds. A new token is made on every read.\n\n{WHICH_TO_USE}\n\n\
                     ## Ownership\n\nNothing is created: the token is computed from the provider's credentials."
                )),
                attributes: auth_attributes(),
                blocks: Default::default(),
                deprecated: false,
            },
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        validate_cluster_name(diags, &config);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let (cluster, token) = make_token(&self.data, diags, &config).await?;
        Some(ClusterAuthState {
            id: Value::Value(cluster.clone()),
            cluster_name: Value::Value(cluster),
            token: Value::Value(token),
        })
    }
}

/// The plan-time checks of `cluster_name`, for the data source and the ephemeral resource.
pub fn validate_cluster_name(diags: &mut Diagnostics, config: &ClusterAuthState) {
    Validator::new(diags).check(&AttributePath::new("cluster_name"), config.cluster_name.as_ref_option(), |s: &String| {
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(())
        } else {
            Err(format!("must be an EKS cluster name: 1 to 100 letters, digits, '-' and '_', starting with a letter or digit, got {s:?}"))
        }
    });
}

/// The cluster name and a fresh token for it, with the provider's
/// credentials; `None` with the error reported.
pub async fn make_token(
    data: &ProviderData,
    diags: &mut Diagnostics,
    config: &ClusterAuthState,
) -> Option<(String, String)> {
    let aws = data.aws_or_report(diags)?;
    let cluster = require_str(diags, "cluster_name", &config.cluster_name)?.to_string();
    let context = format!("making a token for EKS cluster `{cluster}`");
    let result: Result<String, BoxError> = async {
        let provider = aws
            .credentials
            .as_ref()
            .ok_or("no AWS credentials provider is configured")?;
        let credentials = provider.provide_credentials().await?;
        token(&cluster, &aws.region, credentials, SystemTime::now())
    }
    .await;
    match result {
        Ok(token) => Some((cluster, token)),
        Err(err) => {
            report(diags, &failed(context, err));
            None
        }
    }
}

/// The attributes of both kinds (data source and ephemeral resource).
fn auth_attributes() -> std::collections::HashMap<String, tf_provider::schema::Attribute> {
    attributes([
        ("id", string(Computed, "The cluster name.")),
        (
            "cluster_name",
            string(Required, "Name of the EKS cluster the token is for."),
        ),
        (
            "token",
            sensitive(string(
                Computed,
                "The token: `k8s-aws-v1.` followed by the base64url-encoded presigned URL.",
            )),
        ),
    ])
}

/// Which kind to use, in both descriptions.
const WHICH_TO_USE: &str = "## Data source or ephemeral resource\n\n\
    Use the **ephemeral resource** (`ephemeral \"platform_eks_cluster_auth\"`) on Terraform >= 1.10 or OpenTofu >= 1.11: \
    the token is made when Terraform needs it (in every plan and apply) and is stored in neither the plan nor the state, \
    and `terraform plan` stays empty when nothing changed.\n\n\
    Use the **data source** (`data \"platform_eks_cluster_auth\"`) only on older CLIs, which do not know ephemeral resources. \
    Its token is written to the state in plain text (anyone who can read the state can call the cluster while it is valid), \
    and because a new token is made on every read, the token in the state changes on every run: anything that stores it \
    (an output, a resource argument) shows a change in every plan, so a drift run is never empty.";

/// The ephemeral resource `platform_eks_cluster_auth`: the same token as
/// the data source, kept out of the plan and the state.
pub struct ClusterAuthEphemeral {
    data: Arc<ProviderData>,
}

impl ClusterAuthEphemeral {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

#[async_trait]
impl EphemeralResource for ClusterAuthEphemeral {
    type State<'a> = ClusterAuthState;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: Block {
                version: 1,
                description: Description::markdown(format!(
                    "A bearer token for an EKS cluster, for the `kubernetes` and `helm` provider blocks, built as `aws eks get-token` \
                     builds it: a presigned STS `GetCallerIdentity` URL signed with the provider's credentials, covering the \
                     `x-k8s-aws-id` header, valid for 60 seconds. Ephemeral: Terraform opens it whenever it needs the token, and \
                     never stores the token in the plan or the state (Terraform >= 1.10, OpenTofu >= 1.11).\n\n{WHICH_TO_USE}\n\n\
                     ## Ownership\n\nNothing is created: the token is computed from the provider's credentials, and nothing is \
                     left behind."
                )),
                attributes: auth_attributes(),
                blocks: Default::default(),
                deprecated: false,
            },
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        validate_cluster_name(diags, &config);
        Some(())
    }

    async fn open<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _capabilities: ClientCapabilities,
    ) -> Option<EphemeralOpened<Self::State<'a>>> {
        let (cluster, token) = make_token(&self.data, diags, &config).await?;
        // No renewal: Terraform cannot change an open result, and the
        // consumers (provider blocks) read the token once when configured.
        Some(EphemeralOpened {
            result: ClusterAuthState {
                id: Value::Value(cluster.clone()),
                cluster_name: Value::Value(cluster),
                token: Value::Value(token),
            },
            renew_at: None,
            private: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_a_presigned_get_caller_identity_url() {
        let creds = aws_credential_types::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let token = token(
            "main",
            "eu-west-1",
            creds,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        )
        .unwrap();
        let encoded = token.strip_prefix(TOKEN_PREFIX).expect("prefix");
        assert!(
            !encoded.contains('=') && !encoded.contains('+') && !encoded.contains('/'),
            "base64url without padding"
        );
        let url = String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(encoded)
                .unwrap(),
        )
        .unwrap();
        assert!(
            url.starts_with("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"),
            "{url}"
        );
        assert!(url.contains("X-Amz-Expires=60"), "{url}");
        assert!(url.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"), "{url}");
        assert!(
            url.contains("X-Amz-Credential=AKIDEXAMPLE%2F20231114%2Feu-west-1%2Fsts%2Faws4_request"),
            "{url}"
        );
        assert!(url.contains("X-Amz-Signature="), "{url}");
        assert!(!url.contains("secret"));
    }
}
