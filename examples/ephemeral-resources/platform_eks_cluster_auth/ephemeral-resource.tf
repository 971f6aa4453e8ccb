terraform {
  required_version = ">= 1.10"
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

provider "platform" {}

# A fresh token whenever Terraform needs one; never in the plan or the state.
ephemeral "platform_eks_cluster_auth" "main" {
  cluster_name = "platform-main"
}

# Hand it to the kubernetes (or helm) provider, which takes ephemeral values
# in its configuration (add hashicorp/kubernetes to required_providers):
#
# provider "kubernetes" {
#   host                   = var.cluster_endpoint
#   cluster_ca_certificate = base64decode(var.cluster_ca)
#   token                  = ephemeral.platform_eks_cluster_auth.main.token
# }
