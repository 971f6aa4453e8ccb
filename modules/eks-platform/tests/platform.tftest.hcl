# Runs without AWS: the provider is mocked; the cluster's ARN and OIDC
# provider are given values of the right shape.
mock_provider "platform" {
  mock_resource "platform_eks_cluster" {
    defaults = {
      arn               = "arn:aws:eks:eu-west-1:111122223333:cluster/main"
      oidc_provider_arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
    }
  }
  mock_resource "platform_irsa_role" {
    defaults = {
      arn = "arn:aws:iam::111122223333:role/mocked"
    }
  }
  mock_data "platform_controller_policy" {
    defaults = {
      json             = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeVolumes\",\"Resource\":\"*\"}]}"
      service_accounts = [{ namespace = "kube-system", name = "ebs-csi-controller-sa" }]
    }
  }
}

variables {
  name               = "main"
  kubernetes_version = "1.34"
  subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
  cluster_admins     = ["arn:aws:iam::111122223333:role/admin"]
  namespace_readers = {
    team_a = { principal_arn = "arn:aws:iam::111122223333:role/team-a", namespaces = ["team-a"] }
  }
  node_groups = {
    workers = {
      min_size = 1
      max_size = 5
      taints   = [{ key = "dedicated", value = "workers", effect = "NO_SCHEDULE" }]
    }
  }
  vault_seal  = {}
  controllers = { cluster_autoscaler = {} }
}

run "the_whole_stack" {
  command = apply

  assert {
    condition     = platform_eks_cluster.this.authentication_mode == "API" && platform_eks_cluster.this.bootstrap_cluster_creator_admin_permissions == false
    error_message = "admins are declared access entries, never whoever runs apply"
  }

  assert {
    condition     = one(platform_eks_access_entry.admin["arn:aws:iam::111122223333:role/admin"].access_policy).policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    error_message = "each admin gets cluster-admin at cluster scope"
  }

  assert {
    condition     = one(platform_eks_access_entry.reader["team_a"].access_policy).scope == "namespace" && one(platform_eks_access_entry.reader["team_a"].access_policy).namespaces == toset(["team-a"]) && endswith(one(platform_eks_access_entry.reader["team_a"].access_policy).policy_arn, "/AmazonEKSViewPolicy")
    error_message = "readers get the view policy scoped to their namespaces"
  }

  assert {
    condition     = one(platform_eks_node_group.system.taint).key == "CriticalAddonsOnly" && one(platform_eks_node_group.system.taint).effect == "NO_SCHEDULE"
    error_message = "the system node group is tainted CriticalAddonsOnly:NoSchedule"
  }

  assert {
    condition     = platform_eks_node_group.this["workers"].name == "workers" && one(platform_eks_node_group.this["workers"].taint).value == "workers" && platform_eks_node_group.this["workers"].subnet_ids == toset(["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"])
    error_message = "extra node groups come from the map, on the module's subnets by default"
  }

  assert {
    condition     = toset(keys(platform_eks_addon.before_nodes)) == toset(["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]) && toset(keys(platform_eks_addon.after_nodes)) == toset(["coredns"])
    error_message = "the core add-ons are installed"
  }

  assert {
    condition     = data.platform_controller_policy.ebs_csi.kms_key_aliases == tolist(["alias/main-ebs"]) && platform_ebs_storage.this.alias_name == "alias/main-ebs"
    error_message = "the EBS CSI driver's policy is scoped to the storage key's alias"
  }

  assert {
    condition     = platform_eks_addon.ebs_csi.service_account_role_arn == platform_irsa_role.ebs_csi.arn && platform_ebs_storage.this.csi_driver_role_name == platform_irsa_role.ebs_csi.name
    error_message = "the EBS CSI add-on and the storage use the driver's IRSA role"
  }

  assert {
    condition     = platform_ebs_storage.this.default_class == true && output.storage_class_name == "ebs-encrypted"
    error_message = "the encrypted StorageClass is the cluster's default"
  }

  assert {
    condition     = platform_vault_seal.this[0].name == "main" && platform_vault_seal.this[0].oidc_provider_arn == platform_eks_cluster.this.oidc_provider_arn
    error_message = "the Vault seal is made on the cluster's OIDC provider"
  }

  assert {
    condition     = output.controller_roles["cluster_autoscaler"].name == "main-cluster-autoscaler"
    error_message = "controller roles are named <name>-<controller>"
  }

  assert {
    condition     = output.update_kubeconfig_command == "aws eks update-kubeconfig --region eu-west-1 --name main"
    error_message = "the kubeconfig command names the cluster's region"
  }

  assert {
    condition     = length(output.node_groups) == 2
    error_message = "the node_groups output lists the system node group and the extra ones"
  }
}

run "without_vault" {
  command = plan

  variables {
    vault_seal = null
  }

  assert {
    condition     = length(platform_vault_seal.this) == 0 && output.vault_seal_stanza == null
    error_message = "no seal without vault_seal"
  }
}

run "refuses_bad_input" {
  command = plan

  variables {
    name               = "-bad"
    kubernetes_version = "1.34.2"
    subnet_ids         = ["subnet-0a"]
    cluster_admins     = ["arn:aws:sts::111122223333:assumed-role/admin/session"]
    node_groups        = { workers = { min_size = 3, max_size = 2 } }
    addons             = { "not-core" = {} }
    controllers        = { nope = {} }
  }

  expect_failures = [var.name, var.kubernetes_version, var.subnet_ids, var.cluster_admins, var.node_groups, var.addons, var.controllers]
}
