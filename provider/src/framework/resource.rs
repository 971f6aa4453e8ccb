//! The resource prologue, written once.
//!
//! A resource implements [`ManagedResource`]: its state, schema, validation,
//! plan steps and the API steps, each with only the arguments it uses.
//! [`Managed`] implements tf-provider's `Resource` for it once: the three
//! associated types, `schema()` around the resource's block (with
//! [`replaces_sentence`] added to each attribute of [`ReplacedBy::REPLACES`]), `validate`, the pass-through `plan_destroy`, and
//! the opening of every API step, which fetches the resource's client (or
//! reports why there is none).
//!
//! [`replaces!`](crate::replaces) declares, next to the schema, the
//! attributes whose change replaces the object: one list that `plan_update`
//! compares and the docs describe. [`check_declarations`] is the unit test
//! each resource runs: its state's fields are the schema's attributes and
//! blocks, and every name in its `REPLACES` is one of them.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tf_provider::schema::{Block, Description, Schema};
use tf_provider::value::ValueEmpty;
use tf_provider::{AttributePath, ClientCapabilities, Diagnostics, Resource};

use super::plan::RequiresReplace;
use super::settle::{self, Step};

/// The schema version of every resource. It is never bumped: schemas change
/// only additively.
pub const SCHEMA_VERSION: i64 = 1;

/// The sentence the docs give each attribute whose change replaces the
/// object, for a resource whose objects are called `noun`.
pub fn replaces_sentence(noun: &str) -> String {
    format!("Changing it replaces the {noun}.")
}

/// The attributes whose change replaces the object, declared once with
/// [`replaces!`](crate::replaces).
pub trait ReplacedBy {
    /// Top-level attribute names, as in the schema.
    const REPLACES: &'static [&'static str];
    /// The attributes of `REPLACES` whose planned value differs from the
    /// prior one (an unknown planned value counts as a change).
    fn replaced(prior: &Self, planned: &Self) -> RequiresReplace;
}

/// The attribute a state field stands for: its name, without the `r#` of a
/// raw identifier (the field `r#type` is the attribute `type`, as serde
/// names it).
pub const fn attribute_name(field: &'static str) -> &'static str {
    match field.as_bytes() {
        [b'r', b'#', ..] => field.split_at(2).1,
        _ => field,
    }
}

/// Declares the state fields whose change replaces the object:
/// `replaces!(ClusterState { name, vpc_id });` implements [`ReplacedBy`],
/// with the names checked by the compiler as fields of the state.
#[macro_export]
macro_rules! replaces {
    ($state:ty { $($field:ident),* $(,)? }) => {
        impl $crate::framework::resource::ReplacedBy for $state {
            const REPLACES: &'static [&'static str] =
                &[$($crate::framework::resource::attribute_name(stringify!($field))),*];
            #[allow(unused_mut, unused_variables)]
            fn replaced(prior: &Self, planned: &Self) -> $crate::framework::plan::RequiresReplace {
                let mut replace = $crate::framework::plan::RequiresReplace::default();
                $(replace.if_changed(
                    $crate::framework::resource::attribute_name(stringify!($field)),
                    &prior.$field,
                    &planned.$field,
                );)*
                replace
            }
        }
    };
}

/// A managed resource of this provider. [`Managed`] turns it into
/// tf-provider's `Resource`.
#[async_trait]
pub trait ManagedResource: Send + Sync + 'static {
    /// The state, the configuration and the plan: one field per attribute
    /// and block of the schema.
    type State: Serialize + DeserializeOwned + ReplacedBy + Default + Send + Sync;
    /// Private state kept beside the state (`ValueEmpty` for none).
    type Private: Serialize + DeserializeOwned + Default + Send + Sync;
    /// The client every API step uses.
    type Client: ?Sized + Send + Sync;

    /// What the docs call one object of this resource ("cluster", "node
    /// group"), as in "Changing it replaces the cluster."
    const NOUN: &'static str;

    /// The resource's schema block.
    fn schema_block() -> Block;

    /// The client, or `None` with an error diagnostic saying why there is
    /// none (the provider is not configured, or has no AWS region).
    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<Self::Client>>;

    /// Checks of the configuration alone (`terraform validate`); values may
    /// be unknown.
    fn validate(&self, diags: &mut Diagnostics, config: &Self::State);

    /// [`Self::validate`], knowing what the CLI supports (client
    /// capabilities of `ValidateResourceConfig`; all `false` on a CLI older
    /// than them). A resource with write-only attributes overrides it to
    /// call [`crate::framework::write_only::require_support`] for each, then
    /// `validate`.
    fn validate_with_capabilities(
        &self,
        diags: &mut Diagnostics,
        config: &Self::State,
        capabilities: &ClientCapabilities,
    ) {
        _ = capabilities;
        self.validate(diags, config);
    }

    /// Refreshes the state; `None` with no error removes it from the state.
    async fn read(
        &self,
        diags: &mut Diagnostics,
        client: &Self::Client,
        state: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    /// The plan of a new object, from Terraform's proposed state.
    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State,
        config: Self::State,
    ) -> Option<(Self::State, Self::Private)>;

    /// The plan of a change, with the attributes that force replacement.
    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        proposed: Self::State,
        config: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)>;

    /// Creates the object; on a half-failed create, the partial state with the error.
    async fn create(
        &self,
        diags: &mut Diagnostics,
        client: &Self::Client,
        planned: Self::State,
        config: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    /// Changes the object in place to the planned state.
    async fn update(
        &self,
        diags: &mut Diagnostics,
        client: &Self::Client,
        prior: Self::State,
        planned: Self::State,
        config: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    /// Deletes the object, if it is provably the one this resource made.
    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        client: &Self::Client,
        prior: Self::State,
        private: Self::Private,
    ) -> Option<()>;

    /// The state of an existing object, from its import id.
    async fn import(
        &self,
        diags: &mut Diagnostics,
        client: &Self::Client,
        id: String,
    ) -> Option<(Self::State, Self::Private)>;
}

/// tf-provider's `Resource` for a [`ManagedResource`].
pub struct Managed<R>(pub R);

/// The schema of `R`: its block, with [`replaces_sentence`] appended to the
/// description of each attribute its `REPLACES` names.
pub fn schema_of<R: ManagedResource>() -> Schema {
    let mut block = R::schema_block();
    let sentence = replaces_sentence(R::NOUN);
    for name in <R::State as ReplacedBy>::REPLACES {
        if let Some(attribute) = block.attributes.get_mut(*name) {
            let text = attribute.description.content.trim_end().to_string();
            let text = if text.is_empty() {
                sentence.clone()
            } else {
                format!("{text} {sentence}")
            };
            attribute.description = Description {
                content: text,
                kind: attribute.description.kind.clone(),
            };
        }
    }
    Schema {
        version: SCHEMA_VERSION,
        block,
    }
}

#[async_trait]
impl<R: ManagedResource> Resource for Managed<R> {
    type State<'a> = R::State;
    type PrivateState<'a> = R::Private;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema_of::<R>())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: R::State) -> Option<()> {
        self.0.validate(diags, &config);
        Some(())
    }

    async fn validate_with_capabilities<'a>(
        &self,
        diags: &mut Diagnostics,
        config: R::State,
        capabilities: ClientCapabilities,
    ) -> Option<()> {
        self.0.validate_with_capabilities(diags, &config, &capabilities);
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: R::State,
        private: R::Private,
        _meta: ValueEmpty,
    ) -> Option<(R::State, R::Private)> {
        // Without a client the state is kept as it is; the error is reported.
        let Some(client) = self.0.client(diags) else {
            return Some((state, private));
        };
        let prior = settle::snapshot(&state);
        let read = self.0.read(diags, &client, state, private).await;
        settle::settle_result(diags, Step::Read, R::NOUN, read, prior.as_ref())
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: R::State,
        config: R::State,
        _meta: ValueEmpty,
    ) -> Option<(R::State, R::Private)> {
        self.0.plan_create(diags, proposed, config).await
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: R::State,
        proposed: R::State,
        config: R::State,
        private: R::Private,
        _meta: ValueEmpty,
    ) -> Option<(R::State, R::Private, Vec<AttributePath>)> {
        self.0.plan_update(diags, prior, proposed, config, private).await
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: R::State,
        private: R::Private,
        _meta: ValueEmpty,
    ) -> Option<R::Private> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: R::State,
        config: R::State,
        private: R::Private,
        _meta: ValueEmpty,
    ) -> Option<(R::State, R::Private)> {
        let client = self.0.client(diags)?;
        let created = self.0.create(diags, &client, planned, config, private).await;
        settle::settle_result(diags, Step::Create, R::NOUN, created, None)
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: R::State,
        planned: R::State,
        config: R::State,
        private: R::Private,
        _meta: ValueEmpty,
    ) -> Option<(R::State, R::Private)> {
        let client = self.0.client(diags)?;
        let before = settle::snapshot(&prior);
        let updated = self.0.update(diags, &client, prior, planned, config, private).await;
        settle::settle_result(diags, Step::Update, R::NOUN, updated, before.as_ref())
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: R::State,
        private: R::Private,
        _meta: ValueEmpty,
    ) -> Option<()> {
        let client = self.0.client(diags)?;
        self.0.destroy(diags, &client, prior, private).await
    }

    async fn import<'a>(&self, diags: &mut Diagnostics, id: String) -> Option<(R::State, R::Private)> {
        let client = self.0.client(diags)?;
        let imported = self.0.import(diags, &client, id).await;
        settle::settle_result(diags, Step::Import, R::NOUN, imported, None)
    }
}

/// What is wrong with a resource's declarations, for its unit test (empty
/// when nothing is): the state's fields must be exactly the schema's
/// attributes and blocks, every name in `REPLACES` must be an attribute or
/// block, and each such attribute's description must say it replaces the
/// resource.
pub fn declaration_problems<R: ManagedResource>() -> Vec<String> {
    let schema = schema_of::<R>();
    let mut problems = Vec::new();
    let in_schema: BTreeSet<String> = schema
        .block
        .attributes
        .keys()
        .chain(schema.block.blocks.keys())
        .cloned()
        .collect();
    let fields: BTreeSet<String> = match serde_json::to_value(R::State::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        other => {
            problems.push(format!("the default state does not serialize to an object: {other:?}"));
            BTreeSet::new()
        }
    };
    for name in fields.difference(&in_schema) {
        problems.push(format!("state field `{name}` is not in the schema"));
    }
    for name in in_schema.difference(&fields) {
        problems.push(format!("schema attribute or block `{name}` has no state field"));
    }
    let sentence = replaces_sentence(R::NOUN);
    let replaces = <R::State as ReplacedBy>::REPLACES;
    for name in replaces {
        if !in_schema.contains(*name) {
            problems.push(format!("REPLACES names `{name}`, which is not in the schema"));
        }
    }
    // The hand-written descriptions: the sentence comes from REPLACES only.
    for (name, attribute) in &R::schema_block().attributes {
        let text = &attribute.description.content;
        if replaces.contains(&name.as_str()) && text.contains("replaces the") {
            problems.push(format!(
                "the description of `{name}` says it replaces the {}; REPLACES adds that sentence",
                R::NOUN
            ));
        }
        if !replaces.contains(&name.as_str()) && text.contains(&sentence) {
            problems.push(format!(
                "the description of `{name}` says \"{sentence}\", but `{name}` is not in REPLACES"
            ));
        }
    }
    for name in replaces {
        if let Some(attribute) = schema.block.attributes.get(*name) {
            if attribute.description.content.matches(&sentence).count() != 1 {
                problems.push(format!(
                    "the description of `{name}` does not say once that changing it replaces the {}",
                    R::NOUN
                ));
            }
        }
    }
    problems
}

/// Panics with every problem [`declaration_problems`] finds: the body of each
/// resource's `declarations` unit test.
pub fn check_declarations<R: ManagedResource>() {
    let problems = declaration_problems::<R>();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
