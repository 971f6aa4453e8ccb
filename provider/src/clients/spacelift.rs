//! The Spacelift GraphQL client, as `acceptance-tests/spacelift/README.md` records the
//! contract: one `POST <base>/graphql` endpoint, bearer JWTs whose `aud` is
//! the account's base URL, API keys exchanged for JWTs with `apiKeyUser`.
//!
//! Retries: queries and idempotent mutations (upserts, deletes) are retried
//! on the network, 5xx and 429 ([`SpaceliftClient::graphql`]). A mutation that
//! is not idempotent (`contextCreateV2`, `contextAttach`) goes through
//! [`SpaceliftClient::mutate_once`], which retries only what was certainly not
//! performed (429, no connection made); every other failure is returned, and
//! [`SpaceliftError::ambiguous`] says whether the mutation may have taken
//! effect, so the caller looks for what it may have made before anything else.
//! An answer with `{"data": null}` and no errors, or without a field the query
//! asked for, is an error ([`SpaceliftError::NoData`]), never "not found".
//!
//! Authentication is lazy: nothing is contacted until a Spacelift resource
//! makes its first call, so a stack that uses only AWS resources never needs
//! Spacelift credentials. Tokens and secrets live in [`Secret`], whose `Debug`
//! and `Display` print nothing, and are never logged.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::{json, Value as Json};
use tokio::sync::Mutex;

/// A secret string that never shows in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How the provider authenticates to Spacelift.
#[derive(Debug, Clone, Default)]
pub struct SpaceliftSettings {
    pub api_key_endpoint: Option<String>,
    pub api_key_id: Option<String>,
    pub api_key_secret: Option<Secret>,
    pub api_token: Option<Secret>,
    /// The bound on one call, all attempts included (provider `api_timeout`);
    /// `None` is the provider's default.
    pub api_timeout: Option<Duration>,
}

impl SpaceliftSettings {
    /// With the provider's `api_timeout`.
    pub fn with_api_timeout(mut self, api_timeout: Duration) -> Self {
        self.api_timeout = Some(api_timeout);
        self
    }

    /// The provider block's values, each falling back to its environment variable.
    pub fn with_env_fallbacks(mut self) -> Self {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        self.api_key_endpoint = self.api_key_endpoint.or_else(|| env("SPACELIFT_API_KEY_ENDPOINT"));
        self.api_key_id = self.api_key_id.or_else(|| env("SPACELIFT_API_KEY_ID"));
        self.api_key_secret = self
            .api_key_secret
            .or_else(|| env("SPACELIFT_API_KEY_SECRET").map(Secret));
        self.api_token = self.api_token.or_else(|| env("SPACELIFT_API_TOKEN").map(Secret));
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpaceliftError {
    #[error("no Spacelift credentials: set `api_key_endpoint`, `api_key_id` and `api_key_secret` in the provider's `spacelift` block (or SPACELIFT_API_KEY_ENDPOINT, SPACELIFT_API_KEY_ID, SPACELIFT_API_KEY_SECRET), or SPACELIFT_API_TOKEN")]
    NoCredentials,
    #[error("no such Spacelift API key `{id}`: check `api_key_id` (SPACELIFT_API_KEY_ID)")]
    NoSuchApiKey { id: String },
    #[error("Spacelift refused the credentials (`unauthorized`) for `{operation}`: check the API key or token and its permissions")]
    Unauthorized { operation: &'static str },
    #[error("the Spacelift token is not a usable JWT: {reason}")]
    BadToken { reason: String },
    #[error("calling Spacelift for `{operation}`")]
    Http {
        operation: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("Spacelift did not answer `{operation}` at {endpoint} within {within:?} ({attempts}): check the endpoint and the network")]
    NoAnswer {
        operation: &'static str,
        endpoint: String,
        within: Duration,
        attempts: NoAnswerAttempts,
        /// Whether the request may have taken effect (see [`SpaceliftError::ambiguous`]).
        maybe_performed: bool,
    },
    #[error("Spacelift answered `{operation}` with HTTP {status}")]
    Status { operation: &'static str, status: u16 },
    #[error("Spacelift kept rate-limiting `{operation}` (HTTP 429) after {attempts} attempts")]
    RateLimited { operation: &'static str, attempts: u32 },
    #[error("Spacelift rejected `{operation}`: {}", messages.join("; "))]
    Graphql {
        operation: &'static str,
        messages: Vec<String>,
    },
    #[error("Spacelift's answer to `{operation}` is not what the API contract says")]
    Decode {
        operation: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("Spacelift answered `{operation}` without `{field}` and without an error; the answer cannot be trusted")]
    NoData {
        operation: &'static str,
        field: &'static str,
    },
}

/// How a call that got no answer ended, for [`SpaceliftError::NoAnswer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAnswerAttempts {
    /// The provider's `api_timeout` ran out, attempts and waits included.
    All,
    /// This many attempts timed out (each bounded by 30 s, or `api_timeout`
    /// if shorter) before `api_timeout` ran out.
    Made(u32),
    /// A mutation that is not idempotent timed out once, and is not sent
    /// again: it may have taken effect.
    NotResent,
}

impl std::fmt::Display for NoAnswerAttempts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoAnswerAttempts::All => f.write_str("all attempts; the provider's `api_timeout`"),
            NoAnswerAttempts::Made(n) => write!(f, "{n} attempts, each timed out"),
            NoAnswerAttempts::NotResent => {
                f.write_str("one attempt, which timed out; a mutation that may have taken effect is never sent again")
            }
        }
    }
}

impl SpaceliftError {
    /// Errors worth another attempt for a query or an idempotent mutation:
    /// the network, 5xx, rate limits.
    fn retryable(&self) -> bool {
        match self {
            SpaceliftError::Http { source, .. } => source.is_connect() || source.is_timeout() || source.is_request(),
            SpaceliftError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// An attempt that got no answer in time (connecting or waiting for it).
    fn timed_out(&self) -> bool {
        matches!(self, SpaceliftError::Http { source, .. } if source.is_timeout())
    }

    /// Errors after which the request certainly had no effect, so even a
    /// non-idempotent mutation may be sent again: rate limited (429), or no
    /// connection was ever made.
    fn never_performed(&self) -> bool {
        match self {
            SpaceliftError::Http { source, .. } => source.is_connect() || source.is_builder(),
            SpaceliftError::Status { status, .. } => *status == 429,
            _ => false,
        }
    }

    /// The request may have taken effect although no answer says so: the
    /// connection failed after sending, a timeout, a 5xx, an unreadable or
    /// empty answer. A non-idempotent mutation that fails this way must look
    /// for what it may have made before anything else.
    pub fn ambiguous(&self) -> bool {
        match self {
            SpaceliftError::Http { .. } | SpaceliftError::Status { .. } => !self.never_performed(),
            SpaceliftError::Decode { .. } | SpaceliftError::NoData { .. } => true,
            SpaceliftError::NoAnswer { maybe_performed, .. } => *maybe_performed,
            _ => false,
        }
    }
}

/// The field `name` of a GraphQL answer's `data`: `Ok(Json::Null)` when the
/// server says null, an error when the field is not there at all.
pub fn field<'a>(data: &'a Json, operation: &'static str, name: &'static str) -> Result<&'a Json, SpaceliftError> {
    data.get(name).ok_or(SpaceliftError::NoData { operation, field: name })
}

#[derive(Clone)]
struct Token {
    jwt: Secret,
    /// Unix seconds; `None` when the token carries no expiry.
    valid_until: Option<i64>,
    base_url: String,
    from_key: bool,
}

/// Re-exchange a key this long before its token expires.
const REFRESH_MARGIN_SECS: i64 = 30;
const MAX_ATTEMPTS: u32 = 6;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

pub struct SpaceliftClient {
    http: reqwest::Client,
    api_timeout: Duration,
    settings: SpaceliftSettings,
    token: Mutex<Option<Token>>,
}

impl std::fmt::Debug for SpaceliftClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpaceliftClient")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The `aud` (first value) and `exp` claims of a JWT. The signature is the
/// server's business; the provider only needs to know where to send it.
pub fn jwt_claims(jwt: &str) -> Result<(String, Option<i64>), SpaceliftError> {
    let bad = |reason: &str| SpaceliftError::BadToken {
        reason: reason.to_string(),
    };
    let payload = jwt.split('.').nth(1).ok_or_else(|| bad("it has no payload segment"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| bad("its payload is not base64url"))?;
    let claims: Json = serde_json::from_slice(&bytes).map_err(|_| bad("its payload is not JSON"))?;
    let aud = match &claims["aud"] {
        Json::String(s) => s.clone(),
        Json::Array(items) => items.first().and_then(|v| v.as_str()).unwrap_or_default().to_string(),
        _ => String::new(),
    };
    if aud.is_empty() {
        return Err(bad("it has no `aud` claim naming the Spacelift account"));
    }
    Ok((aud.trim_end_matches('/').to_string(), claims["exp"].as_i64()))
}

impl SpaceliftClient {
    pub fn new(settings: SpaceliftSettings) -> Self {
        let api_timeout = settings.api_timeout.unwrap_or(super::DEFAULT_API_TIMEOUT);
        // reqwest takes the process-wide rustls provider (it has none of its
        // own): ring, as everywhere else in the binary. main.rs installs it;
        // installing here too keeps a client built elsewhere (tests) working.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(super::CONNECT_TIMEOUT.min(api_timeout))
            .timeout(super::ATTEMPT_TIMEOUT.min(api_timeout))
            .build()
            .unwrap_or_default();
        SpaceliftClient {
            http,
            api_timeout,
            settings,
            token: Mutex::new(None),
        }
    }

    fn key_credentials(&self) -> Option<(&str, &str, &Secret)> {
        match (
            &self.settings.api_key_endpoint,
            &self.settings.api_key_id,
            &self.settings.api_key_secret,
        ) {
            (Some(endpoint), Some(id), Some(secret)) => Some((endpoint, id, secret)),
            _ => None,
        }
    }

    /// A valid token: the cached one, or a fresh exchange shortly before expiry.
    async fn token(&self, force_refresh: bool) -> Result<Token, SpaceliftError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref() {
            let fresh = token
                .valid_until
                .is_none_or(|until| now() + REFRESH_MARGIN_SECS < until);
            if (fresh && !force_refresh) || !token.from_key {
                return Ok(token.clone());
            }
        }
        let token = if let Some((endpoint, id, secret)) = self.key_credentials() {
            self.exchange(endpoint, id, secret).await?
        } else if let Some(jwt) = &self.settings.api_token {
            let (base_url, exp) = jwt_claims(jwt.expose())?;
            Token {
                jwt: jwt.clone(),
                valid_until: exp,
                base_url,
                from_key: false,
            }
        } else {
            return Err(SpaceliftError::NoCredentials);
        };
        *cached = Some(token.clone());
        Ok(token)
    }

    async fn exchange(&self, endpoint: &str, id: &str, secret: &Secret) -> Result<Token, SpaceliftError> {
        const OP: &str = "apiKeyUser";
        let body = json!({
            "query": "mutation($id:ID!,$secret:String!){apiKeyUser(id:$id,secret:$secret){jwt validUntil}}",
            "variables": { "id": id, "secret": secret.expose() },
        });
        let url = format!("{}/graphql", endpoint.trim_end_matches('/'));
        let data = self.post(OP, &url, None, &body, SpaceliftError::retryable).await?;
        let user = &data["apiKeyUser"];
        if user.is_null() {
            return Err(SpaceliftError::NoSuchApiKey { id: id.to_string() });
        }
        let jwt = user["jwt"].as_str().unwrap_or_default().to_string();
        let (base_url, _) = jwt_claims(&jwt)?;
        tracing::debug!(base_url = %base_url, "exchanged a Spacelift API key for a token");
        Ok(Token {
            jwt: Secret(jwt),
            valid_until: user["validUntil"].as_i64(),
            base_url,
            from_key: true,
        })
    }

    /// One GraphQL operation; returns `data`. On `unauthorized` with an API
    /// key, the key is exchanged again once (the token may have been revoked
    /// or expired early) before giving up.
    pub async fn graphql(&self, operation: &'static str, query: &str, variables: Json) -> Result<Json, SpaceliftError> {
        self.call(operation, query, variables, SpaceliftError::retryable).await
    }

    /// A mutation that is not idempotent: sent again only when it certainly
    /// had no effect (429, no connection). Any other failure is returned at
    /// once; check [`SpaceliftError::ambiguous`] before trying again.
    pub async fn mutate_once(
        &self,
        operation: &'static str,
        query: &str,
        variables: Json,
    ) -> Result<Json, SpaceliftError> {
        self.call(operation, query, variables, SpaceliftError::never_performed)
            .await
    }

    async fn call(
        &self,
        operation: &'static str,
        query: &str,
        variables: Json,
        retryable: fn(&SpaceliftError) -> bool,
    ) -> Result<Json, SpaceliftError> {
        let body = json!({ "query": query, "variables": variables });
        let mut refreshed = false;
        loop {
            let token = self.token(refreshed).await?;
            let url = format!("{}/graphql", token.base_url);
            match self.post(operation, &url, Some(&token.jwt), &body, retryable).await {
                Err(SpaceliftError::Unauthorized { .. }) if token.from_key && !refreshed => {
                    tracing::debug!(operation, "Spacelift said unauthorized; exchanging the API key again");
                    refreshed = true;
                }
                other => return other,
            }
        }
    }

    /// POSTs with retries on the errors `retryable` accepts, with capped
    /// exponential backoff, all within the provider's `api_timeout`. When the
    /// call ends because Spacelift did not answer (the bound fired, or the last
    /// attempt timed out), the error is [`SpaceliftError::NoAnswer`].
    async fn post(
        &self,
        operation: &'static str,
        url: &str,
        jwt: Option<&Secret>,
        body: &Json,
        retryable: fn(&SpaceliftError) -> bool,
    ) -> Result<Json, SpaceliftError> {
        let started = tokio::time::Instant::now();
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let all = async {
            let mut delay = FIRST_BACKOFF;
            loop {
                let attempt = attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                match self.post_once(operation, url, jwt, body).await {
                    Err(err)
                        if retryable(&err)
                            && attempt < MAX_ATTEMPTS
                            && started.elapsed() + delay <= self.api_timeout =>
                    {
                        tracing::info!(
                            "Spacelift `{operation}`: attempt {attempt} failed with a retryable error, retrying in {delay:?}: {err}"
                        );
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(MAX_BACKOFF);
                    }
                    other => return other,
                }
            }
        };
        let endpoint = crate::framework::api_calls::endpoint_of(url);
        let result = match tokio::time::timeout(self.api_timeout, all).await {
            Err(_) => Err(SpaceliftError::NoAnswer {
                operation,
                endpoint: endpoint.clone(),
                within: self.api_timeout,
                attempts: NoAnswerAttempts::All,
                maybe_performed: true,
            }),
            Ok(Err(err)) if err.timed_out() => {
                let made = attempts.load(std::sync::atomic::Ordering::Relaxed);
                // The last attempt timed out: the call ended on `api_timeout`
                // (no time left for another), on the attempt limit, or because
                // the request may not be sent again.
                // What the attempts took, in whole seconds.
                let took = Duration::from_secs(started.elapsed().as_secs_f64().round().max(1.0) as u64);
                let (within, attempts) = if !retryable(&err) {
                    (took, NoAnswerAttempts::NotResent)
                } else if made >= MAX_ATTEMPTS {
                    (took, NoAnswerAttempts::Made(made))
                } else {
                    (self.api_timeout, NoAnswerAttempts::All)
                };
                Err(SpaceliftError::NoAnswer {
                    operation,
                    endpoint: endpoint.clone(),
                    within,
                    attempts,
                    maybe_performed: err.ambiguous(),
                })
            }
            Ok(Err(SpaceliftError::Status { status: 429, .. })) => Err(SpaceliftError::RateLimited {
                operation,
                attempts: MAX_ATTEMPTS,
            }),
            Ok(other) => other,
        };
        let outcome = match &result {
            Ok(_) => "ok",
            Err(SpaceliftError::NoAnswer { .. }) => "timeout",
            Err(_) => "error",
        };
        tracing::debug!(
            spacelift_operation = operation,
            endpoint = %endpoint,
            attempts = attempts.load(std::sync::atomic::Ordering::Relaxed),
            duration_ms = started.elapsed().as_millis() as u64,
            outcome,
            "Spacelift API call"
        );
        result
    }

    async fn post_once(
        &self,
        operation: &'static str,
        url: &str,
        jwt: Option<&Secret>,
        body: &Json,
    ) -> Result<Json, SpaceliftError> {
        let mut request = self.http.post(url).json(body);
        if let Some(jwt) = jwt {
            request = request.bearer_auth(jwt.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|source| SpaceliftError::Http { operation, source })?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(SpaceliftError::Status { operation, status });
        }
        let text = response
            .text()
            .await
            .map_err(|source| SpaceliftError::Http { operation, source })?;
        let answer: Json =
            serde_json::from_str(&text).map_err(|source| SpaceliftError::Decode { operation, source })?;
        if let Some(errors) = answer["errors"].as_array().filter(|e| !e.is_empty()) {
            let messages: Vec<String> = errors
                .iter()
                .map(|e| e["message"].as_str().unwrap_or("unknown error").to_string())
                .collect();
            if messages.iter().any(|m| m.eq_ignore_ascii_case("unauthorized")) {
                return Err(SpaceliftError::Unauthorized { operation });
            }
            return Err(SpaceliftError::Graphql { operation, messages });
        }
        // No errors and no data object: not an answer the contract allows.
        match answer.get("data") {
            Some(data) if data.is_object() => Ok(data.clone()),
            _ => Err(SpaceliftError::NoData {
                operation,
                field: "data",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: Json) -> String {
        let enc = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.sig",
            enc(br#"{"alg":"HS256"}"#),
            enc(claims.to_string().as_bytes())
        )
    }

    #[test]
    fn claims_give_the_account_url() {
        let (aud, exp) = jwt_claims(&jwt(
            json!({"aud": ["https://acme.app.spacelift.io"], "exp": 1700000000}),
        ))
        .unwrap();
        assert_eq!(aud, "https://acme.app.spacelift.io");
        assert_eq!(exp, Some(1_700_000_000));
        assert!(jwt_claims("not-a-jwt").is_err());
        assert!(jwt_claims(&jwt(json!({"exp": 1}))).is_err());
    }

    #[test]
    fn only_certainly_unperformed_mutations_are_sent_again() {
        let status = |status| SpaceliftError::Status { operation: "x", status };
        assert!(status(429).never_performed() && !status(429).ambiguous());
        assert!(!status(500).never_performed() && status(500).ambiguous());
        assert!(status(502).retryable(), "queries and upserts may retry a 5xx");
        let no_data = SpaceliftError::NoData {
            operation: "x",
            field: "data",
        };
        assert!(no_data.ambiguous() && !no_data.retryable() && !no_data.never_performed());
        let graphql = SpaceliftError::Graphql {
            operation: "x",
            messages: vec!["already attached".into()],
        };
        assert!(!graphql.ambiguous());
    }

    #[test]
    fn a_missing_field_is_an_error_a_null_is_not() {
        let data = json!({"context": null});
        assert_eq!(field(&data, "context", "context").unwrap(), &Json::Null);
        assert!(matches!(
            field(&data, "contexts", "contexts"),
            Err(SpaceliftError::NoData { .. })
        ));
    }

    #[test]
    fn secrets_never_print() {
        let settings = SpaceliftSettings {
            api_key_secret: Some(Secret::new("hunter2")),
            api_token: Some(Secret::new("eyJ.secret.jwt")),
            ..Default::default()
        };
        let shown = format!("{:?}", SpaceliftClient::new(settings));
        assert!(
            !shown.contains("hunter2") && !shown.contains("eyJ.secret.jwt"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn no_credentials_is_a_clear_error() {
        let client = SpaceliftClient::new(SpaceliftSettings::default());
        let err = client.graphql("context", "query{x}", Json::Null).await.unwrap_err();
        assert!(matches!(err, SpaceliftError::NoCredentials));
        assert!(err.to_string().contains("SPACELIFT_API_TOKEN"));
    }

    /// A server that accepts connections, reads, and never answers; counts the connections.
    async fn black_hole() -> (String, std::sync::Arc<std::sync::atomic::AtomicU32>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                held.push(socket);
            }
        });
        (url, accepted)
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_endpoint_fails_after_api_timeout_not_a_shorter_window() {
        let (url, accepted) = black_hole().await;
        let settings = SpaceliftSettings {
            api_key_endpoint: Some(url.clone()),
            api_key_id: Some("01KEY".into()),
            api_key_secret: Some(Secret::new("s")),
            ..Default::default()
        }
        .with_api_timeout(Duration::from_secs(90));
        let client = SpaceliftClient::new(settings);
        let started = tokio::time::Instant::now();
        let err = client.graphql("context", "query{x}", Json::Null).await.unwrap_err();
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(89) && took <= Duration::from_secs(91),
            "took {took:?}: {err}"
        );
        assert!(matches!(err, SpaceliftError::NoAnswer { .. }), "{err:?}");
        let host = url.trim_start_matches("http://");
        assert!(
            err.to_string().starts_with(&format!(
                "Spacelift did not answer `apiKeyUser` at http://{host} within 90s (all attempts; the provider's `api_timeout`)"
            )),
            "{err}"
        );
        assert!(
            accepted.load(std::sync::atomic::Ordering::SeqCst) >= 3,
            "attempts of 30 s each were retried"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_mutation_that_timed_out_is_never_sent_again() {
        let (url, accepted) = black_hole().await;
        let settings = SpaceliftSettings {
            api_token: Some(Secret::new(jwt(json!({"aud": url})))),
            ..Default::default()
        }
        .with_api_timeout(Duration::from_secs(90));
        let client = SpaceliftClient::new(settings);
        let started = tokio::time::Instant::now();
        let err = client
            .mutate_once("contextCreateV2", "mutation{x}", Json::Null)
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(29) && took <= Duration::from_secs(31),
            "took {took:?}"
        );
        assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1, "sent once");
        assert!(err.ambiguous(), "a timeout may have taken effect: {err:?}");
        assert!(
            err.to_string().contains("`contextCreateV2` at")
                && err.to_string().contains("within 30s (one attempt, which timed out; a mutation that may have taken effect is never sent again)"),
            "{err}"
        );
    }
}
