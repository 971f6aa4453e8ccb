//! Controller policies: the IAM policy each cluster controller's own
//! documentation publishes, as a value (`platform_controller_policy`), with
//! the service accounts its chart uses by default.
//!
//! `catalog.rs` lists the controllers (default service accounts, the
//! parameters each accepts or requires, the upstream document followed);
//! `scope.rs` checks
//! the ARNs' grammar and refuses wildcards the upstream policies do not use;
//! `policies.rs` and `large.rs` build the statements; `policy_data_source.rs`
//! is the data source. No API call is made.

pub mod catalog;
mod large;
pub mod policies;
pub mod policy_data_source;
mod scope;

#[cfg(test)]
mod tests;
