//! `platform_spacelift_context`: a Spacelift context as one declaration:
//! labels, hooks, plain and secret environment variables, and mounted files.
//!
//! Secrets cannot be read back (the API returns `value: null` with a
//! checksum), so `secret_environment` and `mounted_files` hold the configured
//! values, and their refresh is `secret_environment_status` /
//! `mounted_files_status`: per name, whether the server's SHA-256 checksum
//! matches the configured value. Drift, deletions, extra elements and the
//! secrets an import cannot verify all show there as exact, non-secret diffs.
//!
//! Ownership (see [`crate::framework::ownership`]): a create first refuses a
//! name already taken ([`NameTaken`]), then marks the new context with the
//! label `platform:owner:<marker>` (hidden from `labels`, kept on updates,
//! recorded in private state). `contextCreateV2` is never retried blindly:
//! after an ambiguous failure the context is looked for by that label and
//! adopted only when it carries it. Refresh believes the context gone only
//! after [`ownership::confirm_gone`]; a context under the same id without the
//! recorded marker is not ours. Delete re-reads and compares first.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use tf_provider::schema::{Attribute, AttributeType, Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::clients::spacelift::{field, SpaceliftClient, SpaceliftError};
use crate::clients::ProviderData;
use crate::framework::diag::{failed, finish_read, report};
use crate::framework::ownership::{self, Claim, NameTaken, OWNER_TAG};
use crate::framework::plan::{
    default_from_config, known_str, known_string_map, known_string_set, optional_map, optional_set, to_value_map,
    unknown_if_null, ValueStringMap, ValueStringSet,
};
use crate::framework::schema::{
    attr, attributes, sensitive, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::validate::Validator;

/// Hook phases: HCL name and GraphQL name.
pub const PHASES: [(&str, &str); 11] = [
    ("before_init", "beforeInit"),
    ("after_init", "afterInit"),
    ("before_plan", "beforePlan"),
    ("after_plan", "afterPlan"),
    ("before_apply", "beforeApply"),
    ("after_apply", "afterApply"),
    ("before_perform", "beforePerform"),
    ("after_perform", "afterPerform"),
    ("before_destroy", "beforeDestroy"),
    ("after_destroy", "afterDestroy"),
    ("after_run", "afterRun"),
];

pub const IN_SYNC: &str = "in-sync";
pub const CHANGED: &str = "changed-outside-terraform";
pub const MISSING: &str = "missing";
pub const EXTRA: &str = "not-in-configuration";
pub const UNVERIFIED: &str = "imported-unverified";

const CTX_FIELDS: &str = "id name description labels space hooks{beforeInit afterInit beforePlan afterPlan beforeApply afterApply beforePerform afterPerform beforeDestroy afterDestroy afterRun}";
const CONFIG_FIELDS: &str = "id checksum type value writeOnly description";
const RESOURCE_TYPE: &str = "platform_spacelift_context";

/// What this resource records, in private state, about the context it
/// created or imported: the owner marker the context carries as the label
/// `platform:owner:<marker>` (none for a context imported without one).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContextIdentity {
    pub owner_marker: Option<String>,
}

pub type ContextPrivate = Value<ContextIdentity>;

fn recorded_marker(private: &ContextPrivate) -> Option<String> {
    private.as_ref_option().and_then(|p| p.owner_marker.clone())
}

fn private_with(marker: Option<String>) -> ContextPrivate {
    Value::Value(ContextIdentity { owner_marker: marker })
}

/// The label prefix of owner markers: `platform:owner:`.
fn owner_label_prefix() -> String {
    format!("{OWNER_TAG}:")
}

fn owner_label(marker: &str) -> String {
    format!("{OWNER_TAG}:{marker}")
}

fn is_owner_label(label: &str) -> bool {
    label.starts_with(OWNER_TAG)
}

/// The owner marker a context carries, if any.
fn remote_marker(ctx: &Json) -> Option<String> {
    let prefix = owner_label_prefix();
    ctx["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .find_map(|l| l.strip_prefix(prefix.as_str()).map(str::to_string))
}

/// The identity compared before a delete: the context id, plus the owner
/// marker when there is one (the API documents nothing else unique to one
/// incarnation of a context, such as a creation time).
fn identity(id: &str, marker: Option<&str>) -> String {
    match marker {
        Some(m) => format!("{id} (owner marker {m})"),
        None => id.to_string(),
    }
}

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
pub enum CreateError {
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
    #[error(
        "the answer to `contextCreateV2` was lost, and looking for the context by its owner label \
         `platform:owner:{marker}` failed: if a context with that label exists, import it or delete it"
    )]
    LostSearchFailed {
        marker: String,
        #[source]
        source: SpaceliftError,
    },
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MountedFile {
    pub content: Value<String>,
    pub secret: Value<bool>,
}

pub type HooksValue = Value<BTreeMap<String, Value<Vec<Value<String>>>>>;
pub type FilesValue = Value<BTreeMap<String, Value<MountedFile>>>;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContextState {
    pub id: Value<String>,
    pub name: Value<String>,
    pub description: Value<String>,
    pub space_id: Value<String>,
    pub labels: ValueStringSet,
    pub hooks: HooksValue,
    pub environment: ValueStringMap,
    pub secret_environment: ValueStringMap,
    pub mounted_files: FilesValue,
    pub secret_environment_status: ValueStringMap,
    pub mounted_files_status: ValueStringMap,
}

pub struct ContextResource {
    data: Arc<ProviderData>,
}

impl ContextResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn schema_block() -> Block {
    let files_type = AttributeType::Map(Box::new(AttributeType::Object(
        [
            ("content".to_string(), AttributeType::String),
            ("secret".to_string(), AttributeType::Bool),
        ]
        .into_iter()
        .collect(),
    )));
    let hooks_type = AttributeType::Map(Box::new(AttributeType::List(Box::new(AttributeType::String))));
    let phases = PHASES
        .iter()
        .map(|(p, _)| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let hooks: Attribute = attr(
        hooks_type,
        Optional,
        format!("Commands to run around each phase of the runs of attached stacks, by phase: {phases}."),
    );
    Block {
        version: 1,
        description: Description::markdown(
            "A Spacelift context declared whole: labels, hooks, plain and secret environment variables and mounted files, \
             to hand platform outputs to downstream stacks. Secrets are written write-only; their drift is detected through \
             the server's SHA-256 checksums and shows in `secret_environment_status` / `mounted_files_status`.\n\n\
             ## Ownership\n\n\
             - **Creates** one context (and its variables and mounted files). Before creating, the provider lists the \
             contexts it can see; a context with the same name, or with the id the name would give, is refused with an \
             error that names it and gives the `terraform import` command and `import {}` block. Nothing is created then.\n\
             - **Marks** the context with the label `platform:owner:<marker>`, a marker unique to that create. The label \
             is hidden from `labels`, kept on every update, and recorded in the resource's private state. Labels with the \
             `platform:owner` prefix cannot be set in `labels`.\n\
             - **Lost answers.** `contextCreateV2` is never sent twice. If its answer is lost (a 5xx, a dropped connection, \
             an empty or unreadable body), the provider looks for the context carrying its marker and adopts it (logged); \
             if none carries it, the apply fails saying nothing was created. Variables and files are written with an upsert \
             by id, which is safe to repeat.\n\
             - **Refresh** believes the context deleted only after several consecutive not-found reads; an empty or \
             unreadable answer is an error and the state is kept. A context under the same id that does not carry the \
             recorded marker is someone else's: it is dropped from state with a warning and never changed.\n\
             - **Delete** re-reads the context and deletes it only when its identity (id, plus the owner marker when there \
             is one) is the recorded one. A missing or different context is left alone, with a warning, and dropped from state.\n\
             - **Adopts** only through import (`terraform import` or an `import {}` block). An imported context without a \
             marker is identified by its id alone; its labels are left as they are. With \
             `terraform plan -generate-config-out`, labels, description, hooks, space and plain variables are written and \
             the plan is empty. Terraform writes the sensitive `secret_environment` and `mounted_files` as \
             `null # sensitive`, and secrets cannot be read back: if the context has secrets or mounted files, the plan is an \
             in-place update in which they leave `secret_environment_status` / `mounted_files_status` (secrets show \
             `imported-unverified`), and applying it as generated would remove them. Fill those two attributes in first; \
             applying then writes each secret once, and the next plan is empty.\n\
             - **Refuses** an environment variable and a mounted file with the same id, at plan time: the server keeps them \
             under one id, so they would overwrite each other on every apply.",
        ),
        attributes: attributes([
            ("id", string(Computed, "The context id: a slug the server derives from the first name; it never changes.")),
            ("name", string(Required, "Name of the context: 1 to 255 characters (Unicode characters, not bytes) with at least one ASCII letter or digit (the id is a slug of the name). Renaming keeps the id.")),
            ("description", string(Optional, "Description of the context.")),
            ("space_id", string(OptionalComputed, "Space of the context. Defaults to `root`.")),
            ("labels", string_set(Optional, "Labels of the context (for example `autoattach:<label>`). The `platform:owner` prefix is the provider's own (see Ownership): such labels may not be set here and are not shown.")),
            ("hooks", hooks),
            ("environment", string_map(Optional, "Plain environment variables, by name. Values may not contain newlines: Spacelift does not support them (use `mounted_files`).")),
            ("secret_environment", sensitive(string_map(Optional, "Secret environment variables, by name, written with `writeOnly: true`. A name may not also be in `environment`; values may not contain newlines."))),
            ("mounted_files", sensitive(attr(files_type, Optional, "Files mounted into runs, by path relative to `/mnt/workspace/`: `{ content, secret }`, both set (null is refused). A secret file is written write-only. \
             Paths are normalised: `./x` is `x`; `.` segments, repeated and trailing slashes are dropped; `..` is resolved and may not \
             leave the workspace; control characters are refused; as on Linux, each name may have 255 bytes and the whole path \
             4,095 bytes with `/mnt/workspace/`. The provider writes each file to Spacelift under its normalised path \
             and keeps your spelling as the key here, so neither shows a diff; two keys that normalise to the same path are an error. \
             Each file may hold 1,500,000 bytes: Spacelift limits mounted files to 2 MB and receives them in base64. The whole context \
             may hold at most 8 MiB (8,388,608 bytes, counted over names and values): Terraform hands a resource's configuration, \
             prior state and plan to the provider in one message of at most 64 MiB, so a much bigger context could be created but \
             never planned, applied or destroyed again."))),
            ("secret_environment_status", string_map(Computed, "Per secret variable on the server: `in-sync`, `changed-outside-terraform` (checksum differs), `missing`, `not-in-configuration`, or `imported-unverified` (an import cannot read secrets back, so apply writes them). Shows drift without showing values. Known after apply when the context is created.")),
            ("mounted_files_status", string_map(Computed, "Per mounted file on the server, the same statuses as `secret_environment_status`.")),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The longest context name accepted, in characters (Unicode scalar values,
/// as GraphQL strings are sequences of them), not bytes. See [`super::limits`].
pub const NAME_MAX_CHARS: usize = 255;

/// The most a context may hold, as [`encoded_size`] counts it: 8 MiB.
///
/// Terraform sends a resource's configuration, prior state and proposed or
/// planned state to the provider in one gRPC message (`PlanResourceChange`,
/// `ApplyResourceChange`). Measured with tonic's default 4 MiB limit: a
/// context with one 1,500,000-byte file was created (a create carries two
/// copies), then every plan, apply and destroy failed with "decoded message
/// length too large: found 4500694 bytes". The provider now accepts 64 MiB,
/// Terraform's own limit for provider messages (`MAX_MESSAGE_SIZE`, patched
/// into `third_party/tf-provider`); three copies of 8 MiB leave a wide margin
/// for encoding and the rest of the message, so no context that passes the
/// plan can become unmanageable.
pub const CONTEXT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The largest mounted file, in bytes of content: Spacelift limits mounted
/// files to 2 MB, and receives them in base64, so the strict reading (the
/// base64 form within 2,000,000 bytes, as the fake enforces it) allows
/// 1,500,000 bytes of content.
pub const FILE_MAX_BYTES: usize = 1_500_000;

/// What each map entry costs besides its text: MessagePack headers, the
/// `content`/`secret` keys of a file, its status value. Generous on purpose.
const ENTRY_OVERHEAD: usize = 32;

/// The size of the context as Terraform encodes it, estimated from above:
/// every name and value in UTF-8 bytes, plus [`ENTRY_OVERHEAD`] per entry;
/// secrets and files count their name twice (they are also keys of the
/// status maps). Unknown values are not counted. Returns the total and the
/// largest single entry with its path.
fn encoded_size(c: &ContextState) -> (usize, Option<(AttributePath, usize)>) {
    let mut total = 0;
    let mut largest: Option<(AttributePath, usize)> = None;
    let mut add = |path: AttributePath, size: usize| {
        total += size;
        if largest.as_ref().is_none_or(|(_, l)| size > *l) {
            largest = Some((path, size));
        }
    };
    let text = |v: &Value<String>| v.as_ref_option().map_or(0, String::len);
    add(AttributePath::new("name"), text(&c.name));
    add(AttributePath::new("description"), text(&c.description));
    // An unset space is planned as `root`: count it so, for config and plan to measure alike.
    add(AttributePath::new("space_id"), text(&c.space_id).max("root".len()));
    if let Value::Value(labels) = &c.labels {
        for label in labels.iter().filter_map(Value::as_ref_option) {
            add(AttributePath::new("labels"), label.len() + ENTRY_OVERHEAD);
        }
    }
    if let Value::Value(hooks) = &c.hooks {
        for (phase, commands) in hooks {
            let size: usize = commands
                .as_ref_option()
                .into_iter()
                .flatten()
                .map(|c| text(c) + ENTRY_OVERHEAD)
                .sum();
            add(AttributePath::new("hooks").key(phase.clone()), size + phase.len());
        }
    }
    for (attribute, map, names) in [
        ("environment", &c.environment, 1),
        ("secret_environment", &c.secret_environment, 2),
    ] {
        if let Value::Value(vars) = map {
            for (name, value) in vars {
                let size = names * (name.len() + ENTRY_OVERHEAD) + text(value);
                add(AttributePath::new(attribute).key(name.clone()), size);
            }
        }
    }
    if let Value::Value(files) = &c.mounted_files {
        for (file_path, file) in files {
            let content = file.as_ref_option().map_or(0, |f| text(&f.content));
            let size = 2 * (file_path.len() + ENTRY_OVERHEAD) + content;
            add(AttributePath::new("mounted_files").key(file_path.clone()), size);
        }
    }
    (total, largest)
}

/// Refuses a context too big for Terraform to hand to the provider again
/// (see [`CONTEXT_MAX_BYTES`]). True when it fits.
fn check_size(diags: &mut Diagnostics, c: &ContextState) -> bool {
    let (total, largest) = encoded_size(c);
    if total <= CONTEXT_MAX_BYTES {
        return true;
    }
    let (path, size) = largest.unwrap_or((AttributePath::new("mounted_files"), total));
    Validator::new(diags).error(
        &path,
        format!(
            "the context holds about {total} bytes ({size} of them here), over the {CONTEXT_MAX_BYTES} bytes (8 MiB) \
             a context may hold: Terraform sends a resource's configuration, prior state and plan to the provider in \
             one message of at most 64 MiB, so a much bigger context could be created but never planned, applied or \
             destroyed again. Put large files in the runner image or fetch them in a hook"
        ),
    );
    false
}

/// Where Spacelift mounts files.
const WORKSPACE: &str = "/mnt/workspace/";
/// Linux's NAME_MAX: the longest file or directory name, in bytes.
pub const PATH_SEGMENT_MAX_BYTES: usize = 255;
/// Linux's PATH_MAX (4096, with the terminating NUL): the longest path, in bytes.
pub const PATH_MAX_BYTES: usize = 4095;

/// A mounted file's path as Spacelift's id: relative to `/mnt/workspace/`,
/// with `.` segments, repeated and trailing slashes removed and `..`
/// resolved. Refuses what is not a path inside the workspace.
pub fn normalize_file_path(raw: &str) -> Result<String, String> {
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters (a newline, tab, NUL...)".to_string());
    }
    if raw.starts_with('/') {
        return Err(
            "must be a relative path inside the workspace, without the `/mnt/workspace/` prefix, not an absolute path"
                .to_string(),
        );
    }
    if raw.contains('\\') {
        return Err("must separate directories with '/', not '\\'".to_string());
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err("must stay inside the workspace: its '..' would leave `/mnt/workspace/`".to_string());
                }
            }
            s => segments.push(s),
        }
    }
    if segments.is_empty() {
        return Err("must name a file inside the workspace, not the workspace itself".to_string());
    }
    // The runner is Linux, which counts these in bytes.
    if let Some(long) = segments.iter().find(|s| s.len() > PATH_SEGMENT_MAX_BYTES) {
        return Err(format!(
            "has a file or directory name of {} bytes, and Linux allows at most {PATH_SEGMENT_MAX_BYTES} bytes per name \
             (NAME_MAX, counted in UTF-8 bytes): {:?}",
            long.len(),
            long.chars().take(40).collect::<String>() + "..."
        ));
    }
    let id = segments.join("/");
    let full = WORKSPACE.len() + id.len();
    if full > PATH_MAX_BYTES {
        return Err(format!(
            "is {full} bytes long as `{WORKSPACE}...`, and Linux allows at most {PATH_MAX_BYTES} bytes per path \
             (PATH_MAX, counted in UTF-8 bytes)"
        ));
    }
    Ok(id)
}

/// The id a configured file is written under: its normalised path (the key
/// itself if it cannot be normalised, which validation refuses).
fn file_id(key: &str) -> String {
    normalize_file_path(key).unwrap_or_else(|_| key.to_string())
}

/// Refuses null members of the nested values: a null would be written as
/// nothing (a file or variable silently not uploaded, a status claiming it is
/// there). Unknown members are allowed: they are checked again at plan, once
/// known. True when there is none.
fn check_nulls(diags: &mut Diagnostics, c: &ContextState) -> bool {
    let before = diags.errors.len();
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    if let Value::Value(labels) = &c.labels {
        if labels.iter().any(Value::is_null) {
            v.error(
                &path("labels"),
                "must not contain null: give each label a value, or leave it out",
            );
        }
    }
    if let Value::Value(hooks) = &c.hooks {
        for (phase, commands) in hooks {
            match commands {
                Value::Null => v.error(
                    &path("hooks").key(phase.clone()),
                    "must be a list of commands (`[]` for none), not null",
                ),
                Value::Value(list) => {
                    for (i, command) in list.iter().enumerate() {
                        if command.is_null() {
                            v.error(
                                &path("hooks").key(phase.clone()).index(i as i64),
                                "must be a command, not null",
                            );
                        }
                    }
                }
                Value::Unknown => {}
            }
        }
    }
    for (attribute, map) in [
        ("environment", &c.environment),
        ("secret_environment", &c.secret_environment),
    ] {
        if let Value::Value(vars) = map {
            for name in vars.iter().filter(|(_, value)| value.is_null()).map(|(name, _)| name) {
                v.error(
                    &path(attribute).key(name.clone()),
                    "must be set: a variable whose value is null would not be written; give it a value (\"\" for an \
                     empty one) or leave it out",
                );
            }
        }
    }
    if let Value::Value(files) = &c.mounted_files {
        for (key, file) in files {
            let at = path("mounted_files").key(key.clone());
            match file {
                Value::Null => v.error(
                    &at,
                    "must be set to `{ content, secret }`, not null: leave the file out to have none",
                ),
                Value::Value(f) => {
                    if f.content.is_null() {
                        v.error(
                            &at.clone().attribute("content"),
                            "must be set: a file whose content is null would not be written; use \"\" for an empty file",
                        );
                    }
                    if f.secret.is_null() {
                        v.error(
                            &at.attribute("secret"),
                            "must be set to true or false: whether the file is written write-only",
                        );
                    }
                }
                Value::Unknown => {}
            }
        }
    }
    diags.errors.len() == before
}

fn validate_state(diags: &mut Diagnostics, c: &ContextState) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    v.check(&path("name"), c.name.as_ref_option(), |s: &String| {
        let chars = s.chars().count();
        if s.trim().is_empty() || chars > NAME_MAX_CHARS || !s.chars().any(|c| c.is_ascii_alphanumeric()) {
            Err(format!(
                "must be 1 to {NAME_MAX_CHARS} characters (counted as Unicode characters, not bytes) with at least one \
                 ASCII letter or digit (the id is a slug of the name), got {chars} characters: {s:?}"
            ))
        } else {
            Ok(())
        }
    });
    v.check(&path("space_id"), c.space_id.as_ref_option(), |s: &String| {
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            Ok(())
        } else {
            Err(format!(
                "must be a space id such as \"root\" or \"platform-01ABC\", got {s:?}"
            ))
        }
    });
    if let Value::Value(labels) = &c.labels {
        for label in labels.iter().filter_map(|l| l.as_ref_option()) {
            v.check(&path("labels"), Some(label), |s: &String| {
                if s.trim().is_empty() {
                    Err("labels must not be empty".to_string())
                } else if is_owner_label(s) {
                    Err(format!(
                        "the `{OWNER_TAG}` label prefix belongs to the provider (it marks the contexts it created), got {s:?}"
                    ))
                } else {
                    Ok(())
                }
            });
        }
    }
    if let Value::Value(hooks) = &c.hooks {
        for (phase, commands) in hooks {
            if !PHASES.iter().any(|(p, _)| p == phase) {
                let allowed = PHASES.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", ");
                v.error(
                    &path("hooks").key(phase.clone()),
                    format!("is not a hook phase; use one of {allowed}"),
                );
            }
            for (i, command) in commands.as_ref_option().into_iter().flatten().enumerate() {
                v.check(
                    &path("hooks").key(phase.clone()).index(i as i64),
                    command.as_ref_option(),
                    |s: &String| {
                        if s.trim().is_empty() {
                            Err("a hook command must not be empty".to_string())
                        } else {
                            Ok(())
                        }
                    },
                );
            }
        }
    }
    for (attribute, map) in [
        ("environment", &c.environment),
        ("secret_environment", &c.secret_environment),
    ] {
        if let Value::Value(vars) = map {
            for (name, value) in vars {
                if !is_env_name(name) {
                    v.error(
                        &path(attribute).key(name.clone()),
                        "must be an environment variable name: a letter or '_' followed by letters, digits and '_'",
                    );
                }
                // The value is never shown: it may be a secret.
                if value.as_ref_option().is_some_and(|s| s.contains(['\n', '\r'])) {
                    v.error(
                        &path(attribute).key(name.clone()),
                        "has a newline in its value, and Spacelift does not support newlines in environment variables: \
                         put multi-line values in `mounted_files`, or base64-encode them",
                    );
                }
            }
        }
    }
    if let (Value::Value(plain), Value::Value(secret)) = (&c.environment, &c.secret_environment) {
        for name in secret.keys().filter(|k| plain.contains_key(*k)) {
            v.error(
                &path("secret_environment").key(name.clone()),
                "is also in `environment`: a variable is either plain or secret, remove it from one of them",
            );
        }
    }
    if let Value::Value(files) = &c.mounted_files {
        // Normalised path -> the first key that has it.
        let mut seen: BTreeMap<String, &String> = BTreeMap::new();
        for key in files.keys() {
            let id = match normalize_file_path(key) {
                Ok(id) => id,
                Err(rule) => {
                    v.error(&path("mounted_files").key(key.clone()), rule);
                    continue;
                }
            };
            if let Some(first) = seen.get(&id) {
                v.error(
                    &path("mounted_files").key(key.clone()),
                    format!(
                        "is the same file as `mounted_files[{first:?}]`: both are `{id}` once normalised, so one \
                         would overwrite the other; keep one of them"
                    ),
                );
                continue;
            }
            // Variables and files share one id space in a context: the same
            // id in both would overwrite each other on every apply.
            for (attribute, map) in [
                ("environment", &c.environment),
                ("secret_environment", &c.secret_environment),
            ] {
                if let Value::Value(vars) = map {
                    if vars.contains_key(&id) {
                        v.error(
                            &path("mounted_files").key(key.clone()),
                            format!(
                                "has the same id as `{attribute}[\"{id}\"]`: Spacelift keeps variables and mounted files \
                                 under one id per context, so the two would overwrite each other on every apply; rename one of them"
                            ),
                        );
                    }
                }
            }
            if let Some(content) = files
                .get(key)
                .and_then(Value::as_ref_option)
                .and_then(|f| f.content.as_ref_option())
            {
                if content.len() > FILE_MAX_BYTES {
                    v.error(
                        &path("mounted_files").key(key.clone()).attribute("content"),
                        format!(
                            "is {} bytes, over the {FILE_MAX_BYTES} bytes a mounted file may hold: Spacelift limits \
                             mounted files to 2 MB and receives them in base64 (4 bytes for every 3). Put large files \
                             in the runner image or fetch them in a hook",
                            content.len()
                        ),
                    );
                }
            }
            seen.insert(id, key);
        }
    }
    check_nulls(diags, c);
    check_size(diags, c);
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn b64(content: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(content.as_bytes())
}

/// Known files as (content, secret); `None` while anything is unknown.
fn known_files(files: &FilesValue) -> Option<BTreeMap<String, (String, bool)>> {
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
fn elements_known(s: &ContextState) -> bool {
    known_string_map(&s.environment).is_some()
        && known_string_map(&s.secret_environment).is_some()
        && known_files(&s.mounted_files).is_some()
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

/// Hooks as GraphQL input: all eleven phases, `[]` when empty.
fn hooks_input(hooks: &HooksValue) -> Option<Json> {
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
fn context_input(s: &ContextState, marker: Option<&str>) -> Option<Json> {
    let mut labels: Vec<String> = known_string_set(&s.labels)?
        .into_iter()
        .filter(|l| !is_owner_label(l))
        .collect();
    labels.extend(marker.map(owner_label));
    Some(json!({
        "name": known_str(&s.name)?,
        "description": known_str(&s.description),
        "labels": labels,
        "space": known_str(&s.space_id).unwrap_or("root"),
        "hooks": hooks_input(&s.hooks)?,
    }))
}

/// One config element as the server has it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Element {
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
fn flatten(prior: &ContextState, ctx: &Json, elements: &[Element], import: bool) -> ContextState {
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
    let labels: std::collections::BTreeSet<String> = ctx["labels"]
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
    for name in remote_secrets.keys().filter(|n| !configured_secrets.contains_key(**n)) {
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
    let mut matched = std::collections::BTreeSet::new();
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

/// The context with all its config elements, in one query; `Ok(None)` when it does not exist.
pub async fn find_context(client: &SpaceliftClient, id: &str) -> Result<Option<(Json, Vec<Element>)>, SpaceliftError> {
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
            let found = list_contexts(client).await.map_err(|e| CreateError::LostSearchFailed {
                marker: marker.clone(),
                source: e,
            })?;
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
        .await?;
    Ok(field(&data, "contextConfigAdd", "contextConfigAdd")?["checksum"]
        .as_str()
        .unwrap_or_default()
        .to_string())
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
struct Written {
    secrets: BTreeMap<String, String>,
    files: BTreeMap<String, String>,
}

/// Makes the context's config elements what `planned` asks for, given what
/// `prior` says the server has. Secrets are written when new, changed, or not
/// known to be in sync. Files are written under their normalised path.
async fn sync_elements(
    client: &SpaceliftClient,
    context: &str,
    prior: &ContextState,
    planned: &ContextState,
) -> Result<Written, SpaceliftError> {
    let prior_plain = known_string_map(&prior.environment).unwrap_or_default();
    let plain = known_string_map(&planned.environment).unwrap_or_default();
    let prior_secret = known_string_map(&prior.secret_environment).unwrap_or_default();
    let secret = known_string_map(&planned.secret_environment).unwrap_or_default();
    let prior_secret_status = known_string_map(&prior.secret_environment_status).unwrap_or_default();
    let prior_files = known_files(&prior.mounted_files).unwrap_or_default();
    let files = known_files(&planned.mounted_files).unwrap_or_default();
    let prior_files_status = known_string_map(&prior.mounted_files_status).unwrap_or_default();
    let file_ids: std::collections::BTreeSet<String> = files.keys().map(|k| file_id(k)).collect();

    // Removals first: everything the server has that the plan does not.
    let mut remove: Vec<String> = prior_plain
        .keys()
        .filter(|k| !plain.contains_key(*k) && !secret.contains_key(*k))
        .cloned()
        .collect();
    remove.extend(
        prior_secret_status
            .keys()
            .filter(|k| !secret.contains_key(*k) && !plain.contains_key(*k))
            .cloned(),
    );
    for key in prior_files_status.keys().filter(|k| !files.contains_key(*k)) {
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
    Ok(written)
}

/// The statuses right after a create, from the checksums the server
/// answered with: `in-sync` when it holds what was sent.
fn created_status(planned: &ContextState, written: &Written) -> (ValueStringMap, ValueStringMap) {
    let status = |ok: bool| if ok { IN_SYNC } else { CHANGED }.to_string();
    let secrets: BTreeMap<String, String> = known_string_map(&planned.secret_environment)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| {
            let st = match written.secrets.get(&name) {
                Some(checksum) => status(*checksum == sha256_hex(&value)),
                None => MISSING.to_string(),
            };
            (name, st)
        })
        .collect();
    let files: BTreeMap<String, String> = known_files(&planned.mounted_files)
        .unwrap_or_default()
        .into_iter()
        .map(|(file_path, (content, _))| {
            let st = match written.files.get(&file_path) {
                Some(checksum) => status(*checksum == sha256_hex(&b64(&content))),
                None => MISSING.to_string(),
            };
            (file_path, st)
        })
        .collect();
    (optional_map(&Value::Null, &secrets), optional_map(&Value::Null, &files))
}

/// The computed attributes of a plan. On update every configured secret and
/// file will be `in-sync` after apply (and what is not configured is gone).
/// On create nothing exists yet: the statuses are unknown until the create
/// has written the elements and read their checksums back.
fn plan_computed(s: &mut ContextState, config: &ContextState, create: bool) {
    default_from_config(&mut s.space_id, &config.space_id, "root".to_string());
    if create {
        s.secret_environment_status = Value::Unknown;
        s.mounted_files_status = Value::Unknown;
    } else {
        s.secret_environment_status = planned_status(map_keys(&s.secret_environment));
        s.mounted_files_status = planned_status(map_keys(&s.mounted_files));
    }
}

#[async_trait]
impl Resource for ContextResource {
    type State<'a> = ContextState;
    type PrivateState<'a> = ContextPrivate;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: schema_block(),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        validate_state(diags, &config);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.data.spacelift_or_report(diags)?;
        let id = known_str(&state.id)?.to_string();
        let what = format!("Spacelift context `{id}`");
        let recorded = recorded_marker(&private_state);
        match ownership::confirm_gone(|| find_context(&client, &id)).await {
            Ok(Some((ctx, elements))) => {
                let remote = remote_marker(&ctx);
                if recorded.is_some() && remote != recorded {
                    // Ours was deleted; what has its id now is someone else's.
                    let detail = format!(
                        "{what} exists, but without the owner label this resource created it with \
                         (`platform:owner:{}`): it is not the context this resource created. It is removed from \
                         state and left untouched; import it to manage it here.",
                        recorded.as_deref().unwrap_or_default()
                    );
                    tracing::warn!("{detail}");
                    diags.root_warning(format!("{what} is no longer the one this resource created"), detail);
                    return None;
                }
                let private = private_with(recorded.or(remote));
                Some((flatten(&state, &ctx, &elements, false), private))
            }
            found => finish_read(diags, &what, state, private_state, found.map(|_| None)),
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        // Values unknown at validation may be known now.
        if !check_nulls(diags, &config) || !check_size(diags, &config) {
            return None;
        }
        let mut s = proposed;
        plan_computed(&mut s, &config, true);
        unknown_if_null(&mut s.id);
        Some((s, Default::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        if !check_nulls(diags, &config) || !check_size(diags, &config) {
            return None;
        }
        let mut s = proposed;
        plan_computed(&mut s, &config, false);
        Some((s, private_state, vec![]))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.data.spacelift_or_report(diags)?;
        let name = known_str(&planned.name)?.to_string();
        let context = format!("creating Spacelift context `{name}`");
        let Some(input) = context_input(&planned, None).filter(|_| elements_known(&planned)) else {
            diags.root_error_short(format!("{context}: the plan still has unknown or null values"));
            return None;
        };
        // Values unknown at plan time are known now: check before creating anything.
        if !check_size(diags, &planned) {
            return None;
        }
        let (id, marker) = match create_context(&client, &name, input).await {
            Ok(created) => created,
            Err(source) => {
                report(diags, &failed(context, source));
                return None;
            }
        };
        let private_state = private_with(Some(marker));
        let mut s = planned.clone();
        s.id = Value::Value(id.clone());
        // The context exists from here on: a failure below returns it (tainted) with what it has.
        let empty = ContextState {
            id: Value::Value(id.clone()),
            ..Default::default()
        };
        match sync_elements(&client, &id, &empty, &planned).await {
            Ok(written) => {
                (s.secret_environment_status, s.mounted_files_status) = created_status(&planned, &written);
                Some((s, private_state))
            }
            Err(source) => {
                report(diags, &failed(context, source));
                // Nothing is known to be written: every configured element counts as missing.
                (s.secret_environment_status, s.mounted_files_status) = created_status(&planned, &Written::default());
                match find_context(&client, &id).await {
                    Ok(Some((ctx, elements))) => Some((flatten(&s, &ctx, &elements, false), private_state)),
                    _ => Some((s, private_state)),
                }
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.data.spacelift_or_report(diags)?;
        let id = known_str(&prior.id)?.to_string();
        let context = format!("updating Spacelift context `{id}`");
        let marker = recorded_marker(&private_state);
        let Some(input) = context_input(&planned, marker.as_deref()).filter(|_| elements_known(&planned)) else {
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
            sync_elements(&client, &id, &prior, &planned).await.map(|_| ())
        }
        .await;
        match result {
            Ok(()) => Some((planned, private_state)),
            Err(source) => {
                report(diags, &failed(context, source));
                // One failed or empty read is no proof of anything: keep what state had.
                match find_context(&client, &id).await {
                    Ok(Some((ctx, elements))) => Some((flatten(&prior, &ctx, &elements, false), private_state)),
                    _ => Some((prior, private_state)),
                }
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let client = self.data.spacelift_or_report(diags)?;
        let id = known_str(&prior.id)?.to_string();
        let what = format!("Spacelift context `{id}`");
        // Delete only what is proven ours: re-read and compare the identity.
        let recorded = identity(&id, recorded_marker(&private_state).as_deref());
        let found = match ownership::confirm_gone(|| find_context(&client, &id)).await {
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

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.data.spacelift_or_report(diags)?;
        match find_context(&client, &id).await {
            Ok(Some((ctx, elements))) => {
                let start = ContextState {
                    id: Value::Value(id),
                    ..Default::default()
                };
                let private = private_with(remote_marker(&ctx));
                Some((flatten(&start, &ctx, &elements, true), private))
            }
            Ok(None) => {
                diags.root_error_short(format!("importing Spacelift context `{id}`: no such context"));
                None
            }
            Err(source) => {
                report(diags, &failed(format!("importing Spacelift context `{id}`"), source));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ValueStringMap {
        to_value_map(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

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
        let s = flatten(&prior, &ctx, &elements, false);
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
        let s = flatten(&ContextState::default(), &ctx, &[], false);
        assert_eq!(
            s.labels,
            crate::framework::plan::to_value_set(&["team".to_string()].into())
        );
        let input = context_input(&s, Some("abc")).unwrap();
        assert_eq!(input["labels"], json!(["team", "platform:owner:abc"]));
        assert_eq!(identity("c", Some("abc")), "c (owner marker abc)");
        assert_ne!(identity("c", Some("abc")), identity("c", None));
    }

    #[test]
    fn slugs_follow_the_contract_example() {
        assert_eq!(slug("Provider test context"), "provider-test-context");
        assert_eq!(slug("  provider  TEST context!"), "provider-test-context");
    }

    #[test]
    fn a_variable_and_a_file_may_not_share_an_id() {
        let mut files = BTreeMap::new();
        files.insert("SHARED".to_string(), Value::Value(MountedFile::default()));
        let config = ContextState {
            name: Value::Value("x".into()),
            environment: map(&[("SHARED", "a")]),
            mounted_files: Value::Value(files),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, &config);
        let summaries: Vec<String> = diags.errors.iter().map(|d| d.summary.to_string()).collect();
        assert!(
            summaries
                .iter()
                .any(|s| s.starts_with("`mounted_files[\"SHARED\"]`: has the same id as `environment[\"SHARED\"]`")),
            "{summaries:#?}"
        );
    }

    #[test]
    fn bad_input_names_paths() {
        let mut files = BTreeMap::new();
        files.insert("../etc/passwd".to_string(), Value::Value(MountedFile::default()));
        files.insert("/abs".to_string(), Value::Value(MountedFile::default()));
        let mut hooks = BTreeMap::new();
        hooks.insert("before_lunch".to_string(), Value::Value(vec![]));
        let config = ContextState {
            name: Value::Value("  ".into()),
            environment: map(&[("DUP", "a"), ("1BAD", "b")]),
            secret_environment: map(&[("DUP", "c")]),
            mounted_files: Value::Value(files),
            hooks: Value::Value(hooks),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, &config);
        let summaries: Vec<String> = diags.errors.iter().map(|d| d.summary.to_string()).collect();
        for expected in [
            "`name`: must be 1 to 255",
            "`hooks[\"before_lunch\"]`: is not a hook phase",
            "`environment[\"1BAD\"]`: must be an environment variable name",
            "`secret_environment[\"DUP\"]`: is also in `environment`",
            "`mounted_files[\"../etc/passwd\"]`: must stay inside the workspace",
            "`mounted_files[\"/abs\"]`: must be a relative path inside the workspace",
        ] {
            assert!(
                summaries.iter().any(|s| s.starts_with(expected)),
                "missing {expected} in {summaries:#?}"
            );
        }
    }

    fn errors_of(config: &ContextState) -> Vec<String> {
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, config);
        diags.errors.iter().map(|d| d.summary.to_string()).collect()
    }

    fn with_files(paths: &[&str], content: &str) -> ContextState {
        let files = paths
            .iter()
            .map(|p| {
                (
                    p.to_string(),
                    Value::Value(MountedFile {
                        content: Value::Value(content.to_string()),
                        secret: Value::Value(false),
                    }),
                )
            })
            .collect();
        ContextState {
            name: Value::Value("x".into()),
            mounted_files: Value::Value(files),
            ..Default::default()
        }
    }

    #[test]
    fn names_are_counted_in_characters_not_bytes() {
        let ok = ContextState {
            name: Value::Value(format!("a{}", "é".repeat(NAME_MAX_CHARS - 1))),
            ..Default::default()
        };
        assert_eq!(ok.name.as_ref_option().unwrap().len(), 2 * NAME_MAX_CHARS - 1);
        assert!(errors_of(&ok).is_empty(), "{:?}", errors_of(&ok));
        let long = ContextState {
            name: Value::Value(format!("a{}", "é".repeat(NAME_MAX_CHARS))),
            ..Default::default()
        };
        let errors = errors_of(&long);
        assert!(
            errors
                .iter()
                .any(|e| e.contains("counted as Unicode characters, not bytes") && e.contains("got 256 characters")),
            "{errors:?}"
        );
    }

    #[test]
    fn file_paths_are_normalised() {
        for (raw, id) in [
            ("x", "x"),
            ("./x", "x"),
            ("a/./b", "a/b"),
            ("a//b", "a/b"),
            ("dir/", "dir"),
            ("a/../b", "b"),
            ("source/backend.tf", "source/backend.tf"),
            (&"é".repeat(127), &"é".repeat(127)),
        ] {
            assert_eq!(normalize_file_path(raw).as_deref(), Ok(id), "{raw}");
        }
        for (raw, rule) in [
            ("/etc/passwd", "without the `/mnt/workspace/` prefix"),
            ("../x", "would leave `/mnt/workspace/`"),
            ("a/../../x", "would leave `/mnt/workspace/`"),
            ("a\nb", "control characters"),
            ("a\tb", "control characters"),
            ("a\\b", "must separate directories with '/'"),
            ("", "must name a file"),
            ("./", "must name a file"),
            ("a/..", "must name a file"),
            (&"é".repeat(128), "at most 255 bytes per name"),
            (&["d"; 2100].join("/"), "at most 4095 bytes per path"),
        ] {
            let err = normalize_file_path(raw).unwrap_err();
            assert!(err.contains(rule), "{raw:?}: {err}");
        }
    }

    #[test]
    fn two_spellings_of_one_path_are_an_error_naming_both() {
        let errors = errors_of(&with_files(&["./conf/a.json", "conf//a.json/"], "x"));
        assert!(
            errors.iter().any(|e| e.starts_with("`mounted_files[\"conf//a.json/\"]`: is the same file as `mounted_files[\"./conf/a.json\"]`: both are `conf/a.json`")),
            "{errors:?}"
        );
        let mut config = with_files(&["./SHARED"], "x");
        config.environment = map(&[("SHARED", "a")]);
        assert!(errors_of(&config)
            .iter()
            .any(|e| e.contains("has the same id as `environment[\"SHARED\"]`")));
    }

    #[test]
    fn the_size_limits_keep_three_copies_under_64_mib_and_files_under_2_mb() {
        // Terraform's and the patched tf-provider's message limit is 64 MiB.
        const { assert!(3 * CONTEXT_MAX_BYTES + 8_000_000 <= 64 * 1024 * 1024) };
        const { assert!(FILE_MAX_BYTES.div_ceil(3) * 4 <= 2_000_000) };
        let names: Vec<String> = (0..6).map(|i| format!("big{i}.bin")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let under = with_files(&names, &"a".repeat(CONTEXT_MAX_BYTES / 6 - 1000));
        assert!(errors_of(&under).is_empty(), "{:?}", errors_of(&under));
        let over = with_files(&names, &"a".repeat(CONTEXT_MAX_BYTES / 6 + 1));
        let errors = errors_of(&over);
        assert!(
            errors.iter().any(|e| e.starts_with("`mounted_files[\"big")
                && e.contains(": the context holds about")
                && e.contains("over the 8388608 bytes (8 MiB) a context may hold")),
            "{errors:?}"
        );
        assert!(errors_of(&with_files(&["one.bin"], &"a".repeat(FILE_MAX_BYTES))).is_empty());
        let errors = errors_of(&with_files(&["one.bin"], &"a".repeat(FILE_MAX_BYTES + 1)));
        assert!(
            errors.iter().any(|e| e.starts_with("`mounted_files[\"one.bin\"].content`: is 1500001 bytes, over the 1500000 bytes a mounted file may hold")),
            "{errors:?}"
        );
        // Every name counts, secrets' and files' twice (they are status keys too).
        let (total, _) = encoded_size(&with_files(&["ab"], "xyz"));
        assert_eq!(total, 1 + 4 + 2 * (2 + ENTRY_OVERHEAD) + 3);
    }

    #[test]
    fn newlines_in_variables_are_refused_without_showing_the_value() {
        let config = ContextState {
            name: Value::Value("x".into()),
            secret_environment: map(&[("KEY", "line1\nsecret-line2")]),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, &config);
        let all: String = diags
            .errors
            .iter()
            .map(|d| format!("{}\n{}\n", d.summary, d.detail))
            .collect();
        assert!(all.contains("`secret_environment[\"KEY\"]`: has a newline"), "{all}");
        assert!(!all.contains("secret-line2"), "{all}");
    }

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
        // After the create, from the checksums the server answered with.
        let mut written = Written::default();
        written.secrets.insert("X".into(), sha256_hex("v"));
        let (secrets, files) = created_status(&config, &written);
        assert_eq!(secrets, map(&[("X", IN_SYNC)]));
        assert!(files.is_null());
        written.secrets.insert("X".into(), sha256_hex("other"));
        assert_eq!(created_status(&config, &written).0, map(&[("X", CHANGED)]));
        assert_eq!(created_status(&config, &Written::default()).0, map(&[("X", MISSING)]));
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
        let s = flatten(&prior, &ctx, &[file("conf/a.json"), file("legacy/./b")], false);
        assert_eq!(
            s.mounted_files_status,
            map(&[("./conf/a.json", IN_SYNC), ("legacy/./b", IN_SYNC)])
        );
    }

    #[test]
    fn null_members_are_errors_on_their_paths_unknown_ones_wait() {
        let file = |content: Value<String>, secret: Value<bool>| Value::Value(MountedFile { content, secret });
        let files: BTreeMap<String, Value<MountedFile>> = [
            ("a".to_string(), file(Value::Value("abc".into()), Value::Null)),
            ("b".to_string(), file(Value::Null, Value::Value(false))),
            ("c".to_string(), Value::Null),
            ("d".to_string(), file(Value::Unknown, Value::Unknown)),
        ]
        .into_iter()
        .collect();
        let hooks: BTreeMap<String, Value<Vec<Value<String>>>> = [
            ("before_init".to_string(), Value::Null),
            (
                "after_init".to_string(),
                Value::Value(vec![Value::Value("x".into()), Value::Null]),
            ),
        ]
        .into_iter()
        .collect();
        let config = ContextState {
            name: Value::Value("x".into()),
            labels: Value::Value(vec![Value::Value("a".into()), Value::Null].into_iter().collect()),
            hooks: Value::Value(hooks),
            environment: Value::Value([("E".to_string(), Value::Null)].into_iter().collect()),
            secret_environment: Value::Value([("S".to_string(), Value::Null)].into_iter().collect()),
            mounted_files: Value::Value(files),
            ..Default::default()
        };
        let errors = errors_of(&config);
        for expected in [
            "`mounted_files[\"a\"].secret`: must be set to true or false",
            "`mounted_files[\"b\"].content`: must be set",
            "`mounted_files[\"c\"]`: must be set to `{ content, secret }`",
            "`environment[\"E\"]`: must be set",
            "`secret_environment[\"S\"]`: must be set",
            "`labels`: must not contain null",
            "`hooks[\"before_init\"]`: must be a list of commands",
            "`hooks[\"after_init\"][1]`: must be a command, not null",
        ] {
            assert!(
                errors.iter().any(|e| e.starts_with(expected)),
                "missing {expected} in {errors:#?}"
            );
        }
        assert_eq!(errors.len(), 8, "unknown members are not errors: {errors:#?}");
        assert!(!elements_known(&config), "never read as nothing configured");
    }
}
