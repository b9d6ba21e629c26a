"""Batch writes (issue 16): POST /v1/contacts/batch {"atomic", "operations": [...]}, at most
1,000 operations. Atomic: all or nothing, or the first failing operation's error with its index
and nothing stored. Not atomic: one result per operation in request order, every failure
reported, the rest stored. Operations on one contact apply in order; each stored one records its
event. Checked against the stored contacts and the change log, not only the statuses. (Racing
upserts across two servers: test_two_servers_pg.py; idempotent batches: test_idempotency.py.)"""

import threading
import time

import pytest

from contactsd_harness import (assert_contact_shape, assert_error, assert_status, contacts_locked,
                               gauge, list_all, settle_feed)


def _batch(tenant, operations, atomic=None, **kw):
    body = {"operations": operations}
    if atomic is not None:
        body["atomic"] = atomic
    return tenant.client.post("/v1/contacts/batch", body, **kw)


def _results(resp):
    body = assert_status(resp, 200)
    assert set(body) == {"results"}, body
    for r in body["results"]:
        assert set(r) in ({"status", "contact"}, {"status", "error"}), r
        if "contact" in r:
            assert_contact_shape(r["contact"])
            assert r["status"] in (200, 201), r
        else:
            assert r["error"]["statusCode"] == r["status"], r
    return body["results"]


def _events(tenant):
    settle_feed()
    page = assert_status(tenant.client.get("/v1/events", params={"limit": 1000}), 200)
    return [(e["type"], e["contact_id"]) for e in page["data"]]


def _assert_failed_at(resp, status, index, error, fields=None):
    """The answer of a failed atomic batch: the operation's error shape, with its index."""
    body = assert_status(resp, status)
    assert body["index"] == index, body
    assert body["error"] == error and body["statusCode"] == status, body
    if fields is not None:
        assert {d["field"]: d["code"] for d in body["details"]} == fields, body
    return body


def test_a_batch_that_is_not_atomic_reports_every_result_in_order(tenant):
    taken = tenant.create_contact({"email": "taken@example.com"})
    results = _results(_batch(tenant, [
        {"op": "create", "body": {"first_name": "Ada", "email": "ada@example.com"}},
        {"op": "create", "body": {"email": "TAKEN@example.com"}},
        {"op": "create", "body": {"first_name": 7}},
        {"op": "update", "id": "ada@example.com", "id_property": "email",
         "body": {"last_name": "Lovelace"}},
        {"op": "upsert", "id": "crm/1", "id_property": "external_id", "body": {"title": "A"}},
        {"op": "archive", "id": taken["id"]},
        {"op": "bogus"},
        {"op": "update", "id": "not-a-uuid", "body": {}},
        {"op": "update", "id": "0190a0b0-0000-7000-8000-000000000000", "body": {}},
    ]))
    assert [r["status"] for r in results] == [201, 409, 400, 200, 201, 200, 400, 400, 404]
    ada = results[0]["contact"]
    assert results[3]["contact"]["id"] == ada["id"]
    assert results[3]["contact"]["last_name"] == "Lovelace" and results[3]["contact"]["version"] == 2
    dup = results[1]["error"]
    assert dup["error"] == "duplicate" and dup["details"][0]["existing_id"] == taken["id"]
    assert results[2]["error"]["details"][0]["field"] == "first_name"
    assert results[5]["contact"]["archived_at"] is not None
    assert results[6]["error"]["error"] == "invalid_operation"
    assert results[7]["error"]["error"] == "invalid_id"
    # Stored: exactly the successes, as answered.
    stored = {c["id"]: c for c in list_all(tenant.client)}
    assert set(stored) == {ada["id"], results[4]["contact"]["id"]}
    assert stored[ada["id"]] == results[3]["contact"]
    assert stored[results[4]["contact"]["id"]] == results[4]["contact"]
    assert _events(tenant) == [
        ("contact.created", taken["id"]), ("contact.created", ada["id"]),
        ("contact.updated", ada["id"]), ("contact.created", results[4]["contact"]["id"]),
        ("contact.archived", taken["id"])]


def test_an_atomic_batch_stores_all_of_it(tenant):
    results = _results(_batch(tenant, [
        {"op": "create", "body": {"email": "a@example.com", "external_id": "e-a"}},
        {"op": "update", "id": "e-a", "id_property": "external_id", "if_match": 1,
         "body": {"first_name": "A"}},
        {"op": "archive", "id": "a@example.com", "id_property": "email", "if_match": '"2"'},
    ], atomic=True))
    assert [r["status"] for r in results] == [201, 200, 200]
    final = results[2]["contact"]
    assert final["version"] == 3 and final["first_name"] == "A" and final["archived_at"]
    restored = _results(_batch(tenant, [{"op": "restore", "id": final["id"]}], atomic=True))
    assert restored[0]["contact"]["archived_at"] is None
    assert tenant.get_contact(final["id"]) == restored[0]["contact"]
    assert [t for t, _ in _events(tenant)] == [
        "contact.created", "contact.updated", "contact.archived", "contact.restored"]


@pytest.mark.parametrize("failing,status,error,index", [
    ({"op": "create", "body": {"email": "TAKEN@example.com"}}, 409, "duplicate", 2),
    ({"op": "update", "id": "first@example.com", "id_property": "email", "if_match": 7,
      "body": {}}, 412, "precondition_failed", 2),
    ({"op": "create", "body": {"phone": "nope"}}, 400, "validation_failed", 2),
    ({"op": "delete"}, 400, "invalid_operation", 2),
])
def test_an_atomic_batch_that_fails_stores_nothing(tenant, failing, status, error, index):
    tenant.create_contact({"email": "taken@example.com"})
    before, events_before = list_all(tenant.client), _events(tenant)
    resp = _batch(tenant, [
        {"op": "create", "body": {"email": "first@example.com"}},
        {"op": "update", "id": "first@example.com", "id_property": "email",
         "body": {"first_name": "F"}},
        failing,
        {"op": "create", "body": {"email": "never@example.com"}},
    ], atomic=True)
    _assert_failed_at(resp, status, index, error)
    assert list_all(tenant.client) == before
    assert _events(tenant) == events_before


def test_operations_on_one_contact_apply_in_order(tenant):
    ops = [{"op": "upsert", "id": "o@example.com", "id_property": "email",
            "body": {"notes": str(n)}} for n in range(20)]
    ops.append({"op": "archive", "id": "o@example.com", "id_property": "email"})
    results = _results(_batch(tenant, ops, atomic=False))
    assert [r["status"] for r in results] == [201] + [200] * 20
    assert [r["contact"]["version"] for r in results] == list(range(1, 22))
    c = tenant.get_contact(results[0]["contact"]["id"])
    assert c["notes"] == "19" and c["archived_at"] is not None and c["version"] == 21


def test_the_envelope_is_checked_and_nothing_is_stored(tenant):
    too_many = [{"op": "create", "body": {}}] * 1001
    assert_error(_batch(tenant, too_many), 413, "too_many_operations")
    assert_error(_batch(tenant, []), 400, "invalid_body")
    assert_error(tenant.client.post("/v1/contacts/batch", {"operations": [], "x": 1}), 400,
                 "invalid_body")
    assert_error(tenant.client.post("/v1/contacts/batch", {"atomic": "yes",
                                                           "operations": [{"op": "create"}]}),
                 400, "invalid_body")
    assert_error(tenant.client.post("/v1/contacts/batch", b"{not json"), 400, "invalid_json")
    results = _results(_batch(tenant, [
        {"op": "create"}, {"op": "create", "body": {}, "id": "x"},
        {"op": "archive", "id": "a", "body": {}}, {"op": "update", "body": {}},
        {"op": "upsert", "id": "x@example.com", "body": {}}, "create",
        {"op": "update", "id": "a", "if_match": [1], "body": {}},
    ]))
    assert [r["status"] for r in results] == [400] * 7
    assert list_all(tenant.client) == []
    assert _events(tenant) == []


def test_a_full_batch_of_1000_is_one_request(tenant):
    ops = [{"op": "create", "body": {"email": f"n{i}@example.com", "first_name": f"N{i}"}}
           for i in range(1000)]
    results = _results(_batch(tenant, ops, atomic=True))
    assert len(results) == 1000 and {r["status"] for r in results} == {201}
    stored = list_all(tenant.client, limit=100)
    assert [c["email"] for c in stored] == [f"n{i}@example.com" for i in range(1000)]
    assert stored == [r["contact"] for r in results]


def test_tenants_do_not_see_each_other(tenant, other_tenant):
    theirs = other_tenant.create_contact({"email": "x@example.com"})
    results = _results(_batch(tenant, [
        {"op": "update", "id": theirs["id"], "body": {"first_name": "Mallory"}},
        {"op": "archive", "id": "x@example.com", "id_property": "email"},
        {"op": "create", "body": {"email": "x@example.com"}},  # free in this tenant
    ]))
    assert [r["status"] for r in results] == [404, 404, 201]
    assert other_tenant.get_contact(theirs["id"]) == theirs


def test_needs_credentials(tenant):
    ops = {"operations": [{"op": "create", "body": {"email": "r@example.com"}}]}
    assert_error(tenant.server.client().post("/v1/contacts/batch", ops), 401)
    assert_error(tenant.server.client("Bearer sk_live_nope").post("/v1/contacts/batch", ops), 401)
    assert list_all(tenant.client) == []


def test_batches_waiting_for_their_commit_leave_the_bulk_worker_free(tenant):
    """A batch is checked on the bulk worker, which also makes list pages; it hands the write
    over and does not wait for the commit (on PostgreSQL the wait is a write worker's). With
    every contact write held back, two batches arrive and leave the bulk queue, and a list page
    is answered while both still wait; once the lock goes, both are answered and stored."""
    server = tenant.server
    answers = []

    def send(n):
        ops = [{"op": "create", "body": {"email": f"w{n}-{i}@example.com"}} for i in range(50)]
        answers.append(_batch(tenant, ops, atomic=True))

    with contacts_locked(server):
        threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 4  # within the store's 5 s wait for the lock
        # Both batches have arrived (this scrape is the third request in flight) and neither
        # waits for the bulk worker.
        while not (gauge(server, "contactsd_http_requests_in_flight") >= 3
                   and gauge(server, "contactsd_http_bulk_queue") == 0):
            assert time.monotonic() < deadline, "the batches did not leave the bulk queue"
            time.sleep(0.005)  # polling a condition, bounded by the deadline
        page = assert_status(tenant.client.get("/v1/contacts", params={"limit": 10}), 200)
        assert page["data"] == [] and answers == []
    for t in threads:
        t.join(30)
    assert len(answers) == 2
    for resp in answers:
        assert [r["status"] for r in _results(resp)] == [201] * 50
    emails = {c["email"] for c in list_all(tenant.client, limit=100)}
    assert emails == {f"w{n}-{i}@example.com" for n in range(2) for i in range(50)}
