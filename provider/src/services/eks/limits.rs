//! The limits this service documents, each with its source. See
//! [`crate::framework::limits`] for how the table is used.
//!
//! "botocore" below is botocore's EKS service model
//! (`botocore/data/eks/2017-11-01/service-2.json`), the machine-readable form
//! of the EKS API reference that the emulator checks its answers against.

use super::validate::{LABEL_MAX, MAX_TAINTS, TAINT_KEY_MAX};
use super::versions;
use crate::framework::limits::Limit;

const CLUSTER: &str = "test_eks_cluster.py";
const NODE_GROUP: &str = "test_eks_node_group.py";
const OIDC: &str = "test_eks_oidc_provider.py";
const POD_IDENTITY: &str = "test_eks_pod_identity_association.py";

const CREATE_CLUSTER: &str =
    "EKS API reference, CreateCluster: https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html";
const NETWORK_CONFIG: &str = "EKS API reference, KubernetesNetworkConfigRequest.serviceIpv4Cidr: https://docs.aws.amazon.com/eks/latest/APIReference/API_KubernetesNetworkConfigRequest.html";
const TAINTS_GUIDE: &str =
    "EKS User Guide: https://docs.aws.amazon.com/eks/latest/userguide/node-taints-managed-node-groups.html";
const RESERVED_LABELS: &str = "EKS's InvalidParameterException \"Label cannot contain reserved prefixes [kubernetes.io/, k8s.io/, eks.amazonaws.com/]\", quoted in eksctl-io/eksctl#4007 (for `node-role.kubernetes.io/test`) and kubernetes/cloud-provider-aws#242";
const K8S_NAMES: &str =
    "Kubernetes, Object Names and IDs: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/";
const POD_ID_TARGET_ROLE: &str = "EKS User Guide, \"Access AWS Resources using EKS Pod Identity Target IAM Roles\" (\"The EKS Pod Identity role must be in your EKS cluster's account due to IAM PassRole requirements, while the Target IAM Role can be in any AWS account\"): https://docs.aws.amazon.com/eks/latest/userguide/pod-id-assign-target-role.html";
const OIDC_API: &str = "IAM API reference, CreateOpenIDConnectProvider: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html";

// Keep the numbers in the rows in step with the code.
const _: () = assert!(LABEL_MAX == 63 && TAINT_KEY_MAX == 63 && MAX_TAINTS == 50 && versions::NODE_SKEW == 3);

/// This service's limits.
pub const LIMITS: &[Limit] = &[
    // ---- platform_eks_cluster -------------------------------------------------------
    Limit {
        subject: "`platform_eks_cluster.name`",
        limit: "1 to 100 letters, digits, `-` and `_`, starting with a letter or digit",
        source: "botocore, shape `ClusterName` (min 1, max 100, pattern `^[0-9A-Za-z][A-Za-z0-9\\-_]*`)",
        test_file: CLUSTER,
        rule: "starting with a letter or digit",
    },
    Limit {
        subject: "`platform_eks_cluster.version`",
        limit: "`\"<major>.<minor>\"`",
        source: CREATE_CLUSTER,
        test_file: CLUSTER,
        rule: "must be a Kubernetes version",
    },
    Limit {
        subject: "`platform_eks_cluster.version`",
        limit: "Kubernetes 1.x only",
        source: versions::SOURCE,
        test_file: CLUSTER,
        rule: "EKS runs Kubernetes 1.x",
    },
    Limit {
        subject: "`platform_eks_cluster.version` (create, replacement, upgrade)",
        limit: "a version EKS still accepts: 1.31 or later as of 2026-11-25 (error); one past its end of extended support since, or newer than 1.35, is a warning",
        source: versions::SOURCE,
        test_file: CLUSTER,
        rule: "EKS no longer accepts",
    },
    Limit {
        subject: "`platform_eks_cluster.version` (upgrade)",
        limit: "one minor version per apply, never down",
        source: "EKS User Guide, Update existing cluster: \"you can update only one minor version at a time\", https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html",
        test_file: CLUSTER,
        rule: "EKS upgrades one minor version at a time",
    },
    Limit {
        subject: "`platform_eks_cluster.subnet_ids`",
        limit: "at least 2 (in different availability zones)",
        source: "EKS User Guide, VPC and subnet requirements: \"You must specify at least two subnets that are in different Availability Zones\", https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html",
        test_file: CLUSTER,
        rule: "at least two subnets",
    },
    Limit {
        subject: "`platform_eks_cluster.subnet_ids`, `security_group_ids`",
        limit: "EC2 ids (`subnet-`, `sg-` and 8 or 17 lowercase hex digits)",
        source: "EC2 resource ids: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html",
        test_file: CLUSTER,
        rule: "must be subnet ids",
    },
    Limit {
        subject: "`platform_eks_cluster.public_access_cidrs`",
        limit: "IPv4 CIDR blocks with no host bits set",
        source: "EKS API reference, VpcConfigRequest.publicAccessCidrs: https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html",
        test_file: CLUSTER,
        rule: "must be an IPv4 CIDR block",
    },
    Limit {
        subject: "`platform_eks_cluster.service_ipv4_cidr`",
        limit: "within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        source: NETWORK_CONFIG,
        test_file: CLUSTER,
        rule: "within 10.0.0.0/8",
    },
    Limit {
        subject: "`platform_eks_cluster.service_ipv4_cidr`",
        limit: "a prefix length from /12 to /24",
        source: NETWORK_CONFIG,
        test_file: CLUSTER,
        rule: "between /12 and /24",
    },
    Limit {
        subject: "`platform_eks_cluster.service_ipv4_cidr`",
        limit: "only with `ip_family = \"ipv4\"`",
        source: NETWORK_CONFIG,
        test_file: CLUSTER,
        rule: "only applies to",
    },
    Limit {
        subject: "`platform_eks_cluster.ip_family`",
        limit: "`ipv4` or `ipv6`",
        source: "botocore, enum `IpFamily`",
        test_file: CLUSTER,
        rule: "must be one of \"ipv4\", \"ipv6\"",
    },
    Limit {
        subject: "`platform_eks_cluster.enabled_log_types`",
        limit: "`api`, `audit`, `authenticator`, `controllerManager`, `scheduler`",
        source: "botocore, enum `LogType`",
        test_file: CLUSTER,
        rule: "must be one of \"api\"",
    },
    Limit {
        subject: "`platform_eks_cluster.authentication_mode`",
        limit: "`API`, `API_AND_CONFIG_MAP`, `CONFIG_MAP`",
        source: "botocore, enum `AuthenticationMode`",
        test_file: CLUSTER,
        rule: "must be one of \"API\"",
    },
    Limit {
        subject: "`platform_eks_cluster.endpoint_public_access`, `endpoint_private_access`",
        limit: "at least one of them true",
        source: "EKS User Guide, Cluster API server endpoint: https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
        test_file: CLUSTER,
        rule: "set `endpoint_private_access = true`",
    },
    Limit {
        subject: "`platform_eks_cluster.role_arn`",
        limit: "an IAM role ARN",
        source: CREATE_CLUSTER,
        test_file: CLUSTER,
        rule: "must be an IAM role ARN",
    },
    Limit {
        subject: "`platform_eks_cluster.kms_key_arn`",
        limit: "a KMS key ARN, not an alias",
        source: "EKS API reference, Provider.keyArn: https://docs.aws.amazon.com/eks/latest/APIReference/API_Provider.html",
        test_file: CLUSTER,
        rule: "(not an alias)",
    },
    Limit {
        subject: "`platform_eks_cluster.oidc_thumbprints`, `platform_eks_oidc_provider.thumbprints`",
        limit: "SHA-1 thumbprints: 40 hex digits",
        source: OIDC_API,
        test_file: CLUSTER,
        rule: "40 hex digits",
    },
    Limit {
        subject: "`platform_eks_cluster.oidc_thumbprints`",
        limit: "only with `create_oidc_provider = true`",
        source: "the provider: the thumbprints are those of the OIDC provider it creates",
        test_file: CLUSTER,
        rule: "only applies with",
    },
    // ---- platform_eks_node_group ----------------------------------------------------
    Limit {
        subject: "`platform_eks_node_group.name`",
        limit: "at most 63 characters (letters, digits, `-`, `_`, starting with a letter or digit)",
        source: "EKS User Guide, Create a managed node group: \"The node group name can't be longer than 63 characters\", https://docs.aws.amazon.com/eks/latest/userguide/create-managed-node-group.html",
        test_file: NODE_GROUP,
        rule: "must be at most 63 characters",
    },
    Limit {
        subject: "`platform_eks_node_group.version`",
        limit: "`\"<major>.<minor>\"`, Kubernetes 1.x",
        source: versions::SOURCE,
        test_file: NODE_GROUP,
        rule: "EKS runs Kubernetes 1.x",
    },
    Limit {
        subject: "`platform_eks_node_group.version` (create, upgrade)",
        limit: "its cluster's version (read with DescribeCluster when the cluster exists; at apply otherwise)",
        source: "botocore, CreateNodegroup.version: \"By default, the Kubernetes version of the cluster is used, and this is the only accepted specified value\"; UpdateNodegroupVersion",
        test_file: NODE_GROUP,
        rule: "must be its cluster's version (1.33)",
    },
    Limit {
        subject: "`platform_eks_node_group.version`",
        limit: "on create or upgrade, a version EKS still accepts (the cluster's rule: its node groups are created and upgraded only to the cluster's version); newer than the table warns",
        source: versions::SOURCE,
        test_file: NODE_GROUP,
        rule: "EKS no longer accepts 1.20",
    },
    Limit {
        subject: "`platform_eks_node_group.version`",
        limit: "never newer than its cluster's (the cluster can gain one minor version in the same apply; checked again at apply)",
        source: "EKS User Guide, Update existing cluster: \"A node's kubelet can't be newer than kube-apiserver\", https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html",
        test_file: NODE_GROUP,
        rule: "must not be newer than its cluster's version (1.33)",
    },
    Limit {
        subject: "`platform_eks_node_group.version` (upgrade)",
        limit: "never back to an earlier version",
        source: "botocore, UpdateNodegroupVersion: \"You cannot roll back a node group to an earlier Kubernetes version\"",
        test_file: NODE_GROUP,
        rule: "EKS cannot roll a node group back",
    },
    Limit {
        subject: "`platform_eks_node_group.scaling.min`, `scaling.desired`",
        limit: "0 to 1000; `min <= desired <= max`",
        source: "botocore, shape `ZeroCapacity` (min 0); the upper bound 1000 is the provider's (EKS quota \"Nodes per managed node group\", 450 by default, adjustable: https://docs.aws.amazon.com/eks/latest/userguide/service-quotas.html)",
        test_file: NODE_GROUP,
        rule: "must be between 0 and 1000",
    },
    Limit {
        subject: "`platform_eks_node_group.scaling.max`",
        limit: "1 to 1000",
        source: "botocore, shape `Capacity` (min 1); the upper bound as for `scaling.min`",
        test_file: NODE_GROUP,
        rule: "must be between 1 and 1000",
    },
    Limit {
        subject: "`platform_eks_node_group.scaling`",
        limit: "`min <= max`",
        source: "EKS API reference, NodegroupScalingConfig: https://docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupScalingConfig.html",
        test_file: NODE_GROUP,
        rule: "must be at most `scaling.max`",
    },
    Limit {
        subject: "`platform_eks_node_group.scaling.desired`",
        limit: "between `min` and `max`",
        source: "EKS API reference, NodegroupScalingConfig: https://docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupScalingConfig.html",
        test_file: NODE_GROUP,
        rule: "must be between `scaling.min` (1) and `scaling.max` (3)",
    },
    Limit {
        subject: "`platform_eks_node_group.update_config`",
        limit: "`max_unavailable` 1 to 100 or `max_unavailable_percentage` 1 to 100, exactly one",
        source: "botocore, NodegroupUpdateConfig (`NonZeroInteger`, \"The maximum number is 100\"; `PercentCapacity` min 1 max 100)",
        test_file: NODE_GROUP,
        rule: "must be between 1 and 100",
    },
    Limit {
        subject: "`platform_eks_node_group.update_config`",
        limit: "exactly one of `max_unavailable` and `max_unavailable_percentage`",
        source: "botocore, NodegroupUpdateConfig: \"This value or maxUnavailable is required to have a value\"",
        test_file: NODE_GROUP,
        rule: "set exactly one of",
    },
    Limit {
        subject: "`platform_eks_node_group.disk_size`",
        limit: "1 to 16,384 GiB",
        source: "Amazon EBS volume size limits (16 TiB for gp2/gp3): https://docs.aws.amazon.com/ebs/latest/userguide/volume_constraints.html",
        test_file: NODE_GROUP,
        rule: "must be between 1 and 16384",
    },
    Limit {
        subject: "`platform_eks_node_group.instance_types`",
        limit: "at least one",
        source: "botocore, CreateNodegroup.instanceTypes",
        test_file: NODE_GROUP,
        rule: "at least one instance type",
    },
    Limit {
        subject: "`platform_eks_node_group.subnet_ids`",
        limit: "at least one",
        source: "botocore, CreateNodegroup.subnets (required)",
        test_file: NODE_GROUP,
        rule: "must name at least one subnet",
    },
    Limit {
        subject: "`platform_eks_node_group.capacity_type`",
        limit: "`ON_DEMAND`, `SPOT`, `CAPACITY_BLOCK`",
        source: "botocore, enum `CapacityTypes`",
        test_file: NODE_GROUP,
        rule: "must be one of \"ON_DEMAND\"",
    },
    Limit {
        subject: "`platform_eks_node_group.node_role_arn`",
        limit: "an IAM role ARN",
        source: "botocore, CreateNodegroup.nodeRole",
        test_file: NODE_GROUP,
        rule: "must be an IAM role ARN",
    },
    Limit {
        subject: "`platform_eks_node_group.labels` keys",
        limit: "not under `kubernetes.io/`, `k8s.io/`, `eks.amazonaws.com/` or their subdomains (`node.kubernetes.io/`, ...)",
        source: RESERVED_LABELS,
        test_file: NODE_GROUP,
        rule: "EKS refuses labels under the reserved prefixes",
    },
    Limit {
        subject: "`platform_eks_node_group.labels` keys",
        limit: "at most 63 characters, prefix included",
        source: "botocore, shape `labelKey` (min 1, max 63)",
        test_file: NODE_GROUP,
        rule: "EKS accepts label keys of at most 63 characters",
    },
    Limit {
        subject: "`platform_eks_node_group.labels` keys",
        limit: "`[prefix/]name`, the name 1 to 63 alphanumerics, `-`, `_`, `.`",
        source: "Kubernetes, Labels and Selectors (syntax): https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set",
        test_file: NODE_GROUP,
        rule: "must be \"[prefix/]name\"",
    },
    Limit {
        subject: "`platform_eks_node_group.labels` values",
        limit: "1 to 63 alphanumerics, `-`, `_`, `.`",
        source: "botocore, shape `labelValue` (min 1, max 63); Kubernetes label syntax",
        test_file: NODE_GROUP,
        rule: "EKS refuses empty label values",
    },
    Limit {
        subject: "`platform_eks_node_group.labels` values, `taint.value`",
        limit: "at most 63 alphanumerics, `-`, `_`, `.`",
        source: TAINTS_GUIDE,
        test_file: NODE_GROUP,
        rule: "at most 63 letters",
    },
    Limit {
        subject: "`platform_eks_node_group.taint`",
        limit: "at most 50 per node group",
        source: TAINTS_GUIDE,
        test_file: NODE_GROUP,
        rule: "EKS allows at most 50 `taint` blocks per node group",
    },
    Limit {
        subject: "`platform_eks_node_group.taint`",
        limit: "one taint per key and effect",
        source: "Kubernetes keys a taint by its key and effect (https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/); EKS's UpdateTaintsPayload adds or updates by key and effect",
        test_file: NODE_GROUP,
        rule: "EKS keeps one taint per key and effect",
    },
    Limit {
        subject: "`platform_eks_node_group.taint.key`",
        limit: "at most 63 characters, prefix included",
        source: "botocore, shape `taintKey` (min 1, max 63)",
        test_file: NODE_GROUP,
        rule: "EKS accepts taint keys of at most 63 characters",
    },
    Limit {
        subject: "`platform_eks_node_group.taint.effect`",
        limit: "`NO_SCHEDULE`, `NO_EXECUTE`, `PREFER_NO_SCHEDULE` (the API's spelling)",
        source: TAINTS_GUIDE,
        test_file: NODE_GROUP,
        rule: "not the Kubernetes spelling",
    },
    // ---- platform_eks_pod_identity_association ---------------------------------------
    Limit {
        subject: "`platform_eks_pod_identity_association.cluster_name`",
        limit: "1 to 100 letters, digits, `-` and `_`, starting with a letter or digit",
        source: "botocore, shape `ClusterName` (min 1, max 100, pattern `^[0-9A-Za-z][A-Za-z0-9\\-_]*`)",
        test_file: POD_IDENTITY,
        rule: "starting with a letter or digit",
    },
    Limit {
        subject: "`platform_eks_pod_identity_association.namespace`",
        limit: "a DNS-1123 label: at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit",
        source: K8S_NAMES,
        test_file: POD_IDENTITY,
        rule: "a Kubernetes namespace must be a DNS-1123 label",
    },
    Limit {
        subject: "`platform_eks_pod_identity_association.service_account`",
        limit: "a DNS-1123 subdomain: at most 253 lowercase letters, digits, `-` and `.`; no wildcards",
        source: K8S_NAMES,
        test_file: POD_IDENTITY,
        rule: "must be a Kubernetes service-account name",
    },
    Limit {
        subject: "`platform_eks_pod_identity_association.role_arn`, `target_role_arn`",
        limit: "an IAM role ARN, `arn:<partition>:iam::<account>:role/<path><name>`",
        source: "EKS API reference, CreatePodIdentityAssociation (roleArn, targetRoleArn: \"The Amazon Resource Name (ARN) of the IAM role\"): https://docs.aws.amazon.com/eks/latest/APIReference/API_CreatePodIdentityAssociation.html",
        test_file: POD_IDENTITY,
        rule: "must be an IAM role ARN",
    },
    Limit {
        subject: "`platform_eks_pod_identity_association.role_arn`",
        limit: "a role of the cluster's account (the provider's); a role of another account goes in `target_role_arn`",
        source: POD_ID_TARGET_ROLE,
        test_file: POD_IDENTITY,
        rule: "must be a role in the cluster's account",
    },
    // ---- platform_eks_oidc_provider --------------------------------------------------
    Limit {
        subject: "`platform_eks_oidc_provider.url`",
        limit: "`https://` and a host, no query, no trailing `/`, at most 255 characters",
        source: "IAM API reference, CreateOpenIDConnectProvider.Url (1 to 255 characters, \"must begin with https://\"): https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html",
        test_file: OIDC,
        rule: "must start with \"https://\"",
    },
    Limit {
        subject: "`platform_eks_oidc_provider.url`",
        limit: "an issuer URL: a host, no query, no trailing `/`, at most 255 characters",
        source: OIDC_API,
        test_file: OIDC,
        rule: "must be an issuer URL",
    },
    Limit {
        subject: "`platform_eks_oidc_provider.url`",
        limit: "no port",
        source: "IAM API reference, CreateOpenIDConnectProvider.Url (\"The URL should not contain a port number.\"): https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html",
        test_file: OIDC,
        rule: "must not name a port",
    },
    Limit {
        subject: "`platform_eks_oidc_provider.client_ids`",
        limit: "at least one, each 1 to 255 characters",
        source: "IAM API reference, CreateOpenIDConnectProvider.ClientIDList (items 1 to 255 characters)",
        test_file: OIDC,
        rule: "client ids must be 1 to 255 characters",
    },
    Limit {
        subject: "`platform_eks_oidc_provider.client_ids`",
        limit: "at least one audience",
        source: OIDC_API,
        test_file: OIDC,
        rule: "at least one audience",
    },
    Limit {
        subject: "`platform_eks_cluster.oidc_thumbprints`, `platform_eks_oidc_provider.thumbprints`",
        limit: "at most 5",
        source: "IAM API reference, CreateOpenIDConnectProvider.ThumbprintList (maximum 5 items)",
        test_file: OIDC,
        rule: "at most 5",
    },
];
