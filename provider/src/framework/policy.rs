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
    Json {
        line: usize,
        column: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("a policy document must be a JSON object")]
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
pub fn keep_equivalent(prior: Option<&str>, remote: &str) -> String {
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
    fn keep_equivalent_prefers_the_users_text() {
        let user = "{ \"Statement\": [ { \"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\" } ] }";
        let remote = r#"{"Statement":[{"Action":["s3:*"],"Effect":"Allow","Resource":"*"}]}"#;
        assert_eq!(keep_equivalent(Some(user), remote), user);
        let changed = r#"{"Statement":[{"Action":["s3:Get*"],"Effect":"Allow","Resource":"*"}]}"#;
        assert_eq!(keep_equivalent(Some(user), changed), changed);
        assert_eq!(keep_equivalent(None, remote), remote);
    }
}
