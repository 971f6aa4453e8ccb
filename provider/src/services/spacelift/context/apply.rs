//! The API steps: find, create, update and delete a context, and make its
//! config elements (variables and mounted files) what the plan asks for.
//! `contextCreateV2` is sent once (see the Ownership section of the module
//! docs); element writes are upserts by id, safe to repeat.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use tf_provider::value::Value;
use tf_provider::Diagnostics;

use super::flex::{
    b64, elements_known, expand_context, flatten_context, flatten_created_status, known_files, sha256_hex, Element,
};
use super::owner::{identity, owner_label, remote_marker};
use super::validate::{check_size, file_id};
use super::write_only::{self, needs_write, WriteOnlyNames};
use super::{
    private_with, recorded_marker, recorded_write_only, ContextPrivate, ContextState, CONFIG_FIELDS, CTX_FIELDS,
    IN_SYNC, RESOURCE_TYPE,
};
use crate::clients::spacelift::{field, SpaceliftClient, SpaceliftError};
use crate::framework::diag::{failed, report, ApiError};
use crate::framework::ownership::{self, Claim, NameTaken};
use crate::framework::plan::{known_str, known_string_map, require_str};

/// The server's slug of a name, as far as the contract shows it
/// ("Provider test context" -> `provider-test-context`). Used only to spot a
/// context that would collide with a new one.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[derive(Debug, thiserror::Error)]
enum CreateError {
    #[error(transparent)]
    Api(#[from] SpaceliftError),
    #[error(transparent)]
    Taken(#[from] NameTaken),
    #[error(
        "the answer to `contextCreateV2` was lost, and no context carries this create's owner label \
         `platform:owner:{marker}`: nothing was created, so nothing was recorded; apply again"
    )]
    LostNothingFound {
        marker: String,
        #[source]
        source: SpaceliftError,
    },
    /// The answer was lost and the lookup by marker failed: whether the
    /// context exists is unknown. The caller records it by its marker.
    #[error(transparent)]
    Unknown(Box<ownership::OutcomeUnknown>),
}

/// A Spacelift error as the framework's [`ApiError`], for [`ownership::OutcomeUnknown`].
fn api_error(operation: &'static str, err: SpaceliftError) -> ApiError {
    ApiError {
        operation,
        code: None,
        message: Some(err.to_string()),
        ambiguous: err.ambiguous(),
        source: Box::new(err),
    }
}

/// The context with all its config elements, in one query; `Ok(None)` when it does not exist.
pub(super) async fn find_context(
    client: &SpaceliftClient,
    id: &str,
) -> Result<Option<(Json, Vec<Element>)>, SpaceliftError> {
    let query = format!("query($id:ID!){{context(id:$id){{{CTX_FIELDS} config{{{CONFIG_FIELDS}}}}}}}");
    let data = client.graphql("context", &query, json!({ "id": id })).await?;
    let ctx = field(&data, "context", "context")?;
    if ctx.is_null() {
        return Ok(None);
    }
    let elements: Vec<Element> =
        serde_json::from_value(ctx["config"].clone()).map_err(|source| SpaceliftError::Decode {
            operation: "context",
            source,
        })?;
    Ok(Some((ctx.clone(), elements)))
}

/// Every context the credentials can see (the contract's `contexts` list).
async fn list_contexts(client: &SpaceliftClient) -> Result<Vec<Json>, SpaceliftError> {
    let query = format!("query{{contexts{{{CTX_FIELDS}}}}}");
    let data = client.graphql("contexts", &query, json!({})).await?;
    match field(&data, "contexts", "contexts")? {
        Json::Array(list) => Ok(list.clone()),
        _ => Err(SpaceliftError::NoData {
            operation: "contexts",
            field: "contexts",
        }),
    }
}

/// The id of the context carrying the owner marker `marker`, among those the
/// credentials can see; `Ok(None)` when none does.
async fn find_by_marker(client: &SpaceliftClient, marker: &str) -> Result<Option<String>, SpaceliftError> {
    Ok(list_contexts(client)
        .await?
        .iter()
        .find(|c| remote_marker(c).as_deref() == Some(marker))
        .and_then(|c| c["id"].as_str().map(str::to_string)))
}

/// Refreshes a context whose create's outcome is unknown (no id, the owner
/// marker recorded): found by its marker, it is ours and recorded whole (it
/// stays tainted, so the apply replaces it); not found on several reads, the
/// create made nothing and the instance leaves state.
pub(super) async fn read_pending(
    diags: &mut Diagnostics,
    client: &SpaceliftClient,
    state: ContextState,
    private_state: ContextPrivate,
    marker: &str,
) -> Option<(ContextState, ContextPrivate)> {
    let what = format!("the Spacelift context with owner marker `{marker}`");
    let found = match ownership::confirm_gone(|| find_by_marker(client, marker)).await {
        Ok(Some(id)) => find_context(client, &id).await,
        Ok(None) => {
            tracing::warn!(
                "{what}, whose create lost its answer, does not exist: nothing was created; removing it from state"
            );
            return None;
        }
        Err(err) => Err(err),
    };
    match found {
        Ok(Some((ctx, elements))) => {
            let wo = recorded_write_only(&private_state);
            let mut s = flatten_context(&state, &ctx, &elements, false, &wo);
            s.owner_marker = Value::Value(marker.to_string());
            tracing::warn!(
                "{what}, whose create lost its answer, exists as `{}`: it is recorded",
                ctx["id"].as_str().unwrap_or_default()
            );
            Some((s, private_with(Some(marker.to_string()), wo)))
        }
        // Listed a moment ago, and not found by its id now: keep the state for the next refresh.
        Ok(None) => Some((state, private_state)),
        Err(err) => {
            report(diags, &failed(format!("reading {what}"), err));
            Some((state, private_state))
        }
    }
}

/// Creates the context, marked with a new owner marker; returns its id and
/// the marker. A name (or the id it would give) already taken is refused
/// before anything is created. After an ambiguous failure the context is
/// looked for by its marker and adopted only with it; the mutation is never
/// sent twice.
async fn create_context(
    client: &SpaceliftClient,
    name: &str,
    mut input: Json,
) -> Result<(String, String), CreateError> {
    let wanted = slug(name);
    let contexts = list_contexts(client).await?;
    if let Some(taken) = contexts
        .iter()
        .find(|c| c["name"].as_str() == Some(name) || c["id"].as_str() == Some(wanted.as_str()))
    {
        let id = taken["id"].as_str().unwrap_or_default();
        return Err(NameTaken::new("Spacelift context", name, RESOURCE_TYPE, id)
            .with(format!(". The existing context has the id `{id}`; nothing was created"))
            .into());
    }
    let marker = ownership::new_marker();
    if let Some(labels) = input["labels"].as_array_mut() {
        labels.push(json!(owner_label(&marker)));
    }
    let query = format!("mutation($input:ContextInput!){{contextCreateV2(input:$input){{{CTX_FIELDS}}}}}");
    let answer = client
        .mutate_once("contextCreateV2", &query, json!({ "input": input }))
        .await
        .and_then(|data| {
            field(&data, "contextCreateV2", "contextCreateV2")?["id"]
                .as_str()
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .ok_or(SpaceliftError::NoData {
                    operation: "contextCreateV2",
                    field: "contextCreateV2.id",
                })
        });
    match answer {
        Ok(id) => Ok((id, marker)),
        Err(source) if source.ambiguous() => {
            tracing::warn!(
                "creating Spacelift context `{name}`: the answer was lost ({source}); looking for it by its owner marker"
            );
            let found = match list_contexts(client).await {
                Ok(found) => found,
                Err(lookup) => {
                    tracing::warn!(
                        "creating Spacelift context `{name}`: looking for it by its owner marker failed: {lookup}"
                    );
                    return Err(CreateError::Unknown(Box::new(ownership::OutcomeUnknown {
                        operation: "contextCreateV2",
                        what: "Spacelift context".to_string(),
                        name: name.to_string(),
                        marker,
                        source: api_error("contextCreateV2", source),
                    })));
                }
            };
            match found
                .iter()
                .find(|c| remote_marker(c).as_deref() == Some(marker.as_str()))
            {
                Some(ctx) => {
                    let id = ctx["id"].as_str().unwrap_or_default().to_string();
                    tracing::info!(
                        "creating Spacelift context `{name}`: adopted `{id}`, which carries this create's owner marker"
                    );
                    Ok((id, marker))
                }
                None => Err(CreateError::LostNothingFound { marker, source }),
            }
        }
        Err(source) => Err(source.into()),
    }
}

/// Writes one config element (an upsert by id); returns the checksum the server answered with.
async fn put_element(
    client: &SpaceliftClient,
    context: &str,
    id: &str,
    kind: &str,
    value: &str,
    write_only: bool,
) -> Result<String, SpaceliftError> {
    let query = format!("mutation($context:ID!,$config:ConfigInput!){{contextConfigAdd(context:$context,config:$config){{{CONFIG_FIELDS}}}}}");
    let config = json!({ "id": id, "type": kind, "value": value, "writeOnly": write_only, "description": Json::Null });
    let data = client
        .graphql(
            "contextConfigAdd",
            &query,
            json!({ "context": context, "config": config }),
        )
        .await
        .map_err(|err| if write_only { redact(err, kind, value) } else { err })?;
    Ok(field(&data, "contextConfigAdd", "contextConfigAdd")?["checksum"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

/// Spacelift's error messages reach diagnostics and logs word for word; one
/// about a secret could quote it. Hides the value as sent, its base64 and
/// its SHA-256 (hex and base64), and for a file the same of its content.
/// A form too short to replace sensibly withholds the message instead.
fn redact(err: SpaceliftError, kind: &str, sent: &str) -> SpaceliftError {
    use base64::Engine as _;
    let SpaceliftError::Graphql { operation, messages } = err else {
        return err;
    };
    let engine = &base64::engine::general_purpose::STANDARD;
    let mut values = vec![sent.to_string()];
    if kind == "FILE_MOUNT" {
        if let Ok(content) = engine.decode(sent) {
            values.push(String::from_utf8_lossy(&content).into_owned());
        }
    }
    let forms: Vec<String> = values
        .iter()
        .filter(|v| !v.is_empty())
        .flat_map(|v| {
            let digest = Sha256::digest(v.as_bytes());
            [v.clone(), b64(v), sha256_hex(v), engine.encode(digest)]
        })
        .collect();
    let messages = messages
        .into_iter()
        .map(|message| {
            let mut message = message;
            for form in &forms {
                if form.chars().count() < 4 && message.contains(form.as_str()) {
                    return "(message withheld: it may quote the secret value)".to_string();
                }
                message = message.replace(form.as_str(), "(redacted)");
            }
            message
        })
        .collect();
    SpaceliftError::Graphql { operation, messages }
}

async fn delete_element(client: &SpaceliftClient, context: &str, id: &str) -> Result<(), SpaceliftError> {
    let query =
        format!("mutation($context:ID!,$id:ID!){{contextConfigDelete(context:$context,id:$id){{{CONFIG_FIELDS}}}}}");
    client
        .graphql("contextConfigDelete", &query, json!({ "context": context, "id": id }))
        .await
        .map(|_| ())
}

/// The checksums the server answered with for the secrets and files one
/// apply wrote, by configured name.
#[derive(Debug, Default)]
pub(super) struct Written {
    pub(super) secrets: BTreeMap<String, String>,
    pub(super) files: BTreeMap<String, String>,
}

/// Makes the context's config elements what `planned` asks for, given what
/// `prior` says the server has. Secrets are written when new, changed, or not
/// known to be in sync; write-only ones (their values are in `config` only)
/// when the plan left their status unknown. Files are written under their
/// normalised path.
async fn sync_elements(
    client: &SpaceliftClient,
    context: &str,
    prior: &ContextState,
    planned: &ContextState,
    config: &ContextState,
) -> Result<Written, SpaceliftError> {
    let prior_plain = known_string_map(&prior.environment).unwrap_or_default();
    let plain = known_string_map(&planned.environment).unwrap_or_default();
    let prior_secret = known_string_map(&prior.secret_environment).unwrap_or_default();
    let secret = known_string_map(&planned.secret_environment).unwrap_or_default();
    let prior_secret_status = known_string_map(&prior.secret_environment_status).unwrap_or_default();
    let prior_files = known_files(&prior.mounted_files).unwrap_or_default();
    let files = known_files(&planned.mounted_files).unwrap_or_default();
    let prior_files_status = known_string_map(&prior.mounted_files_status).unwrap_or_default();
    let wo_secret = known_string_map(&config.secret_environment_wo).unwrap_or_default();
    let wo_files = known_string_map(&config.mounted_files_wo).unwrap_or_default();
    let file_ids: BTreeSet<String> = files.keys().chain(wo_files.keys()).map(|k| file_id(k)).collect();

    // Removals first: everything the server has that the plan does not.
    let mut remove: Vec<String> = prior_plain
        .keys()
        .filter(|k| !plain.contains_key(*k) && !secret.contains_key(*k))
        .cloned()
        .collect();
    remove.extend(
        prior_secret_status
            .keys()
            .filter(|k| !secret.contains_key(*k) && !plain.contains_key(*k) && !wo_secret.contains_key(*k))
            .cloned(),
    );
    for key in prior_files_status
        .keys()
        .filter(|k| !files.contains_key(*k) && !wo_files.contains_key(*k))
    {
        // Under its normalised path (unless a planned file now has it), and
        // as spelled when that differs (written by an older version, or out of band).
        let id = file_id(key);
        if !file_ids.contains(&id) {
            remove.push(id.clone());
        }
        if *key != id && !file_ids.contains(key) {
            remove.push(key.clone());
        }
    }
    for id in remove {
        delete_element(client, context, &id).await?;
    }
    for (name, value) in &plain {
        if prior_plain.get(name) != Some(value) {
            put_element(client, context, name, "ENVIRONMENT_VARIABLE", value, false).await?;
        }
    }
    let mut written = Written::default();
    for (name, value) in &secret {
        let in_sync =
            prior_secret.get(name) == Some(value) && prior_secret_status.get(name).map(String::as_str) == Some(IN_SYNC);
        if !in_sync {
            let checksum = put_element(client, context, name, "ENVIRONMENT_VARIABLE", value, true).await?;
            written.secrets.insert(name.clone(), checksum);
        }
    }
    for (file_path, (content, secret)) in &files {
        let in_sync = prior_files.get(file_path) == Some(&(content.clone(), *secret))
            && prior_files_status.get(file_path).map(String::as_str) == Some(IN_SYNC);
        if !in_sync {
            let id = file_id(file_path);
            let checksum = put_element(client, context, &id, "FILE_MOUNT", &b64(content), *secret).await?;
            written.files.insert(file_path.clone(), checksum);
            if *file_path != id {
                // A copy under the path as spelled, from an older version, would linger unseen.
                delete_element(client, context, file_path).await?;
            }
        }
    }
    for (name, value) in wo_secret
        .iter()
        .filter(|(name, _)| needs_write(&planned.secret_environment_status, name))
    {
        let checksum = put_element(client, context, name, "ENVIRONMENT_VARIABLE", value, true).await?;
        written.secrets.insert(name.clone(), checksum);
    }
    for (file_path, content) in wo_files
        .iter()
        .filter(|(file_path, _)| needs_write(&planned.mounted_files_status, file_path))
    {
        let checksum = put_element(client, context, &file_id(file_path), "FILE_MOUNT", &b64(content), true).await?;
        written.files.insert(file_path.clone(), checksum);
    }
    Ok(written)
}

/// Creates the context, then writes its variables and files. Once the
/// context exists, a failure returns it (Terraform taints it) with what it
/// has, so nothing is orphaned.
pub(super) async fn create(
    diags: &mut Diagnostics,
    client: &SpaceliftClient,
    planned: ContextState,
    config: ContextState,
) -> Option<(ContextState, ContextPrivate)> {
    let name = require_str(diags, "name", &planned.name)?.to_string();
    let context = format!("creating Spacelift context `{name}`");
    let known = elements_known(&planned) && write_only::values_known(&config);
    let Some(input) = expand_context(&planned, None).filter(|_| known) else {
        diags.root_error_short(format!("{context}: the plan still has unknown or null values"));
        return None;
    };
    // Values unknown at plan time are known now: check before creating anything.
    if !check_size(diags, &planned) {
        return None;
    }
    let (id, marker) = match create_context(client, &name, input).await {
        Ok(created) => created,
        Err(CreateError::Unknown(unknown)) => {
            // Recorded (tainted) by its marker, without an id: the next refresh decides.
            let marker = unknown.marker.clone();
            report(diags, &failed(context, CreateError::Unknown(unknown)));
            let mut s = planned.clone();
            s.id = Value::Null;
            s.owner_marker = Value::Value(marker.clone());
            (s.secret_environment_status, s.mounted_files_status) =
                flatten_created_status(&planned, &config, &Written::default());
            return Some((s, private_with(Some(marker), WriteOnlyNames::of(&config))));
        }
        Err(source) => {
            report(diags, &failed(context, source));
            return None;
        }
    };
    let private_state = private_with(Some(marker.clone()), WriteOnlyNames::of(&config));
    let mut s = planned.clone();
    s.id = Value::Value(id.clone());
    s.owner_marker = Value::Value(marker);
    // The context exists from here on: a failure below returns it (tainted) with what it has.
    let empty = ContextState {
        id: Value::Value(id.clone()),
        ..Default::default()
    };
    match sync_elements(client, &id, &empty, &planned, &config).await {
        Ok(written) => {
            (s.secret_environment_status, s.mounted_files_status) = flatten_created_status(&planned, &config, &written);
            Some((s, private_state))
        }
        Err(source) => {
            report(diags, &failed(context, source));
            // Nothing is known to be written: every configured element counts as missing.
            (s.secret_environment_status, s.mounted_files_status) =
                flatten_created_status(&planned, &config, &Written::default());
            let wo = WriteOnlyNames::of(&config);
            match find_context(client, &id).await {
                Ok(Some((ctx, elements))) => Some((flatten_context(&s, &ctx, &elements, false, &wo), private_state)),
                _ => Some((s, private_state)),
            }
        }
    }
}

/// Updates the context (only when its own attributes changed; the owner
/// label is kept), then its variables and files. After a failure the state
/// is what a re-read shows, or else what it was.
pub(super) async fn update(
    diags: &mut Diagnostics,
    client: &SpaceliftClient,
    prior: ContextState,
    planned: ContextState,
    config: ContextState,
    private_state: ContextPrivate,
) -> Option<(ContextState, ContextPrivate)> {
    let id = require_str(diags, "id", &prior.id)?.to_string();
    let context = format!("updating Spacelift context `{id}`");
    let marker = recorded_marker(&prior, &private_state);
    let known = elements_known(&planned) && write_only::values_known(&config);
    let Some(input) = expand_context(&planned, marker.as_deref()).filter(|_| known) else {
        diags.root_error_short(format!("{context}: the plan still has unknown or null values"));
        return None;
    };
    if !check_size(diags, &planned) {
        return None;
    }
    let unchanged = prior.name == planned.name
        && prior.description == planned.description
        && prior.space_id == planned.space_id
        && prior.labels == planned.labels
        && prior.hooks == planned.hooks;
    let result = async {
        if !unchanged {
            let query = format!(
                "mutation($id:ID!,$input:ContextInput!){{contextUpdateV2(id:$id,input:$input){{{CTX_FIELDS}}}}}"
            );
            client
                .graphql("contextUpdateV2", &query, json!({ "id": id, "input": input }))
                .await?;
        }
        sync_elements(client, &id, &prior, &planned, &config).await
    }
    .await;
    match result {
        Ok(written) => {
            // The write-only names the plan left unknown were written: their
            // statuses come from the checksums the server answered with.
            let mut s = planned;
            write_only::resolve_update_statuses(&mut s, &config, &written);
            s.owner_marker = marker.clone().into();
            let private = private_with(marker, WriteOnlyNames::of(&config));
            Some((s, private))
        }
        Err(source) => {
            report(diags, &failed(context, source));
            // One failed or empty read is no proof of anything: keep what state had.
            let wo = recorded_write_only(&private_state);
            match find_context(client, &id).await {
                Ok(Some((ctx, elements))) => {
                    Some((flatten_context(&prior, &ctx, &elements, false, &wo), private_state))
                }
                _ => Some((prior, private_state)),
            }
        }
    }
}

/// Deletes the context when it is proven ours: re-read, and compare its
/// identity (id, plus the owner marker when there is one) with the recorded
/// one. A missing or different context is left alone, with a warning.
pub(super) async fn delete(
    diags: &mut Diagnostics,
    client: &SpaceliftClient,
    prior: ContextState,
    private_state: ContextPrivate,
) -> Option<()> {
    let marker = recorded_marker(&prior, &private_state);
    let id = match (known_str(&prior.id), &marker) {
        (Some(id), _) => id.to_string(),
        // A create whose outcome is unknown (not refreshed since): the context
        // carrying the recorded marker, if there is one.
        (None, Some(m)) => match ownership::confirm_gone(|| find_by_marker(client, m)).await {
            Ok(Some(id)) => id,
            Ok(None) => {
                let what = format!("The Spacelift context with owner marker `{m}`");
                ownership::warn_left_alone(diags, &what, Some(m), &Claim::Missing);
                return Some(());
            }
            Err(source) => {
                report(
                    diags,
                    &failed(
                        format!("deleting the Spacelift context with owner marker `{m}`: looking for it"),
                        source,
                    ),
                );
                return None;
            }
        },
        (None, None) => require_str(diags, "id", &prior.id)?.to_string(),
    };
    let what = format!("Spacelift context `{id}`");
    // Delete only what is proven ours: re-read and compare the identity.
    let recorded = identity(&id, marker.as_deref());
    let found = match ownership::confirm_gone(|| find_context(client, &id)).await {
        Ok(found) => {
            found.map(|(ctx, _)| identity(ctx["id"].as_str().unwrap_or_default(), remote_marker(&ctx).as_deref()))
        }
        Err(source) => {
            report(diags, &failed(format!("deleting {what}: reading it first"), source));
            return None;
        }
    };
    let claim = ownership::claim(Some(&recorded), found.as_deref());
    if claim != Claim::Ours {
        ownership::warn_left_alone(diags, &what, Some(&recorded), &claim);
        return Some(());
    }
    let query = "mutation($id:ID!){contextDelete(id:$id){id}}";
    // A context that is already gone answers null: that is success too.
    match client.graphql("contextDelete", query, json!({ "id": id })).await {
        Ok(_) => Some(()),
        Err(source) => {
            report(diags, &failed(format!("deleting Spacelift context `{id}`"), source));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacelift_errors_about_a_secret_never_quote_it() {
        let graphql = |message: String| SpaceliftError::Graphql {
            operation: "contextConfigAdd",
            messages: vec![message],
        };
        let messages = |err: SpaceliftError| err.to_string();
        let secret = "hunter2-secret";
        let err = redact(
            graphql(format!("bad value {secret} ({}, {})", b64(secret), sha256_hex(secret))),
            "ENVIRONMENT_VARIABLE",
            secret,
        );
        let text = messages(err);
        assert!(text.contains("bad value (redacted) ((redacted), (redacted))"), "{text}");
        // A file: sent as base64, its content hidden as well.
        let content = "-----BEGIN KEY-----";
        let text = messages(redact(
            graphql(format!("cannot mount {content}")),
            "FILE_MOUNT",
            &b64(content),
        ));
        assert!(!text.contains(content) && text.contains("(redacted)"), "{text}");
        // A very short secret withholds the message rather than garble it.
        let text = messages(redact(
            graphql("value xy is invalid".into()),
            "ENVIRONMENT_VARIABLE",
            "xy",
        ));
        assert!(text.contains("withheld") && !text.contains("xy"), "{text}");
        // Other errors and messages without the value pass unchanged.
        let text = messages(redact(
            graphql("context not found".into()),
            "ENVIRONMENT_VARIABLE",
            secret,
        ));
        assert!(text.ends_with("context not found"), "{text}");
    }

    #[test]
    fn slugs_follow_the_contract_example() {
        assert_eq!(slug("Provider test context"), "provider-test-context");
        assert_eq!(slug("  provider  TEST context!"), "provider-test-context");
    }
}
