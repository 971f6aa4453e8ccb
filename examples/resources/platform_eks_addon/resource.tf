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

variable "ebs_csi_role_arn" {
  description = "The EBS CSI controller's IRSA role (a platform_irsa_role for kube-system/ebs-csi-controller-sa)."
  type        = string
}

resource "platform_eks_cluster" "main" {
  name       = "platform"
  version    = "1.34"
  subnet_ids = var.subnet_ids
}

# Unpinned: the default version for the cluster's Kubernetes version. With
# kubernetes_version from the cluster, an upgrade of the cluster moves the
# add-on to the new default in the same apply, after the cluster.
resource "platform_eks_addon" "vpc_cni" {
  cluster_name       = platform_eks_cluster.main.name
  addon_name         = "vpc-cni"
  kubernetes_version = platform_eks_cluster.main.version
}

resource "platform_eks_addon" "kube_proxy" {
  cluster_name       = platform_eks_cluster.main.name
  addon_name         = "kube-proxy"
  kubernetes_version = platform_eks_cluster.main.version
}

# coredns is DEGRADED until nodes join: the apply goes on with a warning, and
# it turns ACTIVE once a node group has nodes. Its configuration is checked
# against the schema EKS publishes for the version, at plan time.
resource "platform_eks_addon" "coredns" {
  cluster_name       = platform_eks_cluster.main.name
  addon_name         = "coredns"
  kubernetes_version = platform_eks_cluster.main.version
  configuration_values = jsonencode({
    replicaCount = 3
    resources = {
      limits = { memory = "256Mi" }
    }
  })
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"
}

# Pinned: the plan checks that EKS offers this version for the cluster's
# Kubernetes version.
resource "platform_eks_addon" "ebs_csi" {
  cluster_name             = platform_eks_cluster.main.name
  addon_name               = "aws-ebs-csi-driver"
  addon_version            = "v1.48.0-eksbuild.2"
  service_account_role_arn = var.ebs_csi_role_arn
  tags = {
    team = "platform"
  }

  timeouts {
    create = "20m"
  }
}
