"""Shared EKS helpers for the acceptance cases: botocore's EKS model check of
emulator responses (`check_shape`, `checked_client`), and a cluster made
outside Terraform (`make_cluster`)."""
from __future__ import annotations

import json
import re
import time

import botocore.session

from platform_acc import aws

MODEL = botocore.session.get_session().get_service_model("eks")
ROLE_POLICY = '{"Version": "2012-10-17", "Statement": []}'


def check_shape(shape, value, path="$"):
    """Raises AssertionError where `value` (parsed JSON) does not fit `shape`."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
        for name in shape.required_members:
            assert name in value, f"{path}: required member {name} missing"
        for key, item in value.items():
            assert key in shape.members, f"{path}: {key} is not a member of {shape.name}"
            if item is not None:
                check_shape(shape.members[key], item, f"{path}.{key}")
    elif kind == "list":
        assert isinstance(value, list), f"{path}: expected a list"
        for i, item in enumerate(value):
            check_shape(shape.member, item, f"{path}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{path}: expected a map"
        for key, item in value.items():
            check_shape(shape.key, key, f"{path}<key>")
            check_shape(shape.value, item, f"{path}[{key!r}]")
    elif kind == "string":
        assert isinstance(value, str), f"{path}: expected a string, got {value!r}"
        if shape.enum:
            assert value in shape.enum, f"{path}: {value!r} is not one of {shape.name}'s values"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{path}: expected an integer"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{path}: expected a boolean"
    elif kind == "timestamp":
        assert isinstance(value, (int, float, str)), f"{path}: expected a timestamp"


def checked_client(url: str, network: dict | None = None):
    """An EKS client whose every successful response is checked against
    botocore's model (AssertionError on the first that does not fit);
    `client.checked` lists the operations checked."""
    client = aws.client("eks", url)
    if network is not None:
        client.vpc = {"subnetIds": network["subnet_ids"], "endpointPublicAccess": True, "endpointPrivateAccess": False}
    checked = []

    def validate(operation_model, response_dict, **_):
        if response_dict["status_code"] == 200 and operation_model.output_shape is not None:
            body = json.loads(response_dict["body"] or b"{}")
            check_shape(operation_model.output_shape, body)
            checked.append(operation_model.name)

    client.meta.events.register("before-parse.eks.*", validate)
    client.checked = checked
    return client


def make_cluster(eks, iam, network, name: str, version: str = "1.30", role_name: str | None = None,
                 tags: dict | None = None, **kwargs) -> str:
    """A cluster made outside Terraform, waited for until ACTIVE; its role is
    `role_name` (by default `<name>-c`). Extra keyword arguments go to
    CreateCluster (e.g. accessConfig)."""
    role = iam.create_role(RoleName=role_name or f"{name}-c", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    eks.create_cluster(name=name, version=version, roleArn=role,
                       tags={"platform-emulator/delay-seconds": "0.3", **(tags or {})},
                       resourcesVpcConfig={"subnetIds": network["subnet_ids"]}, **kwargs)
    deadline = time.time() + 30
    while eks.describe_cluster(name=name)["cluster"]["status"] != "ACTIVE":
        assert time.time() < deadline
        time.sleep(0.1)
    return name


def user_tags(tags: dict) -> dict:
    """An object's tags without the owner marker of the create that made it
    (`platform:owner`, 32 hex digits), which must be there."""
    tags = dict(tags)
    marker = tags.pop("platform:owner", "")
    assert re.fullmatch(r"[0-9a-f]{32}", marker), f"no owner marker in {tags}"
    return tags
