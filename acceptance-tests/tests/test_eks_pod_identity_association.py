"""Acceptance cases for `platform_eks_pod_identity_association` (with a
`platform_irsa_role` that serves pod identity), against real Terraform and
the emulator (platform_acc/eks_pod_identity_ext.py)."""
from __future__ import annotations

import json

import pytest

from platform_acc import aws
from platform_acc.eks_helpers import make_cluster, user_tags
from platform_acc.hcl import Raw, block

ADDR = "platform_eks_pod_identity_association.test"
PODS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
    "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
TARGET = "arn:aws:iam::210987654321:role/data-reader"


@pytest.fixture
def eks(emulator):
    return aws.client("eks", emulator.url)


@pytest.fixture
def cluster(eks, iam, network, unique):
    """A cluster made outside Terraform (ACTIVE), for associations to live in."""
    return make_cluster(eks, iam, network, f"pia-{unique}", version="1.33", role_name=f"piac-{unique}")


@pytest.fixture
def role(iam, unique):
    """A role made outside Terraform that trusts EKS Pod Identity."""
    return iam.create_role(RoleName=f"pia-r-{unique}", AssumeRolePolicyDocument=PODS_TRUST)["Role"]["Arn"]


@pytest.fixture
def other_role(iam, unique):
    return iam.create_role(RoleName=f"pia-o-{unique}", AssumeRolePolicyDocument=PODS_TRUST)["Role"]["Arn"]


def provider(proxy: str | None = None) -> str:
    endpoints = f'  max_retries = 0\n  endpoints {{\n    eks = "{proxy}"\n  }}\n' if proxy else ""
    return f'provider "platform" {{\n{endpoints}}}\n'


def association(cluster: str, role_arn, **attrs) -> str:
    attrs.setdefault("namespace", "apps")
    attrs.setdefault("service_account", "web")
    return block("resource", "platform_eks_pod_identity_association", "test",
                 cluster_name=cluster, role_arn=role_arn, **attrs)


def config(cluster: str, role_arn, proxy: str | None = None, **attrs) -> str:
    return provider(proxy) + association(cluster, role_arn, **attrs)


def listed(eks, cluster: str, **filters) -> list[dict]:
    return eks.list_pod_identity_associations(clusterName=cluster, **filters)["associations"]


def describe(eks, cluster: str, association_id: str) -> dict:
    return eks.describe_pod_identity_association(clusterName=cluster, associationId=association_id)["association"]


def snapshot(eks, cluster: str) -> list[dict]:
    return [describe(eks, cluster, a["associationId"]) for a in listed(eks, cluster)]


def test_basic(workspace, eks, iam, cluster, unique):
    """A role made by `platform_irsa_role` with `pod_identity = true`, and its
    association; destroy leaves neither."""
    role_block = block("resource", "platform_irsa_role", "pods", name=f"pia-b-{unique}", pod_identity=True)
    workspace.write(provider() + role_block + association(cluster, Raw("platform_irsa_role.pods.arn"),
                                                          tags={"team": "platform"}))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    [only] = listed(eks, cluster)
    remote = describe(eks, cluster, only["associationId"])
    assert s["id"] == f"{cluster},{remote['associationId']}" and s["association_id"] == remote["associationId"]
    assert s["association_arn"] == remote["associationArn"] and s["created_at"]
    assert (remote["namespace"], remote["serviceAccount"]) == ("apps", "web")
    assert remote["roleArn"] == s["role_arn"] == workspace.resource("platform_irsa_role.pods")["arn"]
    assert user_tags(remote["tags"]) == {"team": "platform"} and s["tags_all"] == {"team": "platform"}
    assert s["disable_session_tags"] is False and s["target_role_arn"] is None and s["external_id"] is None
    assert workspace.resource("platform_irsa_role.pods")["service_account_annotations"] == {}
    workspace.destroy_and_check_gone({
        "the association": lambda: listed(eks, cluster) == [],
        "the role": lambda: not aws.role_exists(iam, f"pia-b-{unique}"),
    })


def test_update(workspace, eks, cluster, role, other_role):
    """role_arn, target_role_arn, disable_session_tags and tags change in
    place (same id and created_at); the service account replaces."""
    workspace.write(config(cluster, role))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    workspace.write(config(cluster, other_role, target_role_arn=TARGET, disable_session_tags=True, tags={"k": "v"}))
    plan = workspace.assert_plan_changes("will be updated in-place", f'~ role_arn = "{role}" -> "{other_role}"',
                                         f'+ target_role_arn = "{TARGET}"')
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert (after["association_id"], after["created_at"]) == (before["association_id"], before["created_at"])
    remote = describe(eks, cluster, after["association_id"])
    assert remote["roleArn"] == other_role and remote["targetRoleArn"] == TARGET and remote["disableSessionTags"]
    assert user_tags(remote["tags"]) == {"k": "v"} and after["external_id"] == remote["externalId"] and after["external_id"]
    # The target role removed: the pods get role_arn again.
    workspace.write(config(cluster, other_role))
    workspace.apply_clean()
    remote = describe(eks, cluster, after["association_id"])
    assert "targetRoleArn" not in remote and not remote["disableSessionTags"] and user_tags(remote["tags"]) == {}
    assert workspace.resource(ADDR)["external_id"] is None
    # Another service account is another association.
    workspace.write(config(cluster, other_role, service_account="api"))
    workspace.assert_plan_changes("must be replaced", "# forces replacement")
    workspace.apply_clean()
    [only] = listed(eks, cluster)
    assert only["serviceAccount"] == "api" and only["associationId"] != before["association_id"]
    workspace.destroy()
    assert listed(eks, cluster) == []


def test_import(workspace, new_workspace, eks, cluster, role):
    cfg = config(cluster, role, target_role_arn=TARGET, tags={"a": "1"})
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    imported = new_workspace("imported")
    imported.write(cfg)
    imported.import_(ADDR, created["id"])
    assert imported.resource(ADDR) == created
    imported.assert_plan_empty()
    bad = new_workspace("bad")
    bad.write(cfg)
    result = bad.run("import", "-no-color", ADDR, f"{cluster}:{created['association_id']}", check=False)
    assert result.code == 1 and "is not `<cluster_name>,<association_id>`" in result.output, result.output
    result = bad.run("import", "-no-color", ADDR, f"{cluster},a-doesnotexist00000", check=False)
    assert result.code == 1 and "no pod identity association `a-doesnotexist00000`" in result.output, result.output
    workspace.destroy()


def test_disappears(workspace, eks, cluster, role):
    workspace.write(config(cluster, role))
    workspace.apply_clean()
    eks.delete_pod_identity_association(clusterName=cluster, associationId=workspace.resource(ADDR)["association_id"])
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and ADDR not in workspace.resources()
    workspace.assert_plan_changes(f"{ADDR} will be created")
    workspace.apply_clean()
    assert len(listed(eks, cluster)) == 1
    workspace.destroy()


def test_drift_role_and_target(workspace, eks, cluster, role, other_role):
    workspace.write(config(cluster, role))
    workspace.apply_clean()
    assoc_id = workspace.resource(ADDR)["association_id"]
    eks.update_pod_identity_association(clusterName=cluster, associationId=assoc_id, roleArn=other_role,
                                        targetRoleArn=TARGET, disableSessionTags=True)
    workspace.assert_plan_changes(f'~ role_arn = "{other_role}" -> "{role}"', f'- target_role_arn = "{TARGET}" -> null',
                                  "~ disable_session_tags = true -> false")
    workspace.apply_clean()
    remote = describe(eks, cluster, assoc_id)
    assert remote["roleArn"] == role and "targetRoleArn" not in remote and not remote["disableSessionTags"]
    workspace.destroy()


def test_drift_tags(workspace, eks, cluster, role):
    workspace.write(config(cluster, role, tags={"owner": "platform"}))
    workspace.apply_clean()
    arn = workspace.resource(ADDR)["association_arn"]
    eks.tag_resource(resourceArn=arn, tags={"rogue": "yes"})
    eks.untag_resource(resourceArn=arn, tagKeys=["owner"])
    workspace.assert_plan_changes('- "rogue" = "yes"', '+ "owner" = "platform"')
    workspace.apply_clean()
    assert user_tags(eks.list_tags_for_resource(resourceArn=arn)["tags"]) == {"owner": "platform"}
    workspace.destroy()


def test_no_perpetual_diff(workspace, cluster, role):
    workspace.write(config(cluster, role, namespace="kube-system", service_account="ebs-csi-controller-sa",
                           target_role_arn=TARGET, disable_session_tags=False, tags={"b": "2", "a": "1"}))
    workspace.apply_clean()
    workspace.assert_plan_empty()
    workspace.destroy()


BAD_INPUT = [
    ({"cluster_name": "-x"}, "`cluster_name`", "starting with a letter or digit"),
    ({"namespace": "Apps"}, "`namespace`", "a Kubernetes namespace must be a DNS-1123 label"),
    ({"namespace": "n" * 64}, "`namespace`", "a Kubernetes namespace must be a DNS-1123 label"),
    ({"service_account": "web_1"}, "`service_account`", "must be a Kubernetes service-account name"),
    ({"service_account": "web-*"}, "`service_account`", "(no wildcards)"),
    ({"role_arn": "arn:aws:iam::123456789012:policy/x"}, "`role_arn`", "must be an IAM role ARN"),
    ({"target_role_arn": "arn:aws:s3:::bucket"}, "`target_role_arn`", "must be an IAM role ARN"),
    ({"role_arn": "arn:aws:iam::210987654321:role/elsewhere"}, "`role_arn`",
     "must be a role in the cluster's account 123456789012 (EKS passes it with iam:PassRole), got one in account 210987654321"),
    ({"tags": {"aws:x": "y"}}, '`tags["aws:x"]`', 'tag keys must not start with "aws:"'),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, attrs, path, rule):
    attrs = dict(attrs)
    cluster = attrs.pop("cluster_name", "bad-input")
    role = attrs.pop("role_arn", f"arn:aws:iam::{aws.ACCOUNT_ID}:role/x")
    workspace.write(config(cluster, role, **attrs))
    result = workspace.plan()
    out = " ".join(result.output.split())
    assert result.code == 1, result.output
    assert f"{path}: " in out and rule in out, result.output


# ---- ownership ----------------------------------------------------------------------

@pytest.mark.parametrize("drop", [False, True], ids=["500", "drop"])
def test_ownership_lost_answer_to_create(workspace, fault_proxy, eks, cluster, role, drop):
    """CreatePodIdentityAssociation takes effect but its answer is lost: it is
    sent again with the same token, and exactly one association exists."""
    fault_proxy.lose_answer("CreatePodIdentityAssociation", drop=drop)
    workspace.write(config(cluster, role, proxy=fault_proxy.url))
    workspace.apply_clean()
    assert fault_proxy.injected["CreatePodIdentityAssociation"] == 1
    assert fault_proxy.calls["CreatePodIdentityAssociation"] == 2
    [only] = listed(eks, cluster)
    assert workspace.resource(ADDR)["association_id"] == only["associationId"]
    workspace.destroy()
    assert listed(eks, cluster) == []


def test_ownership_lost_answer_to_an_update(workspace, fault_proxy, eks, cluster, role, other_role):
    workspace.write(config(cluster, role, proxy=fault_proxy.url))
    workspace.apply_clean()
    fault_proxy.lose_answer("UpdatePodIdentityAssociation")
    workspace.write(config(cluster, other_role, proxy=fault_proxy.url))
    workspace.apply_clean()
    assert fault_proxy.calls["UpdatePodIdentityAssociation"] == 2
    assert describe(eks, cluster, workspace.resource(ADDR)["association_id"])["roleArn"] == other_role
    workspace.destroy()


def test_ownership_foreign_association_is_never_touched(workspace, eks, cluster, role, other_role):
    """An association of the same service account made outside Terraform:
    the apply fails with the import hint, and the association is untouched
    through apply and destroy."""
    foreign = eks.create_pod_identity_association(clusterName=cluster, namespace="apps", serviceAccount="web",
                                                  roleArn=other_role)["association"]
    before = snapshot(eks, cluster)
    workspace.write(config(cluster, role))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1, out
    assert "pod identity association for service account `apps/web` already exists" in out, out
    assert f"terraform import platform_eks_pod_identity_association.<name> {cluster},{foreign['associationId']}" in out
    assert workspace.resources() == []
    workspace.destroy()
    assert snapshot(eks, cluster) == before


def test_ownership_refresh_malformed_and_state_rm(workspace, fault_proxy, eks, cluster, role):
    """One not-found answer on refresh plans nothing; a malformed answer is an
    error, never "gone". Forgotten by `terraform state rm`, the association is
    not made again (the import hint), and imported back it plans empty."""
    workspace.write(config(cluster, role, proxy=fault_proxy.url))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    fault_proxy.inject("DescribePodIdentityAssociation", 404, "ResourceNotFoundException",
                       f"No Pod Identity Association found for ID: {s['association_id']}.")
    workspace.assert_plan_empty()
    assert fault_proxy.injected["DescribePodIdentityAssociation"] == 1
    fault_proxy.inject("DescribePodIdentityAssociation", 0, "", "", times=1, mode="malformed")
    result = workspace.plan()
    assert result.code == 1 and "reading pod identity association" in result.output, result.output
    assert workspace.resource(ADDR) == s
    before = snapshot(eks, cluster)
    workspace.run("state", "rm", ADDR)
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"terraform import platform_eks_pod_identity_association.<name> {s['id']}" in out, out
    assert snapshot(eks, cluster) == before
    workspace.import_(ADDR, s["id"])
    workspace.assert_plan_empty()
    workspace.destroy()
    assert listed(eks, cluster) == []


def test_ownership_delete_needs_the_recorded_identity(workspace, eks, cluster, role, other_role):
    """The recorded association deleted and another made for the same
    service account outside Terraform: refresh forgets the recorded one, the
    apply refuses to take the new one, and a destroy without refresh (old
    state) deletes nothing."""
    workspace.write(config(cluster, role))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    eks.delete_pod_identity_association(clusterName=cluster, associationId=s["association_id"])
    eks.create_pod_identity_association(clusterName=cluster, namespace="apps", serviceAccount="web", roleArn=other_role)
    before = snapshot(eks, cluster)
    workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert snapshot(eks, cluster) == before
    result = workspace.apply(check=False)
    assert result.code == 1 and "already exists" in result.output, result.output
    assert snapshot(eks, cluster) == before


def test_ownership_adoption_with_generated_config(workspace, eks, cluster, role):
    """An association made outside, adopted with an `import {}` block and
    `plan -generate-config-out`: valid configuration, nothing to change."""
    made = eks.create_pod_identity_association(clusterName=cluster, namespace="apps", serviceAccount="adopted",
                                               roleArn=role, targetRoleArn=TARGET, tags={"team": "x"})["association"]
    before = snapshot(eks, cluster)
    workspace.write(provider() + f'import {{\n  to = {ADDR}\n  id = "{cluster},{made["associationId"]}"\n}}\n')
    workspace.run("plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
    plan = workspace.plan()
    assert "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, plan.output
    workspace.apply()
    workspace.assert_plan_empty()
    assert snapshot(eks, cluster) == before
    workspace.destroy()
    assert listed(eks, cluster) == []
