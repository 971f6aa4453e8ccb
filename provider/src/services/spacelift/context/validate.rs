//! The checks of a context's configuration: `terraform validate`
//! ([`validate_state`]), and the null and size checks repeated at plan and
//! apply ([`check_nulls`], [`check_size`]) once unknown values are known. The
//! mounted files' path rule ([`normalize_file_path`]) is here too: it is also
//! the id a file is written under. Each limit is documented with its source in
//! [`crate::services::spacelift::limits`].

use std::collections::BTreeMap;

use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use super::owner::is_owner_label;
use super::{ContextState, DEFAULT_SPACE, PHASES};
use crate::framework::ownership::OWNER_TAG;
use crate::framework::validate::Validator;

pub(super) fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The longest context name accepted, in characters (Unicode scalar values,
/// as GraphQL strings are sequences of them), not bytes. See [`crate::services::spacelift::limits`].
pub(super) const NAME_MAX_CHARS: usize = 255;

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
pub(super) const CONTEXT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// The largest mounted file, in bytes of content: Spacelift limits mounted
/// files to 2 MB, and receives them in base64, so the strict reading (the
/// base64 form within 2,000,000 bytes, as the fake enforces it) allows
/// 1,500,000 bytes of content.
pub(super) const FILE_MAX_BYTES: usize = 1_500_000;

/// The size rule of one mounted file's content (plain or write-only), at `at`.
pub(super) fn check_file_size(v: &mut Validator, at: &AttributePath, content: &str) {
    if content.len() > FILE_MAX_BYTES {
        v.error(
            at,
            format!(
                "is {} bytes, over the {FILE_MAX_BYTES} bytes a mounted file may hold: Spacelift limits \
                 mounted files to 2 MB and receives them in base64 (4 bytes for every 3). Put large files \
                 in the runner image or fetch them in a hook",
                content.len()
            ),
        );
    }
}

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
    add(
        AttributePath::new("space_id"),
        text(&c.space_id).max(DEFAULT_SPACE.len()),
    );
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
        // Write-only values are only in the configuration, but their names are status keys too.
        ("secret_environment_wo", &c.secret_environment_wo, 2),
        ("mounted_files_wo", &c.mounted_files_wo, 2),
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
pub(super) fn check_size(diags: &mut Diagnostics, c: &ContextState) -> bool {
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
pub(super) const PATH_SEGMENT_MAX_BYTES: usize = 255;
/// Linux's PATH_MAX (4096, with the terminating NUL): the longest path, in bytes.
pub(super) const PATH_MAX_BYTES: usize = 4095;

/// A mounted file's path as Spacelift's id: relative to `/mnt/workspace/`,
/// with `.` segments, repeated and trailing slashes removed and `..`
/// resolved. Refuses what is not a path inside the workspace.
pub(super) fn normalize_file_path(raw: &str) -> Result<String, String> {
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
pub(super) fn file_id(key: &str) -> String {
    normalize_file_path(key).unwrap_or_else(|_| key.to_string())
}

/// Refuses null members of the nested values: a null would be written as
/// nothing (a file or variable silently not uploaded, a status claiming it is
/// there). Unknown members are allowed: they are checked again at plan, once
/// known. True when there is none.
pub(super) fn check_nulls(diags: &mut Diagnostics, c: &ContextState) -> bool {
    let before = diags.errors.len();
    super::write_only::check_nulls(diags, c);
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

pub(super) fn validate_state(diags: &mut Diagnostics, c: &ContextState) {
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
                check_file_size(
                    &mut v,
                    &path("mounted_files").key(key.clone()).attribute("content"),
                    content,
                );
            }
            seen.insert(id, key);
        }
    }
    check_nulls(diags, c);
    check_size(diags, c);
    super::write_only::validate(diags, c);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::spacelift::context::flex::elements_known;
    use crate::services::spacelift::context::tests::{map, with_files};
    use crate::services::spacelift::context::MountedFile;

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
