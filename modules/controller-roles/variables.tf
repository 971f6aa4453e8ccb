variable "controllers" {
  description = "Controller roles (IRSA), by key: the key with `_` turned into `-` names the controller (`external_dns` is `external-dns`) unless `controller` is given. Each becomes a `platform_controller_policy` data source and a `platform_irsa_role` (named `role_name`, else `<role_name_prefix><controller>`) whose inline policy is the data source's document; the parameters are those of the data source. `cluster_name` is filled in for the controllers that take it."
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

  validation {
    condition = alltrue([for k, c in var.controllers : contains([
      "aws-ebs-csi-driver", "aws-efs-csi-driver", "external-dns", "cert-manager", "aws-load-balancer-controller",
      "cluster-autoscaler", "karpenter", "ecr-credentials-sync", "external-secrets", "velero", "vault-aws",
    ], coalesce(c.controller, replace(k, "_", "-")))])
    error_message = "Each of controllers must name a known controller, by its key (external_dns) or `controller`: aws-ebs-csi-driver, aws-efs-csi-driver, external-dns, cert-manager, aws-load-balancer-controller, cluster-autoscaler, karpenter, ecr-credentials-sync, external-secrets, velero, vault-aws."
  }

  validation {
    condition     = alltrue([for k, c in var.controllers : c.role_name == null || can(regex("^[\\w+=,.@-]{1,64}$", coalesce(c.role_name, "x")))])
    error_message = "controllers[*].role_name must be 1 to 64 characters from letters, digits and +=,.@_- (IAM's rule)."
  }

  validation {
    condition     = alltrue([for k, c in var.controllers : length(coalesce(c.role_name, "${var.role_name_prefix}${coalesce(c.controller, replace(k, "_", "-"))}")) <= 64])
    error_message = "A role name, <role_name_prefix><controller> unless role_name is given, is longer than IAM's 64 characters: shorten role_name_prefix or give role_name."
  }
}

variable "cluster_name" {
  description = "The cluster's name, for the controllers whose policy is scoped by it (cluster-autoscaler, aws-load-balancer-controller, karpenter). Required when one of those is in `controllers`."
  type        = string
  default     = null

  validation {
    condition     = var.cluster_name != null || !anytrue([for k, c in var.controllers : contains(["aws-load-balancer-controller", "cluster-autoscaler", "karpenter"], coalesce(c.controller, replace(k, "_", "-")))])
    error_message = "cluster_name is required with aws-load-balancer-controller, cluster-autoscaler or karpenter in controllers: their policies are scoped by the cluster."
  }
}

variable "create_oidc_provider" {
  description = "Whether to copy the cluster's OIDC provider (`oidc_issuer_url`) into the account of the `platform` provider the module is given, for roles in another account such as a DNS account. `false` uses `oidc_provider_arn`."
  type        = bool
  default     = false

  validation {
    condition     = var.create_oidc_provider ? var.oidc_issuer_url != null : var.oidc_provider_arn != null
    error_message = "Give oidc_issuer_url with create_oidc_provider = true (the provider is copied), or oidc_provider_arn with create_oidc_provider = false."
  }
}

variable "oidc_provider_arn" {
  description = "The IAM OIDC provider of the cluster in the account the roles go to (`platform_eks_cluster.x.oidc_provider_arn` for the cluster's own account). Unused with `create_oidc_provider = true`."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+$", coalesce(var.oidc_provider_arn, "x")))
    error_message = "oidc_provider_arn must be an IAM OIDC provider ARN, arn:aws:iam::<account>:oidc-provider/<issuer>."
  }
}

variable "oidc_issuer_url" {
  description = "The cluster's OIDC issuer (`platform_eks_cluster.x.oidc_issuer_url`). With `create_oidc_provider = true`, the module copies the OIDC provider into the account of the `platform` provider it is given (`platform_eks_oidc_provider`), for roles in another account such as a DNS account."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_issuer_url == null || startswith(coalesce(var.oidc_issuer_url, "https://"), "https://")
    error_message = "oidc_issuer_url must be the issuer's https URL, such as https://oidc.eks.<region>.amazonaws.com/id/<ID>."
  }
}

variable "oidc_thumbprints" {
  description = "Thumbprints of the copied OIDC provider (40 hex digits each); null leaves them to IAM."
  type        = list(string)
  default     = null

  validation {
    condition     = var.oidc_thumbprints == null || alltrue([for t in coalesce(var.oidc_thumbprints, []) : can(regex("^[0-9a-fA-F]{40}$", t))])
    error_message = "oidc_thumbprints must be SHA-1 thumbprints: 40 hex digits each."
  }
}

variable "role_name_prefix" {
  description = "Prefix of the roles' names when `role_name` is not given, such as `\"platform-\"`: the role of `external_dns` is then `platform-external-dns` (at most 64 characters in all)."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[\\w+=,.@-]*$", var.role_name_prefix))
    error_message = "role_name_prefix may hold only letters, digits and +=,.@_- (IAM's rule for role names)."
  }
}

variable "permissions_boundary" {
  description = "ARN of a managed policy to use as every role's permissions boundary; null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of the roles and of the copied OIDC provider (merged over the provider's `default_tags`)."
  type        = map(string)
  default     = {}
}
