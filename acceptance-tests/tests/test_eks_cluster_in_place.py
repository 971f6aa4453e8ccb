"""Acceptance cases for the in-place changes of `platform_eks_cluster`:
subnets and security groups, secrets encryption added to a cluster without
it, the authentication mode, the upgrade policy, `pod_security_groups` and
the bootstrap flag. Each keeps the cluster (its ARN and `createdAt`) and
leaves an empty plan; what EKS cannot do is refused at plan time (bad_input);
out-of-band changes show as exact diffs (drift_*); a cluster with these set
imports with an empty plan."""
from __future__ import annotations

import pytest

from platform_acc import aws
from platform_acc.hcl import block

ADDR = "platform_eks_cluster.test"
DELAY = {"platform-emulator/delay-seconds": "0.3"}
CONTROLLER = "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController"


def config(name: str, network: dict, nested: tuple[str, ...] = (), **attrs) -> str:
    attrs.setdefault("version", "1.33")
    attrs.setdefault("subnet_ids", network["subnet_ids"])
    attrs.setdefault("create_oidc_provider", False)
    attrs["tags"] = {**DELAY, **attrs.get("tags", {})}
    return 'provider "platform" {}\n' + block("resource", "platform_eks_cluster", "test", nested=nested,
                                              name=name, **attrs)


def upgrade_policy(support_type: str) -> tuple[str, ...]:
    return (f'  upgrade_policy {{\n    support_type = "{support_type}"\n  }}\n',)


@pytest.fixture
def own_network(clients):
    """A VPC of this case's own (two subnets in two zones), so extra subnets never collide."""
    return aws.create_network(clients.url)


def identity(state: dict) -> tuple[str, str]:
    return state["arn"], state["created_at"]


def update_types(eks, name: str) -> list[str]:
    return [eks.describe_update(name=name, updateId=u)["update"]["type"]
            for u in eks.list_updates(name=name)["updateIds"]]


def attached(iam, role: str) -> set[str]:
    return {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]}


def assert_in_place(workspace, *expected: str):
    plan = workspace.assert_plan_changes("will be updated in-place", *expected)
    assert "must be replaced" not in plan.stdout, plan.stdout
    return plan


def plan_error(workspace) -> str:
    result = workspace.plan()
    assert result.code == 1, result.output
    return " ".join(result.output.split())


def test_update_subnets_and_security_groups(workspace, clients, own_network, unique):
    """New subnets (in the same zones) and security groups are one
    VpcConfigUpdate; removing every security group is in place too."""
    name = f"vpc-{unique}"
    net = own_network
    workspace.write(config(name, net))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    ec2 = clients.ec2
    zones = {s["SubnetId"]: s["AvailabilityZone"] for s in ec2.describe_subnets(SubnetIds=net["subnet_ids"])["Subnets"]}
    zone_a = zones[net["subnet_ids"][0]]
    third = ec2.create_subnet(VpcId=net["vpc_id"], CidrBlock="10.0.5.0/24", AvailabilityZone=zone_a)["Subnet"]["SubnetId"]
    groups = sorted(ec2.create_security_group(GroupName=f"g{i}-{unique}", Description="x", VpcId=net["vpc_id"])["GroupId"]
                    for i in range(2))
    subnets = [third, net["subnet_ids"][1]]
    workspace.write(config(name, net, subnet_ids=subnets, security_group_ids=groups))
    assert_in_place(workspace, f'+ "{third}"', f'- "{net["subnet_ids"][0]}"', f'+ "{groups[0]}"')
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert identity(after) == identity(before)
    c = clients.eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]
    assert sorted(c["subnetIds"]) == sorted(subnets) and sorted(c["securityGroupIds"]) == groups
    assert sorted(after["subnet_ids"]) == sorted(subnets) and sorted(after["security_group_ids"]) == groups
    assert update_types(clients.eks, name) == ["VpcConfigUpdate"]
    # Every security group removed: only the cluster security group is left.
    workspace.write(config(name, net, subnet_ids=subnets))
    assert_in_place(workspace, f'- "{groups[0]}"')
    workspace.apply_clean()
    assert clients.eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]["securityGroupIds"] == []
    assert identity(workspace.resource(ADDR)) == identity(before)
    workspace.destroy()


def test_bad_input_subnets_outside_the_clusters_zones(workspace, clients, own_network, unique):
    """EKS refuses subnets outside the cluster's availability zones at apply
    (the provider cannot read subnets at plan time): the error names the
    attributes and EKS's reason, and the cluster stays as it was."""
    name = f"zones-{unique}"
    net = own_network
    workspace.write(config(name, net))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    elsewhere = clients.ec2.create_subnet(VpcId=net["vpc_id"], CidrBlock="10.0.6.0/24",
                                          AvailabilityZone=f"{aws.REGION}c")["Subnet"]["SubnetId"]
    workspace.write(config(name, net, subnet_ids=net["subnet_ids"] + [elsewhere]))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1, result.output
    assert "updating the EKS cluster: `subnet_ids` and `security_group_ids`" in out, out
    assert "same set of availability zones" in out, out
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert sorted(c["resourcesVpcConfig"]["subnetIds"]) == sorted(net["subnet_ids"])
    assert identity(workspace.resource(ADDR)) == identity(before)
    workspace.write(config(name, net))
    workspace.apply_clean()
    workspace.destroy()


def test_update_encryption_added_with_a_created_key(workspace, clients, network, unique):
    """A cluster made without secrets encryption gets a created key in place:
    the key is made, the created role may use it, EKS associates it."""
    name = f"addkey-{unique}"
    workspace.write(config(name, network, create_kms_key=False))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    assert before["kms_key_arn"] is None and before["managed_kms_key_id"] is None
    workspace.write(config(name, network))
    assert_in_place(workspace, "~ create_kms_key", "+ kms_key_arn", "(known after apply)")
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert identity(after) == identity(before)
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert c["encryptionConfig"] == [{"resources": ["secrets"], "provider": {"keyArn": after["kms_key_arn"]}}]
    assert after["managed_kms_key_id"] and after["kms_key_arn"].endswith(after["managed_kms_key_id"])
    tags = {t["TagKey"]: t["TagValue"] for t in clients.kms.list_resource_tags(KeyId=after["managed_kms_key_id"])["Tags"]}
    assert tags["platform:eks-cluster"] == name
    inline = clients.iam.get_role_policy(RoleName=after["managed_role_name"], PolicyName="platform-eks-secrets-encryption")
    assert inline["PolicyDocument"]["Statement"][0]["Resource"] == after["kms_key_arn"]
    assert update_types(clients.eks, name) == ["AssociateEncryptionConfig"]
    workspace.destroy()
    assert clients.kms.describe_key(KeyId=after["managed_kms_key_id"])["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_update_encryption_added_with_a_given_key_then_bad_input(workspace, clients, network, unique):
    """A given key is associated in place; another key after that replaces
    the cluster; removing encryption is refused at plan time."""
    name = f"givenkey-{unique}"
    workspace.write(config(name, network, create_kms_key=False))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    key = clients.kms.create_key()["KeyMetadata"]["Arn"]
    workspace.write(config(name, network, kms_key_arn=key))
    assert_in_place(workspace, f'+ kms_key_arn = "{key}"')
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert identity(after) == identity(before) and after["kms_key_arn"] == key and after["managed_kms_key_id"] is None
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert c["encryptionConfig"][0]["provider"]["keyArn"] == key
    # EKS cannot change the key: another one replaces the cluster.
    other = clients.kms.create_key()["KeyMetadata"]["Arn"]
    workspace.write(config(name, network, kms_key_arn=other))
    workspace.assert_plan_changes("must be replaced", "# forces replacement")
    # Nor remove it: refused at plan time, with the fix.
    workspace.write(config(name, network, create_kms_key=False))
    out = plan_error(workspace)
    assert "`kms_key_arn`: EKS cannot remove secrets encryption from a cluster" in out, out
    assert f'keep `kms_key_arn = "{key}"`' in out and "terraform apply -replace" in out, out
    workspace.write(config(name, network, kms_key_arn=key))
    workspace.assert_plan_empty()
    workspace.destroy()
    assert clients.kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"


def test_bad_input_removing_a_created_key(workspace, network, unique):
    name = f"rmkey-{unique}"
    workspace.write(config(name, network))
    workspace.apply_clean()
    workspace.write(config(name, network, create_kms_key=False))
    out = plan_error(workspace)
    assert "`create_kms_key`: EKS cannot remove secrets encryption from a cluster" in out, out
    assert "keep `create_kms_key = true`" in out, out
    workspace.write(config(name, network))
    workspace.destroy()


def test_update_authentication_mode_one_step_per_apply_and_bad_input(workspace, clients, network, unique):
    name = f"auth-{unique}"
    workspace.write(config(name, network, authentication_mode="CONFIG_MAP"))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    # A skip is refused, naming the step between.
    workspace.write(config(name, network, authentication_mode="API"))
    out = plan_error(workspace)
    assert "`authentication_mode`: the authentication mode changes one step per apply" in out, out
    assert "go from `CONFIG_MAP` to `API_AND_CONFIG_MAP` first" in out, out
    workspace.write(config(name, network, authentication_mode="API_AND_CONFIG_MAP"))
    assert_in_place(workspace, '~ authentication_mode = "CONFIG_MAP" -> "API_AND_CONFIG_MAP"')
    workspace.apply_clean()
    assert clients.eks.describe_cluster(name=name)["cluster"]["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    # Back is refused: EKS cannot.
    workspace.write(config(name, network, authentication_mode="CONFIG_MAP"))
    out = plan_error(workspace)
    assert ("`authentication_mode`: the cluster's authentication mode is `API_AND_CONFIG_MAP`, and EKS cannot change "
            "it back to `CONFIG_MAP`") in out, out
    workspace.write(config(name, network, authentication_mode="API"))
    assert_in_place(workspace, '~ authentication_mode = "API_AND_CONFIG_MAP" -> "API"')
    workspace.apply_clean()
    assert identity(workspace.resource(ADDR)) == identity(before)
    assert update_types(clients.eks, name) == ["AccessConfigUpdate", "AccessConfigUpdate"]
    workspace.destroy()


def test_drift_authentication_mode_moved_forward_outside(workspace, clients, network, unique):
    """Moved forward outside Terraform: refresh shows the exact diff, and a
    plan (which would have to go back, which EKS cannot) is an error asking
    the configuration to follow; once it does, the plan is empty."""
    name = f"authdrift-{unique}"
    workspace.write(config(name, network, authentication_mode="API_AND_CONFIG_MAP"))
    workspace.apply_clean()
    update = clients.eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API"})["update"]
    aws.wait_update(clients.eks, name, update["id"])
    refresh = workspace.plan("-refresh-only")
    assert refresh.code == 2 and '~ authentication_mode = "API_AND_CONFIG_MAP" -> "API"' in " ".join(
        refresh.stdout.split()), refresh.stdout
    out = plan_error(workspace)
    assert "the cluster's authentication mode is `API`, and EKS cannot change it back to `API_AND_CONFIG_MAP`" in out, out
    assert 'set `authentication_mode = "API"`' in out, out
    workspace.write(config(name, network, authentication_mode="API"))
    workspace.apply_clean()
    assert workspace.resource(ADDR)["authentication_mode"] == "API"
    workspace.destroy()


def test_update_upgrade_policy_and_drift(workspace, clients, network, unique):
    """Unset, the support type is read back (EKS's EXTENDED) with no diff;
    set, it changes in place, and a change outside Terraform shows and is
    put back."""
    name = f"upgrade-{unique}"
    workspace.write(config(name, network))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    assert before["upgrade_policy"] == [{"support_type": "EXTENDED"}] or before["upgrade_policy"] == {
        "support_type": "EXTENDED"}
    workspace.write(config(name, network, nested=upgrade_policy("STANDARD")))
    assert_in_place(workspace, '~ support_type = "EXTENDED" -> "STANDARD"')
    workspace.apply_clean()
    assert clients.eks.describe_cluster(name=name)["cluster"]["upgradePolicy"] == {"supportType": "STANDARD"}
    assert identity(workspace.resource(ADDR)) == identity(before)
    assert update_types(clients.eks, name) == ["UpgradePolicyUpdate"]
    # Changed outside: the exact diff, then repaired.
    update = clients.eks.update_cluster_config(name=name, upgradePolicy={"supportType": "EXTENDED"})["update"]
    aws.wait_update(clients.eks, name, update["id"])
    assert_in_place(workspace, '~ support_type = "EXTENDED" -> "STANDARD"')
    workspace.apply_clean()
    assert clients.eks.describe_cluster(name=name)["cluster"]["upgradePolicy"] == {"supportType": "STANDARD"}
    # Unset again: what EKS has stays, no change.
    workspace.write(config(name, network))
    workspace.assert_plan_empty()
    workspace.destroy()


def test_update_pod_security_groups_on_off_and_drift(workspace, clients, network, unique):
    name = f"podsg-{unique}"
    workspace.write(config(name, network, pod_security_groups=True))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    role = before["managed_role_name"]
    assert CONTROLLER in attached(clients.iam, role) and before["pod_security_groups"] is True
    # Detached outside Terraform: the plan shows it, the apply repairs it.
    clients.iam.detach_role_policy(RoleName=role, PolicyArn=CONTROLLER)
    assert_in_place(workspace, "~ pod_security_groups = false -> true")
    workspace.apply_clean()
    assert CONTROLLER in attached(clients.iam, role)
    # Off, in place.
    workspace.write(config(name, network, pod_security_groups=False))
    assert_in_place(workspace, "~ pod_security_groups = true -> false")
    workspace.apply_clean()
    assert attached(clients.iam, role) == {"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"}
    # And on again.
    workspace.write(config(name, network, pod_security_groups=True))
    workspace.apply_clean()
    assert CONTROLLER in attached(clients.iam, role)
    assert identity(workspace.resource(ADDR)) == identity(before)
    assert update_types(clients.eks, name) == [], "a role change, not a cluster update"
    workspace.destroy()
    assert not aws.role_exists(clients.iam, role)


def test_update_bootstrap_flag_is_state_only(workspace, clients, network, unique):
    """EKS reads the flag only at creation: flipping it records the new value
    without any EKS call, and never replaces the cluster."""
    name = f"boot-{unique}"
    workspace.write(config(name, network))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    assert before["bootstrap_cluster_creator_admin_permissions"] is True
    workspace.write(config(name, network, bootstrap_cluster_creator_admin_permissions=False))
    assert_in_place(workspace, "~ bootstrap_cluster_creator_admin_permissions = true -> false")
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert after["bootstrap_cluster_creator_admin_permissions"] is False and identity(after) == identity(before)
    assert update_types(clients.eks, name) == []
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert c["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is True, "EKS keeps what creation did"
    workspace.destroy()


BAD_INPUT = [
    ({"security_group_ids": [f"sg-0123456789abcdef{i}" for i in range(6)]}, "`security_group_ids`",
     "EKS takes at most 5 security groups for the cluster's network interfaces, got 6"),
    ({"nested": upgrade_policy("BASIC")}, "`upgrade_policy.support_type`",
     "must be one of \"STANDARD\", \"EXTENDED\", got \"BASIC\""),
    ({"pod_security_groups": True, "role_arn": "arn:aws:iam::123456789012:role/mine"}, "`pod_security_groups`",
     "only applies to the role this resource creates, and `role_arn` names a role of your own: attach "
     "`arn:aws:iam::aws:policy/AmazonEKSVPCResourceController` to that role yourself"),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, network, attrs, path, rule):
    attrs = dict(attrs)
    workspace.write(config("bad-input", network, **attrs))
    result = workspace.plan()
    out = " ".join(result.output.split())
    assert result.code == 1, result.output
    assert f"{path}: " in out and rule in out, out


def test_import_with_in_place_settings_plans_empty(workspace, new_workspace, clients, own_network, unique):
    """A cluster that went through these changes imports into a fresh state
    with the same configuration and plans empty; one made outside with them
    set adopts with `-generate-config-out` and plans empty."""
    name = f"imp-{unique}"
    net = own_network
    group = clients.ec2.create_security_group(GroupName=f"imp-{unique}", Description="x",
                                              VpcId=net["vpc_id"])["GroupId"]
    cfg = config(name, net, security_group_ids=[group], authentication_mode="API_AND_CONFIG_MAP",
                 pod_security_groups=True, bootstrap_cluster_creator_admin_permissions=False,
                 nested=upgrade_policy("STANDARD"))
    workspace.write(config(name, net, create_kms_key=False, authentication_mode="CONFIG_MAP"))
    workspace.apply_clean()
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    # Several kinds of change in one apply: one EKS update each, in turn.
    assert sorted(update_types(clients.eks, name)) == sorted(
        ["AssociateEncryptionConfig", "VpcConfigUpdate", "AccessConfigUpdate", "UpgradePolicyUpdate"])
    imported = new_workspace("imported")
    imported.write(cfg)
    imported.import_(ADDR, name)
    got = imported.resource(ADDR)
    assert got["pod_security_groups"] is True and got["managed_kms_key_id"] == created["managed_kms_key_id"]
    # EKS keeps what creation did (true); the configuration says false: a state-only change.
    imported.assert_plan_changes("~ bootstrap_cluster_creator_admin_permissions = true -> false")
    imported.apply_clean()
    workspace.destroy()

    # Made outside, with security groups, a given key, API_AND_CONFIG_MAP and STANDARD support.
    other = f"adopt-{unique}"
    role = clients.iam.create_role(RoleName=f"adr-{unique}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    key = clients.kms.create_key()["KeyMetadata"]["Arn"]
    clients.eks.create_cluster(
        name=other, version="1.33", roleArn=role, tags=DELAY,
        resourcesVpcConfig={"subnetIds": net["subnet_ids"], "securityGroupIds": [group]},
        accessConfig={"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": False},
        upgradePolicy={"supportType": "STANDARD"},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key}}])
    adopt = new_workspace("adopt")
    adopt.write(f'provider "platform" {{}}\nimport {{\n  to = {ADDR}\n  id = "{other}"\n}}\n')
    adopt.run("plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
    generated = " ".join((adopt.dir / "generated.tf").read_text().split())
    assert 'support_type = "STANDARD"' in generated and "pod_security_groups = false" in generated, generated
    plan = adopt.plan()
    assert plan.code in (0, 2) and "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, plan.output
    adopt.apply()
    adopt.assert_plan_empty()
    s = adopt.resource(ADDR)
    assert s["kms_key_arn"] == key and s["authentication_mode"] == "API_AND_CONFIG_MAP"
    assert s["security_group_ids"] == [group] and s["bootstrap_cluster_creator_admin_permissions"] is False
    adopt.destroy()
    assert aws.role_exists(clients.iam, f"adr-{unique}")


def test_ownership_failed_association_keeps_the_created_key(workspace, clients, network, unique):
    """The key created to add encryption is recorded before EKS associates
    it: when the association fails, state keeps the key (no orphan), and the
    next apply associates that same key instead of creating another."""
    name = f"failkey-{unique}"
    workspace.write(config(name, network, create_kms_key=False))
    workspace.apply_clean()
    arn = workspace.resource(ADDR)["arn"]
    clients.eks.tag_resource(resourceArn=arn, tags={"platform-emulator/fail-updates": "true"})
    workspace.write(config(name, network))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and "AssociateEncryptionConfig" in out and f"of EKS cluster `{name}` failed" in out, out
    failed = workspace.resource(ADDR)
    assert failed["managed_kms_key_id"] and failed["kms_key_arn"] is None
    assert not clients.eks.describe_cluster(name=name)["cluster"].get("encryptionConfig")
    clients.eks.untag_resource(resourceArn=arn, tagKeys=["platform-emulator/fail-updates"])
    assert_in_place(workspace, "kms_key_arn", "(known after apply)")
    workspace.apply_clean()
    done = workspace.resource(ADDR)
    assert done["managed_kms_key_id"] == failed["managed_kms_key_id"] and done["arn"] == arn
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert c["encryptionConfig"][0]["provider"]["keyArn"] == done["kms_key_arn"]
    keys = [k for page in clients.kms.get_paginator("list_keys").paginate() for k in page["Keys"]]
    owned = [k["KeyId"] for k in keys
             if {"TagKey": "platform:eks-cluster", "TagValue": name} in clients.kms.list_resource_tags(
                 KeyId=k["KeyId"]).get("Tags", [])]
    assert owned == [done["managed_kms_key_id"]], "exactly one key for this cluster"
    workspace.destroy()
