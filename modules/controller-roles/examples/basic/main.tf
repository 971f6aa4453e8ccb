# Controller roles for a cluster managed elsewhere: the cluster-autoscaler's
# and cert-manager's roles in the cluster's account, and external-dns's role
# in a DNS account, which gets a copy of the cluster's OIDC provider.

# The cluster's account.
provider "platform" {}

# The DNS account, reached through a role there.
provider "platform" {
  alias = "dns"
  assume_role {
    role_arn = var.dns_account_role_arn
  }
}

variable "cluster_name" {
  description = "The cluster's name."
  type        = string
  default     = "platform"
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider, in the cluster's account."
  type        = string
  default     = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789"
}

variable "oidc_issuer_url" {
  description = "The cluster's OIDC issuer, copied into the DNS account."
  type        = string
  default     = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123456789"
}

variable "dns_account_role_arn" {
  description = "A role in the DNS account that may manage IAM roles and OIDC providers."
  type        = string
  default     = "arn:aws:iam::210987654321:role/platform-deployer"
}

variable "hosted_zone_arns" {
  description = "The Route 53 zones external-dns and cert-manager manage records in."
  type        = list(string)
  default     = ["arn:aws:route53:::hostedzone/Z0123456789EXAMPLE"]
}

module "controller_roles" {
  source = "../.."

  cluster_name      = var.cluster_name
  oidc_provider_arn = var.oidc_provider_arn
  role_name_prefix  = "${var.cluster_name}-"

  controllers = {
    cluster_autoscaler = {}
    cert_manager       = { hosted_zone_arns = var.hosted_zone_arns }
  }
}

module "dns_roles" {
  source    = "../.."
  providers = { platform = platform.dns }

  create_oidc_provider = true
  oidc_issuer_url      = var.oidc_issuer_url
  role_name_prefix     = "${var.cluster_name}-"

  controllers = {
    external_dns = { hosted_zone_arns = var.hosted_zone_arns }
  }
}

output "role_arns" {
  description = "Annotate each controller's service account with its role."
  value       = merge(module.controller_roles.role_arns, module.dns_roles.role_arns)
}
