#!/usr/bin/python3
"""The end of `make bench`: medians per scenario, the table, issue 8's target ratios, the RSS.

usage: summarize.py RESULTS.jsonl RSS_AFTER_SEED_KB RSS_AFTER_RUNS_KB SEED_COUNT [PEER_NOTE]
RESULTS.jsonl holds one {"scenario", "round", "result": {requests, rps, p50_ms, p99_ms,
errors[, events_per_s]}} per wrk run.
"""
import json
import statistics
import sys

LABELS = {
    "healthz": "`GET /healthz`",
    "get_contact": "`GET /v1/contacts/{id}`",
    "get_by_email": "`GET /v1/contacts/{email}?id_property=email`",
    "list_by_email": "`GET /v1/contacts?email={email}`",
    "patch_sqlite_full": "`PATCH`, SQLite FULL",
    "create_single": "`POST /v1/contacts`, SQLite FULL",
    "create_batch": "`POST /v1/contacts/batch` (1,000 creates), SQLite FULL",
    "create_batch_no_phone": "`POST /v1/contacts/batch` (1,000 creates, no phone), SQLite FULL",
    "patch_sqlite_normal": "`PATCH`, SQLite NORMAL",
    "patch_postgresql": "`PATCH`, PostgreSQL",
    "peer_sqlite_normal": "peer `PATCH`, SQLite NORMAL",
    "peer_postgresql": "peer `PATCH`, PostgreSQL",
    "feed_read": "`GET /v1/events?limit=1000` pages (2 consumers)",
    "patch_webhooks_off": "`PATCH`, SQLite FULL, webhook endpoint disabled",
    "patch_webhooks_on": "`PATCH`, SQLite FULL, every change delivered to a webhook",
    "patch_webhooks_on_local_sink": "`PATCH`, SQLite FULL, delivered, the sink at normal priority",
}


def print_targets(targets):
    """The table of targets: (label, value or None, ">=" | "<" | "<=", goal, format)."""
    print("\n| target | measured | goal | met |")
    print("|---|---|---|---|")
    for label, value, op, goal, fmt in targets:
        if value is None:
            print(f"| {label} | n/a | {op} {goal} | not measured |")
            continue
        met = {">=": value >= goal, "<": value < goal, "<=": value <= goal}[op]
        print(f"| {label} | {fmt.format(value)} | {op} {goal} | {'yes' if met else 'NO'} |")


def main():
    path, rss_seed_kb, rss_runs_kb, seed_count = sys.argv[1:5]
    peer_note = sys.argv[5] if len(sys.argv) > 5 else ""
    runs: dict[str, list[dict]] = {}
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            runs.setdefault(row["scenario"], []).append(row["result"])

    med = {}
    for name, results in runs.items():
        med[name] = {k: statistics.median(r[k] for r in results)
                     for k in ("rps", "p50_ms", "p99_ms")}
        if all("events_per_s" in r for r in results):
            med[name]["events_per_s"] = statistics.median(r["events_per_s"] for r in results)
        med[name]["errors"] = sum(r["errors"] for r in results)
        med[name]["rounds"] = len(results)

    print("| scenario | req/s | p50 | p99 | non-2xx/errors | rounds |")
    print("|---|---|---|---|---|---|")
    for name, label in LABELS.items():
        if name in med:
            m = med[name]
            print(f"| {label} | {m['rps']:,.0f} | {m['p50_ms']:.2f} ms | {m['p99_ms']:.2f} ms "
                  f"| {m['errors']} | {m['rounds']} |")
    if peer_note:
        print(f"\n{peer_note}")

    def rps(name):
        return med[name]["rps"] if name in med else None

    def ratio(a, b):
        return rps(a) / rps(b) if rps(a) is not None and rps(b) else None

    rss_seed_mib = int(rss_seed_kb) / 1024
    targets = [
        ("PATCH SQLite FULL req/s", rps("patch_sqlite_full"), ">=", 25000, "{:,.0f}"),
        ("PATCH SQLite FULL / healthz", ratio("patch_sqlite_full", "healthz"), ">=", 0.4,
         "{:.3f}"),
        ("PATCH SQLite FULL / peer SQLite NORMAL",
         ratio("patch_sqlite_full", "peer_sqlite_normal"), ">=", 5, "{:.2f}"),
        ("PATCH SQLite FULL p99 (ms)",
         med["patch_sqlite_full"]["p99_ms"] if "patch_sqlite_full" in med else None, "<", 10,
         "{:.2f}"),
        ("PATCH PostgreSQL / peer PostgreSQL", ratio("patch_postgresql", "peer_postgresql"),
         ">=", 1.5, "{:.2f}"),
        ("GET contact / healthz", ratio("get_contact", "healthz"), ">=", 0.6, "{:.3f}"),
        # Issue 16: within 1.2x and 1.3x of a GET by id, as throughput.
        ("GET by ?id_property=email / GET by id", ratio("get_by_email", "get_contact"), ">=",
         round(1 / 1.2, 3), "{:.3f}"),
        ("`?email=` list / GET by id", ratio("list_by_email", "get_contact"), ">=",
         round(1 / 1.3, 3), "{:.3f}"),
        # Issue 16: batches of 1,000 creates, as contacts/s, alone and against single POSTs.
        ("Batch create, SQLite FULL (contacts/s)",
         rps("create_batch") * 1000 if rps("create_batch") is not None else None, ">=", 50000,
         "{:,.0f}"),
        ("Batch create / single POST (contacts/s)",
         rps("create_batch") * 1000 / rps("create_single")
         if rps("create_batch") is not None and rps("create_single") else None, ">=", 10,
         "{:.1f}"),
        (f"RSS after seeding {int(seed_count):,} contacts (MiB)", rss_seed_mib, "<", 64,
         "{:.1f}"),
        ("Events read through the feed, SQLite (events/s)",
         med["feed_read"].get("events_per_s") if "feed_read" in med else None, ">=", 50000,
         "{:,.0f}"),
        # Issue 17: deliveries to a local receiver, and PATCH while they flow.
        ("Webhook deliveries, SQLite FULL (events/s)",
         med["webhook_deliveries"].get("events_per_s") if "webhook_deliveries" in med else None,
         ">=", 5000, "{:,.0f}"),
        ("PATCH with deliveries flowing / PATCH without",
         ratio("patch_webhooks_on", "patch_webhooks_off"), ">=", 0.9, "{:.3f}"),
    ]
    print_targets(targets)
    for name, label in (("patch_webhooks_on", "the sink at SCHED_IDLE (the target's)"),
                        ("patch_webhooks_on_local_sink", "the sink at normal priority")):
        flow = med.get(name + "_deliveries", {}).get("events_per_s")
        if flow is not None and ratio(name, "patch_webhooks_off") is not None:
            print(f"\nWebhooks, {label}: PATCH {ratio(name, 'patch_webhooks_off'):.3f}x of PATCH "
                  f"without, while {flow:,.0f} deliveries/s reached the sink")
    if rps("create_batch_no_phone") is not None:
        print(f"\nBatch create without phone numbers: {rps('create_batch_no_phone') * 1000:,.0f} "
              "contacts/s (the phone check's share of a create)")
    extra = ratio("patch_sqlite_normal", "patch_sqlite_full")
    if extra is not None:
        print(f"\nPATCH SQLite NORMAL / FULL = {extra:.2f}")
    print(f"server RSS: {rss_seed_mib:.1f} MiB after seeding, "
          f"{int(rss_runs_kb) / 1024:.1f} MiB after the SQLite runs")


if __name__ == "__main__":
    main()
