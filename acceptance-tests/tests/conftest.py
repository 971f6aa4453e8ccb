"""Fixtures: the provider binary (built once), the emulator (one per test
process, on a random loopback port), and a Terraform workspace per test."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from platform_acc import aws  # noqa: E402
from platform_acc.emulator import Emulator  # noqa: E402
from platform_acc.terraform import REPO, Workspace, cli_path, write_cli_config  # noqa: E402

SETUP_HINT = "run: bash scripts/setup.sh"


def target_dir() -> Path:
    """Where scripts/setup.sh builds: $CARGO_TARGET_DIR, by default outside the clone."""
    env = os.environ.get("CARGO_TARGET_DIR")
    return Path(env) if env else Path.home() / ".cache" / "terraform-provider-platform" / "target"


@pytest.fixture(scope="session")
def provider_dir(tmp_path_factory) -> Path:
    """Builds the provider (a no-op when it is fresh) and returns the binary's directory."""
    if shutil.which("cargo") is None:
        pytest.fail(f"cargo is not installed; {SETUP_HINT}")
    proc = subprocess.run(
        ["cargo", "build", "--quiet", "--bin", "terraform-provider-platform"],
        cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "CARGO_TARGET_DIR": str(target_dir())},
    )
    if proc.returncode != 0:
        pytest.fail(f"building the provider failed (is protoc installed? {SETUP_HINT}):\n{proc.stderr}")
    binary = target_dir() / "debug" / "terraform-provider-platform"
    if not binary.exists():
        pytest.fail(f"no provider binary at {binary}")
    return binary.parent


@pytest.fixture(scope="session")
def terraform_cli() -> str:
    path = cli_path()
    if not (os.path.exists(path) or shutil.which(path)):
        pytest.fail(f"no Terraform CLI at {path}; {SETUP_HINT} or set TF_ACC_TERRAFORM_PATH")
    return path


@pytest.fixture(scope="session")
def emulator():
    try:
        emu = Emulator.start()
    except RuntimeError as err:
        pytest.fail(str(err))
    yield emu
    emu.stop()


@pytest.fixture(scope="session")
def cli_config(tmp_path_factory, provider_dir) -> Path:
    return write_cli_config(tmp_path_factory.mktemp("cli") / "terraformrc", provider_dir)


@pytest.fixture
def tf_env(emulator, cli_config, terraform_cli, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=aws.REGION,
        AWS_ENDPOINT_URL=emulator.url,
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    if os.environ.get("TF_LOG"):
        env["TF_LOG"] = os.environ["TF_LOG"]
    return env


@pytest.fixture
def workspace(tmp_path, tf_env) -> Workspace:
    return Workspace(tmp_path / "main", tf_env)


@pytest.fixture
def new_workspace(tmp_path, tf_env):
    """Makes further, empty workspaces (for import into an empty state)."""
    def make(name: str) -> Workspace:
        return Workspace(tmp_path / name, tf_env)
    return make


@pytest.fixture
def clients(emulator):
    """The emulator's EKS, IAM, KMS and EC2 clients (`clients.eks` ...) and its URL."""
    class Clients:
        eks = aws.client("eks", emulator.url)
        iam = aws.client("iam", emulator.url)
        kms = aws.client("kms", emulator.url)
        ec2 = aws.client("ec2", emulator.url)
        url = emulator.url
    return Clients


@pytest.fixture
def iam(emulator):
    return aws.client("iam", emulator.url)


@pytest.fixture(scope="session")
def network(emulator):
    """A VPC with two subnets in two availability zones in the emulator's EC2, for EKS clusters."""
    return aws.create_network(emulator.url)


@pytest.fixture
def tls_issuer(tmp_path):
    """A local HTTPS OIDC issuer with its own CA (see platform_acc.tls_issuer)."""
    from platform_acc.tls_issuer import TlsIssuer
    issuer = TlsIssuer.start(tmp_path)
    yield issuer
    issuer.stop()


@pytest.fixture
def unique():
    """A short unique suffix, so cases never collide in the shared emulator."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def fault_proxy(emulator):
    """A fault-injecting proxy in front of the emulator (see platform_acc.faults)."""
    from platform_acc.faults import FaultProxy
    proxy = FaultProxy(emulator.url)
    yield proxy
    proxy.close()


@pytest.fixture
def spacelift():
    """A fresh fake Spacelift on a random loopback port, with one API key and one stack."""
    from platform_acc.spacelift_fake import SpaceliftFake
    fake = SpaceliftFake.start()
    fake.add_api_key("01TESTKEY", "test-key-secret-do-not-log")
    fake.add_stack("downstream")
    yield fake
    fake.stop()


@pytest.fixture
def spacelift_env(tf_env, spacelift):
    """Terraform's environment with the API key in SPACELIFT_API_KEY_*."""
    tf_env.update(
        SPACELIFT_API_KEY_ENDPOINT=spacelift.base_url,
        SPACELIFT_API_KEY_ID="01TESTKEY",
        SPACELIFT_API_KEY_SECRET="test-key-secret-do-not-log",
    )
    return tf_env
