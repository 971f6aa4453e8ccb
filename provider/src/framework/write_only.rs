//! Write-only attributes on a CLI that lacks them.
//!
//! A write-only attribute (schema flag `write_only`, see
//! [`crate::framework::schema::write_only`]) keeps its value out of the plan
//! and the state, but only on a CLI that knows the flag: Terraform >= 1.11
//! and OpenTofu >= 1.11 say so in the client capabilities of
//! `ValidateResourceConfig`. An older CLI ignores the flag and would store
//! the value, so setting the attribute there is a plan-time error (the
//! validation runs in `terraform validate` and at the start of every plan)
//! that names the CLI version needed and the attribute to use instead.

use tf_provider::value::Value;
use tf_provider::{AttributePath, ClientCapabilities, Diagnostics};

/// The CLI versions that support write-only attributes, as the error says them.
pub const CLI_NEEDED: &str = "Terraform >= 1.11 or OpenTofu >= 1.11";

/// Adds the error for the write-only attribute at `path` when it is set
/// (not null; an unknown value is set) and the CLI cannot handle
/// write-only attributes. `alternative` names the attribute to use instead
/// on such a CLI (whose value is stored in the state). Returns whether the
/// attribute may be used.
pub fn require_support<T>(
    diags: &mut Diagnostics,
    capabilities: &ClientCapabilities,
    path: AttributePath,
    value: &Value<T>,
    alternative: &str,
) -> bool {
    if capabilities.write_only_attributes_allowed || value.is_null() {
        return true;
    }
    diags.error(
        format!("`{path}`: a write-only attribute needs {CLI_NEEDED}"),
        format!(
            "This CLI does not support write-only attributes: it would store the value of `{path}` in the plan and \
             the state. Upgrade to {CLI_NEEDED}, or set `{alternative}` instead (its value is stored in the state)."
        ),
        path,
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD_CLI: ClientCapabilities = ClientCapabilities {
        deferral_allowed: false,
        write_only_attributes_allowed: false,
    };
    const NEW_CLI: ClientCapabilities = ClientCapabilities {
        deferral_allowed: false,
        write_only_attributes_allowed: true,
    };

    #[test]
    fn set_on_an_old_cli_is_an_error_naming_the_version_and_the_alternative() {
        let mut diags = Diagnostics::default();
        let path = AttributePath::new("mounted_file").index(0).attribute("content_wo");
        assert!(!require_support(
            &mut diags,
            &OLD_CLI,
            path.clone(),
            &Value::Value("s3cr3t".to_string()),
            "mounted_file[0].content"
        ));
        assert_eq!(diags.errors.len(), 1);
        let diag = &diags.errors[0];
        assert_eq!(diag.attribute, path);
        assert_eq!(
            diag.summary,
            "`mounted_file[0].content_wo`: a write-only attribute needs Terraform >= 1.11 or OpenTofu >= 1.11"
        );
        assert!(diag.detail.contains("set `mounted_file[0].content` instead"), "{}", diag.detail);
        assert!(!diag.detail.contains("s3cr3t"));
        // Unknown (from a variable not known yet) is set, too.
        let mut diags = Diagnostics::default();
        assert!(!require_support(&mut diags, &OLD_CLI, AttributePath::new("x_wo"), &Value::<String>::Unknown, "x"));
        assert_eq!(diags.errors.len(), 1);
    }

    #[test]
    fn unset_or_on_a_new_cli_is_fine() {
        let mut diags = Diagnostics::default();
        assert!(require_support(&mut diags, &OLD_CLI, AttributePath::new("x_wo"), &Value::<String>::Null, "x"));
        assert!(require_support(
            &mut diags,
            &NEW_CLI,
            AttributePath::new("x_wo"),
            &Value::Value("v".to_string()),
            "x"
        ));
        assert!(diags.errors.is_empty());
    }
}
