//! The limits the APIs document, each with the source of its number.
//!
//! Every limit that IAM, KMS, EKS and Spacelift document is checked at plan
//! time by a validator that names the attribute path and the limit. Each
//! service keeps its own table beside its code (`services/<svc>/limits.rs`),
//! cross-cutting limits (tags, durations, ARNs) live here, and
//! `services::limits()` gathers them all. `cargo run --bin gen-docs` renders
//! them into `docs/guides/limits.md`, and an acceptance case
//! (`tests/test_limits_table.py`) checks that every row is exercised by a
//! `bad_input` case: the row's `rule` text must appear among the expected
//! diagnostics of the test file it names.

/// One documented limit.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// What is limited, as the user writes it, e.g. "`platform_irsa_role.name`"
    /// or "tags (every resource)".
    pub subject: &'static str,
    /// The limit in words, with its numbers.
    pub limit: &'static str,
    /// Where the number comes from: an API reference or quota page, or a
    /// checked fact in the repository.
    pub source: &'static str,
    /// The acceptance test file whose `bad_input` cases exercise this limit,
    /// relative to `acceptance-tests/tests/`.
    pub test_file: &'static str,
    /// A fragment of the diagnostic the provider gives for this limit; the
    /// test file expects it verbatim.
    pub rule: &'static str,
}

/// Limits shared by every resource.
pub const LIMITS: &[Limit] = &[
    Limit {
        subject: "provider `api_timeout`",
        limit: "a duration from 1s to 1h (default 2m): the bound on one API call, retries included",
        source: "this provider's own bound (issue: a dead endpoint must fail in about two minutes); the AWS SDK's \
                 operation timeout, https://docs.aws.amazon.com/sdk-for-rust/latest/dg/timeouts.html",
        test_file: "test_provider_logs.py",
        rule: "must be between 1s and 1h",
    },
    Limit {
        subject: "tags (every resource)",
        limit: "at most 50 tags per object; the provider's own `platform:` tags (1 to 3 per object) and the provider's `default_tags` not overridden count against it, so the user's limit is what they leave",
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating; KMS: https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html; EKS: https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html)",
        test_file: "test_tags_bad_input.py",
        rule: "AWS allows 50 tags per resource",
    },
    Limit {
        subject: "provider `default_tags`",
        limit: "at most 47 tags, leaving room for the provider's own tags (at most 3 on one object)",
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating; KMS: https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html; EKS: https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html)",
        test_file: "test_tags_bad_input.py",
        rule: "must have at most 47 tags, got 48",
    },
    Limit {
        subject: "tag keys (`tags`, `default_tags`)",
        limit: "1 to 128 Unicode characters",
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating; KMS: https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html; EKS: https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html)",
        test_file: "test_tags_bad_input.py",
        rule: "tag keys must be 1 to 128 characters",
    },
    Limit {
        subject: "tag keys (`tags`, `default_tags`)",
        limit: "letters, digits and spaces in any script, and `_ . : / = + - @`",
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating; KMS: https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html; EKS: https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html)",
        test_file: "test_tags_bad_input.py",
        rule: "tag keys may contain only letters, digits, spaces and `_ . : / = + - @`",
    },
    Limit {
        subject: "tag keys (`tags`, `default_tags`)",
        limit: "must not start with `aws:` (reserved by AWS)",
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating; KMS: https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html; EKS: https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html)",
        test_file: "test_tags_bad_input.py",
        rule: "tag keys must not start with \"aws:\"",
    },
    Limit {
        subject: "tag keys (`tags`, `default_tags`)",
        limit: "must not start with `platform:` (reserved for this provider's owner markers and links)",
        source: "this provider: framework/ownership.rs (OWNER_TAG) and the resources' link tags",
        test_file: "test_tags_bad_input.py",
        rule: "this provider reserves for its own tags",
    },
    Limit {
        subject: "tag keys (`tags`, `default_tags`)",
        limit: "no two keys that differ only in case (`Team` and `team`)",
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating (IAM: tag keys are case-insensitive, CreateRole refuses \"Duplicate tag keys found\"); refused for every resource, KMS and EKS too, where keys are case-sensitive, so a configuration means the same on every object its tags land on",
        test_file: "test_tags_bad_input.py",
        rule: "tag keys are case-insensitive in IAM",
    },
    Limit {
        subject: "tag keys (`tags` with the provider's `default_tags`)",
        limit: "a resource key that differs from a `default_tags` key only in case is refused (the same spelling overrides the default)",
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating (IAM: tag keys are case-insensitive, CreateRole refuses \"Duplicate tag keys found\"); refused for every resource, KMS and EKS too, where keys are case-sensitive, so a configuration means the same on every object its tags land on",
        test_file: "test_tags_bad_input.py",
        rule: "differs only in case from the provider's `default_tags` key",
    },
    Limit {
        subject: "tag values (`tags`, `default_tags`)",
        limit: "0 to 256 Unicode characters",
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating; KMS: https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html; EKS: https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html)",
        test_file: "test_tags_bad_input.py",
        rule: "tag values must be at most 256 characters",
    },
    Limit {
        subject: "tag values (`tags`, `default_tags`)",
        limit: "letters, digits and spaces in any script, and `_ . : / = + - @`",
        source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions (IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating; KMS: https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html; EKS: https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html)",
        test_file: "test_tags_bad_input.py",
        rule: "tag values may contain only letters, digits, spaces",
    },
    Limit {
        subject: "`timeouts` (EKS cluster and node group)",
        limit: "durations written as Terraform writes them: numbers with `h`, `m`, `s` or `ms`",
        source: "https://developer.hashicorp.com/terraform/language/resources/syntax#operation-timeouts (Go's time.ParseDuration syntax)",
        test_file: "test_framework_bad_input.py",
        rule: "must be a duration such as \"30m\", \"1h30m\" or \"90s\"",
    },
    Limit {
        subject: "`timeouts` (EKS cluster and node group)",
        limit: "at least 1s: a shorter wait cannot see the operation finish (a create that times out leaves the object tainted; an update or a delete that times out fails the apply)",
        source: "this provider: framework/wait.rs (MIN_TIMEOUT)",
        test_file: "test_eks_cluster.py",
        rule: "must be at least 1s",
    },
    Limit {
        subject: "`timeouts` (EKS cluster and node group)",
        limit: "at most 168h (a week); larger values are refused instead of overflowing",
        source: "this provider: framework/wait.rs (MAX_DURATION)",
        test_file: "test_framework_bad_input.py",
        rule: "must be at most 168h (a week)",
    },
    Limit {
        subject: "ARNs (every attribute that takes one)",
        limit: "the partition is one of aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc",
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html and the SDK's partition metadata (botocore endpoints.json)",
        test_file: "test_framework_bad_input.py",
        rule: "which does not exist: an ARN's partition is one of aws, aws-cn",
    },
];
