"""The CLI contract (org/key/models commands: JSON on stdout, errors on stderr with a non-zero
exit and nothing on stdout) and the `serve` lifecycle: env configuration, start-up failures,
graceful shutdown on SIGTERM, and a restart on the same database."""

import json
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import uuid

import pytest

from contactsd_harness import (Client, assert_contact_response, assert_status,
                               is_timestamp, list_all)

ORG_KEYS = {"id", "name", "plan", "credits", "created_at"}
KEY_KEYS = {"id", "org_id", "name", "key", "prefix", "scope", "created_at", "expires_at"}
LISTED_KEY_KEYS = {"id", "org_id", "name", "prefix", "scope", "created_at", "expires_at",
                   "revoked_at", "last_used_at"}


def _assert_fails(p: subprocess.CompletedProcess, what: str):
    assert p.returncode != 0, f"{what}: exit 0, stdout {p.stdout!r}"
    assert p.stderr.strip(), f"{what}: no message on stderr"
    assert p.stdout.strip() == "", f"{what}: stdout not empty: {p.stdout!r}"


# ---- org -------------------------------------------------------------------------------------

def test_org_create_defaults_and_show(server):
    org = server.cli("org", "create", "--name", "Acme")
    assert set(org) == ORG_KEYS, org
    assert org["name"] == "Acme" and org["plan"] == "free" and org["credits"] == 0
    assert isinstance(org["id"], str) and org["id"]
    assert is_timestamp(org["created_at"])
    assert server.cli("org", "show", org["id"]) == org


def test_org_create_with_plan_credits_and_an_unusual_name(server):
    name = "Zoë & Co. — \"quoted\" 李"
    org = server.org(name, plan="internal", credits=250)
    assert (org["name"], org["plan"], org["credits"]) == (name, "internal", 250)
    assert server.cli("org", "show", org["id"]) == org


def test_org_ids_are_unique(server):
    assert len({server.org("same")["id"] for _ in range(3)}) == 3


@pytest.mark.parametrize("args", [
    pytest.param(["org", "show", str(uuid.uuid4())], id="show-unknown-id"),
    pytest.param(["org", "show", "not-an-id"], id="show-malformed-id"),
    pytest.param(["org", "create"], id="create-without-name"),
    pytest.param(["org", "create", "--name", "x", "--credits", "abc"], id="credits-not-a-number"),
    pytest.param(["org", "create", "--name", "x", "--credits", "-5"], id="negative-credits"),
    pytest.param(["org", "bogus"], id="unknown-org-command"),
    pytest.param(["nonsense"], id="unknown-command"),
    pytest.param(["key", "create", "--org", str(uuid.uuid4())], id="key-for-unknown-org"),
    pytest.param(["key", "create"], id="key-without-org"),
    pytest.param(["key", "revoke", str(uuid.uuid4())], id="revoke-unknown-key"),
])
def test_cli_errors_exit_non_zero_with_a_message_and_no_stdout(server, args):
    _assert_fails(server.run_cli(*args), " ".join(args))


@pytest.mark.parametrize("url", ["mysql://localhost/x", "sqlite:{file}/x.db", "nonsense"])
def test_a_bad_database_url_fails_cleanly(server, tmp_path, url):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    url = url.format(file=a_file)  # a path below a regular file can never be opened
    p = server.run_cli("org", "create", "--name", "x", "--db", url, db=False)
    _assert_fails(p, url)


def test_the_db_can_come_from_the_environment(server):
    p = server.run_cli("org", "create", "--name", "from-env", db=False,
                       env={"CONTACTSD_DB": server.db_url})
    assert p.returncode == 0, p.stderr
    org = json.loads(p.stdout)
    assert server.cli("org", "show", org["id"]) == org


# ---- keys ------------------------------------------------------------------------------------

def test_key_create_shows_the_secret_once(server):
    org = server.org("keys")
    k = server.key(org["id"], name="ci")
    assert set(k) == KEY_KEYS, k
    assert k["org_id"] == org["id"] and k["name"] == "ci"
    assert k["key"].startswith("sk_live_") and len(k["key"]) >= len("sk_live_") + 32
    assert all(ch.isalnum() or ch in "_-" for ch in k["key"]), k["key"]
    assert k["key"].startswith(k["prefix"]) and len(k["prefix"]) < len(k["key"]) - 16
    assert is_timestamp(k["created_at"])
    k2 = server.key(org["id"])
    assert k2["key"] != k["key"] and k2["id"] != k["id"]
    assert k2["key"][8:40] != k["key"][8:40]


def test_key_list_never_shows_secrets(server):
    org, other = server.org("lister"), server.org("other")
    keys = [server.key(org["id"], name=f"k{i}") for i in range(3)]
    server.key(other["id"])
    p = server.run_cli("key", "list", "--org", org["id"])
    assert p.returncode == 0, p.stderr
    for k in keys:
        assert k["key"] not in p.stdout
    listed = json.loads(p.stdout)
    assert isinstance(listed, list)
    assert {k["id"] for k in listed} == {k["id"] for k in keys}
    for item in listed:
        assert set(item) == LISTED_KEY_KEYS, item
        assert item["org_id"] == org["id"] and item["revoked_at"] is None
        orig = next(k for k in keys if k["id"] == item["id"])
        assert {f: item[f] for f in ("name", "prefix", "created_at")} == \
            {f: orig[f] for f in ("name", "prefix", "created_at")}


def test_key_list_of_an_unknown_org_is_empty_or_an_error(server):
    p = server.run_cli("key", "list", "--org", str(uuid.uuid4()))
    if p.returncode == 0:
        assert json.loads(p.stdout) == []
    else:
        _assert_fails(p, "key list of an unknown org")


def test_key_revoke(server):
    org = server.org("revoker")
    k, keep = server.key(org["id"]), server.key(org["id"])
    p = server.run_cli("key", "revoke", k["id"])
    assert p.returncode == 0, p.stderr
    assert k["key"] not in p.stdout
    revoked = json.loads(p.stdout)
    assert revoked["id"] == k["id"] and is_timestamp(revoked["revoked_at"])
    listed = {x["id"]: x for x in server.cli("key", "list", "--org", org["id"])}
    assert listed[k["id"]]["revoked_at"] == revoked["revoked_at"]
    assert listed[keep["id"]]["revoked_at"] is None
    # the API agrees at once
    assert_status(server.client(f"Bearer {k['key']}").get("/v1/contacts"), 401)
    assert_status(server.client(f"Bearer {keep['key']}").get("/v1/contacts"), 200)


def test_models_lists_standard(server):
    p = server.run_cli("models", db=False)
    assert p.returncode == 0, p.stderr
    names = [line.strip() for line in p.stdout.splitlines() if line.strip()]
    assert "standard" in names
    assert len(names) == len(set(names))


# ---- serve -----------------------------------------------------------------------------------

def test_serve_configured_from_the_environment(make_server):
    srv = make_server(config_via_env=True, threads=2)
    assert assert_status(srv.client().get("/healthz"), 200) == {"status": "ok"}
    t = srv.tenant()
    assert t.create_contact({"first_name": "env"})["first_name"] == "env"


def test_serve_with_an_unknown_model_fails_at_once(make_server):
    srv = make_server(start=False)
    p = subprocess.run([str(srv.binary), "serve", "--db", srv.db_url, "--model", "no-such-model",
                        "--listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert p.returncode != 0 and p.stderr.strip()


@pytest.mark.parametrize("args", [
    pytest.param(["--listen", "nonsense"], id="listen-without-port"),
    pytest.param(["--listen", "127.0.0.1:99999"], id="port-out-of-range"),
    pytest.param(["--threads", "0"], id="zero-threads"),
    pytest.param(["--threads", "abc"], id="threads-not-a-number"),
])
def test_serve_with_bad_flags_fails_at_once(make_server, args):
    srv = make_server(start=False)
    base = {"--db": srv.db_url, "--model": "standard", "--listen": "127.0.0.1:0"}
    base.update(dict(zip(args[::2], args[1::2])))
    argv = [str(srv.binary), "serve"] + [x for kv in base.items() for x in kv]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert p.returncode != 0 and p.stderr.strip()


def test_serve_on_a_taken_port_fails(make_server):
    srv = make_server(start=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        p = subprocess.run([str(srv.binary), "serve", "--db", srv.db_url, "--model", "standard",
                            "--listen", f"127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    assert p.returncode != 0 and p.stderr.strip()


def _integrity(db_path):
    con = sqlite3.connect(db_path)
    try:
        return con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()


def test_sigterm_exits_0_and_a_restart_reads_the_data_back(make_server, tmp_path):
    db = tmp_path / "shared.db"
    first = make_server(db_path=db, name="first")
    t = first.tenant()
    contacts = [t.create_contact({"first_name": f"n{i}", "email": f"p{i}@example.com"})
                for i in range(5)]
    archived = assert_contact_response(t.client.delete(f"/v1/contacts/{contacts[4]['id']}"))
    page = assert_status(t.client.get("/v1/contacts", params={"limit": 2}), 200)

    started = time.monotonic()
    first.signal(signal.SIGTERM)
    assert first.wait(10) == 0, first.stderr()[-2000:]
    assert time.monotonic() - started < 5
    assert _integrity(db) == [("ok",)]

    second = make_server(db_path=db, name="second")
    c2 = second.client(f"Bearer {t.secret}")  # the key survives too
    assert list_all(c2) == contacts[:4]
    assert assert_contact_response(c2.get(f"/v1/contacts/{archived['id']}")) == archived
    # cursors are signed with a per-database secret, so they survive a restart
    rest = assert_status(c2.get("/v1/contacts", params={"limit": 2, "cursor": page["next_cursor"]}),
                         200)
    assert rest["data"] == contacts[2:4]


def test_sigterm_with_an_idle_keep_alive_connection_still_exits_promptly(make_server):
    srv = make_server()
    sock = socket.create_connection(("127.0.0.1", srv.port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")  # then leave it open and idle
    sock.settimeout(5)
    assert b"200" in sock.recv(4096).split(b"\r\n")[0]
    idle = socket.create_connection(("127.0.0.1", srv.port))  # connected, never sends
    try:
        started = time.monotonic()
        srv.signal(signal.SIGTERM)
        assert srv.wait(10) == 0, srv.stderr()[-2000:]
        assert time.monotonic() - started < 5
    finally:
        sock.close()
        idle.close()


def test_sigterm_under_load_keeps_every_acknowledged_write(make_server, tmp_path):
    db = tmp_path / "load.db"
    srv = make_server(db_path=db, name="load", threads=2)
    t = srv.tenant()
    acked, stop = [], threading.Event()

    def writer(i):
        client = Client(srv.base_url, f"Bearer {t.secret}")
        n = 0
        while not stop.is_set():
            try:
                r = client.post("/v1/contacts", {"first_name": f"w{i}-{n}"})
            except Exception:  # noqa: BLE001 - the server is going away
                break
            if r.status_code == 201:
                acked.append(r.json())
            n += 1
        client.close()

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
    for w in workers:
        w.start()
    time.sleep(0.5)
    srv.signal(signal.SIGTERM)
    try:
        assert srv.wait(10) == 0, srv.stderr()[-2000:]
    finally:
        stop.set()
        for w in workers:
            w.join(10)
    assert acked, "no write was acknowledged before the shutdown"
    assert _integrity(db) == [("ok",)]

    again = make_server(db_path=db, name="load-again")
    stored = {c["id"]: c for c in list_all(again.client(f"Bearer {t.secret}"), limit=100)}
    missing = [c["id"] for c in acked if stored.get(c["id"]) != c]
    assert not missing, f"{len(missing)} acknowledged writes lost or changed"
