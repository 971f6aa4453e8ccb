"""Acceptance cases for `data.platform_controller_policy`: one apply makes a
`platform_irsa_role` per controller with the data source's policy and
service accounts, then IAM's SimulatePrincipalPolicy (the emulator's
evaluator, `platform_acc/iam_simulate.py`) checks that each role can make the
controller's typical calls and cannot make one outside its scope."""
from __future__ import annotations

import json
import urllib.parse

import pytest

from platform_acc import aws

ZONE = "arn:aws:route53:::hostedzone/Z0123456789ABC"
OTHER_ZONE = "arn:aws:route53:::hostedzone/ZOTHER"
ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NODE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/KarpenterNodeRole-main"
FS = f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:file-system/fs-0123456789abcdef0"
FS_AP = f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:access-point/fsap-0123456789abcdef0"

# controller -> (the data source's parameters in HCL, [(action, resource, context, expected decision)])
CASES: dict[str, tuple[str, list[tuple[str, str, dict[str, list[str]], str]]]] = {
    "external-dns": (
        f'hosted_zone_arns = ["{ZONE}"]',
        [
            ("route53:ChangeResourceRecordSets", ZONE, {}, "allowed"),
            ("route53:ListHostedZones", "*", {}, "allowed"),
            ("route53:ChangeResourceRecordSets", OTHER_ZONE, {}, "implicitDeny"),
        ],
    ),
    "cert-manager": (
        f'hosted_zone_arns = ["{ZONE}"]',
        [
            ("route53:ChangeResourceRecordSets", ZONE, {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}, "allowed"),
            ("route53:GetChange", "arn:aws:route53:::change/C123", {}, "allowed"),
            ("route53:ChangeResourceRecordSets", ZONE, {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT", "A"]}, "implicitDeny"),
            ("route53:ChangeResourceRecordSets", OTHER_ZONE, {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}, "implicitDeny"),
        ],
    ),
    "aws-ebs-csi-driver": (
        'cluster_name = "main"\n  kms_key_aliases = ["alias/ebs"]',
        [
            ("ec2:CreateVolume", "arn:aws:ec2:us-east-1:123456789012:volume/vol-1", {"aws:RequestTag/ebs.csi.aws.com/cluster-name": ["main"]}, "allowed"),
            ("ec2:AttachVolume", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", {"ec2:ResourceTag/eks:cluster-name": ["main"]}, "allowed"),
            ("ec2:LockSnapshot", "arn:aws:ec2:us-east-1:123456789012:snapshot/snap-1", {"ec2:ResourceTag/ebs.csi.aws.com/cluster-name": ["main"]}, "allowed"),
            ("ec2:AttachVolume", "arn:aws:ec2:us-east-1:123456789012:instance/i-2", {"ec2:ResourceTag/eks:cluster-name": ["other"]}, "implicitDeny"),
            ("kms:CreateGrant", KEY, {"kms:ResourceAliases": ["alias/ebs"], "kms:GrantIsForAWSResource": ["true"]}, "allowed"),
            ("ec2:DeleteVolume", "arn:aws:ec2:us-east-1:123456789012:volume/vol-2", {"ec2:ResourceTag/ebs.csi.aws.com/cluster-name": ["other"]}, "implicitDeny"),
            ("kms:Decrypt", KEY, {"kms:ResourceAliases": ["alias/other"]}, "implicitDeny"),
        ],
    ),
    "aws-efs-csi-driver": (
        f'file_system_arns = ["{FS}"]',
        [
            ("elasticfilesystem:CreateAccessPoint", FS, {"aws:RequestTag/efs.csi.aws.com/cluster": ["true"]}, "allowed"),
            ("elasticfilesystem:CreateAccessPoint", FS.replace("fs-0123", "fs-9999"), {"aws:RequestTag/efs.csi.aws.com/cluster": ["true"]}, "implicitDeny"),
            ("elasticfilesystem:TagResource", FS_AP, {"aws:ResourceTag/efs.csi.aws.com/cluster": ["true"]}, "allowed"),
            ("elasticfilesystem:DeleteAccessPoint", FS_AP, {"aws:ResourceTag/efs.csi.aws.com/cluster": ["true"]}, "allowed"),
            ("elasticfilesystem:DeleteAccessPoint", FS_AP.replace("us-east-1", "eu-west-1"), {"aws:ResourceTag/efs.csi.aws.com/cluster": ["true"]}, "implicitDeny"),
            ("elasticfilesystem:DeleteAccessPoint", "*", {}, "implicitDeny"),
        ],
    ),
    "aws-load-balancer-controller": (
        'cluster_name = "main"',
        [
            ("elasticloadbalancing:CreateLoadBalancer", "*", {"aws:RequestTag/elbv2.k8s.aws/cluster": ["main"]}, "allowed"),
            ("elasticloadbalancing:DescribeLoadBalancers", "*", {}, "allowed"),
            ("elasticloadbalancing:SetRulePriorities", "*", {}, "allowed"),
            ("elasticloadbalancing:DeleteLoadBalancer", "*", {"aws:ResourceTag/elbv2.k8s.aws/cluster": ["other"]}, "implicitDeny"),
        ],
    ),
    "cluster-autoscaler": (
        'cluster_name = "main"',
        [
            (
                "autoscaling:SetDesiredCapacity",
                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/eks-main-ng",
                {"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": ["true"], "aws:ResourceTag/k8s.io/cluster-autoscaler/main": ["owned"]},
                "allowed",
            ),
            (
                "autoscaling:SetDesiredCapacity",
                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/self-managed",
                {"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": ["yes"], "aws:ResourceTag/k8s.io/cluster-autoscaler/main": [""]},
                "allowed",
            ),
            ("autoscaling:DescribeAutoScalingGroups", "*", {}, "allowed"),
            (
                "autoscaling:TerminateInstanceInAutoScalingGroup",
                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/eks-other-ng",
                {"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": ["true"], "aws:ResourceTag/k8s.io/cluster-autoscaler/other": ["owned"]},
                "implicitDeny",
            ),
        ],
    ),
    "karpenter": (
        f'cluster_name = "main"\n  region = "us-east-1"\n  node_role_arns = ["{NODE_ROLE}"]',
        [
            ("iam:PassRole", NODE_ROLE, {"iam:PassedToService": ["ec2.amazonaws.com"]}, "allowed"),
            ("eks:DescribeCluster", f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/main", {}, "allowed"),
            ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin", {"iam:PassedToService": ["ec2.amazonaws.com"]}, "implicitDeny"),
            ("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", {"aws:ResourceTag/kubernetes.io/cluster/other": ["owned"], "aws:ResourceTag/karpenter.sh/nodepool": ["default"]}, "implicitDeny"),
        ],
    ),
    "ecr-credentials-sync": (
        f'repository_arns = ["arn:aws:ecr:us-east-1:{ACCOUNT}:repository/team/*"]',
        [
            ("ecr:GetAuthorizationToken", "*", {}, "allowed"),
            ("ecr:BatchGetImage", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/team/app", {}, "allowed"),
            ("ecr:BatchGetImage", f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/other/app", {}, "implicitDeny"),
        ],
    ),
    "external-secrets": (
        f'secret_arns = ["arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/*"]\n  parameter_arns = ["arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prod/*"]',
        [
            ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf", {}, "allowed"),
            ("secretsmanager:ListSecrets", "*", {}, "allowed"),
            ("secretsmanager:BatchGetSecretValue", "*", {}, "allowed"),
            ("ssm:GetParametersByPath", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prod/app", {}, "allowed"),
            ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:dev/db-AbCdEf", {}, "implicitDeny"),
            ("secretsmanager:PutSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf", {}, "implicitDeny"),
        ],
    ),
    "velero": (
        'bucket_arns = ["arn:aws:s3:::velero-backups"]',
        [
            ("s3:PutObject", "arn:aws:s3:::velero-backups/backups/b1/b1.tar.gz", {}, "allowed"),
            ("s3:ListBucket", "arn:aws:s3:::velero-backups", {}, "allowed"),
            ("s3:GetObject", "arn:aws:s3:::other-bucket/x", {}, "implicitDeny"),
        ],
    ),
    "vault-aws": (
        f'account_id = "{ACCOUNT}"\n  kms_key_arns = ["{KEY}"]\n  auth_method = true',
        [
            ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/vault-token-app-1700000000", {}, "allowed"),
            ("kms:Decrypt", KEY, {}, "allowed"),
            ("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/app", {}, "allowed"),
            ("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/admin", {}, "implicitDeny"),
            ("iam:AttachUserPolicy", f"arn:aws:iam::999999999999:user/vault-x", {}, "implicitDeny"),
        ],
    ),
}


def role_name(unique: str, controller: str) -> str:
    return f"{unique}-{controller}"[:64]


def label(controller: str) -> str:
    return controller.replace("-", "_")


def config(oidc_arn: str, unique: str) -> str:
    out = ['provider "platform" {}\n']
    for controller, (params, _) in CASES.items():
        name = label(controller)
        out.append(
            f'data "platform_controller_policy" "{name}" {{\n  controller = "{controller}"\n  {params}\n}}\n'
            f'resource "platform_irsa_role" "{name}" {{\n'
            f'  name              = "{role_name(unique, controller)}"\n'
            f'  oidc_provider_arn = "{oidc_arn}"\n'
            f"  service_accounts  = data.platform_controller_policy.{name}.service_accounts\n"
            f"  inline_policies   = {{ controller = data.platform_controller_policy.{name}.json }}\n}}\n"
        )
    return "\n".join(out)


def simulate(iam, role_arn: str, action: str, resource: str, context: dict[str, list[str]]) -> str:
    entries = [{"ContextKeyName": k, "ContextKeyValues": v, "ContextKeyType": "stringList"} for k, v in context.items()]
    result = iam.simulate_principal_policy(
        PolicySourceArn=role_arn, ActionNames=[action], ResourceArns=[resource], ContextEntries=entries
    )
    return result["EvaluationResults"][0]["EvalDecision"]


def test_basic(workspace, iam, unique):
    oidc_arn = aws.create_oidc_provider(iam, f"oidc.eks.us-east-1.amazonaws.com/id/{unique.upper()}")
    workspace.write(config(oidc_arn, unique))
    workspace.apply_clean()
    failures = []
    for controller, (_, calls) in CASES.items():
        role = iam.get_role(RoleName=role_name(unique, controller))["Role"]
        for action, resource, context, expected in calls:
            got = simulate(iam, role["Arn"], action, resource, context)
            if got != expected:
                failures.append(f"{controller}: {action} on {resource} with {context}: {got}, expected {expected}")
    assert failures == []
    # The roles trust the charts' default service accounts.
    trust = iam.get_role(RoleName=role_name(unique, "velero"))["Role"]["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(urllib.parse.unquote(trust))
    assert "system:serviceaccount:velero:velero-server" in json.dumps(trust)
    sas = workspace.state()
    assert "ebs-csi-controller-sa" in json.dumps(sas)
    workspace.destroy_and_check_gone(
        {f"role {c}": (lambda c=c: not aws.role_exists(iam, role_name(unique, c))) for c in CASES}
    )


def test_bad_input(workspace):
    workspace.write(
        'provider "platform" {}\n'
        'data "platform_controller_policy" "x" {\n  controller = "external-dns"\n'
        '  kms_key_arns = ["arn:aws:kms:us-east-1:123456789012:key/k"]\n}\n'
        'data "platform_controller_policy" "y" {\n  controller = "velero"\n}\n'
    )
    result = workspace.run("plan", "-no-color", check=False, ok_codes=(1,))
    out = result.output
    assert "`kms_key_arns`: is not used by controller `external-dns`; it accepts `hosted_zone_arns`" in out, out
    assert "`hosted_zone_arns`: is required by controller `external-dns`" in out, out
    assert "`bucket_arns`: is required by controller `velero`" in out, out


# Least privilege: a wildcard is refused where the controller's upstream policy
# names the resource, and accepted with a warning naming the controller and the
# upstream line where the upstream document uses one itself. `plan` only.
WILDCARDS = {
    "karpenter_node_roles": (
        f'controller = "karpenter"\n  cluster_name = "main"\n  node_role_arns = ["{NODE_ROLE}", "arn:aws:iam::{ACCOUNT}:role/*"]',
        [
            "Error: `node_role_arns[1]`: must name each IAM role without a wildcard ('*' or '?'): "
            "the upstream policy of controller `karpenter` scopes it to named resources",
            "AllowPassingInstanceRole",
        ],
    ),
    "hosted_zones": (
        'controller = "external-dns"\n  hosted_zone_arns = ["arn:aws:route53:::hostedzone/*", '
        '"arn:aws:route53:::hostedzone/*\\"]}", "arn:aws:route53:::hostedzone/Z1\\"]},{\\"Effect\\":\\"Allow"]',
        [
            "Warning: `hosted_zone_arns[0]`: matches every hosted zone: controller `external-dns` is granted its actions on all of them",
            '`docs/tutorials/aws.md`, "IAM Policy": `"Resource": ["arn:aws:route53:::hostedzone/*"]`',
            "Error: `hosted_zone_arns[1]`: may hold a wildcard only as the whole hosted zone",
            "Error: `hosted_zone_arns[2]`: must be a Route 53 hosted zone ARN",
        ],
    ),
    "velero_buckets": (
        'controller = "velero"\n  bucket_arns = ["arn:aws:s3:::*", "arn:aws:s3:::Backups_1"]',
        [
            "Error: `bucket_arns[0]`: must name each S3 bucket without a wildcard ('*' or '?'): "
            "the upstream policy of controller `velero` scopes it to named resources",
            "Error: `bucket_arns[1]`: names the bucket \"Backups_1\", which may hold only lower-case letters",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(WILDCARDS))
def test_bad_input_wildcards(workspace, case):
    params, expected = WILDCARDS[case]
    workspace.write(f'provider "platform" {{}}\ndata "platform_controller_policy" "x" {{\n  {params}\n}}\n')
    out = workspace.run("plan", "-no-color", check=False, ok_codes=(1,)).output
    # Terraform wraps long diagnostics: compare with the line breaks and the box drawing removed.
    flat = " ".join(line.strip().lstrip("│").strip() for line in out.splitlines())
    for text in expected:
        assert " ".join(text.split()) in flat, f"{text!r} not in:\n{out}"
    assert flat.count("Error:") == sum(t.startswith("Error:") for t in expected), out
