"""Ownership cases (issue 10) for the IAM and KMS resources: `platform_irsa_role`,
`platform_ebs_storage` and `platform_vault_seal`.

Each case checks one rule of `framework::ownership`: a lost answer never makes a
duplicate or an orphan; a name already taken is an error with the import
command and the foreign object is left byte-for-byte as it was; one transient
not-found is not "gone"; `state rm` then apply creates nothing and deletes
nothing; a delete needs the recorded identity; two resources cannot own one
alias; an object made elsewhere can be adopted with an `import {}` block.
"""
from __future__ import annotations

import json
import re

import pytest

from platform_acc import aws
from platform_acc.hcl import block

IRSA = "platform_irsa_role.test"
EBS = "platform_ebs_storage.test"
SEAL = "platform_vault_seal.test"
TRUST_EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@pytest.fixture
def kms(emulator):
    return aws.client("kms", emulator.url)


@pytest.fixture
def oidc(iam, unique):
    issuer = f"oidc.eks.us-east-1.amazonaws.com/id/O{unique.upper()}"
    return aws.create_oidc_provider(iam, issuer), issuer


@pytest.fixture
def csi_role(iam, unique):
    name = f"own-csi-{unique}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    return name


def irsa_config(oidc_arn: str, name: str, provider: str = 'provider "platform" {}\n') -> str:
    return provider + block(
        "resource", "platform_irsa_role", "test", name=name, oidc_provider_arn=oidc_arn,
        service_accounts=[{"namespace": "kube-system", "name": "sa"}])


def ebs_config(alias: str, role: str, label: str = "test") -> str:
    return block("resource", "platform_ebs_storage", label, alias_name=alias, csi_driver_role_name=role)


def seal_config(name: str, oidc_arn: str, label: str = "test", **attrs) -> str:
    return block("resource", "platform_vault_seal", label, name=name, oidc_provider_arn=oidc_arn,
                 service_accounts=[{"namespace": "vault", "name": "vault"}], **attrs)


def role_snapshot(iam, name: str) -> dict:
    """Everything about a role, to prove it was left as it was."""
    role = iam.get_role(RoleName=name)["Role"]
    return {
        "role": {k: role[k] for k in ("RoleId", "Arn", "AssumeRolePolicyDocument", "MaxSessionDuration") if k in role},
        "tags": iam.list_role_tags(RoleName=name)["Tags"],
        "inline": {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                   for p in iam.list_role_policies(RoleName=name)["PolicyNames"]},
        "attached": iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"],
    }


def key_snapshot(kms, key_id: str) -> dict:
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    return {
        "state": meta["KeyState"], "description": meta.get("Description"),
        "policy": kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"],
        "tags": kms.list_resource_tags(KeyId=key_id).get("Tags", []),
    }


def live_keys(kms) -> set[str]:
    ids = {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}
    return {k for k in ids if kms.describe_key(KeyId=k)["KeyMetadata"]["KeyState"] != "PendingDeletion"}


def roles_named(iam, prefix: str) -> list[str]:
    return [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(prefix)]


alias_target = aws.alias_target


def assert_import_hint(output: str, resource_type: str, import_id: str):
    flat = re.sub(r"\s+", " ", output)
    assert "already exists and this resource did not create it" in flat, output
    assert f"terraform import {resource_type}.<name> {import_id}" in flat, output
    assert f'import {{ to = {resource_type}.<name>, id = "{import_id}" }}' in flat, output


# --- platform_irsa_role -------------------------------------------------------

@pytest.mark.parametrize("drop", [False, True], ids=["answer_500", "connection_dropped"])
def test_ownership_irsa_lost_create_answer(workspace, iam, oidc, unique, fault_proxy, drop):
    """CreateRole takes effect but its answer is lost: the role is found by its
    owner marker and adopted; one role, an empty plan, and destroy removes it."""
    arn, _ = oidc
    name = f"own-lost-{unique}"
    fault_proxy.lose_answer("CreateRole", drop=drop)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url}
    workspace.write(irsa_config(arn, name))
    workspace.apply()
    workspace.assert_plan_empty()
    assert fault_proxy.injected["CreateRole"] == 1
    assert fault_proxy.calls["CreateRole"] == 1, "CreateRole was sent again after a lost answer"
    assert roles_named(iam, name) == [name]
    state = workspace.resource(IRSA)
    assert state["unique_id"] == iam.get_role(RoleName=name)["Role"]["RoleId"]
    assert "platform:owner" not in state["tags_all"], "the owner marker leaked into tags_all"
    workspace.destroy()
    assert not aws.role_exists(iam, name)


def test_ownership_irsa_lost_answer_then_nothing_made_is_created_once(workspace, iam, oidc, unique, fault_proxy):
    """A 500 that did NOT take effect (the classic before-fault): the role is
    looked for, not found, and created once."""
    arn, _ = oidc
    name = f"own-notmade-{unique}"
    fault_proxy.inject("CreateRole", 500, "ServiceFailure", "internal failure", times=1)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url}
    workspace.write(irsa_config(arn, name))
    workspace.apply()
    workspace.assert_plan_empty()
    assert fault_proxy.calls["CreateRole"] == 2 and roles_named(iam, name) == [name]
    workspace.destroy()
    assert not aws.role_exists(iam, name)


def test_ownership_irsa_foreign_role_is_never_touched(workspace, iam, oidc, unique):
    arn, _ = oidc
    name = f"own-foreign-{unique}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_EC2), Tags=[{"Key": "team", "Value": "x"}])
    iam.put_role_policy(RoleName=name, PolicyName="theirs", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    before = role_snapshot(iam, name)
    workspace.write(irsa_config(arn, name))
    result = workspace.apply(check=False)
    assert result.code == 1
    assert_import_hint(result.output, "platform_irsa_role", name)
    assert workspace.resources() == []
    assert role_snapshot(iam, name) == before
    workspace.destroy()
    workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert role_snapshot(iam, name) == before


def test_ownership_irsa_transient_not_found_is_not_gone(workspace, iam, oidc, unique, fault_proxy):
    arn, _ = oidc
    name = f"own-blip-{unique}"
    workspace.write(irsa_config(arn, name))
    workspace.apply()
    fault_proxy.inject("GetRole", 404, "NoSuchEntity", f"The role with name {name} cannot be found.", times=1)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url}
    workspace.assert_plan_empty()
    assert fault_proxy.injected["GetRole"] == 1
    workspace.destroy()
    assert not aws.role_exists(iam, name)


def test_ownership_irsa_malformed_answer_is_an_error_not_gone(workspace, iam, oidc, unique, fault_proxy):
    """An unreadable answer to GetRole during refresh fails the plan and keeps
    state: it is never taken as "deleted"."""
    arn, _ = oidc
    name = f"own-garbled-{unique}"
    # Unreadable answers are retried by the SDK like 5xx: keep that short here.
    workspace.write(irsa_config(arn, name, provider=block("provider", "platform", max_retries=1)))
    workspace.apply()
    fault_proxy.inject("GetRole", 200, "", "", times=10, mode="malformed")
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url}
    result = workspace.plan()
    assert result.code == 1 and f"reading IAM role `{name}`" in result.output, result.output
    assert workspace.resources() == [IRSA]
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": workspace.env["AWS_ENDPOINT_URL"]}
    workspace.assert_plan_empty()
    workspace.destroy()
    assert not aws.role_exists(iam, name)


def test_ownership_irsa_state_rm_then_apply(workspace, iam, oidc, unique):
    arn, _ = oidc
    name = f"own-rm-{unique}"
    workspace.write(irsa_config(arn, name))
    workspace.apply()
    before = role_snapshot(iam, name)
    workspace.run("state", "rm", IRSA)
    result = workspace.apply(check=False)
    assert result.code == 1
    assert_import_hint(result.output, "platform_irsa_role", name)
    assert role_snapshot(iam, name) == before and roles_named(iam, name) == [name]
    workspace.import_(IRSA, name)
    workspace.assert_plan_empty()
    workspace.destroy()
    assert not aws.role_exists(iam, name)


def test_ownership_irsa_delete_needs_the_recorded_identity(workspace, iam, oidc, unique):
    """The role is deleted and re-created by someone else under the same name:
    destroy (even without refresh) leaves the new one alone, with a warning."""
    arn, _ = oidc
    name = f"own-ident-{unique}"
    workspace.write(irsa_config(arn, name))
    workspace.apply()
    aws.delete_role(iam, name)
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    before = role_snapshot(iam, name)
    result = workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    assert f"IAM role `{name}` was not deleted" in result.output, result.output
    assert "not the one this resource created" in re.sub(r"\s+", " ", result.output)
    assert workspace.resources() == []
    assert role_snapshot(iam, name) == before


def test_ownership_irsa_adoption_with_import_block(workspace, iam, oidc, unique):
    """A role made by hand is adopted with an `import {}` block and
    `-generate-config-out`: the generated configuration is valid and the plan
    after the import is empty."""
    arn, issuer = oidc
    name = f"own-adopt-{unique}"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{issuer}:aud": "sts.amazonaws.com",
                                       f"{issuer}:sub": "system:serviceaccount:kube-system:sa"}}}]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    role_id = iam.get_role(RoleName=name)["Role"]["RoleId"]
    workspace.write('provider "platform" {}\n' + block("import", to=_raw(IRSA), id=name))
    workspace.run("plan", "-no-color", "-generate-config-out=generated.tf")
    generated = (workspace.dir / "generated.tf").read_text()
    assert 'resource "platform_irsa_role" "test"' in generated
    plan = workspace.plan()
    assert plan.code == 2 and "1 to import, 0 to add, 0 to change, 0 to destroy" in plan.output, plan.output
    workspace.apply()
    workspace.assert_plan_empty()
    assert iam.get_role(RoleName=name)["Role"]["RoleId"] == role_id
    workspace.destroy()
    assert not aws.role_exists(iam, name)


def _raw(text: str):
    from platform_acc.hcl import Raw
    return Raw(text)


# --- platform_ebs_storage and platform_vault_seal: keys and aliases ------------

@pytest.mark.parametrize("drop", [False, True], ids=["answer_500", "connection_dropped"])
def test_ownership_ebs_lost_create_key_answer(workspace, kms, iam, csi_role, unique, fault_proxy, drop):
    """CreateKey takes effect but its answer is lost: the key is found among the
    keys that appeared meanwhile by its owner marker; exactly one new key."""
    alias = f"alias/own-lost-{unique}"
    keys_before = live_keys(kms)
    fault_proxy.lose_answer("CreateKey", drop=drop)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_KMS": fault_proxy.url}
    workspace.write('provider "platform" {}\n' + ebs_config(alias, csi_role))
    workspace.apply()
    workspace.assert_plan_empty()
    assert fault_proxy.calls["CreateKey"] == 1, "CreateKey was sent again after a lost answer"
    new_keys = live_keys(kms) - keys_before
    key_id = workspace.resource(EBS)["key_id"]
    assert new_keys == {key_id}, f"expected exactly one new key, got {new_keys}"
    assert "platform:owner" not in workspace.resource(EBS)["tags_all"]
    workspace.destroy()
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert alias_target(kms, alias) is None


@pytest.mark.parametrize("resource", ["ebs", "seal"])
def test_ownership_foreign_alias_is_never_taken_over(workspace, kms, iam, csi_role, oidc, unique, resource):
    """An alias that already names a live key made elsewhere: the apply fails
    with the import command before creating anything, and the alias and its
    key are exactly as they were after apply, destroy and destroy -refresh=false."""
    arn, _ = oidc
    name = f"own{unique}"
    alias = f"alias/own-foreign-{unique}" if resource == "ebs" else f"alias/vault-{name}"
    foreign = kms.create_key(Description="someone else's")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=foreign)
    before = key_snapshot(kms, foreign)
    keys_before = live_keys(kms)
    cfg = ebs_config(alias, csi_role) if resource == "ebs" else seal_config(name, arn)
    resource_type = "platform_ebs_storage" if resource == "ebs" else "platform_vault_seal"
    workspace.write('provider "platform" {}\n' + cfg)
    result = workspace.apply(check=False)
    assert result.code == 1
    assert_import_hint(result.output, resource_type, alias)
    assert live_keys(kms) == keys_before, "a key was created although the alias was taken"
    assert not aws.role_exists(iam, f"vault-seal-{name}"), "a role was created although the alias was taken"
    for step in (lambda: workspace.destroy(),
                 lambda: workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")):
        step()
        assert alias_target(kms, alias) == foreign
        assert key_snapshot(kms, foreign) == before


def test_ownership_alias_of_a_key_pending_deletion_is_adopted(workspace, kms, iam, csi_role, unique):
    """The documented exception: an alias whose key is pending deletion."""
    alias = f"alias/own-pending-{unique}"
    doomed = kms.create_key(Description="doomed")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=doomed)
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    workspace.write('provider "platform" {}\n' + ebs_config(alias, csi_role))
    workspace.apply()
    workspace.assert_plan_empty()
    key_id = workspace.resource(EBS)["key_id"]
    assert alias_target(kms, alias) == key_id != doomed
    workspace.destroy()
    assert alias_target(kms, alias) is None


def test_ownership_two_resources_sharing_an_alias_fail_at_plan(workspace, kms, iam, csi_role, oidc, unique):
    arn, _ = oidc
    alias = f"alias/own-shared-{unique}"
    keys_before = live_keys(kms)
    workspace.write('provider "platform" {}\n' + ebs_config(alias, csi_role, "a") + ebs_config(alias, csi_role, "b"))
    result = workspace.plan()
    assert result.code == 1, result.output
    flat = re.sub(r"\s+", " ", result.output)
    assert f"`alias_name`: KMS alias `{alias}` is also the alias of a `platform_ebs_storage` in this configuration" in flat
    # Across resource types too.
    workspace.write('provider "platform" {}\n' + ebs_config(alias, csi_role, "a")
                    + seal_config(f"s{unique}", arn, alias_name=alias))
    result = workspace.apply(check=False)
    assert result.code == 1 and "is also the alias of a" in result.output, result.output
    assert live_keys(kms) == keys_before and alias_target(kms, alias) is None


def test_ownership_ebs_transient_not_found_is_not_gone(workspace, kms, iam, csi_role, unique, fault_proxy):
    alias = f"alias/own-blip-{unique}"
    workspace.write('provider "platform" {}\n' + ebs_config(alias, csi_role))
    workspace.apply()
    key_id = workspace.resource(EBS)["key_id"]
    fault_proxy.inject("DescribeKey", 400, "NotFoundException", f"Key '{key_id}' does not exist", times=1)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_KMS": fault_proxy.url}
    workspace.assert_plan_empty()
    assert fault_proxy.injected["DescribeKey"] == 1
    workspace.destroy()


def test_ownership_ebs_state_rm_then_apply(workspace, kms, iam, csi_role, unique):
    alias = f"alias/own-rm-{unique}"
    workspace.write('provider "platform" {}\n' + ebs_config(alias, csi_role))
    workspace.apply()
    key_id = workspace.resource(EBS)["key_id"]
    before = key_snapshot(kms, key_id)
    keys_before = live_keys(kms)
    workspace.run("state", "rm", EBS)
    result = workspace.apply(check=False)
    assert result.code == 1
    assert_import_hint(result.output, "platform_ebs_storage", alias)
    assert live_keys(kms) == keys_before and alias_target(kms, alias) == key_id
    assert key_snapshot(kms, key_id) == before
    workspace.import_(EBS, alias)
    workspace.assert_plan_empty()
    workspace.destroy()
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_ownership_ebs_adoption_rewrites_the_key_policy_in_place(workspace, kms, iam, csi_role, unique):
    """A hand-made key and alias adopted with an `import {}` block: the generated
    configuration is valid; the plan rewrites the key policy in place and never
    replaces or destroys the key."""
    alias = f"alias/own-adopt-{unique}"
    key_id = kms.create_key(Description="hand-made")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    workspace.write('provider "platform" {}\n' + block("import", to=_raw(EBS), id=alias))
    workspace.run("plan", "-no-color", "-generate-config-out=generated.tf")
    generated = (workspace.dir / "generated.tf").read_text()
    assert 'resource "platform_ebs_storage" "test"' in generated
    # The driver's role is not recorded on a hand-made key: name it.
    (workspace.dir / "generated.tf").write_text(
        re.sub(r"csi_driver_role_name\s*=\s*null", f'csi_driver_role_name = "{csi_role}"', generated))
    plan = workspace.plan()
    assert plan.code == 2, plan.output
    assert "0 to add" in plan.output and "0 to destroy" in plan.output, plan.output
    assert "must be replaced" not in plan.output and "will be destroyed" not in plan.output
    workspace.apply()
    workspace.assert_plan_empty()
    assert workspace.resource(EBS)["key_id"] == key_id and alias_target(kms, alias) == key_id
    workspace.destroy()
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_ownership_seal_lost_answers(workspace, kms, iam, oidc, unique, fault_proxy):
    """The seal makes a role and then a key; both answers are lost once.
    Exactly one role and one key exist, the plan is empty, and destroy removes both."""
    arn, _ = oidc
    name = f"l{unique}"
    keys_before = live_keys(kms)
    fault_proxy.lose_answer("CreateRole")
    fault_proxy.lose_answer("CreateKey", drop=True)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url, "AWS_ENDPOINT_URL_KMS": fault_proxy.url}
    workspace.write('provider "platform" {}\n' + seal_config(name, arn))
    workspace.apply()
    workspace.assert_plan_empty()
    assert fault_proxy.calls["CreateRole"] == 1 and fault_proxy.calls["CreateKey"] == 1
    state = workspace.resource(SEAL)
    assert live_keys(kms) - keys_before == {state["kms_key_id"]}
    assert roles_named(iam, f"vault-seal-{name}") == [f"vault-seal-{name}"]
    workspace.destroy()
    assert not aws.role_exists(iam, f"vault-seal-{name}")
    assert kms.describe_key(KeyId=state["kms_key_id"])["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_ownership_seal_transient_not_found_is_not_gone(workspace, kms, iam, oidc, unique, fault_proxy):
    arn, _ = oidc
    name = f"t{unique}"
    workspace.write('provider "platform" {}\n' + seal_config(name, arn))
    workspace.apply()
    key_id = workspace.resource(SEAL)["kms_key_id"]
    fault_proxy.inject("DescribeKey", 400, "NotFoundException", f"Key '{key_id}' does not exist", times=1)
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_KMS": fault_proxy.url}
    workspace.assert_plan_empty()
    workspace.destroy()
    assert not aws.role_exists(iam, f"vault-seal-{name}")


def test_ownership_seal_foreign_role_is_never_touched(workspace, kms, iam, oidc, unique):
    """A role named like the one the seal would create, made by someone else
    (without the seal's tag): the apply fails, nothing is left behind, and the
    role is exactly as it was after apply, destroy and destroy -refresh=false."""
    arn, _ = oidc
    name = f"r{unique}"
    role = f"vault-seal-{name}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    before = role_snapshot(iam, role)
    keys_before = live_keys(kms)
    workspace.write('provider "platform" {}\n' + seal_config(name, arn))
    result = workspace.apply(check=False)
    flat = re.sub(r"\s+", " ", result.output)
    assert result.code == 1 and f"IAM role `{role}`" in flat and "this resource did not create it" in flat, result.output
    assert workspace.resources() == [] and live_keys(kms) == keys_before
    assert alias_target(kms, f"alias/vault-{name}") is None
    for step in (lambda: workspace.destroy(),
                 lambda: workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")):
        step()
        assert role_snapshot(iam, role) == before


def test_ownership_seal_state_rm_then_apply(workspace, kms, iam, oidc, unique):
    arn, _ = oidc
    name = f"m{unique}"
    workspace.write('provider "platform" {}\n' + seal_config(name, arn))
    workspace.apply()
    state = workspace.resource(SEAL)
    before = key_snapshot(kms, state["kms_key_id"])
    role_before = role_snapshot(iam, state["seal_role_name"])
    keys_before = live_keys(kms)
    workspace.run("state", "rm", SEAL)
    result = workspace.apply(check=False)
    assert result.code == 1
    assert_import_hint(result.output, "platform_vault_seal", state["alias_name"])
    assert live_keys(kms) == keys_before and alias_target(kms, state["alias_name"]) == state["kms_key_id"]
    assert key_snapshot(kms, state["kms_key_id"]) == before
    assert role_snapshot(iam, state["seal_role_name"]) == role_before
    workspace.import_(SEAL, state["alias_name"])
    workspace.assert_plan_empty()
    workspace.destroy()
    assert not aws.role_exists(iam, state["seal_role_name"])


def test_ownership_seal_adoption_of_a_hand_made_key_is_refused(workspace, kms, unique):
    """The seal imports only keys it made (they name the seal and its role);
    an `import {}` of a hand-made key fails with that reason and changes nothing."""
    name = f"a{unique}"
    alias = f"alias/vault-{name}"
    key_id = kms.create_key(Description="hand-made seal key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    before = key_snapshot(kms, key_id)
    workspace.write('provider "platform" {}\n' + block("import", to=_raw(SEAL), id=alias))
    result = workspace.run("plan", "-no-color", "-generate-config-out=generated.tf", check=False)
    flat = re.sub(r"\s+", " ", result.output)
    assert result.code == 1 and "it was not made by platform_vault_seal" in flat, result.output
    assert key_snapshot(kms, key_id) == before and alias_target(kms, alias) == key_id
