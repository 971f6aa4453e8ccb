//! What Vault is configured with: the `seal "awskms"` stanza and the values
//! for the official Helm chart (listener TLS, Raft joins, the service
//! account's role annotation), filled into the state by `outputs`.

use tf_provider::value::Value;

use super::{VaultSealState, DEFAULT_TLS_SECRET, TLS_MESH};
use crate::framework::plan::known_str;

fn hcl_str(s: &str) -> String {
    // HCL's quoted strings take JSON's escapes for the characters that occur here.
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace("${", "$${")
}

pub fn stanza(region: &str, key_id: &str, endpoint: Option<&str>) -> String {
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

/// The stanza and Helm values, from the key id and role ARN.
pub fn outputs(s: &mut VaultSealState, region: &str, kms_endpoint: Option<&str>) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
