"""The HCL modules under modules/ and the examples that use them.

CI's module checks (issue 14):
- `terraform fmt -check -recursive` over modules/ and examples/;
- `terraform init` and `terraform validate` of every module, every module's
  example (modules/*/examples/*) and every example under examples/ that calls
  a module (examples/** without modules are validated by test_examples.py,
  without init);
- `terraform test` in every module (tests/*.tftest.hcl, mocked provider);
- the module READMEs' generated Inputs/Outputs are current
  (scripts/module-docs.py --check).
The provider comes from `dev_overrides`, as in every acceptance case; `init`
only installs the local modules (nothing is downloaded). Terraform's working
data goes to a temporary TF_DATA_DIR, so the repository stays clean.

Then one acceptance case per module against the emulators: apply, an empty
plan, destroy, and nothing left.
"""
from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from platform_acc.terraform import REPO, Result, Workspace, cli_path

MODULES = sorted(p.parent for p in (REPO / "modules").glob("*/versions.tf"))
MODULE_EXAMPLES = sorted({p.parent for p in (REPO / "modules").glob("*/examples/*/*.tf")})
USES_MODULE = re.compile(r'^\s*module\s+"', re.M)


def calls_a_module(directory: Path) -> bool:
    return any(USES_MODULE.search(tf.read_text()) for tf in directory.glob("*.tf"))


ROOT_EXAMPLES = sorted({p.parent for p in (REPO / "examples").glob("**/*.tf") if calls_a_module(p.parent)})
CONFIGS = MODULES + MODULE_EXAMPLES + ROOT_EXAMPLES


@pytest.fixture
def offline_env(cli_config, terraform_cli, tmp_path) -> dict[str, str]:
    """Terraform's environment for checks that need no emulator: no AWS or
    Spacelift credentials at all, so nothing can reach a real API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_", "SPACELIFT_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config),
        TF_DATA_DIR=str(tmp_path / "tf-data"),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def terraform(directory: Path, env: dict[str, str], *args: str) -> Result:
    proc = subprocess.run([cli_path(), *args], cwd=directory, env=env, capture_output=True, text=True, timeout=300)
    return Result(list(args), proc.returncode, proc.stdout, proc.stderr)


def test_every_module_has_the_layout():
    assert MODULES, "no modules under modules/"
    for module in MODULES:
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
            assert (module / name).exists(), f"{module.relative_to(REPO)} lacks {name}"
        assert list(module.glob("tests/*.tftest.hcl")), f"{module.relative_to(REPO)} has no tests/*.tftest.hcl"
        assert list(module.glob("examples/*/main.tf")), f"{module.relative_to(REPO)} has no examples/<name>/main.tf"
        assert 'mock_provider "platform"' in "".join(t.read_text() for t in module.glob("tests/*.tftest.hcl"))
        versions = (module / "versions.tf").read_text()
        # Pinned to the provider's own version (provider/Cargo.toml, the CHANGELOG's).
        version = re.search(r'^version = "([^"]+)"', (REPO / "provider" / "Cargo.toml").read_text(), re.M)[1]
        major_minor = ".".join(version.split(".")[:2])
        assert f'version = "~> {major_minor}.0"' in versions, f"{module.relative_to(REPO)}/versions.tf must pin ~> {major_minor}.0"
        assert "required_version" in versions


def test_fmt(offline_env):
    for tree in ("modules", "examples"):
        result = terraform(REPO / tree, offline_env, "fmt", "-check", "-recursive", "-diff", "-no-color")
        assert result.code == 0, f"run `terraform fmt -recursive {tree}`:\n{result.output}"


def test_module_readmes_are_current():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "module-docs.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("config", CONFIGS, ids=[str(p.relative_to(REPO)) for p in CONFIGS])
def test_validate(offline_env, config):
    """init (local modules only) + validate; for a module also `terraform test`."""
    result = terraform(config, offline_env, "init", "-backend=false", "-input=false", "-no-color")
    assert result.code == 0, result.output
    result = terraform(config, offline_env, "validate", "-no-color")
    assert result.code == 0 and "Success! The configuration is valid" in result.stdout, result.output
    if config in MODULES:
        result = terraform(config, offline_env, "test", "-no-color")
        assert result.code == 0, result.output
        passed = re.search(r"Success! (\d+) passed, 0 failed", result.stdout)
        assert passed and int(passed[1]) > 0, result.output


# ---- acceptance: one case per module against the emulators -------------------------


def module_source(name: str) -> str:
    return str(REPO / "modules" / name)


def init(ws: Workspace) -> None:
    ws.run("init", "-backend=false", "-input=false", "-no-color")


SEAL = 'seal "awskms" {\n  region     = "eu-west-1"\n  kms_key_id = "0123abcd"\n}\n'


def test_spacelift_platform_context(workspace, spacelift_env, spacelift):
    """The context publishes the cluster outputs (one as a secret), mounts the
    seal stanza (unknown until apply, as when the cluster stack makes the seal
    in the same run), attaches to the stack, plans empty and leaves nothing."""
    workspace.env = spacelift_env
    workspace.write(f'''
    provider "platform" {{}}

    # Stands for a value only known after apply (the seal stanza of a seal
    # made in the same run).
    resource "terraform_data" "seal" {{
      input = {json.dumps(SEAL)}
    }}

    module "context" {{
      source = "{module_source("spacelift-platform-context")}"

      name                               = "Platform outputs"
      cluster_name                       = "main"
      cluster_endpoint                   = "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com"
      cluster_certificate_authority_data = "LS0tLS1CRUdJTi1DRVJU"
      oidc_provider_arn                  = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
      storage_class_name                 = "ebs-encrypted"
      secret_outputs                     = ["cluster_certificate_authority_data"]
      vault_seal_stanza                  = terraform_data.seal.output
      stack_ids                          = ["downstream"]
    }}

    output "context_id" {{
      value = module.context.context_id
    }}
    ''')
    init(workspace)
    workspace.apply_clean()
    context_id = workspace.outputs()["context_id"]
    assert context_id == "platform-outputs"
    ctx = spacelift.contexts[context_id]
    cfg = ctx["config"]
    assert {k: (v["value"], v["writeOnly"]) for k, v in cfg.items() if v["type"] == "ENVIRONMENT_VARIABLE" and not v["writeOnly"]} == {
        "TF_VAR_cluster_name": ("main", False),
        "TF_VAR_cluster_endpoint": ("https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com", False),
        "TF_VAR_oidc_provider_arn": ("arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE", False),
        "TF_VAR_storage_class_name": ("ebs-encrypted", False),
    }
    assert cfg["TF_VAR_cluster_certificate_authority_data"]["writeOnly"] is True
    seal = cfg["platform/vault-seal.hcl"]
    assert seal["type"] == "FILE_MOUNT" and seal["writeOnly"] is False
    assert base64.b64decode(seal["value"]).decode() == SEAL
    assert [a["stackId"] for a in ctx["attachments"].values()] == ["downstream"]
    workspace.destroy()
    assert spacelift.contexts == {}
