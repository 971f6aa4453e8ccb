"""Acceptance cases for `platform_spacelift_context` and its attachments,
against real Terraform and the strict local Spacelift fake."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.request

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


@pytest.fixture
def ws(workspace, spacelift_env):
    workspace.env = spacelift_env
    return workspace


def test_basic(ws, spacelift):
    ws.write(context_config())
    ws.apply_clean()
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
    ws.apply_clean()
    ws.write(context_config(
        name="Renamed context", description=None, labels=["platform", "team:core"],
        hooks={"before_init": ["terraform fmt -check"]},
        environment={"CLUSTER_NAME": "main-2", "NEW_VAR": "x"},
        secret_environment={"DB_PASSWORD": "rotated", "API_TOKEN": "tok"},
        mounted_files={"config/cluster.json": {"content": '{"name":"main-2"}', "secret": False}},
    ))
    plan = ws.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    ws.apply_clean()
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
    ws.apply_clean()
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
    imported_ws.apply_clean()
    assert spacelift.contexts["provider-test-context"]["config"]["DB_PASSWORD"]["checksum"] == sha(SECRET)
    result = new_workspace("missing")
    result.env = spacelift_env
    result.write(cfg)
    out = result.run("import", "-no-color", ADDR, "nope", check=False)
    assert out.code == 1 and "importing Spacelift context `nope`: no such context" in out.output
    ws.destroy()


def test_disappears(ws, spacelift):
    ws.write(context_config())
    ws.apply_clean()
    del spacelift.contexts["provider-test-context"]
    refresh = ws.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and ws.resources() == []
    ws.assert_plan_changes(f"{ADDR} will be created")
    ws.apply_clean()
    ws.destroy()


def test_drift_secret_changed(ws, spacelift):
    ws.write(context_config())
    ws.apply_clean()
    spacelift.set_config("provider-test-context", "DB_PASSWORD", "changed-in-the-ui", write_only=True)
    plan = ws.assert_plan_changes('~ "DB_PASSWORD" = "changed-outside-terraform" -> "in-sync"')
    assert "changed-in-the-ui" not in plan.output and SECRET not in plan.output
    ws.apply_clean()
    assert spacelift.contexts["provider-test-context"]["config"]["DB_PASSWORD"]["checksum"] == sha(SECRET)
    # Deleted and added out of band, the same way.
    del spacelift.contexts["provider-test-context"]["config"]["DB_PASSWORD"]
    spacelift.set_config("provider-test-context", "ROGUE", "x", write_only=True)
    spacelift.set_config("provider-test-context", "keys/deploy.pem", b64("other"), write_only=True, kind="FILE_MOUNT")
    ws.assert_plan_changes('~ "DB_PASSWORD" = "missing" -> "in-sync"', '- "ROGUE" = "not-in-configuration"',
                           '~ "keys/deploy.pem" = "changed-outside-terraform" -> "in-sync"')
    ws.apply_clean()
    cfg = spacelift.contexts["provider-test-context"]["config"]
    assert "ROGUE" not in cfg and cfg["DB_PASSWORD"]["checksum"] == sha(SECRET)
    assert cfg["keys/deploy.pem"]["checksum"] == sha(b64(FILE_SECRET))
    ws.destroy()


def test_drift_label_added(ws, spacelift):
    ws.write(context_config())
    ws.apply_clean()
    spacelift.contexts["provider-test-context"]["labels"].append("rogue")
    spacelift.contexts["provider-test-context"]["hooks"]["afterRun"] = ["curl evil"]
    spacelift.contexts["provider-test-context"]["config"]["CLUSTER_NAME"]["value"] = "edited"
    ws.assert_plan_changes('- "rogue"', '- "after_run" = [', '~ "CLUSTER_NAME" = "edited" -> "main"')
    ws.apply_clean()
    ctx = spacelift.contexts["provider-test-context"]
    assert "rogue" not in ctx["labels"] and ctx["hooks"]["afterRun"] == [] and ctx["config"]["CLUSTER_NAME"]["value"] == "main"
    ws.destroy()


def test_no_perpetual_diff(ws, spacelift):
    ws.write(context_config(description="", labels=["b", "a"], hooks={"before_plan": [], "after_run": ["x"]},
                            environment={}, space_id="root"))
    ws.apply_clean()
    ws.assert_plan_empty()
    ws.destroy()


def test_one_query_per_refresh(ws, spacelift):
    ws.write(context_config())
    ws.apply_clean()
    spacelift.reset_counts()
    ws.assert_plan_empty()
    assert dict(spacelift.calls) == {"apiKeyUser": 1, "context": 1}, dict(spacelift.calls)
    ws.destroy()


def test_rate_limited_then_ok(ws, spacelift):
    ws.write(context_config())
    spacelift.fail_next(3)
    ws.apply_clean()
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
    ws.apply_clean()
    spacelift.reset_counts()
    ws.assert_plan_empty()
    assert spacelift.calls["apiKeyUser"] == 1, "a fresh token is exchanged once per provider process"

    spacelift.token_ttl = 20  # inside the 30 s re-exchange margin: every call needs a new token
    spacelift.reset_counts()
    ws.write(context_config(environment={"CLUSTER_NAME": "main", "AWS_REGION": "eu-west-1", "MORE": "1"}))
    ws.apply_clean()
    other_calls = sum(n for op, n in spacelift.calls.items() if op != "apiKeyUser")
    assert spacelift.calls["apiKeyUser"] >= other_calls, dict(spacelift.calls)
    ws.destroy()


def test_auth_token_expired_early(ws, spacelift):
    """A token that stops working before validUntil: 'unauthorized', then one
    re-exchange of the key and the call goes through."""
    ws.write(context_config())
    spacelift.expire_tokens_after(2)
    ws.apply_clean()
    assert spacelift.calls["apiKeyUser"] >= 2
    assert spacelift.contexts["provider-test-context"]["config"]["DB_PASSWORD"]["checksum"] == sha(SECRET)
    ws.destroy()


def test_auth_api_token(workspace, tf_env, spacelift):
    """Inside a Spacelift run only SPACELIFT_API_TOKEN is set; its aud says where to go."""
    token, _ = spacelift.issue_token(iss="spacelift", sub="platform/01RUN")
    workspace.env = {**tf_env, "SPACELIFT_API_TOKEN": token}
    workspace.write(context_config())
    workspace.apply_clean()
    assert spacelift.calls["apiKeyUser"] == 0 and "provider-test-context" in spacelift.contexts
    workspace.destroy()


def test_spacelift_only_stack_needs_no_aws(workspace, spacelift_env, spacelift):
    workspace.env = {k: v for k, v in spacelift_env.items() if not k.startswith("AWS_")}
    workspace.write(context_config())
    workspace.apply_clean()
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
    ws.apply_clean()
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
    ws.apply_clean()
    (att,) = spacelift.contexts["provider-test-context"]["attachments"].values()
    assert att["priority"] == 1

    # Detached out of band: refresh drops it, apply attaches again.
    spacelift.contexts["provider-test-context"]["attachments"].clear()
    ws.assert_plan_changes(f"{ATT} will be created")
    ws.apply_clean()
    ws.destroy()
    assert spacelift.contexts == {}


def test_attachment_missing_stack(ws, spacelift):
    ws.write(attachment_config(stack="no-such-stack"))
    result = ws.plan()
    assert result.code == 1 and "`stack_id`: no Spacelift stack `no-such-stack`" in result.output


def file(content="x"):
    return {"content": content, "secret": False}


BAD_INPUT = [
    ({"name": ""}, "`name`", "must be 1 to 255 characters (counted as Unicode characters, not bytes)"),
    ({"name": "a" + "é" * 255}, "`name`", "got 256 characters"),
    ({"name": "!!!"}, "`name`", "with at least one ASCII letter or digit"),
    ({"name": "ééé"}, "`name`", "with at least one ASCII letter or digit"),
    ({"space_id": "has space"}, "`space_id`", "must be a space id"),
    ({"labels": [" "]}, "`labels`", "labels must not be empty"),
    ({"labels": ["platform:owner:x"]}, "`labels`", "label prefix belongs to the provider"),
    ({"hooks": {"before_lunch": ["x"]}}, '`hooks["before_lunch"]`', "is not a hook phase"),
    ({"hooks": {"before_plan": ["echo", ""]}}, '`hooks["before_plan"][1]`', "a hook command must not be empty"),
    ({"environment": {"1BAD": "x"}}, '`environment["1BAD"]`', "must be an environment variable name"),
    ({"environment": {"MULTI": "a\nb"}}, '`environment["MULTI"]`', "Spacelift does not support newlines in environment variables"),
    ({"secret_environment": {"PEM": "-----BEGIN-----\nsecret-body"}}, '`secret_environment["PEM"]`',
     "Spacelift does not support newlines in environment variables"),
    ({"environment": {"DB_PASSWORD": "x"}}, '`secret_environment["DB_PASSWORD"]`', "is also in `environment`"),
    ({"environment": {"SHARED": "x"}, "mounted_files": {"./SHARED": file()}}, '`mounted_files["./SHARED"]`',
     "Spacelift keeps variables and mounted files under one id per context"),
    ({"mounted_files": {"/etc/passwd": file()}}, '`mounted_files["/etc/passwd"]`',
     "without the `/mnt/workspace/` prefix, not an absolute path"),
    ({"mounted_files": {"a/../../b": file()}}, '`mounted_files["a/../../b"]`', "would leave `/mnt/workspace/`"),
    ({"mounted_files": {"a\nb": file()}}, '`mounted_files["a\\nb"]`', "must not contain control characters"),
    ({"mounted_files": {"a\\b": file()}}, '`mounted_files["a\\\\b"]`', "must separate directories with '/'"),
    ({"mounted_files": {"./": file()}}, '`mounted_files["./"]`', "must name a file inside the workspace"),
    ({"mounted_files": {"d/" + "é" * 128: file()}}, '`mounted_files["d/' + "é" * 128 + '"]`',
     "has a file or directory name of 256 bytes, and Linux allows at most 255 bytes per name"),
    ({"mounted_files": {"/".join(["d"] * 2041): file()}}, '`mounted_files["' + "/".join(["d"] * 2041) + '"]`',
     "is 4096 bytes long as `/mnt/workspace/...`, and Linux allows at most 4095 bytes per path"),
    ({"mounted_files": {"./conf/a.json": file(), "conf//a.json/": file()}}, '`mounted_files["conf//a.json/"]`',
     'is the same file as `mounted_files["./conf/a.json"]`: both are `conf/a.json` once normalised, so one would overwrite the other'),
    # Null members: each would be written as nothing (a file silently not uploaded, and a status claiming it is).
    ({"mounted_files": {"x": {"content": "abc", "secret": Raw("null")}}}, '`mounted_files["x"].secret`',
     "must be set to true or false"),
    ({"mounted_files": {"x": {"content": Raw("null"), "secret": False}}}, '`mounted_files["x"].content`',
     "must be set: a file whose content is null would not be written"),
    ({"mounted_files": {"x": Raw("null"), "y": file()}}, '`mounted_files["x"]`', "must be set to `{ content, secret }`, not null"),
    ({"environment": {"E": Raw("null")}}, '`environment["E"]`', "must be set: a variable whose value is null would not be written"),
    ({"secret_environment": {"S": Raw("null")}}, '`secret_environment["S"]`',
     "must be set: a variable whose value is null would not be written"),
    ({"labels": ["a", Raw("null")]}, "`labels`", "must not contain null"),
    ({"hooks": {"before_plan": Raw("null")}}, '`hooks["before_plan"]`', "must be a list of commands (`[]` for none), not null"),
    ({"hooks": {"before_plan": ["echo", Raw("null")]}}, '`hooks["before_plan"][1]`', "must be a command, not null"),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(ws, spacelift, attrs, path, rule):
    ws.write(context_config(**attrs))
    result = ws.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output
    assert spacelift.contexts == {}


def test_bad_input_null_secret_from_a_variable_is_refused_not_silently_dropped(ws, spacelift):
    """`secret = var.x` with a null default: refused at plan, naming the path.
    (It used to plan, apply "1 added" with nothing uploaded, and show
    `mounted_files_status = { "x" = "in-sync" }` on every later plan.)"""
    ws.write('provider "platform" {}\n' + block(
        "resource", "platform_spacelift_context", "test", name="nulls",
        mounted_files={"x": {"content": "abc", "secret": Raw("var.secret")}})
        + 'variable "secret" {\n  type    = bool\n  default = null\n}\n')
    result = ws.plan()
    assert result.code == 1, result.output
    assert '`mounted_files["x"].secret`: must be set to true or false' in result.output, result.output
    # Unknown at plan is allowed; known at apply, it is written.
    ws.write('provider "platform" {}\n' + block(
        "resource", "platform_spacelift_context", "test", name="nulls",
        mounted_files={"x": {"content": "abc", "secret": Raw("terraform_data.secret.output")}})
        + block("resource", "terraform_data", "secret", input=False))
    ws.apply_clean()
    assert spacelift.contexts["nulls"]["config"]["x"]["value"] == b64("abc")
    ws.destroy()


def test_bad_input_secret_value_never_shown(ws, spacelift):
    # From a variable: Terraform's own source snippet would show a literal.
    ws.write(context_config(secret_environment={"PEM": Raw("var.pem")}) + block(
        "variable", "pem", default="-----BEGIN-----\nvery-secret-body", sensitive=True))
    result = ws.plan()
    assert result.code == 1 and "has a newline in its value" in result.output
    assert "very-secret-body" not in result.output


ATTACHMENT_BAD_INPUT = [
    ({"context_id": "a/b"}, "`context_id`", "must be a Spacelift id (no '/')"),
    ({"stack_id": ""}, "`stack_id`", "must be a Spacelift id (no '/')"),
    ({"priority": -1}, "`priority`", "must be between 0 and 2147483647"),
    ({"priority": 2**31}, "`priority`", "must be between 0 and 2147483647"),
]


@pytest.mark.parametrize("attrs,path,rule", ATTACHMENT_BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(ATTACHMENT_BAD_INPUT)])
def test_attachment_bad_input(ws, spacelift, attrs, path, rule):
    args = {"context_id": "some-context", "stack_id": "downstream", **attrs}
    ws.write('provider "platform" {}\n' + block("resource", "platform_spacelift_context_attachment", "test", **args))
    result = ws.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output


def test_name_counted_in_characters(ws, spacelift):
    """255 characters, 509 bytes: a valid name (counting bytes refused it). The
    id is a slug of the name, so it needs an ASCII letter or digit."""
    ws.write(context_config(name="a" + "é" * 254))
    ws.assert_plan_changes(f"{ADDR} will be created")


def test_create_plan_statuses_known_after_apply(ws, spacelift):
    """Nothing exists before a create: the statuses are unknown in its plan,
    and set from the checksums the server answered with. Update plans say
    `in-sync` for every configured secret, as before."""
    ws.write(context_config())
    plan = ws.assert_plan_changes(f"{ADDR} will be created")
    assert "secret_environment_status = (known after apply)" in plan.stdout, plan.stdout
    assert "mounted_files_status      = (known after apply)" in plan.stdout, plan.stdout
    assert '"in-sync"' not in plan.stdout, plan.stdout
    ws.apply_clean()
    s = ws.resource(ADDR)
    assert s["secret_environment_status"] == {"DB_PASSWORD": "in-sync"}
    assert s["mounted_files_status"] == {"config/cluster.json": "in-sync", "keys/deploy.pem": "in-sync"}
    ws.write(context_config(secret_environment={"DB_PASSWORD": SECRET, "API_TOKEN": "tok"}))
    ws.assert_plan_changes('+ "API_TOKEN"   = "in-sync"')
    ws.apply_clean()
    ws.destroy()


def test_no_perpetual_diff_file_paths_normalised(ws, spacelift):
    """Files are written under their normalised path; the configured spelling
    stays the key, so the plan is empty; a respelling moves nothing."""
    files = {"./config/a.json": file("a"), "keys//b.pem/": {"content": "b", "secret": True}, "x/./../c": file("c")}
    ws.write(context_config(mounted_files=files))
    ws.apply_clean()
    cfg = spacelift.contexts["provider-test-context"]["config"]
    assert {k for k, e in cfg.items() if e["type"] == "FILE_MOUNT"} == {"config/a.json", "keys/b.pem", "c"}
    assert ws.resource(ADDR)["mounted_files_status"] == {
        "./config/a.json": "in-sync", "keys//b.pem/": "in-sync", "x/./../c": "in-sync"}
    # The same files spelled another way: no element is added or lost.
    ws.write(context_config(mounted_files={"config/a.json": file("a"), "keys/b.pem": {"content": "b", "secret": True},
                                           "c": file("c")}))
    ws.apply_clean()
    cfg = spacelift.contexts["provider-test-context"]["config"]
    assert {k for k, e in cfg.items() if e["type"] == "FILE_MOUNT"} == {"config/a.json", "keys/b.pem", "c"}
    assert cfg["c"]["value"] == b64("c")
    ws.destroy()


BIG = "big.bin"
FILE_MAX = 1_500_000
CONTEXT_MAX = 8 * 1024 * 1024


def big_context(ws, size: int) -> None:
    """A context whose mounted files hold `size` bytes in all: files of at most
    FILE_MAX bytes, the last one (`big.bin`) taking the rest."""
    files, left, i = {}, size, 0
    while left > FILE_MAX:
        (ws.dir / f"part{i}.txt").write_text("a" * FILE_MAX)
        files[f"part{i}.bin"] = {"content": Raw(f'file("${{path.module}}/part{i}.txt")'), "secret": False}
        left -= FILE_MAX
        i += 1
    (ws.dir / "big.txt").write_text("a" * left)
    files[BIG] = {"content": Raw('file("${path.module}/big.txt")'), "secret": False}
    ws.write('provider "platform" {}\n' + block(
        "resource", "platform_spacelift_context", "test", name="Big context", mounted_files=files))


def size_at_limit(ws) -> int:
    """The content size that makes this context exactly 8 MiB as the provider counts it."""
    big_context(ws, CONTEXT_MAX)
    result = ws.plan()
    assert result.code == 1, result.output
    total = int(re.search(r"holds about (\d+) bytes", result.output).group(1))
    return CONTEXT_MAX - (total - CONTEXT_MAX)


def test_bad_input_context_too_big(ws, spacelift):
    """Just over the 8 MiB a context may hold: refused at plan, naming a file and the limit."""
    ws.dir.mkdir(parents=True, exist_ok=True)
    big_context(ws, size_at_limit(ws) + 1)
    result = ws.plan()
    assert result.code == 1, result.output
    assert '`mounted_files["' in result.output
    assert "over the 8388608 bytes (8 MiB) a context may hold" in result.output
    assert spacelift.contexts == {}


def test_bad_input_mounted_file_over_spacelifts_2_mb(ws, spacelift):
    ws.dir.mkdir(parents=True, exist_ok=True)
    (ws.dir / "big.txt").write_text("a" * (FILE_MAX + 1))
    ws.write('provider "platform" {}\n' + block(
        "resource", "platform_spacelift_context", "test", name="Big file",
        mounted_files={BIG: {"content": Raw('file("${path.module}/big.txt")'), "secret": False}}))
    result = ws.plan()
    assert result.code == 1, result.output
    out = " ".join(result.output.split())
    assert f'`mounted_files["{BIG}"].content`: is 1500001 bytes, over the 1500000 bytes a mounted file may hold' in out, out
    assert spacelift.contexts == {}


def test_context_at_the_size_limit_stays_manageable(ws, spacelift):
    """Just under the limit, with files of 1,500,000 bytes (such a file used to
    be created, and then every plan, apply and destroy failed on tonic's
    4 MiB gRPC message limit): created, planned empty, refreshed, destroyed."""
    ws.dir.mkdir(parents=True, exist_ok=True)
    size = size_at_limit(ws)
    assert size > 8_000_000
    big_context(ws, size)
    ws.apply_clean()
    assert spacelift.contexts["big-context"]["config"]["part0.bin"]["value"] == b64("a" * FILE_MAX)
    ws.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    ws.destroy()
    assert spacelift.contexts == {}


def graphql(spacelift, query: str, variables: dict) -> tuple[int, dict]:
    token, _ = spacelift.issue_token()
    request = urllib.request.Request(
        spacelift.base_url + "/graphql", data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        return response.status, json.loads(response.read())


def test_fake_refuses_what_spacelift_refuses(spacelift):
    """What gets past the plan fails at apply as in production: HTTP 200, an
    error with the message and path, and `data: null`."""
    ctx = spacelift.create_context("Limits")
    add = ("mutation($context:ID!,$config:ConfigInput!){contextConfigAdd(context:$context,config:$config)"
           "{id checksum type value writeOnly description}}")
    cases = [
        ({"id": BIG, "type": "FILE_MOUNT", "value": b64("a" * 1_500_001), "writeOnly": False}, "limited to 2 MB"),
        ({"id": "MULTI", "type": "ENVIRONMENT_VARIABLE", "value": "a\nb", "writeOnly": False}, "newlines are not supported"),
        ({"id": "../x", "type": "FILE_MOUNT", "value": b64("x"), "writeOnly": False}, "relative to /mnt/workspace/"),
    ]
    for config, message in cases:
        status, body = graphql(spacelift, add, {"context": ctx, "config": config})
        assert status == 200 and body["data"] is None, body
        (error,) = body["errors"]
        assert message in error["message"] and error["path"] == ["contextConfigAdd"], body
    assert spacelift.contexts[ctx]["config"] == {}
    hooks = {phase: [] for phase in ["beforeInit", "afterInit", "beforePlan", "afterPlan", "beforeApply", "afterApply",
                                     "beforePerform", "afterPerform", "beforeDestroy", "afterDestroy", "afterRun"]}
    create = "mutation($input:ContextInput!){contextCreateV2(input:$input){id}}"
    for bad, message in [({"name": " "}, "name must not be empty"), ({"labels": [""]}, "labels must not be empty"),
                         ({"hooks": {**hooks, "afterRun": [""]}}, "commands must not be empty")]:
        status, body = graphql(spacelift, create, {"input": {"name": "ok", "labels": [], "hooks": hooks, **bad}})
        assert status == 200 and body["data"] is None and message in body["errors"][0]["message"], body
    # Just under 2 MB of base64 is accepted.
    status, body = graphql(spacelift, add, {"context": ctx, "config": {
        "id": BIG, "type": "FILE_MOUNT", "value": b64("a" * 1_500_000), "writeOnly": False}})
    assert body.get("errors") is None and body["data"]["contextConfigAdd"]["id"] == BIG, body
