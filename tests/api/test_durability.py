"""Durability: every acknowledged write survives a SIGKILL of the server mid-load.

8 clients PATCH their own contact in a loop, each PATCH a new counter value in `notes`, and
record every 200. The server is killed with SIGKILL while they run, then:
- on SQLite, the file is opened read-only with Python's sqlite3 (the server is dead, nothing
  has touched the file since): `PRAGMA integrity_check` is ok, and each contact holds at least
  its last acknowledged counter, at most the last one sent, with version = counter + 1 (every
  committed PATCH counted once, none torn or merged);
- a new server on the same database serves the same contacts through the API.

With group commit, a 200 is sent only after the COMMIT holding the write returned, so an
acknowledged write can never be missing; a write committed but not yet answered when the
kill landed may be present (that is the "at most the last sent" side).
"""

import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse

import pytest

from contactsd_harness import Client, assert_contact_response

# Not through the OpenAPI proxy (CONTACTSD_TEST_PRISM): a kill -9 while requests are in
# flight (the proxy would answer for the dead server).
pytestmark = pytest.mark.direct

CLIENTS = 8
MIN_ACKS_PER_CLIENT = 60  # the kill lands once every client has this many answers
LOAD_TIMEOUT = 15


def _sqlite_path(srv) -> str | None:
    return srv.db_url[len("sqlite:"):] if srv.backend == "sqlite" else None


def _stored_in_file(path: str, org_id: str) -> tuple[list, dict[str, tuple[str, int]]]:
    """integrity_check rows, and {contact id: (notes, version)}, read-only from the file."""
    uri = "file:" + urllib.parse.quote(path) + "?mode=ro"
    con = sqlite3.connect(uri, uri=True)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchall()
        rows = con.execute("SELECT id, json_extract(doc, '$.notes'), version FROM contacts "
                           "WHERE org_id = ?", (org_id,)).fetchall()
    finally:
        con.close()
    return integrity, {cid: (notes, version) for cid, notes, version in rows}


def _load_then_kill(srv, tenant, contacts):
    """Runs the clients until each has MIN_ACKS_PER_CLIENT answers, SIGKILLs the server, and
    returns per client (last acknowledged counter, last counter sent)."""
    acked = [0] * CLIENTS
    sent = [0] * CLIENTS
    failures = []
    stop = threading.Event()

    def client_loop(i):
        client = Client(srv.base_url, f"Bearer {tenant.secret}")
        try:
            n = 0
            while not stop.is_set():
                n += 1
                sent[i] = n
                try:
                    r = client.patch(f"/v1/contacts/{contacts[i]['id']}", {"notes": str(n)})
                except Exception:  # noqa: BLE001 - the server was killed under this request
                    return
                if r.status_code != 200:
                    failures.append((i, n, r.status_code, r.text[:200]))
                    return
                body = r.json()
                if body["notes"] != str(n) or body["version"] != n + 1:
                    failures.append((i, n, "answered", body["notes"], body["version"]))
                    return
                acked[i] = n
        finally:
            client.close()

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + LOAD_TIMEOUT
    while min(acked) < MIN_ACKS_PER_CLIENT and not failures and time.monotonic() < deadline:
        time.sleep(0.01)
    srv.signal(signal.SIGKILL)
    srv.proc.wait(10)
    stop.set()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads), "a client hung after the kill"
    assert not failures, f"PATCHes failed before the kill: {failures[:3]}"
    assert min(acked) >= MIN_ACKS_PER_CLIENT, f"too few answers before the timeout: {acked}"
    return acked, sent


@pytest.mark.parametrize("sync", [
    pytest.param("full", id="full-1"),
    pytest.param("full", id="full-2"),
    pytest.param("full", id="full-3"),
    # NORMAL may lose commits on power loss or an OS crash, never on a crash of the process.
    pytest.param("normal", id="normal"),
])
def test_every_acknowledged_patch_survives_sigkill(make_server, sync):
    srv = make_server(name="killed", extra_args=["--sync", sync])
    tenant = srv.tenant()
    contacts = [tenant.create_contact({"first_name": f"c{i}", "notes": "0"})
                for i in range(CLIENTS)]

    acked, sent = _load_then_kill(srv, tenant, contacts)

    path = _sqlite_path(srv)
    if path is not None:
        integrity, stored = _stored_in_file(path, tenant.org_id)
        assert integrity == [("ok",)]
        for i, c in enumerate(contacts):
            notes, version = stored[c["id"]]
            counter = int(notes)
            assert acked[i] <= counter <= sent[i], \
                f"client {i}: stored {counter}, acknowledged {acked[i]}, sent {sent[i]}"
            assert version == counter + 1, f"client {i}: version {version} for counter {counter}"

    again = make_server(name="restarted", db_path=srv.db_path, db_url=srv.db_url)
    client = again.client(f"Bearer {tenant.secret}")
    versions = []
    for i, c in enumerate(contacts):
        now = assert_contact_response(client.get(f"/v1/contacts/{c['id']}"))
        counter = int(now["notes"])
        assert acked[i] <= counter <= sent[i], (i, counter, acked[i], sent[i])
        assert now["version"] == counter + 1
        if path is not None:
            assert (now["notes"], now["version"]) == stored[c["id"]]
        versions.append(now["version"])
    # The restarted server writes on from where the killed one stopped.
    r = assert_contact_response(client.patch(f"/v1/contacts/{contacts[0]['id']}",
                                             {"notes": "after"}))
    assert (r["notes"], r["version"]) == ("after", versions[0] + 1)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_sync_normal_serves_writes(make_server, how):
    if how == "flag":
        srv = make_server(extra_args=["--sync", "normal"])
    else:
        srv = make_server(env={"CONTACTSD_SQLITE_SYNC": "normal"})
    t = srv.tenant()
    c = t.create_contact({"first_name": "n"})
    r = assert_contact_response(t.client.patch(f"/v1/contacts/{c['id']}", {"title": "t"}))
    assert r["version"] == 2 and r["title"] == "t"


@pytest.mark.parametrize("how", ["flag", "env"])
def test_an_unknown_sync_level_is_refused_at_start(make_server, how):
    srv = make_server(start=False)
    argv = [str(srv.binary), "serve", "--db", srv.db_url, "--listen", "127.0.0.1:0"]
    env = None
    if how == "flag":
        argv += ["--sync", "off"]
    else:
        env = {"CONTACTSD_SQLITE_SYNC": "off", "PATH": "/usr/bin:/bin"}
    p = subprocess.run(argv, capture_output=True, text=True, timeout=10, env=env,
                       stdin=subprocess.DEVNULL)
    assert p.returncode != 0
    assert "--sync" in p.stderr and "off" in p.stderr, p.stderr
