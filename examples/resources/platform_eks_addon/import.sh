# Import an add-on as <cluster_name>:<addon_name>.
terraform import platform_eks_addon.coredns platform:coredns
