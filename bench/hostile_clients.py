#!/usr/bin/python3
"""Hostile clients against contactsd: what each attack makes the server hold, and whether a
normal client is still served meanwhile (docs/http.md, "Hostile clients").

    /usr/bin/python3 bench/hostile_clients.py                 # every attack, one table
    /usr/bin/python3 bench/hostile_clients.py --connections 0.3 --only a_unauth_bodies,c_slow_readers
    /usr/bin/python3 bench/hostile_clients.py --json          # one JSON document instead
    /usr/bin/python3 bench/hostile_clients.py --server-arg=--max-buffered-mib=32

Each attack gets a fresh contactsd (build/contactsd, or --binary / $CONTACTSD_BIN) on the same
SQLite file in a temporary directory (seeded once: one small contact for the normal client and
100 contacts of ~10 KB each, so that `GET /v1/contacts?limit=100` is a ~1 MB page). Before
each attack the server serves that page and a ~1 MB (rejected) POST body twice, as a server
that has been up a while has: its allocator has seen big buffers come and go (glibc's default
mmap threshold slides up after the first big free, after which big buffers come from the heap
and may stay resident). While the attack runs:

- the server's VmRSS is read from /proc/PID/status every 50 ms (the peak is reported), and,
  once the attacker's connections are closed, until it settles (the "after" figure; bounded);
- a normal client in a process of its own (so that the attacker's Python loop cannot delay it)
  sends GET /v1/contacts/{id} from source address 127.0.0.2, 200 a second, each request on a
  NEW connection (`Connection: close`: a client that arrives during the attack, the one an
  attack on the connection table shuts out), from a pool of up to 64 threads so that one slow
  request does not hold back the next. Its request count, errors and p50/p99/max latency of
  the successful requests are reported, the latency counted from when each request was DUE
  (open loop: a server stall of 2 s shows in the ~400 requests due meanwhile, not as one slow
  sample among hundreds), the connect included. "svc p99" and "svc max" are the service times
  (from the actual send); the text below the table gives the client's own lag (send - due):
  when it is large the client did not get the CPU in time (attacker, server and client share
  the machine), which is why the client runs at nice -10 when it may.

The attacks (the connection counts are multiplied by --connections). a and c come from many
source addresses, at most 200 connections from each (127.0.0.3, 127.0.0.4, ...), so that they
meet the server's memory budgets rather than its per-address connection cap; b_idle comes from
one address, as the issue's attacker did:

  a_unauth_bodies   1,000 raw sockets: `POST /v1/contacts` with `Content-Length: 1048576` and
                    no Authorization, then 1,048,575 bytes of body, then nothing: the body is
                    never complete. The server should answer 401 after the head and close.
  a_auth_bodies     the same with a valid key: the bodies in flight are bounded by the total
                    body budget (--max-buffered-mib); past it the server answers 503 +
                    Retry-After before reading the body.
  a_slow_body       slowhttptest -B (R-U-Dead-Yet): 1,000 unauthenticated POSTs declaring a
                    1 MiB body, sent a few bytes a second. slowhttptest sends no custom header,
                    so it is the unauthenticated variant only.
  b_idle            10,500 raw sockets from 127.0.0.1 that connect and send nothing (the server
                    closes them after its 10 s header timeout, so the window stays shorter).
  b_idle_keepalive  10,500 raw sockets from 42 addresses (127.0.0.3 .. 127.0.0.44, 250 each:
                    under the per-address cap) that each make one GET /healthz, then stay
                    idle on the keep-alive connection: more than --max-connections in total, so
                    the server must shed idle connections to let new clients in.
  b_slowloris       slowhttptest -H (Slowloris): 1,000 connections from 127.0.0.1, each
                    sending its request head a header line every 2 s.
  c_slow_readers    2,000 raw sockets with SO_RCVBUF at its minimum (set before connect), each
                    sending `GET /v1/contacts?limit=100` with the key and never reading.

For each attack the attacker's connections are counted by how they ended: `<status> <end>`,
where status is the first answer's status code (`-`: none) and end is `open` (still open when
the window ended), `closed` or `reset` (by the server), `refused` (the connect failed) or
`no-socket` (this process ran out of descriptors or local ports). The slowhttptest attacks
report slowhttptest's own counts instead (from its CSV: connected / closed / pending at the
end, and the most connected at once).

The exit status is 1 when, in any attack, the peak RSS reaches --max-rss-mib (256), the RSS
after reaches --max-rss-after-mib (128), the normal client's p99 (from when due) reaches
--max-p99-ms (50) or the normal client saw an error (--max-errors 0). The stderr has one line
per attack as it ends. Only 127.0.0.1 and 127.0.0.x are used; only processes this script
started are stopped, by their PID. stdlib + requests only; slowhttptest when installed.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import errno
import http.client
import json
import math
import os
import re
import resource
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT / "tests" / "api") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "api"))

import contactsd_harness as harness  # noqa: E402  (tests/api: the Server helper)

MIB = 1 << 20
KIB = 1 << 10
DECLARED_BODY = 1 << 20  # Content-Length of the big-body attacks: exactly the body limit
NORMAL_SOURCE = "127.0.0.2"
ATTACK_SOURCE = "127.0.0.1"
BIG_NOTES = 10_000  # the standard model's notes max_length
BIG_CONTACTS = 100  # one full list page (limit is 1..100)
TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CLOSE = 1, 8, 7


# --------------------------------------------------------------------------------------------
# The server's memory
# --------------------------------------------------------------------------------------------


def rss_kib(pid: int) -> int | None:
    """VmRSS of a process in KiB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


class RssSampler:
    """Reads a process's VmRSS every `interval` seconds in a thread; peak() over any span."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self):
        while not self._stop.is_set():
            kib = rss_kib(self.pid)
            if kib is None:
                return
            self.samples.append((time.monotonic(), kib))
            self._stop.wait(self.interval)

    def start(self) -> "RssSampler":
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(5)

    def peak_kib(self, since: float = 0.0) -> int:
        """The highest sample taken at or after `since` (monotonic), and the current value."""
        now = rss_kib(self.pid) or 0
        return max([kib for t, kib in list(self.samples) if t >= since] + [now])

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def wait_rss_settled(pid: int, timeout: float = 10.0, window: float = 1.0,
                     tolerance_kib: int = 1024, interval: float = 0.05) -> tuple[int, float]:
    """Waits until the server's RSS has moved by at most `tolerance_kib` over `window` seconds
    (or `timeout` passed); returns (the last RSS in KiB, seconds waited)."""
    start = time.monotonic()
    samples: list[tuple[float, int]] = []
    while True:
        now = time.monotonic()
        kib = rss_kib(pid)
        if kib is None:
            return (samples[-1][1] if samples else 0), now - start
        samples.append((now, kib))
        recent = [k for t, k in samples if t >= now - window]
        if now - start >= window and max(recent) - min(recent) <= tolerance_kib:
            return kib, now - start
        if now - start >= timeout:
            return kib, now - start
        time.sleep(interval)


def mib(kib: int | None) -> float:
    return round((kib or 0) / 1024, 1)


def raise_nofile(want: int) -> int:
    """Raises this process's soft RLIMIT_NOFILE towards `want` (up to the hard limit); the
    server started afterwards inherits it. Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


# --------------------------------------------------------------------------------------------
# Many raw sockets from one process: one epoll loop
# --------------------------------------------------------------------------------------------


class Conn:
    __slots__ = ("sock", "source", "part", "offset", "sending", "head", "status", "end",
                 "all_sent", "connected")

    def __init__(self, sock: socket.socket, source: str | None):
        self.sock = sock
        self.source = source
        self.part = 0  # which payload part is being sent, and how far
        self.offset = 0
        self.sending = False
        self.all_sent = False
        self.connected = False
        self.head = b""  # the first bytes the server sent (up to 4 KiB)
        self.status: int | None = None  # the first answer's status code
        # None while open; "closed", "reset" (by the server), "refused" (connect failed),
        # "no-socket" (no descriptor or local port here), "open" (still open at close_all)
        self.end: str | None = None

    def header(self, name: str) -> str | None:
        """A header of the first answer (from its first 4 KiB), or None."""
        head = self.head.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        for line in head.split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None

    @property
    def label(self) -> str:
        return f"{self.status if self.status is not None else '-'} {self.end or 'open'}"


def _parse_status(conn: Conn):
    if conn.status is None and conn.head.startswith(b"HTTP/") and len(conn.head) >= 12:
        try:
            conn.status = int(conn.head[9:12])
        except ValueError:
            conn.status = 0


class Fleet:
    """N client connections driven by one epoll loop: each connects (from `sources`, round
    robin), sends `parts` (e.g. a request head, then a body) as fast as the server takes it,
    then holds the connection. With `reads`, whatever the server sends is read (its first 4 KiB
    kept, for the status and headers) and a close is noticed at once; an early answer stops the
    sending. Without `reads` nothing is ever read (slow readers): the first bytes of the answer
    and whether the server closed are seen with MSG_PEEK and TCP_INFO instead, which leaves the
    receive window shut. `rcvbuf` sets SO_RCVBUF before connect (the kernel's minimum applies).

    Drive it with pump()/run_until(); nothing happens between calls (the kernel still buffers).
    """

    def __init__(self, port: int, parts: Iterable[bytes] = (), *, host: str = "127.0.0.1",
                 sources: Iterable[str | None] = (ATTACK_SOURCE,), rcvbuf: int | None = None,
                 reads: bool = True, max_connecting: int = 512, chunk: int = 256 * KIB):
        self.port = port
        self.host = host
        self.parts = [memoryview(p) for p in parts if p]
        self.sources = list(sources) or [None]
        self.rcvbuf = rcvbuf
        self.reads = reads
        self.max_connecting = max_connecting
        self.chunk = chunk
        self.sel = selectors.EpollSelector()
        self.conns: list[Conn] = []
        self.to_open = 0
        self.connecting = 0
        self._next_source = 0
        self._last_peek = 0.0

    # ---- the loop ----

    def open(self, n: int) -> "Fleet":
        self.to_open += n
        return self

    def _start_connects(self):
        while self.to_open > 0 and self.connecting < self.max_connecting:
            self.to_open -= 1
            source = self.sources[self._next_source % len(self.sources)]
            self._next_source += 1
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            except OSError:  # out of descriptors here, not a doing of the server
                self.conns.append(Conn(None, source))
                self.conns[-1].end = "no-socket"
                continue
            conn = Conn(sock, source)
            self.conns.append(conn)
            try:
                sock.setblocking(False)
                if self.rcvbuf is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
                if source is not None:
                    sock.bind((source, 0))
            except OSError:  # e.g. no local port left for that source address
                self._finish(conn, "no-socket", registered=False)
                continue
            err = sock.connect_ex((self.host, self.port))
            if err not in (0, errno.EINPROGRESS):
                self._finish(conn, "refused", registered=False)
                continue
            self.connecting += 1
            self.sel.register(sock, selectors.EVENT_WRITE, conn)

    def pump(self, timeout: float = 0.05):
        """Starts queued connects, then handles the events of one epoll wait."""
        self._start_connects()
        for key, events in self.sel.select(timeout):
            conn: Conn = key.data
            if not conn.connected:
                self._on_connected(conn)
                continue
            if events & selectors.EVENT_READ:
                self._on_readable(conn)
            if conn.end is None and conn.sending and events & selectors.EVENT_WRITE:
                self._send(conn)
        if not self.reads and time.monotonic() - self._last_peek >= 0.2:
            self.peek()
        self._start_connects()

    def run_until(self, cond: Callable[["Fleet"], bool], timeout: float) -> bool:
        """Pumps until cond(fleet) is true (returns True) or `timeout` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while True:
            if cond(self):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.pump(min(0.05, left))

    def run_for(self, seconds: float):
        self.run_until(lambda f: False, seconds)

    def _on_connected(self, conn: Conn):
        self.connecting -= 1
        err = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self._finish(conn, "refused")
            return
        conn.connected = True
        if self.parts:
            conn.sending = True
            self.sel.modify(conn.sock, selectors.EVENT_WRITE |
                            (selectors.EVENT_READ if self.reads else 0), conn)
            self._send(conn)
        else:
            conn.all_sent = True
            self._after_sending(conn)

    def _send(self, conn: Conn):
        while conn.part < len(self.parts):
            part = self.parts[conn.part]
            try:
                sent = conn.sock.send(part[conn.offset:conn.offset + self.chunk])
            except BlockingIOError:
                return
            except OSError:  # the server closed or reset: see what it answered
                conn.sending = False
                self._after_sending(conn)
                if self.reads:
                    self._on_readable(conn)
                return
            conn.offset += sent
            if conn.offset >= len(part):
                conn.part += 1
                conn.offset = 0
            if sent < self.chunk and conn.offset:
                return  # the socket buffer is full: wait for EVENT_WRITE
        conn.sending = False
        conn.all_sent = True
        self._after_sending(conn)

    def _after_sending(self, conn: Conn):
        if conn.end is not None:
            return
        if self.reads:
            self.sel.modify(conn.sock, selectors.EVENT_READ, conn)
        else:
            self.sel.unregister(conn.sock)

    def _on_readable(self, conn: Conn):
        if conn.end is not None:
            return
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            self._finish(conn, "reset")
            return
        if not data:
            self._finish(conn, "closed")
            return
        if len(conn.head) < 4096:
            conn.head += data[:4096 - len(conn.head)]
            _parse_status(conn)
        if conn.sending:  # an early answer: stop sending (as a client should) and read it
            conn.sending = False
            self.sel.modify(conn.sock, selectors.EVENT_READ, conn)

    def _finish(self, conn: Conn, end: str, registered: bool = True):
        conn.end = end
        conn.sending = False
        if registered:
            try:
                self.sel.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        conn.sock.close()

    def peek(self):
        """For a fleet that never reads: the answer's first bytes (MSG_PEEK) and whether the
        server closed (TCP_INFO's state), without opening the receive window."""
        self._last_peek = time.monotonic()
        for conn in self.conns:
            if conn.end is not None or not conn.connected:
                continue
            if conn.status is None or b"\r\n\r\n" not in conn.head:
                try:
                    data = conn.sock.recv(2048, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                    conn.head = data
                    _parse_status(conn)
                except BlockingIOError:
                    pass
                except OSError:
                    self._finish(conn, "reset", registered=False)
                    continue
            try:
                state = conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
            except OSError:
                continue
            if state in (TCP_CLOSE_WAIT, TCP_CLOSE):
                self._finish(conn, "closed", registered=False)

    # ---- what happened ----

    @property
    def settled(self) -> bool:
        """Every connection was attempted and its connect has finished (either way)."""
        return self.to_open == 0 and self.connecting == 0

    def open_conns(self) -> list[Conn]:
        return [c for c in self.conns if c.end is None and c.connected]

    def count(self, pred: Callable[[Conn], bool]) -> int:
        return sum(1 for c in self.conns if pred(c))

    def outcomes(self) -> dict[str, int]:
        if not self.reads:
            self.peek()
        return dict(sorted(collections.Counter(c.label for c in self.conns).items(),
                           key=lambda kv: -kv[1]))

    def close_all(self):
        for conn in self.conns:
            if conn.end is None:
                try:
                    self.sel.unregister(conn.sock)
                except (KeyError, ValueError):
                    pass
                conn.sock.close()
                conn.end = conn.end or "open"  # still open when the attacker left
        self.sel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close_all()


def connections_done(fleet: Fleet) -> bool:
    """All connects attempted and finished (connected or refused)."""
    return fleet.settled and all(c.connected or c.end for c in fleet.conns)


def bodies_done(fleet: Fleet) -> bool:
    """A body fleet is in place: each connection ended, was answered, or sent all it had."""
    return connections_done(fleet) and all(
        c.end is not None or c.status is not None or c.all_sent for c in fleet.conns)


def answers_done(fleet: Fleet) -> bool:
    """Each connection ended or has its first answer's status."""
    if not fleet.reads and time.monotonic() - fleet._last_peek > 0.2:
        fleet.peek()
    return connections_done(fleet) and all(
        c.end is not None or c.status is not None for c in fleet.conns)


# --------------------------------------------------------------------------------------------
# The attacks' requests
# --------------------------------------------------------------------------------------------


def big_body_parts(port: int, key: str | None, declared: int = DECLARED_BODY) -> list[bytes]:
    """A POST /v1/contacts head declaring `declared` bytes, and a body one byte short of it."""
    head = (f"POST /v1/contacts HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {declared}\r\n"
            + (f"Authorization: Bearer {key}\r\n" if key else "") + "\r\n").encode()
    prefix = b'{"notes": "'
    return [head, prefix + b"x" * (declared - 1 - len(prefix))]


def keepalive_parts(port: int) -> list[bytes]:
    return [f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()]


def list_page_parts(port: int, key: str, limit: int = BIG_CONTACTS) -> list[bytes]:
    return [(f"GET /v1/contacts?limit={limit} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
             f"Authorization: Bearer {key}\r\n\r\n").encode()]


def get_from(port: int, path: str, key: str | None = None, source: str = NORMAL_SOURCE,
             timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection from `source`: (status, headers, body). Raises OSError
    (or http.client's exceptions) when the server closed or reset the connection instead."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0))
    phase = "connect"
    try:
        conn.connect()
        phase = "request"
        headers = {"Connection": "close"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        conn.request("GET", path, headers=headers)
        phase = "response"
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    except Exception as e:
        e.phase = phase  # where it failed: connect, request or response
        raise
    finally:
        conn.close()


def seed(port: int, key: str, big: int = BIG_CONTACTS) -> tuple[str, int]:
    """Creates one small contact (returns its id) and `big` contacts with a 10,000-character
    `notes` each; returns (small id, bytes of GET /v1/contacts?limit=100)."""
    import requests
    s = requests.Session()
    s.trust_env = False
    s.headers["Authorization"] = f"Bearer {key}"
    base = f"http://127.0.0.1:{port}"
    try:
        r = s.post(base + "/v1/contacts", json={"first_name": "Normal", "last_name": "Client"},
                   timeout=10)
        r.raise_for_status()
        small = r.json()["id"]
        notes = ("0123456789abcdefghijklmnopqrstuvwxyz" * 300)[:BIG_NOTES]
        for i in range(big):
            r = s.post(base + "/v1/contacts",
                       json={"first_name": f"Big{i}", "notes": notes}, timeout=10)
            r.raise_for_status()
        page = s.get(base + f"/v1/contacts?limit={BIG_CONTACTS}", timeout=10)
        page.raise_for_status()
        return small, len(page.content)
    finally:
        s.close()


# --------------------------------------------------------------------------------------------
# The normal client: a process of its own
# --------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def _normal_client_worker():
    """Child process: reads its config as one JSON line, makes requests until stdin closes,
    then prints one JSON line with what it saw. "ready" once the first request succeeded."""
    cfg = json.loads(sys.stdin.readline())
    stop = threading.Event()
    try:  # ahead of the attacker's and the server's threads for the CPU (root only)
        os.nice(-10)
    except OSError:
        pass

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()

    def once() -> tuple[int, float]:
        t0 = time.perf_counter()
        status, _, _ = get_from(cfg["port"], cfg["path"], cfg["key"], cfg["source"],
                                cfg["timeout"])
        return status, time.perf_counter() - t0

    ready_by = time.monotonic() + 10
    while True:
        try:
            if once()[0] == 200:
                break
        except Exception:  # noqa: BLE001 - retried until ready_by
            pass
        if time.monotonic() > ready_by or stop.is_set():
            print(json.dumps({"error": "the normal client was never served"}), flush=True)
            return
        time.sleep(0.05)
    print("ready", flush=True)
    # Open loop: request k is due at start + k * interval and is sent then by a thread of a
    # pool, whatever became of the requests before it (independent clients arriving at that
    # rate). Its latency counts from when it was due: a server stall of 2 s shows in every
    # request due during it, not as one slow sample among hundreds as in a closed loop
    # ("coordinated omission"); and a slow request does not queue the next ones behind it as
    # one serial client would. The service time (from the actual send) and the client's own
    # lag (actual send - due: this process not getting the CPU) are kept too.
    latencies: list[float] = []
    service: list[float] = []
    lags: list[float] = []
    slow: list[tuple[float, float]] = []  # (due, since the first due; latency) past 50 ms
    first_due = time.perf_counter()
    errors: collections.Counter = collections.Counter()

    def request(scheduled: float):
        sent = time.perf_counter()
        lags.append(sent - scheduled)
        try:
            status, _ = once()
            done = time.perf_counter()
            if status == 200:
                latencies.append(done - scheduled)
                service.append(done - sent)
                if done - scheduled > 0.05:
                    slow.append((scheduled - first_due, done - scheduled))
            else:
                errors[str(status)] += 1
        except Exception as e:  # noqa: BLE001 - every failure is counted by its kind
            errors[f"{getattr(e, 'phase', '?')}: {type(e).__name__}"] += 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=cfg["concurrency"]) as pool:
        due = time.perf_counter()
        while True:
            wait = due - time.perf_counter()
            if wait > 0 and stop.wait(wait):
                break
            if stop.is_set():
                break
            pool.submit(request, due)
            due += cfg["interval"]
    latencies.sort()
    service.sort()
    ms = lambda v: None if v is None else round(v * 1000, 2)  # noqa: E731
    print(json.dumps({
        "requests": len(latencies) + sum(errors.values()),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(latencies[-1] if latencies else None),
        "service_p99_ms": ms(percentile(service, 99)),
        "service_max_ms": ms(service[-1] if service else None),
        "client_lag_max_ms": ms(max(lags, default=None)),
        # when the slow requests were due, to place a stall against the attack's phases
        "slow_at_s": [[round(t, 3), ms(v)] for t, v in sorted(slow)[:40]],
    }), flush=True)


class NormalClient:
    """Starts the normal client (this file, --normal-client) and waits until it was served
    once; stop() ends it and returns its figures."""

    def __init__(self, port: int, key: str, contact_id: str, *, source: str = NORMAL_SOURCE,
                 interval: float = 0.005, timeout: float = 5.0, concurrency: int = 64):
        self.cfg = {"port": port, "key": key, "path": f"/v1/contacts/{contact_id}",
                    "source": source, "interval": interval, "timeout": timeout,
                    "concurrency": concurrency}
        self.proc: subprocess.Popen | None = None

    def start(self) -> "NormalClient":
        self.proc = subprocess.Popen([sys.executable, __file__, "--normal-client"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.proc.stdin.write(json.dumps(self.cfg) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.stop()
            raise RuntimeError(f"normal client: {line or 'exited'}")
        return self

    def stop(self) -> dict:
        if self.proc is None:
            return {}
        try:  # closing its stdin (communicate does) is the signal to stop
            out, _ = self.proc.communicate(timeout=self.cfg["timeout"] + 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.proc = None
        lines = [line for line in out.splitlines() if line.startswith("{")]
        return json.loads(lines[-1]) if lines else {"error": "no result"}


# --------------------------------------------------------------------------------------------
# The attacks
# --------------------------------------------------------------------------------------------


@dataclass
class Context:
    binary: Path
    workdir: Path
    db_url: str
    key: str
    contact_id: str
    page_bytes: int
    threads: int | None
    server_args: list[str]
    hold: float
    ramp_timeout: float
    slowhttptest: str | None


@dataclass
class Attack:
    name: str
    connections: int
    what: str
    run: Callable  # run(ctx, server, n) -> (outcomes, close, note)
    tool: str = "raw"  # or "slowhttptest": skipped when it is not installed


@dataclass
class Result:
    attack: str
    connections: int
    what: str
    rss_before_mib: float
    rss_peak_mib: float
    rss_after_mib: float
    settle_s: float
    window_s: float
    normal: dict
    outcomes: dict
    notes: str = ""
    failures: list[str] = field(default_factory=list)


def _fleet_attack(make: Callable[[Context, harness.Server, int], Fleet],
                  ready: Callable[[Fleet], bool]):
    """An attack of raw sockets: open them, wait until `ready` (bounded by ctx.ramp_timeout),
    then hold ctx.hold seconds; the outcomes are counted when the window ends."""

    def run(ctx: Context, srv: harness.Server, n: int):
        fleet = make(ctx, srv, n)
        try:
            fleet.open(n)
            in_place = fleet.run_until(ready, ctx.ramp_timeout)
            fleet.run_for(ctx.hold)
            outcomes = fleet.outcomes()
        except BaseException:
            fleet.close_all()
            raise
        note = "" if in_place else f"not all in place after {ctx.ramp_timeout:.0f} s"
        return outcomes, fleet.close_all, note

    return run


def _slowhttptest_attack(mode: str, path: str, extra: list[str]):
    """slowhttptest in `mode` (-B, -H, ...) against `path`, for ramp + hold seconds; the
    outcome is its last CSV line (closed / pending / connected)."""

    def run(ctx: Context, srv: harness.Server, n: int):
        length = max(2, int(ctx.hold + 3))
        prefix = ctx.workdir / f"slowhttptest-{mode.strip('-')}-{uuid.uuid4().hex[:6]}"
        argv = [ctx.slowhttptest, mode, "-c", str(n), "-r", str(max(n, 50)), "-l", str(length),
                "-u", f"http://127.0.0.1:{srv.port}{path}", "-p", "3", "-g", "-o", str(prefix),
                *extra]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
        try:
            out, _ = proc.communicate(timeout=length + 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        out = re.sub(r"\x1b\[[0-9;]*m", "", out)
        exit_line = re.search(r"Exit status:\s*(.+)", out)
        outcomes: dict[str, int] = {}
        csv = Path(f"{prefix}.csv")
        if csv.exists():
            rows = [line.split(",") for line in csv.read_text().splitlines()[1:] if line]
            if rows:
                last = rows[-1]
                outcomes = {"connected": int(last[3]), "closed": int(last[1]),
                            "pending": int(last[2])}
                peak_connected = max(int(r[3]) for r in rows)
                outcomes["peak connected"] = peak_connected
        note = f"slowhttptest: {exit_line.group(1).strip()}" if exit_line else \
            f"slowhttptest exited {proc.returncode}"
        return outcomes, lambda: None, note

    return run


def attack_sources(n: int, per_address: int = 200) -> list[str]:
    """Source addresses for n connections, at most `per_address` from each (under the default
    per-address cap of 256, so that the memory budgets, not that cap, meet the attack):
    127.0.0.3, 127.0.0.4, ... (127.0.0.2 is the normal client's)."""
    count = max(1, math.ceil(n / per_address))
    if count > 250:
        raise ValueError(f"{n} connections need more than 127.0.0.3..127.0.0.252")
    return [f"127.0.0.{3 + i}" for i in range(count)]


def _make_bodies(authorized: bool):
    def make(ctx: Context, srv: harness.Server, n: int) -> Fleet:
        return Fleet(srv.port, big_body_parts(srv.port, ctx.key if authorized else None),
                     sources=attack_sources(n))
    return make


def _make_idle(ctx: Context, srv: harness.Server, n: int) -> Fleet:
    return Fleet(srv.port, (), sources=[ATTACK_SOURCE], max_connecting=1024)


def _make_keepalive(ctx: Context, srv: harness.Server, n: int) -> Fleet:
    return Fleet(srv.port, keepalive_parts(srv.port), sources=attack_sources(n, 250),
                 max_connecting=1024)


def _make_slow_readers(ctx: Context, srv: harness.Server, n: int) -> Fleet:
    return Fleet(srv.port, list_page_parts(srv.port, ctx.key), sources=attack_sources(n),
                 rcvbuf=1, reads=False)


ATTACKS = [
    Attack("a_unauth_bodies", 1000, "raw: POST, Content-Length 1 MiB, 1 MiB - 1 sent, no key",
           _fleet_attack(_make_bodies(False), bodies_done)),
    Attack("a_auth_bodies", 1000, "raw: POST, Content-Length 1 MiB, 1 MiB - 1 sent, valid key",
           _fleet_attack(_make_bodies(True), bodies_done)),
    Attack("a_slow_body", 1000, "slowhttptest -B: POST, Content-Length 1 MiB, slow, no key",
           _slowhttptest_attack("-B", "/v1/contacts",
                                ["-t", "POST", "-s", str(DECLARED_BODY), "-i", "1", "-x", "10",
                                 "-f", "application/json"]), "slowhttptest"),
    Attack("b_idle", 10500, "raw: connect from 127.0.0.1 only, send nothing",
           _fleet_attack(_make_idle, connections_done)),
    Attack("b_idle_keepalive", 10500, "raw: 250 per address, one GET /healthz each, then idle",
           _fleet_attack(_make_keepalive, answers_done)),
    Attack("b_slowloris", 1000, "slowhttptest -H: a header line every 2 s",
           _slowhttptest_attack("-H", "/healthz", ["-i", "2", "-x", "10"]), "slowhttptest"),
    Attack("c_slow_readers", 2000, "raw: GET /v1/contacts?limit=100, SO_RCVBUF minimal, never read",
           _fleet_attack(_make_slow_readers, answers_done)),
]


def warm_up(port: int, key: str, rounds: int = 2):
    """Big buffers come and go once or twice: a list page of ~1 MB, a ~1 MB body (rejected)."""
    body = b'{"notes": "' + b"x" * 1_000_000 + b'"}'
    for _ in range(rounds):
        get_from(port, f"/v1/contacts?limit={BIG_CONTACTS}", key, ATTACK_SOURCE)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("POST", "/v1/contacts", body=body,
                         headers={"Authorization": f"Bearer {key}", "Connection": "close",
                                  "Content-Type": "application/json"})
            conn.getresponse().read()
        finally:
            conn.close()


def start_server(ctx: Context, name: str) -> harness.Server:
    srv = harness.Server(ctx.binary, ctx.workdir / name, threads=ctx.threads, db_url=ctx.db_url,
                         extra_args=["--no-access-log", *ctx.server_args])
    return srv.start()


def run_attack(ctx: Context, attack: Attack, n: int, thresholds: argparse.Namespace) -> Result:
    srv = start_server(ctx, attack.name)
    print(f"hostile_clients:   server pid {srv.proc.pid} (to profile it: perf record -p)", file=sys.stderr, flush=True)
    outcomes: dict = {}
    note = ""
    try:
        warm_up(srv.port, ctx.key)
        before, _ = wait_rss_settled(srv.proc.pid, timeout=3, window=0.5)
        try:
            normal = NormalClient(srv.port, ctx.key, ctx.contact_id).start()
        except RuntimeError as e:  # not served even before the attack: reported, not fatal
            normal = None
            normal_figures = {"error": str(e)}
        with RssSampler(srv.proc.pid) as sampler:
            t0 = time.monotonic()
            try:
                outcomes, close, note = attack.run(ctx, srv, n)
            finally:
                if normal is not None:
                    normal_figures = normal.stop()
            window = time.monotonic() - t0
            close()
            after, settle = wait_rss_settled(srv.proc.pid, timeout=10)
            peak = sampler.peak_kib(t0)
        if not srv.alive():
            note = (note + "; " if note else "") + f"server died (exit {srv.proc.poll()})"
    finally:
        try:
            srv.stop()
        except AssertionError as e:  # did not stop within 10 s: killed
            note = (note + "; " if note else "") + str(e).splitlines()[0]
        finally:
            srv.kill()
    result = Result(attack.name, n, attack.what, mib(before), mib(peak), mib(after),
                    round(settle, 1), round(window, 1), normal_figures, outcomes, note)
    result.failures = judge(result, thresholds)
    return result


def judge(r: Result, t: argparse.Namespace) -> list[str]:
    out = []
    if r.rss_peak_mib >= t.max_rss_mib:
        out.append(f"peak RSS {r.rss_peak_mib} MiB >= {t.max_rss_mib}")
    if r.rss_after_mib >= t.max_rss_after_mib:
        out.append(f"RSS after {r.rss_after_mib} MiB >= {t.max_rss_after_mib}")
    p99 = r.normal.get("p99_ms")
    if "error" in r.normal:
        out.append(f"normal client: {r.normal['error']}")
    if p99 is not None and p99 >= t.max_p99_ms:
        out.append(f"normal client p99 {p99} ms >= {t.max_p99_ms}")
    if p99 is None and "error" not in r.normal:
        out.append("normal client: no successful request during the attack")
    if r.normal.get("errors", 0) > t.max_errors:
        out.append(f"normal client errors {r.normal['errors']} {r.normal.get('error_kinds')}")
    if "server died" in r.notes:
        out.append("server died")
    return out


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def supports_limit_flags(binary: Path) -> bool:
    p = subprocess.run([str(binary), "serve", "--help"], capture_output=True, text=True,
                       timeout=10)
    return "--max-connections-per-ip" in p.stdout + p.stderr


def print_table(results: list[Result], out=sys.stdout):
    cols = ["attack", "conns", "RSS before", "RSS peak", "RSS after", "normal reqs", "p50 ms",
            "p99 ms", "max ms", "svc p99", "svc max", "errors", "window s"]
    rows = []
    for r in results:
        n = r.normal
        rows.append([r.attack, f"{r.connections:,}", f"{r.rss_before_mib:.1f} MiB",
                     f"{r.rss_peak_mib:.1f} MiB", f"{r.rss_after_mib:.1f} MiB",
                     str(n.get("requests", "-")), str(n.get("p50_ms", "-")),
                     str(n.get("p99_ms", "-")), str(n.get("max_ms", "-")),
                     str(n.get("service_p99_ms", "-")), str(n.get("service_max_ms", "-")),
                     str(n.get("errors", "-")), f"{r.window_s:.1f}"])
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    line = lambda vals: "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths)) + " |"  # noqa
    print(line(cols), file=out)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for row in rows:
        print(line(row), file=out)
    print(file=out)
    for r in results:
        ended = ", ".join(f"{k}: {v:,}" for k, v in r.outcomes.items()) or "-"
        extra = f"; normal client errors: {r.normal.get('error_kinds')}" \
            if r.normal.get("errors") else ""
        if r.normal.get("client_lag_max_ms") is not None:
            extra += f"; the normal client's own lag: at most {r.normal['client_lag_max_ms']} ms"
        extra += f"; {r.normal['error']}" if "error" in r.normal else ""
        print(f"{r.attack} ({r.what}): attacker's connections: {ended}{extra}"
              + (f"; {r.notes}" if r.notes else ""), file=out)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--normal-client"]:
        _normal_client_worker()
        return 0
    names = [a.name for a in ATTACKS]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", type=Path, default=harness.binary_path())
    ap.add_argument("--connections", type=float, default=1.0,
                    help="scale every attack's connection count (default 1.0)")
    ap.add_argument("--only", default="", help=f"comma-separated attacks of: {','.join(names)}")
    ap.add_argument("--hold", type=float, default=5.0,
                    help="seconds each attack is held once in place (default 5)")
    ap.add_argument("--ramp-timeout", type=float, default=15.0,
                    help="at most this long for an attack's connections to be in place")
    ap.add_argument("--threads", type=int, default=None, help="the server's --threads")
    ap.add_argument("--server-arg", action="append", default=[],
                    help="an extra `serve` argument (repeat), e.g. --server-arg=--max-buffered-mib=32")
    ap.add_argument("--max-rss-mib", type=float, default=256)
    ap.add_argument("--max-rss-after-mib", type=float, default=128)
    ap.add_argument("--max-p99-ms", type=float, default=50)
    ap.add_argument("--max-errors", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON document, no table")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args(argv)

    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - set(names)
    if unknown:
        ap.error(f"unknown attacks {sorted(unknown)}; known: {names}")
    attacks = [a for a in ATTACKS if not only or a.name in only]
    slowhttptest = shutil.which("slowhttptest")
    if not slowhttptest:
        attacks = [a for a in attacks if a.tool != "slowhttptest"]
    if not args.binary.is_file():
        ap.error(f"no binary at {args.binary}")
    log = (lambda *a: print(*a, file=sys.stderr, flush=True))
    biggest = max((math.ceil(a.connections * args.connections) for a in attacks), default=0)
    nofile = raise_nofile(biggest + 4096)
    if nofile < biggest + 256:
        log(f"hostile_clients: RLIMIT_NOFILE is {nofile}: attacks are capped at {nofile - 256}")
    new_flags = supports_limit_flags(args.binary)

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="contactsd-hostile-"))
    results: list[Result] = []
    try:
        db_url = f"sqlite:{workdir / 'contacts.db'}"
        seeder = harness.Server(args.binary, workdir / "seed", threads=args.threads,
                                db_url=db_url, extra_args=["--no-access-log"]).start()
        try:
            tenant = seeder.tenant("hostile")
            contact_id, page_bytes = seed(seeder.port, tenant.secret)
        finally:
            seeder.stop()
        log(f"hostile_clients: {args.binary} (limit flags: {'yes' if new_flags else 'no'}); "
            f"a list page of {BIG_CONTACTS}: {page_bytes:,} bytes")
        ctx = Context(args.binary, workdir, db_url, tenant.secret, contact_id, page_bytes,
                      args.threads, args.server_arg, args.hold, args.ramp_timeout, slowhttptest)
        for attack in attacks:
            n = min(max(1, math.ceil(attack.connections * args.connections)), nofile - 256)
            log(f"hostile_clients: {attack.name}: {n:,} connections ...")
            r = run_attack(ctx, attack, n, args)
            log(f"hostile_clients:   RSS {r.rss_before_mib} -> {r.rss_peak_mib} -> "
                f"{r.rss_after_mib} MiB; normal {r.normal}; {r.outcomes} {r.notes}")
            results.append(r)
    finally:
        if args.keep:
            log(f"hostile_clients: work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    failures = [f"{r.attack}: {f}" for r in results for f in r.failures]
    if args.json:
        print(json.dumps({
            "binary": str(args.binary), "limit_flags": new_flags,
            "server_args": args.server_arg, "page_bytes": page_bytes,
            "thresholds": {"max_rss_mib": args.max_rss_mib,
                           "max_rss_after_mib": args.max_rss_after_mib,
                           "max_p99_ms": args.max_p99_ms, "max_errors": args.max_errors},
            "results": [asdict(r) for r in results], "failures": failures,
            "seconds": round(time.monotonic() - started, 1)}, indent=2))
    else:
        print_table(results)
        print(f"\n{len(results)} attacks in {time.monotonic() - started:.0f} s; "
              f"thresholds: peak RSS < {args.max_rss_mib:g} MiB, after < "
              f"{args.max_rss_after_mib:g} MiB, normal p99 < {args.max_p99_ms:g} ms, "
              f"errors <= {args.max_errors}")
        for f in failures:
            print(f"FAIL {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
