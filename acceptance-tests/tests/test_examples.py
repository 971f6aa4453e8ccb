"""Every example under examples/ is valid against the provider's schema."""
from __future__ import annotations

import re
import shutil

import pytest

from platform_acc.terraform import REPO

# An example that calls a module needs `init` first: test_modules.py validates those.
EXAMPLES = sorted({p.parent for p in (REPO / "examples").glob("**/*.tf")
                   if not any(re.search(r'^\s*module\s+"', tf.read_text(), re.M) for tf in p.parent.glob("*.tf"))})


@pytest.mark.parametrize("example", EXAMPLES, ids=[str(p.relative_to(REPO / "examples")) for p in EXAMPLES])
def test_example_validates(new_workspace, example):
    ws = new_workspace(example.name)
    for tf in example.glob("*.tf"):
        shutil.copy(tf, ws.dir / tf.name)
    result = ws.run("validate", "-no-color", check=False)
    assert result.code == 0, result.output
    assert "Success! The configuration is valid" in result.stdout


def test_every_resource_has_an_example():
    # docs/resources/<name>.md is generated per resource type; each needs its example and import.sh.
    for doc in (REPO / "docs" / "resources").glob("*.md"):
        example = REPO / "examples" / "resources" / f"platform_{doc.stem}"
        assert (example / "resource.tf").exists(), f"missing {example}/resource.tf"
        assert (example / "import.sh").exists(), f"missing {example}/import.sh"
    for doc in (REPO / "docs" / "data-sources").glob("*.md"):
        example = REPO / "examples" / "data-sources" / f"platform_{doc.stem}" / "data-source.tf"
        assert example.exists(), f"missing {example}"
