"""Ownership and idempotency of `platform_spacelift_context` and
`platform_spacelift_context_attachment` (issue 10): lost answers, names
already taken, transient and malformed reads, `state rm`, plan-time
conflicts, and adoption with `import {}` and `-generate-config-out`.

Faults come from the Spacelift fake's switches (`SpaceliftFake.fault`): the
request is performed, then its answer is lost, emptied or garbled."""
from __future__ import annotations

import pytest

from platform_acc.hcl import block

from test_spacelift_context import ADDR, ATT, SECRET, attachment_config, context_config, sha

CTX_ID = "provider-test-context"
OWNER = "platform:owner:"
LOST = ["after", "drop_after", "data_null", "malformed"]


@pytest.fixture
def ws(workspace, spacelift_env):
    workspace.env = spacelift_env
    return workspace


def owner_labels(ctx) -> list[str]:
    return [label for label in ctx["labels"] if label.startswith(OWNER)]


def attachments(spacelift) -> list[dict]:
    return [a for c in spacelift.contexts.values() for a in c["attachments"].values()]


def import_hint(resource_type: str, import_id: str) -> list[str]:
    return [f"terraform import {resource_type}.<name> {import_id}",
            f'import {{ to = {resource_type}.<name>, id = "{import_id}" }}']


def assert_in(texts, output):
    squeezed = " ".join(output.split())
    for text in texts:
        assert " ".join(text.split()) in squeezed, f"expected {text!r} in:\n{output}"


# ---- platform_spacelift_context ------------------------------------------------------

@pytest.mark.parametrize("mode", LOST)
def test_ownership_context_lost_create_answer(ws, spacelift, mode):
    """contextCreateV2 takes effect and its answer is lost: the provider finds
    the context by its owner marker and adopts it; it never sends the mutation
    again, so there is never a `-2` duplicate."""
    ws.write(context_config())
    spacelift.fault("contextCreateV2", mode)
    ws.apply()
    assert spacelift.injected[f"contextCreateV2:{mode}"] == 1
    assert spacelift.calls["contextCreateV2"] == 1, "the create mutation was sent again"
    assert list(spacelift.contexts) == [CTX_ID]
    ctx = spacelift.contexts[CTX_ID]
    assert len(owner_labels(ctx)) == 1
    state = ws.resource(ADDR)
    assert state["id"] == CTX_ID and sorted(state["labels"]) == ["autoattach:eks", "platform"], "the marker is hidden"
    assert ctx["config"]["DB_PASSWORD"]["checksum"] == sha(SECRET)
    ws.assert_plan_empty()
    ws.apply()
    assert list(spacelift.contexts) == [CTX_ID]
    ws.destroy()
    assert spacelift.contexts == {}


@pytest.mark.parametrize("mode", ["after", "drop_after"])
def test_ownership_context_lost_config_answer(ws, spacelift, mode):
    """contextConfigAdd is an upsert by id: after a lost answer it is sent again safely."""
    ws.write(context_config())
    spacelift.fault("contextConfigAdd", mode)
    ws.apply()
    assert spacelift.injected[f"contextConfigAdd:{mode}"] == 1
    assert list(spacelift.contexts) == [CTX_ID]
    assert set(spacelift.contexts[CTX_ID]["config"]) == {
        "CLUSTER_NAME", "AWS_REGION", "DB_PASSWORD", "config/cluster.json", "keys/deploy.pem"}
    ws.assert_plan_empty()
    ws.destroy()
    assert spacelift.contexts == {}


def test_ownership_context_lost_create_answer_nothing_made(ws, spacelift):
    """An ambiguous failure after which no context carries the marker: an
    error that says nothing was created, nothing in state; the next apply creates one."""
    ws.write(context_config())
    spacelift.fault("contextCreateV2", "after")
    real_create = spacelift._root  # make the mutation fail before it takes effect, as a crashed server would

    def root_without_create():
        root = real_create()

        def refuse(info, input):
            raise RuntimeError("server crashed")
        root.contextCreateV2 = refuse
        return root
    spacelift._root = root_without_create
    result = ws.apply(check=False)
    assert result.code == 1, result.output
    assert_in(["no context carries this create's owner label", "nothing was created"], result.output)
    assert spacelift.contexts == {} and ws.resources() == []
    spacelift._root = real_create
    ws.apply()
    assert list(spacelift.contexts) == [CTX_ID]
    ws.destroy()


def test_ownership_context_marker_kept_on_update(ws, spacelift):
    ws.write(context_config())
    ws.apply()
    (marker,) = owner_labels(spacelift.contexts[CTX_ID])
    ws.write(context_config(labels=["team:core"], name="Renamed"))
    ws.apply()
    ws.assert_plan_empty()
    assert sorted(spacelift.contexts[CTX_ID]["labels"]) == sorted(["team:core", marker])
    assert ws.resource(ADDR)["labels"] == ["team:core"]
    ws.destroy()


def test_ownership_context_owner_label_is_reserved(ws, spacelift):
    ws.write(context_config(labels=["platform:owner:0123"]))
    result = ws.plan()
    assert result.code == 1 and "label prefix belongs to the provider" in result.output, result.output


def test_ownership_context_foreign_same_name(ws, spacelift):
    """A context made outside Terraform already has the name: apply fails with
    the import hint, creates nothing, and the foreign context is untouched
    after apply, destroy and `destroy -refresh=false`."""
    foreign = spacelift.create_context("Provider test context", description="hand made", labels=["mine"])
    spacelift.set_config(foreign, "KEEP", "me", write_only=False)
    spacelift.attach(foreign, "downstream", 2)
    before = spacelift.snapshot(foreign)
    ws.write(attachment_config())
    result = ws.apply(check=False)
    assert result.code == 1, result.output
    assert_in(["Spacelift context `Provider test context` already exists and this resource did not create it",
               *import_hint("platform_spacelift_context", foreign)], result.output)
    assert list(spacelift.contexts) == [foreign] and spacelift.snapshot(foreign) == before
    assert spacelift.calls["contextCreateV2"] == 0
    ws.destroy()
    assert spacelift.snapshot(foreign) == before
    ws.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert spacelift.snapshot(foreign) == before and list(spacelift.contexts) == [foreign]


def test_ownership_context_foreign_same_slug(ws, spacelift):
    """Another name that gives the same id is refused the same way."""
    foreign = spacelift.create_context("provider  TEST context")
    before = spacelift.snapshot(foreign)
    ws.write(context_config())
    result = ws.apply(check=False)
    assert result.code == 1, result.output
    assert_in(import_hint("platform_spacelift_context", foreign), result.output)
    assert list(spacelift.contexts) == [foreign] and spacelift.snapshot(foreign) == before


def test_ownership_context_transient_not_found(ws, spacelift):
    ws.write(attachment_config())
    ws.apply()
    for operation in ["context", "context.attachedStack"]:
        spacelift.fault(operation, "not_found")
        result = ws.plan()
        assert spacelift.injected[f"{operation}:not_found"] == 1
        assert result.code == 0, f"one not-found read on {operation} changed the plan:\n{result.output}"
    assert list(spacelift.contexts) == [CTX_ID] and len(attachments(spacelift)) == 1
    ws.destroy()
    assert spacelift.contexts == {}


@pytest.mark.parametrize("mode", ["data_null", "malformed"])
def test_ownership_context_bad_read_is_an_error(ws, spacelift, mode):
    """One `{"data": null}` or garbled answer on refresh is an error: state is
    kept, nothing is planned for creation, no duplicate is made."""
    ws.write(attachment_config())
    ws.apply()
    state = ws.state()
    spacelift.fault("context", mode)
    result = ws.plan()
    assert result.code == 1, result.output
    assert f"reading Spacelift context `{CTX_ID}`" in result.output, result.output
    assert ws.state() == state
    spacelift.fault("context", mode)
    result = ws.apply(check=False)
    assert result.code == 1 and ws.state() == state, result.output
    assert list(spacelift.contexts) == [CTX_ID] and spacelift.calls["contextCreateV2"] == 1
    ws.assert_plan_empty()
    ws.destroy()
    assert spacelift.contexts == {}


def test_ownership_context_state_rm_then_apply(ws, spacelift):
    ws.write(context_config())
    ws.apply()
    before = spacelift.snapshot(CTX_ID)
    ws.run("state", "rm", ADDR)
    result = ws.apply(check=False)
    assert result.code == 1, result.output
    assert_in(import_hint("platform_spacelift_context", CTX_ID), result.output)
    assert list(spacelift.contexts) == [CTX_ID] and spacelift.snapshot(CTX_ID) == before
    assert spacelift.calls["contextCreateV2"] == 1
    # The hint works: import, and the plan is what the import test shows (secrets unverified).
    ws.import_(ADDR, CTX_ID)
    ws.apply()
    ws.assert_plan_empty()
    ws.destroy()
    assert spacelift.contexts == {}


def test_ownership_context_recreated_by_someone_else(ws, spacelift):
    """Ours was deleted and someone made another context with the same id:
    refresh forgets ours, and neither destroy touches the other one."""
    ws.write(context_config())
    ws.apply()
    del spacelift.contexts[CTX_ID]
    spacelift.create_context("Provider test context", description="someone else's")
    before = spacelift.snapshot(CTX_ID)
    result = ws.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert_in(["was not deleted", "not the one this resource created"], result.output)
    assert spacelift.snapshot(CTX_ID) == before and ws.resources() == []
    ws.apply(check=False)  # refused: the name is taken
    ws.destroy()
    assert spacelift.snapshot(CTX_ID) == before


def test_ownership_context_deleted_outside_before_destroy(ws, spacelift):
    ws.write(context_config())
    ws.apply()
    del spacelift.contexts[CTX_ID]
    result = ws.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert_in(["no longer exists"], result.output)
    assert ws.resources() == []
    assert spacelift.calls["contextDelete"] == 0


ENV_FILE_CONFLICTS = [
    ("environment", {"environment": {"SHARED": "x"}}),
    ("secret_environment", {"secret_environment": {"SHARED": "x"}}),
]


@pytest.mark.parametrize("attribute,attrs", ENV_FILE_CONFLICTS, ids=[c[0] for c in ENV_FILE_CONFLICTS])
def test_ownership_context_env_file_same_id(ws, spacelift, attribute, attrs):
    ws.write(context_config(mounted_files={"SHARED": {"content": "y", "secret": False}}, **attrs))
    result = ws.plan()
    assert result.code == 1, result.output
    assert_in(['`mounted_files["SHARED"]`: has the same id as', f'`{attribute}["SHARED"]`'], result.output)
    assert spacelift.contexts == {} and spacelift.calls["contextCreateV2"] == 0


ADOPT = 'provider "platform" {}\nimport {\n  to = platform_spacelift_context.adopted\n  id = "hand-made"\n}\n'


def test_ownership_context_adoption(ws, spacelift):
    """A context made outside the provider, imported with `import {}` and
    `plan -generate-config-out`: valid configuration, an empty plan after the
    import, and destroy deletes it (it is managed now)."""
    spacelift.create_context("Hand made", description="by hand", labels=["autoattach:x", "team"],
                             hooks={"beforePlan": ["echo hi"], "afterRun": ["a", "b"]})
    spacelift.set_config("hand-made", "PLAIN", "value", write_only=False)
    before = spacelift.snapshot("hand-made")
    ws.write(ADOPT)
    ws.run("plan", "-no-color", "-input=false", "-generate-config-out=gen.tf")
    generated = (ws.dir / "gen.tf").read_text()
    assert 'name' in generated and '"Hand made"' in generated, generated
    result = ws.plan()
    assert result.code in (0, 2), result.output
    assert_in(["Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."], result.output)
    ws.apply()
    assert spacelift.snapshot("hand-made") == before, "importing changed the context"
    ws.assert_plan_empty()
    ws.destroy()
    assert spacelift.contexts == {}


def test_ownership_context_adoption_with_secrets_and_files(ws, spacelift):
    """Secrets cannot be read back, and Terraform writes the sensitive
    `secret_environment` and `mounted_files` as `null # sensitive` in generated
    configuration. The plan is then the in-place update the docs describe:
    those elements leave the status maps (apply would remove them until the
    configuration lists them); nothing is replaced or destroyed."""
    spacelift.create_context("hand made")
    spacelift.set_config("hand-made", "TOKEN", "t0k3n", write_only=True)
    spacelift.set_config("hand-made", "conf/app.json", "eyJhIjoxfQ==", write_only=False, kind="FILE_MOUNT")
    ws.write(ADOPT)
    ws.run("plan", "-no-color", "-input=false", "-generate-config-out=gen.tf")
    generated = (ws.dir / "gen.tf").read_text()
    assert "t0k3n" not in generated
    assert_in(["mounted_files = null # sensitive", "secret_environment = null # sensitive"], generated)
    result = ws.assert_plan_changes("will be updated in-place", '- "TOKEN" = "imported-unverified"',
                                    '- "conf/app.json" = "in-sync"',
                                    "Plan: 1 to import, 0 to add, 1 to change, 0 to destroy.")
    assert "must be replaced" not in result.output


# ---- platform_spacelift_context_attachment ------------------------------------------

@pytest.mark.parametrize("mode", LOST)
def test_ownership_attachment_lost_answer(ws, spacelift, mode):
    ws.write(attachment_config(priority=4))
    spacelift.fault("contextAttach", mode)
    ws.apply()
    assert spacelift.injected[f"contextAttach:{mode}"] == 1
    assert spacelift.calls["contextAttach"] == 1, "the attach mutation was sent again"
    (att,) = attachments(spacelift)
    assert att["priority"] == 4 and ws.resource(ATT)["attachment_id"] == att["id"]
    ws.assert_plan_empty()
    ws.apply()
    ws.destroy()
    assert spacelift.contexts == {}


def test_ownership_attachment_foreign(ws, spacelift):
    """The context is already attached to the stack by someone else: the
    apply fails with the import hint, and that attachment is untouched after
    apply, destroy and `destroy -refresh=false`."""
    foreign = spacelift.create_context("Hand made")
    spacelift.attach(foreign, "downstream", 3)
    before = spacelift.snapshot(foreign)
    ws.write('provider "platform" {}\n' + block("resource", "platform_spacelift_context_attachment", "test",
                                                context_id=foreign, stack_id="downstream", priority=3))
    result = ws.apply(check=False)
    assert result.code == 1, result.output
    assert_in(import_hint("platform_spacelift_context_attachment", f"{foreign}/downstream"), result.output)
    assert spacelift.calls["contextAttach"] == 0 and spacelift.snapshot(foreign) == before
    ws.destroy()
    ws.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert spacelift.snapshot(foreign) == before and spacelift.calls["contextDetach"] == 0


@pytest.mark.parametrize("mode", ["data_null", "malformed"])
def test_ownership_attachment_bad_read_is_an_error(ws, spacelift, mode):
    ctx = spacelift.create_context("Hand made")  # so that the attachment's read is the only one
    ws.write('provider "platform" {}\n' + block("resource", "platform_spacelift_context_attachment", "test",
                                                context_id=ctx, stack_id="downstream"))
    ws.apply()
    state = ws.state()
    spacelift.fault("context", mode)
    result = ws.plan()
    assert spacelift.injected[f"context:{mode}"] == 1
    assert result.code == 1 and ws.state() == state, result.output
    assert "reading the attachment of Spacelift context" in result.output, result.output
    assert len(attachments(spacelift)) == 1 and spacelift.calls["contextAttach"] == 1
    ws.assert_plan_empty()
    ws.destroy()
    assert attachments(spacelift) == []


def test_ownership_attachment_state_rm_then_apply(ws, spacelift):
    ws.write(attachment_config())
    ws.apply()
    before = spacelift.snapshot(CTX_ID)
    ws.run("state", "rm", ATT)
    result = ws.apply(check=False)
    assert result.code == 1, result.output
    assert_in(import_hint("platform_spacelift_context_attachment", f"{CTX_ID}/downstream"), result.output)
    assert spacelift.snapshot(CTX_ID) == before and spacelift.calls["contextAttach"] == 1
    assert spacelift.calls["contextDetach"] == 0


def test_ownership_attachment_replaced_by_someone_else(ws, spacelift):
    ws.write(attachment_config())
    ws.apply()
    spacelift.contexts[CTX_ID]["attachments"].clear()
    other = spacelift.attach(CTX_ID, "downstream", 9)
    result = ws.plan()
    assert result.code == 2, result.output
    assert_in(["is no longer the one this resource made"], result.output)
    ws.run("state", "rm", "platform_spacelift_context.test")  # keep the context out of the destroy below
    result = ws.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert_in(["was not deleted"], result.output)
    assert [a["id"] for a in attachments(spacelift)] == [other] and spacelift.calls["contextDetach"] == 0


def test_ownership_attachment_adoption(ws, spacelift):
    ctx = spacelift.create_context("Hand made")
    spacelift.attach(ctx, "downstream", 7)
    before = spacelift.snapshot(ctx)
    ws.write('provider "platform" {}\nimport {\n  to = platform_spacelift_context_attachment.adopted\n'
             f'  id = "{ctx}/downstream"\n}}\n')
    ws.run("plan", "-no-color", "-input=false", "-generate-config-out=gen.tf")
    generated = (ws.dir / "gen.tf").read_text()
    assert "priority" in generated and "7" in generated, generated
    result = ws.plan()
    assert result.code in (0, 2) and "1 to import, 0 to add, 0 to change, 0 to destroy" in result.output, result.output
    ws.apply()
    ws.assert_plan_empty()
    assert spacelift.snapshot(ctx) == before
    ws.destroy()
    assert spacelift.contexts[ctx]["attachments"] == {}
