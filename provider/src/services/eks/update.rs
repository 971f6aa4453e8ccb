//! What the cluster and node-group resources share: waiting for EKS updates
//! (UpdateClusterVersion, UpdateClusterConfig, UpdateNodegroupConfig,
//! UpdateNodegroupVersion) to succeed, tag updates, not-found and health-issue
//! texts, and re-creating a role they had created.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_eks::types::{ErrorDetail, Update, UpdateStatus};
use aws_sdk_eks::Client;
use tf_provider::value::Value;

use crate::framework::diag::ApiError;
use crate::framework::retry::Backoff;
use crate::framework::wait::{Poll, WaitError, Waiter};

/// How a request with an idempotency token (`clientRequestToken`) is sent
/// again, with the same token, after an ambiguous failure: EKS answers a
/// repeat with the original result, so this never makes a second object or
/// a second update.
pub const SAME_TOKEN: Backoff = Backoff {
    timeout: Duration::from_secs(60),
    initial: Duration::from_millis(500),
    max_delay: Duration::from_secs(5),
    max_attempts: Some(4),
};

/// An EKS or IAM timestamp as RFC 3339, the form identities are recorded in.
pub fn timestamp(t: Option<&aws_sdk_eks::primitives::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_sdk_eks::primitives::DateTimeFormat::DateTime).ok())
}

/// Starts an EKS update with one `clientRequestToken`, sent again unchanged
/// after an ambiguous failure (EKS answers a repeat with the original
/// update, so this never starts a second one), then waits until the update
/// is Successful. `send` makes the request with the token it is given; a
/// failure to start becomes `start_error`'s error.
pub async fn run_update<F, Fut, E>(
    eks: &Client,
    cluster: &str,
    nodegroup: Option<&str>,
    operation: &'static str,
    timeout: Duration,
    send: F,
    start_error: impl FnOnce(ApiError) -> E,
) -> Result<(), crate::framework::diag::BoxError>
where
    F: Fn(&str) -> Fut,
    Fut: std::future::Future<Output = Result<Option<Update>, ApiError>>,
    E: Into<crate::framework::diag::BoxError>,
{
    let token = crate::framework::ownership::new_marker();
    let update = crate::framework::retry::retry(operation, SAME_TOKEN, |e: &ApiError| e.ambiguous, || send(&token))
        .await
        .map_err(|e| start_error(e).into())?;
    if let Some(update) = update {
        wait_update_successful(eks, cluster, nodegroup, &update, timeout).await?;
    }
    Ok(())
}

/// An update EKS reports as `Failed` or `Cancelled`, with its error details:
/// "ClusterUnreachable: ... (resources: main)".
pub fn describe_errors(errors: &[ErrorDetail]) -> String {
    if errors.is_empty() {
        return "EKS gave no details".to_string();
    }
    errors
        .iter()
        .map(|e| {
            let code = e.error_code().map_or("Unknown".to_string(), |c| c.as_str().to_string());
            let message = e.error_message().unwrap_or_default();
            let resources = e.resource_ids().join(", ");
            if resources.is_empty() {
                format!("{code}: {message}")
            } else {
                format!("{code}: {message} (resources: {resources})")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits for an update to be `Successful`. `Failed` and `Cancelled` end the
/// wait with EKS's error details.
pub async fn wait_update_successful(
    eks: &Client,
    cluster: &str,
    nodegroup: Option<&str>,
    update: &Update,
    timeout: Duration,
) -> Result<(), WaitError<ApiError>> {
    let id = update.id().unwrap_or_default().to_string();
    let kind = update.r#type().map_or("update".to_string(), |t| t.as_str().to_string());
    let target = match nodegroup {
        Some(ng) => format!("node group `{cluster}:{ng}`"),
        None => format!("EKS cluster `{cluster}`"),
    };
    Waiter::new(format!("{kind} `{id}` of {target}"), timeout)
        .until(|| async {
            let out = eks
                .describe_update()
                .name(cluster)
                .set_nodegroup_name(nodegroup.map(str::to_string))
                .update_id(&id)
                .send()
                .await
                .map_err(|e| ApiError::new("DescribeUpdate", e))?;
            let Some(update) = out.update else {
                return Ok(Poll::Pending("no update returned".to_string()));
            };
            Ok(match update.status() {
                Some(UpdateStatus::Successful) => Poll::Done(()),
                Some(status @ (UpdateStatus::Failed | UpdateStatus::Cancelled)) => {
                    Poll::Failed(format!("{}: {}", status.as_str(), describe_errors(update.errors())))
                }
                Some(status) => Poll::Pending(status.as_str().to_string()),
                None => Poll::Pending("unknown".to_string()),
            })
        })
        .await
}

/// EKS's "no such cluster / node group / update".
pub fn is_not_found<E: aws_sdk_eks::error::ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some("ResourceNotFoundException")
}

/// Brings the tags of a cluster or node group from `old` to `new`.
pub async fn update_tags(
    eks: &Client,
    arn: &str,
    old: &std::collections::BTreeMap<String, String>,
    new: &std::collections::BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let (removed, changed) = crate::framework::tags::diff(old, new);
    if !removed.is_empty() {
        eks.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| ApiError::new("UntagResource", e))?;
    }
    if !changed.is_empty() {
        eks.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(changed.into_iter().collect()))
            .send()
            .await
            .map_err(|e| ApiError::new("TagResource", e))?;
    }
    Ok(())
}

/// Health issues as "code: message; ...", from (code, message) pairs.
pub fn describe_issues<'a>(issues: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>) -> String {
    issues
        .map(|(code, message)| format!("{}: {}", code.unwrap_or("Unknown"), message.unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The prefix of the provider's own tags (owner markers such as
/// `platform:owner` and `platform:eks-cluster`, links between resources).
/// Users may not set such tags, so on the objects a resource created they are
/// never removed, and never shown as drift.
pub const PLATFORM_TAG_PREFIX: &str = "platform:";

/// Whether `key` is one of the provider's own tags ([`PLATFORM_TAG_PREFIX`],
/// compared as the tag validator compares it: ignoring case).
pub fn is_platform_tag(key: &str) -> bool {
    key.len() >= PLATFORM_TAG_PREFIX.len() && key[..PLATFORM_TAG_PREFIX.len()].eq_ignore_ascii_case(PLATFORM_TAG_PREFIX)
}

/// The tags of a created object as a resource shows them (`managed_role_tags`
/// and the like): all of them but the provider's own.
pub fn shown_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| !is_platform_tag(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The tags a created object must end up with, given those it has now
/// (`current`, all of them): the wanted tags (the resource's `tags_all`),
/// the owner tags the resource puts on what it creates (`owner`), and every
/// other provider tag it already carries (such as the `platform:owner` marker
/// of the create that made it), which is never removed.
pub fn wanted_created_tags(
    current: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
    owner: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut all: BTreeMap<String, String> = current
        .iter()
        .filter(|(k, _)| is_platform_tag(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    all.extend(shown_tags(wanted));
    all.extend(owner.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

/// The planned tags of an object the resource created, recorded in
/// `created` (its name, id or ARN): `tags_all` without the provider's own
/// tags; null when the resource has no such object.
pub fn created_object_tags(
    created: &Value<String>,
    tags_all: &crate::framework::plan::ValueStringMap,
) -> crate::framework::plan::ValueStringMap {
    use crate::framework::plan::{known_string_map, to_value_map};
    match (created, known_string_map(tags_all)) {
        (Value::Null, _) => Value::Null,
        (_, Some(all)) => to_value_map(&shown_tags(&all)),
        (_, None) => Value::Unknown,
    }
}

/// Plans a role the resource creates unless the configuration gives one:
/// `(arn, name, id)` are its planned ARN, recorded name and recorded
/// `RoleId`; `prior` the same from the prior state. The ARN and name follow
/// `created_unless_given` (`own_role`: the ARN suffix the role is created
/// under); a configuration that gives exactly the created role's ARN keeps
/// it recorded as created (`keep_created_when_given`); the id stays while the
/// recorded role does.
pub fn plan_created_role(
    (arn, name, id): (&mut Value<String>, &mut Value<String>, &mut Value<String>),
    config_arn: &Value<String>,
    prior: Option<(&Value<String>, &Value<String>, &Value<String>)>,
    own_role: Option<&str>,
) {
    crate::framework::plan::created_unless_given(arn, name, config_arn, prior.map(|(a, n, _)| (a, n)), own_role);
    if let Some((prior_arn, prior_name, _)) = prior {
        keep_created_when_given(name, config_arn, prior_arn, prior_name);
    }
    *id = match name {
        Value::Value(_) => prior.map_or(Value::Unknown, |(_, _, id)| id.clone()),
        Value::Null => Value::Null,
        Value::Unknown => Value::Unknown,
    };
}

/// An object created unless given (see `created_unless_given`) whose ARN the
/// configuration now gives: when it is exactly the object this resource
/// created (`prior_given` while `prior_created` is recorded), it stays
/// recorded as created, so that it is still deleted with the resource, and
/// dropping the ARN from the configuration again changes nothing. Without
/// this, the object would be forgotten, and a later apply without the ARN
/// would try to create it again under its taken name (EntityAlreadyExists).
fn keep_created_when_given(
    created: &mut Value<String>,
    config_given: &Value<String>,
    prior_given: &Value<String>,
    prior_created: &Value<String>,
) {
    use crate::framework::plan::known_str;
    if prior_created.is_value()
        && known_str(config_given).is_some()
        && known_str(config_given) == known_str(prior_given)
    {
        *created = prior_created.clone();
    }
}

/// Brings the tags of role `name`, which this resource created, to `wanted`
/// (its `tags_all`) plus the owner tags `owner`. `ours` decides, from the
/// role's `RoleId` and tags as IAM has them now, whether it is still the role
/// the resource created (its recorded identity): a role that is missing or is
/// not that one is left alone. Returns whether the role was brought in line.
pub async fn sync_role_tags(
    iam: &aws_sdk_iam::Client,
    name: &str,
    wanted: &BTreeMap<String, String>,
    owner: &BTreeMap<String, String>,
    ours: impl Fn(&str, &BTreeMap<String, String>) -> bool,
) -> Result<bool, crate::services::iam::role::RoleError> {
    use crate::services::iam::role::{self, RoleError};
    let found = role::find_role_id(iam, name).await.map_err(|source| RoleError::Read {
        name: name.to_string(),
        source,
    })?;
    let Some((id, current)) = found else {
        return Ok(false);
    };
    if !ours(&id, &current) {
        tracing::warn!(role = name, role_id = %id, "IAM role is not the one this resource created; its tags are left alone");
        return Ok(false);
    }
    let target = wanted_created_tags(&current, wanted, owner);
    role::update_role_tags(iam, name, &current, &target).await?;
    Ok(true)
}

/// Brings the tags of KMS key `key_id`, which this resource created (the key
/// id is its identity), to `wanted` plus the owner tags `owner`. A key that is
/// missing or pending deletion is left alone.
pub async fn sync_key_tags(
    kms: &aws_sdk_kms::Client,
    key_id: &str,
    wanted: &BTreeMap<String, String>,
    owner: &BTreeMap<String, String>,
) -> Result<(), crate::services::kms::key::KeyError> {
    use crate::services::kms::key;
    let Some(current) = key::key_tags(kms, key_id).await? else {
        return Ok(());
    };
    let target = wanted_created_tags(&current, wanted, owner);
    key::update_key_tags(kms, key_id, &current, &target).await
}

/// Creates again a role the resource had created and that was deleted
/// outside Terraform; `spec` builds it for the caller's partition. Returns
/// the role's name and `RoleId` when it exists afterwards (also after a
/// half-failed create), `None` when nothing was created. Failures are reported.
///
/// A role of that name that exists and carries the resource's owner tag
/// (`owner_tag`, e.g. `platform:eks-cluster = <name>`) is the one this
/// resource created and then stopped recording: the state an older version
/// wrote after `role_arn` was set to the created role's own ARN. It is
/// adopted and brought to `spec` (policies and tags) instead of being
/// created again, which IAM would refuse with EntityAlreadyExists. A role of
/// that name without the owner tag is never taken over.
pub async fn recreate_or_adopt_role(
    aws: &crate::clients::AwsClients,
    diags: &mut tf_provider::Diagnostics,
    context: String,
    owner_tag: (&str, &str),
    spec: impl FnOnce(&str) -> crate::services::iam::role::RoleSpec,
) -> Option<(String, String)> {
    use crate::framework::diag::{failed, report};
    use crate::services::iam::role::{self, MANAGED_INLINE_PREFIX};
    let partition = match aws.identity().await {
        Ok(identity) => identity.partition.clone(),
        Err(err) => {
            report(diags, &failed(context, err));
            return None;
        }
    };
    let spec = spec(&partition);
    let existing = match role::find_role_by_name(&aws.iam, &spec.name).await {
        Ok(found) => found,
        Err(err) => {
            report(diags, &failed(context, err));
            return None;
        }
    };
    let Some(mut remote) = existing else {
        return recreate(aws, diags, context, spec).await;
    };
    if remote.spec.tags.get(owner_tag.0).map(String::as_str) != Some(owner_tag.1) {
        // Someone else's role under that name: create_role refuses it, saying so.
        return recreate(aws, diags, context, spec).await;
    }
    tracing::info!(role = %spec.name, role_id = %remote.unique_id, "adopting the IAM role this resource created (it carries its owner tag)");
    // Inline policies of other platform_* resources stay.
    remote
        .spec
        .inline_policies
        .retain(|k, _| !k.starts_with(MANAGED_INLINE_PREFIX) || spec.inline_policies.contains_key(k));
    let mut wanted = spec.clone();
    wanted.tags = wanted_created_tags(&remote.spec.tags, &spec.tags, &BTreeMap::new());
    if let Err(err) = role::update_role(&aws.iam, &remote.spec, &wanted).await {
        report(diags, &failed(context, err));
    }
    Some((spec.name, remote.unique_id))
}

async fn recreate(
    aws: &crate::clients::AwsClients,
    diags: &mut tf_provider::Diagnostics,
    context: String,
    spec: crate::services::iam::role::RoleSpec,
) -> Option<(String, String)> {
    use crate::framework::diag::{failed, report};
    match crate::services::iam::role::create_role(&aws.iam, &spec).await {
        Ok(created) => Some((spec.name, created.unique_id)),
        Err(failure) => {
            report(diags, &failed(context, failure.error));
            failure.created.map(|created| (spec.name, created.unique_id))
        }
    }
}
