#!/usr/bin/env python3
"""Webhook delivery throughput: a fresh server on a fresh SQLite file (--sync full), one tenant
with one endpoint pointing at bench/webhook_sink.js on 127.0.0.1, then N contacts created in
batches of 1,000 (N events), and the time until the sink has received every event's webhook-id.

Prints one JSON line: {"events": N, "write_seconds": ..., "deliver_seconds": ...,
"events_per_second": N / deliver_seconds} (deliver_seconds counts from the first write, so it
includes the fan-out of the last events written).

    bench/webhook_throughput.py BINARY WORKDIR [--events N] [--db URL]

Stops only the processes it started, by PID.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def listening_port(log: Path) -> int | None:
    """The port the server's listening line names (it is started on port 0: one probed free
    beforehand could be taken by another process first)."""
    match = re.search(r"event=listening .* url=http://127\.0\.0\.1:(\d+)",
                      log.read_text(errors="replace"))
    return int(match.group(1)) if match else None


def call(method: str, url: str, body=None, key: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", "Bearer " + key)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"webhook_throughput: timed out waiting for {what}")
        time.sleep(0.02)


def cli(binary: str, db: str, *args: str) -> dict:
    out = subprocess.run([binary, *args, "--db", db], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("workdir")
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    db = args.db or f"sqlite:{work / 'webhooks.db'}"

    org = cli(args.binary, db, "org", "create", "--name", "webhook-bench")["id"]
    key = cli(args.binary, db, "key", "create", "--org", org)["key"]
    server = subprocess.Popen(
        [args.binary, "serve", "--db", db, "--listen", "127.0.0.1:0", "--no-access-log",
         "--webhook-allow-private", "--webhook-allow-http"],
        stdout=subprocess.DEVNULL, stderr=open(work / "server.log", "wb"))
    sink = subprocess.Popen(["node", str(BENCH_DIR / "webhook_sink.js"), "0"],
                            stdout=subprocess.PIPE, stderr=open(work / "sink.log", "wb"),
                            text=True)
    try:
        sink_port = json.loads(sink.stdout.readline())["port"]
        wait_until(lambda: listening_port(work / "server.log") is not None, 20, "the server")
        base = f"http://127.0.0.1:{listening_port(work / 'server.log')}"

        def healthy():
            try:
                call("GET", base + "/healthz")
                return True
            except OSError:
                return False
        wait_until(healthy, 20, "the server")
        call("POST", base + "/v1/webhooks",
             {"url": f"http://127.0.0.1:{sink_port}/hook", "events": ["*"]}, key)

        def delivered() -> int:
            return call("GET", f"http://127.0.0.1:{sink_port}/count")["distinct"]

        start = time.monotonic()
        for b in range(args.events // 1000):
            ops = [{"op": "create", "body": {"first_name": f"W{b}-{i}",
                                             "email": f"w{b}-{i}@example.com"}}
                   for i in range(1000)]
            call("POST", base + "/v1/contacts/batch", {"atomic": True, "operations": ops}, key)
        written = time.monotonic()
        wait_until(lambda: delivered() >= args.events, 600, "every delivery")
        done = time.monotonic()
        print(json.dumps({"events": args.events, "write_seconds": round(written - start, 3),
                          "deliver_seconds": round(done - start, 3),
                          "events_per_second": round(args.events / (done - start))}))
    finally:
        for proc in (server, sink):
            proc.terminate()
        for proc in (server, sink):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
