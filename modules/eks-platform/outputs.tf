output "cluster_name" {
  description = "The cluster's name."
  value       = platform_eks_cluster.this.name
}

output "cluster_arn" {
  description = "The cluster's ARN."
  value       = platform_eks_cluster.this.arn
}

output "cluster_version" {
  description = "The cluster's Kubernetes version."
  value       = platform_eks_cluster.this.version
}

output "cluster_endpoint" {
  description = "The API server's URL."
  value       = platform_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "The cluster's certificate authority, base64-encoded PEM (kubeconfig's `certificate-authority-data`)."
  value       = platform_eks_cluster.this.certificate_authority_data
}

output "cluster_security_group_id" {
  description = "The security group EKS created for the control plane and managed node groups."
  value       = platform_eks_cluster.this.cluster_security_group_id
}

output "vpc_id" {
  description = "The VPC of the subnets."
  value       = platform_eks_cluster.this.vpc_id
}

output "oidc_issuer_url" {
  description = "The cluster's OIDC issuer URL: the `oidc_issuer_url` of `controller-roles` for roles in another account."
  value       = platform_eks_cluster.this.oidc_issuer_url
}

output "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider, which IRSA roles in the cluster's account trust."
  value       = platform_eks_cluster.this.oidc_provider_arn
}

output "kubeconfig" {
  description = "A kubeconfig whose user runs `aws eks get-token` (nothing secret inside; sensitive to keep plans short)."
  value       = platform_eks_cluster.this.kubeconfig
  sensitive   = true
}

output "update_kubeconfig_command" {
  description = "The AWS CLI command that adds the cluster to your kubeconfig."
  value       = "aws eks update-kubeconfig --region ${split(":", platform_eks_cluster.this.arn)[3]} --name ${platform_eks_cluster.this.name}"
}

output "admin_principal_arns" {
  description = "The principals with a cluster-admin access entry."
  value       = sort([for entry in platform_eks_access_entry.admin : entry.principal_arn])
}

output "namespace_reader_access_entries" {
  description = "The read-only access entries, by the key in `namespace_readers`: `{ principal_arn, namespaces }`."
  value = {
    for key, entry in platform_eks_access_entry.reader : key => {
      principal_arn = entry.principal_arn
      namespaces    = var.namespace_readers[key].namespaces
    }
  }
}

output "node_groups" {
  description = "Every node group, the system one included, by name: `{ arn, autoscaling_group_names }`."
  value = {
    for group in concat([platform_eks_node_group.system], values(platform_eks_node_group.this)) : group.name => {
      arn                     = group.arn
      autoscaling_group_names = group.autoscaling_group_names
    }
  }
}

output "system_node_group_taint" {
  description = "The system node group's taint, as pods tolerate it: `{ key, value, effect }` (`NoSchedule`)."
  value       = { key = var.system_node_group.taint_key, value = "true", effect = "NoSchedule" }
}

output "addons" {
  description = "The installed add-ons, by name: `{ arn, version, status }`."
  value = {
    for addon in concat(values(platform_eks_addon.before_nodes), values(platform_eks_addon.after_nodes), [platform_eks_addon.ebs_csi]) : addon.addon_name => {
      arn     = addon.arn
      version = addon.addon_version
      status  = addon.status
    }
  }
}

output "ebs_csi_role_arn" {
  description = "The EBS CSI driver's role (IRSA)."
  value       = platform_irsa_role.ebs_csi.arn
}

output "storage_class_name" {
  description = "The encrypted EBS StorageClass's name."
  value       = var.ebs_storage.storage_class_name
}

output "storage_class_manifest" {
  description = "The StorageClass as YAML: apply it with kubectl or the kubernetes provider."
  value       = platform_ebs_storage.this.storage_class_manifest
}

output "ebs_kms_key_arn" {
  description = "The KMS key of the EBS volumes."
  value       = platform_ebs_storage.this.key_arn
}

output "ebs_kms_alias_arn" {
  description = "The alias of the EBS key, which the StorageClass names as `kmsKeyId`."
  value       = platform_ebs_storage.this.alias_arn
}

output "vault_seal_stanza" {
  description = "Vault's `seal \"awskms\"` stanza; null without `vault_seal`."
  value       = one(platform_vault_seal.this[*].seal_stanza)
}

output "vault_helm_values" {
  description = "Values for the official Vault Helm chart (HA, Raft, listener, seal); null without `vault_seal`."
  value       = one(platform_vault_seal.this[*].helm_values)
}

output "vault_seal_role_arn" {
  description = "The role Vault's service account assumes for the seal; null without `vault_seal`."
  value       = one(platform_vault_seal.this[*].role_arn)
}

output "vault_kms_key_arn" {
  description = "The seal's KMS key; null without `vault_seal`."
  value       = one(platform_vault_seal.this[*].kms_key_arn)
}

output "controller_roles" {
  description = "The controller roles, by the key in `controllers`: `{ controller, name, arn, service_accounts, service_account_annotations }`."
  value       = module.controller_roles.roles
}
