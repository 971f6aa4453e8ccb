"""The emulator's EKS access entries and access policies (platform_acc.eks_access_ext),
every answer checked against botocore's EKS model (`checked_client`)."""
from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from platform_acc import aws
from platform_acc.eks_helpers import checked_client, make_cluster

VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
CREATOR = f"arn:aws:iam::{aws.ACCOUNT_ID}:user/moto"
API = {"authenticationMode": "API_AND_CONFIG_MAP"}


@pytest.fixture
def eks(emulator):
    return checked_client(emulator.url)


@pytest.fixture
def api_cluster(eks, iam, network, unique):
    return make_cluster(eks, iam, network, f"acc-{unique}", role_name=f"accc-{unique}", accessConfig=API)


def role(iam, name: str, path: str = "/") -> str:
    return iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument="{}")["Role"]["Arn"]


def code(err: pytest.ExceptionInfo) -> tuple[str, str]:
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_bootstrap_entry_of_the_cluster_creator(eks, iam, network, unique):
    """API modes with bootstrapClusterCreatorAdminPermissions (the default)
    give the caller a cluster-admin entry; false gives none; CONFIG_MAP has no
    access entries at all."""
    with_creator = make_cluster(eks, iam, network, f"boot-{unique}", role_name=f"boot-{unique}", accessConfig=API)
    assert eks.list_access_entries(clusterName=with_creator)["accessEntries"] == [CREATOR]
    entry = eks.describe_access_entry(clusterName=with_creator, principalArn=CREATOR)["accessEntry"]
    assert entry["type"] == "STANDARD" and entry["username"] == CREATOR and entry["kubernetesGroups"] == []
    [policy] = eks.list_associated_access_policies(clusterName=with_creator, principalArn=CREATOR)["associatedAccessPolicies"]
    assert policy["policyArn"] == ADMIN and policy["accessScope"] == {"type": "cluster", "namespaces": []}
    without = make_cluster(eks, iam, network, f"noboot-{unique}", role_name=f"noboot-{unique}",
                           accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False})
    assert eks.list_access_entries(clusterName=without)["accessEntries"] == []
    config_map = make_cluster(eks, iam, network, f"cm-{unique}", role_name=f"cm-{unique}")
    for call in (lambda: eks.list_access_entries(clusterName=config_map),
                 lambda: eks.describe_access_entry(clusterName=config_map, principalArn=CREATOR),
                 lambda: eks.create_access_entry(clusterName=config_map, principalArn=role(iam, f"cmr-{unique}"))):
        with pytest.raises(ClientError) as err:
            call()
        assert code(err) == ("InvalidRequestException", "The cluster's authentication mode must be set to one of "
                             "[API, API_AND_CONFIG_MAP] to perform this operation.")
    # Deleting the cluster deletes its entries; wait until it is gone (with
    # its security group), so later cases in this emulator see a settled EC2.
    eks.delete_cluster(name=with_creator)
    with pytest.raises(ClientError) as err:
        eks.describe_access_entry(clusterName=with_creator, principalArn=CREATOR)
    assert code(err)[0] == "ResourceNotFoundException"
    deadline = time.time() + 30
    while with_creator in eks.list_clusters()["clusters"]:
        assert time.time() < deadline
        time.sleep(0.1)


def test_entry_lifecycle(eks, iam, api_cluster, unique):
    principal = role(iam, f"dev-{unique}", path="/teams/")
    created = eks.create_access_entry(clusterName=api_cluster, principalArn=principal, kubernetesGroups=["viewers"],
                                      tags={"team": "a"}, clientRequestToken="tok-1")["accessEntry"]
    # EKS's username for a role: its STS ARN without the path, with {{SessionName}}.
    assert created["username"] == f"arn:aws:sts::{aws.ACCOUNT_ID}:assumed-role/dev-{unique}/{{{{SessionName}}}}"
    assert created["type"] == "STANDARD" and created["accessEntryArn"].startswith(
        f"arn:aws:eks:{aws.REGION}:{aws.ACCOUNT_ID}:access-entry/{api_cluster}/role/")
    # The same token answers with the first entry; a second entry for the principal is in use.
    again = eks.create_access_entry(clusterName=api_cluster, principalArn=principal, kubernetesGroups=["viewers"],
                                    tags={"team": "a"}, clientRequestToken="tok-1")["accessEntry"]
    assert again["accessEntryArn"] == created["accessEntryArn"] and again["createdAt"] == created["createdAt"]
    # The tags given at creation (the provider's owner marker among them) come back with the entry.
    assert eks.describe_access_entry(clusterName=api_cluster, principalArn=principal)["accessEntry"]["tags"] == {"team": "a"}
    with pytest.raises(ClientError) as err:
        eks.create_access_entry(clusterName=api_cluster, principalArn=principal)
    assert code(err)[0] == "ResourceInUseException"
    updated = eks.update_access_entry(clusterName=api_cluster, principalArn=principal, kubernetesGroups=["a", "b"],
                                      username="dev:{{SessionName}}")["accessEntry"]
    assert updated["kubernetesGroups"] == ["a", "b"] and updated["username"] == "dev:{{SessionName}}"
    assert updated["createdAt"] == created["createdAt"]
    eks.untag_resource(resourceArn=created["accessEntryArn"], tagKeys=["team"])
    eks.tag_resource(resourceArn=created["accessEntryArn"], tags={"x": "y"})
    assert eks.list_tags_for_resource(resourceArn=created["accessEntryArn"])["tags"] == {"x": "y"}
    eks.delete_access_entry(clusterName=api_cluster, principalArn=principal)
    with pytest.raises(ClientError) as err:
        eks.describe_access_entry(clusterName=api_cluster, principalArn=principal)
    assert code(err)[0] == "ResourceNotFoundException"
    assert {"CreateAccessEntry", "UpdateAccessEntry", "ListTagsForResource"} <= set(eks.checked)


def test_policies_and_scopes(eks, iam, api_cluster, unique):
    principal = role(iam, f"pol-{unique}")
    eks.create_access_entry(clusterName=api_cluster, principalArn=principal)
    eks.associate_access_policy(clusterName=api_cluster, principalArn=principal, policyArn=VIEW,
                                accessScope={"type": "namespace", "namespaces": ["team-a", "dev-*"]})
    first = eks.list_associated_access_policies(clusterName=api_cluster, principalArn=principal)["associatedAccessPolicies"]
    # Associating again replaces the scope.
    eks.associate_access_policy(clusterName=api_cluster, principalArn=principal, policyArn=VIEW,
                                accessScope={"type": "cluster"})
    [view] = eks.list_associated_access_policies(clusterName=api_cluster, principalArn=principal)["associatedAccessPolicies"]
    assert view["accessScope"] == {"type": "cluster", "namespaces": []}
    assert view["associatedAt"] == first[0]["associatedAt"]
    assert eks.list_access_entries(clusterName=api_cluster, associatedPolicyArn=VIEW)["accessEntries"] == [principal]
    for scope, message in [({"type": "namespace", "namespaces": []}, "At least one namespace"),
                           ({"type": "cluster", "namespaces": ["a"]}, "namespaces can't be specified")]:
        with pytest.raises(ClientError) as err:
            eks.associate_access_policy(clusterName=api_cluster, principalArn=principal, policyArn=ADMIN, accessScope=scope)
        assert code(err)[0] == "InvalidParameterException" and message in code(err)[1]
    with pytest.raises(ClientError) as err:
        eks.associate_access_policy(clusterName=api_cluster, principalArn=principal, accessScope={"type": "cluster"},
                                    policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSMadeUpPolicy")
    assert code(err)[0] == "ResourceNotFoundException"
    eks.disassociate_access_policy(clusterName=api_cluster, principalArn=principal, policyArn=VIEW)
    assert eks.list_associated_access_policies(clusterName=api_cluster, principalArn=principal)["associatedAccessPolicies"] == []
    with pytest.raises(ClientError) as err:
        eks.disassociate_access_policy(clusterName=api_cluster, principalArn=principal, policyArn=VIEW)
    assert code(err)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        eks.associate_access_policy(clusterName=api_cluster, principalArn=role(iam, f"none-{unique}"), policyArn=VIEW,
                                    accessScope={"type": "cluster"})
    assert code(err) == ("ResourceNotFoundException", "The specified principalArn could not be found. You can view "
                         "your available access entries with 'list-access-entries'.")


def test_rules_of_types_principals_groups_and_usernames(eks, iam, api_cluster, unique):
    node = role(iam, f"node-{unique}")
    user = iam.create_user(UserName=f"u-{unique}")["User"]["Arn"]
    entry = eks.create_access_entry(clusterName=api_cluster, principalArn=node, type="EC2_LINUX")["accessEntry"]
    assert entry["username"] == "system:node:{{EC2PrivateDNSName}}" and entry["kubernetesGroups"] == ["system:nodes"]
    with pytest.raises(ClientError) as err:
        eks.associate_access_policy(clusterName=api_cluster, principalArn=node, policyArn=VIEW, accessScope={"type": "cluster"})
    assert code(err)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        eks.update_access_entry(clusterName=api_cluster, principalArn=node, username=entry["username"])
    assert code(err) == ("InvalidParameterException", "The username must not begin with system:")
    fargate = eks.create_access_entry(clusterName=api_cluster, principalArn=role(iam, f"fg-{unique}"),
                                      type="FARGATE_LINUX")["accessEntry"]
    assert fargate["username"] == "system:node:{{SessionName}}"
    assert eks.create_access_entry(clusterName=api_cluster, principalArn=user)["accessEntry"]["username"] == user
    cases = [
        (dict(principalArn=user, type="EC2_LINUX"), "InvalidParameterException", "must be an IAM role"),
        (dict(principalArn=role(iam, f"g-{unique}"), type="EC2_WINDOWS", kubernetesGroups=["x"]),
         "InvalidParameterException", "kubernetesGroups can't be specified"),
        (dict(principalArn=role(iam, f"s-{unique}"), kubernetesGroups=["system:masters"]), "InvalidParameterException",
         "The kubernetes group name system:masters is invalid, it cannot start with system:"),
        (dict(principalArn=role(iam, f"n-{unique}"), username="eks:admin"), "InvalidParameterException",
         "The username must not begin with eks:"),
        (dict(principalArn=role(iam, f"c-{unique}"), username="john{{SessionName}}"), "InvalidParameterException",
         "a colon must come before {{SessionName}}"),
        (dict(principalArn=role(iam, f"t-{unique}"), type="WINDOWS"), "InvalidParameterException", "The type WINDOWS is invalid"),
        (dict(principalArn=f"arn:aws:sts::{aws.ACCOUNT_ID}:assumed-role/x/session"), "InvalidParameterException",
         "The specified principalArn is invalid: invalid principal."),
        (dict(principalArn=f"arn:aws:iam::{aws.ACCOUNT_ID}:role/missing-{unique}"), "InvalidParameterException",
         "The specified principalArn is invalid: invalid principal."),
        (dict(principalArn=f"arn:aws:iam::{aws.ACCOUNT_ID}:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"),
         "InvalidParameterException", "Service Linked Role"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(ClientError) as err:
            eks.create_access_entry(clusterName=api_cluster, **kwargs)
        assert code(err)[0] == error and message in code(err)[1], (kwargs, code(err))
    with pytest.raises(ClientError) as err:
        eks.create_access_entry(clusterName=f"missing-{unique}", principalArn=user)
    assert code(err)[0] == "ResourceNotFoundException"


def test_lists_page(eks, iam, api_cluster, unique):
    principals = {CREATOR} | {role(iam, f"p{i}-{unique}") for i in range(4)}
    for p in principals - {CREATOR}:
        eks.create_access_entry(clusterName=api_cluster, principalArn=p)
    seen, token, pages = [], None, 0
    while True:
        out = eks.list_access_entries(clusterName=api_cluster, maxResults=2, **({"nextToken": token} if token else {}))
        seen += out["accessEntries"]
        pages += 1
        token = out.get("nextToken")
        if not token:
            break
    assert set(seen) == principals and len(seen) == 5 and pages == 3
    catalogue = [p for page in eks.get_paginator("list_access_policies").paginate(PaginationConfig={"PageSize": 4})
                 for p in page["accessPolicies"]]
    names = [p["name"] for p in catalogue]
    assert {"AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy",
            "AmazonEKSAdminViewPolicy", "AmazonEKSSecretReaderPolicy"} <= set(names)
    assert all(p["arn"] == f"arn:aws:eks::aws:cluster-access-policy/{p['name']}" for p in catalogue)
    assert {"ListAccessEntries", "ListAccessPolicies", "CreateAccessEntry"} <= set(eks.checked)
