//! The IRSA trust policy: built from an OIDC provider ARN, service accounts
//! and an audience (pinning both `:sub` and `:aud`), optionally with the EKS
//! Pod Identity statement (`pods.eks.amazonaws.com` may call `sts:AssumeRole`
//! and `sts:TagSession`), and parsed back for refresh and import. A library
//! file: `platform_irsa_role` and `platform_vault_seal` build their roles'
//! trust policies here, and validate their `service_accounts` the same way.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use tf_provider::value::Value;
use tf_provider::AttributePath;

use crate::framework::plan::known_str;
use crate::framework::policy;
use crate::framework::validate::{self, Validator};

/// The audience of EKS projected service-account tokens: what `:aud` pins
/// unless the configuration says otherwise.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// The service-account annotation that names the role to assume.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The service principal of EKS Pod Identity.
pub const PODS_PRINCIPAL: &str = "pods.eks.amazonaws.com";
/// What EKS Pod Identity calls on the role (EKS User Guide, "pod-id-role").
pub const PODS_ACTIONS: [&str; 2] = ["sts:AssumeRole", "sts:TagSession"];
/// IAM's default quota on a role's trust policy ("Role trust policy length").
pub const TRUST_POLICY_DEFAULT_QUOTA: usize = 2_048;
/// The most that quota can be raised to.
pub const TRUST_POLICY_MAX: usize = 8_192;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceAccount {
    pub namespace: Value<String>,
    pub name: Value<String>,
}

/// A service account as plain strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub namespace: String,
    pub name: String,
}

impl Subject {
    fn sub(&self) -> String {
        format!("system:serviceaccount:{}:{}", self.namespace, self.name)
    }
    fn is_pattern(&self) -> bool {
        self.namespace.contains('*') || self.name.contains('*')
    }
}

/// The trust policy for `subjects`: one statement for exact names
/// (`StringEquals`) and one for wildcard names (`StringLike`), each pinning
/// `:aud`, in the order the first subject of each kind comes. Conditions inside one statement are ANDed, so exact and wildcard
/// subjects cannot share a statement; a role with only one kind has one statement.
pub fn trust_policy(oidc_provider_arn: &str, issuer: &str, subjects: &[Subject], audience: &str) -> String {
    let statements = irsa_statements(oidc_provider_arn, issuer, subjects, audience);
    json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// The trust policy of a role for IRSA (`irsa`: the OIDC provider ARN, its
/// issuer, the subjects and the audience), EKS Pod Identity
/// (`pod_identity`), or both: the IRSA statements of [`trust_policy`], then
/// the one statement of [`pods_statement`].
pub fn combined_trust_policy(irsa: Option<(&str, &str, &[Subject], &str)>, pod_identity: bool) -> String {
    let mut statements = irsa.map_or_else(Vec::new, |(arn, issuer, subjects, audience)| {
        irsa_statements(arn, issuer, subjects, audience)
    });
    if pod_identity {
        statements.push(pods_statement());
    }
    json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// The statement that lets EKS Pod Identity assume the role and tag its
/// session.
pub fn pods_statement() -> Json {
    json!({
        "Effect": "Allow",
        "Principal": { "Service": PODS_PRINCIPAL },
        "Action": PODS_ACTIONS,
    })
}

fn irsa_statements(oidc_provider_arn: &str, issuer: &str, subjects: &[Subject], audience: &str) -> Vec<Json> {
    let one_or_many = |values: Vec<String>| -> Json {
        if values.len() == 1 {
            Json::from(values[0].clone())
        } else {
            Json::from(values)
        }
    };
    let (patterns, exact): (Vec<&Subject>, Vec<&Subject>) = subjects.iter().partition(|s| s.is_pattern());
    let aud_key = format!("{issuer}:aud");
    let sub_key = format!("{issuer}:sub");
    let mut statements = Vec::new();
    // The statements follow the order of the subjects' kinds, so that an
    // import (which reads the subjects back in document order) gives back the
    // order of a configuration that lists one kind before the other.
    let mut groups = [("StringEquals", exact), ("StringLike", patterns)];
    if subjects.first().is_some_and(Subject::is_pattern) {
        groups.reverse();
    }
    for (operator, group) in groups {
        if group.is_empty() {
            continue;
        }
        let subs = one_or_many(group.iter().map(|s| s.sub()).collect());
        let condition = if operator == "StringEquals" {
            json!({ "StringEquals": { aud_key.clone(): audience, sub_key.clone(): subs } })
        } else {
            json!({ "StringEquals": { aud_key.clone(): audience }, "StringLike": { sub_key.clone(): subs } })
        };
        statements.push(json!({
            "Effect": "Allow",
            "Principal": { "Federated": oidc_provider_arn },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }));
    }
    statements
}

/// What a trust policy written by [`trust_policy`] or
/// [`combined_trust_policy`] says, for refresh and import.
#[derive(Debug, Default, PartialEq)]
pub struct ParsedTrust {
    pub oidc_provider_arn: Option<String>,
    pub audience: Option<String>,
    pub subjects: Vec<Subject>,
    /// An `Allow` statement lets `pods.eks.amazonaws.com` call both
    /// `sts:AssumeRole` and `sts:TagSession` (with or without conditions).
    pub pod_identity: bool,
}

pub fn parse_trust_policy(document: &str) -> ParsedTrust {
    let mut parsed = ParsedTrust::default();
    let Ok(doc) = policy::parse(document) else {
        return parsed;
    };
    let statements = match &doc["Statement"] {
        Json::Array(items) => items.clone(),
        Json::Null => vec![],
        other => vec![other.clone()],
    };
    let strings = |v: &Json| -> Vec<String> {
        match v {
            Json::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
            Json::String(s) => vec![s.clone()],
            _ => vec![],
        }
    };
    let mut pods_actions = std::collections::BTreeSet::new();
    for statement in &statements {
        let allow = statement["Effect"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case("Allow"));
        if allow
            && strings(&statement["Principal"]["Service"])
                .iter()
                .any(|s| s == PODS_PRINCIPAL)
        {
            pods_actions.extend(
                strings(&statement["Action"])
                    .into_iter()
                    .map(|a| a.to_ascii_lowercase()),
            );
        }
    }
    parsed.pod_identity = pods_actions.contains("sts:*")
        || pods_actions.contains("*")
        || PODS_ACTIONS
            .iter()
            .all(|a| pods_actions.contains(&a.to_ascii_lowercase()));
    for statement in statements {
        let Some(federated) = strings(&statement["Principal"]["Federated"]).into_iter().next() else {
            continue;
        };
        let Ok(issuer) = validate::oidc_provider_arn(&federated) else {
            continue;
        };
        let issuer = issuer.to_string();
        parsed.oidc_provider_arn.get_or_insert(federated.clone());
        if let Json::Object(conditions) = &statement["Condition"] {
            for (operator, keys) in conditions {
                let Json::Object(keys) = keys else { continue };
                for (key, values) in keys {
                    if key.eq_ignore_ascii_case(&format!("{issuer}:aud")) {
                        if let Some(aud) = strings(values).into_iter().next() {
                            parsed.audience.get_or_insert(aud);
                        }
                    } else if key.eq_ignore_ascii_case(&format!("{issuer}:sub"))
                        && (operator == "StringEquals" || operator == "StringLike")
                    {
                        for sub in strings(values) {
                            let mut parts = sub.splitn(4, ':');
                            if let (Some("system"), Some("serviceaccount"), Some(ns), Some(name)) =
                                (parts.next(), parts.next(), parts.next(), parts.next())
                            {
                                parsed.subjects.push(Subject {
                                    namespace: ns.into(),
                                    name: name.into(),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    parsed
}

/// The trust policy for these inputs, once they are all known. Shared with
/// every resource that builds an IRSA role (`platform_vault_seal`).
pub fn desired_trust(
    oidc_provider_arn: &Value<String>,
    service_accounts: &Value<Vec<ServiceAccount>>,
    audience: &Value<String>,
) -> Option<String> {
    let arn = known_str(oidc_provider_arn)?;
    let issuer = validate::oidc_provider_arn(arn).ok()?;
    let subjects = service_accounts
        .as_ref_option()?
        .iter()
        .map(|sa| {
            Some(Subject {
                namespace: known_str(&sa.namespace)?.to_string(),
                name: known_str(&sa.name)?.to_string(),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(trust_policy(
        arn,
        issuer,
        &subjects,
        known_str(audience).unwrap_or(DEFAULT_AUDIENCE),
    ))
}

/// The trust policy of a role that serves IRSA (when `oidc_provider_arn`
/// and `service_accounts` are set), EKS Pod Identity (`pod_identity`), or
/// both, once the inputs are known. `None` while anything it needs is
/// unknown, or when neither is configured (a plan-time error).
pub fn desired_combined_trust(
    oidc_provider_arn: &Value<String>,
    service_accounts: &Value<Vec<ServiceAccount>>,
    audience: &Value<String>,
    pod_identity: &Value<bool>,
) -> Option<String> {
    let pods = match pod_identity {
        Value::Unknown => return None,
        Value::Value(p) => *p,
        Value::Null => false,
    };
    let irsa = if oidc_provider_arn.is_null() && service_accounts.is_null() {
        None
    } else {
        let arn = known_str(oidc_provider_arn)?;
        let issuer = validate::oidc_provider_arn(arn).ok()?;
        let subjects = service_accounts
            .as_ref_option()?
            .iter()
            .map(|sa| {
                Some(Subject {
                    namespace: known_str(&sa.namespace)?.to_string(),
                    name: known_str(&sa.name)?.to_string(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some((arn, issuer, subjects))
    };
    if irsa.is_none() && !pods {
        return None;
    }
    let audience = known_str(audience).unwrap_or(DEFAULT_AUDIENCE);
    Some(combined_trust_policy(
        irsa.as_ref()
            .map(|(arn, issuer, subjects)| (*arn, *issuer, subjects.as_slice(), audience)),
        pods,
    ))
}

/// Checks `service_accounts`: at least one, namespaces DNS-1123 labels and
/// names DNS-1123 subdomains. `*` is allowed in names, and in namespaces when
/// `wildcard_namespaces` is set.
pub fn validate_service_accounts(v: &mut Validator, accounts: &Value<Vec<ServiceAccount>>, wildcard_namespaces: bool) {
    let Value::Value(accounts) = accounts else { return };
    let path = AttributePath::new("service_accounts");
    if accounts.is_empty() {
        v.error(
            &path,
            "must list at least one `{ namespace, name }`: a role no service account may assume is useless",
        );
    }
    let mut seen = std::collections::BTreeMap::new();
    for (i, sa) in accounts.iter().enumerate() {
        let item = path.clone().index(i as i64);
        // A null part would make the trust policy unknown until apply: say so now.
        for (field, value) in [("namespace", &sa.namespace), ("name", &sa.name)] {
            if value.is_null() {
                v.error(&item.clone().attribute(field), "must be set (it is null)");
            }
        }
        if let (Value::Value(ns), Value::Value(name)) = (&sa.namespace, &sa.name) {
            if let Some(first) = seen.insert((ns.clone(), name.clone()), i) {
                v.error(
                    &item,
                    format!("`{{ namespace = {ns:?}, name = {name:?} }}` is listed twice (also at index {first})"),
                );
            }
            if ns.chars().all(|c| c == '*') && name.chars().all(|c| c == '*') {
                v.warning(
                    &item,
                    "every service account in the cluster may assume this role",
                    format!(
                        "`{{ namespace = {ns:?}, name = {name:?} }}` matches `system:serviceaccount:*:*`: any pod in any namespace \
                         can take this role's rights. Name the namespace and the service account if that is not intended."
                    ),
                );
            }
        }
        v.check(
            &item.clone().attribute("namespace"),
            sa.namespace.as_ref_option(),
            |s: &String| {
                if wildcard_namespaces {
                    validate::dns1123_label_pattern(s)
                } else {
                    validate::dns1123_label(s)
                }
            },
        );
        v.check(&item.attribute("name"), sa.name.as_ref_option(), |s: &String| {
            validate::dns1123_subdomain_pattern(s)
        });
    }
}

/// Checks the size of the trust policy built from `service_accounts`: past
/// IAM's default quota a warning that names the quota to raise, past the most
/// it can be raised to an error.
pub fn validate_trust_size(v: &mut Validator, trust: Option<&str>) {
    let Some(trust) = trust else { return };
    let size = policy::iam_size(trust);
    let path = AttributePath::new("service_accounts");
    if size > TRUST_POLICY_MAX {
        v.error(
            &path,
            format!(
                "the trust policy built from these service accounts is {size} characters; IAM allows at most 8,192 \
                 even with a raised quota: use wildcards (`name = \"app-*\"`) or split the accounts over several roles"
            ),
        );
    } else if size > TRUST_POLICY_DEFAULT_QUOTA {
        v.warning(
            &path,
            format!("the trust policy built from these service accounts is {size} characters, over IAM's default quota of 2,048"),
            format!(
                "IAM refuses a trust policy longer than the account's \"Role trust policy length\" quota, 2,048 characters by default. \
                 Raise that quota in Service Quotas (IAM, \"Role trust policy length\", up to 8,192) before applying, \
                 or use fewer service accounts or wildcards. The policy is {size} characters, white space not counted."
            ),
        );
    }
}

/// The service accounts a parsed trust policy names, as state.
pub fn flatten_service_accounts(subjects: Vec<Subject>) -> Vec<ServiceAccount> {
    subjects
        .into_iter()
        .map(|s| ServiceAccount {
            namespace: Value::Value(s.namespace),
            name: Value::Value(s.name),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";
    const ISSUER: &str = "oidc.eks.us-east-1.amazonaws.com/id/ABC";

    fn subject(ns: &str, name: &str) -> Subject {
        Subject {
            namespace: ns.into(),
            name: name.into(),
        }
    }

    #[test]
    fn exact_subjects_share_one_statement_pinning_aud_and_sub() {
        let doc: Json = serde_json::from_str(&trust_policy(
            ARN,
            ISSUER,
            &[subject("kube-system", "ebs-csi"), subject("a", "b")],
            "sts.amazonaws.com",
        ))
        .unwrap();
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        let cond = &statements[0]["Condition"]["StringEquals"];
        assert_eq!(cond[format!("{ISSUER}:aud")], "sts.amazonaws.com");
        assert_eq!(
            cond[format!("{ISSUER}:sub")],
            json!(["system:serviceaccount:kube-system:ebs-csi", "system:serviceaccount:a:b"])
        );
        assert_eq!(statements[0]["Principal"]["Federated"], ARN);
        assert!(statements[0]["Condition"].get("StringLike").is_none());
    }

    #[test]
    fn wildcards_get_their_own_statement() {
        let doc: Json = serde_json::from_str(&trust_policy(
            ARN,
            ISSUER,
            &[subject("a", "b"), subject("team-*", "runner-*")],
            "sts.amazonaws.com",
        ))
        .unwrap();
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        let like = &statements[1]["Condition"];
        assert_eq!(
            like["StringLike"][format!("{ISSUER}:sub")],
            "system:serviceaccount:team-*:runner-*"
        );
        assert_eq!(like["StringEquals"][format!("{ISSUER}:aud")], "sts.amazonaws.com");
        let only_patterns: Json =
            serde_json::from_str(&trust_policy(ARN, ISSUER, &[subject("x", "*")], "aud")).unwrap();
        assert_eq!(only_patterns["Statement"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn trust_policy_round_trips_through_parse() {
        let subjects = vec![subject("a", "b"), subject("team-*", "x")];
        let parsed = parse_trust_policy(&trust_policy(ARN, ISSUER, &subjects, "custom"));
        assert_eq!(parsed.oidc_provider_arn.as_deref(), Some(ARN));
        assert_eq!(parsed.audience.as_deref(), Some("custom"));
        assert_eq!(parsed.subjects, subjects);
        assert_eq!(parse_trust_policy("not json"), ParsedTrust::default());
    }

    #[test]
    fn pod_identity_statement_alone_or_beside_irsa_round_trips() {
        let both = combined_trust_policy(Some((ARN, ISSUER, &[subject("a", "b")], "aud")), true);
        let doc: Json = serde_json::from_str(&both).unwrap();
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[1]["Principal"]["Service"], PODS_PRINCIPAL);
        assert_eq!(statements[1]["Action"], json!(["sts:AssumeRole", "sts:TagSession"]));
        let parsed = parse_trust_policy(&both);
        assert!(parsed.pod_identity);
        assert_eq!(parsed.subjects, vec![subject("a", "b")]);
        assert_eq!(parsed.oidc_provider_arn.as_deref(), Some(ARN));
        // Without IRSA: one statement, nothing of IRSA read back.
        let pods_only = parse_trust_policy(&combined_trust_policy(None, true));
        assert!(pods_only.pod_identity && pods_only.oidc_provider_arn.is_none() && pods_only.subjects.is_empty());
        // IRSA only, as before.
        assert_eq!(
            combined_trust_policy(Some((ARN, ISSUER, &[subject("a", "b")], "aud")), false),
            trust_policy(ARN, ISSUER, &[subject("a", "b")], "aud")
        );
        assert!(!parse_trust_policy(&trust_policy(ARN, ISSUER, &[subject("a", "b")], "aud")).pod_identity);
        // AssumeRole alone is not enough for EKS Pod Identity.
        let assume_only = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
        assert!(!parse_trust_policy(assume_only).pod_identity);
        let deny =
            r#"{"Statement":{"Effect":"Deny","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:*"}}"#;
        assert!(!parse_trust_policy(deny).pod_identity);
    }

    #[test]
    fn desired_combined_trust_needs_one_kind_and_known_inputs() {
        let t = |s: &str| Value::Value(s.to_string());
        let sas = Value::Value(vec![ServiceAccount {
            namespace: t("a"),
            name: t("b"),
        }]);
        assert!(desired_combined_trust(&Value::Null, &Value::Null, &Value::Null, &Value::Value(false)).is_none());
        let pods = desired_combined_trust(&Value::Null, &Value::Null, &Value::Null, &Value::Value(true)).unwrap();
        assert!(parse_trust_policy(&pods).pod_identity);
        assert!(desired_combined_trust(&t(ARN), &sas, &Value::Null, &Value::Unknown).is_none());
        assert!(desired_combined_trust(&Value::Unknown, &sas, &Value::Null, &Value::Value(true)).is_none());
        let irsa = desired_combined_trust(&t(ARN), &sas, &Value::Null, &Value::Value(false)).unwrap();
        assert_eq!(irsa, desired_trust(&t(ARN), &sas, &Value::Null).unwrap());
    }

    #[test]
    fn import_reads_back_the_configured_order_of_kinds() {
        // Wildcards first in the configuration: their statement comes first,
        // so an import lists them first too.
        let subjects = vec![subject("team-*", "x"), subject("a", "b"), subject("c", "d")];
        let doc = trust_policy(ARN, ISSUER, &subjects, "aud");
        assert_eq!(parse_trust_policy(&doc).subjects, subjects);
        let exact_first = vec![subject("a", "b"), subject("team-*", "x")];
        assert_eq!(
            parse_trust_policy(&trust_policy(ARN, ISSUER, &exact_first, "aud")).subjects,
            exact_first
        );
        // Either order is the same policy.
        let swapped = trust_policy(
            ARN,
            ISSUER,
            &[subject("a", "b"), subject("c", "d"), subject("team-*", "x")],
            "aud",
        );
        assert!(policy::equivalent(&doc, &swapped));
    }
}
