//! Plan helpers: computed-on-create, defaults, requires-replace, and the
//! conversions between tf-provider's `Value` maps and plain Rust maps.

use std::collections::{BTreeMap, BTreeSet};

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

/// A map attribute whose elements may each be unknown.
pub type ValueStringMap = Value<BTreeMap<String, Value<String>>>;
/// A set attribute whose elements may each be unknown.
pub type ValueStringSet = Value<BTreeSet<Value<String>>>;

/// A computed attribute the provider fills on create: null in the proposed
/// state means "not known until apply".
pub fn unknown_if_null<T>(value: &mut Value<T>) {
    if value.is_null() {
        *value = Value::Unknown;
    }
}

/// A state saved after apply, or after a failure, must hold no unknown
/// values: what was not learnt becomes null.
pub fn null_if_unknown<T>(value: &mut Value<T>) {
    if value.is_unknown() {
        *value = Value::Null;
    }
}

/// An optional attribute with a default, decided by the configuration: when
/// the configuration leaves it unset, the plan is the default.
///
/// Terraform proposes the *prior* value for an unset optional+computed
/// attribute, so a value changed outside Terraform would otherwise stay in
/// the plan and its drift would never be repaired.
pub fn default_from_config<T>(planned: &mut Value<T>, config: &Value<T>, default: T) {
    if config.is_null() {
        *planned = Value::Value(default);
    }
}

/// The known value, if any.
pub fn known<T>(value: &Value<T>) -> Option<&T> {
    value.as_ref_option()
}

/// A string value that is known (not null, not unknown).
pub fn known_str(value: &Value<String>) -> Option<&str> {
    value.as_ref_option().map(String::as_str)
}

/// A string the step cannot do without: the known value, or `None` with an
/// error diagnostic that names the attribute. It replaces a bare
/// `known_str(..)?`, which surfaced as tf-provider's "Internal error" in
/// create and update, and silently dropped the resource from state in read.
pub fn require_str<'v>(diags: &mut Diagnostics, name: &'static str, value: &'v Value<String>) -> Option<&'v str> {
    let found = known_str(value);
    if found.is_none() {
        let what = if value.is_unknown() { "unknown" } else { "null" };
        diags.error(
            format!("`{name}` is {what} where the provider needs its value"),
            format!(
                "The provider needed `{name}` at this step, but Terraform sent it {what}. Nothing was changed. \
                 This is a bug in the provider: please report it with this message and the plan."
            ),
            AttributePath::new(name),
        );
    }
    found
}

/// The map with every element known; null is the empty map; `None` while
/// anything is unknown.
pub fn known_string_map(value: &ValueStringMap) -> Option<BTreeMap<String, String>> {
    match value {
        Value::Null => Some(BTreeMap::new()),
        Value::Unknown => None,
        Value::Value(map) => map
            .iter()
            .map(|(k, v)| known(v).map(|v| (k.clone(), v.clone())))
            .collect(),
    }
}

/// The set with every element known; null is the empty set.
pub fn known_string_set(value: &ValueStringSet) -> Option<BTreeSet<String>> {
    match value {
        Value::Null => Some(BTreeSet::new()),
        Value::Unknown => None,
        Value::Value(set) => set.iter().map(|v| known(v).cloned()).collect(),
    }
}

/// A plain map as a map attribute with every element known.
pub fn to_value_map(map: &BTreeMap<String, String>) -> ValueStringMap {
    Value::Value(map.iter().map(|(k, v)| (k.clone(), Value::Value(v.clone()))).collect())
}

/// A plain set as a set attribute with every element known.
pub fn to_value_set(set: &BTreeSet<String>) -> ValueStringSet {
    Value::Value(set.iter().map(|v| Value::Value(v.clone())).collect())
}

/// A map for an optional attribute after a read: an empty remote map stays
/// null when the prior value was null, so that "not set" does not drift to `{}`.
pub fn optional_map(prior: &ValueStringMap, remote: &BTreeMap<String, String>) -> ValueStringMap {
    if remote.is_empty() && prior.is_null() {
        Value::Null
    } else {
        to_value_map(remote)
    }
}

/// The same for a set.
pub fn optional_set(prior: &ValueStringSet, remote: &BTreeSet<String>) -> ValueStringSet {
    if remote.is_empty() && prior.is_null() {
        Value::Null
    } else {
        to_value_set(remote)
    }
}

/// An optional string after a read: an empty remote string stays as the
/// prior value when that was null or empty.
pub fn optional_string(prior: &Value<String>, remote: Option<&str>) -> Value<String> {
    match remote {
        Some(s) if !s.is_empty() => Value::Value(s.to_string()),
        _ if matches!(prior, Value::Value(p) if p.is_empty()) => prior.clone(),
        _ => Value::Null,
    }
}

/// An object the resource creates unless the configuration names one, such
/// as a cluster's IAM role: `given` is the optional+computed attribute that
/// names it (`role_arn`), `created` the computed one that is set only when
/// the resource made it (`managed_role_name`). A created object stays while
/// the configuration leaves `given` unset; otherwise both are decided at apply.
///
/// `recreatable` is the ARN suffix (`:role/<name>`) the resource gives the
/// objects it creates, for objects it can make again under the same name and
/// so the same ARN: when a refresh found the created object gone (`created`
/// null) while `given` still ends with that suffix, it is planned to be
/// created again in place.
pub fn created_unless_given(
    given: &mut Value<String>,
    created: &mut Value<String>,
    config_given: &Value<String>,
    prior: Option<(&Value<String>, &Value<String>)>,
    recreatable: Option<&str>,
) {
    if !config_given.is_null() {
        *created = Value::Null;
        return;
    }
    let ours = |arn: &Value<String>| {
        recreatable
            .zip(known_str(arn))
            .is_some_and(|(suffix, arn)| arn.ends_with(suffix))
    };
    match prior {
        Some((prior_given, prior_created)) if prior_created.is_value() => {
            *given = prior_given.clone();
            *created = prior_created.clone();
        }
        Some((prior_given, prior_created)) if prior_created.is_null() && ours(prior_given) => {
            *given = prior_given.clone();
            *created = Value::Unknown;
        }
        _ => {
            *given = Value::Unknown;
            *created = Value::Unknown;
        }
    }
}

/// The `status` of a long-running object in an update plan: the prior value
/// when nothing else changes (so an object EKS is busy with, say UPDATING
/// for a platform upgrade, is no drift), unknown when an apply will change
/// something and the prior status was not the settled one.
pub fn plan_status<S: Clone + PartialEq>(
    planned: &mut S,
    prior: &S,
    status: impl Fn(&mut S) -> &mut Value<String>,
    settled: &str,
) {
    let prior_status = status(&mut prior.clone()).clone();
    *status(planned) = prior_status.clone();
    let changing = planned != prior;
    if changing && known_str(&prior_status) != Some(settled) {
        *status(planned) = Value::Unknown;
    }
}

/// A computed policy document for a plan: the prior text when it is
/// equivalent to the desired document (so formatting never shows as a diff),
/// the desired document otherwise, unknown while the desired one is not known.
pub fn planned_policy(prior: Option<&Value<String>>, desired: Option<String>) -> Value<String> {
    match (desired, prior.and_then(known_str)) {
        (Some(d), Some(p)) if crate::framework::policy::equivalent(&d, p) => Value::Value(p.to_string()),
        (Some(d), _) => Value::Value(d),
        (None, _) => Value::Unknown,
    }
}

/// Collects the attributes whose change forces replacement.
#[derive(Default)]
pub struct RequiresReplace {
    /// The attributes that force replacement, in the order found.
    pub paths: Vec<AttributePath>,
}

impl RequiresReplace {
    /// Replacement when the planned value differs from the prior one. An
    /// unknown planned value counts as a change (it may differ).
    pub fn if_changed<T: PartialEq>(&mut self, name: &'static str, prior: &Value<T>, planned: &Value<T>) {
        if prior != planned {
            self.paths.push(AttributePath::new(name));
        }
    }

    /// No attribute forces replacement.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_with_unknown_elements_are_unknown() {
        let mut map = BTreeMap::new();
        map.insert("a".to_string(), Value::Value("1".to_string()));
        assert_eq!(known_string_map(&Value::Value(map.clone())).unwrap().len(), 1);
        map.insert("b".to_string(), Value::Unknown);
        assert!(known_string_map(&Value::Value(map)).is_none());
        assert_eq!(known_string_map(&Value::Null), Some(BTreeMap::new()));
    }

    #[test]
    fn optional_collections_keep_null() {
        assert!(optional_map(&Value::Null, &BTreeMap::new()).is_null());
        assert!(optional_map(&Value::Value(BTreeMap::new()), &BTreeMap::new()).is_value());
        assert!(optional_set(&Value::Null, &BTreeSet::new()).is_null());
        assert!(optional_string(&Value::Null, Some("")).is_null());
        assert_eq!(optional_string(&Value::Null, Some("x")), Value::Value("x".to_string()));
    }

    #[test]
    fn defaults_come_from_the_configuration() {
        // Unset in configuration: the default, even over a drifted prior value.
        let mut planned = Value::Value(7200);
        default_from_config(&mut planned, &Value::Null, 3600);
        assert_eq!(planned, Value::Value(3600));
        // Set in configuration: the configured value stays.
        let mut planned = Value::Value(7200);
        default_from_config(&mut planned, &Value::Value(7200), 3600);
        assert_eq!(planned, Value::Value(7200));
    }

    #[test]
    fn created_objects_stay_until_one_is_given() {
        let arn = |s: &str| Value::Value(s.to_string());
        let (mut given, mut created) = (Value::Null, Value::Null);
        // Unset, nothing created yet: both known only after apply.
        created_unless_given(&mut given, &mut created, &Value::Null, None, None);
        assert!(given.is_unknown() && created.is_unknown());
        // Unset, created before: kept.
        let prior = (arn("arn:role/c"), arn("c"));
        created_unless_given(&mut given, &mut created, &Value::Null, Some((&prior.0, &prior.1)), None);
        assert_eq!((given.clone(), created.clone()), prior);
        // Given: nothing is created.
        let mut given = arn("arn:role/mine");
        created_unless_given(
            &mut given,
            &mut created,
            &arn("arn:role/mine"),
            Some((&prior.0, &prior.1)),
            None,
        );
        assert_eq!((given, created), (arn("arn:role/mine"), Value::Null));
        // Created, then gone: made again under the same ARN when it can be.
        let vanished = (arn("arn:role/c"), Value::Null);
        let (mut given, mut created) = (Value::Null, Value::Null);
        created_unless_given(
            &mut given,
            &mut created,
            &Value::Null,
            Some((&vanished.0, &vanished.1)),
            Some(":role/c"),
        );
        assert_eq!(given, arn("arn:role/c"));
        assert!(created.is_unknown());
        // ...but not a role given before and now unset, nor an object that cannot be made again.
        for recreatable in [Some(":role/other"), None] {
            let (mut given, mut created) = (Value::Null, Value::Null);
            created_unless_given(
                &mut given,
                &mut created,
                &Value::Null,
                Some((&vanished.0, &vanished.1)),
                recreatable,
            );
            assert!(given.is_unknown() && created.is_unknown());
        }
    }

    #[test]
    fn a_busy_object_is_no_change() {
        #[derive(Clone, PartialEq, Debug)]
        struct S {
            status: Value<String>,
            size: i64,
        }
        let prior = S {
            status: Value::Value("UPDATING".into()),
            size: 1,
        };
        let mut planned = S {
            status: Value::Null,
            size: 1,
        };
        plan_status(&mut planned, &prior, |s| &mut s.status, "ACTIVE");
        assert_eq!(planned, prior);
        let mut planned = S {
            size: 2,
            ..prior.clone()
        };
        plan_status(&mut planned, &prior, |s| &mut s.status, "ACTIVE");
        assert!(planned.status.is_unknown());
        let settled = S {
            status: Value::Value("ACTIVE".into()),
            size: 1,
        };
        let mut planned = S {
            size: 2,
            ..settled.clone()
        };
        plan_status(&mut planned, &settled, |s| &mut s.status, "ACTIVE");
        assert_eq!(planned.status, settled.status);
    }

    #[test]
    fn planned_policy_prefers_prior_text() {
        let prior = Value::Value(r#"{ "Statement": [] }"#.to_string());
        assert_eq!(planned_policy(Some(&prior), Some(r#"{"Statement":[]}"#.into())), prior);
        assert_eq!(
            planned_policy(Some(&prior), Some(r#"{"Statement":[1]}"#.into())),
            Value::Value(r#"{"Statement":[1]}"#.to_string())
        );
        assert_eq!(planned_policy(Some(&prior), None), Value::Unknown);
        assert_eq!(planned_policy(None, Some("{}".into())), Value::Value("{}".to_string()));
    }

    #[test]
    fn replace_on_change() {
        let mut rr = RequiresReplace::default();
        rr.if_changed("a", &Value::Value(1), &Value::Value(1));
        assert!(rr.is_empty());
        rr.if_changed("b", &Value::Value(1), &Value::Unknown);
        assert_eq!(rr.paths, vec![AttributePath::new("b")]);
    }
}
