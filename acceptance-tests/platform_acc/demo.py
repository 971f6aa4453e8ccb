"""The README's demo: `examples/complete` (the three modules composed: a
cluster with a tainted system node group and a workers node group, the core
add-ons, EBS storage, a Vault seal, controller roles with external-dns and
cert-manager in a second AWS account through an aliased provider, and a
Spacelift context attached to a downstream stack) applied through real
Terraform against the local emulators: moto with two accounts, and the
Spacelift fake.

It prints what a platform engineer needs next (the kubeconfig command, the
StorageClass, the seal stanza, the context id), shows that a second
`plan -detailed-exitcode` exits 0, destroys, checks that nothing is left in
either account or in Spacelift, and says how long each phase took and how many
objects the apply made.

Run through `bash scripts/demo.sh`, which builds everything first.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from platform_acc import aws, complete
from platform_acc.emulator import Emulator
from platform_acc.spacelift_fake import SpaceliftFake
from platform_acc.terraform import REPO, Workspace, write_cli_config

API_KEY_ID, API_KEY_SECRET = "01DEMOKEY", "demo-key-secret"


class Phases:
    """Times each phase, for the summary at the end."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []
        self._name: str | None = None
        self._start = 0.0

    def step(self, name: str, text: str) -> None:
        self.end()
        self._name, self._start = name, time.monotonic()
        print(f"\n==> {text}", flush=True)

    def end(self) -> None:
        if self._name is not None:
            self.times.append((self._name, time.monotonic() - self._start))
            self._name = None


def show(text: str) -> None:
    print(text.rstrip(), flush=True)


def next_steps(outputs: dict) -> str:
    """What a platform engineer does with the outputs, in the order they need it."""
    roles = "\n".join(f"  {key:30} {arn}" for key, arn in sorted(outputs["controller_role_arns"].items()))
    attached = ", ".join(sorted(outputs["spacelift_attachments"]))
    return (
        f"Reach the cluster (as one of cluster_admin_arns):\n  {outputs['update_kubeconfig_command']}\n\n"
        f"The default StorageClass `{outputs['storage_class_name']}` (kubectl apply -f -):\n"
        f"{indent(outputs['storage_class_manifest'])}\n\n"
        f"Vault's seal stanza (also mounted in the Spacelift context):\n{indent(outputs['vault_seal_stanza'])}\n\n"
        f"The controllers' roles (service account annotation eks.amazonaws.com/role-arn):\n{roles}\n\n"
        f"The Spacelift context `{outputs['spacelift_context_id']}`, attached to: {attached}"
    )


def indent(text: str) -> str:
    return "\n".join("  " + line for line in text.rstrip().splitlines())


class DemoFailed(Exception):
    pass


def run(emulator_url: str, spacelift, provider_dir: Path, work: Path, phases: Phases, name: str = "platform",
        extra_env: dict[str, str] | None = None, after_apply=None, network: dict | None = None) -> dict:
    """The demo's flow against running emulators (`spacelift`: a SpaceliftFake
    with the key API_KEY_ID): prerequisites, apply, what to do next, a second
    plan, destroy, nothing left. `after_apply(ws, made)` runs after the apply
    (the acceptance case's checks); `network` an existing VPC (a new one when
    None). Raises DemoFailed; returns
    {"resources": [...], "made": [...]}."""
    phases.step("prepare", "the prerequisites, as a platform team has them before its first apply; terraform get")
    variables = complete.prerequisites(emulator_url, spacelift, name, network)
    print(f"  subnets {', '.join(json.loads(variables['TF_VAR_subnet_ids']))} (cluster account {aws.ACCOUNT_ID})")
    print(f"  the admins' role {json.loads(variables['TF_VAR_cluster_admin_arns'])[0]}")
    print(f"  the deployer role in the DNS account: {variables['TF_VAR_dns_account_role_arn']}")
    print(f"  the Spacelift stack `{complete.DOWNSTREAM_STACK}`")
    before = complete.inventory(emulator_url, spacelift)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_", "SPACELIFT_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(write_cli_config(work / "terraformrc", provider_dir)),
        TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=aws.REGION, AWS_ENDPOINT_URL=emulator_url,
        AWS_CONFIG_FILE=str(work / "no-aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(work / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        SPACELIFT_API_KEY_ENDPOINT=spacelift.base_url,
        SPACELIFT_API_KEY_ID=API_KEY_ID, SPACELIFT_API_KEY_SECRET=API_KEY_SECRET,
        **variables, **(extra_env or {}),
    )
    ws = Workspace(complete.copy_example(work), env)
    complete.install_modules(ws)

    phases.step("apply", f"terraform apply ({complete.EXAMPLE.relative_to(REPO)})")
    applied = ws.apply()
    done = applied.stdout.rfind("Apply complete!")
    show(applied.stdout[done:].split("\nOutputs:", 1)[0] if done >= 0 else applied.stdout)
    resources = complete.terraform_resources(ws)
    made = sorted(complete.inventory(emulator_url, spacelift) - before)
    print(f"{len(resources)} Terraform resources made {len(made)} objects ({complete.breakdown(made)}):")
    for what in made:
        print(f"  {what}")
    print("\nWhat a platform engineer needs next:")
    show(next_steps(ws.outputs()))
    if after_apply is not None:
        after_apply(ws, made)

    phases.step("plan", "terraform plan -detailed-exitcode (a second plan must have no changes)")
    plan = ws.plan()
    print(f"exit code {plan.code}")
    if plan.code != 0:
        raise DemoFailed(f"the second plan exited {plan.code}, expected 0:\n{plan.output}")
    show(plan.stdout.strip().splitlines()[-1])

    phases.step("destroy", "terraform destroy")
    show(ws.destroy().stdout.strip().splitlines()[-1])

    phases.step("check", "checking that nothing is left, in both accounts and in Spacelift")
    left = sorted(complete.inventory(emulator_url, spacelift) - before)
    if left:
        raise DemoFailed("destroy left:\n  " + "\n  ".join(left))
    keys = sum(" kms key " in what for what in made)
    print(f"nothing left of the {len(made)} objects ({keys} KMS keys are pending deletion, the nearest to gone KMS allows)")
    phases.end()
    return {"resources": resources, "made": made, "breakdown": complete.breakdown(made)}


def main() -> int:
    started = time.monotonic()
    target = Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache/terraform-provider-platform/target")
    provider_dir = target / "debug"
    if not (provider_dir / "terraform-provider-platform").exists():
        print(f"no provider binary in {provider_dir}; run: bash scripts/setup.sh", file=sys.stderr)
        return 1

    phases = Phases()
    phases.step("emulators", "starting the emulators: moto (two AWS accounts) and the Spacelift fake, on random loopback ports")
    # Short EKS status transitions (CREATING -> ACTIVE...), as in the tests.
    os.environ.setdefault("PLATFORM_EKS_DELAY_SECONDS", "0.3")
    emulator = Emulator.start()
    spacelift = SpaceliftFake.start()
    spacelift.add_api_key(API_KEY_ID, API_KEY_SECRET)
    work = Path(tempfile.mkdtemp(prefix="platform-demo-"))
    try:
        print(f"AWS emulator at {emulator.url}, Spacelift fake at {spacelift.base_url}")
        summary = run(emulator.url, spacelift, provider_dir, work, phases)
    except Exception as err:  # noqa: BLE001 - the demo reports any failure and exits 1
        print(f"\nFAILED: {err}", file=sys.stderr)
        return 1
    finally:
        phases.step("stop", "stopping the emulators")
        emulator.stop()
        spacelift.stop()
        shutil.rmtree(work, ignore_errors=True)
        phases.end()
    total = time.monotonic() - started
    print("\nphase        seconds")
    for name, seconds in phases.times:
        print(f"{name:12} {seconds:7.1f}")
    print(f"{'total':12} {total:7.1f}")
    print(f"\ndemo finished in {total:.1f}s: applied {len(summary['resources'])} Terraform resources, which made "
          f"{len(summary['made'])} objects ({summary['breakdown']}); planned empty (exit 0); destroyed; nothing left.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
