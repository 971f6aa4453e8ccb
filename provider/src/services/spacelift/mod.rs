//! Spacelift: the context resources (the GraphQL client is `crate::clients::spacelift`).

pub mod context;
pub mod context_attachment;
pub mod limits;
