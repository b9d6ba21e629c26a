#!/usr/bin/python3
"""The end of `make bench-scale`: the table and issue 18's targets.

usage: summarize_scale.py RESULTS.jsonl TENTH TOTAL
RESULTS.jsonl holds wrk runs ({"scenario", "round", "result": {rps, p50_ms, p99_ms, errors}})
and the imports, exports and the bare insert ({"scenario", "contacts_per_s"[, "peak_rss_kb"]}).
"""
import json
import statistics
import sys

from summarize import print_targets


def main():
    path, tenth, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    runs: dict[str, list[dict]] = {}
    flows: dict[str, dict] = {}
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            if "result" in row:
                runs.setdefault(row["scenario"], []).append(row["result"])
            else:
                flows[row["scenario"]] = row
    med = {name: {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_ms", "p99_ms")}
           | {"errors": sum(r["errors"] for r in rs)} for name, rs in runs.items()}

    print("| measure | at %s | at %s | slowdown |" % (f"{tenth:,}", f"{total:,}"))
    print("|---|---|---|---|")
    labels = [("get", "`GET /v1/contacts/{id}` req/s"), ("patch", "`PATCH` req/s"),
              ("email", "`GET /v1/contacts?email=` req/s"),
              ("list", "`GET /v1/contacts?updated_since=&order=updated_at&limit=100` req/s")]
    ratios = {}
    for key, label in labels:
        small, large = med.get(f"{key}@{tenth}"), med.get(f"{key}@{total}")
        if small and large:
            ratios[key] = small["rps"] / large["rps"]
            print(f"| {label} (p99) | {small['rps']:,.0f} ({small['p99_ms']:.2f} ms) | "
                  f"{large['rps']:,.0f} ({large['p99_ms']:.2f} ms) | {ratios[key]:.2f} |")
    ex_small, ex_large = flows.get(f"export@{tenth}"), flows.get(f"export@{total}")
    if ex_small and ex_large:
        ratios["export"] = ex_small["contacts_per_s"] / ex_large["contacts_per_s"]
        print(f"| export, contacts/s (peak RSS) | {ex_small['contacts_per_s']:,} "
              f"({ex_small['peak_rss_kb'] / 1024:.0f} MiB) | {ex_large['contacts_per_s']:,} "
              f"({ex_large['peak_rss_kb'] / 1024:.0f} MiB) | {ratios['export']:.2f} |")
    for name, flow in flows.items():
        if name.startswith("export@"):
            continue
        rss = f", peak RSS {flow['peak_rss_kb'] / 1024:.0f} MiB" if "peak_rss_kb" in flow else ""
        print(f"\n{name}: {flow['contacts_per_s']:,} contacts/s{rss}")
    errors = sum(m["errors"] for m in med.values())
    if errors:
        print(f"\nnon-2xx or socket errors in the wrk runs: {errors}")

    imp = flows.get(f"import@{total}")
    bare = flows.get("bare sqlite insert")
    pg = flows.get(f"postgresql import@{tenth}")
    peak = max((f.get("peak_rss_kb", 0) for f in flows.values()), default=0) / 1024
    targets = [
        ("Import over HTTP NDJSON, SQLite FULL (contacts/s)",
         imp and imp["contacts_per_s"], ">=", 100000, "{:,.0f}"),
        ("Import / bare SQLite insert of the same rows",
         imp and bare and imp["contacts_per_s"] / bare["contacts_per_s"], ">=", 0.5, "{:.2f}"),
        ("Export (contacts/s)", ex_large and ex_large["contacts_per_s"], ">=", 200000, "{:,.0f}"),
        ("Peak RSS during imports and exports (MiB)", peak, "<", 128, "{:.0f}"),
        ("PostgreSQL import (contacts/s)", pg and pg["contacts_per_s"], ">=", 30000, "{:,.0f}"),
    ] + [(f"{key} at {total:,} / at {tenth:,} (slowdown)", r, "<=", 1.25, "{:.2f}")
         for key, r in ratios.items()]
    print_targets(targets)

if __name__ == "__main__":
    main()
