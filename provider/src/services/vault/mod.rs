//! Vault on AWS: the `awskms` auto-unseal.

pub mod limits;
pub mod seal;
