//! Between the state and the API: `expand_*` turns the state into GraphQL
//! input, `flatten_*` turns the server's answers into state. Secrets are never
//! read back: their status compares the server's SHA-256 checksum with the
//! configured value (see the module docs).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use tf_provider::value::Value;

use super::apply::Written;
use super::owner::{is_owner_label, owner_label};
use super::validate::file_id;
use super::write_only::{refreshed_status, written_status, WriteOnlyNames};
use super::{
    ContextState, FilesValue, HooksValue, MountedFile, CHANGED, DEFAULT_SPACE, EXTRA, IN_SYNC, MISSING, PHASES,
    UNVERIFIED,
};
use crate::framework::plan::{
    known_str, known_string_map, known_string_set, optional_map, optional_set, ValueStringMap,
};

pub(super) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn b64(content: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(content.as_bytes())
}

/// Known files as (content, secret); `None` while anything is unknown.
pub(super) fn known_files(files: &FilesValue) -> Option<BTreeMap<String, (String, bool)>> {
    match files {
        Value::Null => Some(BTreeMap::new()),
        Value::Unknown => None,
        Value::Value(map) => map
            .iter()
            .map(|(k, f)| {
                let f = f.as_ref_option()?;
                Some((
                    k.clone(),
                    (known_str(&f.content)?.to_string(), *f.secret.as_ref_option()?),
                ))
            })
            .collect(),
    }
}

/// Whether every variable and file is known and set: what [`sync_elements`]
/// writes. (A null member is refused at plan; this keeps one from ever being
/// read as "nothing configured", which would remove everything.)
pub(super) fn elements_known(s: &ContextState) -> bool {
    known_string_map(&s.environment).is_some()
        && known_string_map(&s.secret_environment).is_some()
        && known_files(&s.mounted_files).is_some()
}

/// Hooks as GraphQL input: all eleven phases, `[]` when empty.
fn expand_hooks(hooks: &HooksValue) -> Option<Json> {
    let mut out = serde_json::Map::new();
    for (hcl, gql) in PHASES {
        let commands: Vec<String> = match hooks {
            Value::Value(map) => match map.get(hcl) {
                Some(Value::Value(list)) => list
                    .iter()
                    .map(|c| known_str(c).map(str::to_string))
                    .collect::<Option<_>>()?,
                Some(Value::Unknown) => return None,
                _ => vec![],
            },
            Value::Null => vec![],
            Value::Unknown => return None,
        };
        out.insert(gql.to_string(), json!(commands));
    }
    Some(Json::Object(out))
}

/// The context as GraphQL input; the owner label is added to the labels.
pub(super) fn expand_context(s: &ContextState, marker: Option<&str>) -> Option<Json> {
    let mut labels: Vec<String> = known_string_set(&s.labels)?
        .into_iter()
        .filter(|l| !is_owner_label(l))
        .collect();
    labels.extend(marker.map(owner_label));
    Some(json!({
        "name": known_str(&s.name)?,
        "description": known_str(&s.description),
        "labels": labels,
        "space": known_str(&s.space_id).unwrap_or(DEFAULT_SPACE),
        "hooks": expand_hooks(&s.hooks)?,
    }))
}

/// One config element as the server has it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Element {
    pub id: String,
    pub checksum: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: Option<String>,
    pub write_only: bool,
}

/// The status of an element the state has no value for: unverified from an
/// import until apply writes it, otherwise not in the configuration.
fn unconfigured_status(import: bool, prior: Option<&String>) -> String {
    if import || prior.map(String::as_str) == Some(UNVERIFIED) {
        UNVERIFIED
    } else {
        EXTRA
    }
    .to_string()
}

/// Writes the server's context into state. Secret values stay as configured;
/// their status says whether the server agrees. On `import` there is no
/// configuration yet: secrets are `imported-unverified` and plain files are read back.
/// The write-only names (`wo`, from private state) are refreshed by presence
/// only: their values are checked at plan (see `write_only.rs`).
pub(super) fn flatten_context(
    prior: &ContextState,
    ctx: &Json,
    elements: &[Element],
    import: bool,
    wo: &WriteOnlyNames,
) -> ContextState {
    let mut s = prior.clone();
    let text = |v: &Json| v.as_str().map(str::to_string);
    s.id = text(&ctx["id"]).into();
    s.name = text(&ctx["name"]).into();
    s.description = match text(&ctx["description"]).filter(|d| !d.is_empty()) {
        Some(d) => Value::Value(d),
        None if matches!(&prior.description, Value::Value(p) if p.is_empty()) => prior.description.clone(),
        None => Value::Null,
    };
    s.space_id = text(&ctx["space"]).into();
    let labels: BTreeSet<String> = ctx["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str().map(str::to_string))
        .filter(|l| !is_owner_label(l))
        .collect();
    s.labels = optional_set(&prior.labels, &labels);

    let prior_hooks = match &prior.hooks {
        Value::Value(m) => m.clone(),
        _ => BTreeMap::new(),
    };
    let mut hooks = BTreeMap::new();
    for (hcl, gql) in PHASES {
        let commands: Vec<Value<String>> = ctx["hooks"][gql]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str().map(|c| Value::Value(c.to_string())))
            .collect();
        // An empty phase stays in the map only if the configuration had it.
        if !commands.is_empty() || prior_hooks.contains_key(hcl) {
            hooks.insert(hcl.to_string(), Value::Value(commands));
        }
    }
    s.hooks = if hooks.is_empty() && prior.hooks.is_null() {
        Value::Null
    } else {
        Value::Value(hooks)
    };

    let plain: BTreeMap<String, String> = elements
        .iter()
        .filter(|e| e.kind == "ENVIRONMENT_VARIABLE" && !e.write_only)
        .map(|e| (e.id.clone(), e.value.clone().unwrap_or_default()))
        .collect();
    s.environment = optional_map(&prior.environment, &plain);

    let configured_secrets = known_string_map(&prior.secret_environment).unwrap_or_default();
    let remote_secrets: BTreeMap<&str, &Element> = elements
        .iter()
        .filter(|e| e.kind == "ENVIRONMENT_VARIABLE" && e.write_only)
        .map(|e| (e.id.as_str(), e))
        .collect();
    let mut status = BTreeMap::new();
    for (name, value) in &configured_secrets {
        let st = match remote_secrets.get(name.as_str()) {
            Some(e) if e.checksum == sha256_hex(value) => IN_SYNC,
            Some(_) => CHANGED,
            None => MISSING,
        };
        status.insert(name.clone(), st.to_string());
    }
    let prior_status = known_string_map(&prior.secret_environment_status).unwrap_or_default();
    for name in wo.secrets.iter().filter(|n| !configured_secrets.contains_key(*n)) {
        let found = elements
            .iter()
            .find(|e| e.kind == "ENVIRONMENT_VARIABLE" && e.id == *name);
        status.insert(name.clone(), refreshed_status(prior_status.get(name), found));
    }
    for name in remote_secrets
        .keys()
        .filter(|n| !configured_secrets.contains_key(**n) && !wo.secrets.contains(**n))
    {
        status.insert(name.to_string(), unconfigured_status(import, prior_status.get(*name)));
    }
    s.secret_environment_status = optional_map(&prior.secret_environment_status, &status);

    let configured_files = known_files(&prior.mounted_files).unwrap_or_default();
    let prior_files_status = known_string_map(&prior.mounted_files_status).unwrap_or_default();
    let remote_files: BTreeMap<&str, &Element> = elements
        .iter()
        .filter(|e| e.kind == "FILE_MOUNT")
        .map(|e| (e.id.as_str(), e))
        .collect();
    let mut status = BTreeMap::new();
    let mut files = BTreeMap::new();
    // Configured files are looked up by their normalised path (the id they
    // are written under), or else as spelled (written by an older version).
    let mut matched = BTreeSet::new();
    for (file_path, (content, secret)) in &configured_files {
        let id = file_id(file_path);
        let found = [id.as_str(), file_path.as_str()]
            .into_iter()
            .find_map(|i| remote_files.get(i).map(|e| (i, *e)));
        let st = match found {
            Some((_, e)) if e.checksum == sha256_hex(&b64(content)) && e.write_only == *secret => IN_SYNC,
            Some(_) => CHANGED,
            None => MISSING,
        };
        if let Some((i, _)) = found {
            matched.insert(i.to_string());
        }
        status.insert(file_path.clone(), st.to_string());
        files.insert(file_path.clone(), (content.clone(), *secret));
    }
    for file_path in wo.files.iter().filter(|p| !configured_files.contains_key(*p)) {
        let id = file_id(file_path);
        let found = remote_files.get(id.as_str()).copied();
        if found.is_some() {
            matched.insert(id);
        }
        status.insert(
            file_path.clone(),
            refreshed_status(prior_files_status.get(file_path), found),
        );
    }
    for (file_path, e) in remote_files
        .iter()
        .filter(|(p, _)| !matched.contains(**p) && !configured_files.contains_key(**p))
    {
        // An import can read plain files back; secret ones stay unverified.
        if import && !e.write_only {
            let content = e
                .value
                .as_deref()
                .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
                .and_then(|bytes| String::from_utf8(bytes).ok());
            if let Some(content) = content {
                files.insert(file_path.to_string(), (content, false));
                status.insert(file_path.to_string(), IN_SYNC.to_string());
                continue;
            }
        }
        status.insert(
            file_path.to_string(),
            unconfigured_status(import, prior_files_status.get(*file_path)),
        );
    }
    s.mounted_files_status = optional_map(&prior.mounted_files_status, &status);
    if import && !files.is_empty() {
        s.mounted_files = Value::Value(
            files
                .into_iter()
                .map(|(k, (content, secret))| {
                    (
                        k,
                        Value::Value(MountedFile {
                            content: Value::Value(content),
                            secret: Value::Value(secret),
                        }),
                    )
                })
                .collect(),
        );
    }
    s
}

/// The statuses right after a create, from the checksums the server
/// answered with: `in-sync` when it holds what was sent. The write-only
/// values come from the configuration (they are null in the plan).
pub(super) fn flatten_created_status(
    planned: &ContextState,
    config: &ContextState,
    written: &Written,
) -> (ValueStringMap, ValueStringMap) {
    let wo_secrets = known_string_map(&config.secret_environment_wo).unwrap_or_default();
    let secrets: BTreeMap<String, String> = known_string_map(&planned.secret_environment)
        .unwrap_or_default()
        .into_iter()
        .chain(wo_secrets)
        .map(|(name, value)| {
            let st = written_status(written.secrets.get(&name), &value);
            (name, st)
        })
        .collect();
    let wo_files = known_string_map(&config.mounted_files_wo).unwrap_or_default();
    let files: BTreeMap<String, String> = known_files(&planned.mounted_files)
        .unwrap_or_default()
        .into_iter()
        .map(|(file_path, (content, _))| (file_path, content))
        .chain(wo_files)
        .map(|(file_path, content)| {
            let st = written_status(written.files.get(&file_path), &b64(&content));
            (file_path, st)
        })
        .collect();
    (optional_map(&Value::Null, &secrets), optional_map(&Value::Null, &files))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::spacelift::context::owner::{identity, remote_marker};
    use crate::services::spacelift::context::tests::{map, with_files};

    #[test]
    fn checksums_follow_the_contract() {
        // SHA-256 of the value as sent; for files, of the base64 text.
        assert_eq!(
            sha256_hex("pw"),
            "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"
        );
        assert_eq!(b64("hello"), "aGVsbG8=");
    }

    #[test]
    fn secret_drift_is_a_status_never_a_value() {
        let prior = ContextState {
            id: Value::Value("ctx".into()),
            secret_environment: map(&[("DB", "pw"), ("GONE", "x")]),
            secret_environment_status: map(&[("DB", IN_SYNC), ("GONE", IN_SYNC)]),
            ..Default::default()
        };
        let ctx = json!({"id": "ctx", "name": "c", "labels": [], "space": "root", "hooks": {}});
        let elements = vec![
            Element {
                id: "DB".into(),
                checksum: sha256_hex("changed"),
                kind: "ENVIRONMENT_VARIABLE".into(),
                value: None,
                write_only: true,
            },
            Element {
                id: "NEW".into(),
                checksum: sha256_hex("n"),
                kind: "ENVIRONMENT_VARIABLE".into(),
                value: None,
                write_only: true,
            },
        ];
        let s = flatten_context(&prior, &ctx, &elements, false, &Default::default());
        assert_eq!(
            s.secret_environment, prior.secret_environment,
            "configured secrets stay as configured"
        );
        assert_eq!(
            s.secret_environment_status,
            map(&[("DB", CHANGED), ("GONE", MISSING), ("NEW", EXTRA)])
        );
    }

    #[test]
    fn the_owner_marker_is_hidden_and_kept() {
        let ctx =
            json!({"id": "c", "name": "c", "labels": ["team", "platform:owner:abc"], "space": "root", "hooks": {}});
        assert_eq!(remote_marker(&ctx).as_deref(), Some("abc"));
        let s = flatten_context(&ContextState::default(), &ctx, &[], false, &Default::default());
        assert_eq!(
            s.labels,
            crate::framework::plan::to_value_set(&["team".to_string()].into())
        );
        let input = expand_context(&s, Some("abc")).unwrap();
        assert_eq!(input["labels"], json!(["team", "platform:owner:abc"]));
        assert_eq!(identity("c", Some("abc")), "c (owner marker abc)");
        assert_ne!(identity("c", Some("abc")), identity("c", None));
    }

    #[test]
    fn files_are_read_back_under_their_normalised_path() {
        let prior = with_files(&["./conf/a.json", "legacy/./b"], "x");
        let ctx = json!({"id": "ctx", "name": "c", "labels": [], "space": "root", "hooks": {}});
        let file = |id: &str| Element {
            id: id.into(),
            checksum: sha256_hex(&b64("x")),
            kind: "FILE_MOUNT".into(),
            value: Some(b64("x")),
            write_only: false,
        };
        // `conf/a.json` as written now; `legacy/./b` as an older version wrote it.
        let s = flatten_context(
            &prior,
            &ctx,
            &[file("conf/a.json"), file("legacy/./b")],
            false,
            &Default::default(),
        );
        assert_eq!(
            s.mounted_files_status,
            map(&[("./conf/a.json", IN_SYNC), ("legacy/./b", IN_SYNC)])
        );
    }
}
