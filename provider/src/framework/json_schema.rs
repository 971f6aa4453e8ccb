//! A documented subset of JSON Schema (draft-07 and the drafts EKS publishes
//! its add-on configuration schemas in), to check a configuration at plan
//! time against the schema an API publishes.
//!
//! Checked: `$ref` to a JSON pointer within the schema (`#/definitions/X`,
//! `#/$defs/X`), `type` (one or a list; `integer` is a number without a
//! fraction), `enum`, `const`, `properties`, `required`,
//! `additionalProperties` (false or a schema), `patternProperties`,
//! `items` (one schema for every element), `minItems`, `maxItems`,
//! `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (the numeric
//! form of draft 6 and later), `minLength`, `maxLength`, `pattern` (the
//! `regex-lite` syntax, which lacks Unicode classes and look-around; a
//! pattern it cannot compile is not checked), `allOf`, `anyOf`, `oneOf`,
//! `not`, and the boolean schemas `true` and `false`.
//!
//! Not checked (accepted here; the API checks them when the value is sent):
//! `format`, `if`/`then`/`else`, `dependencies`, `propertyNames`,
//! `contains`, `uniqueItems`, `multipleOf`, tuple `items`, and `$ref` to
//! anything but the schema itself. A `$ref` chain deeper than
//! [`MAX_DEPTH`] is reported as a problem of the schema, never a panic.

use regex_lite::Regex;
use serde_json::Value;

/// How deep schemas may nest (`$ref`s included) before the check gives up.
pub const MAX_DEPTH: usize = 64;

/// One way `instance` breaks `schema`: where (`$.a.b[0]`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The place in the instance, `$` for the whole of it.
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every way `instance` breaks `schema` (empty when it fits). `Err` when the
/// schema itself cannot be followed (a `$ref` that points nowhere, or too
/// deep): the caller then skips the check.
pub fn validate(schema: &Value, instance: &Value) -> Result<Vec<SchemaError>, String> {
    let mut errors = Vec::new();
    check(schema, schema, instance, "$", 0, &mut errors)?;
    Ok(errors)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(value: &Value, wanted: &str) -> bool {
    let actual = type_name(value);
    match wanted {
        "number" => matches!(actual, "number" | "integer"),
        "integer" => actual == "integer" || value.as_f64().is_some_and(|f| f.fract() == 0.0 && f.is_finite()),
        other => actual == other,
    }
}

fn resolve<'s>(root: &'s Value, reference: &str) -> Result<&'s Value, String> {
    let pointer = reference
        .strip_prefix('#')
        .ok_or_else(|| format!("the schema refers outside itself ({reference:?})"))?;
    let decoded = percent_encoding::percent_decode_str(pointer).decode_utf8_lossy();
    root.pointer(&decoded)
        .ok_or_else(|| format!("the schema's reference {reference:?} points nowhere"))
}

fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

fn check(
    root: &Value,
    schema: &Value,
    instance: &Value,
    path: &str,
    depth: usize,
    errors: &mut Vec<SchemaError>,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("the schema nests deeper than {MAX_DEPTH} levels"));
    }
    let mut error = |message: String| {
        errors.push(SchemaError {
            path: path.to_string(),
            message,
        })
    };
    let schema = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => {
            error("is not allowed here".to_string());
            return Ok(());
        }
        Value::Object(map) => map,
        _ => return Ok(()),
    };
    if let Some(Value::String(reference)) = schema.get("$ref") {
        // Before draft 2019-09, `$ref` replaces every keyword beside it.
        let target = resolve(root, reference)?;
        return check(root, target, instance, path, depth + 1, errors);
    }
    match schema.get("type") {
        Some(Value::String(t)) if !has_type(instance, t) => {
            error(format!("must be {t}, got {} {}", type_name(instance), shown(instance)));
            return Ok(());
        }
        Some(Value::Array(types)) if !types.iter().any(|t| t.as_str().is_some_and(|t| has_type(instance, t))) => {
            let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            error(format!(
                "must be one of the types {}, got {} {}",
                names.join(", "),
                type_name(instance),
                shown(instance)
            ));
            return Ok(());
        }
        _ => {}
    }
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        if !allowed.contains(instance) {
            let list: Vec<String> = allowed.iter().map(shown).collect();
            error(format!("must be one of {}, got {}", list.join(", "), shown(instance)));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != instance {
            error(format!("must be {}, got {}", shown(constant), shown(instance)));
        }
    }
    if let Some(n) = instance.as_f64() {
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        if let Some(min) = bound("minimum").filter(|min| n < *min) {
            error(format!("must be at least {min}, got {n}"));
        }
        if let Some(max) = bound("maximum").filter(|max| n > *max) {
            error(format!("must be at most {max}, got {n}"));
        }
        if let Some(min) = bound("exclusiveMinimum").filter(|min| n <= *min) {
            error(format!("must be more than {min}, got {n}"));
        }
        if let Some(max) = bound("exclusiveMaximum").filter(|max| n >= *max) {
            error(format!("must be less than {max}, got {n}"));
        }
    }
    if let Value::String(s) = instance {
        let length = s.chars().count() as u64;
        if let Some(min) = schema
            .get("minLength")
            .and_then(Value::as_u64)
            .filter(|min| length < *min)
        {
            error(format!("must be at least {min} characters, got {length}"));
        }
        if let Some(max) = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .filter(|max| length > *max)
        {
            error(format!("must be at most {max} characters, got {length}"));
        }
        if let Some(Value::String(pattern)) = schema.get("pattern") {
            if let Ok(re) = Regex::new(pattern) {
                if !re.is_match(s) {
                    error(format!("must match the pattern {pattern:?}, got {}", shown(instance)));
                }
            }
        }
    }
    if let Value::Array(items) = instance {
        let count = items.len() as u64;
        if let Some(min) = schema
            .get("minItems")
            .and_then(Value::as_u64)
            .filter(|min| count < *min)
        {
            error(format!("must have at least {min} items, got {count}"));
        }
        if let Some(max) = schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .filter(|max| count > *max)
        {
            error(format!("must have at most {max} items, got {count}"));
        }
        if let Some(item_schema) = schema.get("items").filter(|s| !s.is_array()) {
            for (i, item) in items.iter().enumerate() {
                check(root, item_schema, item, &format!("{path}[{i}]"), depth + 1, errors)?;
            }
        }
    }
    if let Value::Object(members) = instance {
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !members.contains_key(name) {
                    errors.push(SchemaError {
                        path: path.to_string(),
                        message: format!("must have the property {name:?}"),
                    });
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        // A pattern this subset cannot compile is not checked: it may match
        // any member, so such members are accepted rather than refused.
        let mut unchecked_patterns = false;
        let patterns: Vec<(Regex, &Value)> = schema
            .get("patternProperties")
            .and_then(Value::as_object)
            .map(|p| {
                p.iter()
                    .filter_map(|(pattern, s)| match Regex::new(pattern) {
                        Ok(re) => Some((re, s)),
                        Err(_) => {
                            unchecked_patterns = true;
                            None
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (name, value) in members {
            let at = format!("{path}.{name}");
            let mut matched = false;
            if let Some(property) = properties.and_then(|p| p.get(name)) {
                matched = true;
                check(root, property, value, &at, depth + 1, errors)?;
            }
            for (re, property) in &patterns {
                if re.is_match(name) {
                    matched = true;
                    check(root, property, value, &at, depth + 1, errors)?;
                }
            }
            if matched || unchecked_patterns {
                continue;
            }
            match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    let mut known: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    known.sort_unstable();
                    errors.push(SchemaError {
                        path: at,
                        message: format!(
                            "is not a property the schema allows (allowed: {})",
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    });
                }
                Some(extra @ Value::Object(_)) => check(root, extra, value, &at, depth + 1, errors)?,
                _ => {}
            }
        }
    }
    let sub = |key: &str| schema.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    for part in sub("allOf") {
        check(root, &part, instance, path, depth + 1, errors)?;
    }
    let matching = |parts: &[Value]| -> Result<usize, String> {
        let mut count = 0;
        for part in parts {
            let mut found = Vec::new();
            check(root, part, instance, path, depth + 1, &mut found)?;
            count += usize::from(found.is_empty());
        }
        Ok(count)
    };
    let any = sub("anyOf");
    if !any.is_empty() && matching(&any)? == 0 {
        errors.push(SchemaError {
            path: path.to_string(),
            message: format!(
                "matches none of the {} alternatives the schema allows (anyOf)",
                any.len()
            ),
        });
    }
    let one = sub("oneOf");
    if !one.is_empty() {
        let count = matching(&one)?;
        if count != 1 {
            errors.push(SchemaError {
                path: path.to_string(),
                message: format!(
                    "must match exactly one of {} alternatives (oneOf), matches {count}",
                    one.len()
                ),
            });
        }
    }
    if let Some(not) = schema.get("not") {
        if matching(std::slice::from_ref(not))? == 1 {
            errors.push(SchemaError {
                path: path.to_string(),
                message: "matches a schema it must not match (not)".to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn coredns() -> Value {
        json!({
            "$ref": "#/definitions/Coredns",
            "$schema": "http://json-schema.org/draft-07/schema#",
            "definitions": {
                "Coredns": {"type": "object", "additionalProperties": false, "properties": {
                    "replicaCount": {"type": "integer", "minimum": 1},
                    "resources": {"$ref": "#/definitions/Resources"},
                    "tolerations": {"type": "array", "items": {"type": "object"}},
                    "affinity": {"type": ["object", "null"]},
                    "mode": {"enum": ["a", "b"]},
                    "nodeSelector": {"type": "object", "additionalProperties": {"type": "string"}},
                }},
                "Resources": {"type": "object", "additionalProperties": false, "properties": {
                    "limits": {"$ref": "#/definitions/Limits"}}},
                "Limits": {"type": "object", "additionalProperties": false, "properties": {
                    "cpu": {"type": "string", "pattern": "^[0-9]+m?$"}, "memory": {"type": "string"}}},
            }
        })
    }

    fn errors(instance: Value) -> Vec<String> {
        validate(&coredns(), &instance)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn accepts_what_fits() {
        assert!(errors(json!({})).is_empty());
        assert!(
            errors(json!({"replicaCount": 2, "resources": {"limits": {"cpu": "100m"}},
                              "tolerations": [{"key": "x"}], "affinity": null, "mode": "a",
                              "nodeSelector": {"pool": "system"}}))
            .is_empty()
        );
        assert!(
            errors(json!({"replicaCount": 2.0})).is_empty(),
            "2.0 is an integer in JSON Schema"
        );
    }

    #[test]
    fn names_what_does_not() {
        assert_eq!(
            errors(json!({"replicaCount": "three"})),
            ["$.replicaCount: must be integer, got string \"three\""]
        );
        assert_eq!(
            errors(json!({"replicaCount": 0})),
            ["$.replicaCount: must be at least 1, got 0"]
        );
        assert_eq!(
            errors(json!({"replicas": 3})),
            ["$.replicas: is not a property the schema allows (allowed: affinity, mode, nodeSelector, replicaCount, resources, tolerations)"]
        );
        assert_eq!(
            errors(json!({"resources": {"limits": {"gpu": "1"}}})),
            ["$.resources.limits.gpu: is not a property the schema allows (allowed: cpu, memory)"]
        );
        assert_eq!(
            errors(json!({"resources": {"limits": {"cpu": "lots"}}})),
            ["$.resources.limits.cpu: must match the pattern \"^[0-9]+m?$\", got \"lots\""]
        );
        assert_eq!(
            errors(json!({"tolerations": [1]})),
            ["$.tolerations[0]: must be object, got integer 1"]
        );
        assert_eq!(
            errors(json!({"mode": "c"})),
            ["$.mode: must be one of \"a\", \"b\", got \"c\""]
        );
        assert_eq!(
            errors(json!({"nodeSelector": {"a": 1}})),
            ["$.nodeSelector.a: must be string, got integer 1"]
        );
        assert_eq!(errors(json!([])), ["$: must be object, got array []"]);
    }

    #[test]
    fn a_pattern_it_cannot_compile_accepts_rather_than_refuses() {
        // Look-around is beyond regex-lite: the members it might match are not checked.
        let schema = json!({"type": "object", "patternProperties": {"^(?=x)": {"type": "integer"}},
                            "additionalProperties": false});
        assert!(validate(&schema, &json!({"xa": "not checked", "other": 1}))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn combinators_and_bad_schemas() {
        let schema = json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "not": {"const": 3}});
        assert!(validate(&schema, &json!("x")).unwrap().is_empty());
        assert_eq!(validate(&schema, &json!(true)).unwrap().len(), 1);
        assert_eq!(validate(&schema, &json!(3)).unwrap().len(), 1);
        let one = json!({"oneOf": [{"type": "integer"}, {"type": "number"}]});
        assert_eq!(validate(&one, &json!(1)).unwrap().len(), 1, "1 matches both");
        assert!(validate(&one, &json!(1.5)).unwrap().is_empty());
        assert!(validate(&json!({"$ref": "#/nowhere"}), &json!(1)).is_err());
        assert!(validate(&json!({"$ref": "http://example.com/s.json"}), &json!(1)).is_err());
        let looping = json!({"$ref": "#"});
        assert!(
            validate(&looping, &json!(1)).is_err(),
            "a reference loop ends, with an error"
        );
        assert!(validate(&json!(false), &json!(1)).unwrap().len() == 1);
        assert!(validate(&json!({"pattern": "(unclosed"}), &json!("x"))
            .unwrap()
            .is_empty());
    }
}
