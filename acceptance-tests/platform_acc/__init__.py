"""Acceptance-test harness for terraform-provider-platform.

- `emulator`: the local AWS emulator (moto's server) on a random loopback port.
- `terraform`: a Terraform workspace driven through the real CLI, with the
  provider wired in through `dev_overrides`.
- `aws`: boto3 clients against the emulator, for out-of-band changes and
  for checking that destroyed objects are gone.
"""
