//! The controllers `platform_controller_policy` knows: for each, the
//! service accounts its chart makes by default, the parameters it requires
//! and accepts, the upstream document its policy follows, and the function
//! that builds the statements.

use serde_json::Value as Json;

use super::{large, policies};
use crate::framework::policy;
use crate::framework::validate::{iam_role_arn, kms_alias_name, kms_key_arn, parse_arn};

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
];

pub const CONTROLLERS: &[Controller] = &[
    Controller {
        name: "aws-ebs-csi-driver",
        namespace: "kube-system",
        service_accounts: &["ebs-csi-controller-sa"],
        required: &[],
        optional: &["cluster_name", "kms_key_arns", "kms_key_aliases"],
        one_of: &[],
        source: "kubernetes-sigs/aws-ebs-csi-driver `docs/example-iam-policy.json` at commit 050d130f5814 (the release-1.4x policy with `ec2:CopyVolumes`), \
                 and the KMS statements of the Amazon EKS User Guide, \"Create an Amazon EBS CSI driver IAM role\" (customer managed keys). \
                 With `kms_key_aliases` the KMS statements apply to any key through the `kms:ResourceAliases` condition. \
                 With `cluster_name`, creating and deleting volumes and snapshots is limited to those tagged `kubernetes.io/cluster/<cluster_name>=owned`, \
                 the tag the driver adds when its chart sets `controller.k8sTagClusterId` to the same name (set it, or the driver cannot create volumes).",
        build: policies::ebs_csi_driver,
    },
    Controller {
        name: "aws-efs-csi-driver",
        namespace: "kube-system",
        service_accounts: &["efs-csi-controller-sa"],
        required: &[],
        optional: &["cluster_name", "file_system_arns"],
        one_of: &[],
        source: "kubernetes-sigs/aws-efs-csi-driver `docs/iam-policy-example.json` at commit 12ddb90ecd8c. \
                 With `file_system_arns`, access points are created only on those file systems. \
                 With `cluster_name`, access points are created and deleted only with the tag `kubernetes.io/cluster/<cluster_name>=owned`, \
                 which the chart adds when `controller.tags` holds it (set it, or the driver cannot create access points).",
        build: policies::efs_csi_driver,
    },
    Controller {
        name: "external-dns",
        namespace: "external-dns",
        service_accounts: &["external-dns"],
        required: &["hosted_zone_arns"],
        optional: &[],
        one_of: &[],
        source: "kubernetes-sigs/external-dns `docs/tutorials/aws.md`, \"IAM Policy\" (v0.13 and later, with `route53:ListTagsForResource`). \
                 Record changes, record listing and zone tags are limited to `hosted_zone_arns`; only `route53:ListHostedZones` stays on `*` (it takes no resource).",
        build: policies::external_dns,
    },
    Controller {
        name: "cert-manager",
        namespace: "cert-manager",
        service_accounts: &["cert-manager"],
        required: &["hosted_zone_arns"],
        optional: &[],
        one_of: &[],
        source: "cert-manager/website `content/docs/configuration/acme/dns01/route53.md` at commit 061b898f1780 (\"Set up an IAM Role\"), \
                 with the hosted zones narrowed to `hosted_zone_arns` as that page advises, and record changes limited to `TXT` records \
                 (`route53:ChangeResourceRecordSetsRecordTypes`), the only type a DNS-01 challenge writes.",
        build: policies::cert_manager,
    },
    Controller {
        name: "aws-load-balancer-controller",
        namespace: "kube-system",
        service_accounts: &["aws-load-balancer-controller"],
        required: &["cluster_name"],
        optional: &[],
        one_of: &[],
        source: "kubernetes-sigs/aws-load-balancer-controller `docs/install/iam_policy.json` of v2.12 and later (with `elasticloadbalancing:ModifyCapacityReservation`). \
                 Where upstream only requires the `elbv2.k8s.aws/cluster` tag to exist (`Null`), this policy requires its value to be `cluster_name`, \
                 the value the controller writes. The document is large (about 5,100 characters without white space): with other inline \
                 policies on the same role it can pass IAM's 10,240-character quota for a role's inline policies; attach it as a managed policy \
                 (`aws_iam_policy`, then `policy_arns`) in that case.",
        build: large::load_balancer_controller,
    },
    Controller {
        name: "cluster-autoscaler",
        namespace: "kube-system",
        service_accounts: &["cluster-autoscaler"],
        required: &["cluster_name"],
        optional: &[],
        one_of: &[],
        source: "kubernetes/autoscaler `cluster-autoscaler/cloudprovider/aws/README.md`, \"IAM Policy\" (cluster-autoscaler 1.26 and later: \
                 the read actions on `*`, `SetDesiredCapacity` and `TerminateInstanceInAutoScalingGroup` only on Auto Scaling groups tagged \
                 `k8s.io/cluster-autoscaler/enabled=true` and `k8s.io/cluster-autoscaler/<cluster_name>=owned`, the tags EKS puts on a managed node group's group). \
                 `eks:DescribeNodegroup` is limited to the node groups of `cluster_name`. The chart's default service account name depends on the release name: \
                 set `rbac.serviceAccount.name = \"cluster-autoscaler\"`, or pass `namespace` and use your own `service_accounts`.",
        build: policies::cluster_autoscaler,
    },
    Controller {
        name: "karpenter",
        namespace: "kube-system",
        service_accounts: &["karpenter"],
        required: &["cluster_name", "node_role_arns"],
        optional: &["region", "interruption_queue_arn"],
        one_of: &[],
        source: "aws/karpenter-provider-aws `website/content/en/v1.0/getting-started/getting-started-with-karpenter/cloudformation.yaml` at commit 5288f723079f, \
                 `KarpenterControllerPolicy`. The account is the one of the first `node_role_arns`; without `region` the ARNs match any region and the \
                 `aws:RequestedRegion` condition is left out; without `interruption_queue_arn` the interruption-queue statement is left out \
                 (Karpenter then runs without interruption handling).",
        build: large::karpenter,
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
    },
    Controller {
        name: "external-secrets",
        namespace: "external-secrets",
        service_accounts: &["external-secrets"],
        required: &[],
        optional: &["secret_arns", "parameter_arns", "kms_key_arns"],
        one_of: &["secret_arns", "parameter_arns"],
        source: "external-secrets `docs/provider/aws-secrets-manager.md` at commit 90713b07aca8 and `docs/provider/aws-parameter-store.md` (read-only access; \
                 wildcards such as `secret:prod/*` are allowed in the ARNs), plus `kms:Decrypt` on `kms_key_arns` for secrets and parameters encrypted \
                 with customer managed keys.",
        build: policies::external_secrets,
    },
    Controller {
        name: "velero",
        namespace: "velero",
        service_accounts: &["velero-server"],
        required: &["bucket_arns"],
        optional: &["kms_key_arns"],
        one_of: &[],
        source: "vmware-tanzu/velero-plugin-for-aws `README.md` at commit 001662ff749f, \"Set permissions for Velero\", with the objects and listing limited to \
                 `bucket_arns`; with `kms_key_arns`, the KMS actions S3 needs for SSE-KMS objects (Amazon S3 User Guide, \"Using server-side encryption with AWS KMS keys\").",
        build: policies::velero,
    },
    Controller {
        name: "vault-aws",
        namespace: "vault",
        service_accounts: &["vault"],
        required: &[],
        optional: &["account_id", "assume_role_arns", "kms_key_arns"],
        one_of: &["account_id", "assume_role_arns", "kms_key_arns"],
        source: "HashiCorp Vault documentation (Vault 1.18): AWS auth method, \"Recommended Vault IAM policy\" (the `ec2:DescribeInstances` and `iam:Get*` lookups, \
                 and `sts:AssumeRole` on `assume_role_arns` for cross-account roles); AWS secrets engine, \"Example IAM policy for Vault\" for the `iam_user` \
                 credential type, limited to users named `vault-*` in `account_id` (the default `username_template`), and `sts:AssumeRole` on \
                 `assume_role_arns` for the `assumed_role` type; the `awskms` seal (`kms:Encrypt`, `kms:Decrypt`, `kms:DescribeKey`) on `kms_key_arns`. \
                 The auth method's own access-key rotation statement is left out: with IRSA Vault holds no access key.",
        build: policies::vault_aws,
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

/// The checks of one parameter's value (an element, for the lists).
pub fn check_param(name: &str, value: &str) -> Result<(), String> {
    match name {
        "cluster_name" => eks_cluster_name(value),
        "region" => region(value),
        "account_id" => {
            if policy::is_account_id(value) {
                Ok(())
            } else {
                Err(format!("must be a 12-digit AWS account id, got {value:?}"))
            }
        }
        "hosted_zone_arns" => arn_with(
            value,
            "route53",
            false,
            false,
            "hostedzone/",
            "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
        ),
        "kms_key_arns" => kms_key_arn(value),
        "kms_key_aliases" => kms_alias_name(value),
        "repository_arns" => arn_with(
            value,
            "ecr",
            true,
            true,
            "repository/",
            "arn:aws:ecr:eu-west-1:123456789012:repository/team/app",
        ),
        "secret_arns" => arn_with(
            value,
            "secretsmanager",
            true,
            true,
            "secret:",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/*",
        ),
        "parameter_arns" => arn_with(
            value,
            "ssm",
            true,
            true,
            "parameter/",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/*",
        ),
        "bucket_arns" => {
            arn_with(value, "s3", false, false, "", "arn:aws:s3:::velero-backups")?;
            if value.rsplit(':').next().is_some_and(|b| b.contains('/')) {
                return Err(format!("must be a bucket ARN without an object path, such as \"arn:aws:s3:::velero-backups\", got {value:?}"));
            }
            Ok(())
        }
        "file_system_arns" => arn_with(
            value,
            "elasticfilesystem",
            true,
            true,
            "file-system/",
            "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0",
        ),
        "node_role_arns" | "assume_role_arns" => iam_role_arn(value),
        "interruption_queue_arn" => arn_with(
            value,
            "sqs",
            true,
            true,
            "",
            "arn:aws:sqs:eu-west-1:123456789012:platform-main",
        ),
        _ => Ok(()),
    }
}

/// An ARN of `service` whose resource starts with `prefix` (and has more after it).
fn arn_with(
    value: &str,
    service: &str,
    regional: bool,
    with_account: bool,
    prefix: &str,
    example: &str,
) -> Result<(), String> {
    let ok = parse_arn(value).is_some_and(|(_, svc, region, account, resource)| {
        svc == service
            && (region.is_empty() != regional)
            && (if with_account {
                policy::is_account_id(account)
            } else {
                account.is_empty()
            })
            && resource.len() > prefix.len()
            && resource.starts_with(prefix)
            && !resource.chars().any(char::is_whitespace)
    });
    if ok {
        Ok(())
    } else {
        Err(format!("must be an ARN such as \"{example}\", got {value:?}"))
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
fn region(value: &str) -> Result<(), String> {
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
