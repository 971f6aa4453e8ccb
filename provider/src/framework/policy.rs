//! IAM / KMS policy documents: semantic equivalence and IAM's URL-encoding.
//!
//! Two documents are *equivalent* when IAM would evaluate them the same way
//! for the differences users trip over:
//! - statement order, and duplicate statements;
//! - `"x"` versus `["x"]`, and the order of values inside a list;
//! - whitespace and key order (the JSON is parsed, not compared as text);
//! - the case of `Effect` and of action names (IAM matches actions case-insensitively);
//! - an account id versus `arn:<partition>:iam::<id>:root` in an `AWS` principal;
//! - `"Principal": "*"` versus `"Principal": {"AWS": "*"}`;
//! - condition values written as booleans or numbers versus strings;
//! - an empty `Sid` versus no `Sid`.
//!
//! Anything else, including a missing versus an explicit `Version`, counts as a
//! difference.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// Why a document could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("invalid JSON at line {line}, column {column}: {source}")]
    /// Not JSON.
    Json {
        /// Where the syntax error is: line, from 1.
        line: usize,
        /// And column, from 1.
        column: usize,
        /// serde_json's error.
        #[source]
        source: serde_json::Error,
    },
    #[error("a policy document must be a JSON object")]
    /// JSON, but not an object.
    NotAnObject,
}

/// Parses a document, reporting the line and column of a syntax error.
pub fn parse(text: &str) -> Result<Value, PolicyError> {
    let value: Value = serde_json::from_str(text).map_err(|source| PolicyError::Json {
        line: source.line(),
        column: source.column(),
        source,
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(PolicyError::NotAnObject)
    }
}

/// What a policy document is attached to: IAM's grammar differs per kind
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// An identity policy (inline or managed): no `Principal`, a `Resource`.
    Identity,
    /// A role's trust policy: a `Principal`, no `Resource`.
    Trust,
    /// A resource policy such as a KMS key policy: a `Principal` and a `Resource`.
    Resource,
}

/// The `Version` values IAM accepts.
pub const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];

const TOP_LEVEL: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// The size IAM counts against its policy quotas: characters, white space not counted.
pub fn iam_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// IAM's grammar for a parsed document: what IAM would refuse with
/// `MalformedPolicyDocument`, each message naming the statement index.
pub fn grammar_errors(text: &str, doc: &Value, kind: PolicyKind) -> Vec<String> {
    let mut errors = Vec::new();
    // Policy documents may hold only tab, LF, CR and U+0020 to U+00FF.
    if let Some((line, c)) = text.lines().enumerate().find_map(|(i, l)| {
        l.chars()
            .find(|c| !(*c == '\t' || *c == '\r' || ('\u{20}'..='\u{ff}').contains(c)))
            .map(|c| (i + 1, c))
    }) {
        errors.push(format!(
            "policy documents may contain only tab, line feed, carriage return and the characters U+0020 to U+00FF, got U+{:04X} at line {line}",
            c as u32
        ));
    }
    let Value::Object(obj) = doc else {
        return vec!["a policy document must be a JSON object".into()];
    };
    for key in obj.keys().filter(|k| !TOP_LEVEL.contains(&k.as_str())) {
        errors.push(format!(
            "unknown element {key:?}: a policy has only \"Version\", \"Id\" and \"Statement\""
        ));
    }
    if let Some(version) = obj.get("Version") {
        if !version.as_str().is_some_and(|v| VERSIONS.contains(&v)) {
            errors.push(format!(
                "\"Version\" must be \"2012-10-17\" (or the older \"2008-10-17\"), got {version}"
            ));
        }
    }
    let statements: Vec<(String, &Value)> = match obj.get("Statement") {
        None => {
            errors.push("must have a \"Statement\": a policy without statements grants nothing".into());
            vec![]
        }
        Some(Value::Array(items)) if items.is_empty() => {
            errors.push(
                "\"Statement\" must not be an empty list: a policy without statements grants nothing, and IAM refuses it"
                    .into(),
            );
            vec![]
        }
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("Statement[{i}]"), s))
            .collect(),
        Some(single) => vec![("Statement".to_string(), single)],
    };
    // Where each `Sid` was first seen, for IAM's uniqueness rule.
    let mut sids: BTreeMap<&str, String> = BTreeMap::new();
    let iam_kind = matches!(kind, PolicyKind::Identity | PolicyKind::Trust);
    for (at, statement) in statements {
        let Value::Object(st) = statement else {
            errors.push(format!("{at}: must be a JSON object"));
            continue;
        };
        for key in st.keys().filter(|k| !STATEMENT_ELEMENTS.contains(&k.as_str())) {
            errors.push(format!(
                "{at}: unknown element {key:?}: a statement has only {}",
                STATEMENT_ELEMENTS
                    .iter()
                    .map(|e| format!("{e:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        match st.get("Effect").and_then(Value::as_str) {
            Some("Allow" | "Deny") => {}
            Some(e) if e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny") => errors.push(format!(
                "{at}: \"Effect\" must be \"Allow\" or \"Deny\", got {e:?}: the value is case-sensitive"
            )),
            Some(e) => errors.push(format!("{at}: \"Effect\" must be \"Allow\" or \"Deny\", got {e:?}")),
            None => errors.push(format!(
                "{at}: \"Effect\" must be \"Allow\" or \"Deny\", and it is missing"
            )),
        }
        let exactly_one = |a: &str, b: &str| -> Option<String> {
            match (st.contains_key(a), st.contains_key(b)) {
                (true, false) | (false, true) => None,
                (true, true) => Some(format!("{at}: must have exactly one of {a:?} and {b:?}, not both")),
                (false, false) => Some(format!(
                    "{at}: must have exactly one of {a:?} and {b:?}, and has neither"
                )),
            }
        };
        errors.extend(exactly_one("Action", "NotAction"));
        let has_principal = st.contains_key("Principal") || st.contains_key("NotPrincipal");
        let has_resource = st.contains_key("Resource") || st.contains_key("NotResource");
        match kind {
            PolicyKind::Identity => {
                errors.extend(exactly_one("Resource", "NotResource"));
                if has_principal {
                    errors.push(format!(
                        "{at}: an identity policy must not have \"Principal\" or \"NotPrincipal\": the role it is attached to is the principal"
                    ));
                }
            }
            PolicyKind::Trust => {
                errors.extend(exactly_one("Principal", "NotPrincipal"));
                if has_resource {
                    errors.push(format!(
                        "{at}: a trust policy must not have \"Resource\" or \"NotResource\": the role is the resource"
                    ));
                }
            }
            PolicyKind::Resource => {
                errors.extend(exactly_one("Principal", "NotPrincipal"));
                errors.extend(exactly_one("Resource", "NotResource"));
            }
        }
        for element in ["Action", "NotAction", "Resource", "NotResource"] {
            if let Some(value) = st.get(element) {
                let ok = match value {
                    Value::String(s) => !s.is_empty(),
                    Value::Array(items) => {
                        !items.is_empty() && items.iter().all(|i| i.as_str().is_some_and(|s| !s.is_empty()))
                    }
                    _ => false,
                };
                if !ok {
                    errors.push(format!(
                        "{at}: {element:?} must be a non-empty string or a non-empty list of strings, got {value}"
                    ));
                    continue;
                }
                let items: Vec<&str> = match value {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                for item in items {
                    let rule = if element.ends_with("Action") {
                        action_error(item)
                    } else {
                        resource_error(item)
                    };
                    if let Some(rule) = rule {
                        errors.push(format!("{at}: {element:?} {rule}"));
                    }
                }
            }
        }
        match st.get("Sid") {
            None => {}
            Some(Value::String(sid)) => {
                if iam_kind && !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
                    errors.push(format!(
                        "{at}: \"Sid\" may contain only the ASCII letters A-Z and a-z and the digits 0-9 in an IAM policy, got {sid:?}"
                    ));
                }
                // IAM ignores an empty Sid; any other must be unique.
                if !sid.is_empty() {
                    if let Some(first) = sids.get(sid.as_str()) {
                        errors.push(format!(
                            "{at}: \"Sid\" {sid:?} is already used by {first}: statement IDs must be unique within a policy"
                        ));
                    } else {
                        sids.insert(sid.as_str(), at.clone());
                    }
                }
            }
            Some(sid) => errors.push(format!("{at}: \"Sid\" must be a string, got {sid}")),
        }
        if let Some(condition) = st.get("Condition") {
            let ok = condition
                .as_object()
                .is_some_and(|ops| ops.values().all(Value::is_object));
            if !ok {
                errors.push(format!(
                    "{at}: \"Condition\" must map operators to {{ key: values }} objects, e.g. {{\"StringEquals\": {{\"aws:PrincipalTag/team\": \"platform\"}}}}"
                ));
            }
        }
    }
    errors
}

/// Splits on the colons that are not inside a policy variable (`${aws:username}`).
fn split_outside_variables(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'{' if i > 0 && bytes[i - 1] == b'$' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// IAM's rule for one `Action` / `NotAction` value: `*`, or `<service>:<action>`
/// with exactly one colon, the service prefix from letters, digits, `-` and `.`
/// (or `*`), and a non-empty action name in which `*` and `?` are wildcards
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>).
fn action_error(action: &str) -> Option<String> {
    if action == "*" {
        return None;
    }
    let Some((service, name)) = action.split_once(':') else {
        return Some(format!(
            "values must be \"*\" or prefixed by a service, as in \"s3:GetObject\", got {action:?}"
        ));
    };
    if name.contains(':') {
        return Some(format!(
            "values may contain only one colon, between the service prefix and the action name, got {action:?}"
        ));
    }
    let service_ok = service == "*"
        || (!service.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
    if !service_ok {
        return Some(format!(
            "values must start with a service prefix of letters, digits, '-' and '.' (such as \"s3\"), got {action:?}"
        ));
    }
    if name.is_empty() {
        return Some(format!(
            "values must name an action after the colon (or \"*\" for all of the service's actions), got {action:?}"
        ));
    }
    None
}

/// IAM's rule for one `Resource` / `NotResource` value: `*`, or an ARN
/// `arn:<partition>:<service>:…` whose partition exists (or is `*`) and whose
/// service has no wildcard; wildcards and policy variables such as
/// `${aws:username}` may appear in the other segments
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>).
fn resource_error(resource: &str) -> Option<String> {
    if resource == "*" {
        return None;
    }
    let parts = split_outside_variables(resource);
    if parts.len() < 4 || parts[0] != "arn" {
        return Some(format!(
            "values must be \"*\" or an ARN, arn:<partition>:<service>:<region>:<account>:<resource>, got {resource:?}"
        ));
    }
    let partition = parts[1];
    if !(partition == "*" || partition.contains("${") || crate::framework::validate::PARTITIONS.contains(&partition)) {
        return Some(format!(
            "values must name an existing partition ({}), got {partition:?} in {resource:?}",
            crate::framework::validate::PARTITIONS.join(", ")
        ));
    }
    let service = parts[2];
    if service.is_empty() || service.contains(['*', '?']) {
        return Some(format!(
            "values must name the service in full, without wildcards, as in arn:aws:s3:::bucket, got {resource:?}"
        ));
    }
    None
}

/// Undoes the URL-encoding IAM applies to policy documents it returns
/// (`GetRole`'s `AssumeRolePolicyDocument`, `GetRolePolicy`'s `PolicyDocument`).
///
/// A document that is not encoded is returned unchanged, so this is safe to
/// call on any document, including ones from emulators that do not encode.
pub fn decode_iam_document(text: &str) -> String {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return text.to_string();
    }
    // IAM encodes per RFC 3986 (`%20` for a space, `%2B` for a plus), so only
    // percent escapes are decoded; a `+` is left alone.
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// True when both documents parse and are semantically equivalent.
/// A document that does not parse is equivalent to nothing but its own text.
pub fn equivalent(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (parse(&decode_iam_document(a)), parse(&decode_iam_document(b))) {
        (Ok(a), Ok(b)) => normalize(&a) == normalize(&b),
        _ => false,
    }
}

/// What `read` stores for a policy attribute: the text already in state (the
/// user's formatting) when the remote document is equivalent to it, otherwise
/// the remote document, decoded.
pub fn refreshed_policy(prior: Option<&str>, remote: &str) -> String {
    match prior {
        Some(prior) if equivalent(prior, remote) => prior.to_string(),
        _ => decode_iam_document(remote),
    }
}

/// A canonical form of a policy document: equal canonical forms mean
/// equivalent documents.
pub fn normalize(doc: &Value) -> Value {
    let Value::Object(obj) = doc else {
        return doc.clone();
    };
    let mut out = Map::new();
    for (key, value) in obj {
        if key == "Statement" {
            let mut statements: Vec<Value> = match value {
                Value::Array(items) => items.iter().map(normalize_statement).collect(),
                other => vec![normalize_statement(other)],
            };
            statements.sort_by_key(|s| s.to_string());
            statements.dedup();
            out.insert(key.clone(), Value::Array(statements));
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

fn normalize_statement(statement: &Value) -> Value {
    let Value::Object(obj) = statement else {
        return statement.clone();
    };
    let mut out = Map::new();
    for (key, value) in obj {
        let normalized = match key.as_str() {
            "Sid" if value.as_str() == Some("") => continue,
            "Effect" => match value.as_str() {
                Some(effect) if effect.eq_ignore_ascii_case("allow") => Value::from("Allow"),
                Some(effect) if effect.eq_ignore_ascii_case("deny") => Value::from("Deny"),
                _ => value.clone(),
            },
            "Action" | "NotAction" => string_set(value, |s| s.to_ascii_lowercase()),
            "Resource" | "NotResource" => string_set(value, str::to_string),
            "Principal" | "NotPrincipal" => normalize_principal(value),
            "Condition" => normalize_condition(value),
            _ => value.clone(),
        };
        out.insert(key.clone(), normalized);
    }
    Value::Object(out)
}

/// A string or list of strings as a sorted, de-duplicated list.
fn string_set(value: &Value, map: impl Fn(&str) -> String) -> Value {
    let mut items: Vec<String> = match value {
        Value::Array(items) => items.iter().map(|v| map(&scalar_text(v))).collect(),
        other => vec![map(&scalar_text(other))],
    };
    items.sort();
    items.dedup();
    Value::Array(items.into_iter().map(Value::from).collect())
}

/// Condition values may be written as `true`, `"true"`, `5` or `"5"`.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn normalize_principal(value: &Value) -> Value {
    match value {
        Value::String(s) if s == "*" => {
            let mut out = Map::new();
            out.insert("AWS".into(), Value::Array(vec![Value::from("*")]));
            Value::Object(out)
        }
        Value::Object(obj) => {
            let mut out = Map::new();
            for (kind, ids) in obj {
                let normalized = if kind == "AWS" {
                    string_set(ids, aws_principal)
                } else {
                    string_set(ids, str::to_string)
                };
                out.insert(kind.clone(), normalized);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// `arn:aws:iam::123456789012:root` and `123456789012` name the same principal.
fn aws_principal(id: &str) -> String {
    let parts: Vec<&str> = id.split(':').collect();
    if parts.len() == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5] == "root" && is_account_id(parts[4]) {
        parts[4].to_string()
    } else {
        id.to_string()
    }
}

/// A 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn normalize_condition(value: &Value) -> Value {
    let Value::Object(operators) = value else {
        return value.clone();
    };
    let mut out = Map::new();
    for (operator, keys) in operators {
        let normalized = match keys {
            Value::Object(keys) => {
                // Condition keys are case-insensitive in IAM.
                let mut sorted: BTreeMap<String, Value> = BTreeMap::new();
                for (key, values) in keys {
                    sorted.insert(key.to_ascii_lowercase(), string_set(values, str::to_string));
                }
                Value::Object(sorted.into_iter().collect())
            }
            other => other.clone(),
        };
        out.insert(operator.clone(), normalized);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(a: &str, b: &str) -> bool {
        equivalent(a, b)
    }

    #[test]
    fn statement_order_does_not_matter() {
        let a = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
            {"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}"#;
        let b = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Deny","Action":"s3:PutObject","Resource":"*"},
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        assert!(eq(a, b));
    }

    #[test]
    fn string_and_one_element_list_are_the_same() {
        // terraform-provider-aws #11801: ["x"] vs "x" gave a perpetual diff.
        let a =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole"],"Resource":["*"]}]}"#;
        let b = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}"#;
        assert!(eq(a, b));
    }

    #[test]
    fn list_order_inside_action_and_conditions_does_not_matter() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["a:B","c:D"],"Resource":"*",
            "Condition":{"StringEquals":{"k":["1","2"]}}}]}"#;
        let b = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["c:D","a:B"],"Resource":"*",
            "Condition":{"StringEquals":{"k":["2","1"]}}}]}"#;
        assert!(eq(a, b));
    }

    #[test]
    fn effect_case_does_not_matter() {
        // terraform-provider-aws #22314: "allow" came back as "Allow".
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}"#;
        let b = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        assert!(eq(a, b));
    }

    #[test]
    fn account_id_equals_root_arn() {
        // terraform-provider-aws #21968: IAM rewrote "123456789012" to the :root ARN.
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"kms:*","Resource":"*"}]}"#;
        let b = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":"kms:*","Resource":"*"}]}"#;
        assert!(eq(a, b));
        let other = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/x"},"Action":"kms:*","Resource":"*"}]}"#;
        assert!(!eq(a, other));
    }

    #[test]
    fn url_encoded_document_from_iam() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-east-1.amazonaws.com/id/ABC:sub":"system:serviceaccount:kube-system:a b"}}}]}"#;
        let encoded: String =
            percent_encoding::utf8_percent_encode(plain, percent_encoding::NON_ALPHANUMERIC).to_string();
        assert_ne!(plain, encoded);
        assert_eq!(decode_iam_document(&encoded), plain);
        assert!(eq(plain, &encoded));
        // RFC 3986: a plus sign arrives as %2B and must come back as `+`.
        assert_eq!(decode_iam_document("%7B%22a%22%3A%22x%2By%22%7D"), r#"{"a":"x+y"}"#);
        // A literal `+` in an unencoded document is kept.
        let with_plus = r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"x+y"}]}"#;
        assert_eq!(decode_iam_document(with_plus), with_plus);
    }

    #[test]
    fn whitespace_and_key_order_do_not_matter() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let b = "{\n  \"Statement\": [\n    {\n      \"Resource\": \"*\",\n      \"Action\": \"s3:*\",\n      \"Effect\": \"Allow\"\n    }\n  ],\n  \"Version\": \"2012-10-17\"\n}\n";
        assert!(eq(a, b));
    }

    #[test]
    fn boolean_condition_values_match_strings() {
        let a = r#"{"Statement":[{"Effect":"Allow","Action":"kms:CreateGrant","Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":true}}}]}"#;
        let b = r#"{"Statement":[{"Effect":"Allow","Action":"kms:CreateGrant","Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]}"#;
        assert!(eq(a, b));
    }

    #[test]
    fn wildcard_principal_forms() {
        let a = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#;
        let b = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"}]}"#;
        assert!(eq(a, b));
    }

    #[test]
    fn real_differences_are_detected() {
        let base =
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        for other in [
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"a":"b"}}}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":"s3:List*","Resource":"*"}]}"#,
        ] {
            assert!(!eq(base, other), "{other} should differ");
        }
    }

    #[test]
    fn invalid_json_reports_line_and_column() {
        let err = parse("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n}").unwrap_err();
        match err {
            PolicyError::Json { line, column, .. } => {
                assert_eq!(line, 4);
                assert_eq!(column, 1);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(parse("[1]"), Err(PolicyError::NotAnObject)));
        assert!(!eq("{", "{ "));
    }

    #[test]
    fn refreshed_policy_prefers_the_users_text() {
        let user = "{ \"Statement\": [ { \"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\" } ] }";
        let remote = r#"{"Statement":[{"Action":["s3:*"],"Effect":"Allow","Resource":"*"}]}"#;
        assert_eq!(refreshed_policy(Some(user), remote), user);
        let changed = r#"{"Statement":[{"Action":["s3:Get*"],"Effect":"Allow","Resource":"*"}]}"#;
        assert_eq!(refreshed_policy(Some(user), changed), changed);
        assert_eq!(refreshed_policy(None, remote), remote);
    }

    fn grammar(text: &str, kind: PolicyKind) -> Vec<String> {
        grammar_errors(text, &parse(text).unwrap(), kind)
    }

    #[test]
    fn grammar_of_identity_policies() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        assert!(grammar(ok, PolicyKind::Identity).is_empty());
        let single = r#"{"Statement":{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::x"}}"#;
        assert!(grammar(single, PolicyKind::Identity).is_empty());
        // Wildcards, policy variables, an empty Sid twice, the ARN forms IAM takes.
        let wide = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"","Effect":"Allow","Action":["*","s3:Get*","ec2:Describe?nstances","*:List*"],
             "Resource":["*","arn:aws:s3:::home/${aws:username}/*","arn:*:sqs:*","arn:aws-cn:iam::123456789012:role/x"]},
            {"Sid":"","Effect":"Deny","Action":"iam:*","Resource":"arn:${aws:partition}:iam::*:user/x"},
            {"Sid":"Read1","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b"}]}"#;
        assert!(
            grammar(wide, PolicyKind::Identity).is_empty(),
            "{:?}",
            grammar(wide, PolicyKind::Identity)
        );
        for (doc, expected) in [
            (r#"{"Version":"2012-10-17"}"#, "must have a \"Statement\""),
            (
                r#"{"Version":"2012-10-18","Statement":[]}"#,
                "\"Version\" must be \"2012-10-17\"",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"},{"Effect":"Maybe","Action":"a:b","Resource":"*"}]}"#,
                "Statement[1]: \"Effect\" must be \"Allow\" or \"Deny\", got \"Maybe\"",
            ),
            (
                r#"{"Statement":[{"Action":"a:b","Resource":"*"}]}"#,
                "Statement[0]: \"Effect\" must be",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","NotAction":"c:d","Resource":"*"}]}"#,
                "Statement[0]: must have exactly one of \"Action\" and \"NotAction\", not both",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                "exactly one of \"Action\" and \"NotAction\", and has neither",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b"}]}"#,
                "exactly one of \"Resource\" and \"NotResource\"",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Principal":"*"}]}"#,
                "must not have \"Principal\"",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#,
                "\"Action\" must be a non-empty",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Extra":1}]}"#,
                "unknown element \"Extra\"",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":"x"}}]}"#,
                "\"Condition\" must map",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"ü✓"}]}"#,
                "U+2713 at line 1",
            ),
            (r#"{"Statement":[],"Foo":1}"#, "unknown element \"Foo\""),
            (r#"{"Statement":[]}"#, "\"Statement\" must not be an empty list"),
            (
                r#"{"Statement":[{"Effect":"allow","Action":"a:b","Resource":"*"}]}"#,
                "Statement[0]: \"Effect\" must be \"Allow\" or \"Deny\", got \"allow\": the value is case-sensitive",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","GetObject"],"Resource":"*"}]}"#,
                "Statement[0]: \"Action\" values must be \"*\" or prefixed by a service",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:Get:Object","Resource":"*"}]}"#,
                "Statement[0]: \"NotAction\" values may contain only one colon",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s 3:Get","Resource":"*"}]}"#,
                "values must start with a service prefix",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:","Resource":"*"}]}"#,
                "values must name an action after the colon",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"mybucket"}]}"#,
                "Statement[0]: \"Resource\" values must be \"*\" or an ARN",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","NotResource":["*","arn:aws:s3"]}]}"#,
                "Statement[0]: \"NotResource\" values must be \"*\" or an ARN",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws-:s3:::b"}]}"#,
                "values must name an existing partition",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s*:::b"}]}"#,
                "values must name the service in full",
            ),
            (
                r#"{"Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
                "Statement[1]: \"Sid\" \"A\" is already used by Statement[0]: statement IDs must be unique within a policy",
            ),
            (
                r#"{"Statement":[{"Sid":"read all","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
                "Statement[0]: \"Sid\" may contain only the ASCII letters",
            ),
        ] {
            let errors = grammar(doc, PolicyKind::Identity);
            assert!(errors.iter().any(|e| e.contains(expected)), "{doc}: {errors:?}");
        }
    }

    #[test]
    fn grammar_of_trust_and_key_policies() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/x"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#;
        assert!(grammar(trust, PolicyKind::Trust).is_empty());
        assert!(!grammar(trust, PolicyKind::Identity).is_empty());
        let with_resource =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}"#;
        assert!(grammar(with_resource, PolicyKind::Trust)[0].contains("must not have \"Resource\""));
        assert!(grammar(with_resource, PolicyKind::Resource).is_empty());
        // Key policies (KMS) may use spaces in a Sid, as KMS's default policy does.
        let key = r#"{"Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}"#;
        assert!(grammar(key, PolicyKind::Resource).is_empty());
        assert!(grammar(key, PolicyKind::Trust)
            .iter()
            .any(|e| e.contains("\"Sid\" may contain only")));
        let no_principal = r#"{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
        assert!(grammar(no_principal, PolicyKind::Resource)[0].contains("\"Principal\" and \"NotPrincipal\""));
    }

    #[test]
    fn size_does_not_count_white_space() {
        assert_eq!(iam_size("{ \"a\" :\n\t\"b c\" }"), 10);
    }
}
