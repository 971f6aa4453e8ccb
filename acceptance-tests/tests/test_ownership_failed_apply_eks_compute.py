"""Failed applies of `platform_eks_cluster` and `platform_eks_node_group`
(issue 23): a create that fails at one of its steps, a create whose answer is
lost on every attempt, and a tainted instance.

Every case runs with the SDK's retries off (`max_retries = 0`) and every AWS
endpoint behind the fault proxy, so exactly the injected failure strikes.
After each Terraform command the output must hold no "invalid result object"
or "inconsistent result" error; at the end there is exactly one object of
each kind (cluster, its role, its key, its OIDC provider; node group and its
role), and destroy leaves nothing.

Modes: `500` is a 500 after the request was forwarded (it took effect, its
answer is lost), `drop` a dropped connection after forwarding, `failed` the
emulator's `platform-emulator/fail-create` switch (the create ends FAILED /
CREATE_FAILED).

Cheap by construction: the creates that find their object again after a lost
answer (CreateKey, CreateRole, CreateCluster, CreateOpenIDConnectProvider;
CreateRole, CreateNodegroup) do not interfere, so one apply loses the answer
of each of them (`creates_answer_lost_<mode>`), in both modes. The steps that
fail the apply (the role's policies, the wait, the autoscaler tags) run one
mode each, alternating: both modes reach the provider as the same error
(`ApiError::ambiguous`, a 5xx and a dispatch failure alike) and a step that
is not retried fails the same way after either. The emulated clusters
answer at once (`platform-emulator/delay-seconds = 0`); the waits themselves
are covered by `test_eks_cluster.py` and `test_eks_node_group.py`.
"""
from __future__ import annotations

import base64
import json
import time

import pytest

from platform_acc import aws
from platform_acc.eks_helpers import make_cluster
from platform_acc.hcl import block

CLUSTER = "platform_eks_cluster.test"
NODE_GROUP = "platform_eks_node_group.test"
OWNER_TAG = "platform:owner"
FAIL_CREATE = "platform-emulator/fail-create"
NO_DELAY = {"platform-emulator/delay-seconds": "0"}
# Terraform's words for a provider that returned a state it cannot accept.
PROVIDER_BUGS = ("invalid result object", "inconsistent result", "Provider produced inconsistent",
                 "Provider produced invalid", "provider bug")
# CreateCluster / CreateNodegroup attempts in all after lost answers (ownership::LOST_ANSWER_ATTEMPTS).
LOST_ANSWER_ATTEMPTS = 3
# "Every attempt": more than any bounded retry makes (what is left is cleared after the apply).
EVERY = 50


def provider(proxy: str) -> str:
    """SDK retries off; every service behind the fault proxy."""
    services = "".join(f'    {s} = "{proxy}"\n' for s in ("eks", "iam", "kms", "sts", "autoscaling"))
    return f'provider "platform" {{\n  max_retries = 0\n  endpoints {{\n{services}  }}\n}}\n'


def checked(result):
    """`result`, after checking Terraform saw no provider bug."""
    for text in PROVIDER_BUGS:
        assert text not in result.output, f"{text!r} in:\n{result}"
    return result


def instance(workspace, address: str) -> dict:
    """The raw state instance (with `status` and `private`)."""
    state = json.loads((workspace.dir / "terraform.tfstate").read_text())
    kind, name = address.split(".")
    [res] = [r for r in state["resources"] if r["type"] == kind and r["name"] == name]
    [inst] = [i for i in res["instances"] if "deposed" not in i]
    return inst


def lose(proxy, action: str, mode: str) -> None:
    """The answer of `action` lost on every attempt the provider makes (the
    token's resends for CreateCluster and CreateNodegroup; a create found by
    its marker is sent once)."""
    proxy.lose_answer(action, times=EVERY, drop=(mode == "drop"))


def first_apply(workspace, proxy, actions: tuple[str, ...], mode: str):
    """Apply #1; checks each fault struck (and the token's resends were
    bounded), then clears what is left of the faults."""
    result = checked(workspace.apply(check=False))
    if mode != "failed":
        for action in actions:
            assert proxy.injected[action] >= 1, f"{action} was never called:\n{result}"
    for action in ("CreateCluster", "CreateNodegroup"):
        if action in actions:
            assert proxy.calls[action] == LOST_ANSWER_ATTEMPTS, "lost answers were not bounded"
    proxy.clear_faults()
    return result


# ---- platform_eks_cluster ------------------------------------------------------------

def cluster_config(proxy: str, name: str, network: dict, **attrs) -> str:
    attrs.setdefault("version", "1.33")
    attrs.setdefault("create_oidc_provider", False)
    tags = {"case": name, **NO_DELAY, **attrs.pop("tags", {})}
    return provider(proxy) + block("resource", "platform_eks_cluster", "test", name=name,
                                   subnet_ids=network["subnet_ids"], tags=tags, **attrs)


def live_keys(kms, name: str) -> list[str]:
    """Keys made for cluster `name` (its owner tag) not pending deletion."""
    found = []
    for key in kms.list_keys(Limit=1000)["Keys"]:
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])}
        if tags.get("platform:eks-cluster") == name and \
                kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion":
            found.append(key["KeyId"])
    return found


def oidc_providers(iam, name: str) -> list[str]:
    """OIDC providers made for this case (its `case` tag)."""
    found = []
    for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        tags = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=p["Arn"]).get("Tags", [])
        if {"Key": "case", "Value": name} in tags:
            found.append(p["Arn"])
    return found


def cluster_objects(clients, name: str) -> dict:
    """What exists of cluster `name` and what it made (a deleted key is pending deletion, not counted)."""
    return {
        "clusters": [c for c in clients.eks.list_clusters()["clusters"] if c == name],
        "roles": [r["RoleName"] for r in clients.iam.list_roles()["Roles"] if r["RoleName"].startswith(name)],
        "keys": live_keys(clients.kms, name),
        "oidc": oidc_providers(clients.iam, name),
    }


def assert_one_cluster(workspace, clients, name: str, oidc: bool = False) -> dict:
    s = workspace.resource(CLUSTER)
    have = cluster_objects(clients, name)
    assert have == {"clusters": [name], "roles": [f"{name}-cluster"], "keys": [s["managed_kms_key_id"]],
                    "oidc": [s["oidc_provider_arn"]] if oidc else []}, have
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert s["arn"] == c["arn"] and s["status"] == "ACTIVE" and s["created_at"]
    assert clients.iam.get_role(RoleName=s["managed_role_name"])["Role"]["RoleId"] == s["managed_role_id"]
    # The owner marker is on the cluster and never in state.
    assert len(c["tags"][OWNER_TAG]) == 32 and OWNER_TAG not in s["tags_all"]
    return s


def assert_no_cluster(clients, name: str) -> None:
    have = cluster_objects(clients, name)
    assert have == {"clusters": [], "roles": [], "keys": [], "oidc": []}, have


CLUSTER_CREATES = ("CreateKey", "CreateRole", "CreateCluster", "CreateOpenIDConnectProvider")
CLUSTER_STEPS = [
    # (step, mode, actions whose answer is lost, what the failed apply records; None: it converges at once)
    ("creates_answer_lost", "500", CLUSTER_CREATES, None),
    ("creates_answer_lost", "drop", CLUSTER_CREATES, None),
    ("PutRolePolicy", "drop", ("PutRolePolicy",), ("managed_kms_key_id", "managed_role_id")),
    ("AttachRolePolicy", "500", ("AttachRolePolicy",), ("managed_kms_key_id", "managed_role_id")),
    ("wait", "failed", (), ("managed_kms_key_id", "managed_role_id", "arn", "created_at")),
    # Reproduction 1 of issue 23: EKS refuses the create (an IPv6 cluster on
    # IPv4-only subnets, no `upgrade_policy` block): only the real error.
    ("CreateCluster", "refused", (), ("managed_kms_key_id", "managed_role_id")),
]


@pytest.mark.parametrize("step,mode,actions,recorded", CLUSTER_STEPS, ids=[f"{st}_{m}" for st, m, _, _ in CLUSTER_STEPS])
def test_ownership_failed_apply_cluster(workspace, fault_proxy, clients, network, unique, step, mode, actions,
                                        recorded):
    """A create step fails (or loses its answer on every attempt); the apply
    after it converges to one object of each kind, and destroy leaves none.
    The creates with a marker or token find what they made after a lost
    answer and adopt it in the same apply; a later step's failure leaves a
    tainted instance naming the key and role (and the cluster), which the
    next apply replaces."""
    name = f"fa-{unique}"
    oidc = step == "creates_answer_lost"
    broken = {"tags": {FAIL_CREATE: "true"}} if mode == "failed" else {"ip_family": "ipv6"} if mode == "refused" else {}
    for action in actions:
        lose(fault_proxy, action, mode)
    workspace.write(cluster_config(fault_proxy.url, name, network, create_oidc_provider=oidc, **broken))
    first = first_apply(workspace, fault_proxy, actions, mode)
    if recorded is None:
        assert first.code == 0, first.output
        workspace.assert_plan_empty()
    else:
        assert first.code == 1 and first.output.count("Error: ") == 1, f"not only the real error:\n{first}"
        if mode == "refused":
            assert '`ip_family = "ipv6"` needs dual-stack subnets' in " ".join(first.output.split()), first.output
        assert instance(workspace, CLUSTER).get("status") == "tainted"
        s = workspace.resource(CLUSTER)
        assert all(s[k] for k in recorded), {k: s[k] for k in recorded}
        assert (s["arn"] is None) == ("arn" not in recorded), s["arn"]
        if mode == "failed":
            assert s["status"] == "FAILED" and "the cluster is FAILED" in " ".join(first.output.split())
        workspace.write(cluster_config(fault_proxy.url, name, network, create_oidc_provider=oidc))
        checked(workspace.apply())
        if mode == "failed":
            assert workspace.resource(CLUSTER)["created_at"] != s["created_at"], "the failed cluster was not replaced"
    assert_one_cluster(workspace, clients, name, oidc=oidc)
    checked(workspace.destroy())
    assert_no_cluster(clients, name)
    assert workspace.resources() == []


def test_ownership_failed_apply_cluster_answer_lost_every_retry(workspace, fault_proxy, clients, network, unique):
    """CreateCluster takes effect but every answer is lost, and the look-up
    by name after the last attempt fails too: the apply fails within a few
    seconds (not the 120 s IAM-propagation window) with one "outcome unknown"
    error, leaving a tainted instance with the role, the key and the marker
    it sent. The next plan's refresh finds the cluster by that marker, so
    the apply replaces it: one cluster, and destroy leaves nothing."""
    name = f"lost-{unique}"
    fault_proxy.lose_answer("CreateCluster", times=EVERY)
    # DescribeCluster #1 is the check that the name is free (let through); #2 the look-up after the lost answers.
    fault_proxy.inject("DescribeCluster", 500, "InternalFailure", "injected: the look-up fails too", skip=1)
    workspace.write(cluster_config(fault_proxy.url, name, network))
    started = time.monotonic()
    first = checked(workspace.apply(check=False))
    elapsed = time.monotonic() - started
    print(f"the apply whose create lost every answer took {elapsed:.1f}s")
    out = " ".join(first.output.split())
    assert first.code == 1 and first.output.count("Error: ") == 1, f"not only the real error:\n{first}"
    assert fault_proxy.calls["CreateCluster"] == LOST_ANSWER_ATTEMPTS
    fault_proxy.clear_faults()
    assert fault_proxy.injected["DescribeCluster"] == 1
    assert "the answer to CreateCluster was lost on every attempt" in out, out
    assert f"whether EKS cluster `{name}` exists is unknown" in out, out
    # Bounded: three attempts with a short backoff, not the IAM-propagation window.
    assert elapsed < 30, f"the failed apply took {elapsed:.1f}s"
    inst = instance(workspace, CLUSTER)
    s = inst["attributes"]
    assert inst.get("status") == "tainted"
    assert s["arn"] is None and s["managed_role_id"] and s["managed_kms_key_id"]
    made = clients.eks.describe_cluster(name=name)["cluster"]
    marker = made["tags"][OWNER_TAG]
    assert marker.encode() in base64.b64decode(inst["private"]), "the marker is not in the private state"
    # The next plan finds it by its marker: a replacement, no "already exists".
    plan = checked(workspace.plan())
    assert plan.code == 2 and "is tainted, so must be replaced" in plan.stdout, plan.output
    assert "already exists" not in plan.output
    checked(workspace.apply())
    s = assert_one_cluster(workspace, clients, name)
    assert s["created_at"] != made["createdAt"] and clients.eks.describe_cluster(name=name)["cluster"]["tags"][
        OWNER_TAG] != marker, "the cluster of the lost create was not replaced"
    checked(workspace.destroy())
    assert_no_cluster(clients, name)


def test_ownership_tainted_cluster(workspace, fault_proxy, clients, network, unique):
    """A tainted cluster (with role, key and OIDC provider): plan works, apply
    replaces it, deleting exactly the tainted objects and leaving one of
    each; destroy of a tainted instance leaves nothing."""
    name = f"taint-{unique}"
    workspace.write(cluster_config(fault_proxy.url, name, network, create_oidc_provider=True))
    checked(workspace.apply())
    before = workspace.resource(CLUSTER)
    workspace.run("taint", "-no-color", CLUSTER)
    plan = checked(workspace.plan())
    assert plan.code == 2 and "is tainted, so must be replaced" in plan.stdout, plan.output
    assert "already exists" not in plan.output
    checked(workspace.apply())
    after = assert_one_cluster(workspace, clients, name, oidc=True)
    assert after["created_at"] != before["created_at"]
    assert after["managed_role_id"] != before["managed_role_id"]
    assert after["managed_kms_key_id"] != before["managed_kms_key_id"]
    assert after["oidc_provider_arn"] != before["oidc_provider_arn"]
    workspace.run("taint", "-no-color", CLUSTER)
    checked(workspace.destroy())
    assert_no_cluster(clients, name)
    assert workspace.resources() == []


# ---- platform_eks_node_group ---------------------------------------------------------

@pytest.fixture
def outside_cluster(clients, network, unique):
    """A cluster made outside Terraform (ACTIVE), for the node groups."""
    return make_cluster(clients.eks, clients.iam, network, f"nfa-{unique}", version="1.33",
                        role_name=f"nfac-{unique}", tags=NO_DELAY)


def node_group_config(proxy: str, cluster: str, network: dict, **attrs) -> str:
    nested = ("  scaling {\n    min = 1\n    max = 2\n    desired = 1\n  }\n",)
    return provider(proxy) + block("resource", "platform_eks_node_group", "test", nested=nested,
                                   cluster_name=cluster, name="workers", subnet_ids=network["subnet_ids"], **attrs)


def node_group_objects(clients, cluster: str) -> dict:
    return {
        "node_groups": clients.eks.list_nodegroups(clusterName=cluster)["nodegroups"],
        "roles": [r["RoleName"] for r in clients.iam.list_roles()["Roles"] if r["RoleName"].startswith(f"{cluster}.")],
    }


def assert_one_node_group(workspace, clients, cluster: str) -> dict:
    s = workspace.resource(NODE_GROUP)
    have = node_group_objects(clients, cluster)
    assert have == {"node_groups": ["workers"], "roles": [s["managed_role_name"]]}, have
    ng = clients.eks.describe_nodegroup(clusterName=cluster, nodegroupName="workers")["nodegroup"]
    assert s["arn"] == ng["nodegroupArn"] and s["status"] == "ACTIVE" and s["created_at"]
    assert clients.iam.get_role(RoleName=s["managed_role_name"])["Role"]["RoleId"] == s["managed_role_id"]
    assert len(ng["tags"][OWNER_TAG]) == 32 and OWNER_TAG not in s["tags_all"]
    return s


def assert_no_node_group(clients, cluster: str) -> None:
    have = node_group_objects(clients, cluster)
    assert have == {"node_groups": [], "roles": []}, have


NODE_GROUP_STEPS = [
    ("creates_answer_lost", "500", ("CreateRole", "CreateNodegroup"), None),
    ("creates_answer_lost", "drop", ("CreateRole", "CreateNodegroup"), None),
    ("AttachRolePolicy", "500", ("AttachRolePolicy",), ("managed_role_id",)),
    ("wait", "failed", (), ("managed_role_id", "arn", "created_at")),
    ("CreateOrUpdateTags", "drop", ("CreateOrUpdateTags",), ("managed_role_id", "arn", "created_at")),
]


@pytest.mark.parametrize("step,mode,actions,recorded", NODE_GROUP_STEPS,
                         ids=[f"{st}_{m}" for st, m, _, _ in NODE_GROUP_STEPS])
def test_ownership_failed_apply_node_group(workspace, fault_proxy, clients, network, outside_cluster,
                                           step, mode, actions, recorded):
    """As for the cluster: the node role's steps, CreateNodegroup (every answer
    lost), the wait for ACTIVE and the cluster autoscaler's tags on the Auto
    Scaling group (`autoscaler_node_template_tags`)."""
    cluster = outside_cluster
    attrs = {}
    if step == "CreateOrUpdateTags":
        attrs = {"autoscaler_node_template_tags": True, "labels": {"pool": "x"}}
    failing = {"tags": {FAIL_CREATE: "true"}} if mode == "failed" else {}
    for action in actions:
        lose(fault_proxy, action, mode)
    workspace.write(node_group_config(fault_proxy.url, cluster, network, **attrs, **failing))
    first = first_apply(workspace, fault_proxy, actions, mode)
    if recorded is None:
        assert first.code == 0, first.output
        workspace.assert_plan_empty()
    else:
        assert first.code == 1 and first.output.count("Error: ") == 1, f"not only the real error:\n{first}"
        assert instance(workspace, NODE_GROUP).get("status") == "tainted"
        s = workspace.resource(NODE_GROUP)
        assert all(s[k] for k in recorded), {k: s[k] for k in recorded}
        assert (s["arn"] is None) == ("arn" not in recorded), s["arn"]
        workspace.write(node_group_config(fault_proxy.url, cluster, network, **attrs))
        checked(workspace.apply())
        if "arn" in recorded:
            assert workspace.resource(NODE_GROUP)["created_at"] != s["created_at"], "the node group was not replaced"
    s = assert_one_node_group(workspace, clients, cluster)
    if step == "CreateOrUpdateTags":
        assert s["autoscaler_tags"] == {"k8s.io/cluster-autoscaler/node-template/label/pool": "x"}
    checked(workspace.destroy())
    assert_no_node_group(clients, cluster)
    assert workspace.resources() == []


def test_ownership_failed_apply_node_group_answer_lost_every_retry(workspace, fault_proxy, clients, network,
                                                                   outside_cluster):
    """CreateNodegroup takes effect, every answer is lost and the look-up
    fails: a tainted instance with its role and the marker it sent, within
    a few seconds; the next plan's refresh finds the node group by that
    marker and the apply replaces it: one node group, and destroy leaves nothing."""
    cluster = outside_cluster
    fault_proxy.lose_answer("CreateNodegroup", times=EVERY)
    fault_proxy.inject("DescribeNodegroup", 500, "InternalFailure", "injected: the look-up fails too", skip=1)
    workspace.write(node_group_config(fault_proxy.url, cluster, network))
    started = time.monotonic()
    first = checked(workspace.apply(check=False))
    elapsed = time.monotonic() - started
    print(f"the apply whose create lost every answer took {elapsed:.1f}s")
    out = " ".join(first.output.split())
    assert first.code == 1 and first.output.count("Error: ") == 1, f"not only the real error:\n{first}"
    assert fault_proxy.calls["CreateNodegroup"] == LOST_ANSWER_ATTEMPTS
    fault_proxy.clear_faults()
    assert "the answer to CreateNodegroup was lost on every attempt" in out, out
    assert f"whether node group `{cluster}:workers` exists is unknown" in out, out
    assert elapsed < 30, f"the failed apply took {elapsed:.1f}s"
    inst = instance(workspace, NODE_GROUP)
    assert inst.get("status") == "tainted"
    assert inst["attributes"]["arn"] is None and inst["attributes"]["managed_role_id"]
    made = clients.eks.describe_nodegroup(clusterName=cluster, nodegroupName="workers")["nodegroup"]
    assert made["tags"][OWNER_TAG].encode() in base64.b64decode(inst["private"])
    plan = checked(workspace.plan())
    assert plan.code == 2 and "is tainted, so must be replaced" in plan.stdout, plan.output
    assert "already exists" not in plan.output
    checked(workspace.apply())
    s = assert_one_node_group(workspace, clients, cluster)
    assert s["created_at"] != made["createdAt"], "the node group of the lost create was not replaced"
    checked(workspace.destroy())
    assert_no_node_group(clients, cluster)


def test_ownership_tainted_node_group(workspace, fault_proxy, clients, network, outside_cluster):
    """A tainted node group: plan works, apply replaces it (exactly the
    tainted one is deleted), destroy of a tainted instance leaves nothing."""
    cluster = outside_cluster
    workspace.write(node_group_config(fault_proxy.url, cluster, network))
    checked(workspace.apply())
    before = workspace.resource(NODE_GROUP)
    workspace.run("taint", "-no-color", NODE_GROUP)
    plan = checked(workspace.plan())
    assert plan.code == 2 and "is tainted, so must be replaced" in plan.stdout, plan.output
    assert "already exists" not in plan.output
    checked(workspace.apply())
    after = assert_one_node_group(workspace, clients, cluster)
    assert after["created_at"] != before["created_at"] and after["managed_role_id"] != before["managed_role_id"]
    workspace.run("taint", "-no-color", NODE_GROUP)
    checked(workspace.destroy())
    assert_no_node_group(clients, cluster)
    assert workspace.resources() == []
