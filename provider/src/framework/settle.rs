//! The last step of every state a resource returns to Terraform (create,
//! update, read, import): it must be wholly known.
//!
//! Terraform refuses an apply result that still holds an unknown value
//! ("Provider returned invalid result object after apply") and then keeps
//! only what it can of the partial state, so a failed create could lose the
//! identity of what it made. [`settle`] walks the state as it goes on the
//! wire (MessagePack, where an unknown is extension type 0) and replaces each
//! unknown with the value at the same path in a fallback (the prior state of
//! an update or a read), or with null where there is none: null is "the
//! object does not carry it, or it was not learnt". It returns the paths it
//! settled, so that the trait boundary can tell a provider bug (an unknown
//! left in a successful result: an error naming the attribute) from a
//! failure path (settled silently; the real error is already reported).

use rmpv::Value as Mp;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tf_provider::Diagnostics;

/// The MessagePack extension type Terraform uses for an unknown value.
const UNKNOWN_EXT: i8 = 0;

/// A state that could not be turned into MessagePack and back.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// Encoding the state failed.
    #[error("encoding the state: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
    /// Decoding the settled state failed.
    #[error("decoding the settled state: {0}")]
    Decode(#[from] rmp_serde::decode::Error),
    /// Reading or writing the MessagePack tree failed.
    #[error("walking the state: {0}")]
    Walk(String),
}

/// The wire form of a state, to settle another state against it.
pub fn snapshot<S: Serialize>(state: &S) -> Option<Mp> {
    let bytes = rmp_serde::to_vec_named(state).ok()?;
    rmpv::decode::read_value(&mut bytes.as_slice()).ok()
}

/// Replaces every unknown value of `state` by the value at the same path in
/// `fallback` (when it has a known one there) or by null. Returns the settled
/// state and the paths that were unknown (`upgrade_policy[0].support_type`,
/// `tags.team`, `tags["a b"]`), in the order found.
pub fn settle<S: Serialize + DeserializeOwned>(
    state: S,
    fallback: Option<&Mp>,
) -> Result<(S, Vec<String>), SettleError> {
    let bytes = rmp_serde::to_vec_named(&state)?;
    let mut tree = rmpv::decode::read_value(&mut bytes.as_slice()).map_err(|e| SettleError::Walk(e.to_string()))?;
    let mut paths = Vec::new();
    walk(&mut tree, fallback, &mut String::new(), &mut paths);
    if paths.is_empty() {
        return Ok((state, paths));
    }
    let mut out = Vec::with_capacity(bytes.len());
    rmpv::encode::write_value(&mut out, &tree).map_err(|e| SettleError::Walk(e.to_string()))?;
    Ok((rmp_serde::from_slice(&out)?, paths))
}

fn is_unknown(v: &Mp) -> bool {
    matches!(v, Mp::Ext(UNKNOWN_EXT, data) if data.is_empty())
}

fn has_unknown(v: &Mp) -> bool {
    match v {
        Mp::Array(items) => items.iter().any(has_unknown),
        Mp::Map(entries) => entries.iter().any(|(k, v)| has_unknown(k) || has_unknown(v)),
        other => is_unknown(other),
    }
}

fn walk(v: &mut Mp, fallback: Option<&Mp>, path: &mut String, found: &mut Vec<String>) {
    if is_unknown(v) {
        found.push(path.trim_start_matches('.').to_string());
        *v = fallback.filter(|f| !has_unknown(f)).cloned().unwrap_or(Mp::Nil);
        return;
    }
    let len = path.len();
    match v {
        Mp::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let f = match fallback {
                    Some(Mp::Array(fs)) => fs.get(i),
                    _ => None,
                };
                path.push_str(&format!("[{i}]"));
                walk(item, f, path, found);
                path.truncate(len);
            }
        }
        Mp::Map(entries) => {
            for (key, item) in entries.iter_mut() {
                let f = match fallback {
                    Some(Mp::Map(fs)) => fs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                    _ => None,
                };
                // Struct fields (and map keys that look like them) as
                // `.name`; any other map key as `["key"]`.
                match key.as_str() {
                    Some(name) if is_attribute_name(name) => {
                        path.push('.');
                        path.push_str(name);
                    }
                    Some(name) => path.push_str(&format!("[{name:?}]")),
                    None => path.push_str(&format!("[{key}]")),
                }
                walk(item, f, path, found);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// An attribute name as Terraform allows them (what a struct field is).
fn is_attribute_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Which step returned the state, for the diagnostic of an unknown left in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// ApplyResourceChange of a new object.
    Create,
    /// ApplyResourceChange of a change in place.
    Update,
    /// ReadResource.
    Read,
    /// ImportResourceState.
    Import,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Create => "create",
            Step::Update => "update",
            Step::Read => "refresh",
            Step::Import => "import",
        }
    }
}

/// The trait boundary's settle: every state a resource returns passes here.
/// On a failure path (an error already reported) unknowns are settled
/// silently: the partial state is what Terraform records. In a result that
/// claims success, an unknown is a provider bug: it is settled too (so the
/// state is saved whole) and reported as an error naming each attribute.
pub fn settle_result<S, P>(
    diags: &mut Diagnostics,
    step: Step,
    noun: &str,
    result: Option<(S, P)>,
    fallback: Option<&Mp>,
) -> Option<(S, P)>
where
    S: Serialize + DeserializeOwned,
{
    let (state, private) = result?;
    match settle(state, fallback) {
        Ok((state, paths)) => {
            if !paths.is_empty() {
                let failed = !diags.errors.is_empty();
                tracing::debug!(step = step.name(), paths = ?paths, failed, "settled unknown values of a returned state");
                if !failed {
                    for path in &paths {
                        diags.root_error(
                            format!(
                                "provider bug: the {noun}'s `{path}` was left unknown after {}",
                                step.name()
                            ),
                            format!(
                                "The {} returned no value for `{path}`. It was saved as {}; a refresh reads it again. \
                                 Please report this to the provider's maintainers.",
                                step.name(),
                                if fallback.is_some() {
                                    "its prior value (or null)"
                                } else {
                                    "null"
                                },
                            ),
                        );
                    }
                }
            }
            Some((state, private))
        }
        Err(err) => {
            diags.root_error(
                format!("provider bug: the state {} returned could not be settled", step.name()),
                err.to_string(),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;
    use tf_provider::value::Value;

    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(default)]
    struct Inner {
        support_type: Value<String>,
    }

    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    #[serde(default)]
    struct State {
        name: Value<String>,
        arn: Value<String>,
        size: Value<i64>,
        upgrade_policy: Value<Vec<Inner>>,
        tags: Value<BTreeMap<String, Value<String>>>,
    }

    fn planned() -> State {
        State {
            name: Value::Value("c".into()),
            arn: Value::Unknown,
            size: Value::Value(3),
            upgrade_policy: Value::Value(vec![Inner {
                support_type: Value::Unknown,
            }]),
            tags: Value::Value(BTreeMap::from([
                ("team".to_string(), Value::Unknown),
                ("env".to_string(), Value::Value("prod".into())),
            ])),
        }
    }

    #[test]
    fn unknowns_become_null_and_are_named() {
        let (s, paths) = settle(planned(), None).unwrap();
        assert_eq!(paths, ["arn", "upgrade_policy[0].support_type", "tags.team"]);
        assert_eq!(s.arn, Value::Null);
        assert_eq!(s.name, Value::Value("c".into()));
        assert_eq!(s.size, Value::Value(3));
        assert_eq!(s.upgrade_policy, Value::Value(vec![Inner::default()]));
        let tags = s.tags.as_ref_option().unwrap();
        assert_eq!(tags["team"], Value::Null);
        assert_eq!(tags["env"], Value::Value("prod".into()));
    }

    #[test]
    fn unknowns_take_the_fallback_value_at_the_same_path() {
        let prior = State {
            arn: Value::Value("arn:x".into()),
            upgrade_policy: Value::Value(vec![Inner {
                support_type: Value::Value("STANDARD".into()),
            }]),
            ..State::default()
        };
        let (s, paths) = settle(planned(), snapshot(&prior).as_ref()).unwrap();
        assert_eq!(paths.len(), 3);
        assert_eq!(s.arn, Value::Value("arn:x".into()));
        assert_eq!(
            s.upgrade_policy,
            Value::Value(vec![Inner {
                support_type: Value::Value("STANDARD".into())
            }])
        );
        // No prior tags: null.
        assert_eq!(s.tags.as_ref_option().unwrap()["team"], Value::Null);
    }

    #[test]
    fn a_whole_unknown_value_is_settled() {
        let s = State {
            upgrade_policy: Value::Unknown,
            tags: Value::Unknown,
            ..State::default()
        };
        let (s, paths) = settle(s, None).unwrap();
        assert_eq!(paths, ["upgrade_policy", "tags"]);
        assert_eq!((s.upgrade_policy, s.tags), (Value::Null, Value::Null));
    }

    #[test]
    fn a_known_state_is_returned_unchanged() {
        let known = State {
            name: Value::Value("c".into()),
            ..State::default()
        };
        let (s, paths) = settle(known.clone(), None).unwrap();
        assert!(paths.is_empty());
        assert_eq!(s, known);
    }

    #[test]
    fn an_unknown_in_a_successful_apply_is_an_error_naming_the_attribute() {
        let mut diags = Diagnostics::default();
        let out = settle_result(&mut diags, Step::Create, "cluster", Some((planned(), ())), None);
        let (s, ()) = out.expect("the state is kept");
        assert_eq!(s.arn, Value::Null);
        let summaries: Vec<&str> = diags.errors.iter().map(|d| d.summary.as_ref()).collect();
        assert_eq!(
            summaries,
            [
                "provider bug: the cluster's `arn` was left unknown after create",
                "provider bug: the cluster's `upgrade_policy[0].support_type` was left unknown after create",
                "provider bug: the cluster's `tags.team` was left unknown after create",
            ]
        );
    }

    #[test]
    fn a_failed_apply_is_settled_silently() {
        let mut diags = Diagnostics::default();
        diags.root_error("creating EKS cluster `c`", "InvalidParameterException: subnets");
        let out = settle_result(&mut diags, Step::Create, "cluster", Some((planned(), ())), None);
        assert!(out.is_some());
        assert_eq!(diags.errors.len(), 1, "only the real error: {:?}", diags.errors);
    }
}
