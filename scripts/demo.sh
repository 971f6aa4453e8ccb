#!/usr/bin/env bash
# Sets everything up, then runs the demo against the local emulators (moto with
# two AWS accounts, the Spacelift fake): apply examples/complete (the three
# modules composed), print what comes next, show that a second plan has no
# changes, destroy, check nothing is left, and time each phase.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terraform-provider-platform/target}"
venv="${PLATFORM_VENV:-$repo/.venv}"
bash "$repo/scripts/setup.sh"
cd "$repo/acceptance-tests"
exec "$venv/bin/python" -m platform_acc.demo
