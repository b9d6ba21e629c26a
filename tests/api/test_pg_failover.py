"""PostgreSQL failover: a crash of the primary loses no acknowledged write, and contactsd
follows the promoted standby on its own.

The test starts a PostgreSQL 15 primary with a synchronous streaming standby of its own
(scripts/pg-failover-pair.sh: pg_basebackup -R, a replication slot, synchronous_standby_names
and synchronous_commit = on on the primary), and two contactsd processes on it, both given the
multi-host URL `postgresql://...@127.0.0.1:P,127.0.0.1:S/contactsd?target_session_attrs=
read-write`. Clients PATCH their own contact and POST new ones through both, recording every
answer. Then:
1. the primary crashes: its postmaster and every one of its processes are SIGKILLed at once;
2. with no writable server left, every request answers 503 with `Retry-After` and the JSON
   error shape: never a 500, never a hang (each request has a 10 s client timeout, which must
   never be hit);
3. the standby is promoted, and both contactsd processes, never restarted, serve writes again;
4. every write acknowledged (2xx) before the crash or after the promotion is read back through
   the API with its values. A write in flight at the crash may or may not have been committed:
   its client saw no 2xx and counts it as not done.

It starts its own clusters, so it needs no CONTACTSD_TEST_DB: it runs once in `make test`, in
the API pass without it, and is skipped in the PostgreSQL pass. Every wait is on a condition.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from contactsd_harness import REPO_ROOT, Client, assert_contact_response, assert_error, \
    list_all, pg_base_url

PAIR_SCRIPT = REPO_ROOT / "scripts" / "pg-failover-pair.sh"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

pytestmark = [
    pytest.mark.skipif(pg_base_url() is not None,
                       reason="starts its own PostgreSQL pair: runs in the API pass without "
                              "CONTACTSD_TEST_DB only"),
    pytest.mark.skipif(not (PG_BIN / "pg_basebackup").is_file(),
                       reason=f"needs PostgreSQL 15 at {PG_BIN} (make deps installs it)"),
]

PATCH_CLIENTS = 4  # each PATCHes a contact of its own, half through each server
POST_CLIENTS = 2   # each POSTs new contacts, one through each server
ACKS_PER_PHASE = 15  # acknowledged writes per client before the crash and after the promotion
OUTAGE_ANSWERS = 3   # answers per client while no server is writable
WAIT_TIMEOUT = 60    # for each of the conditions above
BACKOFF_AFTER_503 = 0.05  # a client pauses after a 503 (less than Retry-After's second)

# Phases: a request sent and answered within one phase is judged by that phase's rule.
BEFORE, KILLING, OUTAGE, PROMOTING, AFTER = "before", "killing", "outage", "promoting", "after"


class PgPair:
    """The primary and its synchronous standby in a directory of their own under /tmp (the
    postgres user must reach it), through scripts/pg-failover-pair.sh."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="contactsd-failover.", dir="/tmp"))
        self.url = ""

    def run(self, command: str, timeout: float = 120) -> str:
        p = subprocess.run([str(PAIR_SCRIPT), command, str(self.directory)], capture_output=True,
                           text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        assert p.returncode == 0, f"pg-failover-pair.sh {command} failed: {p.stderr}"
        return p.stdout.strip()

    def start(self):
        self.url = self.run("start")

    def stop(self):
        self.run("stop")
        if self.directory.exists():  # start failed before it claimed the directory
            self.directory.rmdir()


@pytest.fixture
def pg_pair():
    pair = PgPair()
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()


@dataclass
class Answer:
    client: int
    kind: str  # "patch" or "post"
    server: str
    counter: int  # the client's n-th request; the value it wrote
    sent_in: str  # the phase when the request was sent
    answered_in: str
    response: requests.Response | None  # None: no answer (the failure is in `error`)
    error: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.response is not None and 200 <= self.response.status_code < 300

    @property
    def within(self) -> str | None:
        """The phase the request was sent and answered in, if one."""
        return self.sent_in if self.sent_in == self.answered_in else None


class Load:
    """Client threads writing through both servers until stop(); every answer is kept."""

    def __init__(self, servers, secret: str, patch_contacts: list[dict]):
        self.phase = BEFORE
        self.answers: list[list[Answer]] = [[] for _ in range(PATCH_CLIENTS + POST_CLIENTS)]
        self._servers = servers
        self._secret = secret
        self._patch_contacts = patch_contacts
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client_loop, args=(i,), daemon=True)
                         for i in range(len(self.answers))]

    def start(self):
        for t in self._threads:
            t.start()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(30)
        assert not any(t.is_alive() for t in self._threads), "a client hung"

    def count(self, client: int, predicate) -> int:
        return sum(1 for a in list(self.answers[client]) if predicate(a))

    def await_each(self, what: str, predicate, at_least: int):
        """Waits until every client has `at_least` answers matching `predicate`."""
        deadline = time.monotonic() + WAIT_TIMEOUT
        while True:
            counts = [self.count(i, predicate) for i in range(len(self.answers))]
            if min(counts) >= at_least:
                return
            if any(not t.is_alive() for t in self._threads):
                self._stop.set()
                raise AssertionError(f"{what}: a client stopped early: "
                                     f"{[a.error for r in self.answers for a in r if a.error][:3]}")
            assert time.monotonic() < deadline, f"{what}: not within {WAIT_TIMEOUT}s: {counts}"
            self._stop.wait(0.02)

    def _client_loop(self, i: int):
        name, server = ("a", self._servers[0]) if i % 2 == 0 else ("b", self._servers[1])
        client = Client(server.base_url, f"Bearer {self._secret}")
        kind = "patch" if i < PATCH_CLIENTS else "post"
        n = 0
        try:
            while not self._stop.is_set():
                n += 1
                sent_in = self.phase
                response, error = None, ""
                try:
                    if kind == "patch":
                        response = client.patch(f"/v1/contacts/{self._patch_contacts[i]['id']}",
                                                {"notes": str(n), "title": f"title {n}"})
                    else:
                        response = client.post("/v1/contacts", {
                            "first_name": f"poster {i}", "notes": str(n),
                            "external_id": f"post-{i}-{n}"})
                except requests.RequestException as e:  # a timeout or a dropped connection
                    error = f"{type(e).__name__}: {e}"
                self.answers[i].append(Answer(i, kind, name, n, sent_in, self.phase, response,
                                              error))
                if response is None:
                    return  # judged by the test: contactsd must always answer
                if response.status_code == 503:
                    self._stop.wait(BACKOFF_AFTER_503)
        finally:
            client.close()


def assert_retry_later(response: requests.Response):
    """A 503 with Retry-After and the JSON error shape."""
    assert_error(response, 503, "unavailable")
    assert response.headers.get("Retry-After") == "1", dict(response.headers)


def test_primary_crash_then_promotion_loses_no_acknowledged_write(pg_pair, make_server):
    a = make_server(db_url=pg_pair.url, name="a", threads=2)
    b = make_server(db_url=pg_pair.url, name="b", threads=2)
    pids = (a.proc.pid, b.proc.pid)
    tenant = a.tenant()
    patch_contacts = [tenant.create_contact({"first_name": f"patcher {i}", "notes": "0"})
                      for i in range(PATCH_CLIENTS)]
    load = Load((a, b), tenant.secret, patch_contacts)
    load.start()
    try:
        load.await_each("acknowledged writes before the crash",
                        lambda x: x.within == BEFORE and x.acknowledged, ACKS_PER_PHASE)

        load.phase = KILLING
        pg_pair.run("kill-primary")
        load.phase = OUTAGE
        # Each server, asked directly: reads and writes alike are 503 + Retry-After.
        probes = [("GET", f"/v1/contacts/{patch_contacts[0]['id']}", None),
                  ("GET", "/v1/contacts", None),
                  ("PATCH", f"/v1/contacts/{patch_contacts[0]['id']}", {"notes": "probe"}),
                  ("POST", "/v1/contacts", {"first_name": "probe", "external_id": "probe"})]
        for server in (a, b):
            client = Client(server.base_url, f"Bearer {tenant.secret}")
            for method, path, body in probes:
                kw = {} if body is None else {"body": body}
                assert_retry_later(client.request(method, path, **kw))
            client.close()
        load.await_each("answers while no server is writable",
                        lambda x: x.within == OUTAGE, OUTAGE_ANSWERS)

        load.phase = PROMOTING
        pg_pair.run("promote")
        load.phase = AFTER
        load.await_each("acknowledged writes after the promotion",
                        lambda x: x.within == AFTER and x.acknowledged, ACKS_PER_PHASE)
    finally:
        load.stop()

    answers = [x for client in load.answers for x in client]
    # Every request was answered within the client's timeout, and only ever 2xx or 503.
    unanswered = [(x.server, x.kind, x.sent_in, x.error) for x in answers if x.response is None]
    assert not unanswered, f"requests without an answer: {unanswered[:3]}"
    odd = [(x.server, x.kind, x.sent_in, x.answered_in, x.response.status_code,
            x.response.text[:200]) for x in answers
           if not x.acknowledged and x.response.status_code != 503]
    assert not odd, f"answers neither 2xx nor 503: {odd[:3]}"
    for x in answers:
        if x.response.status_code == 503:
            assert_retry_later(x.response)
    # While the primary was up, and once the standby was promoted: every write acknowledged.
    refused = [(x.server, x.kind, x.within, x.response.text[:200]) for x in answers
               if x.within in (BEFORE, AFTER) and not x.acknowledged]
    assert not refused, f"writes refused while a primary was up: {refused[:3]}"
    # With no writable server: nothing acknowledged.
    outage = [x for x in answers if x.within == OUTAGE]
    assert all(x.response.status_code == 503 for x in outage), \
        [(x.server, x.response.status_code) for x in outage if x.response.status_code != 503][:3]
    # Neither contactsd was restarted: the same processes, alive.
    for server, pid in zip((a, b), pids):
        server.assert_alive()
        assert server.proc.pid == pid

    readers = [Client(s.base_url, f"Bearer {tenant.secret}") for s in (a, b)]
    _check_patches(load, patch_contacts, readers)
    _check_posts(load, tenant, readers)
    for r in readers:
        r.close()


def _check_patches(load: Load, patch_contacts: list[dict], readers: list[Client]):
    """Each PATCH client's contact holds its last acknowledged write; and the versions of the
    acknowledged writes only ever grew, across the failover too: had the promoted server lost
    one acknowledged before the crash, the first one after the promotion would have been given
    a version no greater than the lost one's."""
    for i in range(PATCH_CLIENTS):
        acked = [x for x in load.answers[i] if x.acknowledged]
        versions = []
        for x in acked:
            body = assert_contact_response(x.response)
            assert (body["notes"], body["title"]) == (str(x.counter), f"title {x.counter}"), body
            versions.append(body["version"])
        assert versions == sorted(set(versions)), f"client {i}: versions went back: {versions}"
        assert any(x.sent_in == BEFORE for x in acked) and any(x.within == AFTER for x in acked)
        last = load.answers[i][-1]
        assert last.acknowledged, f"client {i}: its last write was not acknowledged"
        stored = [assert_contact_response(r.get(f"/v1/contacts/{patch_contacts[i]['id']}"))
                  for r in readers]
        assert stored[0] == stored[1]
        assert stored[0]["notes"] == str(last.counter)
        assert stored[0]["version"] == versions[-1]


def _check_posts(load: Load, tenant, readers: list[Client]):
    """Every acknowledged POST is there, exactly as it was answered; any other contact is one
    whose POST was sent (in flight at the crash); none is there twice."""
    acked, sent = {}, set()
    for i in range(PATCH_CLIENTS, PATCH_CLIENTS + POST_CLIENTS):
        for x in load.answers[i]:
            sent.add(f"post-{i}-{x.counter}")
            if x.acknowledged:
                body = assert_contact_response(x.response, 201)
                assert body["external_id"] == f"post-{i}-{x.counter}"
                assert body["notes"] == str(x.counter)
                acked[body["id"]] = body
    assert any(x.sent_in == BEFORE and x.acknowledged for i in range(PATCH_CLIENTS, len(
        load.answers)) for x in load.answers[i])
    for contact_id, body in acked.items():
        for r in readers:
            assert assert_contact_response(r.get(f"/v1/contacts/{contact_id}")) == body
    listed = [c for c in list_all(tenant.client) if (c["external_id"] or "").startswith("post-")]
    ids = [c["id"] for c in listed]
    assert len(ids) == len(set(ids))
    assert set(acked) <= set(ids), f"{len(set(acked) - set(ids))} acknowledged POSTs missing"
    phantoms = [c["external_id"] for c in listed if c["external_id"] not in sent]
    assert not phantoms, f"contacts nobody sent: {phantoms[:3]}"
