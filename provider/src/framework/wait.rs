//! Waiting for long operations (EKS create, update, delete): a named
//! condition polled under an explicit timeout, with progress logged on every
//! poll, and `timeouts { create = "30m" }` durations as Terraform writes them.

use std::future::Future;
use std::time::{Duration, Instant};

/// What one poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum Poll<T> {
    /// The condition holds.
    Done(T),
    /// Not yet; the status seen (for the log and a timeout message).
    Pending(String),
    /// Nearly: the condition was seen and needs confirming reads, which are
    /// made at the first, short, poll interval.
    Confirming(String),
    /// It will never hold (e.g. an update that ended `Failed`), with the details.
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
/// Why a wait ended without the object reaching its target state.
pub enum WaitError<E: std::error::Error + 'static> {
    #[error("timed out after {timeout:?} waiting for {what} (last status: {last})")]
    /// The timeout passed; `last` is the last state seen.
    Timeout {
        /// What was waited for.
        what: String,
        /// How long.
        timeout: Duration,
        /// The last status seen.
        last: String,
    },
    #[error("{what} failed: {detail}")]
    /// The object reached a state it cannot leave (e.g. a failed create).
    Failed {
        /// What was waited for.
        what: String,
        /// What the service says went wrong.
        detail: String,
    },
    #[error("checking {what}")]
    /// Checking the object failed.
    Check {
        /// What was waited for.
        what: String,
        /// The check's error.
        #[source]
        source: E,
    },
}

/// How to wait.
#[derive(Debug, Clone)]
pub struct Waiter {
    /// What is awaited, for logs and errors: "EKS cluster `main` to become ACTIVE".
    pub what: String,
    /// How long to wait in all.
    pub timeout: Duration,
    /// The longest pause between polls. Polls start at `first_poll` and
    /// double up to this, so quick transitions are seen quickly and long ones
    /// cost few calls.
    pub poll: Duration,
    /// The wait before the first check.
    pub first_poll: Duration,
}

impl Waiter {
    /// A wait for `what`, bounded by `timeout`.
    pub fn new(what: impl Into<String>, timeout: Duration) -> Self {
        Waiter {
            what: what.into(),
            timeout,
            poll: Duration::from_secs(15),
            first_poll: Duration::from_secs(1),
        }
    }

    /// Checks every `poll`.
    pub fn poll_every(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self.first_poll = poll;
        self
    }

    /// Polls `check` until it is `Done` or `Failed`, or the timeout passes.
    pub async fn until<T, E, F, Fut>(&self, mut check: F) -> Result<T, WaitError<E>>
    where
        E: std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Poll<T>, E>>,
    {
        let start = Instant::now();
        let mut pause = self.first_poll.min(self.poll);
        loop {
            let (last, confirming) = match check().await.map_err(|source| WaitError::Check {
                what: self.what.clone(),
                source,
            })? {
                Poll::Done(value) => {
                    tracing::info!("{}: done after {:?}", self.what, start.elapsed());
                    return Ok(value);
                }
                Poll::Failed(detail) => {
                    return Err(WaitError::Failed {
                        what: self.what.clone(),
                        detail,
                    })
                }
                Poll::Pending(status) => (status, false),
                Poll::Confirming(status) => (status, true),
            };
            if confirming {
                pause = self.first_poll.min(self.poll);
            }
            let elapsed = start.elapsed();
            if elapsed + pause > self.timeout {
                return Err(WaitError::Timeout {
                    what: self.what.clone(),
                    timeout: self.timeout,
                    last,
                });
            }
            tracing::info!(
                "waiting for {}: status {last} ({elapsed:?} of {:?})",
                self.what,
                self.timeout
            );
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(self.poll);
        }
    }

    /// Waits until `exists` says the object is gone `confirmations` times in a
    /// row: a delete is believed only after several consecutive "gone" reads,
    /// since an eventually consistent API may briefly hide an object.
    pub async fn until_gone<E, F, Fut>(&self, confirmations: u32, mut exists: F) -> Result<(), WaitError<E>>
    where
        E: std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<String>, E>>,
    {
        // An atomic rather than a Cell: the future must stay `Send` for async-trait callers.
        let gone_reads = std::sync::atomic::AtomicU32::new(0);
        let needed = confirmations.max(1);
        self.until(|| {
            let read = exists();
            let gone_reads = &gone_reads;
            async move {
                use std::sync::atomic::Ordering::Relaxed;
                match read.await? {
                    None => {
                        let seen = gone_reads.fetch_add(1, Relaxed) + 1;
                        if seen >= needed {
                            Ok(Poll::Done(()))
                        } else {
                            Ok(Poll::Confirming(format!("gone ({seen}/{needed} reads)")))
                        }
                    }
                    Some(status) => {
                        gone_reads.store(0, Relaxed);
                        Ok(Poll::Pending(status))
                    }
                }
            }
        })
        .await
    }
}

/// The `timeouts { create, update, delete }` block of long-running resources.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Timeouts {
    /// The `timeouts.create` duration, e.g. `"30m"`.
    pub create: tf_provider::value::Value<String>,
    /// The `timeouts.update` duration.
    pub update: tf_provider::value::Value<String>,
    /// The `timeouts.delete` duration.
    pub delete: tf_provider::value::Value<String>,
}

/// Which operation a timeout is for, with its default.
#[derive(Debug, Clone, Copy)]
pub enum Operation {
    /// `timeouts.create`.
    Create,
    /// `timeouts.update`.
    Update,
    /// `timeouts.delete`.
    Delete,
}

impl Operation {
    /// The entry of the `timeouts` block: `create`, `update` or `delete`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }

    /// What a wait of this operation that times out leaves, for messages.
    pub fn on_timeout(self) -> &'static str {
        match self {
            Operation::Create => "a create that times out leaves the object tainted (the next apply replaces it)",
            Operation::Update => {
                "an update that times out fails the apply while the service carries on with the change (the next plan shows what is left)"
            }
            Operation::Delete => {
                "a delete that times out fails the destroy and keeps the object in the state (the next destroy waits for it again)"
            }
        }
    }

    /// The default duration of this operation's wait.
    pub fn default_timeout(self) -> Duration {
        DEFAULT_TIMEOUTS
            .iter()
            .find(|(o, _)| std::mem::discriminant(o) == std::mem::discriminant(&self))
            .map_or(Duration::from_secs(30 * 60), |(_, d)| *d)
    }
}

/// The plan-time check of one `timeouts` entry: a duration of at least
/// [`MIN_TIMEOUT`]; the message names the entry's own operation.
pub fn check_timeout(op: Operation, text: &str) -> Result<(), String> {
    let d = parse_duration(text)?;
    if d < MIN_TIMEOUT {
        return Err(format!(
            "must be at least 1s, got {text:?}: a shorter wait cannot see the {name} finish, and {consequence}; \
             remove the entry to use the default ({default}m)",
            name = op.name(),
            consequence = op.on_timeout(),
            default = op.default_timeout().as_secs() / 60,
        ));
    }
    Ok(())
}

/// The defaults of EKS resources: create 30m, update 60m, delete 15m.
pub const DEFAULT_TIMEOUTS: [(Operation, Duration); 3] = [
    (Operation::Create, Duration::from_secs(30 * 60)),
    (Operation::Update, Duration::from_secs(60 * 60)),
    (Operation::Delete, Duration::from_secs(15 * 60)),
];

impl Timeouts {
    fn text(&self, op: Operation) -> &tf_provider::value::Value<String> {
        match op {
            Operation::Create => &self.create,
            Operation::Update => &self.update,
            Operation::Delete => &self.delete,
        }
    }

    /// The configured duration for `op`, or its default.
    pub fn get(block: &tf_provider::value::Value<Timeouts>, op: Operation) -> Duration {
        let default = op.default_timeout();
        block
            .as_ref_option()
            .and_then(|t| t.text(op).as_ref_option())
            .and_then(|text| parse_duration(text).ok())
            .unwrap_or(default)
    }

    /// Plan-time check of the durations.
    pub fn validate(block: &tf_provider::value::Value<Timeouts>, v: &mut crate::framework::validate::Validator) {
        let Some(t) = block.as_ref_option() else { return };
        for op in [Operation::Create, Operation::Update, Operation::Delete] {
            v.check(
                &tf_provider::AttributePath::new("timeouts").attribute(op.name()),
                t.text(op).as_ref_option(),
                |text: &String| check_timeout(op, text),
            );
        }
    }

    /// The schema of the block.
    pub fn block() -> tf_provider::schema::NestedBlock {
        use crate::framework::schema::{attributes, string, Optional};
        tf_provider::schema::NestedBlock::Optional(tf_provider::schema::Block {
            version: 1,
            attributes: attributes([
                ("create", string(Optional, "How long to wait for the create to finish, such as `\"45m\"`. Default `30m`.")),
                ("update", string(Optional, "How long to wait for each update to finish, such as `\"90m\"`. Default `60m`.")),
                ("delete", string(Optional, "How long to wait for the delete to finish. Default `15m`.")),
            ]),
            blocks: Default::default(),
            description: tf_provider::schema::Description::markdown(
                "How long to wait for the long operations of this resource. Durations are written as Terraform writes them: `\"30m\"`, `\"1h30m\"`, `\"90s\"`.",
            ),
            deprecated: false,
        })
    }
}

/// A duration as Terraform's `timeouts` blocks write them: a sequence of
/// numbers with units `h`, `m`, `s` or `ms`, such as "30m", "1h30m", "90s",
/// "1.5h".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let err = || format!("must be a duration such as \"30m\", \"1h30m\" or \"90s\", got {text:?}");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(err());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(err)?;
        if number_len == 0 {
            return Err(err());
        }
        let number: f64 = rest[..number_len].parse().map_err(|_| err())?;
        rest = &rest[number_len..];
        let (seconds, unit_len) = if rest.starts_with("ms") {
            (0.001, 2)
        } else if rest.starts_with('h') {
            (3600.0, 1)
        } else if rest.starts_with('m') {
            (60.0, 1)
        } else if rest.starts_with('s') {
            (1.0, 1)
        } else {
            return Err(err());
        };
        total += number * seconds;
        rest = &rest[unit_len..];
    }
    // Checked: a huge or non-finite number is an error, never a panic.
    match Duration::try_from_secs_f64(total) {
        Ok(duration) if duration <= MAX_DURATION => Ok(duration),
        _ => Err(format!(
            "must be at most {}h (a week), got {text:?}",
            MAX_DURATION.as_secs() / 3600
        )),
    }
}

/// The shortest `timeouts` value accepted.
pub const MIN_TIMEOUT: Duration = Duration::from_secs(1);

/// The longest `timeouts` value accepted: a week. Longer waits are a typo.
pub const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[derive(Debug, thiserror::Error)]
    #[error("boom")]
    struct Boom;

    const FAST: Duration = Duration::from_millis(1);

    #[test]
    fn durations_as_terraform_writes_them() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        for bad in ["", "30", "m", "30x", "1h-5m", "abc", ".h", "1..5h", "1e400s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("168h"), Ok(MAX_DURATION));
        for huge in ["169h", "99999999999999999999h", &format!("{}h", "9".repeat(400))] {
            let err = parse_duration(huge).unwrap_err();
            assert!(err.contains("at most 168h"), "{huge}: {err}");
        }
    }

    #[test]
    fn each_timeout_message_names_its_own_operation() {
        for (op, own, default) in [
            (Operation::Create, "create", "30m"),
            (Operation::Update, "update", "60m"),
            (Operation::Delete, "delete", "15m"),
        ] {
            let message = check_timeout(op, "0s").unwrap_err();
            assert!(
                message.starts_with(&format!(
                    "must be at least 1s, got \"0s\": a shorter wait cannot see the {own} finish, and a"
                )),
                "{message}"
            );
            assert!(message.contains(&format!("{own} that times out")), "{message}");
            assert!(message.ends_with(&format!("use the default ({default})")), "{message}");
            for other in ["create", "update", "delete"].into_iter().filter(|o| *o != own) {
                assert!(!message.contains(other), "{own}: mentions {other}: {message}");
            }
            assert_eq!(check_timeout(op, "1s"), Ok(()));
        }
        // Through the block's validation: the path and the operation match.
        let block = tf_provider::value::Value::Value(Timeouts {
            delete: tf_provider::value::Value::Value("500ms".into()),
            ..Default::default()
        });
        let mut diags = tf_provider::Diagnostics::default();
        Timeouts::validate(&block, &mut crate::framework::validate::Validator::new(&mut diags));
        assert_eq!(diags.errors.len(), 1);
        assert!(diags.errors[0].summary.starts_with("`timeouts.delete`: must be at least 1s, got \"500ms\": a shorter wait cannot see the delete finish, and a delete that times out fails the destroy"), "{}", diags.errors[0].summary);
    }

    #[tokio::test]
    async fn waits_until_done() {
        let polls = Cell::new(0);
        let waiter = Waiter::new("cluster `c` to become ACTIVE", Duration::from_secs(5)).poll_every(FAST);
        let out: Result<u32, WaitError<Boom>> = waiter
            .until(|| {
                polls.set(polls.get() + 1);
                let n = polls.get();
                async move {
                    Ok(if n < 3 {
                        Poll::Pending("CREATING".into())
                    } else {
                        Poll::Done(n)
                    })
                }
            })
            .await;
        assert_eq!(out.unwrap(), 3);
    }

    #[tokio::test]
    async fn failure_and_timeout_say_what_and_why() {
        let waiter = Waiter::new("update `u`", Duration::from_millis(20)).poll_every(Duration::from_millis(5));
        let failed = waiter
            .until(|| async { Ok::<Poll<()>, Boom>(Poll::Failed("NodeCreationFailure: no capacity".into())) })
            .await;
        assert_eq!(
            failed.unwrap_err().to_string(),
            "update `u` failed: NodeCreationFailure: no capacity"
        );
        let timed_out = waiter
            .until(|| async { Ok::<Poll<()>, Boom>(Poll::Pending("InProgress".into())) })
            .await;
        let message = timed_out.unwrap_err().to_string();
        assert!(
            message.starts_with("timed out after 20ms waiting for update `u`")
                && message.ends_with("(last status: InProgress)"),
            "{message}"
        );
        let error = waiter.until(|| async { Err::<Poll<()>, Boom>(Boom) }).await;
        assert!(matches!(error, Err(WaitError::Check { .. })));
    }

    #[tokio::test]
    async fn gone_needs_consecutive_reads() {
        // Gone, back (eventual consistency), gone, gone, gone: done only after three in a row.
        let reads = [None, Some("DELETING"), None, None, None];
        let i = Cell::new(0);
        let waiter = Waiter::new("cluster `c` to be deleted", Duration::from_secs(5)).poll_every(FAST);
        waiter
            .until_gone(3, || {
                let r = reads[i.get()].map(str::to_string);
                i.set(i.get() + 1);
                async move { Ok::<_, Boom>(r) }
            })
            .await
            .unwrap();
        assert_eq!(i.get(), 5);
    }
}
