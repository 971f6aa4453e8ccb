"""examples/complete, the README's demo, in the suite: the demo's own flow
(`platform_acc.demo.run`: prerequisites, apply, the next steps printed, a
second plan that must exit 0, destroy, nothing left in either AWS account or
in the Spacelift fake), against this process's emulator, with checks of where
each object landed."""
from __future__ import annotations

import json
import subprocess
import sys

from platform_acc import aws, complete, demo
from platform_acc.terraform import REPO

DELAY = {"managed-by": "terraform", "platform-emulator/delay-seconds": "0.3"}


def test_basic(emulator, network, spacelift, provider_dir, tmp_path, unique, capsys):
    name = f"c-{unique}"
    spacelift.add_api_key(demo.API_KEY_ID, demo.API_KEY_SECRET)
    seen = {}

    def checks(ws, made):
        out = ws.outputs()
        seen["outputs"] = out
        assert out["update_kubeconfig_command"] == f"aws eks update-kubeconfig --region {aws.REGION} --name {name}"
        assert "name: \"ebs-gp3-encrypted\"" in out["storage_class_manifest"]
        assert 'storageclass.kubernetes.io/is-default-class: "true"' in out["storage_class_manifest"]
        assert 'seal "awskms"' in out["vault_seal_stanza"]
        # The cluster, its two node groups, the five core add-ons and the
        # admins' entry in the cluster's account.
        mine = {w.split(" ", 1)[1] for w in made if w.startswith(aws.ACCOUNT_ID)}
        assert {f"eks cluster {name}", f"eks node group {name}/system", f"eks node group {name}/workers",
                f"eks access entry {name}/{json.loads(ws.env['TF_VAR_cluster_admin_arns'])[0]}"} <= mine
        assert {a for a in mine if a.startswith("eks add-on")} == {
            f"eks add-on {name}/{a}" for a in
            ("vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "aws-ebs-csi-driver")}
        # external-dns and cert-manager in the DNS account, trusting the copy
        # of the cluster's OIDC provider there; not in the cluster's account.
        dns = {w.split(" ", 1)[1] for w in made if w.startswith(complete.DNS_ACCOUNT)}
        assert {f"iam role {name}-external-dns", f"iam role {name}-cert-manager"} <= dns
        assert sum(w.startswith("iam OIDC provider") for w in dns) == 1
        assert f"iam role {name}-external-dns" not in mine
        dns_iam = complete.account_client("iam", emulator.url, complete.DNS_ACCOUNT)
        trust = dns_iam.get_role(RoleName=f"{name}-external-dns")["Role"]["AssumeRolePolicyDocument"]
        assert f"arn:aws:iam::{complete.DNS_ACCOUNT}:oidc-provider/" in json.dumps(trust)
        assert out["controller_role_arns"]["external_dns"].startswith(f"arn:aws:iam::{complete.DNS_ACCOUNT}:role/")
        # The context, with the seal stanza mounted, attached to the stack.
        ctx = spacelift.snapshot(out["spacelift_context_id"])
        assert [a["stackId"] for a in ctx["attachments"].values()] == [complete.DOWNSTREAM_STACK]
        assert set(out["spacelift_attachments"]) == {complete.DOWNSTREAM_STACK}
        config = json.dumps(ctx["config"])
        assert "vault-seal.hcl" in config and "TF_VAR_cluster_name" in config and "TF_VAR_external_dns_role_arn" in config

    summary = demo.run(emulator.url, spacelift, provider_dir, tmp_path, demo.Phases(), name=name,
                       extra_env={"TF_VAR_tags": json.dumps(DELAY)}, after_apply=checks, network=network)
    printed = capsys.readouterr().out
    assert seen["outputs"]["update_kubeconfig_command"] in printed and "exit code 0" in printed
    assert "nothing left" in printed and len(summary["made"]) > len(summary["resources"]) >= 19


def test_readme_is_current():
    """examples/complete/README.md's inputs and outputs are generated from the example."""
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "module-docs.py"), "--check", str(complete.EXAMPLE)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
