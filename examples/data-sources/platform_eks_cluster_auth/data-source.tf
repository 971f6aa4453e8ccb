terraform {
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

provider "platform" {}

# For CLIs without ephemeral resources (Terraform < 1.10, OpenTofu < 1.11).
# A fresh token on every plan and apply, as `aws eks get-token` makes it; it
# is stored in the state and changes on every run: prefer
# `ephemeral "platform_eks_cluster_auth"` where the CLI supports it.
data "platform_eks_cluster_auth" "main" {
  cluster_name = "platform-main"
}

# Hand it to the kubernetes (or helm) provider:
#
# provider "kubernetes" {
#   host                   = var.cluster_endpoint
#   cluster_ca_certificate = base64decode(var.cluster_ca)
#   token                  = data.platform_eks_cluster_auth.main.token
# }

output "token" {
  value     = data.platform_eks_cluster_auth.main.token
  sensitive = true
}
