//! The statements of the smaller controller policies. Each function names
//! the upstream document it follows in `catalog.rs` (`Controller::source`).

use serde_json::{json, Map, Value as Json};

use super::catalog::Params;

/// The policy document for `statements`, pretty-printed (keys sorted, so
/// the text is stable).
pub fn document(statements: Vec<Json>) -> String {
    serde_json::to_string_pretty(&json!({ "Version": "2012-10-17", "Statement": statements })).unwrap_or_default()
}

/// One resource as a string, several as a list.
pub fn resources<S: AsRef<str>>(items: &[S]) -> Json {
    match items {
        [one] => json!(one.as_ref()),
        many => json!(many.iter().map(|s| s.as_ref()).collect::<Vec<_>>()),
    }
}

/// An `Allow` statement.
pub fn allow<S: AsRef<str>>(actions: &[&str], on: &[S]) -> Json {
    json!({ "Effect": "Allow", "Action": actions, "Resource": resources(on) })
}

/// An `Allow` statement with a condition block.
pub fn allow_if<S: AsRef<str>>(actions: &[&str], on: &[S], condition: Json) -> Json {
    let mut statement = allow(actions, on);
    statement["Condition"] = condition;
    statement
}

/// A `Sid`-named statement (the Karpenter policy names each one).
pub fn named(sid: &str, mut statement: Json) -> Json {
    statement["Sid"] = json!(sid);
    statement
}

/// `{ operator: { key: value } }` with several keys per operator.
pub fn condition(entries: &[(&str, &str, Json)]) -> Json {
    let mut out = Map::new();
    for (operator, key, value) in entries {
        let block = out.entry(operator.to_string()).or_insert_with(|| json!({}));
        block[*key] = value.clone();
    }
    Json::Object(out)
}

const ANY: [&str; 1] = ["*"];

/// aws-ebs-csi-driver.
pub fn ebs_csi_driver(p: &Params) -> Vec<Json> {
    let part = &p.partition;
    let volume = format!("arn:{part}:ec2:*:*:volume/*");
    let snapshot = format!("arn:{part}:ec2:*:*:snapshot/*");
    let instance = format!("arn:{part}:ec2:*:*:instance/*");
    let mut s = vec![
        allow(
            &[
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInstances",
                "ec2:DescribeSnapshots",
                "ec2:DescribeTags",
                "ec2:DescribeVolumes",
                "ec2:DescribeVolumesModifications",
                "ec2:DescribeVolumeStatus",
            ],
            &ANY,
        ),
        allow(&["ec2:CreateSnapshot", "ec2:ModifyVolume"], &[&volume]),
        allow(&["ec2:CopyVolumes"], &[format!("arn:{part}:ec2:*:*:volume/vol-*")]),
        allow(&["ec2:AttachVolume", "ec2:DetachVolume"], &[&volume, &instance]),
        allow(&["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"], &[&snapshot]),
        allow_if(
            &["ec2:CreateTags"],
            &[&volume, &snapshot],
            condition(&[(
                "StringEquals",
                "ec2:CreateAction",
                json!(["CreateVolume", "CreateSnapshot", "CopyVolumes"]),
            )]),
        ),
        allow(&["ec2:DeleteTags"], &[&volume, &snapshot]),
    ];
    let like = |key: &str, value: &str| condition(&[("StringLike", key, json!(value))]);
    match &p.cluster_name {
        None => s.extend([
            allow_if(
                &["ec2:CreateVolume", "ec2:CopyVolumes"],
                &[&volume],
                like("aws:RequestTag/ebs.csi.aws.com/cluster", "true"),
            ),
            allow_if(
                &["ec2:CreateVolume", "ec2:CopyVolumes"],
                &[&volume],
                like("aws:RequestTag/CSIVolumeName", "*"),
            ),
            allow_if(
                &["ec2:DeleteVolume"],
                &[&volume],
                like("ec2:ResourceTag/ebs.csi.aws.com/cluster", "true"),
            ),
            allow_if(
                &["ec2:DeleteVolume"],
                &[&volume],
                like("ec2:ResourceTag/CSIVolumeName", "*"),
            ),
            allow_if(
                &["ec2:DeleteVolume"],
                &[&volume],
                like("ec2:ResourceTag/kubernetes.io/created-for/pvc/name", "*"),
            ),
            allow_if(
                &["ec2:CreateSnapshot"],
                &[&snapshot],
                like("aws:RequestTag/CSIVolumeSnapshotName", "*"),
            ),
            allow_if(
                &["ec2:CreateSnapshot"],
                &[&snapshot],
                like("aws:RequestTag/ebs.csi.aws.com/cluster", "true"),
            ),
            allow_if(
                &["ec2:DeleteSnapshot"],
                &[&snapshot],
                like("ec2:ResourceTag/CSIVolumeSnapshotName", "*"),
            ),
            allow_if(
                &["ec2:DeleteSnapshot"],
                &[&snapshot],
                like("ec2:ResourceTag/ebs.csi.aws.com/cluster", "true"),
            ),
        ]),
        Some(cluster) => {
            let tag = format!("kubernetes.io/cluster/{cluster}");
            let request = condition(&[("StringEquals", &format!("aws:RequestTag/{tag}"), json!("owned"))]);
            let resource = condition(&[("StringEquals", &format!("ec2:ResourceTag/{tag}"), json!("owned"))]);
            s.extend([
                allow_if(&["ec2:CreateVolume", "ec2:CopyVolumes"], &[&volume], request.clone()),
                allow_if(&["ec2:DeleteVolume"], &[&volume], resource.clone()),
                allow_if(&["ec2:CreateSnapshot"], &[&snapshot], request),
                allow_if(&["ec2:DeleteSnapshot"], &[&snapshot], resource),
            ]);
        }
    }
    s.extend(kms_for_ebs(p));
    s
}

/// The EKS User Guide's KMS statements for EBS volumes encrypted with
/// customer managed keys, on key ARNs or through `kms:ResourceAliases`.
fn kms_for_ebs(p: &Params) -> Vec<Json> {
    let grant = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];
    let crypto = [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
    ];
    let for_aws = ("Bool", "kms:GrantIsForAWSResource", json!("true"));
    let mut s = Vec::new();
    if !p.kms_key_arns.is_empty() {
        s.push(allow_if(
            &grant,
            &p.kms_key_arns,
            condition(std::slice::from_ref(&for_aws)),
        ));
        s.push(allow(&crypto, &p.kms_key_arns));
    }
    if !p.kms_key_aliases.is_empty() {
        let any_key = [format!("arn:{}:kms:*:*:key/*", p.partition)];
        let aliases = (
            "ForAnyValue:StringEquals",
            "kms:ResourceAliases",
            json!(p.kms_key_aliases),
        );
        s.push(allow_if(&grant, &any_key, condition(&[for_aws, aliases.clone()])));
        s.push(allow_if(&crypto, &any_key, condition(&[aliases])));
    }
    s
}

/// aws-efs-csi-driver.
pub fn efs_csi_driver(p: &Params) -> Vec<Json> {
    let file_systems: Vec<String> = if p.file_system_arns.is_empty() {
        vec!["*".into()]
    } else {
        p.file_system_arns.clone()
    };
    let mut create = vec![(
        "StringLike",
        "aws:RequestTag/efs.csi.aws.com/cluster".to_string(),
        json!("true"),
    )];
    let mut delete = vec![(
        "StringEquals",
        "aws:ResourceTag/efs.csi.aws.com/cluster".to_string(),
        json!("true"),
    )];
    if let Some(cluster) = &p.cluster_name {
        create.push((
            "StringEquals",
            format!("aws:RequestTag/kubernetes.io/cluster/{cluster}"),
            json!("owned"),
        ));
        delete.push((
            "StringEquals",
            format!("aws:ResourceTag/kubernetes.io/cluster/{cluster}"),
            json!("owned"),
        ));
    }
    let cond = |entries: &[(&str, String, Json)]| {
        condition(
            &entries
                .iter()
                .map(|(o, k, v)| (*o, k.as_str(), v.clone()))
                .collect::<Vec<_>>(),
        )
    };
    vec![
        allow(
            &[
                "elasticfilesystem:DescribeAccessPoints",
                "elasticfilesystem:DescribeFileSystems",
            ],
            &ANY,
        ),
        allow_if(&["elasticfilesystem:CreateAccessPoint"], &file_systems, cond(&create)),
        allow_if(&["elasticfilesystem:DeleteAccessPoint"], &ANY, cond(&delete)),
    ]
}

/// external-dns.
pub fn external_dns(p: &Params) -> Vec<Json> {
    vec![
        allow(
            &[
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
                "route53:ListTagsForResource",
            ],
            &p.hosted_zone_arns,
        ),
        allow(&["route53:ListHostedZones"], &ANY),
    ]
}

/// cert-manager (Route53 DNS-01).
pub fn cert_manager(p: &Params) -> Vec<Json> {
    vec![
        allow(
            &["route53:GetChange"],
            &[format!("arn:{}:route53:::change/*", p.partition)],
        ),
        allow_if(
            &["route53:ChangeResourceRecordSets"],
            &p.hosted_zone_arns,
            condition(&[(
                "ForAllValues:StringEquals",
                "route53:ChangeResourceRecordSetsRecordTypes",
                json!(["TXT"]),
            )]),
        ),
        allow(&["route53:ListResourceRecordSets"], &p.hosted_zone_arns),
        allow(&["route53:ListHostedZonesByName"], &ANY),
    ]
}

/// cluster-autoscaler.
pub fn cluster_autoscaler(p: &Params) -> Vec<Json> {
    let part = &p.partition;
    let cluster = p.cluster();
    vec![
        allow_if(
            &[
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
            ],
            &[format!(
                "arn:{part}:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*"
            )],
            condition(&[
                (
                    "StringEquals",
                    "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled",
                    json!("true"),
                ),
                (
                    "StringEquals",
                    &format!("aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}"),
                    json!("owned"),
                ),
            ]),
        ),
        allow(
            &[
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
            ],
            &ANY,
        ),
        allow(
            &["eks:DescribeNodegroup"],
            &[format!("arn:{part}:eks:*:*:nodegroup/{cluster}/*/*")],
        ),
    ]
}

/// ecr-credentials-sync.
pub fn ecr_credentials_sync(p: &Params) -> Vec<Json> {
    vec![
        allow(&["ecr:GetAuthorizationToken"], &ANY),
        allow(
            &[
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            &p.repository_arns,
        ),
    ]
}

/// external-secrets.
pub fn external_secrets(p: &Params) -> Vec<Json> {
    let mut s = Vec::new();
    if !p.secret_arns.is_empty() {
        s.push(allow(
            &[
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
                "secretsmanager:ListSecretVersionIds",
            ],
            &p.secret_arns,
        ));
    }
    if !p.parameter_arns.is_empty() {
        s.push(allow(&["ssm:GetParameter*"], &p.parameter_arns));
        s.push(allow(&["ssm:DescribeParameters"], &ANY));
    }
    if !p.kms_key_arns.is_empty() {
        s.push(allow(&["kms:Decrypt"], &p.kms_key_arns));
    }
    s
}

/// velero.
pub fn velero(p: &Params) -> Vec<Json> {
    let objects: Vec<String> = p.bucket_arns.iter().map(|b| format!("{b}/*")).collect();
    let mut s = vec![
        allow(
            &[
                "ec2:DescribeVolumes",
                "ec2:DescribeSnapshots",
                "ec2:CreateTags",
                "ec2:CreateVolume",
                "ec2:CreateSnapshot",
                "ec2:DeleteSnapshot",
            ],
            &ANY,
        ),
        allow(
            &[
                "s3:GetObject",
                "s3:DeleteObject",
                "s3:PutObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            &objects,
        ),
        allow(&["s3:ListBucket"], &p.bucket_arns),
    ];
    if !p.kms_key_arns.is_empty() {
        s.push(allow(
            &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            &p.kms_key_arns,
        ));
    }
    s
}

/// vault-aws: the AWS auth method, the AWS secrets engine and the awskms seal.
pub fn vault_aws(p: &Params) -> Vec<Json> {
    let mut s = vec![allow(
        &[
            "ec2:DescribeInstances",
            "iam:GetInstanceProfile",
            "iam:GetUser",
            "iam:GetRole",
        ],
        &ANY,
    )];
    if !p.assume_role_arns.is_empty() {
        s.push(allow(&["sts:AssumeRole"], &p.assume_role_arns));
    }
    if let Some(account) = &p.account_id {
        s.push(allow(
            &[
                "iam:AttachUserPolicy",
                "iam:CreateAccessKey",
                "iam:CreateUser",
                "iam:DeleteAccessKey",
                "iam:DeleteUser",
                "iam:DeleteUserPolicy",
                "iam:DetachUserPolicy",
                "iam:GetUser",
                "iam:ListAccessKeys",
                "iam:ListAttachedUserPolicies",
                "iam:ListGroupsForUser",
                "iam:ListUserPolicies",
                "iam:PutUserPolicy",
                "iam:AddUserToGroup",
                "iam:RemoveUserFromGroup",
                "iam:TagUser",
            ],
            &[format!("arn:{}:iam::{account}:user/vault-*", p.partition)],
        ));
    }
    if !p.kms_key_arns.is_empty() {
        s.push(allow(
            &["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
            &p.kms_key_arns,
        ));
    }
    s
}
