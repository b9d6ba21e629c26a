"""Several servers, one PostgreSQL database: two contactsd processes behind an imaginary load
balancer. No update is lost (each contact's final version is 1 + the number of successful
PATCHes), unique keys hold across both (of two racing creates of one email through different
servers, exactly one wins), and credits are never spent twice by racing unlocks (the
`prospects` model). Runs only with CONTACTSD_TEST_DB=postgresql://...; the SQLite variant is
test_concurrency.py's two-processes test (and, for unlocks, test_prospects_unlock.py's)."""

import json
import uuid

import pytest

from contactsd_harness import Client, FeedFollower, assert_contact_response, assert_error, \
    assert_status, fresh_pg_database, list_all, pg_base_url, query_db, run_together, settle_feed
import test_prospects_common as prospects

pytestmark = pytest.mark.skipif(pg_base_url() is None,
                                reason="needs CONTACTSD_TEST_DB=postgresql://... (make test sets it)")


@pytest.fixture
def two_servers(make_server):
    """Two processes on one fresh database, each with its own small pool."""
    db = fresh_pg_database()
    a = make_server(db_url=db, name="a", threads=4)
    b = make_server(db_url=db, name="b", threads=4)
    assert a.backend == b.backend == "postgresql"
    return a, b


def test_concurrent_patches_through_two_servers_lose_no_update(two_servers):
    a, b = two_servers
    t = a.tenant()
    contacts = [t.create_contact({"first_name": f"c{k}", "company": "start"}) for k in range(3)]
    servers, per_thread = [a, b] * 4, 12
    results = [[] for _ in servers]  # (contact index, status, body)

    def worker(i, barrier):
        client = Client(servers[i].base_url, f"Bearer {t.secret}")
        barrier.wait()
        for j in range(per_thread):
            k = (i + j) % len(contacts)
            r = client.patch(f"/v1/contacts/{contacts[k]['id']}",
                             {"first_name": f"w{i}-{j}", "company": f"s{i % 2}"})
            results[i].append((k, r.status_code, r.text))
        client.close()

    run_together(len(servers), worker)
    flat = [x for r in results for x in r]
    bad = [(s, body[:200]) for _, s, body in flat if s != 200]
    assert not bad, f"{len(bad)} of {len(flat)} PATCHes failed, e.g. {bad[:3]}"
    for k, c in enumerate(contacts):
        mine = [json.loads(body) for kk, _, body in flat if kk == k]
        versions = sorted(body["version"] for body in mine)
        assert versions == list(range(2, 2 + len(mine))), \
            f"contact {k}: each PATCH must get its own version (no lost or merged updates)"
        # Read back through both servers: the same, final state.
        final_a = t.get_contact(c["id"])
        final_b = assert_contact_response(
            Client(b.base_url, f"Bearer {t.secret}").get(f"/v1/contacts/{c['id']}"))
        assert final_a == final_b
        assert final_a["version"] == 1 + len(mine)
        assert final_a == max(mine, key=lambda body: body["version"])


def test_racing_creates_of_one_email_through_two_servers_let_exactly_one_win(two_servers):
    a, b = two_servers
    t = a.tenant()
    for round_ in range(8):
        email = f"race{round_}@example.com"
        results = [None, None]

        def worker(i, barrier):
            client = Client((a, b)[i].base_url, f"Bearer {t.secret}")
            barrier.wait()
            r = client.post("/v1/contacts", {"email": email, "first_name": f"s{i}"})
            results[i] = (r.status_code, r)
            client.close()

        run_together(2, worker)
        assert sorted(s for s, _ in results) == [201, 409], [(s, r.text) for s, r in results]
        loser = next(r for s, r in results if s == 409)
        assert_error(loser, 409, "duplicate", {"email": "duplicate"})
    holders = [c["email"] for c in list_all(t.client)]
    assert sorted(holders) == sorted(f"race{r}@example.com" for r in range(8))


def test_racing_patches_into_one_email_through_two_servers_let_exactly_one_win(two_servers):
    a, b = two_servers
    t = a.tenant()
    n = 6
    contacts = [t.create_contact({"first_name": f"p{i}"}) for i in range(n)]
    statuses = [None] * n

    def worker(i, barrier):
        client = Client((a, b)[i % 2].base_url, f"Bearer {t.secret}")
        barrier.wait()
        statuses[i] = client.patch(f"/v1/contacts/{contacts[i]['id']}",
                                   {"email": "one@example.com"}).status_code
        client.close()

    run_together(n, worker)
    assert sorted(statuses) == [200] + [409] * (n - 1)
    holders = [c for c in list_all(t.client) if c["email"] == "one@example.com"]
    assert len(holders) == 1 and holders[0]["version"] == 2


def test_a_key_revoked_through_one_server_is_refused_by_the_other(two_servers):
    a, b = two_servers
    t = a.tenant()
    other = b.client(f"Bearer {t.secret}")
    assert other.get("/v1/contacts").status_code == 200
    p = a.run_cli("key", "revoke", t.key["id"])
    assert p.returncode == 0, p.stderr
    assert other.get("/v1/contacts").status_code == 401


@pytest.fixture
def two_prospects_servers(make_server):
    """Two `prospects` processes on one fresh database, and an internal org to fill it."""
    db = fresh_pg_database()
    a = make_server("prospects", db_url=db, name="pa", threads=4)
    b = make_server("prospects", db_url=db, name="pb", threads=4)
    assert a.backend == b.backend == "postgresql"
    return a, b, a.tenant(plan="internal")


def _unlock_statuses(servers, secret, contact_ids):
    """Unlocks contact_ids[i] through servers[i], all at once; returns (status, body) each."""
    results = [None] * len(servers)

    def worker(i, barrier):
        client = Client(servers[i].base_url, f"Bearer {secret}")
        barrier.wait()
        r = client.post(f"{prospects.BASE}/{contact_ids[i]}/unlock")
        results[i] = (r.status_code, r)
        client.close()

    run_together(len(servers), worker)
    return results


def test_racing_unlocks_through_two_servers_spend_credits_once(two_prospects_servers):
    a, b, ops = two_prospects_servers
    for round_ in range(3):
        contact = prospects.create(ops, {**prospects.FULL, "unlock_cost": 3})
        customer = a.tenant(plan="free", credits=10)
        servers = [a, b] * 8
        results = _unlock_statuses(servers, customer.secret, [contact["id"]] * len(servers))
        bodies = [prospects.prospect(r) for _, r in results]
        assert all(body == bodies[0] for body in bodies), f"round {round_}: one unlock for all"
        assert bodies[0]["_access"]["credits_spent"] == 3
        assert bodies[0]["email"] == prospects.FULL["email"]
        # Spent exactly once, as both servers and the CLI see it.
        assert prospects.credits(a, customer) == 7
        assert prospects.credits(b, customer) == 7
        seen_by_b = prospects.prospect(
            Client(b.base_url, f"Bearer {customer.secret}").get(
                f"{prospects.BASE}/{contact['id']}"))
        assert seen_by_b == bodies[0]


def test_credits_for_one_unlock_buy_one_of_two_contacts_across_two_servers(
        two_prospects_servers):
    a, b, ops = two_prospects_servers
    for round_ in range(6):
        first = prospects.create(ops, {**prospects.FULL, "unlock_cost": 3})
        second = prospects.create(ops, {**prospects.FULL, "unlock_cost": 3})
        customer = b.tenant(plan="free", credits=3)
        results = _unlock_statuses([a, b], customer.secret, [first["id"], second["id"]])
        assert sorted(s for s, _ in results) == [200, 402], \
            f"round {round_}: {[(s, r.text[:200]) for s, r in results]}"
        loser = next(r for s, r in results if s == 402)
        assert_error(loser, 402, "insufficient_credits")
        assert prospects.credits(a, customer) == 0
        unlocked = [prospects.get(customer, c["id"])["_access"]["is_unlocked"]
                    for c in (first, second)]
        assert unlocked == [s == 200 for s, _ in results]


# Commits whose event's seq is lower than that of an event committed before them: what a reader
# that resumed from the highest seq it had seen would have skipped (docs/events.md). Needs the
# cluster's track_commit_timestamp (scripts/pg-cluster.sh turns it on).
OUT_OF_ORDER_COMMITS = """
SELECT count(*) FROM (
  SELECT pg_xact_commit_timestamp(xmin) AS committed,
         min(pg_xact_commit_timestamp(xmin)) OVER (
           ORDER BY seq DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS first_later
  FROM events WHERE org_id = '{org}') AS e
WHERE committed > first_later"""


def test_a_feed_reader_sees_every_write_through_both_servers_once_despite_out_of_order_commits(
        two_servers):
    a, b = two_servers
    assert query_db(a.db_url, "SHOW track_commit_timestamp") == [("on",)], \
        "the test cluster needs track_commit_timestamp=on"
    tenant = a.tenant()
    writers_per_server, writes_each, max_rounds = 6, 25, 10
    servers = [a, b] * writers_per_server
    contacts = [tenant.create_contact({"first_name": f"W{i}"})["id"] for i in range(len(servers))]
    settle_feed()  # the reader starts after the creates (the creates are no part of the test)
    start = assert_status(tenant.client.get("/v1/events", params={"limit": 1000}), 200)
    cursor = start["next_cursor"]
    reader = FeedFollower(a.client(f"Bearer {tenant.secret}"), cursor)  # on server a only
    rounds = 0
    try:
        # Rounds of writers on both servers until the database shows commits out of seq order.
        while True:
            rounds += 1

            def write(i, barrier):
                client = servers[i].client(f"Bearer {tenant.secret}")
                barrier.wait()
                for _ in range(writes_each):
                    assert_contact_response(client.patch(f"/v1/contacts/{contacts[i]}",
                                                         {"notes": uuid.uuid4().hex}))
                client.close()

            run_together(len(servers), write)
            out_of_order = int(query_db(a.db_url, OUT_OF_ORDER_COMMITS.format(
                org=tenant.org_id))[0][0])
            if out_of_order > 0 or rounds == max_rounds:
                break
    finally:
        seen = reader.stop()
    assert out_of_order > 0, f"no commit out of seq order in {rounds} rounds: the test proved little"
    print(f"{out_of_order} commits out of seq order in {rounds} round(s) of writes")
    versions = range(2, rounds * writes_each + 2)
    got = sorted((e["contact_id"], e["data"]["version"]) for e in seen)
    assert got == sorted((cid, v) for cid in contacts for v in versions), \
        f"{len(seen)} events seen, {len(contacts) * len(versions)} written"
    assert len({e["id"] for e in seen}) == len(seen)


def test_racing_upserts_of_one_key_through_two_servers_make_one_contact(two_servers):
    a, b = two_servers
    t = a.tenant()
    n = 20
    results = [None] * n

    def worker(i, barrier):
        client = Client((a, b)[i % 2].base_url, f"Bearer {t.secret}")
        barrier.wait()
        r = client.put("/v1/contacts/race%40example.com", {"notes": f"w{i}"},
                       params={"id_property": "email"})
        results[i] = (r.status_code, r.text)
        client.close()

    run_together(n, worker)
    statuses = sorted(s for s, _ in results)
    assert statuses == [200] * (n - 1) + [201], results
    ids = {json.loads(body)["id"] for _, body in results}
    stored = list_all(t.client)
    assert len(ids) == 1 and [c["id"] for c in stored] == list(ids)
    assert stored[0]["email"] == "race@example.com" and stored[0]["version"] == n
