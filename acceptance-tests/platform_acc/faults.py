"""A fault-injecting HTTP proxy in front of the emulator.

Requests pass through to the emulator unless a rule matches the API action
(`Action=` of query protocols such as IAM and STS, the `X-Amz-Target` of JSON
protocols such as KMS, or the method and path of REST-JSON EKS, matched
against the request URIs of botocore's EKS model), in which case the proxy
answers with the rule's error instead, in the protocol's error format, as many
times as the rule says. Every request is counted per action.
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


class FaultProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.calls: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
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
                fault = proxy._take(action)
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
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                req = urllib.request.Request(proxy.upstream + self.path, data=body if body else None, headers=headers,
                                             method=self.command)
                try:
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        status, resp_headers, data = resp.status, resp.headers, resp.read()
                except urllib.error.HTTPError as err:
                    status, resp_headers, data = err.code, err.headers, err.read()
                self.send_response(status)
                for k, v in resp_headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

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
            for fault in self.faults:
                if fault.action == action and fault.times > 0:
                    fault.times -= 1
                    self.injected[action] += 1
                    return fault
        return None

    def inject(self, action: str, status: int, code: str, message: str, times: int = 1) -> None:
        with self._lock:
            self.faults.append(Fault(action, status, code, message, times))

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
