"""A more faithful EKS for the emulator: an extension of moto's EKS backend.

moto 5.2.5 makes every EKS object ACTIVE at once, answers 404 to
UpdateClusterVersion / DescribeUpdate / ListUpdates / UpdateNodegroupVersion,
and its UpdateClusterConfig returns no `update` object. That leaves waiters,
version upgrades and failed updates untestable. This module closes those gaps,
following the request and response shapes and error codes of botocore's EKS
service model:

- Status transitions take time: clusters and node groups go CREATING -> ACTIVE
  and DELETING -> gone (ResourceNotFoundException), clusters UPDATING while an
  update is InProgress. Transitions are evaluated against the clock whenever
  the object is read, so no background thread is needed.
- UpdateClusterVersion (one minor version at a time), UpdateClusterConfig
  (LoggingUpdate, EndpointAccessUpdate, VpcConfigUpdate for subnets and
  security groups, AccessConfigUpdate for the authentication mode,
  UpgradePolicyUpdate; one type per request, as on EKS),
  AssociateEncryptionConfig (once per cluster), UpdateNodegroupConfig and
  UpdateNodegroupVersion create Update objects that go InProgress ->
  Successful, and only then change the cluster or node group. EKS's rules are
  checked when the update starts (InvalidParameterException): new subnets in
  the cluster's VPC and in exactly the availability zones it was created
  with, at most 5 existing security groups of that VPC, the authentication
  mode only forward (CONFIG_MAP -> API_AND_CONFIG_MAP -> API), an encryption
  configuration only on a cluster without one. Clusters report their
  `upgradePolicy` (EXTENDED unless CreateCluster asked otherwise). DescribeUpdate
  and ListUpdates read them. A second update while one is InProgress is a
  ResourceInUseException, as on EKS.
- Clusters get what real EKS gives them and moto does not: a unique OIDC
  issuer and endpoint per cluster (moto shares one per process), the
  `accessConfig` asked for, the VPC of their subnets (which must exist in EC2,
  in at least two availability zones), a cluster security group created in
  EC2 (and deleted with the cluster), endpoint-access and network defaults.
  Node groups default to the cluster's version and `maxUnavailable = 1`,
  report `diskSize` as an integer, and can be tagged (TagResource,
  UntagResource and ListTagsForResource take node-group ARNs, as on EKS;
  moto only tags clusters).
- Node groups take a launch template (by id or name, which must exist in
  EC2, with a version that exists; none with diskSize, nor an instance type
  in both the template and the request), an AMI release of their Kubernetes
  version (never an older one on UpdateNodegroupVersion) and
  `nodeRepairConfig` (off by default); UpdateNodegroupVersion takes
  `releaseVersion` and the launch template's version (same template only).
- Idempotency tokens, as EKS documents `clientRequestToken`: CreateCluster,
  CreateNodegroup, UpdateClusterVersion, UpdateClusterConfig,
  AssociateEncryptionConfig,
  UpdateNodegroupConfig and UpdateNodegroupVersion sent again with a token
  already used (and the same parameters) answer with the object or update
  the first request made, in its current state, instead of
  ResourceInUseException or a second update. The same token with other
  parameters is an InvalidParameterException.
- An IPv6 cluster (`kubernetesNetworkConfig.ipFamily = ipv6`) needs subnets
  with an associated IPv6 CIDR block; others are an InvalidParameterException
  naming them, before anything is made.
- Switches, as tags on the cluster (so tests drive them through the EKS API):
  `platform-emulator/fail-updates = "true"` makes updates end Failed with an
  error, `platform-emulator/delay-seconds` overrides the delay, and
  `platform-emulator/issuer-url` sets the cluster's OIDC issuer (for a local
  TLS server). The default delay is PLATFORM_EKS_DELAY_SECONDS (1 second).
  `platform-emulator/fail-create = "true"` on a cluster (or on a node group)
  makes its create end FAILED (CREATE_FAILED) instead of ACTIVE, with a health
  issue, as a create EKS cannot finish does; it can still be deleted.

`install()` must run in the emulator process before moto serves any EKS request.
"""
from __future__ import annotations

import json
import os
import re
import time
import urllib.parse
import uuid
from typing import Any, Callable

FAIL_TAG = "platform-emulator/fail-updates"
DELAY_TAG = "platform-emulator/delay-seconds"
ISSUER_TAG = "platform-emulator/issuer-url"
FAIL_CREATE_TAG = "platform-emulator/fail-create"
DEFAULT_DELAY = float(os.environ.get("PLATFORM_EKS_DELAY_SECONDS", "1"))
ENDPOINT_KEYS = ("endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs")
# Authentication modes in the only order EKS moves them (never back).
AUTH_ORDER = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"]
SUPPORT_TYPES = ("STANDARD", "EXTENDED")
# Other extensions' taggable objects: functions (backend, arn) -> an object
# with a `tags` dict, or None (e.g. eks_pod_identity_ext's associations).
TAGGABLE_FINDERS: list[Callable[[Any, str], Any]] = []

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True

    from moto.core.responses import ActionResult
    from moto.eks import models, responses, urls
    from moto.eks.exceptions import InvalidParameterException, ResourceInUseException, ResourceNotFoundException

    backend_cls = models.EKSBackend
    response_cls = responses.EKSResponse

    def not_found(message: str, cluster: str | None = None, nodegroup: str | None = None) -> Exception:
        return ResourceNotFoundException(clusterName=cluster, nodegroupName=nodegroup, fargateProfileName=None,
                                         addonName=None, message=message)

    def delay_of(cluster: Any) -> float:
        try:
            return float((cluster.tags or {}).get(DELAY_TAG, DEFAULT_DELAY))
        except ValueError:
            return DEFAULT_DELAY

    def fails(cluster: Any) -> bool:
        return (cluster.tags or {}).get(FAIL_TAG, "").lower() == "true"

    def fails_create(obj: Any) -> bool:
        return (getattr(obj, "tags", None) or {}).get(FAIL_CREATE_TAG, "").lower() == "true"

    # ---- status transitions ------------------------------------------------------
    def advance(self: Any, name: str) -> None:
        """Moves a cluster, its node groups and its updates along the clock."""
        cluster = self.clusters.get(name)
        if cluster is None:
            return
        now = time.time()
        for update in getattr(cluster, "_platform_updates", {}).values():
            if update["status"] == "InProgress" and now >= update["_done_at"]:
                if update["_fail"]:
                    update["status"] = "Failed"
                    update["errors"] = [{
                        "errorCode": "Unknown",
                        "errorMessage": "the update failed (emulator switch platform-emulator/fail-updates)",
                        "resourceIds": [update["_resource"]],
                    }]
                else:
                    update["_apply"]()
                    update["status"] = "Successful"
        busy = any(u["status"] == "InProgress" and u["_nodegroup"] is None
                   for u in getattr(cluster, "_platform_updates", {}).values())
        ready_at = getattr(cluster, "_platform_ready_at", 0)
        gone_at = getattr(cluster, "_platform_gone_at", None)
        if gone_at is not None:
            if now >= gone_at:
                forget_cluster(self, name)
                return
            cluster.status = "DELETING"
        elif now < ready_at:
            cluster.status = "CREATING"
        elif fails_create(cluster):
            cluster.status = "FAILED"
            cluster.health = {"issues": [{"code": "InternalFailure", "resourceIds": [name],
                                          "message": "the create failed (emulator switch platform-emulator/fail-create)"}]}
        else:
            cluster.status = "UPDATING" if busy else "ACTIVE"
        for ng_name, nodegroup in list(cluster.nodegroups.items()):
            ng_gone = getattr(nodegroup, "_platform_gone_at", None)
            ng_busy = any(u["status"] == "InProgress" and u["_nodegroup"] == ng_name
                          for u in getattr(cluster, "_platform_updates", {}).values())
            if ng_gone is not None:
                if now >= ng_gone:
                    cluster.nodegroups.pop(ng_name, None)
                    cluster.nodegroup_count -= 1
                    continue
                nodegroup.status = "DELETING"
            elif now < getattr(nodegroup, "_platform_ready_at", 0):
                nodegroup.status = "CREATING"
            elif fails_create(nodegroup):
                nodegroup.status = "CREATE_FAILED"
                nodegroup.health = {"issues": [{"code": "NodeCreationFailure", "resourceIds": [ng_name],
                                                "message": "the create failed (emulator switch platform-emulator/fail-create)"}]}
            else:
                nodegroup.status = "UPDATING" if ng_busy else "ACTIVE"

    def forget_cluster(self: Any, name: str) -> None:
        cluster = self.clusters.pop(name, None)
        if cluster is None:
            return
        self.cluster_count -= 1
        group = getattr(cluster, "_platform_security_group", None)
        if group:
            try:
                ec2_of(self).delete_security_group(group_id=group)
            except Exception:
                pass

    def advance_all(self: Any) -> None:
        for name in list(self.clusters):
            advance(self, name)

    def wrap_read(method: Callable) -> Callable:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            advance_all(self)
            return method(self, *args, **kwargs)
        return wrapper

    for read in ["describe_cluster", "describe_nodegroup", "list_clusters", "list_nodegroups",
                 "delete_nodegroup", "create_nodegroup"]:
        setattr(backend_cls, read, wrap_read(getattr(backend_cls, read)))

    original_create_cluster = backend_cls.create_cluster

    def invalid(message: str, cluster: str | None = None) -> Exception:
        return InvalidParameterException(clusterName=cluster, nodegroupName=None, fargateProfileName=None,
                                         addonName=None, message=message)

    def ec2_of(self: Any) -> Any:
        from moto.ec2.models import ec2_backends
        return ec2_backends[self.account_id][self.region_name]

    def create_cluster(self: Any, *args: Any, access_config: dict[str, Any] | None = None,
                       upgrade_policy: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        name = kwargs.get("name")
        support = (upgrade_policy or {}).get("supportType") or "EXTENDED"
        if support not in SUPPORT_TYPES:
            raise invalid(f"Invalid upgradePolicy.supportType {support}: must be one of STANDARD, EXTENDED", name)
        vpc_request = dict(kwargs.get("resources_vpc_config") or {})
        ec2 = ec2_of(self)
        subnets = []
        for subnet_id in vpc_request.get("subnetIds") or []:
            try:
                subnets.append(ec2.get_subnet(subnet_id))
            except Exception:
                raise invalid(f"The subnet ID '{subnet_id}' does not exist (Service: AmazonEC2; Status Code: 400; "
                              "Error Code: InvalidSubnetID.NotFound)", name)
        if len({s.availability_zone for s in subnets}) < 2:
            raise invalid("Subnets specified must be in at least two different AZs", name)
        vpcs = {s.vpc_id for s in subnets}
        if len(vpcs) != 1:
            raise invalid("Subnets must all be in the same VPC", name)
        network = dict(kwargs.get("kubernetes_network_config") or {})
        family = network.get("ipFamily") or "ipv4"
        if family == "ipv6":
            # EKS requires dual-stack subnets for an IPv6 cluster and refuses
            # others with InvalidParameterException (the code it uses for every
            # subnet problem of CreateCluster; the wording here is modelled on
            # its "Subnets specified must be in at least two different AZs").
            single = [s.id for s in subnets
                      if not any(a.get("ipv6CidrBlockState", {}).get("State") == "associated"
                                 for a in s.ipv6_cidr_block_associations.values())]
            if single:
                raise invalid("Subnets specified must have an IPv6 CIDR block associated for ipFamily ipv6: "
                              + ", ".join(single) + " have none", name)
        network["ipFamily"] = family
        if family == "ipv6":
            network.pop("serviceIpv4Cidr", None)
            network["serviceIpv6Cidr"] = "fd" + uuid.uuid4().hex[:2] + ":" + uuid.uuid4().hex[:4] + "::/108"
        else:
            network.setdefault("serviceIpv4Cidr", "172.20.0.0/16")
        kwargs["kubernetes_network_config"] = network
        if name in self.clusters:
            return original_create_cluster(self, *args, **kwargs)  # moto's ResourceInUseException
        cluster = original_create_cluster(self, *args, **kwargs)
        vpc_id = vpcs.pop()
        group = ec2.create_security_group(
            name=f"eks-cluster-sg-{name}-{uuid.uuid4().hex[:10]}",
            description="EKS created security group applied to ENI that is attached to EKS Control Plane master nodes",
            vpc_id=vpc_id,
        )
        cluster._platform_security_group = group.id
        cluster.resources_vpc_config = {
            "endpointPublicAccess": True,
            "endpointPrivateAccess": False,
            "publicAccessCidrs": ["0.0.0.0/0"],
            **vpc_request,
            "securityGroupIds": vpc_request.get("securityGroupIds") or [],
            "clusterSecurityGroupId": group.id,
            "vpcId": vpc_id,
        }
        oidc_id = uuid.uuid4().hex.upper()
        cluster.identity = {"oidc": {"issuer": (cluster.tags or {}).get(ISSUER_TAG)
                                     or f"https://oidc.eks.{self.region_name}.amazonaws.com/id/{oidc_id}"}}
        cluster.endpoint = f"https://{oidc_id}.gr7.{self.region_name}.eks.amazonaws.com"
        access = access_config or {}
        cluster.access_config = {
            "authenticationMode": access.get("authenticationMode") or "CONFIG_MAP",
            "bootstrapClusterCreatorAdminPermissions": access.get("bootstrapClusterCreatorAdminPermissions", True),
        }
        cluster.upgrade_policy = {"supportType": support}
        cluster._platform_azs = sorted({s.availability_zone for s in subnets})
        cluster._platform_ready_at = time.time() + delay_of(cluster)
        cluster._platform_updates = {}
        cluster.status = "CREATING" if delay_of(cluster) > 0 else "ACTIVE"
        return cluster

    backend_cls.create_cluster = create_cluster

    def delete_cluster(self: Any, name: str) -> Any:
        advance_all(self)
        cluster = self.clusters.get(name)
        if cluster is None or getattr(cluster, "_platform_gone_at", None) is not None:
            raise not_found(models.CLUSTER_NOT_FOUND_MSG.format(clusterName=name))
        models.validate_safe_to_delete(cluster)
        delay = delay_of(cluster)
        if delay <= 0:
            forget_cluster(self, name)
            cluster.status = "DELETING"
            return cluster
        cluster._platform_gone_at = time.time() + delay
        cluster.status = "DELETING"
        return cluster

    backend_cls.delete_cluster = delete_cluster

    original_create_nodegroup = backend_cls.create_nodegroup

    # ---- node groups: launch templates and AMI releases ---------------------------
    def amazon_linux(ami_type: str | None) -> bool:
        return not (ami_type or "").startswith(("BOTTLEROCKET", "WINDOWS", "CUSTOM"))

    def parse_release(release: str) -> tuple[str, int, int] | None:
        """`1.33.0-20250704` -> ("1.33", 0, 20250704), the form of EKS's Amazon Linux releases."""
        match = re.fullmatch(r"(\d+\.\d+)\.(\d+)-(\d{8})", release or "")
        return (match.group(1), int(match.group(2)), int(match.group(3))) if match else None

    def check_release(release: str, version: str, current: str | None, cluster: str, nodegroup: str) -> None:
        """EKS's InvalidParameterException for a release that is not one of `version`'s, or older than `current`."""
        parsed = parse_release(release)
        if parsed is None or parsed[0] != version:
            raise InvalidParameterException(
                clusterName=cluster, nodegroupName=nodegroup, fargateProfileName=None, addonName=None,
                message=f"Requested release version {release} is not valid for kubernetes version {version}.")
        old = parse_release(current or "")
        if old is not None and old[0] == parsed[0] and old[1:] > parsed[1:]:
            raise InvalidParameterException(
                clusterName=cluster, nodegroupName=nodegroup, fargateProfileName=None, addonName=None,
                message=f"Requested release version {release} is older than the node group's {current}: "
                        "you cannot roll back a node group to an earlier AMI version.")

    def resolve_template(self: Any, spec: dict[str, Any], cluster: str, nodegroup: str) -> tuple[Any, str]:
        """The EC2 launch template a LaunchTemplateSpecification names (by id or by name, not both)
        and its version number; EKS's InvalidParameterException when either does not exist."""
        def refuse(message: str) -> Exception:
            return InvalidParameterException(clusterName=cluster, nodegroupName=nodegroup, fargateProfileName=None,
                                             addonName=None, message=message)
        if bool(spec.get("id")) == bool(spec.get("name")):
            raise refuse("Either launch template ID or launch template name should be specified, but not both.")
        ec2 = ec2_of(self)
        try:
            if spec.get("id"):
                template = ec2.describe_launch_templates(template_ids=[spec["id"]], template_names=None, filters=None)[0]
            else:
                template = ec2.describe_launch_templates(template_ids=None, template_names=[spec["name"]], filters=None)[0]
        except Exception:
            raise refuse(f"Launch template {spec.get('id') or spec.get('name')} does not exist.")
        try:
            version = template.get_version(spec.get("version") or "$Default")
        except Exception:
            raise refuse(f"Launch template {template.id} has no version {spec.get('version')}.")
        return template, str(version.number)

    def create_nodegroup(self: Any, *args: Any, **kwargs: Any) -> Any:
        cluster = self.clusters.get(kwargs.get("cluster_name"))
        names = (kwargs.get("cluster_name"), kwargs.get("nodegroup_name"))
        spec = kwargs.get("launch_template")
        ami_type = kwargs.get("ami_type")
        template = None
        if spec and cluster is not None and names[1] not in cluster.nodegroups:
            template, number = resolve_template(self, spec, *names)
            data = template.get_version(number).data or {}
            if data.get("InstanceType") and kwargs.get("instance_types"):
                raise invalid("Cannot specify instance types in launch template and API request", names[0])
            spec = {"id": template.id, "name": template.name, "version": number}
            kwargs["launch_template"] = spec
        if cluster is not None and not kwargs.get("version") and ami_type != "CUSTOM":
            kwargs["version"] = cluster.version
        release = kwargs.get("release_version")
        if release and ami_type == "CUSTOM":
            raise invalid("Release version cannot be specified with amiType CUSTOM", names[0])
        if release and amazon_linux(ami_type) and cluster is not None and names[1] not in cluster.nodegroups:
            check_release(release, kwargs["version"], None, *names)
        nodegroup = original_create_nodegroup(self, *args, **kwargs)
        cluster = self.clusters[nodegroup.cluster_name]
        # What EKS reports and moto does not: an integer disk size (none with
        # a launch template, whose block devices decide), the instance type of
        # the template when it has one, the AMI release of the node group's
        # version, maxUnavailable 1 and node auto repair off by default.
        if template is not None:
            nodegroup.launch_template = dict(spec)
            nodegroup.disk_size = None
            if (template.get_version(spec["version"]).data or {}).get("InstanceType"):
                nodegroup.instance_types = None
        else:
            nodegroup.disk_size = int(nodegroup.disk_size)
        if not release:
            nodegroup.release_version = f"{nodegroup.version}.0-20250101"
        if not nodegroup.update_config:
            nodegroup.update_config = {"maxUnavailable": 1}
        if not nodegroup.node_repair_config:
            nodegroup.node_repair_config = {"enabled": False}
        if kwargs.get("remote_access") is None:
            nodegroup.remote_access = None
        nodegroup._platform_ready_at = time.time() + delay_of(cluster)
        nodegroup.status = "CREATING" if delay_of(cluster) > 0 else "ACTIVE"
        return nodegroup

    backend_cls.create_nodegroup = create_nodegroup

    def delete_nodegroup(self: Any, cluster_name: str, nodegroup_name: str) -> Any:
        advance_all(self)
        cluster = self.clusters.get(cluster_name)
        nodegroup = cluster.nodegroups.get(nodegroup_name) if cluster else None
        if nodegroup is None or getattr(nodegroup, "_platform_gone_at", None) is not None:
            raise not_found(models.NODEGROUP_NOT_FOUND_MSG.format(nodegroupName=nodegroup_name), cluster_name, nodegroup_name)
        delay = delay_of(cluster)
        if delay <= 0:
            cluster.nodegroups.pop(nodegroup_name)
            cluster.nodegroup_count -= 1
        else:
            nodegroup._platform_gone_at = time.time() + delay
        nodegroup.status = "DELETING"
        return nodegroup

    backend_cls.delete_nodegroup = delete_nodegroup

    def validate_safe(cluster: Any) -> None:
        # Node groups that are on their way out do not block deleting the cluster.
        live = [n for n in cluster.nodegroups.values() if getattr(n, "_platform_gone_at", None) is None]
        if live:
            raise ResourceInUseException(clusterName=cluster.name, nodegroupName=None, addonName=None,
                                         message="Cluster has nodegroups attached")

    models.validate_safe_to_delete = lambda cluster: validate_safe(cluster)

    # ---- tags on node groups as well as clusters ---------------------------------
    def taggable(self: Any, arn: str, operation: str) -> Any:
        advance_all(self)
        for cluster in self.clusters.values():
            if cluster.arn == arn:
                return cluster
            for nodegroup in cluster.nodegroups.values():
                if nodegroup.arn == arn:
                    return nodegroup
        for finder in TAGGABLE_FINDERS:
            found = finder(self, arn)
            if found is not None:
                return found
        raise not_found(f"An error occurred (NotFoundException) when calling the {operation} operation: "
                        "Resource was not found")

    def tag_resource(self: Any, resource_arn: str, tags: dict[str, str]) -> None:
        taggable(self, resource_arn, "TagResource").tags.update(tags)

    def untag_resource(self: Any, resource_arn: str, tag_keys: list[str]) -> None:
        target = taggable(self, resource_arn, "UntagResource")
        for key in tag_keys if isinstance(tag_keys, list) else [tag_keys]:
            target.tags.pop(key, None)

    def list_tags_for_resource(self: Any, resource_arn: str) -> dict[str, str]:
        return taggable(self, resource_arn, "ListTagsForResource").tags

    backend_cls.tag_resource = tag_resource
    backend_cls.untag_resource = untag_resource
    backend_cls.list_tags_for_resource = list_tags_for_resource

    # ---- updates ---------------------------------------------------------------
    def start_update(self: Any, cluster_name: str, kind: str, params: list[dict[str, str]],
                     apply: Callable[[], None], nodegroup: str | None = None) -> dict[str, Any]:
        advance(self, cluster_name)
        cluster = self.clusters.get(cluster_name)
        if cluster is None or getattr(cluster, "_platform_gone_at", None) is not None:
            raise not_found(models.CLUSTER_NOT_FOUND_MSG.format(clusterName=cluster_name), cluster_name)
        if nodegroup is not None and nodegroup not in cluster.nodegroups:
            raise not_found(models.NODEGROUP_NOT_FOUND_MSG.format(nodegroupName=nodegroup), cluster_name, nodegroup)
        updates = cluster.__dict__.setdefault("_platform_updates", {})
        if any(u["status"] == "InProgress" and u["_nodegroup"] == nodegroup for u in updates.values()):
            target = f"Nodegroup {nodegroup}" if nodegroup else f"Cluster {cluster_name}"
            raise ResourceInUseException(clusterName=cluster_name, nodegroupName=nodegroup, addonName=None,
                                         message=f"{target} has an update in progress")
        if cluster.status == "CREATING":
            raise ResourceInUseException(clusterName=cluster_name, nodegroupName=nodegroup, addonName=None,
                                         message=f"Cluster {cluster_name} is in CREATING state")
        delay = delay_of(cluster)
        update = {
            "id": str(uuid.uuid4()),
            "status": "InProgress",
            "type": kind,
            "params": params,
            "createdAt": time.time(),
            "errors": [],
            "_done_at": time.time() + delay,
            "_fail": fails(cluster),
            "_apply": apply,
            "_nodegroup": nodegroup,
            "_resource": nodegroup or cluster_name,
        }
        updates[update["id"]] = update
        advance(self, cluster_name)
        return update

    def public(update: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in update.items() if not k.startswith("_")}

    def update_cluster_version(self: Any, name: str, version: str) -> dict[str, Any]:
        advance_all(self)
        cluster = self.clusters.get(name)
        if cluster is None:
            raise not_found(models.CLUSTER_NOT_FOUND_MSG.format(clusterName=name), name)
        try:
            cur_major, cur_minor = (int(x) for x in cluster.version.split(".")[:2])
            new_major, new_minor = (int(x) for x in version.split(".")[:2])
        except ValueError:
            raise InvalidParameterException(clusterName=name, nodegroupName=None, fargateProfileName=None,
                                            addonName=None, message=f"Invalid Kubernetes version {version}")
        if (new_major, new_minor) != (cur_major, cur_minor + 1):
            raise InvalidParameterException(
                clusterName=name, nodegroupName=None, fargateProfileName=None, addonName=None,
                message=f"Unsupported Kubernetes minor version update from {cluster.version} to {version}")

        def apply() -> None:
            cluster.version = version
            cluster.platformVersion = "eks.1"

        return start_update(self, name, "VersionUpdate",
                            [{"type": "Version", "value": version}, {"type": "PlatformVersion", "value": "eks.1"}], apply)

    def update_kinds(resources_vpc_config: Any, logging: Any, access_config: Any, upgrade_policy: Any) -> list[str]:
        """The update types one UpdateClusterConfig request asks for (EKS allows one per request)."""
        vpc = resources_vpc_config or {}
        kinds = []
        if logging:
            kinds.append("LoggingUpdate")
        if any(k in vpc for k in ENDPOINT_KEYS):
            kinds.append("EndpointAccessUpdate")
        if any(k in vpc for k in ("subnetIds", "securityGroupIds")):
            kinds.append("VpcConfigUpdate")
        if access_config:
            kinds.append("AccessConfigUpdate")
        if upgrade_policy:
            kinds.append("UpgradePolicyUpdate")
        return kinds

    def check_vpc_update(self: Any, name: str, cluster: Any, vpc: dict[str, Any]) -> None:
        """EKS's rules for new subnets and security groups (UpdateClusterConfig
        documentation; CloudFormation's ResourcesVpcConfig): at least two
        subnets, in the VPC of the cluster and covering exactly the
        availability zones it was created with; at most five security groups,
        existing, in that VPC."""
        ec2 = ec2_of(self)
        current = cluster.resources_vpc_config or {}
        vpc_id = current.get("vpcId")
        if "subnetIds" in vpc:
            subnets = []
            for subnet_id in vpc.get("subnetIds") or []:
                try:
                    subnets.append(ec2.get_subnet(subnet_id))
                except Exception:
                    raise invalid(f"The subnet ID '{subnet_id}' does not exist (Service: AmazonEC2; Status Code: 400; "
                                  "Error Code: InvalidSubnetID.NotFound)", name)
            if len(subnets) < 2 or len({s.availability_zone for s in subnets}) < 2:
                raise invalid("Subnets specified must be in at least two different AZs", name)
            if any(s.vpc_id != vpc_id for s in subnets):
                raise invalid(f"Subnets must all be in the cluster's VPC {vpc_id}", name)
            original = getattr(cluster, "_platform_azs", None)
            zones = sorted({s.availability_zone for s in subnets})
            if original is not None and zones != original:
                raise invalid("Provided subnets must be in the same set of availability zones the cluster was created "
                              f"with ({', '.join(original)}), got {', '.join(zones)}", name)
        if "securityGroupIds" in vpc:
            groups = vpc.get("securityGroupIds") or []
            if len(groups) > 5:
                raise invalid(f"At most 5 security groups can be specified, got {len(groups)}", name)
            for group_id in groups:
                try:
                    group = ec2.get_security_group_from_id(group_id)
                except Exception:
                    group = None
                if group is None:
                    raise invalid(f"The security group '{group_id}' does not exist", name)
                if group.vpc_id != vpc_id:
                    raise invalid(f"Security group {group_id} is not in the cluster's VPC {vpc_id}", name)

    def update_cluster_config(self: Any, name: str, resources_vpc_config: Any = None, logging: Any = None,
                              access_config: Any = None, upgrade_policy: Any = None, **kwargs: Any) -> dict[str, Any]:
        kinds = update_kinds(resources_vpc_config, logging, access_config, upgrade_policy)
        if len(kinds) > 1:
            raise InvalidParameterException(clusterName=name, nodegroupName=None, fargateProfileName=None, addonName=None,
                                            message="Only one type of update can be allowed.")
        if not kinds:
            raise InvalidParameterException(clusterName=name, nodegroupName=None, fargateProfileName=None, addonName=None,
                                            message="No changes needed for the update.")
        kind = kinds[0]
        advance_all(self)
        cluster = self.clusters.get(name)
        if cluster is None:
            raise not_found(models.CLUSTER_NOT_FOUND_MSG.format(clusterName=name), name)
        vpc = dict(resources_vpc_config or {})
        if kind == "LoggingUpdate":
            params = [{"type": "ClusterLogging", "value": str({"clusterLogging": logging.get("clusterLogging", [])})}]
        elif kind == "EndpointAccessUpdate":
            params = [{"type": {"endpointPublicAccess": "EndpointPublicAccess",
                                "endpointPrivateAccess": "EndpointPrivateAccess",
                                "publicAccessCidrs": "PublicAccessCidrs"}[k],
                       "value": str(v).lower() if isinstance(v, bool) else str(v)}
                      for k, v in vpc.items() if k in ENDPOINT_KEYS]
        elif kind == "VpcConfigUpdate":
            check_vpc_update(self, name, cluster, vpc)
            params = [{"type": {"subnetIds": "Subnets", "securityGroupIds": "SecurityGroups"}[k], "value": json.dumps(v)}
                      for k, v in vpc.items() if k in ("subnetIds", "securityGroupIds")]
        elif kind == "AccessConfigUpdate":
            mode = access_config.get("authenticationMode")
            current = (cluster.access_config or {}).get("authenticationMode") or "CONFIG_MAP"
            if mode not in AUTH_ORDER:
                raise invalid(f"Invalid authenticationMode {mode}", name)
            if AUTH_ORDER.index(mode) <= AUTH_ORDER.index(current):
                # EKS cannot go back to a mode without access entries, and
                # refuses an update that changes nothing.
                raise invalid(f"Unsupported authentication mode update from {current} to {mode}", name)
            params = [{"type": "AuthenticationMode", "value": mode}]
        else:
            support = upgrade_policy.get("supportType")
            if support not in SUPPORT_TYPES:
                raise invalid(f"Invalid upgradePolicy.supportType {support}: must be one of STANDARD, EXTENDED", name)
            params = [{"type": "UpgradePolicy", "value": support}]

        def apply() -> None:
            cluster = self.clusters[name]
            if logging:
                cluster.logging = logging
            if vpc:
                merged = dict(cluster.resources_vpc_config or {})
                merged.update(vpc)
                cluster.resources_vpc_config = merged
            if access_config:
                cluster.access_config = {**(cluster.access_config or {}),
                                         "authenticationMode": access_config["authenticationMode"]}
            if upgrade_policy:
                cluster.upgrade_policy = {"supportType": upgrade_policy["supportType"]}

        return start_update(self, name, kind, params, apply)

    def associate_encryption_config(self: Any, name: str, encryption_config: Any) -> dict[str, Any]:
        """Envelope encryption of secrets for a cluster that has none: once,
        as an AssociateEncryptionConfig update; EKS cannot remove or change it."""
        advance_all(self)
        cluster = self.clusters.get(name)
        if cluster is None:
            raise not_found(models.CLUSTER_NOT_FOUND_MSG.format(clusterName=name), name)
        configs = encryption_config or []
        if len(configs) != 1 or not ((configs[0].get("provider") or {}).get("keyArn")):
            raise invalid("encryptionConfig must hold exactly one configuration with provider.keyArn", name)
        if configs[0].get("resources") != ["secrets"]:
            raise invalid("encryptionConfig.resources must be [\"secrets\"]", name)
        if cluster.encryption_config:
            raise invalid("Cluster already has an encryption configuration; EKS cannot change or remove it", name)
        if any(u["status"] == "InProgress" and u["type"] == "AssociateEncryptionConfig"
               for u in getattr(cluster, "_platform_updates", {}).values()):
            raise ResourceInUseException(clusterName=name, nodegroupName=None, addonName=None,
                                         message=f"Cluster {name} has an update in progress")

        def apply() -> None:
            self.clusters[name].encryption_config = configs

        return start_update(self, name, "AssociateEncryptionConfig",
                            [{"type": "EncryptionConfig", "value": json.dumps(configs)}], apply)

    original_update_nodegroup_config = backend_cls.update_nodegroup_config

    def update_nodegroup_config(self: Any, cluster_name: str, nodegroup_name: str, **kwargs: Any) -> dict[str, Any]:
        params = []
        scaling = kwargs.get("scaling_config") or {}
        for key, kind in [("minSize", "MinSize"), ("maxSize", "MaxSize"), ("desiredSize", "DesiredSize")]:
            if key in scaling:
                params.append({"type": kind, "value": str(scaling[key])})
        labels = kwargs.get("labels") or {}
        if labels.get("addOrUpdateLabels"):
            params.append({"type": "LabelsToAdd", "value": str(labels["addOrUpdateLabels"])})
        if labels.get("removeLabels"):
            params.append({"type": "LabelsToRemove", "value": str(labels["removeLabels"])})
        taints = kwargs.get("taints") or {}
        if taints.get("addOrUpdateTaints"):
            params.append({"type": "TaintsToAdd", "value": str(taints["addOrUpdateTaints"])})
        if taints.get("removeTaints"):
            params.append({"type": "TaintsToRemove", "value": str(taints["removeTaints"])})
        update_config = kwargs.get("update_config") or {}
        for key, kind in [("maxUnavailable", "MaxUnavailable"), ("maxUnavailablePercentage", "MaxUnavailablePercentage")]:
            if key in update_config:
                params.append({"type": kind, "value": str(update_config[key])})
        repair = kwargs.get("node_repair_config") or {}
        if "enabled" in repair:
            params.append({"type": "NodeRepairEnabled", "value": str(repair["enabled"]).lower()})

        def apply() -> None:
            original_update_nodegroup_config(self, cluster_name=cluster_name, nodegroup_name=nodegroup_name, **kwargs)
            if update_config:
                self.clusters[cluster_name].nodegroups[nodegroup_name].update_config = update_config

        return start_update(self, cluster_name, "ConfigUpdate", params, apply, nodegroup=nodegroup_name)

    def update_nodegroup_version(self: Any, cluster_name: str, nodegroup_name: str, version: str | None,
                                 release_version: str | None,
                                 launch_template: dict[str, Any] | None = None) -> dict[str, Any]:
        advance_all(self)
        cluster = self.clusters.get(cluster_name)
        nodegroup = cluster.nodegroups.get(nodegroup_name) if cluster else None
        if cluster is not None and version and version != cluster.version:
            raise InvalidParameterException(
                clusterName=cluster_name, nodegroupName=nodegroup_name, fargateProfileName=None, addonName=None,
                message=f"Requested Nodegroup version {version} is invalid: it must match the cluster version {cluster.version}")
        # Without a version, a new AMI release or launch template version keeps
        # the node group's Kubernetes version; nothing at all moves it to the
        # cluster's, with that version's latest release.
        if version:
            target = version
        elif (release_version or launch_template) and nodegroup is not None:
            target = nodegroup.version
        else:
            target = cluster.version if cluster else None
        template_spec = None
        if nodegroup is not None and launch_template:
            if not nodegroup.launch_template:
                raise invalid("You cannot specify a launch template for a node group that was not created with one.",
                              cluster_name)
            template, number = resolve_template(self, launch_template, cluster_name, nodegroup_name)
            if template.id != nodegroup.launch_template.get("id"):
                raise invalid(f"The launch template must be the one the node group was created with "
                              f"({nodegroup.launch_template.get('id')}), got {template.id}.", cluster_name)
            template_spec = {"id": template.id, "name": template.name, "version": number}
        if nodegroup is not None and release_version:
            if nodegroup.ami_type == "CUSTOM":
                raise invalid("Release version cannot be specified with amiType CUSTOM", cluster_name)
            if amazon_linux(nodegroup.ami_type):
                current = nodegroup.release_version if target == nodegroup.version else None
                check_release(release_version, target, current, cluster_name, nodegroup_name)

        def apply() -> None:
            nodegroup = self.clusters[cluster_name].nodegroups[nodegroup_name]
            if release_version:
                nodegroup.release_version = release_version
            elif target != nodegroup.version and amazon_linux(nodegroup.ami_type):
                nodegroup.release_version = f"{target}.0-20250101"
            nodegroup.version = target
            if template_spec:
                nodegroup.launch_template = dict(template_spec)

        params = [{"type": "Version", "value": target or ""}]
        if release_version:
            params.append({"type": "ReleaseVersion", "value": release_version})
        if template_spec:
            params.append({"type": "LaunchTemplateName", "value": template_spec["name"]})
            params.append({"type": "LaunchTemplateVersion", "value": template_spec["version"]})
        return start_update(self, cluster_name, "VersionUpdate", params, apply, nodegroup=nodegroup_name)

    def describe_update(self: Any, name: str, update_id: str, nodegroup_name: str | None) -> dict[str, Any]:
        advance_all(self)
        cluster = self.clusters.get(name)
        update = getattr(cluster, "_platform_updates", {}).get(update_id) if cluster else None
        if update is None or update["_nodegroup"] != nodegroup_name:
            raise not_found(f"No update found for ID: {update_id}.", name, nodegroup_name)
        return update

    def list_updates(self: Any, name: str, nodegroup_name: str | None) -> list[str]:
        advance_all(self)
        cluster = self.clusters.get(name)
        if cluster is None:
            raise not_found(models.CLUSTER_NOT_FOUND_MSG.format(clusterName=name), name)
        return [u["id"] for u in getattr(cluster, "_platform_updates", {}).values() if u["_nodegroup"] == nodegroup_name]

    backend_cls.update_cluster_version = update_cluster_version
    backend_cls.update_cluster_config = update_cluster_config
    backend_cls.associate_encryption_config = associate_encryption_config
    backend_cls.update_nodegroup_config = update_nodegroup_config
    backend_cls.update_nodegroup_version = update_nodegroup_version
    backend_cls.describe_update = describe_update
    backend_cls.list_updates = list_updates

    # ---- idempotency tokens ------------------------------------------------------
    class Replay(Exception):
        def __init__(self, result: Any) -> None:
            self.result = result

    def token_of(resp: Any, operation: str) -> tuple[str, str] | None:
        """(token, fingerprint of everything else in the request), or None without a token."""
        try:
            body = json.loads(resp.body or "{}")
        except ValueError:
            body = {}
        token = body.pop("clientRequestToken", None) if isinstance(body, dict) else None
        if not token:
            return None
        path = urllib.parse.urlsplit(resp.uri).path if getattr(resp, "uri", None) else ""
        return token, json.dumps({"operation": operation, "path": path, "body": body}, sort_keys=True)

    def tokens(backend: Any) -> dict[tuple[str, str], tuple[str, Any]]:
        return backend.__dict__.setdefault("_platform_tokens", {})

    def replay(resp: Any, operation: str) -> Any:
        """The first answer to a request with this token, or None for a new token."""
        key = token_of(resp, operation)
        if key is None:
            return None
        seen = tokens(resp.eks_backend).get((operation, key[0]))
        if seen is None:
            return None
        fingerprint, result = seen
        if fingerprint != key[1]:
            raise invalid(f"The client request token {key[0]} was already used with different parameters.")
        advance_all(resp.eks_backend)
        return result

    def remember(resp: Any, operation: str, result: Any) -> None:
        key = token_of(resp, operation)
        if key is not None:
            tokens(resp.eks_backend)[(operation, key[0])] = (key[1], result)

    # ---- responses -------------------------------------------------------------
    def r_create_cluster(self: Any) -> Any:
        seen = replay(self, "CreateCluster")
        if seen is not None:
            return ActionResult({"cluster": seen})
        cluster = self.eks_backend.create_cluster(
            name=self._get_param("name"),
            version=self._get_param("version"),
            role_arn=self._get_param("roleArn"),
            resources_vpc_config=self._get_param("resourcesVpcConfig"),
            kubernetes_network_config=self._get_param("kubernetesNetworkConfig"),
            logging=self._get_param("logging"),
            client_request_token=self._get_param("clientRequestToken"),
            tags=self._get_param("tags"),
            encryption_config=self._get_param("encryptionConfig"),
            remote_network_config=self._get_param("remoteNetworkConfig"),
            access_config=self._get_param("accessConfig"),
            upgrade_policy=self._get_param("upgradePolicy"),
        )
        remember(self, "CreateCluster", cluster)
        return ActionResult({"cluster": cluster})

    response_cls.create_cluster = r_create_cluster

    original_r_create_nodegroup = response_cls.create_nodegroup

    def r_create_nodegroup(self: Any) -> Any:
        seen = replay(self, "CreateNodegroup")
        if seen is not None:
            return ActionResult({"nodegroup": seen})
        # moto drops updateConfig on create.
        result = original_r_create_nodegroup(self)
        update_config = self._get_param("updateConfig")
        if update_config:
            result.result["nodegroup"].update_config = update_config
        repair = self._get_param("nodeRepairConfig")
        if repair:
            result.result["nodegroup"].node_repair_config = repair
        remember(self, "CreateNodegroup", result.result["nodegroup"])
        return result

    response_cls.create_nodegroup = r_create_nodegroup

    def idempotent_update(operation: str, start: Callable[[Any], dict[str, Any]]) -> Callable[[Any], Any]:
        def respond(self: Any) -> Any:
            update = replay(self, operation)
            if update is None:
                update = start(self)
                remember(self, operation, update)
            return ActionResult({"update": public(update)})
        return respond

    r_update_cluster_version = idempotent_update("UpdateClusterVersion", lambda self: self.eks_backend.update_cluster_version(
        name=self._get_param("name"), version=self._get_param("version")))

    r_update_cluster_config = idempotent_update("UpdateClusterConfig", lambda self: self.eks_backend.update_cluster_config(
        name=self._get_param("name"),
        resources_vpc_config=self._get_param("resourcesVpcConfig"),
        logging=self._get_param("logging"),
        access_config=self._get_param("accessConfig"),
        upgrade_policy=self._get_param("upgradePolicy"),
    ))

    r_associate_encryption_config = idempotent_update(
        "AssociateEncryptionConfig", lambda self: self.eks_backend.associate_encryption_config(
            name=self._get_param("name"), encryption_config=self._get_param("encryptionConfig")))

    original_r_update_nodegroup_config = response_cls.update_nodegroup_config

    r_update_nodegroup_config = idempotent_update(
        "UpdateNodegroupConfig", lambda self: original_r_update_nodegroup_config(self).result["update"])

    r_update_nodegroup_version = idempotent_update("UpdateNodegroupVersion", lambda self: self.eks_backend.update_nodegroup_version(
        cluster_name=self._get_param("name"),
        nodegroup_name=self._get_param("nodegroupName"),
        version=self._get_param("version"),
        release_version=self._get_param("releaseVersion"),
        launch_template=self._get_param("launchTemplate"),
    ))

    def r_describe_update(self: Any) -> Any:
        update = self.eks_backend.describe_update(
            name=self._get_param("name"), update_id=self._get_param("updateId"),
            nodegroup_name=self._get_param("nodegroupName"))
        return ActionResult({"update": public(update)})

    def r_list_updates(self: Any) -> Any:
        ids = self.eks_backend.list_updates(name=self._get_param("name"), nodegroup_name=self._get_param("nodegroupName"))
        return ActionResult({"updateIds": ids})

    response_cls.update_cluster_version = r_update_cluster_version
    response_cls.update_cluster_config = r_update_cluster_config
    response_cls.associate_encryption_config = r_associate_encryption_config
    response_cls.update_nodegroup_config = r_update_nodegroup_config
    response_cls.update_nodegroup_version = r_update_nodegroup_version
    response_cls.describe_update = r_describe_update
    response_cls.list_updates = r_list_updates

    urls.url_paths.update({
        "{0}/clusters/(?P<name>[^/]+)/updates$": response_cls.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/encryption-config/associate$": response_cls.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$": response_cls.dispatch,
        "{0}/clusters/(?P<name>[^/]+)/node-groups/(?P<nodegroupName>[^/]+)/update-version$": response_cls.dispatch,
    })
