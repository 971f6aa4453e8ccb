//! The limits of the resources that give access to a cluster and run on it:
//! add-ons, access entries and pod identity associations. Split from
//! `limits.rs` (the cluster, node groups and the OIDC provider) to keep each
//! file short; both are listed in `services::limits()`. "botocore" is
//! botocore's EKS service model, as in `limits.rs`.

use crate::framework::limits::Limit;

const ACCESS_ENTRY: &str = "test_eks_access_entry.py";
const ADDON: &str = "test_eks_addon.py";
const ADDON_VERSIONS: &str = "EKS API reference, DescribeAddonVersions: https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeAddonVersions.html";
const POD_IDENTITY: &str = "test_eks_pod_identity_association.py";
const CREATE_ACCESS_ENTRY: &str = "EKS API reference, CreateAccessEntry (principalArn, type, kubernetesGroups, username): https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html; EKS User Guide, Create access entries: https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html";
const ACCESS_POLICIES: &str = "EKS User Guide, Associate access policies with access entries: https://docs.aws.amazon.com/eks/latest/userguide/access-policies.html; EKS API reference, AccessScope: https://docs.aws.amazon.com/eks/latest/APIReference/API_AccessScope.html";
const K8S_NAMES: &str =
    "Kubernetes, Object Names and IDs: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/";
const POD_ID_TARGET_ROLE: &str = "EKS User Guide, \"Access AWS Resources using EKS Pod Identity Target IAM Roles\" (\"The EKS Pod Identity role must be in your EKS cluster's account due to IAM PassRole requirements, while the Target IAM Role can be in any AWS account\"): https://docs.aws.amazon.com/eks/latest/userguide/pod-id-assign-target-role.html";

/// The add-on, access-entry and pod-identity limits.
pub const LIMITS: &[Limit] = &[
    // ---- platform_eks_access_entry ---------------------------------------------------
    Limit {
        subject: "`platform_eks_access_entry.principal_arn`",
        limit: "an IAM role or user ARN (no STS session ARN, no account root)",
        source: "EKS API reference, CreateAccessEntry.principalArn (\"You can't use the STS session principal type with access entries\"); EKS answers others with \"The specified principalArn is invalid: invalid principal.\" (terraform-aws-modules/terraform-aws-eks#2969)",
        test_file: ACCESS_ENTRY,
        rule: "must be an IAM role or user ARN",
    },
    Limit {
        subject: "`platform_eks_access_entry.principal_arn`",
        limit: "not a service-linked role (`role/aws-service-role/...`)",
        source: "EKS User Guide, Create access entries (\"Access entries do not support service linked roles\"); EKS's InvalidParameterException quoted in hashicorp/terraform-provider-aws#36447",
        test_file: ACCESS_ENTRY,
        rule: "EKS refuses access entries for service-linked roles",
    },
    Limit {
        subject: "`platform_eks_access_entry.principal_arn` (types other than `STANDARD`)",
        limit: "IAM roles only",
        source: CREATE_ACCESS_ENTRY,
        test_file: ACCESS_ENTRY,
        rule: "take IAM roles only",
    },
    Limit {
        subject: "`platform_eks_access_entry.type`",
        limit: "`STANDARD`, `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`, `EC2`, `HYBRID_LINUX`, `HYPERPOD_LINUX`",
        source: CREATE_ACCESS_ENTRY,
        test_file: ACCESS_ENTRY,
        rule: "must be one of \"STANDARD\"",
    },
    Limit {
        subject: "`platform_eks_access_entry.kubernetes_groups`",
        limit: "`STANDARD` entries only",
        source: CREATE_ACCESS_ENTRY,
        test_file: ACCESS_ENTRY,
        rule: "only STANDARD access entries take kubernetes_groups",
    },
    Limit {
        subject: "`platform_eks_access_entry.user_name`",
        limit: "`STANDARD` entries only",
        source: CREATE_ACCESS_ENTRY,
        test_file: ACCESS_ENTRY,
        rule: "only STANDARD access entries take a user_name",
    },
    Limit {
        subject: "`platform_eks_access_entry.access_policy`",
        limit: "`STANDARD` entries only",
        source: ACCESS_POLICIES,
        test_file: ACCESS_ENTRY,
        rule: "only STANDARD access entries take access policies",
    },
    Limit {
        subject: "`platform_eks_access_entry.kubernetes_groups`",
        limit: "no name starting with `system:`",
        source: "EKS's InvalidParameterException \"The kubernetes group name system:masters is invalid, it cannot start with system:\", quoted in terraform-aws-modules/terraform-aws-eks#2915",
        test_file: ACCESS_ENTRY,
        rule: "EKS refuses group names starting with \"system:\"",
    },
    Limit {
        subject: "`platform_eks_access_entry.user_name`",
        limit: "not starting with `system:`, `eks:`, `aws:`, `amazon:` or `iam:`",
        source: CREATE_ACCESS_ENTRY,
        test_file: ACCESS_ENTRY,
        rule: "EKS refuses user names starting with system:, eks:, aws:, amazon: or iam:",
    },
    Limit {
        subject: "`platform_eks_access_entry.user_name`",
        limit: "a `:` before `{{SessionName}}` or `{{SessionNameRaw}}`",
        source: CREATE_ACCESS_ENTRY,
        test_file: ACCESS_ENTRY,
        rule: "EKS needs a ':' somewhere before",
    },
    Limit {
        subject: "`platform_eks_access_entry.access_policy.policy_arn`",
        limit: "`arn:<partition>:eks::aws:cluster-access-policy/<name>`, a policy ListAccessPolicies lists",
        source: "EKS API reference, AssociateAccessPolicy.policyArn and ListAccessPolicies: https://docs.aws.amazon.com/eks/latest/APIReference/API_AssociateAccessPolicy.html",
        test_file: ACCESS_ENTRY,
        rule: "must be an EKS access policy ARN",
    },
    Limit {
        subject: "`platform_eks_access_entry.access_policy`",
        limit: "each policy once per entry",
        source: ACCESS_POLICIES,
        test_file: ACCESS_ENTRY,
        rule: "EKS associates each access policy once per entry",
    },
    Limit {
        subject: "`platform_eks_access_entry.access_policy.scope`",
        limit: "`cluster` or `namespace`",
        source: "botocore, shape `AccessScopeType` (enum `cluster`, `namespace`)",
        test_file: ACCESS_ENTRY,
        rule: "must be one of \"cluster\", \"namespace\"",
    },
    Limit {
        subject: "`platform_eks_access_entry.access_policy.namespaces`",
        limit: "at least one with `scope = \"namespace\"`",
        source: "EKS API reference, AccessScope.namespaces (\"A value is required if you specified namespace for Type\")",
        test_file: ACCESS_ENTRY,
        rule: "scope \"namespace\" needs at least one namespace",
    },
    Limit {
        subject: "`platform_eks_access_entry.access_policy.namespaces`",
        limit: "none with `scope = \"cluster\"`",
        source: ACCESS_POLICIES,
        test_file: ACCESS_ENTRY,
        rule: "scope \"cluster\" covers every namespace",
    },
    Limit {
        subject: "`platform_eks_access_entry.access_policy.namespaces`",
        limit: "Kubernetes namespace names (DNS-1123 labels), `*` wildcards allowed (`dev-*`)",
        source: "EKS User Guide, Associate access policies (wildcards); Kubernetes, Namespaces: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/",
        test_file: ACCESS_ENTRY,
        rule: "must be a DNS-1123 label",
    },
    Limit {
        subject: "`platform_eks_access_entry.cluster_name`",
        limit: "a cluster whose `authentication_mode` is `API_AND_CONFIG_MAP` or `API` when the entry is created (a plan-time warning for a cluster still in `CONFIG_MAP` mode, which may move earlier in the same apply; an error at create)",
        source: "EKS's InvalidRequestException \"The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.\", quoted in aws-ia/terraform-aws-eks-blueprints#1877",
        test_file: ACCESS_ENTRY,
        rule: "uses authentication_mode CONFIG_MAP",
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
    // ---- platform_eks_addon ----------------------------------------------------------
    Limit {
        subject: "`platform_eks_addon.addon_name`",
        limit: "1 to 100 lowercase letters, digits, `-` and `_`",
        source: "botocore, CreateAddon.addonName (\"must match one of the names returned by DescribeAddonVersions\"): the character set of the names EKS lists (`vpc-cni`, `kubecost_kubecost`); the bound of 100 is the provider's",
        test_file: ADDON,
        rule: "must be an add-on name as DescribeAddonVersions lists them",
    },
    Limit {
        subject: "`platform_eks_addon.addon_name`",
        limit: "an add-on EKS offers for the Kubernetes version (DescribeAddonVersions, at plan time when the version is known)",
        source: ADDON_VERSIONS,
        test_file: ADDON,
        rule: "EKS offers no add-on",
    },
    Limit {
        subject: "`platform_eks_addon.addon_version`",
        limit: "`v`, a digit, then letters, digits, `.`, `-`, `_`, `+` (at most 100), such as `v1.19.2-eksbuild.1`",
        source: "the versions DescribeAddonVersions lists (`v<version>-eksbuild.<n>`); the bound of 100 is the provider's",
        test_file: ADDON,
        rule: "must be an add-on version such as",
    },
    Limit {
        subject: "`platform_eks_addon.addon_version`",
        limit: "a version EKS offers for the Kubernetes version (checked at plan time when the version is known)",
        source: ADDON_VERSIONS,
        test_file: ADDON,
        rule: "is not a version of",
    },
    Limit {
        subject: "`platform_eks_addon.kubernetes_version`",
        limit: "the cluster's version, or the next minor version during an upgrade (at apply: the cluster's)",
        source: "EKS API reference, DescribeAddonVersions (add-on versions are compatible per cluster Kubernetes version): https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeAddonVersions.html",
        test_file: ADDON,
        rule: "must be its cluster's version (1.33), or the next one during an upgrade",
    },
    Limit {
        subject: "`platform_eks_addon.configuration_values`",
        limit: "a JSON object",
        source: "botocore, CreateAddon.configurationValues (\"validated against the schema returned by DescribeAddonConfiguration\", whose root is an object); EKS also takes YAML, the provider takes JSON (`jsonencode`)",
        test_file: ADDON,
        rule: "must be a JSON object such as",
    },
    Limit {
        subject: "`platform_eks_addon.configuration_values`",
        limit: "valid JSON",
        source: "the provider compares the configuration as JSON (RFC 8259)",
        test_file: ADDON,
        rule: "must be valid JSON (use jsonencode",
    },
    Limit {
        subject: "`platform_eks_addon.configuration_values`",
        limit: "fits the add-on version's configuration schema (DescribeAddonConfiguration), in the JSON Schema subset of `framework::json_schema`",
        source: "EKS API reference, DescribeAddonConfiguration: https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeAddonConfiguration.html",
        test_file: ADDON,
        rule: "does not fit the configuration schema of coredns",
    },
    Limit {
        subject: "`platform_eks_addon.resolve_conflicts_on_create`",
        limit: "`NONE`, `OVERWRITE`",
        source: "botocore, enum `ResolveConflicts` and CreateAddon.resolveConflicts (PRESERVE on create \"is similar to the NONE option\"); terraform-provider-aws takes the same two on create",
        test_file: ADDON,
        rule: "on create PRESERVE works as NONE",
    },
    Limit {
        subject: "`platform_eks_addon.resolve_conflicts_on_update`",
        limit: "`NONE`, `OVERWRITE`, `PRESERVE`",
        source: "botocore, enum `ResolveConflicts`",
        test_file: ADDON,
        rule: "must be one of \"NONE\", \"OVERWRITE\", \"PRESERVE\"",
    },
    Limit {
        subject: "`platform_eks_addon.pod_identity_associations`",
        limit: "one association per service account",
        source: "EKS API reference, CreatePodIdentityAssociation (ResourceInUseException for a service account that already has one): https://docs.aws.amazon.com/eks/latest/APIReference/API_CreatePodIdentityAssociation.html",
        test_file: ADDON,
        rule: "EKS allows one pod identity association per service account",
    },
    Limit {
        subject: "`platform_eks_addon.service_account_role_arn`, `pod_identity_associations.role_arn`",
        limit: "an IAM role ARN",
        source: "botocore, CreateAddon.serviceAccountRoleArn (1 to 255 characters, a role ARN)",
        test_file: ADDON,
        rule: "must be an IAM role ARN",
    },
];
