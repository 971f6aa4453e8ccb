terraform {
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

provider "platform" {}

variable "subnet_ids" {
  description = "Private subnets in at least two availability zones."
  type        = list(string)
}

# The cluster, its IAM role, a KMS key for secrets, and the IAM OIDC provider
# for IRSA. Upgrade `version` one minor version per apply.
resource "platform_eks_cluster" "main" {
  name       = "platform"
  version    = "1.34"
  subnet_ids = var.subnet_ids

  endpoint_private_access = true
  public_access_cidrs     = ["203.0.113.0/24"]
  enabled_log_types       = ["api", "audit", "authenticator"]

  # Security groups for pods: the created role gets AmazonEKSVPCResourceController.
  pod_security_groups = true

  # A cost decision: STANDARD lets EKS upgrade the cluster at the end of
  # standard support instead of billing extended support.
  upgrade_policy {
    support_type = "STANDARD"
  }

  tags = {
    team = "platform"
  }

  timeouts {
    create = "40m"
  }
}

# A service-account role built on the cluster's OIDC provider.
resource "platform_irsa_role" "ebs_csi" {
  name              = "platform-ebs-csi"
  oidc_provider_arn = platform_eks_cluster.main.oidc_provider_arn
  service_accounts  = [{ namespace = "kube-system", name = "ebs-csi-controller-sa" }]
  policy_arns       = ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
}

output "kubeconfig" {
  description = "Uses `aws eks get-token`."
  value       = platform_eks_cluster.main.kubeconfig
  sensitive   = true
}

output "oidc_issuer_url" {
  value = platform_eks_cluster.main.oidc_issuer_url
}
