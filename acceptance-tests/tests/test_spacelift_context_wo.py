"""Acceptance cases for the write-only secrets of `platform_spacelift_context`
(`secret_environment_wo`, `mounted_files_wo` and their `*_wo_version`): no
value, hash or base64 of one in the state, the plan file or a TRACE log, and
drift still found through Spacelift's checksums, compared at plan time."""
from __future__ import annotations

import base64
import hashlib
import json
import zipfile

from platform_acc.hcl import Raw, block

ADDR = "platform_spacelift_context.test"
CTX = "wo-context"
SECRET = "wo-s3cr3t-db-password-value"
TOKEN = "wo-api-token-value-0123456789"
FILE_SECRET = "-----BEGIN KEY-----\nwo-secret-file-body\n-----END KEY-----\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def derivatives(value: str) -> list[str]:
    """The value and what would give it away: base64, SHA-256 in hex and in
    base64, and the same of its base64 form (a file's checksum is of that)."""
    out = []
    for v in (value, b64(value)):
        digest = hashlib.sha256(v.encode()).digest()
        out += [v, b64(v), digest.hex(), base64.b64encode(digest).decode(), b64(digest.hex())]
    return out


FORBIDDEN = [d for v in (SECRET, TOKEN, FILE_SECRET) for d in derivatives(v)] + [FILE_SECRET.strip(), "wo-secret-file-body"]


# The values come in through ephemeral, sensitive variables (TF_VAR_*), as
# write-only values are meant to: a literal would sit in the configuration,
# which Terraform copies into the plan file and shows in diagnostics.
VARIABLES = "".join(
    f'variable "{name}" {{\n  type      = string\n  ephemeral = true\n  sensitive = true\n}}\n'
    for name in ("db_password", "api_token", "deploy_key"))
SECRET_VARS = {"DB_PASSWORD": Raw("var.db_password"), "API_TOKEN": Raw("var.api_token")}
FILE_VARS = {"./keys/deploy.pem": Raw("var.deploy_key")}


def values(db=SECRET, api=TOKEN, key=FILE_SECRET) -> dict[str, str]:
    return {"TF_VAR_db_password": db, "TF_VAR_api_token": api, "TF_VAR_deploy_key": key}


def config(secrets=SECRET_VARS, files=FILE_VARS, secrets_version=None, **attrs) -> str:
    attrs.setdefault("environment", {"CLUSTER_NAME": "main"})
    return 'provider "platform" {}\n' + VARIABLES + block(
        "resource", "platform_spacelift_context", "test", name=CTX, secret_environment_wo=secrets,
        mounted_files_wo=files, secret_environment_wo_version=secrets_version, **attrs)


def assert_no_secret(text: str, where: str) -> None:
    for secret in FORBIDDEN:
        assert secret not in text, f"{where} holds a secret or a derivative of one: {secret[:12]}..."


def state_text(ws) -> str:
    return (ws.dir / "terraform.tfstate").read_text()


def test_basic_no_secret_in_state_plan_file_or_trace_log(workspace, spacelift_env, spacelift, tmp_path):
    """Apply, plan (saved, then `show -json`), refresh and destroy with
    TF_LOG=trace into TF_LOG_PATH: the secrets reach Spacelift, the plan is
    empty, and no value, base64 or SHA-256 of one is in the state file, the
    plan file's JSON or the log."""
    log = tmp_path / "trace.log"
    ws = workspace
    ws.env = {**spacelift_env, **values(), "TF_LOG": "trace", "TF_LOG_PATH": str(log)}
    ws.write(config())
    ws.apply()
    cfg = spacelift.contexts[CTX]["config"]
    assert cfg["DB_PASSWORD"]["writeOnly"] is True and cfg["DB_PASSWORD"]["checksum"] == sha(SECRET)
    assert cfg["API_TOKEN"]["checksum"] == sha(TOKEN)
    assert cfg["keys/deploy.pem"]["type"] == "FILE_MOUNT" and cfg["keys/deploy.pem"]["writeOnly"] is True
    assert cfg["keys/deploy.pem"]["checksum"] == sha(b64(FILE_SECRET))
    s = ws.resource(ADDR)
    assert s["secret_environment_wo"] is None and s["mounted_files_wo"] is None
    assert s["secret_environment_status"] == {"API_TOKEN": "in-sync", "DB_PASSWORD": "in-sync"}
    assert s["mounted_files_status"] == {"./keys/deploy.pem": "in-sync"}
    assert_no_secret(state_text(ws), "the state after apply")

    plan = ws.plan("-out=tfplan")
    assert plan.code == 0, plan.output
    shown = ws.run("show", "-json", "tfplan").stdout
    assert json.loads(shown)["resource_changes"][0]["change"]["actions"] == ["no-op"]
    assert_no_secret(shown, "the plan file")
    with zipfile.ZipFile(ws.dir / "tfplan") as plan_file:
        for member in plan_file.namelist():
            assert_no_secret(plan_file.read(member).decode("latin-1"), f"the plan file's {member}")

    ws.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert_no_secret(state_text(ws), "the state after refresh")
    ws.destroy()
    assert spacelift.contexts == {}
    assert_no_secret(state_text(ws), "the state after destroy")
    text = log.read_text()
    assert "[TRACE]" in text and "spacelift_operation=" in text, "the log is not a trace of the provider's calls"
    assert_no_secret(text, "the TRACE log")


def test_drift_secret_changed_repaired_and_version_rewrites(workspace, spacelift_env, spacelift, tmp_path):
    """A secret changed or deleted in Spacelift shows as drift on its own
    name; the apply repairs exactly that; an unchanged configuration plans
    empty; bumping the version rewrites the values still in sync; a map
    unknown until apply (another resource's output) on an update applies
    cleanly. The TRACE log of the drift plans and repairs holds no secret."""
    log = tmp_path / "trace.log"
    trace = {"TF_LOG": "trace", "TF_LOG_PATH": str(log)}
    ws = workspace
    ws.env = {**spacelift_env, **values(), **trace}
    ws.write(config(secrets_version=1))
    ws.apply_clean()
    spacelift.set_config(CTX, "DB_PASSWORD", "changed-in-the-ui", write_only=True)
    spacelift.set_config(CTX, "keys/deploy.pem", b64("other"), write_only=True, kind="FILE_MOUNT")
    plan = ws.assert_plan_changes('~ "DB_PASSWORD" = "in-sync" -> (known after apply)',
                                  '~ "./keys/deploy.pem" = "in-sync" -> (known after apply)')
    assert 'secret_environment_wo["DB_PASSWORD"], mounted_files_wo["./keys/deploy.pem"]' in " ".join(plan.output.split())
    assert '"API_TOKEN" = "in-sync" -> (known' not in plan.stdout, plan.stdout
    assert "changed-in-the-ui" not in plan.output
    # Deleted out of band: the refresh sees it missing.
    del spacelift.contexts[CTX]["config"]["API_TOKEN"]
    ws.assert_plan_changes('~ "API_TOKEN" = "missing" -> (known after apply)')
    spacelift.reset_counts()
    ws.apply_clean()
    assert spacelift.calls["contextConfigAdd"] == 3, dict(spacelift.calls)
    cfg = spacelift.contexts[CTX]["config"]
    assert cfg["DB_PASSWORD"]["checksum"] == sha(SECRET) and cfg["keys/deploy.pem"]["checksum"] == sha(b64(FILE_SECRET))
    assert cfg["API_TOKEN"]["checksum"] == sha(TOKEN)

    # A changed value in the configuration is found the same way; a version bump rewrites all.
    ws.env = {**spacelift_env, **values(api="rotated"), **trace}
    ws.write(config(secrets_version=2))
    ws.assert_plan_changes("~ secret_environment_wo_version = 1 -> 2",
                           '~ "API_TOKEN" = "in-sync" -> (known after apply)',
                           '~ "DB_PASSWORD" = "in-sync" -> (known after apply)')
    spacelift.reset_counts()
    ws.apply_clean()
    assert spacelift.calls["contextConfigAdd"] == 2, dict(spacelift.calls)
    assert spacelift.contexts[CTX]["config"]["API_TOKEN"]["checksum"] == sha("rotated")

    # The whole map unknown at plan (merged with an output known only after apply): the status
    # map is planned unknown (a known one would miss the new name: "inconsistent final plan");
    # the apply's final plan knows the values and writes only the new name.
    extra = block("resource", "terraform_data", "extra", input={"EXTRA_NAME": "not-a-secret-extra"})
    merged = Raw("merge({ DB_PASSWORD = var.db_password, API_TOKEN = var.api_token }, terraform_data.extra.output)")
    ws.write(config(secrets=merged, secrets_version=2) + extra)
    spacelift.reset_counts()
    ws.apply_clean()
    assert spacelift.calls["contextConfigAdd"] == 1, dict(spacelift.calls)
    assert ws.resource(ADDR)["secret_environment_status"] == {
        "API_TOKEN": "in-sync", "DB_PASSWORD": "in-sync", "EXTRA_NAME": "in-sync"}
    assert spacelift.contexts[CTX]["config"]["EXTRA_NAME"]["checksum"] == sha("not-a-secret-extra")
    text = log.read_text()
    assert "[TRACE]" in text and "spacelift_operation=" in text, "the log is not a trace of the provider's calls"
    assert_no_secret(text, "the TRACE log of the drift plans and repairs")
    ws.env = {**spacelift_env, **values(api="rotated")}  # the plain forms below put the values in state

    # From the plain forms to the write-only ones and back, without writing what is in sync.
    ws.write(config(secrets=None, files=None, secrets_version=2, secret_environment={"DB_PASSWORD": SECRET, "API_TOKEN": "rotated"},
                    mounted_files={"./keys/deploy.pem": {"content": FILE_SECRET, "secret": True}}))
    ws.apply()
    ws.write(config(secrets_version=2))
    spacelift.reset_counts()
    ws.apply_clean()
    assert spacelift.calls["contextConfigAdd"] == 0 and spacelift.calls["contextConfigDelete"] == 0, dict(spacelift.calls)
    assert set(spacelift.contexts[CTX]["config"]) == {"CLUSTER_NAME", "DB_PASSWORD", "API_TOKEN", "keys/deploy.pem"}
    ws.destroy()


def test_bad_input_one_name_in_both_forms(workspace, spacelift_env, spacelift):
    ws = workspace
    ws.env = {**spacelift_env, **values()}
    ws.write(config(secret_environment={"DB_PASSWORD": "plain-form-value"},
                    mounted_files={"keys/deploy.pem": {"content": "x", "secret": True}}))
    result = ws.plan()
    assert result.code == 1, result.output
    out = " ".join(result.output.split())
    assert '`secret_environment_wo["DB_PASSWORD"]`: is also in `secret_environment`' in out, result.output
    assert '`mounted_files_wo["./keys/deploy.pem"]`: is also in `mounted_files`' in out, result.output
    assert "plain-form-value" not in result.output and SECRET not in result.output
    assert spacelift.contexts == {}
