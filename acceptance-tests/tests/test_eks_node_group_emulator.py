"""The emulator's node groups (platform_acc/eks_ext.py, eks_asg_ext.py):
launch templates, AMI releases and node auto repair as EKS takes them, and
the Auto Scaling group EKS makes for each node group. Every EKS response is
checked against botocore's model."""
from __future__ import annotations

import time

import pytest

from platform_acc import aws
from platform_acc.eks_helpers import ROLE_POLICY, checked_client, make_cluster


@pytest.fixture
def eks(emulator, network):
    return checked_client(emulator.url, network)


@pytest.fixture
def asg(emulator):
    return aws.client("autoscaling", emulator.url)


@pytest.fixture
def ec2(emulator):
    return aws.client("ec2", emulator.url)


@pytest.fixture
def cluster(eks, iam, network, unique):
    return make_cluster(eks, iam, network, f"emu-{unique}", version="1.33")


@pytest.fixture
def node_role(iam, unique):
    return iam.create_role(RoleName=f"emun-{unique}", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]


def wait_update(eks, cluster, nodegroup, update):
    aws.wait_update(eks, cluster, update["id"], nodegroup)
    return eks.describe_update(name=cluster, updateId=update["id"], nodegroupName=nodegroup)["update"]


def wait_active(eks, cluster, nodegroup):
    deadline = time.time() + 30
    while (ng := eks.describe_nodegroup(clusterName=cluster, nodegroupName=nodegroup)["nodegroup"])["status"] != "ACTIVE":
        assert time.time() < deadline
        time.sleep(0.1)
    return ng


def group_of(asg, ng):
    [name] = [g["name"] for g in ng["resources"]["autoScalingGroups"]]
    return asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]


def test_node_group_with_launch_template_repair_and_release(eks, asg, ec2, network, cluster, node_role, unique):
    lt = ec2.create_launch_template(LaunchTemplateName=f"nodes-{unique}",
                                    LaunchTemplateData={"ImageId": "ami-12345678"})["LaunchTemplate"]
    ec2.create_launch_template_version(LaunchTemplateId=lt["LaunchTemplateId"], LaunchTemplateData={"ImageId": "ami-87654321"})
    eks.create_nodegroup(clusterName=cluster, nodegroupName="lt", nodeRole=node_role, subnets=network["subnet_ids"],
                         scalingConfig={"minSize": 0, "maxSize": 3, "desiredSize": 0},
                         launchTemplate={"name": f"nodes-{unique}", "version": "1"},
                         releaseVersion="1.33.0-20250704", nodeRepairConfig={"enabled": True})
    ng = wait_active(eks, cluster, "lt")
    assert ng["launchTemplate"] == {"id": lt["LaunchTemplateId"], "name": f"nodes-{unique}", "version": "1"}
    assert ng["nodeRepairConfig"] == {"enabled": True} and ng["releaseVersion"] == "1.33.0-20250704"
    assert "diskSize" not in ng and ng["instanceTypes"] == ["t3.medium"]
    # The Auto Scaling group EKS makes, with EKS's tags and the scaling config's sizes.
    [group] = group_of(asg, ng)
    assert group["AutoScalingGroupName"].startswith("eks-lt-")
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (0, 3, 0)
    tags = {t["Key"]: t["Value"] for t in group["Tags"]}
    assert tags["eks:cluster-name"] == cluster and tags["eks:nodegroup-name"] == "lt"
    assert tags[f"k8s.io/cluster-autoscaler/{cluster}"] == "owned"
    # The launch template's version, in place; the same template by id.
    done = wait_update(eks, cluster, "lt", eks.update_nodegroup_version(
        clusterName=cluster, nodegroupName="lt", launchTemplate={"id": lt["LaunchTemplateId"], "version": "2"})["update"])
    assert done["status"] == "Successful" and {"type": "LaunchTemplateVersion", "value": "2"} in done["params"]
    ng = eks.describe_nodegroup(clusterName=cluster, nodegroupName="lt")["nodegroup"]
    assert ng["launchTemplate"]["version"] == "2" and ng["version"] == "1.33"
    # A newer AMI release, in place; an older one or another minor's is refused.
    done = wait_update(eks, cluster, "lt", eks.update_nodegroup_version(
        clusterName=cluster, nodegroupName="lt", releaseVersion="1.33.1-20250801")["update"])
    assert {"type": "ReleaseVersion", "value": "1.33.1-20250801"} in done["params"]
    assert eks.describe_nodegroup(clusterName=cluster, nodegroupName="lt")["nodegroup"]["releaseVersion"] == "1.33.1-20250801"
    for release, message in [("1.33.0-20250704", "roll back"), ("1.32.0-20250801", "not valid for kubernetes version 1.33")]:
        with pytest.raises(eks.exceptions.InvalidParameterException, match=message):
            eks.update_nodegroup_version(clusterName=cluster, nodegroupName="lt", releaseVersion=release)
    # Node auto repair off, through UpdateNodegroupConfig; a resize reaches the group.
    done = wait_update(eks, cluster, "lt", eks.update_nodegroup_config(
        clusterName=cluster, nodegroupName="lt", nodeRepairConfig={"enabled": False},
        scalingConfig={"minSize": 1, "maxSize": 4, "desiredSize": 1})["update"])
    assert {"type": "NodeRepairEnabled", "value": "false"} in done["params"]
    ng = eks.describe_nodegroup(clusterName=cluster, nodegroupName="lt")["nodegroup"]
    assert ng["nodeRepairConfig"] == {"enabled": False}
    [group] = group_of(asg, ng)
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (1, 4, 1)
    # Deleting the node group deletes its group.
    eks.delete_nodegroup(clusterName=cluster, nodegroupName="lt")
    assert group_of(asg, ng) == []
    assert {"CreateNodegroup", "DescribeNodegroup", "UpdateNodegroupVersion", "UpdateNodegroupConfig",
            "DescribeUpdate", "DeleteNodegroup"} <= set(eks.checked)


def test_launch_template_rules(eks, ec2, network, cluster, node_role, unique):
    lt = ec2.create_launch_template(LaunchTemplateName=f"typed-{unique}",
                                    LaunchTemplateData={"InstanceType": "m5.large"})["LaunchTemplate"]
    base = dict(clusterName=cluster, nodeRole=node_role, subnets=network["subnet_ids"],
                scalingConfig={"minSize": 1, "maxSize": 2, "desiredSize": 1})
    refused = [
        ({"launchTemplate": {"name": "no-such-template", "version": "1"}}, "does not exist"),
        ({"launchTemplate": {"id": lt["LaunchTemplateId"], "version": "7"}}, "has no version 7"),
        ({"launchTemplate": {"id": lt["LaunchTemplateId"], "name": f"typed-{unique}", "version": "1"}}, "not both"),
        ({"launchTemplate": {"id": lt["LaunchTemplateId"], "version": "1"}, "diskSize": 50}, "Disk size must be specified within the launch template"),
        ({"launchTemplate": {"id": lt["LaunchTemplateId"], "version": "1"}, "instanceTypes": ["m5.xlarge"]},
         "instance types in launch template and API request"),
        ({"releaseVersion": "1.32.0-20250704"}, "not valid for kubernetes version 1.33"),
        ({"subnets": ["subnet-0000000000000dead"]}, "does not exist"),
    ]
    for i, (extra, message) in enumerate(refused):
        with pytest.raises(eks.exceptions.InvalidParameterException, match=message):
            eks.create_nodegroup(**{**base, "nodegroupName": f"bad{i}", **extra})
    assert eks.list_nodegroups(clusterName=cluster)["nodegroups"] == []
    # The template's instance type: none reported by the node group.
    eks.create_nodegroup(**base, nodegroupName="typed", launchTemplate={"id": lt["LaunchTemplateId"], "version": "$Latest"})
    ng = wait_active(eks, cluster, "typed")
    assert ng["launchTemplate"]["version"] == "1" and "instanceTypes" not in ng
    # Only the template the node group was made with; none for a node group made without one.
    other = ec2.create_launch_template(LaunchTemplateName=f"other-{unique}", LaunchTemplateData={})["LaunchTemplate"]
    with pytest.raises(eks.exceptions.InvalidParameterException, match="the one the node group was created with"):
        eks.update_nodegroup_version(clusterName=cluster, nodegroupName="typed",
                                     launchTemplate={"id": other["LaunchTemplateId"], "version": "1"})
    eks.create_nodegroup(**base, nodegroupName="plain")
    wait_active(eks, cluster, "plain")
    with pytest.raises(eks.exceptions.InvalidParameterException, match="not created with one"):
        eks.update_nodegroup_version(clusterName=cluster, nodegroupName="plain",
                                     launchTemplate={"id": lt["LaunchTemplateId"], "version": "1"})
    assert eks.describe_nodegroup(clusterName=cluster, nodegroupName="plain")["nodegroup"]["nodeRepairConfig"] == {"enabled": False}
    for name in ("typed", "plain"):
        eks.delete_nodegroup(clusterName=cluster, nodegroupName=name)
