//! EKS: the cluster (with its role, secrets key and OIDC provider), managed
//! node groups, add-ons, access entries, pod identity associations, a standalone IAM OIDC provider for copies in other accounts,
//! and the cluster-auth token data source.
//!
//! Resources (each imports only the library files and `framework/`):
//! `cluster`, `node_group`, `addon`, `access_entry`, `pod_identity_association`, `oidc_provider`, and the data source
//! `cluster_auth`. Library files: `find` (finders), `wait` (waiters and
//! update tracking), `addons` (the add-on finder, catalogue and waiters), `roles` (the roles they create), `tags`, `validate`,
//! `versions` (EKS's release calendar), `thumbprint`, `limits` and `limits_access`,
//! `autoscaler_tags` (the cluster autoscaler's tags on node groups' Auto
//! Scaling groups), `marked` (the time budget, bounded resends and owner-marked
//! creates whose answers may be lost: the cluster, node group, add-on, access
//! entry and pod identity association).

pub mod access_entry;
pub mod addon;
pub mod addons;
pub mod autoscaler_tags;
pub mod cluster;
pub mod cluster_auth;
pub mod find;
pub mod limits;
pub mod limits_access;
pub mod marked;
pub mod node_group;
pub mod oidc_provider;
pub mod pod_identity_association;
pub mod roles;
pub mod tags;
pub mod thumbprint;
pub mod validate;
pub mod versions;
pub mod wait;
