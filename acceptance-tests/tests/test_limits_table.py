"""The table of documented limits (docs/guides/limits.md, generated from the
provider's limit tables) is covered by `bad_input` cases: for every row, the
test file it names expects the row's diagnostic text verbatim. The cases
themselves run that text against real plans; this check keeps a limit from
being added to the table (or checked by the provider) without one."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| (?P<subject>.*?) \| (?P<limit>.*?) \| (?P<source>.*?) \| `(?P<file>[^`]+)`: `` (?P<rule>.*) `` \|$")


def rows():
    text = (ROOT / "docs" / "guides" / "limits.md").read_text()
    # The limits table ends where the EKS version calendar (data, not limits) starts.
    text = text.split("\n## EKS versions\n", 1)[0]
    table = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| Subject")]
    parsed = []
    for line in table:
        match = ROW.match(line)
        assert match, f"malformed row in docs/guides/limits.md: {line}"
        parsed.append({k: v.replace("\\|", "|") for k, v in match.groupdict().items()})
    return parsed


def test_every_limit_has_a_bad_input_case():
    table = rows()
    assert len(table) >= 40, f"the limits table has only {len(table)} rows"
    missing = []
    for row in table:
        path = ROOT / "acceptance-tests" / "tests" / row["file"]
        assert path.exists(), f"{row['subject']}: no test file {row['file']}"
        source = path.read_text()
        if "bad_input" not in source or row["rule"] not in source.replace('\\"', '"'):
            missing.append(f"{row['subject']} ({row['limit']}): {row['file']} does not expect {row['rule']!r}")
    assert not missing, "limits without a bad_input case:\n" + "\n".join(missing)


def test_every_limit_names_its_source():
    for row in rows():
        assert row["source"].strip(), f"{row['subject']}: no source"
