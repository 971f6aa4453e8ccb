"""Distribution (issue 16): the release that `scripts/release.sh` makes, installed
the ways users install it, with real Terraform and without dev_overrides.

1. The static linux_amd64 binary completes the plugin handshake inside an
   empty root (a new user and mount namespace whose root holds only the binary).
2. A network mirror over HTTPS (a test CA through SSL_CERT_FILE): `init` with
   a version constraint, the lock file's `zh:` hashes are the SHA256SUMS
   entries, then apply against the emulator with the installed binary.
3. The provider registry protocol under `localhost:<port>`: `init` verifies the
   signature; a tampered zip, a wrong checksum and a signature by another key
   are each refused.
4. Filesystem mirrors: `terraform providers mirror` output, and the release
   zips as they are (packed layout).

The binary is built with the `dist-test` profile (Cargo.toml): the release's
target (x86_64-unknown-linux-musl, through cargo-zigbuild) and packaging,
without the release profile's fat LTO, so that CI builds it in minutes;
PLATFORM_DIST_PROFILE=release runs the cases on the release build itself.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from platform_acc import aws
from platform_acc.distribution import (
    NAME, GpgHome, ReleaseServer, cli_config, h1_hash, lock_file, lock_hashes, make_release, zh_hash,
)
from platform_acc.hcl import block
from platform_acc.terraform import Workspace, cli_path

PLATFORM = "linux_amd64"
# PLATFORM_DIST_PROFILE=release runs the same cases on the real release build.
PROFILE = os.environ.get("PLATFORM_DIST_PROFILE", "dist-test")
# go-plugin's handshake: the magic cookie Terraform sets for its providers.
MAGIC_COOKIE = {"TF_PLUGIN_MAGIC_COOKIE": "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"}
HANDSHAKE = re.compile(r"^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|")


def need(tool: str, install: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"`{tool}` is not installed; run: {install}")


@pytest.fixture(scope="module")
def gpg(tmp_path_factory):
    need("gpg", "apt-get install -y gnupg")
    home = GpgHome(tmp_path_factory.mktemp("gnupg"))
    yield home
    home.close()


@pytest.fixture(scope="module")
def release(tmp_path_factory, gpg):
    need("zip", "apt-get install -y zip")
    key = gpg.new_key("release@platform.test")
    try:
        return make_release(tmp_path_factory.mktemp("release"), gpg, key, [PLATFORM], profile=PROFILE)
    except RuntimeError as err:
        pytest.fail(str(err))


@pytest.fixture
def server(release, tmp_path):
    srv = ReleaseServer.start(release, tmp_path / "server")
    yield srv
    srv.stop()


def install_env(tf_env: dict[str, str], cli_file: Path, server: ReleaseServer | None = None) -> dict[str, str]:
    """Terraform's environment without dev_overrides: the given CLI configuration,
    no plugin cache, and the test CA when a server is used."""
    env = {k: v for k, v in tf_env.items() if k not in ("TF_PLUGIN_CACHE_DIR", "SSL_CERT_DIR")}
    env["TF_CLI_CONFIG_FILE"] = str(cli_file)
    if server is not None:
        env["SSL_CERT_FILE"] = str(server.ca_file)
    return env


def requirements(source: str = "platform-rs/platform", version: str = "~> 0.1.0") -> str:
    return f"""\
terraform {{
  required_providers {{
    platform = {{
      source  = "{source}"
      version = "{version}"
    }}
  }}
}}

provider "platform" {{}}
"""


def irsa_config(iam, unique: str, name: str, **kwargs) -> str:
    arn = aws.create_oidc_provider(iam, f"oidc.eks.us-east-1.amazonaws.com/id/{unique.upper()}")
    return requirements(**kwargs) + block(
        "resource", "platform_irsa_role", "test", name=name, oidc_provider_arn=arn,
        service_accounts=[{"namespace": "kube-system", "name": "ebs-csi-controller-sa"}])


def init(ws: Workspace, check: bool = True):
    return ws.run("init", "-no-color", "-input=false", check=check)


def installed_binary(ws: Workspace, version: str) -> Path:
    found = list((ws.dir / ".terraform" / "providers").glob(f"*/platform-rs/platform/{version}/{PLATFORM}/{NAME}_v{version}"))
    assert len(found) == 1, f"expected one installed provider binary, found {found}"
    return found[0]


def release_binary(release) -> bytes:
    with zipfile.ZipFile(release.directory / release.zip_name(PLATFORM)) as z:
        assert z.namelist() == [f"{NAME}_v{release.version}"], z.namelist()
        return z.read(f"{NAME}_v{release.version}")


def package_h1(release) -> str:
    """The h1: hash of the unpacked linux_amd64 package."""
    return h1_hash({f"{NAME}_v{release.version}": release_binary(release)})


def zip_sums(release) -> set[str]:
    return {f"zh:{digest}" for name, digest in release.sums.items() if name.endswith(".zip")}


def all_sums(release) -> set[str]:
    """Every SHA256SUMS entry as a zh: hash (Terraform 1.15 locks them all, the manifest's too)."""
    return {f"zh:{digest}" for digest in release.sums.values()}


def assert_locked_sums(hashes, release) -> None:
    """The lock's zh: hashes are the signed SHA256SUMS entries: every zip's, and
    nothing that is not in SHA256SUMS."""
    zh = {h for h in hashes if h.startswith("zh:")}
    assert zip_sums(release) <= zh <= all_sums(release), (zh, release.sums)


def squeeze(text: str) -> str:
    """Terraform wraps its messages: compare with runs of white space as one space."""
    return re.sub(r"\s+", " ", text)


def test_release_layout(release):
    """What release.sh wrote is what registries expect, and the signature verifies."""
    v = release.version
    assert sorted(release.files) == sorted([
        f"{NAME}_{v}_{PLATFORM}.zip", f"{NAME}_{v}_SHA256SUMS", f"{NAME}_{v}_SHA256SUMS.sig", f"{NAME}_{v}_manifest.json"])
    assert json.loads(release.files[f"{NAME}_{v}_manifest.json"]) == {"version": 1, "metadata": {"protocol_versions": ["6.0"]}}
    # SHA256SUMS lists the zip and the manifest with their real digests.
    assert set(release.sums) == {f"{NAME}_{v}_{PLATFORM}.zip", f"{NAME}_{v}_manifest.json"}
    for name, digest in release.sums.items():
        assert hashlib.sha256(release.files[name]).hexdigest() == digest, name
    # The signature is binary (registries want it so), not ASCII armour.
    assert not release.files[release.sums_name + ".sig"].startswith(b"-----BEGIN")
    assert release_binary(release)[:4] == b"\x7fELF"
    # The zip entry is executable.
    with zipfile.ZipFile(release.directory / release.zip_name(PLATFORM)) as z:
        assert (z.infolist()[0].external_attr >> 16) & 0o111 == 0o111


def test_release_for_spacelift(release, gpg, tmp_path):
    """--spacelift adds the GoReleaser files spacectl reads, naming the same files."""
    out = tmp_path / "spacelift"
    proc = subprocess.run(["bash", "scripts/release.sh", release.version, "--gpg-key", release.key.fingerprint,
                           "--out", str(out), "--platforms", PLATFORM, "--profile", PROFILE, "--spacelift"],
                          cwd=Path(__file__).resolve().parents[2], env=gpg.env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    artifacts = json.loads((out / "artifacts.json").read_text())
    by_type = {a["type"]: a for a in artifacts}
    archive = by_type["Archive"]
    assert (archive["name"], archive["goos"], archive["goarch"]) == (release.zip_name(PLATFORM), "linux", "amd64")
    assert archive["extra"]["Checksum"] == "sha256:" + hashlib.sha256(release_binary(release)).hexdigest()
    assert by_type["Checksum"]["name"] == release.sums_name
    assert by_type["Signature"]["name"] == release.sums_name + ".sig"
    for a in artifacts:
        assert (out / a["name"]).is_file(), a
    assert json.loads((out / "metadata.json").read_text())["version"] == release.version


def test_release_refuses_another_version(release, gpg):
    proc = subprocess.run(["bash", "scripts/release.sh", "9.9.9", "--gpg-key", release.key.fingerprint],
                          cwd=Path(__file__).resolve().parents[2], env=gpg.env, capture_output=True, text=True)
    assert proc.returncode != 0
    assert f"not provider/Cargo.toml's version `{release.version}`" in proc.stderr, proc.stderr


def empty_root(release, tmp_path: Path) -> tuple[Path, str]:
    """A directory holding only the binary: the root of the namespace it runs in."""
    root = tmp_path / "root"
    root.mkdir()
    name = f"{NAME}_v{release.version}"
    (root / name).write_bytes(release_binary(release))
    (root / name).chmod(0o755)
    assert [p.name for p in root.iterdir()] == [name]
    return root, name


def in_empty_root(root: Path, name: str) -> list[str]:
    """The command that runs the binary with `root` as its /: a new user and mount
    namespace (`unshare --map-root-user --root`), so no host file is visible."""
    need("unshare", "apt-get install -y util-linux")
    return [shutil.which("unshare"), "--map-root-user", "--mount", f"--root={root}", f"/{name}"]


def test_static_handshake_in_empty_root(release, tmp_path, tf_env):
    root, name = empty_root(release, tmp_path)
    # Nothing to load: no program interpreter (dynamic loader) in the ELF headers.
    readelf = subprocess.run(["readelf", "--program-headers", str(root / name)], capture_output=True, text=True)
    if readelf.returncode == 0:
        assert "INTERP" not in readelf.stdout

    # The handshake line, printed from inside the empty root.
    env = {"PATH": "/nonexistent", **MAGIC_COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "6"}
    proc = subprocess.Popen(in_empty_root(root, name), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert HANDSHAKE.match(line), f"no plugin handshake from the binary in an empty root: {line!r}, stderr: {proc.stderr.read() if proc.poll() is not None else ''}"
    finally:
        proc.kill()
        proc.wait(timeout=30)

    # And a whole conversation with Terraform: Terraform starts the binary in the
    # empty root through a wrapper, and reads its schema over gRPC.
    wrapper_dir = tmp_path / "wrapper"
    wrapper_dir.mkdir()
    wrapper = wrapper_dir / NAME
    wrapper.write_text("#!/bin/sh\nexec " + " ".join(in_empty_root(root, name)) + "\n")
    wrapper.chmod(0o755)
    cli_file = tmp_path / "terraformrc"
    cli_config(cli_file, f"""\
  dev_overrides {{
    "registry.terraform.io/platform-rs/platform" = "{wrapper_dir}"
    "registry.opentofu.org/platform-rs/platform" = "{wrapper_dir}"
  }}
  direct {{}}""")
    ws = Workspace(tmp_path / "ws", install_env(tf_env, cli_file))
    ws.write('terraform {\n  required_providers {\n    platform = { source = "platform-rs/platform" }\n  }\n}\n')
    schema = json.loads(ws.run("providers", "schema", "-json").stdout)
    (provider,) = [v for k, v in schema["provider_schemas"].items() if k.endswith("platform-rs/platform")]
    assert "platform_irsa_role" in provider["resource_schemas"]


def provider_host() -> str:
    """The registry host that `platform-rs/platform` means to the CLI under test."""
    return "registry.opentofu.org" if "tofu" in Path(cli_path()).name else "registry.terraform.io"


def mirror_workspace(server, tf_env, tmp_path, name: str = "ws") -> Workspace:
    cli_file = cli_config(tmp_path / f"terraformrc-{name}", f'  network_mirror {{\n    url = "{server.mirror_url()}"\n  }}')
    return Workspace(tmp_path / name, install_env(tf_env, cli_file, server))


def test_network_mirror(release, server, tf_env, tmp_path, iam, unique):
    """A team commits the lock file with the release's signed zh: hashes (as
    `terraform providers lock` against a registry writes it); a runner then
    installs through the HTTPS network mirror, checked against that lock."""
    ws = mirror_workspace(server, tf_env, tmp_path)
    name = f"mirror-{unique}"
    ws.write(irsa_config(iam, unique, name))
    (ws.dir / ".terraform.lock.hcl").write_text(lock_file(provider_host(), release.version, all_sums(release)))
    out = init(ws).output
    assert f"Installed platform-rs/platform v{release.version}" in out, out
    assert any(r.startswith("/mirror/") and r.endswith("/index.json") for r in server.requests), server.requests
    assert f"/files/{release.zip_name(PLATFORM)}" in server.requests
    assert installed_binary(ws, release.version).read_bytes() == release_binary(release)

    # The lock file: the zh: hashes are exactly the SHA256SUMS entries of the
    # zips, and init added the h1: hash of the package it unpacked.
    hashes = set(lock_hashes(ws.dir / ".terraform.lock.hcl"))
    assert {h for h in hashes if h.startswith("zh:")} == all_sums(release)
    assert {h for h in hashes if h.startswith("h1:")} == {package_h1(release)}

    # The installed binary works: apply, empty plan, destroy.
    ws.apply_clean()
    assert aws.role_exists(iam, name)
    ws.destroy()
    assert not aws.role_exists(iam, name)


def test_network_mirror_without_lock(release, server, tf_env, tmp_path):
    """A first init through the mirror alone checks the mirror's zh: hash and
    locks the unpacked package's h1:."""
    ws = mirror_workspace(server, tf_env, tmp_path)
    ws.write(requirements())
    init(ws)
    hashes = set(lock_hashes(ws.dir / ".terraform.lock.hcl"))
    assert package_h1(release) in hashes
    # Terraform records zh: hashes only from a signed SHA256SUMS; a CLI that
    # records the mirror's must record the right ones.
    assert {h for h in hashes if h.startswith("zh:")} <= zip_sums(release)


OTHER_SHA = hashlib.sha256(b"another build").hexdigest()
OTHER_ZIP = f"zh:{OTHER_SHA}"


@pytest.mark.parametrize("case", ["mirror_hash", "lock_file"])
def test_network_mirror_refuses(release, server, tf_env, tmp_path, case):
    """A package whose hash is not the mirror's, or not the lock file's, is refused."""
    ws = mirror_workspace(server, tf_env, tmp_path)
    ws.write(requirements())
    if case == "mirror_hash":
        server.mirror_hash_override = OTHER_ZIP
    else:
        (ws.dir / ".terraform.lock.hcl").write_text(lock_file(provider_host(), release.version, {OTHER_ZIP}))
    result = init(ws, check=False)
    assert result.code != 0, f"init accepted a package that matches no trusted hash:\n{result}"
    assert re.search(r"(?i)checksum|hash", result.output), result.output
    assert_not_installed(ws)


def registry_workspace(server, tf_env, tmp_path, name: str = "ws") -> Workspace:
    cli_file = cli_config(tmp_path / f"terraformrc-{name}", "  direct {}")
    ws = Workspace(tmp_path / name, install_env(tf_env, cli_file, server))
    ws.write(requirements(source=f"{server.registry_host}/platform-rs/platform"))
    return ws


def test_registry_verifies_signature(release, server, tf_env, tmp_path):
    ws = registry_workspace(server, tf_env, tmp_path)
    out = init(ws).output
    assert f"Installed {server.registry_host}/platform-rs/platform v{release.version}" in out, out
    # Terraform names the key whose signature of SHA256SUMS it verified.
    assert f"v{release.version} (self-signed, key ID {release.key.key_id})" in squeeze(out), out
    assert "/.well-known/terraform.json" in server.requests
    assert f"/files/{release.sums_name}.sig" in server.requests
    hashes = set(lock_hashes(ws.dir / ".terraform.lock.hcl"))
    assert_locked_sums(hashes, release)
    assert {h for h in hashes if h.startswith("h1:")} == {package_h1(release)}
    assert installed_binary(ws, release.version).read_bytes() == release_binary(release)
    ws.run("providers", "schema", "-json")


def tampered_zip(release, server, gpg):
    name = release.zip_name(PLATFORM)
    data = bytearray(server.files[name])
    data[len(data) // 2] ^= 0xFF
    server.files[name] = bytes(data)


def wrong_checksum(release, server, gpg):
    """The download answer's checksum is not the one the signed SHA256SUMS has."""
    server.shasum_override = OTHER_SHA


def wrong_checksum_signed(release, server, gpg):
    """A SHA256SUMS that the release key signed but that lists another checksum:
    the archive does not match it."""
    zip_name = release.zip_name(PLATFORM)
    bad = OTHER_SHA
    sums = f"{bad}  {zip_name}\n".encode()
    server.files[release.sums_name] = sums
    server.files[release.sums_name + ".sig"] = gpg.detach_sign(release.key, sums)
    server.shasum_override = bad


def signed_by_another_key(release, server, gpg):
    other = gpg.new_key(f"other-{os.getpid()}-{len(server.requests)}@platform.test")
    server.files[release.sums_name + ".sig"] = gpg.detach_sign(other, server.files[release.sums_name])


@pytest.mark.parametrize("tamper, refusal", [
    (tampered_zip, r"archive has incorrect checksum zh:[0-9a-f]{64} \(expected zh:{zip}\)"),
    (wrong_checksum, r"checksum list has unexpected SHA-256 hash {zip} \(expected {other}\)"),
    (wrong_checksum_signed, r"archive has incorrect checksum zh:{zip} \(expected zh:{other}\)"),
    (signed_by_another_key, r"authentication signature from unknown issuer"),
], ids=["tampered_zip", "wrong_checksum", "wrong_checksum_signed", "signed_by_another_key"])
def test_registry_refuses(release, server, gpg, tf_env, tmp_path, tamper, refusal):
    tamper(release, server, gpg)
    ws = registry_workspace(server, tf_env, tmp_path)
    result = init(ws, check=False)
    assert result.code != 0, f"init accepted a bad package:\n{result}"
    refusal = refusal.replace("{zip}", release.sums[release.zip_name(PLATFORM)]).replace("{other}", OTHER_SHA)
    assert re.search(refusal, squeeze(result.output)), result.output
    assert_not_installed(ws)
    assert not (ws.dir / ".terraform.lock.hcl").exists()


def assert_not_installed(ws: Workspace) -> None:
    providers = ws.dir / ".terraform" / "providers"
    assert not providers.exists() or not list(providers.rglob(f"{NAME}_v*")), "a refused package was installed"


def test_filesystem_mirror_from_providers_mirror(release, server, tf_env, tmp_path, iam, unique):
    """`terraform providers mirror` (which always fetches from the origin
    registry: here the test registry) writes a mirror that works as a
    filesystem_mirror, with nothing else reachable."""
    maker = registry_workspace(server, tf_env, tmp_path, "maker")
    mirror = tmp_path / "mirror"
    maker.run("providers", "mirror", f"-platform={PLATFORM}", str(mirror))
    zips = list(mirror.rglob("*.zip"))
    assert [z.relative_to(mirror).parts[:3] for z in zips] == [(server.registry_host, "platform-rs", "platform")]
    assert zips[0].read_bytes() == release.files[release.zip_name(PLATFORM)]
    server.stop()
    check_filesystem_mirror(release, mirror, f"{server.registry_host}/platform-rs/platform", tf_env, tmp_path, iam, unique)


def test_filesystem_mirror_from_release_zips(release, tf_env, tmp_path, iam, unique):
    """The release zips as they are, in the packed layout: what a runner image bakes in."""
    mirror = tmp_path / "mirror"
    d = mirror / provider_host() / "platform-rs" / "platform"
    d.mkdir(parents=True)
    shutil.copy(release.directory / release.zip_name(PLATFORM), d)
    check_filesystem_mirror(release, mirror, "platform-rs/platform", tf_env, tmp_path, iam, unique)


def check_filesystem_mirror(release, mirror: Path, source: str, tf_env, tmp_path, iam, unique):
    cli_file = cli_config(tmp_path / "terraformrc-fs", f'  filesystem_mirror {{\n    path = "{mirror}"\n  }}')
    ws = Workspace(tmp_path / "ws", install_env(tf_env, cli_file))
    ws.write(irsa_config(iam, unique, f"fsmirror-{unique}", source=source))
    out = init(ws).output
    assert f"Installed {source} v{release.version}" in out, out
    assert installed_binary(ws, release.version).read_bytes() == release_binary(release)
    hashes = set(lock_hashes(ws.dir / ".terraform.lock.hcl"))
    assert package_h1(release) in hashes
    assert {h for h in hashes if h.startswith("zh:")} <= zip_sums(release)
    # The installed binary runs: a plan of one role.
    result = ws.plan()
    assert result.code == 2, result.output
    assert "platform_irsa_role.test will be created" in result.output
