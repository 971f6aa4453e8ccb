"""The EKS add-on extension of the emulator (platform_acc/eks_addon_ext.py):
the catalogue, the checks of CreateAddon / UpdateAddon, status transitions,
AddonUpdate through DescribeUpdate, idempotency tokens, tags, the DEGRADED
switches, and add-ons going with their cluster. Every response body is checked
against botocore's EKS model (`checked_client`)."""
from __future__ import annotations

import json
import time

import pytest

from platform_acc import aws
from platform_acc.eks_addon_ext import CATALOGUE, KUBERNETES, NO_NODES_TAG, ISSUE_TAG
from platform_acc.eks_helpers import ROLE_POLICY, checked_client, make_cluster

ROLE = f"arn:aws:iam::{aws.ACCOUNT_ID}:role/addon-role"


@pytest.fixture
def eks(emulator, network):
    return checked_client(emulator.url, network)


def wait_for(fn, predicate, timeout=15.0):
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        value = fn()
        if predicate(value):
            return value
        time.sleep(0.1)
    raise AssertionError(f"condition not reached; last value {value!r}")


def status(eks, cluster, addon):
    return eks.describe_addon(clusterName=cluster, addonName=addon)["addon"]["status"]


def gone(eks, cluster, addon):
    try:
        eks.describe_addon(clusterName=cluster, addonName=addon)
        return False
    except eks.exceptions.ResourceNotFoundException:
        return True


def test_catalogue_has_one_default_per_kubernetes_version(eks):
    for kubernetes in KUBERNETES:
        addons = eks.describe_addon_versions(kubernetesVersion=kubernetes)["addons"]
        assert {a["addonName"] for a in addons} == set(CATALOGUE)
        for addon in addons:
            defaults = [v["addonVersion"] for v in addon["addonVersions"]
                        for c in v["compatibilities"] if c["clusterVersion"] == kubernetes and c["defaultVersion"]]
            assert len(defaults) == 1, (kubernetes, addon["addonName"], defaults)
            assert all(c["clusterVersion"] == kubernetes for v in addon["addonVersions"] for c in v["compatibilities"])
    one = eks.describe_addon_versions(addonName="coredns", kubernetesVersion="1.33")["addons"]
    assert [v["addonVersion"] for v in one[0]["addonVersions"]] == ["v1.12.2-eksbuild.4", "v1.12.1-eksbuild.2"]
    assert eks.describe_addon_versions(addonName="no-such-addon")["addons"] == []
    config = eks.describe_addon_configuration(addonName="coredns", addonVersion="v1.12.1-eksbuild.2")
    schema = json.loads(config["configurationSchema"])
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "replicaCount" in schema["definitions"]["Coredns"]["properties"]
    ebs = eks.describe_addon_configuration(addonName="aws-ebs-csi-driver", addonVersion="v1.41.0-eksbuild.1")
    assert ebs["podIdentityConfiguration"][0]["serviceAccount"] == "ebs-csi-controller-sa"
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.describe_addon_configuration(addonName="coredns", addonVersion="v0.0.1-eksbuild.1")
    assert {"DescribeAddonVersions", "DescribeAddonConfiguration"} <= set(eks.checked)


def test_addon_lifecycle(eks, iam, network, unique):
    # 3 s: the add-on is still UPDATING when checked, even on a loaded machine.
    name = make_cluster(eks, iam, network, f"ad-{unique}", version="1.33", tags={"platform-emulator/delay-seconds": "3"})
    created = eks.create_addon(clusterName=name, addonName="coredns", tags={"team": "a"},
                               configurationValues='{"replicaCount": 3}', clientRequestToken="t1")["addon"]
    assert created["status"] == "CREATING" and created["addonVersion"] == "v1.12.1-eksbuild.2"
    assert created["addonArn"].startswith(f"arn:aws:eks:{aws.REGION}:{aws.ACCOUNT_ID}:addon/{name}/coredns/")
    # The same token (and parameters): the same add-on, not a conflict.
    again = eks.create_addon(clusterName=name, addonName="coredns", tags={"team": "a"},
                             configurationValues='{"replicaCount": 3}', clientRequestToken="t1")["addon"]
    assert again["addonArn"] == created["addonArn"]
    # The tags given at creation (the provider's owner marker among them) come back with the add-on.
    assert created["tags"] == {"team": "a"} == eks.describe_addon(clusterName=name, addonName="coredns")["addon"]["tags"]
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.create_addon(clusterName=name, addonName="coredns", clientRequestToken="t1")
    with pytest.raises(eks.exceptions.ResourceInUseException) as err:
        eks.create_addon(clusterName=name, addonName="coredns")
    assert "Addon already exists." in str(err.value)
    wait_for(lambda: status(eks, name, "coredns"), lambda s: s == "ACTIVE")
    assert eks.list_addons(clusterName=name)["addons"] == ["coredns"]
    # Tags by ARN.
    eks.tag_resource(resourceArn=created["addonArn"], tags={"extra": "1"})
    eks.untag_resource(resourceArn=created["addonArn"], tagKeys=["team"])
    assert eks.list_tags_for_resource(resourceArn=created["addonArn"])["tags"] == {"extra": "1"}
    # An update: InProgress, UPDATING, then the change lands.
    update = eks.update_addon(clusterName=name, addonName="coredns", addonVersion="v1.12.2-eksbuild.4",
                              configurationValues='{"replicaCount": 2}', clientRequestToken="u1")["update"]
    assert update["type"] == "AddonUpdate" and update["status"] == "InProgress"
    assert {"type": "AddonVersion", "value": "v1.12.2-eksbuild.4"} in update["params"]
    same = eks.update_addon(clusterName=name, addonName="coredns", addonVersion="v1.12.2-eksbuild.4",
                            configurationValues='{"replicaCount": 2}', clientRequestToken="u1")["update"]
    assert same["id"] == update["id"]
    assert status(eks, name, "coredns") == "UPDATING"
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.update_addon(clusterName=name, addonName="coredns", configurationValues="{}")
    wait_for(lambda: eks.describe_update(name=name, updateId=update["id"], addonName="coredns")["update"]["status"],
             lambda s: s == "Successful")
    assert eks.list_updates(name=name, addonName="coredns")["updateIds"] == [update["id"]]
    addon = eks.describe_addon(clusterName=name, addonName="coredns")["addon"]
    assert addon["addonVersion"] == "v1.12.2-eksbuild.4" and addon["configurationValues"] == '{"replicaCount": 2}'
    assert addon["status"] == "ACTIVE" and addon["createdAt"] == created["createdAt"]
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.describe_update(name=name, updateId=update["id"], addonName="kube-proxy")
    # Delete: DELETING, then gone.
    assert eks.delete_addon(clusterName=name, addonName="coredns")["addon"]["status"] == "DELETING"
    wait_for(lambda: gone(eks, name, "coredns"), bool)
    assert eks.list_addons(clusterName=name)["addons"] == []
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.delete_addon(clusterName=name, addonName="coredns")
    assert {"CreateAddon", "DescribeAddon", "UpdateAddon", "DeleteAddon", "ListAddons", "DescribeUpdate",
            "ListUpdates", "ListTagsForResource"} <= set(eks.checked)


def test_create_checks(eks, iam, network, unique):
    name = make_cluster(eks, iam, network, f"adc-{unique}", version="1.33")
    bad = [
        ({"addonName": "no-such-addon"}, "Addon no-such-addon specified is not supported in 1.33"),
        ({"addonName": "kube-proxy", "addonVersion": "v1.32.0-eksbuild.2"}, "Addon version specified is not supported"),
        ({"addonName": "coredns", "configurationValues": "{not json"}, "not valid JSON"),
        ({"addonName": "coredns", "configurationValues": '{"replicaCount": "three"}'},
         "$.replicaCount: 'three' is not of type 'integer'"),
        ({"addonName": "coredns", "configurationValues": '{"replicas": 3}'}, "Additional properties are not allowed"),
        ({"addonName": "coredns", "configurationValues": '{"resources": {"limits": {"gpu": "1"}}}'},
         "$.resources.limits: Additional properties"),
        ({"addonName": "vpc-cni", "serviceAccountRoleArn": "not-an-arn"}, "is not a valid IAM role ARN"),
    ]
    for params, message in bad:
        with pytest.raises(eks.exceptions.InvalidParameterException) as err:
            eks.create_addon(clusterName=name, **params)
        assert message in str(err.value), (params, str(err.value))
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.create_addon(clusterName=f"missing-{unique}", addonName="coredns")
    assert eks.list_addons(clusterName=name)["addons"] == []
    # Pod identity associations are reported as association ARNs.
    addon = eks.create_addon(clusterName=name, addonName="aws-ebs-csi-driver", podIdentityAssociations=[
        {"serviceAccount": "ebs-csi-controller-sa", "roleArn": ROLE}])["addon"]
    assert len(addon["podIdentityAssociations"]) == 1
    assert addon["podIdentityAssociations"][0].startswith(f"arn:aws:eks:{aws.REGION}:{aws.ACCOUNT_ID}:podidentityassociation/{name}/a-")


def test_degraded_until_a_node_group_is_active(eks, iam, network, unique):
    name = make_cluster(eks, iam, network, f"adn-{unique}", version="1.33", tags={NO_NODES_TAG: "true",
                        # 2 s: the node group is still CREATING when checked below, even under load.
                        "platform-emulator/delay-seconds": "2"})
    for addon in ["coredns", "kube-proxy"]:
        eks.create_addon(clusterName=name, addonName=addon)
    wait_for(lambda: status(eks, name, "coredns"), lambda s: s == "DEGRADED")
    addon = eks.describe_addon(clusterName=name, addonName="coredns")["addon"]
    assert addon["health"]["issues"] == [{
        "code": "InsufficientNumberOfReplicas",
        "message": "The add-on is unhealthy because it doesn't have the desired number of replicas."}]
    wait_for(lambda: status(eks, name, "kube-proxy"), lambda s: s == "ACTIVE")  # a DaemonSet needs no replicas
    role = iam.create_role(RoleName=f"adn-{unique}-n", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    eks.create_nodegroup(clusterName=name, nodegroupName="workers", nodeRole=role, subnets=network["subnet_ids"],
                         scalingConfig={"minSize": 1, "maxSize": 2, "desiredSize": 1})
    assert status(eks, name, "coredns") == "DEGRADED"  # the node group is still CREATING
    wait_for(lambda: status(eks, name, "coredns"), lambda s: s == "ACTIVE")
    assert eks.describe_addon(clusterName=name, addonName="coredns")["addon"]["health"] == {"issues": []}


def test_health_issue_switch(eks, iam, network, unique):
    name = make_cluster(eks, iam, network, f"adi-{unique}", version="1.33", tags={ISSUE_TAG: "ConfigurationConflict"})
    eks.create_addon(clusterName=name, addonName="vpc-cni")
    wait_for(lambda: status(eks, name, "vpc-cni"), lambda s: s == "DEGRADED")
    issue = eks.describe_addon(clusterName=name, addonName="vpc-cni")["addon"]["health"]["issues"][0]
    assert issue["code"] == "ConfigurationConflict" and "Conflicts found" in issue["message"]


def test_addons_go_with_their_cluster(eks, iam, network, unique):
    # 3 s: the add-on is still DELETING when checked, even on a loaded machine.
    name = make_cluster(eks, iam, network, f"adg-{unique}", version="1.33", tags={"platform-emulator/delay-seconds": "3"})
    eks.create_addon(clusterName=name, addonName="vpc-cni")
    wait_for(lambda: status(eks, name, "vpc-cni"), lambda s: s == "ACTIVE")
    eks.delete_cluster(name=name)  # not refused because of add-ons, as on EKS
    assert status(eks, name, "vpc-cni") == "DELETING"
    wait_for(lambda: name not in eks.list_clusters()["clusters"], bool)
    make_cluster(eks, iam, network, name, version="1.33", role_name=f"adg-{unique}-2")
    assert eks.list_addons(clusterName=name)["addons"] == []
