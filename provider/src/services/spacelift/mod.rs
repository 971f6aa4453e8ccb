//! Spacelift: the GraphQL client and the context resources.

pub mod client;
