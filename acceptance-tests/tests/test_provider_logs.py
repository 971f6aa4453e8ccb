"""Provider logs and bounded failures.

- Logs: hclog JSON lines on stderr, which Terraform shows under `TF_LOG` /
  `TF_LOG_PROVIDER` as the provider's own lines, with each API call's
  operation, resource type and duration; never a secret, at any level.
- A misconfigured endpoint that accepts connections and never answers fails
  within the provider's `api_timeout` (2 minutes by default; a unit test in
  provider.rs checks the default reaches every client), naming the endpoint
  and the operation.
"""
from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from platform_acc import aws
from platform_acc.hcl import Raw, block

PROVIDER_LINE = re.compile(r"^\S+ \[(TRACE|DEBUG|INFO|WARN|ERROR)\]\s+provider\.terraform-provider-platform: (.*)$", re.M)
SECRET = "s3cr3t-db-password-value-for-logs"
FILE_SECRET = "-----BEGIN KEY-----\nsecret-file-body-for-logs\n-----END KEY-----\n"
SESSION_TOKEN = "session-token-that-must-never-be-logged"
SECRET_KEY = "secret-access-key-that-must-never-be-logged"


def provider_lines(text: str) -> list[tuple[str, str]]:
    return PROVIDER_LINE.findall(text)


def irsa(oidc_arn: str, name: str) -> str:
    return block("resource", "platform_irsa_role", "test", name=name, oidc_provider_arn=oidc_arn,
                 service_accounts=[{"namespace": "kube-system", "name": "sa"}])


def test_tf_log_provider_debug_shows_each_api_call(workspace, iam, unique):
    arn = aws.create_oidc_provider(iam, f"oidc.eks.us-east-1.amazonaws.com/id/{unique.upper()}")
    workspace.env = {**workspace.env, "TF_LOG_PROVIDER": "debug"}
    workspace.write('provider "platform" {}\n' + irsa(arn, f"logs-{unique}"))
    apply = workspace.apply()
    lines = provider_lines(apply.stderr)
    calls = [msg for level, msg in lines if msg.startswith("AWS API call:")]
    create = [c for c in calls if "aws_operation=CreateRole" in c]
    assert len(create) == 1, "\n".join(calls)
    for field in ("aws_service=IAM", "tf_rpc=ApplyResourceChange", "tf_resource_type=platform_irsa_role",
                  "http_status=200", "outcome=ok", "attempts=1", f"endpoint={workspace.env['AWS_ENDPOINT_URL']}"):
        assert field in create[0], (field, create[0])
    assert re.search(r"duration_ms=\d+", create[0]), create[0]
    # Refreshes are logged with their RPC too.
    refresh = [msg for _, msg in provider_lines(workspace.plan().stderr)]
    assert any("aws_operation=GetRole" in m and "tf_rpc=ReadResource" in m for m in refresh), "\n".join(refresh)
    # A successful run logs no provider error.
    assert not [msg for level, msg in lines if level == "ERROR"], lines
    workspace.destroy()


def whole_platform(network: dict, name: str) -> str:
    cluster = block("resource", "platform_eks_cluster", "main", name=name, subnet_ids=network["subnet_ids"],
                    version="1.34", create_oidc_provider=True,
                    oidc_thumbprints=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])
    node_group = block("resource", "platform_eks_node_group", "workers", name="workers",
                       cluster_name=Raw("platform_eks_cluster.main.name"), subnet_ids=network["subnet_ids"],
                       nested=("  scaling {\n    min = 1\n    max = 2\n  }\n",))
    auth = block("data", "platform_eks_cluster_auth", "main", cluster_name=Raw("platform_eks_cluster.main.name"))
    irsa_role = irsa(Raw("platform_eks_cluster.main.oidc_provider_arn"), f"{name}-csi")
    context = block("resource", "platform_spacelift_context", "platform", name=f"{name} outputs",
                    environment={"CLUSTER_NAME": Raw("platform_eks_cluster.main.name")},
                    secret_environment={"DB_PASSWORD": SECRET, "KUBE_TOKEN": Raw("data.platform_eks_cluster_auth.main.token")},
                    mounted_files={"keys/deploy.pem": {"content": FILE_SECRET, "secret": True}})
    output = 'output "token" {\n  value     = data.platform_eks_cluster_auth.main.token\n  sensitive = true\n}\n'
    return 'provider "platform" {}\n' + cluster + node_group + auth + irsa_role + context + output


def test_no_secret_in_logs_of_a_whole_eks_and_spacelift_run_at_trace(workspace, spacelift_env, spacelift, network,
                                                                       unique, tmp_path):
    """Apply, plan and destroy of a cluster (created role, key, OIDC provider), a
    node group, an IRSA role, an EKS token and a Spacelift context holding
    secrets, with TF_LOG=trace and TF_LOG_PROVIDER=trace, and the plugin's own
    PLUGIN_LOG_FILE: no secret value, credential, Spacelift token or EKS token
    appears in any of it."""
    plugin_log = tmp_path / "plugin.log"
    workspace.env = {**spacelift_env, "TF_LOG": "trace", "TF_LOG_PROVIDER": "trace",
                     "PLUGIN_LOG_FILE": str(plugin_log),
                     "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_SESSION_TOKEN": SESSION_TOKEN}
    workspace.write(whole_platform(network, f"logs-{unique}"))
    logs = []
    apply = workspace.apply()
    logs.append(apply.output + plugin_log.read_text())
    token = workspace.outputs()["token"]
    plan = workspace.plan()
    logs.append(plan.output + plugin_log.read_text())
    destroy = workspace.destroy()
    logs.append(destroy.output + plugin_log.read_text())
    text = "\n".join(logs)
    lines = provider_lines(text)
    assert any("aws_operation=CreateCluster" in msg for _, msg in lines), "no CreateCluster line at trace"
    assert any("spacelift_operation=" in msg for _, msg in lines), "no Spacelift call line at trace"
    import base64
    secrets = [SECRET, FILE_SECRET.strip(), "secret-file-body-for-logs",
               base64.b64encode(FILE_SECRET.encode()).decode(), SESSION_TOKEN, SECRET_KEY,
               "test-key-secret-do-not-log", token, token[len("k8s-aws-v1."):][:40], *spacelift.issued_tokens]
    for secret in secrets:
        assert secret not in text, f"a secret leaked into the logs: {secret[:12]}..."
    # Every EKS token the runs made (one per run) is absent, not only the last.
    assert "k8s-aws-v1." not in text


class BlackHole:
    """A TCP server that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def black_hole():
    hole = BlackHole()
    yield hole
    hole.close()


def test_an_endpoint_that_never_answers_fails_within_api_timeout_naming_it(workspace, black_hole, unique):
    workspace.write(f'''
provider "platform" {{
  api_timeout = "3s"
  endpoints {{
    iam = "{black_hole.url}"
  }}
}}
''' + irsa("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC", f"hole-{unique}"))
    started = time.monotonic()
    result = workspace.apply(check=False)
    elapsed = time.monotonic() - started
    assert result.code == 1, result.output
    assert f"no answer from {black_hole.url} within 3s" in result.output, result.output
    assert re.search(r"(GetRole|GetOpenIDConnectProvider|CreateRole|ListRoles)\w*: no answer", result.output), result.output
    # Each call is bounded by 3 s; a few calls at most before the failure.
    assert elapsed < 60, f"took {elapsed:.0f}s"


def test_a_spacelift_endpoint_that_never_answers_fails_within_api_timeout_naming_it(workspace, tf_env, black_hole):
    workspace.env = {**tf_env, "SPACELIFT_API_KEY_ENDPOINT": black_hole.url, "SPACELIFT_API_KEY_ID": "01KEY",
                     "SPACELIFT_API_KEY_SECRET": "secret"}
    workspace.write('provider "platform" {\n  api_timeout = "3s"\n}\n'
                    + block("resource", "platform_spacelift_context", "test", name="never answered"))
    started = time.monotonic()
    result = workspace.apply(check=False)
    elapsed = time.monotonic() - started
    assert result.code == 1, result.output
    assert f"Spacelift did not answer `apiKeyUser` at {black_hole.url} within 3s" in result.output, result.output
    assert elapsed < 60, f"took {elapsed:.0f}s"


BAD_INPUT = [
    ('  api_timeout = "2h"\n', "`api_timeout`", "must be between 1s and 1h"),
    ('  api_timeout = "soon"\n', "`api_timeout`", "duration"),
    ('  api_timeout = "99999999999999999999h"\n', "`api_timeout`", "must be between 1s and 1h"),
]


@pytest.mark.parametrize("body,path,rule", BAD_INPUT, ids=["too-long", "not-a-duration", "huge"])
def test_bad_input(workspace, body, path, rule):
    workspace.write('provider "platform" {\n' + body + '}\n'
                    + block("data", "platform_eks_cluster_auth", "main", cluster_name="any"))
    result = workspace.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output
