//! Vault on AWS: the `awskms` auto-unseal.

pub mod awskms_seal;
pub mod limits;
