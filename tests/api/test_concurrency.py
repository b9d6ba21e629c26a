"""Concurrent writers: no lost updates, no 5xx, unique keys hold, If-Match lets one win.
The module's server runs with 4 threads so requests really overlap."""

import json
import threading

import pytest

from contactsd_harness import Client, assert_contact_response, assert_error, list_all, \
    run_together


@pytest.fixture(scope="module")
def server_threads():
    return 4




def _own_client(tenant):
    # requests.Session is not thread-safe: one per thread
    return Client(tenant.server.base_url, f"Bearer {tenant.secret}")


def test_parallel_patches_to_one_contact_lose_nothing(tenant):
    threads, per_thread = 8, 25
    c = tenant.create_contact({"first_name": "start", "company": "start"})
    results = [[] for _ in range(threads)]
    sent = set()

    def worker(t, barrier):
        client = _own_client(tenant)
        barrier.wait()
        for i in range(per_thread):
            body = {"first_name": f"t{t}-{i}", "company": f"c{t}-{i}", "tags": [f"t{t}", str(i)]}
            r = client.patch(f"/v1/contacts/{c['id']}", body)
            results[t].append((r.status_code, r.text, r.headers.get("ETag")))
        client.close()

    for t in range(threads):
        for i in range(per_thread):
            sent.add((f"t{t}-{i}", f"c{t}-{i}", (f"t{t}", str(i))))
    run_together(threads, worker)

    flat = [x for r in results for x in r]
    bad = [(s, body[:200]) for s, body, _ in flat if s != 200]
    assert not bad, f"{len(bad)} of {len(flat)} PATCHes failed, e.g. {bad[:3]}"
    versions = sorted(json.loads(body)["version"] for _, body, _ in flat)
    assert all(etag == f'"{json.loads(body)["version"]}"' for _, body, etag in flat)
    assert versions == list(range(2, 2 + threads * per_thread)), \
        "each PATCH must get its own version (no lost or merged updates)"
    final = tenant.get_contact(c["id"])
    assert final["version"] == 1 + threads * per_thread
    assert (final["first_name"], final["company"], tuple(final["tags"])) in sent, \
        "the final document must be exactly one of the sent bodies, not a mix"
    assert final["created_at"] == c["created_at"]


def test_parallel_creates_of_one_email_let_exactly_one_win(tenant):
    n = 12
    results = [None] * n

    def worker(i, barrier):
        client = _own_client(tenant)
        barrier.wait()
        r = client.post("/v1/contacts", {"email": "race@example.com", "first_name": f"r{i}"})
        results[i] = (r.status_code, r.json() if r.content else None)
        client.close()

    run_together(n, worker)
    statuses = sorted(s for s, _ in results)
    assert statuses == [201] + [409] * (n - 1), results
    assert all(b["error"] == "duplicate" for s, b in results if s == 409), results
    winner = next(b for s, b in results if s == 201)
    assert list_all(tenant.client) == [winner]


def test_parallel_creates_of_one_external_id_let_exactly_one_win(tenant):
    n = 8
    statuses = [None] * n

    def worker(i, barrier):
        client = _own_client(tenant)
        barrier.wait()
        statuses[i] = client.post("/v1/contacts", {"external_id": "ext-race"}).status_code
        client.close()

    run_together(n, worker)
    assert sorted(statuses) == [201] + [409] * (n - 1)
    assert len(list_all(tenant.client)) == 1


def test_parallel_patches_with_the_same_if_match_let_exactly_one_win(tenant):
    n = 8
    c = tenant.create_contact({"first_name": "start"})
    results = [None] * n

    def worker(i, barrier):
        client = _own_client(tenant)
        barrier.wait()
        r = client.patch(f"/v1/contacts/{c['id']}", {"first_name": f"w{i}"},
                         headers={"If-Match": '"1"'})
        results[i] = (r.status_code, r.json())
        client.close()

    run_together(n, worker)
    assert sorted(s for s, _ in results) == [200] + [412] * (n - 1), results
    winner = next(b for s, b in results if s == 200)
    assert winner["version"] == 2
    assert tenant.get_contact(c["id"]) == winner


def test_parallel_patches_into_one_email_let_exactly_one_win(tenant):
    n = 8
    contacts = [tenant.create_contact({"first_name": f"p{i}"}) for i in range(n)]
    statuses = [None] * n

    def worker(i, barrier):
        client = _own_client(tenant)
        barrier.wait()
        statuses[i] = client.patch(f"/v1/contacts/{contacts[i]['id']}",
                                   {"email": "one@example.com"}).status_code
        client.close()

    run_together(n, worker)
    assert sorted(statuses) == [200] + [409] * (n - 1)
    holders = [c for c in list_all(tenant.client) if c["email"] == "one@example.com"]
    assert len(holders) == 1 and holders[0]["version"] == 2
    losers = [c for c in list_all(tenant.client) if c["email"] is None]
    assert len(losers) == n - 1 and all(c["version"] == 1 for c in losers)


def test_parallel_tenants_do_not_see_each_other(make_tenant):
    tenants = [make_tenant() for _ in range(4)]
    created = [[] for _ in tenants]

    def worker(i, barrier):
        client = _own_client(tenants[i])
        barrier.wait()
        for j in range(10):
            r = client.post("/v1/contacts", {"email": f"shared{j}@example.com"})
            created[i].append(assert_contact_response(r, 201))
        client.close()

    run_together(len(tenants), worker)
    for t, mine in zip(tenants, created):
        assert list_all(t.client) == mine


def test_parallel_archive_and_restore_keep_a_consistent_state(tenant):
    c = tenant.create_contact({"email": "flip@example.com"})
    statuses = []
    lock = threading.Lock()

    def worker(i, barrier):
        client = _own_client(tenant)
        barrier.wait()
        for _ in range(10):
            r = (client.delete(f"/v1/contacts/{c['id']}") if i % 2 == 0
                 else client.post(f"/v1/contacts/{c['id']}/restore"))
            with lock:
                statuses.append(r.status_code)
        client.close()

    run_together(4, worker)
    assert set(statuses) == {200}, statuses
    final = tenant.get_contact(c["id"])
    listed = list_all(tenant.client)
    assert (final["archived_at"] is None) == (listed == [final])
    # a create with its email fails exactly when it is active
    r = tenant.client.post("/v1/contacts", {"email": "flip@example.com"})
    if final["archived_at"] is None:
        assert_error(r, 409, "duplicate")
    else:
        assert_contact_response(r, 201)


def test_two_server_processes_on_one_database_agree(make_server, tmp_path):
    """Two processes on one SQLite file: unique keys and versions hold across both."""
    db = tmp_path / "two.db"
    a, b = make_server(db_path=db, name="a"), make_server(db_path=db, name="b")
    t = a.tenant()
    c = t.create_contact({"first_name": "shared"})
    servers = [a, b] * 4
    create_status, patch_status = [None] * len(servers), []
    lock = threading.Lock()

    def worker(i, barrier):
        client = Client(servers[i].base_url, f"Bearer {t.secret}")
        barrier.wait()
        create_status[i] = client.post("/v1/contacts", {"email": "both@example.com"}).status_code
        for j in range(10):
            r = client.patch(f"/v1/contacts/{c['id']}", {"first_name": f"{i}-{j}"})
            with lock:
                patch_status.append(r.status_code)
        client.close()

    run_together(len(servers), worker)
    assert sorted(create_status) == [201] + [409] * (len(servers) - 1)
    assert patch_status == [200] * len(servers) * 10
    final_a = t.get_contact(c["id"])
    final_b = assert_contact_response(Client(b.base_url, f"Bearer {t.secret}")
                                      .get(f"/v1/contacts/{c['id']}"))
    assert final_a == final_b and final_a["version"] == 1 + len(servers) * 10
