#!/usr/bin/env bash
# Sets everything up, then runs the demo against the local AWS emulator:
# apply the EKS stack of examples/resources/platform_eks_node_group (cluster,
# OIDC provider, three node groups, an IRSA role), print the outputs, show that
# a second plan has no changes, destroy, check nothing is left, stop the emulator.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terraform-provider-platform/target}"
venv="${PLATFORM_VENV:-$repo/.venv}"
bash "$repo/scripts/setup.sh"
cd "$repo/acceptance-tests"
exec "$venv/bin/python" -m platform_acc.demo
