output "roles" {
  description = "The controller roles, by the key in `controllers`: `{ controller, name, arn, service_accounts, service_account_annotations }`. Annotate each service account with its `service_account_annotations` (or set the chart's `serviceAccount.annotations`)."
  value = {
    for key, role in platform_irsa_role.this : key => {
      controller                  = local.controllers[key].controller
      name                        = role.name
      arn                         = role.arn
      service_accounts            = role.service_accounts
      service_account_annotations = role.service_account_annotations
    }
  }
}

output "role_arns" {
  description = "The controller roles' ARNs, by the key in `controllers`."
  value       = { for key, role in platform_irsa_role.this : key => role.arn }
}

output "policies" {
  description = "The IAM policy document of each controller, by the key in `controllers` (the inline policy of its role)."
  value       = { for key, policy in data.platform_controller_policy.this : key => policy.json }
}

output "oidc_provider_arn" {
  description = "The OIDC provider the roles trust: the copy this module made, or the `oidc_provider_arn` given."
  value       = local.oidc_provider_arn
}

output "oidc_provider_created" {
  description = "Whether this module copied the OIDC provider (and so deletes it on destroy)."
  value       = var.create_oidc_provider
}
