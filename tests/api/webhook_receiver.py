"""A Standard Webhooks receiver for the webhook tests: tests/webhook_receiver/receiver.js run as a
subprocess. It records every delivery and checks its signatures with the `standardwebhooks` npm
package (the spec's official library), so our signing is proven by code we did not write.

    with WebhookReceiver() as hooks:
        hooks.set_secrets([secret])
        ... point a webhook at hooks.url("/hook"), make an event ...
        [d] = hooks.wait_for(lambda got: len(got) == 1)
        assert d["verified_with"] == [0]

A recorded delivery: {path, method, headers: {webhook-id, webhook-timestamp, webhook-signature,
content-type, user-agent} (None when absent), body (the raw text), json (parsed, or None),
verified_with (indexes of the secrets that verify it), verify_errors (per secret: None, or why
not), answered (the status sent), received_at_ms, aborted (the sender hung up before the
answer)}.

make_test_ca(dir) makes a throw-away CA and a certificate for localhost / 127.0.0.1, for
WebhookReceiver(tls_cert=..., tls_key=..., ca_cert=...).

Needs node on PATH and the receiver's node_modules: `make test-deps`, or
`npm ci --prefix tests/webhook_receiver`.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest
import requests

RECEIVER_DIR = Path(__file__).resolve().parents[1] / "webhook_receiver"
STARTUP_TIMEOUT = 10  # seconds for node to print its port
CONTROL_TIMEOUT = 10  # seconds for each control request
STOP_TIMEOUT = 5

_INSTALL_HINT = "run `make test-deps` (or `npm ci --prefix tests/webhook_receiver`)"


class WebhookReceiver:
    """The node receiver on a free loopback port; HTTPS when given a certificate and key."""

    def __init__(self, tls_cert: str | os.PathLike | None = None,
                 tls_key: str | os.PathLike | None = None,
                 ca_cert: str | os.PathLike | None = None):
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        self.tls = tls_cert is not None
        self._tls_args = (["--tls-cert", str(tls_cert), "--tls-key", str(tls_key)]
                          if self.tls else [])
        self.ca_cert = ca_cert
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._stderr_file = None
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy from the environment for 127.0.0.1

    # ---- lifecycle ----

    def start(self) -> "WebhookReceiver":
        node = shutil.which("node")
        if node is None:
            pytest.fail(f"node is not on PATH; the webhook tests need it: {_INSTALL_HINT}",
                        pytrace=False)
        if not (RECEIVER_DIR / "node_modules" / "standardwebhooks").is_dir():
            pytest.fail(f"{RECEIVER_DIR}/node_modules is missing: {_INSTALL_HINT}",
                        pytrace=False)
        # stderr goes to a file (read back on failure): a pipe nobody drains could block node.
        self._stderr_file = tempfile.TemporaryFile()
        # stdin is a pipe that only we hold: when this process dies, it closes and the receiver
        # exits (--exit-on-stdin-close) instead of outliving the test run.
        self.proc = subprocess.Popen(
            [node, str(RECEIVER_DIR / "receiver.js"), "--port", "0", "--exit-on-stdin-close",
             *self._tls_args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr_file,
            cwd=RECEIVER_DIR)
        try:
            self.port = self._read_port()
        except BaseException:
            self.stop()
            raise
        return self

    def _read_port(self) -> int:
        """The port from the receiver's one line of stdout, {"port": N}."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"webhook receiver printed no port within "
                                     f"{STARTUP_TIMEOUT}s{self._stderr_tail()}")
            readable, _, _ = select.select([self.proc.stdout], [], [], left)
            if readable:
                chunk = os.read(self.proc.stdout.fileno(), 256)
                if not chunk:
                    rc = self.proc.wait()
                    raise AssertionError(f"webhook receiver exited ({rc}) before it listened"
                                         f"{self._stderr_tail()}")
                line += chunk
        return int(json.loads(line)["port"])

    def stop(self) -> int | None:
        """Terminates the receiver (by its PID; killed if it lingers). Idempotent."""
        self._session.close()
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for f in (proc.stdin, proc.stdout, self._stderr_file):
            if f is not None:
                f.close()
        return proc.returncode

    def __enter__(self) -> "WebhookReceiver":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def stderr(self) -> str:
        if self._stderr_file is None or self._stderr_file.closed:
            return ""
        self._stderr_file.seek(0)
        return self._stderr_file.read().decode(errors="replace")

    def _stderr_tail(self) -> str:
        text = self.stderr().strip()
        return f"\n--- receiver stderr ---\n{text[-4000:]}" if text else ""

    # ---- where deliveries go ----

    def url(self, path: str = "/hook") -> str:
        """The delivery URL; https://localhost for TLS, the name the test certificate holds."""
        if self.tls:
            return f"https://localhost:{self.port}{path}"
        return f"http://127.0.0.1:{self.port}{path}"

    # ---- control ----

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        scheme = "https" if self.tls else "http"
        # The test CA signs 127.0.0.1 too; without a CA, this is our own receiver: no checking.
        verify = str(self.ca_cert) if self.ca_cert is not None else False
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Unverified HTTPS request")
            r = self._session.request(method,
                                      f"{scheme}://127.0.0.1:{self.port}/_control/{path}",
                                      json=body, timeout=CONTROL_TIMEOUT, verify=verify)
        if r.status_code != 200:
            raise AssertionError(f"webhook receiver {method} /_control/{path}: "
                                 f"{r.status_code} {r.text}")
        return r.json()

    def set_secrets(self, secrets: list[str]) -> None:
        """The whsec_ secrets to verify each delivery with; verified_with holds their indexes.
        Deliveries are verified on arrival, with the secrets set at that moment."""
        self._control("POST", "secrets", {"secrets": list(secrets)})

    def behave(self, status: int, count: int | None = None, delay_ms: int = 0,
               headers: dict[str, str] | None = None) -> None:
        """The next `count` deliveries (all, when None) are answered `status` after delay_ms,
        with the extra response `headers` (e.g. {"retry-after": "1"}); behave(200) restores
        normal."""
        self._control("POST", "behaviour", {"status": status, "count": count,
                                            "delay_ms": delay_ms, "headers": headers or {}})

    def received(self) -> list[dict]:
        """The recorded deliveries, in arrival order."""
        return self._control("GET", "received")

    def reset(self) -> None:
        """Forgets the recorded deliveries (secrets and behaviour stay)."""
        self._control("POST", "reset")

    def wait_for(self, predicate: Callable[[list[dict]], bool],
                 timeout: float = 30) -> list[dict]:
        """Polls received() every 50 ms until predicate(deliveries) holds; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.received()
            if predicate(got):
                return got
            if time.monotonic() >= deadline:
                raise AssertionError(f"webhook receiver: condition not met within {timeout}s; "
                                     f"{summarize(got)}")
            time.sleep(0.05)


def summarize(deliveries: list[dict], body_chars: int = 200) -> str:
    """A readable account of recorded deliveries, for assertion messages."""
    if not deliveries:
        return "no deliveries received"
    lines = [f"{len(deliveries)} deliveries received:"]
    for i, d in enumerate(deliveries):
        h = d.get("headers", {})
        body = d.get("body", "")
        if len(body) > body_chars:
            body = body[:body_chars] + f"... ({len(d['body'])} chars)"
        lines.append(f"  [{i}] {d.get('method')} {d.get('path')} id={h.get('webhook-id')} "
                     f"ts={h.get('webhook-timestamp')} answered={d.get('answered')} "
                     f"verified_with={d.get('verified_with')} "
                     f"verify_errors={d.get('verify_errors')} body={body}")
    return "\n".join(lines)


def make_test_ca(directory: str | os.PathLike) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate it signs for localhost and 127.0.0.1, made with
    the openssl CLI in `directory`. Returns (ca_cert, server_cert, server_key) paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = d / "ca.key", d / "ca.pem"
    key, csr, cert, ext = d / "server.key", d / "server.csr", d / "server.pem", d / "server.ext"

    def openssl(*args: str) -> None:
        p = subprocess.run(["openssl", *args], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=60)
        if p.returncode != 0:
            raise AssertionError(f"openssl {args[0]} failed ({p.returncode}): {p.stderr.strip()}")

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key),
            "-out", str(ca_cert), "-days", "2", "-subj", "/CN=contactsd test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
            "-subj", "/CN=localhost")
    # Clients check the subjectAltName, not the CN; serverAuth for the strict ones.
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                   "basicConstraints=critical,CA:FALSE\n"
                   "keyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\n")
    # A random serial rather than -CAcreateserial: no ca.srl left behind.
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
            "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "2",
            "-extfile", str(ext), "-out", str(cert))
    return ca_cert, cert, key
