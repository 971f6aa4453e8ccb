//! terraform-provider-platform: a Terraform/OpenTofu provider that composes an
//! EKS platform.
//!
//! Map of the crate:
//! - [`provider`]: `provider "platform" {}` configuration and the AWS clients,
//!   built once in `configure` and shared by every resource.
//! - [`framework`]: what tf-provider lacks, written once: plan helpers,
//!   validators, IAM policy equivalence, bounded retries, error-to-diagnostic
//!   conversion, schema constructors.
//! - [`services`]: one folder per service, one resource per file, with the
//!   resource's finders (`find_role_by_name` returns `Ok(None)` when absent),
//!   waiters and expand/flatten helpers beside it.
//! - [`docs`]: renders the schema into the markdown under `docs/`.
//!
//! Errors are `thiserror` enums that keep their `#[source]`; they become
//! diagnostics only at the `Resource` trait boundary
//! ([`framework::diag::report`]).

pub mod clients;
pub mod docs;
pub mod framework;
pub mod provider;
pub mod services;

pub use provider::PlatformProvider;
