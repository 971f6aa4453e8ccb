//! KMS: keys with their policy and alias, and the EBS storage resource.

pub mod ebs_storage;
pub mod key;
pub mod limits;
