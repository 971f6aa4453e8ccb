"""The tags of the objects `platform_eks_cluster` and `platform_eks_node_group`
create (the cluster's role, key and OIDC provider; the node group's role)
follow the resource's `tags` merged over the provider's `default_tags`; an
out-of-band change to them is an exact diff in `managed_role_tags`,
`managed_kms_key_tags` and `oidc_provider_tags`, repaired by the apply; the
provider's own `platform:` tags are never removed and never shown."""
from __future__ import annotations

import time

import pytest

from platform_acc import aws
from platform_acc.hcl import block

CLUSTER = "platform_eks_cluster.test"
NODE_GROUP = "platform_eks_node_group.test"
POLICY = '{"Version": "2012-10-17", "Statement": []}'


def provider(default_tags: dict) -> str:
    return block("provider", "platform", default_tags=default_tags)


def cluster(name: str, network: dict, **attrs) -> str:
    attrs.setdefault("version", "1.34")
    return block("resource", "platform_eks_cluster", "test", name=name, subnet_ids=network["subnet_ids"], **attrs)


def role_tags(iam, name: str) -> dict:
    return {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}


def key_tags(kms, key_id: str) -> dict:
    return {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key_id)["Tags"]}


def oidc_tags(iam, arn: str) -> dict:
    return {t["Key"]: t["Value"] for t in iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Tags"]}


def user_part(tags: dict) -> dict:
    return {k: v for k, v in tags.items() if not k.startswith("platform:")}


def platform_part(tags: dict) -> dict:
    return {k: v for k, v in tags.items() if k.startswith("platform:")}


def test_cluster_created_objects_follow_tags_and_drift_is_repaired(workspace, clients, network, unique):
    name = f"tags-{unique}"
    workspace.write(provider({"env": "dev", "team": "default"}) + cluster(name, network, tags={"team": "a"}))
    workspace.apply()
    workspace.assert_plan_empty()
    s = workspace.resource(CLUSTER)
    role, key, oidc = s["managed_role_name"], s["managed_kms_key_id"], s["oidc_provider_arn"]
    first = {"env": "dev", "team": "a"}
    assert s["managed_role_tags"] == s["managed_kms_key_tags"] == s["oidc_provider_tags"] == first
    assert user_part(role_tags(clients.iam, role)) == user_part(key_tags(clients.kms, key)) == first
    assert user_part(oidc_tags(clients.iam, oidc)) == first
    # The provider's own tags: the owner tag, and the marker of the create.
    owners = {
        "role": platform_part(role_tags(clients.iam, role)),
        "key": platform_part(key_tags(clients.kms, key)),
        "oidc": platform_part(oidc_tags(clients.iam, oidc)),
    }
    assert owners["role"]["platform:eks-cluster"] == name and owners["role"]["platform:owner"]
    assert owners["key"]["platform:eks-cluster"] == name and "platform:owner" in owners["oidc"]

    # A change of `tags` reaches every created object, in place.
    workspace.write(provider({"env": "dev", "team": "default"}) + cluster(name, network, tags={"team": "b", "cost": "1"}))
    plan = workspace.assert_plan_changes("will be updated in-place", "~ managed_role_tags", "~ managed_kms_key_tags",
                                         "~ oidc_provider_tags", '~ "team" = "a" -> "b"', '+ "cost" = "1"')
    assert "must be replaced" not in plan.stdout
    workspace.apply()
    workspace.assert_plan_empty()
    second = {"env": "dev", "team": "b", "cost": "1"}
    assert user_part(role_tags(clients.iam, role)) == second
    assert user_part(key_tags(clients.kms, key)) == second
    assert user_part(oidc_tags(clients.iam, oidc)) == second
    cluster_tags = clients.eks.describe_cluster(name=name)["cluster"]["tags"]
    # The cluster carries the owner marker of its create (CreateCluster's token), kept by tag updates.
    assert user_part(cluster_tags) == second and list(platform_part(cluster_tags)) == ["platform:owner"]
    after = {
        "role": platform_part(role_tags(clients.iam, role)),
        "key": platform_part(key_tags(clients.kms, key)),
        "oidc": platform_part(oidc_tags(clients.iam, oidc)),
    }
    assert after == owners, "the provider's own tags changed"

    # Out-of-band changes on each created object: an exact diff, repaired.
    clients.iam.tag_role(RoleName=role, Tags=[{"Key": "rogue", "Value": "role"}])
    clients.iam.untag_role(RoleName=role, TagKeys=["cost"])
    clients.kms.tag_resource(KeyId=key, Tags=[{"TagKey": "team", "TagValue": "stolen"}])
    clients.iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=oidc, Tags=[{"Key": "rogue", "Value": "oidc"}])
    plan = workspace.assert_plan_changes(
        "~ managed_role_tags", '- "rogue" = "role" -> null', '+ "cost" = "1"',
        "~ managed_kms_key_tags", '~ "team" = "stolen" -> "b"',
        "~ oidc_provider_tags", '- "rogue" = "oidc" -> null',
    )
    assert "must be replaced" not in plan.stdout and "tags_all" not in plan.stdout, plan.stdout
    workspace.apply()
    workspace.assert_plan_empty()
    assert user_part(role_tags(clients.iam, role)) == second
    assert user_part(key_tags(clients.kms, key)) == second
    assert user_part(oidc_tags(clients.iam, oidc)) == second
    assert {"role": platform_part(role_tags(clients.iam, role)), "key": platform_part(key_tags(clients.kms, key)),
            "oidc": platform_part(oidc_tags(clients.iam, oidc))} == owners
    workspace.destroy()


def test_given_role_and_key_are_never_tagged(workspace, clients, network, unique):
    """Only objects the resource created follow its tags."""
    role = clients.iam.create_role(RoleName=f"given-{unique}", AssumeRolePolicyDocument=POLICY,
                                   Tags=[{"Key": "owner", "Value": "me"}])["Role"]["Arn"]
    key = clients.kms.create_key(Tags=[{"TagKey": "owner", "TagValue": "me"}])["KeyMetadata"]
    name = f"given-tags-{unique}"
    workspace.write(provider({"env": "dev"}) + cluster(name, network, role_arn=role, kms_key_arn=key["Arn"],
                                                       create_oidc_provider=False, tags={"team": "a"}))
    workspace.apply()
    workspace.assert_plan_empty()
    s = workspace.resource(CLUSTER)
    assert s["managed_role_tags"] is None and s["managed_kms_key_tags"] is None and s["oidc_provider_tags"] is None
    workspace.write(provider({"env": "dev"}) + cluster(name, network, role_arn=role, kms_key_arn=key["Arn"],
                                                       create_oidc_provider=False, tags={"team": "b"}))
    workspace.apply()
    workspace.assert_plan_empty()
    assert role_tags(clients.iam, f"given-{unique}") == {"owner": "me"}
    assert key_tags(clients.kms, key["KeyId"]) == {"owner": "me"}
    workspace.destroy()


@pytest.fixture
def outside_cluster(clients, network, unique):
    name = f"tagout-{unique}"
    role = clients.iam.create_role(RoleName=f"tagoutc-{unique}", AssumeRolePolicyDocument=POLICY)["Role"]["Arn"]
    clients.eks.create_cluster(name=name, version="1.30", roleArn=role,
                               tags={"platform-emulator/delay-seconds": "0.3"},
                               resourcesVpcConfig={"subnetIds": network["subnet_ids"]})
    deadline = time.time() + 30
    while clients.eks.describe_cluster(name=name)["cluster"]["status"] != "ACTIVE":
        assert time.time() < deadline
        time.sleep(0.1)
    return name


def node_group(network: dict, cluster_name: str, **attrs) -> str:
    scaling = "  scaling {\n    min = 1\n    max = 2\n  }\n"
    return block("resource", "platform_eks_node_group", "test", nested=(scaling,), cluster_name=cluster_name,
                 name="workers", subnet_ids=network["subnet_ids"], **attrs)


def test_node_group_role_follows_tags_and_drift_is_repaired(workspace, clients, network, outside_cluster):
    workspace.write(provider({"env": "dev"}) + node_group(network, outside_cluster, tags={"team": "a"}))
    workspace.apply()
    workspace.assert_plan_empty()
    s = workspace.resource(NODE_GROUP)
    role = s["managed_role_name"]
    assert s["managed_role_tags"] == {"env": "dev", "team": "a"} == user_part(role_tags(clients.iam, role))
    owners = platform_part(role_tags(clients.iam, role))
    assert owners["platform:eks-node-group"] == f"{outside_cluster}:workers" and owners["platform:owner"]

    workspace.write(provider({"env": "prod"}) + node_group(network, outside_cluster, tags={"team": "b"}))
    plan = workspace.assert_plan_changes("~ managed_role_tags", '~ "env" = "dev" -> "prod"', '~ "team" = "a" -> "b"')
    assert "must be replaced" not in plan.stdout
    workspace.apply()
    workspace.assert_plan_empty()
    assert user_part(role_tags(clients.iam, role)) == {"env": "prod", "team": "b"}

    clients.iam.tag_role(RoleName=role, Tags=[{"Key": "rogue", "Value": "x"}])
    clients.iam.untag_role(RoleName=role, TagKeys=["env"])
    workspace.assert_plan_changes("~ managed_role_tags", '- "rogue" = "x" -> null', '+ "env" = "prod"')
    workspace.apply()
    workspace.assert_plan_empty()
    assert user_part(role_tags(clients.iam, role)) == {"env": "prod", "team": "b"}
    assert platform_part(role_tags(clients.iam, role)) == owners
    workspace.destroy()
    assert not aws.role_exists(clients.iam, role)


def test_a_replaced_role_is_not_tagged(workspace, clients, network, outside_cluster):
    """The created role deleted and made again by someone else under its name
    (another RoleId) is not this resource's: its tags are left alone."""
    workspace.write(provider({}) + node_group(network, outside_cluster, tags={"team": "a"}))
    workspace.apply()
    role = workspace.resource(NODE_GROUP)["managed_role_name"]
    aws.delete_role(clients.iam, role)
    clients.iam.create_role(RoleName=role, AssumeRolePolicyDocument=POLICY, Tags=[{"Key": "team", "Value": "other"}])
    workspace.write(provider({}) + node_group(network, outside_cluster, tags={"team": "b"}))
    # Not ours: the plan wants to make the role again, and the apply refuses the name, touching nothing.
    workspace.assert_plan_changes("+ managed_role_name")
    result = workspace.apply(check=False)
    assert result.code == 1 and "already exists" in " ".join(result.output.split()), result.output
    assert role_tags(clients.iam, role) == {"team": "other"}
    aws.delete_role(clients.iam, role)
    workspace.destroy()
