"""Failed applies of `platform_irsa_role`, `platform_ebs_storage`,
`platform_vault_seal` and `platform_eks_oidc_provider` (issue 23): a create
that fails at each of its API steps (500 after forwarding, and a dropped
connection, with the SDK's retries off), a create whose answer is lost on
every attempt (and whose lookup cannot decide), and tainted instances.

Every case then applies again and destroys: exactly one object of each kind
after the second apply (a replaced key is pending deletion), nothing after
the destroy, and never an "invalid result object" or "inconsistent result"
from Terraform. Faults come from the fault proxy (`platform_acc.faults`) in
front of IAM and KMS."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from platform_acc import aws
from platform_acc.hcl import block

from test_ownership_aws import TRUST_EC2, alias_target

PROVIDER = block("provider", "platform", max_retries=0)
BUGS = ("invalid result object", "inconsistent result", "Provider produced", "provider bug")
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
S3_READ = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
OWNER_TAG = "platform:owner"


def no_bug(*results) -> None:
    for result in results:
        for text in BUGS:
            assert text not in result.output, f"{text!r} in:\n{result}"


def flat(text: str) -> str:
    return " ".join(text.split())


def tainted(ws) -> list[str]:
    return [r["address"] for r in ws.state().get("root_module", {}).get("resources", []) if r.get("tainted")]


@dataclass
class Subject:
    """One resource under test: its configuration, the objects it makes as the
    emulator counts them, and what identifies the incarnation made."""
    address: str
    config: str
    objects: Callable[[], dict[str, int]]
    identity: Callable[[], Any]
    one: dict[str, int] = field(default_factory=dict)

    @property
    def none(self) -> dict[str, int]:
        return {k: 0 for k in self.one}


@pytest.fixture
def kms(emulator):
    return aws.client("kms", emulator.url)


@pytest.fixture
def ws(workspace, fault_proxy):
    workspace.env = {**workspace.env, "AWS_ENDPOINT_URL_IAM": fault_proxy.url, "AWS_ENDPOINT_URL_KMS": fault_proxy.url}
    return workspace


@pytest.fixture
def oidc_arn(iam, unique):
    return aws.create_oidc_provider(iam, f"oidc.eks.us-east-1.amazonaws.com/id/F{unique.upper()}")


def new_live_keys(kms, before: set[str]) -> set[str]:
    """The keys made since `before`, not pending deletion (only those are described)."""
    ids = {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]} - before
    return {k for k in ids if kms.describe_key(KeyId=k)["KeyMetadata"]["KeyState"] != "PendingDeletion"}


def inline_names(iam, role: str) -> list[str]:
    try:
        return iam.list_role_policies(RoleName=role)["PolicyNames"]
    except iam.exceptions.NoSuchEntityException:
        return []


def irsa(iam, kms, unique, oidc_arn) -> Subject:
    name = f"fa-{unique}"
    config = block("resource", "platform_irsa_role", "test", name=name, oidc_provider_arn=oidc_arn,
                   service_accounts=[{"namespace": "kube-system", "name": "sa"}],
                   inline_policies={"s3": json.dumps(S3_READ)}, policy_arns=[READ_ONLY])

    def objects():
        if not aws.role_exists(iam, name):
            return {"role": 0, "inline": 0, "attached": 0}
        return {"role": 1, "inline": len(inline_names(iam, name)),
                "attached": len(iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])}
    return Subject("platform_irsa_role.test", config, objects,
                   lambda: iam.get_role(RoleName=name)["Role"]["RoleId"], {"role": 1, "inline": 1, "attached": 1})


def ebs(iam, kms, unique, oidc_arn) -> Subject:
    alias = f"alias/fa-{unique}"
    role = f"fa-csi-{unique}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    before = {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}
    config = block("resource", "platform_ebs_storage", "test", alias_name=alias, csi_driver_role_name=role)

    def objects():
        return {"key": len(new_live_keys(kms, before)), "alias": int(alias_target(kms, alias) is not None),
                "policy": len(inline_names(iam, role))}
    return Subject("platform_ebs_storage.test", config, objects, lambda: new_live_keys(kms, before),
                   {"key": 1, "alias": 1, "policy": 1})


def seal(iam, kms, unique, oidc_arn) -> Subject:
    name = f"fa{unique}"
    role = f"vault-seal-{name}"
    before = {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}
    config = block("resource", "platform_vault_seal", "test", name=name, oidc_provider_arn=oidc_arn,
                   service_accounts=[{"namespace": "vault", "name": "vault"}])

    def objects():
        return {"key": len(new_live_keys(kms, before)), "alias": int(alias_target(kms, f"alias/vault-{name}") is not None),
                "role": int(aws.role_exists(iam, role)), "policy": len(inline_names(iam, role))}
    return Subject("platform_vault_seal.test", config, objects,
                   lambda: (new_live_keys(kms, before), iam.get_role(RoleName=role)["Role"]["RoleId"]),
                   {"key": 1, "alias": 1, "role": 1, "policy": 1})


def oidc_provider(iam, kms, unique, oidc_arn) -> Subject:
    issuer = f"oidc.eks.us-east-1.amazonaws.com/id/FP{unique.upper()}"
    arn = f"arn:aws:iam::{aws.ACCOUNT_ID}:oidc-provider/{issuer}"
    config = block("resource", "platform_eks_oidc_provider", "test", url=f"https://{issuer}")

    def objects():
        arns = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
        return {"provider": arns.count(arn)}

    def marker():
        tags = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn).get("Tags", [])
        return {t["Key"]: t["Value"] for t in tags}[OWNER_TAG]
    return Subject("platform_eks_oidc_provider.test", config, objects, marker, {"provider": 1})


SUBJECTS = {"irsa_role": irsa, "ebs_storage": ebs, "vault_seal": seal, "oidc_provider": oidc_provider}
LOST = "the answer was lost (fault proxy)"


def lose(fault_proxy, action: str, mode: str, times: int = 1) -> None:
    if mode == "before":
        fault_proxy.inject(action, 500, "ServiceFailure", "internal failure (fault proxy)", times)
    else:
        fault_proxy.lose_answer(action, times=times, drop=mode == "drop_after")


def first_kind(subject: Subject) -> int:
    """How many of the resource's main object (role, key, provider) exist."""
    return subject.objects()[next(iter(subject.one))]


def apply_failing(ws, fault_proxy, subject: Subject, faults: list[tuple[str, str, int]]):
    """One apply with `faults` injected; it must fail, leaving the instance
    tainted, with no Terraform bug reported. Returns the apply's result and
    the proxy's call counts at its end."""
    for action, mode, times in faults:
        lose(fault_proxy, action, mode, times)
    result = ws.apply(check=False)
    fault_proxy.faults.clear()
    calls = dict(fault_proxy.calls)
    no_bug(result)
    for action, _, _ in faults:
        assert fault_proxy.injected[action] >= 1, f"{action} was never called:\n{result.output}"
    assert result.code == 1, result.output
    assert tainted(ws) == [subject.address], result.output
    return result, calls


def converge_and_destroy(ws, subject: Subject, result) -> None:
    """After the apply that converged (`result`): one object of each kind, no
    warning about an object left alone, an empty plan; then destroy leaves nothing."""
    no_bug(result)
    assert "was not deleted" not in result.output and "not the one" not in flat(result.output), result.output
    assert tainted(ws) == [] and subject.objects() == subject.one, result.output
    ws.assert_plan_empty()
    no_bug(ws.destroy())
    assert subject.objects() == subject.none and ws.resources() == []


# Per resource, the create steps whose failure leaves the object made (the
# instance is tainted), in the order the create makes them, and the creates
# whose lost answer is found (by the owner marker; the alias by its target):
# the apply succeeds.
CHAINS = {
    "irsa_role": (["PutRolePolicy", "AttachRolePolicy"], ["CreateRole"]),
    # A lost CreateAlias answer: the alias is re-read, and pointing at the key it is the one just made.
    "ebs_storage": (["EnableKeyRotation", "PutRolePolicy"], ["CreateKey", "CreateAlias"]),
    "vault_seal": (["EnableKeyRotation", "PutRolePolicy"], ["CreateRole", "CreateKey", "CreateAlias"]),
    # GetOpenIDConnectProvider: reading `created_at` back after the create.
    "oidc_provider": (["GetOpenIDConnectProvider"], ["CreateOpenIDConnectProvider"]),
}


def failed_apply_chain(ws, fault_proxy, subject: Subject, mode: str, steps: list[str], lost: list[str]) -> None:
    """The first apply fails at the first step; each next apply replaces the
    tainted instance (deleting exactly it) and fails at the next step; the
    last one loses the answers of the creates (found by their markers) and
    converges. Then an empty plan, and destroy leaves nothing."""
    ws.write(PROVIDER + subject.config)
    old = None
    for step in steps:
        apply_failing(ws, fault_proxy, subject, [(step, mode, 1)])
        assert first_kind(subject) == 1, f"after {step}: {subject.objects()}"
        now = subject.identity()
        assert now != old, f"after {step}: the tainted object was not replaced"
        old = now
    for create in lost:
        lose(fault_proxy, create, mode)
    result = ws.apply()
    fault_proxy.faults.clear()
    for create in lost:
        assert fault_proxy.injected[create] >= 1, f"{create} was never called"
    assert subject.identity() != old, "the tainted object was not replaced"
    converge_and_destroy(ws, subject, result)


def _failed_apply(resource: str):
    steps, lost = CHAINS[resource]

    @pytest.mark.parametrize("mode", ["after", "drop_after"])
    def test(ws, fault_proxy, iam, kms, unique, oidc_arn, mode):
        failed_apply_chain(ws, fault_proxy, SUBJECTS[resource](iam, kms, unique, oidc_arn), mode, steps, lost)
    test.__doc__ = (f"`{resource}`: a create failing at {', '.join(steps)} in turn (each apply replacing the tainted "
                    f"instance), then at {', '.join(lost)} with the answer lost; then destroy.")
    return test


# The create's answer is lost on every attempt and the lookup after it fails:
# outcome unknown. (With a working lookup, each create finds its object by its
# marker: the last apply of each chain above.) For the role also a create
# refused before taking effect on every attempt, whose lookups find nothing:
# refresh forgets it.
LOST_EVERY_RETRY = {
    "irsa_role": {"lookup_fails": [("CreateRole", "after", 5), ("GetRole", "before", 1)],
                  "nothing_made": [("CreateRole", "before", 5)]},
    "ebs_storage": {"lookup_fails": [("CreateKey", "after", 5), ("ListResourceTags", "before", 1)]},
    "vault_seal": {"lookup_fails": [("CreateKey", "after", 5), ("ListResourceTags", "before", 1)]},
    "oidc_provider": {"lookup_fails": [("CreateOpenIDConnectProvider", "after", 5),
                                       ("GetOpenIDConnectProvider", "before", 1)]},
}


def _lost_every_retry(resource: str):
    cases = LOST_EVERY_RETRY[resource]

    @pytest.mark.parametrize("faults", list(cases.values()), ids=list(cases))
    def test(ws, fault_proxy, iam, kms, unique, oidc_arn, faults):
        subject = SUBJECTS[resource](iam, kms, unique, oidc_arn)
        ws.write(PROVIDER + subject.config)
        result, calls = apply_failing(ws, fault_proxy, subject, faults)
        assert "was lost on every attempt" in flat(result.output), result.output
        create, mode, _ = faults[0]
        if mode == "after":
            assert calls[create] == 1, "a create whose answer was lost was sent again"
            assert first_kind(subject) == 1
            old = subject.identity()
        else:
            assert first_kind(subject) == 0
            old = None
        # Refresh finds the object by its marker (it is replaced), or forgets the instance.
        result = ws.apply()
        if old is not None:
            assert subject.identity() != old, "the object of the unknown create was not replaced"
        converge_and_destroy(ws, subject, result)
    test.__doc__ = f"`{resource}`: the create's answer lost on every attempt; the outcome is unknown until refresh."
    return test


def _tainted(resource: str):
    def test(ws, fault_proxy, iam, kms, unique, oidc_arn):
        """`terraform taint`: the apply's plan shows the replacement, apply
        replaces exactly that object (one of each kind left), and destroy of a
        tainted instance deletes it."""
        subject = SUBJECTS[resource](iam, kms, unique, oidc_arn)
        ws.write(PROVIDER + subject.config)
        no_bug(ws.apply())
        old = subject.identity()
        ws.run("taint", subject.address)
        result = ws.apply()
        no_bug(result)
        assert "is tainted, so must be replaced" in result.output, result.output
        assert tainted(ws) == [] and subject.objects() == subject.one and subject.identity() != old
        ws.run("taint", subject.address)
        plan = ws.plan()
        assert plan.code == 2 and "is tainted, so must be replaced" in plan.output, plan.output
        no_bug(plan, ws.destroy())
        assert subject.objects() == subject.none and ws.resources() == []
    return test


# One parametrised case per resource and kind:
# test_ownership_failed_apply_<resource>[<mode>] (every create step, in turn),
# test_ownership_failed_apply_<resource>_answer_lost_every_retry[...] and
# test_ownership_tainted_<resource>.
for _resource in SUBJECTS:
    globals()[f"test_ownership_failed_apply_{_resource}"] = _failed_apply(_resource)
    globals()[f"test_ownership_failed_apply_{_resource}_answer_lost_every_retry"] = _lost_every_retry(_resource)
    globals()[f"test_ownership_tainted_{_resource}"] = _tainted(_resource)
