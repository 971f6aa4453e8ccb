terraform {
  required_providers {
    platform = {
      source = "platform-rs/platform"
    }
  }
}

provider "platform" {}

resource "platform_spacelift_context" "shared" {
  name = "Shared settings"
  environment = {
    AWS_REGION = "eu-west-1"
  }
}

resource "platform_spacelift_context_attachment" "apps" {
  context_id = platform_spacelift_context.shared.id
  stack_id   = "apps-production"
  priority   = 0
}
