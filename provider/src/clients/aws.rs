//! The AWS SDK clients every resource shares, built once in `configure`
//! from the provider's settings; credentials come from aws-config's standard
//! chain (environment, shared profile, web identity token, container,
//! instance), or from `assume_role` on top of it, and are fetched on the
//! first API call.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use super::{ConfigError, ATTEMPT_TIMEOUT, CONNECT_TIMEOUT};
use crate::framework::api_calls::ApiCallLog;

/// What the provider block says about AWS, as plain values.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    /// `region`; `None` falls back to the environment, then the profile.
    pub region: Option<String>,
    pub profile: Option<String>,
    pub assume_role: Option<AssumeRoleSettings>,
    pub endpoints: Endpoints,
    /// `None` while `default_tags` is unknown.
    pub default_tags: Option<BTreeMap<String, String>>,
    pub max_retries: i64,
    /// `retry_mode = "adaptive"`.
    pub adaptive_retries: bool,
    pub api_timeout: Duration,
}

/// `assume_role`, as plain values.
#[derive(Debug, Clone)]
pub struct AssumeRoleSettings {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
}

/// Endpoint overrides as plain strings.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub autoscaling: Option<String>,
    pub eks: Option<String>,
    pub iam: Option<String>,
    pub kms: Option<String>,
    pub sts: Option<String>,
}

/// What `configure` builds once and every resource shares.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub region: String,
    pub iam: aws_sdk_iam::Client,
    pub sts: aws_sdk_sts::Client,
    pub kms: aws_sdk_kms::Client,
    pub eks: aws_sdk_eks::Client,
    /// The Auto Scaling groups EKS makes for node groups (their tags only).
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub endpoints: Endpoints,
    pub default_tags: BTreeMap<String, String>,
    /// The credentials every client signs with (for presigned URLs).
    pub credentials: Option<aws_sdk_sts::config::SharedCredentialsProvider>,
    /// The caller's account and partition, fetched once (STS GetCallerIdentity).
    identity: tokio::sync::OnceCell<CallerIdentity>,
}

/// Who the provider acts as.
#[derive(Debug, Clone)]
pub struct CallerIdentity {
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: String,
}

#[derive(Debug, thiserror::Error)]
#[error("finding the AWS account of the provider's credentials")]
pub struct IdentityError(#[source] pub crate::framework::diag::ApiError);

impl AwsClients {
    /// The caller's account and partition, from STS once per provider process.
    pub async fn identity(&self) -> Result<&CallerIdentity, IdentityError> {
        self.identity
            .get_or_try_init(|| async {
                let out = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| IdentityError(crate::framework::diag::ApiError::new("GetCallerIdentity", e)))?;
                let arn = out.arn.unwrap_or_default();
                let partition = arn
                    .split(':')
                    .nth(1)
                    .filter(|p| !p.is_empty())
                    .unwrap_or("aws")
                    .to_string();
                Ok(CallerIdentity {
                    account_id: out.account.unwrap_or_default(),
                    partition,
                })
            })
            .await
    }
}

/// Resolves the region: `region`, then the environment, then the profile.
/// Instance metadata is deliberately not consulted, so a missing region fails
/// at once with a clear message instead of after an IMDS timeout.
async fn resolve_region(explicit: Option<String>, profile: Option<&str>) -> Option<Region> {
    let mut profile_region = aws_config::profile::ProfileFileRegionProvider::builder();
    if let Some(profile) = profile {
        profile_region = profile_region.profile_name(profile);
    }
    RegionProviderChain::first_try(explicit.map(Region::new))
        .or_else(aws_config::environment::region::EnvironmentVariableRegionProvider::new())
        .or_else(profile_region.build())
        .region()
        .await
}

/// Builds the shared clients from the provider's AWS settings.
pub async fn build_clients(settings: AwsSettings) -> Result<AwsClients, ConfigError> {
    let AwsSettings {
        region,
        profile,
        assume_role,
        endpoints,
        default_tags,
        max_retries,
        adaptive_retries,
        api_timeout,
    } = settings;
    let region = resolve_region(region, profile.as_deref())
        .await
        .ok_or(ConfigError::NoRegion)?;
    let default_tags = default_tags.ok_or(ConfigError::UnknownDefaultTags)?;

    let max_attempts = max_retries as u32 + 1;
    let retry = if adaptive_retries {
        RetryConfig::adaptive()
    } else {
        RetryConfig::standard()
    }
    .with_max_attempts(max_attempts);
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(api_timeout))
        .operation_attempt_timeout(ATTEMPT_TIMEOUT.min(api_timeout))
        .operation_timeout(api_timeout)
        .build();
    let log = ApiCallLog { api_timeout };

    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .region(region.clone())
        .retry_config(retry)
        .timeout_config(timeouts);
    if let Some(profile) = &profile {
        loader = loader.profile_name(profile);
    }
    let mut sdk_config: SdkConfig = loader.load().await;

    // The STS client that assumes `assume_role` uses the base credentials.
    let base_sts = aws_sdk_sts::Client::from_conf(
        with_endpoint(
            aws_sdk_sts::config::Builder::from(&sdk_config),
            endpoints.sts.as_deref(),
        )
        .interceptor(log.clone())
        .build(),
    );
    if let Some(assume) = assume_role {
        let provider = AssumeRole {
            sts: base_sts.clone(),
            role_arn: assume.role_arn,
            session_name: assume.session_name,
            external_id: assume.external_id,
        };
        sdk_config = sdk_config
            .to_builder()
            .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(provider))
            .build();
    }

    // Endpoints go on each service's own config: set there they take
    // precedence over AWS_ENDPOINT_URL(_<SERVICE>), which the SDK would
    // otherwise apply over an endpoint set on the shared SdkConfig.
    Ok(AwsClients {
        region: region.to_string(),
        iam: aws_sdk_iam::Client::from_conf(
            with_endpoint(
                aws_sdk_iam::config::Builder::from(&sdk_config),
                endpoints.iam.as_deref(),
            )
            .interceptor(log.clone())
            .build(),
        ),
        sts: aws_sdk_sts::Client::from_conf(
            with_endpoint(
                aws_sdk_sts::config::Builder::from(&sdk_config),
                endpoints.sts.as_deref(),
            )
            .interceptor(log.clone())
            .build(),
        ),
        kms: aws_sdk_kms::Client::from_conf(
            with_endpoint(
                aws_sdk_kms::config::Builder::from(&sdk_config),
                endpoints.kms.as_deref(),
            )
            .interceptor(log.clone())
            .build(),
        ),
        eks: aws_sdk_eks::Client::from_conf(
            with_endpoint(
                aws_sdk_eks::config::Builder::from(&sdk_config),
                endpoints.eks.as_deref(),
            )
            .interceptor(log.clone())
            .build(),
        ),
        autoscaling: aws_sdk_autoscaling::Client::from_conf(
            with_endpoint(
                aws_sdk_autoscaling::config::Builder::from(&sdk_config),
                endpoints.autoscaling.as_deref(),
            )
            .interceptor(log.clone())
            .build(),
        ),
        credentials: sdk_config.credentials_provider(),
        endpoints,
        default_tags,
        identity: tokio::sync::OnceCell::new(),
    })
}

/// The SDK's default HTTPS client (hyper 1, rustls, native roots, proxies
/// from the environment), as `aws-smithy-runtime` builds it, with ring
/// instead of aws-lc: the one crypto provider of the whole binary. Set on the
/// loader, it serves the credential providers (SSO, web identity, assume
/// role) as well as the service clients.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};

    Builder::new().build_with_connector_fn(|settings, runtime_components| {
        let mut connector = ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::Ring));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = runtime_components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// A service config builder with an optional endpoint override.
trait EndpointOverride: Sized {
    fn set_endpoint(self, url: String) -> Self;
}

macro_rules! endpoint_override {
    ($($svc:ident),*) => {$(
        impl EndpointOverride for $svc::config::Builder {
            fn set_endpoint(self, url: String) -> Self {
                self.endpoint_url(url)
            }
        }
    )*};
}
endpoint_override!(aws_sdk_iam, aws_sdk_sts, aws_sdk_kms, aws_sdk_eks, aws_sdk_autoscaling);

fn with_endpoint<B: EndpointOverride>(builder: B, endpoint: Option<&str>) -> B {
    match endpoint {
        Some(url) => builder.set_endpoint(url.to_string()),
        None => builder,
    }
}

/// Credentials from `sts:AssumeRole`, fetched with the base credentials through
/// the STS client that honours `endpoints.sts`. The SDK's identity cache keeps
/// them until shortly before they expire.
#[derive(Debug)]
struct AssumeRole {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    session_name: String,
    external_id: Option<String>,
}

impl AssumeRole {
    async fn fetch(&self) -> aws_credential_types::provider::Result {
        use aws_credential_types::provider::error::CredentialsError;
        let out = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .set_external_id(self.external_id.clone())
            .send()
            .await
            .map_err(|e| CredentialsError::provider_error(crate::framework::diag::ApiError::new("AssumeRole", e)))?;
        let creds = out.credentials.ok_or_else(|| {
            CredentialsError::unhandled(format!("AssumeRole of `{}` returned no credentials", self.role_arn))
        })?;
        let expiry = std::time::SystemTime::try_from(creds.expiration).ok();
        Ok(aws_credential_types::Credentials::new(
            creds.access_key_id,
            creds.secret_access_key,
            Some(creds.session_token),
            expiry,
            "platform-assume-role",
        ))
    }
}

impl aws_credential_types::provider::ProvideCredentials for AssumeRole {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(self.fetch())
    }
}
