locals {
  # The controllers whose policies require the cluster's name (in resource
  # tags or ARNs): only these get cluster_name, since the data source refuses
  # a parameter its controller does not take. The EBS and EFS drivers take
  # it optionally, and then only touch volumes tagged for the cluster, which
  # needs the chart's cluster tag settings: they go without it.
  cluster_scoped = ["aws-load-balancer-controller", "cluster-autoscaler", "karpenter"]

  controllers = {
    for key, c in var.controllers : key => merge(c, {
      controller = coalesce(c.controller, replace(key, "_", "-"))
    })
  }

  oidc_provider_arn = var.create_oidc_provider ? platform_eks_oidc_provider.this[0].arn : var.oidc_provider_arn
}

# A copy of the cluster's OIDC provider in this provider's account (e.g. a DNS
# account reached through `providers = { platform = platform.dns }`), so that
# the roles below can trust the cluster's service accounts.
resource "platform_eks_oidc_provider" "this" {
  count = var.create_oidc_provider ? 1 : 0

  url         = var.oidc_issuer_url
  thumbprints = var.oidc_thumbprints
  tags        = var.tags
}

data "platform_controller_policy" "this" {
  for_each = local.controllers

  controller       = each.value.controller
  cluster_name     = contains(local.cluster_scoped, each.value.controller) ? var.cluster_name : null
  namespace        = each.value.namespace
  hosted_zone_arns = each.value.hosted_zone_arns
  kms_key_arns     = each.value.kms_key_arns
  kms_key_aliases  = each.value.kms_key_aliases
  repository_arns  = each.value.repository_arns
  secret_arns      = each.value.secret_arns
  parameter_arns   = each.value.parameter_arns
  bucket_arns      = each.value.bucket_arns
  file_system_arns = each.value.file_system_arns
  node_role_arns   = each.value.node_role_arns
  assume_role_arns = each.value.assume_role_arns
  region           = each.value.region
  account_id       = each.value.account_id

  interruption_queue_arn = each.value.interruption_queue_arn
}

resource "platform_irsa_role" "this" {
  for_each = local.controllers

  name                 = coalesce(each.value.role_name, "${var.role_name_prefix}${each.value.controller}")
  description          = "${each.value.controller} (IRSA)"
  oidc_provider_arn    = local.oidc_provider_arn
  service_accounts     = data.platform_controller_policy.this[each.key].service_accounts
  inline_policies      = { (each.value.controller) = data.platform_controller_policy.this[each.key].json }
  policy_arns          = each.value.policy_arns
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}
