#!/usr/bin/env bash
# Builds and packages a release the way the Terraform and OpenTofu registries
# (and provider mirrors) expect it:
#
#   terraform-provider-platform_{VERSION}_{os}_{arch}.zip   holding terraform-provider-platform_v{VERSION}
#   terraform-provider-platform_{VERSION}_manifest.json     copy of terraform-registry-manifest.json
#   terraform-provider-platform_{VERSION}_SHA256SUMS        sha256sum of the zips and the manifest
#   terraform-provider-platform_{VERSION}_SHA256SUMS.sig    detached binary GPG signature of SHA256SUMS
#
# Usage:
#   bash scripts/release.sh VERSION --gpg-key KEY [--out DIR] [--platforms LIST]
#                           [--profile PROFILE] [--binary OS_ARCH=PATH]... [--spacelift]
#
#   VERSION       must equal provider/Cargo.toml's version (its single source).
#   --gpg-key     the secret key that signs SHA256SUMS (id, fingerprint or
#                 email; or PLATFORM_RELEASE_GPG_KEY). gpg honours GNUPGHOME;
#                 a key with a passphrase reads it from
#                 PLATFORM_RELEASE_GPG_PASSPHRASE, else from gpg-agent.
#   --out         output directory (default dist/VERSION; or PLATFORM_RELEASE_OUT).
#                 Earlier artifacts of VERSION in it are replaced.
#   --platforms   comma-separated, default linux_amd64,linux_arm64,darwin_amd64,darwin_arm64.
#   --profile     cargo profile, default release (fat LTO). The distribution
#                 tests use dist-test (Cargo.toml) to stay fast.
#   --binary      package a binary built elsewhere (e.g. on macOS) for OS_ARCH
#                 instead of building it.
#   --spacelift   also write artifacts.json and metadata.json, the GoReleaser
#                 files that `spacectl provider create-version --goreleaser-dir`
#                 reads to publish to Spacelift's provider registry.
#
# Linux binaries are static (musl), cross-built with cargo-zigbuild and zig
# from scripts/release-requirements.txt (installed by scripts/setup.sh).
# darwin needs a macOS SDK for the Security framework (rustls-native-certs):
# without SDKROOT (a MacOSX.sdk, which cargo-zigbuild links against) the
# darwin platforms are skipped and the script says so: build them on a Mac
# with `cargo build --release --target aarch64-apple-darwin` and package them
# here with --binary. docs/guides/installing.md has the details.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/terraform-provider-platform/target}"
venv="${PLATFORM_VENV:-$repo/.venv}"
name=terraform-provider-platform

fail() { echo "release: $*" >&2; exit 2; }
say() { printf '==> %s\n' "$*" >&2; }

[ $# -ge 1 ] && [[ "$1" != -* ]] || fail "usage: bash scripts/release.sh VERSION --gpg-key KEY [--out DIR] [--platforms LIST] [--profile PROFILE] [--binary OS_ARCH=PATH]..."
version="$1"
shift
gpg_key="${PLATFORM_RELEASE_GPG_KEY:-}"
out="${PLATFORM_RELEASE_OUT:-}"
platforms="linux_amd64,linux_arm64,darwin_amd64,darwin_arm64"
profile=release
spacelift=false
declare -A prebuilt=()
while [ $# -gt 0 ]; do
  case "$1" in
    --gpg-key) gpg_key="${2:?--gpg-key needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    --platforms) platforms="${2:?--platforms needs a value}"; shift 2 ;;
    --profile) profile="${2:?--profile needs a value}"; shift 2 ;;
    --spacelift) spacelift=true; shift ;;
    --binary)
      spec="${2:?--binary needs OS_ARCH=PATH}"
      [[ "$spec" == *=* ]] || fail "--binary takes OS_ARCH=PATH, got \`$spec\`"
      prebuilt["${spec%%=*}"]="${spec#*=}"
      shift 2 ;;
    *) fail "unknown argument \`$1\` (see the usage at the top of scripts/release.sh)" ;;
  esac
done

# The version's single source: the [package] version in provider/Cargo.toml.
cargo_version="$(sed -n '/^\[package\]/,/^\[/{s/^version *= *"\(.*\)"/\1/p}' provider/Cargo.toml | head -n1)"
[ -n "$cargo_version" ] || fail "cannot read the version from provider/Cargo.toml"
if [ "$version" != "$cargo_version" ]; then
  fail "VERSION \`$version\` is not provider/Cargo.toml's version \`$cargo_version\`: set the version there (its single source), then run: bash scripts/release.sh <that version>"
fi

# What the packaging needs, checked before anything is built.
command -v gpg >/dev/null || fail "gpg is not installed: run: apt-get install -y gnupg"
command -v zip >/dev/null || fail "zip is not installed: run: apt-get install -y zip"
command -v sha256sum >/dev/null || fail "sha256sum is not installed (coreutils)"
[ -n "$gpg_key" ] || fail "no signing key: pass --gpg-key KEY (or set PLATFORM_RELEASE_GPG_KEY); registries only accept a signed SHA256SUMS"
gpg --batch --list-secret-keys "$gpg_key" >/dev/null 2>&1 \
  || fail "no secret key \`$gpg_key\` in gpg's keyring${GNUPGHOME:+ (GNUPGHOME=$GNUPGHOME)}: import it (gpg --import) or pass another --gpg-key"
[ -f terraform-registry-manifest.json ] || fail "terraform-registry-manifest.json is missing at the repository root"
out="${out:-$repo/dist/$version}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

target_of() {
  case "$1" in
    linux_amd64) echo x86_64-unknown-linux-musl ;;
    linux_arm64) echo aarch64-unknown-linux-musl ;;
    darwin_amd64) echo x86_64-apple-darwin ;;
    darwin_arm64) echo aarch64-apple-darwin ;;
    *) return 1 ;;
  esac
}
case "$profile" in
  dev) profile_dir=debug ;;
  *) profile_dir="$profile" ;;
esac

have_macos_sdk() { [ -n "${SDKROOT:-}" ] || [ -n "${DEVELOPER_DIR:-}" ] || command -v xcrun >/dev/null; }

need_zigbuild() {
  export PATH="$venv/bin:$PATH"
  command -v cargo >/dev/null || fail "cargo is not installed: install Rust with https://rustup.rs, then run: bash scripts/setup.sh"
  command -v cargo-zigbuild >/dev/null && command -v python-zig >/dev/null \
    || fail "cargo-zigbuild and zig are not installed: run: bash scripts/setup.sh (pip install -r scripts/release-requirements.txt into $venv)"
}

# Reproducible zips: every file gets the same timestamp (SOURCE_DATE_EPOCH,
# else the last commit's time).
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
rm -f "$out/${name}_${version}_"*
$spacelift && rm -f "$out/artifacts.json" "$out/metadata.json"

built=()
missing=()
timings=()
IFS=',' read -r -a wanted <<<"$platforms"
for platform in "${wanted[@]}"; do
  target="$(target_of "$platform")" || fail "unknown platform \`$platform\` (known: linux_amd64, linux_arm64, darwin_amd64, darwin_arm64)"
  if [ -n "${prebuilt[$platform]:-}" ]; then
    binary="${prebuilt[$platform]}"
    [ -x "$binary" ] || fail "--binary $platform=$binary: no executable there"
    say "$platform: packaging the prebuilt $binary"
  else
    if [[ "$platform" == darwin_* ]] && ! have_macos_sdk; then
      say "$platform: NOT BUILT: no macOS SDK here (SDKROOT, DEVELOPER_DIR and xcrun are all absent). zig links Linux and macOS code, but the binary needs Apple's Security and CoreFoundation frameworks (rustls-native-certs reads the macOS trust store), which only the SDK has. Build it on a Mac with \`cargo build --release --target $target --bin $name\` and package it here with --binary $platform=PATH (or set SDKROOT to a MacOSX.sdk)."
      missing+=("$platform (no macOS SDK)")
      continue
    fi
    need_zigbuild
    rustup target list --installed 2>/dev/null | grep -qx "$target" \
      || fail "the Rust target $target is not installed: run: rustup target add $target (or bash scripts/setup.sh)"
    say "$platform: cargo zigbuild --profile $profile --target $target"
    start=$SECONDS
    if ! cargo zigbuild --locked --quiet --profile "$profile" --target "$target" -p "$name" --bin "$name"; then
      if [[ "$platform" == darwin_* ]]; then
        say "$platform: NOT BUILT: the build failed (see above)"
        missing+=("$platform (build failed)")
        continue
      fi
      fail "$platform: the build failed"
    fi
    timings+=("$platform: built in $((SECONDS - start)) s (profile $profile; 0 when nothing changed)")
    binary="$CARGO_TARGET_DIR/$target/$profile_dir/$name"
  fi
  dir="$stage/$platform"
  mkdir -p "$dir"
  install -m 0755 "$binary" "$dir/${name}_v${version}"
  touch -d "@$epoch" "$dir/${name}_v${version}"
  (cd "$dir" && zip -q -X "$out/${name}_${version}_${platform}.zip" "${name}_v${version}")
  sha256sum "$dir/${name}_v${version}" | cut -d' ' -f1 > "$dir/binary.sha256"
  built+=("$platform")
done
[ ${#built[@]} -gt 0 ] || fail "no platform was built"

cp terraform-registry-manifest.json "$out/${name}_${version}_manifest.json"
sums="${name}_${version}_SHA256SUMS"
(cd "$out" && sha256sum "${name}_${version}_"*.zip "${name}_${version}_manifest.json" | LC_ALL=C sort -k2 > "$sums")
sign=(gpg --batch --yes --local-user "$gpg_key" --output "$out/$sums.sig" --detach-sign)
if [ -n "${PLATFORM_RELEASE_GPG_PASSPHRASE:-}" ]; then
  printf '%s' "$PLATFORM_RELEASE_GPG_PASSPHRASE" | "${sign[@]}" --pinentry-mode loopback --passphrase-fd 0 "$out/$sums"
else
  "${sign[@]}" "$out/$sums"
fi
gpg --batch --verify "$out/$sums.sig" "$out/$sums" 2>/dev/null || fail "the signature of $sums does not verify"

if $spacelift; then
  # Only the fields spacectl reads: each archive with its os, arch and the
  # binary's SHA-256, the checksums file, its signature, and the version.
  {
    echo "["
    for platform in "${built[@]}"; do
      printf '  {"name": "%s", "path": "%s", "type": "Archive", "goos": "%s", "goarch": "%s", "extra": {"Checksum": "sha256:%s"}},\n' \
        "${name}_${version}_${platform}.zip" "${name}_${version}_${platform}.zip" "${platform%_*}" "${platform#*_}" "$(cat "$stage/$platform/binary.sha256")"
    done
    printf '  {"name": "%s", "path": "%s", "type": "Checksum"},\n' "$sums" "$sums"
    printf '  {"name": "%s", "path": "%s", "type": "Signature"}\n' "$sums.sig" "$sums.sig"
    echo "]"
  } > "$out/artifacts.json"
  printf '{"project_name": "%s", "version": "%s"}\n' "$name" "$version" > "$out/metadata.json"
fi

say "release $version in $out"
for line in "${timings[@]}"; do echo "    $line" >&2; done
(cd "$out" && for f in "${name}_${version}_"*; do printf '    %12s bytes  %s\n' "$(stat -c %s "$f")" "$f"; done) >&2
if [ ${#missing[@]} -gt 0 ]; then
  say "NOT in this release: ${missing[*]}"
fi
