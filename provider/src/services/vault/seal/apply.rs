//! The API steps of `platform_vault_seal`: create, update in place, and
//! delete, each undoing or recording what it made when a later step fails.

use std::collections::BTreeMap;

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::flex::{expand_key, expand_role, flatten_key, read_remote};
use super::helm::outputs;
use super::plan::{key_policy, seal_policy};
use super::{seal_policy_name, VaultSealState, DEFAULT_WINDOW, RESOURCE_TYPE, SEAL_TAG};
use crate::clients::AwsClients;
use crate::framework::diag::{failed, report, BoxError};
use crate::framework::ownership::{self, PendingPrivate, Resolved};
use crate::framework::plan::{known_str, planned_policy, require_str, to_value_map};
use crate::framework::policy;
use crate::services::iam::role::{self, RoleSpec};
use crate::services::iam::trust;
use crate::services::kms::key::{self, KeyPlace};

/// Creates the seal: the role (or looks up the existing one), the key whose
/// policy names it, the alias and the seal policy. `None` when nothing was
/// made (or what was made is removed again).
pub async fn create_seal(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    planned: VaultSealState,
) -> Option<(VaultSealState, PendingPrivate)> {
    let name = require_str(diags, "name", &planned.name)?.to_string();
    let context = format!("creating Vault seal `{name}`");
    let mut s = planned.clone();
    let managed = s.role_name.is_null();
    let role_name = require_str(diags, "seal_role_name", &s.seal_role_name)?.to_string();

    // 0. An alias that already names another live key is not ours:
    // refuse before anything is created.
    if let Some(alias) = known_str(&s.alias_name) {
        if let Err(err) = key::check_alias_free(&aws.kms, alias, None, RESOURCE_TYPE).await {
            report(diags, &failed(context, err));
            return None;
        }
    }

    // 1. The role (created, or the existing one looked up).
    let role_arn = if managed {
        let Some(spec) = expand_role(&s).map(|spec| RoleSpec {
            inline_policies: BTreeMap::new(),
            ..spec
        }) else {
            diags.root_error_short(format!("{context}: the plan still has unknown values"));
            return None;
        };
        // A role left by an earlier incarnation of this seal (its key was
        // deleted outside Terraform) carries our tag: adopt it.
        let adopted = match role::find_role_by_name(&aws.iam, &role_name).await {
            Ok(Some(remote)) if remote.spec.tags.get(SEAL_TAG) == Some(&name) => {
                let mut have = remote.spec.clone();
                have.inline_policies.retain(|k, _| *k == seal_policy_name(&name));
                let want = RoleSpec {
                    policy_arns: remote.spec.policy_arns.clone(),
                    ..spec.clone()
                };
                match role::update_role(&aws.iam, &have, &want).await {
                    Ok(()) => Some(remote.arn),
                    Err(err) => {
                        report(diags, &failed(context, err));
                        return None;
                    }
                }
            }
            _ => None,
        };
        let created = match adopted {
            Some(arn) => Ok(arn),
            None => role::create_role(&aws.iam, &spec).await.map(|r| r.arn),
        };
        match created {
            Ok(arn) => {
                s.trust_policy = Value::Value(spec.trust_policy.clone());
                arn
            }
            Err(failure) => {
                report(diags, &failed(context, failure.error));
                // Nothing else exists yet; a half-made role is removed, never orphaned.
                if let Some(created) = &failure.created {
                    let id = created.unique_id.clone();
                    if let Err(err) = role::delete_role(&aws.iam, &role_name, |r| r.unique_id == id).await {
                        report(
                            diags,
                            &failed(format!("removing the half-created role `{role_name}`"), err),
                        );
                    }
                }
                return None;
            }
        }
    } else {
        match role::find_role_by_name(&aws.iam, &role_name).await {
            Ok(Some(remote)) => remote.arn,
            Ok(None) => {
                diags.error(
                    format!("`role_name`: no IAM role named `{role_name}`"),
                    "Create the role first, or leave `role_name` unset to let this resource create one.",
                    AttributePath::new("role_name"),
                );
                return None;
            }
            Err(err) => {
                report(diags, &failed(context, err));
                return None;
            }
        }
    };
    s.role_arn = Value::Value(role_arn.clone());

    // Undo the role if the key cannot be made: nothing is left that state does not know.
    let undo_role = || {
        let role_name = role_name.clone();
        let name = name.clone();
        let mut local = Diagnostics::default();
        async move {
            if managed {
                let seal = name.clone();
                if let Err(err) = role::delete_role(&aws.iam, &role_name, |r| is_seal_role(r, &seal)).await {
                    report(
                        &mut local,
                        &failed(format!("removing the role `{role_name}` after the key failed"), err),
                    );
                }
            }
            local
        }
    };

    // 2. The key, whose policy names the role (retried while IAM propagates it).
    let place = match KeyPlace::current(aws).await {
        Ok(place) => place,
        Err(err) => {
            report(diags, &failed(context.clone(), err));
            diags.add_diagnostics(undo_role().await);
            return None;
        }
    };
    s.key_policy = Value::Value(key_policy(&place, &role_arn));
    let Some(spec) = expand_key(&s) else {
        diags.root_error_short(format!("{context}: the plan still has unknown values"));
        diags.add_diagnostics(undo_role().await);
        return None;
    };
    let key = match key::create_key(&aws.kms, &name, &spec).await {
        Ok(key) => key,
        Err(failure) => {
            if let Some(marker) = failure.pending {
                // Whether the key exists is unknown: the seal is recorded
                // (tainted) with its role and the key's marker, without a key
                // id; refresh decides, and destroy removes the role.
                let source = match failure.error {
                    key::KeyError::Create { source, .. }
                    | key::KeyError::Read { source, .. }
                    | key::KeyError::ListKeys { source } => source,
                    other => crate::framework::diag::ApiError::other("CreateKey", None, other.to_string()),
                };
                let unknown = ownership::OutcomeUnknown {
                    operation: "CreateKey",
                    what: "KMS key of Vault seal".to_string(),
                    name: name.clone(),
                    marker: marker.clone(),
                    source,
                };
                report(diags, &failed(context, unknown));
                for v in [
                    &mut s.id,
                    &mut s.kms_key_id,
                    &mut s.kms_key_arn,
                    &mut s.alias_target_key_id,
                ] {
                    *v = Value::Null;
                }
                return Some((s, ownership::pending(&marker)));
            }
            report(diags, &failed(context.clone(), failure.error));
            match failure.created {
                // The key exists: record everything (tainted); destroy cleans up.
                Some(key) => {
                    flatten_key(&mut s, &key, &aws.default_tags);
                    return Some((s, PendingPrivate::Null));
                }
                None => {
                    diags.add_diagnostics(undo_role().await);
                    return None;
                }
            }
        }
    };
    s.id = Value::Value(key.key_id.clone());
    s.kms_key_id = Value::Value(key.key_id.clone());
    s.kms_key_arn = Value::Value(key.arn.clone());
    s.alias_target_key_id = Value::Value(key.key_id.clone());
    let alias = known_str(&s.alias_name).unwrap_or_default().to_string();
    s.alias_arn = Value::Value(place.alias_arn(&alias));
    let seal_doc = seal_policy(&key.arn);
    s.seal_policy_json = Value::Value(seal_doc.clone());
    let mut m = BTreeMap::new();
    m.insert(trust::ROLE_ARN_ANNOTATION.to_string(), role_arn.clone());
    s.service_account_annotations = to_value_map(&m);
    outputs(&mut s, &aws.region, aws.endpoints.kms.as_deref());

    // 3. Alias and 4. the seal policy; on failure the state holds it all (tainted).
    let rest: Result<(), BoxError> = async {
        key::ensure_alias(&aws.kms, &alias, &key.key_id, false, RESOURCE_TYPE).await?;
        role::put_inline_on_new_role(&aws.iam, &role_name, &seal_policy_name(&name), &seal_doc).await?;
        Ok(())
    }
    .await;
    if let Err(err) = rest {
        report(diags, &failed(context, err));
    }
    Some((s, PendingPrivate::Null))
}

/// Brings the seal from `prior` to `planned` in place, around the same key.
pub async fn update_seal(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    prior: VaultSealState,
    planned: VaultSealState,
) -> Option<VaultSealState> {
    let name = require_str(diags, "name", &planned.name)?.to_string();
    let key_id = require_str(diags, "kms_key_id", &prior.kms_key_id)?.to_string();
    let key_arn = require_str(diags, "kms_key_arn", &prior.kms_key_arn)?.to_string();
    let context = format!("updating Vault seal `{name}`");
    let mut s = planned.clone();
    let result: Result<(), BoxError> = async {
        let policy_name = seal_policy_name(&name);
        let old_role = known_str(&prior.seal_role_name).map(str::to_string);
        let new_role = known_str(&s.seal_role_name).unwrap_or_default().to_string();
        let managed = s.role_name.is_null();
        let seal_doc = seal_policy(&key_arn);

        // The old role, if the seal moves away from it: our policy off an
        // existing role; a role we created, deleted.
        if let Some(old) = old_role.as_deref().filter(|old| *old != new_role) {
            if prior.role_created == Value::Value(true) && owns_role(aws, old, &name).await? {
                role::delete_role(&aws.iam, old, |r| is_seal_role(r, &name)).await?;
            } else {
                role::delete_inline(&aws.iam, old, &policy_name).await?;
            }
        }

        // The new (or same) role.
        if managed {
            let mut want = s.clone();
            want.seal_policy_json = Value::Value(seal_doc.clone());
            let spec = expand_role(&want).ok_or("the plan still has unknown values")?;
            match role::find_role_by_name(&aws.iam, &new_role).await? {
                Some(remote) => {
                    let mut have = remote.spec.clone();
                    have.inline_policies.retain(|k, _| *k == policy_name);
                    role::update_role(
                        &aws.iam,
                        &have,
                        &RoleSpec {
                            policy_arns: remote.spec.policy_arns.clone(),
                            ..spec.clone()
                        },
                    )
                    .await?;
                    s.role_arn = Value::Value(remote.arn);
                }
                None => {
                    let remote = role::create_role(&aws.iam, &spec).await.map_err(|f| f.error)?;
                    s.role_arn = Value::Value(remote.arn);
                }
            }
            s.trust_policy = Value::Value(spec.trust_policy.clone());
        } else {
            let remote = role::find_role_by_name(&aws.iam, &new_role)
                .await?
                .ok_or_else(|| format!("no IAM role named `{new_role}` (`role_name`)"))?;
            s.role_arn = Value::Value(remote.arn);
            let current = remote.spec.inline_policies.get(&policy_name);
            if !current.is_some_and(|c| policy::equivalent(c, &seal_doc)) {
                role::put_inline(&aws.iam, &new_role, &policy_name, &seal_doc).await?;
            }
        }
        s.seal_policy_json = planned_policy(Some(&planned.seal_policy_json), Some(seal_doc));

        // The key: its policy names the role, which may be new.
        let place = KeyPlace::from_arn(&key_arn).ok_or("the key ARN in state is malformed")?;
        let role_arn = known_str(&s.role_arn).unwrap_or_default().to_string();
        s.key_policy = planned_policy(Some(&planned.key_policy), Some(key_policy(&place, &role_arn)));
        let mut m = BTreeMap::new();
        m.insert(trust::ROLE_ARN_ANNOTATION.to_string(), role_arn);
        s.service_account_annotations = to_value_map(&m);
        let (Some(prior_spec), Some(spec)) = (expand_key(&prior), expand_key(&s)) else {
            return Err("the plan still has unknown values".into());
        };
        key::update_key(&aws.kms, &key_id, &prior_spec, &spec).await?;
        let alias = known_str(&s.alias_name).unwrap_or_default().to_string();
        // The alias this seal already has is pointed back if it was moved;
        // a new alias name is not taken from another key.
        let owned = known_str(&prior.alias_name) == Some(alias.as_str());
        key::ensure_alias(&aws.kms, &alias, &key_id, owned, RESOURCE_TYPE).await?;
        if let Some(old_alias) = known_str(&prior.alias_name).filter(|a| *a != alias) {
            key::delete_alias(&aws.kms, old_alias, &key_id).await?;
        }
        s.alias_target_key_id = Value::Value(key_id.clone());
        outputs(&mut s, &aws.region, aws.endpoints.kms.as_deref());
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Some(s),
        Err(err) => {
            report(diags, &failed(context, err));
            match read_remote(aws, &planned).await {
                Ok(Some(now)) => Some(now),
                Ok(None) => None,
                Err(_) => Some(prior),
            }
        }
    }
}

/// Deletes the role this seal created (or takes the seal policy off an
/// existing one), the alias while it points at the key, and schedules the
/// key's deletion.
pub async fn destroy_seal(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    prior: VaultSealState,
    private: &PendingPrivate,
) -> Option<()> {
    let name = known_str(&prior.name).unwrap_or_default().to_string();
    let result: Result<(), BoxError> = async {
        // A key whose create had an unknown outcome, not refreshed since: the
        // key carrying its marker, if any.
        let mut prior = prior;
        if known_str(&prior.kms_key_id).is_none() {
            if let Some(marker) = ownership::pending_marker(private) {
                if let Some(found) = key::find_pending(&aws.kms, marker).await? {
                    prior.kms_key_id = Value::Value(found.key_id);
                }
            }
        }
        if let Some(role_name) = known_str(&prior.seal_role_name) {
            // A role this seal created goes; any other role only loses the seal policy.
            if prior.role_created == Value::Value(true) && owns_role(aws, role_name, &name).await? {
                role::delete_role(&aws.iam, role_name, |r| is_seal_role(r, &name)).await?;
            } else {
                role::delete_inline(&aws.iam, role_name, &seal_policy_name(&name)).await?;
            }
        }
        if let Some(key_id) = known_str(&prior.kms_key_id) {
            if let Some(alias) = known_str(&prior.alias_name) {
                key::delete_alias(&aws.kms, alias, key_id).await?;
            }
            key::schedule_deletion(
                &aws.kms,
                key_id,
                prior
                    .deletion_window_in_days
                    .as_ref_option()
                    .copied()
                    .unwrap_or(DEFAULT_WINDOW),
            )
            .await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Some(()),
        Err(err) => {
            report(diags, &failed(format!("deleting Vault seal `{name}`"), err));
            None
        }
    }
}

/// Refreshes a seal whose key's create had an unknown outcome (no key id,
/// the marker in private state): the key carrying the marker is ours and
/// recorded whole (still tainted, so the apply replaces the seal); without
/// one on several reads, the seal is what [`read_keyless`] says.
pub async fn read_pending(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    state: VaultSealState,
    private: PendingPrivate,
    marker: &str,
) -> Option<(VaultSealState, PendingPrivate)> {
    let what = format!(
        "the KMS key of Vault seal `{}` with owner marker `{marker}`",
        known_str(&state.name).unwrap_or("?")
    );
    let found: Result<Option<VaultSealState>, BoxError> = async {
        let Some(key) = key::find_pending(&aws.kms, marker).await? else {
            return Ok(None);
        };
        let with_key = VaultSealState {
            kms_key_id: Value::Value(key.key_id.clone()),
            ..state.clone()
        };
        read_remote(aws, &with_key).await
    }
    .await;
    let resolved = match found {
        // Without its key the seal is what `read_keyless` says.
        Ok(None) => {
            tracing::warn!("{what}, whose create did not finish, does not exist: the seal has no key");
            return read_keyless(diags, aws, state, PendingPrivate::Null).await;
        }
        Ok(Some(s)) => Resolved::Ours(s),
        Err(err) => Resolved::Failed(err),
    };
    ownership::finish_pending(diags, &what, marker, (state, private), resolved)
}

/// Refreshes a seal recorded without a key (its key's create made none): it
/// stays in state (tainted; its replacement or destroy deletes the role)
/// while the role it created exists; otherwise nothing is left and it leaves
/// state.
pub async fn read_keyless(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    state: VaultSealState,
    private: PendingPrivate,
) -> Option<(VaultSealState, PendingPrivate)> {
    let (Some(role_name), true) = (
        known_str(&state.seal_role_name),
        state.role_created == Value::Value(true),
    ) else {
        return None;
    };
    let seal = known_str(&state.name).unwrap_or_default();
    match ownership::confirm_gone(|| async {
        role::find_role_by_name(&aws.iam, role_name)
            .await
            .map(|found| found.filter(|r| is_seal_role(r, seal)))
    })
    .await
    {
        Ok(Some(_)) => Some((state, private)),
        Ok(None) => None,
        Err(err) => {
            report(
                diags,
                &failed(format!("reading the role `{role_name}` of Vault seal `{seal}`"), err),
            );
            Some((state, private))
        }
    }
}

/// Is this role one this seal created? Only such a role is ever deleted.
pub async fn owns_role(aws: &AwsClients, role_name: &str, seal: &str) -> Result<bool, BoxError> {
    Ok(role::find_role_by_name(&aws.iam, role_name)
        .await?
        .is_some_and(|r| is_seal_role(&r, seal)))
}

/// A role this seal created carries its seal tag.
pub fn is_seal_role(role: &role::RemoteRole, seal: &str) -> bool {
    role.spec.tags.get(SEAL_TAG).map(String::as_str) == Some(seal)
}
