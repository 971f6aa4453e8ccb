"""What every diagnostic looks like, whatever the environment."""
from __future__ import annotations

from platform_acc.hcl import block


def test_no_rust_backtrace_in_diagnostics(workspace, unique):
    """With RUST_BACKTRACE=1 in the environment, tf-provider would append a
    backtrace of about 100 frames to every diagnostic; the provider turns
    library backtraces off."""
    workspace.env = {**workspace.env, "RUST_BACKTRACE": "1"}
    workspace.write('provider "platform" {}\n' + block(
        "resource", "platform_irsa_role", "test", name=f"bt-{unique}",
        oidc_provider_arn="arn:aws:iam::123456789012:role/not-a-provider",
        service_accounts=[{"namespace": "ns", "name": "sa"}]))
    result = workspace.plan()
    assert result.code == 1 and "`oidc_provider_arn`" in result.output, result.output
    for frame in ("std::backtrace", "tf_provider::diagnostics", "rust_begin_unwind", "   0: "):
        assert frame not in result.output, f"a Rust backtrace leaked into the diagnostic:\n{result.output}"
