"""What every diagnostic looks like, whatever the environment."""
from __future__ import annotations

from platform_acc import aws
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


FORBIDDEN_PAGE = (b"<html>\n<head><title>403 Forbidden</title></head>\n"
                  b"<body><h1>Forbidden</h1><p>Request blocked by the egress proxy.</p></body>\n</html>\n")


def test_bad_answer_from_something_other_than_aws(workspace, iam, unique, fault_proxy):
    """A 403 with an HTML page (a proxy or firewall in front of AWS, no AWS
    error in it): the error names the operation, the HTTP status and the
    endpoint, with the page's first characters, never the SDK's "unhandled
    error" / `Error { .. aws_request_id .. }`; nothing is made, nothing is
    recorded, and the next apply (the proxy out of the way) makes exactly one
    role."""
    name = f"foreign-{unique}"
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url}
    workspace.write('provider "platform" {}\n' + block(
        "resource", "platform_irsa_role", "test", name=name, pod_identity=True))
    fault_proxy.inject("CreateRole", 403, "", "", mode="foreign", body=FORBIDDEN_PAGE)
    result = workspace.apply(check=False)
    out = result.output
    assert result.code == 1, out
    flat = " ".join(line.strip().lstrip("│").strip() for line in out.splitlines())
    expected = (f"CreateRole: HTTP 403 from {fault_proxy.url}, an answer that is not an AWS error "
                f'(text/html, {len(FORBIDDEN_PAGE)} bytes: "<html> <head><title>403 Forbidden</title></head> '
                "<body><h1>Forbidden</h1><p>Request blocked by the egress proxy.</p></body> </html>\"): "
                "check the endpoint, and any proxy or firewall between the provider and AWS")
    assert expected in flat, out
    for noise in ("unhandled error", "aws_request_id", "Error {", "invalid result object", "inconsistent result"):
        assert noise not in out, f"{noise!r} in:\n{out}"
    assert fault_proxy.injected["CreateRole"] == 1
    assert not aws.role_exists(iam, name)
    assert workspace.resources() == []
    workspace.apply_clean()
    assert fault_proxy.calls["CreateRole"] == 2
    assert aws.role_exists(iam, name)
    workspace.destroy_and_check_gone({"role": lambda: not aws.role_exists(iam, name)})
