# Import a pod identity association as <cluster_name>,<association_id>
# (`aws eks list-pod-identity-associations --cluster-name platform` lists the ids).
terraform import platform_eks_pod_identity_association.reports platform,a-0123456789abcdefg
