"""A fault-injecting HTTP proxy in front of the emulator.

Requests pass through to the emulator unless a rule matches the API action
(`Action=` of query protocols such as IAM and STS, the `X-Amz-Target` of JSON
protocols such as KMS, or the method and path of REST-JSON EKS, matched
against the request URIs of botocore's EKS model), in which case the proxy
answers with the rule's error instead, in the protocol's error format, as many
times as the rule says. Every request is counted per action.

A rule can let the next `skip` requests of its action through before it
strikes (e.g. the look-up after a create, not the check before it).

A rule's `mode` says when and how it strikes:
- `before` (the default): the request never reaches the emulator; the error is the answer.
- `after`: the request is forwarded (so it takes effect), then the answer is
  replaced by the error: a lost answer, as after a 5xx from a load balancer.
- `drop_after`: the request is forwarded, then the connection is closed
  without any answer: a lost answer, as after a connection reset.
- `malformed`: the request is forwarded, then answered 200 with `body`
  (by default a body no client can parse).
- `foreign`: the request never reaches the emulator; the answer is `status`
  with `body` as an HTML page, as from a proxy or a firewall in front of AWS
  (no AWS error code, no request id).
"""
from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Fault:
    action: str
    status: int
    code: str
    message: str
    times: int
    mode: str = "before"
    body: bytes = b"<<not a valid answer>>"
    # Requests of `action` still let through before the rule strikes.
    skip: int = 0


class FaultProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.calls: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        # The request bodies by action (what the provider sent, e.g. the
        # ExternalId of an AssumeRole).
        self.bodies: dict[str, list[bytes]] = {}
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                self.handle_any()

            def do_DELETE(self):
                self.handle_any()

            def do_PUT(self):
                self.handle_any()

            def do_POST(self):
                self.handle_any()

            def handle_any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = proxy._action(self.command, self.path, self.headers, body)
                with proxy._lock:
                    proxy.bodies.setdefault(action, []).append(body)
                fault = proxy._take(action)
                if fault and fault.mode == "foreign":
                    self.send_response(fault.status)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(fault.body)))
                    self.end_headers()
                    self.wfile.write(fault.body)
                    return
                if fault and fault.mode != "before":
                    proxy._forward(self, body, answer=False)
                    if fault.mode == "drop_after":
                        self.close_connection = True
                        try:
                            self.connection.shutdown(2)
                        except OSError:
                            pass
                        return
                    if fault.mode == "malformed":
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(fault.body)))
                        self.end_headers()
                        self.wfile.write(fault.body)
                        return
                if fault:
                    extra = {}
                    if self.headers.get("X-Amz-Target"):
                        # JSON protocols (KMS): {"__type", "message"}.
                        payload = json.dumps({"__type": fault.code, "message": fault.message}).encode()
                        content_type = "application/x-amz-json-1.1"
                    elif action in _rest_operations():
                        # REST-JSON (EKS): the code in x-amzn-ErrorType, the message in the body.
                        payload = json.dumps({"message": fault.message}).encode()
                        content_type = "application/json"
                        extra["x-amzn-ErrorType"] = fault.code
                    else:
                        payload = (
                            '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
                            f"<Type>Sender</Type><Code>{fault.code}</Code><Message>{fault.message}</Message>"
                            "</Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
                        ).encode()
                        content_type = "text/xml"
                    self.send_response(fault.status)
                    self.send_header("Content-Type", content_type)
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                proxy._forward(self, body, answer=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _forward(self, handler, body: bytes, answer: bool) -> None:
        """Sends the request on to the emulator; relays the answer when `answer`."""
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "content-length")}
        req = urllib.request.Request(self.upstream + handler.path, data=body if body else None, headers=headers,
                                     method=handler.command)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, resp_headers, data = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            status, resp_headers, data = err.code, err.headers, err.read()
        if not answer:
            return
        handler.send_response(status)
        for k, v in resp_headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _action(self, method: str, path: str, headers, body: bytes) -> str:
        target = headers.get("X-Amz-Target")
        if target:
            return target.split(".")[-1]
        if method == "POST" and b"Action=" in body:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            return form.get("Action", ["?"])[0]
        route = urllib.parse.urlsplit(path).path
        for name, (op_method, pattern) in _rest_operations().items():
            if op_method == method and pattern.fullmatch(route):
                return name
        return f"{method} {route}"

    def _take(self, action: str) -> Fault | None:
        with self._lock:
            self.calls[action] += 1
            struck = None
            for fault in self.faults:
                if fault.action != action or fault.times <= 0:
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                if struck is None:
                    struck = fault
            if struck is not None:
                struck.times -= 1
                self.injected[action] += 1
                return struck
        return None

    def inject(self, action: str, status: int, code: str, message: str, times: int = 1, mode: str = "before",
               body: bytes | None = None, skip: int = 0) -> None:
        """Answers the next `times` requests of `action` with the error, after
        letting the `skip` requests of `action` before them through (counted
        whether or not another rule strikes them)."""
        if mode not in ("before", "after", "drop_after", "malformed", "foreign"):
            raise ValueError(f"unknown fault mode {mode!r}")
        if skip < 0:
            raise ValueError(f"skip must not be negative, got {skip}")
        with self._lock:
            fault = Fault(action, status, code, message, times, mode, skip=skip)
            if body is not None:
                fault.body = body
            self.faults.append(fault)

    def lose_answer(self, action: str, times: int = 1, drop: bool = False, skip: int = 0) -> None:
        """Forwards `action`, then loses its answer: a 500 (`after`), or a closed connection (`drop_after`);
        from the request after the next `skip` ones."""
        if drop:
            self.inject(action, 0, "", "", times, mode="drop_after", skip=skip)
        else:
            self.inject(action, 500, "InternalFailure", "the answer was lost (fault proxy)", times, mode="after",
                        skip=skip)

    def clear_faults(self) -> None:
        """Drops every rule still waiting to strike (the counts stay)."""
        with self._lock:
            self.faults.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


_REST: dict[str, tuple[str, re.Pattern]] = {}


def _rest_operations() -> dict[str, tuple[str, re.Pattern]]:
    """EKS operations by name: (method, path regex) from botocore's model,
    most specific (most literal segments) first."""
    if not _REST:
        import botocore.session
        model = botocore.session.get_session().get_service_model("eks")
        ops = []
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri = http["requestUri"].split("?")[0]
            literal = sum(1 for part in uri.split("/") if part and not part.startswith("{"))
            regex = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(uri))
            ops.append((-literal, name, http["method"], re.compile(regex)))
        for _, name, method, pattern in sorted(ops):
            _REST[name] = (method, pattern)
    return _REST
