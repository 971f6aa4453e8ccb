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

# Scheduled AMI refresh: the general pool runs the AMI release given here. A
# scheduled run (e.g. a Spacelift scheduled run, daily) sets it to the
# recommended release of the cluster's version,
#   aws ssm get-parameter --query Parameter.Value --output text --name \
#     /aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/release_version
# and applies: the nodes roll only when a new release appeared. With the aws
# provider, read it in the same configuration instead:
#   data "aws_ssm_parameter" "node_release" {
#     name = "/aws/service/eks/optimized-ami/${platform_eks_cluster.main.version}/amazon-linux-2023/x86_64/standard/recommended/release_version"
#   }
#   release_version = nonsensitive(data.aws_ssm_parameter.node_release.value)
# Null leaves the release to EKS (the latest at creation and on upgrades).
variable "node_release_version" {
  description = "The general pool's AMI release, e.g. \"1.34.0-20251120\"; null for EKS's latest."
  type        = string
  default     = null
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

  release_version = var.node_release_version

  scaling {
    min = 1
    max = 10
  }

  tags = {
    "k8s.io/cluster-autoscaler/enabled" = "true"
  }
}

# A dedicated batch pool that scales from zero: at zero nodes, the cluster
# autoscaler still learns its label and taint from the tags of its Auto
# Scaling group, so a pending pod that tolerates the taint scales it up.
resource "platform_eks_node_group" "batch" {
  cluster_name   = platform_eks_cluster.main.name
  name           = "batch"
  version        = platform_eks_cluster.main.version
  subnet_ids     = var.subnet_ids
  instance_types = ["c6i.2xlarge"]

  scaling {
    min     = 0
    max     = 20
    desired = 0
  }

  labels = {
    "node.platform.io/pool" = "batch"
  }

  taint {
    key    = "dedicated"
    value  = "batch"
    effect = "NO_SCHEDULE"
  }

  node_repair_config {
    enabled = true
  }

  autoscaler_node_template_tags = true
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
