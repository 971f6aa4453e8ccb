locals {
  # Add-ons the nodes need before they can join (networking, service
  # proxying, pod identity): made right after the cluster, before any node
  # group. coredns and the EBS CSI driver run pods, so they come after the
  # system node group.
  addons_before_nodes = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]
  addons_after_nodes  = ["coredns"]

  addon_settings = {
    for name in concat(local.addons_before_nodes, local.addons_after_nodes, ["aws-ebs-csi-driver"]) : name => {
      version                     = try(var.addons[name].version, null)
      configuration_values        = try(var.addons[name].configuration_values, null)
      resolve_conflicts_on_create = try(var.addons[name].resolve_conflicts_on_create, null)
      resolve_conflicts_on_update = try(var.addons[name].resolve_conflicts_on_update, null)
    }
  }

  ebs_alias_name = coalesce(var.ebs_storage.alias_name, "alias/${var.name}-ebs")
  vault_name     = var.vault_seal == null ? null : coalesce(var.vault_seal.name, lower(replace(var.name, "_", "-")))
}

################################################################################
# The cluster and who administers it
################################################################################

resource "platform_eks_cluster" "this" {
  name       = var.name
  version    = var.kubernetes_version
  subnet_ids = var.subnet_ids

  security_group_ids      = length(var.security_group_ids) > 0 ? var.security_group_ids : null
  endpoint_public_access  = var.endpoint_public_access
  endpoint_private_access = var.endpoint_private_access
  public_access_cidrs     = var.public_access_cidrs
  enabled_log_types       = length(var.enabled_log_types) > 0 ? var.enabled_log_types : null
  kms_key_arn             = var.secrets_kms_key_arn
  oidc_thumbprints        = var.oidc_thumbprints

  # Admins are the declared access entries below, never whoever runs apply.
  authentication_mode                         = "API"
  bootstrap_cluster_creator_admin_permissions = false

  dynamic "upgrade_policy" {
    for_each = var.upgrade_support_type == null ? [] : [var.upgrade_support_type]
    content {
      support_type = upgrade_policy.value
    }
  }

  tags = merge(var.tags, var.cluster_tags)
}

resource "platform_eks_access_entry" "admin" {
  for_each = var.cluster_admins

  cluster_name  = platform_eks_cluster.this.name
  principal_arn = each.value

  access_policy {
    policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    scope      = "cluster"
  }

  tags = var.tags
}

resource "platform_eks_access_entry" "reader" {
  for_each = var.namespace_readers

  cluster_name      = platform_eks_cluster.this.name
  principal_arn     = each.value.principal_arn
  kubernetes_groups = length(each.value.kubernetes_groups) > 0 ? each.value.kubernetes_groups : null

  access_policy {
    policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    scope      = "namespace"
    namespaces = each.value.namespaces
  }

  tags = var.tags
}

################################################################################
# Add-ons that nodes need to join, then the node groups
################################################################################

resource "platform_eks_addon" "before_nodes" {
  for_each = toset(local.addons_before_nodes)

  cluster_name                = platform_eks_cluster.this.name
  addon_name                  = each.key
  kubernetes_version          = platform_eks_cluster.this.version
  addon_version               = local.addon_settings[each.key].version
  configuration_values        = local.addon_settings[each.key].configuration_values
  resolve_conflicts_on_create = local.addon_settings[each.key].resolve_conflicts_on_create
  resolve_conflicts_on_update = local.addon_settings[each.key].resolve_conflicts_on_update
  tags                        = var.tags
}

# The system pool: only pods that tolerate its taint (cluster add-ons) run here.
resource "platform_eks_node_group" "system" {
  cluster_name    = platform_eks_cluster.this.name
  name            = var.system_node_group.name
  version         = platform_eks_cluster.this.version
  subnet_ids      = var.subnet_ids
  instance_types  = var.system_node_group.instance_types
  capacity_type   = var.system_node_group.capacity_type
  ami_type        = var.system_node_group.ami_type
  disk_size       = var.system_node_group.disk_size
  release_version = var.system_node_group.release_version
  node_role_arn   = var.system_node_group.node_role_arn
  labels          = length(var.system_node_group.labels) > 0 ? var.system_node_group.labels : null

  scaling {
    min     = var.system_node_group.min_size
    max     = var.system_node_group.max_size
    desired = var.system_node_group.desired_size
  }

  taint {
    key    = var.system_node_group.taint_key
    value  = "true"
    effect = "NO_SCHEDULE"
  }

  tags = var.tags

  depends_on = [platform_eks_addon.before_nodes]
}

resource "platform_eks_node_group" "this" {
  for_each = var.node_groups

  cluster_name                  = platform_eks_cluster.this.name
  name                          = each.key
  version                       = platform_eks_cluster.this.version
  subnet_ids                    = coalesce(each.value.subnet_ids, var.subnet_ids)
  instance_types                = each.value.instance_types
  capacity_type                 = each.value.capacity_type
  ami_type                      = each.value.ami_type
  disk_size                     = each.value.disk_size
  release_version               = each.value.release_version
  node_role_arn                 = each.value.node_role_arn
  labels                        = length(each.value.labels) > 0 ? each.value.labels : null
  autoscaler_node_template_tags = each.value.autoscaler_node_template_tags

  scaling {
    min     = each.value.min_size
    max     = each.value.max_size
    desired = each.value.desired_size
  }

  dynamic "taint" {
    for_each = each.value.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }

  tags = merge(var.tags, each.value.tags)

  depends_on = [platform_eks_addon.before_nodes]
}

resource "platform_eks_addon" "after_nodes" {
  for_each = toset(local.addons_after_nodes)

  cluster_name                = platform_eks_cluster.this.name
  addon_name                  = each.key
  kubernetes_version          = platform_eks_cluster.this.version
  addon_version               = local.addon_settings[each.key].version
  configuration_values        = local.addon_settings[each.key].configuration_values
  resolve_conflicts_on_create = local.addon_settings[each.key].resolve_conflicts_on_create
  resolve_conflicts_on_update = local.addon_settings[each.key].resolve_conflicts_on_update
  tags                        = var.tags

  depends_on = [platform_eks_node_group.system]
}

################################################################################
# EBS: the CSI driver's role, the encrypted default StorageClass, the driver
################################################################################

# The driver's policy, its key rights scoped to the storage key's alias
# (kms:ResourceAliases), so the role can use no other key. Without
# cluster_name: that scoping needs the add-on configured with the cluster's
# tag (controller.k8sTagClusterId), which EKS's default configuration lacks.
data "platform_controller_policy" "ebs_csi" {
  controller      = "aws-ebs-csi-driver"
  kms_key_aliases = [local.ebs_alias_name]
}

resource "platform_irsa_role" "ebs_csi" {
  name              = "${var.name}-ebs-csi"
  description       = "EBS CSI driver of ${var.name} (IRSA)"
  oidc_provider_arn = platform_eks_cluster.this.oidc_provider_arn
  service_accounts  = data.platform_controller_policy.ebs_csi.service_accounts
  inline_policies   = { aws-ebs-csi-driver = data.platform_controller_policy.ebs_csi.json }
  tags              = var.tags
}

resource "platform_ebs_storage" "this" {
  alias_name              = local.ebs_alias_name
  csi_driver_role_name    = platform_irsa_role.ebs_csi.name
  storage_class_name      = var.ebs_storage.storage_class_name
  volume_type             = var.ebs_storage.volume_type
  iops                    = var.ebs_storage.iops
  throughput              = var.ebs_storage.throughput
  fs_type                 = var.ebs_storage.fs_type
  reclaim_policy          = var.ebs_storage.reclaim_policy
  default_class           = var.ebs_storage.default_class
  key_administrators      = var.ebs_storage.key_administrators
  deletion_window_in_days = var.ebs_storage.deletion_window_in_days
  tags                    = var.tags
}

resource "platform_eks_addon" "ebs_csi" {
  cluster_name                = platform_eks_cluster.this.name
  addon_name                  = "aws-ebs-csi-driver"
  kubernetes_version          = platform_eks_cluster.this.version
  addon_version               = local.addon_settings["aws-ebs-csi-driver"].version
  configuration_values        = local.addon_settings["aws-ebs-csi-driver"].configuration_values
  resolve_conflicts_on_create = local.addon_settings["aws-ebs-csi-driver"].resolve_conflicts_on_create
  resolve_conflicts_on_update = local.addon_settings["aws-ebs-csi-driver"].resolve_conflicts_on_update
  service_account_role_arn    = platform_irsa_role.ebs_csi.arn
  tags                        = var.tags

  # The driver's key rights come with the storage's inline policy.
  depends_on = [platform_eks_node_group.system, platform_ebs_storage.this]
}

################################################################################
# Vault's auto-unseal, and the controllers' roles
################################################################################

resource "platform_vault_seal" "this" {
  count = var.vault_seal == null ? 0 : 1

  name                    = local.vault_name
  oidc_provider_arn       = platform_eks_cluster.this.oidc_provider_arn
  service_accounts        = var.vault_seal.service_accounts
  tls_secret_name         = var.vault_seal.tls_secret_name
  listener_tls            = var.vault_seal.listener_tls
  deletion_window_in_days = var.vault_seal.deletion_window_in_days
  tags                    = var.tags
}

module "controller_roles" {
  source = "../controller-roles"

  controllers       = var.controllers
  cluster_name      = var.name
  oidc_provider_arn = platform_eks_cluster.this.oidc_provider_arn
  role_name_prefix  = "${var.name}-"
  tags              = var.tags
}
