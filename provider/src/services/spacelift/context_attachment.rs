//! `platform_spacelift_context_attachment`: a context attached to a stack.
//!
//! The API has no update for an attachment, so every argument forces a new one.
//! The stack must exist; that is checked at plan time, with a clear error.
//!
//! Ownership (see [`crate::framework::ownership`]): the identity is the
//! server's attachment id (`attachment_id`). A create refuses a context that
//! is already attached to the stack ([`NameTaken`]); `contextAttach` is never
//! retried blindly: after an ambiguous failure the attachment is re-read and
//! adopted only when it is the one just made (same stack and priority, and
//! none was there before); when the lookup after a lost answer fails, the
//! attachment is recorded (tainted) without an id, with a pending marker
//! naming the priority sent, and refresh looks for it. Refresh believes it
//! gone only after [`ownership::confirm_gone`]; detach re-reads and compares
//! the id first.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tf_provider::schema::{Block, Description};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

use crate::clients::spacelift::{field, SpaceliftClient, SpaceliftError};
use crate::clients::ProviderData;
use crate::framework::diag::{failed, finish_read, report};
use crate::framework::ownership::{self, Claim, NameTaken, PendingPrivate};
use crate::framework::plan::{default_from_config, known_str, require_str};
use crate::framework::resource::{ManagedResource, ReplacedBy};
use crate::framework::schema::{attributes, number, string, Computed, OptionalComputed, Required};
use crate::framework::validate::Validator;

const ATTACHMENT_FIELDS: &str = "id stackId isModule priority";
const RESOURCE_TYPE: &str = "platform_spacelift_context_attachment";

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(transparent)]
    Api(#[from] SpaceliftError),
    #[error(transparent)]
    Taken(#[from] NameTaken),
    #[error(
        "the answer to `contextAttach` was lost, and the context is not attached to the stack: nothing was attached, \
         so nothing was recorded; apply again"
    )]
    LostNothingFound {
        #[source]
        source: SpaceliftError,
    },
    #[error(
        "the answer to `contextAttach` was lost and looking for the attachment failed, so whether the context is \
         attached is unknown: it is recorded (tainted) without an attachment id, and the next plan looks for it, keeping \
         it (to replace it) if it is there with priority {priority} and forgetting it if it is not"
    )]
    Unknown {
        priority: i64,
        /// The lookup's error (the attach's own was a lost answer).
        #[source]
        source: SpaceliftError,
    },
}

/// The pending marker of an attach whose outcome is unknown: the API has no
/// labels on attachments, so it names what was sent, the priority.
fn pending_marker(priority: i64) -> String {
    format!("priority:{priority}")
}

fn taken(context: &str, stack: &str, attachment_id: &str, priority: i64) -> NameTaken {
    let id = format!("{context}/{stack}");
    NameTaken::new("Spacelift context attachment", &id, RESOURCE_TYPE, &id).with(format!(
        ". It is attachment `{attachment_id}` with priority {priority}; nothing was attached"
    ))
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachmentState {
    pub id: Value<String>,
    pub context_id: Value<String>,
    pub stack_id: Value<String>,
    pub priority: Value<i64>,
    pub attachment_id: Value<String>,
}

// Every argument replaces the attachment: the API has no update for one.
crate::replaces!(AttachmentState {
    context_id,
    stack_id,
    priority
});

/// `priority` when the configuration leaves it unset.
const DEFAULT_PRIORITY: i64 = 0;

pub struct AttachmentResource {
    pub data: Arc<ProviderData>,
}

fn schema_block() -> Block {
    Block {
        version: 1,
        description: Description::markdown(
            "Attaches a Spacelift context to a stack, so the stack's runs get its variables, files and hooks.\n\n\
             ## Ownership\n\n\
             - **Creates** one attachment. If the context is already attached to the stack, the apply fails with an error \
             that names the attachment and gives the `terraform import` command and `import {}` block \
             (`<context_id>/<stack_id>`); nothing is attached then.\n\
             - **Identity** is the server's attachment id (`attachment_id`); the API has no labels on attachments, so \
             nothing else is marked.\n\
             - **Lost answers.** `contextAttach` is never sent twice. If its answer is lost, the provider re-reads the \
             context's attachment to the stack and adopts it (logged) only when it has the priority asked for; it was not \
             there just before, so it is the one just made. Otherwise the apply fails with the import hint, or says nothing \
             was attached.\n\
             - **A failed apply.** An attach refused, or a failed check before it, records nothing; the next apply attaches. \
             When the answer to `contextAttach` is lost and reading the attachment back fails too, whether the context is attached is \
             unknown: the apply fails saying so and records the attachment, tainted, without an `attachment_id`. The next refresh reads it: \
             attached with the priority that was sent, it is recorded (and replaced: detached, then attached again); not attached, the \
             instance leaves state; with another priority, it is someone else's and left alone. A tainted attachment is detached by its \
             `attachment_id`, as any other.\n\
             - **Refresh** believes the attachment gone only after several consecutive not-found reads; an empty or \
             unreadable answer is an error and the state is kept. An attachment with another id is someone else's: it is \
             dropped from state with a warning.\n\
             - **Detach** re-reads the attachment and detaches it only when its id is the recorded one; a missing or \
             different attachment is left alone, with a warning, and dropped from state.\n\
             - **Adopts** only through import. With `terraform plan -generate-config-out`, the generated configuration \
             (`context_id`, `stack_id`, `priority`) gives an empty plan.",
        ),
        attributes: attributes([
            ("id", string(Computed, "`<context_id>/<stack_id>`, also the import id.")),
            ("context_id", string(Required, "Id of the context (`platform_spacelift_context.x.id`).")),
            ("stack_id", string(Required, "Id of the stack; it must exist.")),
            ("priority", number(OptionalComputed, format!("Order among the stack's contexts, lowest first; need not be unique. Defaults to `{DEFAULT_PRIORITY}`."))),
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
    let ctx = field(&data, "context.attachedStack", "context")?;
    if ctx.is_null() {
        return Ok(None);
    }
    let attachment = field(ctx, "context.attachedStack", "attachedStack")?;
    if attachment.is_null() {
        return Ok(None);
    }
    Ok(attachment["id"]
        .as_str()
        .map(|id| (id.to_string(), attachment["priority"].as_i64().unwrap_or(0))))
}

/// Attaches `context` to `stack`, refusing an attachment that is already there.
/// `contextAttach` is sent once: after an ambiguous failure the attachment is
/// re-read and adopted if it is the one just made (it was not there before,
/// and it has the priority asked for).
async fn attach(client: &SpaceliftClient, context: &str, stack: &str, priority: i64) -> Result<String, AttachError> {
    if let Some((attachment_id, found_priority)) = find_attachment(client, context, stack).await? {
        return Err(taken(context, stack, &attachment_id, found_priority).into());
    }
    let query = format!("mutation($id:ID!,$stack:ID!,$priority:Int!){{contextAttach(id:$id,stack:$stack,priority:$priority){{{ATTACHMENT_FIELDS}}}}}");
    let answer = client
        .mutate_once(
            "contextAttach",
            &query,
            json!({ "id": context, "stack": stack, "priority": priority }),
        )
        .await
        .and_then(|data| {
            field(&data, "contextAttach", "contextAttach")?["id"]
                .as_str()
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .ok_or(SpaceliftError::NoData {
                    operation: "contextAttach",
                    field: "contextAttach.id",
                })
        });
    match answer {
        Ok(id) => Ok(id),
        Err(source) => {
            let ambiguous = source.ambiguous();
            // A lost answer, or someone attached it in between: look.
            let found = match find_attachment(client, context, stack).await {
                Ok(found) => found,
                Err(lookup) if ambiguous => {
                    tracing::warn!(
                        "attaching Spacelift context `{context}` to stack `{stack}`: the answer was lost ({source}), \
                         and looking for the attachment failed"
                    );
                    return Err(AttachError::Unknown {
                        priority,
                        source: lookup,
                    });
                }
                Err(lookup) => return Err(lookup.into()),
            };
            match found {
                Some((id, found_priority)) if ambiguous && found_priority == priority => {
                    tracing::info!(
                        "attaching Spacelift context `{context}` to stack `{stack}`: the answer was lost ({source}); \
                         adopted attachment `{id}`, which was not there before the attach"
                    );
                    Ok(id)
                }
                Some((id, found_priority)) => Err(taken(context, stack, &id, found_priority).into()),
                None if ambiguous => Err(AttachError::LostNothingFound { source }),
                None => Err(source.into()),
            }
        }
    }
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
impl ManagedResource for AttachmentResource {
    type State = AttachmentState;
    type Private = PendingPrivate;
    type Client = SpaceliftClient;
    const NOUN: &'static str = "attachment";

    fn schema_block() -> Block {
        schema_block()
    }

    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<SpaceliftClient>> {
        self.data.spacelift_or_report(diags)
    }

    fn validate(&self, diags: &mut Diagnostics, config: &AttachmentState) {
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
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        client: &SpaceliftClient,
        state: AttachmentState,
        private_state: PendingPrivate,
    ) -> Option<(AttachmentState, PendingPrivate)> {
        let context = require_str(diags, "context_id", &state.context_id)?.to_string();
        let stack = require_str(diags, "stack_id", &state.stack_id)?.to_string();
        let what = format!("the attachment of Spacelift context `{context}` to stack `{stack}`");
        let found = ownership::confirm_gone(|| find_attachment(client, &context, &stack)).await;
        let pending = known_str(&state.attachment_id).is_none() && ownership::pending_marker(&private_state).is_some();
        if let (true, Ok(Some((attachment_id, priority)))) = (pending, &found) {
            // The attach whose answer was lost: adopted only with the priority it sent.
            let sent = state.priority.as_ref_option().copied().unwrap_or(DEFAULT_PRIORITY);
            if *priority != sent {
                let detail = format!(
                    "{what} is attachment `{attachment_id}` with priority {priority}, not the priority {sent} this \
                     resource's attach (whose answer was lost) sent: it is someone else's. It is removed from state and \
                     left untouched; import it to manage it here."
                );
                tracing::warn!("{detail}");
                diags.root_warning(format!("{what} is not the one this resource made"), detail);
                return None;
            }
            tracing::warn!("{what}, whose attach lost its answer, is attachment `{attachment_id}`: it is recorded");
        }
        if let Ok(Some((attachment_id, _))) = &found {
            if let Some(recorded) = known_str(&state.attachment_id).filter(|r| !r.is_empty() && r != attachment_id) {
                // Ours was detached; the attachment there now is someone else's.
                let detail = format!(
                    "{what} is now attachment `{attachment_id}`, not `{recorded}` which this resource made. \
                     It is removed from state and left untouched; import it to manage it here."
                );
                tracing::warn!("{detail}");
                diags.root_warning(format!("{what} is no longer the one this resource made"), detail);
                return None;
            }
        }
        let found = found.map(|found| {
            found.map(|(attachment_id, priority)| AttachmentState {
                attachment_id: Value::Value(attachment_id),
                priority: Value::Value(priority),
                ..state.clone()
            })
        });
        // Once the attachment is recorded whole, nothing is pending.
        let private_state = match &found {
            Ok(Some(_)) => PendingPrivate::Null,
            _ => private_state,
        };
        finish_read(diags, &what, state, private_state, found)
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: AttachmentState,
        config: AttachmentState,
    ) -> Option<(AttachmentState, PendingPrivate)> {
        let mut s = proposed;
        default_from_config(&mut s.priority, &config.priority, DEFAULT_PRIORITY);
        s.id = match (known_str(&s.context_id), known_str(&s.stack_id)) {
            (Some(c), Some(st)) => Value::Value(format!("{c}/{st}")),
            _ => Value::Unknown,
        };
        s.attachment_id = Value::Unknown;
        self.check_stack(diags, &s).await?;
        Some((s, Default::default()))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: AttachmentState,
        proposed: AttachmentState,
        config: AttachmentState,
        private_state: PendingPrivate,
    ) -> Option<(AttachmentState, PendingPrivate, Vec<AttributePath>)> {
        let mut s = proposed;
        default_from_config(&mut s.priority, &config.priority, DEFAULT_PRIORITY);
        let replace = AttachmentState::replaced(&prior, &s);
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

    async fn create(
        &self,
        diags: &mut Diagnostics,
        client: &SpaceliftClient,
        planned: AttachmentState,
        _config: AttachmentState,
        private_state: PendingPrivate,
    ) -> Option<(AttachmentState, PendingPrivate)> {
        let context = require_str(diags, "context_id", &planned.context_id)?.to_string();
        let stack = require_str(diags, "stack_id", &planned.stack_id)?.to_string();
        let priority = planned.priority.as_ref_option().copied().unwrap_or(DEFAULT_PRIORITY);
        match attach(client, &context, &stack, priority).await {
            Ok(attachment_id) => {
                let mut s = planned;
                s.id = Value::Value(format!("{context}/{stack}"));
                s.attachment_id = Value::Value(attachment_id);
                Some((s, private_state))
            }
            Err(source) => {
                let unknown = matches!(source, AttachError::Unknown { .. });
                report(
                    diags,
                    &failed(
                        format!("attaching Spacelift context `{context}` to stack `{stack}`"),
                        source,
                    ),
                );
                // Outcome unknown: recorded (tainted) without an attachment id;
                // the next refresh looks for it.
                unknown.then(|| {
                    let mut s = planned;
                    s.id = Value::Value(format!("{context}/{stack}"));
                    s.attachment_id = Value::Null;
                    (s, ownership::pending(&pending_marker(priority)))
                })
            }
        }
    }

    async fn update(
        &self,
        _diags: &mut Diagnostics,
        _client: &SpaceliftClient,
        _prior: AttachmentState,
        planned: AttachmentState,
        _config: AttachmentState,
        private_state: PendingPrivate,
    ) -> Option<(AttachmentState, PendingPrivate)> {
        // Every argument forces a new attachment; nothing changes in place.
        Some((planned, private_state))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        client: &SpaceliftClient,
        prior: AttachmentState,
        _private_state: PendingPrivate,
    ) -> Option<()> {
        let context = require_str(diags, "context_id", &prior.context_id)?.to_string();
        let stack = require_str(diags, "stack_id", &prior.stack_id)?.to_string();
        let recorded = known_str(&prior.attachment_id).map(str::to_string);
        let what = format!("the attachment of Spacelift context `{context}` to stack `{stack}`");
        // Detach only what is proven ours: re-read and compare the attachment id.
        let found = match ownership::confirm_gone(|| find_attachment(client, &context, &stack)).await {
            Ok(found) => found.map(|(id, _)| id),
            Err(source) => {
                report(diags, &failed(format!("detaching {what}: reading it first"), source));
                return None;
            }
        };
        let claim = ownership::claim(recorded.as_deref(), found.as_deref());
        if claim != Claim::Ours {
            ownership::warn_left_alone(diags, &what, recorded.as_deref(), &claim);
            return Some(());
        }
        let attachment = recorded.unwrap_or_default();
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

    async fn import(
        &self,
        diags: &mut Diagnostics,
        client: &SpaceliftClient,
        id: String,
    ) -> Option<(AttachmentState, PendingPrivate)> {
        let Some((context, stack)) = id.split_once('/').filter(|(c, s)| !c.is_empty() && !s.is_empty()) else {
            diags.root_error(
                format!("importing a Spacelift context attachment: `{id}` is not `<context>/<stack>`"),
                "Import with `terraform import platform_spacelift_context_attachment.x my-context/my-stack`.",
            );
            return None;
        };
        match find_attachment(client, context, stack).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations() {
        crate::framework::resource::check_declarations::<super::AttachmentResource>();
    }

    #[test]
    fn an_unknown_attach_says_so_in_one_sentence_and_names_the_priority() {
        let err = AttachError::Unknown {
            priority: 4,
            source: SpaceliftError::NoData {
                operation: "context.attachedStack",
                field: "data",
            },
        };
        let text = err.to_string();
        assert!(
            text.contains("is unknown") && text.contains("recorded (tainted)") && text.contains("priority 4"),
            "{text}"
        );
        assert_eq!(text.matches(". ").count(), 0, "one sentence: {text}");
        assert_eq!(
            ownership::pending_marker(&ownership::pending(&pending_marker(4))),
            Some("priority:4")
        );
    }
}
