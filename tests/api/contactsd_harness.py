"""Black-box harness for the contactsd API suites: start the real binary on a fresh database,
drive its CLI, talk to it over HTTP, and check responses against the common contract.

The backend: a fresh SQLite file per server, or, with CONTACTSD_TEST_DB=postgresql://..., a
fresh PostgreSQL database per server on that server (CREATE DATABASE through psql; dropped at
the end of the session by drop_test_databases() unless CONTACTSD_TEST_DB_THROWAWAY=1 says the
whole cluster goes away anyway). A server given another server's `db_path` shares that
server's database, on either backend; a test that names a SQLite file of its own (db_path)
gets that file on either backend; one that wants a shared PostgreSQL database passes
db_url=fresh_pg_database().

Model-neutral on purpose (crm, gifting, voice and prospects suites reuse it); the few helpers
that know the `standard` model's contact shape sit at the bottom, clearly marked.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / "build" / "contactsd"

HTTP_TIMEOUT = 10  # seconds, for every request the suite makes
STARTUP_TIMEOUT = 10
SHUTDOWN_TIMEOUT = 10

TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
# The server's URL in the quick start `serve` prints once it listens (app/first_steps.cpp).
ANNOUNCED_URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)/")
PRISM_LISTENING_RE = re.compile(r"Prism is listening on http://127\.0\.0\.1:(\d+)")
ANSI_ESCAPE_RE = re.compile(r"\x1b\[[0-9;]*m")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

UNAUTHORIZED_BODY = {
    "error": "unauthorized",
    "message": "Missing or invalid credentials",
    "statusCode": 401,
}

_UNSET = object()


def binary_path() -> Path:
    """The binary under test: $CONTACTSD_BIN, else build/contactsd in this repo."""
    return Path(os.environ.get("CONTACTSD_BIN") or DEFAULT_BIN)


# --------------------------------------------------------------------------------------------
# The PostgreSQL backend (CONTACTSD_TEST_DB)
# --------------------------------------------------------------------------------------------

_created_databases: list[str] = []
_pg_database_of_path: dict[Path, str] = {}  # a PostgreSQL-backed server's db_path -> its URL


def pg_base_url() -> str | None:
    """$CONTACTSD_TEST_DB when it names a PostgreSQL database, else None (SQLite)."""
    url = os.environ.get("CONTACTSD_TEST_DB", "")
    return url if url.startswith(("postgresql://", "postgres://")) else None


def _pg_env(url: str) -> dict[str, str]:
    """The environment that points psql at `url`: the password travels in it, not on a
    command line."""
    parts = urllib.parse.urlsplit(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({
        "PGHOST": urllib.parse.unquote(parts.hostname or "localhost"),
        "PGPORT": str(parts.port or 5432),
        "PGUSER": urllib.parse.unquote(parts.username or ""),
        "PGPASSWORD": urllib.parse.unquote(parts.password or ""),
        "PGDATABASE": urllib.parse.unquote(parts.path.lstrip("/")),
    })
    return env


def _psql(base_url: str, *sql: str, timeout: float = 60, rows: bool = False):
    """Runs SQL on the base database with psql. With rows=True, returns the last statement's
    rows (tab-separated fields as strings; NULL as "")."""
    env = _pg_env(base_url)
    argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    if rows:
        argv += ["-A", "-t", "-F", "\t"]
    for statement in sql:
        argv += ["-c", statement]
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise AssertionError(f"psql failed ({p.returncode}): {p.stderr.strip()}")
    if rows:
        return [tuple(line.split("\t")) for line in p.stdout.splitlines() if line]
    return None


def query_db(db_url: str, sql: str) -> list[tuple]:
    """The rows of one read-only SQL statement on a server's database, as tuples of strings
    (NULL as ""): what is stored, seen without the server. The SQL must be our own text."""
    if db_url.startswith(("postgresql:", "postgres:")):
        return _psql(db_url, sql, rows=True)
    path = db_url[len("sqlite:"):]
    con = sqlite3.connect("file:" + urllib.parse.quote(path) + "?mode=ro", uri=True)
    try:
        return [tuple("" if v is None else str(v) for v in row)
                for row in con.execute(sql).fetchall()]
    finally:
        con.close()


def settle_feed() -> None:
    """Returns once the event feed shows every write acknowledged before the call.

    On PostgreSQL an event is readable only when every transaction older than its own has ended
    (docs/events.md): transaction ids are cluster-wide, so a transaction of another test on the
    same cluster (pytest-xdist runs four at once) holds back this test's feed for a moment. A
    test that reads the feed to check what its writes logged calls this first: it waits until
    every transaction that was running at the call has ended, which is exactly when the feed's
    horizon has passed every acknowledged write. A consumer's own behaviour (resuming, `wait`)
    is tested without it. On SQLite, where the feed shows a write when it commits, a no-op."""
    base = pg_base_url()
    if not base:
        return
    _psql(base, "SET statement_timeout = '60s'", """
        DO $$
        DECLARE
          horizon xid8 := pg_snapshot_xmax(pg_current_snapshot());
          oldest xid8;
        BEGIN
          LOOP
            SELECT pg_snapshot_xmin(pg_current_snapshot()) INTO oldest;
            EXIT WHEN oldest >= horizon;
            PERFORM pg_sleep(0.005);
          END LOOP;
        END $$""")


@contextlib.contextmanager
def contacts_locked(server: "Server", table: str = "contacts"):
    """While the block runs, no contact can be written: the SQLite file's write lock is held
    (BEGIN IMMEDIATE), or on PostgreSQL `table` is locked in EXCLUSIVE mode (reads go on;
    "events" holds back every write that records a change, a definition's too). A write
    started meanwhile waits, well within the store's 5 s lock timeout if the block is short."""
    if server.backend == "sqlite":
        con = sqlite3.connect(server.db_path, isolation_level=None, timeout=10)
        con.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            con.execute("ROLLBACK")
            con.close()
        return
    p = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"], env=_pg_env(server.db_url),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        p.stdin.write(f"BEGIN;\nLOCK TABLE {table} IN EXCLUSIVE MODE;\n\\echo locked\n")
        p.stdin.flush()
        assert p.stdout.readline().strip() == "locked"
        yield
    finally:
        p.communicate("ROLLBACK;\n", timeout=30)


def gauge(server: "Server", name: str) -> float:
    """The value of an unlabelled gauge on the server's /metrics."""
    text = requests.get(f"{server.direct_url}/metrics", timeout=HTTP_TIMEOUT).text
    lines = [line for line in text.splitlines() if line.startswith(name + " ")]
    assert len(lines) == 1, f"{name} is not one line of /metrics:\n{text}"
    return float(lines[0].split()[1])


def writes_waiting(server: "Server") -> int:
    """How many writes wait for a lock: on SQLite those queued for the writer (the one it runs
    waits for the file's lock too), on PostgreSQL the server's sessions waiting for one."""
    if server.backend == "sqlite":
        return int(gauge(server, "contactsd_sqlite_queued_writes"))
    [(count,)] = query_db(server.db_url,
                          "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a "
                          "ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()")
    return int(count)


def fresh_pg_database() -> str:
    """Creates an empty database on the CONTACTSD_TEST_DB server and returns its URL."""
    base = pg_base_url()
    assert base, "CONTACTSD_TEST_DB does not name a PostgreSQL database"
    name = f"contactsd_t_{uuid.uuid4().hex[:16]}"
    _psql(base, f'CREATE DATABASE "{name}"')
    _created_databases.append(name)
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def drop_test_databases():
    """Drops every database fresh_pg_database() created (their servers must be stopped). Each
    DROP DATABASE waits for a checkpoint, so a throw-away cluster is better left to its removal
    (CONTACTSD_TEST_DB_THROWAWAY=1). A failure here is a warning, not a test failure."""
    base = pg_base_url()
    names, _created_databases[:] = list(_created_databases), []
    if not base or not names or os.environ.get("CONTACTSD_TEST_DB_THROWAWAY") == "1":
        return
    try:
        _psql(base, *[f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names],
              timeout=30 + 10 * len(names))
    except (AssertionError, subprocess.TimeoutExpired) as e:
        warnings.warn(f"could not drop the test databases {names}: {e}")


def free_port() -> int:
    """A loopback port that was free a moment ago (bind 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_timestamp(value: Any) -> bool:
    return isinstance(value, str) and TIMESTAMP_RE.match(value) is not None


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and UUID_RE.match(value) is not None


# --------------------------------------------------------------------------------------------
# HTTP clients
# --------------------------------------------------------------------------------------------


# Set for a test marked `direct` (conftest.py): its clients talk to the server itself.
DIRECT = {"on": False}


def _fail_on_contract_violation(resp) -> None:
    """Through the OpenAPI proxy (CONTACTSD_TEST_PRISM), prism checks each request and each
    answer against the document the server serves and lists what breaks it in sl-violations.
    The test fails where it happened on an answer that breaks it, and on a request that breaks
    it yet was accepted (a 2xx: the server took what its document refuses). A request the
    document refuses and the server refuses too (the suite's bad bodies) is as it should be."""
    violations = resp.headers.get("sl-violations")
    if violations is None:
        return
    try:
        found = json.loads(violations)
    except ValueError:
        found = [{"location": ["response"], "severity": "Error", "message": violations}]
    errors = [v for v in found if v.get("severity") == "Error"]
    wrong = [v for v in errors if v.get("location", [""])[0] == "response"]
    if 200 <= resp.status_code < 300:
        wrong += [v for v in errors if v.get("location", [""])[0] == "request"]
    if wrong:
        raise AssertionError(f"{resp.request.method} {resp.request.url} -> {resp.status_code}: "
                             f"breaks the OpenAPI document: {json.dumps(wrong)[:2000]}")


class Client:
    """A requests.Session bound to one base URL and (optionally) one Authorization value.

    `body` may be a JSON-able value (sent as JSON), or str/bytes (sent verbatim, for malformed
    bodies). Never follows proxies from the environment: the server is on loopback.
    """

    def __init__(self, base_url: str, authorization: str | None = None,
                 direct_url: str | None = None):
        self.base_url = base_url
        # Where a body that is not a JSON value goes (malformed JSON, CSV, NDJSON) when
        # base_url is the OpenAPI proxy (CONTACTSD_TEST_PRISM): the proxy parses what it
        # carries, and such bodies test the server's transport, not its contract.
        self.direct_url = direct_url or base_url
        self.session = requests.Session()
        self.session.trust_env = False
        if authorization is not None:
            self.session.headers["Authorization"] = authorization

    def request(self, method: str, path: str, body: Any = _UNSET, *,
                headers: Mapping[str, str] | None = None,
                params: Mapping[str, Any] | None = None) -> requests.Response:
        hdrs = dict(headers or {})
        data = None
        # A trailing slash is a leniency of the server's router that an OpenAPI document cannot
        # state (the proxy would take /contacts/ for /contacts/{id} with an empty id).
        trailing_slash = path.split("?")[0].endswith("/") and path != "/"
        base = self.direct_url if trailing_slash or DIRECT["on"] else self.base_url
        if body is not _UNSET:
            if isinstance(body, (bytes, str)):
                data = body.encode() if isinstance(body, str) else body
                base = self.direct_url
            else:
                data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        resp = self.session.request(method, base + path, data=data, headers=hdrs,
                                    params=params, timeout=HTTP_TIMEOUT, allow_redirects=False)
        _fail_on_contract_violation(resp)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body: Any = _UNSET, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body: Any = _UNSET, **kw):
        return self.request("PATCH", path, body, **kw)

    def put(self, path, body: Any = _UNSET, **kw):
        return self.request("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def close(self):
        self.session.close()


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: dict[str, str]  # names lower-cased; a repeated header keeps the last value
    body: bytes

    def json(self):
        return strict_json(self.body, "raw response")


def raw_http(port: int, head: bytes, body: bytes = b"", *, timeout: float = HTTP_TIMEOUT,
             host: str = "127.0.0.1") -> RawResponse:
    """One request over a bare socket, for what requests cannot send or survive: oversized
    bodies and headers. Sends `head` then `body`, but stops sending as soon as the server
    answers (a server may reply 413 before reading the body) or closes the connection."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.sendall(head)
        sent = 0
        deadline = time.monotonic() + timeout
        sock.setblocking(False)
        while sent < len(body):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("server neither read the body nor answered")
            readable, writable, _ = select.select([sock], [sock], [], left)
            if readable:
                break  # an early answer (or a close): stop sending, read it
            if writable:
                try:
                    sent += sock.send(body[sent:sent + 65536])
                except BlockingIOError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
        sock.setblocking(True)
        sock.settimeout(timeout)
        return _read_response(sock)
    finally:
        sock.close()


def _read_response(sock: socket.socket) -> RawResponse:
    return ResponseReader(sock).read()


class ResponseReader:
    """Reads HTTP/1.1 responses one after another from one socket (pipelining, keep-alive)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""

    def _more(self) -> bool:
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            return False
        self.buf += chunk
        return bool(chunk)

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._more():
                raise ConnectionError(f"connection closed {n - len(self.buf)} bytes short")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if not self._more():
                raise ConnectionError(f"connection closed mid-line: {self.buf[:200]!r}")
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read(self) -> RawResponse:
        while b"\r\n\r\n" not in self.buf:
            if not self._more():
                raise ConnectionError(
                    f"connection closed before a full response head: {self.buf[:200]!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status, reason = int(parts[1]), (parts[2] if len(parts) > 2 else "")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                body += self._take(size)
                self._take(2)
                if size == 0:
                    break
        else:
            while self._more():
                pass
            body, self.buf = self.buf, b""
        return RawResponse(status, reason, headers, body)


# --------------------------------------------------------------------------------------------
# The server process and its CLI
# --------------------------------------------------------------------------------------------


class CliError(AssertionError):
    pass


@dataclass
class Tenant:
    """One org with one API key and a client that sends it as `Bearer <key>`."""
    server: "Server"
    org: dict
    key: dict
    client: Client

    @property
    def org_id(self) -> str:
        return self.org["id"]

    @property
    def secret(self) -> str:
        return self.key["key"]

    # standard-model conveniences (see the bottom of this file)
    def create_contact(self, body: Any = None) -> dict:
        return create_contact(self.client, {} if body is None else body)

    def get_contact(self, contact_id: str) -> dict:
        return get_contact(self.client, contact_id)


class Server:
    """The real contactsd binary serving one fresh database on a free loopback port.

    The database: `db_url` when given; else, with `db_path`, that of the server whose db_path
    it is, or else the SQLite file `db_path`; else a fresh PostgreSQL database when
    CONTACTSD_TEST_DB names a PostgreSQL server; else a fresh SQLite file in the work dir.

    start() waits for GET /healthz (failing with the server's stderr); stop() sends SIGTERM
    and fails the test if the process has not exited within 10 s. stderr (the log) and stdout
    (the quick start) go to files in the work dir, so a failure can show them.
    """

    def __init__(self, binary: Path, workdir: Path, *, model: str = "standard",
                 threads: int | None = None, db_path: Path | None = None,
                 db_url: str | None = None,
                 extra_args: Iterable[str] = (), env: Mapping[str, str] | None = None,
                 config_via_env: bool = False, preexec_fn: Callable[[], None] | None = None):
        self.binary = Path(binary)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.threads = threads
        self.db_path = Path(db_path) if db_path else self.workdir / "contacts.db"
        if db_url is None and pg_base_url():
            key = self.db_path.resolve()
            if db_path is None:
                db_url = _pg_database_of_path[key] = fresh_pg_database()
            else:
                db_url = _pg_database_of_path.get(key)  # another server's: share it
        self._db_url = db_url or f"sqlite:{self.db_path}"
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.config_via_env = config_via_env  # pass db/model/listen/threads as CONTACTSD_* vars
        self.preexec_fn = preexec_fn  # run in the child before exec (e.g. to lower a limit)
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.returncode: int | None = None
        self._starts = 0
        self._clients: list[Client] = []
        self.stderr_path = self.workdir / "stderr.log"
        self.stdout_path = self.workdir / "stdout.log"
        self._prism: subprocess.Popen | None = None
        self._prism_port: int | None = None

    # ---- lifecycle ----

    @property
    def db_url(self) -> str:
        return self._db_url

    @property
    def backend(self) -> str:
        """"postgresql" or "sqlite"."""
        return "postgresql" if self._db_url.startswith(("postgresql:", "postgres:")) else "sqlite"

    def serve_env(self) -> dict[str, str]:
        if not self.config_via_env:
            return {}
        env = {"CONTACTSD_DB": self.db_url, "CONTACTSD_MODEL": self.model,
               "CONTACTSD_LISTEN": "127.0.0.1:0"}
        if self.threads is not None:
            env["CONTACTSD_THREADS"] = str(self.threads)
        return env

    def serve_args(self) -> list[str]:
        if self.config_via_env:
            return [str(self.binary), "serve"] + self.extra_args
        args = [str(self.binary), "serve", "--db", self.db_url, "--model", self.model,
                "--listen", "127.0.0.1:0"]
        if self.threads is not None:
            args += ["--threads", str(self.threads)]
        return args + self.extra_args

    def start(self) -> "Server":
        """Starts the server on a port the kernel picks (--listen 127.0.0.1:0) and learns it from
        the quick start the server prints once it listens. A port probed free beforehand could be
        taken by another test's server before ours binds it, and then the health check would
        reach that other server (a CI failure: 401s from a server of another model)."""
        self.port = None
        self._starts += 1
        self.stderr_path = self.workdir / f"stderr.{self._starts}.log"
        self.stdout_path = self.workdir / f"stdout.{self._starts}.log"
        self._stderr_file = open(self.stderr_path, "wb")
        self._stdout_file = open(self.stdout_path, "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTSD_")}
        env.update(self.serve_env())
        env.update(self.env)
        self.proc = subprocess.Popen(self.serve_args(), stdin=subprocess.DEVNULL,
                                     stdout=self._stdout_file, stderr=self._stderr_file,
                                     env=env, cwd=self.workdir, preexec_fn=self.preexec_fn)
        self.returncode = None
        self.wait_healthy()
        self._start_prism()
        return self

    def _announced_port(self) -> int | None:
        """The port of the URL in the quick start on stdout (written after the bind, whatever
        the log's format or level)."""
        match = ANNOUNCED_URL_RE.search(self.stdout_path.read_text(errors="replace"))
        return int(match.group(1)) if match else None

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT):
        deadline = time.monotonic() + timeout
        probe = requests.Session()
        probe.trust_env = False
        try:
            while time.monotonic() < deadline:
                rc = self.proc.poll()
                if rc is not None:
                    raise AssertionError(f"contactsd exited with {rc} before it was healthy\n"
                                         f"--- stderr ---\n{self.stderr()}")
                if self.port is None:
                    self.port = self._announced_port()
                if self.port is not None:
                    try:
                        r = probe.get(self.url("/healthz"), timeout=1)
                        if r.status_code == 200:
                            return
                    except requests.RequestException:
                        pass
                time.sleep(0.05)
        finally:
            probe.close()
        self.kill()
        raise AssertionError(f"contactsd not healthy within {timeout}s\n--- stderr ---\n"
                             f"{self.stderr()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"contactsd died (exit {self.proc.returncode})\n--- stderr ---\n"
                                 f"{self.stderr()[-4000:]}")

    def signal(self, sig: int):
        self.proc.send_signal(sig)

    def wait(self, timeout: float = SHUTDOWN_TIMEOUT) -> int:
        """Waits for the process to exit; fails (and kills it) after `timeout`."""
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"contactsd did not exit within {timeout}s\n--- stderr ---\n"
                                 f"{self.stderr()[-4000:]}")
        finally:
            self._stderr_file.close()
            self._stdout_file.close()
        return self.returncode

    def _start_prism(self):
        """With CONTACTSD_TEST_PRISM (the prism binary), every client talks to the server through
        `prism proxy DOCUMENT`: each request and answer is checked against the OpenAPI document
        the server serves for its model (see _fail_on_contract_violation). Not with --errors:
        that makes prism answer a request the document refuses itself, with its own 422,
        instead of forwarding it, and the suite's bad requests are there to test the server's
        own answers to them."""
        prism = os.environ.get("CONTACTSD_TEST_PRISM")
        self._stop_prism()
        if not prism:
            return
        base = _model_base_path(self.model)
        document = self.workdir / f"openapi.{self._starts}.json"
        probe = requests.Session()
        probe.trust_env = False
        document.write_bytes(probe.get(f"http://127.0.0.1:{self.port}{base}/openapi.json",
                                       timeout=HTTP_TIMEOUT).content)
        prism_log = self.workdir / f"prism.{self._starts}.log"
        self._prism_log = open(prism_log, "wb")
        # Port 0 and the port prism announces, as for the server (see start).
        self._prism = subprocess.Popen(
            [prism, "proxy", str(document), f"http://127.0.0.1:{self.port}",
             "-h", "127.0.0.1", "-p", "0"],
            stdin=subprocess.DEVNULL, stdout=self._prism_log, stderr=self._prism_log)
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                if self._prism.poll() is not None:
                    break
                if self._prism_port is None:
                    text = ANSI_ESCAPE_RE.sub("", prism_log.read_text(errors="replace"))
                    match = PRISM_LISTENING_RE.search(text)
                    self._prism_port = int(match.group(1)) if match else None
                try:
                    if self._prism_port is not None and probe.get(
                            f"http://127.0.0.1:{self._prism_port}/healthz",
                            timeout=1).status_code == 200:
                        return
                except requests.RequestException:
                    pass
                time.sleep(0.1)
        finally:
            probe.close()
        raise AssertionError("prism proxy did not start: " + (
            self.workdir / f"prism.{self._starts}.log").read_text(errors="replace")[-2000:])

    def _stop_prism(self):
        if self._prism is not None:
            self._prism.terminate()
            try:
                self._prism.wait(10)
            except subprocess.TimeoutExpired:
                self._prism.kill()
                self._prism.wait()
            self._prism_log.close()
        self._prism = None
        self._prism_port = None

    def stop(self, timeout: float = SHUTDOWN_TIMEOUT) -> int:
        """SIGTERM and wait; returns the exit code. Idempotent."""
        self._stop_prism()
        for c in self._clients:
            c.close()
        self._clients.clear()
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.wait(timeout)
        self.proc = None
        return rc

    def kill(self):
        self._stop_prism()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr(self) -> str:
        """The server's log: one structured line each (docs/operations.md)."""
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def stdout(self) -> str:
        """What `serve` prints for a person: the quick start."""
        try:
            return self.stdout_path.read_text(errors="replace")
        except OSError:
            return ""

    # ---- HTTP ----

    @property
    def base_url(self) -> str:
        """Where clients talk to the server: through the OpenAPI proxy when it runs."""
        if self._prism_port is not None and not DIRECT["on"]:
            return f"http://127.0.0.1:{self._prism_port}"
        return self.direct_url

    @property
    def direct_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def client(self, authorization: str | None = None) -> Client:
        c = Client(self.base_url, authorization, self.direct_url)
        self._clients.append(c)
        return c

    def raw(self, head: bytes, body: bytes = b"", **kw) -> RawResponse:
        return raw_http(self.port, head, body, **kw)

    # ---- CLI ----

    def run_cli(self, *args: str, db: bool = True, env: Mapping[str, str] | None = None,
                timeout: float = 20) -> subprocess.CompletedProcess:
        """Runs `contactsd ARGS [--db URL]` and returns the completed process (text mode)."""
        argv = [str(self.binary), *args] + (["--db", self.db_url] if db else [])
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTSD_")}
        full_env.update(env or {})
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              env=full_env, stdin=subprocess.DEVNULL)

    def cli(self, *args: str) -> Any:
        """Runs a CLI command that must succeed and returns its stdout parsed as JSON."""
        p = self.run_cli(*args)
        if p.returncode != 0:
            raise CliError(f"`contactsd {' '.join(args)}` exited {p.returncode}\n"
                           f"stdout: {p.stdout}\nstderr: {p.stderr}")
        try:
            return json.loads(p.stdout)
        except json.JSONDecodeError:
            raise CliError(f"`contactsd {' '.join(args)}` printed no JSON: {p.stdout!r}")

    def org(self, name: str, plan: str = "free", credits: int = 0) -> dict:
        return self.cli("org", "create", "--name", name, "--plan", plan,
                        "--credits", str(credits))

    def key(self, org_id: str, name: str | None = None) -> dict:
        args = ["key", "create", "--org", org_id]
        if name is not None:
            args += ["--name", name]
        return self.cli(*args)

    def tenant(self, name: str | None = None, plan: str = "free", credits: int = 0) -> Tenant:
        org = self.org(name or f"org-{uuid.uuid4().hex[:8]}", plan=plan, credits=credits)
        key = self.key(org["id"])
        return Tenant(self, org, key, self.client(f"Bearer {key['key']}"))


def _model_base_path(model: str) -> str:
    """The base path of a built-in model, or of a model file (read from it)."""
    builtin = {"standard": "/v1", "prospects": "/api/v1", "crm": "", "voice": "", "gifting": ""}
    if model in builtin:
        return builtin[model]
    return json.loads(Path(model).read_text()).get("base_path", "")


# --------------------------------------------------------------------------------------------
# Assertions shared by every model
# --------------------------------------------------------------------------------------------


def assert_json_response(resp) -> Any:
    """Content-Type is JSON and X-Request-Id is present; returns the parsed body."""
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/json", \
        f"{resp.request.method} {resp.url}: Content-Type {ctype!r}, body {resp.text[:300]!r}"
    assert resp.headers.get("X-Request-Id"), f"{resp.request.method} {resp.url}: no X-Request-Id"
    return strict_json(resp.content, f"{resp.request.method} {resp.url}")


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def strict_json(data: bytes | str, what: str = "body") -> Any:
    """Parses RFC 8259 JSON only: Python's json would also take NaN and Infinity."""
    try:
        return json.loads(data, parse_constant=_no_constants)
    except ValueError as e:
        raise AssertionError(f"{what}: body is not valid JSON ({e}): {data[:300]!r}")


def assert_status(resp, status: int) -> Any:
    """Status matches (showing the body when it does not); returns the parsed JSON body."""
    assert resp.status_code == status, (
        f"{resp.request.method} {resp.url} -> {resp.status_code}, expected {status}: "
        f"{resp.text[:1000]}")
    return assert_json_response(resp)


def assert_error(resp, status: int, error: str | Iterable[str] | None = None,
                 fields: Mapping[str, str | Iterable[str] | None] | None = None) -> dict:
    """An error response: status, the {error, message, statusCode[, details]} shape, the
    machine string (one, or one of several), and - when `fields` is given - details naming
    EXACTLY those fields, each with the given code (or one of the given codes; None: any)."""
    body = assert_status(resp, status)
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    assert body.get("statusCode") == status, body
    allowed = {"error", "message", "statusCode", "details"}
    assert set(body) <= allowed, f"unexpected keys {set(body) - allowed} in {body}"
    if error is not None:
        errors = {error} if isinstance(error, str) else set(error)
        assert body["error"] in errors, f"error {body['error']!r}, expected {errors}: {body}"
    if fields is not None:
        details = body.get("details")
        assert isinstance(details, list) and details, f"no details: {body}"
        for d in details:
            assert isinstance(d, dict) and isinstance(d.get("field"), str) \
                and isinstance(d.get("code"), str) and isinstance(d.get("message"), str), d
        got = {d["field"] for d in details}
        assert got == set(fields), f"detail fields {sorted(got)}, expected {sorted(fields)}: {body}"
        for d in details:
            want = fields[d["field"]]
            if want is None:
                continue
            codes = {want} if isinstance(want, str) else set(want)
            assert d["code"] in codes, f"{d['field']}: code {d['code']!r}, expected {codes}"
    return body


def detail_map(body: dict) -> dict[str, str]:
    return {d["field"]: d["code"] for d in body.get("details", [])}


# --------------------------------------------------------------------------------------------
# The `standard` model's contact
# --------------------------------------------------------------------------------------------

CONTACT_KEYS = {
    "id", "first_name", "last_name", "email", "phone", "company", "title", "notes", "tags",
    "owner", "external_id", "custom_fields", "version", "created_at", "updated_at", "archived_at",
}
EDITABLE_FIELDS = ["first_name", "last_name", "email", "phone", "company", "title", "notes",
                   "tags", "owner", "external_id", "custom_fields"]


def assert_contact_shape(c: Any) -> dict:
    assert isinstance(c, dict), c
    assert set(c) == CONTACT_KEYS, f"keys differ: extra {set(c) - CONTACT_KEYS}, " \
                                   f"missing {CONTACT_KEYS - set(c)}"
    assert is_uuid(c["id"]), c["id"]
    assert isinstance(c["version"], int) and not isinstance(c["version"], bool) \
        and c["version"] >= 1, c["version"]
    assert is_timestamp(c["created_at"]), c["created_at"]
    assert is_timestamp(c["updated_at"]), c["updated_at"]
    assert c["archived_at"] is None or is_timestamp(c["archived_at"]), c["archived_at"]
    assert isinstance(c["tags"], list), c["tags"]
    assert isinstance(c["custom_fields"], dict), c["custom_fields"]
    return c


def assert_contact_response(resp, status: int = 200) -> dict:
    """A contact response: status, exact shape, and ETag == "<version>"."""
    c = assert_contact_shape(assert_status(resp, status))
    assert resp.headers.get("ETag") == f'"{c["version"]}"', \
        f"ETag {resp.headers.get('ETag')!r} for version {c['version']}"
    return c


def create_contact(client: Client, body: Any) -> dict:
    return assert_contact_response(client.post("/v1/contacts", body), 201)


def get_contact(client: Client, contact_id: str) -> dict:
    return assert_contact_response(client.get(f"/v1/contacts/{contact_id}"), 200)


def walk_pages(fetch, params: Mapping[str, Any] | None = None, max_pages: int = 1000) -> list[dict]:
    """Follows next_cursor from the first page to the last; `fetch(params)` returns one checked
    {data, next_cursor} page."""
    out, cursor = [], None
    for _ in range(max_pages):
        p = dict(params or {})
        if cursor is not None:
            p["cursor"] = cursor
        page = fetch(p)
        out.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return out
        assert isinstance(cursor, str) and cursor, cursor
    raise AssertionError(f"no end of the list after {max_pages} pages")


def list_all(client: Client, limit: int | None = None, max_pages: int = 1000) -> list[dict]:
    """Walks the list cursors to the end; every page must be a 200 {data, next_cursor}."""
    def fetch(params):
        page = assert_status(client.get("/v1/contacts", params=params), 200)
        assert set(page) == {"data", "next_cursor"}, page
        return page
    return walk_pages(fetch, {} if limit is None else {"limit": limit}, max_pages)


class FeedFollower:
    """A consumer of GET {base}/events on its own thread, as an integration runs one: from
    `cursor`, page after page with `wait` long polls, storing every event in `seen`. stop()
    makes it read on without waiting until a page comes back empty, then joins it."""

    def __init__(self, client: Client, cursor: str, *, base: str = "/v1", limit: int = 50):
        self.client, self.cursor, self.base, self.limit = client, cursor, base, limit
        self.seen: list[dict] = []
        self.errors: list[BaseException] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._follow)
        self._thread.start()

    def _follow(self):
        try:
            while True:
                finished = self._done.is_set()  # read before the page: a last full pass after
                page = assert_status(self.client.get(f"{self.base}/events", params={
                    "after": self.cursor, "limit": self.limit, "wait": 0 if finished else 5}),
                    200)
                self.seen.extend(page["data"])
                self.cursor = page["next_cursor"]
                if finished and not page["data"]:
                    return
        except BaseException as e:  # noqa: BLE001 - reported by stop()
            self.errors.append(e)
        finally:
            self.client.close()

    def stop(self, timeout: float = 120) -> list[dict]:
        settle_feed()  # the last pass then sees every write acknowledged so far
        self._done.set()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the feed follower did not finish"
        if self.errors:
            raise self.errors[0]
        return self.seen


def run_together(n: int, target, timeout: float = 120) -> None:
    """Runs target(i, barrier) in n threads that start together; re-raises the first error."""
    barrier = threading.Barrier(n)
    errors = []

    def wrap(i):
        try:
            target(i, barrier)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    if errors:
        raise errors[0]
