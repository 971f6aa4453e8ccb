"""Fills a gap in moto's KMS: ListAliases pages as real KMS does. moto 5.2.5
returns every alias in one answer and ignores `Limit` and `Marker`; real KMS
returns at most `Limit` aliases (1 to 100, 50 when unset, as botocore's KMS
model documents) with `Truncated` and `NextMarker`, so an unfiltered listing in
an account with many aliases takes several calls. `KeyId` (which moto honours)
still filters before paging. `install()` runs in the emulator process before
moto serves requests."""
from __future__ import annotations

import json
from typing import Any

_installed = False

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.kms.exceptions import ValidationException
    from moto.kms.responses import KmsResponse

    all_aliases = KmsResponse.list_aliases

    def list_aliases(self: Any) -> str:
        limit = self._get_param("Limit")
        marker = self._get_param("Marker")
        if limit is None:
            limit = DEFAULT_LIMIT
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ValidationException(f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                                      f"constraint: Member must have value less than or equal to {MAX_LIMIT}")
        answer = json.loads(all_aliases(self))
        aliases = sorted(answer["Aliases"], key=lambda a: a["AliasName"])
        start = 0
        if marker is not None:
            if not str(marker).isdigit() or int(marker) > len(aliases):
                raise ValidationException(f"Invalid marker: {marker}")
            start = int(marker)
        page = aliases[start:start + limit]
        result: dict[str, Any] = {"Aliases": page, "Truncated": start + limit < len(aliases)}
        if result["Truncated"]:
            result["NextMarker"] = str(start + limit)
        return json.dumps(result)

    KmsResponse.list_aliases = list_aliases
