"""Failed applies of `platform_spacelift_context` and
`platform_spacelift_context_attachment` (issue 23): a create that fails at
each of its steps, a create whose answer is lost on every attempt (and whose
lookup cannot decide), and tainted instances.

Every case then applies again and destroys: exactly one object of each kind
after the second apply, nothing after the destroy, and never an "invalid
result object" or "inconsistent result" from Terraform. Faults come from the
Spacelift fake's switches (`SpaceliftFake.fault`); `error` refuses a call
without performing it, the other modes perform it and lose the answer."""
from __future__ import annotations

import pytest

from platform_acc.hcl import block

from test_spacelift_context import ADDR, ATT, SECRET, context_config, sha
from test_spacelift_ownership import CTX_ID, attachments, owner_labels

# A short `api_timeout` keeps the client's own retries of an upsert (up to 6
# attempts with backoff) to about two seconds.
PROVIDER = block("provider", "platform", api_timeout="2s")
ELEMENTS = {"CLUSTER_NAME", "AWS_REGION", "DB_PASSWORD", "config/cluster.json", "keys/deploy.pem"}
BUGS = ("invalid result object", "inconsistent result", "Provider produced", "provider bug")


@pytest.fixture
def ws(workspace, spacelift_env):
    workspace.env = spacelift_env
    return workspace


def ctx_config(**attrs) -> str:
    return context_config(**attrs).replace('provider "platform" {}\n', PROVIDER, 1)


def att_config(priority: int = 4) -> str:
    return ctx_config() + block("resource", "platform_spacelift_context_attachment", "test",
                                context_id=_raw("platform_spacelift_context.test.id"), stack_id="downstream",
                                priority=priority)


def _raw(text: str):
    from platform_acc.hcl import Raw
    return Raw(text)


def no_bug(*results) -> None:
    for result in results:
        for text in BUGS:
            assert text not in result.output, f"{text!r} in:\n{result}"


def tainted(ws) -> list[str]:
    return [r["address"] for r in ws.state().get("root_module", {}).get("resources", []) if r.get("tainted")]


def marker_of(spacelift, ctx_id: str = CTX_ID) -> str:
    (label,) = owner_labels(spacelift.contexts[ctx_id])
    return label.removeprefix("platform:owner:")


def converge_and_destroy(ws, spacelift, *, was_tainted: str | None = None, old_marker: str | None = None,
                         att: bool = False, old_attachment: str | None = None) -> None:
    """Apply #2 converges to one context (and one attachment), the plan is
    then empty, and destroy leaves nothing."""
    if was_tainted:
        plan = ws.plan()
        assert plan.code == 2 and "is tainted, so must be replaced" in plan.output, plan.output
        no_bug(plan)
    second = ws.apply()
    no_bug(second)
    assert "was not deleted" not in second.output and "not the one" not in second.output, second.output
    assert list(spacelift.contexts) == [CTX_ID], spacelift.contexts.keys()
    assert tainted(ws) == []
    marker = marker_of(spacelift)
    if old_marker:
        assert marker != old_marker, "the tainted context was not replaced"
    state = ws.resource(ADDR)
    assert state["id"] == CTX_ID and state["owner_marker"] == marker
    assert set(spacelift.contexts[CTX_ID]["config"]) == ELEMENTS
    assert spacelift.contexts[CTX_ID]["config"]["DB_PASSWORD"]["checksum"] == sha(SECRET)
    if att:
        (one,) = attachments(spacelift)
        assert ws.resource(ATT)["attachment_id"] == one["id"] and one["priority"] == 4
        assert one["id"] != old_attachment, "the tainted attachment was not replaced"
    ws.assert_plan_empty()
    no_bug(ws.destroy())
    assert spacelift.contexts == {} and ws.resources() == []


# ---- platform_spacelift_context ------------------------------------------------------

# (operation, mode, times): what fails, and how often. Upserts are retried by
# the client, so their fault lasts longer than its retries within `api_timeout`.
CONTEXT_STEPS = [
    ("contexts", "malformed", 1),          # the name check before the create: nothing exists
    ("contextCreateV2", "error", 1),       # refused: nothing exists
    ("contextCreateV2", "after", 1),       # made, answer lost: found by its marker
    ("contextCreateV2", "drop_after", 1),
    ("contextConfigAdd", "error", 1),      # issue 23, reproduction 2: the context exists, tainted
    ("contextConfigAdd", "after", 8),
    ("contextConfigAdd", "drop_after", 8),
]


@pytest.mark.parametrize("operation,mode,times", CONTEXT_STEPS, ids=[f"{o}_{m}" for o, m, _ in CONTEXT_STEPS])
def test_ownership_failed_apply_context(ws, spacelift, operation, mode, times):
    ws.write(ctx_config())
    spacelift.fault(operation, mode, times)
    first = ws.apply(check=False)
    spacelift.faults.clear()
    no_bug(first)
    assert spacelift.injected[f"{operation}:{mode}"] >= 1
    assert spacelift.calls["contextCreateV2"] <= 1, "the create mutation was sent again"
    old_marker = None
    if operation == "contextCreateV2" and mode != "error":
        # The lost answer is found by the marker: the apply succeeds.
        assert first.code == 0, first.output
        assert tainted(ws) == [] and list(spacelift.contexts) == [CTX_ID]
    elif operation == "contextConfigAdd":
        assert first.code == 1, first.output
        assert list(spacelift.contexts) == [CTX_ID] and tainted(ws) == [ADDR], first.output
        old_marker = marker_of(spacelift)
        state = ws.resource(ADDR)
        assert state["id"] == CTX_ID and state["owner_marker"] == old_marker
    else:
        assert first.code == 1, first.output
        assert spacelift.contexts == {} and ws.resources() == [], first.output
    converge_and_destroy(ws, spacelift, was_tainted=ADDR if old_marker else None, old_marker=old_marker)


def test_ownership_failed_apply_context_answer_lost_every_retry(ws, spacelift):
    """contextCreateV2 takes effect and its answer is lost, and the lookup by
    marker fails as well: the apply fails with "outcome unknown", recording
    the context (tainted) by its owner marker. The next refresh finds it by
    that marker, and the apply replaces it: one context, then none."""
    ws.write(ctx_config())
    spacelift.fault("contextCreateV2", "after", 5)
    spacelift.fault("contexts", "malformed", 3, skip=1)  # the name check passes; the lookup fails
    first = ws.apply(check=False)
    spacelift.faults.clear()
    no_bug(first)
    assert first.code == 1 and "was lost on every attempt" in " ".join(first.output.split()), first.output
    assert spacelift.calls["contextCreateV2"] == 1, "the create mutation was sent again"
    assert list(spacelift.contexts) == [CTX_ID] and tainted(ws) == [ADDR]
    old_marker = marker_of(spacelift)
    state = ws.resource(ADDR)
    assert state["owner_marker"] == old_marker and state["id"] is None
    converge_and_destroy(ws, spacelift, was_tainted=ADDR, old_marker=old_marker)


def test_ownership_tainted_context(ws, spacelift):
    """`terraform taint`: the apply's plan shows the replacement, apply
    replaces exactly that context (one left), a plan with a tainted context
    works, and destroy deletes it."""
    ws.write(ctx_config())
    no_bug(ws.apply())
    old_marker = marker_of(spacelift)
    ws.run("taint", ADDR)
    result = ws.apply()
    no_bug(result)
    assert "is tainted, so must be replaced" in result.output, result.output
    assert list(spacelift.contexts) == [CTX_ID] and marker_of(spacelift) != old_marker and tainted(ws) == []
    assert ws.resource(ADDR)["owner_marker"] == marker_of(spacelift)
    ws.run("taint", ADDR)
    plan = ws.plan()
    assert plan.code == 2 and "is tainted, so must be replaced" in plan.output, plan.output
    no_bug(plan, ws.destroy())
    assert spacelift.contexts == {} and ws.resources() == []


# ---- platform_spacelift_context_attachment -------------------------------------------

ATTACH_STEPS = [
    ("context.attachedStack", "malformed", 1),  # the check before attaching: nothing attached
    ("contextAttach", "error", 1),              # refused: nothing attached
    ("contextAttach", "after", 1),              # attached, answer lost: found and adopted
    ("contextAttach", "drop_after", 1),
]


@pytest.mark.parametrize("operation,mode,times", ATTACH_STEPS, ids=[f"{o}_{m}" for o, m, _ in ATTACH_STEPS])
def test_ownership_failed_apply_attachment(ws, spacelift, operation, mode, times):
    ws.write(att_config())
    spacelift.fault(operation, mode, times)
    first = ws.apply(check=False)
    spacelift.faults.clear()
    no_bug(first)
    assert spacelift.injected[f"{operation}:{mode}"] == 1
    assert spacelift.calls["contextAttach"] <= 1, "the attach mutation was sent again"
    if operation == "contextAttach" and mode != "error":
        assert first.code == 0, first.output
        assert len(attachments(spacelift)) == 1 and tainted(ws) == []
    else:
        assert first.code == 1, first.output
        assert attachments(spacelift) == [] and ATT not in ws.resources(), first.output
    converge_and_destroy(ws, spacelift, att=True)


def test_ownership_failed_apply_attachment_answer_lost_every_retry(ws, spacelift):
    """contextAttach takes effect, its answer is lost, and the lookup after it
    fails: the attachment is recorded (tainted) with "outcome unknown"; the
    next refresh finds it and the apply replaces it: one attachment, then none."""
    ws.write(att_config())
    spacelift.fault("contextAttach", "after", 5)
    spacelift.fault("context.attachedStack", "malformed", 1, skip=1)  # the check passes; the lookup fails
    first = ws.apply(check=False)
    spacelift.faults.clear()
    no_bug(first)
    assert first.code == 1 and "whether the context is attached is unknown: it is recorded (tainted)" in " ".join(
        first.output.split()), first.output
    assert spacelift.calls["contextAttach"] == 1 and len(attachments(spacelift)) == 1
    assert tainted(ws) == [ATT] and ws.resource(ATT)["attachment_id"] is None
    (old,) = attachments(spacelift)
    converge_and_destroy(ws, spacelift, was_tainted=ATT, att=True, old_attachment=old["id"])


def test_ownership_tainted_attachment(ws, spacelift):
    ws.write(att_config())
    no_bug(ws.apply())
    (old,) = attachments(spacelift)
    ws.run("taint", ATT)
    result = ws.apply()
    no_bug(result)
    assert "is tainted, so must be replaced" in result.output, result.output
    (new,) = attachments(spacelift)
    assert new["id"] != old["id"] and ws.resource(ATT)["attachment_id"] == new["id"] and tainted(ws) == []
    ws.run("taint", ATT)
    plan = ws.plan()
    assert plan.code == 2 and "is tainted, so must be replaced" in plan.output, plan.output
    no_bug(plan, ws.destroy())
    assert spacelift.contexts == {} and ws.resources() == []
