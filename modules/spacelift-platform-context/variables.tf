variable "name" {
  description = "The context's name (its id is a slug of the first name, and stays when the name changes)."
  type        = string

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 255 && can(regex("[A-Za-z0-9]", var.name))
    error_message = "name must be 1 to 255 characters with at least one ASCII letter or digit (Spacelift's rule)."
  }
}

variable "description" {
  description = "The context's description."
  type        = string
  default     = "Outputs of the platform's cluster stack"
}

variable "labels" {
  description = "Labels of the context, e.g. `autoattach:<label>`. The `platform:owner` prefix is the provider's own."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for l in var.labels : !startswith(l, "platform:owner")])
    error_message = "labels may not start with `platform:owner`: the provider keeps those for ownership."
  }
}

variable "space_id" {
  description = "The Spacelift space of the context."
  type        = string
  default     = "root"
}

variable "env_prefix" {
  description = "Prefix of the published variables' names: `TF_VAR_` (the default) makes them Terraform inputs of the attached stacks (`TF_VAR_cluster_name`, ...)."
  type        = string
  default     = "TF_VAR_"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]*$|^$", var.env_prefix))
    error_message = "env_prefix must be a valid start of an environment variable name (letters, digits, `_`, not starting with a digit)."
  }
}

variable "cluster_name" {
  description = "The cluster's name, published as `<env_prefix>cluster_name`."
  type        = string
}

variable "cluster_endpoint" {
  description = "The API server's URL, published as `<env_prefix>cluster_endpoint`."
  type        = string
}

variable "cluster_certificate_authority_data" {
  description = "The cluster's CA (base64 PEM), published as `<env_prefix>cluster_certificate_authority_data`."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider ARN, published as `<env_prefix>oidc_provider_arn`."
  type        = string
}

variable "oidc_issuer_url" {
  description = "The cluster's OIDC issuer, published as `<env_prefix>oidc_issuer_url` when set."
  type        = string
  default     = null
}

variable "storage_class_name" {
  description = "The default StorageClass, published as `<env_prefix>storage_class_name` when set."
  type        = string
  default     = null
}

variable "vault_seal_stanza" {
  description = "Vault's `seal \"awskms\"` stanza, mounted as the file `seal_stanza_path` when set."
  type        = string
  default     = null
}

variable "seal_stanza_path" {
  description = "Where the seal stanza is mounted, relative to `/mnt/workspace/`."
  type        = string
  default     = "platform/vault-seal.hcl"

  validation {
    condition     = !startswith(var.seal_stanza_path, "/") && !strcontains(var.seal_stanza_path, "..")
    error_message = "seal_stanza_path must be relative to /mnt/workspace/, without `..`."
  }
}

variable "environment" {
  description = "Further plain variables to publish, by full name (no prefix added); values may not contain newlines."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.environment) : !strcontains(v, "\n")])
    error_message = "environment values may not contain newlines (Spacelift does not support them): publish such values as mounted files."
  }
}

variable "secret_environment" {
  description = "Secret variables to publish, by full name: written write-only, never readable back from Spacelift. A name may not also be in `environment` or among the published ones."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "secret_outputs" {
  description = "Which of the published cluster values go as secrets instead of plain variables, by their names without prefix (e.g. `[\"cluster_certificate_authority_data\"]`)."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.secret_outputs : contains(["cluster_name", "cluster_endpoint", "cluster_certificate_authority_data", "oidc_provider_arn", "oidc_issuer_url", "storage_class_name"], s)])
    error_message = "secret_outputs takes only cluster_name, cluster_endpoint, cluster_certificate_authority_data, oidc_provider_arn, oidc_issuer_url and storage_class_name."
  }
}

variable "mounted_files" {
  description = "Further files to mount, by path relative to `/mnt/workspace/`: `{ content, secret }`."
  type        = map(object({ content = string, secret = optional(bool, false) }))
  default     = {}
}

variable "stack_ids" {
  description = "The stacks the context is attached to (each must exist)."
  type        = set(string)
  default     = []
}

variable "attachment_priority" {
  description = "The context's priority among each stack's contexts, lowest first."
  type        = number
  default     = 0

  validation {
    condition     = var.attachment_priority >= 0 && floor(var.attachment_priority) == var.attachment_priority
    error_message = "attachment_priority must be a whole number, 0 or more."
  }
}
