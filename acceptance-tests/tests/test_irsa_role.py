"""Acceptance cases for `platform_irsa_role`, against real Terraform and the emulator."""
from __future__ import annotations

import json
import re
import urllib.parse

import pytest

from platform_acc import aws
from platform_acc.hcl import Raw, block

ADDR = "platform_irsa_role.test"
S3_READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


@pytest.fixture
def oidc(iam, unique):
    """An OIDC provider in the emulator; returns (arn, issuer)."""
    issuer = f"oidc.eks.us-east-1.amazonaws.com/id/{unique.upper()}"
    return aws.create_oidc_provider(iam, issuer), issuer


def policy_arn(iam, name: str) -> str:
    return iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(S3_READ))["Policy"]["Arn"]


def config(oidc_arn: str, provider: str = 'provider "platform" {}\n', **attrs) -> str:
    attrs.setdefault("oidc_provider_arn", oidc_arn)
    attrs.setdefault("service_accounts", [{"namespace": "kube-system", "name": "ebs-csi-controller-sa"}])
    return provider + block("resource", "platform_irsa_role", "test", **attrs)


def trust(iam, name: str) -> dict:
    doc = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    return doc if isinstance(doc, dict) else json.loads(urllib.parse.unquote(doc))


def inline_names(iam, name: str) -> set[str]:
    return set(iam.list_role_policies(RoleName=name)["PolicyNames"])


def attached(iam, name: str) -> set[str]:
    return {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]}


OWNER_TAG = "platform:owner"


def remote_tags(iam, name: str) -> dict[str, str]:
    """The role's tags but the owner marker the create put on it (checked in test_basic)."""
    return {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"] if t["Key"] != OWNER_TAG}


def destroy_and_check_gone(ws, iam, *names: str):
    ws.destroy_and_check_gone({f"role {name}": lambda name=name: not aws.role_exists(iam, name) for name in names})


def test_basic(workspace, iam, oidc, unique):
    arn, issuer = oidc
    name = f"basic-{unique}"
    workspace.write(config(arn, name=name, description="EBS CSI",
                           inline_policies={"s3": Raw(f"jsonencode({json.dumps(S3_READ)})")},
                           policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                           tags={"component": "ebs-csi"}))
    workspace.apply_clean()

    state = workspace.resource(ADDR)
    assert state["id"] == name and state["name"] == name
    assert state["arn"] == f"arn:aws:iam::{aws.ACCOUNT_ID}:role/{name}"
    assert state["unique_id"].startswith("AROA")
    assert state["path"] == "/" and state["audience"] == "sts.amazonaws.com"
    assert state["max_session_duration"] == 3600
    assert state["service_account_annotations"] == {"eks.amazonaws.com/role-arn": state["arn"]}
    assert state["tags_all"] == {"component": "ebs-csi"}

    # The trust policy pins both :sub and :aud, in one statement.
    doc = trust(iam, name)
    assert len(doc["Statement"]) == 1
    stmt = doc["Statement"][0]
    assert stmt["Principal"] == {"Federated": arn}
    assert stmt["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert stmt["Condition"] == {"StringEquals": {
        f"{issuer}:aud": "sts.amazonaws.com",
        f"{issuer}:sub": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
    }}
    assert json.loads(state["trust_policy"]) == doc
    role = iam.get_role(RoleName=name)["Role"]
    assert role["Description"] == "EBS CSI"
    assert inline_names(iam, name) == {"s3"}
    assert attached(iam, name) == {"arn:aws:iam::aws:policy/ReadOnlyAccess"}
    assert remote_tags(iam, name) == {"component": "ebs-csi"}
    # The owner marker of the create that made it: 32 hex digits, never in state.
    marker = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}[OWNER_TAG]
    assert len(marker) == 32 and OWNER_TAG not in state["tags_all"]

    destroy_and_check_gone(workspace, iam, name)


def test_update(workspace, iam, oidc, unique):
    arn, issuer = oidc
    name = f"update-{unique}"
    first, second = policy_arn(iam, f"first-{unique}"), policy_arn(iam, f"second-{unique}")
    workspace.write(config(arn, name=name, policy_arns=[first],
                           inline_policies={"a": json.dumps(S3_READ)}, tags={"k": "v1", "gone": "x"}))
    workspace.apply_clean()
    unique_id = workspace.resource(ADDR)["unique_id"]

    # Add an exact and a wildcard service account, swap policies, change tags,
    # description and session length: all in place.
    s3_write = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}
    workspace.write(config(
        arn, name=name, description="now described", max_session_duration=7200, permissions_boundary=second,
        service_accounts=[{"namespace": "kube-system", "name": "ebs-csi-controller-sa"},
                          {"namespace": "monitoring", "name": "prometheus"},
                          {"namespace": "ci", "name": "runner-*"}],
        policy_arns=[second],
        inline_policies={"a": json.dumps(s3_write), "b": json.dumps(S3_READ)},
        tags={"k": "v2", "new": "y"}))
    plan = workspace.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()

    state = workspace.resource(ADDR)
    assert state["unique_id"] == unique_id, "an in-place update replaced the role"
    doc = trust(iam, name)
    assert len(doc["Statement"]) == 2, "exact and wildcard subjects need one statement each"
    exact = next(s for s in doc["Statement"] if "StringLike" not in s["Condition"])
    like = next(s for s in doc["Statement"] if "StringLike" in s["Condition"])
    assert sorted(exact["Condition"]["StringEquals"][f"{issuer}:sub"]) == [
        "system:serviceaccount:kube-system:ebs-csi-controller-sa", "system:serviceaccount:monitoring:prometheus"]
    assert like["Condition"]["StringLike"] == {f"{issuer}:sub": "system:serviceaccount:ci:runner-*"}
    assert like["Condition"]["StringEquals"] == {f"{issuer}:aud": "sts.amazonaws.com"}
    role = iam.get_role(RoleName=name)["Role"]
    assert role["Description"] == "now described" and role["MaxSessionDuration"] == 7200
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == second
    assert attached(iam, name) == {second}
    assert inline_names(iam, name) == {"a", "b"}
    assert json.loads(urllib.parse.unquote(iam.get_role_policy(RoleName=name, PolicyName="a")["PolicyDocument"])
                      if isinstance(iam.get_role_policy(RoleName=name, PolicyName="a")["PolicyDocument"], str)
                      else json.dumps(iam.get_role_policy(RoleName=name, PolicyName="a")["PolicyDocument"])) == s3_write
    assert remote_tags(iam, name) == {"k": "v2", "new": "y"}

    # Removing optional settings clears them remotely.
    workspace.write(config(arn, name=name))
    workspace.apply_clean()
    assert attached(iam, name) == set() and inline_names(iam, name) == set() and remote_tags(iam, name) == {}
    assert "PermissionsBoundary" not in iam.get_role(RoleName=name)["Role"]
    assert workspace.resource(ADDR)["unique_id"] == unique_id

    # The path cannot change in place: the role is replaced.
    workspace.write(config(arn, name=name, path="/platform/"))
    workspace.assert_plan_changes("must be replaced", "forces replacement")
    workspace.apply_clean()
    assert iam.get_role(RoleName=name)["Role"]["Path"] == "/platform/"
    assert workspace.resource(ADDR)["unique_id"] != unique_id

    destroy_and_check_gone(workspace, iam, name)


def test_import(workspace, new_workspace, iam, oidc, unique):
    arn, _ = oidc
    name = f"import-{unique}"
    managed = policy_arn(iam, f"imp-{unique}")
    cfg = config(arn, name=name, path="/irsa/", description="imported", max_session_duration=7200,
                 service_accounts=[{"namespace": "a", "name": "b"}, {"namespace": "team-*", "name": "runner"}],
                 policy_arns=[managed], inline_policies={"s3": Raw(f"jsonencode({json.dumps(S3_READ)})")},
                 audience="custom-aud", tags={"k": "v"})
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)

    imported_ws = new_workspace("imported")
    imported_ws.write(cfg)
    imported_ws.import_(ADDR, name)
    imported = imported_ws.resource(ADDR)
    assert imported == created
    # The imported state matches the configuration: nothing to change.
    imported_ws.assert_plan_empty()

    # Importing a role that does not exist is a clear error.
    missing_ws = new_workspace("missing")
    missing_ws.write(cfg)
    result = missing_ws.run("import", "-no-color", ADDR, f"nope-{unique}", check=False)
    assert result.code == 1 and f"importing IAM role `nope-{unique}`: no such role" in result.output

    destroy_and_check_gone(workspace, iam, name)


def test_disappears(workspace, iam, oidc, unique):
    arn, _ = oidc
    name = f"gone-{unique}"
    workspace.write(config(arn, name=name, inline_policies={"s3": json.dumps(S3_READ)},
                           policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"]))
    workspace.apply_clean()
    aws.delete_role(iam, name)

    # Refresh drops it from state without an error; the plan recreates it.
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output
    assert workspace.resources() == []
    workspace.assert_plan_changes(f"{ADDR} will be created")
    workspace.apply_clean()
    assert aws.role_exists(iam, name) and inline_names(iam, name) == {"s3"}

    # Destroy after it disappeared again succeeds too.
    aws.delete_role(iam, name)
    destroy_and_check_gone(workspace, iam, name)


def test_drift_trust_policy(workspace, iam, oidc, unique):
    arn, issuer = oidc
    name = f"drift-trust-{unique}"
    workspace.write(config(arn, name=name))
    workspace.apply_clean()
    desired = trust(iam, name)

    widened = json.loads(json.dumps(desired))
    widened["Statement"][0]["Condition"]["StringEquals"][f"{issuer}:sub"] = [
        "system:serviceaccount:kube-system:ebs-csi-controller-sa", "system:serviceaccount:default:attacker"]
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(widened))

    # The diff is exact: the widened subject list goes back to the one subject.
    plan = workspace.assert_plan_changes(
        "~ trust_policy",
        '- "system:serviceaccount:default:attacker",',
        '] -> "system:serviceaccount:kube-system:ebs-csi-controller-sa"',
    )
    assert "1 to change" in plan.stdout and "must be replaced" not in plan.stdout
    workspace.apply_clean()
    assert trust(iam, name) == desired
    destroy_and_check_gone(workspace, iam, name)


def test_drift_attached_policy(workspace, iam, oidc, unique):
    arn, _ = oidc
    name = f"drift-attached-{unique}"
    mine, extra = policy_arn(iam, f"mine-{unique}"), policy_arn(iam, f"extra-{unique}")
    workspace.write(config(arn, name=name, policy_arns=[mine], tags={"k": "v"},
                           inline_policies={"s3": json.dumps(S3_READ)}))
    workspace.apply_clean()

    iam.attach_role_policy(RoleName=name, PolicyArn=extra)
    plan = workspace.assert_plan_changes("~ policy_arns", f'- "{extra}"')
    assert f'- "{mine}"' not in plan.stdout
    workspace.apply_clean()
    assert attached(iam, name) == {mine}

    # Inline policies and tags drift the same way.
    iam.put_role_policy(RoleName=name, PolicyName="sneaky", PolicyDocument=json.dumps(S3_READ))
    iam.tag_role(RoleName=name, Tags=[{"Key": "k", "Value": "changed"}])
    workspace.assert_plan_changes('- "sneaky"', '~ "k" = "changed" -> "v"')
    workspace.apply_clean()
    assert inline_names(iam, name) == {"s3"} and remote_tags(iam, name) == {"k": "v"}

    # An attribute the configuration leaves at its default drifts too.
    iam.update_role(RoleName=name, MaxSessionDuration=7200, Description="edited")
    workspace.assert_plan_changes("~ max_session_duration = 7200 -> 3600", '- description          = "edited" -> null')
    workspace.apply_clean()
    role = iam.get_role(RoleName=name)["Role"]
    assert role["MaxSessionDuration"] == 3600 and not role.get("Description")
    destroy_and_check_gone(workspace, iam, name)


def test_no_perpetual_diff(workspace, iam, oidc, unique):
    arn, _ = oidc
    name = f"nodiff-{unique}"
    # Hand-written JSON: odd key order, whitespace, a bare Statement object,
    # strings instead of one-element lists, and a boolean condition value.
    heredoc = Raw('''<<-JSON
      {
          "Statement" :
            { "Resource": ["*"],   "Action": "s3:GetObject", "Effect": "Allow",
              "Condition": { "Bool": { "aws:SecureTransport": true } } },
          "Version":"2012-10-17"
      }
    JSON''')
    two = Raw('''jsonencode({
      Version = "2012-10-17"
      Statement = [
        { Effect = "Allow", Action = ["s3:ListBucket"], Resource = "arn:aws:s3:::b" },
        { Effect = "Allow", Action = "s3:GetObject", Resource = ["arn:aws:s3:::b/*"] },
      ]
    })''')
    workspace.write(config(arn, name=name, inline_policies={"heredoc": heredoc, "two": two}))
    workspace.apply_clean()
    # Several refreshes in a row stay clean.
    workspace.assert_plan_empty()
    before = workspace.resource(ADDR)

    # Someone rewrites the documents into equivalent forms: statements reversed,
    # lists for strings, keys reordered, the trust policy's
    # Statement as a bare object. None of this is drift.
    iam.put_role_policy(RoleName=name, PolicyName="two", PolicyDocument=json.dumps({
        "Statement": [
            {"Resource": "arn:aws:s3:::b/*", "Action": ["s3:GetObject"], "Effect": "Allow"},
            {"Resource": ["arn:aws:s3:::b"], "Action": "s3:ListBucket", "Effect": "Allow"},
        ],
        "Version": "2012-10-17",
    }, indent=4))
    stmt = trust(iam, name)["Statement"][0]
    stmt["Action"] = [stmt["Action"]]
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(
        {"Statement": dict(reversed(list(stmt.items()))), "Version": "2012-10-17"}, indent=1))
    workspace.assert_plan_empty()
    # The user's text is kept in state, not the remote rewrite.
    after = workspace.resource(ADDR)
    assert after["inline_policies"] == before["inline_policies"]
    assert after["trust_policy"] == before["trust_policy"]
    destroy_and_check_gone(workspace, iam, name)


def test_default_tags_and_endpoints(workspace, iam, oidc, unique, emulator):
    arn, _ = oidc
    name = f"tags-{unique}"

    def provider(defaults: dict) -> str:
        # The explicit endpoints block is used instead of AWS_ENDPOINT_URL.
        endpoints = block("endpoints", iam=emulator.url, sts=emulator.url)
        return block("provider", "platform", region="us-east-1", default_tags=defaults, nested=(endpoints,))

    # The provider block wins over the environment: AWS_ENDPOINT_URL points nowhere.
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    workspace.write(config(arn, provider=provider({"team": "platform", "env": "dev"}), name=name, tags={"env": "prod"}))
    workspace.apply_clean()
    state = workspace.resource(ADDR)
    assert state["tags"] == {"env": "prod"}
    assert state["tags_all"] == {"team": "platform", "env": "prod"}, "a resource's own tag wins"
    assert remote_tags(iam, name) == {"team": "platform", "env": "prod"}

    workspace.write(config(arn, provider=provider({"team": "platform", "cost-center": "42"}), name=name, tags={"env": "prod"}))
    plan = workspace.assert_plan_changes("~ tags_all", '+ "cost-center" = "42"')
    assert "~ tags " not in plan.stdout
    workspace.apply_clean()
    assert remote_tags(iam, name) == {"team": "platform", "env": "prod", "cost-center": "42"}
    destroy_and_check_gone(workspace, iam, name)


def test_name_prefix(workspace, iam, oidc, unique):
    arn, _ = oidc
    workspace.write(config(arn, name_prefix=f"np-{unique}-"))
    workspace.apply_clean()
    name = workspace.resource(ADDR)["name"]
    assert name.startswith(f"np-{unique}-") and len(name) == len(f"np-{unique}-") + 26
    assert aws.role_exists(iam, name)

    workspace.write(config(arn, name_prefix=f"np2-{unique}-"))
    workspace.assert_plan_changes("must be replaced")
    workspace.apply_clean()
    new_name = workspace.resource(ADDR)["name"]
    assert new_name.startswith(f"np2-{unique}-") and not aws.role_exists(iam, name)
    destroy_and_check_gone(workspace, iam, new_name)


def test_partial_create_leaves_no_orphan(workspace, iam, oidc, unique):
    arn, _ = oidc
    name = f"partial-{unique}"
    missing = f"arn:aws:iam::{aws.ACCOUNT_ID}:policy/does-not-exist-{unique}"
    workspace.write(config(arn, name=name, policy_arns=[missing], inline_policies={"s3": json.dumps(S3_READ)}))
    result = workspace.apply(check=False)
    assert result.code == 1
    assert f"attaching policy `{missing}` to IAM role `{name}`" in result.output
    # The role exists, and state knows it (tainted), so nothing is orphaned.
    assert aws.role_exists(iam, name)
    assert workspace.resources() == [ADDR]
    assert "tainted" in workspace.run("show", "-no-color").stdout

    # Fixing the configuration converges: the tainted role is replaced.
    workspace.write(config(arn, name=name, inline_policies={"s3": json.dumps(S3_READ)}))
    workspace.assert_plan_changes("is tainted, so must be replaced")
    workspace.apply_clean()
    destroy_and_check_gone(workspace, iam, name)


def test_destroy_removes_out_of_band_policies(workspace, iam, oidc, unique):
    arn, _ = oidc
    name = f"cleanup-{unique}"
    workspace.write(config(arn, name=name))
    workspace.apply_clean()
    # Someone attaches things by hand; destroy must still remove the role.
    iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn(iam, f"hand-{unique}"))
    iam.put_role_policy(RoleName=name, PolicyName="hand", PolicyDocument=json.dumps(S3_READ))
    destroy_and_check_gone(workspace, iam, name)


def test_provider_without_region(workspace, oidc, unique):
    arn, _ = oidc
    workspace.env = {k: v for k, v in workspace.env.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    workspace.write(config(arn, name=f"noregion-{unique}"))
    result = workspace.plan()
    assert result.code == 1
    assert "no AWS region: set `region` in the provider block or AWS_REGION" in result.output
    assert result.output.count("no AWS region") == 1, "one clear diagnostic"


BAD_INPUT = [
    # (attributes, expected attribute path, expected rule)
    ({"service_accounts": [{"namespace": "Kube-System", "name": "x"}]}, "`service_accounts[0].namespace`", "DNS-1123 label"),
    ({"service_accounts": [{"namespace": "ok", "name": "ok"}, {"namespace": "ok", "name": "bad_name"}]}, "`service_accounts[1].name`", "DNS-1123 subdomain"),
    ({"service_accounts": []}, "`service_accounts`", "at least one"),
    ({"service_accounts": [{"namespace": "ns", "name": Raw("null")}]}, "`service_accounts[0].name`", "must be set"),
    ({"service_accounts": [{"namespace": "a", "name": "b"}, {"namespace": "a", "name": "b"}]}, "`service_accounts[1]`",
     "is listed twice (also at index 0)"),
    ({"oidc_provider_arn": "oidc.eks.us-east-1.amazonaws.com/id/X"}, "`oidc_provider_arn`", "IAM OIDC provider ARN"),
    ({"oidc_provider_arn": "arn:aws:iam::123456789012:role/not-a-provider"}, "`oidc_provider_arn`", "IAM OIDC provider ARN"),
    ({"inline_policies": {"p": Raw('<<-JSON\n{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}\nJSON')}},
     '`inline_policies["p"]`', "syntax error at line 3, column"),
    ({"inline_policies": {"bad name": "{}"}}, '`inline_policies["bad name"]`', "IAM policy name"),
    ({"inline_policies": {"platform-mine": "{}"}}, '`inline_policies["platform-mine"]`', "reserved for policies other platform_* resources"),
    ({"name": "r" * 65}, "`name`", "1 to 64 characters"),
    ({"name": "has space"}, "`name`", "1 to 64 characters"),
    ({"name": "x", "name_prefix": "y"}, "`name_prefix`", "conflicts with `name`"),
    ({"name_prefix": "p" * 39}, "`name_prefix`", "IAM role name prefix"),
    ({"max_session_duration": 60}, "`max_session_duration`", "between 3600 and 43200"),
    ({"max_session_duration": 43201}, "`max_session_duration`", "between 3600 and 43200"),
    ({"path": "platform"}, "`path`", "begins and ends with '/'"),
    ({"policy_arns": ["ReadOnlyAccess"]}, "`policy_arns`", "IAM policy ARN"),
    ({"permissions_boundary": "arn:aws:iam::123456789012:role/x"}, "`permissions_boundary`", "IAM policy ARN"),
    ({"tags": {"aws:reserved": "x"}}, '`tags["aws:reserved"]`', "must not start with"),
    ({"tags": {"platform:owner": "x"}}, '`tags["platform:owner"]`', "this provider reserves for its own tags"),
    ({"oidc_provider_arn": Raw("null"), "service_accounts": Raw("null")}, "`pod_identity`",
     "a role must serve IRSA or EKS Pod Identity: set `oidc_provider_arn` and `service_accounts` (IRSA), or `pod_identity = true`, or both"),
    ({"service_accounts": Raw("null"), "pod_identity": True}, "`service_accounts`", "must be set with `oidc_provider_arn`"),
    ({"oidc_provider_arn": "arn:aws-:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X"},
     "`oidc_provider_arn`", 'names the partition "aws-", which does not exist'),
    ({"audience": ""}, "`audience`", "must not be empty"),
    ({"description": "d" * 1001}, "`description`", "must be at most 1000 characters"),
    # IAM's policy grammar, with the statement index.
    ({"inline_policies": {"p": json.dumps({"Version": "2012-10-17"})}}, '`inline_policies["p"]`',
     'must have a "Statement"'),
    ({"inline_policies": {"p": json.dumps({"Version": "2012-10-18", "Statement": [S3_READ["Statement"][0]]})}},
     '`inline_policies["p"]`', '"Version" must be "2012-10-17" (or the older "2008-10-17")'),
    ({"inline_policies": {"p": json.dumps({"Statement": [S3_READ["Statement"][0],
                                                         {"Effect": "Permit", "Action": "s3:*", "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'Statement[1]: "Effect" must be "Allow" or "Deny", got "Permit"'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*",
                                                          "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'Statement[0]: must have exactly one of "Action" and "NotAction"'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]})}},
     '`inline_policies["p"]`', 'Statement[0]: must have exactly one of "Resource" and "NotResource"'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                                          "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'an identity policy must not have "Principal"'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                          "Effects": "Allow"}]})}},
     '`inline_policies["p"]`', 'Statement[0]: unknown element "Effects"'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]})}},
     '`inline_policies["p"]`', '"Action" must be a non-empty string or a non-empty list of strings'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                          "Condition": {"StringEquals": "x"}}]})}},
     '`inline_policies["p"]`', '"Condition" must map operators'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                          "Resource": "arn:aws:s3:::\u2713"}]}, ensure_ascii=False)}},
     '`inline_policies["p"]`', "policy documents may contain only tab, line feed, carriage return and the characters U+0020 to U+00FF"),
    # Refused by IAM at PutRolePolicy (after CreateRole): caught at plan time, with the statement index.
    ({"inline_policies": {"p": json.dumps({"Statement": [S3_READ["Statement"][0],
                                                         {"Effect": "allow", "Action": "s3:*", "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'Statement[1]: "Effect" must be "Allow" or "Deny", got "allow": the value is case-sensitive'),
    ({"inline_policies": {"p": json.dumps({"Version": "2012-10-17", "Statement": []})}},
     '`inline_policies["p"]`', '"Statement" must not be an empty list'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'Statement[0]: "Action" values must be "*" or prefixed by a service, as in "s3:GetObject", got "GetObject"'),
    ({"inline_policies": {"p": json.dumps({"Statement": [S3_READ["Statement"][0],
                                                         {"Effect": "Allow", "Action": "s3:Get:Object", "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'Statement[1]: "Action" values may contain only one colon'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Deny", "NotAction": "s3 :Get*", "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'Statement[0]: "NotAction" values must start with a service prefix'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:", "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'Statement[0]: "Action" values must name an action after the colon'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "mybucket"}]})}},
     '`inline_policies["p"]`', 'Statement[0]: "Resource" values must be "*" or an ARN'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Deny", "Action": "s3:*",
                                                          "NotResource": ["arn:aws:s3:::ok", "arn:aws-:s3:::b"]}]})}},
     '`inline_policies["p"]`', 'Statement[0]: "NotResource" values must name an existing partition'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s*:::b"}]})}},
     '`inline_policies["p"]`', 'Statement[0]: "Resource" values must name the service in full'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                                                         {"Sid": "A", "Effect": "Deny", "Action": "iam:*", "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'Statement[1]: "Sid" "A" is already used by Statement[0]: statement IDs must be unique within a policy'),
    ({"inline_policies": {"p": json.dumps({"Statement": [{"Sid": "read all", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})}},
     '`inline_policies["p"]`', 'Statement[0]: "Sid" may contain only the ASCII letters A-Z and a-z and the digits 0-9 in an IAM policy'),
    # The aggregate size of a role's inline policies (white space not counted): two of 6,000.
    ({"inline_policies": {name: json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                          "Resource": [f"arn:aws:s3:::bucket-{i:04}/*" for i in range(220)]}]})
                          for name in ("a", "b")}},
     "`inline_policies`", "the inline policies of a role may total at most 10,240 characters (white space not counted)"),
    # The trust policy past the most its quota can be raised to.
    ({"service_accounts": [{"namespace": "namespace", "name": f"service-account-{i:04}"} for i in range(200)]},
     "`service_accounts`", "IAM allows at most 8,192 even with a raised quota"),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, iam, oidc, unique, attrs, path, rule):
    arn, _ = oidc
    attrs = dict(attrs)
    if "name_prefix" not in attrs:
        attrs.setdefault("name", f"bad-{unique}")
    workspace.write(config(arn, **attrs))
    result = workspace.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output
    assert not aws.role_exists(iam, f"bad-{unique}")


def test_bad_input_trust_policy_over_the_default_quota_warns(workspace, iam, oidc, unique):
    """Past 2,048 characters the plan goes through with a warning that names
    the Service Quotas quota to raise; the apply would fail at its default."""
    arn, _ = oidc
    accounts = [{"namespace": "namespace", "name": f"service-account-{i:04}"} for i in range(40)]
    workspace.write(config(arn, name=f"bigtrust-{unique}", service_accounts=accounts))
    result = workspace.plan()
    assert result.code == 2, result.output
    flat = " ".join(result.output.split())
    assert "Warning: `service_accounts`: the trust policy built from these service accounts is" in flat, flat
    assert "over IAM's default quota of 2,048" in flat
    assert 'Service Quotas (IAM, "Role trust policy length", up to 8,192)' in flat


def test_import_keeps_the_configured_order_of_exact_and_wildcard_subjects(workspace, new_workspace, iam, oidc, unique):
    """A configuration that lists a wildcard subject before the exact ones: the
    role imported from it reads its subjects back in that order, so the plan
    after the import is empty (the trust policy's statements follow the kinds'
    order)."""
    arn, _ = oidc
    name = f"order-{unique}"
    cfg = config(arn, name=name, service_accounts=[{"namespace": "team-*", "name": "runner"},
                                                   {"namespace": "a", "name": "b"},
                                                   {"namespace": "c", "name": "d"}])
    workspace.write(cfg)
    workspace.apply_clean()
    imported_ws = new_workspace("imported")
    imported_ws.write(cfg)
    imported_ws.import_(ADDR, name)
    assert imported_ws.resource(ADDR)["service_accounts"] == workspace.resource(ADDR)["service_accounts"]
    imported_ws.assert_plan_empty()
    destroy_and_check_gone(workspace, iam, name)


def test_a_reorder_of_subjects_applies_without_an_api_call(workspace, new_workspace, iam, oidc, unique):
    """What is left of the order question: an interleaved order (exact,
    wildcard, exact) does not survive an import, and reordering the list in
    the configuration is a change, as for any Terraform list. The plan shows
    only `service_accounts` reordering, and its apply changes nothing in IAM:
    no mutating call, the trust policy untouched; the next plan is empty."""
    arn, _ = oidc
    name = f"reorder-{unique}"
    accounts = [{"namespace": "a", "name": "b"}, {"namespace": "team-*", "name": "runner"},
                {"namespace": "c", "name": "d"}]
    workspace.write(config(arn, name=name, service_accounts=accounts))
    workspace.apply_clean()
    before = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    workspace.write(config(arn, name=name, service_accounts=list(reversed(accounts))))
    plan = workspace.assert_plan_changes("~ service_accounts", "1 to change")
    workspace.env = {**workspace.env, "TF_LOG_PROVIDER": "debug"}
    apply = workspace.apply()
    calls = re.findall(r"AWS API call: .*?aws_operation=(\w+)", apply.stderr)
    assert calls and all(c.startswith(("Get", "List")) for c in calls), calls
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == before
    workspace.env = {k: v for k, v in workspace.env.items() if k != "TF_LOG_PROVIDER"}
    workspace.assert_plan_empty()
    destroy_and_check_gone(workspace, iam, name)


def test_a_subject_matching_every_service_account_warns(workspace, iam, oidc, unique):
    arn, _ = oidc
    workspace.write(config(arn, name=f"wild-{unique}", service_accounts=[{"namespace": "*", "name": "*"}]))
    result = workspace.plan()
    assert result.code == 2, result.output
    flat = " ".join(result.output.split())
    assert "Warning: `service_accounts[0]`: every service account in the cluster may assume this role" in flat, flat
    assert "system:serviceaccount:*:*" in flat


def test_bad_provider_input(workspace, oidc, unique):
    arn, _ = oidc
    provider = block("provider", "platform", retry_mode="fast", max_retries=-1)
    workspace.write(config(arn, provider=provider, name=f"badprov-{unique}"))
    result = workspace.plan()
    assert result.code == 1
    assert "`retry_mode`: must be \"standard\" or \"adaptive\"" in result.output
    assert "`max_retries`: must be between 0 and 100" in result.output


def test_retries_throttling_5xx_and_iam_propagation(workspace, iam, oidc, unique, fault_proxy):
    """Throttling and 5xx are retried with backoff by the SDK; IAM's
    "Invalid principal" on a just-created OIDC provider is retried by name."""
    arn, _ = oidc
    name = f"retry-{unique}"
    fault_proxy.inject("CreateRole", 400, "MalformedPolicyDocument",
                       f"Invalid principal in policy: \"{arn}\"", times=2)
    fault_proxy.inject("PutRolePolicy", 400, "Throttling", "Rate exceeded", times=2)
    fault_proxy.inject("GetRole", 500, "ServiceFailure", "internal failure", times=1)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url}
    workspace.write(config(arn, name=name, inline_policies={"s3": json.dumps(S3_READ)}))
    workspace.apply_clean()
    assert fault_proxy.injected == {"CreateRole": 2, "PutRolePolicy": 2, "GetRole": 1}
    assert fault_proxy.calls["CreateRole"] == 3 and fault_proxy.calls["PutRolePolicy"] == 3
    assert inline_names(iam, name) == {"s3"}
    destroy_and_check_gone(workspace, iam, name)


def test_non_retryable_errors_fail_at_once(workspace, iam, oidc, unique, fault_proxy):
    arn, _ = oidc
    name = f"noretry-{unique}"
    fault_proxy.inject("CreateRole", 400, "MalformedPolicyDocument", "Syntax errors in policy.", times=5)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url}
    workspace.write(config(arn, name=name))
    result = workspace.apply(check=False)
    assert result.code == 1
    assert f"creating IAM role `{name}`" in result.output
    assert "MalformedPolicyDocument: Syntax errors in policy." in result.output
    assert fault_proxy.calls["CreateRole"] == 1, "a non-retryable error was retried"
    assert not aws.role_exists(iam, name)


def test_max_retries_is_honoured(workspace, iam, oidc, unique, fault_proxy):
    arn, _ = oidc
    name = f"maxretry-{unique}"
    fault_proxy.inject("CreateRole", 400, "Throttling", "Rate exceeded", times=1)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url}
    workspace.write(config(arn, provider=block("provider", "platform", max_retries=0), name=name))
    result = workspace.apply(check=False)
    assert result.code == 1 and "Throttling: Rate exceeded" in result.output
    assert fault_proxy.calls["CreateRole"] == 1
    assert not aws.role_exists(iam, name)


def test_assume_role(workspace, iam, oidc, unique, fault_proxy):
    """`assume_role` assumes the role through the `endpoints.sts` override
    (which wins over AWS_ENDPOINT_URL) before calling IAM."""
    arn, _ = oidc
    name = f"assumed-{unique}"
    deployer = iam.create_role(RoleName=f"deployer-{unique}", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": aws.ACCOUNT_ID}, "Action": "sts:AssumeRole"}],
    }))["Role"]["Arn"]
    provider = block("provider", "platform", nested=(
        block("assume_role", role_arn=deployer, session_name="acceptance", external_id="ext-1"),
        block("endpoints", sts=fault_proxy.url),
    ))
    workspace.write(config(arn, provider=provider, name=name))
    workspace.apply_clean()
    assert fault_proxy.calls["AssumeRole"] >= 1, dict(fault_proxy.calls)
    assert aws.role_exists(iam, name)
    destroy_and_check_gone(workspace, iam, name)


PROVIDER_LINE = re.compile(r"^\S+ \[(?:TRACE|DEBUG|INFO|WARN|ERROR)\]\s+provider\.terraform-provider-platform: (.*)$", re.M)


def refresh_calls(stderr: str, resource_type: str) -> list[str]:
    """The AWS operations the refresh of `resource_type` made, from the
    provider's debug lines ("AWS API call: ... aws_operation=X ... tf_rpc=ReadResource")."""
    calls = []
    for message in PROVIDER_LINE.findall(stderr):
        if message.startswith("AWS API call") and "tf_rpc=ReadResource" in message \
                and f"tf_resource_type={resource_type}" in message:
            match = re.search(r"aws_operation=(\w+)", message)
            calls.append(match.group(1) if match else message)
    return calls


def test_refresh_call_budget(workspace, iam, oidc, unique):
    """A refresh reads the role in 3 + N calls for N inline policies: GetRole
    (which carries the role's tags, so no ListRoleTags), ListAttachedRolePolicies,
    ListRolePolicies and one GetRolePolicy per inline policy."""
    arn, _ = oidc
    name = f"budget-{unique}"
    workspace.write(config(arn, name=name, tags={"team": "platform", "cost-center": "42"},
                           inline_policies={"s3": Raw(f"jsonencode({json.dumps(S3_READ)})"),
                                            "s3-again": Raw(f"jsonencode({json.dumps(S3_READ)})")}))
    workspace.apply_clean()
    workspace.env = {**workspace.env, "TF_LOG_PROVIDER": "debug"}
    plan = workspace.plan()
    calls = refresh_calls(plan.stderr, "platform_irsa_role")
    assert sorted(calls) == sorted(["GetRole", "ListAttachedRolePolicies", "ListRolePolicies",
                                    "GetRolePolicy", "GetRolePolicy"]), calls
    # The tags still come back whole: an out-of-band tag shows as drift.
    iam.tag_role(RoleName=name, Tags=[{"Key": "extra", "Value": "x"}])
    workspace.assert_plan_changes('"extra"')
    workspace.apply_clean()
    assert remote_tags(iam, name) == {"team": "platform", "cost-center": "42"}
    workspace.destroy()


# ---- EKS Pod Identity -----------------------------------------------------------------

PODS_STATEMENT = {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
                  "Action": ["sts:AssumeRole", "sts:TagSession"]}


def pods_only(**attrs) -> str:
    return 'provider "platform" {}\n' + block("resource", "platform_irsa_role", "test", pod_identity=True, **attrs)


def test_pod_identity_only(workspace, iam, unique):
    """A role for EKS Pod Identity alone: one statement trusting
    pods.eks.amazonaws.com, no IRSA annotation; import reads it back."""
    name = f"pods-{unique}"
    workspace.write(pods_only(name=name))
    workspace.apply_clean()
    assert trust(iam, name)["Statement"] == [PODS_STATEMENT]
    s = workspace.resource(ADDR)
    assert s["pod_identity"] is True and s["oidc_provider_arn"] is None and s["service_accounts"] is None
    assert s["service_account_annotations"] == {}
    workspace.run("state", "rm", ADDR)
    workspace.import_(ADDR, name)
    workspace.assert_plan_empty()
    destroy_and_check_gone(workspace, iam, name)


def test_pod_identity_and_irsa(workspace, iam, oidc, unique):
    """One role for both: the IRSA statement and the pods statement; turning
    pod identity off again removes only the pods statement, in place."""
    arn, issuer = oidc
    name = f"both-{unique}"
    workspace.write(config(arn, name=name, pod_identity=True))
    workspace.apply_clean()
    statements = trust(iam, name)["Statement"]
    assert len(statements) == 2 and statements[1] == PODS_STATEMENT
    assert statements[0]["Principal"] == {"Federated": arn}
    s = workspace.resource(ADDR)
    assert s["service_account_annotations"] == {"eks.amazonaws.com/role-arn": s["arn"]}
    workspace.write(config(arn, name=name))
    plan = workspace.assert_plan_changes("~ pod_identity = true -> false", "will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    assert len(trust(iam, name)["Statement"]) == 1
    assert workspace.resource(ADDR)["unique_id"] == s["unique_id"]
    destroy_and_check_gone(workspace, iam, name)


def test_drift_pod_identity_statement_removed(workspace, iam, oidc, unique):
    """The pods statement removed outside Terraform is drift: the plan shows
    it, and the apply puts it back."""
    arn, _ = oidc
    name = f"podsdrift-{unique}"
    workspace.write(config(arn, name=name, pod_identity=True))
    workspace.apply_clean()
    doc = trust(iam, name)
    doc["Statement"] = [st for st in doc["Statement"] if st != PODS_STATEMENT]
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(doc))
    workspace.assert_plan_changes("~ pod_identity = false -> true", "~ trust_policy")
    workspace.apply_clean()
    assert PODS_STATEMENT in trust(iam, name)["Statement"]
    destroy_and_check_gone(workspace, iam, name)


def test_import_of_a_role_for_both_plans_empty(workspace, new_workspace, iam, oidc, unique):
    arn, _ = oidc
    name = f"podsimp-{unique}"
    cfg = config(arn, name=name, pod_identity=True)
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    imported = new_workspace("imported")
    imported.write(cfg)
    imported.import_(ADDR, name)
    assert imported.resource(ADDR)["pod_identity"] is True
    assert imported.resource(ADDR)["trust_policy"] == created["trust_policy"]
    imported.assert_plan_empty()
    destroy_and_check_gone(workspace, iam, name)
