"""Acceptance cases for `platform_eks_node_group`, and the whole stack (cluster,
OIDC provider, node group, IRSA role), against real Terraform and the emulator."""
from __future__ import annotations

import re
import time

import pytest

from platform_acc import aws
from platform_acc.eks_helpers import ROLE_POLICY, make_cluster
from platform_acc.hcl import block

ADDR = "platform_eks_node_group.test"
FAIL_TAG = "platform-emulator/fail-updates"


def cluster(name: str, network: dict, **attrs) -> str:
    attrs.setdefault("create_oidc_provider", False)
    attrs.setdefault("version", "1.33")
    return block("resource", "platform_eks_cluster", "main", name=name, subnet_ids=network["subnet_ids"], **attrs)


def scaling(min_: int, max_: int, desired: int | None = None) -> str:
    body = f"    min = {min_}\n    max = {max_}\n" + (f"    desired = {desired}\n" if desired is not None else "")
    return f"  scaling {{\n{body}  }}\n"


def taint(key: str, effect: str, value: str | None = None) -> str:
    value_line = f'    value = "{value}"\n' if value is not None else ""
    return f'  taint {{\n    key = "{key}"\n{value_line}    effect = "{effect}"\n  }}\n'


def node_group(network: dict, nested=(scaling(1, 3, 2),), **attrs) -> str:
    from platform_acc.hcl import Raw
    attrs.setdefault("subnet_ids", network["subnet_ids"])
    attrs.setdefault("cluster_name", Raw("platform_eks_cluster.main.name"))
    attrs.setdefault("name", "workers")
    return block("resource", "platform_eks_node_group", "test", nested=tuple(nested), **attrs)


def config(cluster_name: str, network: dict, /, cluster_attrs: dict | None = None, **attrs) -> str:
    return ('provider "platform" {}\n' + cluster(cluster_name, network, **(cluster_attrs or {}))
            + node_group(network, **attrs))


@pytest.fixture
def eks(emulator):
    return aws.client("eks", emulator.url)


def describe(eks, cluster_name: str, name: str = "workers") -> dict:
    return eks.describe_nodegroup(clusterName=cluster_name, nodegroupName=name)["nodegroup"]


def marked(tags: dict) -> dict:
    """A node group's tags without the owner marker of the create that made
    it (CreateNodegroup's token), which must be there."""
    assert re.fullmatch(r"[0-9a-f]{32}", tags.get("platform:owner", "")), f"no owner marker in {tags}"
    return {k: v for k, v in tags.items() if k != "platform:owner"}


def test_basic(workspace, eks, iam, network, unique):
    name = f"ng-{unique}"
    workspace.write(config(name, network, labels={"pool": "general"}, tags={"team": "platform"},
                           nested=(scaling(1, 3, 2), taint("dedicated", "NO_SCHEDULE", "gpu"))))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    ng = describe(eks, name)
    assert s["id"] == f"{name}:workers" and s["arn"] == ng["nodegroupArn"] and s["status"] == "ACTIVE"
    assert ng["scalingConfig"] == {"minSize": 1, "maxSize": 3, "desiredSize": 2}
    assert ng["labels"] == {"pool": "general"} and marked(ng["tags"]) == {"team": "platform"}
    assert ng["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NO_SCHEDULE"}]
    assert ng["instanceTypes"] == ["t3.medium"] and ng["capacityType"] == "ON_DEMAND" and ng["diskSize"] == 20
    assert s["version"] == "1.33" == ng["version"] and s["release_version"] == ng["releaseVersion"]
    assert s["autoscaling_group_names"] == [g["name"] for g in ng["resources"]["autoScalingGroups"]]
    role = s["managed_role_name"]
    assert role == f"{name}.workers-node" and ng["nodeRole"] == s["node_role_arn"]
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]}
    assert attached == {f"arn:aws:iam::aws:policy/{p}" for p in
                        ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"]}
    trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    workspace.destroy()
    assert not aws.role_exists(iam, role)
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.describe_cluster(name=name)


def test_update(workspace, eks, network, unique):
    """Scaling, labels, taints, update_config and tags change in place through
    UpdateNodegroupConfig, awaited until Successful."""
    name = f"ngup-{unique}"
    workspace.write(config(name, network, labels={"pool": "general", "old": "x"},
                           nested=(scaling(1, 3, 2), taint("a", "NO_SCHEDULE"))))
    workspace.apply_clean()
    arn = workspace.resource(ADDR)["arn"]
    workspace.write(config(name, network, labels={"pool": "system"}, tags={"k": "v"},
                           ignore_desired_size_changes=False,
                           nested=(scaling(2, 5, 4), taint("b", "NO_EXECUTE", "yes"),
                                   "  update_config {\n    max_unavailable_percentage = 25\n  }\n")))
    plan = workspace.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    ng = describe(eks, name)
    assert ng["nodegroupArn"] == arn
    assert ng["scalingConfig"] == {"minSize": 2, "maxSize": 5, "desiredSize": 4}
    assert ng["labels"] == {"pool": "system"} and marked(ng["tags"]) == {"k": "v"}
    assert ng["taints"] == [{"key": "b", "value": "yes", "effect": "NO_EXECUTE"}]
    assert ng["updateConfig"] == {"maxUnavailablePercentage": 25}
    updates = eks.list_updates(name=name, nodegroupName="workers")["updateIds"]
    assert [eks.describe_update(name=name, updateId=u, nodegroupName="workers")["update"]["status"]
            for u in updates] == ["Successful"]
    # Instance types replace the node group.
    workspace.write(config(name, network, labels={"pool": "system"}, tags={"k": "v"}, instance_types=["m5.large"],
                           ignore_desired_size_changes=False,
                           nested=(scaling(2, 5, 4), taint("b", "NO_EXECUTE", "yes"),
                                   "  update_config {\n    max_unavailable_percentage = 25\n  }\n")))
    workspace.assert_plan_changes("must be replaced", "# forces replacement")
    workspace.apply_clean()
    assert describe(eks, name)["nodegroupArn"] != arn
    workspace.destroy()


def test_version_follows_the_cluster(workspace, eks, network, unique):
    """With `version` from the cluster, one apply upgrades the cluster, then
    the node group (UpdateNodegroupVersion), in that order."""
    from platform_acc.hcl import Raw
    name = f"ngver-{unique}"
    follow = Raw("platform_eks_cluster.main.version")
    workspace.write(config(name, network, cluster_attrs={"version": "1.32"}, version=follow))
    workspace.apply_clean()
    assert describe(eks, name)["version"] == "1.32"
    workspace.write(config(name, network, cluster_attrs={"version": "1.33"}, version=follow))
    workspace.apply_clean()
    ng = describe(eks, name)
    assert ng["version"] == "1.33" and workspace.resource(ADDR)["release_version"] == ng["releaseVersion"]
    workspace.destroy()


def test_autoscaler_changed_desired_size(workspace, eks, network, unique):
    """A cluster autoscaler moves the desired size: no drift by default; the
    value EKS has is kept (within new bounds) when the bounds change."""
    name = f"ngas-{unique}"
    workspace.write(config(name, network, nested=(scaling(1, 5, 2),)))
    workspace.apply_clean()
    update = eks.update_nodegroup_config(clusterName=name, nodegroupName="workers",
                                         scalingConfig={"desiredSize": 4})["update"]
    aws.wait_update(eks, name, update["id"], "workers")
    workspace.assert_plan_empty()
    assert workspace.run("plan", "-refresh-only", "-detailed-exitcode", "-no-color", ok_codes=(0, 2)).code in (0, 2)
    workspace.apply()
    assert describe(eks, name)["scalingConfig"]["desiredSize"] == 4
    # Lowering max below what the autoscaler chose: the configured size, within the bounds, applies.
    workspace.write(config(name, network, nested=(scaling(1, 3, 2),)))
    workspace.assert_plan_changes("~ max     = 5 -> 3", "~ desired = 4 -> 2")
    workspace.apply_clean()
    assert describe(eks, name)["scalingConfig"] == {"minSize": 1, "maxSize": 3, "desiredSize": 2}
    # Without a configured size, EKS's value is kept within the bounds.
    workspace.write(config(name, network, nested=(scaling(1, 5),)))
    workspace.apply_clean()
    update = eks.update_nodegroup_config(clusterName=name, nodegroupName="workers",
                                         scalingConfig={"desiredSize": 5})["update"]
    aws.wait_update(eks, name, update["id"], "workers")
    workspace.assert_plan_empty()
    workspace.write(config(name, network, nested=(scaling(1, 3),)))
    workspace.assert_plan_changes("~ max     = 5 -> 3", "~ desired = 5 -> 3")
    workspace.apply_clean()
    assert describe(eks, name)["scalingConfig"] == {"minSize": 1, "maxSize": 3, "desiredSize": 3}
    # Enforced when asked.
    workspace.write(config(name, network, ignore_desired_size_changes=False, nested=(scaling(1, 3, 2),)))
    workspace.assert_plan_changes("~ desired = 3 -> 2")
    workspace.apply_clean()
    assert describe(eks, name)["scalingConfig"]["desiredSize"] == 2
    workspace.destroy()


def test_update_failed(workspace, eks, network, unique):
    name = f"ngfail-{unique}"
    cluster_attrs = {"tags": {FAIL_TAG: "true"}}
    workspace.write(config(name, network, cluster_attrs=cluster_attrs, labels={"a": "1"}))
    workspace.apply_clean()
    workspace.write(config(name, network, cluster_attrs=cluster_attrs, labels={"a": "2"}))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"updating node group `{name}:workers`" in out
    assert "ConfigUpdate" in out and "failed: Failed: Unknown: the update failed" in out, out
    assert describe(eks, name)["labels"] == {"a": "1"} and workspace.resource(ADDR)["labels"] == {"a": "1"}
    workspace.assert_plan_changes('~ "a" = "1" -> "2"')
    workspace.destroy()


def test_import(workspace, new_workspace, eks, network, unique):
    name = f"ngimp-{unique}"
    cfg = config(name, network, labels={"pool": "general"}, nested=(scaling(1, 3, 2), taint("t", "NO_SCHEDULE")))
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    imported = new_workspace("imported")
    imported.write('provider "platform" {}\n' + node_group(
        network, cluster_name=name, labels={"pool": "general"}, nested=(scaling(1, 3, 2), taint("t", "NO_SCHEDULE"))))
    imported.import_(ADDR, f"{name}:workers")
    assert imported.resource(ADDR) == created
    imported.assert_plan_empty()
    other = new_workspace("bad")
    other.write('provider "platform" {}\n' + node_group(network, cluster_name=name))
    bad = other.run("import", "-no-color", ADDR, "no-colon", check=False)
    assert bad.code == 1 and "is not `<cluster_name>:<node_group_name>`" in bad.output
    workspace.destroy()


def test_disappears(workspace, eks, iam, network, unique):
    name = f"nggone-{unique}"
    workspace.write(config(name, network))
    workspace.apply_clean()
    role = workspace.resource(ADDR)["managed_role_name"]
    eks.delete_nodegroup(clusterName=name, nodegroupName="workers")
    deadline = time.time() + 30
    while eks.list_nodegroups(clusterName=name)["nodegroups"]:
        assert time.time() < deadline
        time.sleep(0.2)
    # Its created role remains: the node group is replaced, not forgotten.
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and workspace.resource(ADDR)["status"] is None
    workspace.assert_plan_changes("must be replaced")
    workspace.apply_clean()
    assert describe(eks, name)["status"] == "ACTIVE"
    # With the role gone too, state forgets it cleanly.
    eks.delete_nodegroup(clusterName=name, nodegroupName="workers")
    while eks.list_nodegroups(clusterName=name)["nodegroups"]:
        assert time.time() < deadline + 30
        time.sleep(0.2)
    aws.delete_role(iam, role)
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and ADDR not in workspace.resources()
    workspace.assert_plan_changes(f"{ADDR} will be created")
    workspace.destroy()


def test_drift(workspace, eks, network, unique):
    name = f"ngdrift-{unique}"
    workspace.write(config(name, network, labels={"pool": "general"}, tags={"owner": "platform"},
                           nested=(scaling(1, 3, 2), taint("dedicated", "NO_SCHEDULE", "gpu"))))
    workspace.apply_clean()
    arn = workspace.resource(ADDR)["arn"]
    update = eks.update_nodegroup_config(
        clusterName=name, nodegroupName="workers",
        labels={"addOrUpdateLabels": {"rogue": "1"}, "removeLabels": ["pool"]},
        taints={"removeTaints": [{"key": "dedicated", "value": "gpu", "effect": "NO_SCHEDULE"}]},
        scalingConfig={"minSize": 0, "maxSize": 3, "desiredSize": 2})["update"]
    aws.wait_update(eks, name, update["id"], "workers")
    eks.tag_resource(resourceArn=arn, tags={"rogue": "yes"})
    workspace.assert_plan_changes('- "rogue" = "1"', '+ "pool" = "general"', "+ taint {", '+ effect = "NO_SCHEDULE"',
                                  "~ min = 0 -> 1", '- "rogue" = "yes"')
    workspace.apply_clean()
    ng = describe(eks, name)
    assert ng["labels"] == {"pool": "general"} and marked(ng["tags"]) == {"owner": "platform"}
    assert ng["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NO_SCHEDULE"}]
    assert ng["scalingConfig"]["minSize"] == 1
    workspace.destroy()


def test_no_perpetual_diff(workspace, network, unique):
    name = f"ngsteady-{unique}"
    workspace.write(config(name, network, labels={"b": "2", "a": "1"}, instance_types=["m5.large", "m5a.large"],
                           capacity_type="SPOT", disk_size=50, ami_type="AL2023_x86_64_STANDARD",
                           nested=(scaling(0, 3), taint("z", "PREFER_NO_SCHEDULE"), taint("a", "NO_EXECUTE", "v"),
                                   "  update_config {\n    max_unavailable = 2\n  }\n",
                                   '  timeouts {\n    update = "90m"\n  }\n')))
    workspace.apply_clean()
    workspace.assert_plan_empty()
    workspace.destroy()


BAD_INPUT = [
    ({"nested": (scaling(3, 1),)}, "`scaling.min`", "must be at most `scaling.max` (1), got 3"),
    ({"nested": (scaling(1, 3, 5),)}, "`scaling.desired`", "must be between `scaling.min` (1) and `scaling.max` (3)"),
    ({"nested": (scaling(-1, 3),)}, "`scaling.min`", "must be between 0 and 1000"),
    ({"nested": (scaling(1, 3), taint("dedicated", "NoSchedule"))}, "`taint[0].effect`",
     'EKS names the effect "NO_SCHEDULE", not the Kubernetes spelling "NoSchedule"'),
    ({"nested": (scaling(1, 3), taint("bad key!", "NO_SCHEDULE"))}, "`taint[0].key`", "must be \"[prefix/]name\""),
    ({"labels": {"example.com/ok": "x", "-bad": "y"}}, '`labels["-bad"]`', "must be \"[prefix/]name\""),
    ({"labels": {"pool": "not valid"}}, '`labels["pool"]`', "at most 63 letters"),
    ({"capacity_type": "RESERVED"}, "`capacity_type`", "must be one of \"ON_DEMAND\""),
    ({"instance_types": []}, "`instance_types`", "at least one instance type"),
    ({"node_role_arn": "arn:aws:iam::123456789012:policy/x"}, "`node_role_arn`", "must be an IAM role ARN"),
    ({"version": "1.33.1"}, "`version`", "must be a Kubernetes version"),
    ({"version": "2.1"}, "`version`", "EKS runs Kubernetes 1.x"),
    ({"version": "1.20"}, "`version`", "EKS no longer accepts 1.20"),
    ({"name": "n" * 64}, "`name`", "must be at most 63 characters, got 64"),
    ({"nested": (scaling(0, 0),)}, "`scaling.max`", "must be between 1 and 1000, got 0"),
    ({"nested": (scaling(1, 3), "  update_config {\n    max_unavailable = 101\n  }\n")},
     "`update_config.max_unavailable`", "must be between 1 and 100, got 101"),
    ({"disk_size": 0}, "`disk_size`", "must be between 1 and 16384, got 0"),
    ({"subnet_ids": []}, "`subnet_ids`", "must name at least one subnet"),
    ({"subnet_ids": ["subnet-1", "subnet-0A1B2C3D"]}, "`subnet_ids`",
     '"subnet-" and 8 or 17 lowercase hex digits, got "subnet-0A1B2C3D"'),
    ({"subnet_ids": ["subnet-1"]}, "`subnet_ids`", '"subnet-" and 8 or 17 lowercase hex digits, got "subnet-1"'),
    ({"labels": {"node.kubernetes.io/pool": "a"}}, '`labels["node.kubernetes.io/pool"]`',
     "EKS refuses labels under the reserved prefixes kubernetes.io/, k8s.io/ and eks.amazonaws.com/"),
    ({"labels": {"kubernetes.io/role": "a"}}, '`labels["kubernetes.io/role"]`', "EKS refuses labels under the reserved prefixes"),
    ({"labels": {"k8s.io/x": "a"}}, '`labels["k8s.io/x"]`', "(under k8s.io)"),
    ({"labels": {"eks.amazonaws.com/capacityType": "SPOT"}}, '`labels["eks.amazonaws.com/capacityType"]`',
     "(under eks.amazonaws.com)"),
    ({"labels": {"example.com/" + "a" * 60: "x"}}, '`labels["example.com/' + "a" * 60 + '"]`',
     "EKS accepts label keys of at most 63 characters, prefix included"),
    ({"labels": {"pool": ""}}, '`labels["pool"]`', "EKS refuses empty label values"),
    ({"nested": (scaling(1, 3), taint("example.com/" + "a" * 55, "NO_SCHEDULE"))}, "`taint[0].key`",
     "EKS accepts taint keys of at most 63 characters, prefix included"),
    ({"nested": (scaling(1, 3), *[taint(f"t{i}", "NO_SCHEDULE") for i in range(51)])}, "`taint`",
     "EKS allows at most 50 `taint` blocks per node group, got 51"),
    ({"nested": (scaling(1, 3), taint("dedicated", "NO_SCHEDULE", "a"), taint("dedicated", "NO_SCHEDULE", "b"))},
     "`taint[1]`", "duplicates `taint[0]`: EKS keeps one taint per key and effect"),
    ({"nested": (scaling(1, 3), "  update_config {\n    max_unavailable = 1\n    max_unavailable_percentage = 10\n  }\n")},
     "`update_config`", "set exactly one of"),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, network, attrs, path, rule):
    workspace.write(config("bad-input", network, **attrs))
    result = workspace.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output


def test_stack(workspace, emulator, network, unique):
    """A cluster with its OIDC provider, a node group, and an IRSA role on the
    cluster's `oidc_provider_arn`: applies, plans empty, and destroys, leaving
    nothing in the emulator."""
    eks, iam, kms, ec2 = (aws.client(s, emulator.url) for s in ("eks", "iam", "kms", "ec2"))
    name = f"stack-{unique}"
    roles_before = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    providers_before = {p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]}
    workspace.write(f'''
    provider "platform" {{}}
    {cluster(name, network, create_oidc_provider=True, oidc_thumbprints=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])}
    {node_group(network, nested=(scaling(1, 3, 2), taint("CriticalAddonsOnly", "NO_SCHEDULE", "true")))}
    resource "platform_irsa_role" "ebs_csi" {{
      name              = "ebs-csi-{unique}"
      oidc_provider_arn = platform_eks_cluster.main.oidc_provider_arn
      service_accounts  = [{{ namespace = "kube-system", name = "ebs-csi-controller-sa" }}]
      policy_arns       = ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
    }}
    output "kubeconfig" {{
      value     = platform_eks_cluster.main.kubeconfig
      sensitive = true
    }}
    ''')
    workspace.apply_clean()
    cluster_state = workspace.resource("platform_eks_cluster.main")
    issuer = cluster_state["oidc_issuer_url"].removeprefix("https://")
    trust = workspace.resource("platform_irsa_role.ebs_csi")["trust_policy"]
    assert cluster_state["oidc_provider_arn"] in trust
    assert f"{issuer}:sub" in trust and f"{issuer}:aud" in trust
    assert describe(eks, name)["status"] == "ACTIVE"
    workspace.destroy()
    assert eks.list_clusters()["clusters"].count(name) == 0
    assert {r["RoleName"] for r in iam.list_roles()["Roles"]} == roles_before
    assert {p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]} == providers_before
    # The cluster security group EKS made goes with the cluster (by name: other
    # tests on this emulator make and delete clusters of their own meanwhile).
    assert not [g for g in ec2.describe_security_groups()["SecurityGroups"]
                if g["GroupName"].startswith(f"eks-cluster-sg-{name}-")]
    key = cluster_state["managed_kms_key_id"]
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_update_timeout_is_honoured_and_converges(workspace, eks, network, unique):
    """`timeouts { update }` bounds the wait for an update: the apply fails
    saying so, state keeps what EKS has, and once EKS finishes the update the
    plan is empty."""
    name = f"ngslow-{unique}"
    cluster_attrs = {"tags": {"platform-emulator/delay-seconds": "6"}}
    slow = '  timeouts {\n    update = "2s"\n  }\n'
    workspace.write(config(name, network, cluster_attrs=cluster_attrs, labels={"a": "1"}, nested=(scaling(1, 3, 2), slow)))
    workspace.apply_clean()
    workspace.write(config(name, network, cluster_attrs=cluster_attrs, labels={"a": "2"}, nested=(scaling(1, 3, 2), slow)))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and "timed out after 2s waiting for ConfigUpdate" in out, out
    assert f"of node group `{name}:workers` (last status: InProgress)" in out, out
    assert workspace.resource(ADDR)["labels"] == {"a": "1"}
    [update] = eks.list_updates(name=name, nodegroupName="workers")["updateIds"]
    aws.wait_update(eks, name, update, "workers")
    workspace.assert_plan_empty()
    assert workspace.resource(ADDR)["labels"] == {"a": "1"}  # the plan refreshes in memory only
    workspace.apply()
    assert workspace.resource(ADDR)["labels"] == {"a": "2"}
    workspace.destroy()


def test_created_role_deleted_outside_is_recreated_in_place(workspace, eks, iam, network, unique):
    name = f"ngrole-{unique}"
    workspace.write(config(name, network))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    aws.delete_role(iam, s["managed_role_name"])
    plan = workspace.assert_plan_changes("will be updated in-place", "+ managed_role_name           = (known after apply)")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    assert workspace.resource(ADDR)["arn"] == s["arn"]
    role = iam.get_role(RoleName=s["managed_role_name"])["Role"]
    assert role["Arn"] == s["node_role_arn"] == describe(eks, name)["nodeRole"]
    assert len(iam.list_attached_role_policies(RoleName=s["managed_role_name"])["AttachedPolicies"]) == 3
    workspace.destroy()
    assert not aws.role_exists(iam, s["managed_role_name"])


# ---- ownership ----------------------------------------------------------------------

@pytest.fixture
def outside_cluster(eks, iam, network, unique):
    """A cluster made outside Terraform (ACTIVE), for node groups to live in."""
    return make_cluster(eks, iam, network, f"out-{unique}", version="1.33", role_name=f"outc-{unique}")


def standalone(network, cluster_name: str, proxy: str | None = None, **attrs) -> str:
    endpoints = f'  endpoints {{\n    eks = "{proxy}"\n  }}\n' if proxy else ""
    return f'provider "platform" {{\n{endpoints}}}\n' + node_group(network, cluster_name=cluster_name, **attrs)


def ng_snapshot(eks, cluster_name: str, name: str = "workers") -> dict:
    ng = describe(eks, cluster_name, name)
    return {k: ng.get(k) for k in ("nodegroupArn", "createdAt", "nodeRole", "scalingConfig", "labels", "tags")}


def node_roles(iam, cluster_name: str) -> list[str]:
    return [r["RoleName"] for r in iam.list_roles()["Roles"]
            if r["RoleName"].startswith((f"{cluster_name}.", f"{cluster_name}-"))]


@pytest.mark.parametrize("drop", [False, True], ids=["500", "drop"])
def test_ownership_lost_answer_to_create_nodegroup(workspace, fault_proxy, eks, iam, network, outside_cluster, drop):
    """CreateNodegroup takes effect but its answer is lost: exactly one node
    group (the token makes the retry the same request), one role, and
    destroy leaves nothing."""
    fault_proxy.lose_answer("CreateNodegroup", drop=drop)
    workspace.write(standalone(network, outside_cluster, proxy=fault_proxy.url))
    if workspace.apply(check=False).code != 0:
        workspace.apply()
    workspace.assert_plan_empty()
    assert fault_proxy.injected["CreateNodegroup"] == 1
    s = workspace.resource(ADDR)
    assert eks.list_nodegroups(clusterName=outside_cluster)["nodegroups"] == ["workers"]
    assert s["created_at"] and s["arn"] == describe(eks, outside_cluster)["nodegroupArn"]
    assert node_roles(iam, outside_cluster) == [s["managed_role_name"]]
    workspace.destroy()
    assert eks.list_nodegroups(clusterName=outside_cluster)["nodegroups"] == [] or \
        describe(eks, outside_cluster)["status"] == "DELETING"
    assert node_roles(iam, outside_cluster) == []


def test_ownership_foreign_node_group_is_never_touched(workspace, eks, iam, network, outside_cluster, unique):
    """A node group of the same name made outside Terraform: the apply fails
    with the import hint before making the role, and the node group is
    untouched through apply, destroy and destroy -refresh=false."""
    role = iam.create_role(RoleName=f"outn-{unique}", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    eks.create_nodegroup(clusterName=outside_cluster, nodegroupName="workers", nodeRole=role,
                         subnets=network["subnet_ids"], scalingConfig={"minSize": 1, "maxSize": 2, "desiredSize": 1})
    before = ng_snapshot(eks, outside_cluster)
    workspace.write(standalone(network, outside_cluster))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"node group `{outside_cluster}:workers` already exists" in out, out
    assert f"terraform import platform_eks_node_group.<name> {outside_cluster}:workers" in out
    assert workspace.resources() == [] and node_roles(iam, outside_cluster) == []
    workspace.destroy()
    workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert ng_snapshot(eks, outside_cluster) == before


def test_ownership_refresh_and_state_rm(workspace, fault_proxy, eks, iam, network, outside_cluster):
    """One ResourceNotFoundException from DescribeNodegroup during refresh
    plans nothing. Forgotten by `terraform state rm`, the node group is not
    made again: the apply fails with the import command, makes no role and
    deletes nothing; imported back, it is managed as before."""
    workspace.write(standalone(network, outside_cluster, proxy=fault_proxy.url))
    workspace.apply_clean()
    fault_proxy.inject("DescribeNodegroup", 404, "ResourceNotFoundException", "No node group found for name: workers.")
    workspace.assert_plan_empty()
    assert fault_proxy.injected["DescribeNodegroup"] == 1
    s = workspace.resource(ADDR)
    before = ng_snapshot(eks, outside_cluster)
    role_id = iam.get_role(RoleName=s["managed_role_name"])["Role"]["RoleId"]
    assert s["managed_role_id"] == role_id
    workspace.run("state", "rm", ADDR)
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"terraform import platform_eks_node_group.<name> {outside_cluster}:workers" in out
    assert ng_snapshot(eks, outside_cluster) == before
    assert node_roles(iam, outside_cluster) == [s["managed_role_name"]]
    assert iam.get_role(RoleName=s["managed_role_name"])["Role"]["RoleId"] == role_id
    workspace.import_(ADDR, f"{outside_cluster}:workers")
    workspace.assert_plan_empty()
    workspace.destroy()
    assert node_roles(iam, outside_cluster) == []


def test_ownership_adoption_with_generated_config(workspace, eks, iam, network, outside_cluster, unique):
    """A node group made outside the provider, adopted with an `import {}`
    block and `plan -generate-config-out`: the configuration is valid and the
    plan imports it without any change."""
    role = iam.create_role(RoleName=f"adn-{unique}", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    eks.create_nodegroup(clusterName=outside_cluster, nodegroupName="adopted", nodeRole=role,
                         subnets=network["subnet_ids"], labels={"pool": "x"}, tags={"team": "x"},
                         scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2})
    before = ng_snapshot(eks, outside_cluster, "adopted")
    workspace.write(f'provider "platform" {{}}\nimport {{\n  to = {ADDR}\n  id = "{outside_cluster}:adopted"\n}}\n')
    workspace.run("plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
    plan = workspace.plan()
    assert "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, plan.output
    workspace.apply()
    workspace.assert_plan_empty()
    assert ng_snapshot(eks, outside_cluster, "adopted") == before
    assert workspace.resource(ADDR)["managed_role_name"] is None
    workspace.destroy()
    assert iam.get_role(RoleName=f"adn-{unique}")


@pytest.mark.parametrize("drop", [False, True], ids=["500", "drop"])
def test_ownership_lost_answer_to_an_update(workspace, fault_proxy, eks, network, outside_cluster, drop):
    """UpdateNodegroupConfig takes effect but its answer is lost: it is sent
    again with the same clientRequestToken, EKS answers with the original
    update, and exactly one update exists. With `max_retries = 0` the SDK does
    not resend by itself, so the provider's own resend is what is tested."""
    provider = f'provider "platform" {{\n  max_retries = 0\n  endpoints {{\n    eks = "{fault_proxy.url}"\n  }}\n}}\n'
    workspace.write(provider + node_group(network, cluster_name=outside_cluster))
    workspace.apply_clean()
    fault_proxy.lose_answer("UpdateNodegroupConfig", drop=drop)
    workspace.write(provider + node_group(network, cluster_name=outside_cluster, labels={"pool": "system"}))
    workspace.apply_clean()
    assert fault_proxy.injected["UpdateNodegroupConfig"] == 1
    assert fault_proxy.calls["UpdateNodegroupConfig"] == 2, "the update was not sent again after the lost answer"
    updates = eks.list_updates(name=outside_cluster, nodegroupName="workers")["updateIds"]
    assert len(updates) == 1, f"a lost answer started a second update: {updates}"
    assert describe(eks, outside_cluster)["labels"] == {"pool": "system"}
    workspace.destroy()


# ---- the node group's version against its cluster's ---------------------------------


def test_version_is_checked_against_the_cluster(workspace, eks, iam, network, outside_cluster):
    """With the cluster known (DescribeCluster at plan time), a version older
    than the cluster's or two minors newer is refused at plan time; one minor
    newer (the cluster could be upgraded in the same apply) is refused at
    apply before anything is made; a downgrade is refused at plan time."""
    def plan_with(version: str):
        workspace.write(standalone(network, outside_cluster, version=version))
        return workspace.plan()

    result = plan_with("1.32")
    assert result.code == 1, result.output
    assert "`version`: must be its cluster's version (1.33), got 1.32" in result.output, result.output
    result = plan_with("1.35")
    out = " ".join(result.output.split())
    assert result.code == 1 and "`version`: must not be newer than its cluster's version (1.33), got 1.35" in out, out
    assert "cannot reach 1.35 in this apply" in out, out
    # One minor newer: the plan cannot know; the apply refuses before making the role or node group.
    assert plan_with("1.34").code == 2
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and "`version`: must not be newer than its cluster's version (1.33), got 1.34; upgrade the cluster first" in out, out
    assert eks.list_nodegroups(clusterName=outside_cluster)["nodegroups"] == []
    assert node_roles(iam, outside_cluster) == []
    assert workspace.resources() == []
    # The cluster's version: created; then a downgrade is refused at plan time.
    workspace.write(standalone(network, outside_cluster, version="1.33"))
    workspace.apply_clean()
    result = plan_with("1.32")
    assert result.code == 1 and "`version`: EKS cannot roll a node group back to an earlier Kubernetes version: 1.33 to 1.32" in result.output, result.output
    workspace.write(standalone(network, outside_cluster, version="1.33"))
    workspace.destroy()


# ---- created role names and `node_role_arn` ---------------------------------------

def test_created_role_names_never_collide(workspace, eks, iam, network, unique):
    """Cluster `X-a` with node group `b` and cluster `X` with node group `a-b`
    both wanted the role `X-a-b-node`: the second create failed. Each now
    gets its own role, named after both."""
    x = f"col{unique}"
    make_cluster(eks, iam, network, f"{x}-a")
    make_cluster(eks, iam, network, x)
    scale = (scaling(1, 2),)
    first = block("resource", "platform_eks_node_group", "first", nested=scale, cluster_name=f"{x}-a", name="b",
                  subnet_ids=network["subnet_ids"])
    second = block("resource", "platform_eks_node_group", "second", nested=scale, cluster_name=x, name="a-b",
                   subnet_ids=network["subnet_ids"])
    workspace.write('provider "platform" {}\n' + first + second)
    workspace.apply_clean()
    a = workspace.resource("platform_eks_node_group.first")
    b = workspace.resource("platform_eks_node_group.second")
    assert (a["managed_role_name"], b["managed_role_name"]) == (f"{x}-a.b-node", f"{x}.a-b-node")
    assert describe(eks, f"{x}-a", "b")["nodeRole"] == a["node_role_arn"] != b["node_role_arn"]
    assert describe(eks, x, "a-b")["nodeRole"] == b["node_role_arn"]
    workspace.destroy()
    assert not aws.role_exists(iam, a["managed_role_name"]) and not aws.role_exists(iam, b["managed_role_name"])


def test_role_created_under_the_old_name_keeps_it(workspace, eks, iam, network, outside_cluster):
    """A node group whose role an earlier version created as
    `<cluster>-<name>-node` (with its owner tag): the recorded name is used,
    nothing is replaced or renamed, the role is made again under that name
    when deleted outside Terraform, and destroy deletes it. A new node group
    beside it gets the new name."""
    old_name = f"{outside_cluster}-workers-node"
    role = iam.create_role(RoleName=old_name, AssumeRolePolicyDocument=ROLE_POLICY, Tags=[
        {"Key": "platform:eks-node-group", "Value": f"{outside_cluster}:workers"},
        {"Key": "platform:owner", "Value": "an-earlier-create"}])["Role"]
    for policy in ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"]:
        iam.attach_role_policy(RoleName=old_name, PolicyArn=f"arn:aws:iam::aws:policy/{policy}")
    eks.create_nodegroup(clusterName=outside_cluster, nodegroupName="workers", nodeRole=role["Arn"],
                         subnets=network["subnet_ids"], instanceTypes=["t3.medium"], diskSize=20,
                         capacityType="ON_DEMAND", scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2})
    deadline = time.time() + 30
    while describe(eks, outside_cluster)["status"] != "ACTIVE":
        assert time.time() < deadline
        time.sleep(0.1)
    fresh = block("resource", "platform_eks_node_group", "fresh", nested=(scaling(1, 2),),
                  cluster_name=outside_cluster, name="fresh", subnet_ids=network["subnet_ids"])
    workspace.write(standalone(network, outside_cluster) + fresh)
    workspace.import_(ADDR, f"{outside_cluster}:workers")
    s = workspace.resource(ADDR)
    assert s["managed_role_name"] == old_name and s["managed_role_id"] == role["RoleId"]
    workspace.assert_plan_changes("platform_eks_node_group.fresh will be created", "Plan: 1 to add, 0 to change")
    workspace.apply_clean()
    assert workspace.resource("platform_eks_node_group.fresh")["managed_role_name"] == f"{outside_cluster}.fresh-node"
    assert workspace.resource(ADDR)["managed_role_name"] == old_name
    # Deleted outside Terraform: made again in place, under the recorded name and ARN.
    aws.delete_role(iam, old_name)
    plan = workspace.assert_plan_changes("will be updated in-place", "+ managed_role_name")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    again = workspace.resource(ADDR)
    assert again["managed_role_name"] == old_name and again["node_role_arn"] == role["Arn"]
    assert iam.get_role(RoleName=old_name)["Role"]["RoleId"] == again["managed_role_id"] != role["RoleId"]
    assert again["arn"] == s["arn"]
    workspace.destroy()
    assert not aws.role_exists(iam, old_name)
    assert not aws.role_exists(iam, f"{outside_cluster}.fresh-node")


def test_node_role_arn_set_to_the_created_roles_arn(workspace, eks, iam, network, outside_cluster):
    """Setting `node_role_arn` to exactly the created role's ARN, then
    removing it: no change either way (the apply without it used to fail with
    EntityAlreadyExists), and the role is still deleted with the node group."""
    workspace.write(standalone(network, outside_cluster))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    workspace.write(standalone(network, outside_cluster, node_role_arn=s["node_role_arn"]))
    workspace.assert_plan_empty()
    workspace.apply_clean()
    workspace.write(standalone(network, outside_cluster))
    workspace.assert_plan_empty()
    workspace.apply_clean()
    assert workspace.resource(ADDR)["managed_role_id"] == s["managed_role_id"]
    workspace.destroy()
    assert not aws.role_exists(iam, s["managed_role_name"])
