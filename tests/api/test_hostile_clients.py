"""Hostile clients (docs/http.md, "Hostile clients"): the attacks of bench/hostile_clients.py at
a smaller scale, with assertions on what the server answers, which connections it keeps, and
its memory (VmRSS, read from /proc every 50 ms). Nothing here asserts a latency: a normal
client is "served" when its request on a new connection from 127.0.0.2 gets its 200 within
the suite's request timeout. Every wait is on a condition, with a timeout.

The attackers connect from 127.0.0.3 and up (one address, or a few when the point is the
memory budgets rather than the per-address cap); the normal client from 127.0.0.2.
"""

from __future__ import annotations

import collections
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contactsd_harness import HTTP_TIMEOUT

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import hostile_clients as hc  # noqa: E402

RSS_LIMIT_KIB = 256 * 1024  # the bound for the server's RSS under each attack
NORMAL = hc.NORMAL_SOURCE  # 127.0.0.2
ATTACKER = "127.0.0.3"


@pytest.fixture(scope="module", autouse=True)
def _enough_descriptors():
    """Room for a few hundred sockets here and in the server (which inherits the limit)."""
    before = resource.getrlimit(resource.RLIMIT_NOFILE)
    hc.raise_nofile(4096)
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, before)


@pytest.fixture
def attacked(make_server):
    """make(*serve_args): a server of the test's own with one tenant and one small contact;
    returns (server, key, contact id)."""

    def make(*args: str, big_contacts: int = 0):
        srv = make_server(threads=2, extra_args=["--no-access-log", *args])
        tenant = srv.tenant()
        contact_id, _ = hc.seed(srv.port, tenant.secret, big=big_contacts)
        tenant.client.close()
        # The set-up's connections are closed on this side; the attack starts once the server
        # has let go of them too, so that they take no place in its table (a full table with
        # one of them still being closed, not idle, turned a new connection away).
        deadline = time.monotonic() + 10
        while server_sockets(srv.port) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not server_sockets(srv.port), "the server still holds the set-up's connections"
        return srv, tenant.secret, contact_id

    return make


def server_sockets(port: int) -> list[str]:
    """The server's connected sockets on `port` that it has not closed yet (`ss`): those of
    connections it still counts."""
    out = subprocess.run(
        ["ss", "-tnH", "state", "established", "state", "close-wait", f"( sport = :{port} )"],
        capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def served(srv, key: str, contact_id: str, source: str = NORMAL) -> None:
    """A new client (a new connection from `source`) gets its contact."""
    status, _, body = hc.get_from(srv.port, f"/v1/contacts/{contact_id}", key, source,
                                  timeout=HTTP_TIMEOUT)
    assert status == 200, (status, body[:300])


def closed_at_once(port: int, source: str, timeout: float = 5.0) -> bool:
    """A new connection from `source` that sends nothing: True when the server closes (or
    resets) it within `timeout` without a byte of answer, False when it is left open."""
    with socket.socket() as s:
        s.bind((source, 0))
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        try:
            data = s.recv(1024)
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
        assert data == b"", f"an answer to a connection that sent nothing: {data[:200]!r}"
        return True


def statuses(fleet: hc.Fleet) -> collections.Counter:
    return collections.Counter(c.status for c in fleet.conns)


def describe(fleet: hc.Fleet) -> str:
    return f"connections by how they ended: {fleet.outcomes()}"


# --------------------------------------------------------------------------------------------
# (a) Bodies: credentials before the body, and a budget for the bodies in flight
# --------------------------------------------------------------------------------------------


def test_unauthenticated_big_bodies_are_answered_401_before_the_body(attacked):
    """300 connections (100 from each of three addresses) declare a 1 MiB body without
    credentials and send all of it but the last byte: each is answered 401 and closed, so the
    server holds none of those bodies."""
    srv, key, contact_id = attacked()
    pid = srv.proc.pid
    with hc.RssSampler(pid) as rss, \
            hc.Fleet(srv.port, hc.big_body_parts(srv.port, None),
                     sources=hc.attack_sources(300, 100)) as fleet:
        fleet.open(300)
        ended = fleet.run_until(
            lambda f: hc.connections_done(f) and all(c.end for c in f.conns), timeout=15)
        assert ended, f"connections still open after 15 s; {describe(fleet)}"
        assert statuses(fleet) == {401: 300}, describe(fleet)
        assert rss.peak_kib() < RSS_LIMIT_KIB, f"peak RSS {hc.mib(rss.peak_kib())} MiB"
    served(srv, key, contact_id)
    srv.assert_alive()


def test_authenticated_bodies_past_the_budget_get_503_before_the_body(attacked):
    """With --max-buffered-mib 8, 40 authenticated connections each declare a 1 MiB body and
    send all but its last byte: at most 8 bodies are held; every other connection is answered
    503 with Retry-After: 1 and closed without its body being read. A new client is served
    meanwhile, and once the attackers leave the budget is free again."""
    srv, key, contact_id = attacked("--max-buffered-mib", "8")
    n = 40
    with hc.Fleet(srv.port, hc.big_body_parts(srv.port, key), sources=[ATTACKER]) as fleet:
        fleet.open(n)
        refused = fleet.run_until(lambda f: hc.connections_done(f) and
                                  statuses(f)[503] >= n - 8, timeout=15)
        assert refused, f"fewer than {n - 8} answered 503 after 15 s; {describe(fleet)}"
        answered = [c for c in fleet.conns if c.status is not None]
        assert all(c.status == 503 for c in answered), describe(fleet)
        assert all(c.header("Retry-After") == "1" for c in answered), \
            [c.head[:300] for c in answered if c.header("Retry-After") != "1"][:1]
        # The refused connections are closed; the others hold their bodies, unanswered.
        all_closed = fleet.run_until(lambda f: all(c.end for c in answered), timeout=10)
        assert all_closed, f"503 connections left open; {describe(fleet)}"
        held = [c for c in fleet.conns if c.status is None]
        assert 1 <= len(held) <= 8, describe(fleet)
        assert all(c.end is None for c in held), describe(fleet)
        served(srv, key, contact_id)
        srv.assert_alive()
    # The attackers are gone and their bodies leave the budget: all 8 MiB of it can be taken
    # again. `Expect: 100-continue` shows which bodies the server admits: it answers 100 (go
    # on) or 503 after its budget check, before a byte of body is sent.
    deadline = time.monotonic() + 10
    while (got := _admitted(srv.port, key, 8)) != {100: 8} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got == {100: 8}, f"8 bodies of 1 MiB after the attack: {dict(got)}"
    served(srv, key, contact_id)


def _admitted(port: int, key: str, n: int) -> collections.Counter:
    """n connections each declare a 1 MiB body with `Expect: 100-continue` and wait for the
    interim answer; the statuses (None: no answer within 5 s), all held until counted."""
    head = (f"POST /v1/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {hc.DECLARED_BODY}\r\n"
            f"Expect: 100-continue\r\n\r\n").encode()
    with hc.Fleet(port, [head], sources=[NORMAL]) as probe:
        probe.open(n)
        probe.run_until(hc.answers_done, timeout=5)
        return statuses(probe)


# --------------------------------------------------------------------------------------------
# (b) The connection table: a cap per client address, idle connections shed first
# --------------------------------------------------------------------------------------------


def test_connections_past_the_per_address_cap_are_closed_at_once(attacked):
    """--max-connections-per-ip 50: of 200 idle connections from one address 50 stay open and
    the rest are closed at once; a client from another address is served, while one more
    connection from the attacker's address is closed at once."""
    srv, key, contact_id = attacked("--max-connections-per-ip", "50")
    with hc.Fleet(srv.port, (), sources=[ATTACKER]) as fleet:
        fleet.open(200)
        # Well inside the 10 s header timeout, which would close them all anyway.
        shut = fleet.run_until(lambda f: hc.connections_done(f) and
                               f.count(lambda c: c.end is not None) >= 150, timeout=6)
        assert shut, f"fewer than 150 closed after 6 s; {describe(fleet)}"
        kept = len(fleet.open_conns())
        assert 45 <= kept <= 50, describe(fleet)
        assert statuses(fleet) == {None: 200}, describe(fleet)  # closed without an answer
        served(srv, key, contact_id, NORMAL)
        served(srv, key, contact_id, "127.0.0.1")
        assert closed_at_once(srv.port, ATTACKER), "a 51st connection from one address stayed"
        fleet.pump(0)
        assert len(fleet.open_conns()) == kept, describe(fleet)
    srv.assert_alive()


def test_idle_keepalive_connections_are_shed_oldest_first(attacked):
    """--max-connections 100: 100 keep-alive connections (50, then 50 more) each make one
    request and sit idle; 20 new clients then connect together and are all served, because
    the server sheds 20 idle connections for them, from the older 50."""
    srv, key, contact_id = attacked("--max-connections", "100",
                                    "--max-connections-per-ip", "1000")
    with hc.Fleet(srv.port, hc.keepalive_parts(srv.port), sources=[ATTACKER]) as older, \
            hc.Fleet(srv.port, hc.keepalive_parts(srv.port), sources=["127.0.0.4"]) as newer:
        for fleet in (older, newer):
            fleet.open(50)
            assert fleet.run_until(hc.answers_done, timeout=10), describe(fleet)
            assert statuses(fleet) == {200: 50}, describe(fleet)
            # One request on a new connection: by the time it is answered the server has
            # long finished writing the answers above, so those connections count as idle.
            served(srv, key, contact_id, "127.0.0.5")
        parts = [(f"GET /v1/contacts/{contact_id} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Authorization: Bearer {key}\r\n\r\n").encode()]
        with hc.Fleet(srv.port, parts, sources=[NORMAL]) as clients:
            clients.open(20)

            def answered(f):
                older.pump(0)  # notice the sheds as they happen
                newer.pump(0)
                return hc.answers_done(f)

            assert clients.run_until(answered, timeout=15), describe(clients)
            assert statuses(clients) == {200: 20}, describe(clients)

            def idle_left():
                newer.pump(0)
                return len(older.open_conns()) + len(newer.open_conns())

            # The table holds at most 100 and the 20 new clients are still connected: 20 of
            # the idle ones made room for them.
            made_room = older.run_until(lambda f: idle_left() <= 80, timeout=10)
            assert made_room, (f"older: {describe(older)}; newer: {describe(newer)}; "
                               f"new clients: {describe(clients)}")
            assert len(newer.open_conns()) == 50, \
                f"a newer idle connection was shed before an older one: {describe(newer)}"
            assert older.count(lambda c: c.end is not None) >= 20, describe(older)
            clients.pump(0)
            assert len(clients.open_conns()) == 20, describe(clients)
    srv.assert_alive()


def test_a_full_table_of_busy_connections_closes_a_new_one_at_once(attacked):
    """--max-connections 100, all 100 in the middle of a request (the server has read the
    head - it answered `100 Continue` - and waits for the body): none is idle, so none can be
    shed, and a new connection is closed at once; once they leave, new clients are served."""
    srv, key, contact_id = attacked("--max-connections", "100",
                                    "--max-connections-per-ip", "1000")
    head = [(f"POST /v1/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}"
             f"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
             f"Expect: 100-continue\r\n\r\n").encode()]  # and the body never comes
    with hc.Fleet(srv.port, head, sources=[ATTACKER]) as busy:
        busy.open(100)
        assert busy.run_until(hc.answers_done, timeout=10), describe(busy)
        assert statuses(busy) == {100: 100}, describe(busy)
        kept_new_one = not closed_at_once(srv.port, NORMAL)
        busy.pump(0)
        assert not kept_new_one and len(busy.open_conns()) == 100, \
            f"the 101st connection was {'kept' if kept_new_one else 'closed'}; {describe(busy)}"
    deadline = time.monotonic() + 10
    while True:
        try:
            served(srv, key, contact_id)
            break
        except (OSError, AssertionError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    srv.assert_alive()


# --------------------------------------------------------------------------------------------
# (c) Slow readers of big answers, and memory given back afterwards
# --------------------------------------------------------------------------------------------


def test_slow_readers_of_big_list_pages_stay_within_the_answer_budget(attacked):
    """300 connections (150 from each of two addresses) ask for a page of 100 contacts of
    ~10 KB each (~1 MB) and never read. Each is answered 200 or 503 (Retry-After: 1), the
    server's RSS stays under 256 MiB, a new client is served meanwhile, and once the readers
    leave the RSS falls back to within 24 MiB of where it was before (the server before the
    limits: 336 MiB at the peak, still 76 MiB, up from 31, after the readers left)."""
    srv, key, contact_id = attacked(big_contacts=hc.BIG_CONTACTS)
    pid = srv.proc.pid
    hc.warm_up(srv.port, key)  # big buffers have come and gone once, as in a server up a while
    before, _ = hc.wait_rss_settled(pid, timeout=5, window=0.5)
    with hc.RssSampler(pid) as rss:
        with hc.Fleet(srv.port, hc.list_page_parts(srv.port, key),
                      sources=hc.attack_sources(300, 150), rcvbuf=1, reads=False) as readers:
            readers.open(300)
            assert readers.run_until(hc.answers_done, timeout=30), describe(readers)
            got = statuses(readers)
            assert set(got) <= {200, 503} and got[200] >= 1, describe(readers)
            late = [c for c in readers.conns if c.status == 503]
            assert all(c.header("Retry-After") == "1" for c in late), \
                [c.head[:300] for c in late if c.header("Retry-After") != "1"][:1]
            served(srv, key, contact_id)
            peak = rss.peak_kib()
            assert peak < RSS_LIMIT_KIB, f"peak RSS {hc.mib(peak)} MiB; {describe(readers)}"
    # The server gives the memory back once the burst is over (a trim on its next quiet
    # half-second): wait for that, not for the RSS to stop moving, which it may do before.
    bound = before + 24 * 1024
    deadline = time.monotonic() + 10
    after = hc.rss_kib(pid)
    while after is not None and after >= bound and time.monotonic() < deadline:
        time.sleep(0.05)
        after = hc.rss_kib(pid)
    assert after is not None and after < bound, (
        f"RSS {hc.mib(before)} MiB before, {hc.mib(peak)} MiB at the peak, still "
        f"{hc.mib(after)} MiB 10 s after the readers left")
    served(srv, key, contact_id)
    srv.assert_alive()


def _send_queue_bytes(port: int, client: socket.socket) -> int | None:
    """Bytes the kernel holds for the server's end of `client`'s connection (not yet
    acknowledged: sent or unsent), from `ss`; None when the connection is not listed."""
    local = client.getsockname()
    out = subprocess.run(
        ["ss", "-tnH", "state", "established", f"( sport = :{port} and dst {local[0]} "
         f"and dport = :{local[1]} )"], capture_output=True, text=True, check=True).stdout
    fields = out.split()
    return int(fields[1]) if len(fields) >= 2 else None


def test_a_slow_reader_holds_a_bounded_part_of_its_answer_in_the_kernel(attacked):
    """A reader that never reads a ~260 KB list page: the kernel holds at most the unsent
    low-water mark (64 KiB) and one segment of it, not the whole page (before the server set
    TCP_NOTSENT_LOWAT: all of it, and a burst of 2,000 such readers made the kernel copy and
    allocate ~100 MB inside the server's write() calls while other clients waited)."""
    srv, key, contact_id = attacked(big_contacts=hc.BIG_CONTACTS)
    with socket.socket() as reader:
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
        reader.bind((ATTACKER, 0))
        reader.connect(("127.0.0.1", srv.port))
        for part in hc.list_page_parts(srv.port, key):
            reader.sendall(part)
        # The server has written what the kernel takes once the queue stops growing.
        deadline = time.monotonic() + 10
        queued = seen = _send_queue_bytes(srv.port, reader)
        while time.monotonic() < deadline:
            time.sleep(0.1)
            queued = _send_queue_bytes(srv.port, reader)
            if queued is not None and queued == seen and queued > 0:
                break
            seen = queued
        assert queued is not None and 0 < queued <= 128 * 1024, queued
        served(srv, key, contact_id)
    srv.assert_alive()


def test_the_descriptor_table_is_sized_for_every_connection_at_start(attacked):
    """The kernel grows a process's descriptor table by doubling it, and in a process with
    threads each doubling waits inside accept() for an RCU grace period (measured: the
    acceptor blocked in synchronize_rcu while 106 connections queued). The server sizes it
    at start for --max-connections, before any thread exists: /proc shows it (FDSize)."""
    srv, _, _ = attacked("--max-connections", "3000")
    status = Path(f"/proc/{srv.proc.pid}/status").read_text()
    fd_size = int(next(line.split()[1] for line in status.splitlines()
                       if line.startswith("FDSize:")))
    assert fd_size >= 3000, status
