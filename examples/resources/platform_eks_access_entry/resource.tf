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

variable "cluster_admins" {
  description = "The cluster's administrators: IAM roles (or users), declared here so that no plan depends on who runs it."
  type        = set(string)
  default = [
    "arn:aws:iam::111122223333:role/platform-admin",
    "arn:aws:iam::111122223333:role/ci-deployer",
  ]
}

resource "platform_eks_cluster" "main" {
  name                = "platform"
  version             = "1.34"
  subnet_ids          = var.subnet_ids
  authentication_mode = "API"
  # Admins are declared below, not given to whoever creates the cluster.
  bootstrap_cluster_creator_admin_permissions = false
}

# Declared admins: one entry each, cluster-admin at cluster scope.
resource "platform_eks_access_entry" "admin" {
  for_each      = var.cluster_admins
  cluster_name  = platform_eks_cluster.main.name
  principal_arn = each.value

  access_policy {
    policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    scope      = "cluster"
  }
}

# A read-only entry scoped to two namespaces.
resource "platform_eks_access_entry" "team_readers" {
  cluster_name      = platform_eks_cluster.main.name
  principal_arn     = "arn:aws:iam::111122223333:role/team-readers"
  kubernetes_groups = ["team-readers"]

  access_policy {
    policy_arn = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    scope      = "namespace"
    namespaces = ["team-a", "team-b"]
  }

  tags = {
    team = "platform"
  }
}
