//! The limits this service documents, each with its source. See
//! [`crate::framework::limits`] for how the table is used.
//!
//! "botocore" below is botocore's EKS service model
//! (`botocore/data/eks/2017-11-01/service-2.json`), the machine-readable form
//! of the EKS API reference that the emulator checks its answers against.

use super::autoscaler_tags::MAX_NODE_TEMPLATE_TAGS;
use super::validate::{LABEL_MAX, MAX_TAINTS, TAINT_KEY_MAX};
use super::versions;
use crate::framework::limits::Limit;

const CLUSTER: &str = "test_eks_cluster.py";
const IN_PLACE: &str = "test_eks_cluster_in_place.py";
const NODE_GROUP: &str = "test_eks_node_group.py";
const NODE_GROUP_IN_PLACE: &str = "test_eks_node_group_in_place.py";
const OIDC: &str = "test_eks_oidc_provider.py";

const CREATE_CLUSTER: &str =
    "EKS API reference, CreateCluster: https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html";
const NETWORK_CONFIG: &str = "EKS API reference, KubernetesNetworkConfigRequest.serviceIpv4Cidr: https://docs.aws.amazon.com/eks/latest/APIReference/API_KubernetesNetworkConfigRequest.html";
const TAINTS_GUIDE: &str =
    "EKS User Guide: https://docs.aws.amazon.com/eks/latest/userguide/node-taints-managed-node-groups.html";
const RESERVED_LABELS: &str = "EKS's InvalidParameterException \"Label cannot contain reserved prefixes [kubernetes.io/, k8s.io/, eks.amazonaws.com/]\", quoted in eksctl-io/eksctl#4007 (for `node-role.kubernetes.io/test`) and kubernetes/cloud-provider-aws#242";
const UPDATE_CLUSTER_CONFIG: &str = "EKS API reference, UpdateClusterConfig (\"choose different subnets and security groups ... at least two subnets that are in different Availability Zones ... must be in the same VPC as the subnets that the cluster was created with\"): https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateClusterConfig.html";
const OIDC_API: &str = "IAM API reference, CreateOpenIDConnectProvider: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html";

// Keep the numbers in the rows in step with the code.
const _: () = assert!(
    LABEL_MAX == 63
        && TAINT_KEY_MAX == 63
        && MAX_TAINTS == 50
        && versions::NODE_SKEW == 3
        && MAX_NODE_TEMPLATE_TAGS == 45
);

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
    Limit {
        subject: "`platform_eks_cluster.security_group_ids`",
        limit: "at most 5",
        source: "AWS CloudFormation User Guide, AWS::EKS::Cluster ResourcesVpcConfig (\"You can specify up to five security groups\"): https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-eks-cluster-resourcesvpcconfig.html",
        test_file: IN_PLACE,
        rule: "EKS takes at most 5 security groups",
    },
    Limit {
        subject: "`platform_eks_cluster.subnet_ids` (change in place)",
        limit: "in the cluster's VPC, covering exactly the availability zones it was created with (checked by EKS at apply: the provider cannot read subnets; the error names `subnet_ids`)",
        source: UPDATE_CLUSTER_CONFIG,
        test_file: IN_PLACE,
        rule: "updating the EKS cluster: `subnet_ids` and `security_group_ids`",
    },
    Limit {
        subject: "`platform_eks_cluster.upgrade_policy.support_type`",
        limit: "`STANDARD` or `EXTENDED`",
        source: "botocore, enum `SupportType`",
        test_file: IN_PLACE,
        rule: "must be one of \"STANDARD\", \"EXTENDED\"",
    },
    Limit {
        subject: "`platform_eks_cluster.authentication_mode` (change)",
        limit: "never back: `API` and `API_AND_CONFIG_MAP` stay (access entries, once on, stay on)",
        source: "EKS User Guide, Change authentication mode to use access entries (\"you can't change the authentication mode back to a mode that removes the EKS API and access entries\"): https://docs.aws.amazon.com/eks/latest/userguide/setting-up-access-entries.html",
        test_file: IN_PLACE,
        rule: "and EKS cannot change it back to",
    },
    Limit {
        subject: "`platform_eks_cluster.authentication_mode` (change)",
        limit: "one step per apply: `CONFIG_MAP` -> `API_AND_CONFIG_MAP` -> `API`",
        source: "this provider's rule (issue 13: the `aws-auth` mappings move to access entries while both work); EKS itself accepts `CONFIG_MAP` -> `API`",
        test_file: IN_PLACE,
        rule: "the authentication mode changes one step per apply",
    },
    Limit {
        subject: "`platform_eks_cluster.kms_key_arn`, `create_kms_key` (change)",
        limit: "secrets encryption can be added once, never removed (another key replaces the cluster)",
        source: "EKS API reference, AssociateEncryptionConfig (\"enable encryption on existing clusters that don't already have encryption enabled\"): https://docs.aws.amazon.com/eks/latest/APIReference/API_AssociateEncryptionConfig.html; botocore's EKS model has no operation that removes or changes it",
        test_file: IN_PLACE,
        rule: "EKS cannot remove secrets encryption from a cluster",
    },
    Limit {
        subject: "`platform_eks_cluster.pod_security_groups`",
        limit: "only with the role this resource creates (not with `role_arn`)",
        source: "the provider: it attaches the policy only to a role it created; EKS User Guide, Security groups for Pods (the cluster role needs AmazonEKSVPCResourceController): https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html",
        test_file: IN_PLACE,
        rule: "only applies to the role this resource creates",
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
    Limit {
        subject: "`platform_eks_node_group.release_version` (Amazon Linux)",
        limit: "`<Kubernetes version>.<patch>-<YYYYMMDD>`, e.g. `1.33.0-20250704`",
        source: "EKS User Guide, Amazon EKS optimized Amazon Linux AMI versions: https://docs.aws.amazon.com/eks/latest/userguide/eks-linux-ami-versions.html; the public SSM parameter /aws/service/eks/optimized-ami/<version>/amazon-linux-2023/x86_64/standard/recommended/release_version",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "must be an EKS AMI release such as",
    },
    Limit {
        subject: "`platform_eks_node_group.release_version` (Bottlerocket)",
        limit: "`<Bottlerocket version>-<8 hex digits>`, e.g. `1.47.0-6154605b`",
        source: "Bottlerocket's release versions as EKS reports them (e.g. `releaseVersion: 1.47.0-6154605b` in aws-controllers-k8s/community#2644); https://github.com/bottlerocket-os/bottlerocket/releases",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "must be a Bottlerocket release such as",
    },
    Limit {
        subject: "`platform_eks_node_group.release_version` (Amazon Linux)",
        limit: "a release of the node group's Kubernetes version",
        source: "botocore, CreateNodegroup.releaseVersion and UpdateNodegroupVersion.releaseVersion (\"the latest available AMI version for the node group's current Kubernetes version\"); EKS User Guide, https://docs.aws.amazon.com/eks/latest/userguide/eks-linux-ami-versions.html",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "EKS installs only releases of the node group's Kubernetes version",
    },
    Limit {
        subject: "`platform_eks_node_group.release_version` (update)",
        limit: "never an older release",
        source: "botocore, UpdateNodegroupVersion: \"You cannot roll back a node group to an earlier Kubernetes version or AMI version\"",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "EKS cannot roll a node group back to an earlier AMI release",
    },
    Limit {
        subject: "`platform_eks_node_group.launch_template`",
        limit: "exactly one of `id` and `name`",
        source: "botocore, shape `LaunchTemplateSpecification` (\"You must specify either the launch template name or the launch template ID in the request, but not both\")",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "set exactly one of `id` and `name`",
    },
    Limit {
        subject: "`platform_eks_node_group.launch_template.version`",
        limit: "a version number (1 or more)",
        source: "EC2 API reference, LaunchTemplateVersion.VersionNumber: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateVersion.html",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "must be a launch template version number",
    },
    Limit {
        subject: "`platform_eks_node_group.launch_template.version`",
        limit: "not `$Latest` or `$Default`",
        source: "this provider's rule: EKS resolves them to a number once and reports the number (terraform-provider-aws, aws_eks_node_group `launch_template.version`: \"the API will convert the value to the associated version number\"), so the configuration would never match the nodes",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "to a version number once",
    },
    Limit {
        subject: "`platform_eks_node_group.launch_template.id`",
        limit: "`lt-` and 17 lowercase hex digits",
        source: "EC2 resource ids: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "must be a launch template id such as",
    },
    Limit {
        subject: "`platform_eks_node_group.launch_template.name`",
        limit: "3 to 128 letters, digits and `( ) . - / _`",
        source: "EC2 API reference, CreateLaunchTemplate.LaunchTemplateName (3 to 128, pattern `[a-zA-Z0-9\\(\\)\\.\\-/_]+`): https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "must be a launch template name",
    },
    Limit {
        subject: "`platform_eks_node_group.disk_size`",
        limit: "not with a `launch_template`",
        source: "botocore, CreateNodegroup.diskSize (\"If you specify launchTemplate, then don't specify diskSize, or the node group deployment will fail\")",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "EKS refuses `disk_size` with a launch template",
    },
    Limit {
        subject: "`platform_eks_node_group.ami_type`",
        limit: "`CUSTOM` only with a `launch_template`",
        source: "EKS User Guide, Customize managed nodes with launch templates (a custom AMI is given in the launch template): https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html; botocore, shape `AMITypes`",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "`CUSTOM` runs the AMI of a launch template",
    },
    Limit {
        subject: "`platform_eks_node_group.release_version`",
        limit: "not with `ami_type = \"CUSTOM\"`",
        source: "botocore, CreateNodegroup.releaseVersion (\"If you specify launchTemplate, and your launch template uses a custom AMI, then don't specify releaseVersion\")",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "EKS refuses a release version with `ami_type = \"CUSTOM\"`",
    },
    Limit {
        subject: "`platform_eks_node_group.version`",
        limit: "not with `ami_type = \"CUSTOM\"`",
        source: "botocore, CreateNodegroup.version (\"If you specify launchTemplate, and your launch template uses a custom AMI, then don't specify version\")",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "EKS refuses a Kubernetes version with `ami_type = \"CUSTOM\"`",
    },
    Limit {
        subject: "`platform_eks_node_group.autoscaler_node_template_tags`",
        limit: "at most 45 labels and `taint` blocks together (one Auto Scaling group tag each)",
        source: "EC2 Auto Scaling User Guide, Tag Auto Scaling groups and instances (\"You can add up to 50 tags to each Auto Scaling group\"): https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-tagging.html; EKS puts 5 tags of its own on a managed node group's group (eks:cluster-name, eks:nodegroup-name, k8s.io/cluster-autoscaler/enabled, k8s.io/cluster-autoscaler/<cluster>, kubernetes.io/cluster/<cluster>)",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "at most 45 labels and `taint` blocks together",
    },
    Limit {
        subject: "`platform_eks_node_group.taint` with `autoscaler_node_template_tags`",
        limit: "one taint per key",
        source: "cluster autoscaler, AWS cloud provider README, Auto-Discovery Setup: one tag `k8s.io/cluster-autoscaler/node-template/taint/<key>` = `<value>:<effect>` per taint key, https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md",
        test_file: NODE_GROUP_IN_PLACE,
        rule: "the cluster autoscaler's tags hold one taint per key",
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
