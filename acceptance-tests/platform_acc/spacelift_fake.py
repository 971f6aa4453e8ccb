"""A strict local Spacelift: the GraphQL contract in acceptance-tests/spacelift/README.md.

- Queries are parsed, validated and executed by graphql-core against
  `spacelift/schema.graphql`; an unknown field or a wrongly typed argument is a
  validation error with no `data`, as on the real server.
- JWTs (HS256) carry `aud = [<base URL>]`, `exp`, `iss` and `sub`; every call
  but the `apiKeyUser` exchange needs a valid bearer token, otherwise the
  answer is `unauthorized`.
- Secrets (`writeOnly`) are returned with `value: null` and a `checksum`, the
  lowercase hex SHA-256 of the value exactly as sent.
- Spacelift's documented limits (mounted files of at most 2 MB, no newline in
  an environment variable, no empty name, label or hook command) refuse a
  mutation as the server does: `errors` with the message and path, `data: null`.
- Switches for tests: answer 429 on the next N calls, expire every issued token
  (now or after N requests), shorten token lifetimes; and counters of calls per operation.
- Fault switches per operation (the root field of a query or mutation, e.g.
  `contextCreateV2`, `context`), `fault(operation, mode, times)`, like the
  AWS fault proxy's modes. The request is always performed first:
  - `after`: then answered HTTP 500 (a lost answer, as from a load balancer);
  - `drop_after`: then the connection is closed without any answer;
  - `data_null`: then answered 200 `{"data": null}` with no errors;
  - `malformed`: then answered 200 with a body no client can parse;
  - `not_found`: then the operation's field is answered `null` (a read that
    transiently misses an object that exists).
  The mode `error` is the exception: the request is NOT performed, and the
  answer is 200 with a GraphQL error and `data: null` (a definite refusal).
  `skip` lets that many matching calls pass untouched before the fault strikes.

State is in memory, per instance. `SpaceliftFake.start()` serves on a random
loopback port in a background thread.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, build_schema, execute, parse, validate
from graphql.language import FieldNode, OperationDefinitionNode

SCHEMA = build_schema((Path(__file__).resolve().parents[1] / "spacelift" / "schema.graphql").read_text())
PHASES = ["beforeInit", "afterInit", "beforePlan", "afterPlan", "beforeApply", "afterApply",
          "beforePerform", "afterPerform", "beforeDestroy", "afterDestroy", "afterRun"]


FAULT_MODES = ("after", "drop_after", "data_null", "malformed", "not_found", "error")

# Spacelift's documented limits, enforced here as the server enforces them: a
# refused mutation answers HTTP 200 with `errors` (message and path) and, the
# field being non-null, `data: null`. The provider checks the same at plan
# time (provider/src/services/spacelift/limits.rs); these catch what gets past.
MOUNTED_FILE_MAX_BYTES = 2_000_000  # "Mounted files are limited to 2 MB" (docs: concepts/configuration/environment)


def check_context_input(data: dict[str, Any]) -> None:
    """Empty names, labels and hook commands are refused (the official provider's DisallowEmptyString)."""
    if not data["name"].strip():
        raise GraphQLError("name must not be empty")
    if any(not label.strip() for label in data.get("labels") or []):
        raise GraphQLError("labels must not be empty")
    for phase in PHASES:
        if any(not command.strip() for command in data["hooks"][phase]):
            raise GraphQLError(f"hooks: {phase} commands must not be empty")


def check_config_input(config: dict[str, Any]) -> None:
    element_id, value = config["id"], config["value"]
    if not element_id:
        raise GraphQLError("config element id must not be empty")
    if config["type"] == "ENVIRONMENT_VARIABLE":
        if "\n" in value or "\r" in value:
            raise GraphQLError(f"environment variable {element_id}: newlines are not supported")
        return
    # FILE_MOUNT: a path under /mnt/workspace/, content in base64, at most 2 MB.
    if element_id.startswith("/") or ".." in element_id.split("/") or any(ord(c) < 32 for c in element_id):
        raise GraphQLError(f"mounted file {element_id!r}: the path must be relative to /mnt/workspace/")
    try:
        content = base64.b64decode(value, validate=True)
    except ValueError:
        raise GraphQLError(f"mounted file {element_id}: the content is not valid base64") from None
    # The stricter reading of "2 MB": neither the file nor its base64 may exceed it.
    if max(len(content), len(value)) > MOUNTED_FILE_MAX_BYTES:
        raise GraphQLError(f"mounted file {element_id}: files are limited to 2 MB, got {len(value)} bytes of base64")
DROP = object()  # the answer "close the connection without answering"


@dataclass
class Fault:
    operation: str
    mode: str
    times: int
    skip: int = 0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "context"


class SpaceliftFake:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._signing_key = os.urandom(32)
        self.api_keys: dict[str, str] = {}
        self.contexts: dict[str, dict[str, Any]] = {}
        self.stacks: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.requests = 0
        self.token_ttl = 3600
        self.issued_tokens: list[str] = []
        self._generation = 0
        self._fail_next = 0
        self._expire_after: int | None = None
        self._next_attachment = 0
        self.faults: list[Fault] = []
        self.injected: Counter[str] = Counter()
        self.server: ThreadingHTTPServer | None = None
        self.base_url = ""

    # ---- lifecycle -------------------------------------------------------------
    @classmethod
    def start(cls) -> "SpaceliftFake":
        fake = cls()
        fake.server = ThreadingHTTPServer(("127.0.0.1", 0), fake._handler())
        fake.base_url = f"http://127.0.0.1:{fake.server.server_address[1]}"
        threading.Thread(target=fake.server.serve_forever, daemon=True).start()
        return fake

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    # ---- switches and helpers for tests ----------------------------------------
    def add_api_key(self, key_id: str, secret: str) -> None:
        self.api_keys[key_id] = secret

    def add_stack(self, stack_id: str) -> None:
        self.stacks.add(stack_id)

    def fail_next(self, n: int) -> None:
        """Answer the next `n` requests with HTTP 429."""
        with self._lock:
            self._fail_next = n

    def fault(self, operation: str, mode: str, times: int = 1, skip: int = 0) -> None:
        """After `skip` untouched calls, perform the next `times` calls of `operation`, then answer
        them as `mode` says (see the module doc; `error` does not perform them)."""
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}; use one of {FAULT_MODES}")
        with self._lock:
            self.faults.append(Fault(operation, mode, times, skip))

    def lose_answer(self, operation: str, times: int = 1, drop: bool = False) -> None:
        """The next `times` calls of `operation` take effect, and their answer is lost."""
        self.fault(operation, "drop_after" if drop else "after", times)

    def _take_fault(self, fields: list[str]) -> Fault | None:
        for f in self.faults:
            if f.times > 0 and f.operation in fields:
                if f.skip > 0:
                    f.skip -= 1
                    return None
                f.times -= 1
                self.injected[f"{f.operation}:{f.mode}"] += 1
                return f
        return None

    # Objects made outside Terraform, as someone using the UI would make them.
    def create_context(self, name: str, description: str | None = None, labels: list[str] | None = None,
                       hooks: dict[str, list[str]] | None = None) -> str:
        with self._lock:
            ctx_id = slug(name)
            assert ctx_id not in self.contexts, ctx_id
            self.contexts[ctx_id] = {"id": ctx_id, "config": {}, "attachments": {}}
            self._apply_input(self.contexts[ctx_id], {
                "name": name, "description": description, "labels": labels or [], "space": "root",
                "hooks": {phase: list((hooks or {}).get(phase, [])) for phase in PHASES}})
            return ctx_id

    def attach(self, context_id: str, stack: str, priority: int = 0) -> str:
        with self._lock:
            self._next_attachment += 1
            att = {"id": f"att-{self._next_attachment}", "stackId": stack, "isModule": False, "priority": priority}
            self.contexts[context_id]["attachments"][att["id"]] = att
            return att["id"]

    # Read-only views for assertions: the whole context as the server holds it.
    def snapshot(self, context_id: str) -> Any:
        with self._lock:
            return json.loads(json.dumps(self.contexts.get(context_id)))

    def expire_tokens(self) -> None:
        """Every token issued so far stops working."""
        with self._lock:
            self._generation += 1

    def expire_tokens_after(self, n: int) -> None:
        """After `n` more authorized requests, every token issued so far stops working."""
        with self._lock:
            self._expire_after = n

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()
            self.requests = 0

    def issue_token(self, iss: str = "api-key", sub: str = "key", ttl: int | None = None) -> tuple[str, int]:
        exp = int(time.time()) + (self.token_ttl if ttl is None else ttl)
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"aud": [self.base_url], "iss": iss, "sub": sub, "exp": exp, "iat": int(time.time()), "gen": self._generation}
        payload = b64url(json.dumps(claims).encode())
        signature = b64url(hmac.new(self._signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        token = f"{header}.{payload}.{signature}"
        self.issued_tokens.append(token)
        return token, exp

    def _token_valid(self, token: str) -> bool:
        try:
            header, payload, signature = token.split(".")
        except ValueError:
            return False
        expected = b64url(hmac.new(self._signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature):
            return False
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return claims.get("exp", 0) > time.time() and claims.get("gen") == self._generation and claims.get("aud") == [self.base_url]

    # Out-of-band changes, as someone clicking in the UI would make them.
    def set_config(self, context_id: str, element_id: str, value: str, write_only: bool, kind: str = "ENVIRONMENT_VARIABLE") -> None:
        with self._lock:
            self.contexts[context_id]["config"][element_id] = {
                "id": element_id, "type": kind, "value": value, "writeOnly": write_only,
                "description": None, "checksum": sha256_hex(value)}

    # ---- GraphQL resolvers -------------------------------------------------------
    def _context_view(self, ctx: dict[str, Any]) -> dict[str, Any]:
        def element(e: dict[str, Any]) -> dict[str, Any]:
            return {**e, "value": None if e["writeOnly"] else e["value"]}

        return {
            "id": ctx["id"], "name": ctx["name"], "description": ctx["description"],
            "labels": list(ctx["labels"]), "space": ctx["space"], "hooks": dict(ctx["hooks"]),
            "config": [element(e) for e in ctx["config"].values()],
            "configElement": lambda info, id: element(ctx["config"][id]) if id in ctx["config"] else None,
            "attachedStack": lambda info, id: next(
                (dict(a) for a in ctx["attachments"].values() if a["stackId"] == id), None),
        }

    def _root(self) -> Any:
        fake = self

        class Root:
            # Queries
            def context(self, info, id):
                ctx = fake.contexts.get(id)
                return fake._context_view(ctx) if ctx else None

            def contexts(self, info):
                return [fake._context_view(c) for c in fake.contexts.values()]

            def stack(self, info, id):
                return {"id": id} if id in fake.stacks else None

            # Mutations
            def apiKeyUser(self, info, id, secret):
                if id not in fake.api_keys:
                    return None
                if not hmac.compare_digest(fake.api_keys[id], secret):
                    raise GraphQLError("unauthorized")
                jwt, exp = fake.issue_token(iss="api-key", sub=id)
                return {"jwt": jwt, "validUntil": exp}

            def contextCreateV2(self, info, input):
                check_context_input(input)
                base = slug(input["name"])
                ctx_id, n = base, 1
                while ctx_id in fake.contexts:
                    n += 1
                    ctx_id = f"{base}-{n}"
                fake.contexts[ctx_id] = {"id": ctx_id, "config": {}, "attachments": {}}
                fake._apply_input(fake.contexts[ctx_id], input)
                return fake._context_view(fake.contexts[ctx_id])

            def contextUpdateV2(self, info, id, input):
                ctx = fake.contexts.get(id)
                if ctx is None:
                    raise GraphQLError("context not found")
                check_context_input(input)
                fake._apply_input(ctx, input)
                return fake._context_view(ctx)

            def contextDelete(self, info, id):
                ctx = fake.contexts.pop(id, None)
                return fake._context_view(ctx) if ctx else None

            def contextConfigAdd(self, info, context, config):
                ctx = fake.contexts.get(context)
                if ctx is None:
                    raise GraphQLError("context not found")
                check_config_input(config)
                fake.set_config(context, config["id"], config["value"], config["writeOnly"], config["type"])
                ctx["config"][config["id"]]["description"] = config.get("description")
                e = ctx["config"][config["id"]]
                return {**e, "value": None if e["writeOnly"] else e["value"]}

            def contextConfigDelete(self, info, context, id):
                ctx = fake.contexts.get(context)
                e = ctx["config"].pop(id, None) if ctx else None
                return {**e, "value": None if e["writeOnly"] else e["value"]} if e else None

            def contextAttach(self, info, id, stack, priority):
                ctx = fake.contexts.get(id)
                if ctx is None:
                    raise GraphQLError("context not found")
                if stack not in fake.stacks:
                    raise GraphQLError("stack not found")
                if any(a["stackId"] == stack for a in ctx["attachments"].values()):
                    raise GraphQLError("context already attached to this stack")
                fake._next_attachment += 1
                att = {"id": f"att-{fake._next_attachment}", "stackId": stack, "isModule": False, "priority": priority}
                ctx["attachments"][att["id"]] = att
                return dict(att)

            def contextDetach(self, info, id):
                for ctx in fake.contexts.values():
                    if id in ctx["attachments"]:
                        return dict(ctx["attachments"].pop(id))
                return None

        return Root()

    def _apply_input(self, ctx: dict[str, Any], data: dict[str, Any]) -> None:
        ctx["name"] = data["name"]
        ctx["description"] = data.get("description")
        ctx["labels"] = list(data.get("labels") or [])
        ctx["space"] = data.get("space") or "root"
        ctx["hooks"] = {phase: list(data["hooks"][phase]) for phase in PHASES}

    # ---- HTTP ------------------------------------------------------------------
    def _answer(self, body: dict[str, Any], bearer: str | None) -> tuple[int, Any]:
        with self._lock:
            self.requests += 1
            if self._fail_next > 0:
                self._fail_next -= 1
                return 429, {"errors": [{"message": "rate limit exceeded"}]}
            try:
                document = parse(body.get("query") or "")
            except GraphQLError as err:
                return 200, {"errors": [err.formatted]}
            errors = validate(SCHEMA, document)
            if errors:
                return 200, {"errors": [e.formatted for e in errors]}
            roots = [
                sel
                for op in document.definitions if isinstance(op, OperationDefinitionNode)
                for sel in op.selection_set.selections if isinstance(sel, FieldNode)
            ]
            fields = [sel.name.value for sel in roots]
            # Faults may also name a nested field with arguments, e.g. `context.attachedStack`.
            nested = [
                f"{sel.name.value}.{sub.name.value}"
                for sel in roots if sel.selection_set
                for sub in sel.selection_set.selections if isinstance(sub, FieldNode) and sub.arguments
            ]
            for field in fields:
                self.calls[field] += 1
            if fields != ["apiKeyUser"]:
                if not (bearer and self._token_valid(bearer)):
                    return 200, {"errors": [{"message": "unauthorized"}], "data": None}
                if self._expire_after is not None:
                    self._expire_after -= 1
                    if self._expire_after <= 0:
                        self._expire_after = None
                        self._generation += 1
            fault = self._take_fault(fields + nested)
            if fault is not None and fault.mode == "error":
                return 200, {"errors": [{"message": f"{fault.operation}: refused (fault switch)",
                                         "path": [fault.operation]}], "data": None}
            result = execute(SCHEMA, document, root_value=self._root(), variable_values=body.get("variables") or {})
            answer: dict[str, Any] = {"data": result.data}
            if result.errors:
                answer["errors"] = [e.formatted for e in result.errors]
            if fault is None:
                return 200, answer
            if fault.mode == "after":
                return 500, {"errors": [{"message": "internal server error"}]}
            if fault.mode == "drop_after":
                return 0, DROP
            if fault.mode == "data_null":
                return 200, {"data": None}
            if fault.mode == "malformed":
                return 200, b"<html>502 Bad Gateway</html>"
            # not_found: the named field is null, as if the object did not exist
            data = json.loads(json.dumps(result.data or {}))
            root, _, sub = fault.operation.partition(".")
            if sub and isinstance(data.get(root), dict):
                data[root][sub] = None
            else:
                data[root] = None
            return 200, {"data": data}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                if self.path != "/graphql":
                    self.send_response(404)
                    self.end_headers()
                    return
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                auth = self.headers.get("Authorization") or ""
                bearer = auth[7:] if auth.startswith("Bearer ") else None
                try:
                    body = json.loads(raw)
                except ValueError:
                    status, answer = 400, {"errors": [{"message": "body is not JSON"}]}
                else:
                    status, answer = fake._answer(body, bearer)
                if answer is DROP:
                    self.close_connection = True
                    return
                payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
