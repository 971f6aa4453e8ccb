//! `platform_spacelift_context_attachment`: a context attached to a stack.
//!
//! The API has no update for an attachment, so every argument forces a new one.
//! The stack must exist; that is checked at plan time, with a clear error.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tf_provider::schema::{Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use super::client::{SpaceliftClient, SpaceliftError};
use crate::framework::diag::{failed, finish_read, report};
use crate::framework::plan::{default_from_config, known_str, RequiresReplace};
use crate::framework::schema::{attributes, number, string, Computed, OptionalComputed, Required};
use crate::framework::validate::Validator;
use crate::provider::ProviderData;

const ATTACHMENT_FIELDS: &str = "id stackId isModule priority";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachmentState {
    pub id: Value<String>,
    pub context_id: Value<String>,
    pub stack_id: Value<String>,
    pub priority: Value<i64>,
    pub attachment_id: Value<String>,
}

pub struct AttachmentResource {
    data: Arc<ProviderData>,
}

impl AttachmentResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown("Attaches a Spacelift context to a stack, so the stack's runs get its variables, files and hooks."),
        attributes: attributes([
            ("id", string(Computed, "`<context_id>/<stack_id>`, also the import id.")),
            ("context_id", string(Required, "Id of the context (`platform_spacelift_context.x.id`). Changing it makes a new attachment.")),
            ("stack_id", string(Required, "Id of the stack; it must exist. Changing it makes a new attachment.")),
            ("priority", number(OptionalComputed, "Order among the stack's contexts, lowest first; need not be unique. Defaults to `0`. Changing it makes a new attachment.")),
            ("attachment_id", string(Computed, "The attachment's id on the server.")),
        ]),
        blocks: Default::default(),
        deprecated: false,
    }
}

/// The attachment of `context` to `stack`; `Ok(None)` when either or the attachment is gone.
async fn find_attachment(
    client: &SpaceliftClient,
    context: &str,
    stack: &str,
) -> Result<Option<(String, i64)>, SpaceliftError> {
    let query = format!(
        "query($context:ID!,$stack:ID!){{context(id:$context){{attachedStack(id:$stack){{{ATTACHMENT_FIELDS}}}}}}}"
    );
    let data = client
        .graphql(
            "context.attachedStack",
            &query,
            json!({ "context": context, "stack": stack }),
        )
        .await?;
    let attachment = &data["context"]["attachedStack"];
    Ok(attachment["id"]
        .as_str()
        .map(|id| (id.to_string(), attachment["priority"].as_i64().unwrap_or(0))))
}

async fn stack_exists(client: &SpaceliftClient, stack: &str) -> Result<bool, SpaceliftError> {
    let data = client
        .graphql("stack", "query($id:ID!){stack(id:$id){id}}", json!({ "id": stack }))
        .await?;
    Ok(!data["stack"].is_null())
}

impl AttachmentResource {
    /// Plan-time check that the stack exists, when its id is known.
    async fn check_stack(&self, diags: &mut Diagnostics, s: &AttachmentState) -> Option<()> {
        let Some(stack) = known_str(&s.stack_id) else {
            return Some(());
        };
        let client = self.data.spacelift_or_report(diags)?;
        match stack_exists(&client, stack).await {
            Ok(true) => Some(()),
            Ok(false) => {
                diags.error(
                    format!("`stack_id`: no Spacelift stack `{stack}`"),
                    format!("The stack `{stack}` does not exist, or these credentials cannot see it. Check the stack id (the slug in the stack's URL)."),
                    AttributePath::new("stack_id"),
                );
                None
            }
            Err(source) => {
                report(
                    diags,
                    &failed(format!("checking that Spacelift stack `{stack}` exists"), source),
                );
                None
            }
        }
    }
}

#[async_trait]
impl Resource for AttachmentResource {
    type State<'a> = AttachmentState;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: schema_block(),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        let mut v = Validator::new(diags);
        for (name, value) in [("context_id", &config.context_id), ("stack_id", &config.stack_id)] {
            v.check(&AttributePath::new(name), value.as_ref_option(), |s: &String| {
                if s.is_empty() || s.contains('/') {
                    Err(format!("must be a Spacelift id (no '/'), got {s:?}"))
                } else {
                    Ok(())
                }
            });
        }
        v.check(
            &AttributePath::new("priority"),
            config.priority.as_ref_option(),
            crate::framework::validate::int_between(0, i64::from(i32::MAX)),
        );
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.data.spacelift_or_report(diags)?;
        let (context, stack) = (
            known_str(&state.context_id)?.to_string(),
            known_str(&state.stack_id)?.to_string(),
        );
        let found = find_attachment(&client, &context, &stack).await.map(|found| {
            found.map(|(attachment_id, priority)| AttachmentState {
                attachment_id: Value::Value(attachment_id),
                priority: Value::Value(priority),
                ..state.clone()
            })
        });
        let what = format!("the attachment of Spacelift context `{context}` to stack `{stack}`");
        finish_read(diags, &what, state, private_state, found)
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut s = proposed;
        default_from_config(&mut s.priority, &config.priority, 0);
        s.id = match (known_str(&s.context_id), known_str(&s.stack_id)) {
            (Some(c), Some(st)) => Value::Value(format!("{c}/{st}")),
            _ => Value::Unknown,
        };
        s.attachment_id = Value::Unknown;
        self.check_stack(diags, &s).await?;
        Some((s, Default::default()))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let mut s = proposed;
        default_from_config(&mut s.priority, &config.priority, 0);
        let mut replace = RequiresReplace::default();
        replace.if_changed("context_id", &prior.context_id, &s.context_id);
        replace.if_changed("stack_id", &prior.stack_id, &s.stack_id);
        replace.if_changed("priority", &prior.priority, &s.priority);
        if !replace.is_empty() {
            s.id = match (known_str(&s.context_id), known_str(&s.stack_id)) {
                (Some(c), Some(st)) => Value::Value(format!("{c}/{st}")),
                _ => Value::Unknown,
            };
            s.attachment_id = Value::Unknown;
            self.check_stack(diags, &s).await?;
        }
        Some((s, private_state, replace.paths))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.data.spacelift_or_report(diags)?;
        let (context, stack) = (
            known_str(&planned.context_id)?.to_string(),
            known_str(&planned.stack_id)?.to_string(),
        );
        let priority = planned.priority.as_ref_option().copied().unwrap_or(0);
        let query = format!("mutation($id:ID!,$stack:ID!,$priority:Int!){{contextAttach(id:$id,stack:$stack,priority:$priority){{{ATTACHMENT_FIELDS}}}}}");
        match client
            .graphql(
                "contextAttach",
                &query,
                json!({ "id": context, "stack": stack, "priority": priority }),
            )
            .await
        {
            Ok(data) => {
                let mut s = planned;
                s.id = Value::Value(format!("{context}/{stack}"));
                s.attachment_id = Value::Value(data["contextAttach"]["id"].as_str().unwrap_or_default().to_string());
                Some((s, private_state))
            }
            Err(source) => {
                report(
                    diags,
                    &failed(
                        format!("attaching Spacelift context `{context}` to stack `{stack}`"),
                        source,
                    ),
                );
                None
            }
        }
    }

    async fn update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        // Every argument forces a new attachment; nothing changes in place.
        Some((planned, private_state))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let client = self.data.spacelift_or_report(diags)?;
        let attachment = known_str(&prior.attachment_id)?.to_string();
        let query = format!("mutation($id:ID!){{contextDetach(id:$id){{{ATTACHMENT_FIELDS}}}}}");
        // Already detached answers null: success.
        match client
            .graphql("contextDetach", &query, json!({ "id": attachment }))
            .await
        {
            Ok(_) => Some(()),
            Err(source) => {
                report(
                    diags,
                    &failed(format!("detaching Spacelift attachment `{attachment}`"), source),
                );
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.data.spacelift_or_report(diags)?;
        let Some((context, stack)) = id.split_once('/').filter(|(c, s)| !c.is_empty() && !s.is_empty()) else {
            diags.root_error(
                format!("importing a Spacelift context attachment: `{id}` is not `<context>/<stack>`"),
                "Import with `terraform import platform_spacelift_context_attachment.x my-context/my-stack`.",
            );
            return None;
        };
        match find_attachment(&client, context, stack).await {
            Ok(Some((attachment_id, priority))) => Some((
                AttachmentState {
                    id: Value::Value(id.clone()),
                    context_id: Value::Value(context.to_string()),
                    stack_id: Value::Value(stack.to_string()),
                    priority: Value::Value(priority),
                    attachment_id: Value::Value(attachment_id),
                },
                Default::default(),
            )),
            Ok(None) => {
                diags.root_error_short(format!(
                    "importing `{id}`: context `{context}` is not attached to stack `{stack}`"
                ));
                None
            }
            Err(source) => {
                report(
                    diags,
                    &failed(format!("importing Spacelift context attachment `{id}`"), source),
                );
                None
            }
        }
    }
}
