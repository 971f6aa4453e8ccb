// This file is part of the tf-provider project (patched copy, see PATCHES.md).
//
// Licensed under the Apache License, Version 2.0 (the "License")
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0

//! [`ClientCapabilities`] module (patched in: tfplugin6.6+)

use crate::tfplugin6;

/// What the CLI (Terraform or OpenTofu) says it supports, sent with the
/// requests that can use it.
///
/// A CLI older than the field sends nothing: every capability is then
/// `false` (the [`Default`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct ClientCapabilities {
    /// The CLI can handle a deferred response (Terraform's
    /// `-allow-deferral`, experimental).
    pub deferral_allowed: bool,
    /// The CLI knows write-only attributes (Terraform >= 1.11, OpenTofu >=
    /// 1.11): it does not store their values in the plan or the state. An
    /// older CLI ignores the schema's `write_only` flag and would store them.
    pub write_only_attributes_allowed: bool,
}

impl From<Option<tfplugin6::ClientCapabilities>> for ClientCapabilities {
    fn from(value: Option<tfplugin6::ClientCapabilities>) -> Self {
        value
            .map(|c| Self {
                deferral_allowed: c.deferral_allowed,
                write_only_attributes_allowed: c.write_only_attributes_allowed,
            })
            .unwrap_or_default()
    }
}
