locals {
  # What the cluster stack publishes, by name without prefix. The required
  # ones are always there; the optional ones when given.
  published = merge(
    {
      cluster_name                       = var.cluster_name
      cluster_endpoint                   = var.cluster_endpoint
      cluster_certificate_authority_data = var.cluster_certificate_authority_data
      oidc_provider_arn                  = var.oidc_provider_arn
    },
    var.oidc_issuer_url == null ? {} : { oidc_issuer_url = var.oidc_issuer_url },
    var.storage_class_name == null ? {} : { storage_class_name = var.storage_class_name },
  )

  plain_published  = { for k, v in local.published : "${var.env_prefix}${k}" => v if !contains(var.secret_outputs, k) }
  secret_published = { for k, v in local.published : "${var.env_prefix}${k}" => v if contains(var.secret_outputs, k) }

  plain = merge(var.environment, local.plain_published)

  files = merge(
    var.mounted_files,
    var.vault_seal_stanza == null ? {} : {
      (var.seal_stanza_path) = { content = var.vault_seal_stanza, secret = false }
    },
  )
}

resource "platform_spacelift_context" "this" {
  name        = var.name
  description = var.description
  labels      = length(var.labels) > 0 ? var.labels : null
  space_id    = var.space_id

  environment        = length(local.plain) > 0 ? local.plain : null
  secret_environment = length(local.secret_published) + length(var.secret_environment) > 0 ? merge(var.secret_environment, local.secret_published) : null
  mounted_files      = length(local.files) > 0 ? local.files : null
}

resource "platform_spacelift_context_attachment" "this" {
  for_each = var.stack_ids

  context_id = platform_spacelift_context.this.id
  stack_id   = each.value
  priority   = var.attachment_priority
}
