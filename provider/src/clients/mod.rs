//! The clients every resource shares, built once by `configure`:
//! [`aws::AwsClients`] (the AWS SDK clients) and [`spacelift::SpaceliftClient`]
//! (Spacelift's GraphQL API), held in [`ProviderData`].
//!
//! This module stands below `services/` and above `framework/`: resources
//! import it, and it imports neither the provider nor any resource.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tf_provider::Diagnostics;

pub mod aws;
pub mod spacelift;

pub use aws::{AwsClients, IdentityError};
use spacelift::SpaceliftClient;

/// Default for `max_retries`.
pub const DEFAULT_MAX_RETRIES: i64 = 8;
/// How long to wait for a TCP/TLS connection to an AWS endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one attempt of one API call may take, at most.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default for `api_timeout`: one API call, all attempts included, fails
/// after this long, naming its endpoint and operation.
pub const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, thiserror::Error)]
pub enum ConfigError {
    #[error("no AWS region: set `region` in the provider block or AWS_REGION")]
    NoRegion,
    #[error("the provider is not configured yet")]
    NotConfigured,
    #[error("`default_tags` is not known yet; it must be known when the provider is configured")]
    UnknownDefaultTags,
}

/// State shared between the provider and its resources.
///
/// A configuration error for AWS is kept and reported by the resources that
/// need AWS, at plan time, so that a stack using only Spacelift resources does
/// not fail for want of an AWS region (and one using only AWS resources never
/// needs Spacelift credentials: that client authenticates lazily).
#[derive(Debug, Default)]
pub struct ProviderData {
    aws: RwLock<Option<Result<Arc<AwsClients>, ConfigError>>>,
    spacelift: RwLock<Option<Arc<SpaceliftClient>>>,
}

impl ProviderData {
    /// The AWS clients, once `configure` has run.
    pub fn aws(&self) -> Result<Arc<AwsClients>, ConfigError> {
        self.aws
            .read()
            .ok()
            .and_then(|guard| guard.clone())
            .unwrap_or(Err(ConfigError::NotConfigured))
    }

    /// The provider's `default_tags` once it is configured; `None` before
    /// (`terraform validate` never configures it), when tag counts cannot
    /// include them yet.
    pub fn default_tags(&self) -> Option<BTreeMap<String, String>> {
        self.aws().ok().map(|aws| aws.default_tags.clone())
    }

    /// The Spacelift client, or `None` with an error diagnostic before `configure`.
    pub fn spacelift_or_report(&self, diags: &mut Diagnostics) -> Option<Arc<SpaceliftClient>> {
        let client = self.spacelift.read().ok().and_then(|guard| guard.clone());
        if client.is_none() {
            crate::framework::diag::report(diags, &ConfigError::NotConfigured);
        }
        client
    }

    /// Installs a Spacelift client (used by `configure` and by tests).
    pub fn set_spacelift(&self, client: SpaceliftClient) {
        if let Ok(mut guard) = self.spacelift.write() {
            *guard = Some(Arc::new(client));
        }
    }

    /// The AWS clients, or `None` with an error diagnostic when the provider
    /// is not configured: the opening line of every CRUD method.
    pub fn aws_or_report(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        match self.aws() {
            Ok(aws) => Some(aws),
            Err(err) => {
                crate::framework::diag::report(diags, &err);
                None
            }
        }
    }

    /// Installs the AWS clients, or the reason there are none.
    pub fn set_aws(&self, clients: Result<AwsClients, ConfigError>) {
        if let Ok(mut guard) = self.aws.write() {
            *guard = Some(clients.map(Arc::new));
        }
    }
}
