//! The limits the APIs document, each with the source of its number.
//!
//! Every limit that IAM, KMS, EKS and Spacelift document is checked at plan
//! time by a validator that names the attribute path and the limit. Each
//! service keeps its own table beside its code (`services/<svc>/limits.rs`),
//! cross-cutting limits (tags, durations, ARNs) live here, and
//! `services::limits()` gathers them all. `cargo run --bin gen-docs` renders
//! them into `docs/guides/limits.md`, and an acceptance case
//! (`tests/test_limits_table.py`) checks that every row is exercised by a
//! `bad_input` case: the row's `rule` text must appear among the expected
//! diagnostics of the test file it names.

/// One documented limit.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// What is limited, as the user writes it, e.g. "`platform_irsa_role.name`"
    /// or "tags (every resource)".
    pub subject: &'static str,
    /// The limit in words, with its numbers.
    pub limit: &'static str,
    /// Where the number comes from: an API reference or quota page, or a
    /// checked fact in the repository.
    pub source: &'static str,
    /// The acceptance test file whose `bad_input` cases exercise this limit,
    /// relative to `acceptance-tests/tests/`.
    pub test_file: &'static str,
    /// A fragment of the diagnostic the provider gives for this limit; the
    /// test file expects it verbatim.
    pub rule: &'static str,
}

/// Limits shared by every resource.
pub const LIMITS: &[Limit] = &[];
