"""Acceptance cases for `platform_eks_addon`, against real Terraform and the
emulator (platform_acc/eks_addon_ext.py). Clusters are made outside Terraform
(`make_cluster`, fast) except where the cluster resource is the point."""
from __future__ import annotations

import json
import time

import pytest

from platform_acc import aws
from platform_acc.eks_addon_ext import ISSUE_TAG, NO_NODES_TAG
from platform_acc.eks_helpers import ROLE_POLICY, make_cluster, user_tags
from platform_acc.hcl import Raw, block

ADDR = "platform_eks_addon.test"
ROLE = f"arn:aws:iam::{aws.ACCOUNT_ID}:role/addon-irsa"
COREDNS_1_33 = "v1.12.1-eksbuild.2"  # the emulator's default coredns for Kubernetes 1.33
COREDNS_NEWER = "v1.12.2-eksbuild.4"


@pytest.fixture
def eks(emulator):
    return aws.client("eks", emulator.url)


@pytest.fixture
def new_cluster(eks, iam, network, unique):
    """Makes clusters outside Terraform (ACTIVE, delay 0.3 s)."""
    made = []

    def make(version: str = "1.33", tags: dict | None = None, suffix: str = "") -> str:
        name = f"ad{suffix}-{unique}"
        made.append(name)
        return make_cluster(eks, iam, network, name, version=version, role_name=f"{name}-c", tags=tags)
    return make


def provider(proxy: str | None = None, extra: str = "") -> str:
    endpoints = f'  endpoints {{\n    eks = "{proxy}"\n  }}\n' if proxy else ""
    return f'provider "platform" {{\n{extra}{endpoints}}}\n'


def addon(cluster: str, proxy: str | None = None, extra: str = "", nested=(), **attrs) -> str:
    attrs.setdefault("cluster_name", cluster)
    attrs.setdefault("addon_name", "coredns")
    return provider(proxy, extra) + block("resource", "platform_eks_addon", "test", nested=tuple(nested), **attrs)


def describe(eks, cluster: str, name: str = "coredns") -> dict:
    return eks.describe_addon(clusterName=cluster, addonName=name)["addon"]


def snapshot(eks, cluster: str, name: str = "coredns") -> dict:
    a = describe(eks, cluster, name)
    return {k: a.get(k) for k in ("addonArn", "createdAt", "addonVersion", "configurationValues", "tags")}


def wait_gone(eks, cluster: str, name: str = "coredns", timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while name in eks.list_addons(clusterName=cluster)["addons"]:
        assert time.time() < deadline, f"add-on {name} not gone"
        time.sleep(0.1)


def squeeze(text: str) -> str:
    return " ".join(text.split())


def test_basic(workspace, eks, new_cluster):
    cluster = new_cluster()
    config = '{"replicaCount": 3, "resources": {"limits": {"memory": "256Mi"}}}'
    workspace.write(addon(cluster, configuration_values=config, tags={"team": "platform"},
                          resolve_conflicts_on_create="OVERWRITE"))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    remote = describe(eks, cluster)
    assert s["id"] == f"{cluster}:coredns" and s["arn"] == remote["addonArn"] and s["created_at"]
    assert s["addon_version"] == COREDNS_1_33 == remote["addonVersion"] and s["kubernetes_version"] == "1.33"
    assert s["status"] == "ACTIVE" and s["health_issues"] == []
    assert s["configuration_values"] == config and json.loads(remote["configurationValues"]) == json.loads(config)
    assert user_tags(remote["tags"]) == {"team": "platform"} and s["tags_all"] == {"team": "platform"}
    workspace.destroy()
    assert eks.list_addons(clusterName=cluster)["addons"] == []


def test_update(workspace, eks, new_cluster):
    """Version, configuration and tags change in place (one AddonUpdate),
    keeping ARN and created_at; the add-on name replaces it."""
    cluster = new_cluster()
    workspace.write(addon(cluster, addon_version=COREDNS_1_33, configuration_values='{"replicaCount": 2}'))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    workspace.write(addon(cluster, addon_version=COREDNS_NEWER, configuration_values='{"replicaCount": 3}',
                          tags={"k": "v"}, resolve_conflicts_on_update="PRESERVE"))
    plan = workspace.assert_plan_changes("will be updated in-place", f'~ addon_version = "{COREDNS_1_33}" -> "{COREDNS_NEWER}"')
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert (after["arn"], after["created_at"]) == (before["arn"], before["created_at"])
    remote = describe(eks, cluster)
    assert remote["addonVersion"] == COREDNS_NEWER and json.loads(remote["configurationValues"]) == {"replicaCount": 3}
    assert user_tags(remote["tags"]) == {"k": "v"}
    updates = eks.list_updates(name=cluster, addonName="coredns")["updateIds"]
    assert len(updates) == 1
    update = eks.describe_update(name=cluster, updateId=updates[0], addonName="coredns")["update"]
    assert update["status"] == "Successful" and update["type"] == "AddonUpdate"
    # Removing the configuration puts the defaults back, in place.
    workspace.write(addon(cluster, addon_version=COREDNS_NEWER, tags={"k": "v"}))
    workspace.apply_clean()
    assert "configurationValues" not in describe(eks, cluster)
    # Another add-on name replaces it.
    workspace.write(addon(cluster, addon_name="kube-proxy"))
    workspace.assert_plan_changes("must be replaced", "# forces replacement")
    workspace.apply_clean()
    assert eks.list_addons(clusterName=cluster)["addons"] == ["kube-proxy"]
    workspace.destroy()
    assert eks.list_addons(clusterName=cluster)["addons"] == []


def test_update_failed(workspace, eks, new_cluster):
    """An AddonUpdate that ends Failed fails the apply with EKS's error; state
    keeps what EKS has, so the next plan shows the change again."""
    cluster = new_cluster(tags={"platform-emulator/fail-updates": "true"})
    workspace.write(addon(cluster, configuration_values='{"replicaCount": 2}'))
    workspace.apply_clean()
    workspace.write(addon(cluster, configuration_values='{"replicaCount": 3}'))
    result = workspace.apply(check=False)
    out = squeeze(result.output)
    assert result.code == 1 and f"updating EKS add-on `{cluster}:coredns`" in out, out
    assert "AddonUpdate" in out and "failed: Failed: Unknown: the update failed" in out, out
    assert workspace.resource(ADDR)["configuration_values"] == '{"replicaCount": 2}'
    workspace.assert_plan_changes("~ configuration_values")
    workspace.destroy()


def test_import(workspace, new_workspace, eks, new_cluster):
    cluster = new_cluster()
    cfg = addon(cluster, configuration_values='{"replicaCount": 2}', tags={"team": "x"})
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    imported = new_workspace("imported")
    imported.write(cfg)
    imported.import_(ADDR, f"{cluster}:coredns")
    assert imported.resource(ADDR) == created
    imported.assert_plan_empty()
    other = new_workspace("bad")
    other.write(cfg)
    bad = other.run("import", "-no-color", ADDR, "no-colon", check=False)
    assert bad.code == 1 and "is not `<cluster_name>:<addon_name>`" in bad.output
    missing = other.run("import", "-no-color", ADDR, f"{cluster}:vpc-cni", check=False)
    assert missing.code == 1 and "no such add-on" in missing.output
    workspace.destroy()


def test_disappears(workspace, eks, new_cluster):
    cluster = new_cluster()
    workspace.write(addon(cluster))
    workspace.apply_clean()
    eks.delete_addon(clusterName=cluster, addonName="coredns")
    wait_gone(eks, cluster)
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and ADDR not in workspace.resources()
    workspace.assert_plan_changes(f"{ADDR} will be created")
    workspace.apply_clean()
    assert describe(eks, cluster)["status"] == "ACTIVE"
    workspace.destroy()


def test_drift(workspace, eks, new_cluster):
    """Version, configuration and tags changed outside show as exact diffs and
    are put back; an equivalent configuration text is no change."""
    cluster = new_cluster()
    workspace.write(addon(cluster, addon_version=COREDNS_1_33, configuration_values='{"replicaCount": 2}',
                          tags={"owner": "platform"}))
    workspace.apply_clean()
    arn = workspace.resource(ADDR)["arn"]
    update = eks.update_addon(clusterName=cluster, addonName="coredns", addonVersion=COREDNS_NEWER,
                              configurationValues='{"replicaCount": 5}')["update"]
    wait_update(eks, cluster, update["id"])
    eks.tag_resource(resourceArn=arn, tags={"rogue": "yes"})
    workspace.assert_plan_changes(f'~ addon_version = "{COREDNS_NEWER}" -> "{COREDNS_1_33}"',
                                  "~ configuration_values", '- "rogue" = "yes"')
    workspace.apply_clean()
    remote = describe(eks, cluster)
    assert remote["addonVersion"] == COREDNS_1_33 and json.loads(remote["configurationValues"]) == {"replicaCount": 2}
    assert user_tags(remote["tags"]) == {"owner": "platform"} and remote["addonArn"] == arn
    # The same configuration written differently outside: no change, the user's text kept.
    update = eks.update_addon(clusterName=cluster, addonName="coredns",
                              configurationValues='{\n  "replicaCount" : 2\n}')["update"]
    wait_update(eks, cluster, update["id"])
    workspace.assert_plan_empty()
    assert workspace.resource(ADDR)["configuration_values"] == '{"replicaCount": 2}'
    workspace.destroy()


def wait_update(eks, cluster: str, update_id: str) -> None:
    deadline = time.time() + 30
    while eks.describe_update(name=cluster, updateId=update_id, addonName="coredns")["update"]["status"] == "InProgress":
        assert time.time() < deadline
        time.sleep(0.1)


def test_no_perpetual_diff(workspace, eks, new_cluster):
    cluster = new_cluster()
    workspace.write(addon(
        cluster, addon_name="aws-ebs-csi-driver", addon_version="v1.41.0-eksbuild.1",
        configuration_values=Raw('jsonencode({ controller = { replicaCount = 2, extraVolumeTags = { b = "2", a = "1" } } })'),
        service_account_role_arn=ROLE, resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="PRESERVE",
        pod_identity_associations=[{"role_arn": ROLE, "service_account": "ebs-csi-controller-sa"}],
        tags={"b": "2", "a": "1"}, nested=('  timeouts {\n    update = "90m"\n  }\n',)))
    workspace.apply_clean()
    s = workspace.resource("platform_eks_addon.test")
    assert len(s["pod_identity_association_arns"]) == 1 and s["service_account_role_arn"] == ROLE
    workspace.assert_plan_empty()
    workspace.destroy()


BAD_INPUT = [
    ({"addon_name": "CoreDNS"}, "`addon_name`", "must be an add-on name as DescribeAddonVersions lists them"),
    ({"addon_name": "no-such-addon"}, "`addon_name`", "EKS offers no add-on \"no-such-addon\" for Kubernetes 1.33"),
    ({"addon_version": "latest"}, "`addon_version`", "must be an add-on version such as \"v1.19.2-eksbuild.1\""),
    ({"addon_name": "kube-proxy", "addon_version": "v1.32.0-eksbuild.2"}, "`addon_version`",
     "v1.32.0-eksbuild.2 is not a version of \"kube-proxy\" EKS offers for Kubernetes 1.33"),
    ({"kubernetes_version": "1.35"}, "`kubernetes_version`",
     "must be its cluster's version (1.33), or the next one during an upgrade, got 1.35"),
    ({"configuration_values": "[1]"}, "`configuration_values`", "must be a JSON object such as"),
    ({"configuration_values": "{replicaCount: 2}"}, "`configuration_values`", "must be valid JSON (use jsonencode"),
    ({"configuration_values": '{"replicaCount": "three"}'}, "`configuration_values`",
     "does not fit the configuration schema of coredns v1.12.1-eksbuild.2: $.replicaCount: must be integer, got string \"three\""),
    ({"configuration_values": '{"replicas": 3}'}, "`configuration_values`",
     "$.replicas: is not a property the schema allows"),
    ({"resolve_conflicts_on_create": "PRESERVE"}, "`resolve_conflicts_on_create`", "on create PRESERVE works as NONE"),
    ({"resolve_conflicts_on_update": "MERGE"}, "`resolve_conflicts_on_update`",
     "must be one of \"NONE\", \"OVERWRITE\", \"PRESERVE\""),
    ({"pod_identity_associations": [{"role_arn": ROLE, "service_account": "sa"}, {"role_arn": ROLE, "service_account": "sa"}]},
     "`pod_identity_associations[1].service_account`", "EKS allows one pod identity association per service account"),
    ({"service_account_role_arn": "arn:aws:iam::123456789012:policy/x"}, "`service_account_role_arn`",
     "must be an IAM role ARN"),
]


def test_bad_input(workspace, eks, new_cluster):
    """Every limit is refused at plan time with the attribute path and the
    fix; nothing is made."""
    cluster = new_cluster()
    problems = []
    for attrs, path, message in BAD_INPUT:
        workspace.write(addon(cluster, **attrs))
        result = workspace.plan()
        out = squeeze(result.output)
        if result.code != 1 or path not in out or squeeze(message) not in out:
            problems.append(f"{attrs}: exit {result.code}, expected {path} {message!r}:\n{result.output}")
    assert not problems, "\n\n".join(problems)
    assert eks.list_addons(clusterName=cluster)["addons"] == []


# ---- ownership --------------------------------------------------------------------


@pytest.mark.parametrize("drop", [False, True], ids=["500", "drop"])
def test_ownership_lost_answer_to_create_addon(workspace, fault_proxy, eks, new_cluster, drop):
    """CreateAddon takes effect but its answer is lost: exactly one add-on (the
    token makes the resend the same request), recorded, and destroyed."""
    cluster = new_cluster()
    fault_proxy.lose_answer("CreateAddon", drop=drop)
    workspace.write(addon(cluster, proxy=fault_proxy.url))
    if workspace.apply(check=False).code != 0:
        workspace.apply()
    workspace.assert_plan_empty()
    assert fault_proxy.injected["CreateAddon"] == 1
    assert eks.list_addons(clusterName=cluster)["addons"] == ["coredns"]
    s = workspace.resource(ADDR)
    assert s["arn"] == describe(eks, cluster)["addonArn"] and s["created_at"]
    workspace.destroy()
    assert eks.list_addons(clusterName=cluster)["addons"] == []


@pytest.mark.parametrize("drop", [False, True], ids=["500", "drop"])
def test_ownership_lost_answer_to_an_update(workspace, fault_proxy, eks, new_cluster, drop):
    """UpdateAddon's answer is lost: sent again with the same token (the SDK's
    own retries off), and exactly one update exists."""
    cluster = new_cluster()
    extra = "  max_retries = 0\n"
    workspace.write(addon(cluster, proxy=fault_proxy.url, extra=extra))
    workspace.apply_clean()
    fault_proxy.lose_answer("UpdateAddon", drop=drop)
    workspace.write(addon(cluster, proxy=fault_proxy.url, extra=extra, configuration_values='{"replicaCount": 4}'))
    workspace.apply_clean()
    assert fault_proxy.injected["UpdateAddon"] == 1 and fault_proxy.calls["UpdateAddon"] == 2
    assert len(eks.list_updates(name=cluster, addonName="coredns")["updateIds"]) == 1
    assert json.loads(describe(eks, cluster)["configurationValues"]) == {"replicaCount": 4}
    workspace.destroy()


def test_ownership_foreign_addon_is_never_touched(workspace, eks, new_cluster):
    """An add-on installed outside Terraform: the apply fails with the import
    hint, and the add-on is untouched through apply, destroy and destroy
    -refresh=false."""
    cluster = new_cluster()
    eks.create_addon(clusterName=cluster, addonName="coredns", configurationValues='{"replicaCount": 2}')
    before = snapshot(eks, cluster)
    workspace.write(addon(cluster))
    result = workspace.apply(check=False)
    out = squeeze(result.output)
    assert result.code == 1 and f"EKS add-on `{cluster}:coredns` already exists" in out, out
    assert f"terraform import platform_eks_addon.<name> {cluster}:coredns" in out
    assert workspace.resources() == []
    workspace.destroy()
    workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert snapshot(eks, cluster) == before


def test_ownership_refresh_and_state_rm(workspace, fault_proxy, eks, new_cluster):
    """One ResourceNotFoundException from DescribeAddon during refresh plans
    nothing; a malformed answer is an error that keeps the state. Forgotten by
    `terraform state rm`, the add-on is not made again: the apply fails with
    the import command; imported back, it is managed as before."""
    cluster = new_cluster()
    workspace.write(addon(cluster, proxy=fault_proxy.url))
    workspace.apply_clean()
    fault_proxy.inject("DescribeAddon", 404, "ResourceNotFoundException", f"No addon: coredns found in cluster: {cluster}")
    workspace.assert_plan_empty()
    assert fault_proxy.injected["DescribeAddon"] == 1
    fault_proxy.inject("DescribeAddon", 200, "", "", mode="malformed")
    result = workspace.plan()
    assert result.code == 1 and "reading EKS add-on" in result.output, result.output
    assert ADDR in workspace.resources()
    before = snapshot(eks, cluster)
    workspace.run("state", "rm", ADDR)
    result = workspace.apply(check=False)
    out = squeeze(result.output)
    assert result.code == 1 and f"terraform import platform_eks_addon.<name> {cluster}:coredns" in out, out
    assert snapshot(eks, cluster) == before
    workspace.import_(ADDR, f"{cluster}:coredns")
    workspace.assert_plan_empty()
    workspace.destroy()
    assert eks.list_addons(clusterName=cluster)["addons"] == []


def test_ownership_delete_needs_the_recorded_identity(workspace, eks, new_cluster):
    """The add-on is deleted and made again outside Terraform (same name,
    another ARN): refresh drops it from state, the next apply refuses with the
    import hint, and a destroy from the old state leaves it alone."""
    cluster = new_cluster()
    workspace.write(addon(cluster))
    workspace.apply_clean()
    state_file = (workspace.dir / "terraform.tfstate").read_text()
    eks.delete_addon(clusterName=cluster, addonName="coredns")
    wait_gone(eks, cluster)
    eks.create_addon(clusterName=cluster, addonName="coredns")
    foreign = snapshot(eks, cluster)
    # Destroy from the state that recorded the old one, without refresh.
    (workspace.dir / "terraform.tfstate").write_text(state_file)
    result = workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert "was not deleted" in squeeze(result.output), result.output
    assert snapshot(eks, cluster) == foreign
    workspace.write(addon(cluster))
    result = workspace.apply(check=False)
    assert result.code == 1 and "already exists" in result.output
    assert snapshot(eks, cluster) == foreign


def test_ownership_adoption_with_generated_config(workspace, eks, new_cluster):
    """An add-on made outside the provider, adopted with an `import {}` block
    and `plan -generate-config-out`: the plan imports it without any change."""
    cluster = new_cluster()
    eks.create_addon(clusterName=cluster, addonName="vpc-cni", addonVersion="v1.19.2-eksbuild.1",
                     configurationValues='{"env": {"WARM_IP_TARGET": "5"}}', tags={"team": "x"})
    before = snapshot(eks, cluster, "vpc-cni")
    workspace.write(provider() + f'import {{\n  to = {ADDR}\n  id = "{cluster}:vpc-cni"\n}}\n')
    workspace.run("plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
    plan = workspace.plan()
    assert "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, plan.output
    workspace.apply()
    workspace.assert_plan_empty()
    after = snapshot(eks, cluster, "vpc-cni")
    assert after == before
    workspace.destroy()
    assert eks.list_addons(clusterName=cluster)["addons"] == []


# ---- the version follows the cluster ------------------------------------------------


def test_version_follows_cluster_upgrade(workspace, eks, new_cluster):
    """Unpinned: the cluster upgraded (outside, here) moves the add-on to the
    new version's default on the next plan; a newer default published for
    the same Kubernetes version is not drift (the installed one stays)."""
    cluster = new_cluster(version="1.32")
    workspace.write(addon(cluster))
    workspace.apply_clean()
    assert workspace.resource(ADDR)["addon_version"] == "v1.11.4-eksbuild.2"
    update = eks.update_cluster_version(name=cluster, version="1.33")["update"]
    aws.wait_update(eks, cluster, update["id"])
    workspace.assert_plan_changes('~ kubernetes_version = "1.32" -> "1.33"',
                                  f'~ addon_version = "v1.11.4-eksbuild.2" -> "{COREDNS_1_33}"')
    workspace.apply_clean()
    assert describe(eks, cluster)["addonVersion"] == COREDNS_1_33
    # Another version installed outside, unpinned: kept, not drift.
    update = eks.update_addon(clusterName=cluster, addonName="coredns", addonVersion=COREDNS_NEWER)["update"]
    wait_update(eks, cluster, update["id"])
    workspace.assert_plan_empty()
    workspace.destroy()


def test_version_follows_cluster_upgrade_in_the_same_apply(workspace, eks, network, unique):
    """With `kubernetes_version = platform_eks_cluster.main.version`, one apply
    upgrades the cluster, then moves the add-on to the new default."""
    name = f"adup-{unique}"

    def config(version: str) -> str:
        return provider() + block("resource", "platform_eks_cluster", "main", name=name, version=version,
                                  subnet_ids=network["subnet_ids"], create_oidc_provider=False,
                                  tags={"platform-emulator/delay-seconds": "0.3"}) + block(
            "resource", "platform_eks_addon", "test", cluster_name=Raw("platform_eks_cluster.main.name"),
            addon_name="kube-proxy", kubernetes_version=Raw("platform_eks_cluster.main.version"))

    workspace.write(config("1.32"))
    workspace.apply_clean()
    assert describe(eks, name, "kube-proxy")["addonVersion"] == "v1.32.0-eksbuild.2"
    workspace.write(config("1.33"))
    workspace.assert_plan_changes('~ kubernetes_version = "1.32" -> "1.33"', "~ addon_version")
    workspace.apply_clean()
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.33"
    assert describe(eks, name, "kube-proxy")["addonVersion"] == "v1.33.0-eksbuild.2"
    workspace.destroy()


# ---- DEGRADED ---------------------------------------------------------------------


def test_degraded_without_nodes_is_not_a_failure(workspace, eks, network, new_cluster):
    """coredns on a cluster without nodes: the apply succeeds with a warning,
    status DEGRADED with the health issue, plan empty; once a node group is
    ACTIVE it turns ACTIVE, and the plan stays empty."""
    cluster = new_cluster(tags={NO_NODES_TAG: "true"})
    workspace.write(addon(cluster))
    result = workspace.apply()
    out = squeeze(result.output)
    assert f"EKS add-on `{cluster}:coredns` is DEGRADED until nodes can run its pods" in out, out
    assert "InsufficientNumberOfReplicas" in out
    s = workspace.resource(ADDR)
    assert s["status"] == "DEGRADED"
    assert s["health_issues"] == ["InsufficientNumberOfReplicas: The add-on is unhealthy because it doesn't have "
                                  "the desired number of replicas."]
    workspace.assert_plan_empty()
    # An update while it waits for nodes succeeds the same way.
    workspace.write(addon(cluster, configuration_values='{"replicaCount": 2}'))
    assert "is DEGRADED until nodes can run its pods" in squeeze(workspace.apply().output)
    workspace.assert_plan_empty()
    # Nodes come: ACTIVE by itself, nothing to change.
    nodes = block("resource", "platform_eks_node_group", "workers", cluster_name=cluster, name="workers",
                  subnet_ids=network["subnet_ids"], nested=("  scaling {\n    min = 1\n    max = 2\n  }\n",))
    workspace.write(addon(cluster, configuration_values='{"replicaCount": 2}') + nodes)
    workspace.apply_clean()
    deadline = time.time() + 30
    while describe(eks, cluster)["status"] != "ACTIVE":
        assert time.time() < deadline
        time.sleep(0.1)
    workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert workspace.resource(ADDR)["status"] == "ACTIVE" and workspace.resource(ADDR)["health_issues"] == []
    workspace.assert_plan_empty()
    workspace.destroy()


def test_degraded_with_other_issue_fails(workspace, eks, new_cluster):
    """Any other health issue fails the apply with the issue; the add-on made
    is recorded (tainted), so destroy removes it: no orphan."""
    cluster = new_cluster(tags={ISSUE_TAG: "ConfigurationConflict"})
    workspace.write(addon(cluster, addon_name="vpc-cni"))
    result = workspace.apply(check=False)
    out = squeeze(result.output)
    assert result.code == 1 and f"creating EKS add-on `{cluster}:vpc-cni`" in out, out
    assert "the add-on is DEGRADED ConfigurationConflict: Conflicts found when trying to apply" in out, out
    s = workspace.resource(ADDR)
    assert s["arn"] == describe(eks, cluster, "vpc-cni")["addonArn"]
    workspace.destroy()
    assert eks.list_addons(clusterName=cluster)["addons"] == []
