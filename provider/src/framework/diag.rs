//! Errors become diagnostics only here, at the trait boundary.
//!
//! The summary says what was being done ("creating IAM role `x`"); the detail
//! is the full cause chain, one cause per line.
//!
//! A server's message can be huge (a 200 KB Spacelift error body, an HTML
//! page): each line of a diagnostic is cut to [`MAX_MESSAGE`] bytes, saying
//! how much was cut ([`cut_message`]); the whole text goes only to the TRACE
//! log. The cut is made here, after the resources' own redaction of secrets
//! (e.g. the Spacelift context's `redact`), so the TRACE copy is redacted as
//! the diagnostic would have been.

use std::error::Error;

use aws_sdk_iam::config::http::HttpResponse;
use tf_provider::Diagnostics;

/// The longest line of a diagnostic, in bytes ("a few KB"): a server's
/// message longer than this is cut.
pub const MAX_MESSAGE: usize = 4 * 1024;

/// `text` cut to [`MAX_MESSAGE`] bytes (at a character boundary), followed by
/// how many bytes were cut; `text` itself when it is short enough. For any
/// message a server sent (the Spacelift client's GraphQL errors, AWS
/// messages): the diagnostic stays readable, and the whole message is logged
/// at TRACE by [`report`].
pub fn cut_message(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_MESSAGE {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut end = MAX_MESSAGE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!(
        "{}… [{} of {} bytes cut; the whole message is in the provider's log at TRACE level]",
        &text[..end],
        text.len() - end,
        text.len()
    ))
}

/// The error's cause chain, outermost first, without repeated lines, each
/// line cut to [`MAX_MESSAGE`] bytes.
pub fn cause_chain(err: &(dyn Error + 'static)) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut current: Option<&(dyn Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = cut_message(&e.to_string()).into_owned();
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
/// its causes (without repeating the summary). A line longer than
/// [`MAX_MESSAGE`] is cut; the whole chain is then logged at TRACE.
pub fn report(diags: &mut Diagnostics, err: &(dyn Error + 'static)) {
    let full = err.to_string();
    let mut source = err.source();
    while let Some(s) = source.filter(|s| s.to_string() == full) {
        source = s.source();
    }
    let summary = cut_message(&full).into_owned();
    let detail = source.map(cause_chain).unwrap_or_default();
    if summary.len() != full.len() || detail.contains("bytes cut; the whole message is in the provider's log") {
        let whole = source.map(whole_chain).unwrap_or_default();
        tracing::trace!("the whole of a diagnostic cut for length: {full}\n{whole}");
    }
    diags.root_error(summary, detail);
}

/// The cause chain without cutting, for the TRACE log.
fn whole_chain(err: &(dyn Error + 'static)) -> String {
    let mut out = Vec::new();
    let mut current: Option<&(dyn Error + 'static)> = Some(err);
    while let Some(e) = current {
        out.push(e.to_string());
        current = e.source();
    }
    out.join("\ncaused by: ")
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

/// What an answer the SDK could not read looked like: its HTTP status, the
/// endpoint it came from, its content type and size, and (for an error
/// status only: a success body may hold credentials) its first characters.
pub fn unreadable_answer(
    raw: &HttpResponse,
    last: Option<&crate::framework::api_calls::LastEndpoint>,
    result: bool,
) -> String {
    let status = raw.status().as_u16();
    let from = last.map(|l| format!(" from {}", l.endpoint)).unwrap_or_default();
    let kind = raw.headers().get("content-type").unwrap_or("no content type");
    let body = raw.body().bytes().unwrap_or_default();
    let mut shown = format!("{kind}, {} bytes", body.len());
    if !(200..300).contains(&status) && !body.is_empty() {
        let text: String = String::from_utf8_lossy(body)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        let start: String = text.chars().take(160).collect();
        let more = if start.len() < text.len() { "…" } else { "" };
        shown.push_str(&format!(": {start:?}{more}"));
    }
    let what = if result {
        "an answer the AWS SDK cannot read as the operation's result"
    } else {
        "an answer that is not an AWS error"
    };
    format!(
        "HTTP {status}{from}, {what} ({shown}): check the endpoint, and any proxy or firewall between the provider and AWS"
    )
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
            // An answer the SDK could not read as an AWS error (a proxy's
            // HTML page), or as the operation's result: say what came back,
            // from where, instead of "unhandled error".
            (SdkError::ServiceError(ctx), last) if err.code().is_none() && err.message().is_none() => {
                let text = unreadable_answer(ctx.raw(), last.as_ref(), false);
                tracing::trace!(
                    "{operation}: the SDK's error for an answer it could not read: {}",
                    whole_chain(&err)
                );
                return Self::unreadable(operation, ambiguous, text);
            }
            // Not logged: a success body the SDK could not read may hold credentials.
            (SdkError::ResponseError(ctx), last) => {
                let text = unreadable_answer(ctx.raw(), last.as_ref(), true);
                return Self::unreadable(operation, ambiguous, text);
            }
            _ => err.message().map(|m| cut_message(m).into_owned()),
        };
        Self {
            operation,
            code: err.code().map(str::to_string),
            message,
            ambiguous,
            source: Box::new(err),
        }
    }

    /// The error of an answer the SDK could not read: the SDK's own error
    /// ("unhandled error", `Error { code: None, message: None, .. }`) says
    /// nothing more, and is left out of the diagnostic.
    fn unreadable(operation: &'static str, ambiguous: bool, text: String) -> Self {
        Self {
            operation,
            code: None,
            message: Some(text),
            ambiguous,
            source: "the answer is not one the AWS SDK can read".into(),
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

    #[test]
    fn a_huge_message_is_cut_to_a_few_kb_saying_how_much() {
        assert_eq!(cut_message("short"), "short");
        let exact = "x".repeat(MAX_MESSAGE);
        assert_eq!(cut_message(&exact), exact.as_str());
        let huge = format!("{}{}", "é".repeat(1000), "y".repeat(200 * 1024));
        let cut = cut_message(&huge);
        assert!(cut.len() < MAX_MESSAGE + 200, "{}", cut.len());
        assert!(cut.starts_with("éé"));
        let cut_bytes = huge.len() - (MAX_MESSAGE - MAX_MESSAGE % 2);
        assert!(
            cut.ends_with(&format!(
                "… [{cut_bytes} of {} bytes cut; the whole message is in the provider's log at TRACE level]",
                huge.len()
            )),
            "{}",
            &cut[cut.len() - 150..]
        );
    }

    #[derive(Debug, thiserror::Error)]
    #[error("Spacelift rejected `contextCreate`: {0}")]
    struct Rejected(String);

    #[test]
    fn report_cuts_the_summary_and_each_cause() {
        let body = "z".repeat(200 * 1024);
        let mut diags = Diagnostics::default();
        report(
            &mut diags,
            &failed("creating Spacelift context `c`", Rejected(body.clone())),
        );
        let d = &diags.errors[0];
        assert_eq!(d.summary, "creating Spacelift context `c`");
        // The cause is one line (tf-provider appends a backtrace after it
        // when RUST_BACKTRACE is set).
        let cause = d.detail.lines().next().unwrap_or_default();
        assert!(cause.len() < 5 * 1024, "{}", cause.len());
        assert!(d.detail.starts_with("Spacelift rejected `contextCreate`: zzz"));
        assert!(d
            .detail
            .contains("bytes cut; the whole message is in the provider's log at TRACE level]"));
        let mut diags = Diagnostics::default();
        report(&mut diags, &Rejected(body));
        assert!(diags.errors[0].summary.len() < 5 * 1024);
    }

    fn response(status: u16, content_type: &str, body: &str) -> HttpResponse {
        let mut raw = HttpResponse::new(
            status.try_into().unwrap(),
            aws_smithy_types::body::SdkBody::from(body.to_string()),
        );
        raw.headers_mut().insert("content-type", content_type.to_string());
        raw
    }

    #[test]
    fn an_answer_the_sdk_cannot_read_names_the_status_the_operation_and_the_endpoint() {
        use aws_sdk_iam::error::SdkError;
        use aws_sdk_iam::operation::create_role::CreateRoleError;
        use aws_smithy_types::error::ErrorMetadata;
        crate::framework::api_calls::record_endpoint(
            "TestUnreadableCreateRole",
            "https://proxy.example:8443",
            std::time::Duration::from_secs(120),
        );
        let html =
            "<html>\n<head><title>403 Forbidden</title></head>\n<body>blocked by the corporate proxy</body></html>";
        let err = SdkError::service_error(
            CreateRoleError::generic(ErrorMetadata::builder().build()),
            response(403, "text/html", html),
        );
        let api = ApiError::new("TestUnreadableCreateRole", err);
        assert!(!api.ambiguous, "a 403 was refused");
        assert_eq!(
            api.to_string(),
            "TestUnreadableCreateRole: HTTP 403 from https://proxy.example:8443, an answer that is not an AWS error \
             (text/html, 99 bytes: \"<html> <head><title>403 Forbidden</title></head> <body>blocked by the corporate proxy</body></html>\"): \
             check the endpoint, and any proxy or firewall between the provider and AWS"
        );
        let mut diags = Diagnostics::default();
        report(&mut diags, &failed("creating IAM role `r`", api));
        let detail = &diags.errors[0].detail;
        for noise in ["unhandled error", "aws_request_id", "Error {"] {
            assert!(!detail.contains(noise), "{noise}: {detail}");
        }

        // A 200 the SDK could not read: status and endpoint, never the body
        // (a success body may hold credentials).
        let err: SdkError<CreateRoleError, HttpResponse> = SdkError::response_error(
            "XML parse error",
            response(200, "text/xml", "<AssumeRoleResult><SecretAccessKey>abc"),
        );
        let api = ApiError::new("TestUnreadableCreateRole", err);
        assert!(api.ambiguous, "a 200 that cannot be read may have taken effect");
        let text = api.to_string();
        assert!(text.starts_with("TestUnreadableCreateRole: HTTP 200 from https://proxy.example:8443, an answer the AWS SDK cannot read as the operation's result (text/xml, 38 bytes)"), "{text}");
        assert!(!text.contains("SecretAccessKey"), "{text}");

        // A message AWS sent is kept (and cut when huge).
        let err = SdkError::service_error(
            CreateRoleError::generic(
                ErrorMetadata::builder()
                    .code("MalformedPolicyDocument")
                    .message("m".repeat(10_000))
                    .build(),
            ),
            response(400, "text/xml", "<ErrorResponse/>"),
        );
        let text = ApiError::new("TestUnreadableCreateRole", err).to_string();
        assert!(
            text.starts_with("TestUnreadableCreateRole: MalformedPolicyDocument: mmm"),
            "{text}"
        );
        assert!(
            text.ends_with("bytes cut; the whole message is in the provider's log at TRACE level]"),
            "{text}"
        );
    }
}
