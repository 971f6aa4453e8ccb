"""Acceptance cases for `platform_ebs_storage`, against real Terraform and the emulator."""
from __future__ import annotations

import base64
import json
import os
import re
import urllib.parse

import pytest
import yaml

from platform_acc import aws
from platform_acc.hcl import block

ADDR = "platform_ebs_storage.test"


@pytest.fixture
def kms(emulator):
    return aws.client("kms", emulator.url)


@pytest.fixture
def csi_role(iam, unique):
    """The EBS CSI driver's role, made outside this resource."""
    name = f"ebs-csi-{unique}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    return name


def config(alias: str, role: str, provider: str = 'provider "platform" {}\n', **attrs) -> str:
    return provider + block("resource", "platform_ebs_storage", "test", alias_name=alias, csi_driver_role_name=role, **attrs)


def key_state(kms, key_id: str) -> str:
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


alias_target = aws.alias_target


def inline_doc(iam, role: str, name: str):
    try:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    except iam.exceptions.NoSuchEntityException:
        return None
    return doc if isinstance(doc, dict) else json.loads(urllib.parse.unquote(doc))


def destroy_and_check_gone(ws, kms, iam, key_id: str, alias: str, role: str, policy_name: str):
    ws.destroy_and_check_gone({
        "the key (not pending deletion)": lambda: key_state(kms, key_id) == "PendingDeletion",
        "the alias": lambda: alias_target(kms, alias) is None,
        "the driver's policy": lambda: inline_doc(iam, role, policy_name) is None,
    })


def test_basic(workspace, kms, iam, csi_role, unique):
    alias = f"alias/ebs-{unique}"
    workspace.write(config(alias, csi_role, tags={"component": "ebs"}))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    key_id = s["key_id"]
    assert s["id"] == key_id and s["alias_target_key_id"] == key_id
    assert s["key_arn"] == f"arn:aws:kms:{aws.REGION}:{aws.ACCOUNT_ID}:key/{key_id}"
    assert s["alias_arn"] == f"arn:aws:kms:{aws.REGION}:{aws.ACCOUNT_ID}:{alias}"
    assert s["enable_key_rotation"] is True and s["deletion_window_in_days"] == 30
    assert s["tags_all"] == {"component": "ebs", "platform:ebs-csi-driver-role": csi_role}

    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeySpec"] == "SYMMETRIC_DEFAULT" and meta["KeyUsage"] == "ENCRYPT_DECRYPT"
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    assert alias_target(kms, alias) == key_id

    # The key policy: root administers; EBS only via ec2 for this account; grants only for AWS resources.
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    by_sid = {st["Sid"]: st for st in policy["Statement"]}
    assert by_sid["EnableRootAccountAdministration"]["Principal"] == {"AWS": f"arn:aws:iam::{aws.ACCOUNT_ID}:root"}
    assert by_sid["AllowEBSUseForThisAccount"]["Condition"] == {"StringEquals": {
        "kms:ViaService": f"ec2.{aws.REGION}.amazonaws.com", "kms:CallerAccount": aws.ACCOUNT_ID}}
    assert by_sid["AllowEBSGrantsForAWSResources"]["Action"] == "kms:CreateGrant"
    assert by_sid["AllowEBSGrantsForAWSResources"]["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    assert json.loads(s["key_policy"]) == policy

    # The driver's rights select the key through kms:ResourceAliases, never by naming the alias.
    doc = inline_doc(iam, csi_role, s["csi_policy_name"])
    assert doc == json.loads(s["iam_policy_json"])
    for st in doc["Statement"]:
        assert st["Resource"] == "*"
        assert st["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": alias}
    grants = next(st for st in doc["Statement"] if "kms:CreateGrant" in st["Action"])
    assert sorted(grants["Action"]) == ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    assert grants["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    use = next(st for st in doc["Statement"] if "kms:Encrypt" in st["Action"])
    assert sorted(use["Action"]) == sorted(["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"])

    destroy_and_check_gone(workspace, kms, iam, key_id, alias, csi_role, s["csi_policy_name"])


def test_update(workspace, kms, iam, csi_role, unique):
    alias = f"alias/ebs-up-{unique}"
    user = iam.create_role(RoleName=f"user-{unique}", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
    workspace.write(config(alias, csi_role, tags={"k": "v1"}))
    workspace.apply_clean()
    key_id = workspace.resource(ADDR)["key_id"]

    # Rotation off, tags changed, a key user added, volume type io2 with iops.
    workspace.write(config(alias, csi_role, enable_key_rotation=False, tags={"k": "v2"}, key_users=[user],
                           volume_type="io2", iops=10000, description="rotated off"))
    plan = workspace.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["key_id"] == key_id
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    assert {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key_id)["Tags"]}["k"] == "v2"
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "rotated off"
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    users = next(st for st in policy["Statement"] if st["Sid"] == "KeyUsers")
    assert users["Principal"] == {"AWS": [user]}
    manifest = yaml.safe_load(s["storage_class_manifest"])
    assert manifest["parameters"]["type"] == "io2" and manifest["parameters"]["iops"] == "10000"

    # Rotation back on, key user removed.
    workspace.write(config(alias, csi_role, tags={"k": "v2"}))
    workspace.apply_clean()
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert "KeyUsers" not in {st.get("Sid") for st in policy["Statement"]}

    # A new alias moves in place: the old alias and policy go, the new ones come.
    new_alias = f"alias/ebs-moved-{unique}"
    old_policy = workspace.resource(ADDR)["csi_policy_name"]
    workspace.write(config(new_alias, csi_role, tags={"k": "v2"}))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["key_id"] == key_id
    assert alias_target(kms, new_alias) == key_id and alias_target(kms, alias) is None
    assert inline_doc(iam, csi_role, old_policy) is None
    assert inline_doc(iam, csi_role, s["csi_policy_name"])["Statement"][0]["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": new_alias}
    destroy_and_check_gone(workspace, kms, iam, key_id, new_alias, csi_role, s["csi_policy_name"])


def test_import(workspace, new_workspace, kms, iam, csi_role, unique):
    alias = f"alias/ebs-imp-{unique}"
    cfg = config(alias, csi_role, tags={"k": "v"}, enable_key_rotation=False)
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)

    imported_ws = new_workspace("imported")
    imported_ws.write(cfg)
    imported_ws.import_(ADDR, alias)
    imported = imported_ws.resource(ADDR)
    assert imported == created
    imported_ws.assert_plan_empty()

    missing = new_workspace("missing")
    missing.write(cfg)
    result = missing.run("import", "-no-color", ADDR, f"alias/nope-{unique}", check=False)
    assert result.code == 1 and f"importing EBS storage `alias/nope-{unique}`: no such alias" in result.output
    destroy_and_check_gone(workspace, kms, iam, created["key_id"], alias, csi_role, created["csi_policy_name"])


def test_disappears(workspace, kms, iam, csi_role, unique):
    alias = f"alias/ebs-gone-{unique}"
    workspace.write(config(alias, csi_role))
    workspace.apply_clean()
    key_id = workspace.resource(ADDR)["key_id"]
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)

    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and workspace.resources() == []
    workspace.assert_plan_changes(f"{ADDR} will be created")
    # The alias still points at the doomed key; create takes it over.
    workspace.apply_clean()
    new_key = workspace.resource(ADDR)["key_id"]
    assert new_key != key_id and alias_target(kms, alias) == new_key
    destroy_and_check_gone(workspace, kms, iam, new_key, alias, csi_role, workspace_policy_name(alias))


def workspace_policy_name(alias: str) -> str:
    return "platform-ebs-kms-" + alias.removeprefix("alias/").replace("/", "-")


def test_drift_key_policy(workspace, kms, iam, csi_role, unique):
    alias = f"alias/ebs-dkp-{unique}"
    workspace.write(config(alias, csi_role))
    workspace.apply_clean()
    key_id = workspace.resource(ADDR)["key_id"]
    desired = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    widened = json.loads(json.dumps(desired))
    widened["Statement"].append({"Sid": "Backdoor", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"})
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(widened))

    plan = workspace.assert_plan_changes("~ key_policy", '- Sid       = "Backdoor"')
    assert "1 to change" in plan.stdout
    workspace.apply_clean()
    assert json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]) == desired
    destroy_and_check_gone(workspace, kms, iam, key_id, alias, csi_role, workspace_policy_name(alias))


def test_drift_alias_retargeted(workspace, kms, iam, csi_role, unique):
    alias = f"alias/ebs-dar-{unique}"
    workspace.write(config(alias, csi_role))
    workspace.apply_clean()
    key_id = workspace.resource(ADDR)["key_id"]
    other = kms.create_key(Description="someone else's")["KeyMetadata"]["KeyId"]
    kms.update_alias(AliasName=alias, TargetKeyId=other)

    workspace.assert_plan_changes(f'~ alias_target_key_id     = "{other}" -> "{key_id}"')
    workspace.apply_clean()
    assert alias_target(kms, alias) == key_id

    # The driver's policy and rotation drift the same way.
    iam.delete_role_policy(RoleName=csi_role, PolicyName=workspace_policy_name(alias))
    kms.disable_key_rotation(KeyId=key_id)
    workspace.assert_plan_changes("+ iam_policy_json", "~ enable_key_rotation     = false -> true")
    workspace.apply_clean()
    assert inline_doc(iam, csi_role, workspace_policy_name(alias)) is not None
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    destroy_and_check_gone(workspace, kms, iam, key_id, alias, csi_role, workspace_policy_name(alias))


def test_no_perpetual_diff(workspace, kms, iam, csi_role, unique):
    alias = f"alias/ebs-npd-{unique}"
    admin = f"arn:aws:iam::{aws.ACCOUNT_ID}:root"
    workspace.write(config(alias, csi_role, key_administrators=[admin], default_class=True, throughput=300, iops=6000))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    # Equivalent rewrites out of band are not drift: statements reordered,
    # strings for one-element lists, the account id for the :root ARN.
    policy = json.loads(kms.get_key_policy(KeyId=s["key_id"], PolicyName="default")["Policy"])
    policy["Statement"].reverse()
    for st in policy["Statement"]:
        if st["Principal"].get("AWS") == [admin]:
            st["Principal"]["AWS"] = aws.ACCOUNT_ID
    kms.put_key_policy(KeyId=s["key_id"], PolicyName="default", Policy=json.dumps(policy, indent=2))
    doc = inline_doc(iam, csi_role, s["csi_policy_name"])
    doc["Statement"].reverse()
    iam.put_role_policy(RoleName=csi_role, PolicyName=s["csi_policy_name"], PolicyDocument=json.dumps(doc, indent=3))
    workspace.assert_plan_empty()
    after = workspace.resource(ADDR)
    assert after["key_policy"] == s["key_policy"] and after["iam_policy_json"] == s["iam_policy_json"]
    destroy_and_check_gone(workspace, kms, iam, s["key_id"], alias, csi_role, s["csi_policy_name"])


def test_functional(workspace, kms, iam, csi_role, unique):
    """The StorageClass parses into the Kubernetes type, names the alias ARN,
    and that alias ARN encrypts and decrypts."""
    from kubernetes.client import ApiClient, V1StorageClass

    alias = f"alias/ebs-fn-{unique}"
    workspace.write(config(alias, csi_role, storage_class_name="gp3-encrypted", throughput=250, iops=4000,
                           default_class=True, reclaim_policy="Retain", fs_type="xfs"))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    raw = yaml.safe_load(s["storage_class_manifest"])
    # Every field belongs to the StorageClass schema, and parameters are strings.
    assert set(raw) <= set(V1StorageClass.attribute_map.values()), set(raw) - set(V1StorageClass.attribute_map.values())
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in raw["parameters"].items())
    sc = ApiClient()._ApiClient__deserialize(raw, "V1StorageClass")
    assert isinstance(sc, V1StorageClass)
    assert sc.api_version == "storage.k8s.io/v1" and sc.kind == "StorageClass"
    assert sc.metadata.name == "gp3-encrypted"
    assert sc.metadata.annotations == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert sc.provisioner == "ebs.csi.aws.com"
    assert sc.volume_binding_mode == "WaitForFirstConsumer" and sc.allow_volume_expansion is True
    assert sc.reclaim_policy == "Retain"
    assert sc.parameters == {
        "type": "gp3", "encrypted": "true", "kmsKeyId": s["alias_arn"], "csi.storage.k8s.io/fstype": "xfs",
        "iops": "4000", "throughput": "250"}
    assert sc.parameters["kmsKeyId"] == f"arn:aws:kms:{aws.REGION}:{aws.ACCOUNT_ID}:{alias}"

    secret = os.urandom(32)
    blob = kms.encrypt(KeyId=sc.parameters["kmsKeyId"], Plaintext=secret)["CiphertextBlob"]
    out = kms.decrypt(CiphertextBlob=blob)
    assert out["Plaintext"] == secret and out["KeyId"].endswith(s["key_id"])
    destroy_and_check_gone(workspace, kms, iam, s["key_id"], alias, csi_role, s["csi_policy_name"])


def test_composed_with_irsa_role(workspace, kms, iam, unique):
    """The CSI driver's IRSA role and the storage in one configuration."""
    issuer = f"oidc.eks.us-east-1.amazonaws.com/id/EBS{unique.upper()}"
    oidc_arn = aws.create_oidc_provider(iam, issuer)
    role_name, alias = f"ebs-csi-controller-{unique}", f"alias/ebs-stack-{unique}"
    workspace.write(f'''
    provider "platform" {{}}
    resource "platform_irsa_role" "ebs_csi" {{
      name              = "{role_name}"
      oidc_provider_arn = "{oidc_arn}"
      service_accounts  = [{{ namespace = "kube-system", name = "ebs-csi-controller-sa" }}]
      policy_arns       = ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
    }}
    resource "platform_ebs_storage" "test" {{
      alias_name           = "{alias}"
      csi_driver_role_name = platform_irsa_role.ebs_csi.name
    }}
    ''')
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert inline_doc(iam, role_name, s["csi_policy_name"]) is not None
    workspace.destroy()
    assert not aws.role_exists(iam, role_name)
    assert key_state(kms, s["key_id"]) == "PendingDeletion" and alias_target(kms, alias) is None


BAD_INPUT = [
    ({"alias_name": "ebs"}, "`alias_name`", "must start with \"alias/\""),
    ({"alias_name": "alias/aws/ebs"}, "`alias_name`", "reserved for AWS managed keys"),
    ({"alias_name": "alias/has space"}, "`alias_name`", "letters, digits"),
    ({"deletion_window_in_days": 6}, "`deletion_window_in_days`", "between 7 and 30"),
    ({"deletion_window_in_days": 31}, "`deletion_window_in_days`", "between 7 and 30"),
    ({"volume_type": "gp9"}, "`volume_type`", "must be one of"),
    ({"volume_type": "st1", "iops": 3000}, "`iops`", "only for volume types gp3, io1 and io2"),
    ({"volume_type": "io2", "throughput": 200}, "`throughput`", "only for volume type gp3"),
    ({"iops": 100}, "`iops`", "between 3000 and 80000"),
    ({"throughput": 5000}, "`throughput`", "between 125 and 2000"),
    ({"fs_type": "ntfs"}, "`fs_type`", "must be one of"),
    ({"reclaim_policy": "Recycle"}, "`reclaim_policy`", "must be one of"),
    ({"csi_driver_role_name": "bad role"}, "`csi_driver_role_name`", "IAM role name"),
    ({"key_users": ["not-an-arn"]}, "`key_users`", "IAM role, user or account-root ARN"),
    ({"storage_class_name": "Bad_Name"}, "`storage_class_name`", "DNS-1123 subdomain"),
    ({"tags": {"platform:ebs-csi-driver-role": "x"}}, '`tags["platform:ebs-csi-driver-role"]`', "managed by this resource"),
    ({"alias_name": "alias/" + "a" * 251}, "`alias_name`", "(at most 256 characters in all)"),
    ({"description": "d" * 8193}, "`description`", "must be at most 8192 characters"),
    ({"key_users": [f"arn:aws:iam::123456789012:role/{'p' * 500}/user-{i:02}" for i in range(40)]}, "`key_users`",
     "KMS allows at most 32,768 bytes"),
    ({"key_administrators": ["arn:aws-:iam::123456789012:role/admin"]}, "`key_administrators`",
     'names the partition "aws-", which does not exist'),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, kms, unique, attrs, path, rule):
    attrs = dict(attrs)
    alias = attrs.pop("alias_name", f"alias/bad-{unique}")
    role = attrs.pop("csi_driver_role_name", "ebs-csi")
    workspace.write(config(alias, role, **attrs))
    result = workspace.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output
    assert alias_target(kms, f"alias/bad-{unique}") is None


def test_key_policy_principal_propagation_is_retried(workspace, kms, iam, csi_role, unique, fault_proxy):
    """KMS rejects a policy naming a principal it cannot see yet; CreateKey is retried, bounded."""
    alias = f"alias/ebs-prop-{unique}"
    fault_proxy.inject("CreateKey", 400, "MalformedPolicyDocumentException",
                       "Policy contains a statement with one or more invalid principals.", times=2)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_KMS": fault_proxy.url}
    workspace.write(config(alias, csi_role))
    workspace.apply_clean()
    assert fault_proxy.injected["CreateKey"] == 2 and fault_proxy.calls["CreateKey"] == 3
    s = workspace.resource(ADDR)
    destroy_and_check_gone(workspace, kms, iam, s["key_id"], alias, csi_role, s["csi_policy_name"])


def test_partial_create_leaves_no_orphan(workspace, kms, iam, csi_role, unique, fault_proxy):
    """The key exists when the alias step fails: state records it (tainted), and
    the next apply replaces it, scheduling the first key's deletion."""
    alias = f"alias/ebs-partial-{unique}"
    fault_proxy.inject("CreateAlias", 400, "KMSInvalidStateException", "alias store unavailable", times=1)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_KMS": fault_proxy.url}
    workspace.write(config(alias, csi_role))
    result = workspace.apply(check=False)
    assert result.code == 1 and "KMSInvalidStateException: alias store unavailable" in result.output
    assert f"creating EBS storage `{alias}`" in result.output
    first_key = workspace.resource(ADDR)["key_id"]
    assert key_state(kms, first_key) == "Enabled", "the key must be in state, not orphaned"
    assert "tainted" in workspace.run("show", "-no-color").stdout

    workspace.assert_plan_changes("is tainted, so must be replaced")
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    assert s["key_id"] != first_key and key_state(kms, first_key) == "PendingDeletion"
    destroy_and_check_gone(workspace, kms, iam, s["key_id"], alias, csi_role, s["csi_policy_name"])


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


def test_refresh_call_budget_with_many_aliases(workspace, kms, iam, csi_role, unique):
    """A refresh reads the key, its alias and the driver's policy in at most 6
    calls however many aliases the account holds: the alias is looked up
    among the key's own aliases (ListAliases with KeyId), never by paging
    through every alias in the account."""
    other_key = kms.create_key(Description=f"other aliases {unique}")["KeyMetadata"]["KeyId"]
    # They sort before this storage's alias, so a listing of every alias would page past them.
    others = [f"alias/budget-other-{unique}-{i:03}" for i in range(150)]
    try:
        for name in others:
            kms.create_alias(AliasName=name, TargetKeyId=other_key)
        alias = f"alias/ebs-budget-{unique}"
        workspace.write(config(alias, csi_role))
        workspace.apply_clean()
        workspace.env = {**workspace.env, "TF_LOG_PROVIDER": "debug"}
        plan = workspace.plan()
        assert plan.code == 0, plan.output
        calls = refresh_calls(plan.stderr, "platform_ebs_storage")
        assert len(calls) <= 6 and calls.count("ListAliases") == 1, calls
        # A retargeted alias still shows which key it points at.
        kms.update_alias(AliasName=alias, TargetKeyId=other_key)
        workspace.assert_plan_changes(other_key)
        workspace.apply_clean()
        workspace.destroy()
    finally:
        for name in others:
            try:
                kms.delete_alias(AliasName=name)
            except kms.exceptions.NotFoundException:
                pass
        kms.schedule_key_deletion(KeyId=other_key, PendingWindowInDays=7)
