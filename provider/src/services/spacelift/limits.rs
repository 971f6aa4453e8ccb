//! The limits this service documents, each with its source. See
//! [`crate::framework::limits`] for how the table is used.
//!
//! Spacelift documents few limits. Where its documentation is silent, the
//! source says so and names what the rule rests on instead (its own Terraform
//! provider, the GraphQL contract in `acceptance-tests/spacelift/README.md`,
//! or a measurement).
//! The local fake (`acceptance-tests/platform_acc/spacelift_fake.py`)
//! enforces the same rules, answering as Spacelift answers a refused
//! mutation: HTTP 200 with `errors` and `data: null`.

use crate::framework::limits::Limit;

const CONTEXT_TESTS: &str = "test_spacelift_context.py";
const WRITE_ONLY_TESTS: &str = "test_spacelift_context_wo.py";
const DOCS_ENVIRONMENT: &str = "https://docs.spacelift.io/concepts/configuration/environment";
const OFFICIAL_PROVIDER: &str =
    "spacelift-io/terraform-provider-spacelift `spacelift/resource_context.go` (`validations.DisallowEmptyString`)";

/// This service's limits.
pub const LIMITS: &[Limit] = &[
    Limit {
        subject: "`platform_spacelift_context.name`",
        limit: "1 to 255 characters, counted as Unicode characters (not bytes)",
        source: "Spacelift documents no maximum; its provider refuses only an empty name (terraform-provider-spacelift \
                 `resource_context.go`). 255 characters is this provider's conservative bound, counted as GraphQL counts a \
                 `String` (Unicode characters)",
        test_file: CONTEXT_TESTS,
        rule: "must be 1 to 255 characters (counted as Unicode characters, not bytes)",
    },
    Limit {
        subject: "`platform_spacelift_context.name`",
        limit: "at least one ASCII letter or digit",
        source: "https://docs.spacelift.io/concepts/configuration/context (the immutable id is a slug of the name) and \
                 acceptance-tests/spacelift/README.md (\"Provider test context\" -> `provider-test-context`)",
        test_file: CONTEXT_TESTS,
        rule: "with at least one ASCII letter or digit",
    },
    Limit {
        subject: "`platform_spacelift_context.space_id`",
        limit: "a space id: letters, digits, `-` and `_`",
        source: "acceptance-tests/spacelift/README.md (`space: ID`, default `root`); https://docs.spacelift.io/concepts/spaces",
        test_file: CONTEXT_TESTS,
        rule: "must be a space id",
    },
    Limit {
        subject: "`platform_spacelift_context.labels`",
        limit: "not empty",
        source: OFFICIAL_PROVIDER,
        test_file: CONTEXT_TESTS,
        rule: "labels must not be empty",
    },
    Limit {
        subject: "`platform_spacelift_context.labels`",
        limit: "no `platform:owner` prefix (the provider's owner marker)",
        source: "this provider's ownership rules (README, Ownership)",
        test_file: CONTEXT_TESTS,
        rule: "label prefix belongs to the provider",
    },
    Limit {
        subject: "`platform_spacelift_context.hooks` (keys)",
        limit: "one of the eleven hook phases",
        source: "acceptance-tests/spacelift/README.md (`HooksInput`); https://docs.spacelift.io/concepts/stack/stack-settings#customizing-workflow",
        test_file: CONTEXT_TESTS,
        rule: "is not a hook phase",
    },
    Limit {
        subject: "`platform_spacelift_context.hooks` (commands)",
        limit: "not empty",
        source: OFFICIAL_PROVIDER,
        test_file: CONTEXT_TESTS,
        rule: "a hook command must not be empty",
    },
    Limit {
        subject: "`platform_spacelift_context.environment`, `secret_environment` (names)",
        limit: "a letter or `_`, then letters, digits and `_`",
        source: "POSIX.1-2017 8.1 (portable environment variable names); Spacelift exports them to the run's shell",
        test_file: CONTEXT_TESTS,
        rule: "must be an environment variable name",
    },
    Limit {
        subject: "`platform_spacelift_context.environment`, `secret_environment` (values)",
        limit: "no newline",
        source: "https://docs.spacelift.io/concepts/configuration/environment (\"Newlines are not supported in environment \
                 variables\")",
        test_file: CONTEXT_TESTS,
        rule: "Spacelift does not support newlines in environment variables",
    },
    Limit {
        subject: "`platform_spacelift_context.secret_environment`",
        limit: "a name is plain or secret, not both",
        source: "acceptance-tests/spacelift/README.md (config elements are upserted by id)",
        test_file: CONTEXT_TESTS,
        rule: "is also in `environment`",
    },
    Limit {
        subject: "`platform_spacelift_context.secret_environment_wo`",
        limit: "a secret is in `secret_environment` or `secret_environment_wo`, not both",
        source: "acceptance-tests/spacelift/README.md (config elements are upserted by id: the two would overwrite each other, \
                 and the plain form stores the value in state)",
        test_file: WRITE_ONLY_TESTS,
        rule: "is also in `secret_environment`",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files_wo` (paths)",
        limit: "a file is in `mounted_files` or `mounted_files_wo`, not both, once normalised",
        source: "acceptance-tests/spacelift/README.md (config elements are upserted by id: the two would overwrite each other, \
                 and the plain form stores the content in state)",
        test_file: WRITE_ONLY_TESTS,
        rule: "is also in `mounted_files`",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files` (paths)",
        limit: "not the id of a variable, once normalised",
        source: "acceptance-tests/spacelift/README.md (variables and files are config elements of one context, upserted by id)",
        test_file: CONTEXT_TESTS,
        rule: "Spacelift keeps variables and mounted files under one id per context",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files` (paths)",
        limit: "relative to `/mnt/workspace/`, not absolute",
        source: "https://docs.spacelift.io/concepts/configuration/environment (\"the path ... will begin with \
                 `/mnt/workspace/`\"); terraform-provider-spacelift `relative_path` (\"without the /mnt/workspace/ prefix\")",
        test_file: CONTEXT_TESTS,
        rule: "without the `/mnt/workspace/` prefix, not an absolute path",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files` (paths)",
        limit: "`..` may not leave the workspace",
        source: DOCS_ENVIRONMENT,
        test_file: CONTEXT_TESTS,
        rule: "would leave `/mnt/workspace/`",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files` (paths)",
        limit: "no control characters",
        source: "Linux paths may hold them, but a newline or tab in an id cannot be shown or typed back; refused as unsafe",
        test_file: CONTEXT_TESTS,
        rule: "must not contain control characters",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files` (paths)",
        limit: "`/` separates directories, `\\` is refused",
        source: "the runner is Linux (https://docs.spacelift.io/integrations/docker), where `\\` is not a separator",
        test_file: CONTEXT_TESTS,
        rule: "must separate directories with '/'",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files` (paths)",
        limit: "names a file (not `.`, `./` or empty)",
        source: DOCS_ENVIRONMENT,
        test_file: CONTEXT_TESTS,
        rule: "must name a file inside the workspace",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files` (paths)",
        limit: "each file or directory name at most 255 bytes (UTF-8)",
        source: "Linux NAME_MAX (limits.h), on the runner's filesystem; Spacelift documents no length of its own",
        test_file: CONTEXT_TESTS,
        rule: "Linux allows at most 255 bytes per name",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files` (paths)",
        limit: "at most 4,095 bytes with the `/mnt/workspace/` prefix (UTF-8)",
        source: "Linux PATH_MAX = 4096 with the terminating NUL (limits.h); Spacelift documents no length of its own",
        test_file: CONTEXT_TESTS,
        rule: "Linux allows at most 4095 bytes per path",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files` (paths)",
        limit: "distinct once normalised (`./x` is `x`)",
        source: "acceptance-tests/spacelift/README.md (files are upserted by id: two spellings of one path would overwrite each other)",
        test_file: CONTEXT_TESTS,
        rule: "once normalised, so one would overwrite the other",
    },
    Limit {
        subject: "`platform_spacelift_context.mounted_files[*].content`",
        limit: "1,500,000 bytes: Spacelift's 2 MB per mounted file, read strictly as the base64 form Spacelift receives",
        source: "https://docs.spacelift.io/concepts/configuration/environment (\"Mounted files are limited to 2 MB\")",
        test_file: CONTEXT_TESTS,
        rule: "over the 1500000 bytes a mounted file may hold",
    },
    Limit {
        subject: "`platform_spacelift_context` (whole context, mostly `mounted_files`)",
        limit: "8 MiB (8,388,608 bytes) counted over names and values",
        source: "the gRPC message limit between Terraform and the provider over three copies of the context \
                 (configuration, prior state, plan): Terraform's 64 MiB, which the patched tf-provider now accepts \
                 (third_party/tf-provider/PATCHES.md; with tonic's 4 MiB default a 1,500,000-byte file made a \
                 4,500,694-byte `PlanResourceChange` that was refused)",
        test_file: CONTEXT_TESTS,
        rule: "over the 8388608 bytes (8 MiB) a context may hold",
    },
    Limit {
        subject: "`platform_spacelift_context_attachment.context_id`, `stack_id`",
        limit: "a Spacelift id, without `/`",
        source: "acceptance-tests/spacelift/README.md (ids are slugs; the import id is `<context>/<stack>`)",
        test_file: CONTEXT_TESTS,
        rule: "must be a Spacelift id (no '/')",
    },
    Limit {
        subject: "`platform_spacelift_context_attachment.priority`",
        limit: "0 to 2,147,483,647",
        source: "acceptance-tests/spacelift/README.md (`priority: Int!`); GraphQL spec 3.5.1 (`Int` is a signed 32-bit integer); \
                 https://docs.spacelift.io/concepts/configuration/context#on-priority (lowest first)",
        test_file: CONTEXT_TESTS,
        rule: "must be between 0 and 2147483647",
    },
];
