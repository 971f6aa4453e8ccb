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


def names_by_kind(s: dict) -> tuple[set[str], set[str]]:
    """Every block name and every attribute name in the provider's schemas."""
    blocks, attributes = set(), set()

    def walk(block):
        attributes.update(block.get("attributes", {}))
        for name, nested in block.get("block_types", {}).items():
            blocks.add(name)
            walk(nested["block"])
    walk(s["provider"]["block"])
    for kind in ("resource_schemas", "data_source_schemas", "ephemeral_resource_schemas"):
        for entry in s.get(kind, {}).values():
            walk(entry["block"])
    return blocks, attributes


# "`a`, `b` and `c` blocks", "the `x` attribute": a list of names and the word that says what they are.
NAMED_LIST = re.compile(r"((?:`\w+`(?:, and |, or |, | and | or |/))*`\w+`) (?:nested )?(blocks?|attributes?)\b")

# Descriptions written in services/eks (owned elsewhere), reported with their
# replacement; remove each entry once its description is fixed (the test fails
# while an entry no longer matches anything).
KNOWN_ELSEWHERE: set[tuple[str, str]] = set()


def test_blocks_and_attributes_are_called_what_they_are(workspace):
    """Where prose names a list of schema items "blocks" or "attributes", each
    item is one: "`scaling`, `labels`, `taint` blocks" reads as if `labels`
    were a block (it is an attribute: `labels = { ... }`)."""
    blocks, attributes = names_by_kind(schema(workspace))
    texts = {p.relative_to(ROOT).as_posix(): p.read_text()
             for p in [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("examples/**/*.tf"),
                       *ROOT.glob("modules/**/*.md"), *ROOT.glob("modules/**/*.tf")]}
    problems, seen_known = [], set()
    for path, text in texts.items():
        for m in NAMED_LIST.finditer(text):
            if (path, m.group(0)) in KNOWN_ELSEWHERE:
                seen_known.add((path, m.group(0)))
                continue
            said_block = m.group(2).startswith("block")
            for name in re.findall(r"`(\w+)`", m.group(1)):
                line = text[: m.start()].count("\n") + 1
                if said_block and name in attributes and name not in blocks:
                    problems.append(f"{path}:{line}: calls `{name}` a block in {m.group(0)!r}; it is an attribute")
                if not said_block and name in blocks and name not in attributes:
                    problems.append(f"{path}:{line}: calls `{name}` an attribute in {m.group(0)!r}; it is a block")
    stale = KNOWN_ELSEWHERE - seen_known
    assert not stale, f"fixed, remove from KNOWN_ELSEWHERE: {sorted(stale)}"
    assert not problems, "\n".join(problems)


def test_readme_paths_are_written_from_the_repository_root():
    """Every file path the README names (in code spans or links) exists from
    the repository root: `acceptance-tests/platform_acc/faults.py`, not
    `platform_acc/faults.py`."""
    text = (ROOT / "README.md").read_text()
    top = {p.name for p in ROOT.iterdir()}
    extensions = (".py", ".sh", ".rs", ".tf", ".md", ".toml", ".json", ".txt", ".graphql", ".hcl", ".yaml", ".lock")
    paths = set()
    for m in re.finditer(r"`([^`\s]+)`", text):
        token = m.group(1)
        if token.startswith(("/", "~", "$", "<", "-", ".", "#")) or ":" in token or "=" in token:
            continue
        if token.endswith(extensions) or token.endswith("/") or ("/" in token and token.split("/")[0] in top):
            paths.add(token)
    paths.update(m.group(1) for m in re.finditer(r"\]\(([^)#\s]+)\)", text) if "://" not in m.group(1))
    missing = sorted(p for p in paths if not list(ROOT.glob(p.rstrip("/"))))
    assert not missing, f"README paths that do not exist from the repository root: {missing}"


def test_readme_says_which_clis_the_suite_has_run_on():
    """No claim that the suite runs with OpenTofu: what the provider does for
    OpenTofu, and which CLIs the suite has run on, are stated, and the
    ephemeral / write-only versions agree with the generated docs."""
    readme = (ROOT / "README.md").read_text()
    flat = " ".join(readme.split())
    assert "runs the same cases with OpenTofu" not in flat
    section = flat.split("## Terraform and OpenTofu", 1)[1].split(" ## ", 1)[0]
    for claim in ("plugin protocol 6", "registry.opentofu.org/platform-rs/platform",
                  "Terraform 1.15", "Terraform 1.11.4", "Nothing here has been run with OpenTofu",
                  "TF_ACC_TERRAFORM_PATH=/usr/bin/tofu bash scripts/test.sh"):
        assert claim in section, claim
    ephemeral = " ".join((ROOT / "docs/ephemeral-resources/eks_cluster_auth.md").read_text().split())
    assert "Terraform >= 1.10, OpenTofu >= 1.11" in ephemeral
    assert "Terraform >= 1.10, OpenTofu >= 1.11" in section
    write_only = " ".join((ROOT / "docs/resources/spacelift_context.md").read_text().split())
    assert "OpenTofu >= 1.11" in write_only and "Terraform >= 1.11, OpenTofu >= 1.11" in section


def test_installing_guide_says_what_init_does_with_dev_overrides(workspace):
    """The guide's row for the CLI under test is what that CLI does, offline,
    with `dev_overrides` and a local module: 1.15 and later, `init` skips the
    overridden provider; before, `init` asks the registry and fails, and
    `terraform get` then `plan` work."""
    guide = (ROOT / "docs/guides/installing.md").read_text()
    assert "| Terraform 1.15 and later |" in guide and "| Terraform 1.14 and earlier" in guide
    assert "terraform get" in guide and "`init` is then skipped" not in guide
    version = json.loads(workspace.run("version", "-json").stdout)["terraform_version"]
    major, minor = (int(x) for x in version.split(".")[:2])
    (workspace.dir / "m").mkdir()
    (workspace.dir / "m" / "main.tf").write_text(
        'terraform {\n  required_providers {\n    platform = { source = "platform-rs/platform" }\n  }\n}\n'
        'data "platform_controller_policy" "x" {\n  controller   = "cluster-autoscaler"\n  cluster_name = "m"\n}\n')
    workspace.write('provider "platform" {}\nmodule "m" {\n  source = "./m"\n}\n')
    init = workspace.run("init", "-no-color", check=False)
    if (major, minor) >= (1, 15):
        assert init.code == 0 and "not installed as part of init" in init.output, init
    else:
        assert init.code == 1 and "platform-rs/platform" in init.output, init
        workspace.run("get", "-no-color")
    plan = workspace.plan()
    assert plan.code == 0, plan


# Sentences written in services/eks (owned elsewhere) that send drift runs to a
# refresh-only plan; reported with their replacement. Remove each once fixed.
REFRESH_ONLY_ELSEWHERE: set[tuple[str, str]] = set()


def test_no_doc_sends_drift_runs_to_a_refresh_only_plan():
    """`plan -refresh-only -detailed-exitcode` exits 2 with "No changes" for
    reasons of Terraform core (docs/guides/drift-detection.md): only that
    guide may name a refresh-only plan, to say why not."""
    guide = "docs/guides/drift-detection.md"
    texts = {p.relative_to(ROOT).as_posix(): p.read_text()
             for p in [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), *ROOT.glob("examples/**/*.tf"),
                       *ROOT.glob("examples/**/*.md"), *ROOT.glob("modules/**/*.md"), *ROOT.glob("modules/**/*.tf")]}
    problems, seen = [], set()
    for path, text in texts.items():
        if path == guide:
            continue
        for m in re.finditer(r"refresh-only", text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            line = text[line_start:text.find("\n", m.start())]
            known = [k for k in REFRESH_ONLY_ELSEWHERE if k[0] == path and k[1] in line]
            if known:
                seen.update(known)
                continue
            problems.append(f"{path}:{text[:m.start()].count(chr(10)) + 1}: {line.strip()[:160]}")
    stale = REFRESH_ONLY_ELSEWHERE - seen
    assert not stale, f"fixed, remove from REFRESH_ONLY_ELSEWHERE: {sorted(stale)}"
    assert not problems, "\n".join(problems)


def test_drift_guide_says_which_command_and_covers_every_type(workspace):
    """docs/guides/drift-detection.md: the command (a normal plan with
    -detailed-exitcode), the two Terraform-core reasons a refresh-only plan
    exits 2 with "No changes", what is left out on purpose, and a row for every
    resource, data source and ephemeral resource the provider has."""
    path = ROOT / "docs/guides/drift-detection.md"
    assert path.exists(), "no drift-detection guide"
    text = path.read_text()
    flat = " ".join(text.split())
    assert "terraform plan -detailed-exitcode" in flat
    for claim in ("**Terraform 1.15: any data source.**", "`platform_spacelift_context`.**", "`sensitive_attributes`",
                  "exit 2 with \"No changes. Your infrastructure still matches the configuration.\"",
                  "the **desired size** moved by a cluster autoscaler",
                  "a **new default add-on version** AWS publishes later"):
        assert claim in flat, claim
    s = schema(workspace)
    rows = set(re.findall(r"^\| ((?:data |ephemeral )?`platform_\w+`) \|", text, re.M))
    want = {f"`{t}`" for t in s["resource_schemas"]}
    want |= {f"data `{t}`" for t in s["data_source_schemas"]}
    want |= {f"ephemeral `{t}`" for t in s.get("ephemeral_resource_schemas", {})}
    assert want - rows == set(), f"types without a row: {sorted(want - rows)}"
    assert rows - want == set(), f"rows for unknown types: {sorted(rows - want)}"


def test_cluster_auth_docs_state_the_tokens_lifetime_and_the_exec_plugin():
    """The token lives 15 minutes (EKS ignores `X-Amz-Expires=60`), providers
    keep the token they were configured with, and the exec plugin is the way
    round it, on both pages (data source and ephemeral resource)."""
    for page in ("docs/data-sources/eks_cluster_auth.md", "docs/ephemeral-resources/eks_cluster_auth.md"):
        flat = " ".join((ROOT / page).read_text().split())
        assert "valid for 60 seconds" not in flat, page
        for claim in ("EKS accepts a token for 15 minutes after it is made", "401 Unauthorized",
                      '"eks", "get-token", "--cluster-name"', "client.authentication.k8s.io/v1beta1",
                      "with a saved plan applied later"):
            assert claim in flat, (page, claim)
