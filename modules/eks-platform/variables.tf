variable "name" {
  description = "The cluster's name: 1 to 100 letters, digits, `-` and `_`, starting with a letter or digit. It also prefixes the names of the roles and keys the module makes, so at most 56 characters (the role `<name>-ebs-csi` fits IAM's 64); controller roles `<name>-<controller>` must fit too."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$", var.name))
    error_message = "name must be 1 to 100 letters, digits, `-` and `_`, starting with a letter or digit (EKS's rule for cluster names)."
  }

  validation {
    condition     = length(var.name) <= 56
    error_message = "name may have at most 56 characters here: it prefixes the EBS CSI driver's role, `<name>-ebs-csi`, which must fit IAM's 64."
  }
}

variable "kubernetes_version" {
  description = "The cluster's Kubernetes version, `\"<major>.<minor>\"` such as `\"1.34\"`. Upgrade one minor version per apply; the system node group, the extra node groups and the unpinned add-ons follow."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must be \"<major>.<minor>\", such as \"1.34\"."
  }
}

variable "subnet_ids" {
  description = "Existing subnets, in at least two availability zones, for the cluster's network interfaces and the node groups. The module never builds a VPC."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-([0-9a-f]{8}|[0-9a-f]{17})$", s))])
    error_message = "subnet_ids needs at least two subnet ids (`subnet-` and 8 or 17 lowercase hex digits), in different availability zones (EKS's rule)."
  }
}

variable "security_group_ids" {
  description = "Extra security groups for the cluster's network interfaces (at most 5; EKS always adds its own cluster security group)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.security_group_ids) <= 5
    error_message = "security_group_ids takes at most 5 security groups (EKS's limit)."
  }
}

variable "endpoint_public_access" {
  description = "Whether the API server endpoint is reachable from the internet."
  type        = bool
  default     = true
}

variable "endpoint_private_access" {
  description = "Whether the API server endpoint is reachable from within the VPC."
  type        = bool
  default     = true
}

variable "public_access_cidrs" {
  description = "IPv4 CIDR blocks allowed to reach the public endpoint; null for EKS's default (`0.0.0.0/0`)."
  type        = list(string)
  default     = null

  validation {
    condition     = var.public_access_cidrs == null || alltrue([for c in coalesce(var.public_access_cidrs, []) : can(cidrhost(c, 0)) && !strcontains(c, ":")])
    error_message = "public_access_cidrs must be IPv4 CIDR blocks such as \"203.0.113.0/24\"."
  }
}

variable "enabled_log_types" {
  description = "Control-plane logs sent to CloudWatch: any of `api`, `audit`, `authenticator`, `controllerManager`, `scheduler`."
  type        = list(string)
  default     = ["api", "audit", "authenticator"]

  validation {
    condition     = alltrue([for t in var.enabled_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "enabled_log_types takes only api, audit, authenticator, controllerManager and scheduler."
  }
}

variable "secrets_kms_key_arn" {
  description = "An existing KMS key that envelope-encrypts Kubernetes secrets; null makes one with the cluster (see platform_eks_cluster's `kms_key_arn`)."
  type        = string
  default     = null
}

variable "oidc_thumbprints" {
  description = "SHA-1 thumbprints of the OIDC issuer's certificate chain; null computes the top one from a verified TLS handshake with the issuer."
  type        = list(string)
  default     = null

  validation {
    condition     = var.oidc_thumbprints == null || alltrue([for t in coalesce(var.oidc_thumbprints, []) : can(regex("^[0-9a-fA-F]{40}$", t))])
    error_message = "oidc_thumbprints must be SHA-1 thumbprints: 40 hex digits each."
  }
}

variable "upgrade_support_type" {
  description = "What happens at the end of standard support: `STANDARD` (EKS upgrades the cluster) or `EXTENDED` (billed extended support); null keeps what EKS has."
  type        = string
  default     = null

  validation {
    condition     = var.upgrade_support_type == null || contains(["STANDARD", "EXTENDED"], coalesce(var.upgrade_support_type, "STANDARD"))
    error_message = "upgrade_support_type must be STANDARD or EXTENDED (or null)."
  }
}

variable "cluster_admins" {
  description = "IAM roles or users that administer the cluster: each gets a declared access entry with `AmazonEKSClusterAdminPolicy` at cluster scope. Whoever runs the apply gets nothing (`bootstrap_cluster_creator_admin_permissions = false`)."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.cluster_admins : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", a))])
    error_message = "cluster_admins takes IAM role or user ARNs (arn:aws:iam::<account>:role/<name> or :user/<name>), not STS session ARNs."
  }
}

variable "namespace_readers" {
  description = "Read-only access scoped to namespaces, by a key of your choice: `{ principal_arn, namespaces, kubernetes_groups }`. Each becomes an access entry with `AmazonEKSViewPolicy` at namespace scope (`*` wildcards allowed in namespaces)."
  type = map(object({
    principal_arn     = string
    namespaces        = list(string)
    kubernetes_groups = optional(list(string), [])
  }))
  default = {}

  validation {
    condition     = alltrue([for r in var.namespace_readers : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$", r.principal_arn))])
    error_message = "namespace_readers[*].principal_arn must be an IAM role or user ARN."
  }

  validation {
    condition     = alltrue([for r in var.namespace_readers : length(r.namespaces) >= 1 && alltrue([for n in r.namespaces : can(regex("^[a-z0-9*]([-a-z0-9*]{0,61}[a-z0-9*])?$", n))])])
    error_message = "namespace_readers[*].namespaces needs at least one Kubernetes namespace name (DNS-1123 label, `*` wildcard allowed)."
  }
}

variable "system_node_group" {
  description = "The system node group, for cluster add-ons only: tainted `CriticalAddonsOnly=true:NoSchedule` (as `taint_key`), so only pods that tolerate it (coredns, the EBS CSI controller, ...) land there."
  type = object({
    name            = optional(string, "system")
    instance_types  = optional(list(string), ["m6i.large"])
    capacity_type   = optional(string, "ON_DEMAND")
    ami_type        = optional(string)
    disk_size       = optional(number)
    release_version = optional(string)
    min_size        = optional(number, 2)
    max_size        = optional(number, 4)
    desired_size    = optional(number)
    labels          = optional(map(string), {})
    taint_key       = optional(string, "CriticalAddonsOnly")
    node_role_arn   = optional(string)
  })
  default = {}

  validation {
    condition     = var.system_node_group.min_size >= 0 && var.system_node_group.max_size >= 1 && var.system_node_group.min_size <= var.system_node_group.max_size && (var.system_node_group.desired_size == null || (coalesce(var.system_node_group.desired_size, 0) >= var.system_node_group.min_size && coalesce(var.system_node_group.desired_size, 0) <= var.system_node_group.max_size))
    error_message = "system_node_group needs 0 <= min_size <= desired_size <= max_size and max_size >= 1."
  }

  validation {
    condition     = contains(["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"], var.system_node_group.capacity_type)
    error_message = "system_node_group.capacity_type must be ON_DEMAND, SPOT or CAPACITY_BLOCK."
  }
}

variable "node_groups" {
  description = "Further node groups, by name (1 to 63 letters, digits, `-`, `_`): sizes, instance types, labels and taints (`effect` is `NO_SCHEDULE`, `NO_EXECUTE` or `PREFER_NO_SCHEDULE`). `subnet_ids` defaults to the module's; `autoscaler_node_template_tags` publishes labels and taints for a pool that scales from zero."
  type = map(object({
    instance_types                = optional(list(string), ["m6i.large"])
    capacity_type                 = optional(string, "ON_DEMAND")
    ami_type                      = optional(string)
    disk_size                     = optional(number)
    release_version               = optional(string)
    subnet_ids                    = optional(list(string))
    min_size                      = optional(number, 1)
    max_size                      = optional(number, 3)
    desired_size                  = optional(number)
    labels                        = optional(map(string), {})
    taints                        = optional(list(object({ key = string, value = optional(string), effect = string })), [])
    autoscaler_node_template_tags = optional(bool, false)
    node_role_arn                 = optional(string)
    tags                          = optional(map(string), {})
  }))
  default = {}

  validation {
    condition     = alltrue([for k, g in var.node_groups : can(regex("^[0-9A-Za-z][0-9A-Za-z_-]{0,62}$", k))])
    error_message = "node_groups keys are the node groups' names: 1 to 63 letters, digits, `-` and `_`, starting with a letter or digit."
  }

  validation {
    condition     = alltrue([for g in var.node_groups : g.min_size >= 0 && g.max_size >= 1 && g.min_size <= g.max_size && (g.desired_size == null || (coalesce(g.desired_size, 0) >= g.min_size && coalesce(g.desired_size, 0) <= g.max_size))])
    error_message = "Each of node_groups needs 0 <= min_size <= desired_size <= max_size and max_size >= 1."
  }

  validation {
    condition     = alltrue(flatten([for g in var.node_groups : [for t in g.taints : contains(["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"], t.effect)]]))
    error_message = "node_groups[*].taints[*].effect must be NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE."
  }
}

variable "addons" {
  description = "Settings of the core add-ons, by add-on name (`vpc-cni`, `coredns`, `kube-proxy`, `eks-pod-identity-agent`, `aws-ebs-csi-driver`): a pinned `version` (null follows the cluster's default) and `configuration_values` (JSON). Every core add-on is installed whether it is listed here or not."
  type = map(object({
    version                     = optional(string)
    configuration_values        = optional(string)
    resolve_conflicts_on_create = optional(string)
    resolve_conflicts_on_update = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.addons) : contains(["vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "aws-ebs-csi-driver"], k)])
    error_message = "addons keys must be core add-ons: vpc-cni, coredns, kube-proxy, eks-pod-identity-agent, aws-ebs-csi-driver."
  }

  validation {
    condition     = alltrue([for a in var.addons : a.configuration_values == null || can(jsondecode(coalesce(a.configuration_values, "{}")))])
    error_message = "addons[*].configuration_values must be JSON, e.g. jsonencode({ replicaCount = 3 })."
  }
}

variable "ebs_storage" {
  description = "The encrypted EBS StorageClass (`platform_ebs_storage`): its KMS alias (default `alias/<name>-ebs`), the StorageClass's name and volume settings, and whether it is the cluster's default class."
  type = object({
    alias_name              = optional(string)
    storage_class_name      = optional(string, "ebs-encrypted")
    volume_type             = optional(string, "gp3")
    iops                    = optional(number)
    throughput              = optional(number)
    fs_type                 = optional(string)
    reclaim_policy          = optional(string)
    default_class           = optional(bool, true)
    key_administrators      = optional(list(string), [])
    deletion_window_in_days = optional(number)
  })
  default = {}

  validation {
    condition     = var.ebs_storage.alias_name == null || (startswith(coalesce(var.ebs_storage.alias_name, "alias/x"), "alias/") && !startswith(coalesce(var.ebs_storage.alias_name, "alias/x"), "alias/aws/"))
    error_message = "ebs_storage.alias_name must start with `alias/` and not with `alias/aws/`."
  }

  validation {
    condition     = contains(["gp3", "gp2", "io2", "io1", "st1", "sc1", "standard"], var.ebs_storage.volume_type)
    error_message = "ebs_storage.volume_type must be gp3, gp2, io2, io1, st1, sc1 or standard."
  }
}

variable "vault_seal" {
  description = "Vault's `awskms` auto-unseal (`platform_vault_seal`): null for none. `name` (default: the cluster's name in lowercase, `_` as `-`) names the key alias (`alias/vault-<name>`) and the role (`vault-seal-<name>`); `service_accounts` defaults to `vault/vault`."
  type = object({
    name                    = optional(string)
    service_accounts        = optional(list(object({ namespace = string, name = string })), [{ namespace = "vault", name = "vault" }])
    tls_secret_name         = optional(string)
    listener_tls            = optional(string)
    deletion_window_in_days = optional(number)
  })
  default = null

  validation {
    condition     = var.vault_seal == null || can(regex("^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$", coalesce(try(var.vault_seal.name, null), lower(replace(var.name, "_", "-")))))
    error_message = "vault_seal.name (by default the cluster's name in lowercase) must be a DNS-1123 label of at most 53 characters: set vault_seal.name."
  }
}

variable "controllers" {
  description = "Controller roles (IRSA), by key: the key with `_` turned into `-` names the controller (`external_dns` is `external-dns`) unless `controller` is given. Each becomes a `platform_controller_policy` data source and a `platform_irsa_role` named `<name>-<controller>`; the parameters are those of the data source. `cluster_name` is filled in for the controllers that take it."
  type = map(object({
    controller             = optional(string)
    role_name              = optional(string)
    namespace              = optional(string)
    hosted_zone_arns       = optional(list(string))
    kms_key_arns           = optional(list(string))
    kms_key_aliases        = optional(list(string))
    repository_arns        = optional(list(string))
    secret_arns            = optional(list(string))
    parameter_arns         = optional(list(string))
    bucket_arns            = optional(list(string))
    file_system_arns       = optional(list(string))
    node_role_arns         = optional(list(string))
    assume_role_arns       = optional(list(string))
    region                 = optional(string)
    account_id             = optional(string)
    interruption_queue_arn = optional(string)
    policy_arns            = optional(list(string), [])
  }))
  default = {}

  validation {
    condition = alltrue([for k, c in var.controllers : contains([
      "aws-ebs-csi-driver", "aws-efs-csi-driver", "external-dns", "cert-manager", "aws-load-balancer-controller",
      "cluster-autoscaler", "karpenter", "ecr-credentials-sync", "external-secrets", "velero", "vault-aws",
    ], coalesce(c.controller, replace(k, "_", "-")))])
    error_message = "Each of controllers must name a known controller, by its key (external_dns) or `controller`: aws-ebs-csi-driver, aws-efs-csi-driver, external-dns, cert-manager, aws-load-balancer-controller, cluster-autoscaler, karpenter, ecr-credentials-sync, external-secrets, velero, vault-aws."
  }
}

variable "tags" {
  description = "Tags of every object the module makes (merged over the provider's `default_tags`)."
  type        = map(string)
  default     = {}
}

variable "cluster_tags" {
  description = "Extra tags of the cluster only (and of the role, key and OIDC provider it creates)."
  type        = map(string)
  default     = {}
}
