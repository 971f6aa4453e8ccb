//! Pins each controller's policy (the exact JSON, in `testdata/`) and its
//! service accounts, and the plan-time errors for bad input.
//!
//! `PLATFORM_BLESS=1 cargo test controllers::tests` rewrites the files in
//! `testdata/`; review the diff before committing it.

use std::path::PathBuf;

use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::catalog::{self, CONTROLLERS};
use super::policy_data_source::{
    policy_json, service_accounts, validate_config, ControllerPolicyState, ValueStringList,
};
use crate::framework::policy::{self as iam_policy, PolicyKind};
use crate::framework::validate::policy_errors;

fn s(v: &str) -> Value<String> {
    Value::Value(v.to_string())
}

fn l(items: &[&str]) -> ValueStringList {
    Value::Value(items.iter().map(|i| s(i)).collect())
}

const ZONE: &str = "arn:aws:route53:::hostedzone/Z0123456789ABC";
const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// The inputs each pinned policy is built from (one case per controller,
/// two where an optional parameter changes the statements).
fn cases() -> Vec<(&'static str, ControllerPolicyState)> {
    let base = |c: &str| ControllerPolicyState {
        controller: s(c),
        ..Default::default()
    };
    vec![
        (
            "aws-ebs-csi-driver",
            ControllerPolicyState {
                kms_key_arns: l(&[KEY]),
                kms_key_aliases: l(&["alias/ebs"]),
                ..base("aws-ebs-csi-driver")
            },
        ),
        (
            "aws-ebs-csi-driver.cluster",
            ControllerPolicyState {
                cluster_name: s("main"),
                ..base("aws-ebs-csi-driver")
            },
        ),
        (
            "aws-efs-csi-driver",
            ControllerPolicyState {
                cluster_name: s("main"),
                file_system_arns: l(&[
                    "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0",
                ]),
                ..base("aws-efs-csi-driver")
            },
        ),
        (
            "external-dns",
            ControllerPolicyState {
                hosted_zone_arns: l(&[ZONE]),
                ..base("external-dns")
            },
        ),
        (
            "cert-manager",
            ControllerPolicyState {
                hosted_zone_arns: l(&[ZONE, "arn:aws:route53:::hostedzone/Z999"]),
                ..base("cert-manager")
            },
        ),
        (
            "aws-load-balancer-controller",
            ControllerPolicyState {
                cluster_name: s("main"),
                ..base("aws-load-balancer-controller")
            },
        ),
        (
            "cluster-autoscaler",
            ControllerPolicyState {
                cluster_name: s("main"),
                ..base("cluster-autoscaler")
            },
        ),
        (
            "karpenter",
            ControllerPolicyState {
                cluster_name: s("main"),
                region: s("eu-west-1"),
                node_role_arns: l(&["arn:aws:iam::111122223333:role/KarpenterNodeRole-main"]),
                interruption_queue_arn: s("arn:aws:sqs:eu-west-1:111122223333:main"),
                ..base("karpenter")
            },
        ),
        (
            "ecr-credentials-sync",
            ControllerPolicyState {
                repository_arns: l(&["arn:aws:ecr:eu-west-1:111122223333:repository/team/*"]),
                ..base("ecr-credentials-sync")
            },
        ),
        (
            "external-secrets",
            ControllerPolicyState {
                secret_arns: l(&["arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/*"]),
                parameter_arns: l(&["arn:aws:ssm:eu-west-1:111122223333:parameter/prod/*"]),
                kms_key_arns: l(&[KEY]),
                ..base("external-secrets")
            },
        ),
        (
            "velero",
            ControllerPolicyState {
                bucket_arns: l(&["arn:aws:s3:::velero-backups"]),
                ..base("velero")
            },
        ),
        (
            "vault-aws",
            ControllerPolicyState {
                account_id: s("111122223333"),
                assume_role_arns: l(&["arn:aws:iam::444455556666:role/vault-target"]),
                kms_key_arns: l(&[KEY]),
                auth_method: Value::Value(true),
                ..base("vault-aws")
            },
        ),
    ]
}

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/services/controllers/testdata")
        .join(format!("{name}.json"))
}

fn errors(config: &ControllerPolicyState) -> Vec<String> {
    let mut diags = Diagnostics::default();
    validate_config(&mut diags, config);
    diags.errors.iter().map(|d| d.summary.to_string()).collect()
}

#[test]
fn every_controller_policy_is_pinned_and_valid() {
    let bless = std::env::var_os("PLATFORM_BLESS").is_some();
    let mut seen = std::collections::BTreeSet::new();
    for (case, config) in cases() {
        assert_eq!(errors(&config), Vec::<String>::new(), "{case}");
        let controller = catalog::find(config.controller.as_ref_option().unwrap()).unwrap();
        seen.insert(controller.name);
        let params = super::policy_data_source::params(&config);
        let json = policy_json(controller, &params);
        let path = testdata(case);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("{json}\n")).unwrap();
        }
        let pinned = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            json,
            pinned.trim_end(),
            "{case}: policy differs from {}",
            path.display()
        );
        // IAM's grammar, and the 10,240-character quota of a role's inline policies.
        assert_eq!(
            policy_errors(&json, PolicyKind::Identity),
            Vec::<String>::new(),
            "{case}"
        );
        let size = iam_policy::iam_size(&json);
        assert!(size <= 10_240, "{case}: {size} characters");
        assert!(!json.contains("${"), "{case}: unfilled placeholder");
    }
    assert_eq!(seen.len(), CONTROLLERS.len(), "every controller has a pinned case");
}

#[test]
fn service_accounts_are_the_charts_defaults() {
    let pairs = |c: &str, ns: Option<&str>| -> Vec<(String, String)> {
        service_accounts(catalog::find(c).unwrap(), ns)
            .into_iter()
            .map(|sa| {
                (
                    sa.namespace.as_ref_option().unwrap().clone(),
                    sa.name.as_ref_option().unwrap().clone(),
                )
            })
            .collect()
    };
    let one = |ns: &str, n: &str| vec![(ns.to_string(), n.to_string())];
    assert_eq!(
        pairs("aws-ebs-csi-driver", None),
        one("kube-system", "ebs-csi-controller-sa")
    );
    assert_eq!(
        pairs("aws-efs-csi-driver", None),
        one("kube-system", "efs-csi-controller-sa")
    );
    assert_eq!(pairs("external-dns", None), one("external-dns", "external-dns"));
    assert_eq!(pairs("cert-manager", None), one("cert-manager", "cert-manager"));
    assert_eq!(
        pairs("aws-load-balancer-controller", None),
        one("kube-system", "aws-load-balancer-controller")
    );
    assert_eq!(
        pairs("cluster-autoscaler", None),
        one("kube-system", "cluster-autoscaler")
    );
    assert_eq!(pairs("karpenter", None), one("kube-system", "karpenter"));
    assert_eq!(
        pairs("ecr-credentials-sync", None),
        one("ecr-credentials-sync", "ecr-credentials-sync")
    );
    assert_eq!(
        pairs("external-secrets", None),
        one("external-secrets", "external-secrets")
    );
    assert_eq!(pairs("velero", None), one("velero", "velero-server"));
    assert_eq!(pairs("vault-aws", None), one("vault", "vault"));
    assert_eq!(pairs("external-dns", Some("dns")), one("dns", "external-dns"));
}

#[test]
fn bad_input_names_the_attribute_and_the_controller() {
    let base = |c: &str| ControllerPolicyState {
        controller: s(c),
        ..Default::default()
    };
    assert_eq!(
        errors(&base("nginx")),
        vec![format!(
            "`controller`: must be one of {}, got \"nginx\"",
            catalog::names()
        )]
    );
    assert_eq!(
        errors(&base("external-dns")),
        vec!["`hosted_zone_arns`: is required by controller `external-dns`"]
    );
    let extra = ControllerPolicyState {
        hosted_zone_arns: l(&[ZONE]),
        kms_key_arns: l(&[KEY]),
        ..base("external-dns")
    };
    assert_eq!(
        errors(&extra),
        vec!["`kms_key_arns`: is not used by controller `external-dns`; it accepts `hosted_zone_arns`"]
    );
    let bad_zone = ControllerPolicyState {
        hosted_zone_arns: l(&[ZONE, "Z123"]),
        ..base("cert-manager")
    };
    assert_eq!(
        errors(&bad_zone),
        vec!["`hosted_zone_arns[1]`: must be a Route 53 hosted zone ARN such as \"arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ\" \
              (a zone id is 'Z' and up to 31 upper-case letters and digits), got \"Z123\""]
    );
    let empty = ControllerPolicyState {
        bucket_arns: l(&[]),
        ..base("velero")
    };
    assert_eq!(
        errors(&empty),
        vec!["`bucket_arns`: must list at least one value for controller `velero`"]
    );
    let object = ControllerPolicyState {
        bucket_arns: l(&["arn:aws:s3:::b/prefix"]),
        ..base("velero")
    };
    assert!(errors(&object)[0].starts_with("`bucket_arns[0]`: must be a bucket ARN without an object path"));
    assert_eq!(
        errors(&base("external-secrets")),
        vec!["`secret_arns`: controller `external-secrets` needs at least one of `secret_arns`, `parameter_arns`"]
    );
    let alias = ControllerPolicyState {
        kms_key_aliases: l(&["ebs"]),
        ..base("aws-ebs-csi-driver")
    };
    assert!(errors(&alias)[0].starts_with("`kms_key_aliases[0]`: must start with \"alias/\""));
    let cluster = ControllerPolicyState {
        cluster_name: s("bad name"),
        ..base("cluster-autoscaler")
    };
    assert!(errors(&cluster)[0].starts_with("`cluster_name`: must be an EKS cluster name"));
    let ns = ControllerPolicyState {
        namespace: s("Bad_NS"),
        hosted_zone_arns: l(&[ZONE]),
        ..base("external-dns")
    };
    assert!(errors(&ns)[0].starts_with("`namespace`: must be a DNS-1123 label"));
    let karpenter = ControllerPolicyState {
        cluster_name: s("main"),
        ..base("karpenter")
    };
    assert_eq!(
        errors(&karpenter),
        vec!["`node_role_arns`: is required by controller `karpenter`"]
    );
    // Unknown values are checked once known.
    let unknown = ControllerPolicyState {
        hosted_zone_arns: Value::Unknown,
        ..base("external-dns")
    };
    assert_eq!(errors(&unknown), Vec::<String>::new());
}

fn warnings(config: &ControllerPolicyState) -> Vec<String> {
    let mut diags = Diagnostics::default();
    validate_config(&mut diags, config);
    diags
        .warnings
        .iter()
        .map(|d| format!("{} | {}", d.summary, d.detail))
        .collect()
}

const ROLE: &str = "arn:aws:iam::111122223333:role/KarpenterNodeRole-main";

/// Wildcards are refused where the upstream policy names the resource, and
/// accepted with a warning (naming the controller and the upstream line)
/// where it uses one itself.
#[test]
fn wildcards_only_where_upstream_has_them() {
    let base = |c: &str| ControllerPolicyState {
        controller: s(c),
        ..Default::default()
    };
    let karpenter = |roles: &[&str]| ControllerPolicyState {
        cluster_name: s("main"),
        node_role_arns: l(roles),
        ..base("karpenter")
    };
    // Karpenter passes its one node role: `role/*` would let it pass any role to EC2.
    for wild in [
        "arn:aws:iam::111122223333:role/*",
        "arn:aws:iam::111122223333:role/Karpenter?ode",
        "arn:aws:iam::*:role/x",
    ] {
        let e = errors(&karpenter(&[ROLE, wild]));
        assert_eq!(e.len(), 1, "{wild}: {e:?}");
        assert!(
            e[0].starts_with("`node_role_arns[1]`: must name each IAM role without a wildcard ('*' or '?'): the upstream policy of controller `karpenter` scopes it to named resources (`cloudformation.yaml`, `AllowPassingInstanceRole`"),
            "{e:?}"
        );
    }
    assert_eq!(
        errors(&karpenter(&[
            ROLE,
            "arn:aws:iam::111122223333:role/nodes/KarpenterNodeRole-b"
        ])),
        Vec::<String>::new()
    );
    // The role name's grammar (IAM: letters, digits and '+=,.@_-').
    let e = errors(&karpenter(&["arn:aws:iam::111122223333:role/bad name"]));
    assert!(
        e[0].starts_with("`node_role_arns[0]`: names a role whose name must be an IAM role name"),
        "{e:?}"
    );
    let e = errors(&karpenter(&["arn:aws:iam::111122223333:role/a//b"]));
    assert!(
        e[0].starts_with("`node_role_arns[0]`: names a role whose path must be an IAM path"),
        "{e:?}"
    );

    // Velero's README names the bucket.
    let velero = |b: &str| ControllerPolicyState {
        bucket_arns: l(&[b]),
        ..base("velero")
    };
    let e = errors(&velero("arn:aws:s3:::*"));
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("`bucket_arns[0]`: must name each S3 bucket without a wildcard ('*' or '?'): the upstream policy of controller `velero` scopes it to named resources (`README.md`"), "{e:?}");
    assert!(errors(&velero("arn:aws:s3:::velero-*"))[0].contains("without a wildcard"));
    for (bad, rule) in [
        ("arn:aws:s3:::Velero", "may hold only lower-case letters"),
        ("arn:aws:s3:::ab", "is not 3 to 63 characters long"),
        ("arn:aws:s3:::-backups", "must start and end with a letter or digit"),
        ("arn:aws:s3:::a..b", "two adjacent periods"),
        ("arn:aws:s3:::192.168.1.1", "IP address"),
        ("arn:aws:s3:::xn--backups", "reserved prefix"),
        ("arn:aws:s3:::backups-s3alias", "reserved suffix"),
        ("arn:aws:s3:us-east-1::backups", "must be an S3 bucket ARN"),
    ] {
        let e = errors(&velero(bad));
        assert!(e.len() == 1 && e[0].contains(rule), "{bad}: {e:?}");
    }
    assert_eq!(errors(&velero("arn:aws:s3:::velero.backups-1")), Vec::<String>::new());

    // Hosted zones: upstream (external-dns, cert-manager) uses `hostedzone/*`:
    // accepted with a warning; anything else must be a zone id.
    for c in ["external-dns", "cert-manager"] {
        let zones = |z: &[&str]| ControllerPolicyState {
            hosted_zone_arns: l(z),
            ..base(c)
        };
        let all = zones(&[ZONE, "arn:aws:route53:::hostedzone/*"]);
        assert_eq!(errors(&all), Vec::<String>::new(), "{c}");
        let w = warnings(&all);
        assert_eq!(w.len(), 1, "{c}: {w:?}");
        assert!(w[0].starts_with(&format!("`hosted_zone_arns[1]`: matches every hosted zone: controller `{c}` is granted its actions on all of them | ")), "{w:?}");
        assert!(
            w[0].contains("hostedzone/*\"]`") || w[0].contains("hostedzone/*\"`"),
            "the upstream line: {w:?}"
        );
        assert!(
            w[0].contains(if c == "external-dns" {
                "docs/tutorials/aws.md"
            } else {
                "route53.md"
            }),
            "{w:?}"
        );
        assert_eq!(warnings(&zones(&[ZONE])), Vec::<String>::new());
        for bad in [
            "arn:aws:route53:::hostedzone/Z12*",
            "arn:aws:route53:::hostedzone/*\"]}",
        ] {
            let e = errors(&zones(&[bad]));
            assert!(
                e.len() == 1 && e[0].contains("may hold a wildcard only as the whole hosted zone"),
                "{bad}: {e:?}"
            );
        }
        for bad in [
            "arn:aws:route53:::hostedzone/Z1\"]},{\"Effect\":\"Allow\"",
            "arn:aws:route53:::hostedzone/z0123",
            "arn:aws:route53:::hostedzone/Z0123456789012345678901234567890123",
            "arn:aws:route53::123456789012:hostedzone/Z1",
        ] {
            let e = errors(&zones(&[bad]));
            assert!(
                e.len() == 1 && e[0].contains("must be a Route 53 hosted zone ARN"),
                "{bad}: {e:?}"
            );
        }
    }

    // Where the names may hold wildcards (upstream uses them), only a
    // match-everything name warns; region and account stay named.
    let secrets = |a: &str| ControllerPolicyState {
        secret_arns: l(&[a]),
        ..base("external-secrets")
    };
    assert_eq!(
        warnings(&secrets("arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/*")),
        Vec::<String>::new()
    );
    let w = warnings(&secrets("arn:aws:secretsmanager:eu-west-1:111122223333:secret:*"));
    assert!(
        w.len() == 1 && w[0].contains("controller `external-secrets`") && w[0].contains("secret:dev-*"),
        "{w:?}"
    );
    assert!(
        errors(&secrets("arn:aws:secretsmanager:*:111122223333:secret:prod/*"))[0]
            .contains("in a named region and account")
    );
    let ecr = ControllerPolicyState {
        repository_arns: l(&["arn:aws:ecr:eu-west-1:111122223333:repository/*"]),
        ..base("ecr-credentials-sync")
    };
    assert!(warnings(&ecr)[0].contains("AmazonEC2ContainerRegistryReadOnly"));
    let efs = |a: &str| ControllerPolicyState {
        file_system_arns: l(&[a]),
        ..base("aws-efs-csi-driver")
    };
    assert_eq!(
        warnings(&efs("arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/*")).len(),
        1
    );
    assert!(errors(&efs(
        "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-01*"
    ))[0]
        .contains("only as the whole EFS file system"));
    assert!(errors(&efs(
        "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-xyz"
    ))[0]
        .contains("must be an EFS file system ARN"));

    // Keys, queues and assumed roles are named upstream.
    let e = errors(&ControllerPolicyState {
        kms_key_arns: l(&["arn:aws:kms:eu-west-1:111122223333:key/*"]),
        ..base("external-secrets")
    });
    assert!(
        e.iter()
            .any(|e| e.starts_with("`kms_key_arns[0]`: must name each KMS key without a wildcard")),
        "{e:?}"
    );
    let e = errors(&ControllerPolicyState {
        kms_key_arns: l(&["arn:aws:kms:eu-west-1:111122223333:key/k"]),
        ..base("vault-aws")
    });
    assert!(e[0].contains("whose key id is a UUID"), "{e:?}");
    assert_eq!(
        errors(&ControllerPolicyState {
            kms_key_arns: l(&["arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"]),
            ..base("vault-aws")
        }),
        Vec::<String>::new()
    );
    let e = errors(&ControllerPolicyState {
        interruption_queue_arn: s("arn:aws:sqs:eu-west-1:111122223333:*"),
        ..karpenter(&[ROLE])
    });
    assert!(
        e[0].starts_with("`interruption_queue_arn`: must name each SQS queue without a wildcard"),
        "{e:?}"
    );
    let e = errors(&ControllerPolicyState {
        assume_role_arns: l(&["arn:aws:iam::444455556666:role/*"]),
        ..base("vault-aws")
    });
    assert!(
        e[0].contains("controller `vault-aws` scopes it to named resources"),
        "{e:?}"
    );
}
