"""The acceptance tests' emulator (platform_acc.emulator), plus what the
benchmark needs of it: KMS ListAliases pages as the real API does.

moto answers ListAliases with every alias in one page, so an unfiltered
listing costs one call however many aliases the account holds. Real KMS
returns at most `Limit` aliases a page (50 by default, 100 at most) with
`Truncated` and `NextMarker`; with 1,000 aliases an unfiltered listing is
20 calls. The benchmark counts calls, so the emulator pages the same way.

Run as `python benchmarks/bench_emulator.py` (with acceptance-tests on
sys.path): prints `EMULATOR_URL=<url>`, like `python -m platform_acc.emulator`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "acceptance-tests"))

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def install_kms_paging() -> None:
    from moto.kms.responses import KmsResponse

    unpaged = KmsResponse.list_aliases

    def list_aliases(self) -> str:
        answer = json.loads(unpaged(self))
        aliases = answer["Aliases"]
        limit = min(int(self._get_param("Limit") or DEFAULT_LIMIT), MAX_LIMIT)
        start = int(self._get_param("Marker") or 0)
        page = aliases[start:start + limit]
        result = {"Aliases": page, "Truncated": start + limit < len(aliases)}
        if result["Truncated"]:
            result["NextMarker"] = str(start + limit)
        return json.dumps(result)

    KmsResponse.list_aliases = list_aliases


if __name__ == "__main__":
    from platform_acc import emulator

    install_kms_paging()
    emulator.serve()
