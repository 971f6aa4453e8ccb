//! Provider logs as Terraform expects them from a plugin: hclog-format JSON
//! lines on stderr, which Terraform (through go-plugin) parses and shows
//! under `TF_LOG` / `TF_LOG_PROVIDER` as the provider's own log lines.
//!
//! - The level comes from `TF_LOG_PROVIDER`, else `TF_LOG`, read the way
//!   Terraform reads them: unset or empty is off, `JSON` and unknown words are
//!   `TRACE`. With neither set the provider writes nothing.
//! - `PLUGIN_LOG_FILE` (tf-provider's debugging aid) also gets every line, at
//!   `TRACE`.
//! - Only this crate and tf-provider log at the requested level. Dependencies
//!   (the AWS SDK, hyper, h2, rustls, reqwest, tonic) are capped at `WARN`:
//!   at `TRACE` they print request headers, which carry session tokens, and
//!   bodies. Every API call is logged by this crate instead, with its
//!   operation and duration (see `framework::api_calls`), never with its
//!   payload. tower_http (tf-provider's gRPC trace layer) is left out: it
//!   reports the RPCs Terraform probes and tfplugin 6.5 lacks as errors.
//!   Secrets are never logged by this crate at any level: the values
//!   that hold them are `Secret`s whose `Debug`/`Display` print a placeholder.
//! - Each line carries the fields of the spans around it: `tf_rpc` and
//!   `tf_resource_type` from the RPC span tf-provider opens for each call.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Filter, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The module name shown in Terraform's log for this provider's lines.
pub const MODULE: &str = "provider.terraform-provider-platform";

/// Crates whose events pass at the requested level; others are capped at WARN.
const OWN_TARGETS: &[&str] = &["platform_provider", "terraform_provider_platform", "tf_provider"];

/// The level Terraform asks for: `TF_LOG_PROVIDER`, else `TF_LOG`.
pub fn level_from_env(get: impl Fn(&str) -> Option<String>) -> Option<Level> {
    let raw = get("TF_LOG_PROVIDER")
        .filter(|v| !v.trim().is_empty())
        .or_else(|| get("TF_LOG").filter(|v| !v.trim().is_empty()))?;
    match raw.trim().to_ascii_uppercase().as_str() {
        "OFF" => None,
        "ERROR" => Some(Level::ERROR),
        "WARN" => Some(Level::WARN),
        "INFO" => Some(Level::INFO),
        "DEBUG" => Some(Level::DEBUG),
        // TRACE, JSON, and anything Terraform does not know (it defaults to TRACE).
        _ => Some(Level::TRACE),
    }
}

/// Installs the process-wide subscriber. Call once, before serving.
pub fn init() {
    let level = level_from_env(|k| std::env::var(k).ok());
    let file = std::env::var("PLUGIN_LOG_FILE")
        .ok()
        .filter(|p| !p.is_empty())
        .and_then(|p| std::fs::File::create(p).ok());
    if level.is_none() && file.is_none() {
        return;
    }
    let stderr = level.map(|level| HclogLayer::new(Box::new(std::io::stderr())).with_filter(LevelCap(level)));
    let file = file.map(|f| HclogLayer::new(Box::new(f)).with_filter(LevelCap(Level::TRACE)));
    let subscriber = tracing_subscriber::registry().with(stderr).with(file);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Passes this crate's and tf-provider's events up to `0`, and everything
/// else up to WARN.
struct LevelCap(Level);

impl LevelCap {
    fn allows(&self, meta: &Metadata<'_>) -> bool {
        // tf-provider's gRPC trace layer reports every RPC Terraform probes and
        // tfplugin 6.5 lacks (GetResourceIdentitySchemas...) as an ERROR
        // "response failed"; the RPC spans say what each call was instead.
        if meta.target().starts_with("tower_http") {
            return false;
        }
        let own = OWN_TARGETS.iter().any(|t| meta.target().starts_with(t));
        let cap = if own { self.0 } else { Level::WARN.min(self.0) };
        *meta.level() <= cap
    }
}

impl<S> Filter<S> for LevelCap {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        self.allows(meta)
    }
}

/// Writes each event as one hclog JSON line.
pub struct HclogLayer {
    out: Mutex<Box<dyn Write + Send>>,
}

impl HclogLayer {
    /// Log lines go to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        HclogLayer { out: Mutex::new(out) }
    }
}

/// A span's fields, kept in its extensions.
struct SpanFields(Map<String, Json>);

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, id: &tracing::span::Id, ctx: Context<'_, S>) {
        let mut fields = JsonVisitor::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            // Both layers (stderr and PLUGIN_LOG_FILE) see every span: the
            // first one keeps the fields, inserting twice would panic.
            let mut ext = span.extensions_mut();
            if ext.get_mut::<SpanFields>().is_none() {
                ext.insert(SpanFields(fields.0));
            }
        }
    }

    fn on_record(&self, id: &tracing::span::Id, values: &tracing::span::Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut visitor = JsonVisitor::default();
            values.record(&mut visitor);
            let mut ext = span.extensions_mut();
            if let Some(fields) = ext.get_mut::<SpanFields>() {
                fields.0.extend(visitor.0);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(own) = span.extensions().get::<SpanFields>() {
                    fields.extend(own.0.clone());
                }
            }
        }
        let mut visitor = JsonVisitor::default();
        event.record(&mut visitor);
        fields.extend(visitor.0);
        let line = hclog_line(event.metadata(), fields, SystemTime::now());
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }
}

/// One hclog JSON line (with its newline): `@level`, `@message`, `@module`,
/// `@timestamp` in the format go-plugin parses, then the fields.
pub fn hclog_line(meta: &Metadata<'_>, mut fields: Map<String, Json>, at: SystemTime) -> String {
    let message = match fields.remove("message") {
        Some(Json::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let mut entry: BTreeMap<String, Json> = fields.into_iter().collect();
    entry.insert("@level".into(), Json::String(level_name(meta.level()).into()));
    entry.insert("@message".into(), Json::String(message));
    entry.insert("@module".into(), Json::String(MODULE.into()));
    entry.insert("@timestamp".into(), Json::String(timestamp(at)));
    if meta.target() != "platform_provider" {
        entry.insert("@caller".into(), Json::String(meta.target().to_string()));
    }
    let mut line = serde_json::to_string(&entry).unwrap_or_default();
    line.push('\n');
    line
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// `2006-01-02T15:04:05.000000Z07:00` in UTC, the layout go-plugin parses.
fn timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = crate::framework::naming::civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        since.subsec_micros()
    )
}

#[derive(Default)]
struct JsonVisitor(Map<String, Json>);

impl Visit for JsonVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Json::String(value.into()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Json::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Json::Bool(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), Json::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn levels_follow_terraform() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(level_from_env(env(&[])), None);
        assert_eq!(level_from_env(env(&[("TF_LOG", "")])), None);
        assert_eq!(level_from_env(env(&[("TF_LOG", "debug")])), Some(Level::DEBUG));
        assert_eq!(level_from_env(env(&[("TF_LOG", "JSON")])), Some(Level::TRACE));
        assert_eq!(level_from_env(env(&[("TF_LOG", "bogus")])), Some(Level::TRACE));
        assert_eq!(
            level_from_env(env(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "warn")])),
            Some(Level::WARN)
        );
        assert_eq!(
            level_from_env(env(&[("TF_LOG_PROVIDER", "off"), ("TF_LOG", "trace")])),
            None
        );
    }

    #[test]
    fn timestamps_use_go_plugins_layout() {
        let at = UNIX_EPOCH + std::time::Duration::from_micros(1_795_624_884_123_456);
        assert_eq!(timestamp(at), "2026-11-25T16:41:24.123456Z");
    }

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn events_become_hclog_lines_with_span_fields_and_dependencies_are_capped() {
        let buffer = Buffer::default();
        let layer = HclogLayer::new(Box::new(buffer.clone())).with_filter(LevelCap(Level::TRACE));
        // A second layer, as with PLUGIN_LOG_FILE set: spans are shared.
        let file = HclogLayer::new(Box::new(Buffer::default())).with_filter(LevelCap(Level::TRACE));
        let subscriber = tracing_subscriber::registry().with(layer).with(file);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::error_span!(
                "rpc",
                tf_rpc = "ApplyResourceChange",
                tf_resource_type = "platform_irsa_role"
            );
            let _g = span.enter();
            tracing::debug!(aws_operation = "CreateRole", duration_ms = 12u64, "AWS API call");
            tracing::trace!(target: "aws_smithy_runtime", "headers that carry a session token");
            tracing::warn!(target: "hyper", "a dependency's warning");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Json> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["@level"], "debug");
        assert_eq!(lines[0]["@message"], "AWS API call");
        assert_eq!(lines[0]["@module"], MODULE);
        assert_eq!(lines[0]["tf_rpc"], "ApplyResourceChange");
        assert_eq!(lines[0]["tf_resource_type"], "platform_irsa_role");
        assert_eq!(lines[0]["aws_operation"], "CreateRole");
        assert_eq!(lines[0]["duration_ms"], 12);
        assert_eq!(lines[1]["@level"], "warn");
        assert!(!text.contains("session token"));
    }
}
