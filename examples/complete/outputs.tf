output "update_kubeconfig_command" {
  description = "Adds the cluster to your kubeconfig (as one of `cluster_admin_arns`)."
  value       = module.eks.update_kubeconfig_command
}

output "cluster_name" {
  description = "The cluster's name."
  value       = module.eks.cluster_name
}

output "storage_class_name" {
  description = "The encrypted default StorageClass."
  value       = module.eks.storage_class_name
}

output "storage_class_manifest" {
  description = "The StorageClass as YAML: `kubectl apply -f -`, or the kubernetes provider."
  value       = module.eks.storage_class_manifest
}

output "vault_seal_stanza" {
  description = "Vault's `seal \"awskms\"` stanza (also mounted in the Spacelift context)."
  value       = module.eks.vault_seal_stanza
}

output "vault_helm_values" {
  description = "Values for the official Vault Helm chart (HA, Raft, listener, seal)."
  value       = module.eks.vault_helm_values
}

output "controller_role_arns" {
  description = "Every controller's role, by controller key: the `eks.amazonaws.com/role-arn` annotation of its service account."
  value = merge(
    { for key, role in module.eks.controller_roles : key => role.arn },
    module.dns_controllers.role_arns,
    { ebs_csi = module.eks.ebs_csi_role_arn },
  )
}

output "spacelift_context_id" {
  description = "The Spacelift context with the platform's outputs, attached to `downstream_stack_ids`."
  value       = module.context.context_id
}

output "spacelift_attachments" {
  description = "The context's attachments, by stack id."
  value       = module.context.attachments
}
