//! The IAM roles the EKS resources create unless given one: the cluster
//! role and the node role (names, trust and permissions), how a created role
//! is planned, kept in line with the resource's tags, and made again (or
//! adopted by its owner tag) after it was deleted outside Terraform.

use std::collections::{BTreeMap, BTreeSet};

use tf_provider::value::Value;

use super::tags::wanted_created_tags;
use super::thumbprint::sha1_hex;
use crate::services::iam::role::RoleSpec;

/// The tag that marks the role and key `platform_eks_cluster` created for cluster `<name>`.
pub const CLUSTER_OWNER_TAG: &str = "platform:eks-cluster";
/// The tag that marks the node role `platform_eks_node_group` created for `<cluster>:<node group>`.
pub const NODE_GROUP_OWNER_TAG: &str = "platform:eks-node-group";
/// The inline policy on the created cluster role that lets EKS use the key.
pub const ENCRYPTION_POLICY: &str = "platform-eks-secrets-encryption";
/// The AWS managed policies of the created node role.
pub const NODE_POLICIES: &[&str] = &[
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
];

// ---- the cluster role ------------------------------------------------------------

/// The name of the role created for cluster `cluster`: `<cluster>-cluster`, or
/// past IAM's 64 characters a cut name with a hash of the cluster's.
pub fn cluster_role_name(cluster: &str) -> String {
    let name = format!("{cluster}-cluster");
    if name.len() <= 64 {
        name
    } else {
        let hash = &sha1_hex(cluster.as_bytes())[..8];
        let head: String = cluster.chars().take(64 - 8 - 9).collect();
        format!("{head}-{hash}-cluster")
    }
}

/// The role `platform_eks_cluster` creates for cluster `name`: `tags` are its
/// tags with the owner tag; `key_arn` the secrets key it may use.
pub fn expand_cluster_role(
    name: &str,
    partition: &str,
    key_arn: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> RoleSpec {
    RoleSpec {
        name: cluster_role_name(name),
        path: "/".to_string(),
        description: Some(format!("EKS cluster {name} (created by platform_eks_cluster)")),
        trust_policy: cluster_trust_policy(),
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: tags.clone(),
        policy_arns: BTreeSet::from([format!("arn:{partition}:iam::aws:policy/AmazonEKSClusterPolicy")]),
        inline_policies: key_arn
            .map(|key| (ENCRYPTION_POLICY.to_string(), encryption_policy(key)))
            .into_iter()
            .collect(),
    }
}

fn cluster_trust_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }],
    })
    .to_string()
}

fn encryption_policy(key_arn: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "EksSecretsEncryption",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
            "Resource": key_arn,
        }],
    })
    .to_string()
}

// ---- the node role ---------------------------------------------------------------

/// The name of the node role created for `<cluster>:<name>`:
/// `<cluster>.<name>-node`. Neither name can contain `.`, so the name says
/// which cluster and node group it is for, and two node groups never want
/// the same role (`X-a` with `b` and `X` with `a-b` made `X-a-b-node` both
/// under the [`legacy_node_role_name`] scheme). Past IAM's 64 characters it is
/// the legacy long form, which has no `.` (so it never equals a short name)
/// and ends with a hash of the full identity.
pub fn node_role_name(cluster: &str, name: &str) -> String {
    let full = format!("{cluster}.{name}-node");
    if full.len() <= 64 {
        full
    } else {
        legacy_node_role_name(cluster, name)
    }
}

/// The node-role names of earlier versions: `<cluster>-<name>-node`, which
/// two node groups could share. A role created under such a name stays
/// recorded under it (`managed_role_name`) and is made again under it when
/// deleted outside Terraform; only new creates use [`node_role_name`].
pub fn legacy_node_role_name(cluster: &str, name: &str) -> String {
    let full = format!("{cluster}-{name}-node");
    if full.len() <= 64 {
        full
    } else {
        let hash = &sha1_hex(format!("{cluster}:{name}").as_bytes())[..8];
        let head: String = full.chars().take(64 - 8 - 6).collect();
        format!("{head}-{hash}-node")
    }
}

/// The created role's name that `role_arn` (the node group's role) ends
/// with, under the current or the legacy scheme; the current name otherwise.
pub fn own_node_role_name(cluster: &str, name: &str, role_arn: Option<&str>) -> String {
    let current = node_role_name(cluster, name);
    let legacy = legacy_node_role_name(cluster, name);
    match role_arn {
        Some(arn) if arn.ends_with(&format!(":role/{legacy}")) => legacy,
        _ => current,
    }
}

/// The node role this resource creates for `<cluster>:<name>` under
/// `role_name`, tagged as its own.
pub fn expand_node_role(
    role_name: &str,
    cluster: &str,
    name: &str,
    partition: &str,
    tags_all: &BTreeMap<String, String>,
) -> RoleSpec {
    let mut tags = tags_all.clone();
    tags.insert(NODE_GROUP_OWNER_TAG.to_string(), format!("{cluster}:{name}"));
    RoleSpec {
        name: role_name.to_string(),
        path: "/".to_string(),
        description: Some(format!(
            "Nodes of EKS node group {cluster}:{name} (created by platform_eks_node_group)"
        )),
        trust_policy: node_trust_policy(),
        max_session_duration: 3600,
        permissions_boundary: None,
        tags,
        policy_arns: NODE_POLICIES
            .iter()
            .map(|p| format!("arn:{partition}:iam::aws:policy/{p}"))
            .collect(),
        inline_policies: BTreeMap::new(),
    }
}

fn node_trust_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }],
    })
    .to_string()
}

// ---- planning, tagging and re-creating a created role ------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_role_names_fit() {
        assert_eq!(cluster_role_name("main"), "main-cluster");
        let long = cluster_role_name(&"a".repeat(100));
        assert!(long.len() <= 64 && long.ends_with("-cluster"), "{long}");
    }

    #[test]
    fn node_role_names_fit() {
        assert_eq!(node_role_name("main", "system"), "main.system-node");
        let long = node_role_name(&"c".repeat(60), &"n".repeat(40));
        assert!(long.len() <= 64 && long.ends_with("-node"), "{long}");
        // Names that joined with '-' were ambiguous no longer collide.
        assert_ne!(node_role_name("X-a", "b"), node_role_name("X", "a-b"));
        assert_eq!(legacy_node_role_name("X-a", "b"), legacy_node_role_name("X", "a-b"));
        // Every length up to the limits: at most 64 characters, and the
        // long form (no '.') never equals a short one (exactly one '.').
        for (c, n) in [(100, 63), (56, 3), (1, 58), (1, 57), (50, 9), (58, 1)] {
            let (cluster, name) = ("c".repeat(c), "n".repeat(n));
            let role = node_role_name(&cluster, &name);
            assert!(role.len() <= 64, "{role}");
            assert_eq!(
                role.contains('.'),
                format!("{cluster}.{name}-node").len() <= 64,
                "{role}"
            );
        }
        // A role created under the legacy name keeps it.
        let legacy_arn = "arn:aws:iam::1:role/main-system-node";
        assert_eq!(
            own_node_role_name("main", "system", Some(legacy_arn)),
            "main-system-node"
        );
        assert_eq!(own_node_role_name("main", "system", None), "main.system-node");
    }
}
