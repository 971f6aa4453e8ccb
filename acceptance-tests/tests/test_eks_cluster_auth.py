"""`platform_eks_cluster_auth`, data source and ephemeral resource: the token
is what `aws eks get-token` makes."""
from __future__ import annotations

import base64
import datetime
import json
import re
import urllib.parse

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from platform_acc import aws

CONFIG = '''
provider "platform" {}

data "platform_eks_cluster_auth" "main" {
  cluster_name = "platform-main"
}

output "token" {
  value     = data.platform_eks_cluster_auth.main.token
  sensitive = true
}
'''


def decode(token: str) -> str:
    assert token.startswith("k8s-aws-v1."), token[:20]
    encoded = token[len("k8s-aws-v1."):]
    assert "=" not in encoded, "base64url without padding, as aws-iam-authenticator expects"
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def check_token(token: str) -> None:
    """The token is a presigned GetCallerIdentity URL for `platform-main`
    whose SigV4 signature botocore recomputes to the byte."""
    url = decode(token)
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert parts.scheme == "https" and parts.netloc == f"sts.{aws.REGION}.amazonaws.com" and parts.path == "/"
    assert query["Action"] == "GetCallerIdentity" and query["Version"] == "2011-06-15"
    assert query["X-Amz-Expires"] == "60"
    assert query["X-Amz-SignedHeaders"] == "host;x-k8s-aws-id"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Credential"].startswith("testing/") and query["X-Amz-Credential"].endswith(f"/{aws.REGION}/sts/aws4_request")

    # Recompute the signature with botocore, AWS's reference SigV4 implementation,
    # at the token's timestamp: it must match to the byte.
    request = AWSRequest(method="GET", url=f"https://sts.{aws.REGION}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
                         headers={"x-k8s-aws-id": "platform-main"})
    request.context["timestamp"] = query["X-Amz-Date"]
    auth = SigV4QueryAuth(Credentials("testing", "testing"), "sts", aws.REGION, expires=60)
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    assert query["X-Amz-Signature"] == expected


def test_token(workspace):
    workspace.write(CONFIG)
    apply = workspace.apply()
    token = workspace.outputs()["token"]
    assert token not in apply.output, "the token is sensitive"
    check_token(token)


EPHEMERAL_CONFIG = '''
provider "platform" {}

ephemeral "platform_eks_cluster_auth" "main" {
  cluster_name = "platform-main"
}

# A provider block configured with the token. Here: a second `platform`
# provider whose assume_role sends it as the ExternalId (through the fault
# proxy, which records what it forwards), as a kubernetes provider block
# would send it as its bearer token.
provider "platform" {
  alias = "deployer"
  assume_role {
    role_arn     = "%(role)s"
    session_name = "acceptance"
    external_id  = ephemeral.platform_eks_cluster_auth.main.token
  }
  endpoints {
    sts = "%(sts)s"
  }
}

resource "platform_irsa_role" "test" {
  provider     = platform.deployer
  name         = "%(name)s"
  pod_identity = true
}
'''


def test_ephemeral_token_to_provider_block(workspace, iam, unique, fault_proxy):
    """The ephemeral token configures a provider block; the second plan is
    empty; each token the provider block received validates (SigV4
    recomputed with botocore); neither the state nor the plan holds one."""
    deployer = iam.create_role(RoleName=f"deployer-{unique}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": aws.ACCOUNT_ID}, "Action": "sts:AssumeRole"}],
    }))["Role"]["Arn"]
    name = f"eph-{unique}"
    workspace.write(EPHEMERAL_CONFIG % {"role": deployer, "sts": fault_proxy.url, "name": name})
    workspace.apply_clean()  # apply, then the second plan is empty
    assert aws.role_exists(iam, name)

    tokens = []
    for body in fault_proxy.bodies.get("AssumeRole", []):
        form = dict(urllib.parse.parse_qsl(body.decode()))
        tokens.append(form["ExternalId"])
    # At least one AssumeRole in the apply and one in the plan, each with the
    # token that run opened (two runs within one second may presign the same
    # URL: X-Amz-Date has whole seconds, so the tokens need not differ).
    assert len(tokens) >= 2, tokens
    for token in set(tokens):
        check_token(token)

    workspace.run("plan", "-no-color", "-input=false", "-out=tfplan")
    shown_plan = workspace.run("show", "-json", "-no-color", "tfplan").stdout
    state = (workspace.dir / "terraform.tfstate").read_text()
    for token in set(tokens):
        signature = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(decode(token)).query))["X-Amz-Signature"]
        for text, where in ((state, "state"), (shown_plan, "plan")):
            assert token not in text and signature not in text, f"a token is in the {where}"
    assert "k8s-aws-v1." not in state and "k8s-aws-v1." not in shown_plan
    workspace.destroy()
    assert not aws.role_exists(iam, name)


def test_bad_cluster_name(workspace):
    workspace.write(CONFIG.replace('"platform-main"', '"bad name!"'))
    result = workspace.plan()
    assert result.code == 1 and "`cluster_name`: must be an EKS cluster name" in result.output


LONG_RUN_CONFIG = EPHEMERAL_CONFIG + '''
# A step that outlives the token: the deployer's first call comes after it.
resource "terraform_data" "wait" {
  provisioner "local-exec" {
    command = "sleep %(sleep)s"
  }
}
'''

PROVIDER_LOG = re.compile(r"^(\S+) \[(TRACE|DEBUG|INFO|WARN|ERROR)\]\s+provider\.terraform-provider-platform: (.*)$", re.M)


def amz_date(token: str) -> datetime.datetime:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(decode(token)).query))
    return datetime.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)


def test_ephemeral_token_renewal_in_a_long_apply(workspace, iam, unique, fault_proxy):
    """With a token lifetime of 2 seconds (the test-only
    PLATFORM_TEST_EKS_TOKEN_LIFETIME_SECONDS) and an apply whose downstream
    call comes 4 seconds after the token was opened: Terraform renews the
    ephemeral resource before the token expires, and the provider logs when
    the token the providers hold expires. The downstream provider block still
    sends the token it was configured with, made before the renewal: Terraform
    cannot hand a configured provider a new value (the documented limit; the
    exec plugin is the way round it)."""
    lifetime = 2
    deployer = iam.create_role(RoleName=f"deployer-{unique}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": aws.ACCOUNT_ID}, "Action": "sts:AssumeRole"}],
    }))["Role"]["Arn"]
    name = f"renew-{unique}"
    config = LONG_RUN_CONFIG % {"role": deployer, "sts": fault_proxy.url, "name": name, "sleep": 2 * lifetime}
    workspace.write(config.replace('pod_identity = true', 'pod_identity = true\n  depends_on   = [terraform_data.wait]'))
    workspace.env = {**workspace.env, "TF_LOG_PROVIDER": "debug", "PLATFORM_TEST_EKS_TOKEN_LIFETIME_SECONDS": str(lifetime)}
    apply = workspace.apply()
    assert aws.role_exists(iam, name)
    lines = PROVIDER_LOG.findall(apply.stderr)
    renewals = [(i, ts) for i, (ts, level, msg) in enumerate(lines)
                if level == "WARN" and "renewing platform_eks_cluster_auth: the token for EKS cluster `platform-main` expires at" in msg
                and "tf_rpc=RenewEphemeralResource" in msg]
    assert renewals, "no renewal logged:\n" + "\n".join(m for _, _, m in lines)
    first_renewal = renewals[0][0]
    # The downstream provider's first call of the apply comes after the renewal...
    assume = [i for i, (_, _, msg) in enumerate(lines) if "aws_operation=AssumeRole" in msg]
    assert assume and assume[-1] > first_renewal, "\n".join(m for _, _, m in lines)
    # ...more than the token's lifetime after the token it carries was made:
    # the token the provider block was configured with, not a renewed one.
    tokens = [dict(urllib.parse.parse_qsl(b.decode()))["ExternalId"] for b in fault_proxy.bodies["AssumeRole"]]
    last = tokens[-1]
    check_token(last)
    called = datetime.datetime.fromisoformat(lines[assume[-1]][0].replace("Z", "+00:00"))
    assert (called - amz_date(last)).total_seconds() > lifetime, (called, amz_date(last))
    assert "invalid result object" not in apply.output and "inconsistent result" not in apply.output
    workspace.env = {k: v for k, v in workspace.env.items() if k != "TF_LOG_PROVIDER"}
    workspace.destroy()
    assert not aws.role_exists(iam, name)
