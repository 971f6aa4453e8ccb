//! EKS: the cluster (with its role, secrets key and OIDC provider), managed
//! node groups, a standalone IAM OIDC provider for copies in other accounts,
//! and the cluster-auth token data source.
//!
//! Resources (each imports only the library files and `framework/`):
//! `cluster`, `node_group`, `oidc_provider`, `pod_identity_association`, and the data source
//! `cluster_auth`. Library files: `find` (finders), `wait` (waiters and
//! update tracking), `roles` (the roles they create), `tags`, `validate`,
//! `versions` (EKS's release calendar), `thumbprint`, `limits`.

pub mod cluster;
pub mod cluster_auth;
pub mod find;
pub mod limits;
pub mod node_group;
pub mod oidc_provider;
pub mod pod_identity_association;
pub mod roles;
pub mod tags;
pub mod thumbprint;
pub mod validate;
pub mod versions;
pub mod wait;
