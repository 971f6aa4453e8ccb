//! terraform-provider-platform: a Terraform/OpenTofu provider that composes an
//! EKS platform.
//!
//! Map of the crate (`ARCHITECTURE.md` has the whole picture), from the top:
//! - `provider`: the `provider "platform" {}` schema, validation and
//!   `configure`, which builds the shared clients once; [`PlatformProvider`].
//! - `services`: one folder per service, one resource per file (or folder),
//!   with library files beside them: finders (`Ok(None)` when absent),
//!   waiters, expand/flatten.
//! - `clients`: `ProviderData`, the AWS SDK clients and the Spacelift client.
//! - [`framework`]: what tf-provider lacks, written once: the resource
//!   prologue, plan helpers, validators, IAM policy equivalence, bounded
//!   retries and waiters, ownership, error-to-diagnostic conversion, logs.
//! - [`docs`]: renders the schema into the markdown under `docs/`.
//!
//! Errors are `thiserror` enums that keep their `#[source]`; they become
//! diagnostics only at the `Resource` trait boundary
//! ([`framework::diag::report`]).

mod clients;
pub mod docs;
pub mod framework;
mod provider;
mod services;

pub use provider::PlatformProvider;
