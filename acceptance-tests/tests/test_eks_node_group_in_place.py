"""Acceptance cases for what `platform_eks_node_group` changes in place
(`release_version`, the launch template's version, `node_repair_config`) and
for scale from zero (`autoscaler_node_template_tags`: the cluster
autoscaler's node-template tags on the node group's Auto Scaling group),
against real Terraform and the emulator. Node groups live in a cluster made
outside Terraform, so each case pays only for its node group."""
from __future__ import annotations

import pytest

from platform_acc import aws
from platform_acc.eks_helpers import make_cluster
from platform_acc.hcl import block

ADDR = "platform_eks_node_group.test"
LABEL = "k8s.io/cluster-autoscaler/node-template/label/"
TAINT = "k8s.io/cluster-autoscaler/node-template/taint/"


def scaling(min_: int, max_: int, desired: int | None = None) -> str:
    body = f"    min = {min_}\n    max = {max_}\n" + (f"    desired = {desired}\n" if desired is not None else "")
    return f"  scaling {{\n{body}  }}\n"


def taint(key: str, effect: str, value: str | None = None) -> str:
    value_line = f'    value = "{value}"\n' if value is not None else ""
    return f'  taint {{\n    key = "{key}"\n{value_line}    effect = "{effect}"\n  }}\n'


def nested(kind: str, **attrs) -> str:
    from platform_acc.hcl import value
    return f"  {kind} {{\n" + "".join(f"    {k} = {value(v)}\n" for k, v in attrs.items()) + "  }\n"


def config(cluster_name: str, network: dict, blocks=(scaling(1, 3, 1),), **attrs) -> str:
    attrs.setdefault("subnet_ids", network["subnet_ids"])
    attrs.setdefault("name", "workers")
    return 'provider "platform" {}\n' + block("resource", "platform_eks_node_group", "test", nested=tuple(blocks),
                                               cluster_name=cluster_name, **attrs)


@pytest.fixture
def eks(emulator):
    return aws.client("eks", emulator.url)


@pytest.fixture
def ec2(emulator):
    return aws.client("ec2", emulator.url)


@pytest.fixture
def asg(emulator):
    return aws.client("autoscaling", emulator.url)


@pytest.fixture
def cluster(eks, iam, network, unique):
    """A cluster made outside Terraform (ACTIVE, Kubernetes 1.33)."""
    return make_cluster(eks, iam, network, f"inp-{unique}", version="1.33", role_name=f"inpc-{unique}")


def describe(eks, cluster_name: str, name: str = "workers") -> dict:
    return eks.describe_nodegroup(clusterName=cluster_name, nodegroupName=name)["nodegroup"]


def identity(workspace) -> tuple[str, str]:
    s = workspace.resource(ADDR)
    return s["arn"], s["created_at"]


def apply_in_place(workspace, *expected: str) -> None:
    plan = workspace.assert_plan_changes("will be updated in-place", *expected)
    assert "must be replaced" not in plan.stdout, plan.stdout
    workspace.apply_clean()


def group_tags(asg, eks, cluster_name: str) -> dict[str, dict]:
    [name] = [g["name"] for g in describe(eks, cluster_name)["resources"]["autoScalingGroups"]]
    tags = asg.describe_tags(Filters=[{"Name": "auto-scaling-group", "Values": [name]}])["Tags"]
    return {t["Key"]: t for t in tags}


def launch_template(ec2, name: str, versions: int = 2) -> str:
    lt = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"ImageId": "ami-12345678"})
    for i in range(1, versions):
        ec2.create_launch_template_version(LaunchTemplateName=name, LaunchTemplateData={"ImageId": f"ami-1234567{i}"})
    return lt["LaunchTemplate"]["LaunchTemplateId"]


# ---- in place ------------------------------------------------------------------------

def test_update_release_version(workspace, eks, network, cluster):
    """A pinned AMI release, then a newer one: UpdateNodegroupVersion, waited
    for; the node group keeps its ARN and createdAt. Going back is refused at
    plan time."""
    workspace.write(config(cluster, network, release_version="1.33.0-20250704"))
    workspace.apply_clean()
    before = identity(workspace)
    assert describe(eks, cluster)["releaseVersion"] == "1.33.0-20250704"
    workspace.write(config(cluster, network, release_version="1.33.1-20250801"))
    apply_in_place(workspace, '~ release_version = "1.33.0-20250704" -> "1.33.1-20250801"')
    assert identity(workspace) == before
    ng = describe(eks, cluster)
    assert ng["releaseVersion"] == "1.33.1-20250801" and (ng["nodegroupArn"], ng["version"]) == (before[0], "1.33")
    [update] = eks.list_updates(name=cluster, nodegroupName="workers")["updateIds"]
    params = eks.describe_update(name=cluster, updateId=update, nodegroupName="workers")["update"]["params"]
    assert {"type": "ReleaseVersion", "value": "1.33.1-20250801"} in params
    # Unset again: no change, the release EKS has stays.
    workspace.write(config(cluster, network))
    workspace.assert_plan_empty()
    # Back to the older release: refused before anything is sent.
    workspace.write(config(cluster, network, release_version="1.33.0-20250704"))
    result = workspace.plan()
    assert result.code == 1 and "`release_version`: EKS cannot roll a node group back to an earlier AMI release: " \
        "1.33.1-20250801 to 1.33.0-20250704" in " ".join(result.output.split()), result.output
    workspace.write(config(cluster, network))
    workspace.destroy()


def test_update_launch_template_version(workspace, eks, ec2, network, cluster, unique):
    """A launch template by name: its id is computed; a new template version
    updates in place (same ARN and createdAt); another template replaces."""
    template = f"nodes-{unique}"
    lt_id = launch_template(ec2, template)
    workspace.write(config(cluster, network, blocks=(scaling(1, 3, 1), nested("launch_template", name=template, version="1"))))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["launch_template"] == [{"id": lt_id, "name": template, "version": "1"}]
    assert s["disk_size"] is None and "diskSize" not in describe(eks, cluster)
    before = identity(workspace)
    workspace.write(config(cluster, network, blocks=(scaling(1, 3, 1), nested("launch_template", name=template, version="2"))))
    apply_in_place(workspace, '~ version = "1" -> "2"')
    assert identity(workspace) == before
    assert describe(eks, cluster)["launchTemplate"] == {"id": lt_id, "name": template, "version": "2"}
    # The same template by id: no change.
    workspace.write(config(cluster, network, blocks=(scaling(1, 3, 1), nested("launch_template", id=lt_id, version="2"))))
    workspace.assert_plan_empty()
    # Another template: EKS cannot switch, so the node group is replaced.
    launch_template(ec2, f"other-{unique}", versions=1)
    workspace.write(config(cluster, network, blocks=(scaling(1, 3, 1), nested("launch_template", name=f"other-{unique}", version="1"))))
    workspace.assert_plan_changes("must be replaced", "# forces replacement")
    workspace.destroy()


def test_update_node_repair_config(workspace, eks, network, cluster):
    """Node auto repair on at creation, off in place, the block removed (no
    change: EKS's default), and a change outside Terraform shown and repaired."""
    def with_repair(*repair):
        return config(cluster, network, blocks=(scaling(1, 3, 1), *repair))

    workspace.write(with_repair(nested("node_repair_config", enabled=True)))
    workspace.apply_clean()
    assert describe(eks, cluster)["nodeRepairConfig"] == {"enabled": True}
    before = identity(workspace)
    workspace.write(with_repair(nested("node_repair_config", enabled=False)))
    apply_in_place(workspace, "~ enabled = true -> false")
    assert identity(workspace) == before and describe(eks, cluster)["nodeRepairConfig"] == {"enabled": False}
    workspace.write(with_repair())
    workspace.apply_clean()
    assert workspace.resource(ADDR)["node_repair_config"] == []
    # Turned on outside Terraform: drift, and the apply turns it off again.
    update = eks.update_nodegroup_config(clusterName=cluster, nodegroupName="workers",
                                         nodeRepairConfig={"enabled": True})["update"]
    aws.wait_update(eks, cluster, update["id"], "workers")
    apply_in_place(workspace, "- node_repair_config {")
    assert describe(eks, cluster)["nodeRepairConfig"] == {"enabled": False}
    assert identity(workspace) == before
    workspace.destroy()


def test_import_with_launch_template_and_repair(workspace, new_workspace, eks, ec2, network, cluster, unique):
    """A node group with a launch template (given by id) and node repair,
    imported into an empty state: the same state, and an empty plan."""
    lt_id = launch_template(ec2, f"imp-{unique}")
    blocks = (scaling(0, 3, 0), nested("launch_template", id=lt_id, version="2"), nested("node_repair_config", enabled=True))
    cfg = config(cluster, network, blocks=blocks, release_version="1.33.0-20250704", labels={"pool": "x"})
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    imported = new_workspace("imported")
    imported.write(cfg)
    imported.import_(ADDR, f"{cluster}:workers")
    imported.assert_plan_empty()
    got = imported.resource(ADDR)
    assert got["launch_template"] == created["launch_template"] == [{"id": lt_id, "name": f"imp-{unique}", "version": "2"}]
    assert got["node_repair_config"] == [{"enabled": True}] and got["release_version"] == "1.33.0-20250704"
    workspace.destroy()


def test_ownership_adoption_with_generated_config_and_launch_template(workspace, eks, ec2, iam, network, cluster, unique):
    """A node group with a launch template and node repair made outside the
    provider, adopted with an `import {}` block and `-generate-config-out`:
    the generated configuration (both the template's id and name) is valid
    and the plan imports it without any change."""
    from platform_acc.eks_helpers import ROLE_POLICY
    lt_id = launch_template(ec2, f"adl-{unique}")
    role = iam.create_role(RoleName=f"adl-{unique}", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    eks.create_nodegroup(clusterName=cluster, nodegroupName="adopted", nodeRole=role, subnets=network["subnet_ids"],
                         launchTemplate={"id": lt_id, "version": "2"}, nodeRepairConfig={"enabled": True},
                         scalingConfig={"minSize": 0, "maxSize": 3, "desiredSize": 0})
    workspace.write(f'provider "platform" {{}}\nimport {{\n  to = {ADDR}\n  id = "{cluster}:adopted"\n}}\n')
    workspace.run("plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
    plan = workspace.plan()
    assert "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, plan.output
    workspace.apply()
    workspace.assert_plan_empty()
    assert workspace.resource(ADDR)["launch_template"] == [{"id": lt_id, "name": f"adl-{unique}", "version": "2"}]
    workspace.destroy()


# ---- scale from zero ------------------------------------------------------------------

def test_scale_from_zero(workspace, eks, asg, network, cluster):
    """A tainted dedicated pool at min 0 / desired 0 publishes its labels and
    taint as the autoscaler's tags on its Auto Scaling group; a label change
    updates them; a tag removed outside shows as drift and is put back; other
    tags of the group are never touched; turning the feature off removes
    only its own tags."""
    def pool(labels: dict, on: bool = True, taints=(taint("dedicated", "NO_SCHEDULE", "batch"),)) -> str:
        return config(cluster, network, blocks=(scaling(0, 5, 0), *taints), labels=labels,
                      autoscaler_node_template_tags=on)

    workspace.write(pool({"pool": "batch"}, taints=(taint("dedicated", "NO_SCHEDULE", "batch"), taint("spot", "PREFER_NO_SCHEDULE"))))
    workspace.apply_clean()
    tags = group_tags(asg, eks, cluster)
    assert tags[f"{LABEL}pool"]["Value"] == "batch"
    assert tags[f"{TAINT}dedicated"]["Value"] == "batch:NoSchedule"
    assert tags[f"{TAINT}spot"]["Value"] == ":PreferNoSchedule"
    assert not any(tags[k]["PropagateAtLaunch"] for k in tags if k.startswith((LABEL, TAINT)))
    assert workspace.resource(ADDR)["autoscaler_tags"] == {k: v["Value"] for k, v in tags.items() if k.startswith((LABEL, TAINT))}
    [group] = workspace.resource(ADDR)["autoscaling_group_names"]
    # Tags that are not the feature's, EKS's and someone else's.
    foreign = {"team": "data", "k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage": "100Gi"}
    asg.create_or_update_tags(Tags=[{"ResourceId": group, "ResourceType": "auto-scaling-group", "Key": k, "Value": v,
                                     "PropagateAtLaunch": True} for k, v in foreign.items()])
    eks_tags = {k: v["Value"] for k, v in tags.items() if not k.startswith((LABEL, TAINT))}
    assert eks_tags["eks:nodegroup-name"] == "workers"
    workspace.assert_plan_empty()
    # A label change: the node group, then its tags.
    workspace.write(pool({"role": "etl"}))
    apply_in_place(workspace, f'- "{LABEL}pool"', f'+ "{LABEL}role"', f'- "{TAINT}spot"')
    tags = group_tags(asg, eks, cluster)
    assert {k: v["Value"] for k, v in tags.items() if k.startswith((LABEL, TAINT))} == {
        f"{LABEL}role": "etl", f"{TAINT}dedicated": "batch:NoSchedule"}
    assert describe(eks, cluster)["labels"] == {"role": "etl"}
    # Removed and changed outside Terraform: drift, repaired.
    asg.delete_tags(Tags=[{"ResourceId": group, "ResourceType": "auto-scaling-group", "Key": f"{TAINT}dedicated"}])
    asg.create_or_update_tags(Tags=[{"ResourceId": group, "ResourceType": "auto-scaling-group", "Key": f"{LABEL}role",
                                     "Value": "rogue", "PropagateAtLaunch": False}])
    apply_in_place(workspace, f'+ "{TAINT}dedicated" = "batch:NoSchedule"', f'~ "{LABEL}role" = "rogue" -> "etl"')
    tags = group_tags(asg, eks, cluster)
    assert tags[f"{TAINT}dedicated"]["Value"] == "batch:NoSchedule" and tags[f"{LABEL}role"]["Value"] == "etl"
    assert {k: tags[k]["Value"] for k in foreign} == foreign
    assert {k: tags[k]["Value"] for k in eks_tags} == eks_tags
    # Off: only the feature's tags go.
    workspace.write(pool({"role": "etl"}, on=False))
    apply_in_place(workspace, "~ autoscaler_node_template_tags = true -> false")
    tags = group_tags(asg, eks, cluster)
    assert not any(k.startswith((LABEL, TAINT)) for k in tags), tags
    assert {k: v["Value"] for k, v in tags.items()} == {**eks_tags, **foreign}
    assert workspace.resource(ADDR)["autoscaler_tags"] is None
    assert describe(eks, cluster)["scalingConfig"] == {"minSize": 0, "maxSize": 5, "desiredSize": 0}
    workspace.destroy()
    assert eks.list_nodegroups(clusterName=cluster)["nodegroups"] == [] or describe(eks, cluster)["status"] == "DELETING"


# ---- bad input ------------------------------------------------------------------------

LT = "lt-0123456789abcdef0"

BAD_INPUT = [
    ({"release_version": "1.33.0"}, "`release_version`", "must be an EKS AMI release such as \"1.33.0-20250704\""),
    ({"release_version": "1.33.0-2025"}, "`release_version`", "must be an EKS AMI release such as"),
    ({"ami_type": "BOTTLEROCKET_x86_64", "release_version": "1.33.0-20250704x"}, "`release_version`",
     "must be a Bottlerocket release such as \"1.47.0-6154605b\""),
    ({"version": "1.33", "release_version": "1.32.0-20250704"}, "`release_version`",
     "EKS installs only releases of the node group's Kubernetes version"),
    ({"blocks": (scaling(1, 3), nested("launch_template", id=LT, name="nodes", version="1"))}, "`launch_template`",
     "set exactly one of `id` and `name`"),
    ({"blocks": (scaling(1, 3), nested("launch_template", version="1"))}, "`launch_template`", "set exactly one of `id` and `name`"),
    ({"blocks": (scaling(1, 3), nested("launch_template", id=LT, version="$Latest"))}, "`launch_template.version`",
     "EKS resolves \"$Latest\" to a version number once"),
    ({"blocks": (scaling(1, 3), nested("launch_template", id=LT, version="v2"))}, "`launch_template.version`",
     "must be a launch template version number"),
    ({"blocks": (scaling(1, 3), nested("launch_template", id="lt-123", version="1"))}, "`launch_template.id`",
     "must be a launch template id such as"),
    ({"blocks": (scaling(1, 3), nested("launch_template", name="x y", version="1"))}, "`launch_template.name`",
     "must be a launch template name"),
    ({"disk_size": 50, "blocks": (scaling(1, 3), nested("launch_template", id=LT, version="1"))}, "`disk_size`",
     "EKS refuses `disk_size` with a launch template"),
    ({"ami_type": "CUSTOM"}, "`ami_type`", "`CUSTOM` runs the AMI of a launch template"),
    ({"ami_type": "CUSTOM", "release_version": "1.33.0-20250704",
      "blocks": (scaling(1, 3), nested("launch_template", id=LT, version="1"))}, "`release_version`",
     "EKS refuses a release version with `ami_type = \"CUSTOM\"`"),
    ({"ami_type": "CUSTOM", "version": "1.33", "blocks": (scaling(1, 3), nested("launch_template", id=LT, version="1"))},
     "`version`", "EKS refuses a Kubernetes version with `ami_type = \"CUSTOM\"`"),
    ({"autoscaler_node_template_tags": True, "labels": {f"l{i}": "x" for i in range(46)}},
     "`autoscaler_node_template_tags`", "at most 45 labels and `taint` blocks together, got 46"),
    ({"autoscaler_node_template_tags": True,
      "blocks": (scaling(0, 3), taint("dedicated", "NO_SCHEDULE", "a"), taint("dedicated", "NO_EXECUTE", "a"))},
     "`taint[1]`", "the cluster autoscaler's tags hold one taint per key"),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, network, attrs, path, rule):
    workspace.write(config("bad-input", network, **attrs))
    result = workspace.plan()
    out = " ".join(result.output.split())
    assert result.code == 1, result.output
    assert f"{path}: " in out and rule in out, result.output
