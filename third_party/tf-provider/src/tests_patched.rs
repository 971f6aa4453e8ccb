// This file is part of the tf-provider project (patched copy, see PATCHES.md).
//
// Licensed under the Apache License, Version 2.0 (the "License")
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0

//! Tests of the patched-in tfplugin6.6–6.10 plumbing, through the server's
//! gRPC handlers (`cargo test -p tf-provider` from the workspace root).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use crate::schema::{Attribute, AttributeConstraint, AttributeType, Block, Schema};
use crate::server::Server;
use crate::tfplugin6 as tf;
use crate::tfplugin6::provider_server::Provider as _;
use crate::value::Value;
use crate::{
    ClientCapabilities, Diagnostics, DynamicEphemeralResource, DynamicResource, EphemeralOpened,
    EphemeralRenewed, EphemeralResource, Provider, Resource,
};

#[derive(Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[serde(default)]
struct Thing {
    name: Value<String>,
    secret: Value<String>,
}

fn thing_schema(write_only_secret: bool, computed_secret: bool) -> Schema {
    Schema {
        version: 1,
        block: Block {
            attributes: [
                (
                    "name".to_string(),
                    Attribute {
                        attr_type: AttributeType::String,
                        constraint: AttributeConstraint::Required,
                        ..Default::default()
                    },
                ),
                (
                    "secret".to_string(),
                    Attribute {
                        attr_type: AttributeType::String,
                        constraint: if computed_secret {
                            AttributeConstraint::Computed
                        } else {
                            AttributeConstraint::Optional
                        },
                        write_only: write_only_secret,
                        ..Default::default()
                    },
                ),
            ]
            .into(),
            ..Default::default()
        },
    }
}

/// A resource whose hook records the capabilities it was given.
struct Recorder(Arc<Mutex<Vec<ClientCapabilities>>>);

#[async_trait]
impl Resource for Recorder {
    type State<'a> = Thing;
    type PrivateState<'a> = ();
    type ProviderMetaState<'a> = ();

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(thing_schema(true, false))
    }
    async fn validate_with_capabilities<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Thing,
        capabilities: ClientCapabilities,
    ) -> Option<()> {
        self.0.lock().unwrap().push(capabilities);
        if !capabilities.write_only_attributes_allowed && !config.secret.is_null() {
            diags.root_error_short("secret needs write-only support");
        }
        Some(())
    }
    async fn read<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: Thing,
        private: (),
        _meta: (),
    ) -> Option<(Thing, ())> {
        Some((state, private))
    }
    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        proposed: Thing,
        _config: Thing,
        _meta: (),
    ) -> Option<(Thing, ())> {
        Some((proposed, ()))
    }
    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Thing,
        proposed: Thing,
        _config: Thing,
        _private: (),
        _meta: (),
    ) -> Option<(Thing, (), Vec<crate::AttributePath>)> {
        Some((proposed, (), vec![]))
    }
    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Thing,
        _private: (),
        _meta: (),
    ) -> Option<()> {
        Some(())
    }
    async fn create<'a>(
        &self,
        _diags: &mut Diagnostics,
        planned: Thing,
        _config: Thing,
        _private: (),
        _meta: (),
    ) -> Option<(Thing, ())> {
        Some((planned, ()))
    }
    async fn update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Thing,
        planned: Thing,
        _config: Thing,
        _private: (),
        _meta: (),
    ) -> Option<(Thing, ())> {
        Some((planned, ()))
    }
    async fn destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Thing,
        _private: (),
        _meta: (),
    ) -> Option<()> {
        Some(())
    }
}

/// An ephemeral resource: `secret` is `s3cr3t-<name>`; private data counts renewals.
struct Token(Arc<Mutex<Vec<String>>>);

#[async_trait]
impl EphemeralResource for Token {
    type State<'a> = Thing;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(thing_schema(false, true))
    }
    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Thing) -> Option<()> {
        if config.name.as_ref_option().is_some_and(|n| n.is_empty()) {
            diags.error_short("must not be empty", crate::AttributePath::new("name"));
        }
        Some(())
    }
    async fn open<'a>(
        &self,
        _diags: &mut Diagnostics,
        config: Thing,
        capabilities: ClientCapabilities,
    ) -> Option<EphemeralOpened<Thing>> {
        let name = config.name.as_ref_option()?.clone();
        self.0
            .lock()
            .unwrap()
            .push(format!("open {name} deferral={}", capabilities.deferral_allowed));
        Some(EphemeralOpened {
            result: Thing {
                secret: Value::Value(format!("s3cr3t-{name}")),
                name: Value::Value(name),
            },
            renew_at: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)),
            private: Some(b"0".to_vec()),
        })
    }
    async fn renew(
        &self,
        _diags: &mut Diagnostics,
        private: Option<Vec<u8>>,
    ) -> Option<EphemeralRenewed> {
        let n: u32 = String::from_utf8(private?).ok()?.parse().ok()?;
        self.0.lock().unwrap().push(format!("renew {n}"));
        Some(EphemeralRenewed {
            renew_at: None,
            private: Some((n + 1).to_string().into_bytes()),
        })
    }
    async fn close(&self, _diags: &mut Diagnostics, private: Option<Vec<u8>>) -> Option<()> {
        self.0
            .lock()
            .unwrap()
            .push(format!("close {:?}", private.map(String::from_utf8)));
        Some(())
    }
}

#[derive(Default)]
struct TestProvider {
    capabilities: Arc<Mutex<Vec<ClientCapabilities>>>,
    calls: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Provider for TestProvider {
    type Config<'a> = ();
    type MetaState<'a> = ();

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: Default::default(),
        })
    }
    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(crate::map! {"thing" => Recorder(self.capabilities.clone())})
    }
    fn get_ephemeral_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicEphemeralResource>>> {
        Some(crate::map! {"token" => Token(self.calls.clone())})
    }
}

fn server() -> (
    Arc<Server>,
    Arc<Mutex<Vec<ClientCapabilities>>>,
    Arc<Mutex<Vec<String>>>,
) {
    let provider = TestProvider::default();
    let (caps, calls) = (provider.capabilities.clone(), provider.calls.clone());
    (
        Arc::new(Server::new("test".into(), Box::new(provider))),
        caps,
        calls,
    )
}

fn json(text: &str) -> Option<tf::DynamicValue> {
    Some(tf::DynamicValue {
        msgpack: vec![],
        json: text.as_bytes().to_vec(),
    })
}

fn summaries(diags: &[tf::Diagnostic]) -> Vec<String> {
    diags.iter().map(|d| d.summary.clone()).collect()
}

#[test]
fn write_only_is_serialised_in_the_schema() {
    let block: tf::schema::Block = (&thing_schema(true, false).block).into();
    let flags: HashMap<_, _> = block
        .attributes
        .iter()
        .map(|a| (a.name.as_str(), a.write_only))
        .collect();
    assert_eq!(flags, HashMap::from([("name", false), ("secret", true)]));
}

#[tokio::test]
async fn provider_schema_and_metadata_list_the_new_kinds() {
    let (server, _, _) = server();
    let schema = server
        .get_provider_schema(tonic::Request::new(tf::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    let thing = schema.resource_schemas["test_thing"].block.as_ref().unwrap();
    assert!(thing.attributes.iter().any(|a| a.name == "secret" && a.write_only));
    let token = schema.ephemeral_resource_schemas["test_token"]
        .block
        .as_ref()
        .unwrap();
    assert!(token.attributes.iter().all(|a| !a.write_only));
    assert!(schema.list_resource_schemas.is_empty());
    assert!(schema.state_store_schemas.is_empty());
    assert!(schema.action_schemas.is_empty());
    assert!(!schema.server_capabilities.unwrap().generate_resource_config);

    let metadata = server
        .get_metadata(tonic::Request::new(tf::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = metadata
        .ephemeral_resources
        .iter()
        .map(|e| e.type_name.as_str())
        .collect();
    assert_eq!(names, ["test_token"]);
    assert!(metadata.list_resources.is_empty() && metadata.actions.is_empty());

    let identities = server
        .get_resource_identity_schemas(tonic::Request::new(
            tf::get_resource_identity_schemas::Request {},
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(identities.identity_schemas.is_empty() && identities.diagnostics.is_empty());
}

#[tokio::test]
async fn client_capabilities_reach_the_validate_hook() {
    let (server, caps, _) = server();
    let validate = |capabilities| {
        let server = server.clone();
        async move {
            server
                .validate_resource_config(tonic::Request::new(
                    tf::validate_resource_config::Request {
                        type_name: "test_thing".into(),
                        config: json(r#"{"name":"a","secret":"x"}"#),
                        client_capabilities: capabilities,
                    },
                ))
                .await
                .unwrap()
                .into_inner()
                .diagnostics
        }
    };
    // Terraform >= 1.11
    let diags = validate(Some(tf::ClientCapabilities {
        deferral_allowed: true,
        write_only_attributes_allowed: true,
    }))
    .await;
    assert!(diags.is_empty(), "{diags:?}");
    // A CLI older than client capabilities sends none: all false.
    let diags = validate(None).await;
    assert_eq!(summaries(&diags), ["secret needs write-only support"]);
    assert_eq!(
        *caps.lock().unwrap(),
        [
            ClientCapabilities {
                deferral_allowed: true,
                write_only_attributes_allowed: true
            },
            ClientCapabilities::default()
        ]
    );
}

#[tokio::test]
async fn ephemeral_resource_round_trips_through_the_handlers() {
    let (server, _, calls) = server();
    let diags = server
        .validate_ephemeral_resource_config(tonic::Request::new(
            tf::validate_ephemeral_resource_config::Request {
                type_name: "test_token".into(),
                config: json(r#"{"name":"","secret":null}"#),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .diagnostics;
    assert_eq!(summaries(&diags), ["must not be empty"]);

    let opened = server
        .open_ephemeral_resource(tonic::Request::new(tf::open_ephemeral_resource::Request {
            type_name: "test_token".into(),
            config: json(r#"{"name":"main","secret":null}"#),
            client_capabilities: Some(tf::ClientCapabilities {
                deferral_allowed: true,
                write_only_attributes_allowed: true,
            }),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(opened.diagnostics.is_empty(), "{:?}", opened.diagnostics);
    let result: Thing = crate::raw::RawValue::from(opened.result.unwrap())
        .deserialize(&mut Diagnostics::default())
        .unwrap();
    assert_eq!(result.secret, Value::Value("s3cr3t-main".to_string()));
    assert_eq!(opened.renew_at.unwrap().seconds, 1_800_000_000);
    assert_eq!(opened.private.as_deref(), Some(&b"0"[..]));
    assert!(opened.deferred.is_none());

    let renewed = server
        .renew_ephemeral_resource(tonic::Request::new(tf::renew_ephemeral_resource::Request {
            type_name: "test_token".into(),
            private: opened.private,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(renewed.diagnostics.is_empty() && renewed.renew_at.is_none());
    assert_eq!(renewed.private.as_deref(), Some(&b"1"[..]));

    let closed = server
        .close_ephemeral_resource(tonic::Request::new(tf::close_ephemeral_resource::Request {
            type_name: "test_token".into(),
            private: renewed.private,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(closed.diagnostics.is_empty());
    assert_eq!(
        *calls.lock().unwrap(),
        ["open main deferral=true", "renew 0", "close Some(Ok(\"1\"))"]
    );

    // An unknown type is an error diagnostic, not a gRPC error.
    let unknown = server
        .open_ephemeral_resource(tonic::Request::new(tf::open_ephemeral_resource::Request {
            type_name: "test_nope".into(),
            config: json("{}"),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&unknown.diagnostics),
        ["Could not find ephemeral resource `test_nope` in provider"]
    );
    assert!(unknown.result.is_none());
}

#[tokio::test]
async fn unsupported_rpcs_answer_a_diagnostic_naming_the_rpc() {
    let (server, _, _) = server();
    let upgrade = server
        .upgrade_resource_identity(tonic::Request::new(tf::upgrade_resource_identity::Request {
            type_name: "test_thing".into(),
            version: 0,
            raw_identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(summaries(&upgrade.diagnostics)[0].starts_with("UpgradeResourceIdentity:"));

    let generate = server
        .generate_resource_config(tonic::Request::new(tf::generate_resource_config::Request {
            type_name: "test_thing".into(),
            state: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(summaries(&generate.diagnostics)[0].starts_with("GenerateResourceConfig"));

    let mut events = server
        .list_resource(tonic::Request::new(tf::list_resource::Request {
            type_name: "test_thing".into(),
            config: None,
            include_resource_object: false,
            limit: 10,
        }))
        .await
        .unwrap()
        .into_inner();
    let event = events.next().await.unwrap().unwrap();
    assert_eq!(
        summaries(&event.diagnostic),
        ["ListResource: this provider has no list resource `test_thing`"]
    );
    assert!(events.next().await.is_none());

    let plan = server
        .plan_action(tonic::Request::new(tf::plan_action::Request {
            action_type: "test_do".into(),
            config: None,
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&plan.diagnostics),
        ["PlanAction: this provider has no action `test_do`"]
    );

    let lock = server
        .lock_state(tonic::Request::new(tf::lock_state::Request {
            type_name: "test_store".into(),
            state_id: "default".into(),
            operation: "plan".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(lock.lock_id.is_empty());
    assert_eq!(
        summaries(&lock.diagnostics),
        ["LockState: this provider has no state store `test_store`"]
    );
}
