# Import EBS storage by its KMS alias name. The driver's role is found through
# the key's `platform:ebs-csi-driver-role` tag.
terraform import platform_ebs_storage.encrypted alias/ebs-platform
