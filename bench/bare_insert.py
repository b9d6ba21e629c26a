"""The machine's limit for an import: the rows contactsd wrote for one tenant (its contacts,
unique keys, search terms and each contact's created event), read from SOURCE and inserted into a fresh database
with contactsd's own schema (TARGET, made by `contactsd migrate`), with the same indexes and
nothing else: no HTTP, no JSON, no validation, and no per-row cost of a driver either. The rows
are first copied, untimed, into a staging file beside TARGET in the order contactsd writes them
(each contact's, in the contacts' order, so keys and terms land at random places of their
indexes as contactsd's do); then each transaction of TXN contacts is one `INSERT ... SELECT`
per table from a range of that copy, run inside SQLite (C) as it would run in a program of its
own. WAL mode with synchronous=FULL (contactsd's default) and contactsd's writer's page cache.
Only the inserts and commits are timed. SQLite's own checkpoints run as it commits, on its one
thread (contactsd's run beside its writer): without them the WAL grows to gigabytes and every
page read searches it, slower still.

TABLES (default all four) names the tables to fill, to see what each costs: e.g.
`contacts,events` is the rows and their events alone.

usage: bare_insert.py SOURCE.db TARGET.db ORG_ID [TXN] [TABLES]
prints {"contacts": N, "seconds": S, "contacts_per_s": R, "txn": TXN, "tables": [...]}
"""

import json
import os
import sqlite3
import sys
import time

source_path, target_path, org = sys.argv[1], sys.argv[2], sys.argv[3]
txn = int(sys.argv[4]) if len(sys.argv) > 4 else 5000
# Written in this order in each transaction, as contactsd's import does (the event first).
ALL = ("events", "contacts", "contact_keys", "contact_terms")
tables = [t for t in ALL if t in (sys.argv[5].split(",") if len(sys.argv) > 5 else ALL)]
# Each table's column naming the contact.
CONTACT_OF = {"contacts": "id", "contact_keys": "contact_id", "contact_terms": "contact_id",
              "events": "contact_id"}

stage_path = target_path + ".stage"
for leftover in (stage_path, stage_path + "-journal"):
    if os.path.exists(leftover):
        os.remove(leftover)

db = sqlite3.connect(target_path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("PRAGMA cache_size=-16384")  # contactsd's writer: 16 MiB
db.execute("ATTACH ? AS src", (f"file:{source_path}?mode=ro",))
db.execute("ATTACH ? AS stage", (stage_path,))


def columns(table):
    return [r[1] for r in db.execute(f"PRAGMA src.table_info({table})")]


cols = {t: ", ".join(columns(t)) for t in ALL}
# Untimed: each contact's ordinal (n), and every table's rows in the order of n, so that a
# transaction's rows are one rowid range of the staging copy.
db.execute("CREATE TABLE stage.ord AS SELECT id, row_number() OVER (ORDER BY id) AS n "
           "FROM src.contacts WHERE org_id = ?", (org,))
db.execute("CREATE UNIQUE INDEX stage.ord_id ON ord (id)")
count = db.execute("SELECT count(*) FROM stage.ord").fetchone()[0]
for t in tables:
    picked = ", ".join("r." + c.strip() for c in cols[t].split(","))
    # Of the log, what an import writes: each contact's contact.created event (the source may
    # hold the events of writes measured after it, which an import's rows do not include).
    created = " AND r.type = 'contact.created'" if t == "events" else ""
    db.execute(f"CREATE TABLE stage.{t} AS SELECT o.n AS n, {picked} "
               f"FROM src.{t} AS r JOIN stage.ord AS o ON o.id = r.{CONTACT_OF[t]} "
               f"WHERE r.org_id = ?{created} ORDER BY o.n", (org,))
    db.execute(f"CREATE INDEX stage.{t}_n ON {t} (n)")
ranges = []
for start in range(1, count + 1, txn):
    end = min(start + txn - 1, count)
    ranges.append({t: db.execute(f"SELECT min(rowid), max(rowid) FROM stage.{t} "
                                 f"WHERE n BETWEEN ? AND ?", (start, end)).fetchone()
                   for t in tables})

elapsed = 0.0
for chunk in ranges:
    began = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for t in tables:
        lo, hi = chunk[t]
        if lo is not None:
            db.execute(f"INSERT INTO main.{t} ({cols[t]}) SELECT {cols[t]} FROM stage.{t} "
                       f"WHERE rowid BETWEEN ? AND ?", (lo, hi))
    db.execute("COMMIT")
    elapsed += time.perf_counter() - began

db.execute("DETACH stage")
os.remove(stage_path)
print(json.dumps({"contacts": count, "seconds": round(elapsed, 3),
                  "contacts_per_s": round(count / elapsed), "txn": txn, "tables": tables}))
