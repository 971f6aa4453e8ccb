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

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider, e.g. platform_eks_cluster.main.oidc_provider_arn."
  type        = string
}

# The EBS CSI driver's controller assumes this role through IRSA.
resource "platform_irsa_role" "ebs_csi" {
  name              = "ebs-csi-controller"
  description       = "EBS CSI driver controller (IRSA)"
  oidc_provider_arn = var.oidc_provider_arn

  service_accounts = [
    { namespace = "kube-system", name = "ebs-csi-controller-sa" },
  ]

  policy_arns = ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]

  inline_policies = {
    describe-volumes = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"]
        Resource = "*"
      }]
    })
  }

  tags = {
    component = "ebs-csi"
  }
}

# Annotate the Kubernetes service account with this map.
output "service_account_annotations" {
  value = platform_irsa_role.ebs_csi.service_account_annotations
}

output "role_arn" {
  value = platform_irsa_role.ebs_csi.arn
}

output "trust_policy" {
  value = platform_irsa_role.ebs_csi.trust_policy
}
