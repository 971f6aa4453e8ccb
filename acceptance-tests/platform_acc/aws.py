"""boto3 clients against the emulator, for out-of-band changes and checks."""
from __future__ import annotations

import time

import boto3
from botocore.config import Config

ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"


def client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 2}),
    )


def role_exists(iam, name: str) -> bool:
    try:
        iam.get_role(RoleName=name)
        return True
    except iam.exceptions.NoSuchEntityException:
        return False


def delete_role(iam, name: str) -> None:
    """Deletes a role as someone in the console would: its policies, then the role."""
    for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    iam.delete_role(RoleName=name)


def alias_target(kms, alias: str) -> str | None:
    """The key `alias` points at, or None when there is no such alias. Pages
    through ListAliases (the emulator pages it as KMS does, 50 a page)."""
    for page in kms.get_paginator("list_aliases").paginate():
        for entry in page["Aliases"]:
            if entry["AliasName"] == alias:
                return entry.get("TargetKeyId")
    return None


def create_oidc_provider(iam, issuer_host_path: str) -> str:
    """An IAM OIDC provider for `issuer_host_path` (no scheme); returns its ARN."""
    out = iam.create_open_id_connect_provider(
        Url=f"https://{issuer_host_path}",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    )
    return out["OpenIDConnectProviderArn"]


def create_network(endpoint: str) -> dict:
    """A VPC with two subnets in different availability zones, as an EKS
    cluster needs: {"vpc_id": ..., "subnet_ids": [...]}."""
    ec2 = client("ec2", endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    return {"vpc_id": vpc, "subnet_ids": subnets}


def wait_update(eks, cluster: str, update_id: str, nodegroup: str | None = None, timeout: float = 30.0) -> None:
    """Waits until an EKS update is no longer InProgress, and requires Successful."""
    kwargs = {"nodegroupName": nodegroup} if nodegroup else {}
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = eks.describe_update(name=cluster, updateId=update_id, **kwargs)["update"]["status"]
        if status != "InProgress":
            assert status == "Successful", f"update {update_id} ended {status}"
            return
        time.sleep(0.2)
    raise AssertionError(f"update {update_id} did not finish within {timeout}s")
