# Import an IAM OIDC provider by its ARN.
terraform import platform_eks_oidc_provider.dns_account arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE
