terraform {
  required_version = ">= 1.9"

  required_providers {
    platform = {
      source  = "platform-rs/platform"
      version = "~> 0.1.0"
    }
  }
}
