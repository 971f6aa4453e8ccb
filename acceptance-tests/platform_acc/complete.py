"""`examples/complete` against the emulators, shared by the README's demo
(`platform_acc.demo`) and its acceptance case (`tests/test_complete_example.py`).

- Two AWS accounts in one moto: the cluster's account is moto's default
  (`aws.ACCOUNT_ID`, the credentials `testing`), the DNS account is
  `DNS_ACCOUNT`. moto attributes a request to the account of the credentials
  it carries, and STS AssumeRole into `arn:aws:iam::<account>:role/...` hands
  out credentials of that account: the example's aliased provider
  (`assume_role { role_arn = var.dns_account_role_arn }`) lands there as it
  would on AWS, and `account_client` does the same for the checks.
- The prerequisites the example takes as inputs, made as a platform team has
  them before its first apply: a VPC with two subnets, the cluster admins'
  role, the deployer role in the DNS account, and the downstream stack in the
  Spacelift fake.
- `inventory`: every object the example can make, in both accounts and in the
  fake, so that the demo and the case count what an apply made and prove that
  the destroy left nothing.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import boto3

from platform_acc import aws
from platform_acc.terraform import REPO, Workspace

EXAMPLE = REPO / "examples" / "complete"
DNS_ACCOUNT = "210987654321"
DEPLOYER = "platform-deployer"
DOWNSTREAM_STACK = "apps-production"
HOSTED_ZONE_ID = "Z0123456789EXAMPLE"
TRUST_ACCOUNT_ROOT = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{aws.ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"}],
})


def account_client(service: str, endpoint: str, account: str):
    """A boto3 client working in `account`: the default credentials' account,
    or another one through STS AssumeRole, as the example's aliased provider."""
    if account == aws.ACCOUNT_ID:
        return aws.client(service, endpoint)
    creds = aws.client("sts", endpoint).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{DEPLOYER}", RoleSessionName="platform-checks")["Credentials"]
    return boto3.client(
        service, endpoint_url=endpoint, region_name=aws.REGION,
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def prerequisites(endpoint: str, spacelift, name: str, network: dict | None = None) -> dict[str, str]:
    """Makes what the example takes as inputs, and returns its `TF_VAR_*`
    environment. `spacelift` is a running `SpaceliftFake`; `network` an
    existing `aws.create_network` (a new one when None)."""
    network = network or aws.create_network(endpoint)
    iam = aws.client("iam", endpoint)
    admins = iam.create_role(RoleName=f"{name}-admins", AssumeRolePolicyDocument=TRUST_ACCOUNT_ROOT)["Role"]["Arn"]
    dns_iam = account_client("iam", endpoint, DNS_ACCOUNT)
    try:
        deployer = dns_iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=TRUST_ACCOUNT_ROOT)["Role"]["Arn"]
    except dns_iam.exceptions.EntityAlreadyExistsException:
        deployer = dns_iam.get_role(RoleName=DEPLOYER)["Role"]["Arn"]
    spacelift.add_stack(DOWNSTREAM_STACK)
    variables = {
        "name": name,
        "region": aws.REGION,
        "subnet_ids": network["subnet_ids"],
        "cluster_admin_arns": [admins],
        "dns_account_role_arn": deployer,
        "hosted_zone_ids": [HOSTED_ZONE_ID],
        "downstream_stack_ids": [DOWNSTREAM_STACK],
    }
    return {f"TF_VAR_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in variables.items()}


def copy_example(root: Path) -> Path:
    """Copies examples/complete and the modules it calls into `root`, keeping
    their relative paths (`../../modules/...`); returns the example's copy."""
    shutil.copytree(REPO / "modules", root / "modules", ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    shutil.copytree(EXAMPLE, root / "examples" / "complete", ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return root / "examples" / "complete"


def install_modules(ws: Workspace) -> None:
    """`terraform get`: installs the local modules (the provider comes from
    dev_overrides, so no `init` is needed for it)."""
    ws.run("get", "-no-color")


def _account_objects(endpoint: str, account: str) -> set[str]:
    iam = account_client("iam", endpoint, account)
    kms = account_client("kms", endpoint, account)
    eks = account_client("eks", endpoint, account)
    asg = account_client("autoscaling", endpoint, account)
    found = {f"iam role {r['RoleName']}" for p in iam.get_paginator("list_roles").paginate() for r in p["Roles"]}
    found |= {f"iam policy {p['PolicyName']}" for page in iam.get_paginator("list_policies").paginate(Scope="Local")
              for p in page["Policies"]}
    found |= {f"iam OIDC provider {p['Arn'].split('/', 1)[1]}"
              for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]}
    for page in kms.get_paginator("list_keys").paginate():
        for key in page["Keys"]:
            state = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"]
            if state != "PendingDeletion":  # scheduled for deletion is as gone as KMS allows
                found.add(f"kms key {key['KeyId']}")
    found |= {f"kms alias {a['AliasName']}" for page in kms.get_paginator("list_aliases").paginate()
              for a in page["Aliases"] if not a["AliasName"].startswith("alias/aws/")}
    for cluster in eks.list_clusters()["clusters"]:
        found.add(f"eks cluster {cluster}")
        found |= {f"eks node group {cluster}/{n}" for n in eks.list_nodegroups(clusterName=cluster)["nodegroups"]}
        found |= {f"eks add-on {cluster}/{a}" for a in eks.list_addons(clusterName=cluster)["addons"]}
        found |= {f"eks access entry {cluster}/{e}" for e in eks.list_access_entries(clusterName=cluster)["accessEntries"]}
        found |= {f"eks pod identity association {cluster}/{a['associationId']}"
                  for a in eks.list_pod_identity_associations(clusterName=cluster)["associations"]}
    found |= {f"auto scaling group {g['AutoScalingGroupName']}"
              for page in asg.get_paginator("describe_auto_scaling_groups").paginate() for g in page["AutoScalingGroups"]}
    return {f"{account} {what}" for what in found}


def inventory(endpoint: str, spacelift) -> set[str]:
    """Every object of the kinds the example makes, in both accounts and in
    the Spacelift fake, one string each ("<account> iam role x", "spacelift
    context y"...). Compare two inventories to see what an apply made or a
    destroy left."""
    found = _account_objects(endpoint, aws.ACCOUNT_ID) | _account_objects(endpoint, DNS_ACCOUNT)
    for ctx_id in list(spacelift.contexts):
        ctx = spacelift.snapshot(ctx_id)
        if ctx is None:
            continue
        found.add(f"spacelift context {ctx_id}")
        found |= {f"spacelift context {ctx_id} variable/file {e}" for e in ctx.get("config", {})}
        found |= {f"spacelift attachment {ctx_id} -> {a['stackId']}" for a in ctx.get("attachments", {}).values()}
    return found


def breakdown(objects: list[str]) -> str:
    """Where the objects of an inventory difference are, in one line."""
    cluster = sum(o.startswith(f"{aws.ACCOUNT_ID} ") for o in objects)
    dns = sum(o.startswith(f"{DNS_ACCOUNT} ") for o in objects)
    contexts = sum(o.startswith("spacelift context ") and " variable/file " not in o for o in objects)
    elements = sum(" variable/file " in o for o in objects)
    attachments = sum(o.startswith("spacelift attachment ") for o in objects)
    return (f"{cluster} in the cluster's account, {dns} in the DNS account; in Spacelift {contexts} context(s) "
            f"with {elements} variables and files, {attachments} attachment(s)")


def terraform_resources(ws: Workspace) -> list[str]:
    """The managed resources in state, in every module (`terraform state list`
    without the data sources)."""
    listed = ws.run("state", "list", "-no-color").stdout.split()
    return [a for a in listed if not (a.startswith("data.") or ".data." in a)]
