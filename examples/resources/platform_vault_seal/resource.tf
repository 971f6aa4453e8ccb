terraform {
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider, e.g. platform_eks_cluster.main.oidc_provider_arn."
  type        = string
}

# A dedicated KMS key and an IRSA role for vault/vault, with exactly
# kms:Encrypt, kms:Decrypt and kms:DescribeKey on that key.
resource "platform_vault_seal" "main" {
  name              = "main"
  oidc_provider_arn = var.oidc_provider_arn
  service_accounts  = [{ namespace = "vault", name = "vault" }]

  # Vault's listener serves TLS with tls.crt/tls.key of this secret in the
  # vault namespace (e.g. a cert-manager Certificate). Set
  # listener_tls = "mesh" only when a service mesh terminates TLS instead.
  tls_secret_name = "vault-server-tls"

  tags = {
    component = "vault"
  }
}

# Paste into Vault's server configuration...
output "seal_stanza" {
  value = platform_vault_seal.main.seal_stanza
}

# ...or hand these to the official Helm chart (HA, integrated Raft storage).
output "helm_values" {
  value = platform_vault_seal.main.helm_values
}
