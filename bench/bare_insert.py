"""The machine's limit for an import: the rows contactsd wrote for one tenant (its contacts,
unique keys, search terms and events), read from SOURCE and inserted into a fresh database
with contactsd's own schema (TARGET, made by `contactsd migrate`), with the same indexes and
nothing else: no HTTP, no JSON, no validation. The rows of TXN contacts go in per transaction
(each table's in one executemany, in the contacts' order, so keys and terms land at random
places of their indexes as contactsd's do), in WAL mode with
synchronous=FULL (contactsd's default). Only the inserts and commits are timed: the reading of
each chunk from SOURCE is not. SQLite's own checkpoints run as it commits, on its one thread
(contactsd's run beside its writer): without them the WAL grows to gigabytes and every page
read searches it, slower still (13,195 against 15,241 contacts/s at a million).

usage: bare_insert.py SOURCE.db TARGET.db ORG_ID [TXN]
prints {"contacts": N, "seconds": S, "contacts_per_s": R}
"""

import json
import sqlite3
import sys
import time

source_path, target_path, org = sys.argv[1], sys.argv[2], sys.argv[3]
txn = int(sys.argv[4]) if len(sys.argv) > 4 else 5000

src = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
dst = sqlite3.connect(target_path, isolation_level=None)
dst.execute("PRAGMA journal_mode=WAL")
dst.execute("PRAGMA synchronous=FULL")
dst.execute("PRAGMA cache_size=-16384")  # contactsd's writer: 16 MiB


def columns(table):
    return [r[1] for r in src.execute(f"PRAGMA table_info({table})")]


cols = {t: columns(t) for t in ("contacts", "contact_keys", "contact_terms", "events")}
inserts = {t: f"INSERT INTO {t} ({', '.join(c)}) VALUES ({', '.join('?' * len(c))})"
           for t, c in cols.items()}

ids = [r[0] for r in src.execute("SELECT id FROM contacts WHERE org_id = ? ORDER BY id", (org,))]
elapsed = 0.0
for start in range(0, len(ids), txn):
    chunk = ids[start:start + txn]
    lo, hi = chunk[0], chunk[-1]
    rows = {}
    for table, key in (("contacts", "id"), ("contact_keys", "contact_id"),
                       ("contact_terms", "contact_id"), ("events", "contact_id")):
        by = {}
        for r in src.execute(f"SELECT {', '.join(cols[table])} FROM {table} "
                             f"WHERE org_id = ? AND {key} BETWEEN ? AND ?", (org, lo, hi)):
            by.setdefault(r[cols[table].index(key)], []).append(r)
        rows[table] = by
    ordered = {t: [r for cid in chunk for r in rows[t].get(cid, ())] for t in rows}
    began = time.perf_counter()
    dst.execute("BEGIN IMMEDIATE")
    for table in ("events", "contacts", "contact_keys", "contact_terms"):
        dst.executemany(inserts[table], ordered[table])
    dst.execute("COMMIT")
    elapsed += time.perf_counter() - began

print(json.dumps({"contacts": len(ids), "seconds": round(elapsed, 3),
                  "contacts_per_s": round(len(ids) / elapsed)}))
