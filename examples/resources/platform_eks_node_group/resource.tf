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

resource "platform_eks_cluster" "main" {
  name       = "platform"
  version    = "1.34"
  subnet_ids = var.subnet_ids
}

# A dedicated pool for cluster add-ons: only pods tolerating the taint land here.
resource "platform_eks_node_group" "system" {
  cluster_name   = platform_eks_cluster.main.name
  name           = "system"
  version        = platform_eks_cluster.main.version # nodes follow cluster upgrades
  subnet_ids     = var.subnet_ids
  instance_types = ["m6i.large"]

  scaling {
    min     = 2
    max     = 4
    desired = 2
  }

  labels = {
    "node.platform.io/pool" = "system"
  }

  taint {
    key    = "CriticalAddonsOnly"
    value  = "true"
    effect = "NO_SCHEDULE"
  }

  update_config {
    max_unavailable = 1
  }
}

# The general pool, scaled by the cluster autoscaler: its desired size moves,
# and drift detection does not report that (ignore_desired_size_changes).
resource "platform_eks_node_group" "general" {
  cluster_name   = platform_eks_cluster.main.name
  name           = "general"
  version        = platform_eks_cluster.main.version
  subnet_ids     = var.subnet_ids
  instance_types = ["m6i.xlarge", "m6a.xlarge"]
  capacity_type  = "SPOT"

  scaling {
    min = 1
    max = 10
  }

  tags = {
    "k8s.io/cluster-autoscaler/enabled" = "true"
  }
}

# The cluster autoscaler's role, through IRSA.
resource "platform_irsa_role" "cluster_autoscaler" {
  name              = "platform-cluster-autoscaler"
  oidc_provider_arn = platform_eks_cluster.main.oidc_provider_arn
  service_accounts  = [{ namespace = "kube-system", name = "cluster-autoscaler" }]
  inline_policies = {
    autoscaling = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
        Resource = "*"
      }]
    })
  }
}

output "cluster_endpoint" {
  value = platform_eks_cluster.main.endpoint
}

output "autoscaling_groups" {
  value = platform_eks_node_group.general.autoscaling_group_names
}
