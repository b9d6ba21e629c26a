"""The crash matrix: kill -9 the server at random points under each kind of write, restart it
on the same database, and check that nothing acknowledged was lost and nothing half-applied.

    /usr/bin/python3 tests/crash/crash_matrix.py [--kills 5] [--seed N] [--only patch,mixed]
    CONTACTSD_TEST_DB=postgresql://... /usr/bin/python3 tests/crash/crash_matrix.py

Each scenario gets a fresh database and runs --kills rounds. A round: 8 clients write (each
to contacts of its own, one request after another) until every client has at least
MIN_ACKS answers, then the server gets SIGKILL at a random moment (the seed is printed; the
same seed gives the same delays) or, in `checkpoint`, the moment its WAL checkpointer is seen
at work. Then:

- SQLite: the file is opened read-only (nothing has touched it since the kill) and
  `PRAGMA integrity_check` must say ok;
- a new server on the same database must serve every contact a client wrote, each in a state
  the writes allow: a client's writes to one contact are sequential, so the stored state is
  the one after the last acknowledged write or after one of the writes sent after it (sent,
  committed, not yet answered when the kill landed), never anything else: not older than
  what was acknowledged, not a mix of two writes (the version must match the value);
- each of those contacts has exactly one event per stored version in its history (none for a
  write that did not commit, none missing for one that did), the newest showing it as stored;
- the next round runs on that restarted server, so recovery is itself crashed into.

Scenarios (the write paths that exist today; each later feature adds its own: batches,
imports, webhook delivery, event pruning):

  patch       PATCH of `notes` with a counter, and `version` = counter + 1
  create      POST of new contacts: each acknowledged 201 must be stored with its values
  mixed       per client, in a loop: POST, PATCH, PATCH, DELETE (which archives in the
              `standard` model: the contact stays, with `archived_at` and a new version)
  checkpoint  PATCH with ~4 KB values, so that the WAL checkpointer copies pages often; the
              kill lands while its thread is seen outside its wait (/proc/PID/task/TID/syscall)
              (SQLite only)

On PostgreSQL (CONTACTSD_TEST_DB set) `patch`, `create` and `mixed` run; the server is
killed, not the database. Prints one line per scenario with its counts; exits 1 on any
failure. Only processes this script started are signalled, by their PID.
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from contactsd_harness import (Client, Server, binary_path, drop_test_databases,  # noqa: E402
                               pg_base_url)

CLIENTS = 8
MIN_ACKS = 20  # per client, before the kill may land
MAX_EXTRA_DELAY = 0.8  # seconds: the kill lands uniformly within this after MIN_ACKS
LOAD_TIMEOUT = 30
FUTEX = "202"  # x86-64 syscall number: the checkpointer waiting for work
BIG = "x" * 4000

@dataclass
class Track:
    """One contact's writes, in the order one client sent them: states[k] is the contact after
    write k, (notes, version, archived). Writes up to `acked` were answered with success."""
    states: list = field(default_factory=list)
    acked: int = -1

    def allowed(self) -> list:
        return self.states[max(self.acked, 0):]


class Failure(Exception):
    pass


class Round:
    """The writes of one round, shared by its client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tracks: dict[str, Track] = {}
        self.acks = [0] * CLIENTS
        self.errors: list[str] = []
        self.stop = threading.Event()

    def acked_writes(self) -> int:
        return sum(self.acks)


def write(rnd: Round, i: int, track: Track | None, state, send) -> dict | None:
    """Sends one write whose success leaves the contact in `state`: appends the state before
    sending (it may be committed even if no answer comes), marks it acknowledged on success.
    Returns the answer's JSON, or None when the server is gone (the round is over)."""
    if track is not None:
        track.states.append(state)
    try:
        r = send()
    except Exception:  # noqa: BLE001 - the kill landed under this request
        rnd.stop.set()
        return None
    if r.status_code not in (200, 201, 204):
        rnd.errors.append(f"client {i}: {r.request.method} answered {r.status_code}: "
                          f"{r.text[:200]}")
        rnd.stop.set()
        return None
    body = r.json() if r.content else {}
    if track is not None:
        track.acked = len(track.states) - 1
    rnd.acks[i] += 1
    return body


def state_of(body: dict) -> tuple:
    return body.get("notes"), body.get("version"), body.get("archived_at") is not None


def answered_as_sent(rnd: Round, i: int, body: dict, state) -> bool:
    if state_of(body) != state:
        got = state_of(body)
        rnd.errors.append(f"client {i}: answered {got[0]!r:.20} v{got[1]} archived {got[2]}, "
                          f"expected {state[0]!r:.20} v{state[1]} archived {state[2]}")
        rnd.stop.set()
        return False
    return True


def patch_client(rnd: Round, i: int, client: Client, value: str = ""):
    created = write(rnd, i, None, None, lambda: client.post("/v1/contacts", {"notes": "0"}))
    if created is None:
        return
    cid = created["id"]
    track = Track(states=[("0", 1, False)], acked=0)
    with rnd.lock:
        rnd.tracks[cid] = track
    n = 0
    while not rnd.stop.is_set():
        n += 1
        state = (f"{n}{value}", n + 1, False)
        body = write(rnd, i, track, state,
                     lambda: client.patch(f"/v1/contacts/{cid}", {"notes": state[0]}))
        if body is None or not answered_as_sent(rnd, i, body, state):
            return


def create_client(rnd: Round, i: int, client: Client):
    n = 0
    while not rnd.stop.is_set():
        n += 1
        state = (f"c{i}-{n}", 1, False)
        body = write(rnd, i, None, None,
                     lambda: client.post("/v1/contacts", {"notes": state[0]}))
        if body is None or not answered_as_sent(rnd, i, body, state):
            return
        with rnd.lock:
            rnd.tracks[body["id"]] = Track(states=[state], acked=0)


def mixed_client(rnd: Round, i: int, client: Client):
    n = 0
    while not rnd.stop.is_set():
        n += 1
        first = (f"m{i}-{n}", 1, False)
        body = write(rnd, i, None, None, lambda: client.post("/v1/contacts", {"notes": first[0]}))
        if body is None or not answered_as_sent(rnd, i, body, first):
            return
        cid = body["id"]
        track = Track(states=[first], acked=0)
        with rnd.lock:
            rnd.tracks[cid] = track
        for k in (2, 3):
            state = (f"m{i}-{n}-{k}", k, False)
            body = write(rnd, i, track, state,
                         lambda: client.patch(f"/v1/contacts/{cid}", {"notes": state[0]}))
            if body is None or not answered_as_sent(rnd, i, body, state):
                return
        # DELETE archives in this model: the contact stays, with `archived_at` and a version.
        archived = (f"m{i}-{n}-3", 4, True)
        body = write(rnd, i, track, archived, lambda: client.delete(f"/v1/contacts/{cid}"))
        if body is None or not answered_as_sent(rnd, i, body, archived):
            return


def checkpoint_client(rnd: Round, i: int, client: Client):
    patch_client(rnd, i, client, value=BIG)


SCENARIOS = {
    "patch": (patch_client, False),
    "create": (create_client, False),
    "mixed": (mixed_client, False),
    "checkpoint": (checkpoint_client, True),  # (client loop, SQLite only)
}


def checkpointer_tid(pid: int) -> str | None:
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            if (task / "comm").read_text().strip() == "sqlite-ckpt":
                return task.name
        except OSError:
            continue
    return None


def kill_when_checkpointing(srv: Server, timeout: float) -> bool:
    """SIGKILL as soon as the checkpointer thread is seen outside its futex wait (copying
    pages or syncing them); False when it never was within `timeout` (the server is then
    killed anyway)."""
    tid = checkpointer_tid(srv.proc.pid)
    syscall = Path(f"/proc/{srv.proc.pid}/task/{tid}/syscall") if tid else None
    deadline = time.monotonic() + timeout
    while syscall is not None and time.monotonic() < deadline:
        try:
            now = syscall.read_text().split()[0]
        except (OSError, IndexError):
            break
        if now != FUTEX:
            srv.signal(signal.SIGKILL)
            return True
    srv.signal(signal.SIGKILL)
    return False


def integrity(srv: Server) -> list:
    path = srv.db_url[len("sqlite:"):]
    con = sqlite3.connect("file:" + urllib.parse.quote(path) + "?mode=ro", uri=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()


def stored(client: Client, cid: str) -> dict:
    r = client.get(f"/v1/contacts/{cid}")
    if r.status_code != 200:
        raise Failure(f"GET {cid} after the restart answered {r.status_code}: {r.text[:200]}")
    return r.json()


def check_history(client: Client, cid: str, contact: dict):
    """The change log after the restart: one event per committed version of the contact, no
    more (none for a write that did not commit) and no fewer (every acknowledged write has
    its event), the newest showing the contact as stored."""
    r = client.get(f"/v1/contacts/{cid}/history", params={"limit": 1000})
    if r.status_code != 200:
        raise Failure(f"history of {cid} after the restart answered {r.status_code}")
    events = r.json()["data"]
    versions = [e["data"]["version"] for e in events]
    if versions != list(range(contact["version"], 0, -1)):
        raise Failure(f"contact {cid} at version {contact['version']} has events for "
                      f"versions {versions[:12]}")
    if events[0]["data"] != contact:
        raise Failure(f"contact {cid}: its newest event shows {events[0]['data']!r:.80}")


@dataclass
class Counts:
    kills: int = 0
    acked_writes: int = 0
    contacts_checked: int = 0
    in_flight_applied: int = 0  # stored state after a write that was sent, not answered
    events_checked: int = 0  # events found one for one with the stored versions
    integrity_ok: int = 0
    mid_checkpoint: int = 0


def run_round(srv: Server, key: str, loop, rng: random.Random, checkpoint: bool,
              counts: Counts) -> Round:
    rnd = Round()
    clients = [Client(srv.base_url, f"Bearer {key}") for _ in range(CLIENTS)]
    threads = [threading.Thread(target=loop, args=(rnd, i, clients[i]), daemon=True)
               for i in range(CLIENTS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + LOAD_TIMEOUT
    while min(rnd.acks) < MIN_ACKS and not rnd.errors and time.monotonic() < deadline:
        time.sleep(0.005)
    if rnd.errors or min(rnd.acks) < MIN_ACKS:
        srv.kill()
        raise Failure(f"before the kill: {rnd.errors[:3] or f'too few answers {rnd.acks}'}")
    if checkpoint:
        if kill_when_checkpointing(srv, timeout=LOAD_TIMEOUT):
            counts.mid_checkpoint += 1
    else:
        rnd.stop.wait(rng.uniform(0, MAX_EXTRA_DELAY))
        srv.signal(signal.SIGKILL)
    srv.proc.wait(10)
    rnd.stop.set()
    for t in threads:
        t.join(15)
    for c in clients:
        c.close()
    if any(t.is_alive() for t in threads):
        raise Failure("a client hung after the kill")
    if rnd.errors:
        raise Failure(f"writes failed before the kill: {rnd.errors[:3]}")
    counts.kills += 1
    counts.acked_writes += rnd.acked_writes()
    return rnd


def check_round(srv: Server, key: str, rnd: Round, counts: Counts):
    client = Client(srv.base_url, f"Bearer {key}")
    try:
        for cid, track in rnd.tracks.items():
            contact = stored(client, cid)
            check_history(client, cid, contact)
            counts.events_checked += contact["version"]
            now = state_of(contact)
            allowed = track.allowed()
            if now not in allowed:
                raise Failure(f"contact {cid}: stored {now!r:.60}; the writes allow only "
                              f"{[(s[0][:20], s[1], s[2]) for s in allowed]}")
            counts.contacts_checked += 1
            if now != allowed[0]:
                counts.in_flight_applied += 1
    finally:
        client.close()


def run_scenario(name: str, binary: Path, work: Path, kills: int, rng: random.Random) -> Counts:
    loop, checkpoint = SCENARIOS[name]
    counts = Counts()
    srv = Server(binary, work / name, threads=2).start()
    try:
        key = srv.tenant().secret
        for k in range(kills):
            rnd = run_round(srv, key, loop, rng, checkpoint, counts)
            if srv.backend == "sqlite":
                result = integrity(srv)
                if result != [("ok",)]:
                    raise Failure(f"kill {k + 1}: integrity_check: {result[:5]}")
                counts.integrity_ok += 1
            srv = Server(binary, work / f"{name}-{k + 1}", db_path=srv.db_path,
                         db_url=srv.db_url, threads=2).start()
            check_round(srv, key, rnd, counts)
        if checkpoint and counts.mid_checkpoint < kills:
            raise Failure(f"the checkpointer was seen at work at only {counts.mid_checkpoint} "
                          f"of {kills} kills")
    finally:
        if srv.proc is not None and srv.proc.poll() is None:
            srv.stop()
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=5, help="kills per scenario (5)")
    ap.add_argument("--seed", type=int, default=None, help="for the kill delays")
    ap.add_argument("--only", default="", help="comma-separated scenario names")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    rng = random.Random(seed)
    postgres = pg_base_url() is not None
    names = [n for n in SCENARIOS if not args.only or n in args.only.split(",")]
    names = [n for n in names if not (postgres and SCENARIOS[n][1])]
    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"crash-matrix: {backend}, {args.kills} kills per scenario, seed {seed}", flush=True)
    failed = []
    with tempfile.TemporaryDirectory(prefix="contactsd-crash-") as tmp:
        for name in names:
            start = time.monotonic()
            try:
                c = run_scenario(name, binary_path(), Path(tmp), args.kills, rng)
            except Failure as e:
                failed.append(name)
                print(f"crash-matrix: {name}: FAILED: {e}", flush=True)
                continue
            extra = f", killed mid-checkpoint {c.mid_checkpoint}" if SCENARIOS[name][1] else ""
            integ = f", integrity_check ok {c.integrity_ok}/{c.kills}" if not postgres else ""
            print(f"crash-matrix: {name}: {c.kills} kills, {c.acked_writes:,} acknowledged "
                  f"writes, {c.contacts_checked:,} contacts checked after restarts, none lost "
                  f"or torn ({c.in_flight_applied} held a write sent but not yet answered), "
                  f"{c.events_checked:,} events one for one with the stored versions"
                  f"{integ}{extra}; {time.monotonic() - start:.1f} s", flush=True)
    if postgres:
        drop_test_databases()
    if failed:
        print(f"crash-matrix: FAILED: {', '.join(failed)} (seed {seed})", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
