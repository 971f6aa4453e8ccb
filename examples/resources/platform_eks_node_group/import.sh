# Import a node group as <cluster_name>:<node_group_name>.
terraform import platform_eks_node_group.system platform:system
