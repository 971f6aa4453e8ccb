"""Acceptance cases for `platform_eks_oidc_provider`, against real Terraform and the emulator."""
from __future__ import annotations

import pytest

from platform_acc import aws
from platform_acc.hcl import block

ADDR = "platform_eks_oidc_provider.test"
PRINT_A = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
PRINT_B = "a" * 40


def config(url: str, **attrs) -> str:
    return 'provider "platform" {}\n' + block("resource", "platform_eks_oidc_provider", "test", url=url, **attrs)


OWNER_TAG = "platform:owner"


def user_tags(provider: dict) -> dict:
    """The provider's tags without the owner marker the create put on it."""
    return {t["Key"]: t["Value"] for t in provider.get("Tags", []) if t["Key"] != OWNER_TAG}


def remote(iam, arn: str) -> dict:
    return iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)


def gone(iam, arn: str) -> bool:
    try:
        remote(iam, arn)
        return False
    except iam.exceptions.NoSuchEntityException:
        return True


@pytest.fixture
def url(unique):
    return f"https://oidc.eks.us-east-1.amazonaws.com/id/{unique.upper()}"


def test_basic(workspace, iam, url, unique):
    workspace.write(config(url, tags={"purpose": "irsa"}))
    workspace.apply_clean()
    s = workspace.resource(ADDR)
    issuer = url.removeprefix("https://")
    assert s["arn"] == f"arn:aws:iam::{aws.ACCOUNT_ID}:oidc-provider/{issuer}" and s["id"] == s["arn"]
    assert s["issuer"] == issuer and s["client_ids"] == ["sts.amazonaws.com"]
    r = remote(iam, s["arn"])
    assert r["Url"] == issuer and r["ClientIDList"] == ["sts.amazonaws.com"]
    assert user_tags(r) == {"purpose": "irsa"}
    assert len({t["Key"]: t["Value"] for t in r["Tags"]}[OWNER_TAG]) == 32 and OWNER_TAG not in s["tags_all"]
    assert s["created_at"]
    workspace.destroy()
    assert gone(iam, s["arn"])


def test_update(workspace, iam, url):
    workspace.write(config(url, thumbprints=[PRINT_A]))
    workspace.apply_clean()
    arn = workspace.resource(ADDR)["arn"]
    workspace.write(config(url, client_ids=["sts.amazonaws.com", "vault"], thumbprints=[PRINT_B], tags={"k": "v"}))
    plan = workspace.assert_plan_changes("will be updated in-place")
    assert "must be replaced" not in plan.stdout
    workspace.apply_clean()
    r = remote(iam, arn)
    assert sorted(r["ClientIDList"]) == ["sts.amazonaws.com", "vault"] and r["ThumbprintList"] == [PRINT_B]
    assert user_tags(r) == {"k": "v"}
    workspace.write(config(url, client_ids=["vault"], thumbprints=[PRINT_B]))
    workspace.apply_clean()
    assert remote(iam, arn)["ClientIDList"] == ["vault"] and user_tags(remote(iam, arn)) == {}
    # A new issuer is a new provider.
    workspace.write(config(url + "X", client_ids=["vault"]))
    workspace.assert_plan_changes("must be replaced")
    workspace.apply_clean()
    assert gone(iam, arn)
    workspace.destroy()


def test_import(workspace, new_workspace, iam, url):
    cfg = config(url, thumbprints=[PRINT_A], tags={"k": "v"})
    workspace.write(cfg)
    workspace.apply_clean()
    created = workspace.resource(ADDR)
    imported = new_workspace("imported")
    imported.write(cfg)
    imported.import_(ADDR, created["arn"])
    assert imported.resource(ADDR) == created
    imported.assert_plan_empty()
    workspace.destroy()


def test_disappears(workspace, iam, url):
    workspace.write(config(url))
    workspace.apply_clean()
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=workspace.resource(ADDR)["arn"])
    refresh = workspace.run("apply", "-refresh-only", "-auto-approve", "-no-color")
    assert "Error" not in refresh.output and workspace.resources() == []
    workspace.assert_plan_changes(f"{ADDR} will be created")
    workspace.apply_clean()
    workspace.destroy()


def test_drift(workspace, iam, url):
    workspace.write(config(url, thumbprints=[PRINT_A]))
    workspace.apply_clean()
    arn = workspace.resource(ADDR)["arn"]
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="rogue-audience")
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn, ThumbprintList=[PRINT_B])
    workspace.assert_plan_changes('- "rogue-audience"', f'- "{PRINT_B}"', f'+ "{PRINT_A}"')
    workspace.apply_clean()
    r = remote(iam, arn)
    assert r["ClientIDList"] == ["sts.amazonaws.com"] and r["ThumbprintList"] == [PRINT_A]
    workspace.destroy()


def test_no_perpetual_diff(workspace, iam, url):
    workspace.write(config(url, client_ids=["b", "a", "sts.amazonaws.com"], thumbprints=[PRINT_B, PRINT_A]))
    workspace.apply_clean()
    workspace.assert_plan_empty()
    workspace.destroy()


def test_copy_for_irsa_in_another_account(workspace, iam, url, unique):
    """The issuer registered here, and an IRSA role trusting it."""
    workspace.write(f'''
    provider "platform" {{}}
    resource "platform_eks_oidc_provider" "test" {{
      url = "{url}"
    }}
    resource "platform_irsa_role" "external_dns" {{
      name              = "external-dns-{unique}"
      oidc_provider_arn = platform_eks_oidc_provider.test.arn
      service_accounts  = [{{ namespace = "external-dns", name = "external-dns" }}]
    }}
    ''')
    workspace.apply_clean()
    provider = workspace.resource(ADDR)
    trust = workspace.resource("platform_irsa_role.external_dns")["trust_policy"]
    assert provider["arn"] in trust and f'{provider["issuer"]}:sub' in trust
    workspace.destroy()
    assert gone(iam, provider["arn"]) and not aws.role_exists(iam, f"external-dns-{unique}")


BAD_INPUT = [
    ({"url": "http://oidc.example.com/id/X"}, "`url`", "must start with \"https://\""),
    ({"url": "https://oidc.example.com/id/X/"}, "`url`", "no trailing '/'"),
    ({"url": "https://localhost"}, "`url`", "must be an issuer URL"),
    ({"url": "https://issuer.example.com:8443/id/X"}, "`url`", "must not name a port"),
    ({"client_ids": []}, "`client_ids`", "at least one audience"),
    ({"client_ids": ["a" * 256]}, "`client_ids`", "client ids must be 1 to 255 characters"),
    ({"thumbprints": ["abc"]}, "`thumbprints`", "40 hex digits"),
    ({"thumbprints": [f"{i}" * 40 for i in range(6)]}, "`thumbprints`", "at most 5"),
]


@pytest.mark.parametrize("attrs,path,rule", BAD_INPUT, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_INPUT)])
def test_bad_input(workspace, url, attrs, path, rule):
    attrs = dict(attrs)
    workspace.write(config(attrs.pop("url", url), **attrs))
    result = workspace.plan()
    assert result.code == 1, result.output
    assert f"{path}: " in result.output and rule in result.output, result.output


# ---- ownership ----------------------------------------------------------------------

def providers_for(iam, url: str) -> list[str]:
    host = url.removeprefix("https://")
    return [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
            if p["Arn"].endswith(host)]


@pytest.mark.parametrize("drop", [False, True], ids=["500", "drop"])
def test_ownership_lost_answer(workspace, fault_proxy, iam, url, drop):
    """CreateOpenIDConnectProvider takes effect but its answer is lost: the
    provider is found by its ARN with this create's marker and adopted;
    exactly one exists, and destroy leaves none."""
    fault_proxy.lose_answer("CreateOpenIDConnectProvider", drop=drop)
    workspace.write(f'provider "platform" {{\n  endpoints {{\n    iam = "{fault_proxy.url}"\n  }}\n}}\n'
                    + block("resource", "platform_eks_oidc_provider", "test", url=url, tags={"k": "v"}))
    workspace.apply_clean()
    assert fault_proxy.injected["CreateOpenIDConnectProvider"] == 1
    assert fault_proxy.calls["CreateOpenIDConnectProvider"] == 1
    s = workspace.resource(ADDR)
    assert providers_for(iam, url) == [s["arn"]] and s["tags_all"] == {"k": "v"}
    workspace.destroy()
    assert providers_for(iam, url) == []


def test_ownership_foreign_provider_is_never_touched(workspace, iam, url):
    """A provider for the URL made outside Terraform: the apply fails with the
    import hint and the provider is untouched through apply, destroy and
    destroy -refresh=false; adopted with an `import {}` block and
    `plan -generate-config-out`, its plan is empty."""
    arn = iam.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"],
                                              Tags=[{"Key": "team", "Value": "x"}])["OpenIDConnectProviderArn"]
    before = remote(iam, arn)
    before.pop("ResponseMetadata")
    workspace.write(config(url))
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"IAM OIDC provider `{url}` already exists" in out, out
    assert f"terraform import platform_eks_oidc_provider.<name> {arn}" in out
    workspace.destroy()
    workspace.run("destroy", "-auto-approve", "-no-color", "-refresh=false")
    after = remote(iam, arn)
    after.pop("ResponseMetadata")
    assert after == before

    adopt = workspace.dir / "main.tf"
    adopt.unlink()
    workspace.write(f'provider "platform" {{}}\nimport {{\n  to = {ADDR}\n  id = "{arn}"\n}}\n', "import.tf")
    workspace.run("plan", "-no-color", "-input=false", "-generate-config-out=generated.tf")
    plan = workspace.plan()
    assert "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy." in plan.stdout, plan.output
    workspace.apply()
    workspace.assert_plan_empty()
    assert workspace.resource(ADDR)["created_at"]


def test_ownership_transient_not_found_and_state_rm(workspace, fault_proxy, iam, url):
    """One NoSuchEntity during refresh plans nothing. Forgotten by `terraform
    state rm`, the provider is not taken over: the apply fails with the import
    command and deletes nothing."""
    workspace.write(f'provider "platform" {{\n  endpoints {{\n    iam = "{fault_proxy.url}"\n  }}\n}}\n'
                    + block("resource", "platform_eks_oidc_provider", "test", url=url))
    workspace.apply_clean()
    fault_proxy.inject("GetOpenIDConnectProvider", 404, "NoSuchEntity", "OpenIDConnect Provider not found")
    workspace.assert_plan_empty()
    assert fault_proxy.injected["GetOpenIDConnectProvider"] == 1
    s = workspace.resource(ADDR)
    workspace.run("state", "rm", ADDR)
    result = workspace.apply(check=False)
    out = " ".join(result.output.split())
    assert result.code == 1 and f"terraform import platform_eks_oidc_provider.<name> {s['arn']}" in out, out
    assert providers_for(iam, url) == [s["arn"]] and remote(iam, s["arn"])["CreateDate"]
    workspace.import_(ADDR, s["arn"])
    workspace.assert_plan_empty()
    workspace.destroy()
    assert providers_for(iam, url) == []
