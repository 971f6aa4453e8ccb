"""The emulator's in-place changes of EKS clusters (platform_acc/eks_ext.py):
UpdateClusterConfig with new subnets and security groups (VpcConfigUpdate),
the authentication mode (AccessConfigUpdate) and the upgrade policy
(UpgradePolicyUpdate), and AssociateEncryptionConfig. Each is an update that
goes InProgress -> Successful before the cluster changes, follows EKS's rules
and botocore's model (every response is checked), and honours
clientRequestToken."""
from __future__ import annotations

import time

import pytest

from platform_acc import aws
from platform_acc.eks_helpers import checked_client

ROLE = f"arn:aws:iam::{aws.ACCOUNT_ID}:role/eks-cluster"


@pytest.fixture
def eks(emulator, network):
    return checked_client(emulator.url, network)


@pytest.fixture
def ec2(emulator):
    return aws.client("ec2", emulator.url)


def wait_for(fn, predicate, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = fn()
        if predicate(value):
            return value
        time.sleep(0.05)
    raise AssertionError(f"condition not reached; last value {value!r}")


def active_cluster(eks, name, delay="0.3", **kwargs):
    eks.create_cluster(name=name, version="1.33", roleArn=ROLE, resourcesVpcConfig=eks.vpc,
                       tags={"platform-emulator/delay-seconds": delay}, **kwargs)
    wait_for(lambda: eks.describe_cluster(name=name)["cluster"]["status"], lambda s: s == "ACTIVE")


def finish(eks, name, update):
    """Waits for the update; returns it as DescribeUpdate has it at the end."""
    return wait_for(lambda: eks.describe_update(name=name, updateId=update["id"])["update"],
                    lambda u: u["status"] != "InProgress")


def invalid(eks, message, **kwargs):
    with pytest.raises(eks.exceptions.InvalidParameterException) as err:
        eks.update_cluster_config(**kwargs)
    assert message in str(err.value)


def test_subnets_and_security_groups_change_as_one_vpc_config_update(eks, ec2, network, unique):
    name = f"vpc-{unique}"
    active_cluster(eks, name, delay="3")  # still UPDATING when checked, even under load
    vpc = network["vpc_id"]
    zones = {s["AvailabilityZone"]: s["SubnetId"]
             for s in ec2.describe_subnets(SubnetIds=network["subnet_ids"])["Subnets"]}
    third = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{100 + int(unique[:2], 16) % 100}.0/24",
                              AvailabilityZone=sorted(zones)[0])["Subnet"]["SubnetId"]
    groups = [ec2.create_security_group(GroupName=f"g{i}-{unique}", Description="x", VpcId=vpc)["GroupId"]
              for i in range(6)]
    new_subnets = [third, zones[sorted(zones)[1]]]
    update = eks.update_cluster_config(name=name, resourcesVpcConfig={
        "subnetIds": new_subnets, "securityGroupIds": groups[:2]})["update"]
    assert update["type"] == "VpcConfigUpdate" and update["status"] == "InProgress"
    assert {p["type"] for p in update["params"]} == {"Subnets", "SecurityGroups"}
    before = eks.describe_cluster(name=name)["cluster"]
    assert before["status"] == "UPDATING" and before["resourcesVpcConfig"]["subnetIds"] == network["subnet_ids"]
    assert finish(eks, name, update)["status"] == "Successful"
    after = eks.describe_cluster(name=name)["cluster"]
    assert after["resourcesVpcConfig"]["subnetIds"] == new_subnets
    assert after["resourcesVpcConfig"]["securityGroupIds"] == groups[:2]
    assert after["arn"] == before["arn"] and after["createdAt"] == before["createdAt"]
    # EKS's rules, checked when the update starts.
    invalid(eks, "Only one type of update can be allowed", name=name,
            resourcesVpcConfig={"subnetIds": new_subnets, "endpointPrivateAccess": True})
    invalid(eks, "at least two different AZs", name=name, resourcesVpcConfig={"subnetIds": [third]})
    other_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    foreign = [ec2.create_subnet(VpcId=other_vpc, CidrBlock=f"10.9.{i}.0/24",
                                 AvailabilityZone=zone)["Subnet"]["SubnetId"] for i, zone in enumerate(sorted(zones))]
    invalid(eks, "must all be in the cluster's VPC", name=name, resourcesVpcConfig={"subnetIds": foreign})
    elsewhere = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{200 + int(unique[:2], 16) % 50}.0/24",
                                  AvailabilityZone=f"{aws.REGION}c")["Subnet"]["SubnetId"]
    invalid(eks, "same set of availability zones", name=name, resourcesVpcConfig={"subnetIds": network["subnet_ids"] + [elsewhere]})
    invalid(eks, "At most 5 security groups", name=name, resourcesVpcConfig={"securityGroupIds": groups})
    invalid(eks, "does not exist", name=name, resourcesVpcConfig={"securityGroupIds": ["sg-0123456789abcdef0"]})
    # Security groups can all be removed again.
    update = eks.update_cluster_config(name=name, resourcesVpcConfig={"securityGroupIds": []})["update"]
    assert finish(eks, name, update)["status"] == "Successful"
    assert eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]["securityGroupIds"] == []
    assert "UpdateClusterConfig" in eks.checked and "DescribeUpdate" in eks.checked
    eks.delete_cluster(name=name)


def test_authentication_mode_moves_only_forward(eks, unique):
    name = f"auth-{unique}"
    active_cluster(eks, name, accessConfig={"authenticationMode": "CONFIG_MAP"})
    update = eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})["update"]
    assert update["type"] == "AccessConfigUpdate"
    assert update["params"] == [{"type": "AuthenticationMode", "value": "API_AND_CONFIG_MAP"}]
    assert eks.describe_cluster(name=name)["cluster"]["accessConfig"]["authenticationMode"] == "CONFIG_MAP"
    assert finish(eks, name, update)["status"] == "Successful"
    access = eks.describe_cluster(name=name)["cluster"]["accessConfig"]
    assert access == {"authenticationMode": "API_AND_CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": True}
    invalid(eks, "Unsupported authentication mode update from API_AND_CONFIG_MAP to CONFIG_MAP",
            name=name, accessConfig={"authenticationMode": "CONFIG_MAP"})
    invalid(eks, "Only one type of update can be allowed", name=name, accessConfig={"authenticationMode": "API"},
            upgradePolicy={"supportType": "STANDARD"})
    update = eks.update_cluster_config(name=name, accessConfig={"authenticationMode": "API"})["update"]
    assert finish(eks, name, update)["status"] == "Successful"
    invalid(eks, "Unsupported authentication mode update from API to API_AND_CONFIG_MAP",
            name=name, accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
    eks.delete_cluster(name=name)


def test_upgrade_policy_defaults_to_extended_and_changes_in_place(eks, unique):
    name = f"up-{unique}"
    active_cluster(eks, name)
    assert eks.describe_cluster(name=name)["cluster"]["upgradePolicy"] == {"supportType": "EXTENDED"}
    token = f"tok-{unique}"
    update = eks.update_cluster_config(name=name, upgradePolicy={"supportType": "STANDARD"},
                                       clientRequestToken=token)["update"]
    assert update["type"] == "UpgradePolicyUpdate"
    assert update["params"] == [{"type": "UpgradePolicy", "value": "STANDARD"}]
    # The same token is the same update, not a second one.
    again = eks.update_cluster_config(name=name, upgradePolicy={"supportType": "STANDARD"},
                                      clientRequestToken=token)["update"]
    assert again["id"] == update["id"]
    assert finish(eks, name, update)["status"] == "Successful"
    assert eks.describe_cluster(name=name)["cluster"]["upgradePolicy"] == {"supportType": "STANDARD"}
    assert eks.list_updates(name=name)["updateIds"] == [update["id"]]
    other = f"standard-{unique}"
    active_cluster(eks, other, upgradePolicy={"supportType": "STANDARD"})
    assert eks.describe_cluster(name=other)["cluster"]["upgradePolicy"] == {"supportType": "STANDARD"}
    eks.delete_cluster(name=name)
    eks.delete_cluster(name=other)


def test_encryption_is_associated_once(eks, emulator, unique):
    kms = aws.client("kms", emulator.url)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    name = f"enc-{unique}"
    # Updates take 3 s here, so that the checks while it is InProgress hold
    # on a loaded machine.
    active_cluster(eks, name, delay="3")
    assert not eks.describe_cluster(name=name)["cluster"].get("encryptionConfig")
    config = [{"resources": ["secrets"], "provider": {"keyArn": key}}]
    token = f"tok-{unique}"
    update = eks.associate_encryption_config(clusterName=name, encryptionConfig=config,
                                             clientRequestToken=token)["update"]
    assert update["type"] == "AssociateEncryptionConfig" and update["status"] == "InProgress"
    assert update["params"][0]["type"] == "EncryptionConfig"
    assert eks.associate_encryption_config(clusterName=name, encryptionConfig=config,
                                           clientRequestToken=token)["update"]["id"] == update["id"]
    assert not eks.describe_cluster(name=name)["cluster"].get("encryptionConfig"), "applied only on success"
    assert finish(eks, name, update)["status"] == "Successful"
    assert eks.describe_cluster(name=name)["cluster"]["encryptionConfig"] == config
    with pytest.raises(eks.exceptions.InvalidParameterException) as err:
        eks.associate_encryption_config(clusterName=name, encryptionConfig=[
            {"resources": ["secrets"], "provider": {"keyArn": kms.create_key()["KeyMetadata"]["Arn"]}}])
    assert "already has an encryption configuration" in str(err.value)
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.associate_encryption_config(clusterName=f"missing-{unique}", encryptionConfig=config)
    assert "AssociateEncryptionConfig" in eks.checked
    eks.delete_cluster(name=name)
