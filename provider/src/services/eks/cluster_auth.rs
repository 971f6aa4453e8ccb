//! Data source `platform_eks_cluster_auth`: a bearer token for the kubernetes
//! and helm providers, built the way `aws eks get-token` builds it: a
//! presigned STS `GetCallerIdentity` URL whose signature covers the
//! `x-k8s-aws-id` header (the cluster name), valid for 60 seconds,
//! base64url-encoded and prefixed `k8s-aws-v1.`.

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
use tf_provider::{AttributePath, DataSource, Diagnostics};

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
                description: Description::markdown(
                    "A bearer token for an EKS cluster, for the `kubernetes` and `helm` providers, built as `aws eks get-token` builds it: \
                     a presigned STS `GetCallerIdentity` URL signed with the provider's credentials, covering the `x-k8s-aws-id` header, \
                     valid for 60 seconds. A new token is made on every read.",
                ),
                attributes: attributes([
                    ("id", string(Computed, "The cluster name.")),
                    ("cluster_name", string(Required, "Name of the EKS cluster the token is for.")),
                    ("token", sensitive(string(Computed, "The token: `k8s-aws-v1.` followed by the base64url-encoded presigned URL."))),
                ]),
                blocks: Default::default(),
                deprecated: false,
            },
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
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
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let aws = self.data.aws_or_report(diags)?;
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
            Ok(token) => Some(ClusterAuthState {
                id: Value::Value(cluster.clone()),
                cluster_name: Value::Value(cluster),
                token: Value::Value(token),
            }),
            Err(err) => {
                report(diags, &failed(context, err));
                None
            }
        }
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
