//! `platform_spacelift_context`: a Spacelift context as one declaration:
//! labels, hooks, plain and secret environment variables, and mounted files.
//!
//! Secrets cannot be read back (the API returns `value: null` with a
//! checksum), so `secret_environment` and `mounted_files` hold the configured
//! values, and their refresh is `secret_environment_status` /
//! `mounted_files_status`: per name, whether the server's SHA-256 checksum
//! matches the configured value. Drift, deletions, extra elements and the
//! secrets an import cannot verify all show there as exact, non-secret diffs.
//! The write-only forms (`secret_environment_wo`, `mounted_files_wo`) keep
//! even the values out of state; their checksums are compared at plan time
//! (see `write_only.rs`).
//!
//! Ownership (see [`crate::framework::ownership`]): a create first refuses a
//! name already taken ([`NameTaken`](ownership::NameTaken)), then marks the new context with the
//! label `platform:owner:<marker>` (hidden from `labels`, kept on updates,
//! recorded in the public `owner_marker`: Terraform hands the delete half of a
//! replacement the replacement's planned private state, not the prior one).
//! `contextCreateV2` is never retried blindly: after an ambiguous failure the
//! context is looked for by that label and adopted only when it carries it;
//! when that lookup fails, the instance is recorded (tainted) with the marker
//! and no id, and refresh looks it up by the marker. Refresh believes the
//! context gone only after [`ownership::confirm_gone`]; a context under the
//! same id without the recorded marker is not ours. Delete re-reads and
//! compares first.
//!
//! This file holds the state, the schema and the resource's steps, in
//! order; the rest of the folder: `validate.rs` (the configuration's checks),
//! `plan.rs` (the computed attributes), `flex.rs` (state to GraphQL input and
//! back), `apply.rs` (the API steps), `owner.rs` (the owner marker) and
//! `write_only.rs` (the write-only secrets).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Attribute, AttributeType, Block, Description};
use tf_provider::value::Value;
use tf_provider::{AttributePath, ClientCapabilities, Diagnostics};

use crate::clients::spacelift::SpaceliftClient;
use crate::clients::ProviderData;
use crate::framework::diag::{failed, finish_read, report};
use crate::framework::ownership;
use crate::framework::plan::{known_str, require_str, unknown_if_null, ValueStringMap, ValueStringSet};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attr, attributes, number, sensitive, string, string_map, string_set, write_only, Computed, Optional,
    OptionalComputed, Required,
};

mod apply;
mod flex;
mod owner;
mod plan;
mod validate;
mod write_only;

use apply::find_context;
use flex::flatten_context;
use owner::remote_marker;
use validate::{check_nulls, check_size};
pub use write_only::WriteOnlyNames;

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

/// `space_id` when the configuration leaves it unset.
const DEFAULT_SPACE: &str = "root";

const CTX_FIELDS: &str = "id name description labels space hooks{beforeInit afterInit beforePlan afterPlan beforeApply afterApply beforePerform afterPerform beforeDestroy afterDestroy afterRun}";
const CONFIG_FIELDS: &str = "id checksum type value writeOnly description";
const RESOURCE_TYPE: &str = "platform_spacelift_context";

/// What this resource records, in private state, about the context it
/// created or imported: the owner marker the context carries as the label
/// `platform:owner:<marker>` (none for a context imported without one; the
/// public `owner_marker` holds it too, and is what a delete uses).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ContextIdentity {
    pub owner_marker: Option<String>,
    /// The names `secret_environment_wo` and `mounted_files_wo` held at the
    /// last apply: names only, never a value or a checksum. Refresh needs
    /// them to tell these secrets from ones the configuration does not have.
    #[serde(skip_serializing_if = "WriteOnlyNames::is_empty")]
    pub write_only: WriteOnlyNames,
}

pub type ContextPrivate = Value<ContextIdentity>;

/// The owner marker recorded for the context: the public `owner_marker`
/// (what destroy is handed, even as the destroy half of a replacement, whose
/// private state is the replacement's plan), or else the private state's (a
/// state written before `owner_marker` existed).
fn recorded_marker(state: &ContextState, private: &ContextPrivate) -> Option<String> {
    known_str(&state.owner_marker)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .or_else(|| private.as_ref_option().and_then(|p| p.owner_marker.clone()))
}

fn recorded_write_only(private: &ContextPrivate) -> WriteOnlyNames {
    private
        .as_ref_option()
        .map(|p| p.write_only.clone())
        .unwrap_or_default()
}

fn private_with(marker: Option<String>, write_only: WriteOnlyNames) -> ContextPrivate {
    Value::Value(ContextIdentity {
        owner_marker: marker,
        write_only,
    })
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
    pub owner_marker: Value<String>,
    pub name: Value<String>,
    pub description: Value<String>,
    pub space_id: Value<String>,
    pub labels: ValueStringSet,
    pub hooks: HooksValue,
    pub environment: ValueStringMap,
    pub secret_environment: ValueStringMap,
    pub mounted_files: FilesValue,
    pub secret_environment_wo: ValueStringMap,
    pub secret_environment_wo_version: Value<i64>,
    pub mounted_files_wo: ValueStringMap,
    pub mounted_files_wo_version: Value<i64>,
    pub secret_environment_status: ValueStringMap,
    pub mounted_files_status: ValueStringMap,
}

// Nothing replaces a context: renaming keeps its id, and every other
// attribute is updated in place.
crate::replaces!(ContextState {});

pub struct ContextResource {
    pub data: Arc<ProviderData>,
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
             ## Which secret attributes to use\n\n\
             - **Terraform >= 1.11 or OpenTofu >= 1.11:** `secret_environment_wo` and `mounted_files_wo`. Their values are \
             write-only: they never reach the plan or the state (nor any hash of them). Give them from ephemeral variables \
             or ephemeral resources so they stay out of the saved plan's configuration as well. Drift is still detected: \
             every plan reads the server's checksums and compares them with the SHA-256 of the configured values (one more \
             `context` query per plan), and a secret that differs plans its status as known after apply, with a warning \
             naming it. Bump `secret_environment_wo_version` / `mounted_files_wo_version` to rewrite them all.\n\
             - **Older CLIs:** `secret_environment` and `mounted_files` (with `secret = true`). Spacelift still keeps them \
             write-only, but Terraform stores their values in the state. Setting a write-only attribute on such a CLI is an \
             error at plan time.\n\
             - A name or path is given in one form only.\n\n\
             ## Ownership\n\n\
             - **Creates** one context (and its variables and mounted files). Before creating, the provider lists the \
             contexts it can see; a context with the same name, or with the id the name would give, is refused with an \
             error that names it and gives the `terraform import` command and `import {}` block. Nothing is created then.\n\
             - **Marks** the context with the label `platform:owner:<marker>`, a marker unique to that create. The label \
             is hidden from `labels`, kept on every update, and recorded in `owner_marker`. Labels with the \
             `platform:owner` prefix cannot be set in `labels`.\n\
             - **Lost answers.** `contextCreateV2` is never sent twice. If its answer is lost (a 5xx, a dropped connection, \
             an empty or unreadable body), the provider looks for the context carrying its marker and adopts it (logged); \
             if none carries it, the apply fails saying nothing was created. If that lookup fails too, whether the context \
             exists is unknown: the apply fails saying so and records the instance, tainted, with `owner_marker` and no `id`; \
             the next refresh looks for the context by that marker, records it if it exists (the apply then replaces it) \
             and forgets the instance if it does not. Variables and files are written with an upsert by id, which is safe \
             to repeat.\n\
             - **A failed apply** that fails before the context exists (the name check, or `contextCreateV2` refused) records \
             nothing, and the next apply creates the context. Once the context exists, a failure writing its variables or \
             files records it, tainted, with its `id`, its `owner_marker` and the status of what was written: the next apply \
             deletes exactly that context (it carries the recorded marker) and creates a new one, and `terraform destroy` \
             deletes it. A tainted instance is refreshed, planned and destroyed like any other.\n\
             - **Refresh** believes the context deleted only after several consecutive not-found reads; an empty or \
             unreadable answer is an error and the state is kept. A context under the same id that does not carry the \
             recorded marker is someone else's: it is dropped from state with a warning and never changed.\n\
             - **Delete** re-reads the context and deletes it only when its identity (id, plus the owner marker when there \
             is one) is the recorded one; both are in the public state, which is what Terraform hands a delete (also the \
             delete half of a replacement). A missing or different context is left alone, with a warning, and dropped from state.\n\
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
            ("owner_marker", string(Computed, "The owner marker the create put on the context as the label `platform:owner:<marker>` (see Ownership): \
             delete and refresh compare it with the context's label before touching the context. For an imported context, the marker it carried, or null.")),
            ("name", string(Required, "Name of the context: 1 to 255 characters (Unicode characters, not bytes) with at least one ASCII letter or digit (the id is a slug of the name). Renaming keeps the id.")),
            ("description", string(Optional, "Description of the context.")),
            ("space_id", string(OptionalComputed, format!("Space of the context. Defaults to `{DEFAULT_SPACE}`."))),
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
            ("secret_environment_wo", sensitive(write_only(string_map(Optional, "Secret environment variables, by name, as write-only values: the same as `secret_environment`, \
             but Terraform keeps the values out of the plan and the state (they are never stored, nor any hash of them). Needs Terraform >= 1.11 or \
             OpenTofu >= 1.11; on older CLIs use `secret_environment`. Drift is still detected: each plan reads the server's \
             checksums and compares them with the SHA-256 of the configured values, and a secret that differs shows as its \
             `secret_environment_status` entry becoming known after apply (with a warning naming it); the apply rewrites it. \
             With a saved plan (`terraform plan -out`), a secret changed in Spacelift after the plan and before its apply makes \
             the apply of this context fail with Terraform's \"Provider produced inconsistent final plan\" (the apply compares \
             the checksums again and finds a drift the saved plan did not have; the provider cannot tell that plan from a new \
             one); the context is left unchanged: run the plan again. \
             A name may not also be in `secret_environment` or `environment`; values may not contain newlines.")))),
            ("secret_environment_wo_version", number(Optional, "Any number; changing it rewrites every `secret_environment_wo` value, even one in sync. \
             (A changed value is found and rewritten without it, through the checksums.)")),
            ("mounted_files_wo", sensitive(write_only(string_map(Optional, "Secret mounted files, by path relative to `/mnt/workspace/`, as write-only content: like a \
             `mounted_files` entry with `secret = true`, but Terraform keeps the content out of the plan and the state. Needs Terraform >= 1.11 or \
             OpenTofu >= 1.11; on older CLIs use `mounted_files`. Drift shows in `mounted_files_status` as for `secret_environment_wo` (and a file changed between a saved plan and its \
             apply fails that apply the same way: run the plan again). \
             Paths follow the rules of `mounted_files`, and a path (once normalised) may not also be in `mounted_files` or be the \
             name of a variable. Each file may hold 1,500,000 bytes.")))),
            ("mounted_files_wo_version", number(Optional, "Any number; changing it rewrites every `mounted_files_wo` file, even one in sync.")),
            ("secret_environment_status", string_map(Computed, "Per secret variable on the server (from `secret_environment` and `secret_environment_wo`): `in-sync`, `changed-outside-terraform` (checksum differs), `missing`, `not-in-configuration`, or `imported-unverified` (an import cannot read secrets back, so apply writes them). Shows drift without showing values. Known after apply when the context is created. \
             A refresh cannot compare a write-only secret (its value is not in state): it shows it `missing` or keeps the last \
             status, and the plan compares the checksum, planning the status of one that differs as known after apply.")),
            ("mounted_files_status", string_map(Computed, "Per mounted file on the server, the same statuses as `secret_environment_status`.")),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

#[async_trait]
impl ManagedResource for ContextResource {
    type State = ContextState;
    type Private = ContextPrivate;
    type Client = SpaceliftClient;
    const NOUN: &'static str = "context";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<SpaceliftClient>> {
        self.data.spacelift_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &ContextState) {
        validate::validate_state(diags, config);
    }

    fn validate_with_capabilities(
        &self,
        diags: &mut Diagnostics,
        config: &ContextState,
        capabilities: &ClientCapabilities,
    ) {
        write_only::require_cli_support(diags, config, capabilities);
        self.validate(diags, config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        client: &SpaceliftClient,
        state: ContextState,
        private_state: ContextPrivate,
    ) -> Option<(ContextState, ContextPrivate)> {
        let recorded = recorded_marker(&state, &private_state);
        let id = match (known_str(&state.id), &recorded) {
            (Some(id), _) => id.to_string(),
            // A create whose outcome is unknown recorded the marker and no id:
            // look the context up by its marker.
            (None, Some(marker)) => {
                let marker = marker.clone();
                return apply::read_pending(diags, client, state, private_state, &marker).await;
            }
            (None, None) => require_str(diags, "id", &state.id)?.to_string(),
        };
        let what = format!("Spacelift context `{id}`");
        match ownership::confirm_gone(|| find_context(client, &id)).await {
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
                let wo = recorded_write_only(&private_state);
                let mut state = flatten_context(&state, &ctx, &elements, false, &wo);
                let marker = recorded.or(remote);
                state.owner_marker = marker.clone().into();
                Some((state, private_with(marker, wo)))
            }
            found => finish_read(diags, &what, state, private_state, found.map(|_| None)),
        }
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: ContextState,
        config: ContextState,
    ) -> Option<(ContextState, ContextPrivate)> {
        // Values unknown at validation may be known now.
        if !check_nulls(diags, &config) || !check_size(diags, &config) {
            return None;
        }
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, true);
        unknown_if_null(&mut s.id);
        unknown_if_null(&mut s.owner_marker);
        Some((s, Default::default()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: ContextState,
        proposed: ContextState,
        config: ContextState,
        private_state: ContextPrivate,
    ) -> Option<(ContextState, ContextPrivate, Vec<AttributePath>)> {
        if !check_nulls(diags, &config) || !check_size(diags, &config) {
            return None;
        }
        let mut s = proposed;
        plan::plan_computed(&mut s, &config, false);
        // A state written before `owner_marker` existed (refresh fills it in;
        // without a refresh, the plan does).
        if s.owner_marker.is_null() {
            s.owner_marker = recorded_marker(&prior, &private_state).into();
        }
        if write_only::used(&config) {
            // The values are in `config` only: compare their checksums with the server's now.
            let remote = if write_only::needs_checksums(&config) {
                let id = require_str(diags, "id", &prior.id)?.to_string();
                let client = self.client(diags)?;
                match find_context(&client, &id).await {
                    Ok(found) => found.map(|(_, elements)| elements),
                    Err(source) => {
                        let what = format!(
                            "planning Spacelift context `{id}`: reading the checksums of the write-only secrets"
                        );
                        report(diags, &failed(what, source));
                        return None;
                    }
                }
            } else {
                None
            };
            let drifted = write_only::plan_statuses(&mut s, &prior, &config, remote.as_deref());
            if !drifted.is_empty() {
                let id = prior.id.as_ref_option().cloned().unwrap_or_default();
                diags.root_warning(
                    format!("Spacelift context `{id}`: write-only secrets differ from the configuration"),
                    format!(
                        "The server's checksum of {} is not the SHA-256 of the configured value: the secret was changed \
                         outside Terraform, or its value in the configuration changed. The apply writes the configured \
                         value; the plan shows it as its status becoming known after apply.",
                        drifted.join(", ")
                    ),
                );
            }
        }
        let replace = ContextState::replaced(&prior, &s);
        Some((s, private_state, replace.paths))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        client: &SpaceliftClient,
        planned: ContextState,
        config: ContextState,
        _private_state: ContextPrivate,
    ) -> Option<(ContextState, ContextPrivate)> {
        apply::create(diags, client, planned, config).await
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        client: &SpaceliftClient,
        prior: ContextState,
        planned: ContextState,
        config: ContextState,
        private_state: ContextPrivate,
    ) -> Option<(ContextState, ContextPrivate)> {
        apply::update(diags, client, prior, planned, config, private_state).await
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        client: &SpaceliftClient,
        prior: ContextState,
        private_state: ContextPrivate,
    ) -> Option<()> {
        apply::delete(diags, client, prior, private_state).await
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        client: &SpaceliftClient,
        id: String,
    ) -> Option<(ContextState, ContextPrivate)> {
        match find_context(client, &id).await {
            Ok(Some((ctx, elements))) => {
                let start = ContextState {
                    id: Value::Value(id),
                    ..Default::default()
                };
                let marker = remote_marker(&ctx);
                let mut state = flatten_context(&start, &ctx, &elements, true, &WriteOnlyNames::default());
                state.owner_marker = marker.clone().into();
                Some((state, private_with(marker, WriteOnlyNames::default())))
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
pub(super) mod tests {
    use super::*;
    use crate::framework::plan::to_value_map;

    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::ContextResource>();
    }

    /// Terraform hands the delete half of a replacement the replacement's
    /// planned private state (empty for a tainted instance): the marker the
    /// delete compares comes from the public state first.
    #[test]
    fn the_recorded_marker_is_the_public_one_then_the_private_one() {
        let with_marker = |m: &str| ContextState {
            owner_marker: Value::Value(m.into()),
            ..Default::default()
        };
        let private = private_with(Some("old".into()), WriteOnlyNames::default());
        assert_eq!(recorded_marker(&with_marker("m1"), &Value::Null), Some("m1".into()));
        assert_eq!(recorded_marker(&with_marker("m1"), &private), Some("m1".into()));
        // A state written before `owner_marker` existed.
        assert_eq!(recorded_marker(&ContextState::default(), &private), Some("old".into()));
        assert_eq!(recorded_marker(&with_marker(""), &private), Some("old".into()));
        // An imported context without a marker: nothing recorded.
        assert_eq!(recorded_marker(&ContextState::default(), &Value::Null), None);
        assert_eq!(
            recorded_marker(&ContextState::default(), &private_with(None, WriteOnlyNames::default())),
            None
        );
    }

    /// A create whose outcome is unknown returns the context without an id
    /// but with its marker; settled, it is what Terraform records (tainted).
    #[test]
    fn a_pending_create_state_settles_with_its_marker() {
        let pending = ContextState {
            id: Value::Null,
            owner_marker: Value::Value("m1".into()),
            name: Value::Value("x".into()),
            secret_environment_status: Value::Unknown,
            ..Default::default()
        };
        let (settled, paths) = crate::framework::settle::settle(pending, None).unwrap();
        assert_eq!(paths, ["secret_environment_status"]);
        assert_eq!(settled.owner_marker, Value::Value("m1".into()));
        assert!(settled.id.is_null());
    }

    /// A string map state value, for the tests of this folder.
    pub(crate) fn map(pairs: &[(&str, &str)]) -> ValueStringMap {
        to_value_map(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    /// A configuration named `x` with these (plain) mounted files.
    pub(crate) fn with_files(paths: &[&str], content: &str) -> ContextState {
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
}
