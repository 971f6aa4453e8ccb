"""The provider as users install it: a release made by `scripts/release.sh`
with a throwaway GPG key, and a local HTTPS server (its own CA, handed to
Terraform through SSL_CERT_FILE) that serves that release both as a provider
network mirror and through the provider registry protocol.

- `GpgHome`: a temporary GNUPGHOME with generated signing keys.
- `make_release`: runs `scripts/release.sh` and reads back what it wrote.
- `ReleaseServer`: the HTTPS server. What it serves is plain data
  (`files`, `signing_keys`, `shasum_override`), so a test can tamper with
  one piece and check that `terraform init` refuses it.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import json
import os
import re
import shutil
import ssl
import subprocess
import threading
import tomllib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .terraform import REPO

NAME = "terraform-provider-platform"
NAMESPACE, TYPE = "platform-rs", "platform"
# The hosts the short source `platform-rs/platform` means in Terraform and OpenTofu.
DEFAULT_REGISTRIES = ("registry.terraform.io", "registry.opentofu.org")
SETUP_HINT = "run: bash scripts/setup.sh (it installs cargo-zigbuild, zig and the musl targets)"


def cargo_version() -> str:
    """The version's single source, provider/Cargo.toml."""
    return tomllib.loads((REPO / "provider" / "Cargo.toml").read_text())["package"]["version"]


class GpgHome:
    """A throwaway GNUPGHOME; `close` stops the gpg-agent it started."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.env = {**os.environ, "GNUPGHOME": str(directory)}

    def gpg(self, *args: str, input: bytes | None = None) -> bytes:
        proc = subprocess.run(["gpg", "--batch", *args], env=self.env, input=input, capture_output=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"gpg {' '.join(args)} failed:\n{proc.stderr.decode()}")
        return proc.stdout

    def new_key(self, email: str) -> "SigningKey":
        # RSA, as the public Terraform registry requires (it rejects ECC keys).
        self.gpg("--passphrase", "", "--quick-gen-key", f"Platform test release <{email}>", "rsa2048", "sign", "never")
        listing = self.gpg("--with-colons", "--list-secret-keys", email).decode()
        fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
        armor = self.gpg("--armor", "--export", fingerprint).decode()
        return SigningKey(fingerprint=fingerprint, key_id=fingerprint[-16:], ascii_armor=armor)

    def detach_sign(self, key: "SigningKey", data: bytes) -> bytes:
        return self.gpg("--local-user", key.fingerprint, "--detach-sign", "--output", "-", input=data)

    def close(self) -> None:
        subprocess.run(["gpgconf", "--kill", "all"], env=self.env, capture_output=True, timeout=30)


@dataclass(frozen=True)
class SigningKey:
    fingerprint: str
    key_id: str
    ascii_armor: str


@dataclass
class Release:
    """What `scripts/release.sh` wrote: file name -> bytes, and the SHA256SUMS entries."""

    version: str
    directory: Path
    key: SigningKey
    platforms: list[str]
    files: dict[str, bytes]
    sums: dict[str, str]
    output: str

    @property
    def prefix(self) -> str:
        return f"{NAME}_{self.version}"

    def zip_name(self, platform: str) -> str:
        return f"{self.prefix}_{platform}.zip"

    @property
    def sums_name(self) -> str:
        return f"{self.prefix}_SHA256SUMS"


def make_release(out: Path, gpg: GpgHome, key: SigningKey, platforms: list[str], profile: str) -> Release:
    """Runs scripts/release.sh (building the binary, a no-op when it is fresh)."""
    version = cargo_version()
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "release.sh"), version, "--gpg-key", key.fingerprint, "--out", str(out),
         "--platforms", ",".join(platforms), "--profile", profile],
        cwd=REPO, env=gpg.env, capture_output=True, text=True, timeout=3600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/release.sh failed (exit {proc.returncode}); {SETUP_HINT}\n{proc.stderr}")
    files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    sums = {}
    for line in files[f"{NAME}_{version}_SHA256SUMS"].decode().splitlines():
        digest, name = line.split()
        sums[name] = digest
    return Release(version, out, key, platforms, files, sums, proc.stderr)


def _cert(subject: str, issuer: x509.Name, public_key, signing_key, ca: bool, hosts: list[str]) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False), critical=True)
    else:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                                        critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def zh_hash(data: bytes) -> str:
    """Terraform's `zh:` hash: the SHA-256 of the zip archive, as SHA256SUMS lists it."""
    return "zh:" + hashlib.sha256(data).hexdigest()


def h1_hash(files: dict[str, bytes]) -> str:
    """Terraform's `h1:` hash of an unpacked package (Go's dirhash.Hash1): the
    SHA-256 of the lines `<sha256 hex>  <name>`, sorted by name, in base64."""
    lines = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    return "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()


def lock_file(host: str, version: str, hashes: set[str]) -> str:
    """A `.terraform.lock.hcl` as a team commits it."""
    listed = "".join(f'    "{h}",\n' for h in sorted(hashes))
    return (f'provider "{host}/{NAMESPACE}/{TYPE}" {{\n  version     = "{version}"\n'
            f'  constraints = "~> {version}"\n  hashes = [\n{listed}  ]\n}}\n')


@dataclass
class ReleaseServer:
    """HTTPS on loopback serving one release:

    - `/.well-known/terraform.json` and `/v1/providers/...`: the provider
      registry protocol (service discovery, versions, download with the
      signing keys);
    - `/mirror/<host>/<namespace>/<type>/index.json` and `<version>.json`:
      the provider network mirror protocol;
    - `/files/<name>`: the release files.
    """

    release: Release
    directory: Path
    files: dict[str, bytes] = field(default_factory=dict)
    signing_keys: list[SigningKey] = field(default_factory=list)
    shasum_override: str | None = None
    mirror_hash_override: str | None = None
    requests: list[str] = field(default_factory=list)
    port: int = 0
    ca_file: Path | None = None
    _server: ThreadingHTTPServer | None = None

    @classmethod
    def start(cls, release: Release, directory: Path) -> "ReleaseServer":
        server = cls(release, directory, files=dict(release.files), signing_keys=[release.key])
        server._serve()
        return server

    @property
    def base(self) -> str:
        return f"https://localhost:{self.port}"

    @property
    def registry_host(self) -> str:
        """The registry's host name for provider sources: `localhost:<port>`."""
        return f"localhost:{self.port}"

    def mirror_url(self) -> str:
        return f"{self.base}/mirror/"

    def _serve(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "platform test release CA")])
        ca = _cert("platform test release CA", ca_name, ca_key.public_key(), ca_key, ca=True, hosts=[])
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = _cert("localhost", ca_name, leaf_key.public_key(), ca_key, ca=False, hosts=["localhost", "127.0.0.1"])
        pem = lambda c: c.public_bytes(serialization.Encoding.PEM)  # noqa: E731
        self.ca_file = self.directory / "ca.pem"
        self.ca_file.write_bytes(pem(ca))
        chain = self.directory / "chain.pem"
        chain.write_bytes(pem(leaf) + pem(ca))
        key_file = self.directory / "key.pem"
        key_file.write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                status, body, kind = outer._answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(chain), str(key_file))
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self._server = httpd
        self.port = httpd.server_address[1]

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # The protocols.
    def _answer(self, path: str) -> tuple[int, bytes, str]:
        rel = self.release
        as_json = lambda doc: (200, json.dumps(doc).encode(), "application/json")  # noqa: E731
        provider = f"{NAMESPACE}/{TYPE}"
        if path == "/.well-known/terraform.json":
            return as_json({"providers.v1": "/v1/providers/"})
        if path == f"/v1/providers/{provider}/versions":
            platforms = [dict(zip(("os", "arch"), p.split("_"))) for p in rel.platforms]
            return as_json({"versions": [{"version": rel.version, "protocols": ["6.0"], "platforms": platforms}]})
        m = re.fullmatch(rf"/v1/providers/{provider}/([^/]+)/download/([^/]+)/([^/]+)", path)
        if m and m.group(1) == rel.version and f"{m.group(2)}_{m.group(3)}" in rel.platforms:
            platform = f"{m.group(2)}_{m.group(3)}"
            zip_name = rel.zip_name(platform)
            return as_json({
                "protocols": ["6.0"], "os": m.group(2), "arch": m.group(3), "filename": zip_name,
                "download_url": f"{self.base}/files/{zip_name}",
                "shasums_url": f"{self.base}/files/{rel.sums_name}",
                "shasums_signature_url": f"{self.base}/files/{rel.sums_name}.sig",
                "shasum": self.shasum_override or rel.sums[zip_name],
                "signing_keys": {"gpg_public_keys": [
                    {"key_id": k.key_id, "ascii_armor": k.ascii_armor} for k in self.signing_keys]},
            })
        m = re.fullmatch(rf"/mirror/([^/]+)/{provider}/(index|[^/]+)\.json", path)
        if m:
            if m.group(2) == "index":
                return as_json({"versions": {rel.version: {}}})
            if m.group(2) == rel.version:
                return as_json({"archives": {
                    p: {"url": f"{self.base}/files/{rel.zip_name(p)}",
                        "hashes": [self.mirror_hash_override or f"zh:{rel.sums[rel.zip_name(p)]}"]}
                    for p in rel.platforms}})
        m = re.fullmatch(r"/files/([^/]+)", path)
        if m and m.group(1) in self.files:
            return 200, self.files[m.group(1)], "application/octet-stream"
        return 404, b'{"errors":["not found"]}', "application/json"


def cli_config(path: Path, installation: str) -> Path:
    """A CLI configuration with the given `provider_installation` body and no dev_overrides."""
    path.write_text(f"provider_installation {{\n{installation}\n}}\n")
    return path


def lock_hashes(lock_file: Path) -> list[str]:
    """The `hashes` of the platform provider in a `.terraform.lock.hcl`."""
    text = lock_file.read_text()
    m = re.search(r'provider "[^"]*platform-rs/platform" \{(.*?)\n\}', text, re.S)
    assert m, f"no platform-rs/platform in {lock_file}:\n{text}"
    h = re.search(r"hashes = \[(.*?)\]", m.group(1), re.S)
    assert h, f"no hashes in {lock_file}:\n{text}"
    return re.findall(r'"([^"]+)"', h.group(1))


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True)
