//! `provider "platform" {}`: its schema, validation and `configure`, which
//! turns the configuration into settings and builds the shared clients
//! ([`crate::clients`]) once. This module stands at the top: it registers the
//! resources of [`crate::services`], and nothing imports it.
//!
//! Nothing here touches the network at schema time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description, NestedBlock, Schema};
use tf_provider::value::{self, Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, DynamicDataSource, DynamicEphemeralResource, DynamicResource, Provider};

use crate::clients::aws::{build_clients, AssumeRoleSettings, AwsSettings, Endpoints};
use crate::clients::spacelift::{Secret, SpaceliftClient, SpaceliftSettings};
use crate::clients::{ProviderData, DEFAULT_API_TIMEOUT, DEFAULT_MAX_RETRIES};
use crate::framework::plan::{known_string_map, ValueStringMap};
use crate::framework::schema::{attributes, number, sensitive, string, string_map, Optional, Required};
use crate::framework::validate::{self, Validator};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderConfig {
    pub region: Value<String>,
    pub profile: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub assume_role: Value<AssumeRoleConfig>,
    #[serde(with = "value::serde_as_vec")]
    pub endpoints: Value<EndpointsConfig>,
    pub default_tags: ValueStringMap,
    pub max_retries: Value<i64>,
    pub retry_mode: Value<String>,
    pub api_timeout: Value<String>,
    #[serde(with = "value::serde_as_vec")]
    pub spacelift: Value<SpaceliftConfig>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SpaceliftConfig {
    pub api_key_endpoint: Value<String>,
    pub api_key_id: Value<String>,
    pub api_key_secret: Value<String>,
    pub api_token: Value<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AssumeRoleConfig {
    pub role_arn: Value<String>,
    pub session_name: Value<String>,
    pub external_id: Value<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointsConfig {
    pub autoscaling: Value<String>,
    pub eks: Value<String>,
    pub iam: Value<String>,
    pub kms: Value<String>,
    pub sts: Value<String>,
}

#[derive(Debug, Default, Clone)]
/// The provider: its configuration, and the resources and data sources it serves.
pub struct PlatformProvider {
    /// What `configure` builds, shared with every resource.
    pub data: Arc<ProviderData>,
}

fn provider_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(
            "Composes an EKS platform in HCL: IRSA roles, KMS-backed EBS storage, Vault auto-unseal, IAM OIDC providers and EKS tokens, and Spacelift contexts that hand platform outputs to downstream stacks. AWS credentials come from the standard chain; Spacelift credentials are only needed by `platform_spacelift_*` resources.\n\n**Logs.** The provider writes its log lines the way Terraform expects from a plugin (hclog JSON on stderr), so `TF_LOG_PROVIDER=debug terraform plan` (or `TF_LOG`) shows them as `provider.terraform-provider-platform` lines: one per API call with its service, operation, endpoint, HTTP status, attempts and duration, under the RPC (`tf_rpc`) and resource type (`tf_resource_type`) it served. No level logs a secret, a credential or a request body. With neither variable set the provider logs nothing.\n\n**Failures are bounded.** Each API call, retries included, fails after `api_timeout` (2 minutes by default) with an error that names the endpoint and the operation.",
        ),
        attributes: attributes([
            ("region", string(Optional, "AWS region for every API call. Falls back to `AWS_REGION` / `AWS_DEFAULT_REGION`, then to the region of the shared-config profile.")),
            ("profile", string(Optional, "Named profile from the shared AWS config and credentials files. Falls back to `AWS_PROFILE`.")),
            ("default_tags", string_map(Optional, "Tags merged into every taggable object this provider creates. A resource's own `tags` win on a key conflict.")),
            ("max_retries", number(Optional, "How many times the AWS SDK retries a throttled or failed (5xx, transient network) call, with exponential backoff. Defaults to `8`.")),
            ("retry_mode", string(Optional, "The AWS SDK retry mode: `standard` (default) or `adaptive` (client-side rate limiting on throttling).")),
            ("api_timeout", string(Optional, "How long one API call to AWS or Spacelift may take in all, retries included, before it fails with an error that names the endpoint and the operation: a duration such as `\"90s\"` or `\"5m\"`, from `1s` to `1h`. Defaults to `2m`, so a misconfigured endpoint that accepts connections and never answers fails in about two minutes. Each attempt is also bounded by 30 seconds (or `api_timeout`, if shorter). Long operations such as creating a cluster make many calls and are bounded by each resource's `timeouts` instead.")),
        ]),
        blocks: [
            (
                "assume_role".to_string(),
                NestedBlock::Optional(Block {
                    description: Description::markdown("Assume this IAM role, with the credentials from the standard chain, before every call."),
                    attributes: attributes([
                        ("role_arn", string(Required, "ARN of the role to assume.")),
                        ("session_name", string(Optional, "Session name recorded in CloudTrail. Defaults to a name chosen by the SDK.")),
                        ("external_id", string(Optional, "External id the role's trust policy requires, if any.")),
                    ]),
                    ..Default::default()
                }),
            ),
            (
                "endpoints".to_string(),
                NestedBlock::Optional(Block {
                    description: Description::markdown("Per-service endpoint URLs, for emulators or VPC endpoints. Unset services use the SDK's resolution, which honours `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`."),
                    attributes: attributes([
                        ("autoscaling", string(Optional, "Endpoint URL for Amazon EC2 Auto Scaling (the node groups' Auto Scaling group tags).")),
                        ("eks", string(Optional, "Endpoint URL for Amazon EKS.")),
                        ("iam", string(Optional, "Endpoint URL for IAM.")),
                        ("kms", string(Optional, "Endpoint URL for AWS KMS.")),
                        ("sts", string(Optional, "Endpoint URL for AWS STS, also used to assume `assume_role`.")),
                    ]),
                    ..Default::default()
                }),
            ),
            (
                "spacelift".to_string(),
                NestedBlock::Optional(Block {
                    description: Description::markdown("Credentials for Spacelift, used only by `platform_spacelift_*` resources and only when they make their first call. If `api_key_endpoint`, `api_key_id` and `api_key_secret` are all set (here or in the environment), the key is exchanged for a token; otherwise `api_token` (SPACELIFT_API_TOKEN, which Spacelift injects into runs) is used."),
                    attributes: attributes([
                        ("api_key_endpoint", string(Optional, "The account's URL, e.g. `https://acme.app.spacelift.io`. Falls back to `SPACELIFT_API_KEY_ENDPOINT`.")),
                        ("api_key_id", string(Optional, "API key id. Falls back to `SPACELIFT_API_KEY_ID`.")),
                        ("api_key_secret", sensitive(string(Optional, "API key secret. Falls back to `SPACELIFT_API_KEY_SECRET`."))),
                        ("api_token", sensitive(string(Optional, "A ready Spacelift JWT. Falls back to `SPACELIFT_API_TOKEN`."))),
                    ]),
                    ..Default::default()
                }),
            ),
        ]
        .into_iter()
        .collect(),
        deprecated: false,
    }
}

fn validate_config(diags: &mut Diagnostics, config: &ProviderConfig) {
    let mut v = Validator::new(diags);
    v.check(
        &AttributePath::new("max_retries"),
        config.max_retries.as_ref_option(),
        validate::int_between(0, 100),
    );
    v.check(
        &AttributePath::new("api_timeout"),
        config.api_timeout.as_ref_option(),
        |text: &String| {
            let range = || format!("must be between 1s and 1h, got {text:?}");
            // A parse error keeps its own message, but not the `timeouts` limit.
            let d = crate::framework::wait::parse_duration(text).map_err(|e| {
                if e.starts_with("must be at most") {
                    range()
                } else {
                    e
                }
            })?;
            if d < Duration::from_secs(1) || d > Duration::from_secs(3600) {
                return Err(range());
            }
            Ok(())
        },
    );
    v.check(
        &AttributePath::new("retry_mode"),
        config.retry_mode.as_ref_option(),
        |mode: &String| match mode.as_str() {
            "standard" | "adaptive" => Ok(()),
            other => Err(format!("must be \"standard\" or \"adaptive\", got {other:?}")),
        },
    );
    if let Value::Value(role) = &config.assume_role {
        let path = AttributePath::new("assume_role").index(0).attribute("role_arn");
        v.check(
            &path,
            role.role_arn.as_ref_option(),
            |arn: &String| match validate::parse_arn(arn) {
                Some((_, "iam", "", account, res))
                    if crate::framework::policy::is_account_id(account) && res.starts_with("role/") =>
                {
                    Ok(())
                }
                _ => Err(format!(
                    "must be an IAM role ARN such as \"arn:aws:iam::123456789012:role/deployer\", got {arn:?}"
                )),
            },
        );
    }
    if let Value::Value(endpoints) = &config.endpoints {
        for (name, value) in [
            ("autoscaling", &endpoints.autoscaling),
            ("eks", &endpoints.eks),
            ("iam", &endpoints.iam),
            ("kms", &endpoints.kms),
            ("sts", &endpoints.sts),
        ] {
            let path = AttributePath::new("endpoints").index(0).attribute(name);
            v.check(&path, value.as_ref_option(), |url: &String| {
                if url.starts_with("http://") || url.starts_with("https://") {
                    Ok(())
                } else {
                    Err(format!("must be an http:// or https:// URL, got {url:?}"))
                }
            });
        }
    }
    // Default tags land on every object, beside this provider's own tags.
    validate::tags_map(
        &mut v,
        &AttributePath::new("default_tags"),
        &config.default_tags,
        validate::MAX_PROVIDER_TAGS,
        None,
    );
}

/// The `spacelift` block, with the environment as fallback.
fn spacelift_settings(config: &ProviderConfig) -> SpaceliftSettings {
    let block = match &config.spacelift {
        Value::Value(b) => b.clone(),
        _ => SpaceliftConfig::default(),
    };
    SpaceliftSettings {
        api_key_endpoint: some_str(&block.api_key_endpoint),
        api_key_id: some_str(&block.api_key_id),
        api_key_secret: some_str(&block.api_key_secret).map(Secret::new),
        api_token: some_str(&block.api_token).map(Secret::new),
        api_timeout: None,
    }
    .with_env_fallbacks()
    .with_api_timeout(api_timeout(config))
}

/// `api_timeout`, or its default (an invalid value was refused at validation).
pub fn api_timeout(config: &ProviderConfig) -> Duration {
    config
        .api_timeout
        .as_ref_option()
        .and_then(|text| crate::framework::wait::parse_duration(text).ok())
        .unwrap_or(DEFAULT_API_TIMEOUT)
}

fn some_str(v: &Value<String>) -> Option<String> {
    v.as_ref_option().filter(|s| !s.is_empty()).cloned()
}

/// The AWS part of the configuration, as the plain settings the clients are
/// built from.
pub fn aws_settings(config: &ProviderConfig) -> AwsSettings {
    AwsSettings {
        region: some_str(&config.region),
        profile: some_str(&config.profile),
        assume_role: match &config.assume_role {
            Value::Value(assume) => some_str(&assume.role_arn).map(|role_arn| AssumeRoleSettings {
                role_arn,
                session_name: some_str(&assume.session_name).unwrap_or_else(|| "terraform-provider-platform".into()),
                external_id: some_str(&assume.external_id),
            }),
            _ => None,
        },
        endpoints: match &config.endpoints {
            Value::Value(e) => Endpoints {
                autoscaling: some_str(&e.autoscaling),
                eks: some_str(&e.eks),
                iam: some_str(&e.iam),
                kms: some_str(&e.kms),
                sts: some_str(&e.sts),
            },
            _ => Endpoints::default(),
        },
        default_tags: known_string_map(&config.default_tags),
        max_retries: config
            .max_retries
            .as_ref_option()
            .copied()
            .unwrap_or(DEFAULT_MAX_RETRIES),
        adaptive_retries: config.retry_mode.as_ref_option().map(String::as_str) == Some("adaptive"),
        api_timeout: api_timeout(config),
    }
}

#[async_trait]
impl Provider for PlatformProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: provider_block(),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        validate_config(diags, &config);
        Some(())
    }

    async fn configure<'a>(
        &self,
        _diags: &mut Diagnostics,
        _terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let aws = build_clients(aws_settings(&config)).await;
        match &aws {
            Ok(clients) => tracing::debug!(region = %clients.region, "configured AWS clients"),
            Err(err) => tracing::debug!("AWS is not usable, resources that need it will say why: {err}"),
        }
        self.data.set_aws(aws);
        self.data
            .set_spacelift(SpaceliftClient::new(spacelift_settings(&config)));
        Some(())
    }

    fn get_resources(&self, _diags: &mut Diagnostics) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(crate::services::resources(&self.data))
    }

    fn get_data_sources(&self, _diags: &mut Diagnostics) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(crate::services::data_sources(&self.data))
    }

    fn get_ephemeral_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicEphemeralResource>>> {
        Some(crate::services::ephemeral_resources(&self.data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_needs_no_network_and_describes_everything() {
        let provider = PlatformProvider::default();
        let mut diags = Diagnostics::default();
        let schema = Provider::schema(&provider, &mut diags).expect("schema");
        assert!(diags.errors.is_empty());
        assert!(schema.block.attributes.contains_key("region"));
        assert!(schema.block.blocks.contains_key("assume_role"));
    }

    #[test]
    fn bad_provider_settings_name_their_path() {
        let mut diags = Diagnostics::default();
        let config = ProviderConfig {
            retry_mode: Value::Value("fast".into()),
            max_retries: Value::Value(-1),
            api_timeout: Value::Value("99999999999999999999h".into()),
            assume_role: Value::Value(AssumeRoleConfig {
                role_arn: Value::Value("deployer".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        validate_config(&mut diags, &config);
        let summaries: Vec<_> = diags.errors.iter().map(|d| d.summary.to_string()).collect();
        assert!(summaries.iter().any(|s| s.starts_with("`retry_mode`")), "{summaries:?}");
        assert!(
            summaries
                .iter()
                .any(|s| s.starts_with("`api_timeout`: must be between 1s and 1h")),
            "{summaries:?}"
        );
        assert!(
            summaries.iter().any(|s| s.starts_with("`max_retries`")),
            "{summaries:?}"
        );
        assert!(
            summaries.iter().any(|s| s.starts_with("`assume_role[0].role_arn`")),
            "{summaries:?}"
        );
    }

    #[tokio::test]
    async fn every_call_is_bounded_by_api_timeout_two_minutes_by_default() {
        let mut config = ProviderConfig {
            region: Value::Value("eu-west-1".into()),
            ..Default::default()
        };
        let bounds = |clients: &crate::clients::AwsClients| {
            let t = clients.iam.config().timeout_config();
            (
                t.and_then(|t| t.operation_timeout()),
                t.and_then(|t| t.operation_attempt_timeout()),
            )
        };
        let clients = build_clients(aws_settings(&config)).await.expect("clients");
        assert_eq!(
            bounds(&clients),
            (Some(Duration::from_secs(120)), Some(Duration::from_secs(30)))
        );
        for client in [
            clients.eks.config().timeout_config(),
            clients.kms.config().timeout_config(),
            clients.sts.config().timeout_config(),
        ] {
            assert_eq!(
                client.and_then(|t| t.operation_timeout()),
                Some(Duration::from_secs(120))
            );
        }
        config.api_timeout = Value::Value("5s".into());
        let clients = build_clients(aws_settings(&config)).await.expect("clients");
        assert_eq!(
            bounds(&clients),
            (Some(Duration::from_secs(5)), Some(Duration::from_secs(5)))
        );
    }
}
