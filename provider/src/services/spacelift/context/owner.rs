//! The owner marker of a context: the label `platform:owner:<marker>` a
//! create puts on the context it makes (see the Ownership section of the
//! module docs), and the identity compared before a delete.

use serde_json::Value as Json;

use crate::framework::ownership::OWNER_TAG;

/// The label prefix of owner markers: `platform:owner:`.
fn owner_label_prefix() -> String {
    format!("{OWNER_TAG}:")
}

pub(super) fn owner_label(marker: &str) -> String {
    format!("{OWNER_TAG}:{marker}")
}

pub(super) fn is_owner_label(label: &str) -> bool {
    label.starts_with(OWNER_TAG)
}

/// The owner marker a context carries, if any.
pub(super) fn remote_marker(ctx: &Json) -> Option<String> {
    let prefix = owner_label_prefix();
    ctx["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .find_map(|l| l.strip_prefix(prefix.as_str()).map(str::to_string))
}

/// The identity compared before a delete: the context id, plus the owner
/// marker when there is one (the API documents nothing else unique to one
/// incarnation of a context, such as a creation time).
pub(super) fn identity(id: &str, marker: Option<&str>) -> String {
    match marker {
        Some(m) => format!("{id} (owner marker {m})"),
        None => id.to_string(),
    }
}
