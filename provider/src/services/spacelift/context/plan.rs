//! The plan step: the computed attributes of a planned context.

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::{ContextState, DEFAULT_SPACE, IN_SYNC};
use crate::framework::plan::{default_from_config, to_value_map, ValueStringMap};

/// The computed attributes of a plan. On update every configured secret and
/// file will be `in-sync` after apply (and what is not configured is gone).
/// On create nothing exists yet: the statuses are unknown until the create
/// has written the elements and read their checksums back.
/// Write-only values are never planned (Terraform requires them null); the
/// update's statuses of write-only names are `write_only::plan_statuses`'.
pub(super) fn plan_computed(s: &mut ContextState, config: &ContextState, create: bool) {
    default_from_config(&mut s.space_id, &config.space_id, DEFAULT_SPACE.to_string());
    s.secret_environment_wo = Value::Null;
    s.mounted_files_wo = Value::Null;
    if create {
        s.secret_environment_status = Value::Unknown;
        s.mounted_files_status = Value::Unknown;
    } else {
        s.secret_environment_status = planned_status(map_keys(&s.secret_environment));
        s.mounted_files_status = planned_status(map_keys(&s.mounted_files));
    }
}

/// The status every configured name will have after apply.
fn planned_status(names: Option<Vec<&String>>) -> ValueStringMap {
    match names {
        Some(names) if names.is_empty() => Value::Null,
        Some(names) => to_value_map(&names.into_iter().map(|n| (n.clone(), IN_SYNC.to_string())).collect()),
        None => Value::Unknown,
    }
}

fn map_keys<T>(value: &Value<BTreeMap<String, T>>) -> Option<Vec<&String>> {
    match value {
        Value::Null => Some(vec![]),
        Value::Unknown => None,
        Value::Value(m) => Some(m.keys().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::spacelift::context::apply::Written;
    use crate::services::spacelift::context::flex::{flatten_created_status, sha256_hex};
    use crate::services::spacelift::context::tests::map;
    use crate::services::spacelift::context::CHANGED;
    use crate::services::spacelift::context::MISSING;

    #[test]
    fn create_plans_unknown_statuses_update_plans_in_sync() {
        let config = ContextState {
            name: Value::Value("x".into()),
            secret_environment: map(&[("X", "v")]),
            ..Default::default()
        };
        let mut create = config.clone();
        plan_computed(&mut create, &config, true);
        assert!(create.secret_environment_status.is_unknown() && create.mounted_files_status.is_unknown());
        let mut update = config.clone();
        plan_computed(&mut update, &config, false);
        assert_eq!(update.secret_environment_status, map(&[("X", IN_SYNC)]));
        assert!(update.mounted_files_status.is_null());
        // Write-only values never reach the plan, on create or update, even
        // from a proposed state that holds them.
        let wo = ContextState {
            secret_environment_wo: map(&[("W", "secret")]),
            mounted_files_wo: map(&[("f", "body")]),
            ..config.clone()
        };
        for create in [true, false] {
            let mut planned = wo.clone();
            plan_computed(&mut planned, &wo, create);
            assert!(
                planned.secret_environment_wo.is_null() && planned.mounted_files_wo.is_null(),
                "create={create}: {planned:?}"
            );
        }
        // After the create, from the checksums the server answered with.
        let mut written = Written::default();
        written.secrets.insert("X".into(), sha256_hex("v"));
        let (secrets, files) = flatten_created_status(&config, &config, &written);
        assert_eq!(secrets, map(&[("X", IN_SYNC)]));
        assert!(files.is_null());
        written.secrets.insert("X".into(), sha256_hex("other"));
        assert_eq!(
            flatten_created_status(&config, &config, &written).0,
            map(&[("X", CHANGED)])
        );
        assert_eq!(
            flatten_created_status(&config, &config, &Written::default()).0,
            map(&[("X", MISSING)])
        );
    }
}
