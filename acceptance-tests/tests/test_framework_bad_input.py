"""`bad_input` cases for the limits every resource shares (framework/limits.rs):
the durations of `timeouts` blocks, and the partition of every ARN a user
passes. Plan-only: nothing reaches the emulator."""
from __future__ import annotations

import pytest

from platform_acc.hcl import block

SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
SCALING = "  scaling {\n    min = 1\n    max = 2\n  }\n"
OIDC = "oidc.eks.us-east-1.amazonaws.com/id/FRAMEWORK"


def timeouts(**durations: str) -> str:
    return "  timeouts {\n" + "".join(f'    {k} = "{v}"\n' for k, v in durations.items()) + "  }\n"


def cluster(*nested: str, **attrs) -> str:
    return block("resource", "platform_eks_cluster", "test", nested=nested, name="fw", version="1.34",
                 subnet_ids=SUBNETS, **attrs)


def node_group(*nested: str, **attrs) -> str:
    return block("resource", "platform_eks_node_group", "test", nested=(SCALING, *nested), cluster_name="fw",
                 name="fw", subnet_ids=SUBNETS, **attrs)


BAD_INPUT = [
    # (resource configuration, expected attribute path, expected rule)
    (cluster(timeouts(create="30 minutes")), "`timeouts.create`", 'must be a duration such as "30m", "1h30m" or "90s"'),
    (node_group(timeouts(update="1d")), "`timeouts.update`", 'must be a duration such as "30m", "1h30m" or "90s"'),
    (cluster(timeouts(delete="99999999999999999999h")), "`timeouts.delete`", "must be at most 168h (a week)"),
    (node_group(timeouts(create="169h")), "`timeouts.create`", "must be at most 168h (a week)"),
    # Each entry's message names its own operation (not "a create that times out" for `delete`).
    (node_group(timeouts(delete="0s")), "`timeouts.delete`",
     'must be at least 1s, got "0s": a shorter wait cannot see the delete finish, and a delete that times out '
     "fails the destroy and keeps the object in the state"),
    # An ARN in a partition that does not exist, wherever an ARN is taken.
    (block("resource", "platform_irsa_role", "test", name="fw",
           oidc_provider_arn=f"arn:aws-:iam::123456789012:oidc-provider/{OIDC}",
           service_accounts=[{"namespace": "a", "name": "b"}]),
     "`oidc_provider_arn`", "which does not exist: an ARN's partition is one of aws, aws-cn"),
    (block("resource", "platform_irsa_role", "test", name="fw",
           oidc_provider_arn=f"arn:aws:iam::123456789012:oidc-provider/{OIDC}",
           service_accounts=[{"namespace": "a", "name": "b"}], policy_arns=["arn:aws-xyz:iam::aws:policy/ReadOnly"]),
     "`policy_arns`", "which does not exist: an ARN's partition is one of aws, aws-cn"),
    (node_group(node_role_arn="arn:aws-:iam::123456789012:role/nodes"),
     "`node_role_arn`", "which does not exist: an ARN's partition is one of aws, aws-cn"),
    (block("resource", "platform_ebs_storage", "test", alias_name="alias/fw", csi_driver_role_name="ebs-csi",
           key_users=["arn:awscn:iam::123456789012:root"]),
     "`key_users`", "which does not exist: an ARN's partition is one of aws, aws-cn"),
]


@pytest.mark.parametrize("resource,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, resource, path, rule):
    workspace.write('provider "platform" {}\n' + resource)
    result = workspace.plan()
    assert result.code == 1, result.output
    flat = " ".join(result.output.split())
    assert f"{path}: " in flat and rule in flat, result.output
