"""Acceptance cases for `platform_vault_seal`, against real Terraform and the emulator."""
from __future__ import annotations

import json
import os
import urllib.parse

import hcl2
import pytest
import yaml

from platform_acc import aws
from platform_acc.hcl import block

ADDR = "platform_vault_seal.test"
SEAL_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]


@pytest.fixture
def kms(emulator):
    return aws.client("kms", emulator.url)


@pytest.fixture
def oidc(iam, unique):
    issuer = f"oidc.eks.us-east-1.amazonaws.com/id/V{unique.upper()}"
    return aws.create_oidc_provider(iam, issuer), issuer


def config(name: str, provider: str = 'provider "platform" {}\n', **attrs) -> str:
    return provider + block("resource", "platform_vault_seal", "test", name=name, **attrs)


def key_state(kms, key_id: str) -> str:
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


alias_target = aws.alias_target


def inline_doc(iam, role: str, name: str):
    try:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    except iam.exceptions.NoSuchEntityException:
        return None
    return doc if isinstance(doc, dict) else json.loads(urllib.parse.unquote(doc))


def key_policy(kms, key_id: str) -> dict:
    return json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])


def destroy_and_check_gone(ws, kms, iam, state: dict, role_should_exist: bool = False):
    """Destroy; the key, the alias and the role the seal created are gone. A
    given role (`role_should_exist`) stays, without the seal's policy."""
    role, policy = state["seal_role_name"], state["seal_policy_name"]
    gone = {
        "the key (not pending deletion)": lambda: key_state(kms, state["kms_key_id"]) == "PendingDeletion",
        "the alias": lambda: alias_target(kms, state["alias_name"]) is None,
    }
    if role_should_exist:
        gone["the seal's policy"] = lambda: inline_doc(iam, role, policy) is None
    else:
        gone[f"role {role}"] = lambda: not aws.role_exists(iam, role)
    ws.destroy_and_check_gone(gone)
    if role_should_exist:
        assert aws.role_exists(iam, role), f"the given role {role} was deleted"


def unquote(v: str) -> str:
    return v[1:-1] if v.startswith('"') and v.endswith('"') else v


def test_basic(workspace, kms, iam, oidc, unique):
    arn, issuer = oidc
    name = f"b{unique}"
    workspace.write(config(name, oidc_provider_arn=arn, tags={"component": "vault"}))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["alias_name"] == f"alias/vault-{name}" and s["seal_role_name"] == f"vault-seal-{name}"
    assert s["role_created"] is True and s["enable_key_rotation"] is True
    assert s["service_accounts"] == [{"namespace": "vault", "name": "vault"}]
    assert alias_target(kms, s["alias_name"]) == s["kms_key_id"]
    assert kms.get_key_rotation_status(KeyId=s["kms_key_id"])["KeyRotationEnabled"] is True

    # The key policy: root administers, the seal role uses.
    policy = key_policy(kms, s["kms_key_id"])
    by_sid = {st["Sid"]: st for st in policy["Statement"]}
    assert by_sid["EnableRootAccountAdministration"]["Action"] == "kms:*"
    assert by_sid["AllowVaultSealRole"]["Principal"] == {"AWS": s["role_arn"]}
    assert sorted(by_sid["AllowVaultSealRole"]["Action"]) == sorted(SEAL_ACTIONS)

    # The role: IRSA trust pinning :sub and :aud; exactly the seal rights on this key.
    role = iam.get_role(RoleName=s["seal_role_name"])["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(urllib.parse.unquote(trust))
    assert trust["Statement"][0]["Condition"]["StringEquals"] == {
        f"{issuer}:aud": "sts.amazonaws.com", f"{issuer}:sub": "system:serviceaccount:vault:vault"}
    doc = inline_doc(iam, s["seal_role_name"], s["seal_policy_name"])
    assert doc["Statement"] == [{"Sid": "VaultAwsKmsSeal", "Effect": "Allow", "Action": SEAL_ACTIONS, "Resource": s["kms_key_arn"]}]
    assert iam.list_attached_role_policies(RoleName=s["seal_role_name"])["AttachedPolicies"] == []
    assert s["service_account_annotations"] == {"eks.amazonaws.com/role-arn": s["role_arn"]}
    destroy_and_check_gone(workspace, kms, iam, s)


def test_update(workspace, kms, iam, oidc, unique):
    arn, issuer = oidc
    name = f"u{unique}"
    workspace.write(config(name, oidc_provider_arn=arn, tags={"k": "v1"}))
    workspace.apply_clean()
    s = workspace.resource(ADDR)

    workspace.write(config(name, oidc_provider_arn=arn, tags={"k": "v2"}, enable_key_rotation=False,
                           alias_name=f"alias/vault-renamed-{unique}",
                           service_accounts=[{"namespace": "vault", "name": "vault"}, {"namespace": "vault", "name": "vault-agent"}]))
    plan = workspace.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert after["kms_key_id"] == s["kms_key_id"], "the seal key must never be replaced"
    assert kms.get_key_rotation_status(KeyId=s["kms_key_id"])["KeyRotationEnabled"] is False
    assert alias_target(kms, f"alias/vault-renamed-{unique}") == s["kms_key_id"] and alias_target(kms, s["alias_name"]) is None
    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=s["kms_key_id"])["Tags"]}
    assert tags["k"] == "v2"
    role_tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=s["seal_role_name"])["Tags"]}
    assert role_tags["k"] == "v2"
    trust = json.loads(after["trust_policy"])
    assert sorted(trust["Statement"][0]["Condition"]["StringEquals"][f"{issuer}:sub"]) == [
        "system:serviceaccount:vault:vault", "system:serviceaccount:vault:vault-agent"]
    assert "seal \"awskms\"" in after["seal_stanza"] and s["kms_key_id"] in after["seal_stanza"]
    destroy_and_check_gone(workspace, kms, iam, after)


def test_import(workspace, new_workspace, kms, iam, oidc, unique):
    arn, _ = oidc
    name = f"i{unique}"
    cfg = config(name, oidc_provider_arn=arn, tags={"k": "v"})
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    imported_ws = new_workspace("imported")
    imported_ws.write(cfg)
    imported_ws.import_(ADDR, created["alias_name"])
    assert imported_ws.resource(ADDR) == created
    imported_ws.assert_plan_empty()
    destroy_and_check_gone(workspace, kms, iam, created)


def test_disappears(workspace, kms, iam, oidc, unique):
    arn, _ = oidc
    name = f"d{unique}"
    workspace.write(config(name, oidc_provider_arn=arn))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    kms.schedule_key_deletion(KeyId=s["kms_key_id"], PendingWindowInDays=7)
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and workspace.resources() == []
    workspace.assert_plan_changes(f"{ADDR} will be created")
    # The lost seal's role still exists and carries the seal's tag: the new
    # seal adopts it instead of failing on EntityAlreadyExists.
    assert aws.role_exists(iam, s["seal_role_name"])
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert after["kms_key_id"] != s["kms_key_id"] and after["role_arn"] == s["role_arn"]
    assert inline_doc(iam, s["seal_role_name"], s["seal_policy_name"])["Statement"][0]["Resource"] == after["kms_key_arn"]
    destroy_and_check_gone(workspace, kms, iam, after)


def test_role_deleted_out_of_band_is_recreated_around_the_same_key(workspace, kms, iam, oidc, unique):
    arn, _ = oidc
    name = f"r{unique}"
    workspace.write(config(name, oidc_provider_arn=arn))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    iam.delete_role_policy(RoleName=s["seal_role_name"], PolicyName=s["seal_policy_name"])
    iam.delete_role(RoleName=s["seal_role_name"])
    plan = workspace.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    after = workspace.resource(ADDR)
    assert after["kms_key_id"] == s["kms_key_id"]
    assert inline_doc(iam, s["seal_role_name"], s["seal_policy_name"]) is not None
    destroy_and_check_gone(workspace, kms, iam, after)


def test_drift_key_policy(workspace, kms, iam, oidc, unique):
    arn, _ = oidc
    name = f"k{unique}"
    workspace.write(config(name, oidc_provider_arn=arn))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    desired = key_policy(kms, s["kms_key_id"])
    widened = json.loads(json.dumps(desired))
    widened["Statement"][1]["Action"] = "kms:*"
    kms.put_key_policy(KeyId=s["kms_key_id"], PolicyName="default", Policy=json.dumps(widened))
    workspace.assert_plan_changes("~ key_policy", '~ Action    = "kms:*" -> [')
    workspace.apply_clean()
    assert key_policy(kms, s["kms_key_id"]) == desired
    destroy_and_check_gone(workspace, kms, iam, s)


def test_drift_alias(workspace, kms, iam, oidc, unique):
    """The alias retargeted to another key, then deleted, outside Terraform:
    each shows as drift on alias_target_key_id, and apply repairs it. Other
    aliases in the account (more than a ListAliases page) change nothing."""
    arn, _ = oidc
    name = f"a{unique}"
    workspace.write(config(name, oidc_provider_arn=arn))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    key_id, alias = s["kms_key_id"], s["alias_name"]
    other = kms.create_key(Description="someone else's")["KeyMetadata"]["KeyId"]
    others = [f"alias/vault-other-{unique}-{i}" for i in range(60)]
    for other_alias in others:
        kms.create_alias(AliasName=other_alias, TargetKeyId=other)
    try:
        workspace.assert_plan_empty()
        kms.update_alias(AliasName=alias, TargetKeyId=other)
        workspace.assert_plan_changes("alias_target_key_id", f'"{other}" -> "{key_id}"')
        workspace.apply_clean()
        assert alias_target(kms, alias) == key_id

        kms.delete_alias(AliasName=alias)
        workspace.assert_plan_changes("alias_target_key_id")
        workspace.apply_clean()
        assert alias_target(kms, alias) == key_id
    finally:
        for other_alias in others:
            kms.delete_alias(AliasName=other_alias)
    destroy_and_check_gone(workspace, kms, iam, s)


def test_drift_role_policy(workspace, kms, iam, oidc, unique):
    arn, _ = oidc
    name = f"p{unique}"
    workspace.write(config(name, oidc_provider_arn=arn))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    iam.put_role_policy(RoleName=s["seal_role_name"], PolicyName=s["seal_policy_name"], PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}))
    workspace.assert_plan_changes("~ seal_policy_json", '~ Action = "kms:*" -> [', '~ Resource = "*" -> "arn:aws:kms:')
    workspace.apply_clean()
    assert inline_doc(iam, s["seal_role_name"], s["seal_policy_name"])["Statement"][0]["Action"] == SEAL_ACTIONS
    destroy_and_check_gone(workspace, kms, iam, s)


def test_no_perpetual_diff(workspace, kms, iam, oidc, unique):
    arn, _ = oidc
    name = f"n{unique}"
    workspace.write(config(name, oidc_provider_arn=arn))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    # Equivalent rewrites: the root ARN as an account id, actions reordered, lists for strings.
    policy = key_policy(kms, s["kms_key_id"])
    policy["Statement"].reverse()
    for st in policy["Statement"]:
        if st["Sid"] == "EnableRootAccountAdministration":
            st["Principal"]["AWS"] = aws.ACCOUNT_ID
            st["Action"] = ["kms:*"]
        else:
            st["Action"] = list(reversed(st["Action"]))
    kms.put_key_policy(KeyId=s["kms_key_id"], PolicyName="default", Policy=json.dumps(policy, indent=2))
    doc = inline_doc(iam, s["seal_role_name"], s["seal_policy_name"])
    doc["Statement"] = doc["Statement"][0]
    doc["Statement"]["Resource"] = [doc["Statement"]["Resource"]]
    iam.put_role_policy(RoleName=s["seal_role_name"], PolicyName=s["seal_policy_name"], PolicyDocument=json.dumps(doc))
    workspace.assert_plan_empty()
    assert workspace.resource(ADDR) == s
    destroy_and_check_gone(workspace, kms, iam, s)


def test_existing_role(workspace, kms, iam, oidc, unique):
    """With role_name, the seal policy goes onto that role; destroy never deletes it."""
    arn, _ = oidc
    name = f"e{unique}"
    existing = f"vault-existing-{unique}"
    iam.create_role(RoleName=existing, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithWebIdentity"}]}))
    workspace.write(config(name, role_name=existing))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["role_created"] is False and s["seal_role_name"] == existing and s["trust_policy"] is None
    assert not aws.role_exists(iam, f"vault-seal-{name}"), "no role may be created when role_name is set"
    assert inline_doc(iam, existing, s["seal_policy_name"])["Statement"][0]["Resource"] == s["kms_key_arn"]
    assert key_policy(kms, s["kms_key_id"])["Statement"][1]["Principal"] == {"AWS": s["role_arn"]}
    destroy_and_check_gone(workspace, kms, iam, s, role_should_exist=True)


def test_existing_role_missing(workspace, unique):
    workspace.write(config(f"m{unique}", role_name=f"nope-{unique}"))
    result = workspace.apply(check=False)
    assert result.code == 1 and f"`role_name`: no IAM role named `nope-{unique}`" in result.output
    assert workspace.resources() == []


def test_shares_an_irsa_role_without_fighting(workspace, kms, iam, oidc, unique):
    """The seal policy on a platform_irsa_role is not drift for that role."""
    arn, _ = oidc
    name = f"s{unique}"
    workspace.write(f'''
    provider "platform" {{}}
    resource "platform_irsa_role" "vault" {{
      name              = "vault-{unique}"
      oidc_provider_arn = "{arn}"
      service_accounts  = [{{ namespace = "vault", name = "vault" }}]
    }}
    resource "platform_vault_seal" "test" {{
      name      = "{name}"
      role_name = platform_irsa_role.vault.name
    }}
    ''')
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    workspace.destroy()
    assert not aws.role_exists(iam, f"vault-{unique}")
    assert key_state(kms, s["kms_key_id"]) == "PendingDeletion"


def test_functional(workspace, kms, iam, oidc, unique, emulator):
    """What Vault does when it starts: assume the role with its web identity,
    then DescribeKey, Encrypt and Decrypt through the stanza's key id."""
    import boto3

    arn, _ = oidc
    name = f"f{unique}"
    provider = block("provider", "platform", nested=(block("endpoints", kms=emulator.url),))
    workspace.write(config(name, provider=provider, oidc_provider_arn=arn))
    workspace.apply_clean()
    s = workspace.resource(ADDR)

    parsed = hcl2.loads(s["seal_stanza"])
    (seal,) = parsed["seal"]
    ((label, body),) = seal.items()
    assert unquote(label) == "awskms"
    fields = {k: unquote(v) for k, v in body.items() if not k.startswith("__")}
    assert fields == {"region": aws.REGION, "kms_key_id": s["kms_key_id"], "endpoint": emulator.url}

    values = yaml.safe_load(s["helm_values"])
    assert values["server"]["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": s["role_arn"]}
    assert values["server"]["ha"]["enabled"] is True and values["server"]["ha"]["raft"]["enabled"] is True
    raft_config = hcl2.loads(values["server"]["ha"]["raft"]["config"])
    assert "seal" in raft_config and "storage" in raft_config

    sts = aws.client("sts", emulator.url)
    creds = sts.assume_role_with_web_identity(
        RoleArn=s["role_arn"], RoleSessionName="vault-0", WebIdentityToken="eyJhbGciOiJSUzI1NiJ9.e30.sig",
    )["Credentials"]
    vault_kms = boto3.client(
        "kms", endpoint_url=fields["endpoint"], region_name=fields["region"],
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert vault_kms.describe_key(KeyId=fields["kms_key_id"])["KeyMetadata"]["KeyState"] == "Enabled"
    secret = os.urandom(32)
    blob = vault_kms.encrypt(KeyId=fields["kms_key_id"], Plaintext=secret)["CiphertextBlob"]
    assert vault_kms.decrypt(CiphertextBlob=blob, KeyId=fields["kms_key_id"])["Plaintext"] == secret
    destroy_and_check_gone(workspace, kms, iam, s)


BAD_INPUT = [
    ({"name": "Main"}, "`name`", "DNS-1123 label"),
    ({"name": "x" * 54}, "`name`", "at most 53 characters"),
    ({"alias_name": "vault"}, "`alias_name`", "must start with \"alias/\""),
    ({"alias_name": "alias/aws/vault"}, "`alias_name`", "reserved for AWS managed keys"),
    ({"deletion_window_in_days": 3}, "`deletion_window_in_days`", "between 7 and 30"),
    ({"service_accounts": [{"namespace": "Vault", "name": "vault"}]}, "`service_accounts[0].namespace`", "DNS-1123 label"),
    ({"service_accounts": [{"namespace": "vault", "name": "vault_x"}]}, "`service_accounts[0].name`", "DNS-1123 subdomain"),
    ({"role_name": "existing", "service_accounts": [{"namespace": "vault", "name": "vault"}]}, "`service_accounts`", "conflicts with `role_name`"),
    ({"oidc_provider_arn": None}, "`oidc_provider_arn`", "is required to create the seal role"),
    ({"oidc_provider_arn": "arn:aws:iam::123456789012:role/x"}, "`oidc_provider_arn`", "IAM OIDC provider ARN"),
    ({"role_name": "bad role", "oidc_provider_arn": None}, "`role_name`", "IAM role name"),
    ({"listener_tls": "off"}, "`listener_tls`", 'must be one of "vault", "mesh"'),
    ({"tls_secret_name": ""}, "`tls_secret_name`", "DNS-1123 subdomain"),
    ({"tls_secret_name": "Vault_TLS"}, "`tls_secret_name`", "DNS-1123 subdomain"),
    ({"listener_tls": "mesh", "tls_secret_name": "vault-tls"}, "`tls_secret_name`", 'conflicts with `listener_tls = "mesh"`'),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, kms, oidc, unique, attrs, path, rule):
    arn, _ = oidc
    attrs = dict(attrs)
    name = attrs.pop("name", f"bad{unique}")
    attrs.setdefault("oidc_provider_arn", arn)
    if "role_name" in attrs and attrs.get("oidc_provider_arn") == arn:
        attrs["oidc_provider_arn"] = None
    workspace.write(config(name, **attrs))
    result = workspace.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output
    assert alias_target(kms, f"alias/vault-bad{unique}") is None


def test_switch_between_created_and_existing_role(workspace, kms, iam, oidc, unique):
    """Moving the seal to an existing role deletes the role it created, keeps
    the key, and moving back creates the role again; the existing role is
    never deleted, only its seal policy removed."""
    arn, _ = oidc
    name = f"w{unique}"
    existing = f"vault-platform-{unique}"
    iam.create_role(RoleName=existing, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithWebIdentity"}]}))
    workspace.write(config(name, oidc_provider_arn=arn))
    workspace.apply_clean()
    created = workspace.resource(ADDR)

    workspace.write(config(name, role_name=existing))
    plan = workspace.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    moved = workspace.resource(ADDR)
    assert moved["kms_key_id"] == created["kms_key_id"], "the seal key must never be replaced"
    assert not aws.role_exists(iam, created["seal_role_name"]), "the created role is deleted"
    assert inline_doc(iam, existing, moved["seal_policy_name"])["Statement"][0]["Resource"] == moved["kms_key_arn"]
    assert key_policy(kms, moved["kms_key_id"])["Statement"][1]["Principal"] == {"AWS": moved["role_arn"]}

    workspace.write(config(name, oidc_provider_arn=arn))
    workspace.apply_clean()
    back = workspace.resource(ADDR)
    assert back["kms_key_id"] == created["kms_key_id"] and back["role_created"] is True
    assert aws.role_exists(iam, existing) and inline_doc(iam, existing, back["seal_policy_name"]) is None
    assert inline_doc(iam, back["seal_role_name"], back["seal_policy_name"]) is not None
    destroy_and_check_gone(workspace, kms, iam, back)
    assert aws.role_exists(iam, existing), "a role the seal did not create is never deleted"


def listener(values: dict) -> dict:
    """The `listener "tcp"` block of the server's HA configuration in `helm_values`."""
    raft_config = hcl2.loads(values["server"]["ha"]["raft"]["config"])
    ((body,),) = [list(l.values()) for l in raft_config["listener"]]
    return {k: unquote(v) if isinstance(v, str) else v for k, v in body.items() if not k.startswith("__")}


def retry_joins(values: dict) -> list[dict]:
    """The `retry_join` stanzas of the Raft storage in `helm_values`."""
    raft_config = hcl2.loads(values["server"]["ha"]["raft"]["config"])
    ((body,),) = [list(s.values()) for s in raft_config["storage"]]
    return [{k: unquote(v) for k, v in j.items() if not k.startswith("__")} for j in body.get("retry_join", [])]


def test_listener_tls_on_by_default_and_mesh_only_when_asked(workspace, kms, iam, oidc, unique):
    """TLS is on unless the configuration says a mesh terminates it: by default
    the listener takes its certificate from the `vault-server-tls` secret, which
    the chart mounts at /vault/userconfig/<secret>/; `listener_tls = "mesh"`
    disables it; a named secret changes the paths; each in place."""
    arn, _ = oidc
    name = f"tls{unique}"
    workspace.write(config(name, oidc_provider_arn=arn))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["listener_tls"] == "vault" and s["tls_secret_name"] == "vault-server-tls"
    values = yaml.safe_load(s["helm_values"])
    assert values["global"]["tlsDisable"] is False
    assert values["server"]["extraVolumes"] == [{"type": "secret", "name": "vault-server-tls"}]
    tcp = listener(values)
    assert "tls_disable" not in tcp, tcp
    assert tcp["tls_cert_file"] == "/vault/userconfig/vault-server-tls/tls.crt"
    assert tcp["tls_key_file"] == "/vault/userconfig/vault-server-tls/tls.key"
    # The CLI in the pods (`vault operator init`, `raft join`) and the replicas'
    # joins verify the listener's certificate against the secret's ca.crt.
    assert values["server"]["extraEnvironmentVars"] == {"VAULT_CACERT": "/vault/userconfig/vault-server-tls/ca.crt"}
    assert retry_joins(values) == [{"leader_api_addr": f"https://vault-{i}.vault-internal:8200",
                                    "leader_ca_cert_file": "/vault/userconfig/vault-server-tls/ca.crt"} for i in range(3)]
    key_id = s["kms_key_id"]

    workspace.write(config(name, oidc_provider_arn=arn, tls_secret_name="vault-ha-tls"))
    workspace.apply_clean()
    values = yaml.safe_load(workspace.resource(ADDR)["helm_values"])
    assert values["server"]["extraVolumes"] == [{"type": "secret", "name": "vault-ha-tls"}]
    assert listener(values)["tls_cert_file"] == "/vault/userconfig/vault-ha-tls/tls.crt"
    assert values["server"]["extraEnvironmentVars"]["VAULT_CACERT"] == "/vault/userconfig/vault-ha-tls/ca.crt"
    assert {j["leader_ca_cert_file"] for j in retry_joins(values)} == {"/vault/userconfig/vault-ha-tls/ca.crt"}

    workspace.write(config(name, oidc_provider_arn=arn, listener_tls="mesh"))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["kms_key_id"] == key_id and s["tls_secret_name"] is None
    values = yaml.safe_load(s["helm_values"])
    assert values["global"]["tlsDisable"] is True and "extraVolumes" not in values["server"]
    tcp = listener(values)
    assert str(tcp["tls_disable"]) == "1" and "tls_cert_file" not in tcp
    assert "extraEnvironmentVars" not in values["server"]
    assert retry_joins(values) == [{"leader_api_addr": f"http://vault-{i}.vault-internal:8200"} for i in range(3)]
    destroy_and_check_gone(workspace, kms, iam, s)
