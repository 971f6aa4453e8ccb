terraform {
  required_version = ">= 1.10"
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
  }
}

provider "platform" {}

# A fresh token whenever Terraform needs one; never in the plan or the state.
ephemeral "platform_eks_cluster_auth" "main" {
  cluster_name = "platform-main"
}

provider "kubernetes" {
  host                   = var.cluster_endpoint
  cluster_ca_certificate = base64decode(var.cluster_ca)
  token                  = ephemeral.platform_eks_cluster_auth.main.token
}

variable "cluster_endpoint" {
  type = string
}

variable "cluster_ca" {
  type = string
}
