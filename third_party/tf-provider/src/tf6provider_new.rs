// This file is part of the tf-provider project (patched copy, see PATCHES.md).
//
// Licensed under the Apache License, Version 2.0 (the "License")
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0

//! The RPCs tfplugin6.6 to 6.10 added (patched in), answered by the server.
//! `tf6provider.rs` delegates each to the function of the same name.
//!
//! Ephemeral resources are implemented. Resource identity answers "no
//! identity schemas". List resources, state stores and actions, which this
//! provider never declares, answer with an error diagnostic naming the RPC
//! and the type (Terraform calls none of them for a provider that declares
//! none; a caller that does gets a diagnostic, never an `unimplemented`
//! gRPC status).

use std::pin::Pin;

use futures::Stream;

use crate::diagnostics::Diagnostics;
use crate::server::Server;
use crate::tfplugin6 as tf;
use crate::utils::CollectDiagnostics;

/// The stream type of the server-streaming RPCs.
pub(crate) type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, tonic::Status>> + Send>>;

/// The capabilities the server declares (the same in GetMetadata and
/// GetProviderSchema).
pub(crate) fn server_capabilities() -> tf::ServerCapabilities {
    tf::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

/// The diagnostics of an RPC for something this provider does not have.
pub(crate) fn unsupported(rpc: &str, kind: &str, name: &str) -> Vec<tf::Diagnostic> {
    let mut diags = Diagnostics::default();
    diags.root_error(
        format!("{rpc}: this provider has no {kind} `{name}`"),
        format!(
            "The provider declares no {kind}s, so Terraform should not call {rpc}. \
             Check that the configuration uses this provider for `{name}`."
        ),
    );
    diags.into()
}

fn timestamp(time: Option<std::time::SystemTime>) -> Option<prost_types::Timestamp> {
    time.map(Into::into)
}

pub(crate) fn get_resource_identity_schemas(
    _server: &Server,
    _request: tf::get_resource_identity_schemas::Request,
) -> tf::get_resource_identity_schemas::Response {
    tf::get_resource_identity_schemas::Response {
        identity_schemas: Default::default(),
        diagnostics: vec![],
    }
}

pub(crate) fn upgrade_resource_identity(
    _server: &Server,
    request: tf::upgrade_resource_identity::Request,
) -> tf::upgrade_resource_identity::Response {
    let mut diags = Diagnostics::default();
    diags.root_error(
        format!(
            "UpgradeResourceIdentity: resource type `{}` has no identity schema",
            request.type_name
        ),
        "The provider declares no resource identity schemas (GetResourceIdentitySchemas is empty), \
         so there is no stored identity to upgrade.",
    );
    tf::upgrade_resource_identity::Response {
        upgraded_identity: None,
        diagnostics: diags.into(),
    }
}

pub(crate) fn generate_resource_config(
    _server: &Server,
    request: tf::generate_resource_config::Request,
) -> tf::generate_resource_config::Response {
    let mut diags = Diagnostics::default();
    diags.root_error(
        format!(
            "GenerateResourceConfig is not supported (resource type `{}`)",
            request.type_name
        ),
        "The provider does not declare the generate_resource_config capability; \
         Terraform generates the configuration from the state itself.",
    );
    tf::generate_resource_config::Response {
        config: None,
        diagnostics: diags.into(),
    }
}

pub(crate) async fn validate_ephemeral_resource_config(
    server: &Server,
    request: tf::validate_ephemeral_resource_config::Request,
) -> tf::validate_ephemeral_resource_config::Response {
    let mut diags = Diagnostics::default();
    _ = if let (Some(resource), Some(config)) = (
        server.get_ephemeral_resource(&mut diags, &request.type_name),
        request.config,
    ) {
        resource.validate(&mut diags, config.into()).await
    } else {
        None
    }
    .ok_or_else(|| diags.internal_error());
    tf::validate_ephemeral_resource_config::Response {
        diagnostics: diags.into(),
    }
}

pub(crate) async fn open_ephemeral_resource(
    server: &Server,
    request: tf::open_ephemeral_resource::Request,
) -> tf::open_ephemeral_resource::Response {
    let mut diags = Diagnostics::default();
    let opened = if let (Some(resource), Some(config)) = (
        server.get_ephemeral_resource(&mut diags, &request.type_name),
        request.config,
    ) {
        resource
            .open(
                &mut diags,
                config.into(),
                request.client_capabilities.into(),
            )
            .await
    } else {
        None
    }
    .collect_diagnostics(&mut diags);
    let (result, renew_at, private) = match opened {
        Some(opened) => (
            Some(opened.result.into()),
            timestamp(opened.renew_at),
            opened.private,
        ),
        None => (None, None, None),
    };
    tf::open_ephemeral_resource::Response {
        diagnostics: diags.into(),
        renew_at,
        result,
        private,
        deferred: None,
    }
}

pub(crate) async fn renew_ephemeral_resource(
    server: &Server,
    request: tf::renew_ephemeral_resource::Request,
) -> tf::renew_ephemeral_resource::Response {
    let mut diags = Diagnostics::default();
    let renewed = if let Some(resource) =
        server.get_ephemeral_resource(&mut diags, &request.type_name)
    {
        resource.renew(&mut diags, request.private).await
    } else {
        None
    }
    .collect_diagnostics(&mut diags);
    let (renew_at, private) = match renewed {
        Some(renewed) => (timestamp(renewed.renew_at), renewed.private),
        None => (None, None),
    };
    tf::renew_ephemeral_resource::Response {
        diagnostics: diags.into(),
        renew_at,
        private,
    }
}

pub(crate) async fn close_ephemeral_resource(
    server: &Server,
    request: tf::close_ephemeral_resource::Request,
) -> tf::close_ephemeral_resource::Response {
    let mut diags = Diagnostics::default();
    _ = if let Some(resource) = server.get_ephemeral_resource(&mut diags, &request.type_name) {
        resource.close(&mut diags, request.private).await
    } else {
        None
    }
    .collect_diagnostics(&mut diags);
    tf::close_ephemeral_resource::Response {
        diagnostics: diags.into(),
    }
}

pub(crate) fn list_resource(request: tf::list_resource::Request) -> BoxStream<tf::list_resource::Event> {
    let event = tf::list_resource::Event {
        identity: None,
        display_name: String::new(),
        resource_object: None,
        diagnostic: unsupported("ListResource", "list resource", &request.type_name),
    };
    Box::pin(futures::stream::iter([Ok(event)]))
}

pub(crate) fn read_state_bytes(
    request: tf::read_state_bytes::Request,
) -> BoxStream<tf::read_state_bytes::Response> {
    let response = tf::read_state_bytes::Response {
        bytes: vec![],
        total_length: 0,
        range: None,
        diagnostics: unsupported("ReadStateBytes", "state store", &request.type_name),
    };
    Box::pin(futures::stream::iter([Ok(response)]))
}

pub(crate) fn invoke_action(request: tf::invoke_action::Request) -> BoxStream<tf::invoke_action::Event> {
    let event = tf::invoke_action::Event {
        r#type: Some(tf::invoke_action::event::Type::Completed(
            tf::invoke_action::event::Completed {
                diagnostics: unsupported("InvokeAction", "action", &request.action_type),
            },
        )),
    };
    Box::pin(futures::stream::iter([Ok(event)]))
}
