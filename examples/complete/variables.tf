variable "name" {
  description = "The platform's name: the cluster's name, and the prefix of every role, key alias and context the example makes. Change it in your copy."
  type        = string
  default     = "platform"
}

variable "region" {
  description = "The AWS region of the cluster, in both accounts (e.g. `eu-west-1`)."
  type        = string
}

variable "kubernetes_version" {
  description = "The cluster's Kubernetes version. Upgrade one minor version per apply; the node groups and the unpinned add-ons follow."
  type        = string
  default     = "1.34"
}

variable "subnet_ids" {
  description = "Existing private subnets, in at least two availability zones, for the cluster and its node groups. The example builds no VPC."
  type        = list(string)
}

variable "cluster_admin_arns" {
  description = "IAM roles (or users) that administer the cluster, e.g. your SSO administrators' role. Each gets a declared access entry; whoever runs the apply gets none."
  type        = set(string)

  validation {
    condition     = length(var.cluster_admin_arns) > 0
    error_message = "cluster_admin_arns needs at least one role: nobody else can reach the cluster (the creator gets no access entry)."
  }
}

variable "dns_account_role_arn" {
  description = "The role the `platform.dns` provider assumes in the DNS account, where the hosted zones live (e.g. `arn:aws:iam::210987654321:role/platform-deployer`). It must trust the credentials this stack runs with."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.dns_account_role_arn))
    error_message = "dns_account_role_arn must be an IAM role ARN, arn:aws:iam::<account>:role/<name>."
  }
}

variable "hosted_zone_ids" {
  description = "The Route53 hosted zones (in the DNS account) whose records external-dns manages and cert-manager answers DNS-01 challenges in, by id (`Z...`)."
  type        = list(string)

  validation {
    condition     = length(var.hosted_zone_ids) > 0 && alltrue([for z in var.hosted_zone_ids : can(regex("^Z[0-9A-Z]{1,31}$", z))])
    error_message = "hosted_zone_ids needs at least one Route53 hosted zone id, such as \"Z0123456789ABCDEFGHIJ\"."
  }
}

variable "downstream_stack_ids" {
  description = "The Spacelift stacks that consume the platform's outputs (they must exist): the context is attached to each."
  type        = set(string)
}

variable "tags" {
  description = "Tags of every AWS object the example makes, in both accounts (the providers' `default_tags`)."
  type        = map(string)
  default = {
    managed-by = "terraform"
  }
}
