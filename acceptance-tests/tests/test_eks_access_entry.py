"""Acceptance cases for `platform_eks_access_entry` against real Terraform and
the emulator (platform_acc.eks_access_ext): access policies and their scopes
in place, drift of associations, the ownership matrix, and the move from the
cluster creator's bootstrap entry to declared admins."""
from __future__ import annotations


import pytest

from platform_acc import aws
from platform_acc.eks_helpers import checked_client, make_cluster, user_tags
from platform_acc.hcl import Raw, block

ADDR = "platform_eks_access_entry.test"
POLICY = "arn:aws:eks::aws:cluster-access-policy/"
VIEW, EDIT, ADMIN, CLUSTER_ADMIN = (POLICY + p for p in (
    "AmazonEKSViewPolicy", "AmazonEKSEditPolicy", "AmazonEKSAdminPolicy", "AmazonEKSClusterAdminPolicy"))
CREATOR = f"arn:aws:iam::{aws.ACCOUNT_ID}:user/moto"
API = {"authenticationMode": "API_AND_CONFIG_MAP"}


def policy(arn: str, *namespaces: str) -> str:
    scope = "namespace" if namespaces else "cluster"
    ns = f"    namespaces = {list(namespaces)!r}\n".replace("'", '"') if namespaces else ""
    return f'  access_policy {{\n    policy_arn = "{arn}"\n    scope = "{scope}"\n{ns}  }}\n'


def entry(cluster: str, principal: str, *policies: str, name: str = "test", **attrs) -> str:
    return block("resource", "platform_eks_access_entry", name, nested=tuple(policies), cluster_name=cluster,
                 principal_arn=principal, **attrs)


def config(cluster: str, principal: str, *policies: str, proxy: str | None = None, **attrs) -> str:
    provider = (f'provider "platform" {{\n  max_retries = 0\n  endpoints {{\n    eks = "{proxy}"\n  }}\n}}\n'
                if proxy else 'provider "platform" {}\n')
    return provider + entry(cluster, principal, *policies, **attrs)


@pytest.fixture
def eks(emulator):
    return checked_client(emulator.url)


@pytest.fixture
def cluster(eks, iam, network, unique):
    """A cluster made outside Terraform in API_AND_CONFIG_MAP mode, with its creator's bootstrap entry."""
    return make_cluster(eks, iam, network, f"ae-{unique}", role_name=f"aec-{unique}", accessConfig=API)


@pytest.fixture
def principal(iam, unique):
    return iam.create_role(RoleName=f"dev-{unique}", Path="/teams/", AssumeRolePolicyDocument="{}")["Role"]["Arn"]


def remote(eks, cluster: str, principal: str) -> dict:
    """The entry and its associations as EKS has them."""
    e = eks.describe_access_entry(clusterName=cluster, principalArn=principal)["accessEntry"]
    policies = eks.list_associated_access_policies(clusterName=cluster, principalArn=principal)["associatedAccessPolicies"]
    e["policies"] = {p["policyArn"]: (p["accessScope"]["type"], sorted(p["accessScope"]["namespaces"])) for p in policies}
    return e


def entries(eks, cluster: str) -> list[str]:
    return sorted(eks.list_access_entries(clusterName=cluster)["accessEntries"])


def snapshot(eks, cluster: str, principal: str) -> dict:
    e = remote(eks, cluster, principal)
    return {k: e.get(k) for k in ("accessEntryArn", "createdAt", "modifiedAt", "kubernetesGroups", "username", "tags", "policies")}


def test_basic(workspace, eks, cluster, principal):
    workspace.write(config(cluster, principal, policy(VIEW, "team-a", "team-b"), policy(EDIT, "dev-*"),
                           kubernetes_groups=["viewers"], tags={"team": "platform"}))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    e = remote(eks, cluster, principal)
    assert s["id"] == f"{cluster}:{principal}" and s["arn"] == e["accessEntryArn"] and s["created_at"]
    assert s["type"] == "STANDARD" == e["type"]
    assert e["kubernetesGroups"] == ["viewers"] and user_tags(e["tags"]) == {"team": "platform"}
    # EKS's user name for a role: without the path, with {{SessionName}}.
    assert s["user_name"] == e["username"] == f"arn:aws:sts::{aws.ACCOUNT_ID}:assumed-role/dev-{principal.rsplit('-', 1)[1]}/{{{{SessionName}}}}"
    assert e["policies"] == {VIEW: ("namespace", ["team-a", "team-b"]), EDIT: ("namespace", ["dev-*"])}
    workspace.destroy()
    assert entries(eks, cluster) == [CREATOR]


def test_update(workspace, eks, cluster, principal):
    """Groups, user name, policies (added, removed, rescoped) and tags change
    in place; ARN and created_at are kept. `type` replaces the entry."""
    workspace.write(config(cluster, principal, policy(VIEW, "team-a"), policy(EDIT, "team-a"),
                           kubernetes_groups=["a", "b"], tags={"k": "1"}))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    workspace.write(config(cluster, principal, policy(VIEW), policy(ADMIN, "team-a", "team-c"),
                           kubernetes_groups=["b", "c"], user_name="dev:{{SessionName}}", tags={"k": "2"}))
    plan = workspace.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert (after["arn"], after["created_at"]) == (before["arn"], before["created_at"])
    e = remote(eks, cluster, principal)
    assert e["accessEntryArn"] == before["arn"]
    assert sorted(e["kubernetesGroups"]) == ["b", "c"] and e["username"] == "dev:{{SessionName}}"
    assert e["policies"] == {VIEW: ("cluster", []), ADMIN: ("namespace", ["team-a", "team-c"])}
    assert user_tags(e["tags"]) == {"k": "2"}
    # No groups, no policies.
    workspace.write(config(cluster, principal, user_name="dev:{{SessionName}}"))
    workspace.apply_clean()
    e = remote(eks, cluster, principal)
    assert e["kubernetesGroups"] == [] and e["policies"] == {} and user_tags(e["tags"]) == {}
    assert workspace.resource(ADDR)["created_at"] == before["created_at"]
    # The type replaces the entry.
    workspace.write(config(cluster, principal, type="EC2_LINUX"))
    workspace.assert_plan_changes("must be replaced", "# forces replacement")
    workspace.apply_clean()
    e = remote(eks, cluster, principal)
    assert e["type"] == "EC2_LINUX" and e["accessEntryArn"] != before["arn"]
    assert workspace.resource(ADDR)["kubernetes_groups"] is None
    workspace.destroy()
    assert entries(eks, cluster) == [CREATOR]


def test_import(workspace, new_workspace, eks, cluster, principal):
    cfg = config(cluster, principal, policy(VIEW, "team-a", "team-b"), policy(CLUSTER_ADMIN),
                 kubernetes_groups=["viewers"])
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    imported = new_workspace("imported")
    imported.write(cfg)
    imported.import_(ADDR, f"{cluster}:{principal}")
    assert imported.resource(ADDR) == created
    imported.assert_plan_empty()
    other = new_workspace("bad")
    other.write(cfg)
    for bad_id in ("no-principal", f"{cluster}:arn:aws:sts::{aws.ACCOUNT_ID}:assumed-role/x/s"):
        bad = other.run("import", "-no-color", ADDR, bad_id, check=False)
        assert bad.code == 1 and "is not `<cluster_name>:<principal_arn>`" in bad.output, bad.output
    workspace.destroy()


def test_disappears(workspace, eks, cluster, principal):
    workspace.write(config(cluster, principal, policy(VIEW)))
    workspace.apply_clean()
    eks.delete_access_entry(clusterName=cluster, principalArn=principal)
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and ADDR not in workspace.resources()
    workspace.assert_plan_changes(f"{ADDR} will be created")
    workspace.apply_clean()
    assert remote(eks, cluster, principal)["policies"] == {VIEW: ("cluster", [])}
    workspace.destroy()


def test_drift_policy_added(workspace, eks, cluster, principal):
    workspace.write(config(cluster, principal, policy(VIEW, "team-a")))
    workspace.apply_clean()
    eks.associate_access_policy(clusterName=cluster, principalArn=principal, policyArn=CLUSTER_ADMIN,
                                accessScope={"type": "cluster"})
    workspace.assert_plan_changes("- access_policy {", f'- policy_arn = "{CLUSTER_ADMIN}"')
    workspace.apply_clean()
    assert remote(eks, cluster, principal)["policies"] == {VIEW: ("namespace", ["team-a"])}
    workspace.destroy()


def test_drift_policy_removed(workspace, eks, cluster, principal):
    workspace.write(config(cluster, principal, policy(VIEW, "team-a"), policy(EDIT, "team-b")))
    workspace.apply_clean()
    created = workspace.resource(ADDR)["created_at"]
    eks.disassociate_access_policy(clusterName=cluster, principalArn=principal, policyArn=EDIT)
    plan = workspace.assert_plan_changes("+ access_policy {", f'+ policy_arn = "{EDIT}"', "will be updated in-place")
    assert f'- policy_arn = "{VIEW}"' not in plan.stdout
    workspace.apply_clean()
    assert remote(eks, cluster, principal)["policies"] == {VIEW: ("namespace", ["team-a"]), EDIT: ("namespace", ["team-b"])}
    assert workspace.resource(ADDR)["created_at"] == created
    workspace.destroy()


def test_drift_scope(workspace, eks, cluster, principal):
    """A scope changed outside Terraform (namespaces, or namespace to
    cluster), and groups changed: exact diffs, repaired in place."""
    workspace.write(config(cluster, principal, policy(VIEW, "team-a", "team-b"), policy(EDIT, "team-c"),
                           kubernetes_groups=["viewers"]))
    workspace.apply_clean()
    eks.associate_access_policy(clusterName=cluster, principalArn=principal, policyArn=VIEW,
                                accessScope={"type": "namespace", "namespaces": ["team-a", "rogue"]})
    eks.associate_access_policy(clusterName=cluster, principalArn=principal, policyArn=EDIT,
                                accessScope={"type": "cluster"})
    eks.update_access_entry(clusterName=cluster, principalArn=principal, kubernetesGroups=["viewers", "rogue"])
    workspace.assert_plan_changes('- "rogue"', '+ "team-b"', '- scope = "cluster" -> null', '+ scope = "namespace"',
                                  "will be updated in-place")
    workspace.apply_clean()
    e = remote(eks, cluster, principal)
    assert e["policies"] == {VIEW: ("namespace", ["team-a", "team-b"]), EDIT: ("namespace", ["team-c"])}
    assert e["kubernetesGroups"] == ["viewers"]
    workspace.destroy()


def test_drift_tags(workspace, eks, cluster, principal):
    workspace.write(config(cluster, principal, tags={"owner": "platform"}))
    workspace.apply_clean()
    arn = workspace.resource(ADDR)["arn"]
    eks.tag_resource(resourceArn=arn, tags={"rogue": "yes", "owner": "someone"})
    workspace.assert_plan_changes('- "rogue" = "yes"', '~ "owner" = "someone" -> "platform"')
    workspace.apply_clean()
    assert user_tags(remote(eks, cluster, principal)["tags"]) == {"owner": "platform"}
    workspace.destroy()


def test_no_perpetual_diff(workspace, eks, iam, cluster, principal, unique):
    """Entries of every shape plan empty after apply: EKS's user names, node
    types (whose groups EKS sets), cluster scope listed with an empty
    namespace list, wildcards, a user principal, default tags."""
    node = iam.create_role(RoleName=f"node-{unique}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    fargate = iam.create_role(RoleName=f"fg-{unique}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    user = iam.create_user(UserName=f"alice-{unique}")["User"]["Arn"]
    workspace.write(block("provider", "platform", default_tags={"managed-by": "terraform"})
                    + entry(cluster, principal, policy(VIEW, "b", "a", "dev-*"), policy(CLUSTER_ADMIN),
                            kubernetes_groups=["z", "a"], tags={"x": "1"})
                    + entry(cluster, node, name="node", type="EC2_LINUX")
                    + entry(cluster, fargate, name="fargate", type="FARGATE_LINUX")
                    + entry(cluster, user, policy(EDIT, "team-a"), name="user", user_name="alice"))
    workspace.apply_clean()
    assert remote(eks, cluster, node)["kubernetesGroups"] == ["system:nodes"]
    assert workspace.resource("platform_eks_access_entry.node")["user_name"] == "system:node:{{EC2PrivateDNSName}}"
    assert workspace.resource("platform_eks_access_entry.user")["user_name"] == "alice"
    assert user_tags(remote(eks, cluster, principal)["tags"]) == {"x": "1", "managed-by": "terraform"}
    workspace.assert_plan_empty()
    workspace.destroy()
    assert entries(eks, cluster) == [CREATOR]


ROLE = f"arn:aws:iam::{aws.ACCOUNT_ID}:role/dev"
BAD_INPUT = [
    ({"principal_arn": f"arn:aws:sts::{aws.ACCOUNT_ID}:assumed-role/dev/session"}, [], "`principal_arn`",
     "must be an IAM role or user ARN"),
    ({"principal_arn": f"arn:aws:iam::{aws.ACCOUNT_ID}:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"},
     [], "`principal_arn`", "EKS refuses access entries for service-linked roles"),
    ({"principal_arn": f"arn:aws:iam::{aws.ACCOUNT_ID}:user/alice", "type": "EC2_LINUX"}, [], "`principal_arn`",
     "access entries of type EC2_LINUX take IAM roles only"),
    ({"type": "WINDOWS"}, [], "`type`", 'must be one of "STANDARD"'),
    ({"type": "EC2_LINUX", "kubernetes_groups": ["nodes"]}, [], "`kubernetes_groups`",
     "only STANDARD access entries take kubernetes_groups"),
    ({"type": "FARGATE_LINUX", "user_name": "x"}, [], "`user_name`", "only STANDARD access entries take a user_name"),
    ({"type": "EC2_WINDOWS"}, [policy(VIEW)], "`access_policy`", "only STANDARD access entries take access policies"),
    ({"kubernetes_groups": ["system:masters"]}, [], "`kubernetes_groups`",
     'EKS refuses group names starting with "system:"'),
    ({"user_name": "eks:admin"}, [], "`user_name`",
     "EKS refuses user names starting with system:, eks:, aws:, amazon: or iam:"),
    ({"user_name": "john{{SessionName}}"}, [], "`user_name`", "EKS needs a ':' somewhere before {{SessionName}}"),
    ({}, [policy("arn:aws:iam::aws:policy/AmazonEKSViewPolicy")], "`access_policy[0].policy_arn`",
     "must be an EKS access policy ARN"),
    ({}, [policy(VIEW, "team-a"), policy(VIEW)], "`access_policy[1]`",
     "EKS associates each access policy once per entry"),
    ({}, ['  access_policy {\n    policy_arn = "%s"\n    scope = "namespace"\n  }\n' % VIEW],
     "`access_policy[0].namespaces`", 'scope "namespace" needs at least one namespace'),
    ({}, ['  access_policy {\n    policy_arn = "%s"\n    scope = "cluster"\n    namespaces = ["a"]\n  }\n' % VIEW],
     "`access_policy[0].namespaces`", 'scope "cluster" covers every namespace'),
    ({}, ['  access_policy {\n    policy_arn = "%s"\n    scope = "namespaces"\n  }\n' % VIEW],
     "`access_policy[0].scope`", 'must be one of "cluster", "namespace"'),
    ({}, [policy(VIEW, "Team_A")], "`access_policy[0].namespaces`", "must be a DNS-1123 label"),
    ({"cluster_name": "-bad"}, [], "`cluster_name`", "starting with a letter or digit"),
]


@pytest.mark.parametrize("attrs,policies,path,rule", BAD_INPUT, ids=[f"{i}-{c[2]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, attrs, policies, path, rule):
    attrs = {"cluster_name": "bad-input", "principal_arn": ROLE, **attrs}
    workspace.write('provider "platform" {}\n' + entry(attrs.pop("cluster_name"), attrs.pop("principal_arn"),
                                                         *policies, **attrs))
    result = workspace.plan()
    out = " ".join(result.output.split())
    assert result.code == 1, result.output
    assert f"{path}: " in out and rule in out, result.output


def test_bad_input_unknown_access_policy(workspace, cluster, principal):
    """A well-formed ARN of a policy EKS does not have: refused at plan time
    against ListAccessPolicies, naming what exists."""
    workspace.write(config(cluster, principal, policy(POLICY + "AmazonEKSMadeUpPolicy")))
    result = workspace.plan()
    out = " ".join(result.output.split())
    assert result.code == 1 and "EKS has no access policy" in out and "AmazonEKSViewPolicy" in out, result.output


def test_config_map_mode_is_refused(workspace, eks, iam, network, principal, unique):
    """A cluster in CONFIG_MAP mode has no access entries: the plan warns
    (the cluster could move earlier in the same apply), the apply refuses with
    the fix, and nothing is created."""
    name = make_cluster(eks, iam, network, f"cm-{unique}", role_name=f"cm-{unique}")
    workspace.write(config(name, principal, policy(VIEW)))
    plan = workspace.plan()
    out = " ".join(plan.output.split())
    assert plan.code == 2, plan.output
    assert f"Warning: `cluster_name`: cluster `{name}` uses authentication_mode CONFIG_MAP today" in out, out
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1, result.output
    assert f"cluster `{name}` uses authentication_mode CONFIG_MAP, which has no access entries" in out, out
    assert '"API_AND_CONFIG_MAP"' in out and "platform_eks_cluster.<name>.name" in out, out
    assert ADDR not in workspace.resources()
    assert eks.describe_cluster(name=name)["cluster"]["accessConfig"]["authenticationMode"] == "CONFIG_MAP"


def test_config_map_cluster_moves_and_gets_its_entries_in_one_apply(workspace, eks, network, principal, unique):
    """A CONFIG_MAP cluster of this configuration moves to API_AND_CONFIG_MAP
    and gets its first access entry in the same apply: `cluster_name` refers
    to the cluster, so the entry is created after the cluster's update."""
    name = f"mv-{unique}"

    def stack(mode: str, with_entry: bool) -> str:
        cluster = block("resource", "platform_eks_cluster", "main", name=name, version="1.33",
                        subnet_ids=network["subnet_ids"], create_oidc_provider=False, create_kms_key=False,
                        authentication_mode=mode, tags={"platform-emulator/delay-seconds": "0.3"})
        e = entry(Raw("platform_eks_cluster.main.name"), principal, policy(VIEW, "team-a")) if with_entry else ""
        return 'provider "platform" {}\n' + cluster + e

    workspace.write(stack("CONFIG_MAP", False))
    workspace.apply_clean()
    created = workspace.resource("platform_eks_cluster.main")["created_at"]
    workspace.write(stack("API_AND_CONFIG_MAP", True))
    workspace.apply_clean()
    assert eks.describe_cluster(name=name)["cluster"]["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    assert workspace.resource("platform_eks_cluster.main")["created_at"] == created
    assert remote(eks, name, principal)["policies"] == {VIEW: ("namespace", ["team-a"])}
    workspace.destroy()


# ---- ownership ----------------------------------------------------------------------

@pytest.mark.parametrize("drop", [False, True], ids=["500", "drop"])
def test_ownership_lost_answer_to_create(workspace, fault_proxy, eks, cluster, principal, drop):
    """CreateAccessEntry takes effect but its answer is lost: sent again with
    the same clientRequestToken, it answers with the first entry; exactly
    one entry, policies associated, destroy leaves nothing."""
    fault_proxy.lose_answer("CreateAccessEntry", drop=drop)
    workspace.write(config(cluster, principal, policy(VIEW, "team-a"), proxy=fault_proxy.url))
    workspace.apply_clean()
    assert fault_proxy.injected["CreateAccessEntry"] == 1 and fault_proxy.calls["CreateAccessEntry"] == 2
    assert entries(eks, cluster) == sorted([CREATOR, principal])
    s = workspace.resource(ADDR)
    assert s["arn"] == remote(eks, cluster, principal)["accessEntryArn"]
    assert remote(eks, cluster, principal)["policies"] == {VIEW: ("namespace", ["team-a"])}
    workspace.destroy()
    assert entries(eks, cluster) == [CREATOR]


def test_ownership_foreign_entry_is_never_touched(workspace, eks, cluster, principal):
    """An entry for the principal made outside Terraform: the plan fails with
    the import hint; apply, destroy and destroy -refresh=false leave it as it is."""
    eks.create_access_entry(clusterName=cluster, principalArn=principal, kubernetesGroups=["theirs"])
    eks.associate_access_policy(clusterName=cluster, principalArn=principal, policyArn=EDIT, accessScope={"type": "cluster"})
    before = snapshot(eks, cluster, principal)
    workspace.write(config(cluster, principal, policy(VIEW)))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"EKS access entry `{cluster}:{principal}` already exists" in out, out
    assert f"terraform import platform_eks_access_entry.<name> {cluster}:{principal}" in out, out
    assert "cluster's creator" not in out
    assert workspace.resources() == []
    workspace.destroy()
    workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert snapshot(eks, cluster, principal) == before


def test_ownership_creator_bootstrap_entry_is_refused_with_the_hint(workspace, eks, cluster):
    """The creator's bootstrap entry is never adopted by a create: the plan
    says it looks like the creator's entry and how to take it over."""
    before = snapshot(eks, cluster, CREATOR)
    workspace.write(config(cluster, CREATOR, policy(CLUSTER_ADMIN)))
    result = workspace.plan()
    out = " ".join(result.output.split())
    assert result.code == 1 and f"terraform import platform_eks_access_entry.<name> {cluster}:{CREATOR}" in out, out
    assert "It looks like the entry EKS made for the cluster's creator" in out and "Declared admins" in out, out
    assert snapshot(eks, cluster, CREATOR) == before


def test_ownership_refresh_not_found_malformed_and_state_rm(workspace, fault_proxy, eks, cluster, principal):
    """One not-found answer during refresh plans nothing; an unreadable one
    fails the plan and keeps state. Forgotten by `terraform state rm`, the
    entry is not made again: the apply fails with the import command and
    changes nothing; imported back, it is managed as before."""
    workspace.write(config(cluster, principal, policy(VIEW), proxy=fault_proxy.url))
    workspace.apply_clean()
    fault_proxy.inject("DescribeAccessEntry", 404, "ResourceNotFoundException",
                       "The specified principalArn could not be found.")
    workspace.assert_plan_empty()
    assert fault_proxy.injected["DescribeAccessEntry"] == 1
    fault_proxy.inject("DescribeAccessEntry", 200, "", "", times=10, mode="malformed")
    result = workspace.plan()
    assert result.code == 1 and f"reading access entry `{cluster}:{principal}`" in result.output, result.output
    assert workspace.resources() == [ADDR]
    fault_proxy.faults.clear()
    before = snapshot(eks, cluster, principal)
    workspace.run("state", "rm", ADDR)
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"terraform import platform_eks_access_entry.<name> {cluster}:{principal}" in out, out
    assert snapshot(eks, cluster, principal) == before
    workspace.import_(ADDR, f"{cluster}:{principal}")
    workspace.assert_plan_empty()
    workspace.destroy()
    assert entries(eks, cluster) == [CREATOR]


def test_ownership_delete_needs_the_recorded_identity(workspace, eks, cluster, principal):
    """The entry deleted and made again outside Terraform (same principal,
    another ARN and createdAt) is not this resource's: refresh drops it from
    state, and a destroy without refresh leaves it alone with a warning."""
    workspace.write(config(cluster, principal, policy(VIEW)))
    workspace.apply_clean()
    eks.delete_access_entry(clusterName=cluster, principalArn=principal)
    eks.create_access_entry(clusterName=cluster, principalArn=principal)
    before = snapshot(eks, cluster, principal)
    result = workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    out = " ".join(result.output.split())
    assert "was not deleted" in out and "not the one this resource created or imported" in out, out
    assert snapshot(eks, cluster, principal) == before
    workspace.apply(check=False)
    plan = workspace.plan()
    assert plan.code == 1 and "already exists" in plan.output
    assert snapshot(eks, cluster, principal) == before


def test_ownership_adoption_with_generated_config(workspace, eks, cluster, principal):
    """An entry made outside the provider, adopted with an `import {}` block
    and `plan -generate-config-out`: the configuration is valid and the plan
    imports it without any change."""
    eks.create_access_entry(clusterName=cluster, principalArn=principal, kubernetesGroups=["viewers"], tags={"t": "x"})
    eks.associate_access_policy(clusterName=cluster, principalArn=principal, policyArn=VIEW,
                                accessScope={"type": "namespace", "namespaces": ["a", "b"]})
    eks.associate_access_policy(clusterName=cluster, principalArn=principal, policyArn=EDIT, accessScope={"type": "cluster"})
    before = snapshot(eks, cluster, principal)
    workspace.write(f'provider "platform" {{}}\nimport {{\n  to = {ADDR}\n  id = "{cluster}:{principal}"\n}}\n')
    workspace.run("plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
    plan = workspace.plan()
    assert "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, plan.output
    workspace.apply()
    workspace.assert_plan_empty()
    assert snapshot(eks, cluster, principal) == before
    workspace.destroy()
    assert entries(eks, cluster) == [CREATOR]


# ---- declared admins ----------------------------------------------------------------

def test_declared_admins(workspace, eks, iam, cluster, unique):
    """From the creator's bootstrap entry to declared admins, without touching
    the cluster: declare the admins; adopt the creator's entry with an
    `import {}` block; remove it from the configuration. The admins remain,
    the creator's entry is gone, the plan is empty, the cluster is the same."""
    cluster_before = eks.describe_cluster(name=cluster)["cluster"]
    admins = [iam.create_role(RoleName=f"admin{i}-{unique}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
              for i in (1, 2)]
    declared = ('provider "platform" {}\n'
                f'variable "admins" {{\n  default = {admins!r}\n}}\n'.replace("'", '"')
                + block("resource", "platform_eks_access_entry", "admin", nested=(policy(CLUSTER_ADMIN),),
                        for_each=Raw("toset(var.admins)"),
                        cluster_name=cluster,
                        principal_arn=Raw("each.value")))
    workspace.write(declared)
    workspace.apply_clean()
    assert entries(eks, cluster) == sorted([CREATOR, *admins])
    creator = (f'import {{\n  to = platform_eks_access_entry.creator\n  id = "{cluster}:{CREATOR}"\n}}\n'
               + entry(cluster, CREATOR, policy(CLUSTER_ADMIN), name="creator"))
    workspace.write(declared + creator)
    plan = workspace.plan()
    assert "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, plan.output
    workspace.apply_clean()
    workspace.write(declared)
    workspace.assert_plan_changes("platform_eks_access_entry.creator will be destroyed", "0 to add, 0 to change, 1 to destroy")
    workspace.apply_clean()
    assert entries(eks, cluster) == sorted(admins)
    for admin in admins:
        assert remote(eks, cluster, admin)["policies"] == {CLUSTER_ADMIN: ("cluster", [])}
    cluster_after = eks.describe_cluster(name=cluster)["cluster"]
    assert (cluster_after["arn"], cluster_after["createdAt"]) == (cluster_before["arn"], cluster_before["createdAt"])
    workspace.destroy()
    assert entries(eks, cluster) == []
