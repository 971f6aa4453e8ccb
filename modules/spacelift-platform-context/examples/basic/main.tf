# Publishes a cluster stack's outputs as a Spacelift context attached to the
# stacks that build on the cluster. In a real stack the values come from the
# eks-platform module (module.platform.cluster_name, ...); here they are
# variables so the example stands alone.

# Spacelift credentials come from SPACELIFT_API_TOKEN inside a Spacelift run,
# or from an API key (SPACELIFT_API_KEY_ENDPOINT/_ID/_SECRET).
provider "platform" {}

variable "cluster_name" {
  description = "The cluster's name."
  type        = string
  default     = "platform"
}

variable "cluster_endpoint" {
  description = "The cluster's API server URL."
  type        = string
  default     = "https://EXAMPLE0123456789.gr7.eu-west-1.eks.amazonaws.com"
}

variable "cluster_certificate_authority_data" {
  description = "The cluster's CA, base64-encoded PEM."
  type        = string
  default     = "LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t"
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider."
  type        = string
  default     = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789"
}

variable "stack_ids" {
  description = "The downstream stacks (they must exist)."
  type        = set(string)
  default     = ["apps-production"]
}

module "platform_context" {
  source = "../.."

  name                               = "platform-outputs"
  labels                             = ["platform"]
  cluster_name                       = var.cluster_name
  cluster_endpoint                   = var.cluster_endpoint
  cluster_certificate_authority_data = var.cluster_certificate_authority_data
  oidc_provider_arn                  = var.oidc_provider_arn
  oidc_issuer_url                    = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789"
  storage_class_name                 = "ebs-encrypted"
  vault_seal_stanza                  = <<-EOT
    seal "awskms" {
      region     = "eu-west-1"
      kms_key_id = "0123abcd-12ab-34cd-56ef-1234567890ab"
    }
  EOT

  stack_ids = var.stack_ids
}

output "context_id" {
  description = "Attach further stacks to this context, or label them for autoattach."
  value       = module.platform_context.context_id
}
