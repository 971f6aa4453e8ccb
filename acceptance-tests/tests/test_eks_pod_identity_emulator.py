"""The pod identity extension of the emulator (platform_acc/eks_pod_identity_ext.py):
the association CRUD set with EKS's errors, filters and paging, tokens, tags,
and every response body checked against botocore's EKS model."""
from __future__ import annotations

import json
import time

import pytest

from platform_acc import aws
from platform_acc.eks_helpers import checked_client, make_cluster

PODS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
    "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
EC2_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture
def eks(emulator, network):
    return checked_client(emulator.url, network)


@pytest.fixture
def cluster(eks, iam, network, unique):
    return make_cluster(eks, iam, network, f"pia-{unique}")


def role(iam, name, trust=PODS_TRUST):
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]


def error_of(call):
    with pytest.raises(Exception) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"], \
        info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_describe_update_delete(eks, iam, cluster, unique):
    arn = role(iam, f"pia-a-{unique}")
    other = role(iam, f"pia-b-{unique}")
    created = eks.create_pod_identity_association(clusterName=cluster, namespace="apps", serviceAccount="web",
                                                  roleArn=arn, tags={"team": "a"})["association"]
    assoc_id = created["associationId"]
    assert assoc_id.startswith("a-") and len(assoc_id) == 19
    assert created["associationArn"] == \
        f"arn:aws:eks:{aws.REGION}:{aws.ACCOUNT_ID}:podidentityassociation/{cluster}/{assoc_id}"
    assert created["disableSessionTags"] is False and "targetRoleArn" not in created and "externalId" not in created
    described = eks.describe_pod_identity_association(clusterName=cluster, associationId=assoc_id)["association"]
    assert described["roleArn"] == arn and described["tags"] == {"team": "a"}
    assert described["createdAt"] == created["createdAt"]

    target = "arn:aws:iam::210987654321:role/data-reader"
    time.sleep(0.01)
    updated = eks.update_pod_identity_association(clusterName=cluster, associationId=assoc_id, roleArn=other,
                                                  targetRoleArn=target, disableSessionTags=True)["association"]
    assert updated["roleArn"] == other and updated["targetRoleArn"] == target and updated["disableSessionTags"]
    assert updated["externalId"] and updated["createdAt"] == created["createdAt"]
    assert updated["modifiedAt"] > created["modifiedAt"]
    # An empty target removes the target role (and its external id).
    cleared = eks.update_pod_identity_association(clusterName=cluster, associationId=assoc_id,
                                                  targetRoleArn="")["association"]
    assert "targetRoleArn" not in cleared and "externalId" not in cleared

    eks.delete_pod_identity_association(clusterName=cluster, associationId=assoc_id)
    code, message, status = error_of(lambda: eks.describe_pod_identity_association(
        clusterName=cluster, associationId=assoc_id))
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert {"CreatePodIdentityAssociation", "DescribePodIdentityAssociation", "UpdatePodIdentityAssociation",
            "DeletePodIdentityAssociation"} <= set(eks.checked)


def test_one_association_per_service_account(eks, iam, cluster, unique):
    arn = role(iam, f"pia-d-{unique}")
    first = eks.create_pod_identity_association(clusterName=cluster, namespace="apps", serviceAccount="web",
                                                roleArn=arn)["association"]
    code, message, status = error_of(lambda: eks.create_pod_identity_association(
        clusterName=cluster, namespace="apps", serviceAccount="web", roleArn=arn))
    assert (code, status) == ("ResourceInUseException", 409)
    assert message == f"Association already exists: {first['associationId']}"
    # Another service account, or the same name in another namespace, is fine.
    eks.create_pod_identity_association(clusterName=cluster, namespace="apps", serviceAccount="api", roleArn=arn)
    eks.create_pod_identity_association(clusterName=cluster, namespace="other", serviceAccount="web", roleArn=arn)


def test_roles_are_checked(eks, iam, cluster, unique):
    wrong_trust = role(iam, f"pia-e-{unique}", EC2_TRUST)
    cases = [
        ("not-an-arn", "Invalid role ARN"),
        (f"arn:aws:iam::{aws.ACCOUNT_ID}:role/missing-{unique}", "Role provided in the request does not exist"),
        ("arn:aws:iam::210987654321:role/elsewhere", "must be in the same account as the cluster"),
        (wrong_trust, "Trust policy of the role provided is invalid"),
    ]
    for arn, expected in cases:
        code, message, status = error_of(lambda: eks.create_pod_identity_association(
            clusterName=cluster, namespace="apps", serviceAccount="web", roleArn=arn))
        assert (code, status) == ("InvalidParameterException", 400), arn
        assert expected in message, (arn, message)
    good = role(iam, f"pia-f-{unique}")
    code, message, _ = error_of(lambda: eks.create_pod_identity_association(
        clusterName=cluster, namespace="apps", serviceAccount="web", roleArn=good, targetRoleArn="nope"))
    assert code == "InvalidParameterException" and "Invalid target role ARN" in message
    code, _, status = error_of(lambda: eks.create_pod_identity_association(
        clusterName=f"missing-{unique}", namespace="apps", serviceAccount="web", roleArn=good))
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert eks.list_pod_identity_associations(clusterName=cluster)["associations"] == []


def test_list_filters_and_pages(eks, iam, cluster, unique):
    arn = role(iam, f"pia-l-{unique}")
    made = [eks.create_pod_identity_association(clusterName=cluster, namespace=ns, serviceAccount=sa,
                                                roleArn=arn)["association"]["associationId"]
            for ns, sa in [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y"), ("c", "x")]]
    everything = eks.list_pod_identity_associations(clusterName=cluster)["associations"]
    assert [a["associationId"] for a in everything] == made
    assert set(everything[0]) == {"clusterName", "namespace", "serviceAccount", "associationArn", "associationId"}
    by_ns = eks.list_pod_identity_associations(clusterName=cluster, namespace="b")["associations"]
    assert [(a["namespace"], a["serviceAccount"]) for a in by_ns] == [("b", "x"), ("b", "y")]
    one = eks.list_pod_identity_associations(clusterName=cluster, namespace="a", serviceAccount="y")["associations"]
    assert [a["associationId"] for a in one] == [made[1]]
    by_sa = eks.list_pod_identity_associations(clusterName=cluster, serviceAccount="x")["associations"]
    assert len(by_sa) == 3
    pages, token = [], None
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = eks.list_pod_identity_associations(clusterName=cluster, maxResults=2, **kwargs)
        pages.append([a["associationId"] for a in page["associations"]])
        token = page.get("nextToken")
        if not token:
            break
    assert pages == [made[0:2], made[2:4], made[4:5]]
    code, _, _ = error_of(lambda: eks.list_pod_identity_associations(clusterName=cluster, maxResults=101))
    assert code == "InvalidParameterException"
    assert "ListPodIdentityAssociations" in eks.checked


def test_client_request_token_is_idempotent(eks, iam, cluster, unique):
    arn = role(iam, f"pia-t-{unique}")
    request = dict(clusterName=cluster, namespace="apps", serviceAccount="web", roleArn=arn, clientRequestToken="tok-1")
    first = eks.create_pod_identity_association(**request)["association"]
    again = eks.create_pod_identity_association(**request)["association"]
    assert again["associationId"] == first["associationId"]
    assert len(eks.list_pod_identity_associations(clusterName=cluster)["associations"]) == 1
    code, message, _ = error_of(lambda: eks.create_pod_identity_association(**{**request, "serviceAccount": "api"}))
    assert code == "InvalidParameterException" and "already used with different parameters" in message
    # Without a token, a repeat is the 409.
    code, _, _ = error_of(lambda: eks.create_pod_identity_association(
        **{k: v for k, v in request.items() if k != "clientRequestToken"}))
    assert code == "ResourceInUseException"


def test_tags_on_association_arns(eks, iam, cluster, unique):
    arn = role(iam, f"pia-g-{unique}")
    assoc = eks.create_pod_identity_association(clusterName=cluster, namespace="apps", serviceAccount="web",
                                                roleArn=arn, tags={"a": "1"})["association"]
    eks.tag_resource(resourceArn=assoc["associationArn"], tags={"b": "2"})
    eks.untag_resource(resourceArn=assoc["associationArn"], tagKeys=["a"])
    assert eks.list_tags_for_resource(resourceArn=assoc["associationArn"])["tags"] == {"b": "2"}
    assert eks.describe_pod_identity_association(clusterName=cluster, associationId=assoc["associationId"])[
        "association"]["tags"] == {"b": "2"}


def test_module_entry_for_addon_owned_associations():
    """`create_association`, which the addon emulator calls for an addon's
    `podIdentityAssociations`: same checks, and `ownerArn` set (run in this
    process against moto's in-memory backends)."""
    import boto3
    from moto import mock_aws
    from moto.eks.models import eks_backends

    from platform_acc import eks_pod_identity_ext as ext
    assert ext.trusts_pods(PODS_TRUST) and not ext.trusts_pods(EC2_TRUST)
    with mock_aws():
        iam = boto3.client("iam", region_name=aws.REGION)
        arn = role(iam, "addon-role")
        backend = eks_backends[aws.ACCOUNT_ID][aws.REGION]
        backend.create_cluster(name="c", role_arn=arn, resources_vpc_config={}, version="1.30")
        owner = f"arn:aws:eks:{aws.REGION}:{aws.ACCOUNT_ID}:addon/c/aws-ebs-csi-driver/x"
        made = ext.create_association(backend, "c", "kube-system", "ebs-csi-controller-sa", arn, owner_arn=owner)
        assert made["ownerArn"] == owner and made["associationId"].startswith("a-")
        assert ext.summary(made)["ownerArn"] == owner
        with pytest.raises(Exception) as info:
            ext.create_association(backend, "c", "kube-system", "ebs-csi-controller-sa", arn)
        assert "Association already exists" in str(info.value.description)


def test_associations_go_with_their_cluster(eks, iam, cluster, unique):
    arn = role(iam, f"pia-o-{unique}")
    eks.create_pod_identity_association(clusterName=cluster, namespace="apps", serviceAccount="web", roleArn=arn)
    eks.delete_cluster(name=cluster)
    deadline = time.time() + 15
    while True:
        try:
            eks.describe_cluster(name=cluster)
        except eks.exceptions.ResourceNotFoundException:
            break
        assert time.time() < deadline
        time.sleep(0.1)
    code, _, _ = error_of(lambda: eks.list_pod_identity_associations(clusterName=cluster))
    assert code == "ResourceNotFoundException"
