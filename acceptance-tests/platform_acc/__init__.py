"""Acceptance-test harness for terraform-provider-platform.

- `terraform`: a Terraform workspace driven through the real CLI, with the
  provider wired in through `dev_overrides`; `Workspace` has the steps of a
  case (`apply_clean`, `assert_plan_empty`, `import_`, `destroy_and_check_gone`...).
- `hcl`: small helpers to write HCL for test configurations.
- `emulator`: the local AWS emulator (moto's server) on a random loopback port.
- `eks_ext`: moto's EKS made more faithful (status transitions, updates,
  per-cluster issuers...), loaded into the emulator.
- `eks_access_ext`: EKS access entries and access policies (moto answers 404),
  and the cluster creator's bootstrap entry, loaded into the emulator after `eks_ext`.
- `eks_addon_ext`: EKS add-ons (moto has none): a catalogue per Kubernetes
  version, configuration schemas, statuses and health issues, loaded into the emulator.
- `eks_asg_ext`: the Auto Scaling group (and launch template) EKS makes for
  each managed node group, in moto's autoscaling and EC2 backends.
- `eks_pod_identity_ext`: EKS Pod Identity associations (moto has none), with
  tags and idempotency tokens, loaded into the emulator.
- `iam_ext`: the IAM OIDC client-id operations moto lacks, loaded into the emulator.
- `iam_simulate`: IAM SimulatePrincipalPolicy (moto lacks it), a small policy
  evaluator for the controller-policy cases, loaded into the emulator.
- `kms_ext`: KMS ListAliases paged as the real API pages it (moto answers in one
  page), loaded into the emulator.
- `eks_helpers`: botocore's EKS model check of emulator responses
  (`checked_client`) and a cluster made outside Terraform (`make_cluster`).
- `aws`: boto3 clients against the emulator, for out-of-band changes and
  for checking that destroyed objects are gone.
- `faults`: a proxy in front of the emulator that answers chosen API actions
  with chosen errors, and counts calls per action.
- `tls_issuer`: a local HTTPS OIDC issuer with its own CA, for the thumbprint.
- `spacelift_fake`: a strict local Spacelift (GraphQL), following the contract
  in `acceptance-tests/spacelift/README.md`.
- `distribution`: a release made by `scripts/release.sh` with a throwaway GPG
  key, and a local HTTPS server (its own CA) serving it as a provider network
  mirror and through the provider registry protocol, for the distribution tests.
- `complete`: `examples/complete` against the emulators: the DNS account
  (STS AssumeRole into another account), the prerequisites, and the inventory
  of both accounts and the Spacelift fake (what an apply made, what a destroy left).
- `demo`: the README's demo (`scripts/demo.sh`): examples/complete applied,
  planned empty and destroyed against the emulators (`run`, which
  `tests/test_complete_example.py` runs too).
"""
