//! One folder per AWS service (and one for Spacelift), one resource per file.

use std::collections::HashMap;
use std::sync::Arc;

use tf_provider::{DynamicDataSource, DynamicResource};

use crate::clients::ProviderData;
use crate::framework::resource::Managed;

pub mod controllers;
pub mod eks;
pub mod iam;
pub mod kms;
pub mod spacelift;
pub mod vault;

/// Every resource type, by name without the `platform_` prefix.
pub fn resources(data: &Arc<ProviderData>) -> HashMap<String, Box<dyn DynamicResource>> {
    let mut resources: HashMap<String, Box<dyn DynamicResource>> = HashMap::new();
    resources.insert(
        "irsa_role".into(),
        Box::new(Managed(iam::irsa_role::IrsaRoleResource { data: data.clone() })),
    );
    resources.insert(
        "ebs_storage".into(),
        Box::new(Managed(kms::ebs_storage::EbsStorageResource { data: data.clone() })),
    );
    resources.insert(
        "vault_seal".into(),
        Box::new(Managed(vault::seal::VaultSealResource { data: data.clone() })),
    );
    resources.insert(
        "spacelift_context".into(),
        Box::new(Managed(spacelift::context::ContextResource { data: data.clone() })),
    );
    resources.insert(
        "spacelift_context_attachment".into(),
        Box::new(Managed(spacelift::context_attachment::AttachmentResource {
            data: data.clone(),
        })),
    );
    resources.insert(
        "eks_oidc_provider".into(),
        Box::new(Managed(eks::oidc_provider::OidcProviderResource { data: data.clone() })),
    );
    resources.insert(
        "eks_cluster".into(),
        Box::new(Managed(eks::cluster::ClusterResource { data: data.clone() })),
    );
    resources.insert(
        "eks_node_group".into(),
        Box::new(Managed(eks::node_group::NodeGroupResource { data: data.clone() })),
    );
    resources.insert(
        "eks_access_entry".into(),
        Box::new(Managed(eks::access_entry::AccessEntryResource { data: data.clone() })),
    );
    resources.insert(
        "eks_addon".into(),
        Box::new(Managed(eks::addon::AddonResource { data: data.clone() })),
    );
    resources.insert(
        "eks_pod_identity_association".into(),
        Box::new(Managed(eks::pod_identity_association::PodIdentityAssociationResource {
            data: data.clone(),
        })),
    );
    resources
}

/// Every data source, by name without the `platform_` prefix.
pub fn data_sources(data: &Arc<ProviderData>) -> HashMap<String, Box<dyn DynamicDataSource>> {
    let mut sources: HashMap<String, Box<dyn DynamicDataSource>> = HashMap::new();
    sources.insert(
        "eks_cluster_auth".into(),
        Box::new(eks::cluster_auth::ClusterAuthDataSource::new(data.clone())),
    );
    sources.insert(
        "controller_policy".into(),
        Box::new(controllers::policy_data_source::ControllerPolicyDataSource),
    );
    sources
}

/// Every documented limit the provider checks at plan time, in the order the
/// limits guide lists them.
pub fn limits() -> Vec<&'static crate::framework::limits::Limit> {
    [
        crate::framework::limits::LIMITS,
        iam::limits::LIMITS,
        kms::limits::LIMITS,
        vault::limits::LIMITS,
        eks::limits::LIMITS,
        eks::limits_access::LIMITS,
        spacelift::limits::LIMITS,
    ]
    .into_iter()
    .flatten()
    .collect()
}
