//! The benchmark floor: tf-provider's null example provider, unchanged.
//!
//! The example is included rather than copied, so the floor is exactly what
//! tf-provider ships (`third_party/tf-provider/examples`), built with the
//! workspace's patched tf-provider and release profile. `include!` keeps
//! `cargo fmt` at the root from reformatting the vendored file.

include!("../../../third_party/tf-provider/examples/terraform-provider-null.rs");
