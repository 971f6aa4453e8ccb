terraform {
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

# Spacelift credentials come from SPACELIFT_API_TOKEN inside a Spacelift run,
# or from an API key (here or in SPACELIFT_API_KEY_*).
provider "platform" {}

variable "subnet_ids" {
  type = list(string)
}

variable "database_password" {
  type      = string
  sensitive = true
  ephemeral = true # never kept in the plan or the state
}

resource "platform_eks_cluster" "main" {
  name       = "platform"
  version    = "1.34"
  subnet_ids = var.subnet_ids
}

resource "platform_irsa_role" "external_dns" {
  name              = "external-dns"
  oidc_provider_arn = platform_eks_cluster.main.oidc_provider_arn
  service_accounts  = [{ namespace = "external-dns", name = "external-dns" }]
}

resource "platform_ebs_storage" "encrypted" {
  alias_name           = "alias/ebs-platform"
  csi_driver_role_name = platform_irsa_role.external_dns.name
}

# Publish what downstream stacks need, as one context.
resource "platform_spacelift_context" "platform_outputs" {
  name        = "Platform outputs"
  description = "Published by the platform stack"
  labels      = ["platform", "autoattach:needs-platform"]

  environment = {
    TF_VAR_cluster_name          = platform_eks_cluster.main.name
    TF_VAR_cluster_endpoint      = platform_eks_cluster.main.endpoint
    TF_VAR_cluster_ca_data       = platform_eks_cluster.main.certificate_authority_data
    TF_VAR_oidc_provider_arn     = platform_eks_cluster.main.oidc_provider_arn
    TF_VAR_oidc_issuer_url       = platform_eks_cluster.main.oidc_issuer_url
    TF_VAR_external_dns_role_arn = platform_irsa_role.external_dns.arn
    TF_VAR_storage_class_name    = "ebs-encrypted"
  }

  # Write-only (Terraform or OpenTofu >= 1.11): the value never reaches the
  # plan or the state, and drift is still found through Spacelift's checksums.
  # On older CLIs use `secret_environment` (its values are stored in state).
  secret_environment_wo = {
    TF_VAR_database_password = var.database_password
  }
  secret_environment_wo_version = 1

  mounted_files = {
    "platform/kubeconfig" = {
      content = platform_eks_cluster.main.kubeconfig
      secret  = false
    }
    "platform/storage-class.yaml" = {
      content = platform_ebs_storage.encrypted.storage_class_manifest
      secret  = false
    }
  }

  hooks = {
    before_plan = ["echo \"platform outputs from $TF_VAR_oidc_provider_arn\""]
  }
}

# Attach it to the stack that consumes the outputs.
resource "platform_spacelift_context_attachment" "apps" {
  context_id = platform_spacelift_context.platform_outputs.id
  stack_id   = "apps-production"
  priority   = 10
}
