//! The controllers `platform_controller_policy` knows: for each, the
//! service accounts its chart makes by default, the parameters it requires
//! and accepts, the upstream document its policy follows, and the function
//! that builds the statements.

use serde_json::Value as Json;

use super::scope::{self, Wide};
use super::{large, policies};
use crate::framework::policy;
use crate::framework::validate::{kms_alias_name, parse_arn};

/// The inputs of a policy, known and validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub partition: String,
    pub cluster_name: Option<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub hosted_zone_arns: Vec<String>,
    pub kms_key_arns: Vec<String>,
    pub kms_key_aliases: Vec<String>,
    pub repository_arns: Vec<String>,
    pub secret_arns: Vec<String>,
    pub parameter_arns: Vec<String>,
    pub bucket_arns: Vec<String>,
    pub file_system_arns: Vec<String>,
    pub node_role_arns: Vec<String>,
    pub assume_role_arns: Vec<String>,
    pub interruption_queue_arn: Option<String>,
    /// vault-aws: grant the AWS auth method's lookups.
    pub auth_method: bool,
}

impl Params {
    /// `cluster_name`; callers only ask when the controller requires it
    /// (validation refused the configuration otherwise).
    pub fn cluster(&self) -> &str {
        self.cluster_name.as_deref().unwrap_or("*")
    }
}

pub const DEFAULT_PARTITION: &str = "aws";

/// One controller.
pub struct Controller {
    pub name: &'static str,
    /// Default namespace and service-account names of the controller's chart.
    pub namespace: &'static str,
    pub service_accounts: &'static [&'static str],
    /// Parameters that must be set.
    pub required: &'static [&'static str],
    /// Parameters that may be set.
    pub optional: &'static [&'static str],
    /// At least one of these must be set (empty: no such rule).
    pub one_of: &'static [&'static str],
    /// The upstream document and version the policy follows, and what this
    /// provider narrows.
    pub source: &'static str,
    pub build: fn(&Params) -> Vec<Json>,
    /// What the upstream document puts where a parameter goes: a named
    /// resource (a wildcard there is refused) or a wildcard (accepted).
    /// Parameters not listed are named resources.
    pub upstream: &'static [Upstream],
}

/// The upstream statement's resource for one parameter.
pub struct Upstream {
    pub param: &'static str,
    /// The upstream document's resource, quoted in messages.
    pub line: &'static str,
    /// Whether that resource is a wildcard.
    pub wildcard: bool,
}

const fn named(param: &'static str, line: &'static str) -> Upstream {
    Upstream {
        param,
        line,
        wildcard: false,
    }
}

const fn wildcard(param: &'static str, line: &'static str) -> Upstream {
    Upstream {
        param,
        line,
        wildcard: true,
    }
}

impl Controller {
    pub fn accepts(&self, param: &str) -> bool {
        self.required.contains(&param) || self.optional.contains(&param)
    }
}

/// The parameters, in schema order (`controller`, `namespace` and
/// `partition` are accepted by every controller and not listed here).
pub const PARAMS: &[&str] = &[
    "cluster_name",
    "region",
    "account_id",
    "hosted_zone_arns",
    "kms_key_arns",
    "kms_key_aliases",
    "repository_arns",
    "secret_arns",
    "parameter_arns",
    "bucket_arns",
    "file_system_arns",
    "node_role_arns",
    "assume_role_arns",
    "interruption_queue_arn",
    "auth_method",
];

pub const CONTROLLERS: &[Controller] = &[
    Controller {
        name: "aws-ebs-csi-driver",
        namespace: "kube-system",
        service_accounts: &["ebs-csi-controller-sa"],
        required: &[],
        optional: &["cluster_name", "kms_key_arns", "kms_key_aliases"],
        one_of: &[],
        source: "kubernetes-sigs/aws-ebs-csi-driver v1.64.0 (commit 6689789f192f): `docs/AmazonEBSCSIDriverPolicyV2.json` (the policy `docs/install.md` points to; \
                 the driver's volumes and snapshots carry `ebs.csi.aws.com/cluster=true`; volumes migrated from the in-tree plugin are matched by \
                 `kubernetes.io/created-for/pvc/name`), and the KMS statements of the Amazon EKS User Guide, \"Create an Amazon EBS CSI driver IAM role\" \
                 (customer managed keys). With `kms_key_aliases` the KMS statements apply to any key through the `kms:ResourceAliases` condition. \
                 With `cluster_name`: `docs/AmazonEBSCSIDriverEKSClusterScopedPolicy.json` of the same release, with `${aws:PrincipalTag/eks-cluster-name}` \
                 replaced by `cluster_name` (an IRSA session has no such principal tag): volumes and snapshots tagged `ebs.csi.aws.com/cluster-name=<cluster_name>`, \
                 the tag the driver adds when its chart sets `controller.k8sTagClusterId` to the same name (set it, or the driver cannot create volumes); \
                 volumes attach only to instances tagged `eks:cluster-name=<cluster_name>` (EKS managed node groups) or `ebs.csi.aws.com/cluster-name=<cluster_name>` \
                 (tag other nodes, e.g. Karpenter's, with it); migrated in-tree volumes are not covered",
        build: policies::ebs_csi_driver,
        upstream: &[named(
            "kms_key_arns",
            "the Amazon EKS User Guide's KMS statements name the key: `\"Resource\": [\"custom-key-arn\"]`",
        )],
    },
    Controller {
        name: "aws-efs-csi-driver",
        namespace: "kube-system",
        service_accounts: &["efs-csi-controller-sa"],
        required: &[],
        optional: &["cluster_name", "file_system_arns"],
        one_of: &[],
        source: "kubernetes-sigs/aws-efs-csi-driver `docs/iam-policy-example.json` at v3.4.1 (commit 3fcc6bdd7533; with `elasticfilesystem:TagResource`, \
                 which EFS requires to tag an access point at creation, and the S3 Files actions). \
                 With `file_system_arns`, access points are created only on those file systems, and tagged and deleted only in their regions and accounts; \
                 the S3 Files (`s3files:`) write actions are then left out (the ARNs name EFS file systems). \
                 With `cluster_name`, access points are created, tagged and deleted only with the tag `kubernetes.io/cluster/<cluster_name>=owned`, \
                 which the chart adds when `controller.tags` holds it (set it, or the driver cannot create access points)",
        build: policies::efs_csi_driver,
        upstream: &[wildcard(
            "file_system_arns",
            "`docs/iam-policy-example.json`, the `elasticfilesystem:CreateAccessPoint` statement: `\"Resource\": \"*\"`",
        )],
    },
    Controller {
        name: "external-dns",
        namespace: "external-dns",
        service_accounts: &["external-dns"],
        required: &["hosted_zone_arns"],
        optional: &[],
        one_of: &[],
        source: "kubernetes-sigs/external-dns `docs/tutorials/aws.md` at v0.22.0 (commit 994f908d4abd), \"IAM Policy\" (v0.16 and later: `route53:ListTagsForResources`). \
                 Record changes, record listing and zone tags are limited to `hosted_zone_arns`; only `route53:ListHostedZones` stays on `*` (it takes no resource). \
                 With `--aws-zone-tags`, external-dns reads the tags of every zone that passes its other filters in one batched call, which is denied when \
                 one of them is outside `hosted_zone_arns`: limit the zones with `--zone-id-filter` (or `--domain-filter`) to those of `hosted_zone_arns`",
        build: policies::external_dns,
        upstream: &[wildcard(
            "hosted_zone_arns",
            "`docs/tutorials/aws.md`, \"IAM Policy\": `\"Resource\": [\"arn:aws:route53:::hostedzone/*\"]`",
        )],
    },
    Controller {
        name: "cert-manager",
        namespace: "cert-manager",
        service_accounts: &["cert-manager"],
        required: &["hosted_zone_arns"],
        optional: &[],
        one_of: &[],
        source: "cert-manager/website `content/docs/configuration/acme/dns01/route53.md` at commit 776e5dba5651 (page last changed in abdbb72fee1f), \"Set up an IAM Role\": \
                 upstream's policy, including its limit of record changes to `TXT` records (`route53:ChangeResourceRecordSetsRecordTypes`), \
                 with the hosted zones narrowed to `hosted_zone_arns` as that page advises",
        build: policies::cert_manager,
        upstream: &[wildcard(
            "hosted_zone_arns",
            "`route53.md`, \"Set up an IAM Role\": `\"Resource\": \"arn:aws:route53:::hostedzone/*\"`",
        )],
    },
    Controller {
        name: "aws-load-balancer-controller",
        namespace: "kube-system",
        service_accounts: &["aws-load-balancer-controller"],
        required: &["cluster_name"],
        optional: &[],
        one_of: &[],
        source: "kubernetes-sigs/aws-load-balancer-controller `docs/install/iam_policy.json` at v3.5.0 (commit 11eb202c97e4). \
                 Where upstream only requires the `elbv2.k8s.aws/cluster` tag to exist (`Null`), this policy requires its value to be `cluster_name`, \
                 the value the controller writes. The document is large (about 5,200 characters without white space): with other inline \
                 policies on the same role it can pass IAM's 10,240-character quota for a role's inline policies; attach it as a managed policy \
                 (`aws_iam_policy`, then `policy_arns`) in that case",
        build: large::load_balancer_controller,
        upstream: &[],
    },
    Controller {
        name: "cluster-autoscaler",
        namespace: "kube-system",
        service_accounts: &["cluster-autoscaler"],
        required: &["cluster_name"],
        optional: &[],
        one_of: &[],
        source: "kubernetes/autoscaler `cluster-autoscaler/cloudprovider/aws/README.md` at cluster-autoscaler-1.36.1 (commit 35e8a280425c), \"IAM Policy\" \
                 (the full-features policy; `autoscaling:DescribeTags` is no longer used since 1.31): the read actions on `*`; `SetDesiredCapacity` and \
                 `TerminateInstanceInAutoScalingGroup` narrowed, as the README advises, by tag conditions to the Auto Scaling groups that carry both \
                 auto-discovery tag keys, `k8s.io/cluster-autoscaler/enabled` and `k8s.io/cluster-autoscaler/<cluster_name>`, with any value (`Null` = `false`), \
                 as auto-discovery matches them. `eks:DescribeNodegroup` is limited to the node groups of `cluster_name`. The chart's default service account name depends on the release name: \
                 set `rbac.serviceAccount.name = \"cluster-autoscaler\"`, or pass `namespace` and use your own `service_accounts`",
        build: policies::cluster_autoscaler,
        upstream: &[],
    },
    Controller {
        name: "karpenter",
        namespace: "kube-system",
        service_accounts: &["karpenter"],
        required: &["cluster_name", "node_role_arns"],
        optional: &["region", "interruption_queue_arn"],
        one_of: &[],
        source: "aws/karpenter-provider-aws `website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml` at v1.14.1 \
                 (commit bde00654cd31): the statements of its six controller policies (`NodeLifecyclePolicy`, `IAMIntegrationPolicy`, `EKSIntegrationPolicy`, \
                 `InterruptionPolicy`, `ZonalShiftPolicy`, `ResourceDiscoveryPolicy`) in one document. The account is the one of the first `node_role_arns`; \
                 without `region` the ARNs match any region, the `aws:RequestedRegion` and region-tag conditions are left out and the zonal-shift condition \
                 matches the cluster ARN with `StringLike`; without `interruption_queue_arn` the interruption-queue statement is left out \
                 (Karpenter then runs without interruption handling)",
        build: large::karpenter,
        upstream: &[
            named(
                "node_role_arns",
                "`cloudformation.yaml`, `AllowPassingInstanceRole`: the one node role, `KarpenterNodeRole-${ClusterName}`",
            ),
            named(
                "interruption_queue_arn",
                "`cloudformation.yaml`, `AllowInterruptionQueueActions`: `\"Resource\": \"${KarpenterInterruptionQueue.Arn}\"`",
            ),
        ],
    },
    Controller {
        name: "ecr-credentials-sync",
        namespace: "ecr-credentials-sync",
        service_accounts: &["ecr-credentials-sync"],
        required: &["repository_arns"],
        optional: &[],
        one_of: &[],
        source: "Amazon ECR User Guide, \"Private registry authentication\" (`ecr:GetAuthorizationToken`, which takes no resource) and the AWS managed policy \
                 `AmazonEC2ContainerRegistryReadOnly` (the pull actions), with the pull actions limited to `repository_arns`: the password the sync job \
                 hands to the kubelet carries this role's permissions.",
        build: policies::ecr_credentials_sync,
        upstream: &[wildcard(
            "repository_arns",
            "the managed policy `AmazonEC2ContainerRegistryReadOnly`: `\"Resource\": \"*\"`",
        )],
    },
    Controller {
        name: "external-secrets",
        namespace: "external-secrets",
        service_accounts: &["external-secrets"],
        required: &[],
        optional: &["secret_arns", "parameter_arns", "kms_key_arns"],
        one_of: &["secret_arns", "parameter_arns"],
        source: "external-secrets `docs/provider/aws-secrets-manager.md` and `docs/provider/aws-parameter-store.md` at v2.9.0 (commit 378bdb622ed9): \
                 read access on `secret_arns` / `parameter_arns` (wildcards such as `secret:prod/*` are allowed), plus the actions that take no resource \
                 or are used by `dataFrom.find`: `secretsmanager:ListSecrets` and `secretsmanager:BatchGetSecretValue` on `*` (a batch still needs \
                 `GetSecretValue` on each secret, so values stay limited to `secret_arns`), and `ssm:DescribeParameters` and `tag:GetResources` on `*` \
                 (find by name or tag); `kms:Decrypt` on `kms_key_arns` for secrets and parameters encrypted with customer managed keys",
        build: policies::external_secrets,
        upstream: &[
            wildcard(
                "secret_arns",
                "`docs/provider/aws-secrets-manager.md`: `\"arn:aws:secretsmanager:us-west-2:111122223333:secret:dev-*\"`",
            ),
            wildcard(
                "parameter_arns",
                "`docs/provider/aws-parameter-store.md`: `\"Resource\": \"arn:aws:ssm:us-east-2:123456789012:parameter/dev-*\"`",
            ),
        ],
    },
    Controller {
        name: "velero",
        namespace: "velero",
        service_accounts: &["velero-server"],
        required: &["bucket_arns"],
        optional: &["kms_key_arns"],
        one_of: &[],
        source: "vmware-tanzu/velero-plugin-for-aws `README.md` at commit 800bcfb14d8e (main, after v1.13.2), \"Set permissions for Velero\" (with \
                 `s3:PutObjectTagging`, in the README since v1.11.0), with the objects and listing limited to `bucket_arns`; with `kms_key_arns`, the KMS actions \
                 of its \"KMS Encryption for Volume Restoration\" section (grants for EBS volumes restored with `ebsKmsKeyId`; they also cover SSE-KMS buckets) \
                 on those keys",
        build: policies::velero,
        upstream: &[named(
            "bucket_arns",
            "`README.md`, \"Set permissions for Velero\": `\"arn:aws:s3:::${BUCKET}/*\"` and `\"arn:aws:s3:::${BUCKET}\"`",
        )],
    },
    Controller {
        name: "vault-aws",
        namespace: "vault",
        service_accounts: &["vault"],
        required: &[],
        optional: &["account_id", "assume_role_arns", "kms_key_arns", "auth_method"],
        one_of: &["account_id", "assume_role_arns", "kms_key_arns", "auth_method"],
        source: "HashiCorp Vault documentation (Vault 1.18): AWS auth method, \"Recommended Vault IAM policy\" (with `auth_method = true`: the \
                 `ec2:DescribeInstances` and `iam:Get*` lookups, and `sts:AssumeRole` on `assume_role_arns` for cross-account roles); AWS secrets engine, \
                 \"Example IAM policy for Vault\" for the `iam_user` credential type, limited to users named `vault-*` in `account_id` (the default \
                 `username_template`), and `sts:AssumeRole` on `assume_role_arns` for the `assumed_role` type; the `awskms` seal (`kms:Encrypt`, `kms:Decrypt`, \
                 `kms:DescribeKey`) on `kms_key_arns`. Left out: the auth method's own access-key rotation statement (with IRSA Vault holds no access key) \
                 and `iam:TagUser`, which the secrets engine needs only for roles with `iam_tags` (add it in a separate statement if you use them)",
        build: policies::vault_aws,
        upstream: &[named(
            "assume_role_arns",
            "the AWS auth method's and secrets engine's `sts:AssumeRole` statements: `\"Resource\": [\"arn:aws:iam::<AccountId>:role/<VaultRole>\"]`",
        )],
    },
];

/// The controller named `name`.
pub fn find(name: &str) -> Option<&'static Controller> {
    CONTROLLERS.iter().find(|c| c.name == name)
}

/// The names of all controllers, for messages.
pub fn names() -> String {
    CONTROLLERS
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The checks of one parameter's value (an element, for the lists) for
/// `controller`: `Ok(Some(_))` for a value accepted with a warning (a
/// wildcard the upstream policy also uses, matching every resource).
pub fn check_param(controller: &Controller, name: &str, value: &str) -> Result<Option<Wide>, String> {
    match name {
        "cluster_name" => eks_cluster_name(value).map(|()| None),
        "region" => region(value).map(|()| None),
        "account_id" => {
            if policy::is_account_id(value) {
                Ok(None)
            } else {
                Err(format!("must be a 12-digit AWS account id, got {value:?}"))
            }
        }
        "kms_key_aliases" => kms_alias_name(value).map(|()| None),
        "hosted_zone_arns"
        | "kms_key_arns"
        | "repository_arns"
        | "secret_arns"
        | "parameter_arns"
        | "bucket_arns"
        | "file_system_arns"
        | "node_role_arns"
        | "assume_role_arns"
        | "interruption_queue_arn" => scope::check_arn(controller, name, value),
        _ => Ok(None),
    }
}

/// An EKS cluster name: 1 to 100 letters, digits, `-` and `_`, starting
/// with a letter or digit (EKS API Reference, CreateCluster `name`).
pub fn eks_cluster_name(value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 100
        && value.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("must be an EKS cluster name: 1 to 100 letters, digits, '-' and '_', starting with a letter or digit, got {value:?}"))
    }
}

/// A region code such as `eu-west-1`.
pub fn region(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be an AWS region code such as \"eu-west-1\", got {value:?}"
        ))
    }
}

/// The partitions an ARN may name.
pub fn partition(value: &str) -> Result<(), String> {
    if parse_arn(&format!("arn:{value}:iam::123456789012:root")).is_some() {
        Ok(())
    } else {
        Err(format!(
            "must be an AWS partition such as \"aws\", \"aws-cn\" or \"aws-us-gov\", got {value:?}"
        ))
    }
}
