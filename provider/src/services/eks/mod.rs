//! EKS: the cluster-auth token data source (the cluster resources are to come).

pub mod cluster_auth;
