"""The README's demo: apply the EKS stack of examples/resources/platform_eks_node_group
(a cluster with its role, secrets key and OIDC provider, three node groups, and an
IRSA role) through real Terraform against the local AWS emulator, print the
outputs, show that a second plan has no changes, destroy, check that nothing
is left, and stop the emulator.

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

from platform_acc import aws
from platform_acc.emulator import Emulator
from platform_acc.terraform import REPO, Workspace, write_cli_config

EXAMPLE = REPO / "examples" / "resources" / "platform_eks_node_group" / "resource.tf"


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def show(result) -> None:
    print(result.stdout.rstrip(), flush=True)


def main() -> int:
    started = time.monotonic()
    target = Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache/terraform-provider-platform/target")
    provider_dir = target / "debug"
    if not (provider_dir / "terraform-provider-platform").exists():
        print(f"no provider binary in {provider_dir}; run: bash scripts/setup.sh", file=sys.stderr)
        return 1

    step("starting the local AWS emulator (moto) on a random loopback port")
    emulator = Emulator.start()
    work = Path(tempfile.mkdtemp(prefix="platform-demo-"))
    try:
        print(f"emulator at {emulator.url}")
        iam = aws.client("iam", emulator.url)
        eks = aws.client("eks", emulator.url)
        network = aws.create_network(emulator.url)
        print(f"created VPC {network['vpc_id']} with subnets {', '.join(network['subnet_ids'])}")
        roles_before = {r["RoleName"] for r in iam.list_roles()["Roles"]}

        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        env.update(
            TF_CLI_CONFIG_FILE=str(write_cli_config(work / "terraformrc", provider_dir)),
            TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
            AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION=aws.REGION, AWS_ENDPOINT_URL=emulator.url,
            AWS_EC2_METADATA_DISABLED="true",
            TF_VAR_subnet_ids=json.dumps(network["subnet_ids"]),
        )
        ws = Workspace(work / "example", env)
        shutil.copy(EXAMPLE, ws.dir / "main.tf")

        step(f"terraform apply ({EXAMPLE.relative_to(REPO)})")
        show(ws.apply())

        step("terraform output")
        show(ws.run("output", "-no-color"))

        step("terraform plan -detailed-exitcode (a second plan must have no changes)")
        plan = ws.plan()
        show(plan)
        if plan.code != 0:
            print(f"FAILED: the second plan exited {plan.code}, expected 0", file=sys.stderr)
            return 1

        step("terraform destroy")
        show(ws.destroy())
        left = {
            "clusters": eks.list_clusters()["clusters"],
            "roles": sorted({r["RoleName"] for r in iam.list_roles()["Roles"]} - roles_before),
            "OIDC providers": iam.list_open_id_connect_providers()["OpenIDConnectProviderList"],
        }
        if any(left.values()):
            print(f"FAILED: destroy left {left}", file=sys.stderr)
            return 1
        print("nothing left: no cluster, node group, role or OIDC provider (the KMS key is pending deletion)")
    finally:
        step("stopping the emulator")
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\ndemo finished in {time.monotonic() - started:.1f}s: applied, planned empty (exit 0), destroyed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
