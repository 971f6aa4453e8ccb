//! `platform_eks_cluster_auth`, as a data source and as an ephemeral
//! resource: a bearer token for the kubernetes and helm providers, built the
//! way `aws eks get-token` builds it: a presigned STS `GetCallerIdentity` URL
//! whose signature covers the `x-k8s-aws-id` header (the cluster name),
//! base64url-encoded and prefixed `k8s-aws-v1.`. EKS accepts it for 15
//! minutes after its `X-Amz-Date` ([`TOKEN_VALIDITY`]; the `X-Amz-Expires=60`
//! it carries is ignored, as aws-iam-authenticator says).
//!
//! Both make the token with [`make_token`] and check the configuration with
//! [`validate_cluster_name`]. The ephemeral resource (Terraform >= 1.10,
//! OpenTofu >= 1.11) keeps the token out of the plan and the state; the data
//! source, for older CLIs, stores it in the state, and its value changes on
//! every read.
//!
//! The ephemeral resource asks Terraform to renew it shortly before the token
//! expires ([`renew_at`]). The protocol's renew extends a remote lease: it
//! cannot hand a new value to a provider block already configured with the
//! token (Terraform configures each provider once per run), so the renewal
//! logs, and reports, when the token the providers hold stops working and
//! what to use instead (the exec plugin). See [`LONG_RUNS`].

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
use tf_provider::{
    AttributePath, ClientCapabilities, DataSource, Diagnostics, EphemeralOpened, EphemeralRenewed, EphemeralResource,
};

use crate::clients::ProviderData;
use crate::framework::diag::{failed, report, BoxError};
use crate::framework::plan::require_str;
use crate::framework::schema::{attributes, sensitive, string, Computed, Required};
use crate::framework::validate::Validator;

pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";
/// The `X-Amz-Expires` the presigned URL carries, as `aws eks get-token`
/// sets it. STS and EKS ignore it (see [`TOKEN_VALIDITY`]).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(60);
/// How long EKS accepts a token: 15 minutes after its `X-Amz-Date`
/// (aws-iam-authenticator, `pkg/token/token.go`, `presignedURLExpiration`).
pub const TOKEN_VALIDITY: Duration = Duration::from_secs(15 * 60);
/// **Test only.** Seconds the ephemeral resource takes its tokens to live
/// (instead of [`TOKEN_VALIDITY`]), so that an acceptance test sees a renewal
/// within seconds. It changes when the provider asks Terraform to renew, not
/// what EKS accepts; do not set it outside the test suite. Read only by
/// [`token_lifetime`].
pub const TEST_LIFETIME_ENV: &str = "PLATFORM_TEST_EKS_TOKEN_LIFETIME_SECONDS";
/// How long before the expiry the renewal is asked for (less for lifetimes
/// shorter than four minutes: a quarter of the lifetime).
pub const RENEW_MARGIN: Duration = Duration::from_secs(60);

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

/// The lifetime of the tokens the provider makes: [`TOKEN_VALIDITY`], or the
/// test-only override in [`TEST_LIFETIME_ENV`] (whole seconds, at least 1;
/// anything else is ignored).
pub fn token_lifetime() -> Duration {
    lifetime_from(std::env::var(TEST_LIFETIME_ENV).ok().as_deref())
}

fn lifetime_from(raw: Option<&str>) -> Duration {
    raw.and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|secs| *secs >= 1)
        .map(Duration::from_secs)
        .unwrap_or(TOKEN_VALIDITY)
}

/// When Terraform should call renew for a token made at `issued` that lives
/// `lifetime`: [`RENEW_MARGIN`] before it expires, or a quarter of the
/// lifetime before for a short one.
pub fn renew_at(issued: SystemTime, lifetime: Duration) -> SystemTime {
    issued + lifetime - RENEW_MARGIN.min(lifetime / 4)
}

/// What the ephemeral resource keeps in its private data (given back to
/// renew and close; never shown, never stored): which token, and when it
/// expires. No secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issued {
    pub cluster: String,
    /// Seconds since the Unix epoch.
    pub issued: u64,
    pub expires: u64,
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A UTC timestamp such as `2026-01-02T03:04:05Z`, for messages.
fn timestamp(secs: u64) -> String {
    let days = secs / 86_400;
    let rest = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// The warning of a renewal: the token the providers hold expires at
/// `info.expires`, and Terraform cannot give them a new one.
pub fn renewal_warning(info: &Issued) -> (String, String) {
    let cluster = &info.cluster;
    (
        format!(
            "the token for EKS cluster `{cluster}` expires at {}, and this run still uses it",
            timestamp(info.expires)
        ),
        format!(
            "Terraform configured the providers that use `ephemeral.platform_eks_cluster_auth` with a token made at {} for EKS cluster `{cluster}`, \
             which EKS accepts until {}. The run still holds the ephemeral resource open, so a provider may call the cluster after that, \
             and the cluster refuses the call (HTTP 401 Unauthorized). Terraform cannot give an already configured provider a new token \
             (renewing extends a remote lease; it cannot change an opened value). For runs that call the cluster for longer than that, \
             configure the kubernetes and helm providers with the exec plugin (`exec {{ command = \"aws\", args = [\"eks\", \"get-token\", \"--cluster-name\", ...] }}`), \
             which makes a token for each connection.",
            timestamp(info.issued),
            timestamp(info.expires)
        ),
    )
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
                     which EKS accepts for 15 minutes after it is made. A new token is made on every read.\n\n{WHICH_TO_USE}\n\n{LONG_RUNS}\n\n\
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
        let (cluster, token, _issued) = make_token(&self.data, diags, &config).await?;
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

/// The cluster name, a fresh token for it made with the provider's
/// credentials, and when it was made; `None` with the error reported.
pub async fn make_token(
    data: &ProviderData,
    diags: &mut Diagnostics,
    config: &ClusterAuthState,
) -> Option<(String, String, SystemTime)> {
    let aws = data.aws_or_report(diags)?;
    let cluster = require_str(diags, "cluster_name", &config.cluster_name)?.to_string();
    let context = format!("making a token for EKS cluster `{cluster}`");
    let now = SystemTime::now();
    let result: Result<String, BoxError> = async {
        let provider = aws
            .credentials
            .as_ref()
            .ok_or("no AWS credentials provider is configured")?;
        let credentials = provider.provide_credentials().await?;
        token(&cluster, &aws.region, credentials, now)
    }
    .await;
    match result {
        Ok(token) => Some((cluster, token, now)),
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

/// The token's lifetime in long runs, and the exec plugin, in both descriptions.
pub const LONG_RUNS: &str = "## Long runs: the token's 15 minutes\n\n\
    EKS accepts a token for 15 minutes after it is made (the `X-Amz-Expires=60` in it is ignored, as for `aws eks get-token`). \
    A provider block (`kubernetes`, `helm`) is configured once per run with the token it is given, and keeps that token: \
    calls it makes more than 15 minutes later are refused with `401 Unauthorized`.\n\n\
    - **Ephemeral resource.** The token is made when Terraform opens the resource, in each plan and each apply, when the first \
      thing that needs it is reached (after the cluster, when the configuration refers to it). The resource asks Terraform to \
      renew it a minute before the token expires. Renewing in the plugin protocol extends a remote lease: it cannot change a \
      value a provider was already configured with, so the renewal only logs a warning (`TF_LOG=WARN`) naming the cluster and \
      the expiry while the run still uses the token. An apply whose calls to the cluster go on for more than 15 minutes after \
      that point (a Spacelift run that creates a cluster and then installs many Helm releases) needs the exec plugin below.\n\
    - **Data source.** The token is made when the data source is read, which is during the plan: with a saved plan applied \
      later (Spacelift plans, waits for confirmation, then applies), the 15 minutes start at the plan. The protocol offers \
      data sources no renewal at all.\n\n\
    The exec plugin makes a token for each connection, so it has no such limit. It needs the AWS CLI where Terraform runs, \
    with credentials the cluster maps to an identity (add `\"--role-arn\", <role>` to `args` for the role the `platform` provider \
    assumes):\n\n\
    ```hcl\n\
    provider \"kubernetes\" {\n  \
      host                   = platform_eks_cluster.main.endpoint\n  \
      cluster_ca_certificate = base64decode(platform_eks_cluster.main.certificate_authority_data)\n  \
      exec {\n    \
        api_version = \"client.authentication.k8s.io/v1beta1\"\n    \
        command     = \"aws\"\n    \
        args        = [\"eks\", \"get-token\", \"--cluster-name\", platform_eks_cluster.main.name, \"--region\", \"eu-west-1\"]\n  \
      }\n\
    }\n\
    ```";

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
                     `x-k8s-aws-id` header, which EKS accepts for 15 minutes after it is made. Ephemeral: Terraform opens it whenever \
                     it needs the token, and never stores the token in the plan or the state (Terraform >= 1.10, OpenTofu >= 1.11).\n\n\
                     {WHICH_TO_USE}\n\n{LONG_RUNS}\n\n\
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
        let (cluster, token, issued) = make_token(&self.data, diags, &config).await?;
        // Renewal cannot change the token a provider block was configured
        // with; it says, while the run still uses the token, when it stops
        // working (see the module's documentation).
        let lifetime = token_lifetime();
        let info = Issued {
            cluster: cluster.clone(),
            issued: unix(issued),
            expires: unix(issued + lifetime),
        };
        Some(EphemeralOpened {
            result: ClusterAuthState {
                id: Value::Value(cluster.clone()),
                cluster_name: Value::Value(cluster),
                token: Value::Value(token),
            },
            renew_at: Some(renew_at(issued, lifetime)),
            private: serde_json::to_vec(&info).ok(),
        })
    }

    async fn renew(&self, diags: &mut Diagnostics, private: Option<Vec<u8>>) -> Option<EphemeralRenewed> {
        let info = private.and_then(|p| serde_json::from_slice::<Issued>(&p).ok());
        match info {
            Some(info) => {
                let (summary, detail) = renewal_warning(&info);
                tracing::warn!(
                    cluster = %info.cluster,
                    expires = %timestamp(info.expires),
                    "renewing platform_eks_cluster_auth: {summary}"
                );
                diags.warning(summary, detail, AttributePath::new("token"));
            }
            None => tracing::warn!("renewing platform_eks_cluster_auth: no private data to say which token"),
        }
        // Nothing more to renew: the next run opens a new token.
        Some(EphemeralRenewed::default())
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

    #[test]
    fn lifetime_is_fifteen_minutes_unless_a_test_sets_it() {
        assert_eq!(lifetime_from(None), Duration::from_secs(900));
        assert_eq!(lifetime_from(Some("3")), Duration::from_secs(3));
        assert_eq!(lifetime_from(Some(" 20 ")), Duration::from_secs(20));
        for ignored in ["", "0", "-5", "1.5", "soon"] {
            assert_eq!(lifetime_from(Some(ignored)), TOKEN_VALIDITY, "{ignored:?}");
        }
    }

    #[test]
    fn renewal_is_asked_for_before_the_token_expires() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        // A minute before the 15 minutes.
        assert_eq!(renew_at(t0, TOKEN_VALIDITY), t0 + Duration::from_secs(14 * 60));
        // A quarter of a short (test) lifetime before it.
        assert_eq!(renew_at(t0, Duration::from_secs(4)), t0 + Duration::from_secs(3));
        assert!(renew_at(t0, Duration::from_secs(1)) < t0 + Duration::from_secs(1));
    }

    #[test]
    fn renewal_names_the_cluster_the_expiry_and_the_exec_plugin() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(timestamp(951_825_600), "2000-02-29T12:00:00Z");
        let info = Issued {
            cluster: "main".into(),
            issued: 1_700_000_000,
            expires: 1_700_000_900,
        };
        // The private data round-trips and holds no token.
        let bytes = serde_json::to_vec(&info).unwrap();
        assert_eq!(serde_json::from_slice::<Issued>(&bytes).unwrap(), info);
        assert!(!String::from_utf8(bytes).unwrap().contains(TOKEN_PREFIX));
        let (summary, detail) = renewal_warning(&info);
        assert_eq!(
            summary,
            "the token for EKS cluster `main` expires at 2023-11-14T22:28:20Z, and this run still uses it"
        );
        assert!(detail.contains("made at 2023-11-14T22:13:20Z"), "{detail}");
        assert!(
            detail.contains("401 Unauthorized") && detail.contains("\"get-token\""),
            "{detail}"
        );
    }

    #[tokio::test]
    async fn renew_reports_the_expiry_and_asks_for_no_more() {
        let info = Issued {
            cluster: "main".into(),
            issued: 1_700_000_000,
            expires: 1_700_000_900,
        };
        let resource = ClusterAuthEphemeral::new(std::sync::Arc::new(ProviderData::default()));
        let mut diags = Diagnostics::default();
        let renewed = resource
            .renew(&mut diags, Some(serde_json::to_vec(&info).unwrap()))
            .await
            .unwrap();
        assert_eq!(renewed, EphemeralRenewed::default());
        assert!(diags.errors.is_empty());
        assert_eq!(diags.warnings.len(), 1);
        assert!(diags.warnings[0].summary.contains("expires at 2023-11-14T22:28:20Z"));
    }
}
