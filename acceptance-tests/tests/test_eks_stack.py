"""The whole EKS stack of issue 13 in one configuration, against real
Terraform and the emulator: a cluster whose admins are declared access
entries, a tainted dedicated node group that scales from zero, the vpc-cni,
coredns, kube-proxy, eks-pod-identity-agent and aws-ebs-csi-driver add-ons
(the last with its IRSA role), a read-only entry scoped to two namespaces,
and a pod identity association. It applies with coredns DEGRADED until the
nodes come, plans empty, and destroys leaving nothing."""
from __future__ import annotations

import json
import time

from platform_acc import aws
from platform_acc.eks_helpers import ROLE_POLICY, checked_client

POLICY = "arn:aws:eks::aws:cluster-access-policy/"
NO_NODES_TAG = "platform-emulator/addons-degraded-without-nodes"
LABEL = "k8s.io/cluster-autoscaler/node-template/label/"
TAINT = "k8s.io/cluster-autoscaler/node-template/taint/"


def stack(name: str, network: dict, admin: str, reader: str, unique: str) -> str:
    addons = "\n".join(f'''
    resource "platform_eks_addon" "{key}" {{
      cluster_name = platform_eks_cluster.main.name
      addon_name   = "{addon}"
      {extra}
    }}''' for key, addon, extra in [
        ("vpc_cni", "vpc-cni", ""),
        ("coredns", "coredns", 'configuration_values = jsonencode({ replicaCount = 2 })'),
        ("kube_proxy", "kube-proxy", ""),
        ("pod_identity_agent", "eks-pod-identity-agent", ""),
        ("ebs_csi", "aws-ebs-csi-driver", "service_account_role_arn = platform_irsa_role.ebs_csi.arn"),
    ])
    return f'''
    provider "platform" {{}}

    resource "platform_eks_cluster" "main" {{
      name                 = "{name}"
      version              = "1.33"
      subnet_ids           = {json.dumps(network["subnet_ids"])}
      authentication_mode  = "API"
      oidc_thumbprints     = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
      bootstrap_cluster_creator_admin_permissions = false
      tags = {{
        "platform-emulator/delay-seconds" = "0.3"
        "{NO_NODES_TAG}" = "true"
      }}
    }}

    resource "platform_eks_access_entry" "admin" {{
      cluster_name  = platform_eks_cluster.main.name
      principal_arn = "{admin}"
      access_policy {{
        policy_arn = "{POLICY}AmazonEKSClusterAdminPolicy"
        scope      = "cluster"
      }}
    }}

    resource "platform_eks_access_entry" "readers" {{
      cluster_name      = platform_eks_cluster.main.name
      principal_arn     = "{reader}"
      kubernetes_groups = ["readers"]
      access_policy {{
        policy_arn = "{POLICY}AmazonEKSViewPolicy"
        scope      = "namespace"
        namespaces = ["team-a", "team-b"]
      }}
    }}

    # A dedicated pool: tainted, from zero, its labels and taint published for
    # the cluster autoscaler. It comes after the add-ons it does not need, so
    # coredns is applied on a cluster without nodes.
    resource "platform_eks_node_group" "batch" {{
      cluster_name = platform_eks_cluster.main.name
      name         = "batch"
      subnet_ids   = {json.dumps(network["subnet_ids"])}
      labels       = {{ pool = "batch" }}
      autoscaler_node_template_tags = true
      scaling {{
        min     = 0
        max     = 5
        desired = 0
      }}
      taint {{
        key    = "dedicated"
        value  = "batch"
        effect = "NO_SCHEDULE"
      }}
      depends_on = [platform_eks_addon.vpc_cni, platform_eks_addon.coredns, platform_eks_addon.kube_proxy]
    }}

    resource "platform_irsa_role" "ebs_csi" {{
      name              = "ebs-csi-{unique}"
      oidc_provider_arn = platform_eks_cluster.main.oidc_provider_arn
      service_accounts  = [{{ namespace = "kube-system", name = "ebs-csi-controller-sa" }}]
      policy_arns       = ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
    }}

    resource "platform_irsa_role" "app" {{
      name         = "app-{unique}"
      pod_identity = true
    }}

    resource "platform_eks_pod_identity_association" "app" {{
      cluster_name    = platform_eks_cluster.main.name
      namespace       = "team-a"
      service_account = "app"
      role_arn        = platform_irsa_role.app.arn
      depends_on      = [platform_eks_addon.pod_identity_agent]
    }}
    {addons}
    '''


def test_stack(workspace, emulator, network, unique):
    eks = checked_client(emulator.url)
    iam, ec2, asg = (aws.client(s, emulator.url) for s in ("iam", "ec2", "autoscaling"))
    admin = iam.create_role(RoleName=f"admin-{unique}", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    reader = iam.create_role(RoleName=f"reader-{unique}", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    roles_before = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    providers_before = {p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]}
    name = f"full-{unique}"
    workspace.write(stack(name, network, admin, reader, unique))

    result = workspace.apply()
    out = " ".join(result.output.split())
    # coredns was applied before any node group existed: DEGRADED, a warning,
    # not a failure.
    assert f"EKS add-on `{name}:coredns` is DEGRADED until nodes can run its pods" in out, out
    workspace.assert_plan_empty()

    # The nodes came: coredns turns ACTIVE by itself, and nothing changes.
    deadline = time.time() + 30
    while eks.describe_addon(clusterName=name, addonName="coredns")["addon"]["status"] != "ACTIVE":
        assert time.time() < deadline
        time.sleep(0.2)
    assert sorted(eks.list_addons(clusterName=name)["addons"]) == [
        "aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]
    ebs = eks.describe_addon(clusterName=name, addonName="aws-ebs-csi-driver")["addon"]
    assert ebs["serviceAccountRoleArn"] == workspace.resource("platform_irsa_role.ebs_csi")["arn"]
    # Admins are the declared ones; nobody got an entry for running apply.
    assert sorted(eks.list_access_entries(clusterName=name)["accessEntries"]) == sorted([admin, reader])
    scopes = eks.list_associated_access_policies(clusterName=name, principalArn=reader)["associatedAccessPolicies"]
    assert [(p["policyArn"], sorted(p["accessScope"]["namespaces"])) for p in scopes] == [
        (POLICY + "AmazonEKSViewPolicy", ["team-a", "team-b"])]
    [association] = eks.list_pod_identity_associations(clusterName=name)["associations"]
    assert (association["namespace"], association["serviceAccount"]) == ("team-a", "app")
    # The pool from zero carries the autoscaler's tags.
    [group] = eks.describe_nodegroup(clusterName=name, nodegroupName="batch")["nodegroup"]["resources"]["autoScalingGroups"]
    tags = {t["Key"]: t["Value"] for t in asg.describe_tags(
        Filters=[{"Name": "auto-scaling-group", "Values": [group["name"]]}])["Tags"]}
    assert tags[f"{LABEL}pool"] == "batch" and tags[f"{TAINT}dedicated"] == "batch:NoSchedule"
    workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert workspace.resource("platform_eks_addon.coredns")["status"] == "ACTIVE"
    workspace.assert_plan_empty()

    workspace.destroy()
    assert name not in eks.list_clusters()["clusters"]
    assert {r["RoleName"] for r in iam.list_roles()["Roles"]} == roles_before
    assert {p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]} == providers_before
    assert not [g for g in ec2.describe_security_groups()["SecurityGroups"]
                if g["GroupName"].startswith(f"eks-cluster-sg-{name}-")]
    assert not [g for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]
                if g["AutoScalingGroupName"] == group["name"]]
