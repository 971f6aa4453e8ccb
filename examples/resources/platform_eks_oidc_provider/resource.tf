terraform {
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

# The cluster's account.
provider "platform" {}

# The DNS account, where external-dns's role lives.
provider "platform" {
  alias = "dns"
  assume_role {
    role_arn = "arn:aws:iam::210987654321:role/platform-deployer"
  }
}

variable "cluster_oidc_issuer_url" {
  description = "The cluster's issuer, e.g. platform_eks_cluster.main.oidc_issuer_url."
  type        = string
}

# A copy of the cluster's OIDC provider in the DNS account...
resource "platform_eks_oidc_provider" "dns_account" {
  provider = platform.dns
  url      = var.cluster_oidc_issuer_url

  tags = {
    purpose = "external-dns IRSA"
  }
}

# ...so that external-dns's role there can trust the cluster's service account.
resource "platform_irsa_role" "external_dns" {
  provider          = platform.dns
  name              = "external-dns"
  oidc_provider_arn = platform_eks_oidc_provider.dns_account.arn
  service_accounts  = [{ namespace = "external-dns", name = "external-dns" }]
}
