terraform {
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

# Credentials come from the standard AWS chain: environment, shared profile,
# web identity token (Spacelift's AWS integration), container or instance role.
provider "platform" {
  region = "eu-west-1"

  default_tags = {
    managed-by = "terraform"
    team       = "platform"
  }

  # Optional: work in another account through a role.
  # assume_role {
  #   role_arn     = "arn:aws:iam::210987654321:role/platform-deployer"
  #   session_name = "spacelift"
  # }
}
