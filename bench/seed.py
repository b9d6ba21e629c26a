#!/usr/bin/python3
"""Seeds N contacts through the API (keep-alive, a few threads) and writes their ids."""
import concurrent.futures
import sys

import requests

base, key, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


def seed(worker: int, n: int) -> list[str]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    ids = []
    for i in range(n):
        k = worker * 1_000_000 + i
        r = session.post(f"{base}/v1/contacts", json={
            "first_name": f"First{k}", "last_name": f"Last{k}",
            "email": f"person{k}@example.com", "phone": "+14155552671",
            "company": "Example Corp", "title": "Engineer", "tags": ["seed", f"w{worker}"],
            "notes": "seeded for the benchmark " * 8, "external_id": f"ext-{k}"})
        r.raise_for_status()
        ids.append(r.json()["id"])
    return ids


workers = 4
with concurrent.futures.ThreadPoolExecutor(workers) as pool:
    parts = pool.map(seed, range(workers), [count // workers] * workers)
with open(out, "w") as f:
    for part in parts:
        f.write("\n".join(part) + "\n")
