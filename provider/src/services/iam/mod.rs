//! IAM: roles, the IRSA trust policy, and the IRSA role resource.

pub mod irsa_role;
pub mod limits;
pub mod oidc_provider;
pub mod role;
pub mod trust;
