"""Small helpers to write HCL for test configurations."""
from __future__ import annotations

import json
from typing import Any


def value(v: Any) -> str:
    """A Python value as an HCL expression (strings, numbers, bools, lists, maps)."""
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v).replace("${", "$${")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(i) for i in v) + "]"
    if isinstance(v, dict):
        # One entry per line, so that a heredoc value can end on its own line.
        return "{\n" + "".join(f"{json.dumps(str(k))} = {value(i)}\n" for k, i in v.items()) + "}"
    raise TypeError(f"cannot write {v!r} as HCL")


class Raw:
    """An HCL expression written as is, e.g. Raw('jsonencode({...})')."""

    def __init__(self, text: str):
        self.text = text


def block(kind: str, *labels: str, nested: tuple[str, ...] = (), **attrs: Any) -> str:
    """A block with attributes and, in `nested`, already written nested blocks."""
    head = " ".join([kind, *(json.dumps(l) for l in labels)])
    body = "".join(f"  {k} = {value(v)}\n" for k, v in attrs.items() if v is not None)
    return f"{head} {{\n{body}{''.join(nested)}}}\n"
