//! Short constructors for schema attributes. Every attribute carries a
//! markdown description; `gen-docs` renders them into `docs/`.

use std::collections::HashMap;

use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Description};

pub use AttributeConstraint::{Computed, Optional, OptionalComputed, Required};

/// An attribute of any type, with its markdown description.
pub fn attr(attr_type: AttributeType, constraint: AttributeConstraint, description: impl AsRef<str>) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description.as_ref()),
        constraint,
        sensitive: false,
        deprecated: false,
        write_only: false,
    }
}

/// A string attribute.
pub fn string(constraint: AttributeConstraint, description: impl AsRef<str>) -> Attribute {
    attr(AttributeType::String, constraint, description)
}

/// A number attribute.
pub fn number(constraint: AttributeConstraint, description: impl AsRef<str>) -> Attribute {
    attr(AttributeType::Number, constraint, description)
}

/// A bool attribute.
pub fn boolean(constraint: AttributeConstraint, description: impl AsRef<str>) -> Attribute {
    attr(AttributeType::Bool, constraint, description)
}

/// A map of strings.
pub fn string_map(constraint: AttributeConstraint, description: impl AsRef<str>) -> Attribute {
    attr(
        AttributeType::Map(Box::new(AttributeType::String)),
        constraint,
        description,
    )
}

/// A set of strings.
pub fn string_set(constraint: AttributeConstraint, description: impl AsRef<str>) -> Attribute {
    attr(
        AttributeType::Set(Box::new(AttributeType::String)),
        constraint,
        description,
    )
}

/// A list of objects whose fields are all strings.
pub fn object_list(constraint: AttributeConstraint, fields: &[&str], description: impl AsRef<str>) -> Attribute {
    let fields: HashMap<String, AttributeType> =
        fields.iter().map(|f| (f.to_string(), AttributeType::String)).collect();
    attr(
        AttributeType::List(Box::new(AttributeType::Object(fields))),
        constraint,
        description,
    )
}

/// Builds the attribute map of a block.
pub fn attributes<const N: usize>(items: [(&str, Attribute); N]) -> HashMap<String, Attribute> {
    items.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Marks an attribute sensitive: Terraform hides its value in plans and output.
pub fn sensitive(mut attribute: Attribute) -> Attribute {
    attribute.sensitive = true;
    attribute
}

/// Marks an attribute write-only (Terraform >= 1.11, OpenTofu >= 1.11): the
/// provider receives its value in the configuration, and Terraform stores
/// it in neither the plan nor the state (the provider answers null for it).
/// The attribute must be `Optional` or `Required`, never computed. A CLI
/// without support ignores the flag and would store the value: the
/// resource's `validate_with_capabilities` calls
/// [`crate::framework::write_only::require_support`] for it.
pub fn write_only(mut attribute: Attribute) -> Attribute {
    attribute.write_only = true;
    attribute
}
