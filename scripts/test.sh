#!/usr/bin/env bash
# Sets everything up and runs the whole test suite:
#   lint (rustfmt check, clippy -D warnings), unit tests (cargo test, includes the docs
#   freshness check), then the acceptance tests against real Terraform and
#   the local AWS emulator.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k irsa`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terraform-provider-platform/target}"
venv="${PLATFORM_VENV:-$repo/.venv}"

bash scripts/setup.sh

echo "==> cargo fmt --check" >&2
cargo fmt --check

echo "==> cargo clippy --all-targets -- -D warnings (about 1 minute after the first build)" >&2
cargo clippy --quiet --all-targets -- -D warnings

echo "==> cargo test (building the tests: about 4 minutes the first time)" >&2
cargo test --quiet
# The patched tf-provider's own tests (tfplugin6.10 plumbing; third_party/tf-provider/PATCHES.md).
cargo test --quiet -p tf-provider --lib

# The distribution tests package and install a static binary; build it here,
# once, rather than inside a test worker (a no-op when it is fresh).
echo "==> static linux_amd64 binary for the distribution tests (profile dist-test; cargo zigbuild: about 5 minutes the first time)" >&2
PATH="$venv/bin:$PATH" cargo zigbuild --locked --quiet --profile dist-test \
  --target x86_64-unknown-linux-musl -p terraform-provider-platform --bin terraform-provider-platform

echo "==> acceptance tests (real Terraform + local emulators; about 8 minutes with 8 workers on 2 cores)" >&2
cd acceptance-tests
# The cases mostly wait (emulator transitions, confirming reads): 8 workers
# keep 2 cores busy (measured on a quiet 2-core machine for 661 cases: 7m51s
# with 8 workers at 190% CPU; 6 workers left a quarter of the CPU idle).
workers="${PLATFORM_TEST_WORKERS:-8}"
# EKS objects settle after 0.3 s in the emulator (cases that need slower
# transitions set their own delay with the platform-emulator/delay-seconds tag).
export PLATFORM_EKS_DELAY_SECONDS="${PLATFORM_EKS_DELAY_SECONDS:-0.3}"
exec "$venv/bin/python" -m pytest -n "$workers" "$@"
