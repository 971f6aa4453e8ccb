//! The limits this service documents, each with its source. See
//! [`crate::framework::limits`] for how the table is used.

use crate::framework::limits::Limit;

/// This service's limits.
pub const LIMITS: &[Limit] = &[
    Limit {
        subject: "`platform_vault_seal.name`",
        limit: "a DNS-1123 label",
        source: "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names",
        test_file: "test_vault_seal.py",
        rule: "DNS-1123 label",
    },
    Limit {
        subject: "`platform_vault_seal.name`",
        limit: "at most 53 characters, so that the role `vault-seal-<name>` fits IAM's 64",
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName)",
        test_file: "test_vault_seal.py",
        rule: "at most 53 characters",
    },
    Limit {
        subject: "`platform_vault_seal.role_name`",
        limit: "an IAM role name",
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName)",
        test_file: "test_vault_seal.py",
        rule: "IAM role name",
    },
    Limit {
        subject: "`platform_vault_seal.role_name` and `service_accounts`",
        limit: "not both",
        source: "this provider",
        test_file: "test_vault_seal.py",
        rule: "conflicts with `role_name`",
    },
    Limit {
        subject: "`platform_vault_seal.oidc_provider_arn`",
        limit: "required unless `role_name` is set",
        source: "this provider",
        test_file: "test_vault_seal.py",
        rule: "is required to create the seal role",
    },
    Limit {
        subject: "`platform_vault_seal.listener_tls`",
        limit: "`vault` or `mesh`",
        source: "this provider",
        test_file: "test_vault_seal.py",
        rule: "must be one of \"vault\", \"mesh\"",
    },
    Limit {
        subject: "`platform_vault_seal.tls_secret_name`",
        limit: "a Kubernetes secret name: a DNS-1123 subdomain",
        source: "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names",
        test_file: "test_vault_seal.py",
        rule: "DNS-1123 subdomain",
    },
    Limit {
        subject: "`platform_vault_seal.tls_secret_name`",
        limit: "not with `listener_tls = \"mesh\"`",
        source: "this provider",
        test_file: "test_vault_seal.py",
        rule: "conflicts with `listener_tls = \"mesh\"`",
    },
];
