"""The local AWS emulator: moto's server on a random loopback port.

Run as `python -m platform_acc.emulator`: prints `EMULATOR_URL=<url>` once it
listens, and serves until stdin closes or it is terminated.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass


def serve() -> None:
    # AWS managed policies (arn:aws:iam::aws:policy/...) exist, as in a real account.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from platform_acc import eks_access_ext, eks_addon_ext, eks_asg_ext, eks_ext, eks_pod_identity_ext, iam_ext, iam_simulate, kms_ext

    # EKS with real status transitions, updates and DescribeUpdate (see eks_ext),
    # EKS add-ons (see eks_addon_ext),
    # IAM's client-id operations on OIDC providers (see iam_ext), and KMS's
    # ListAliases paging (see kms_ext).
    eks_ext.install()
    eks_access_ext.install()  # after eks_ext: it wraps eks_ext's CreateCluster
    eks_addon_ext.install()
    eks_asg_ext.install()  # node groups' Auto Scaling groups (after eks_ext)
    eks_pod_identity_ext.install()
    iam_ext.install()
    iam_simulate.install()  # SimulatePrincipalPolicy, a small policy evaluator
    kms_ext.install()
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"EMULATOR_URL=http://{host}:{port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def wait_stdin() -> None:
        try:
            sys.stdin.read()
        finally:
            stop.set()

    if not sys.stdin.isatty():
        threading.Thread(target=wait_stdin, daemon=True).start()
    stop.wait()
    server.stop()


@dataclass
class Emulator:
    url: str
    process: subprocess.Popen

    @classmethod
    def start(cls, timeout: float = 60.0) -> "Emulator":
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        process = subprocess.Popen(
            [sys.executable, "-m", "platform_acc.emulator"],
            cwd=here,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + timeout
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("EMULATOR_URL="):
                emulator = cls(url=line.strip().split("=", 1)[1], process=process)
                emulator.wait_ready(deadline)
                return emulator
            if not line and process.poll() is not None:
                break
        process.kill()
        raise RuntimeError(
            "the AWS emulator did not start; is moto installed? run: bash scripts/setup.sh"
        )

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the AWS emulator at {self.url} does not answer")

    def reset(self) -> None:
        req = urllib.request.Request(self.url + "/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()


if __name__ == "__main__":
    serve()
