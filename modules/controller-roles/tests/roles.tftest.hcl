# Runs without AWS: the provider is mocked, and each controller's policy is
# overridden with a document of its own so the wiring can be checked.
mock_provider "platform" {
  mock_resource "platform_eks_oidc_provider" {
    defaults = {
      arn = "arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
    }
  }
}

override_data {
  target = data.platform_controller_policy.this["external_dns"]
  values = {
    json             = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"route53:ChangeResourceRecordSets\",\"Resource\":\"arn:aws:route53:::hostedzone/Z1\"}]}"
    service_accounts = [{ namespace = "external-dns", name = "external-dns" }]
  }
}

override_data {
  target = data.platform_controller_policy.this["cluster_autoscaler"]
  values = {
    json             = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"autoscaling:SetDesiredCapacity\",\"Resource\":\"*\"}]}"
    service_accounts = [{ namespace = "kube-system", name = "cluster-autoscaler" }]
  }
}

variables {
  cluster_name      = "main"
  oidc_provider_arn = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
  role_name_prefix  = "main-"
  controllers = {
    external_dns       = { hosted_zone_arns = ["arn:aws:route53:::hostedzone/Z1"] }
    cluster_autoscaler = {}
  }
}

run "a_role_per_controller_with_its_policy" {
  command = apply

  assert {
    condition     = platform_irsa_role.this["external_dns"].name == "main-external-dns" && platform_irsa_role.this["cluster_autoscaler"].name == "main-cluster-autoscaler"
    error_message = "roles are named <role_name_prefix><controller>, the key's _ turned into -"
  }

  assert {
    condition     = platform_irsa_role.this["external_dns"].inline_policies == tomap({ external-dns = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"route53:ChangeResourceRecordSets\",\"Resource\":\"arn:aws:route53:::hostedzone/Z1\"}]}" })
    error_message = "each role's inline policy is its controller's document"
  }

  assert {
    condition     = platform_irsa_role.this["cluster_autoscaler"].service_accounts[0].name == "cluster-autoscaler" && platform_irsa_role.this["external_dns"].service_accounts[0].namespace == "external-dns"
    error_message = "each role trusts its controller's default service accounts"
  }

  assert {
    condition     = alltrue([for r in platform_irsa_role.this : r.oidc_provider_arn == var.oidc_provider_arn])
    error_message = "the roles trust the given OIDC provider"
  }

  assert {
    condition     = length(platform_eks_oidc_provider.this) == 0 && output.oidc_provider_arn == var.oidc_provider_arn
    error_message = "no OIDC provider is copied without create_oidc_provider"
  }

  assert {
    condition     = data.platform_controller_policy.this["cluster_autoscaler"].cluster_name == "main" && data.platform_controller_policy.this["external_dns"].cluster_name == null
    error_message = "cluster_name goes only to the controllers scoped by the cluster"
  }

  assert {
    condition     = data.platform_controller_policy.this["external_dns"].hosted_zone_arns == tolist(["arn:aws:route53:::hostedzone/Z1"])
    error_message = "the controller's parameters reach its data source"
  }
}

run "another_account_gets_a_copy_of_the_oidc_provider" {
  command = apply

  variables {
    create_oidc_provider = true
    oidc_provider_arn    = null
    oidc_issuer_url      = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
    controllers = {
      external_dns = { hosted_zone_arns = ["arn:aws:route53:::hostedzone/Z1"], role_name = "external-dns" }
    }
  }

  assert {
    condition     = platform_eks_oidc_provider.this[0].url == "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
    error_message = "the issuer is copied into the provider's account"
  }

  assert {
    condition     = platform_irsa_role.this["external_dns"].oidc_provider_arn == "arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
    error_message = "the role trusts the copy"
  }

  assert {
    condition     = platform_irsa_role.this["external_dns"].name == "external-dns"
    error_message = "role_name overrides the prefix"
  }
}

run "role_names_must_fit_iam" {
  command = plan

  variables {
    role_name_prefix = "a-prefix-long-enough-that-aws-load-balancer-controller-overflows-"
    controllers      = { aws_load_balancer_controller = {} }
  }

  expect_failures = [var.controllers]
}

run "role_name_prefix_follows_iam" {
  command = plan

  variables {
    role_name_prefix = "has spaces"
  }

  expect_failures = [var.role_name_prefix]
}

run "cluster_name_is_required_for_cluster_scoped_controllers" {
  command = plan

  variables {
    cluster_name = null
    controllers  = { cluster_autoscaler = {} }
  }

  expect_failures = [var.cluster_name]
}

run "refuses_bad_input" {
  command = plan

  variables {
    create_oidc_provider = true
    oidc_issuer_url      = null
    controllers = {
      cluster_autoscaler = {}
      not_a_controller   = {}
    }
  }

  expect_failures = [var.create_oidc_provider, var.controllers]
}
