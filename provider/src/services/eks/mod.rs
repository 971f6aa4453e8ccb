//! EKS: the cluster (with its role, secrets key and OIDC provider), managed
//! node groups, a standalone IAM OIDC provider for copies in other accounts,
//! and the cluster-auth token data source.

pub mod cluster;
pub mod cluster_auth;
pub mod limits;
pub mod node_group;
pub mod oidc_provider;
pub mod thumbprint;
pub mod update;
pub mod validate;
pub mod versions;
