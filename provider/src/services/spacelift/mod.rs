//! Spacelift: the GraphQL client and the context resources.

pub mod client;
pub mod context;
pub mod context_attachment;
pub mod limits;
