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

/// aws-ebs-csi-driver: `AmazonEBSCSIDriverPolicyV2.json` (volumes and
/// snapshots tagged `ebs.csi.aws.com/cluster=true`), or, with
/// `cluster_name`, `AmazonEBSCSIDriverEKSClusterScopedPolicy.json` with
/// `${aws:PrincipalTag/eks-cluster-name}` replaced by the cluster name (IRSA
/// sessions carry no such principal tag).
pub fn ebs_csi_driver(p: &Params) -> Vec<Json> {
    let part = &p.partition;
    let volume = format!("arn:{part}:ec2:*:*:volume/*");
    let volume_id = format!("arn:{part}:ec2:*:*:volume/vol-*");
    let snapshot = format!("arn:{part}:ec2:*:*:snapshot/*");
    let instance = format!("arn:{part}:ec2:*:*:instance/*");
    let eq = |key: &str, value: &str| condition(&[("StringEquals", key, json!(value))]);
    let like = |key: &str, value: &str| condition(&[("StringLike", key, json!(value))]);
    let (tag, value) = match &p.cluster_name {
        None => ("ebs.csi.aws.com/cluster", "true"),
        Some(cluster) => ("ebs.csi.aws.com/cluster-name", cluster.as_str()),
    };
    let request = eq(&format!("aws:RequestTag/{tag}"), value);
    let resource = eq(&format!("ec2:ResourceTag/{tag}"), value);
    let migrated = like("ec2:ResourceTag/kubernetes.io/created-for/pvc/name", "*");
    let mut s = vec![
        named(
            "ReadOnlyDescribeOperations",
            allow(
                &[
                    "ec2:DescribeAvailabilityZones",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeSnapshots",
                    "ec2:DescribeVolumes",
                    "ec2:DescribeVolumesModifications",
                    "ec2:DescribeVolumeStatus",
                ],
                &ANY,
            ),
        ),
        named(
            "CreateAndCopyVolumesWithManagedTag",
            allow_if(&["ec2:CreateVolume", "ec2:CopyVolumes"], &[&volume], request.clone()),
        ),
        named(
            "CopyManagedVolumes",
            allow_if(&["ec2:CopyVolumes"], &[&volume_id], resource.clone()),
        ),
    ];
    let manage = [
        "ec2:ModifyVolume",
        "ec2:AttachVolume",
        "ec2:DetachVolume",
        "ec2:DeleteVolume",
    ];
    if p.cluster_name.is_none() {
        s.push(named(
            "CopyCSIMigratedVolumes",
            allow_if(&["ec2:CopyVolumes"], &[&volume_id], migrated.clone()),
        ));
    }
    s.extend([
        named(
            "CreateSnapshotsWithManagedTag",
            allow_if(&["ec2:CreateSnapshot"], &[&snapshot], request),
        ),
        named(
            "CreateSnapshotsFromManagedVolumes",
            allow_if(&["ec2:CreateSnapshot"], &[&volume], resource.clone()),
        ),
        named("ManageManagedVolumes", allow_if(&manage, &[&volume], resource.clone())),
    ]);
    if p.cluster_name.is_none() {
        s.push(named(
            "ManageCSIMigratedVolumes",
            allow_if(&manage, &[&volume], migrated),
        ));
    }
    s.push(named(
        "CreateVolumesFromAndEnableFSROnManagedSnapshots",
        allow_if(
            &["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"],
            &[&snapshot],
            resource.clone(),
        ),
    ));
    match &p.cluster_name {
        None => s.push(named(
            "AttachDetachVolumesToAnyInstance",
            allow(&["ec2:AttachVolume", "ec2:DetachVolume"], &[&instance]),
        )),
        Some(cluster) => s.extend([
            named(
                "AttachDetachVolumesToClusterInstance",
                allow_if(
                    &["ec2:AttachVolume", "ec2:DetachVolume"],
                    &[&instance],
                    eq("ec2:ResourceTag/eks:cluster-name", cluster),
                ),
            ),
            named(
                "AttachDetachVolumesToManuallyTaggedInstance",
                allow_if(
                    &["ec2:AttachVolume", "ec2:DetachVolume"],
                    &[&instance],
                    eq("ec2:ResourceTag/ebs.csi.aws.com/cluster-name", cluster),
                ),
            ),
        ]),
    }
    s.extend([
        named(
            "DeleteAndLockManagedSnapshots",
            allow_if(
                &["ec2:DeleteSnapshot", "ec2:LockSnapshot"],
                &[&snapshot],
                resource.clone(),
            ),
        ),
        named(
            "TagResourcesOnCreation",
            allow_if(
                &["ec2:CreateTags"],
                &[&volume, &snapshot],
                condition(&[(
                    "StringEquals",
                    "ec2:CreateAction",
                    json!(["CreateVolume", "CreateSnapshot", "CopyVolumes"]),
                )]),
            ),
        ),
    ]);
    let mut modify_tags = resource;
    modify_tags["Null"] = json!({ "aws:TagKeys": "false" });
    modify_tags["ForAllValues:StringNotEquals"] = json!({
        "aws:TagKeys": [
            "ebs.csi.aws.com/cluster",
            "ebs.csi.aws.com/cluster-name",
            "kubernetes.io/created-for/pvc/name"
        ]
    });
    s.push(named(
        "ModifyTagsOnManagedVolumes",
        allow_if(&["ec2:CreateTags", "ec2:DeleteTags"], &[&volume], modify_tags),
    ));
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

/// aws-efs-csi-driver: upstream's EFS and S3 Files statements; with
/// `file_system_arns`, EFS only, access points created only on those file
/// systems and tagged or deleted only in their regions and accounts.
pub fn efs_csi_driver(p: &Params) -> Vec<Json> {
    let mut create = vec![(
        "StringLike",
        "aws:RequestTag/efs.csi.aws.com/cluster".to_string(),
        json!("true"),
    )];
    let mut tag = vec![(
        "StringLike",
        "aws:ResourceTag/efs.csi.aws.com/cluster".to_string(),
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
        tag.push((
            "StringEquals",
            format!("aws:ResourceTag/kubernetes.io/cluster/{cluster}"),
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
    let reads = allow(
        &[
            "elasticfilesystem:DescribeAccessPoints",
            "elasticfilesystem:DescribeFileSystems",
            "elasticfilesystem:DescribeMountTargets",
            "s3files:ListAccessPoints",
            "s3files:ListFileSystems",
            "ec2:DescribeAvailabilityZones",
        ],
        &ANY,
    );
    if p.file_system_arns.is_empty() {
        return vec![
            reads,
            allow_if(
                &["elasticfilesystem:CreateAccessPoint", "s3files:CreateAccessPoint"],
                &ANY,
                cond(&create),
            ),
            allow_if(
                &["elasticfilesystem:TagResource", "s3files:TagResource"],
                &ANY,
                cond(&tag),
            ),
            allow_if(
                &["elasticfilesystem:DeleteAccessPoint", "s3files:DeleteAccessPoint"],
                &ANY,
                cond(&delete),
            ),
        ];
    }
    // arn:<partition>:elasticfilesystem:<region>:<account>:file-system/<id>
    let mut access_points: Vec<String> = Vec::new();
    for arn in &p.file_system_arns {
        let mut parts = arn.splitn(6, ':');
        let (_, _, _, region, account) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next());
        let ap = format!(
            "arn:{}:elasticfilesystem:{}:{}:access-point/*",
            p.partition,
            region.unwrap_or("*"),
            account.unwrap_or("*")
        );
        if !access_points.contains(&ap) {
            access_points.push(ap);
        }
    }
    vec![
        reads,
        allow_if(
            &["elasticfilesystem:CreateAccessPoint"],
            &p.file_system_arns,
            cond(&create),
        ),
        allow_if(&["elasticfilesystem:TagResource"], &access_points, cond(&tag)),
        allow_if(&["elasticfilesystem:DeleteAccessPoint"], &access_points, cond(&delete)),
    ]
}

/// external-dns.
pub fn external_dns(p: &Params) -> Vec<Json> {
    vec![
        allow(
            &[
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
                "route53:ListTagsForResources",
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
                    "Null",
                    "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled",
                    json!("false"),
                ),
                (
                    "Null",
                    &format!("aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster}"),
                    json!("false"),
                ),
            ]),
        ),
        allow(
            &[
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
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
        // `dataFrom.find` lists the secrets and fetches them in batches;
        // `BatchGetSecretValue` also needs `GetSecretValue` on each secret.
        s.push(allow(
            &["secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue"],
            &ANY,
        ));
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
        // `dataFrom.find` by name or tag.
        s.push(allow(&["ssm:DescribeParameters", "tag:GetResources"], &ANY));
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
                "s3:PutObjectTagging",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            &objects,
        ),
        allow(&["s3:ListBucket"], &p.bucket_arns),
    ];
    if !p.kms_key_arns.is_empty() {
        s.push(allow(
            &[
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Encrypt",
                "kms:DescribeKey",
                "kms:Decrypt",
                "kms:CreateGrant",
                "kms:ListGrants",
                "kms:RevokeGrant",
                "kms:RetireGrant",
                "kms:ListRetirableGrants",
            ],
            &p.kms_key_arns,
        ));
    }
    s
}

/// vault-aws: the AWS auth method (with `auth_method`), the AWS secrets
/// engine (`account_id`, `assume_role_arns`) and the awskms seal
/// (`kms_key_arns`).
pub fn vault_aws(p: &Params) -> Vec<Json> {
    let mut s = Vec::new();
    if p.auth_method {
        s.push(allow(
            &[
                "ec2:DescribeInstances",
                "iam:GetInstanceProfile",
                "iam:GetUser",
                "iam:GetRole",
            ],
            &ANY,
        ));
    }
    if !p.assume_role_arns.is_empty() {
        s.push(allow(&["sts:AssumeRole"], &p.assume_role_arns));
    }
    if let Some(account) = &p.account_id {
        let mut actions = vec![
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
        ];
        if p.auth_method {
            // The auth method's statement already grants it on `*`.
            actions.retain(|a| *a != "iam:GetUser");
        }
        s.push(allow(
            &actions,
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
