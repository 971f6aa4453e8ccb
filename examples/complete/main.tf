# The whole platform of one cluster, in two AWS accounts and Spacelift:
#
#   cluster account: the cluster (admins as access entries), a tainted system
#     node group and a workers node group, the core add-ons, the EBS CSI driver
#     with the encrypted default StorageClass, Vault's auto-unseal, and the
#     roles of the controllers that work in this account;
#   DNS account: a copy of the cluster's OIDC provider and the roles of the
#     controllers that write to the hosted zones (external-dns, cert-manager);
#   Spacelift: a context with everything the downstream stacks need,
#     attached to them.

locals {
  hosted_zone_arns = [for id in var.hosted_zone_ids : "arn:aws:route53:::hostedzone/${id}"]
}

# The cluster's account: credentials from the standard AWS chain (in Spacelift,
# the stack's AWS integration).
provider "platform" {
  region       = var.region
  default_tags = var.tags
}

# The DNS account, through a role there that trusts the credentials above.
provider "platform" {
  alias        = "dns"
  region       = var.region
  default_tags = var.tags

  assume_role {
    role_arn     = var.dns_account_role_arn
    session_name = "${var.name}-platform"
  }
}

################################################################################
# The cluster stack
################################################################################

module "eks" {
  source = "../../modules/eks-platform"

  name               = var.name
  kubernetes_version = var.kubernetes_version
  subnet_ids         = var.subnet_ids
  cluster_admins     = var.cluster_admin_arns

  # Cluster add-ons and the controllers below run here: they tolerate
  # CriticalAddonsOnly=true:NoSchedule; application pods do not.
  system_node_group = {
    instance_types = ["m6i.large"]
    min_size       = 2
    max_size       = 4
    labels         = { "node.platform.io/pool" = "system" }
  }

  # Applications run on the workers, which the cluster autoscaler scales.
  node_groups = {
    workers = {
      instance_types = ["m6i.xlarge", "m6a.xlarge"]
      min_size       = 2
      max_size       = 10
      labels         = { "node.platform.io/pool" = "workers" }
    }
  }

  # Every core add-on is installed; only coredns needs settings here.
  addons = {
    coredns = {
      configuration_values = jsonencode({
        replicaCount = 2
        tolerations  = [{ key = "CriticalAddonsOnly", operator = "Exists" }]
      })
    }
  }

  # The encrypted gp3 StorageClass, the cluster's default.
  ebs_storage = {
    alias_name         = "alias/${var.name}-ebs"
    storage_class_name = "ebs-gp3-encrypted"
    volume_type        = "gp3"
  }

  # Vault's awskms seal: a dedicated key and the role of vault/vault.
  vault_seal = {
    tls_secret_name = "vault-server-tls"
  }

  # Controllers that work in the cluster's account.
  controllers = {
    aws_load_balancer_controller = {}
    cluster_autoscaler           = {}
  }

  tags = var.tags
}

################################################################################
# Controllers in the DNS account
################################################################################

# external-dns and cert-manager (DNS-01) write records in the DNS account's
# zones: their roles live there, trusting a copy of the cluster's OIDC provider.
module "dns_controllers" {
  source = "../../modules/controller-roles"
  providers = {
    platform = platform.dns
  }

  create_oidc_provider = true
  oidc_issuer_url      = module.eks.oidc_issuer_url
  role_name_prefix     = "${var.name}-"

  controllers = {
    external_dns = { hosted_zone_arns = local.hosted_zone_arns }
    cert_manager = { hosted_zone_arns = local.hosted_zone_arns }
  }

  tags = var.tags
}

################################################################################
# The hand-over to the downstream stacks
################################################################################

module "context" {
  source = "../../modules/spacelift-platform-context"

  name   = "${var.name} outputs"
  labels = ["platform"]

  cluster_name                       = module.eks.cluster_name
  cluster_endpoint                   = module.eks.cluster_endpoint
  cluster_certificate_authority_data = module.eks.cluster_certificate_authority_data
  oidc_provider_arn                  = module.eks.oidc_provider_arn
  oidc_issuer_url                    = module.eks.oidc_issuer_url
  storage_class_name                 = module.eks.storage_class_name
  vault_seal_stanza                  = module.eks.vault_seal_stanza

  # The controllers' roles, for the stacks that install the charts.
  environment = merge(
    { for key, role in module.eks.controller_roles : "TF_VAR_${key}_role_arn" => role.arn },
    { for key, arn in module.dns_controllers.role_arns : "TF_VAR_${key}_role_arn" => arn },
    { TF_VAR_vault_seal_role_arn = module.eks.vault_seal_role_arn },
  )

  stack_ids = var.downstream_stack_ids
}
