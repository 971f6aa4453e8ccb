terraform {
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

provider "platform" {
  default_tags = {
    managed-by = "terraform"
  }
}

variable "cluster_name" {
  description = "The cluster, e.g. platform_eks_cluster.main.name. It runs the eks-pod-identity-agent addon."
  type        = string
}

variable "data_account_reader_role_arn" {
  description = "A role in the data account whose trust policy lets platform_irsa_role.chain (this account) call sts:AssumeRole and sts:TagSession, pinned to the association's external_id."
  type        = string
}

# A role that serves EKS Pod Identity only: its trust policy lets
# pods.eks.amazonaws.com call sts:AssumeRole and sts:TagSession.
resource "platform_irsa_role" "reports" {
  name         = "reports-writer"
  description  = "The reports job (EKS Pod Identity)"
  pod_identity = true

  inline_policies = {
    write-reports = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = "arn:aws:s3:::example-reports/*"
      }]
    })
  }
}

# Pods of service account reports/writer get the role's credentials.
resource "platform_eks_pod_identity_association" "reports" {
  cluster_name    = var.cluster_name
  namespace       = "reports"
  service_account = "writer"
  role_arn        = platform_irsa_role.reports.arn

  tags = {
    team = "data"
  }
}

# Cross-account: EKS assumes the role of this account, then the target role
# in the data account (role chaining), and hands the pods the target role.
resource "platform_irsa_role" "chain" {
  name         = "analytics-chain"
  pod_identity = true

  inline_policies = {
    assume-data-reader = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["sts:AssumeRole", "sts:TagSession"]
        Resource = var.data_account_reader_role_arn
      }]
    })
  }
}

resource "platform_eks_pod_identity_association" "analytics" {
  cluster_name         = var.cluster_name
  namespace            = "analytics"
  service_account      = "reader"
  role_arn             = platform_irsa_role.chain.arn
  target_role_arn      = var.data_account_reader_role_arn
  disable_session_tags = false
}

# The target role's trust policy pins this value with sts:ExternalId.
output "analytics_external_id" {
  value = platform_eks_pod_identity_association.analytics.external_id
}
