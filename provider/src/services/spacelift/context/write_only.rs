//! The write-only forms of the secrets: `secret_environment_wo` and
//! `mounted_files_wo`, each with its `*_wo_version` number.
//!
//! Terraform (>= 1.11) and OpenTofu (>= 1.11) hand write-only values to the
//! provider in the configuration only; they are null in the plan and in the
//! state. The state keeps the names (as keys of the status maps, and in the
//! private state), never a value, a checksum or any other derivative of one.
//!
//! Drift is still found. At plan time the configuration holds the values, so
//! the plan reads the context's checksums (one `context` query) and compares
//! each with the SHA-256 of the configured value, as Spacelift computes it
//! ([`plan_statuses`]). A name whose checksum differs (changed outside
//! Terraform, or in the configuration), that is missing, or whose version
//! changed is planned unknown in its status map, with a warning naming it;
//! the apply writes exactly those names ([`needs_write`]) and resolves their
//! statuses from the checksums the server answers with ([`resolve_statuses`]).
//! A name in sync is planned `in-sync`, as the refresh left it, so an
//! unchanged configuration plans empty.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tf_provider::value::Value;
use tf_provider::{AttributePath, ClientCapabilities, Diagnostics};

use super::apply::Written;
use super::flex::{b64, known_files, sha256_hex, Element};
use super::validate::{check_file_size, file_id, is_env_name, normalize_file_path};
use super::{ContextState, CHANGED, IN_SYNC, MISSING};
use crate::framework::plan::{known_string_map, ValueStringMap};
use crate::framework::validate::Validator;
use crate::framework::write_only::require_support;

pub(super) const SECRETS_WO: &str = "secret_environment_wo";
pub(super) const FILES_WO: &str = "mounted_files_wo";

/// The names the write-only attributes held at the last apply (kept in
/// private state): names only.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WriteOnlyNames {
    pub secrets: BTreeSet<String>,
    pub files: BTreeSet<String>,
}

impl WriteOnlyNames {
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty() && self.files.is_empty()
    }

    /// The names a configuration gives.
    pub(super) fn of(config: &ContextState) -> Self {
        let keys = |m: &ValueStringMap| {
            m.as_ref_option()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        Self {
            secrets: keys(&config.secret_environment_wo),
            files: keys(&config.mounted_files_wo),
        }
    }
}

/// Whether the configuration sets any write-only attribute (a version alone
/// does not write anything, but it only makes sense beside its map).
pub(super) fn used(c: &ContextState) -> bool {
    !c.secret_environment_wo.is_null()
        || !c.mounted_files_wo.is_null()
        || !c.secret_environment_wo_version.is_null()
        || !c.mounted_files_wo_version.is_null()
}

/// On a CLI without write-only attributes (older than Terraform or OpenTofu
/// 1.11), setting one is an error naming the version needed and the
/// attribute to use instead: such a CLI would store the value in state.
pub(super) fn require_cli_support(diags: &mut Diagnostics, c: &ContextState, capabilities: &ClientCapabilities) {
    require_support(
        diags,
        capabilities,
        AttributePath::new(SECRETS_WO),
        &c.secret_environment_wo,
        "secret_environment",
    );
    require_support(
        diags,
        capabilities,
        AttributePath::new(FILES_WO),
        &c.mounted_files_wo,
        "mounted_files",
    );
}

/// The write-only attributes' checks: names, newlines, paths, sizes, nulls,
/// and that no variable or file is given in two forms (they would overwrite
/// each other, and the plain form would put the value in state).
/// (Null members are [`check_nulls`]'s, which `validate::check_nulls` calls.)
pub(super) fn validate(diags: &mut Diagnostics, c: &ContextState) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    let keys = |m: &ValueStringMap| -> BTreeSet<String> {
        m.as_ref_option()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let plain = keys(&c.environment);
    let secret = keys(&c.secret_environment);
    // Mounted files by the id they are written under: their normalised path.
    let plain_files: BTreeMap<String, String> = c
        .mounted_files
        .as_ref_option()
        .into_iter()
        .flat_map(|m| m.keys())
        .map(|k| (file_id(k), k.clone()))
        .collect();
    if let Value::Value(vars) = &c.secret_environment_wo {
        for (name, value) in vars {
            let at = path(SECRETS_WO).key(name.clone());
            if !is_env_name(name) {
                v.error(
                    &at,
                    "must be an environment variable name: a letter or '_' followed by letters, digits and '_'",
                );
            }
            // The value is never shown: it is a secret.
            if value.as_ref_option().is_some_and(|s| s.contains(['\n', '\r'])) {
                v.error(
                    &at,
                    "has a newline in its value, and Spacelift does not support newlines in environment variables: \
                     put multi-line values in `mounted_files_wo`, or base64-encode them",
                );
            }
            if secret.contains(name) {
                v.error(
                    &at,
                    "is also in `secret_environment`: give a secret in one of the two forms, `secret_environment` \
                     (any CLI; the value is stored in state) or `secret_environment_wo` (write-only, Terraform or \
                     OpenTofu >= 1.11; never stored), and remove it from the other",
                );
            }
            if plain.contains(name) {
                v.error(
                    &at,
                    "is also in `environment`: a variable is either plain or secret, remove it from one of them",
                );
            }
            if let Some(file) = plain_files.get(name) {
                v.error(
                    &at,
                    format!(
                        "has the same id as `mounted_files[{file:?}]`: Spacelift keeps variables and mounted files \
                         under one id per context, so the two would overwrite each other on every apply; rename one of them"
                    ),
                );
            }
        }
    }
    let Value::Value(files) = &c.mounted_files_wo else {
        return;
    };
    let variables = [
        ("environment", plain),
        ("secret_environment", secret),
        (SECRETS_WO, keys(&c.secret_environment_wo)),
    ];
    let mut seen: BTreeMap<String, &String> = BTreeMap::new();
    for (key, content) in files {
        let at = path(FILES_WO).key(key.clone());
        let id = match normalize_file_path(key) {
            Ok(id) => id,
            Err(rule) => {
                v.error(&at, rule);
                continue;
            }
        };
        if let Some(first) = seen.get(&id) {
            v.error(
                &at,
                format!(
                    "is the same file as `{FILES_WO}[{first:?}]`: both are `{id}` once normalised, so one would \
                     overwrite the other; keep one of them"
                ),
            );
            continue;
        }
        if let Some(other) = plain_files.get(&id) {
            v.error(
                &at,
                format!(
                    "is also in `mounted_files` (as {other:?}; both are `{id}` once normalised): give a file in one \
                     of the two forms, `mounted_files` (any CLI; the content is stored in state) or `{FILES_WO}` \
                     (write-only, Terraform or OpenTofu >= 1.11; never stored), and remove it from the other"
                ),
            );
        }
        for (attribute, names) in &variables {
            if names.contains(&id) {
                v.error(
                    &at,
                    format!(
                        "has the same id as `{attribute}[\"{id}\"]`: Spacelift keeps variables and mounted files \
                         under one id per context, so the two would overwrite each other on every apply; rename one of them"
                    ),
                );
            }
        }
        if let Some(content) = content.as_ref_option() {
            check_file_size(&mut v, &at, content);
        }
        seen.insert(id, key);
    }
}

/// Refuses null members of the write-only maps (a null would be written as
/// nothing while its status claimed it there). True when there is none.
pub(super) fn check_nulls(diags: &mut Diagnostics, c: &ContextState) -> bool {
    let before = diags.errors.len();
    let mut v = Validator::new(diags);
    for (attribute, map, what) in [
        (SECRETS_WO, &c.secret_environment_wo, "a variable whose value is null would not be written; give it a value (\"\" for an empty one) or leave it out"),
        (FILES_WO, &c.mounted_files_wo, "a file whose content is null would not be written; use \"\" for an empty file, or leave it out"),
    ] {
        if let Value::Value(map) = map {
            for name in map.iter().filter(|(_, value)| value.is_null()).map(|(name, _)| name) {
                v.error(&AttributePath::new(attribute).key(name.clone()), format!("must be set: {what}"));
            }
        }
    }
    diags.errors.len() == before
}

/// Whether the configured values are all known: what the apply writes.
pub(super) fn values_known(config: &ContextState) -> bool {
    known_string_map(&config.secret_environment_wo).is_some() && known_string_map(&config.mounted_files_wo).is_some()
}

/// Whether a plan must read the server's checksums: some write-only value
/// is configured and known.
pub(super) fn needs_checksums(config: &ContextState) -> bool {
    [&config.secret_environment_wo, &config.mounted_files_wo]
        .into_iter()
        .any(|m| m.as_ref_option().is_some_and(|m| m.values().any(|v| !v.is_unknown())))
}

/// Whether the server holds exactly this secret: a write-only element of
/// this kind under this id, whose checksum is the SHA-256 of `sent` (the
/// value as sent: a file's base64 text).
fn holds(remote: &[Element], id: &str, kind: &str, sent: &str) -> bool {
    remote
        .iter()
        .any(|e| e.id == id && e.kind == kind && e.write_only && e.checksum == sha256_hex(sent))
}

/// Adds the write-only names to the planned status maps of an update (the
/// plain secrets' statuses are already planned). `remote` is the context's
/// elements as the plan read them (`None` when it could not be found: every
/// name is then written). Returns the names found drifted, as
/// `attribute["name"]`, for the plan's warning.
pub(super) fn plan_statuses(
    s: &mut ContextState,
    prior: &ContextState,
    config: &ContextState,
    remote: Option<&[Element]>,
) -> Vec<String> {
    let mut drifted = vec![];
    let groups = [
        (
            SECRETS_WO,
            &config.secret_environment_wo,
            prior.secret_environment_wo_version != config.secret_environment_wo_version,
            &mut s.secret_environment_status,
        ),
        (
            FILES_WO,
            &config.mounted_files_wo,
            prior.mounted_files_wo_version != config.mounted_files_wo_version,
            &mut s.mounted_files_status,
        ),
    ];
    for (attribute, values, bumped, status) in groups {
        let values = match values {
            Value::Value(values) => values,
            // The whole map is unknown until apply (say, another resource's
            // output): its names are not known either, so neither is the
            // status map; the apply builds it ([`resolve_statuses`]).
            Value::Unknown => {
                *status = Value::Unknown;
                continue;
            }
            Value::Null => continue,
        };
        if values.is_empty() || status.is_unknown() {
            continue;
        }
        let mut map = status.as_ref_option().cloned().unwrap_or_default();
        for (name, value) in values {
            let in_sync = match (value, remote) {
                (Value::Value(value), Some(remote)) if !bumped => {
                    let ok = if attribute == SECRETS_WO {
                        holds(remote, name, "ENVIRONMENT_VARIABLE", value)
                    } else {
                        holds(remote, &file_id(name), "FILE_MOUNT", &b64(value))
                    };
                    if !ok {
                        drifted.push(format!("{attribute}[{name:?}]"));
                    }
                    ok
                }
                _ => false,
            };
            let planned = if in_sync {
                Value::Value(IN_SYNC.to_string())
            } else {
                Value::Unknown
            };
            map.insert(name.clone(), planned);
        }
        *status = Value::Value(map);
    }
    drifted
}

/// Whether the apply writes this write-only name: its planned status is
/// not known (see [`plan_statuses`]; on create the whole map is unknown).
pub(super) fn needs_write(planned_status: &ValueStringMap, name: &str) -> bool {
    match planned_status {
        Value::Value(map) => map.get(name).is_none_or(Value::is_unknown),
        _ => true,
    }
}

/// The status of one written (or not written) element: `in-sync` when the
/// server answered with the checksum of what was sent.
pub(super) fn written_status(answered: Option<&String>, sent: &str) -> String {
    match answered {
        Some(checksum) if *checksum == sha256_hex(sent) => IN_SYNC,
        Some(_) => CHANGED,
        None => MISSING,
    }
    .to_string()
}

/// Replaces the unknown statuses of a plan with what the apply found:
/// `checked(name)` gives the status of a name the apply wrote or skipped.
/// A status map planned unknown as a whole (its write-only map was unknown at
/// plan time) is built over `names`, every name the configuration now has
/// (null when there is none, as a plan of no names is).
pub(super) fn resolve_statuses(
    status: &mut ValueStringMap,
    names: &BTreeSet<String>,
    checked: impl Fn(&str) -> String,
) {
    match status {
        Value::Value(map) => {
            for (name, st) in map.iter_mut() {
                if st.is_unknown() {
                    *st = Value::Value(checked(name));
                }
            }
        }
        Value::Unknown if names.is_empty() => *status = Value::Null,
        Value::Unknown => {
            *status = Value::Value(
                names
                    .iter()
                    .map(|name| (name.clone(), Value::Value(checked(name))))
                    .collect(),
            )
        }
        Value::Null => {}
    }
}

/// The statuses after an update's writes: the names the plan left unknown
/// (or every name, when a whole status map was unknown) from the checksums
/// the server answered with. A plain secret the update did not write was in
/// sync (that is why it was skipped).
pub(super) fn resolve_update_statuses(s: &mut ContextState, config: &ContextState, written: &Written) {
    let status = |answered: Option<&String>, wo: Option<&String>, plain: Option<&String>| match (wo, plain) {
        (Some(sent), _) => written_status(answered, sent),
        (None, Some(_)) if answered.is_none() => IN_SYNC.to_string(),
        (None, Some(sent)) => written_status(answered, sent),
        (None, None) => MISSING.to_string(),
    };
    let wo = known_string_map(&config.secret_environment_wo).unwrap_or_default();
    let plain = known_string_map(&s.secret_environment).unwrap_or_default();
    let names = wo.keys().chain(plain.keys()).cloned().collect();
    resolve_statuses(&mut s.secret_environment_status, &names, |name| {
        status(written.secrets.get(name), wo.get(name), plain.get(name))
    });
    // A file's checksum is of its base64 text, as sent.
    let wo: BTreeMap<String, String> = known_string_map(&config.mounted_files_wo)
        .unwrap_or_default()
        .into_iter()
        .map(|(path, content)| (path, b64(&content)))
        .collect();
    let plain: BTreeMap<String, String> = known_files(&s.mounted_files)
        .unwrap_or_default()
        .into_iter()
        .map(|(path, (content, _))| (path, b64(&content)))
        .collect();
    let names = wo.keys().chain(plain.keys()).cloned().collect();
    resolve_statuses(&mut s.mounted_files_status, &names, |name| {
        status(written.files.get(name), wo.get(name), plain.get(name))
    });
}

/// The refresh of one write-only name: the server's element says only
/// whether it is there (and written write-only); the value is checked at
/// plan. A name present keeps what the last plan or apply found, except that
/// one which was missing, or is no longer write-only, is not what Terraform
/// wrote.
pub(super) fn refreshed_status(prior: Option<&String>, found: Option<&Element>) -> String {
    match found {
        None => MISSING,
        Some(e) if !e.write_only => CHANGED,
        Some(_) => match prior.map(String::as_str) {
            Some(IN_SYNC) => IN_SYNC,
            _ => CHANGED,
        },
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::spacelift::context::plan::plan_computed;
    use crate::services::spacelift::context::tests::map;

    fn element(id: &str, kind: &str, sent: &str, write_only: bool) -> Element {
        Element {
            id: id.into(),
            checksum: sha256_hex(sent),
            kind: kind.into(),
            value: None,
            write_only,
        }
    }

    fn config() -> ContextState {
        ContextState {
            name: Value::Value("x".into()),
            secret_environment: map(&[("PLAIN", "p")]),
            secret_environment_wo: map(&[("DB", "pw"), ("API", "key")]),
            mounted_files_wo: map(&[("./keys/a.pem", "body")]),
            ..Default::default()
        }
    }

    /// The update's plan as `plan_update` makes it, from a proposed state
    /// that still holds the configured values.
    fn planned(prior: &ContextState, config: &ContextState, remote: Option<&[Element]>) -> (ContextState, Vec<String>) {
        let mut s = config.clone();
        plan_computed(&mut s, config, false);
        let drifted = plan_statuses(&mut s, prior, config, remote);
        (s, drifted)
    }

    #[test]
    fn the_plan_compares_checksums_and_plans_drift_unknown_on_its_name() {
        let config = config();
        let remote = vec![
            element("DB", "ENVIRONMENT_VARIABLE", "pw", true),
            element("API", "ENVIRONMENT_VARIABLE", "changed in the UI", true),
            element("keys/a.pem", "FILE_MOUNT", &b64("body"), true),
        ];
        let (s, drifted) = planned(&config, &config, Some(&remote));
        let status = s.secret_environment_status.as_ref_option().unwrap();
        assert_eq!(status["PLAIN"], Value::Value(IN_SYNC.to_string()));
        assert_eq!(status["DB"], Value::Value(IN_SYNC.to_string()));
        assert!(status["API"].is_unknown(), "{status:?}");
        assert_eq!(s.mounted_files_status, map(&[("./keys/a.pem", IN_SYNC)]));
        assert_eq!(drifted, vec!["secret_environment_wo[\"API\"]".to_string()]);
        assert!(!needs_write(&s.secret_environment_status, "DB") && needs_write(&s.secret_environment_status, "API"));
        // Nothing is stored: the plan holds no value and no checksum.
        assert!(s.secret_environment_wo.is_null() && s.mounted_files_wo.is_null());
        let text = format!("{s:?}");
        for secret in ["pw", "body", &sha256_hex("pw"), &sha256_hex(&b64("body")), &b64("body")] {
            assert!(!text.contains(&format!("\"{secret}\"")), "{secret} in {text}");
        }
    }

    #[test]
    fn missing_not_write_only_or_wrong_kind_is_drift_and_a_version_bump_rewrites_all() {
        let config = config();
        let remote = vec![
            element("DB", "ENVIRONMENT_VARIABLE", "pw", false),
            element("keys/a.pem", "ENVIRONMENT_VARIABLE", &b64("body"), true),
        ];
        let (s, drifted) = planned(&config, &config, Some(&remote));
        assert_eq!(drifted.len(), 3, "{drifted:?}");
        assert!(needs_write(&s.mounted_files_status, "./keys/a.pem"));
        // In sync, but the version changed: every name of that attribute is rewritten, without a drift warning.
        let remote = vec![
            element("DB", "ENVIRONMENT_VARIABLE", "pw", true),
            element("API", "ENVIRONMENT_VARIABLE", "key", true),
            element("keys/a.pem", "FILE_MOUNT", &b64("body"), true),
        ];
        let mut bumped = config.clone();
        bumped.secret_environment_wo_version = Value::Value(2);
        let (s, drifted) = planned(&config, &bumped, Some(&remote));
        assert!(drifted.is_empty());
        assert!(needs_write(&s.secret_environment_status, "DB") && needs_write(&s.secret_environment_status, "API"));
        assert!(!needs_write(&s.secret_environment_status, "PLAIN"));
        assert!(!needs_write(&s.mounted_files_status, "./keys/a.pem"));
        // A context the plan could not find: everything is written.
        let (s, _) = planned(&config, &config, None);
        assert!(needs_write(&s.mounted_files_status, "./keys/a.pem"));
    }

    #[test]
    fn the_apply_resolves_unknown_statuses_from_the_answered_checksums() {
        let mut status: ValueStringMap = Value::Value(
            [
                ("A".to_string(), Value::Unknown),
                ("B".to_string(), Value::Unknown),
                ("C".to_string(), Value::Value(IN_SYNC.to_string())),
            ]
            .into_iter()
            .collect(),
        );
        let answered = sha256_hex("a");
        resolve_statuses(&mut status, &BTreeSet::new(), |name| match name {
            "A" => written_status(Some(&answered), "a"),
            _ => written_status(None, "b"),
        });
        assert_eq!(status, map(&[("A", IN_SYNC), ("B", MISSING), ("C", IN_SYNC)]));
        assert_eq!(written_status(Some(&answered), "other"), CHANGED);
    }

    #[test]
    fn a_write_only_map_unknown_until_apply_plans_its_status_map_unknown_and_the_apply_builds_it() {
        // An update whose `secret_environment_wo` is another resource's output: its names are unknown too.
        let prior = config();
        let mut config = config();
        config.secret_environment_wo = Value::Unknown;
        let remote = vec![element("keys/a.pem", "FILE_MOUNT", &b64("body"), true)];
        let (s, drifted) = planned(&prior, &config, Some(&remote));
        assert!(
            s.secret_environment_status.is_unknown(),
            "{:?}",
            s.secret_environment_status
        );
        assert!(drifted.is_empty(), "{drifted:?}");
        assert_eq!(s.mounted_files_status, map(&[("./keys/a.pem", IN_SYNC)]));
        assert!(needs_write(&s.secret_environment_status, "NEW"));
        // At apply the values are known: every write-only name was written, the plain one skipped (in sync).
        config.secret_environment_wo = map(&[("DB", "pw"), ("NEW", "n")]);
        let mut written = Written::default();
        written.secrets.insert("DB".into(), sha256_hex("pw"));
        written.secrets.insert("NEW".into(), sha256_hex("not what was sent"));
        let mut applied = s.clone();
        resolve_update_statuses(&mut applied, &config, &written);
        assert_eq!(
            applied.secret_environment_status,
            map(&[("DB", IN_SYNC), ("NEW", CHANGED), ("PLAIN", IN_SYNC)])
        );
        assert_eq!(applied.mounted_files_status, map(&[("./keys/a.pem", IN_SYNC)]));
        // A map unknown at plan that turns out empty leaves no status map.
        let mut status: ValueStringMap = Value::Unknown;
        resolve_statuses(&mut status, &BTreeSet::new(), |_| unreachable!());
        assert!(status.is_null());
    }

    #[test]
    fn refresh_sees_presence_only() {
        let e = element("DB", "ENVIRONMENT_VARIABLE", "pw", true);
        let plain = element("DB", "ENVIRONMENT_VARIABLE", "pw", false);
        let in_sync = IN_SYNC.to_string();
        let missing = MISSING.to_string();
        assert_eq!(refreshed_status(Some(&in_sync), Some(&e)), IN_SYNC);
        assert_eq!(refreshed_status(Some(&in_sync), None), MISSING);
        assert_eq!(refreshed_status(Some(&missing), Some(&e)), CHANGED);
        assert_eq!(refreshed_status(Some(&in_sync), Some(&plain)), CHANGED);
    }

    #[test]
    fn bad_input_write_only_on_a_cli_without_support_names_the_version_and_the_alternative() {
        let old = ClientCapabilities {
            deferral_allowed: false,
            write_only_attributes_allowed: false,
        };
        let mut diags = Diagnostics::default();
        require_cli_support(&mut diags, &config(), &old);
        let all: Vec<String> = diags
            .errors
            .iter()
            .map(|d| format!("{} | {}", d.summary, d.detail))
            .collect();
        assert_eq!(all.len(), 2, "{all:#?}");
        assert!(all[0].starts_with(
            "`secret_environment_wo`: a write-only attribute needs Terraform >= 1.11 or OpenTofu >= 1.11"
        ));
        assert!(all[0].contains("set `secret_environment` instead"), "{all:#?}");
        assert!(all[1].contains("set `mounted_files` instead"), "{all:#?}");
        assert!(
            !all.iter().any(|e| e.contains("\"pw\"") || e.contains("\"body\"")),
            "{all:#?}"
        );
        // A new CLI, or nothing write-only set: no error.
        let new = ClientCapabilities {
            write_only_attributes_allowed: true,
            ..old
        };
        let mut diags = Diagnostics::default();
        require_cli_support(&mut diags, &config(), &new);
        let plain = ContextState {
            secret_environment: map(&[("A", "b")]),
            ..Default::default()
        };
        require_cli_support(&mut diags, &plain, &old);
        assert!(diags.errors.is_empty());
    }

    fn errors_of(config: &ContextState) -> Vec<String> {
        let mut diags = Diagnostics::default();
        crate::services::spacelift::context::validate::validate_state(&mut diags, config);
        diags.errors.iter().map(|d| d.summary.to_string()).collect()
    }

    #[test]
    fn bad_input_a_name_in_two_forms_and_the_usual_rules() {
        let mut c = config();
        c.secret_environment_wo = map(&[("PLAIN", "x"), ("1BAD", "y"), ("NL", "a\nsecret-line")]);
        c.environment = map(&[("ENV", "e")]);
        c.mounted_files = Value::Value(
            [("keys/a.pem".to_string(), Value::Value(Default::default()))]
                .into_iter()
                .collect(),
        );
        c.mounted_files_wo = map(&[("./keys/a.pem", "x"), ("ENV", "y"), ("../out", "z")]);
        let errors = errors_of(&c);
        for expected in [
            "`secret_environment_wo[\"PLAIN\"]`: is also in `secret_environment`",
            "`secret_environment_wo[\"1BAD\"]`: must be an environment variable name",
            "`secret_environment_wo[\"NL\"]`: has a newline",
            "`mounted_files_wo[\"./keys/a.pem\"]`: is also in `mounted_files`",
            "`mounted_files_wo[\"ENV\"]`: has the same id as `environment[\"ENV\"]`",
            "`mounted_files_wo[\"../out\"]`: must stay inside the workspace",
        ] {
            assert!(
                errors.iter().any(|e| e.starts_with(expected)),
                "missing {expected} in {errors:#?}"
            );
        }
        assert!(!errors.iter().any(|e| e.contains("secret-line")), "{errors:?}");
        let mut nulls = config();
        nulls.secret_environment_wo = Value::Value([("N".to_string(), Value::Null)].into_iter().collect());
        assert!(errors_of(&nulls)
            .iter()
            .any(|e| e.starts_with("`secret_environment_wo[\"N\"]`: must be set")));
        assert!(errors_of(&config()).is_empty(), "{:?}", errors_of(&config()));
    }
}
