//! The two large controller policies: the AWS Load Balancer Controller's
//! and Karpenter's. Their sources are named in `catalog.rs`.

use serde_json::{json, Value as Json};

use super::catalog::Params;
use super::policies::{allow, allow_if, condition, named};
use crate::framework::validate::parse_arn;

const ANY: [&str; 1] = ["*"];
const CLUSTER_TAG: &str = "elbv2.k8s.aws/cluster";

/// aws-load-balancer-controller: upstream's statements, with each
/// "`elbv2.k8s.aws/cluster` tag exists" (`Null` = `false`) turned into
/// "the tag is `cluster_name`".
pub fn load_balancer_controller(p: &Params) -> Vec<Json> {
    let part = &p.partition;
    let cluster = json!(p.cluster());
    let request_is_ours = (
        "StringEquals",
        &*format!("aws:RequestTag/{CLUSTER_TAG}"),
        cluster.clone(),
    );
    let resource_is_ours = (
        "StringEquals",
        &*format!("aws:ResourceTag/{CLUSTER_TAG}"),
        cluster.clone(),
    );
    let no_request_tag = ("Null", &*format!("aws:RequestTag/{CLUSTER_TAG}"), json!("true"));
    let security_group = [format!("arn:{part}:ec2:*:*:security-group/*")];
    let lb_and_tg = [
        format!("arn:{part}:elasticloadbalancing:*:*:targetgroup/*/*"),
        format!("arn:{part}:elasticloadbalancing:*:*:loadbalancer/net/*/*"),
        format!("arn:{part}:elasticloadbalancing:*:*:loadbalancer/app/*/*"),
    ];
    vec![
        allow_if(
            &["iam:CreateServiceLinkedRole"],
            &ANY,
            condition(&[(
                "StringEquals",
                "iam:AWSServiceName",
                json!("elasticloadbalancing.amazonaws.com"),
            )]),
        ),
        allow(
            &[
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
            &ANY,
        ),
        allow(
            &[
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
            &ANY,
        ),
        allow(
            &["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            &ANY,
        ),
        allow(&["ec2:CreateSecurityGroup"], &ANY),
        allow_if(
            &["ec2:CreateTags"],
            &security_group,
            condition(&[
                ("StringEquals", "ec2:CreateAction", json!("CreateSecurityGroup")),
                request_is_ours.clone(),
            ]),
        ),
        allow_if(
            &["ec2:CreateTags", "ec2:DeleteTags"],
            &security_group,
            condition(&[no_request_tag.clone(), resource_is_ours.clone()]),
        ),
        allow_if(
            &[
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DeleteSecurityGroup",
            ],
            &ANY,
            condition(std::slice::from_ref(&resource_is_ours)),
        ),
        allow_if(
            &[
                "elasticloadbalancing:CreateLoadBalancer",
                "elasticloadbalancing:CreateTargetGroup",
            ],
            &ANY,
            condition(std::slice::from_ref(&request_is_ours)),
        ),
        allow(
            &[
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
            &ANY,
        ),
        allow_if(
            &["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            &lb_and_tg,
            condition(&[no_request_tag, resource_is_ours.clone()]),
        ),
        allow(
            &["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            &[
                format!("arn:{part}:elasticloadbalancing:*:*:listener/net/*/*/*"),
                format!("arn:{part}:elasticloadbalancing:*:*:listener/app/*/*/*"),
                format!("arn:{part}:elasticloadbalancing:*:*:listener-rule/net/*/*/*"),
                format!("arn:{part}:elasticloadbalancing:*:*:listener-rule/app/*/*/*"),
            ],
        ),
        allow_if(
            &[
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
            ],
            &ANY,
            condition(&[resource_is_ours]),
        ),
        allow_if(
            &["elasticloadbalancing:AddTags"],
            &lb_and_tg,
            condition(&[
                (
                    "StringEquals",
                    "elasticloadbalancing:CreateAction",
                    json!(["CreateTargetGroup", "CreateLoadBalancer"]),
                ),
                request_is_ours,
            ]),
        ),
        allow(
            &[
                "elasticloadbalancing:RegisterTargets",
                "elasticloadbalancing:DeregisterTargets",
            ],
            &[format!("arn:{part}:elasticloadbalancing:*:*:targetgroup/*/*")],
        ),
        allow(
            &[
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
            ],
            &ANY,
        ),
    ]
}

/// karpenter: `KarpenterControllerPolicy` of the v1.0 getting-started
/// CloudFormation template, with `${ClusterName}`, `${AWS::Partition}`,
/// `${AWS::Region}` and `${AWS::AccountId}` filled in from the parameters.
pub fn karpenter(p: &Params) -> Vec<Json> {
    let part = &p.partition;
    let cluster = p.cluster();
    let region = p.region.as_deref().unwrap_or("*");
    let account = p
        .node_role_arns
        .first()
        .and_then(|arn| parse_arn(arn))
        .map(|(_, _, _, account, _)| account.to_string())
        .unwrap_or_else(|| "*".into());
    let owned_key_req = format!("aws:RequestTag/kubernetes.io/cluster/{cluster}");
    let owned_key_res = format!("aws:ResourceTag/kubernetes.io/cluster/{cluster}");
    let owned = json!("owned");
    let any = json!("*");
    let ec2 = |kind: &str| format!("arn:{part}:ec2:{region}:*:{kind}/*");
    let tagged_kinds = [
        "fleet",
        "instance",
        "volume",
        "network-interface",
        "launch-template",
        "spot-instances-request",
    ];
    let tagged: Vec<String> = tagged_kinds.iter().map(|k| ec2(k)).collect();
    let profiles = [format!("arn:{part}:iam::{account}:instance-profile/*")];
    let region_tag = |prefix: &str| {
        p.region.as_ref().map(|r| {
            (
                "StringEquals",
                format!("{prefix}/topology.kubernetes.io/region"),
                json!(r),
            )
        })
    };
    let cond = |entries: Vec<(&str, String, Json)>| {
        condition(
            &entries
                .iter()
                .map(|(o, k, v)| (*o, k.as_str(), v.clone()))
                .collect::<Vec<_>>(),
        )
    };
    let mut s = vec![
        named(
            "AllowScopedEC2InstanceAccessActions",
            allow(
                &["ec2:RunInstances", "ec2:CreateFleet"],
                &[
                    format!("arn:{part}:ec2:{region}::image/*"),
                    format!("arn:{part}:ec2:{region}::snapshot/*"),
                    ec2("security-group"),
                    ec2("subnet"),
                ],
            ),
        ),
        named(
            "AllowScopedEC2LaunchTemplateAccessActions",
            allow_if(
                &["ec2:RunInstances", "ec2:CreateFleet"],
                &[ec2("launch-template")],
                cond(vec![
                    ("StringEquals", owned_key_res.clone(), owned.clone()),
                    (
                        "StringLike",
                        "aws:ResourceTag/karpenter.sh/nodepool".into(),
                        any.clone(),
                    ),
                ]),
            ),
        ),
        named(
            "AllowScopedEC2InstanceActionsWithTags",
            allow_if(
                &["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                &tagged,
                cond(vec![
                    ("StringEquals", owned_key_req.clone(), owned.clone()),
                    (
                        "StringEquals",
                        "aws:RequestTag/eks:eks-cluster-name".into(),
                        json!(cluster),
                    ),
                    ("StringLike", "aws:RequestTag/karpenter.sh/nodepool".into(), any.clone()),
                ]),
            ),
        ),
        named(
            "AllowScopedResourceCreationTagging",
            allow_if(
                &["ec2:CreateTags"],
                &tagged,
                cond(vec![
                    ("StringEquals", owned_key_req.clone(), owned.clone()),
                    (
                        "StringEquals",
                        "aws:RequestTag/eks:eks-cluster-name".into(),
                        json!(cluster),
                    ),
                    (
                        "StringEquals",
                        "ec2:CreateAction".into(),
                        json!(["RunInstances", "CreateFleet", "CreateLaunchTemplate"]),
                    ),
                    ("StringLike", "aws:RequestTag/karpenter.sh/nodepool".into(), any.clone()),
                ]),
            ),
        ),
        named(
            "AllowScopedResourceTagging",
            allow_if(
                &["ec2:CreateTags"],
                &[ec2("instance")],
                cond(vec![
                    ("StringEquals", owned_key_res.clone(), owned.clone()),
                    (
                        "StringLike",
                        "aws:ResourceTag/karpenter.sh/nodepool".into(),
                        any.clone(),
                    ),
                    (
                        "StringEqualsIfExists",
                        "aws:RequestTag/eks:eks-cluster-name".into(),
                        json!(cluster),
                    ),
                    (
                        "ForAllValues:StringEquals",
                        "aws:TagKeys".into(),
                        json!(["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]),
                    ),
                ]),
            ),
        ),
        named(
            "AllowScopedDeletion",
            allow_if(
                &["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
                &[ec2("instance"), ec2("launch-template")],
                cond(vec![
                    ("StringEquals", owned_key_res.clone(), owned.clone()),
                    (
                        "StringLike",
                        "aws:ResourceTag/karpenter.sh/nodepool".into(),
                        any.clone(),
                    ),
                ]),
            ),
        ),
    ];
    let reads = [
        "ec2:DescribeImages",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSpotPriceHistory",
        "ec2:DescribeSubnets",
    ];
    s.push(named(
        "AllowRegionalReadActions",
        match &p.region {
            Some(r) => allow_if(
                &reads,
                &ANY,
                condition(&[("StringEquals", "aws:RequestedRegion", json!(r))]),
            ),
            None => allow(&reads, &ANY),
        },
    ));
    s.push(named(
        "AllowSSMReadActions",
        allow(
            &["ssm:GetParameter"],
            &[format!("arn:{part}:ssm:{region}::parameter/aws/service/*")],
        ),
    ));
    s.push(named("AllowPricingReadActions", allow(&["pricing:GetProducts"], &ANY)));
    if let Some(queue) = &p.interruption_queue_arn {
        s.push(named(
            "AllowInterruptionQueueActions",
            allow(
                &["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
                &[queue],
            ),
        ));
    }
    s.push(named(
        "AllowPassingInstanceRole",
        allow_if(
            &["iam:PassRole"],
            &p.node_role_arns,
            condition(&[(
                "StringEquals",
                "iam:PassedToService",
                json!(["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]),
            )]),
        ),
    ));
    let mut create = vec![
        ("StringEquals", owned_key_req.clone(), owned.clone()),
        (
            "StringEquals",
            "aws:RequestTag/eks:eks-cluster-name".into(),
            json!(cluster),
        ),
    ];
    create.extend(region_tag("aws:RequestTag"));
    create.push((
        "StringLike",
        "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass".into(),
        any.clone(),
    ));
    s.push(named(
        "AllowScopedInstanceProfileCreationActions",
        allow_if(&["iam:CreateInstanceProfile"], &profiles, cond(create)),
    ));
    let mut tag = vec![("StringEquals", owned_key_res.clone(), owned.clone())];
    tag.extend(region_tag("aws:ResourceTag"));
    tag.push(("StringEquals", owned_key_req, owned.clone()));
    tag.push((
        "StringEquals",
        "aws:RequestTag/eks:eks-cluster-name".into(),
        json!(cluster),
    ));
    tag.extend(region_tag("aws:RequestTag"));
    tag.push((
        "StringLike",
        "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass".into(),
        any.clone(),
    ));
    tag.push((
        "StringLike",
        "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass".into(),
        any.clone(),
    ));
    s.push(named(
        "AllowScopedInstanceProfileTagActions",
        allow_if(&["iam:TagInstanceProfile"], &profiles, cond(tag)),
    ));
    let mut manage = vec![("StringEquals", owned_key_res, owned)];
    manage.extend(region_tag("aws:ResourceTag"));
    manage.push((
        "StringLike",
        "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass".into(),
        any,
    ));
    s.push(named(
        "AllowScopedInstanceProfileActions",
        allow_if(
            &[
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile",
            ],
            &profiles,
            cond(manage),
        ),
    ));
    s.push(named(
        "AllowInstanceProfileReadActions",
        allow(&["iam:GetInstanceProfile"], &profiles),
    ));
    s.push(named(
        "AllowAPIServerEndpointDiscovery",
        allow(
            &["eks:DescribeCluster"],
            &[format!("arn:{part}:eks:{region}:{account}:cluster/{cluster}")],
        ),
    ));
    s
}
