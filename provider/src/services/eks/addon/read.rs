//! Refresh and import of `platform_eks_addon`.

use tf_provider::value::Value;

use super::flex::{flatten_addon, identity_of, is_recorded, recorded_identity};
use super::AddonState;
use crate::clients::AwsClients;
use crate::framework::diag::BoxError;
use crate::framework::ownership;
use crate::services::eks::addons::find_addon;
use crate::services::eks::find::find_cluster;
use crate::services::eks::marked::carries;

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

/// Refresh of an add-on whose create's outcome was unknown (`marker`, the
/// token and owner marker it was sent with): found carrying the marker, it is
/// the one the create made, recorded whole; not found (confirmed), or found
/// without the marker (not ours), `Ok(None)`: it leaves state.
pub(super) async fn resolve_pending(
    aws: &AwsClients,
    state: &AddonState,
    cluster: &str,
    name: &str,
    marker: &str,
) -> Result<Option<AddonState>, BoxError> {
    let found = ownership::confirm_gone(|| find_addon(&aws.eks, cluster, name)).await?;
    let Some(addon) = found else {
        tracing::warn!(
            cluster,
            addon = name,
            "the add-on whose create's outcome was unknown does not exist: nothing was made"
        );
        return Ok(None);
    };
    if !carries(addon.tags(), marker) {
        tracing::warn!(cluster, addon = name, found = %identity_of(&addon),
            "an add-on of that name exists without the owner marker of the create whose outcome was unknown: it is not this resource's");
        return Ok(None);
    }
    tracing::warn!(
        cluster,
        addon = name,
        "found the add-on whose create's outcome was unknown by its owner marker: recorded"
    );
    Ok(Some(flatten_addon(state, &addon, &aws.default_tags)))
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
