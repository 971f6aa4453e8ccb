"""The EKS extension of the emulator (platform_acc/eks_ext.py): status
transitions take time, updates go InProgress -> Successful (or Failed on the
switch), and every response body it returns matches botocore's EKS model."""
from __future__ import annotations

import time

import pytest

from platform_acc import aws
from platform_acc.eks_helpers import MODEL, check_shape, checked_client

ROLE = f"arn:aws:iam::{aws.ACCOUNT_ID}:role/eks-cluster"

@pytest.fixture
def eks(emulator, network):
    """An EKS client whose every successful response is checked against the model."""
    return checked_client(emulator.url, network)

def wait_for(fn, predicate, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = fn()
        if predicate(value):
            return value
        time.sleep(0.1)
    raise AssertionError(f"condition not reached; last value {value!r}")

def cluster(eks, name, delay="0.5", **tags):
    eks.create_cluster(name=name, version="1.30", roleArn=ROLE, resourcesVpcConfig=eks.vpc,
                       tags={"platform-emulator/delay-seconds": delay, **tags})

def test_cluster_goes_creating_active_deleting_gone(eks, unique):
    name = f"c-{unique}"
    # 3 s: still CREATING, then DELETING, when checked on a loaded CI machine
    # (0.5 s raced there).
    cluster(eks, name, delay="3")
    assert eks.describe_cluster(name=name)["cluster"]["status"] == "CREATING"
    wait_for(lambda: eks.describe_cluster(name=name)["cluster"]["status"], lambda s: s == "ACTIVE")
    assert eks.delete_cluster(name=name)["cluster"]["status"] == "DELETING"
    assert eks.describe_cluster(name=name)["cluster"]["status"] == "DELETING"

    def gone():
        try:
            eks.describe_cluster(name=name)
            return False
        except eks.exceptions.ResourceNotFoundException:
            return True
    wait_for(gone, bool)
    assert name not in eks.list_clusters()["clusters"]
    assert {"CreateCluster", "DescribeCluster", "DeleteCluster", "ListClusters"} <= set(eks.checked)

def test_version_update_is_async_and_applies_on_success(eks, unique):
    name = f"v-{unique}"
    # Long enough that the in-progress checks below never race the transition
    # on a loaded machine (they did with 0.5 s and 4 workers).
    cluster(eks, name, delay="5")
    wait_for(lambda: eks.describe_cluster(name=name)["cluster"]["status"], lambda s: s == "ACTIVE")
    update = eks.update_cluster_version(name=name, version="1.31")["update"]
    assert update["status"] == "InProgress" and update["type"] == "VersionUpdate"
    assert {"type": "Version", "value": "1.31"} in update["params"]
    assert eks.describe_cluster(name=name)["cluster"]["status"] == "UPDATING"
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.30", "applied only on success"
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.update_cluster_version(name=name, version="1.31")
    done = wait_for(lambda: eks.describe_update(name=name, updateId=update["id"])["update"],
                    lambda u: u["status"] != "InProgress")
    assert done["status"] == "Successful" and done["errors"] == []
    assert eks.describe_cluster(name=name)["cluster"]["version"] == "1.31"
    assert eks.describe_cluster(name=name)["cluster"]["status"] == "ACTIVE"
    assert eks.list_updates(name=name)["updateIds"] == [update["id"]]
    # One minor version at a time, as EKS requires.
    with pytest.raises(eks.exceptions.InvalidParameterException) as err:
        eks.update_cluster_version(name=name, version="1.33")
    assert "Unsupported Kubernetes minor version update from 1.31 to 1.33" in str(err.value)
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.describe_update(name=name, updateId="nope")
    assert {"UpdateClusterVersion", "DescribeUpdate", "ListUpdates"} <= set(eks.checked)
    eks.delete_cluster(name=name)

def test_config_update_returns_an_update_and_can_fail(eks, unique):
    name = f"f-{unique}"
    cluster(eks, name, **{"platform-emulator/fail-updates": "true"})
    wait_for(lambda: eks.describe_cluster(name=name)["cluster"]["status"], lambda s: s == "ACTIVE")
    logging = {"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]}
    update = eks.update_cluster_config(name=name, logging=logging)["update"]
    assert update["type"] == "LoggingUpdate" and update["status"] == "InProgress"
    failed = wait_for(lambda: eks.describe_update(name=name, updateId=update["id"])["update"],
                      lambda u: u["status"] != "InProgress")
    assert failed["status"] == "Failed"
    assert failed["errors"][0]["errorCode"] == "Unknown" and failed["errors"][0]["resourceIds"] == [name]
    assert eks.describe_cluster(name=name)["cluster"]["logging"] != logging, "a failed update changes nothing"

    eks.untag_resource(resourceArn=eks.describe_cluster(name=name)["cluster"]["arn"], tagKeys=["platform-emulator/fail-updates"])
    update = eks.update_cluster_config(name=name, resourcesVpcConfig={"endpointPrivateAccess": True})["update"]
    assert update["type"] == "EndpointAccessUpdate"
    wait_for(lambda: eks.describe_update(name=name, updateId=update["id"])["update"]["status"], lambda s: s == "Successful")
    assert eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]["endpointPrivateAccess"] is True
    assert "UpdateClusterConfig" in eks.checked
    eks.delete_cluster(name=name)

def test_nodegroup_updates_and_transitions(eks, unique):
    name = f"n-{unique}"
    # 3 s: the node group is still CREATING and UPDATING when checked, even
    # under load (creating its Auto Scaling group takes a while).
    cluster(eks, name, delay="3")
    wait_for(lambda: eks.describe_cluster(name=name)["cluster"]["status"], lambda s: s == "ACTIVE")
    eks.create_nodegroup(clusterName=name, nodegroupName="workers", nodeRole=ROLE, subnets=eks.vpc["subnetIds"][:1],
                         scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2})
    assert eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]["status"] == "CREATING"
    wait_for(lambda: eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]["status"],
             lambda s: s == "ACTIVE")
    update = eks.update_nodegroup_config(clusterName=name, nodegroupName="workers",
                                         scalingConfig={"minSize": 2, "maxSize": 5, "desiredSize": 3},
                                         labels={"addOrUpdateLabels": {"pool": "system"}})["update"]
    assert update["status"] == "InProgress" and {"type": "DesiredSize", "value": "3"} in update["params"]
    ng = eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]
    assert ng["status"] == "UPDATING" and ng["scalingConfig"]["desiredSize"] == 2
    wait_for(lambda: eks.describe_update(name=name, updateId=update["id"], nodegroupName="workers")["update"]["status"],
             lambda s: s == "Successful")
    ng = eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]
    assert ng["scalingConfig"] == {"minSize": 2, "maxSize": 5, "desiredSize": 3} and ng["labels"]["pool"] == "system"

    # The node group follows the cluster's version.
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.update_nodegroup_version(clusterName=name, nodegroupName="workers", version="1.29")
    version = eks.update_nodegroup_version(clusterName=name, nodegroupName="workers")["update"]
    assert version["type"] == "VersionUpdate"
    wait_for(lambda: eks.describe_update(name=name, updateId=version["id"], nodegroupName="workers")["update"]["status"],
             lambda s: s == "Successful")
    assert eks.list_updates(name=name, nodegroupName="workers")["updateIds"] == [update["id"], version["id"]]

    # Deleting: the cluster refuses while a live node group remains.
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.delete_cluster(name=name)
    assert eks.delete_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]["status"] == "DELETING"
    wait_for(lambda: eks.list_nodegroups(clusterName=name)["nodegroups"], lambda n: n == [])
    eks.delete_cluster(name=name)
    assert {"CreateNodegroup", "DescribeNodegroup", "UpdateNodegroupConfig", "UpdateNodegroupVersion",
            "DeleteNodegroup", "ListNodegroups"} <= set(eks.checked)

def test_the_model_check_rejects_what_botocore_would_not_accept():
    update = MODEL.shape_for("Update")
    check_shape(update, {"id": "u", "status": "Successful", "type": "VersionUpdate", "params": [], "errors": []})
    for bad in [{"status": "Done"}, {"type": "Upgrade"}, {"params": [{"type": "Version", "value": 1}]}, {"bogus": 1}]:
        with pytest.raises(AssertionError):
            check_shape(update, bad)
    with pytest.raises(AssertionError):
        check_shape(MODEL.shape_for("ErrorDetail"), {"errorCode": "Oops"})

def test_clusters_get_what_real_eks_gives_them(eks, emulator, network, unique):
    """A unique issuer and endpoint per cluster, the access config asked for,
    the subnets' VPC, a cluster security group that exists in EC2 (and goes
    with the cluster), network defaults; bad subnets are refused."""
    ec2 = aws.client("ec2", emulator.url)
    first, second = f"a-{unique}", f"b-{unique}"
    eks.create_cluster(name=first, version="1.30", roleArn=ROLE, resourcesVpcConfig=eks.vpc,
                       accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
                       tags={"platform-emulator/delay-seconds": "0"})
    cluster(eks, second, delay="0")
    a = eks.describe_cluster(name=first)["cluster"]
    b = eks.describe_cluster(name=second)["cluster"]
    assert a["identity"]["oidc"]["issuer"] != b["identity"]["oidc"]["issuer"]
    assert a["endpoint"] != b["endpoint"]
    assert a["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    assert b["accessConfig"]["authenticationMode"] == "CONFIG_MAP"  # the API's default
    vpc = a["resourcesVpcConfig"]
    assert vpc["vpcId"] == network["vpc_id"]
    assert vpc["publicAccessCidrs"] == ["0.0.0.0/0"]
    group = vpc["clusterSecurityGroupId"]
    assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["VpcId"] == network["vpc_id"]
    assert a["kubernetesNetworkConfig"] == {"serviceIpv4Cidr": "172.20.0.0/16", "ipFamily": "ipv4"}
    eks.delete_cluster(name=first)
    eks.delete_cluster(name=second)
    with pytest.raises(ec2.exceptions.ClientError):
        ec2.describe_security_groups(GroupIds=[group])
    with pytest.raises(eks.exceptions.InvalidParameterException, match="does not exist"):
        eks.create_cluster(name=f"c-{unique}", version="1.30", roleArn=ROLE,
                           resourcesVpcConfig={"subnetIds": ["subnet-0000000000000000a", network["subnet_ids"][0]]})
    with pytest.raises(eks.exceptions.InvalidParameterException, match="two different AZs"):
        eks.create_cluster(name=f"c-{unique}", version="1.30", roleArn=ROLE,
                           resourcesVpcConfig={"subnetIds": network["subnet_ids"][:1]})
    with pytest.raises(eks.exceptions.InvalidParameterException, match="must have an IPv6 CIDR block"):
        eks.create_cluster(name=f"v6-{unique}", version="1.30", roleArn=ROLE, resourcesVpcConfig=eks.vpc,
                           kubernetesNetworkConfig={"ipFamily": "ipv6"})
    dual = dual_stack_network(emulator.url)
    eks.create_cluster(name=f"v6-{unique}", version="1.30", roleArn=ROLE,
                       resourcesVpcConfig={"subnetIds": dual["subnet_ids"]},
                       kubernetesNetworkConfig={"ipFamily": "ipv6"}, tags={"platform-emulator/delay-seconds": "0"})
    v6 = eks.describe_cluster(name=f"v6-{unique}")["cluster"]["kubernetesNetworkConfig"]
    assert v6["ipFamily"] == "ipv6" and v6["serviceIpv6Cidr"].endswith("::/108") and "serviceIpv4Cidr" not in v6
    eks.delete_cluster(name=f"v6-{unique}")
    assert {"CreateCluster", "DescribeCluster", "DeleteCluster"} <= set(eks.checked)

def test_node_groups_can_be_tagged(eks, unique):
    name = f"ngtags-{unique}"
    cluster(eks, name, delay="0")
    ng = eks.create_nodegroup(clusterName=name, nodegroupName="workers", nodeRole=ROLE,
                              subnets=eks.vpc["subnetIds"], tags={"a": "1"})["nodegroup"]
    assert ng["diskSize"] == 20 and ng["version"] == "1.30" and ng["updateConfig"] == {"maxUnavailable": 1}
    eks.tag_resource(resourceArn=ng["nodegroupArn"], tags={"b": "2"})
    eks.untag_resource(resourceArn=ng["nodegroupArn"], tagKeys=["a"])
    assert eks.list_tags_for_resource(resourceArn=ng["nodegroupArn"])["tags"] == {"b": "2"}
    assert eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]["tags"] == {"b": "2"}
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.tag_resource(resourceArn=ng["nodegroupArn"] + "x", tags={"c": "3"})
    eks.delete_nodegroup(clusterName=name, nodegroupName="workers")
    wait_for(lambda: eks.list_nodegroups(clusterName=name)["nodegroups"], lambda n: n == [])
    eks.delete_cluster(name=name)

def test_a_repeat_with_the_same_token_is_the_first_request(eks, unique):
    """clientRequestToken as EKS documents it: a repeat of CreateCluster,
    CreateNodegroup or an update with the same token (and parameters) answers
    with what the first request made, not ResourceInUseException or a second
    update; the same token with other parameters is refused."""
    name = f"t-{unique}"
    args = dict(name=name, version="1.30", roleArn=ROLE, resourcesVpcConfig=eks.vpc,
                tags={"platform-emulator/delay-seconds": "0.5"})
    first = eks.create_cluster(clientRequestToken="tok-c", **args)["cluster"]
    again = eks.create_cluster(clientRequestToken="tok-c", **args)["cluster"]
    assert again["arn"] == first["arn"] and again["createdAt"] == first["createdAt"]
    assert eks.list_clusters()["clusters"].count(name) == 1
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.create_cluster(clientRequestToken="tok-other", **args)
    with pytest.raises(eks.exceptions.InvalidParameterException):
        eks.create_cluster(clientRequestToken="tok-c", **{**args, "version": "1.31"})
    wait_for(lambda: eks.describe_cluster(name=name)["cluster"]["status"], lambda s: s == "ACTIVE")

    update = eks.update_cluster_version(name=name, version="1.31", clientRequestToken="tok-u")["update"]
    assert eks.update_cluster_version(name=name, version="1.31", clientRequestToken="tok-u")["update"]["id"] == update["id"]
    assert eks.list_updates(name=name)["updateIds"] == [update["id"]]
    wait_for(lambda: eks.describe_update(name=name, updateId=update["id"])["update"]["status"],
             lambda s: s == "Successful")
    logging = {"clusterLogging": [{"types": ["audit"], "enabled": True}]}
    config = eks.update_cluster_config(name=name, logging=logging, clientRequestToken="tok-l")["update"]
    assert eks.update_cluster_config(name=name, logging=logging, clientRequestToken="tok-l")["update"]["id"] == config["id"]
    wait_for(lambda: eks.describe_update(name=name, updateId=config["id"])["update"]["status"],
             lambda s: s == "Successful")

    ng = dict(clusterName=name, nodegroupName="workers", nodeRole=ROLE, subnets=eks.vpc["subnetIds"][:1],
              scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 1})
    created = eks.create_nodegroup(clientRequestToken="tok-n", **ng)["nodegroup"]
    repeat = eks.create_nodegroup(clientRequestToken="tok-n", **ng)["nodegroup"]
    assert repeat["nodegroupArn"] == created["nodegroupArn"] and repeat["createdAt"] == created["createdAt"]
    with pytest.raises(eks.exceptions.ResourceInUseException):
        eks.create_nodegroup(clientRequestToken="tok-n2", **ng)
    wait_for(lambda: eks.describe_nodegroup(clusterName=name, nodegroupName="workers")["nodegroup"]["status"],
             lambda s: s == "ACTIVE")
    scaling = {"minSize": 1, "maxSize": 4, "desiredSize": 2}
    u1 = eks.update_nodegroup_config(clusterName=name, nodegroupName="workers", scalingConfig=scaling,
                                     clientRequestToken="tok-s")["update"]
    u2 = eks.update_nodegroup_config(clusterName=name, nodegroupName="workers", scalingConfig=scaling,
                                     clientRequestToken="tok-s")["update"]
    assert u1["id"] == u2["id"]
    assert eks.list_updates(name=name, nodegroupName="workers")["updateIds"] == [u1["id"]]
    wait_for(lambda: eks.describe_update(name=name, updateId=u1["id"], nodegroupName="workers")["update"]["status"],
             lambda s: s == "Successful")
    v1 = eks.update_nodegroup_version(clusterName=name, nodegroupName="workers", clientRequestToken="tok-v")["update"]
    v2 = eks.update_nodegroup_version(clusterName=name, nodegroupName="workers", clientRequestToken="tok-v")["update"]
    assert v1["id"] == v2["id"]
    wait_for(lambda: eks.describe_update(name=name, updateId=v1["id"], nodegroupName="workers")["update"]["status"],
             lambda s: s == "Successful")
    eks.delete_nodegroup(clusterName=name, nodegroupName="workers")
    wait_for(lambda: eks.list_nodegroups(clusterName=name)["nodegroups"], lambda n: n == [])
    eks.delete_cluster(name=name)
    assert {"CreateCluster", "CreateNodegroup", "UpdateClusterVersion", "UpdateClusterConfig",
            "UpdateNodegroupConfig", "UpdateNodegroupVersion"} <= set(eks.checked)

def dual_stack_network(endpoint: str) -> dict:
    """A VPC with an Amazon-provided IPv6 block and two dual-stack subnets in
    two availability zones, as an IPv6 EKS cluster needs."""
    import ipaddress
    ec2 = aws.client("ec2", endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = ipaddress.ip_network(vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])
    halves = list(block.subnets(new_prefix=64))
    subnets = [
        ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=f"10.1.{i}.0/24", Ipv6CidrBlock=str(halves[i]),
                          AvailabilityZone=f"{aws.REGION}{zone}")["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    return {"vpc_id": vpc["VpcId"], "subnet_ids": subnets}
