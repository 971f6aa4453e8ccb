"""Acceptance cases for `platform_spacelift_context` and its attachments,
against real Terraform and the strict local Spacelift fake."""
from __future__ import annotations

import base64
import hashlib

import pytest

from platform_acc.hcl import Raw, block

ADDR = "platform_spacelift_context.test"
ATT = "platform_spacelift_context_attachment.test"
SECRET = "s3cr3t-db-password-value"
FILE_SECRET = "-----BEGIN KEY-----\nsecret-file-body\n-----END KEY-----\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def context_config(name="Provider test context", **attrs) -> str:
    attrs.setdefault("description", "platform outputs")
    attrs.setdefault("labels", ["platform", "autoattach:eks"])
    attrs.setdefault("hooks", {"before_plan": ["echo planning"], "after_apply": ["echo done", "echo really"]})
    attrs.setdefault("environment", {"CLUSTER_NAME": "main", "AWS_REGION": "eu-west-1"})
    attrs.setdefault("secret_environment", {"DB_PASSWORD": SECRET})
    attrs.setdefault("mounted_files", {
        "config/cluster.json": {"content": '{"name":"main"}', "secret": False},
        "keys/deploy.pem": {"content": FILE_SECRET, "secret": True},
    })
    return 'provider "platform" {}\n' + block("resource", "platform_spacelift_context", "test", name=name, **attrs)


def user_labels(ctx) -> list[str]:
    """The context's labels without the provider's owner marker (`platform:owner:<marker>`)."""
    return sorted(label for label in ctx["labels"] if not label.startswith("platform:owner:"))


def apply_clean(ws):
    ws.apply()
    ws.assert_plan_empty()


@pytest.fixture
def ws(workspace, spacelift_env):
    workspace.env = spacelift_env
    return workspace


def test_basic(ws, spacelift):
    ws.write(context_config())
    apply_clean(ws)
    s = ws.resource(ADDR)
    assert s["id"] == "provider-test-context"
    ctx = spacelift.contexts["provider-test-context"]
    assert ctx["name"] == "Provider test context" and ctx["description"] == "platform outputs"
    assert user_labels(ctx) == ["autoattach:eks", "platform"] and ctx["space"] == "root"
    assert len(ctx["labels"]) == 3, "one owner marker label"
    assert ctx["hooks"]["beforePlan"] == ["echo planning"] and ctx["hooks"]["afterApply"] == ["echo done", "echo really"]
    assert ctx["hooks"]["beforeInit"] == []
    cfg = ctx["config"]
    assert cfg["CLUSTER_NAME"]["value"] == "main" and cfg["CLUSTER_NAME"]["writeOnly"] is False
    assert cfg["DB_PASSWORD"]["writeOnly"] is True and cfg["DB_PASSWORD"]["checksum"] == sha(SECRET)
    assert cfg["config/cluster.json"]["type"] == "FILE_MOUNT" and cfg["config/cluster.json"]["value"] == b64('{"name":"main"}')
    assert cfg["keys/deploy.pem"]["writeOnly"] is True and cfg["keys/deploy.pem"]["checksum"] == sha(b64(FILE_SECRET))
    assert s["secret_environment_status"] == {"DB_PASSWORD": "in-sync"}
    assert s["mounted_files_status"] == {"config/cluster.json": "in-sync", "keys/deploy.pem": "in-sync"}
    ws.destroy()
    assert spacelift.contexts == {}


def test_update(ws, spacelift):
    ws.write(context_config())
    apply_clean(ws)
    ws.write(context_config(
        name="Renamed context", description=None, labels=["platform", "team:core"],
        hooks={"before_init": ["terraform fmt -check"]},
        environment={"CLUSTER_NAME": "main-2", "NEW_VAR": "x"},
        secret_environment={"DB_PASSWORD": "rotated", "API_TOKEN": "tok"},
        mounted_files={"config/cluster.json": {"content": '{"name":"main-2"}', "secret": False}},
    ))
    plan = ws.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    apply_clean(ws)
    assert list(spacelift.contexts) == ["provider-test-context"], "a rename keeps the id"
    ctx = spacelift.contexts["provider-test-context"]
    assert ctx["name"] == "Renamed context" and ctx["description"] is None
    assert user_labels(ctx) == ["platform", "team:core"]
    assert ctx["hooks"]["beforeInit"] == ["terraform fmt -check"] and ctx["hooks"]["beforePlan"] == []
    cfg = ctx["config"]
    assert set(cfg) == {"CLUSTER_NAME", "NEW_VAR", "DB_PASSWORD", "API_TOKEN", "config/cluster.json"}
    assert cfg["CLUSTER_NAME"]["value"] == "main-2"
    assert cfg["DB_PASSWORD"]["checksum"] == sha("rotated") and cfg["API_TOKEN"]["writeOnly"] is True
    assert cfg["config/cluster.json"]["value"] == b64('{"name":"main-2"}')
    ws.destroy()


def test_import(ws, new_workspace, spacelift, spacelift_env):
    cfg = context_config()
    ws.write(cfg)
    apply_clean(ws)
    created = ws.resource(ADDR)
    imported_ws = new_workspace("imported")
    imported_ws.env = spacelift_env
    imported_ws.write(cfg)
    imported_ws.import_(ADDR, "provider-test-context")
    imported = imported_ws.resource(ADDR)
    for key in ["id", "name", "description", "space_id", "labels", "hooks", "environment"]:
        assert imported[key] == created[key], key
    # Secrets cannot be read back: the plan says which ones it will write.
    plan = imported_ws.assert_plan_changes(
        "will be updated in-place",
        '~ "DB_PASSWORD" = "imported-unverified" -> "in-sync"',
        '~ "keys/deploy.pem" = "imported-unverified" -> "in-sync"',
    )
    assert "No changes" not in plan.stdout
    apply_clean(imported_ws)
    assert spacelift.contexts["provider-test-context"]["config"]["DB_PASSWORD"]["checksum"] == sha(SECRET)
    result = new_workspace("missing")
    result.env = spacelift_env
    result.write(cfg)
    out = result.run("import", "-no-color", ADDR, "nope", check=False)
    assert out.code == 1 and "importing Spacelift context `nope`: no such context" in out.output
    ws.destroy()


def test_disappears(ws, spacelift):
    ws.write(context_config())
    apply_clean(ws)
    del spacelift.contexts["provider-test-context"]
    refresh = ws.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and ws.resources() == []
    ws.assert_plan_changes(f"{ADDR} will be created")
    apply_clean(ws)
    ws.destroy()


def test_drift_secret_changed(ws, spacelift):
    ws.write(context_config())
    apply_clean(ws)
    spacelift.set_config("provider-test-context", "DB_PASSWORD", "changed-in-the-ui", write_only=True)
    plan = ws.assert_plan_changes('~ "DB_PASSWORD" = "changed-outside-terraform" -> "in-sync"')
    assert "changed-in-the-ui" not in plan.output and SECRET not in plan.output
    apply_clean(ws)
    assert spacelift.contexts["provider-test-context"]["config"]["DB_PASSWORD"]["checksum"] == sha(SECRET)
    # Deleted and added out of band, the same way.
    del spacelift.contexts["provider-test-context"]["config"]["DB_PASSWORD"]
    spacelift.set_config("provider-test-context", "ROGUE", "x", write_only=True)
    spacelift.set_config("provider-test-context", "keys/deploy.pem", b64("other"), write_only=True, kind="FILE_MOUNT")
    ws.assert_plan_changes('~ "DB_PASSWORD" = "missing" -> "in-sync"', '- "ROGUE" = "not-in-configuration"',
                           '~ "keys/deploy.pem" = "changed-outside-terraform" -> "in-sync"')
    apply_clean(ws)
    cfg = spacelift.contexts["provider-test-context"]["config"]
    assert "ROGUE" not in cfg and cfg["DB_PASSWORD"]["checksum"] == sha(SECRET)
    assert cfg["keys/deploy.pem"]["checksum"] == sha(b64(FILE_SECRET))
    ws.destroy()


def test_drift_label_added(ws, spacelift):
    ws.write(context_config())
    apply_clean(ws)
    spacelift.contexts["provider-test-context"]["labels"].append("rogue")
    spacelift.contexts["provider-test-context"]["hooks"]["afterRun"] = ["curl evil"]
    spacelift.contexts["provider-test-context"]["config"]["CLUSTER_NAME"]["value"] = "edited"
    ws.assert_plan_changes('- "rogue"', '- "after_run" = [', '~ "CLUSTER_NAME" = "edited" -> "main"')
    apply_clean(ws)
    ctx = spacelift.contexts["provider-test-context"]
    assert "rogue" not in ctx["labels"] and ctx["hooks"]["afterRun"] == [] and ctx["config"]["CLUSTER_NAME"]["value"] == "main"
    ws.destroy()


def test_no_perpetual_diff(ws, spacelift):
    ws.write(context_config(description="", labels=["b", "a"], hooks={"before_plan": [], "after_run": ["x"]},
                            environment={}, space_id="root"))
    apply_clean(ws)
    ws.assert_plan_empty()
    ws.destroy()


def test_one_query_per_refresh(ws, spacelift):
    ws.write(context_config())
    apply_clean(ws)
    spacelift.reset_counts()
    ws.assert_plan_empty()
    assert dict(spacelift.calls) == {"apiKeyUser": 1, "context": 1}, dict(spacelift.calls)
    ws.destroy()


def test_rate_limited_then_ok(ws, spacelift):
    ws.write(context_config())
    spacelift.fail_next(3)
    apply_clean(ws)
    assert spacelift.contexts["provider-test-context"]["config"]["DB_PASSWORD"]["checksum"] == sha(SECRET)
    ws.destroy()


def test_rate_limited_gives_up_clearly(ws, spacelift):
    ws.write(context_config())
    spacelift.fail_next(1000)
    result = ws.apply(check=False)
    assert result.code == 1 and "Spacelift kept rate-limiting" in result.output


def test_auth_wrong_key(ws, spacelift):
    ws.env = {**ws.env, "SPACELIFT_API_KEY_ID": "01WRONG"}
    ws.write(context_config())
    result = ws.apply(check=False)
    assert result.code == 1 and "no such Spacelift API key `01WRONG`" in result.output
    ws.env = {**ws.env, "SPACELIFT_API_KEY_ID": "01TESTKEY", "SPACELIFT_API_KEY_SECRET": "wrong-secret"}
    result = ws.apply(check=False)
    assert result.code == 1 and "Spacelift refused the credentials (`unauthorized`)" in result.output
    assert spacelift.contexts == {}


def test_auth_token_reexchange(ws, spacelift):
    """Tokens that are about to expire are exchanged again before use."""
    ws.write(context_config())
    apply_clean(ws)
    spacelift.reset_counts()
    ws.assert_plan_empty()
    assert spacelift.calls["apiKeyUser"] == 1, "a fresh token is exchanged once per provider process"

    spacelift.token_ttl = 20  # inside the 30 s re-exchange margin: every call needs a new token
    spacelift.reset_counts()
    ws.write(context_config(environment={"CLUSTER_NAME": "main", "AWS_REGION": "eu-west-1", "MORE": "1"}))
    apply_clean(ws)
    other_calls = sum(n for op, n in spacelift.calls.items() if op != "apiKeyUser")
    assert spacelift.calls["apiKeyUser"] >= other_calls, dict(spacelift.calls)
    ws.destroy()


def test_auth_token_expired_early(ws, spacelift):
    """A token that stops working before validUntil: 'unauthorized', then one
    re-exchange of the key and the call goes through."""
    ws.write(context_config())
    spacelift.expire_tokens_after(2)
    apply_clean(ws)
    assert spacelift.calls["apiKeyUser"] >= 2
    assert spacelift.contexts["provider-test-context"]["config"]["DB_PASSWORD"]["checksum"] == sha(SECRET)
    ws.destroy()


def test_auth_api_token(workspace, tf_env, spacelift):
    """Inside a Spacelift run only SPACELIFT_API_TOKEN is set; its aud says where to go."""
    token, _ = spacelift.issue_token(iss="spacelift", sub="platform/01RUN")
    workspace.env = {**tf_env, "SPACELIFT_API_TOKEN": token}
    workspace.write(context_config())
    apply_clean(workspace)
    assert spacelift.calls["apiKeyUser"] == 0 and "provider-test-context" in spacelift.contexts
    workspace.destroy()


def test_spacelift_only_stack_needs_no_aws(workspace, spacelift_env, spacelift):
    workspace.env = {k: v for k, v in spacelift_env.items() if not k.startswith("AWS_")}
    workspace.write(context_config())
    apply_clean(workspace)
    workspace.destroy()


def test_aws_only_stack_needs_no_spacelift(workspace, tf_env):
    assert not any(k.startswith("SPACELIFT_") for k in tf_env)
    workspace.write('provider "platform" {}\n')
    workspace.assert_plan_empty()


def test_secrets_never_logged_at_trace(ws, spacelift):
    ws.env = {**ws.env, "TF_LOG": "trace"}
    ws.write(context_config())
    apply = ws.apply()
    plan = ws.plan()
    destroy = ws.destroy()
    logs = apply.output + plan.output + destroy.output
    assert "TRACE" in logs or "[TRACE]" in logs, "TF_LOG=trace produced no trace output"
    for secret in [SECRET, FILE_SECRET.strip(), b64(FILE_SECRET), "test-key-secret-do-not-log", *spacelift.issued_tokens]:
        assert secret not in logs, f"a secret leaked into TF_LOG=trace output: {secret[:12]}..."


def test_secrets_never_in_the_plugin_trace_log(ws, spacelift, tmp_path):
    """The plugin's own trace log (PLUGIN_LOG_FILE: every provider line at
    TRACE, as hclog JSON) holds no secret either. Each provider process
    truncates the file, so it is checked after every command."""
    log = tmp_path / "plugin.log"
    ws.env = {**ws.env, "PLUGIN_LOG_FILE": str(log)}
    ws.write(context_config())
    secrets = [SECRET, FILE_SECRET.strip(), b64(FILE_SECRET), "test-key-secret-do-not-log"]
    for command in (ws.apply, ws.plan, ws.destroy):
        command()
        text = log.read_text()
        assert '"spacelift_operation":' in text, "PLUGIN_LOG_FILE has no Spacelift call line"
        for secret in secrets + spacelift.issued_tokens:
            assert secret not in text, f"a secret leaked into the plugin trace log: {secret[:12]}..."


def attachment_config(priority=None, stack="downstream") -> str:
    return context_config() + block("resource", "platform_spacelift_context_attachment", "test",
                                    context_id=Raw("platform_spacelift_context.test.id"), stack_id=stack, priority=priority)


def test_attachment_basic(ws, new_workspace, spacelift, spacelift_env):
    ws.write(attachment_config(priority=5))
    apply_clean(ws)
    s = ws.resource(ATT)
    assert s["id"] == "provider-test-context/downstream" and s["priority"] == 5
    (att,) = spacelift.contexts["provider-test-context"]["attachments"].values()
    assert att["stackId"] == "downstream" and att["priority"] == 5 and att["id"] == s["attachment_id"]

    imported = new_workspace("imported")
    imported.env = spacelift_env
    imported.write(block("resource", "platform_spacelift_context_attachment", "test",
                         context_id="provider-test-context", stack_id="downstream", priority=5))
    imported.import_(ATT, "provider-test-context/downstream")
    assert imported.resource(ATT) == s

    # Priority cannot change in place: a new attachment replaces the old.
    ws.write(attachment_config(priority=1))
    ws.assert_plan_changes("must be replaced")
    apply_clean(ws)
    (att,) = spacelift.contexts["provider-test-context"]["attachments"].values()
    assert att["priority"] == 1

    # Detached out of band: refresh drops it, apply attaches again.
    spacelift.contexts["provider-test-context"]["attachments"].clear()
    ws.assert_plan_changes(f"{ATT} will be created")
    apply_clean(ws)
    ws.destroy()
    assert spacelift.contexts == {}


def test_attachment_missing_stack(ws, spacelift):
    ws.write(attachment_config(stack="no-such-stack"))
    result = ws.plan()
    assert result.code == 1 and "`stack_id`: no Spacelift stack `no-such-stack`" in result.output


BAD_INPUT = [
    ({"name": ""}, "`name`", "must be 1 to 255 characters"),
    ({"name": "!!!"}, "`name`", "at least one letter or digit"),
    ({"hooks": {"before_lunch": ["x"]}}, '`hooks["before_lunch"]`', "is not a hook phase"),
    ({"mounted_files": {"/etc/passwd": {"content": "x", "secret": False}}}, '`mounted_files["/etc/passwd"]`', "must be a relative path"),
    ({"mounted_files": {"a/../../b": {"content": "x", "secret": False}}}, '`mounted_files["a/../../b"]`', "must be a relative path"),
    ({"environment": {"DB_PASSWORD": "x"}}, '`secret_environment["DB_PASSWORD"]`', "is also in `environment`"),
    ({"environment": {"1BAD": "x"}}, '`environment["1BAD"]`', "environment variable name"),
    ({"space_id": "has space"}, "`space_id`", "must be a space id"),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(ws, spacelift, attrs, path, rule):
    ws.write(context_config(**attrs))
    result = ws.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output
    assert spacelift.contexts == {}
