# Import a cluster by its name. A role and key this resource created (tagged
# platform:eks-cluster=<name>) are recognized as its own.
terraform import platform_eks_cluster.main platform
