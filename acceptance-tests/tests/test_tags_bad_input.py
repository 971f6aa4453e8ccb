"""`bad_input` cases for tags, run against every resource type with `tags` and
the provider's `default_tags`: at most 50 tags per object (the provider's own
`platform:` tags and the merged `default_tags` count against it), key and value
lengths and characters, keys differing only in case (IAM's keys are
case-insensitive), and the reserved `aws:` and `platform:` prefixes. All
plan-only: nothing reaches the emulator."""
from __future__ import annotations

import pytest

from platform_acc.hcl import block

ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/TAGS"
SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
SCALING = "  scaling {\n    min = 1\n    max = 2\n  }\n"

# resource type -> (required attributes, nested blocks, this provider's own tags on its objects)
RESOURCES = {
    "platform_irsa_role": ({"name": "tags", "oidc_provider_arn": ARN,
                            "service_accounts": [{"namespace": "a", "name": "b"}]}, (), 1),
    "platform_ebs_storage": ({"alias_name": "alias/tags", "csi_driver_role_name": "ebs-csi"}, (), 2),
    "platform_vault_seal": ({"name": "tags", "oidc_provider_arn": ARN}, (), 3),
    "platform_eks_cluster": ({"name": "tags", "version": "1.34", "subnet_ids": SUBNETS}, (), 2),
    "platform_eks_node_group": ({"cluster_name": "tags", "name": "tags", "subnet_ids": SUBNETS}, (SCALING,), 2),
    "platform_eks_oidc_provider": ({"url": "https://oidc.eks.us-east-1.amazonaws.com/id/TAGS"}, (), 1),
}


def many(n: int, prefix: str = "k") -> dict[str, str]:
    return {f"{prefix}{i:02}": "v" for i in range(n)}


def config(resource: str, tags: dict, default_tags: dict | None = None) -> str:
    attrs, nested, _ = RESOURCES[resource]
    provider = block("provider", "platform", default_tags=default_tags)
    return provider + block("resource", resource, "test", nested=nested, **attrs, tags=tags)


def plan_fails(workspace, text: str, path: str, rule: str):
    workspace.write(text)
    result = workspace.plan()
    assert result.code == 1, result.output
    flat = " ".join(result.output.split())
    assert f"{path}: " in flat and rule in flat, result.output


# Every resource type: the reserved prefix, the count of its own tags, and the
# count with the provider's default tags.
def every_resource_cases():
    for resource, (_, _, own) in RESOURCES.items():
        allowed = 50 - own
        yield (resource, {"platform:owner": "mine"}, None, '`tags["platform:owner"]`',
               "this provider reserves for its own tags")
        yield (resource, many(allowed + 1), None, "`tags`",
               f"must have at most {allowed} tags, got {allowed + 1}: AWS allows 50 tags per resource")
        yield (resource, many(allowed - 9), many(10, "d"), "`tags`",
               f"must have at most {allowed - 10} tags, got {allowed - 9}: AWS allows 50 tags per resource, "
               f"and {own} of this provider's own `platform:` tags and 10 of the provider's `default_tags`")
        # IAM tag keys are case-insensitive: refused on every resource, whatever it tags.
        yield (resource, {"Team": "a", "team": "b"}, None, '`tags["Team"]`',
               'tag keys are case-insensitive in IAM, so "Team" and "team" are the same key')
        yield (resource, {"Team": "a"}, {"team": "x"}, '`tags["Team"]`',
               "differs only in case from the provider's `default_tags` key \"team\"")


@pytest.mark.parametrize("resource,tags,default_tags,path,rule", list(every_resource_cases()),
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(every_resource_cases())])
def test_bad_input_tags_every_resource(workspace, resource, tags, default_tags, path, rule):
    plan_fails(workspace, config(resource, tags, default_tags), path, rule)


@pytest.mark.parametrize("resource", list(RESOURCES))
def test_tags_at_the_limit_pass(workspace, resource):
    """Exactly what is left after the provider's own tags and the defaults plans."""
    own = RESOURCES[resource][2]
    workspace.write(config(resource, many(50 - own - 5), many(5, "d")))
    result = workspace.plan()
    assert result.code == 2, result.output


BAD_INPUT = [
    # (tags, expected attribute path, expected rule): the per-tag rules, on one resource type.
    ({"aws:reserved": "x"}, '`tags["aws:reserved"]`', 'tag keys must not start with "aws:"'),
    ({"k" * 129: "x"}, f'`tags["{"k" * 129}"]`', "tag keys must be 1 to 128 characters"),
    ({"a#b": "x"}, '`tags["a#b"]`', "tag keys may contain only letters, digits, spaces and `_ . : / = + - @`"),
    ({"k": "v" * 257}, '`tags["k"]`', "tag values must be at most 256 characters"),
    ({"k": "semi;colon"}, '`tags["k"]`', "tag values may contain only letters, digits, spaces"),
]


@pytest.mark.parametrize("tags,path,rule", BAD_INPUT, ids=[str(i) for i in range(len(BAD_INPUT))])
@pytest.mark.parametrize("resource", ["platform_irsa_role", "platform_eks_cluster"])
def test_bad_input(workspace, resource, tags, path, rule):
    plan_fails(workspace, config(resource, tags), path, rule)


def test_bad_input_default_tags(workspace):
    """`default_tags` must leave room for this provider's own tags (at most 3 on one object)."""
    plan_fails(workspace, config("platform_irsa_role", {}, many(48, "d")), "`default_tags`",
               "must have at most 47 tags, got 48: AWS allows 50 tags per resource")
    plan_fails(workspace, config("platform_irsa_role", {}, {"platform:x": "y"}), '`default_tags["platform:x"]`',
               "this provider reserves for its own tags")


def test_bad_input_default_tags_differing_only_in_case(workspace):
    plan_fails(workspace, config("platform_irsa_role", {}, {"Team": "a", "team": "b"}), '`default_tags["Team"]`',
               'tag keys are case-insensitive in IAM, so "Team" and "team" are the same key')


def test_a_default_overridden_in_the_same_spelling_passes(workspace):
    workspace.write(config("platform_irsa_role", {"team": "a"}, {"team": "x"}))
    result = workspace.plan()
    assert result.code == 2, result.output


def test_unicode_tags_pass(workspace):
    workspace.write(config("platform_irsa_role", {"Équipe 名前 _.:/=+-@": "värde ü"}))
    result = workspace.plan()
    assert result.code == 2, result.output
