//! The limits this service documents, each with its source. See
//! [`crate::framework::limits`] for how the table is used.

use crate::framework::limits::Limit;

/// This service's limits.
pub const LIMITS: &[Limit] = &[];
