"""The generated docs against the schema as Terraform itself sees it
(`terraform providers schema -json`): every block and attribute of every
resource, data source and the provider is listed, in the section its
constraint puts it in (a block with `min_items >= 1` is Required), and
wherever a description or the README mentions a block in words, it uses the
block's exact name."""
from __future__ import annotations

import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def schema(workspace) -> dict:
    workspace.write('terraform {\n  required_providers {\n    platform = { source = "platform-rs/platform" }\n  }\n}\n'
                    'provider "platform" {}\n')
    result = workspace.run("providers", "schema", "-json")
    schemas = json.loads(result.stdout)["provider_schemas"]
    (key,) = [k for k in schemas if k.endswith("platform-rs/platform")]
    return schemas[key]


def sections(markdown: str, heading_prefix: str) -> dict[str, str]:
    """`### Required` / `### Optional` / `### Read-Only` → item names, for the
    part of the page under `heading_prefix` (the top schema or a nested one)."""
    part = markdown.split(heading_prefix, 1)[1]
    part = re.split(r"\n<a id=\"nestedblock--", part, maxsplit=1)[0]
    found = {}
    current = None
    for line in part.splitlines():
        m = re.match(r"^#+ (Required|Optional|Read-Only)$", line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r"^- `([^`]+)` \(", line)
        if m and current:
            found[m.group(1)] = current
    return found


def expected_sections(block: dict) -> dict[str, str]:
    out = {}
    for name, attr in block.get("attributes", {}).items():
        out[name] = "Required" if attr.get("required") else "Optional" if attr.get("optional") else "Read-Only"
    for name, nested in block.get("block_types", {}).items():
        out[name] = "Required" if nested.get("min_items", 0) >= 1 else "Optional"
    return out


def check_block(markdown: str, page: str, heading: str, block: dict, problems: list[str]):
    got = sections(markdown, heading)
    want = expected_sections(block)
    for name, section in want.items():
        if got.get(name) != section:
            problems.append(f"{page}: `{name}` is listed under {got.get(name)!r}, Terraform says {section}")
    for name in got.keys() - want.keys():
        problems.append(f"{page}: `{name}` is in the docs but not in the schema")
    for name, nested in block.get("block_types", {}).items():
        check_block(markdown, page, f"Nested Schema for `{name}`", nested["block"], problems)
        kind = "Block, Required" if nested.get("min_items", 0) >= 1 else None
        if kind and f"- `{name}` ({kind})" not in markdown:
            problems.append(f"{page}: the required block `{name}` is not marked ({kind})")


def test_docs_match_the_schema_terraform_sees(workspace):
    s = schema(workspace)
    problems: list[str] = []
    index = (ROOT / "docs" / "index.md").read_text()
    check_block(index, "docs/index.md", "## Schema", s["provider"]["block"], problems)
    for kind, folder in (("resource_schemas", "resources"), ("data_source_schemas", "data-sources")):
        for type_name, entry in s.get(kind, {}).items():
            page = f"docs/{folder}/{type_name.removeprefix('platform_')}.md"
            path = ROOT / page
            assert path.exists(), f"no page for {type_name}"
            check_block(path.read_text(), page, "## Schema", entry["block"], problems)
    assert not problems, "\n".join(problems)
    assert s["resource_schemas"]["platform_eks_node_group"]["block"]["block_types"]["scaling"]["min_items"] == 1


def test_blocks_are_named_exactly_where_prose_mentions_them(workspace):
    """A block named `taint` must not be called "taints" in descriptions, the
    README or the examples, where a reader would write `taints = [...]`."""
    s = schema(workspace)
    blocks = set()

    def walk(block):
        for name, nested in block.get("block_types", {}).items():
            blocks.add(name)
            walk(nested["block"])
    for kind in ("resource_schemas", "data_source_schemas"):
        for entry in s.get(kind, {}).values():
            walk(entry["block"])
    texts = {p.relative_to(ROOT).as_posix(): p.read_text()
             for p in [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("examples/**/*.tf"),
                       *ROOT.glob("modules/**/*.md"), *ROOT.glob("modules/**/*.tf")]}
    # A module names its own inputs (eks-platform's node groups take a `taints`
    # list, as terraform-aws-modules' do): in the modules and in the examples
    # that call one, those names are right.
    module_inputs = {m.group(1) for p in ROOT.glob("modules/*/variables.tf")
                     for m in re.finditer(r"^\s*(\w+)\s*=\s*optional\(", p.read_text(), re.M)}
    uses_modules = {path for path, text in texts.items()
                    if path.startswith("modules/") or re.search(r'^module "', text, re.M)}
    problems = []
    for name in sorted(blocks):
        # Words only: not inside code, identifiers or URLs (`node-taints-managed`).
        plural = re.compile(rf"(?<![`\w/.-]){name}s(?![\w`/-])")
        for path, text in texts.items():
            if f"{name}s" in module_inputs and path in uses_modules:
                continue
            for m in plural.finditer(text):
                line = text[: m.start()].count("\n") + 1
                problems.append(f"{path}:{line}: says {name}s, the block is `{name}` (one `{name} {{ ... }}` block each)")
    assert not problems, "\n".join(problems)
