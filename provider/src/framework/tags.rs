//! Provider `default_tags` merged with a resource's own `tags`.

use std::collections::BTreeMap;

/// `default_tags` overlaid with `tags`: a resource's own tag wins, also over
/// a default whose key differs from it only in case (IAM tag keys are
/// case-insensitive, so the object can hold only one of them; plan-time
/// validation refuses such a pair, this keeps the merge from ever yielding both).
pub fn merge(default_tags: &BTreeMap<String, String>, tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let own_folded: std::collections::BTreeSet<String> = tags.keys().map(|k| k.to_lowercase()).collect();
    let mut all: BTreeMap<String, String> = default_tags
        .iter()
        .filter(|(k, _)| !own_folded.contains(&k.to_lowercase()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

/// The resource's own tags, recovered from the object's tags on read: a tag
/// that only repeats a default tag (same key and value) and was not among the
/// resource's own tags before is not the resource's own.
pub fn own_tags(
    remote: &BTreeMap<String, String>,
    default_tags: &BTreeMap<String, String>,
    prior_own: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    remote
        .iter()
        .filter(|(k, v)| prior_own.contains_key(*k) || default_tags.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What to change to go from `old` to `new` tags: the keys to untag, and the
/// pairs to tag (new keys and changed values).
pub fn diff(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> (Vec<String>, BTreeMap<String, String>) {
    let removed = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    let changed = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (removed, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn diff_untags_removed_and_tags_new_or_changed() {
        let (removed, changed) = diff(
            &m(&[("a", "1"), ("b", "2"), ("c", "3")]),
            &m(&[("a", "1"), ("b", "x"), ("d", "4")]),
        );
        assert_eq!(removed, vec!["c".to_string()]);
        assert_eq!(changed, m(&[("b", "x"), ("d", "4")]));
    }

    #[test]
    fn resource_tags_win() {
        let all = merge(&m(&[("team", "platform"), ("env", "dev")]), &m(&[("env", "prod")]));
        assert_eq!(all, m(&[("team", "platform"), ("env", "prod")]));
        // A default differing from a resource key only in case: the resource's wins, never both.
        let all = merge(&m(&[("team", "platform"), ("env", "dev")]), &m(&[("Team", "a")]));
        assert_eq!(all, m(&[("Team", "a"), ("env", "dev")]));
    }

    #[test]
    fn own_tags_exclude_defaults_only() {
        let defaults = m(&[("team", "platform"), ("env", "dev")]);
        let remote = m(&[("team", "platform"), ("env", "prod"), ("extra", "x")]);
        assert_eq!(
            own_tags(&remote, &defaults, &m(&[])),
            m(&[("env", "prod"), ("extra", "x")])
        );
        // A tag the resource set itself stays its own even if it equals a default.
        assert_eq!(
            own_tags(&remote, &defaults, &m(&[("team", "platform")])),
            m(&[("team", "platform"), ("env", "prod"), ("extra", "x")])
        );
    }
}
