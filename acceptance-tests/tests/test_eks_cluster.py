"""Acceptance cases for `platform_eks_cluster`, against real Terraform and the
emulator (moto with the EKS extension: asynchronous status transitions and
updates, subnets that must exist in EC2)."""
from __future__ import annotations

import json
import re
import time

import pytest
import yaml

from platform_acc import aws
from platform_acc.hcl import block

ADDR = "platform_eks_cluster.test"
FAIL_TAG = "platform-emulator/fail-updates"
PRINT_A = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
PRINT_B = "a" * 40


OWNER_TAG = "platform:owner"


def user_tags(provider: dict) -> dict:
    """The provider's tags without the owner marker the create put on it."""
    return {t["Key"]: t["Value"] for t in provider.get("Tags", []) if t["Key"] != OWNER_TAG}


def marked(tags: dict) -> dict:
    """A cluster's tags without the owner marker of the create that made it
    (CreateCluster's token), which must be there."""
    assert re.fullmatch(r"[0-9a-f]{32}", tags.get(OWNER_TAG, "")), f"no owner marker in {tags}"
    return {k: v for k, v in tags.items() if k != OWNER_TAG}


def cluster_block(name: str, network: dict, nested: tuple[str, ...] = (), label: str = "test", **attrs) -> str:
    attrs.setdefault("version", "1.33")
    attrs.setdefault("subnet_ids", network["subnet_ids"])
    return block("resource", "platform_eks_cluster", label, nested=nested, name=name, **attrs)


def config(name: str, network: dict, **attrs) -> str:
    return 'provider "platform" {}\n' + cluster_block(name, network, **attrs)


def dual_stack_network(endpoint: str) -> dict:
    """A VPC with an Amazon-provided IPv6 block and two dual-stack subnets in
    two availability zones, as an IPv6 cluster needs (the session's `network`
    is IPv4-only)."""
    import ipaddress
    ec2 = aws.client("ec2", endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    halves = list(ipaddress.ip_network(vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]).subnets(new_prefix=64))
    subnets = [
        ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=f"10.2.{i}.0/24", Ipv6CidrBlock=str(halves[i]),
                          AvailabilityZone=f"{aws.REGION}{zone}")["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    return {"vpc_id": vpc["VpcId"], "subnet_ids": subnets}


def cluster_gone(eks, name: str) -> bool:
    try:
        eks.describe_cluster(name=name)
        return False
    except eks.exceptions.ResourceNotFoundException:
        return True


def oidc_gone(iam, arn: str) -> bool:
    try:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        return False
    except iam.exceptions.NoSuchEntityException:
        return True


def key_state(kms, key_id: str) -> str:
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


def assert_all_gone(clients, state: dict) -> None:
    """Nothing the resource created remains (a KMS key can only be pending deletion)."""
    assert cluster_gone(clients.eks, state["name"])
    if state["managed_role_name"]:
        assert not aws.role_exists(clients.iam, state["managed_role_name"])
    if state["managed_kms_key_id"]:
        assert key_state(clients.kms, state["managed_kms_key_id"]) == "PendingDeletion"
    if state["oidc_provider_arn"]:
        assert oidc_gone(clients.iam, state["oidc_provider_arn"])


def test_basic(workspace, clients, network, unique):
    name = f"basic-{unique}"
    workspace.write(config(name, network, tags={"team": "platform"}, enabled_log_types=["audit", "api"]))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert s["id"] == name and s["arn"] == c["arn"] and s["status"] == "ACTIVE"
    assert s["endpoint"] == c["endpoint"] and s["certificate_authority_data"] == c["certificateAuthority"]["data"]
    assert s["vpc_id"] == network["vpc_id"] and s["cluster_security_group_id"].startswith("sg-")
    assert s["oidc_issuer_url"] == c["identity"]["oidc"]["issuer"]
    assert s["platform_version"] and s["service_ipv4_cidr"] == "172.20.0.0/16" and s["ip_family"] == "ipv4"
    assert c["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True}
    assert s["endpoint_public_access"] is True and s["endpoint_private_access"] is False
    assert s["public_access_cidrs"] == ["0.0.0.0/0"]
    logs = {t for setup in c["logging"]["clusterLogging"] if setup["enabled"] for t in setup["types"]}
    assert logs == {"api", "audit"}
    assert marked(c["tags"]) == {"team": "platform"}
    # The role: trusts EKS, has AmazonEKSClusterPolicy and may use the key.
    role = clients.iam.get_role(RoleName=s["managed_role_name"])["Role"]
    assert role["Arn"] == s["role_arn"] == c["roleArn"] and s["managed_role_name"] == f"{name}-cluster"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "eks.amazonaws.com"}
    attached = clients.iam.list_attached_role_policies(RoleName=s["managed_role_name"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]
    inline = clients.iam.get_role_policy(RoleName=s["managed_role_name"], PolicyName="platform-eks-secrets-encryption")
    assert inline["PolicyDocument"]["Statement"][0]["Resource"] == s["kms_key_arn"]
    # The key: encrypts the cluster's secrets, rotates.
    assert c["encryptionConfig"][0]["provider"]["keyArn"] == s["kms_key_arn"]
    assert clients.kms.get_key_rotation_status(KeyId=s["managed_kms_key_id"])["KeyRotationEnabled"] is True
    # The OIDC provider for IRSA.
    issuer = s["oidc_issuer_url"].removeprefix("https://")
    assert s["oidc_provider_arn"] == f"arn:aws:iam::{aws.ACCOUNT_ID}:oidc-provider/{issuer}"
    provider = clients.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=s["oidc_provider_arn"])
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]
    # The kubeconfig runs `aws eks get-token` against this cluster.
    kubeconfig = yaml.safe_load(s["kubeconfig"])
    assert kubeconfig["clusters"][0]["cluster"] == {"server": c["endpoint"],
                                                    "certificate-authority-data": c["certificateAuthority"]["data"]}
    user = kubeconfig["users"][0]["user"]["exec"]
    assert user["command"] == "aws" and user["args"] == ["--region", aws.REGION, "eks", "get-token",
                                                        "--cluster-name", name, "--output", "json"]
    assert kubeconfig["current-context"] == c["arn"]
    workspace.destroy()
    assert_all_gone(clients, s)
    with pytest.raises(clients.ec2.exceptions.ClientError):
        clients.ec2.describe_security_groups(GroupIds=[s["cluster_security_group_id"]])


def test_given_role_and_key_are_used_and_kept(workspace, clients, network, unique):
    role = clients.iam.create_role(RoleName=f"own-{unique}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }))["Role"]["Arn"]
    key = clients.kms.create_key()["KeyMetadata"]["Arn"]
    name = f"given-{unique}"
    workspace.write(config(name, dual_stack_network(clients.url), role_arn=role, kms_key_arn=key,
                           create_oidc_provider=False, authentication_mode="API_AND_CONFIG_MAP", ip_family="ipv6"))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["managed_role_name"] is None and s["managed_kms_key_id"] is None and s["oidc_provider_arn"] is None
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert c["roleArn"] == role and c["encryptionConfig"][0]["provider"]["keyArn"] == key
    assert c["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    assert s["service_ipv4_cidr"] is None and s["service_ipv6_cidr"].endswith("::/108")
    workspace.destroy()
    assert cluster_gone(clients.eks, name)
    assert aws.role_exists(clients.iam, f"own-{unique}")
    assert key_state(clients.kms, key) == "Enabled"


def test_update(workspace, clients, network, unique):
    """Logging, endpoint access, tags and the OIDC provider change in place,
    each through an EKS update that is awaited."""
    name = f"update-{unique}"
    workspace.write(config(name, network))
    workspace.apply_clean()
    before = workspace.resource(ADDR)
    workspace.write(config(name, network, enabled_log_types=["authenticator"], endpoint_private_access=True,
                           public_access_cidrs=["203.0.113.0/24"], tags={"env": "test"},
                           oidc_thumbprints=[PRINT_A]))
    plan = workspace.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert c["resourcesVpcConfig"]["endpointPrivateAccess"] is True
    assert c["resourcesVpcConfig"]["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert {t for s in c["logging"]["clusterLogging"] if s["enabled"] for t in s["types"]} == {"authenticator"}
    assert marked(c["tags"]) == {"env": "test"}
    updates = clients.eks.list_updates(name=name)["updateIds"]
    kinds = {clients.eks.describe_update(name=name, updateId=u)["update"]["type"] for u in updates}
    assert kinds == {"LoggingUpdate", "EndpointAccessUpdate"}
    provider = clients.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=before["oidc_provider_arn"])
    assert provider["ThumbprintList"] == [PRINT_A]
    assert user_tags(provider) == {"env": "test"}
    after = workspace.resource(ADDR)
    assert after["arn"] == before["arn"] and after["managed_kms_key_id"] == before["managed_kms_key_id"]
    # The OIDC provider can be dropped and brought back in place.
    workspace.write(config(name, network, enabled_log_types=["authenticator"], endpoint_private_access=True,
                           public_access_cidrs=["203.0.113.0/24"], tags={"env": "test"}, create_oidc_provider=False))
    workspace.apply_clean()
    assert oidc_gone(clients.iam, before["oidc_provider_arn"])
    # Anything else replaces the cluster (and its created role and key).
    workspace.write(config(name, network, service_ipv4_cidr="10.100.0.0/16", create_oidc_provider=False))
    workspace.assert_plan_changes("must be replaced", "# forces replacement")
    workspace.apply_clean()
    replaced = workspace.resource(ADDR)
    assert replaced["service_ipv4_cidr"] == "10.100.0.0/16"
    assert key_state(clients.kms, before["managed_kms_key_id"]) == "PendingDeletion"
    workspace.destroy()
    assert_all_gone(clients, replaced)


def test_version_upgrade(workspace, clients, network, unique):
    name = f"upgrade-{unique}"
    workspace.write(config(name, network, version="1.32"))
    workspace.apply_clean()
    # Two minor versions at once is refused at plan time, naming the path and the way.
    workspace.write(config(name, network, version="1.34"))
    result = workspace.plan()
    assert result.code == 1 and "`version`: EKS upgrades one minor version at a time" in result.output
    assert "from 1.32 to 1.33 first" in result.output, result.output
    workspace.write(config(name, network, version="1.33"))
    workspace.assert_plan_changes('~ version', '"1.32" -> "1.33"', "platform_version")
    workspace.apply_clean()
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert c["version"] == "1.33" and workspace.resource(ADDR)["version"] == "1.33"
    [update] = clients.eks.list_updates(name=name)["updateIds"]
    assert clients.eks.describe_update(name=name, updateId=update)["update"]["status"] == "Successful"
    # Downgrades are refused too.
    workspace.write(config(name, network, version="1.32"))
    result = workspace.plan()
    assert result.code == 1 and "`version`: EKS cannot downgrade" in result.output
    workspace.write(config(name, network, version="1.33"))
    workspace.destroy()


def test_update_failed(workspace, clients, network, unique):
    """An update EKS reports Failed is an error with EKS's details; state keeps
    what EKS has, so the next plan proposes the change again."""
    name = f"fails-{unique}"
    tags = {FAIL_TAG: "true"}
    workspace.write(config(name, network, version="1.32", tags=tags))
    workspace.apply_clean()
    workspace.write(config(name, network, version="1.33", tags=tags))
    result = workspace.apply(check=False)
    assert result.code == 1
    out = " ".join(result.output.split())
    assert f"updating EKS cluster `{name}`" in out
    assert "VersionUpdate" in out and "failed: Failed: Unknown: the update failed" in out, out
    assert f"(resources: {name})" in out
    assert workspace.resource(ADDR)["version"] == "1.32"
    workspace.assert_plan_changes('"1.32" -> "1.33"')
    workspace.destroy()


def test_import(workspace, new_workspace, clients, network, unique):
    name = f"import-{unique}"
    cfg = config(name, network, tags={"k": "v"}, enabled_log_types=["audit"])
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    imported = new_workspace("imported")
    imported.write(cfg)
    imported.import_(ADDR, name)
    assert imported.resource(ADDR) == created
    imported.assert_plan_empty()
    bad = new_workspace("bad")
    bad.write(cfg)
    result = bad.run("import", "-no-color", ADDR, f"missing-{unique}", check=False)
    assert result.code == 1 and f"importing EKS cluster `missing-{unique}`: no such cluster" in result.output
    workspace.destroy()
    assert_all_gone(clients, created)


def test_disappears(workspace, clients, network, unique):
    """Deleted outside Terraform, with everything it made: state forgets it
    without an error. Only the cluster deleted: what remains is replaced."""
    name = f"gone-{unique}"
    workspace.write(config(name, network, create_oidc_provider=False, role_arn=clients.iam.create_role(
        RoleName=f"r-{unique}", AssumeRolePolicyDocument="{}")["Role"]["Arn"],
        kms_key_arn=clients.kms.create_key()["KeyMetadata"]["Arn"]))
    workspace.apply_clean()
    delete_out_of_band(clients.eks, name)
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and workspace.resources() == []
    workspace.assert_plan_changes(f"{ADDR} will be created")
    workspace.destroy()

    name = f"gone2-{unique}"
    workspace.write(config(name, network))
    workspace.apply_clean()
    first = workspace.resource(ADDR)
    delete_out_of_band(clients.eks, name)
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and workspace.resource(ADDR)["status"] is None
    workspace.assert_plan_changes("must be replaced", "# forces replacement")
    workspace.apply_clean()
    assert workspace.resource(ADDR)["status"] == "ACTIVE"
    assert key_state(clients.kms, first["managed_kms_key_id"]) == "PendingDeletion"
    assert oidc_gone(clients.iam, first["oidc_provider_arn"])
    workspace.destroy()
    assert_all_gone(clients, first)


def delete_out_of_band(eks, name: str) -> None:
    """Deletes the cluster as someone in the console would, and waits until it is gone."""
    eks.delete_cluster(name=name)
    deadline = time.time() + 30
    while not cluster_gone(eks, name):
        assert time.time() < deadline, "the cluster was not deleted"
        time.sleep(0.2)


def test_drift(workspace, clients, network, unique):
    name = f"drift-{unique}"
    workspace.write(config(name, network, enabled_log_types=["audit"], tags={"owner": "platform"},
                           oidc_thumbprints=[PRINT_A]))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    arn = s["arn"]
    clients.eks.tag_resource(resourceArn=arn, tags={"rogue": "yes"})
    clients.eks.untag_resource(resourceArn=arn, tagKeys=["owner"])
    update = clients.eks.update_cluster_config(name=name, logging={"clusterLogging": [
        {"types": ["audit"], "enabled": False}, {"types": ["scheduler"], "enabled": True}]})["update"]
    aws.wait_update(clients.eks, name, update["id"])
    update = clients.eks.update_cluster_config(name=name, resourcesVpcConfig={"endpointPrivateAccess": True})["update"]
    aws.wait_update(clients.eks, name, update["id"])
    clients.iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=s["oidc_provider_arn"],
                                                           ThumbprintList=[PRINT_B])
    workspace.assert_plan_changes(
        '- "rogue" = "yes"', '+ "owner" = "platform"',
        '+ "audit"', '- "scheduler"',
        "~ endpoint_private_access = true -> false",
        f'- "{PRINT_B}"', f'+ "{PRINT_A}"',
    )
    workspace.apply_clean()
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert marked(c["tags"]) == {"owner": "platform"} and c["resourcesVpcConfig"]["endpointPrivateAccess"] is False
    workspace.destroy()


def test_no_perpetual_diff(workspace, network, unique):
    name = f"steady-{unique}"
    workspace.write(config(name, network, enabled_log_types=["scheduler", "api", "audit"],
                           public_access_cidrs=["198.51.100.0/24", "203.0.113.0/24"],
                           subnet_ids=list(reversed(network["subnet_ids"])), endpoint_public_access=True,
                           tags={"b": "2", "a": "1"}, oidc_thumbprints=[PRINT_B, PRINT_A],
                           nested=('  timeouts {\n    create = "20m"\n    delete = "10m"\n  }\n',)))
    workspace.apply_clean()
    workspace.assert_plan_empty()
    workspace.destroy()


def test_create_retries_while_the_new_role_propagates(workspace, fault_proxy, tf_env, clients, network, unique):
    """Real EKS refuses a role created a moment ago with
    InvalidParameterException; CreateCluster is retried on exactly that."""
    fault_proxy.inject("CreateCluster", 400, "InvalidParameterException",
                       "Role with arn: arn:aws:iam::123456789012:role/x could not be assumed because it does not "
                       "exist or the trusted entity is not correct", times=2)
    name = f"retry-{unique}"
    workspace.write(
        f'provider "platform" {{\n  endpoints {{\n    eks = "{fault_proxy.url}"\n  }}\n}}\n'
        + cluster_block(name, network, create_oidc_provider=False)
    )
    workspace.apply_clean()
    assert fault_proxy.injected["CreateCluster"] == 2 and fault_proxy.calls["CreateCluster"] == 3
    workspace.destroy()
    assert cluster_gone(clients.eks, name)


HALFWAY = [
    # (service whose endpoint goes through the proxy, action, what exists when it fails)
    ("eks", "CreateCluster", "role and key"),
    ("iam", "CreateOpenIDConnectProvider", "role, key and cluster"),
]


@pytest.mark.parametrize("service,action,existing", HALFWAY, ids=[h[1] for h in HALFWAY])
def test_create_failing_halfway_leaves_no_orphans(workspace, fault_proxy, clients, network, unique,
                                                  service, action, existing):
    """A step fails for good after earlier ones made objects: they are all in
    state (tainted), and destroy removes them."""
    fault_proxy.inject(action, 400, "InvalidParameterException" if service == "eks" else "LimitExceeded",
                       "Injected: quota exceeded", times=1)
    name = f"half-{unique}"
    workspace.write(
        f'provider "platform" {{\n  endpoints {{\n    {service} = "{fault_proxy.url}"\n  }}\n}}\n'
        + cluster_block(name, network)
    )
    result = workspace.apply(check=False)
    assert result.code == 1 and "Injected: quota exceeded" in result.output, result.output
    s = workspace.resource(ADDR)
    assert s["managed_role_name"] and s["managed_kms_key_id"] and s["oidc_provider_arn"] is None
    assert aws.role_exists(clients.iam, s["managed_role_name"])
    assert (s["arn"] is not None) == ("cluster" in existing) == (not cluster_gone(clients.eks, name))
    workspace.assert_plan_changes("is tainted, so must be replaced")
    workspace.destroy()
    assert_all_gone(clients, s)
    if s["oidc_issuer_url"]:
        issuer = s["oidc_issuer_url"].removeprefix("https://")
        providers = clients.iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        assert not [p for p in providers if p["Arn"].endswith(issuer)]


def test_thumbprint_from_the_issuers_tls_chain(workspace, tf_env, clients, network, unique, tls_issuer):
    """The OIDC provider's thumbprint is the SHA-1 of the top certificate the
    issuer serves, read through a TLS handshake verified against the trusted
    roots (here a local CA in SSL_CERT_FILE)."""
    tf_env["SSL_CERT_FILE"] = tls_issuer.ca_file
    name = f"tls-{unique}"
    workspace.write(config(name, network, tags={"platform-emulator/issuer-url": tls_issuer.url}))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["oidc_issuer_url"] == tls_issuer.url
    assert s["oidc_thumbprints"] == [tls_issuer.ca_sha1]
    provider = clients.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=s["oidc_provider_arn"])
    assert provider["ThumbprintList"] == [tls_issuer.ca_sha1]
    workspace.destroy()


def test_unreachable_issuer_warns_and_creates_without_thumbprint(workspace, clients, network, unique):
    name = f"nothumb-{unique}"
    workspace.write(config(name, network))
    result = workspace.apply()
    out = " ".join(result.output.split())
    assert "was created without a thumbprint" in out and "IAM verifies EKS issuers" in out, out
    s = workspace.resource(ADDR)
    assert s["oidc_thumbprints"] == []
    assert clients.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=s["oidc_provider_arn"])["ThumbprintList"] == []
    workspace.assert_plan_empty()
    workspace.destroy()


BAD_INPUT = [
    ({"version": "1.33.2"}, "`version`", "must be a Kubernetes version"),
    ({"version": "v1.33"}, "`version`", "must be a Kubernetes version"),
    ({"version": "1.30"}, "`version`", "EKS no longer accepts 1.30: its extended support ended on 2026-07-23"),
    ({"version": "1.22"}, "`version`", "EKS no longer accepts 1.22: new clusters and upgrades need 1.31 or later"),
    ({"version": "2.0"}, "`version`", "EKS runs Kubernetes 1.x"),
    ({"name": "-bad"}, "`name`", "starting with a letter or digit"),
    ({"subnet_ids": ["subnet-0123456789abcdef0"]}, "`subnet_ids`", "at least two subnets"),
    ({"subnet_ids": ["subnet-1a", "vpc-1"]}, "`subnet_ids`", "must be subnet ids"),
    # EC2 ids: "subnet-"/"sg-" and 8 or 17 lowercase hex digits.
    ({"subnet_ids": ["subnet-1", "subnet-2"]}, "`subnet_ids`",
     'must be subnet ids such as "subnet-0123456789abcdef0": "subnet-" and 8 or 17 lowercase hex digits, got "subnet-1"'),
    ({"subnet_ids": ["subnet-0123456789ABCDEF0", "subnet-0123456789abcdef1"]}, "`subnet_ids`",
     'and 8 or 17 lowercase hex digits, got "subnet-0123456789ABCDEF0"'),
    ({"security_group_ids": ["sg-0a1b2c3d4"]}, "`security_group_ids`",
     '"sg-" and 8 or 17 lowercase hex digits, got "sg-0a1b2c3d4"'),
    ({"public_access_cidrs": ["10.0.0.0/33"]}, "`public_access_cidrs`", "must be an IPv4 CIDR block"),
    ({"public_access_cidrs": ["10.0.0.1/16"]}, "`public_access_cidrs`", 'did you mean "10.0.0.0/16"'),
    ({"service_ipv4_cidr": "100.64.0.0/16"}, "`service_ipv4_cidr`", "within 10.0.0.0/8"),
    ({"service_ipv4_cidr": "10.0.0.0/8"}, "`service_ipv4_cidr`", "between /12 and /24"),
    ({"ip_family": "ipv6", "service_ipv4_cidr": "10.100.0.0/16"}, "`service_ipv4_cidr`", "only applies to"),
    ({"ip_family": "dual"}, "`ip_family`", "must be one of \"ipv4\", \"ipv6\""),
    ({"enabled_log_types": ["audit", "kubelet"]}, "`enabled_log_types`", "must be one of \"api\""),
    ({"authentication_mode": "IAM"}, "`authentication_mode`", "must be one of \"API\""),
    ({"role_arn": "arn:aws:iam::123456789012:user/x"}, "`role_arn`", "must be an IAM role ARN"),
    ({"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:alias/x"}, "`kms_key_arn`", "(not an alias)"),
    ({"oidc_thumbprints": ["abc"]}, "`oidc_thumbprints`", "40 hex digits"),
    ({"create_oidc_provider": False, "oidc_thumbprints": [PRINT_A]}, "`oidc_thumbprints`", "only applies with"),
    ({"endpoint_public_access": False}, "`endpoint_private_access`", "set `endpoint_private_access = true`"),
    ({"nested": ('  timeouts {\n    create = "30 minutes"\n  }\n',)}, "`timeouts.create`", "must be a duration"),
    ({"nested": ('  timeouts {\n    create = "0s"\n  }\n',)}, "`timeouts.create`", "must be at least 1s"),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, network, attrs, path, rule):
    attrs = dict(attrs)
    workspace.write(config(attrs.pop("name", "bad-input"), network, **attrs))
    result = workspace.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output


def test_create_timeout_is_honoured(workspace, clients, network, unique):
    """`timeouts { create }` bounds the wait for ACTIVE; the cluster that
    exists is recorded (tainted) and destroy removes it with the rest."""
    name = f"slow-{unique}"
    workspace.write(config(name, network, tags={"platform-emulator/delay-seconds": "8"}, create_oidc_provider=False,
                           nested=('  timeouts {\n    create = "2s"\n  }\n',)))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"creating EKS cluster `{name}`" in out
    assert f"timed out after 2s waiting for EKS cluster `{name}` to become ACTIVE (last status: CREATING)" in out, out
    s = workspace.resource(ADDR)
    assert s["arn"] and s["status"] == "CREATING" and s["managed_role_name"]
    workspace.assert_plan_changes("is tainted, so must be replaced")
    workspace.destroy()
    assert_all_gone(clients, s)


def test_a_cluster_busy_with_an_update_is_no_drift(workspace, clients, network, unique):
    """While EKS works on an update started elsewhere (UPDATING), a drift run
    exits 0; once the update lands, its effect shows as an exact diff."""
    name = f"busy-{unique}"
    tags = {"platform-emulator/delay-seconds": "6"}
    workspace.write(config(name, network, tags=tags, create_oidc_provider=False))
    workspace.apply_clean()
    update = clients.eks.update_cluster_config(name=name, logging={"clusterLogging": [
        {"types": ["audit"], "enabled": True}]})["update"]
    assert clients.eks.describe_cluster(name=name)["cluster"]["status"] == "UPDATING"
    workspace.assert_plan_empty()
    assert workspace.resource(ADDR)["status"] == "ACTIVE"  # a plan does not write state
    aws.wait_update(clients.eks, name, update["id"])
    workspace.assert_plan_changes('- "audit"')
    workspace.apply_clean()
    workspace.destroy()


def test_created_role_and_key_deleted_outside(workspace, clients, network, unique):
    """The created role deleted out of band is an exact diff, and is recreated
    in place under the same ARN. The created key scheduled for deletion
    replaces the cluster (EKS cannot change a cluster's key), saying so."""
    name = f"ownobj-{unique}"
    workspace.write(config(name, network, create_oidc_provider=False))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    aws.delete_role(clients.iam, s["managed_role_name"])
    plan = workspace.assert_plan_changes("will be updated in-place", "+ managed_role_name")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    assert workspace.resource(ADDR)["arn"] == s["arn"]
    role = clients.iam.get_role(RoleName=s["managed_role_name"])["Role"]
    assert role["Arn"] == s["role_arn"]
    inline = clients.iam.get_role_policy(RoleName=s["managed_role_name"], PolicyName="platform-eks-secrets-encryption")
    assert inline["PolicyDocument"]["Statement"][0]["Resource"] == s["kms_key_arn"]
    clients.kms.schedule_key_deletion(KeyId=s["managed_kms_key_id"], PendingWindowInDays=7)
    workspace.assert_plan_changes("must be replaced", "~ kms_key_arn", "# forces replacement")
    workspace.apply_clean()
    replaced = workspace.resource(ADDR)
    assert replaced["managed_kms_key_id"] != s["managed_kms_key_id"]
    assert key_state(clients.kms, replaced["managed_kms_key_id"]) == "Enabled"
    workspace.destroy()
    assert_all_gone(clients, replaced)


# ---- ownership ----------------------------------------------------------------------

def proxied(services: tuple[str, ...], url: str) -> str:
    lines = "".join(f'    {s} = "{url}"\n' for s in services)
    return f'provider "platform" {{\n  endpoints {{\n{lines}  }}\n}}\n'


def owned_keys(kms, name: str) -> list[str]:
    """The KMS keys (any state) tagged as made for cluster `name`."""
    keys = []
    for key in kms.list_keys()["Keys"]:
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])}
        if tags.get("platform:eks-cluster") == name:
            keys.append(key["KeyId"])
    return keys


def providers_for(iam, issuer: str) -> list[str]:
    host = issuer.removeprefix("https://")
    return [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
            if p["Arn"].endswith(host)]


def snapshot(eks, name: str) -> dict:
    c = eks.describe_cluster(name=name)["cluster"]
    return {k: c.get(k) for k in ("arn", "createdAt", "roleArn", "tags", "version", "encryptionConfig")}


LOST = [
    # (service behind the proxy, action whose answer is lost, connection dropped instead of a 500)
    ("eks", "CreateCluster", False),
    ("eks", "CreateCluster", True),
    ("iam", "CreateOpenIDConnectProvider", False),
    ("iam", "CreateRole", True),
]


@pytest.mark.parametrize("service,action,drop", LOST, ids=[f"{a}-{'drop' if d else '500'}" for _, a, d in LOST])
def test_ownership_lost_answer(workspace, fault_proxy, clients, network, unique, service, action, drop):
    """The request takes effect but its answer is lost. Applying (again if
    need be) ends with exactly one cluster, one role, one key and one OIDC
    provider, and destroy leaves nothing."""
    fault_proxy.lose_answer(action, drop=drop)
    name = f"lost-{unique}"
    workspace.write(proxied((service,), fault_proxy.url) + cluster_block(name, network))
    first = workspace.apply(check=False)
    if first.code != 0:
        workspace.apply()
    workspace.assert_plan_empty()
    assert fault_proxy.injected[action] == 1
    s = workspace.resource(ADDR)
    assert clients.eks.list_clusters()["clusters"].count(name) == 1
    assert len(owned_keys(clients.kms, name)) == 1 and owned_keys(clients.kms, name) == [s["managed_kms_key_id"]]
    assert providers_for(clients.iam, s["oidc_issuer_url"]) == [s["oidc_provider_arn"]]
    assert clients.iam.get_role(RoleName=s["managed_role_name"])["Role"]["RoleId"] == s["managed_role_id"]
    assert s["created_at"] and s["oidc_provider_created_at"]
    workspace.destroy()
    assert_all_gone(clients, s)
    assert providers_for(clients.iam, s["oidc_issuer_url"]) == []


def test_ownership_foreign_cluster_is_never_touched(workspace, fault_proxy, clients, network, unique):
    """A cluster of the same name made outside Terraform: the apply fails with
    the import hint before making a key or a role, and nothing touches the
    cluster, through apply, destroy and destroy -refresh=false. The same when
    the name is taken between the check and CreateCluster (a race): the
    failed create records no cluster, so no later run deletes it."""
    name = f"foreign-{unique}"
    role = clients.iam.create_role(RoleName=f"fr-{unique}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    clients.eks.create_cluster(name=name, version="1.32", roleArn=role, tags={"owner": "someone-else"},
                               resourcesVpcConfig={"subnetIds": network["subnet_ids"]})
    before = snapshot(clients.eks, name)
    workspace.write(config(name, network))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"EKS cluster `{name}` already exists" in out, out
    assert f"terraform import platform_eks_cluster.<name> {name}" in out
    assert f'import {{ to = platform_eks_cluster.<name>, id = "{name}" }}' in out
    assert workspace.resources() == [] and owned_keys(clients.kms, name) == []
    assert not aws.role_exists(clients.iam, f"{name}-cluster")
    workspace.destroy()
    workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert snapshot(clients.eks, name) == before

    # The race: CreateCluster finds the name taken although the check did not.
    raced = f"race-{unique}"
    fault_proxy.inject("CreateCluster", 409, "ResourceInUseException", f"Cluster already exists with name: {raced}")
    workspace.write(proxied(("eks",), fault_proxy.url) + cluster_block(raced, network))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"terraform import platform_eks_cluster.<name> {raced}" in out, out
    s = workspace.resource(ADDR)
    assert s["arn"] is None and s["created_at"] is None and s["managed_role_name"]
    clients.eks.create_cluster(name=raced, version="1.32", roleArn=role,
                               resourcesVpcConfig={"subnetIds": network["subnet_ids"]})
    raced_before = snapshot(clients.eks, raced)
    workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert snapshot(clients.eks, raced) == raced_before
    # What the failed create did make (role, key) is deleted: it was recorded.
    assert not aws.role_exists(clients.iam, s["managed_role_name"])
    assert key_state(clients.kms, s["managed_kms_key_id"]) == "PendingDeletion"
    for foreign in (name, raced):
        clients.eks.delete_cluster(name=foreign)


def test_ownership_transient_not_found_on_refresh(workspace, fault_proxy, clients, network, unique):
    """One ResourceNotFoundException from DescribeCluster, or NoSuchEntity from
    GetOpenIDConnectProvider, during refresh plans nothing."""
    name = f"blip-{unique}"
    workspace.write(proxied(("eks", "iam"), fault_proxy.url) + cluster_block(name, network))
    workspace.apply_clean()
    fault_proxy.inject("DescribeCluster", 404, "ResourceNotFoundException", f"No cluster found for name: {name}.")
    fault_proxy.inject("GetOpenIDConnectProvider", 404, "NoSuchEntity", "OpenIDConnect Provider not found")
    workspace.assert_plan_empty()
    assert fault_proxy.injected["DescribeCluster"] == 1 and fault_proxy.injected["GetOpenIDConnectProvider"] == 1
    workspace.destroy()


def test_ownership_state_rm_then_apply(workspace, clients, network, unique):
    """Forgotten by `terraform state rm`, the cluster is not made again: the
    apply fails with the import command, makes no key and no role, and
    deletes nothing. Imported back, it is managed as before."""
    name = f"rm-{unique}"
    workspace.write(config(name, network, create_oidc_provider=False))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    before = snapshot(clients.eks, name)
    role_id = clients.iam.get_role(RoleName=s["managed_role_name"])["Role"]["RoleId"]
    workspace.run("state", "rm", ADDR)
    for _ in range(2):
        result = workspace.apply(check=False)
        out = " ".join(result.output.split())
        assert result.code == 1 and f"terraform import platform_eks_cluster.<name> {name}" in out, out
    assert snapshot(clients.eks, name) == before
    assert owned_keys(clients.kms, name) == [s["managed_kms_key_id"]]
    assert key_state(clients.kms, s["managed_kms_key_id"]) == "Enabled"
    assert clients.iam.get_role(RoleName=s["managed_role_name"])["Role"]["RoleId"] == role_id
    workspace.import_(ADDR, name)
    workspace.assert_plan_empty()
    workspace.destroy()
    assert_all_gone(clients, s)


def test_ownership_adoption_with_generated_config(workspace, clients, network, unique):
    """A cluster made outside the provider, without secrets encryption and
    with an OIDC provider for its issuer, adopted with an `import {}` block and
    `plan -generate-config-out`: the generated configuration is valid and the
    plan imports it without any change, let alone a replacement."""
    name = f"adopt-{unique}"
    role = clients.iam.create_role(RoleName=f"ad-{unique}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    clients.eks.create_cluster(name=name, version="1.33", roleArn=role, tags={"team": "x"},
                               resourcesVpcConfig={"subnetIds": network["subnet_ids"]},
                               accessConfig={"authenticationMode": "API"})
    c = clients.eks.describe_cluster(name=name)["cluster"]
    assert "encryptionConfig" not in c or not c["encryptionConfig"]
    issuer = c["identity"]["oidc"]["issuer"]
    clients.iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"])
    before = snapshot(clients.eks, name)
    workspace.write(f'provider "platform" {{}}\nimport {{\n  to = {ADDR}\n  id = "{name}"\n}}\n')
    workspace.run("plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
    generated = (workspace.dir / "generated.tf").read_text()
    assert "create_kms_key" in generated and "= false" in generated
    plan = workspace.plan()
    assert plan.code in (0, 2) and "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, plan.output
    workspace.apply()
    workspace.assert_plan_empty()
    s = workspace.resource(ADDR)
    assert s["create_kms_key"] is False and s["kms_key_arn"] is None and s["managed_role_name"] is None
    assert s["created_at"] and snapshot(clients.eks, name) == before
    workspace.destroy()
    assert cluster_gone(clients.eks, name) and aws.role_exists(clients.iam, f"ad-{unique}")


def test_a_version_newer_than_the_table_warns_and_plans(workspace, network):
    """A Kubernetes version EKS released after this provider's table is not
    refused: the plan warns and goes ahead (EKS decides at apply)."""
    workspace.write(config("newer-version", network, version="1.40"))
    result = workspace.plan()
    out = " ".join(result.output.split())
    assert result.code == 2, result.output
    assert "`version`: 1.40 is newer than the EKS versions this provider knows (up to 1.35)" in out, out


def test_an_upgrade_to_a_version_eks_no_longer_accepts_is_refused_at_plan(workspace, clients, network, unique):
    """An existing cluster on a version EKS has retired is left alone (EKS
    upgrades it on its own), but the version table applies to a change."""
    name = f"oldver-{unique}"
    role = clients.iam.create_role(RoleName=f"oldver-{unique}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    clients.eks.create_cluster(name=name, version="1.29", roleArn=role,
                               resourcesVpcConfig={"subnetIds": network["subnet_ids"]},
                               tags={"platform-emulator/delay-seconds": "0"})
    workspace.write(config(name, network, version="1.29", role_arn=role, create_kms_key=False,
                           create_oidc_provider=False))
    workspace.run("import", "-no-color", "-input=false", ADDR, name)
    assert workspace.resource(ADDR)["version"] == "1.29"
    workspace.write(config(name, network, version="1.30", role_arn=role, create_kms_key=False,
                           create_oidc_provider=False))
    result = workspace.plan()
    assert result.code == 1 and "`version`: EKS no longer accepts 1.30" in result.output, result.output


def test_ipv6_on_subnets_without_ipv6_cidrs_names_ip_family_and_leaves_nothing_behind(workspace, clients, network,
                                                                                       unique):
    """EKS refuses an IPv6 cluster on IPv4-only subnets. The provider cannot
    see subnets' CIDR blocks at plan time (it has no EC2 client), so the apply
    error names `ip_family` and the subnets; the key and role made before the
    refusal stay in state, and destroy removes them."""
    name = f"v6bad-{unique}"
    workspace.write(config(name, network, ip_family="ipv6", create_oidc_provider=False))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1, out
    assert '`ip_family = "ipv6"` needs dual-stack subnets, each with an IPv6 CIDR block' in out, out
    assert all(subnet in out for subnet in network["subnet_ids"]), out
    assert "InvalidParameterException" in out, out
    s = workspace.resource(ADDR)
    assert s["arn"] is None and s["managed_role_name"] and s["managed_kms_key_id"]
    assert cluster_gone(clients.eks, name)
    workspace.destroy()
    assert_all_gone(clients, s)
    assert workspace.resources() == []


# ---- `role_arn` set to the created role's ARN ------------------------------------------

def test_role_arn_set_to_the_created_roles_arn(workspace, clients, network, unique):
    """Setting `role_arn` to exactly the ARN of the role the cluster created,
    then removing it again: no change either way (the apply without it used
    to fail with EntityAlreadyExists), the role stays recorded as created,
    and destroy still deletes it."""
    name = f"ownarn-{unique}"
    workspace.write(config(name, network, create_oidc_provider=False))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    workspace.write(config(name, network, create_oidc_provider=False, role_arn=s["role_arn"]))
    workspace.assert_plan_empty()
    workspace.apply_clean()
    assert workspace.resource(ADDR)["managed_role_name"] == s["managed_role_name"]
    workspace.write(config(name, network, create_oidc_provider=False))
    workspace.assert_plan_empty()
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert (after["managed_role_name"], after["managed_role_id"]) == (s["managed_role_name"], s["managed_role_id"])
    workspace.destroy()
    assert_all_gone(clients, s)


def forget_created_role(workspace) -> None:
    """Rewrites the state as an earlier version left it after `role_arn` was
    set to the created role's ARN: the role no longer recorded as created."""
    path = workspace.dir / "terraform.tfstate"
    state = json.loads(path.read_text())
    state["serial"] += 1
    [resource] = [r for r in state["resources"] if r["type"] == "platform_eks_cluster"]
    attributes = resource["instances"][0]["attributes"]
    for attr in ("managed_role_name", "managed_role_id", "managed_role_tags"):
        attributes[attr] = None
    path.write_text(json.dumps(state))


def test_role_arn_removed_after_an_earlier_version_forgot_the_role(workspace, clients, network, unique):
    """A state in which the created role is no longer recorded (written by an
    earlier version while `role_arn` named it): removing `role_arn` adopts
    the role, which carries the cluster's owner tag, instead of failing to
    create it again; destroy then deletes it. A role of that name without the
    owner tag is never adopted (see test_ownership_*)."""
    name = f"forgot-{unique}"
    workspace.write(config(name, network, create_oidc_provider=False, tags={"team": "a"}))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    workspace.write(config(name, network, create_oidc_provider=False, tags={"team": "a"}, role_arn=s["role_arn"]))
    forget_created_role(workspace)
    workspace.assert_plan_empty()
    clients.iam.tag_role(RoleName=s["managed_role_name"], Tags=[{"Key": "team", "Value": "stale"}])
    workspace.write(config(name, network, create_oidc_provider=False, tags={"team": "a"}))
    plan = workspace.assert_plan_changes("will be updated in-place", "+ managed_role_name")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert (after["managed_role_name"], after["managed_role_id"]) == (s["managed_role_name"], s["managed_role_id"])
    assert after["role_arn"] == s["role_arn"] and after["arn"] == s["arn"]
    assert user_tags(clients.iam.get_role(RoleName=s["managed_role_name"])["Role"]) == {
        "team": "a", "platform:eks-cluster": name}
    workspace.destroy()
    assert_all_gone(clients, s)
