# Import an IRSA role by its role name.
terraform import platform_irsa_role.ebs_csi ebs-csi-controller
