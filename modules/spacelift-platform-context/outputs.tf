output "context_id" {
  description = "The context's id (the slug Spacelift derived from its first name)."
  value       = platform_spacelift_context.this.id
}

output "context_name" {
  description = "The context's name."
  value       = platform_spacelift_context.this.name
}

output "environment_names" {
  description = "The names of the plain variables the context publishes."
  value       = sort(keys(local.plain))
}

output "secret_environment_names" {
  description = "The names of the secret variables the context publishes (their values are write-only)."
  value       = sort(concat(keys(local.secret_published), nonsensitive(keys(var.secret_environment))))
}

output "mounted_file_paths" {
  description = "The paths of the mounted files, relative to `/mnt/workspace/`."
  value       = sort(keys(local.files))
}

output "attachments" {
  description = "The attachments, by stack id: the attachment's id on the server."
  value       = { for stack, a in platform_spacelift_context_attachment.this : stack => a.attachment_id }
}
