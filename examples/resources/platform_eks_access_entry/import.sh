# Import an access entry as <cluster_name>:<principal_arn>.
terraform import platform_eks_access_entry.team_readers platform:arn:aws:iam::111122223333:role/team-readers
