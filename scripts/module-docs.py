#!/usr/bin/env python3
"""Writes the Requirements, Resources, Inputs and Outputs sections of every
module's README (modules/<name>/README.md), between the markers

    <!-- BEGIN_TF_DOCS -->
    <!-- END_TF_DOCS -->

from the module's own *.tf files, parsed with python-hcl2 (pinned in
acceptance-tests/requirements.txt, installed by scripts/setup.sh), in the layout
terraform-docs gives terraform-aws-modules' READMEs.

    python scripts/module-docs.py           # rewrite the READMEs
    python scripts/module-docs.py --check   # exit 1 when a README is stale

Every variable and output must have a description: a missing one is an error
in both modes. Run it with the project's venv (`.venv/bin/python`).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

try:
    import hcl2
except ImportError:  # pragma: no cover - a setup problem, said plainly
    sys.exit("module-docs: python-hcl2 is missing; run: bash scripts/setup.sh "
             "(or: .venv/bin/pip install -r acceptance-tests/requirements.txt)")

REPO = Path(__file__).resolve().parents[1]
BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
FIX = "python scripts/module-docs.py"


def unquote(text: str) -> str:
    """An HCL string literal as python-hcl2 returns it ("\"...\"") -> its value."""
    if isinstance(text, str) and len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return json.loads(text)
    return text


def expression(value) -> str:
    """A type or expression as python-hcl2 returns it ("${...}") -> HCL text."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return unquote(value) if isinstance(value, str) else json.dumps(value)


def hcl_value(value) -> str:
    """A default value -> HCL text (strings quoted, lists and maps as HCL)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        if value.startswith("${") and value.endswith("}"):
            return value[2:-1]
        if value.startswith('"'):
            return value
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(hcl_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = [(k, v) for k, v in value.items() if k != "__is_block__"]
        return "{" + ", ".join(f"{unquote(k) if k.startswith(chr(34)) else k} = {hcl_value(v)}" for k, v in items) + "}"
    return json.dumps(value)


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def code(text: str) -> str:
    return "`" + cell(text) + "`" if "`" not in text else "<code>" + cell(text) + "</code>"


class ModuleError(Exception):
    pass


def blocks(parsed: dict, kind: str):
    for entry in parsed.get(kind, []):
        for name, body in entry.items():
            yield unquote(name), body


def render(module: Path) -> str:
    variables, outputs, resources, data_sources, modules, requirements = [], [], [], [], [], []
    problems = []
    for tf in sorted(module.glob("*.tf")):
        with tf.open() as f:
            parsed = hcl2.load(f)
        for name, body in blocks(parsed, "variable"):
            if "description" not in body:
                problems.append(f"{tf.relative_to(REPO)}: variable `{name}` has no description")
            variables.append((name, body))
        for name, body in blocks(parsed, "output"):
            if "description" not in body:
                problems.append(f"{tf.relative_to(REPO)}: output `{name}` has no description")
            outputs.append((name, body))
        for entry in parsed.get("resource", []):
            for rtype, named in entry.items():
                for rname in named:
                    resources.append(f"{unquote(rtype)}.{unquote(rname)}")
        for entry in parsed.get("data", []):
            for dtype, named in entry.items():
                for dname in named:
                    data_sources.append(f"data.{unquote(dtype)}.{unquote(dname)}")
        for name, body in blocks(parsed, "module"):
            modules.append((name, unquote(body.get("source", ""))))
        for block in parsed.get("terraform", []):
            if "required_version" in block:
                requirements.append(("terraform", unquote(block["required_version"])))
            for providers in block.get("required_providers", []):
                for pname, spec in providers.items():
                    if pname == "__is_block__":
                        continue
                    requirements.append((pname, f"{unquote(spec.get('source', ''))} {unquote(spec.get('version', ''))}".strip()))
    if problems:
        raise ModuleError("\n".join(problems))

    lines = [BEGIN, "## Requirements", "", "| Name | Version |", "|------|---------|"]
    lines += [f"| {name} | {code(version)} |" for name, version in requirements]
    lines += ["", "## Resources", "", "| Name | Type |", "|------|------|"]
    lines += [f"| {code(r)} | resource |" for r in sorted(resources)]
    lines += [f"| {code(d)} | data source |" for d in sorted(data_sources)]
    if modules:
        lines += ["", "## Modules", "", "| Name | Source |", "|------|--------|"]
        lines += [f"| {name} | {code(source)} |" for name, source in sorted(modules)]
    lines += ["", "## Inputs", "", "| Name | Description | Type | Default | Required |",
              "|------|-------------|------|---------|:--------:|"]
    # Required inputs first, then the optional ones, each by name (terraform-docs' order).
    for name, body in sorted(variables, key=lambda v: ("default" in v[1], v[0])):
        required = "default" not in body
        default = "n/a" if required else code(hcl_value(body["default"]))
        sensitive = " (sensitive)" if body.get("sensitive") is True else ""
        lines.append(f"| {name} | {cell(unquote(body['description']))}{sensitive} | "
                     f"{code(expression(body.get('type', 'any')))} | {default} | {'yes' if required else 'no'} |")
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    for name, body in sorted(outputs):
        sensitive = " (sensitive)" if body.get("sensitive") is True else ""
        lines.append(f"| {name} | {cell(unquote(body['description']))}{sensitive} |")
    lines.append(END)
    return "\n".join(lines)


def updated(readme: Path, section: str) -> str:
    text = readme.read_text() if readme.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: section, text, count=1)
    raise ModuleError(f"{readme.relative_to(REPO)} has no {BEGIN} ... {END} markers: add them where the tables go")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when a README is stale instead of writing it")
    parser.add_argument("modules", nargs="*", type=Path, help="module directories (default: modules/*/)")
    args = parser.parse_args()
    dirs = args.modules or sorted(p.parent for p in (REPO / "modules").glob("*/versions.tf"))
    stale, failed = [], False
    for module in dirs:
        module = module.resolve()
        readme = module / "README.md"
        try:
            new = updated(readme, render(module))
        except ModuleError as err:
            print(f"module-docs: {err}", file=sys.stderr)
            failed = True
            continue
        if new != readme.read_text():
            if args.check:
                stale.append(readme.relative_to(REPO))
            else:
                readme.write_text(new)
                print(f"module-docs: wrote {readme.relative_to(REPO)}", file=sys.stderr)
    if stale:
        print("module-docs: stale README(s): " + ", ".join(map(str, stale)) + f"; run: {FIX}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
