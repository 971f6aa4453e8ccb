//! Every AWS API call, observed once: an SDK interceptor that logs each call
//! (service, operation, endpoint, HTTP status, attempts, duration) at DEBUG,
//! and remembers the endpoint each operation was last sent to, so that an
//! endpoint that never answers is named in the error (`ApiError::new`).
//!
//! Only names, statuses and timings are logged, never a request or response
//! body or header: headers carry session tokens.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// The SDK interceptor; `api_timeout` is the bound on one whole operation
/// (all attempts), stated in the error when it runs out.
#[derive(Debug, Clone)]
pub struct ApiCallLog {
    /// How long one call may take in all; named in the error when it never answers.
    pub api_timeout: Duration,
}

#[derive(Debug, Clone)]
struct Started(Instant);
impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug, Clone)]
struct SentTo(String);
impl Storable for SentTo {
    type Storer = StoreReplace<Self>;
}

/// Where an operation was last sent, and the bound it had.
#[derive(Debug, Clone, PartialEq)]
pub struct LastEndpoint {
    /// The endpoint the call went to (scheme, host and port).
    pub endpoint: String,
    /// The bound the call ran out of.
    pub api_timeout: Duration,
}

fn registry() -> &'static Mutex<HashMap<String, LastEndpoint>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, LastEndpoint>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The endpoint `operation` was last sent to in this process, if any.
pub fn last_endpoint(operation: &str) -> Option<LastEndpoint> {
    registry().lock().ok()?.get(operation).cloned()
}

/// Records where `operation` is sent (public for the Spacelift client, which
/// does not go through the SDK).
pub fn record_endpoint(operation: &str, endpoint: &str, api_timeout: Duration) {
    if let Ok(mut map) = registry().lock() {
        map.insert(
            operation.to_string(),
            LastEndpoint {
                endpoint: endpoint.to_string(),
                api_timeout,
            },
        );
    }
}

/// `scheme://host[:port]` of a URI, without its path or query.
pub fn endpoint_of(uri: &str) -> String {
    match uri.find("://") {
        Some(i) => {
            let rest = &uri[i + 3..];
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            uri[..i + 3 + end].to_string()
        }
        None => uri.to_string(),
    }
}

fn names(cfg: &ConfigBag) -> (String, String) {
    cfg.load::<Metadata>()
        .map(|m| (m.service().to_string(), m.name().to_string()))
        .unwrap_or_else(|| ("unknown".into(), "unknown".into()))
}

impl Intercept for ApiCallLog {
    fn name(&self) -> &'static str {
        "ApiCallLog"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let endpoint = endpoint_of(context.request().uri());
        let (_, operation) = names(cfg);
        record_endpoint(&operation, &endpoint, self.api_timeout);
        cfg.interceptor_state().store_put(SentTo(endpoint));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = names(cfg);
        let duration_ms = cfg
            .load::<Started>()
            .map(|s| s.0.elapsed().as_millis() as u64)
            .unwrap_or_default();
        let endpoint = cfg.load::<SentTo>().map(|s| s.0.clone()).unwrap_or_default();
        let attempts = cfg.load::<RequestAttempts>().map(|a| a.attempts()).unwrap_or(0);
        let status = context.response().map(|r| r.status().as_u16()).unwrap_or(0);
        let outcome = match context.output_or_error() {
            Some(Ok(_)) => "ok",
            Some(Err(err)) if err.is_timeout_error() => "timeout",
            Some(Err(err)) if err.is_operation_error() => "error",
            Some(Err(_)) => "failed",
            None => "unknown",
        };
        tracing::debug!(
            aws_service = %service,
            aws_operation = %operation,
            endpoint = %endpoint,
            http_status = status,
            attempts,
            duration_ms,
            outcome,
            "AWS API call"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_scheme_host_and_port() {
        assert_eq!(
            endpoint_of("https://iam.amazonaws.com/?Action=CreateRole"),
            "https://iam.amazonaws.com"
        );
        assert_eq!(endpoint_of("http://127.0.0.1:4566/clusters/x"), "http://127.0.0.1:4566");
        assert_eq!(
            endpoint_of("https://eks.eu-west-1.amazonaws.com"),
            "https://eks.eu-west-1.amazonaws.com"
        );
    }

    #[test]
    fn the_last_endpoint_of_an_operation_is_remembered() {
        record_endpoint("TestOnlyOperation", "http://127.0.0.1:1", Duration::from_secs(5));
        assert_eq!(
            last_endpoint("TestOnlyOperation"),
            Some(LastEndpoint {
                endpoint: "http://127.0.0.1:1".into(),
                api_timeout: Duration::from_secs(5)
            })
        );
        assert_eq!(last_endpoint("NeverCalled"), None);
    }
}
