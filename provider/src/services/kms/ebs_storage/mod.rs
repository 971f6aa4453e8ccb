//! `platform_ebs_storage`: a KMS key for EBS volume encryption, its alias and
//! key policy, the EBS CSI driver's rights to use it, and the StorageClass.
//!
//! The trap this encodes: an IAM policy cannot name a KMS alias in `Resource`
//! (IAM silently matches nothing), so the driver's rights select the key with a
//! `ForAnyValue:StringEquals` condition on `kms:ResourceAliases`; and the
//! StorageClass names the alias ARN, so the key can change behind it.

mod flex;
mod plan;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use self::flex::{expand_key, flatten_storage, read_remote};
use self::plan::{csi_policy_name, key_policy, manifest, plan_computed, plan_defaults, principals};
use super::key::{self, KeyPlace};
use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report, BoxError};
use crate::framework::ownership::{self, PendingPrivate, Resolved};
use crate::framework::plan::{known_str, require_str, unknown_if_null, ValueStringMap, ValueStringSet};
use crate::framework::policy;
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attributes, boolean, number, string, string_map, string_set, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::validate::{self, Validator};
use crate::services::iam::role;

pub const DEFAULT_WINDOW: i64 = 30;
pub const DEFAULT_STORAGE_CLASS: &str = "ebs-encrypted";
pub const DEFAULT_VOLUME_TYPE: &str = "gp3";
pub const DEFAULT_FS_TYPE: &str = "ext4";
pub const DEFAULT_RECLAIM: &str = "Delete";
pub const DEFAULT_KEY_ROTATION: bool = true;
pub const DEFAULT_CLASS: bool = false;
/// This resource's type, for import hints.
const RESOURCE_TYPE: &str = "platform_ebs_storage";

/// The key remembers the CSI driver's role in this tag, so an import by alias
/// name can find the role that holds the inline policy.
pub const CSI_ROLE_TAG: &str = "platform:ebs-csi-driver-role";

/// The tags of this provider's own on the key: the owner marker and the driver's role.
const PROVIDER_TAGS: usize = 2;
/// KMS's limit on a key policy (CreateKey, PutKeyPolicy: 32 KB).
pub const MAX_KEY_POLICY_BYTES: usize = 32_768;
const VOLUME_TYPES: &[&str] = &["gp3", "gp2", "io2", "io1", "st1", "sc1", "standard"];
const FS_TYPES: &[&str] = &["ext4", "ext3", "ext2", "xfs"];
const RECLAIM: &[&str] = &["Delete", "Retain"];

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EbsStorageState {
    pub id: Value<String>,
    pub alias_name: Value<String>,
    pub description: Value<String>,
    pub deletion_window_in_days: Value<i64>,
    pub enable_key_rotation: Value<bool>,
    pub key_administrators: ValueStringSet,
    pub key_users: ValueStringSet,
    pub csi_driver_role_name: Value<String>,
    pub storage_class_name: Value<String>,
    pub volume_type: Value<String>,
    pub fs_type: Value<String>,
    pub iops: Value<i64>,
    pub throughput: Value<i64>,
    pub reclaim_policy: Value<String>,
    pub default_class: Value<bool>,
    pub tags: ValueStringMap,
    pub tags_all: ValueStringMap,
    pub key_id: Value<String>,
    pub key_arn: Value<String>,
    pub alias_arn: Value<String>,
    pub alias_target_key_id: Value<String>,
    pub key_policy: Value<String>,
    pub csi_policy_name: Value<String>,
    pub iam_policy_json: Value<String>,
    pub storage_class_manifest: Value<String>,
}

// Nothing replaces the key: a new alias, role or StorageClass is applied in place.
crate::replaces!(EbsStorageState {});

pub struct EbsStorageResource {
    pub data: Arc<ProviderData>,
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(concat!(
            "KMS-backed EBS storage for the EBS CSI driver: a symmetric KMS key with rotation, its alias and key policy, \
             an inline IAM policy on the driver's role that selects the key through `kms:ResourceAliases` (an IAM policy \
             cannot name an alias in `Resource`), and a StorageClass manifest that names the alias ARN.",
            "\n\n## Ownership\n\n\
             - **Creates** one KMS key (tagged `platform:owner` with a marker unique to that create; not shown in `tags_all`), its alias, \
             and an inline policy named `platform-ebs-kms-<alias>` on the driver's role (the role itself is never created or deleted).\n\
             - **Records** the key id, unique to that key. Destroy deletes the alias only while it still points at that key, \
             and schedules only that key's deletion.\n\
             - **Refuses** an alias that already points at another live key: the apply fails before any key is made, \
             with the `terraform import` command and the `import {}` block. Two resources in one configuration naming one alias \
             (this type or `platform_vault_seal`) fail at plan time on `alias_name`.\n\
             - **Adopts** an alias whose key is pending deletion (logged), and the key its own CreateKey made when the answer was lost: \
             the ids of the existing keys are listed before CreateKey, and afterwards only the new keys are searched for the marker, \
             so no second key is left behind. After a lost CreateAlias answer the alias is read again: pointing at the new key, it is the one \
             just made.\n\
             - **An alias moved** to another key outside Terraform shows as a diff on `alias_target_key_id`, and apply points it back: \
             that alias is this resource's own.\n\
             - **A failed apply.** A create that fails before the key exists (the alias check, or CreateKey refused) records nothing. \
             Once the key exists, a failure enabling rotation, pointing the alias or putting the driver's policy records the storage with its \
             `key_id` (and what was made after the key), tainted: the next apply removes exactly that (the alias only while it points at that \
             key, the policy, and schedules the key's deletion) and creates it again; `terraform destroy` removes it. When CreateKey's answer is \
             lost on every attempt and the lookup by marker fails (or finds nothing), whether the key exists is unknown: the apply fails saying \
             so and records the storage, tainted, without a key id and with the marker (in private state); the next refresh looks for the key \
             carrying that marker: found, it is recorded and replaced; not found on several reads, the instance leaves state.\n\
             - **Gone** means three not-found reads in a row.\n\
             - **Import** of a hand-made key by its alias adopts the key as it is, and the next apply rewrites its key policy and tags \
             in place to what this resource manages: the plan shows that as an update, never as a replacement.",
        )),
        attributes: attributes([
            ("id", string(Computed, "The KMS key id.")),
            ("alias_name", string(Required, "Alias of the key, `alias/<name>`; must not start with `alias/aws/`. Changing it moves the alias, the driver's policy and the StorageClass in place.")),
            ("description", string(OptionalComputed, "Description of the KMS key. Defaults to `EBS volume encryption (<alias_name>)`.")),
            ("deletion_window_in_days", number(OptionalComputed, format!("Days between destroy and the key's deletion, 7–30. Defaults to `{DEFAULT_WINDOW}`."))),
            ("enable_key_rotation", boolean(OptionalComputed, format!("Whether KMS rotates the key material yearly. Defaults to `{DEFAULT_KEY_ROTATION}`."))),
            ("key_administrators", string_set(Optional, "IAM role, user or root ARNs that may administer (not use) the key; they get their own key-policy statement.")),
            ("key_users", string_set(Optional, "IAM role, user or root ARNs that may use the key directly; they get their own key-policy statements (grants only for AWS resources).")),
            ("csi_driver_role_name", string(Required, "Name of the EBS CSI driver's IAM role (typically a `platform_irsa_role` for `kube-system/ebs-csi-controller-sa`). The resource puts an inline policy on it.")),
            ("storage_class_name", string(OptionalComputed, format!("`metadata.name` of the StorageClass. Defaults to `{DEFAULT_STORAGE_CLASS}`."))),
            ("volume_type", string(OptionalComputed, format!("EBS volume type: `{DEFAULT_VOLUME_TYPE}` (default), `gp2`, `io2`, `io1`, `st1`, `sc1` or `standard`."))),
            ("fs_type", string(OptionalComputed, format!("File system (`csi.storage.k8s.io/fstype`): `{DEFAULT_FS_TYPE}` (default), `ext3`, `ext2` or `xfs`."))),
            ("iops", number(Optional, "Provisioned IOPS, for `gp3` (3000–80000), `io1` (100–64000) and `io2` (100–256000) only.")),
            ("throughput", number(Optional, "Throughput in MiB/s, for `gp3` only (125–2000).")),
            ("reclaim_policy", string(OptionalComputed, format!("`reclaimPolicy` of the StorageClass: `{DEFAULT_RECLAIM}` (default) or `Retain`."))),
            ("default_class", boolean(OptionalComputed, format!("Whether the StorageClass is the cluster default (the `storageclass.kubernetes.io/is-default-class` annotation). Defaults to `{DEFAULT_CLASS}`."))),
            ("tags", string_map(Optional, "Tags of the KMS key. Merged over the provider's `default_tags`.")),
            ("tags_all", string_map(Computed, "All tags of the key: `default_tags`, `tags`, and `platform:ebs-csi-driver-role`, which lets an import find the driver's role.")),
            ("key_id", string(Computed, "The KMS key id.")),
            ("key_arn", string(Computed, "The KMS key ARN.")),
            ("alias_arn", string(Computed, "The alias ARN: what the StorageClass names as `kmsKeyId`.")),
            ("alias_target_key_id", string(Computed, "The key the alias points at. An alias pointed at another key outside Terraform shows here as a diff, and apply points it back.")),
            ("key_policy", string(Computed, "The key policy: the account root administers the key; EBS may use it for principals of this account (`kms:ViaService` = `ec2.<region>.amazonaws.com`, `kms:CallerAccount`); `kms:CreateGrant` only with `kms:GrantIsForAWSResource`; plus `key_administrators` and `key_users`. Out-of-band edits show as a diff.")),
            ("csi_policy_name", string(Computed, "Name of the inline policy on the driver's role, derived from the alias.")),
            ("iam_policy_json", string(Computed, "The inline policy on the driver's role: key use, and grants for AWS resources, on keys selected by `ForAnyValue:StringEquals` on `kms:ResourceAliases`. Out-of-band edits show as a diff.")),
            ("storage_class_manifest", string(Computed, "A `storage.k8s.io/v1` StorageClass as YAML: provisioner `ebs.csi.aws.com`, `WaitForFirstConsumer`, volume expansion, encrypted with `kmsKeyId` = the alias ARN.")),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

fn validate_state(diags: &mut Diagnostics, c: &EbsStorageState, default_tags: Option<&BTreeMap<String, String>>) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    v.check(&path("alias_name"), c.alias_name.as_ref_option(), |s: &String| {
        validate::kms_alias_name(s)
    });
    v.check(&path("description"), c.description.as_ref_option(), |s: &String| {
        if s.chars().count() <= 8192 {
            Ok(())
        } else {
            Err("must be at most 8192 characters".into())
        }
    });
    v.check(
        &path("deletion_window_in_days"),
        c.deletion_window_in_days.as_ref_option(),
        validate::int_between(7, 30),
    );
    for (name, set) in [
        ("key_administrators", &c.key_administrators),
        ("key_users", &c.key_users),
    ] {
        if let Value::Value(items) = set {
            for item in items.iter().filter_map(|i| i.as_ref_option()) {
                v.check(&path(name), Some(item), |s: &String| validate::iam_principal_arn(s));
            }
        }
    }
    // The key policy grows with the principals: KMS takes at most 32 KB. The
    // account and region are not known yet; placeholders of their usual
    // length give the size within a few bytes.
    if let (Some(admins), Some(users)) = (principals(&c.key_administrators), principals(&c.key_users)) {
        let place = KeyPlace {
            partition: "aws".into(),
            region: "ap-southeast-2".into(),
            account: "123456789012".into(),
        };
        let size = key_policy(&place, &admins, &users).len();
        if size > MAX_KEY_POLICY_BYTES {
            v.error(
                &path("key_users"),
                format!(
                    "the key policy built from `key_administrators` and `key_users` would be about {size} bytes; \
                     KMS allows at most 32,768 bytes: grant a role that these principals assume instead of listing each"
                ),
            );
        }
    }
    v.check(
        &path("csi_driver_role_name"),
        c.csi_driver_role_name.as_ref_option(),
        |s: &String| validate::iam_role_name(s),
    );
    v.check(
        &path("storage_class_name"),
        c.storage_class_name.as_ref_option(),
        |s: &String| {
            validate::dns1123_subdomain_pattern(s).and_then(|_| {
                if s.contains('*') {
                    Err(format!("must be a DNS-1123 subdomain, got {s:?}"))
                } else {
                    Ok(())
                }
            })
        },
    );
    v.check(
        &path("volume_type"),
        c.volume_type.as_ref_option(),
        validate::one_of(VOLUME_TYPES),
    );
    v.check(&path("fs_type"), c.fs_type.as_ref_option(), validate::one_of(FS_TYPES));
    v.check(
        &path("reclaim_policy"),
        c.reclaim_policy.as_ref_option(),
        validate::one_of(RECLAIM),
    );
    // iops and throughput only for the volume types that take them.
    let volume_type = match &c.volume_type {
        Value::Value(t) => Some(t.as_str()),
        Value::Null => Some(DEFAULT_VOLUME_TYPE),
        Value::Unknown => None,
    };
    if let (Some(vt), Some(iops)) = (volume_type, c.iops.as_ref_option()) {
        let range = match vt {
            "gp3" => Some((3000, 80000)),
            "io1" => Some((100, 64000)),
            "io2" => Some((100, 256000)),
            _ => None,
        };
        match range {
            Some((min, max)) => v.check(&path("iops"), Some(iops), validate::int_between(min, max)),
            None => v.error(
                &path("iops"),
                format!("is only for volume types gp3, io1 and io2, not {vt:?}: remove `iops` or change `volume_type`"),
            ),
        }
    }
    if let (Some(vt), Some(throughput)) = (volume_type, c.throughput.as_ref_option()) {
        if vt == "gp3" {
            v.check(&path("throughput"), Some(throughput), validate::int_between(125, 2000));
        } else {
            v.error(
                &path("throughput"),
                format!("is only for volume type gp3, not {vt:?}: remove `throughput` or use gp3"),
            );
        }
    }
    validate::tags_map(&mut v, &path("tags"), &c.tags, PROVIDER_TAGS, default_tags);
    if let Value::Value(tags) = &c.tags {
        for k in tags.keys() {
            if k == CSI_ROLE_TAG {
                v.error(
                    &path("tags").key(k.clone()),
                    "is managed by this resource: remove it from `tags`",
                );
            }
        }
    }
}

#[async_trait]
impl ManagedResource for EbsStorageResource {
    type State = EbsStorageState;
    type Private = PendingPrivate;
    type Client = AwsClients;
    const NOUN: &'static str = "storage";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        self.data.aws_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &EbsStorageState) {
        let default_tags = self.data.default_tags();
        validate_state(diags, config, default_tags.as_ref());
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        state: EbsStorageState,
        private_state: PendingPrivate,
    ) -> Option<(EbsStorageState, PendingPrivate)> {
        let what = format!(
            "EBS storage `{}` (its key is gone or pending deletion)",
            known_str(&state.alias_name).unwrap_or("?")
        );
        if known_str(&state.key_id).or(known_str(&state.id)).is_none() {
            if let Some(marker) = ownership::pending_marker(&private_state).map(str::to_string) {
                return read_pending(diags, aws, state, private_state, &marker).await;
            }
        }
        // Gone only after several consecutive not-found reads.
        let found = ownership::confirm_gone(|| read_remote(aws, &state)).await;
        finish_read(diags, &what, state, private_state, found)
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: EbsStorageState,
        config: EbsStorageState,
    ) -> Option<(EbsStorageState, PendingPrivate)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan_defaults(&mut s, &config);
        plan_computed(&mut s, None, None, &aws.default_tags);
        for v in [&mut s.id, &mut s.key_id, &mut s.key_arn] {
            unknown_if_null(v);
        }
        key::claim_alias_in_plan(diags, known_str(&s.alias_name), RESOURCE_TYPE)?;
        Some((s, Default::default()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: EbsStorageState,
        proposed: EbsStorageState,
        config: EbsStorageState,
        private_state: PendingPrivate,
    ) -> Option<(EbsStorageState, PendingPrivate, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan_defaults(&mut s, &config);
        let place = known_str(&prior.key_arn).and_then(KeyPlace::from_arn);
        plan_computed(&mut s, Some(&prior), place.as_ref(), &aws.default_tags);
        key::claim_alias_in_plan(diags, known_str(&s.alias_name), RESOURCE_TYPE)?;
        let replace = EbsStorageState::replaced(&prior, &s);
        Some((s, private_state, replace.paths))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        planned: EbsStorageState,
        _config: EbsStorageState,
        private_state: PendingPrivate,
    ) -> Option<(EbsStorageState, PendingPrivate)> {
        let alias = require_str(diags, "alias_name", &planned.alias_name)?.to_string();
        let context = format!("creating EBS storage `{alias}`");
        let place = match KeyPlace::current(aws).await {
            Ok(place) => place,
            Err(err) => {
                report(diags, &failed(context, err));
                return None;
            }
        };
        let mut s = planned.clone();
        plan_computed(&mut s, None, Some(&place), &aws.default_tags);
        let Some(spec) = expand_key(&s) else {
            diags.root_error_short(format!("{context}: the plan still has unknown values"));
            return None;
        };
        // An alias that already names another live key is not ours: refuse
        // before anything is created.
        if let Err(err) = key::check_alias_free(&aws.kms, &alias, None, RESOURCE_TYPE).await {
            report(diags, &failed(context, err));
            return None;
        }
        let key = match key::create_key(&aws.kms, &alias, &spec).await {
            Ok(key) => key,
            Err(failure) if failure.pending.is_some() => {
                // Whether the key exists is unknown: recorded (tainted) by the
                // marker it was sent with, without a key id; refresh decides.
                let marker = failure.pending.unwrap_or_default();
                let source = match failure.error {
                    key::KeyError::Create { source, .. }
                    | key::KeyError::Read { source, .. }
                    | key::KeyError::ListKeys { source } => source,
                    other => crate::framework::diag::ApiError::other("CreateKey", None, other.to_string()),
                };
                let unknown = ownership::OutcomeUnknown {
                    operation: "CreateKey",
                    what: "KMS key of EBS storage".to_string(),
                    name: alias.clone(),
                    marker: marker.clone(),
                    source,
                };
                report(diags, &failed(context, unknown));
                for v in [&mut s.id, &mut s.key_id, &mut s.key_arn, &mut s.alias_target_key_id] {
                    *v = Value::Null;
                }
                s.iam_policy_json = Value::Null;
                return Some((s, ownership::pending(&marker)));
            }
            Err(failure) => {
                report(diags, &failed(context, failure.error));
                // A key that exists is recorded (tainted) so destroy schedules its deletion.
                return failure
                    .created
                    .map(|key| (flatten_storage(&s, &key, None, None, &aws.default_tags), private_state));
            }
        };
        let partial = |s: &EbsStorageState, alias_done: bool| {
            let alias_entry = alias_done.then(|| (place.alias_arn(&alias), Some(key.key_id.clone())));
            flatten_storage(s, &key, alias_entry, None, &aws.default_tags)
        };
        if let Err(err) = key::ensure_alias(&aws.kms, &alias, &key.key_id, false, RESOURCE_TYPE).await {
            report(diags, &failed(context, err));
            return Some((partial(&s, false), private_state));
        }
        let role_name = known_str(&s.csi_driver_role_name).unwrap_or_default().to_string();
        let document = known_str(&s.iam_policy_json).unwrap_or_default().to_string();
        if let Err(err) = role::put_inline_on_new_role(&aws.iam, &role_name, &csi_policy_name(&alias), &document).await
        {
            report(diags, &failed(context, err));
            return Some((partial(&s, true), private_state));
        }
        s.id = Value::Value(key.key_id.clone());
        s.key_id = Value::Value(key.key_id.clone());
        s.key_arn = Value::Value(key.arn.clone());
        s.alias_target_key_id = Value::Value(key.key_id.clone());
        s.storage_class_manifest = manifest(&s).map_or(Value::Null, Value::Value);
        Some((s, private_state))
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: EbsStorageState,
        planned: EbsStorageState,
        _config: EbsStorageState,
        private_state: PendingPrivate,
    ) -> Option<(EbsStorageState, PendingPrivate)> {
        let key_id = require_str(diags, "key_id", &prior.key_id)?.to_string();
        let alias = require_str(diags, "alias_name", &planned.alias_name)?.to_string();
        let context = format!("updating EBS storage `{alias}`");
        let (Some(prior_spec), Some(spec)) = (expand_key(&prior), expand_key(&planned)) else {
            diags.root_error_short(format!("{context}: the plan still has unknown values"));
            return None;
        };
        let result: Result<(), BoxError> = async {
            key::update_key(&aws.kms, &key_id, &prior_spec, &spec).await?;
            // The alias this resource already has is pointed back if it was
            // moved; a new alias name is not taken from another key.
            let owned = known_str(&prior.alias_name) == Some(alias.as_str());
            key::ensure_alias(&aws.kms, &alias, &key_id, owned, RESOURCE_TYPE).await?;
            if let Some(old_alias) = known_str(&prior.alias_name).filter(|old| *old != alias) {
                key::delete_alias(&aws.kms, old_alias, &key_id).await?;
            }
            let role_name = known_str(&planned.csi_driver_role_name).unwrap_or_default();
            let policy_name = csi_policy_name(&alias);
            if let (Some(old_role), Some(old_alias)) =
                (known_str(&prior.csi_driver_role_name), known_str(&prior.alias_name))
            {
                let old_policy = csi_policy_name(old_alias);
                if old_role != role_name || old_policy != policy_name {
                    role::delete_inline(&aws.iam, old_role, &old_policy).await?;
                }
            }
            let unchanged = known_str(&prior.iam_policy_json)
                .zip(known_str(&planned.iam_policy_json))
                .is_some_and(|(a, b)| policy::equivalent(a, b))
                && known_str(&prior.csi_driver_role_name) == Some(role_name)
                && known_str(&prior.alias_name) == Some(alias.as_str());
            if !unchanged {
                role::put_inline_on_new_role(
                    &aws.iam,
                    role_name,
                    &policy_name,
                    known_str(&planned.iam_policy_json).unwrap_or_default(),
                )
                .await?;
            }
            Ok(())
        }
        .await;
        match result {
            Ok(()) => Some((planned, private_state)),
            Err(err) => {
                report(diags, &failed(context, err));
                // Record what KMS and IAM have now.
                match read_remote(aws, &planned).await {
                    Ok(Some(now)) => Some((now, private_state)),
                    Ok(None) => None,
                    Err(_) => Some((prior, private_state)),
                }
            }
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: EbsStorageState,
        private_state: PendingPrivate,
    ) -> Option<()> {
        let key_id = match known_str(&prior.key_id).or(known_str(&prior.id)) {
            Some(key_id) => key_id.to_string(),
            // A create whose outcome is unknown, not refreshed since: the key
            // carrying its marker, if any (nothing else was made after it).
            None => match ownership::pending_marker(&private_state) {
                Some(marker) => match key::find_pending(&aws.kms, marker).await {
                    Ok(Some(found)) => found.key_id,
                    Ok(None) => return Some(()),
                    Err(err) => {
                        report(
                            diags,
                            &failed("deleting EBS storage: looking for its key by its owner marker", err),
                        );
                        return None;
                    }
                },
                None => require_str(diags, "key_id", &prior.key_id)?.to_string(),
            },
        };
        let alias = known_str(&prior.alias_name).unwrap_or_default().to_string();
        let result: Result<(), BoxError> = async {
            if let Some(role_name) = known_str(&prior.csi_driver_role_name) {
                role::delete_inline(&aws.iam, role_name, &csi_policy_name(&alias)).await?;
            }
            key::delete_alias(&aws.kms, &alias, &key_id).await?;
            key::schedule_deletion(
                &aws.kms,
                &key_id,
                prior
                    .deletion_window_in_days
                    .as_ref_option()
                    .copied()
                    .unwrap_or(DEFAULT_WINDOW),
            )
            .await?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => Some(()),
            Err(err) => {
                report(diags, &failed(format!("deleting EBS storage `{alias}`"), err));
                None
            }
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        id: String,
    ) -> Option<(EbsStorageState, PendingPrivate)> {
        if let Err(rule) = validate::kms_alias_name(&id) {
            diags.root_error(
                format!("importing EBS storage: the import id {rule}"),
                "Import `platform_ebs_storage` by alias name: `terraform import platform_ebs_storage.x alias/ebs`.",
            );
            return None;
        }
        let context = format!("importing EBS storage `{id}`");
        let target = match key::find_alias(&aws.kms, &id).await {
            Ok(Some((_, Some(target)))) => target,
            Ok(_) => {
                diags.root_error_short(format!("{context}: no such alias"));
                return None;
            }
            Err(err) => {
                report(diags, &failed(context, err));
                return None;
            }
        };
        let mut s = EbsStorageState {
            key_id: Value::Value(target),
            alias_name: Value::Value(id.clone()),
            ..Default::default()
        };
        plan_defaults(&mut s, &EbsStorageState::default());
        match read_remote(aws, &s).await {
            Ok(Some(state)) => Some((state, Default::default())),
            Ok(None) => {
                diags.root_error_short(format!("{context}: its key is gone or pending deletion"));
                None
            }
            Err(err) => {
                report(diags, &failed(context, err));
                None
            }
        }
    }
}

/// Refreshes EBS storage whose key's create had an unknown outcome (no key
/// id, the marker in private state): the key carrying the marker is ours and
/// recorded whole (still tainted, so the apply replaces it); none on several
/// reads, the create made nothing (no alias or policy follows it) and the
/// instance leaves state.
async fn read_pending(
    diags: &mut Diagnostics,
    aws: &AwsClients,
    state: EbsStorageState,
    private_state: PendingPrivate,
    marker: &str,
) -> Option<(EbsStorageState, PendingPrivate)> {
    let what = format!(
        "the KMS key of EBS storage `{}` with owner marker `{marker}`",
        known_str(&state.alias_name).unwrap_or("?")
    );
    let found: Result<Option<EbsStorageState>, BoxError> = async {
        let Some(key) = key::find_pending(&aws.kms, marker).await? else {
            return Ok(None);
        };
        let with_key = EbsStorageState {
            key_id: Value::Value(key.key_id.clone()),
            ..state.clone()
        };
        read_remote(aws, &with_key).await
    }
    .await;
    let resolved = match found {
        Ok(Some(s)) => Resolved::Ours(s),
        Ok(None) => Resolved::Absent,
        Err(err) => Resolved::Failed(err),
    };
    ownership::finish_pending(diags, &what, marker, (state, private_state), resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::plan::tests::base;

    #[test]
    fn iops_and_throughput_only_where_they_apply() {
        let mut s = base();
        s.volume_type = Value::Value("st1".into());
        s.iops = Value::Value(3000);
        s.throughput = Value::Value(200);
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, &s, None);
        let summaries: Vec<String> = diags.errors.iter().map(|d| d.summary.to_string()).collect();
        assert!(
            summaries
                .iter()
                .any(|m| m.starts_with("`iops`: is only for volume types gp3, io1 and io2")),
            "{summaries:?}"
        );
        assert!(
            summaries
                .iter()
                .any(|m| m.starts_with("`throughput`: is only for volume type gp3")),
            "{summaries:?}"
        );
        let mut s = base();
        s.iops = Value::Value(100);
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, &s, None);
        assert!(diags.errors[0]
            .summary
            .starts_with("`iops`: must be between 3000 and 80000"));
    }

    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::EbsStorageResource>();
    }
}
