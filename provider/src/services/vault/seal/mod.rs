//! `platform_vault_seal`: AWS KMS auto-unseal for Vault on EKS: a dedicated
//! KMS key, an IRSA role for Vault's service accounts (or an existing role)
//! holding exactly the rights the `awskms` seal uses, and the configuration
//! Vault needs (`seal "awskms"` stanza and Helm values).
//!
//! The key encrypts Vault's root of trust: nothing in this resource ever
//! replaces it. Role changes, a role deleted outside Terraform, or a switch to
//! an existing role are all handled in place around the same key.

mod apply;
mod flex;
mod helm;
mod plan;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{Block, Description};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use self::apply::owns_role;
use self::flex::read_remote;
use self::plan::{plan_computed, plan_defaults};
use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report, BoxError};
use crate::framework::ownership::{self, PendingPrivate};
use crate::framework::plan::{known_str, unknown_if_null, ValueStringMap};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{
    attributes, boolean, number, object_list, string, string_map, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::validate::{self, Validator};
use crate::services::iam::role;
use crate::services::iam::trust::{self, ServiceAccount};
use crate::services::kms::key;

pub const DEFAULT_WINDOW: i64 = 30;
/// On the key: the seal's name, so an import by alias finds everything else.
pub const SEAL_TAG: &str = "platform:vault-seal";
/// This resource's type, for import hints.
const RESOURCE_TYPE: &str = "platform_vault_seal";
/// On the key: the role that uses it.
pub const ROLE_TAG: &str = "platform:vault-seal-role";
/// The seal uses exactly these: encrypt and decrypt the root key, and check the key.
/// The tags of this provider's own on the key: the owner marker, the seal's
/// name and its role's.
const PROVIDER_TAGS: usize = 3;
/// `listener_tls`: Vault terminates TLS itself, with the certificate in `tls_secret_name`.
pub const TLS_VAULT: &str = "vault";
/// `listener_tls`: a service mesh terminates TLS; the listener has `tls_disable = 1`.
pub const TLS_MESH: &str = "mesh";
/// The default `tls_secret_name`, as in the Vault Helm chart's TLS examples.
pub const DEFAULT_TLS_SECRET: &str = "vault-server-tls";
/// `enable_key_rotation` when the configuration leaves it unset.
pub const DEFAULT_KEY_ROTATION: bool = true;
/// The service account of the default `service_accounts`: the Vault Helm
/// chart's, in the namespace it is usually installed in.
pub const DEFAULT_NAMESPACE: &str = "vault";
pub const DEFAULT_SERVICE_ACCOUNT: &str = "vault";
pub const SEAL_ACTIONS: &[&str] = &["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"];

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VaultSealState {
    pub id: Value<String>,
    pub name: Value<String>,
    pub alias_name: Value<String>,
    pub description: Value<String>,
    pub deletion_window_in_days: Value<i64>,
    pub enable_key_rotation: Value<bool>,
    pub oidc_provider_arn: Value<String>,
    pub service_accounts: Value<Vec<ServiceAccount>>,
    pub audience: Value<String>,
    pub role_name: Value<String>,
    pub tags: ValueStringMap,
    pub tags_all: ValueStringMap,
    pub kms_key_id: Value<String>,
    pub kms_key_arn: Value<String>,
    pub alias_arn: Value<String>,
    pub alias_target_key_id: Value<String>,
    pub key_policy: Value<String>,
    pub seal_role_name: Value<String>,
    pub role_created: Value<bool>,
    pub role_arn: Value<String>,
    pub trust_policy: Value<String>,
    pub seal_policy_name: Value<String>,
    pub seal_policy_json: Value<String>,
    pub service_account_annotations: ValueStringMap,
    pub seal_stanza: Value<String>,
    pub helm_values: Value<String>,
    pub listener_tls: Value<String>,
    pub tls_secret_name: Value<String>,
}

// Only a new name replaces the seal (and with it the key); everything else
// changes in place around the same key.
crate::replaces!(VaultSealState { name });

pub struct VaultSealResource {
    pub data: Arc<ProviderData>,
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(format!(
            "AWS KMS auto-unseal for Vault on EKS: a dedicated symmetric KMS key with an alias, a key policy in which the account root \
             administers the key and the seal role may use it, and an IRSA role for Vault's service accounts whose inline policy grants \
             exactly `kms:Encrypt`, `kms:Decrypt` and `kms:DescribeKey` on this key. With `role_name`, the policy goes onto that existing \
             role instead and no role is created. Emits the `seal \"awskms\"` stanza and Helm values for the official chart. \
             In those values Vault's listener serves TLS with the certificate and key of the Kubernetes secret `tls_secret_name` \
             (default `{DEFAULT_TLS_SECRET}`, mounted at `/vault/userconfig/<name>/`), and the CLI in the pods and the Raft joins trust \
             the CA in that secret's `ca.crt`; TLS is disabled on the listener only with \
             `listener_tls = \"mesh\"`, when a service mesh terminates it. \
             The key is never replaced by a change to this resource.\n\n\
             ## Ownership\n\n\
             - **Creates** one KMS key and one role `vault-seal-<name>` (unless `role_name` is given), each tagged `platform:owner` \
             with a marker unique to that create, the alias, and the seal's inline policy.\n\
             - **Records** the key id; the created role carries `platform:vault-seal = <name>`. Destroy deletes only a role with that tag \
             (from `role_name` it only removes the seal policy), the alias only while it points at the key, and schedules only that key's deletion.\n\
             - **Refuses** an alias that already points at another live key: the apply fails before the role or key is made, with the \
             `terraform import` command and the `import {{}}` block. Two resources naming one alias fail at plan time on `alias_name`.\n\
             - **Adopts** an alias whose key is pending deletion, a `vault-seal-<name>` role left by an earlier incarnation of this seal \
             (it carries the seal's tag), and the role or key its own create made when the answer was lost (found by the marker), \
             and the alias after a lost CreateAlias answer when it points at the new key.\n\
             - **A failed apply.** A create that fails before the key exists removes the role it created (nothing is recorded). \
             Once the key exists, a failure enabling rotation, pointing the alias or putting the seal policy records the seal with its key and \
             role, tainted: the next apply removes exactly those (the role only with the seal's tag, the alias only while it points at the key, \
             and schedules the key's deletion) and creates the seal again; `terraform destroy` removes them. When CreateKey's answer is lost on \
             every attempt and the lookup by marker fails (or finds nothing), whether the key exists is unknown: the apply fails saying so and \
             records the seal with its role, tainted, without a key id and with the key's marker (in private state); the next refresh looks \
             for the key carrying that marker and records it if found; either way the next apply replaces the seal, deleting the role (and that key).\n\
             - **Gone** means three not-found reads in a row.\n\
             - **Import** (by alias) takes only a key this resource made: it carries the `platform:vault-seal` tags that name the seal \
             and its role. A hand-made key is refused with that reason, because neither the seal's name nor its role can be derived from it; \
             to keep such a key, leave it out of Terraform or move its data to a seal created here."
        )),
        attributes: attributes([
            ("id", string(Computed, "The KMS key id.")),
            ("name", string(Required, "Name of the Vault installation, a DNS-1123 label of at most 53 characters. Names the default alias (`alias/vault-<name>`) and the created role (`vault-seal-<name>`). A new name makes a new key.")),
            ("alias_name", string(OptionalComputed, "Alias of the key. Defaults to `alias/vault-<name>`; must start with `alias/` and not with `alias/aws/`.")),
            ("description", string(OptionalComputed, "Description of the KMS key. Defaults to `Vault auto-unseal (<name>)`.")),
            ("deletion_window_in_days", number(OptionalComputed, format!("Days between destroy and the key's deletion, 7–30. Defaults to `{DEFAULT_WINDOW}`."))),
            ("enable_key_rotation", boolean(OptionalComputed, format!("Whether KMS rotates the key material yearly; Vault keeps decrypting with older material. Defaults to `{DEFAULT_KEY_ROTATION}`."))),
            ("oidc_provider_arn", string(Optional, "The cluster's IAM OIDC provider ARN. Required unless `role_name` is set.")),
            ("service_accounts", object_list(OptionalComputed, &["namespace", "name"], format!("Vault's service accounts, `{{ namespace, name }}`, allowed to assume the created role. Defaults to `[{{ namespace = \"{DEFAULT_NAMESPACE}\", name = \"{DEFAULT_SERVICE_ACCOUNT}\" }}]`. Conflicts with `role_name`."))),
            ("audience", string(OptionalComputed, format!("`:aud` of the created role's trust policy. Defaults to `{}`.", trust::DEFAULT_AUDIENCE))),
            ("role_name", string(Optional, "An existing IAM role to put the seal policy on, instead of creating one. The resource never deletes this role. Conflicts with `service_accounts`.")),
            ("tags", string_map(Optional, "Tags of the key and of the created role. Merged over the provider's `default_tags`.")),
            ("tags_all", string_map(Computed, "All tags of the key: `default_tags`, `tags`, and the `platform:vault-seal*` tags that let an import find the role.")),
            ("kms_key_id", string(Computed, "The KMS key id, as the seal stanza names it.")),
            ("kms_key_arn", string(Computed, "The KMS key ARN.")),
            ("alias_arn", string(Computed, "The alias ARN.")),
            ("alias_target_key_id", string(Computed, "The key the alias points at; an alias retargeted outside Terraform shows as a diff.")),
            ("key_policy", string(Computed, "The key policy: root administration, and use by the seal role. Out-of-band edits show as a diff.")),
            ("seal_role_name", string(Computed, "The role holding the seal policy: `role_name`, or the created `vault-seal-<name>`.")),
            ("role_created", boolean(Computed, "Whether this resource created (and so will delete) the role.")),
            ("role_arn", string(Computed, "ARN of the seal role.")),
            ("trust_policy", string(Computed, "Trust policy of the created role (pins `:sub` and `:aud`); null for an existing role.")),
            ("seal_policy_name", string(Computed, "Name of the inline seal policy on the role: `platform-vault-seal-<name>`.")),
            ("seal_policy_json", string(Computed, "The inline seal policy: `kms:Encrypt`, `kms:Decrypt`, `kms:DescribeKey` on this key only. Out-of-band edits show as a diff.")),
            ("service_account_annotations", string_map(Computed, "Annotations for Vault's service account: `{ \"eks.amazonaws.com/role-arn\" = role_arn }`.")),
            ("seal_stanza", string(Computed, "A ready `seal \"awskms\" { region, kms_key_id }` stanza; it also has `endpoint` when the provider's `endpoints.kms` is set.")),
            ("helm_values", string(Computed, "YAML values for the official Vault Helm chart: the service-account annotation, HA with integrated Raft storage, the listener, and the seal stanza in the server's HA configuration. With `listener_tls = \"vault\"` (the default) the listener serves TLS with `tls_cert_file = \"/vault/userconfig/<tls_secret_name>/tls.crt\"` and `tls_key_file = \"/vault/userconfig/<tls_secret_name>/tls.key\"`, the secret is mounted through `server.extraVolumes`, and `global.tlsDisable` is `false`; `server.extraEnvironmentVars.VAULT_CACERT` is `/vault/userconfig/<tls_secret_name>/ca.crt`, so `vault operator init` and `vault operator raft join` in a pod verify the listener's certificate, and the Raft storage has one `retry_join` stanza per replica (`leader_api_addr = \"https://vault-<n>.vault-internal:8200\"`, n = 0 to 2: the chart's headless service under its default release name `vault`) with `leader_ca_cert_file` set to the same `ca.crt`. The certificate must therefore be valid for `vault-<n>.vault-internal` (e.g. a cert-manager `dnsNames` entry `*.vault-internal`) besides the names clients use. With `listener_tls = \"mesh\"` the listener has `tls_disable = 1`, `global.tlsDisable` is `true`, no CA is set and the `retry_join` addresses use `http://`.")),
            ("listener_tls", string(OptionalComputed, format!("Who terminates TLS for Vault's listener. `\"{TLS_VAULT}\"` (the default): Vault itself, with the certificate and key from the Kubernetes secret `tls_secret_name`. `\"mesh\"`: a service mesh (mutual TLS between sidecars) terminates TLS, so the listener in `helm_values` has `tls_disable = 1`; choose it only when the mesh covers every client of Vault."))),
            ("tls_secret_name", string(OptionalComputed, format!("The Kubernetes secret in Vault's namespace that holds the listener's certificate as `tls.crt`, its key as `tls.key`, and the certificate of the CA that issued it as `ca.crt` (a `kubernetes.io/tls` secret as cert-manager makes it: cert-manager writes `ca.crt` when the issuer knows its CA, as a private CA issuer does; a secret made by hand must hold it too, since `VAULT_CACERT` and the Raft joins in `helm_values` point at it). `helm_values` mounts it at `/vault/userconfig/<name>/` through the chart's `server.extraVolumes`. Defaults to `{DEFAULT_TLS_SECRET}` when `listener_tls` is `\"{TLS_VAULT}\"`; must not be set with `\"{TLS_MESH}\"`."))),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

fn created_role_name(name: &str) -> String {
    format!("vault-seal-{name}")
}

fn seal_policy_name(name: &str) -> String {
    format!("{}vault-seal-{name}", role::MANAGED_INLINE_PREFIX)
}

fn validate_state(diags: &mut Diagnostics, c: &VaultSealState, default_tags: Option<&BTreeMap<String, String>>) {
    let mut v = Validator::new(diags);
    let path = AttributePath::new;
    v.check(&path("name"), c.name.as_ref_option(), |s: &String| {
        validate::dns1123_label(s)?;
        if s.len() > 53 {
            return Err(format!(
                "must be at most 53 characters so that the role `vault-seal-<name>` fits IAM's 64, got {} characters",
                s.len()
            ));
        }
        Ok(())
    });
    v.check(&path("alias_name"), c.alias_name.as_ref_option(), |s: &String| {
        validate::kms_alias_name(s)
    });
    v.check(
        &path("deletion_window_in_days"),
        c.deletion_window_in_days.as_ref_option(),
        validate::int_between(7, 30),
    );
    v.check(
        &path("oidc_provider_arn"),
        c.oidc_provider_arn.as_ref_option(),
        |s: &String| validate::oidc_provider_arn(s).map(|_| ()),
    );
    v.check(&path("role_name"), c.role_name.as_ref_option(), |s: &String| {
        validate::iam_role_name(s)
    });
    if c.role_name.is_value() && !c.service_accounts.is_null() {
        v.error(
            &path("service_accounts"),
            "conflicts with `role_name`: an existing role's trust policy is not managed here; set one of them",
        );
    }
    if c.role_name.is_value() && !c.oidc_provider_arn.is_null() {
        v.error(
            &path("oidc_provider_arn"),
            "conflicts with `role_name`: it is only used to create the seal role",
        );
    }
    if c.role_name.is_null() && c.oidc_provider_arn.is_null() {
        v.error(&path("oidc_provider_arn"), "is required to create the seal role: set it to the cluster's IAM OIDC provider ARN, or set `role_name` to use an existing role");
    }
    v.check(
        &path("listener_tls"),
        c.listener_tls.as_ref_option(),
        validate::one_of(&[TLS_VAULT, TLS_MESH]),
    );
    v.check(
        &path("tls_secret_name"),
        c.tls_secret_name.as_ref_option(),
        |s: &String| {
            validate::dns1123_subdomain_pattern(s).and_then(|_| {
                if s.contains('*') {
                    Err(format!(
                        "must be the name of a Kubernetes secret (a DNS-1123 subdomain), got {s:?}"
                    ))
                } else {
                    Ok(())
                }
            })
        },
    );
    if c.tls_secret_name.is_value() && c.listener_tls.as_ref_option().map(String::as_str) == Some(TLS_MESH) {
        v.error(
            &path("tls_secret_name"),
            "conflicts with `listener_tls = \"mesh\"`: with TLS terminated by the mesh the listener uses no certificate; remove one of them",
        );
    }
    // Vault's namespace is a plain name; wildcards only in service-account names.
    trust::validate_service_accounts(&mut v, &c.service_accounts, false);
    validate::tags_map(&mut v, &path("tags"), &c.tags, PROVIDER_TAGS, default_tags);
    if let Value::Value(tags) = &c.tags {
        for k in tags.keys() {
            if k.starts_with(SEAL_TAG) {
                v.error(
                    &path("tags").key(k.clone()),
                    "is managed by this resource: remove it from `tags`",
                );
            }
        }
    }
}

#[async_trait]
impl ManagedResource for VaultSealResource {
    type State = VaultSealState;
    type Private = PendingPrivate;
    type Client = AwsClients;
    const NOUN: &'static str = "seal";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        self.data.aws_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &VaultSealState) {
        let default_tags = self.data.default_tags();
        validate_state(diags, config, default_tags.as_ref());
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        state: VaultSealState,
        private_state: PendingPrivate,
    ) -> Option<(VaultSealState, PendingPrivate)> {
        let what = format!(
            "Vault seal `{}` (its key is gone or pending deletion)",
            known_str(&state.name).unwrap_or("?")
        );
        if known_str(&state.kms_key_id).or(known_str(&state.id)).is_none() {
            // No key recorded: its create's outcome is unknown (the marker in
            // private state), or it made none.
            return match ownership::pending_marker(&private_state).map(str::to_string) {
                Some(marker) => apply::read_pending(diags, aws, state, private_state, &marker).await,
                None => apply::read_keyless(diags, aws, state, private_state).await,
            };
        }
        // Gone only after several consecutive not-found reads.
        let found = ownership::confirm_gone(|| read_remote(aws, &state)).await;
        finish_read(diags, &what, state, private_state, found)
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: VaultSealState,
        config: VaultSealState,
    ) -> Option<(VaultSealState, PendingPrivate)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan_defaults(&mut s, &config);
        plan_computed(
            &mut s,
            None,
            &aws.region,
            aws.endpoints.kms.as_deref(),
            &aws.default_tags,
        );
        for v in [&mut s.id, &mut s.kms_key_id, &mut s.kms_key_arn] {
            unknown_if_null(v);
        }
        key::claim_alias_in_plan(diags, known_str(&s.alias_name), RESOURCE_TYPE)?;
        Some((s, Default::default()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: VaultSealState,
        proposed: VaultSealState,
        config: VaultSealState,
        private_state: PendingPrivate,
    ) -> Option<(VaultSealState, PendingPrivate, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        plan_defaults(&mut s, &config);
        key::claim_alias_in_plan(diags, known_str(&s.alias_name), RESOURCE_TYPE)?;
        let replace = VaultSealState::replaced(&prior, &s);
        if !replace.is_empty() {
            // A new seal: nothing carries over from the old one.
            plan_computed(
                &mut s,
                None,
                &aws.region,
                aws.endpoints.kms.as_deref(),
                &aws.default_tags,
            );
            for v in [&mut s.id, &mut s.kms_key_id, &mut s.kms_key_arn] {
                *v = Value::Unknown;
            }
            return Some((s, private_state, replace.paths));
        }
        plan_computed(
            &mut s,
            Some(&prior),
            &aws.region,
            aws.endpoints.kms.as_deref(),
            &aws.default_tags,
        );
        Some((s, private_state, vec![]))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        planned: VaultSealState,
        _config: VaultSealState,
        _private_state: PendingPrivate,
    ) -> Option<(VaultSealState, PendingPrivate)> {
        apply::create_seal(diags, aws, planned).await
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: VaultSealState,
        planned: VaultSealState,
        _config: VaultSealState,
        private_state: PendingPrivate,
    ) -> Option<(VaultSealState, PendingPrivate)> {
        apply::update_seal(diags, aws, prior, planned)
            .await
            .map(|s| (s, private_state))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        prior: VaultSealState,
        private_state: PendingPrivate,
    ) -> Option<()> {
        apply::destroy_seal(diags, aws, prior, &private_state).await
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        aws: &AwsClients,
        id: String,
    ) -> Option<(VaultSealState, PendingPrivate)> {
        if let Err(rule) = validate::kms_alias_name(&id) {
            diags.root_error(format!("importing Vault seal: the import id {rule}"), "Import `platform_vault_seal` by alias name: `terraform import platform_vault_seal.x alias/vault-main`.");
            return None;
        }
        let context = format!("importing Vault seal `{id}`");
        let result: Result<Option<VaultSealState>, BoxError> = async {
            let Some((_, Some(target))) = key::find_alias(&aws.kms, &id).await? else { return Ok(None) };
            let Some(remote_key) = key::find_key(&aws.kms, &target).await? else { return Ok(None) };
            let (Some(seal), Some(role_name)) = (remote_key.spec.tags.get(SEAL_TAG), remote_key.spec.tags.get(ROLE_TAG)) else {
                return Err(format!("the key behind `{id}` has no `{SEAL_TAG}` / `{ROLE_TAG}` tags: it was not made by platform_vault_seal").into());
            };
            let created = owns_role(aws, role_name, seal).await?;
            let mut s = VaultSealState {
                name: Value::Value(seal.clone()),
                alias_name: Value::Value(id.clone()),
                kms_key_id: Value::Value(target),
                role_name: if created { Value::Null } else { Value::Value(role_name.clone()) },
                role_created: Value::Value(created),
                seal_role_name: Value::Value(role_name.clone()),
                seal_policy_name: Value::Value(seal_policy_name(seal)),
                deletion_window_in_days: Value::Value(DEFAULT_WINDOW),
                ..Default::default()
            };
            if created {
                if let Some(remote) = role::find_role_by_name(&aws.iam, role_name).await? {
                    let parsed = trust::parse_trust_policy(&remote.spec.trust_policy);
                    s.oidc_provider_arn = parsed.oidc_provider_arn.into();
                    s.audience = Value::Value(parsed.audience.unwrap_or_else(|| trust::DEFAULT_AUDIENCE.into()));
                    s.service_accounts = Value::Value(trust::flatten_service_accounts(parsed.subjects));
                }
            }
            read_remote(aws, &s).await
        }
        .await;
        match result {
            Ok(Some(s)) => Some((s, Default::default())),
            Ok(None) => {
                diags.root_error_short(format!("{context}: no such alias, or its key is gone"));
                None
            }
            Err(err) => {
                report(diags, &failed(context, err));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_name_and_service_accounts_conflict() {
        let config = VaultSealState {
            name: Value::Value("main".into()),
            role_name: Value::Value("existing".into()),
            service_accounts: Value::Value(vec![]),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate_state(&mut diags, &config, None);
        assert!(diags
            .errors
            .iter()
            .any(|d| d.summary.starts_with("`service_accounts`: conflicts with `role_name`")));
        let mut diags = Diagnostics::default();
        validate_state(
            &mut diags,
            &VaultSealState {
                name: Value::Value("main".into()),
                ..Default::default()
            },
            None,
        );
        assert!(diags
            .errors
            .iter()
            .any(|d| d.summary.starts_with("`oidc_provider_arn`: is required")));
    }

    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::VaultSealResource>();
    }
}
