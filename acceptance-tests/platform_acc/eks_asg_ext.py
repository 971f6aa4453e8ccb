"""The Auto Scaling groups of EKS managed node groups, in the emulator.

moto's EKS reports a made-up `resources.autoScalingGroups` name and makes no
group. Real EKS makes one EC2 Auto Scaling group per node group, named
`eks-<nodegroup>-<uuid>`, with a launch template of its own, sized by the
node group's scaling config, and tagged `eks:cluster-name`,
`eks:nodegroup-name`, `k8s.io/cluster-autoscaler/enabled`,
`k8s.io/cluster-autoscaler/<cluster>` and `kubernetes.io/cluster/<cluster>`.
This module does the same in moto's autoscaling and EC2 backends, so the
Auto Scaling API (DescribeTags, CreateOrUpdateTags, DeleteTags,
DescribeAutoScalingGroups) sees the node group's group:

- CreateNodegroup makes the launch template and the group (min, max and
  desired from `scalingConfig`, in the node group's subnets) and reports the
  group in `resources.autoScalingGroups`; subnets EC2 does not know are
  EKS's InvalidParameterException, and nothing is made.
- A successful UpdateNodegroupConfig with `scalingConfig` resizes the group.
- DeleteNodegroup deletes the group and its launch template.

`install()` runs after `eks_ext.install()`, whose node-group functions it wraps.
"""
from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True

    from moto.autoscaling.models import autoscaling_backends
    from moto.ec2.models import ec2_backends
    from moto.eks import models
    from moto.eks.exceptions import InvalidParameterException

    backend_cls = models.EKSBackend

    def backends(eks: Any) -> tuple[Any, Any]:
        return (autoscaling_backends[eks.account_id][eks.region_name], ec2_backends[eks.account_id][eks.region_name])

    def make_group(eks: Any, nodegroup: Any) -> None:
        asg, ec2 = backends(eks)
        cluster = nodegroup.cluster_name
        name = f"eks-{nodegroup.nodegroup_name}-{nodegroup.uuid}"
        for subnet in nodegroup.subnets or []:
            try:
                ec2.get_subnet(subnet)
            except Exception:
                raise InvalidParameterException(
                    clusterName=cluster, nodegroupName=nodegroup.nodegroup_name, fargateProfileName=None,
                    addonName=None, message=f"The subnet ID '{subnet}' does not exist")
        instance_type = (nodegroup.instance_types or ["t3.medium"])[0]
        template = ec2.create_launch_template(name=f"eks-{nodegroup.uuid}", description="EKS managed node group",
                                              template_data={"InstanceType": instance_type}, tag_spec={})
        scaling = nodegroup.scaling_config or {}
        tags = {
            "eks:cluster-name": cluster,
            "eks:nodegroup-name": nodegroup.nodegroup_name,
            "k8s.io/cluster-autoscaler/enabled": "true",
            f"k8s.io/cluster-autoscaler/{cluster}": "owned",
            f"kubernetes.io/cluster/{cluster}": "owned",
        }
        asg.create_auto_scaling_group(
            name=name, availability_zones=[], desired_capacity=scaling.get("desiredSize"),
            max_size=scaling.get("maxSize"), min_size=scaling.get("minSize"), launch_config_name=None,
            launch_template={"LaunchTemplateId": template.id, "Version": "1"},
            vpc_zone_identifier=",".join(nodegroup.subnets or []), default_cooldown=None, health_check_period=None,
            health_check_type="EC2", load_balancers=[], target_group_arns=[], placement_group=None,
            termination_policies=[],
            tags=[{"ResourceId": name, "ResourceType": "auto-scaling-group", "Key": k, "Value": v,
                   "PropagateAtLaunch": True} for k, v in tags.items()],
        )
        nodegroup.resources = {**(nodegroup.resources or {}), "autoScalingGroups": [{"name": name}]}
        nodegroup._platform_asg = name
        nodegroup._platform_launch_template = template.id

    def drop_group(eks: Any, nodegroup: Any) -> None:
        asg, ec2 = backends(eks)
        name = getattr(nodegroup, "_platform_asg", None)
        if name and name in asg.autoscaling_groups:
            asg.delete_auto_scaling_group(name)
        template = getattr(nodegroup, "_platform_launch_template", None)
        if template:
            try:
                ec2.delete_launch_template(name=None, tid=template)
            except Exception:
                pass
        nodegroup._platform_asg = None

    original_create = backend_cls.create_nodegroup

    def create_nodegroup(self: Any, *args: Any, **kwargs: Any) -> Any:
        nodegroup = original_create(self, *args, **kwargs)
        try:
            make_group(self, nodegroup)
        except Exception:
            cluster = self.clusters[nodegroup.cluster_name]
            cluster.nodegroups.pop(nodegroup.nodegroup_name, None)
            cluster.nodegroup_count -= 1
            raise
        return nodegroup

    original_delete = backend_cls.delete_nodegroup

    def delete_nodegroup(self: Any, cluster_name: str, nodegroup_name: str) -> Any:
        nodegroup = original_delete(self, cluster_name, nodegroup_name)
        drop_group(self, nodegroup)
        return nodegroup

    original_update_config = backend_cls.update_nodegroup_config

    def update_nodegroup_config(self: Any, cluster_name: str, nodegroup_name: str, **kwargs: Any) -> Any:
        update = original_update_config(self, cluster_name, nodegroup_name, **kwargs)
        applied = update.get("_apply")
        if applied is None or not kwargs.get("scaling_config"):
            return update

        def apply() -> None:
            applied()
            nodegroup = self.clusters[cluster_name].nodegroups[nodegroup_name]
            asg, _ = backends(self)
            group = asg.autoscaling_groups.get(getattr(nodegroup, "_platform_asg", None) or "")
            if group is not None:
                scaling = nodegroup.scaling_config
                group.min_size = scaling.get("minSize", group.min_size)
                group.max_size = scaling.get("maxSize", group.max_size)
                asg.set_desired_capacity(group.name, scaling.get("desiredSize", group.desired_capacity))

        update["_apply"] = apply
        return update

    backend_cls.create_nodegroup = create_nodegroup
    backend_cls.delete_nodegroup = delete_nodegroup
    backend_cls.update_nodegroup_config = update_nodegroup_config
