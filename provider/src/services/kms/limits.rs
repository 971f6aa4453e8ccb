//! The limits this service documents, each with its source. See
//! [`crate::framework::limits`] for how the table is used.

use crate::framework::limits::Limit;

/// This service's limits.
pub const LIMITS: &[Limit] = &[
    Limit {
        subject: "`alias_name` (EBS storage, Vault seal)",
        limit: "starts with `alias/`",
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName)",
        test_file: "test_ebs_storage.py",
        rule: "must start with \"alias/\"",
    },
    Limit {
        subject: "`alias_name` (EBS storage, Vault seal)",
        limit: "not `alias/aws/...`, reserved for AWS managed keys",
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName)",
        test_file: "test_ebs_storage.py",
        rule: "reserved for AWS managed keys",
    },
    Limit {
        subject: "`alias_name` (EBS storage, Vault seal)",
        limit: "letters, digits, `/`, `_` and `-` after `alias/`",
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName)",
        test_file: "test_ebs_storage.py",
        rule: "letters, digits",
    },
    Limit {
        subject: "`alias_name` (EBS storage, Vault seal)",
        limit: "at most 256 characters in all",
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName)",
        test_file: "test_ebs_storage.py",
        rule: "(at most 256 characters in all)",
    },
    Limit {
        subject: "`deletion_window_in_days` (EBS storage, Vault seal)",
        limit: "7 to 30 days",
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html (PendingWindowInDays)",
        test_file: "test_ebs_storage.py",
        rule: "between 7 and 30",
    },
    Limit {
        subject: "`platform_ebs_storage.description`",
        limit: "at most 8,192 characters",
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html (Description)",
        test_file: "test_ebs_storage.py",
        rule: "must be at most 8192 characters",
    },
    Limit {
        subject: "`platform_ebs_storage.key_administrators`, `key_users`",
        limit: "IAM role, user or account-root ARNs",
        source: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
        test_file: "test_ebs_storage.py",
        rule: "IAM role, user or account-root ARN",
    },
    Limit {
        subject: "key policy built from `key_administrators` and `key_users`",
        limit: "at most 32,768 bytes (32 KB)",
        source: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html (Policy) and https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html",
        test_file: "test_ebs_storage.py",
        rule: "KMS allows at most 32,768 bytes",
    },
    Limit {
        subject: "`platform_ebs_storage.csi_driver_role_name`",
        limit: "an IAM role name",
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName)",
        test_file: "test_ebs_storage.py",
        rule: "IAM role name",
    },
    Limit {
        subject: "`platform_ebs_storage.iops`",
        limit: "gp3 3,000 to 80,000; io1 100 to 64,000; io2 100 to 256,000; only for those types",
        source: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html",
        test_file: "test_ebs_storage.py",
        rule: "between 3000 and 80000",
    },
    Limit {
        subject: "`platform_ebs_storage.throughput`",
        limit: "gp3 only, 125 to 2,000 MiB/s",
        source: "https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html",
        test_file: "test_ebs_storage.py",
        rule: "between 125 and 2000",
    },
    Limit {
        subject: "`platform_ebs_storage.storage_class_name`",
        limit: "a DNS-1123 subdomain",
        source: "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names",
        test_file: "test_ebs_storage.py",
        rule: "DNS-1123 subdomain",
    },
    Limit {
        subject: "`platform_ebs_storage.tags`",
        limit: "not `platform:ebs-csi-driver-role`, which the resource sets itself",
        source: "this provider: services/kms/ebs_storage/mod.rs (CSI_ROLE_TAG)",
        test_file: "test_ebs_storage.py",
        rule: "managed by this resource",
    },
];
