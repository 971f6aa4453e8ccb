//! Errors become diagnostics only here, at the trait boundary.
//!
//! The summary says what was being done ("creating IAM role `x`"); the detail
//! is the full cause chain, one cause per line.

use std::error::Error;

use aws_sdk_iam::config::http::HttpResponse;
use tf_provider::Diagnostics;

/// The error's cause chain, outermost first, without repeated lines.
pub fn cause_chain(err: &(dyn Error + 'static)) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut current: Option<&(dyn Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !text.is_empty() && !lines.iter().any(|l| l == &text) {
            lines.push(text);
        }
        current = e.source();
    }
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\ncaused by: ");
        }
        out.push_str(line);
    }
    out
}

/// Adds an error diagnostic: summary from the error's own message, detail from
/// its causes (without repeating the summary).
pub fn report(diags: &mut Diagnostics, err: &(dyn Error + 'static)) {
    let summary = err.to_string();
    let mut source = err.source();
    while let Some(s) = source.filter(|s| s.to_string() == summary) {
        source = s.source();
    }
    let detail = source.map(cause_chain).unwrap_or_default();
    diags.root_error(summary, detail);
}

/// The end of every `read`: what was found becomes the new state; an object
/// that is gone leaves state cleanly (no error, a log line); an error is
/// reported and the prior state kept, so nothing is forgotten on a failed refresh.
pub fn finish_read<S, P, E>(
    diags: &mut Diagnostics,
    what: &str,
    prior: S,
    private: P,
    found: Result<Option<S>, E>,
) -> Option<(S, P)>
where
    E: Into<BoxError>,
{
    match found {
        Ok(Some(state)) => Some((state, private)),
        Ok(None) => {
            tracing::warn!("{what} no longer exists; removing it from state");
            None
        }
        Err(err) => {
            report(diags, &failed(format!("reading {what}"), err));
            Some((prior, private))
        }
    }
}

/// Any error, boxed, as the steps of a multi-call operation return them.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// An error with what was being done ("creating EBS storage `alias/x`"), for
/// operations whose steps fail with different error types.
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
pub struct Failed {
    /// What was being done, e.g. "creating IAM role `x`".
    pub context: String,
    #[source]
    /// Why it failed.
    pub source: BoxError,
}

/// An error that says what was being done (`context`) and why it failed (`source`).
pub fn failed(context: impl Into<String>, source: impl Into<BoxError>) -> Failed {
    Failed {
        context: context.into(),
        source: source.into(),
    }
}

/// An error from one AWS API call, with the service's error code when it sent one.
#[derive(Debug, thiserror::Error)]
#[error("{operation}: {}", describe(.code.as_deref(), .message.as_deref()))]
pub struct ApiError {
    /// The API operation, e.g. `CreateRole`.
    pub operation: &'static str,
    /// The service's error code, when it answered with one.
    pub code: Option<String>,
    /// The service's message, when it answered with one.
    pub message: Option<String>,
    /// The request may have taken effect although no answer says so: a
    /// timeout, a dropped connection, a 5xx or an unreadable response. A
    /// non-idempotent create that fails this way must look for what it may
    /// have made before anything else (see [`crate::framework::ownership`]).
    pub ambiguous: bool,
    #[source]
    /// The SDK's error.
    pub source: Box<dyn Error + Send + Sync>,
}

fn describe(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        (None, Some(message)) => message.to_string(),
        (None, None) => "the request failed".to_string(),
    }
}

impl ApiError {
    /// Wraps an SDK error from `operation`.
    pub fn new<E>(operation: &'static str, err: aws_sdk_iam::error::SdkError<E, HttpResponse>) -> Self
    where
        E: aws_sdk_iam::error::ProvideErrorMetadata + Error + Send + Sync + 'static,
    {
        use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
        let ambiguous = match &err {
            // Never sent: the request could not be built, or no connection was made.
            SdkError::ConstructionFailure(_) => false,
            SdkError::DispatchFailure(failure) => !failure.is_user(),
            SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(ctx) => ctx.raw().status().is_server_error(),
            _ => true,
        };
        // No answer at all: say where the call went, and for how long.
        let endpoint = crate::framework::api_calls::last_endpoint(operation);
        let message = match (&err, endpoint) {
            (SdkError::TimeoutError(_), Some(last)) => Some(format!(
                "no answer from {} within {:?} (all attempts; the provider's `api_timeout`): check the endpoint and the network",
                last.endpoint, last.api_timeout
            )),
            (SdkError::TimeoutError(_), None) => Some(
                "no answer within the provider's `api_timeout` (all attempts): check the endpoint and the network".into(),
            ),
            (SdkError::DispatchFailure(_), Some(last)) => Some(format!("could not reach {}", last.endpoint)),
            _ => err.message().map(str::to_string),
        };
        Self {
            operation,
            code: err.code().map(str::to_string),
            message,
            ambiguous,
            source: Box::new(err),
        }
    }

    /// An error made here rather than by the SDK (a malformed answer, a test).
    pub fn other(operation: &'static str, code: Option<&str>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            operation,
            code: code.map(str::to_string),
            message: Some(message.clone()),
            ambiguous: false,
            source: message.into(),
        }
    }

    /// True when the service answered with this error code.
    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("creating IAM role `x`")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("CreateRole: EntityAlreadyExists: Role with name x already exists.")]
    struct Inner;

    #[test]
    fn finish_read_drops_gone_objects_and_keeps_state_on_errors() {
        let mut diags = Diagnostics::default();
        assert_eq!(
            finish_read::<_, _, Inner>(&mut diags, "x", 1, (), Ok(Some(2))),
            Some((2, ()))
        );
        assert_eq!(finish_read::<i32, _, Inner>(&mut diags, "x", 1, (), Ok(None)), None);
        assert!(diags.errors.is_empty(), "a vanished object is not an error");
        assert_eq!(
            finish_read::<i32, _, Inner>(&mut diags, "IAM role `r`", 1, (), Err(Inner)),
            Some((1, ()))
        );
        assert_eq!(diags.errors[0].summary, "reading IAM role `r`");
    }

    #[test]
    fn summary_and_chain() {
        let mut diags = Diagnostics::default();
        report(&mut diags, &Outer(Inner));
        assert_eq!(diags.errors.len(), 1);
        assert_eq!(diags.errors[0].summary, "creating IAM role `x`");
        assert!(diags.errors[0].detail.starts_with("CreateRole: EntityAlreadyExists"));
    }
}
