# Runs without Spacelift: the provider is mocked, ids come from mock_resource.
mock_provider "platform" {
  mock_resource "platform_spacelift_context" {
    defaults = {
      id = "platform-outputs"
    }
  }
  mock_resource "platform_spacelift_context_attachment" {
    defaults = {
      attachment_id = "01ATTACHMENT"
    }
  }
}

variables {
  name                               = "platform-outputs"
  cluster_name                       = "platform"
  cluster_endpoint                   = "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com"
  cluster_certificate_authority_data = "LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t"
  oidc_provider_arn                  = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
}

run "publishes_the_cluster_outputs_as_variables" {
  command = apply

  variables {
    storage_class_name = "ebs-encrypted"
    stack_ids          = ["apps", "data"]
  }

  assert {
    condition = platform_spacelift_context.this.environment == tomap({
      TF_VAR_cluster_name                       = "platform"
      TF_VAR_cluster_endpoint                   = "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com"
      TF_VAR_cluster_certificate_authority_data = "LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t"
      TF_VAR_oidc_provider_arn                  = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
      TF_VAR_storage_class_name                 = "ebs-encrypted"
    })
    error_message = "the context publishes exactly the given cluster outputs, prefixed TF_VAR_"
  }

  assert {
    condition     = platform_spacelift_context.this.secret_environment == null && platform_spacelift_context.this.mounted_files == null
    error_message = "without secrets or a seal stanza, the context has no secret variables and no files"
  }

  assert {
    condition     = jsonencode(output.attachments) == jsonencode({ apps = "01ATTACHMENT", data = "01ATTACHMENT" })
    error_message = "the context is attached to each stack given"
  }

  assert {
    condition     = alltrue([for a in platform_spacelift_context_attachment.this : a.context_id == "platform-outputs" && a.priority == 0])
    error_message = "each attachment names the context"
  }
}

run "secrets_and_the_seal_stanza" {
  variables {
    secret_outputs     = ["cluster_certificate_authority_data"]
    secret_environment = { VAULT_TOKEN = "s.example" }
    vault_seal_stanza  = "seal \"awskms\" {\n  kms_key_id = \"k\"\n}\n"
    env_prefix         = ""
  }

  assert {
    condition     = nonsensitive(platform_spacelift_context.this.secret_environment) == tomap({ cluster_certificate_authority_data = "LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t", VAULT_TOKEN = "s.example" })
    error_message = "values named in secret_outputs, and secret_environment, are secret variables"
  }

  assert {
    condition     = !contains(keys(platform_spacelift_context.this.environment), "cluster_certificate_authority_data")
    error_message = "a secret output is not also published in plain"
  }

  assert {
    condition     = nonsensitive(platform_spacelift_context.this.mounted_files)["platform/vault-seal.hcl"].content == "seal \"awskms\" {\n  kms_key_id = \"k\"\n}\n"
    error_message = "the seal stanza is mounted at platform/vault-seal.hcl"
  }

  assert {
    condition     = output.mounted_file_paths == tolist(["platform/vault-seal.hcl"]) && output.secret_environment_names == tolist(["VAULT_TOKEN", "cluster_certificate_authority_data"])
    error_message = "the outputs list the secrets and files by name"
  }
}

run "refuses_bad_input" {
  command = plan

  variables {
    secret_outputs   = ["kubeconfig"]
    seal_stanza_path = "/etc/vault.hcl"
    environment      = { MULTI = "a\nb" }
  }

  expect_failures = [var.secret_outputs, var.seal_stanza_path, var.environment]
}
