terraform {
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

provider "platform" {}

variable "oidc_provider_arn" {
  type = string
}

# The policy external-dns documents, limited to one hosted zone.
data "platform_controller_policy" "external_dns" {
  controller       = "external-dns"
  hosted_zone_arns = ["arn:aws:route53:::hostedzone/Z0123456789ABC"]
}

resource "platform_irsa_role" "external_dns" {
  name              = "external-dns"
  oidc_provider_arn = var.oidc_provider_arn
  service_accounts  = data.platform_controller_policy.external_dns.service_accounts
  inline_policies   = { external-dns = data.platform_controller_policy.external_dns.json }
}

# The cluster autoscaler, allowed to scale only the Auto Scaling groups of
# cluster `platform-main`.
data "platform_controller_policy" "cluster_autoscaler" {
  controller   = "cluster-autoscaler"
  cluster_name = "platform-main"
}

output "autoscaler_policy" {
  value = data.platform_controller_policy.cluster_autoscaler.json
}
