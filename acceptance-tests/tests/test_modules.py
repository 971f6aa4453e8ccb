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
The provider is installed as a user without the registry installs it: `init`
takes it from a filesystem mirror (unpacked layout) holding the build under
test, with no `dev_overrides` (under them Terraform 1.11's `init` still asks
the registry to resolve the version constraint, and fails offline; 1.15 skips
that query). So the same checks pass on every CLI the suite is pointed at.
Nothing is downloaded. The configurations are checked in a copy of modules/
and examples/ (init writes a lock file beside them) with a temporary
TF_DATA_DIR, so the repository stays clean.

Then one acceptance case per module against the emulators: apply, an empty
plan, destroy, and nothing left.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from platform_acc.terraform import PROVIDER_SOURCE, REPO, TOFU_PROVIDER_SOURCE, Result, Workspace, cli_path

MODULES = sorted(p.parent for p in (REPO / "modules").glob("*/versions.tf"))
MODULE_EXAMPLES = sorted({p.parent for p in (REPO / "modules").glob("*/examples/*/*.tf")})
USES_MODULE = re.compile(r'^\s*module\s+"', re.M)


def calls_a_module(directory: Path) -> bool:
    return any(USES_MODULE.search(tf.read_text()) for tf in directory.glob("*.tf"))


ROOT_EXAMPLES = sorted({p.parent for p in (REPO / "examples").glob("**/*.tf") if calls_a_module(p.parent)})
CONFIGS = MODULES + MODULE_EXAMPLES + ROOT_EXAMPLES


def provider_version() -> str:
    return re.search(r'^version = "([^"]+)"', (REPO / "provider" / "Cargo.toml").read_text(), re.M)[1]


@pytest.fixture(scope="session")
def mirror_cli_config(tmp_path_factory, provider_dir) -> Path:
    """A CLI configuration that installs the provider from a filesystem
    mirror (unpacked layout: `<host>/<namespace>/<type>/<version>/<os_arch>/`)
    whose package is the binary under test, and nothing from anywhere else."""
    root = tmp_path_factory.mktemp("mirror")
    sources = (PROVIDER_SOURCE, TOFU_PROVIDER_SOURCE)
    for source in sources:
        package = root / source / provider_version() / "linux_amd64"
        package.mkdir(parents=True)
        (package / f"terraform-provider-platform_v{provider_version()}").symlink_to(provider_dir / "terraform-provider-platform")
    listed = ", ".join(f'"{s}"' for s in sources)
    config = root / "terraformrc"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{root}"\n    include = [{listed}]\n  }}\n'
        f"  direct {{\n    exclude = [{listed}]\n  }}\n"
        "}\n"
    )
    return config


def copy_configs(root: Path, config: Path) -> Path:
    """Copies modules/ and examples/ into `root`, keeping their relative paths
    (`../../modules/...`); returns the copy of `config`."""
    for tree in ("modules", "examples"):
        shutil.copytree(REPO / tree, root / tree, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return root / config.relative_to(REPO)


@pytest.fixture
def offline_env(mirror_cli_config, terraform_cli, tmp_path) -> dict[str, str]:
    """Terraform's environment for checks that need no emulator: no AWS or
    Spacelift credentials at all, so nothing can reach a real API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_", "SPACELIFT_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(mirror_cli_config),
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
def test_validate(offline_env, config, tmp_path):
    """init (the provider from the mirror, the local modules) + validate; for a
    module also `terraform test`."""
    config = copy_configs(tmp_path / "repo", config)
    result = terraform(config, offline_env, "init", "-backend=false", "-input=false", "-no-color")
    assert result.code == 0, result.output
    assert "platform-rs/platform" in (config / ".terraform.lock.hcl").read_text(), "init did not install the provider"
    assert result.code == 0, result.output
    result = terraform(config, offline_env, "validate", "-no-color")
    assert result.code == 0 and "Success! The configuration is valid" in result.stdout, result.output
    if config in MODULES:
        result = terraform(config, offline_env, "test", "-no-color")
        assert result.code == 0, result.output
        passed = re.search(r"Success! (\d+) passed, 0 failed", result.stdout)
        assert passed and int(passed[1]) > 0, result.output


# ---- acceptance: one case per module against the emulators -------------------------


def module_source(ws: Workspace, name: str) -> str:
    """A local path (`../...`): an absolute one would be a package, copied
    alone, and eks-platform's `../controller-roles` would escape it."""
    return os.path.relpath(REPO / "modules" / name, ws.dir)


def init(ws: Workspace, mirror_cli_config: Path) -> None:
    """`init` as a user without the registry runs it: the provider from the
    filesystem mirror (no dev_overrides from here on), the local modules."""
    ws.env = {**ws.env, "TF_CLI_CONFIG_FILE": str(mirror_cli_config)}
    ws.run("init", "-backend=false", "-input=false", "-no-color")


SEAL = 'seal "awskms" {\n  region     = "eu-west-1"\n  kms_key_id = "0123abcd"\n}\n'


def test_spacelift_platform_context(workspace, spacelift_env, spacelift, mirror_cli_config):
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
      source = "{module_source(workspace, "spacelift-platform-context")}"

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
    init(workspace, mirror_cli_config)
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


PRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def semantic(doc: str) -> dict:
    return json.loads(doc)


def test_controller_roles(workspace, iam, unique, mirror_cli_config):
    """Roles in "another account": the module copies the cluster's OIDC provider
    into the account of the provider it is given and makes a role per
    controller with the data source's policy; plans empty; destroy leaves
    neither roles nor the copy."""
    issuer = f"oidc.eks.us-east-1.amazonaws.com/id/{unique.upper()}"
    roles_before = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    providers_before = {p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]}
    workspace.write(f'''
    provider "platform" {{
      alias = "dns"
    }}

    module "dns_roles" {{
      source    = "{module_source(workspace, "controller-roles")}"
      providers = {{ platform = platform.dns }}

      create_oidc_provider = true
      oidc_issuer_url      = "https://{issuer}"
      oidc_thumbprints     = ["{PRINT}"]
      cluster_name         = "main-{unique}"
      role_name_prefix     = "{unique}-"

      controllers = {{
        external_dns       = {{ hosted_zone_arns = ["arn:aws:route53:::hostedzone/Z{unique.upper()}"] }}
        cluster_autoscaler = {{}}
      }}
    }}

    output "roles" {{
      value = module.dns_roles.roles
    }}

    output "policies" {{
      value = module.dns_roles.policies
    }}

    output "oidc_provider_arn" {{
      value = module.dns_roles.oidc_provider_arn
    }}
    ''')
    init(workspace, mirror_cli_config)
    workspace.apply_clean()
    out = workspace.outputs()
    provider_arn = out["oidc_provider_arn"]
    assert provider_arn.endswith(f":oidc-provider/{issuer}") and provider_arn not in providers_before
    assert {k: v["name"] for k, v in out["roles"].items()} == {
        "external_dns": f"{unique}-external-dns", "cluster_autoscaler": f"{unique}-cluster-autoscaler"}
    for key, role in out["roles"].items():
        name = role["name"]
        trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        trust = trust if isinstance(trust, dict) else json.loads(trust)
        [statement] = trust["Statement"]
        assert statement["Principal"]["Federated"] == provider_arn
        subjects = statement["Condition"]["StringEquals"][f"{issuer}:sub"]
        subjects = [subjects] if isinstance(subjects, str) else subjects
        assert sorted(subjects) == sorted(
            f"system:serviceaccount:{sa['namespace']}:{sa['name']}" for sa in role["service_accounts"])
        controller = role["controller"]
        [policy_name] = iam.list_role_policies(RoleName=name)["PolicyNames"]
        assert policy_name == controller
        remote = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
        remote = remote if isinstance(remote, dict) else json.loads(remote)
        assert remote == semantic(out["policies"][key]), f"{name}'s inline policy is the data source's document"
    assert f"Z{unique.upper()}" in out["policies"]["external_dns"]
    assert f"main-{unique}" in out["policies"]["cluster_autoscaler"]

    workspace.destroy()
    assert {r["RoleName"] for r in iam.list_roles()["Roles"]} == roles_before
    assert {p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]} == providers_before


def test_eks_platform(workspace, emulator, network, unique, mirror_cli_config):
    """The cluster stack: cluster with a declared admin and a namespace reader,
    the tainted system node group and one more, the core add-ons and the EBS
    CSI driver on its IRSA role, the default StorageClass's key, the Vault
    seal and a controller role; plans empty; destroy leaves nothing."""
    from platform_acc import aws
    from platform_acc.eks_helpers import ROLE_POLICY, checked_client

    eks = checked_client(emulator.url)
    iam, kms, asg = (aws.client(s, emulator.url) for s in ("iam", "kms", "autoscaling"))
    admin = iam.create_role(RoleName=f"admin-{unique}", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    reader = iam.create_role(RoleName=f"reader-{unique}", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    roles_before = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    providers_before = {p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]}
    name = f"mod-{unique}"
    workspace.write(f'''
    provider "platform" {{}}

    module "platform" {{
      source = "{module_source(workspace, "eks-platform")}"

      name               = "{name}"
      kubernetes_version = "1.33"
      subnet_ids         = {json.dumps(network["subnet_ids"])}
      oidc_thumbprints   = ["{PRINT}"]
      cluster_tags       = {{ "platform-emulator/delay-seconds" = "0.3" }}

      cluster_admins    = ["{admin}"]
      namespace_readers = {{ team_a = {{ principal_arn = "{reader}", namespaces = ["team-a", "team-b"] }} }}

      system_node_group = {{ min_size = 1, max_size = 2 }}
      node_groups = {{
        workers = {{ min_size = 0, max_size = 3, taints = [{{ key = "dedicated", value = "workers", effect = "NO_SCHEDULE" }}] }}
      }}

      vault_seal  = {{ deletion_window_in_days = 7 }}
      ebs_storage = {{ deletion_window_in_days = 7 }}
      controllers = {{ cluster_autoscaler = {{}} }}
    }}

    output "all" {{
      value = {{
        cluster_name       = module.platform.cluster_name
        storage_class_name = module.platform.storage_class_name
        ebs_csi_role_arn   = module.platform.ebs_csi_role_arn
        ebs_kms_alias_arn  = module.platform.ebs_kms_alias_arn
        vault_seal_stanza  = module.platform.vault_seal_stanza
        vault_kms_key_arn  = module.platform.vault_kms_key_arn
        controller_roles   = module.platform.controller_roles
        node_groups        = module.platform.node_groups
        addons             = module.platform.addons
        kubeconfig_command = module.platform.update_kubeconfig_command
      }}
    }}
    ''')
    init(workspace, mirror_cli_config)
    workspace.apply_clean()
    out = workspace.outputs()["all"]
    assert out["cluster_name"] == name and out["kubeconfig_command"] == f"aws eks update-kubeconfig --region {aws.REGION} --name {name}"
    cluster = eks.describe_cluster(name=name)["cluster"]
    assert cluster["accessConfig"]["authenticationMode"] == "API"
    # Admins are the declared ones; nobody got an entry for running apply.
    assert sorted(eks.list_access_entries(clusterName=name)["accessEntries"]) == sorted([admin, reader])
    [scope] = eks.list_associated_access_policies(clusterName=name, principalArn=reader)["associatedAccessPolicies"]
    assert scope["policyArn"].endswith("/AmazonEKSViewPolicy") and sorted(scope["accessScope"]["namespaces"]) == ["team-a", "team-b"]
    system = eks.describe_nodegroup(clusterName=name, nodegroupName="system")["nodegroup"]
    assert system["taints"] == [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}]
    assert sorted(out["node_groups"]) == ["system", "workers"]
    assert sorted(eks.list_addons(clusterName=name)["addons"]) == [
        "aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]
    ebs = eks.describe_addon(clusterName=name, addonName="aws-ebs-csi-driver")["addon"]
    assert ebs["serviceAccountRoleArn"] == out["ebs_csi_role_arn"]
    ebs_role = out["ebs_csi_role_arn"].rsplit("/", 1)[1]
    policies = iam.list_role_policies(RoleName=ebs_role)["PolicyNames"]
    assert "aws-ebs-csi-driver" in policies and len(policies) == 2, policies  # the controller's and the storage's
    driver = json.dumps(iam.get_role_policy(RoleName=ebs_role, PolicyName="aws-ebs-csi-driver")["PolicyDocument"])
    assert f"alias/{name}-ebs" in driver, "the driver's key rights are scoped to the storage key's alias"
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    assert {f"alias/{name}-ebs", f"alias/vault-{name}"} <= aliases
    assert 'seal "awskms"' in out["vault_seal_stanza"]
    assert out["controller_roles"]["cluster_autoscaler"]["name"] == f"{name}-cluster-autoscaler"
    groups = [g["name"] for n in ("system", "workers")
              for g in eks.describe_nodegroup(clusterName=name, nodegroupName=n)["nodegroup"]["resources"]["autoScalingGroups"]]

    workspace.destroy()
    assert name not in eks.list_clusters()["clusters"]
    assert {r["RoleName"] for r in iam.list_roles()["Roles"]} == roles_before
    assert {p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]} == providers_before
    assert not {f"alias/{name}-ebs", f"alias/vault-{name}"} & {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    assert kms.describe_key(KeyId=out["vault_kms_key_arn"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert not [g for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"] if g["AutoScalingGroupName"] in groups]
