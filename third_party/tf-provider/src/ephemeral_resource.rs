// This file is part of the tf-provider project (patched copy, see PATCHES.md).
//
// Licensed under the Apache License, Version 2.0 (the "License")
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0

//! [`EphemeralResource`] module (patched in: tfplugin6.7+, Terraform >= 1.10)
//!
//! An ephemeral resource is opened when Terraform needs its value (during
//! plan and apply), may be renewed while Terraform still uses it, and is
//! closed at the end of the run. Its result is never stored in the plan or
//! the state.

use std::time::SystemTime;

use crate::capabilities::ClientCapabilities;
use crate::diagnostics::Diagnostics;
use crate::raw::RawValue;
use crate::schema::Schema;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// What [`EphemeralResource::open`] returns
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EphemeralOpened<T> {
    /// The result: the configuration with the computed attributes set
    pub result: T,
    /// When Terraform should call [`EphemeralResource::renew`], if the
    /// value is still in use then; `None`: never
    pub renew_at: Option<SystemTime>,
    /// Private data given back to `renew` and `close` (never shown, never stored)
    pub private: Option<Vec<u8>>,
}

/// What [`EphemeralResource::renew`] returns
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EphemeralRenewed {
    /// When to renew again; `None`: never
    pub renew_at: Option<SystemTime>,
    /// The new private data
    pub private: Option<Vec<u8>>,
}

/// Trait for implementing an ephemeral resource with automatic serialization/deserialization
///
/// See also: [`DynamicEphemeralResource`]
#[async_trait]
pub trait EphemeralResource: Send + Sync {
    /// Configuration and result of the ephemeral resource
    type State<'a>: Serialize + Deserialize<'a> + Send;

    /// Get the schema of the ephemeral resource
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Validate the configuration (values may be unknown)
    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        _ = diags;
        _ = config;
        Some(())
    }

    /// Open the ephemeral resource: compute its result from the (wholly
    /// known) configuration
    async fn open<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        capabilities: ClientCapabilities,
    ) -> Option<EphemeralOpened<Self::State<'a>>>;

    /// Renew the ephemeral resource (called only if `open` or a previous
    /// `renew` returned a `renew_at`)
    async fn renew(
        &self,
        diags: &mut Diagnostics,
        private: Option<Vec<u8>>,
    ) -> Option<EphemeralRenewed> {
        _ = diags;
        _ = private;
        Some(EphemeralRenewed::default())
    }

    /// Close the ephemeral resource (release what `open` acquired)
    async fn close(&self, diags: &mut Diagnostics, private: Option<Vec<u8>>) -> Option<()> {
        _ = diags;
        _ = private;
        Some(())
    }
}

/// Trait for implementing an ephemeral resource *without* automatic serialization/deserialization
///
/// See also: [`EphemeralResource`]
#[async_trait]
pub trait DynamicEphemeralResource: Send + Sync {
    /// Get the schema of the ephemeral resource
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Validate the configuration (values may be unknown)
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        _ = diags;
        _ = config;
        Some(())
    }

    /// Open the ephemeral resource
    async fn open(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        capabilities: ClientCapabilities,
    ) -> Option<EphemeralOpened<RawValue>>;

    /// Renew the ephemeral resource
    async fn renew(
        &self,
        diags: &mut Diagnostics,
        private: Option<Vec<u8>>,
    ) -> Option<EphemeralRenewed> {
        _ = diags;
        _ = private;
        Some(EphemeralRenewed::default())
    }

    /// Close the ephemeral resource
    async fn close(&self, diags: &mut Diagnostics, private: Option<Vec<u8>>) -> Option<()> {
        _ = diags;
        _ = private;
        Some(())
    }
}

#[async_trait]
impl<T: EphemeralResource> DynamicEphemeralResource for T {
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        <T as EphemeralResource>::schema(self, diags)
    }
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        let config = config.deserialize(diags)?;
        <T as EphemeralResource>::validate(self, diags, config).await
    }
    async fn open(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        capabilities: ClientCapabilities,
    ) -> Option<EphemeralOpened<RawValue>> {
        let config = config.deserialize(diags)?;
        let opened = <T as EphemeralResource>::open(self, diags, config, capabilities).await?;
        Some(EphemeralOpened {
            result: RawValue::serialize(diags, &opened.result)?,
            renew_at: opened.renew_at,
            private: opened.private,
        })
    }
    async fn renew(
        &self,
        diags: &mut Diagnostics,
        private: Option<Vec<u8>>,
    ) -> Option<EphemeralRenewed> {
        <T as EphemeralResource>::renew(self, diags, private).await
    }
    async fn close(&self, diags: &mut Diagnostics, private: Option<Vec<u8>>) -> Option<()> {
        <T as EphemeralResource>::close(self, diags, private).await
    }
}

impl<T: EphemeralResource + 'static> From<T> for Box<dyn DynamicEphemeralResource> {
    fn from(value: T) -> Self {
        Box::new(value)
    }
}
