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

# The EBS CSI driver's controller role (IRSA).
resource "platform_irsa_role" "ebs_csi" {
  name              = "ebs-csi-controller"
  oidc_provider_arn = var.oidc_provider_arn
  service_accounts  = [{ namespace = "kube-system", name = "ebs-csi-controller-sa" }]
  policy_arns       = ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
}

# A customer-managed key for EBS volumes, usable by the driver through its alias.
resource "platform_ebs_storage" "encrypted" {
  alias_name           = "alias/ebs-platform"
  csi_driver_role_name = platform_irsa_role.ebs_csi.name

  storage_class_name = "gp3-encrypted"
  volume_type        = "gp3"
  iops               = 4000
  throughput         = 250
  default_class      = true

  key_administrators = []

  tags = {
    component = "ebs"
  }
}

# Apply this with kubectl, or hand it to the kubernetes provider.
output "storage_class_manifest" {
  value = platform_ebs_storage.encrypted.storage_class_manifest
}

output "kms_alias_arn" {
  value = platform_ebs_storage.encrypted.alias_arn
}
