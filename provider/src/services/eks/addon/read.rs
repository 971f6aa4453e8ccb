//! Refresh and import of `platform_eks_addon`.

use tf_provider::value::Value;

use super::flex::{flatten_addon, identity_of, is_recorded, recorded_identity};
use super::AddonState;
use crate::clients::AwsClients;
use crate::framework::diag::BoxError;
use crate::framework::ownership;
use crate::services::eks::addons::find_addon;
use crate::services::eks::find::find_cluster;

/// The add-on recorded in `state` ("gone" only after several consecutive
/// not-found reads; one of the same name with another identity is not the
/// one recorded); `Ok(None)` when it is gone.
pub(super) async fn read_remote(
    aws: &AwsClients,
    state: &AddonState,
    cluster: &str,
    name: &str,
) -> Result<Option<AddonState>, BoxError> {
    let found = ownership::confirm_gone(|| find_addon(&aws.eks, cluster, name)).await?;
    let found = found.filter(|addon| {
        let ours = is_recorded(state, addon);
        if !ours {
            tracing::warn!(cluster, addon = name, found = %identity_of(addon), recorded = ?recorded_identity(state),
                "an add-on of that name exists, but it is not the one this resource created or imported");
        }
        ours
    });
    Ok(found.map(|addon| flatten_addon(state, &addon, &aws.default_tags)))
}

/// The state of add-on `<cluster>:<name>` for import, its
/// `kubernetes_version` the cluster's; `Ok(None)` when there is no such add-on.
pub(super) async fn import(aws: &AwsClients, cluster: &str, name: &str) -> Result<Option<AddonState>, BoxError> {
    let Some(addon) = find_addon(&aws.eks, cluster, name).await? else {
        return Ok(None);
    };
    let kubernetes = find_cluster(&aws.eks, cluster)
        .await?
        .and_then(|c| c.version().map(str::to_string));
    let s = AddonState {
        kubernetes_version: kubernetes.map_or(Value::Null, Value::Value),
        ..Default::default()
    };
    Ok(Some(flatten_addon(&s, &addon, &aws.default_tags)))
}
