//! Data source `platform_controller_policy`: a controller's name and its few
//! parameters in, the IAM policy its documentation publishes (scoped by the
//! parameters) and its chart's default service accounts out.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use super::catalog::{self, Controller, Params, CONTROLLERS, DEFAULT_PARTITION};
use super::policies::document;
use crate::framework::schema::{attr, attributes, boolean, object_list, string, Computed, Optional, Required};
use crate::framework::validate::{dns1123_label, Validator};
use crate::services::iam::trust::ServiceAccount;

pub type ValueStringList = Value<Vec<Value<String>>>;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ControllerPolicyState {
    pub id: Value<String>,
    pub controller: Value<String>,
    pub namespace: Value<String>,
    pub partition: Value<String>,
    pub cluster_name: Value<String>,
    pub region: Value<String>,
    pub account_id: Value<String>,
    pub hosted_zone_arns: ValueStringList,
    pub kms_key_arns: ValueStringList,
    pub kms_key_aliases: ValueStringList,
    pub repository_arns: ValueStringList,
    pub secret_arns: ValueStringList,
    pub parameter_arns: ValueStringList,
    pub bucket_arns: ValueStringList,
    pub file_system_arns: ValueStringList,
    pub node_role_arns: ValueStringList,
    pub assume_role_arns: ValueStringList,
    pub interruption_queue_arn: Value<String>,
    pub auth_method: Value<bool>,
    pub json: Value<String>,
    pub service_accounts: Value<Vec<ServiceAccount>>,
}

/// A parameter's value as the validation sees it.
enum Param<'a> {
    Null,
    Unknown,
    One(&'a str),
    Many(Vec<Option<&'a str>>),
}

impl ControllerPolicyState {
    fn param(&self, name: &str) -> Param<'_> {
        fn scalar(v: &Value<String>) -> Param<'_> {
            match v {
                Value::Value(s) => Param::One(s),
                Value::Null => Param::Null,
                Value::Unknown => Param::Unknown,
            }
        }
        fn list(v: &ValueStringList) -> Param<'_> {
            match v {
                Value::Value(items) => {
                    Param::Many(items.iter().map(|i| i.as_ref_option().map(String::as_str)).collect())
                }
                Value::Null => Param::Null,
                Value::Unknown => Param::Unknown,
            }
        }
        match name {
            "cluster_name" => scalar(&self.cluster_name),
            "region" => scalar(&self.region),
            "account_id" => scalar(&self.account_id),
            "interruption_queue_arn" => scalar(&self.interruption_queue_arn),
            "hosted_zone_arns" => list(&self.hosted_zone_arns),
            "kms_key_arns" => list(&self.kms_key_arns),
            "kms_key_aliases" => list(&self.kms_key_aliases),
            "repository_arns" => list(&self.repository_arns),
            "secret_arns" => list(&self.secret_arns),
            "parameter_arns" => list(&self.parameter_arns),
            "bucket_arns" => list(&self.bucket_arns),
            "file_system_arns" => list(&self.file_system_arns),
            "node_role_arns" => list(&self.node_role_arns),
            "assume_role_arns" => list(&self.assume_role_arns),
            "auth_method" => match self.auth_method {
                // `false` is the default: treated as not set.
                Value::Value(true) => Param::One("true"),
                Value::Value(false) | Value::Null => Param::Null,
                Value::Unknown => Param::Unknown,
            },
            _ => Param::Null,
        }
    }
}

pub struct ControllerPolicyDataSource;

fn controllers_markdown() -> String {
    let mut out = String::from(
        "| controller | default service account | requires | accepts | follows |\n|---|---|---|---|---|\n",
    );
    let code = |items: &[&str]| {
        if items.is_empty() {
            "".to_string()
        } else {
            items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
        }
    };
    for c in CONTROLLERS {
        let mut requires = code(c.required);
        if !c.one_of.is_empty() {
            if !requires.is_empty() {
                requires.push_str("; ");
            }
            requires.push_str(&format!("one of {}", code(c.one_of)));
        }
        out.push_str(&format!(
            "| `{}` | `{}/{}` | {} | {} | {} |\n",
            c.name,
            c.namespace,
            c.service_accounts.join("`, `"),
            requires,
            code(c.optional),
            c.source.replace('|', "\\|")
        ));
    }
    out
}

fn list(description: &str) -> tf_provider::schema::Attribute {
    attr(
        AttributeType::List(Box::new(AttributeType::String)),
        Optional,
        description,
    )
}

fn schema_block() -> Block {
    let description = format!(
        "The IAM policy a cluster controller's own documentation publishes, scoped by a few parameters (hosted zones, keys, the cluster's tags), \
         and the service accounts the controller's chart uses by default: a value to hand to `platform_irsa_role` (`inline_policies`, `service_accounts`), \
         to a pod identity role, or to any role. No API call is made; the same inputs always give the same text.\n\n\
         Each controller requires and accepts a subset of the parameters; a parameter it does not accept, or a missing required one, \
         is an error at plan time naming the attribute and the controller. Every ARN is checked for its service and resource type, and the name in it \
         against that resource's grammar (hosted zone ids, S3 bucket names, IAM role paths and names, KMS key ids, SQS queue names, EFS file system ids). \
         An IAM wildcard (`*` or `?`) in an ARN is refused where the controller's upstream policy names the resource (Karpenter's node role, \
         Velero's buckets, keys, queues, assumed roles), and accepted where the upstream document uses one itself; one that matches every resource \
         of its type (`hostedzone/*`, `file-system/*`, `repository/*`, `secret:*`, `parameter/*`) is then accepted with a warning naming the \
         controller and the upstream line.          Nothing is left on `*` that a parameter can narrow; the actions that take no resource (such as `route53:ListHostedZones` or \
         `ecr:GetAuthorizationToken`) stay on `*`, as IAM requires.\n\n\
         IAM limits all inline policies of a role together to 10,240 characters (white space not counted); `platform_irsa_role` checks that at plan time. \
         Every policy here fits with typical inputs; the AWS Load Balancer Controller's and Karpenter's are the largest (about 5,200 and 5,900 characters): \
         beside other large inline policies on the same role, make them a managed policy (`aws_iam_policy`) and attach it with `policy_arns` instead.\n\n\
         ## Controllers\n\n{}\n\
         ## Ownership\n\n\
         - **Creates** nothing, and reads nothing from AWS: the policy is computed from the configuration.\n\
         - **Records** the document in `json`; a change of the inputs changes it, and the role that uses it shows the change as a diff.",
        controllers_markdown()
    );
    Block {
        version: 1,
        description: Description::markdown(description),
        attributes: attributes([
            ("id", string(Computed, "The controller name.")),
            ("controller", string(Required, format!("The controller, one of {}.", catalog::names()))),
            ("namespace", string(Optional, "Namespace of the controller's service accounts; defaults to the namespace given in the table above.")),
            ("partition", string(Optional, format!("AWS partition of the ARNs the policy builds (`aws`, `aws-cn`, `aws-us-gov`, ...). Default `{DEFAULT_PARTITION}`."))),
            ("cluster_name", string(Optional, "EKS cluster name: the tag conditions of `cluster-autoscaler`, `aws-load-balancer-controller`, `karpenter`, and, optionally, `aws-ebs-csi-driver` and `aws-efs-csi-driver` (see the table).")),
            ("region", string(Optional, "`karpenter`: region of the cluster, put into the ARNs and the `aws:RequestedRegion` condition. Without it the ARNs match any region.")),
            ("account_id", string(Optional, "`vault-aws`: the account in which Vault's AWS secrets engine makes IAM users (`iam_user` credential type), limited to users named `vault-*`.")),
            ("hosted_zone_arns", list("`external-dns`, `cert-manager`: Route 53 hosted zone ARNs, `arn:aws:route53:::hostedzone/<id>` (`Z` and up to 31 upper-case letters and digits). `arn:aws:route53:::hostedzone/*`, the upstream policies' own resource, is accepted with a warning; no other wildcard is.")),
            ("kms_key_arns", list("KMS key ARNs: `aws-ebs-csi-driver` (encrypted volumes), `external-secrets` (`kms:Decrypt`), `velero` (SSE-KMS buckets), `vault-aws` (the `awskms` seal).")),
            ("kms_key_aliases", list("`aws-ebs-csi-driver`: KMS aliases (`alias/<name>`) of the keys encrypting volumes, matched through `kms:ResourceAliases`, so a key can be rotated to a new key behind the alias without changing the policy.")),
            ("repository_arns", list("`ecr-credentials-sync`: ECR repository ARNs the pulled images come from (`*` wildcards allowed in the name, e.g. `repository/team/*`; `repository/*` warns).")),
            ("secret_arns", list("`external-secrets`: Secrets Manager secret ARNs (`*` wildcards allowed in the name, e.g. `secret:prod/*`; `secret:*` warns).")),
            ("parameter_arns", list("`external-secrets`: SSM parameter ARNs (`*` wildcards allowed in the name, e.g. `parameter/prod/*`; `parameter/*` warns).")),
            ("bucket_arns", list("`velero`: S3 bucket ARNs of the backup locations, `arn:aws:s3:::<bucket>`, the bucket name as S3's naming rules say; no wildcards (Velero's policy names its bucket).")),
            ("file_system_arns", list("`aws-efs-csi-driver`: EFS file system ARNs on which the driver may create access points (`file-system/fs-<id>`, or `file-system/*` for any in a region and account, with a warning). Without it, any file system.")),
            ("node_role_arns", list("`karpenter`: IAM role ARNs of the nodes Karpenter launches (`iam:PassRole`); the first one's account is the account of the instance-profile and cluster ARNs. No wildcards: Karpenter's policy passes only its node role, and `role/*` would let it hand any role to EC2.")),
            ("assume_role_arns", list("`vault-aws`: roles Vault may assume: the secrets engine's `assumed_role` credential type, and the auth method's cross-account `sts` roles.")),
            ("interruption_queue_arn", string(Optional, "`karpenter`: ARN of the SQS interruption queue. Without it the queue statement is left out.")),
            ("auth_method", boolean(Optional, "`vault-aws`: `true` when Vault's AWS auth method runs with this role: adds its `ec2:DescribeInstances` and `iam:Get*` lookups on `*`. Leave it out for a role that only serves the secrets engine or the `awskms` seal.")),
            ("json", string(Computed, "The policy document, pretty-printed JSON with sorted keys (stable for the same inputs).")),
            ("service_accounts", object_list(Computed, &["namespace", "name"], "The service accounts the controller's chart makes by default, as `{ namespace, name }` (the shape of `platform_irsa_role.service_accounts`), in `namespace` when given.")),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

/// Checks the configuration: the controller, the parameters it accepts and
/// requires, and each value.
pub fn validate_config(diags: &mut Diagnostics, config: &ControllerPolicyState) {
    let mut v = Validator::new(diags);
    v.check(
        &AttributePath::new("namespace"),
        config.namespace.as_ref_option(),
        |s: &String| dns1123_label(s),
    );
    v.check(
        &AttributePath::new("partition"),
        config.partition.as_ref_option(),
        |s: &String| catalog::partition(s),
    );
    let Value::Value(name) = &config.controller else {
        return;
    };
    let Some(controller) = catalog::find(name) else {
        v.error(
            &AttributePath::new("controller"),
            format!("must be one of {}, got {name:?}", catalog::names()),
        );
        return;
    };
    let accepted = || {
        let all: Vec<&str> = controller.required.iter().chain(controller.optional).copied().collect();
        if all.is_empty() {
            "none".to_string()
        } else {
            all.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
        }
    };
    let mut set = Vec::new();
    for &param in catalog::PARAMS {
        let path = AttributePath::new(param);
        match config.param(param) {
            Param::Null => {
                if controller.required.contains(&param) {
                    v.error(&path, format!("is required by controller `{}`", controller.name));
                }
                continue;
            }
            _ if !controller.accepts(param) => {
                v.error(
                    &path,
                    format!(
                        "is not used by controller `{}`; it accepts {}",
                        controller.name,
                        accepted()
                    ),
                );
                continue;
            }
            Param::Unknown => {}
            Param::One(value) => check_value(&mut v, controller, param, &path, value),
            Param::Many(items) => {
                if items.is_empty() {
                    v.error(
                        &path,
                        format!("must list at least one value for controller `{}`", controller.name),
                    );
                }
                for (i, item) in items.iter().enumerate() {
                    if let Some(item) = item {
                        check_value(&mut v, controller, param, &path.clone().index(i as i64), item);
                    }
                }
            }
        }
        set.push(param);
    }
    if !controller.one_of.is_empty() && !controller.one_of.iter().any(|p| set.contains(p)) {
        let names: Vec<String> = controller.one_of.iter().map(|p| format!("`{p}`")).collect();
        v.error(
            &AttributePath::new(controller.one_of[0]),
            format!(
                "controller `{}` needs at least one of {}",
                controller.name,
                names.join(", ")
            ),
        );
    }
}

/// One known value of `param`: its error, or the warning of a wildcard that
/// matches every resource of its type.
fn check_value(v: &mut Validator<'_>, controller: &Controller, param: &str, path: &AttributePath, value: &str) {
    match catalog::check_param(controller, param, value) {
        Ok(None) => {}
        Ok(Some(wide)) => v.warning(path, wide.summary, wide.detail),
        Err(rule) => v.error(path, rule),
    }
}

fn strings(v: &ValueStringList) -> Vec<String> {
    match v {
        Value::Value(items) => items.iter().filter_map(|i| i.as_ref_option().cloned()).collect(),
        _ => Vec::new(),
    }
}

/// The parameters of a validated, known configuration.
pub fn params(config: &ControllerPolicyState) -> Params {
    Params {
        partition: config
            .partition
            .as_ref_option()
            .cloned()
            .unwrap_or_else(|| DEFAULT_PARTITION.into()),
        cluster_name: config.cluster_name.as_ref_option().cloned(),
        region: config.region.as_ref_option().cloned(),
        account_id: config.account_id.as_ref_option().cloned(),
        hosted_zone_arns: strings(&config.hosted_zone_arns),
        kms_key_arns: strings(&config.kms_key_arns),
        kms_key_aliases: strings(&config.kms_key_aliases),
        repository_arns: strings(&config.repository_arns),
        secret_arns: strings(&config.secret_arns),
        parameter_arns: strings(&config.parameter_arns),
        bucket_arns: strings(&config.bucket_arns),
        file_system_arns: strings(&config.file_system_arns),
        node_role_arns: strings(&config.node_role_arns),
        assume_role_arns: strings(&config.assume_role_arns),
        interruption_queue_arn: config.interruption_queue_arn.as_ref_option().cloned(),
        auth_method: matches!(config.auth_method, Value::Value(true)),
    }
}

/// The policy document of `controller` for `params`.
pub fn policy_json(controller: &Controller, params: &Params) -> String {
    document((controller.build)(params))
}

/// The default service accounts of `controller`, in `namespace` when given.
pub fn service_accounts(controller: &Controller, namespace: Option<&str>) -> Vec<ServiceAccount> {
    let ns = namespace.unwrap_or(controller.namespace);
    controller
        .service_accounts
        .iter()
        .map(|name| ServiceAccount {
            namespace: Value::Value(ns.to_string()),
            name: Value::Value(name.to_string()),
        })
        .collect()
}

#[async_trait]
impl DataSource for ControllerPolicyDataSource {
    type State<'a> = ControllerPolicyState;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: schema_block(),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        validate_config(diags, &config);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        // `validate` reported the warnings already; only the errors stop the read.
        let mut checks = Diagnostics::default();
        validate_config(&mut checks, &config);
        if !checks.errors.is_empty() {
            diags.errors.extend(checks.errors);
            return None;
        }
        let name = config.controller.as_ref_option()?.clone();
        let controller = catalog::find(&name)?;
        let params = params(&config);
        let mut state = config.clone();
        state.id = Value::Value(name);
        state.json = Value::Value(policy_json(controller, &params));
        state.service_accounts = Value::Value(service_accounts(
            controller,
            config.namespace.as_ref_option().map(String::as_str),
        ));
        Some(state)
    }
}
