//! What tf-provider lacks, written once and shared by every resource:
//! plan helpers, validators, policy equivalence, retries, and the conversion
//! of errors into diagnostics.

pub mod api_calls;
pub mod diag;
pub mod json_schema;
pub mod limits;
pub mod log;
pub mod naming;
pub mod ownership;
pub mod plan;
pub mod policy;
pub mod resource;
pub mod retry;
pub mod schema;
pub mod settle;
pub mod tags;
pub mod validate;
pub mod wait;
pub mod write_only;
