//! `platform_vault_seal`: AWS KMS auto-unseal for Vault on EKS: a dedicated
//! KMS key, an IRSA role for Vault's service accounts (or an existing role)
//! holding exactly the rights the `awskms` seal uses, and the configuration
//! Vault needs (`seal "awskms"` stanza and Helm values).
//!
//! The key encrypts Vault's root of trust: nothing in this resource ever
//! replaces it. Role changes, a role deleted outside Terraform, or a switch to
//! an existing role are all handled in place around the same key.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tf_provider::schema::{Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::clients::{AwsClients, ProviderData};
use crate::framework::diag::{failed, finish_read, report, BoxError};
use crate::framework::ownership;
use crate::framework::plan::{
    default_from_config, known_str, known_string_map, optional_map, planned_policy, to_value_map, unknown_if_null,
    RequiresReplace, ValueStringMap,
};
use crate::framework::policy;
use crate::framework::schema::{
    attributes, boolean, number, object_list, string, string_map, Computed, Optional, OptionalComputed, Required,
};
use crate::framework::tags;
use crate::framework::validate::{self, Validator};
use crate::services::iam::role::{self, RoleSpec};
use crate::services::iam::trust::{self, ServiceAccount};
use crate::services::kms::key::{self, KeyPlace, KeySpec, RemoteKey};

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

pub struct VaultSealResource {
    data: Arc<ProviderData>,
}

impl VaultSealResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(
            "AWS KMS auto-unseal for Vault on EKS: a dedicated symmetric KMS key with an alias, a key policy in which the account root \
             administers the key and the seal role may use it, and an IRSA role for Vault's service accounts whose inline policy grants \
             exactly `kms:Encrypt`, `kms:Decrypt` and `kms:DescribeKey` on this key. With `role_name`, the policy goes onto that existing \
             role instead and no role is created. Emits the `seal \"awskms\"` stanza and Helm values for the official chart. \
             In those values Vault's listener serves TLS with the certificate and key of the Kubernetes secret `tls_secret_name` \
             (default `vault-server-tls`, mounted at `/vault/userconfig/<name>/`), and the CLI in the pods and the Raft joins trust \
             the CA in that secret's `ca.crt`; TLS is disabled on the listener only with \
             `listener_tls = \"mesh\"`, when a service mesh terminates it. \
             The key is never replaced by a change to this resource.\n\n\
             ## Ownership\n\n\
             - **Creates** one KMS key and one role `vault-seal-<name>` (unless `role_name` is given), each tagged `platform:owner` \
             with a marker unique to that create, the alias, and the seal's inline policy.\n\
             - **Records** the key id; the created role carries `platform:vault-seal = <name>`. Destroy deletes only a role with that tag \
             (from `role_name` it only removes the seal policy), the alias only while it points at the key, and schedules only that key's deletion.\n\
             - **Refuses** an alias that already points at another live key: the apply fails before the role or key is made, with the \
             `terraform import` command and the `import {}` block. Two resources naming one alias fail at plan time on `alias_name`.\n\
             - **Adopts** an alias whose key is pending deletion, a `vault-seal-<name>` role left by an earlier incarnation of this seal \
             (it carries the seal's tag), and the role or key its own create made when the answer was lost (found by the marker).\n\
             - **Gone** means three not-found reads in a row.\n\
             - **Import** (by alias) takes only a key this resource made: it carries the `platform:vault-seal` tags that name the seal \
             and its role. A hand-made key is refused with that reason, because neither the seal's name nor its role can be derived from it; \
             to keep such a key, leave it out of Terraform or move its data to a seal created here.",
        ),
        attributes: attributes([
            ("id", string(Computed, "The KMS key id.")),
            ("name", string(Required, "Name of the Vault installation, a DNS-1123 label of at most 53 characters. Names the default alias (`alias/vault-<name>`) and the created role (`vault-seal-<name>`). Changing it replaces the seal, and with it the key.")),
            ("alias_name", string(OptionalComputed, "Alias of the key. Defaults to `alias/vault-<name>`; must start with `alias/` and not with `alias/aws/`.")),
            ("description", string(OptionalComputed, "Description of the KMS key. Defaults to `Vault auto-unseal (<name>)`.")),
            ("deletion_window_in_days", number(OptionalComputed, "Days between destroy and the key's deletion, 7–30. Defaults to `30`.")),
            ("enable_key_rotation", boolean(OptionalComputed, "Whether KMS rotates the key material yearly; Vault keeps decrypting with older material. Defaults to `true`.")),
            ("oidc_provider_arn", string(Optional, "The cluster's IAM OIDC provider ARN. Required unless `role_name` is set.")),
            ("service_accounts", object_list(OptionalComputed, &["namespace", "name"], "Vault's service accounts, `{ namespace, name }`, allowed to assume the created role. Defaults to `[{ namespace = \"vault\", name = \"vault\" }]`. Conflicts with `role_name`.")),
            ("audience", string(OptionalComputed, "`:aud` of the created role's trust policy. Defaults to `sts.amazonaws.com`.")),
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
            ("listener_tls", string(OptionalComputed, "Who terminates TLS for Vault's listener. `\"vault\"` (the default): Vault itself, with the certificate and key from the Kubernetes secret `tls_secret_name`. `\"mesh\"`: a service mesh (mutual TLS between sidecars) terminates TLS, so the listener in `helm_values` has `tls_disable = 1`; choose it only when the mesh covers every client of Vault.")),
            ("tls_secret_name", string(OptionalComputed, "The Kubernetes secret in Vault's namespace that holds the listener's certificate as `tls.crt`, its key as `tls.key`, and the certificate of the CA that issued it as `ca.crt` (a `kubernetes.io/tls` secret as cert-manager makes it: cert-manager writes `ca.crt` when the issuer knows its CA, as a private CA issuer does; a secret made by hand must hold it too, since `VAULT_CACERT` and the Raft joins in `helm_values` point at it). `helm_values` mounts it at `/vault/userconfig/<name>/` through the chart's `server.extraVolumes`. Defaults to `vault-server-tls` when `listener_tls` is `\"vault\"`; must not be set with `\"mesh\"`.")),
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

fn apply_defaults(s: &mut VaultSealState, config: &VaultSealState) {
    let name = known_str(&s.name).map(str::to_string);
    if config.alias_name.is_null() {
        s.alias_name = name
            .as_ref()
            .map_or(Value::Unknown, |n| Value::Value(format!("alias/vault-{n}")));
    }
    if config.description.is_null() {
        s.description = name
            .as_ref()
            .map_or(Value::Unknown, |n| Value::Value(format!("Vault auto-unseal ({n})")));
    }
    default_from_config(
        &mut s.deletion_window_in_days,
        &config.deletion_window_in_days,
        DEFAULT_WINDOW,
    );
    default_from_config(&mut s.enable_key_rotation, &config.enable_key_rotation, true);
    default_from_config(&mut s.listener_tls, &config.listener_tls, TLS_VAULT.to_string());
    if config.tls_secret_name.is_null() {
        s.tls_secret_name = match known_str(&s.listener_tls) {
            Some(TLS_MESH) => Value::Null,
            Some(_) => Value::Value(DEFAULT_TLS_SECRET.to_string()),
            None => Value::Unknown,
        };
    }
    if config.role_name.is_null() {
        let vault = ServiceAccount {
            namespace: Value::Value("vault".into()),
            name: Value::Value("vault".into()),
        };
        default_from_config(&mut s.service_accounts, &config.service_accounts, vec![vault]);
        default_from_config(&mut s.audience, &config.audience, trust::DEFAULT_AUDIENCE.to_string());
    } else {
        s.service_accounts = Value::Null;
        s.audience = Value::Null;
    }
}

fn key_policy(place: &KeyPlace, role_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            key::root_statement(&place.partition, &place.account),
            {
                "Sid": "AllowVaultSealRole",
                "Effect": "Allow",
                "Principal": { "AWS": role_arn },
                "Action": SEAL_ACTIONS,
                "Resource": "*",
            },
        ],
    })
    .to_string()
}

/// Exactly the rights the awskms seal uses, on this key only.
pub fn seal_policy(key_arn: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "VaultAwsKmsSeal",
            "Effect": "Allow",
            "Action": SEAL_ACTIONS,
            "Resource": key_arn,
        }],
    })
    .to_string()
}

fn hcl_str(s: &str) -> String {
    // HCL's quoted strings take JSON's escapes for the characters that occur here.
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace("${", "$${")
}

fn stanza(region: &str, key_id: &str, endpoint: Option<&str>) -> String {
    let mut out = format!(
        "seal \"awskms\" {{\n  region     = {}\n  kms_key_id = {}\n",
        hcl_str(region),
        hcl_str(key_id)
    );
    if let Some(endpoint) = endpoint {
        out.push_str(&format!("  endpoint   = {}\n", hcl_str(endpoint)));
    }
    out.push_str("}\n");
    out
}

/// Who terminates TLS for Vault's listener.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ListenerTls {
    /// Vault, with the certificate and key in this Kubernetes secret.
    Vault { secret: String },
    /// A service mesh; the listener has `tls_disable = 1`.
    Mesh,
}

impl ListenerTls {
    /// From the state; `None` while unknown. A null `listener_tls` (a state
    /// written before it existed) is the default, TLS on.
    fn of(s: &VaultSealState) -> Option<ListenerTls> {
        match &s.listener_tls {
            Value::Unknown => None,
            Value::Value(mode) if mode == TLS_MESH => Some(ListenerTls::Mesh),
            _ => match &s.tls_secret_name {
                Value::Unknown => None,
                Value::Value(secret) => Some(ListenerTls::Vault { secret: secret.clone() }),
                Value::Null => Some(ListenerTls::Vault {
                    secret: DEFAULT_TLS_SECRET.to_string(),
                }),
            },
        }
    }
}

/// The replicas `helm_values` asks for; each joins the others' Raft cluster.
const REPLICAS: usize = 3;

fn helm_values(role_arn: &str, seal: &str, tls: &ListenerTls) -> String {
    let (listener_tls, global_tls_disable, server_tls, scheme, ca_file) = match tls {
        ListenerTls::Vault { secret } => {
            let dir = format!("/vault/userconfig/{secret}");
            let ca = format!("{dir}/ca.crt");
            (
                format!(
                    "  # TLS is terminated by Vault, with the certificate from the Kubernetes secret {secret:?}.\n  tls_cert_file   = {}\n  tls_key_file    = {}\n",
                    hcl_str(&format!("{dir}/tls.crt")),
                    hcl_str(&format!("{dir}/tls.key"))
                ),
                "false",
                // The CLI in the pods (`vault operator init`, `raft join`)
                // trusts the CA that issued the listener's certificate.
                format!(
                    "  extraEnvironmentVars:\n    VAULT_CACERT: {}\n  extraVolumes:\n    - type: secret\n      name: {}\n",
                    serde_json::to_string(&ca).unwrap_or_default(),
                    serde_json::to_string(secret).unwrap_or_default()
                ),
                "https",
                Some(ca),
            )
        }
        ListenerTls::Mesh => (
            "  # TLS is terminated by the service mesh (listener_tls = \"mesh\").\n  tls_disable     = 1\n".to_string(),
            "true",
            String::new(),
            "http",
            None,
        ),
    };
    // Each replica joins through the chart's headless service, under the
    // chart's default release name `vault` (`vault-<n>.vault-internal`); with
    // TLS the leader's certificate is checked against the secret's CA.
    let retry_join: String = (0..REPLICAS)
        .map(|i| {
            let ca = ca_file
                .as_deref()
                .map(|ca| format!("    leader_ca_cert_file = {}\n", hcl_str(ca)))
                .unwrap_or_default();
            format!(
                "  retry_join {{\n    leader_api_addr     = \"{scheme}://vault-{i}.vault-internal:8200\"\n{ca}  }}\n"
            )
        })
        .collect();
    let mut config = format!(
        "ui = true\n\nlistener \"tcp\" {{\n  address         = \"[::]:8200\"\n  cluster_address = \"[::]:8201\"\n{listener_tls}}}\n\nstorage \"raft\" {{\n  path = \"/vault/data\"\n\n{retry_join}}}\n\nservice_registration \"kubernetes\" {{}}\n\n",
    );
    config.push_str(seal);
    let indented: String = config
        .lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("        {l}\n")
            }
        })
        .collect();
    format!(
        "global:\n  tlsDisable: {global_tls_disable}\nserver:\n{server_tls}  serviceAccount:\n    annotations:\n      eks.amazonaws.com/role-arn: {}\n  ha:\n    enabled: true\n    replicas: {REPLICAS}\n    raft:\n      enabled: true\n      setNodeId: true\n      config: |\n{indented}",
        serde_json::to_string(role_arn).unwrap_or_default()
    )
}

fn desired_trust(s: &VaultSealState) -> Option<String> {
    trust::desired_trust(&s.oidc_provider_arn, &s.service_accounts, &s.audience)
}

/// Fills what the plan can know. `prior` is the state before an update.
fn plan_computed(
    s: &mut VaultSealState,
    prior: Option<&VaultSealState>,
    region: &str,
    kms_endpoint: Option<&str>,
    default_tags: &BTreeMap<String, String>,
) {
    let name = known_str(&s.name).map(str::to_string);
    let managed = s.role_name.is_null();
    s.role_created = Value::Value(managed);
    s.seal_role_name = match (managed, &s.role_name, &name) {
        (false, role_name, _) => role_name.clone(),
        (true, _, Some(n)) => Value::Value(created_role_name(n)),
        (true, _, None) => Value::Unknown,
    };
    s.seal_policy_name = name
        .as_deref()
        .map_or(Value::Unknown, |n| Value::Value(seal_policy_name(n)));
    s.trust_policy = if managed {
        planned_policy(prior.map(|p| &p.trust_policy), desired_trust(s))
    } else {
        Value::Null
    };

    // The role ARN stays known while the role stays the same.
    let same_role = prior.is_some_and(|p| p.seal_role_name == s.seal_role_name && p.role_arn.is_value());
    s.role_arn = if same_role {
        prior.map(|p| p.role_arn.clone()).unwrap_or(Value::Unknown)
    } else {
        Value::Unknown
    };
    s.service_account_annotations = match known_str(&s.role_arn) {
        Some(arn) => {
            let mut m = BTreeMap::new();
            m.insert(trust::ROLE_ARN_ANNOTATION.to_string(), arn.to_string());
            to_value_map(&m)
        }
        None => Value::Unknown,
    };

    let place = prior
        .and_then(|p| known_str(&p.kms_key_arn))
        .and_then(KeyPlace::from_arn);
    s.key_policy = match (&place, known_str(&s.role_arn)) {
        (Some(place), Some(role_arn)) => {
            planned_policy(prior.map(|p| &p.key_policy), Some(key_policy(place, role_arn)))
        }
        _ => Value::Unknown,
    };
    s.seal_policy_json = match prior.and_then(|p| known_str(&p.kms_key_arn)) {
        Some(key_arn) => planned_policy(prior.map(|p| &p.seal_policy_json), Some(seal_policy(key_arn))),
        None => Value::Unknown,
    };
    s.alias_arn = match (&place, known_str(&s.alias_name)) {
        (Some(p), Some(alias)) => Value::Value(p.alias_arn(alias)),
        _ => Value::Unknown,
    };
    s.alias_target_key_id = prior.map_or(Value::Unknown, |p| p.kms_key_id.clone());
    s.tags_all = match (known_string_map(&s.tags), &name, known_str(&s.seal_role_name)) {
        (Some(own), Some(n), Some(role_name)) => {
            let mut all = tags::merge(default_tags, &own);
            all.insert(SEAL_TAG.to_string(), n.clone());
            all.insert(ROLE_TAG.to_string(), role_name.to_string());
            match prior {
                Some(p) if p.tags_all == to_value_map(&all) => p.tags_all.clone(),
                _ => to_value_map(&all),
            }
        }
        _ => Value::Unknown,
    };
    outputs(s, region, kms_endpoint);
}

/// The stanza and Helm values, from the key id and role ARN.
fn outputs(s: &mut VaultSealState, region: &str, kms_endpoint: Option<&str>) {
    match (known_str(&s.kms_key_id), known_str(&s.role_arn), ListenerTls::of(s)) {
        (Some(key_id), Some(role_arn), Some(tls)) => {
            let seal = stanza(region, key_id, kms_endpoint);
            s.helm_values = Value::Value(helm_values(role_arn, &seal, &tls));
            s.seal_stanza = Value::Value(seal);
        }
        (Some(key_id), _, _) => {
            s.seal_stanza = Value::Value(stanza(region, key_id, kms_endpoint));
            s.helm_values = Value::Unknown;
        }
        _ => {
            s.seal_stanza = Value::Unknown;
            s.helm_values = Value::Unknown;
        }
    }
}

/// The key the state asks for.
fn key_spec(s: &VaultSealState) -> Option<KeySpec> {
    Some(KeySpec {
        description: known_str(&s.description)?.to_string(),
        policy: known_str(&s.key_policy)?.to_string(),
        enable_key_rotation: *s.enable_key_rotation.as_ref_option()?,
        tags: known_string_map(&s.tags_all)?,
    })
}

/// The created role the state asks for (its tags mark it as this seal's).
fn role_spec(s: &VaultSealState) -> Option<RoleSpec> {
    let name = known_str(&s.name)?;
    let mut role_tags = tags::merge(&BTreeMap::new(), &known_string_map(&s.tags_all)?);
    role_tags.remove(ROLE_TAG);
    let mut inline = BTreeMap::new();
    if let Some(doc) = known_str(&s.seal_policy_json) {
        inline.insert(seal_policy_name(name), doc.to_string());
    }
    Some(RoleSpec {
        name: created_role_name(name),
        path: "/".into(),
        description: Some(format!("Vault awskms auto-unseal ({name})")),
        trust_policy: known_str(&s.trust_policy)
            .map(str::to_string)
            .or_else(|| desired_trust(s))?,
        max_session_duration: role::DEFAULT_MAX_SESSION,
        permissions_boundary: None,
        tags: role_tags,
        policy_arns: Default::default(),
        inline_policies: inline,
    })
}

/// Is this role one this seal created? Only such a role is ever deleted.
async fn owns_role(aws: &AwsClients, role_name: &str, seal: &str) -> Result<bool, BoxError> {
    Ok(role::find_role_by_name(&aws.iam, role_name)
        .await?
        .is_some_and(|r| is_seal_role(&r, seal)))
}

/// A role this seal created carries its seal tag.
fn is_seal_role(role: &role::RemoteRole, seal: &str) -> bool {
    role.spec.tags.get(SEAL_TAG).map(String::as_str) == Some(seal)
}

impl VaultSealResource {
    /// Everything as AWS has it; `Ok(None)` when the key is gone.
    async fn read_remote(aws: &AwsClients, prior: &VaultSealState) -> Result<Option<VaultSealState>, BoxError> {
        let Some(key_id) = known_str(&prior.kms_key_id).or(known_str(&prior.id)) else {
            return Ok(None);
        };
        let Some(key) = key::find_key(&aws.kms, key_id).await? else {
            return Ok(None);
        };
        let mut s = prior.clone();
        flatten_key(&mut s, &key, &aws.default_tags);
        if let Some(alias) = known_str(&s.alias_name) {
            match key::find_alias(&aws.kms, alias).await? {
                Some((arn, target)) => {
                    s.alias_arn = Value::Value(arn);
                    s.alias_target_key_id = target.into();
                }
                None => s.alias_target_key_id = Value::Null,
            }
        }
        let role_name = known_str(&s.seal_role_name).map(str::to_string);
        let policy_name = known_str(&s.name).map(seal_policy_name);
        if let Some(role_name) = role_name {
            match role::find_role_by_name(&aws.iam, &role_name).await? {
                Some(remote) => {
                    s.role_arn = Value::Value(remote.arn.clone());
                    let mut m = BTreeMap::new();
                    m.insert(trust::ROLE_ARN_ANNOTATION.to_string(), remote.arn.clone());
                    s.service_account_annotations = to_value_map(&m);
                    if s.role_created == Value::Value(true) {
                        s.trust_policy = Value::Value(policy::refreshed_policy(
                            known_str(&prior.trust_policy),
                            &remote.spec.trust_policy,
                        ));
                    }
                    s.seal_policy_json = match policy_name.and_then(|p| remote.spec.inline_policies.get(&p).cloned()) {
                        Some(doc) => Value::Value(policy::refreshed_policy(known_str(&prior.seal_policy_json), &doc)),
                        None => Value::Null,
                    };
                }
                // The role is gone: the plan recreates it (created) or fails to find it (existing).
                None => {
                    s.role_arn = Value::Null;
                    s.trust_policy = Value::Null;
                    s.seal_policy_json = Value::Null;
                    s.service_account_annotations = Value::Null;
                }
            }
        }
        // An import, or a state written before the listener's TLS was an
        // argument, has neither: they take their defaults, TLS on.
        if s.listener_tls.is_null() {
            s.listener_tls = Value::Value(TLS_VAULT.to_string());
        }
        if s.tls_secret_name.is_null() && known_str(&s.listener_tls) == Some(TLS_VAULT) {
            s.tls_secret_name = Value::Value(DEFAULT_TLS_SECRET.to_string());
        }
        let kms_endpoint = aws.endpoints.kms.as_deref();
        outputs(&mut s, &aws.region, kms_endpoint);
        // A refresh never returns unknown values: what cannot be built is null.
        for v in [&mut s.seal_stanza, &mut s.helm_values] {
            if v.is_unknown() {
                *v = Value::Null;
            }
        }
        Ok(Some(s))
    }
}

fn flatten_key(s: &mut VaultSealState, key: &RemoteKey, default_tags: &BTreeMap<String, String>) {
    s.id = Value::Value(key.key_id.clone());
    s.kms_key_id = Value::Value(key.key_id.clone());
    s.kms_key_arn = Value::Value(key.arn.clone());
    s.description = Value::Value(key.spec.description.clone());
    s.enable_key_rotation = Value::Value(key.spec.enable_key_rotation);
    s.key_policy = Value::Value(policy::refreshed_policy(known_str(&s.key_policy), &key.spec.policy));
    let mut own = key.spec.tags.clone();
    own.retain(|k, _| !k.starts_with(SEAL_TAG));
    let prior_own = known_string_map(&s.tags).unwrap_or_default();
    s.tags = optional_map(&s.tags, &tags::own_tags(&own, default_tags, &prior_own));
    s.tags_all = to_value_map(&key.spec.tags);
}

#[async_trait]
impl Resource for VaultSealResource {
    type State<'a> = VaultSealState;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: schema_block(),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        let default_tags = self.data.default_tags();
        validate_state(diags, &config, default_tags.as_ref());
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Some(aws) = self.data.aws_or_report(diags) else {
            return Some((state, private_state));
        };
        let what = format!(
            "Vault seal `{}` (its key is gone or pending deletion)",
            known_str(&state.name).unwrap_or("?")
        );
        // Gone only after several consecutive not-found reads.
        let found = ownership::confirm_gone(|| Self::read_remote(&aws, &state)).await;
        finish_read(diags, &what, state, private_state, found)
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        apply_defaults(&mut s, &config);
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

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let aws = self.data.aws_or_report(diags)?;
        let mut s = proposed;
        apply_defaults(&mut s, &config);
        key::claim_alias_in_plan(diags, known_str(&s.alias_name), RESOURCE_TYPE)?;
        let mut replace = RequiresReplace::default();
        replace.if_changed("name", &prior.name, &s.name);
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
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
        let name = known_str(&planned.name)?.to_string();
        let context = format!("creating Vault seal `{name}`");
        let mut s = planned.clone();
        let managed = s.role_name.is_null();
        let role_name = known_str(&s.seal_role_name)?.to_string();

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
            let Some(spec) = role_spec(&s).map(|spec| RoleSpec {
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
            let aws = aws.clone();
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
        let place = match KeyPlace::current(&aws).await {
            Ok(place) => place,
            Err(err) => {
                report(diags, &failed(context.clone(), err));
                diags.add_diagnostics(undo_role().await);
                return None;
            }
        };
        s.key_policy = Value::Value(key_policy(&place, &role_arn));
        let Some(spec) = key_spec(&s) else {
            diags.root_error_short(format!("{context}: the plan still has unknown values"));
            diags.add_diagnostics(undo_role().await);
            return None;
        };
        let key = match key::create_key(&aws.kms, &name, &spec).await {
            Ok(key) => key,
            Err(failure) => {
                report(diags, &failed(context.clone(), failure.error));
                match failure.created {
                    // The key exists: record everything (tainted); destroy cleans up.
                    Some(key) => {
                        flatten_key(&mut s, &key, &aws.default_tags);
                        return Some((s, private_state));
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
        Some((s, private_state))
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
        let aws = self.data.aws_or_report(diags)?;
        let name = known_str(&planned.name)?.to_string();
        let key_id = known_str(&prior.kms_key_id)?.to_string();
        let key_arn = known_str(&prior.kms_key_arn)?.to_string();
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
                if prior.role_created == Value::Value(true) && owns_role(&aws, old, &name).await? {
                    role::delete_role(&aws.iam, old, |r| is_seal_role(r, &name)).await?;
                } else {
                    role::delete_inline(&aws.iam, old, &policy_name).await?;
                }
            }

            // The new (or same) role.
            if managed {
                let mut want = s.clone();
                want.seal_policy_json = Value::Value(seal_doc.clone());
                let spec = role_spec(&want).ok_or("the plan still has unknown values")?;
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
            let (Some(prior_spec), Some(spec)) = (key_spec(&prior), key_spec(&s)) else {
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
            Ok(()) => Some((s, private_state)),
            Err(err) => {
                report(diags, &failed(context, err));
                match Self::read_remote(&aws, &planned).await {
                    Ok(Some(now)) => Some((now, private_state)),
                    Ok(None) => None,
                    Err(_) => Some((prior, private_state)),
                }
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let aws = self.data.aws_or_report(diags)?;
        let name = known_str(&prior.name).unwrap_or_default().to_string();
        let result: Result<(), BoxError> = async {
            if let Some(role_name) = known_str(&prior.seal_role_name) {
                // A role this seal created goes; any other role only loses the seal policy.
                if prior.role_created == Value::Value(true) && owns_role(&aws, role_name, &name).await? {
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

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let aws = self.data.aws_or_report(diags)?;
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
            let created = owns_role(&aws, role_name, seal).await?;
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
            Self::read_remote(&aws, &s).await
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
    fn seal_policy_grants_exactly_the_seal_actions_on_the_key() {
        let doc: serde_json::Value =
            serde_json::from_str(&seal_policy("arn:aws:kms:eu-west-1:123456789012:key/k")).unwrap();
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(
            statements[0]["Action"],
            json!(["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"])
        );
        assert_eq!(statements[0]["Resource"], "arn:aws:kms:eu-west-1:123456789012:key/k");
    }

    #[test]
    fn stanza_has_endpoint_only_when_overridden() {
        let plain = stanza("eu-west-1", "k-1", None);
        assert_eq!(
            plain,
            "seal \"awskms\" {\n  region     = \"eu-west-1\"\n  kms_key_id = \"k-1\"\n}\n"
        );
        assert!(stanza("eu-west-1", "k-1", Some("http://127.0.0.1:5000"))
            .contains("endpoint   = \"http://127.0.0.1:5000\""));
    }

    #[test]
    fn helm_values_embed_the_stanza_in_raft_config() {
        let values = helm_values(
            "arn:aws:iam::123456789012:role/vault-seal-main",
            &stanza("eu-west-1", "k-1", None),
            &ListenerTls::Mesh,
        );
        assert!(values.contains("eks.amazonaws.com/role-arn: \"arn:aws:iam::123456789012:role/vault-seal-main\""));
        assert!(values.contains("        seal \"awskms\" {\n"));
        assert!(values.contains("        storage \"raft\" {\n"));
    }

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
    fn helm_values_serve_tls_unless_the_mesh_terminates_it() {
        let secret = ListenerTls::Vault {
            secret: "vault-server-tls".into(),
        };
        let on = helm_values("arn:aws:iam::123456789012:role/v", "seal {}\n", &secret);
        assert!(on.starts_with("global:\n  tlsDisable: false\n"), "{on}");
        assert!(
            on.contains("  extraVolumes:\n    - type: secret\n      name: \"vault-server-tls\"\n"),
            "{on}"
        );
        assert!(
            on.contains("tls_cert_file   = \"/vault/userconfig/vault-server-tls/tls.crt\""),
            "{on}"
        );
        assert!(
            on.contains("tls_key_file    = \"/vault/userconfig/vault-server-tls/tls.key\""),
            "{on}"
        );
        assert!(!on.contains("tls_disable"), "{on}");
        // The CLI in the pods and the Raft joins trust the secret's CA.
        assert!(
            on.contains("  extraEnvironmentVars:\n    VAULT_CACERT: \"/vault/userconfig/vault-server-tls/ca.crt\"\n"),
            "{on}"
        );
        for i in 0..REPLICAS {
            assert!(
                on.contains(&format!(
                    "          retry_join {{\n            leader_api_addr     = \"https://vault-{i}.vault-internal:8200\"\n            leader_ca_cert_file = \"/vault/userconfig/vault-server-tls/ca.crt\"\n          }}\n"
                )),
                "{on}"
            );
        }
        let mesh = helm_values("arn:aws:iam::123456789012:role/v", "seal {}\n", &ListenerTls::Mesh);
        assert!(mesh.starts_with("global:\n  tlsDisable: true\n"), "{mesh}");
        assert!(
            mesh.contains("tls_disable     = 1") && !mesh.contains("extraVolumes"),
            "{mesh}"
        );
        assert!(
            !mesh.contains("VAULT_CACERT") && !mesh.contains("leader_ca_cert_file"),
            "{mesh}"
        );
        assert!(
            mesh.contains("leader_api_addr     = \"http://vault-2.vault-internal:8200\""),
            "{mesh}"
        );
        // A state from before the argument existed is TLS on, with the default secret.
        assert_eq!(ListenerTls::of(&VaultSealState::default()), Some(secret));
        let unknown = VaultSealState {
            listener_tls: Value::Unknown,
            ..Default::default()
        };
        assert_eq!(ListenerTls::of(&unknown), None);
    }
}
