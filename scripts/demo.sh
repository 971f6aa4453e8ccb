#!/usr/bin/env bash
# Sets everything up, then runs the demo against the local AWS emulator:
# apply examples/resources/platform_irsa_role, print the outputs, show that a
# second plan has no changes, destroy, stop the emulator.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terraform-provider-platform/target}"
venv="${PLATFORM_VENV:-$repo/.venv}"
bash "$repo/scripts/setup.sh"
cd "$repo/acceptance-tests"
exec "$venv/bin/python" -m platform_acc.demo
