//! EKS: the cluster-auth token data source and the IAM OIDC provider for a
//! cluster's issuer (the cluster and node-group resources are to come).

pub mod cluster_auth;
pub mod oidc_provider;
