"""Failed applies of the EKS add-on, access entry and pod identity association
(issue 23), with the SDK's retries off and the fault proxy in front of EKS:

- `failed_apply_<resource>_<step>_<mode>`: one create step fails on every
  attempt, its answers lost ("500 after forwarding" and a dropped connection,
  alternating, so each case covers both); then apply again, then destroy:
  one object, then nothing, and never an "invalid result object".
- `failed_apply_<resource>_answer_lost_every_retry`: the create's answer is
  lost on every attempt and the lookup by owner marker fails too: the apply
  fails fast (well inside `api_timeout`) with "outcome unknown", leaving a
  tainted instance; the next apply resolves it by its marker and converges
  to exactly one object.
- `tainted_<resource>`: `plan` and `destroy` work on a tainted instance, and
  apply replaces it, leaving one.

Clusters are made with the emulator's client (fast), not through Terraform.
"""
from __future__ import annotations

import re
import time

import pytest

from platform_acc import aws
from platform_acc.eks_helpers import make_cluster
from platform_acc.hcl import block

ENTRY = "platform_eks_access_entry.test"
ADDON = "platform_eks_addon.test"
PIA = "platform_eks_pod_identity_association.test"
POLICY = "arn:aws:eks::aws:cluster-access-policy/"
EDIT, VIEW = POLICY + "AmazonEKSEditPolicy", POLICY + "AmazonEKSViewPolicy"
CREATOR = f"arn:aws:iam::{aws.ACCOUNT_ID}:user/moto"
PODS_TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
              '{"Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}')
# ownership::LOST_ANSWER_ATTEMPTS: a mutation whose answer is lost is sent this often.
ATTEMPTS = 3
BAD = ("invalid result object", "inconsistent result", "Provider produced inconsistent", "provider bug")
MARKER = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def eks(emulator):
    return aws.client("eks", emulator.url)


@pytest.fixture
def cluster(eks, iam, network, unique):
    """One cluster per case, made outside Terraform: API_AND_CONFIG_MAP mode
    (access entries), Kubernetes 1.33 (add-ons), and add-ons that turn ACTIVE
    (or go) at once, so the cases wait only for the provider's confirming reads."""
    return make_cluster(eks, iam, network, f"ofa-{unique}", version="1.33", role_name=f"ofac-{unique}",
                        tags={"platform-emulator/delay-seconds": "0"},
                        accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})


@pytest.fixture
def principal(iam, unique):
    return iam.create_role(RoleName=f"ofa-p-{unique}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]


@pytest.fixture
def pods_role(iam, unique):
    return iam.create_role(RoleName=f"ofa-r-{unique}", AssumeRolePolicyDocument=PODS_TRUST)["Role"]["Arn"]


def provider(proxy: str) -> str:
    return f'provider "platform" {{\n  max_retries = 0\n  endpoints {{\n    eks = "{proxy}"\n  }}\n}}\n'


def entry_config(proxy: str, cluster: str, principal: str) -> str:
    policies = (f'  access_policy {{\n    policy_arn = "{VIEW}"\n    scope = "namespace"\n    namespaces = ["team-a"]\n  }}\n',
                f'  access_policy {{\n    policy_arn = "{EDIT}"\n    scope = "cluster"\n  }}\n')
    return provider(proxy) + block("resource", "platform_eks_access_entry", "test", nested=policies,
                                   cluster_name=cluster, principal_arn=principal, tags={"team": "a"})


def addon_config(proxy: str, cluster: str) -> str:
    return provider(proxy) + block("resource", "platform_eks_addon", "test", cluster_name=cluster,
                                   addon_name="coredns", tags={"team": "a"})


def pia_config(proxy: str, cluster: str, role: str) -> str:
    return provider(proxy) + block("resource", "platform_eks_pod_identity_association", "test",
                                   cluster_name=cluster, namespace="apps", service_account="web", role_arn=role,
                                   tags={"team": "a"})


# ---- what exists -----------------------------------------------------------------

def entries(eks, cluster):
    return sorted(eks.list_access_entries(clusterName=cluster)["accessEntries"])


def addons(eks, cluster):
    return eks.list_addons(clusterName=cluster)["addons"]


def associations(eks, cluster):
    return eks.list_pod_identity_associations(clusterName=cluster)["associations"]


def remote_entry(eks, cluster, principal):
    e = eks.describe_access_entry(clusterName=cluster, principalArn=principal)["accessEntry"]
    listed = eks.list_associated_access_policies(clusterName=cluster, principalArn=principal)
    e["policies"] = sorted(p["policyArn"] for p in listed["associatedAccessPolicies"])
    return e


def wait_addon_gone(eks, cluster, timeout=20.0):
    deadline = time.time() + timeout
    while addons(eks, cluster):
        assert time.time() < deadline, f"add-ons left: {addons(eks, cluster)}"
        time.sleep(0.1)


class Resource:
    """One resource under test: its configuration, how to count its objects,
    and the identity of the one object there should be."""

    def __init__(self, name, address, config, objects, identity, state_identity, remote_tags):
        self.name, self.address, self.config = name, address, config
        self.objects, self.identity, self.state_identity = objects, identity, state_identity
        self.remote_tags = remote_tags


@pytest.fixture
def resource(request, eks, cluster):
    kind = request.param

    def entry(proxy):
        principal = request.getfixturevalue("principal")
        return Resource(
            "access_entry", ENTRY, entry_config(proxy, cluster, principal),
            objects=lambda: [p for p in entries(eks, cluster) if p != CREATOR],
            identity=lambda: remote_entry(eks, cluster, principal)["accessEntryArn"],
            state_identity=lambda s: s["arn"],
            remote_tags=lambda: remote_entry(eks, cluster, principal)["tags"])

    def addon(proxy):
        return Resource(
            "addon", ADDON, addon_config(proxy, cluster),
            objects=lambda: addons(eks, cluster),
            identity=lambda: eks.describe_addon(clusterName=cluster, addonName="coredns")["addon"]["addonArn"],
            state_identity=lambda s: s["arn"],
            remote_tags=lambda: eks.describe_addon(clusterName=cluster, addonName="coredns")["addon"]["tags"])

    def pia(proxy):
        role = request.getfixturevalue("pods_role")

        def only():
            [a] = associations(eks, cluster)
            return eks.describe_pod_identity_association(clusterName=cluster,
                                                         associationId=a["associationId"])["association"]
        return Resource(
            "pod_identity_association", PIA, pia_config(proxy, cluster, role),
            objects=lambda: associations(eks, cluster),
            identity=lambda: only()["associationId"],
            state_identity=lambda s: s["association_id"],
            remote_tags=lambda: only()["tags"])

    return {"access_entry": entry, "addon": addon, "pod_identity_association": pia}[kind]


# ---- the fault proxy ---------------------------------------------------------------

def lose(proxy, action, modes):
    """The next calls of `action` are forwarded and their answers lost, one
    per mode: "500" (a 500 after forwarding) or "drop" (the connection closed)."""
    for mode in modes:
        proxy.lose_answer(action, times=1, drop=(mode == "drop"))


def once_called(proxy, trigger, then):
    """Runs `then()` right after the first call of `trigger`, so that the
    faults it injects strike only the calls that follow it."""
    take = proxy._take
    fired = []

    def wrapped(action):
        fault = take(action)
        if action == trigger and not fired:
            fired.append(True)
            then()
        return fault
    proxy._take = wrapped


def every(n):
    """`n` lost answers, alternating a 500 after forwarding and a dropped connection."""
    return ["500" if i % 2 == 0 else "drop" for i in range(n)]


def clean(result):
    for text in BAD:
        assert text not in result.output, f"{text!r} in:\n{result.output}"
    return result


def squeeze(text):
    return " ".join(text.split())


def check_one(r, workspace):
    """Exactly one object, the one in state, with the owner marker on it and
    not in `tags`/`tags_all`."""
    assert len(r.objects()) == 1, r.objects()
    s = workspace.resource(r.address)
    assert r.state_identity(s) == r.identity()
    tags = r.remote_tags()
    assert MARKER.match(tags.get("platform:owner", "")), tags
    assert s["tags"] == {"team": "a"} and s["tags_all"] == {"team": "a"}, (s["tags"], s["tags_all"])


def destroy_leaves_nothing(r, workspace, eks, cluster):
    clean(workspace.destroy())
    if r.name == "addon":
        wait_addon_gone(eks, cluster)
    assert r.objects() == [] and workspace.resources() == []


# ---- a failure at each create step --------------------------------------------------

STEPS = [
    # (resource, step, the action that fails, the action after whose first call it fails, attempts lost)
    ("access_entry", "create", "CreateAccessEntry", None, ATTEMPTS),
    ("access_entry", "associate_first", "AssociateAccessPolicy", None, ATTEMPTS),
    ("access_entry", "associate_second", "AssociateAccessPolicy", "AssociateAccessPolicy", ATTEMPTS),
    ("addon", "create", "CreateAddon", None, ATTEMPTS),
    # The first poll of the wait for ACTIVE loses its connection: the wait fails.
    ("addon", "wait", "DescribeAddon", "CreateAddon", 1),
    ("pod_identity_association", "create", "CreatePodIdentityAssociation", None, ATTEMPTS),
]


@pytest.mark.parametrize("resource,step,action,after,lost", [
    pytest.param(res, step, action, after, lost, id=f"{res}_{step}_{'500_and_drop' if lost > 1 else 'drop'}")
    for res, step, action, after, lost in STEPS
], indirect=["resource"])
def test_ownership_failed_apply(workspace, fault_proxy, eks, cluster, resource, step, action, after, lost):
    """Every attempt of one create step loses its answer (a 500 after
    forwarding, then a dropped connection, ...). A lost create is found by its
    owner marker and adopted (the apply succeeds); a later step fails the
    apply with a tainted instance naming the object, which the next apply
    replaces. One object, then none after destroy; Terraform never reports
    an invalid result."""
    r = resource(fault_proxy.url)
    modes = every(lost) if lost > 1 else ["drop"]
    if after:
        once_called(fault_proxy, after, lambda: lose(fault_proxy, action, modes))
    else:
        lose(fault_proxy, action, modes)
    workspace.write(r.config)
    first = clean(workspace.apply(check=False))
    assert fault_proxy.injected[action] == lost, dict(fault_proxy.injected)
    assert not any(f.times for f in fault_proxy.faults), "a fault was left unused"
    assert len(r.objects()) == 1, r.objects()
    made = r.identity()
    if step == "create":
        # Found by its owner marker after the lost answers: adopted, nothing tainted.
        assert first.code == 0, first.output
        assert fault_proxy.calls[action] == ATTEMPTS
        assert r.state_identity(workspace.resource(r.address)) == made
    else:
        assert first.code == 1, first.output
        assert workspace.state()["root_module"]["resources"][0].get("tainted"), workspace.state()
        assert r.state_identity(workspace.resource(r.address)) == made, "the tainted instance names what was made"
        clean(workspace.apply())
        assert r.identity() != made, "the tainted object was replaced"
    check_one(r, workspace)
    clean(workspace.assert_plan_empty())
    if r.name == "access_entry":
        assert remote_entry(eks, cluster, workspace.resource(ENTRY)["principal_arn"])["policies"] == [EDIT, VIEW]
    destroy_leaves_nothing(r, workspace, eks, cluster)


# ---- the answer lost on every retry ----------------------------------------------------

LOOKUP = {
    "access_entry": ("CreateAccessEntry", "DescribeAccessEntry"),
    "addon": ("CreateAddon", "DescribeAddon"),
    "pod_identity_association": ("CreatePodIdentityAssociation", "ListPodIdentityAssociations"),
}


@pytest.mark.parametrize("resource", list(LOOKUP), indirect=True)
def test_ownership_failed_apply_answer_lost_every_retry(workspace, fault_proxy, eks, cluster, resource):
    """Every answer to the create is lost and so is the lookup by owner marker
    that follows: the apply fails in seconds (not the 184 s of issue 23) with
    one sentence saying the outcome is unknown, leaving a tainted instance
    that names the object and its marker. The next apply's refresh finds the
    object by that marker: it is recorded and replaced, one object left."""
    r = resource(fault_proxy.url)
    create, lookup = LOOKUP[r.name]
    lose(fault_proxy, create, every(10))
    once_called(fault_proxy, create, lambda: fault_proxy.inject(lookup, 500, "InternalFailure", "lookup failed"))
    workspace.write(r.config)
    start = time.monotonic()
    first = clean(workspace.apply(check=False))
    took = time.monotonic() - start
    print(f"{r.name}: apply with every answer lost took {took:.1f}s")
    assert took < 60, f"the create ran {took:.0f}s; api_timeout is 120s"
    assert first.code == 1, first.output
    out = squeeze(first.output)
    assert "was lost on every attempt, so whether" in out and "exists is unknown" in out, out
    assert fault_proxy.calls[create] == ATTEMPTS and fault_proxy.injected[lookup] == 1
    [res] = workspace.state()["root_module"]["resources"]
    assert res.get("tainted"), res
    assert len(r.objects()) == 1, "the create took effect"
    made = r.identity()
    fault_proxy.faults.clear()
    clean(workspace.apply())
    assert r.identity() != made, "the object of the unknown create was recorded and replaced"
    check_one(r, workspace)
    clean(workspace.assert_plan_empty())
    destroy_leaves_nothing(r, workspace, eks, cluster)


# ---- tainted instances --------------------------------------------------------------------

@pytest.mark.parametrize("resource", list(LOOKUP), indirect=True)
def test_ownership_tainted(workspace, fault_proxy, eks, cluster, resource):
    """A tainted instance: `plan` works (and, for the access entry, whose
    plan checks that the principal has no entry yet, also with
    `-refresh=false`, where it warns), apply replaces exactly it, leaving
    one, and `destroy` of a tainted instance deletes it."""
    r = resource(fault_proxy.url)
    workspace.write(r.config)
    if r.name == "access_entry":
        # Issue 23, reproduction 3: AssociateAccessPolicy refused once.
        fault_proxy.inject("AssociateAccessPolicy", 403, "AccessDeniedException", "refused (fault proxy)")
        first = clean(workspace.apply(check=False))
        assert first.code == 1 and "refused (fault proxy)" in squeeze(first.output), first.output
    else:
        clean(workspace.apply())
        workspace.run("taint", r.address)
    assert workspace.state()["root_module"]["resources"][0].get("tainted")
    made = r.identity()
    plan = clean(workspace.plan())
    assert plan.code == 2 and "is tainted, so must be replaced" in plan.stdout, plan.output
    if r.name == "access_entry":
        plan = clean(workspace.plan("-refresh=false"))
        assert plan.code == 2 and "carries this provider's owner marker" in squeeze(plan.output), plan.output
    clean(workspace.apply())
    assert r.identity() != made
    check_one(r, workspace)
    workspace.run("taint", r.address)
    destroy_leaves_nothing(r, workspace, eks, cluster)
