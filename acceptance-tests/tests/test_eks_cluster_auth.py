"""Data source `platform_eks_cluster_auth`: the token is what `aws eks get-token` makes."""
from __future__ import annotations

import base64
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


def test_token(workspace):
    workspace.write(CONFIG)
    apply = workspace.apply()
    token = workspace.outputs()["token"]
    assert token not in apply.output, "the token is sensitive"
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


def test_bad_cluster_name(workspace):
    workspace.write(CONFIG.replace('"platform-main"', '"bad name!"'))
    result = workspace.plan()
    assert result.code == 1 and "`cluster_name`: must be an EKS cluster name" in result.output
