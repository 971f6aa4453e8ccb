# A cluster stack on existing subnets: the cluster with declared admins, a
# tainted system node group and a general pool, the core add-ons with the EBS
# CSI driver, the encrypted default StorageClass, Vault's seal and two
# controller roles.

provider "platform" {}

variable "subnet_ids" {
  description = "Existing private subnets in at least two availability zones."
  type        = list(string)
  default     = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
}

variable "cluster_admins" {
  description = "Roles that administer the cluster."
  type        = set(string)
  default     = ["arn:aws:iam::111122223333:role/platform-admin"]
}

module "platform" {
  source = "../.."

  name               = "platform"
  kubernetes_version = "1.34"
  subnet_ids         = var.subnet_ids

  cluster_admins = var.cluster_admins
  namespace_readers = {
    team_a = {
      principal_arn     = "arn:aws:iam::111122223333:role/team-a-readers"
      namespaces        = ["team-a", "team-a-*"]
      kubernetes_groups = ["team-a-readers"]
    }
  }

  node_groups = {
    general = {
      instance_types                = ["m6i.xlarge", "m6a.xlarge"]
      capacity_type                 = "SPOT"
      min_size                      = 1
      max_size                      = 10
      autoscaler_node_template_tags = true
    }
  }

  addons = {
    coredns = { configuration_values = jsonencode({ replicaCount = 2 }) }
  }

  vault_seal = {
    tls_secret_name = "vault-server-tls"
  }

  controllers = {
    cluster_autoscaler = {}
    cert_manager       = { hosted_zone_arns = ["arn:aws:route53:::hostedzone/Z0123456789EXAMPLE"] }
  }

  tags = {
    team = "platform"
  }
}

output "update_kubeconfig_command" {
  description = "Adds the cluster to your kubeconfig."
  value       = module.platform.update_kubeconfig_command
}

output "storage_class_manifest" {
  description = "Apply with kubectl."
  value       = module.platform.storage_class_manifest
}

output "vault_seal_stanza" {
  description = "Paste into Vault's configuration."
  value       = module.platform.vault_seal_stanza
}
