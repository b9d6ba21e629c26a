"""Idempotency-Key (issue 16; the IETF httpapi draft's header, Stripe's semantics) on POST,
PATCH, PUT, DELETE, restore and batch: the first answer is stored in the transaction of its
write; a repeat replays it byte for byte with `Idempotent-Replayed: true` and writes nothing;
the key with another request is a 422; a repeat while the first runs is a 409; a request that
fails before writing stores nothing. Checked against the stored contacts and the change log.
Runs on SQLite and, with CONTACTSD_TEST_DB, on PostgreSQL."""

import signal
import socket
import threading
import time
import uuid

import pytest

from contactsd_harness import (assert_contact_response, assert_error, assert_status,
                               contacts_locked, list_all, query_db, settle_feed)


def _key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _events(tenant):
    settle_feed()
    page = assert_status(tenant.client.get("/v1/events", params={"limit": 1000}), 200)
    return [e["type"] for e in page["data"]]


def _assert_replay(first, again):
    assert again.status_code == first.status_code
    assert again.content == first.content  # byte for byte
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    for name in ("ETag", "Location", "Content-Type"):
        assert again.headers.get(name) == first.headers.get(name), name


def test_a_repeated_create_replays_the_first_answer_and_creates_once(tenant):
    key = _key()
    first = tenant.client.post("/v1/contacts", {"email": "a@example.com"}, headers=key)
    created = assert_contact_response(first, 201)
    again = tenant.client.post("/v1/contacts", {"email": "a@example.com"}, headers=key)
    _assert_replay(first, again)
    # The draft writes the key as a quoted string; it names the same key.
    quoted = {"Idempotency-Key": f'"{key["Idempotency-Key"]}"'}
    _assert_replay(first, tenant.client.post("/v1/contacts", {"email": "a@example.com"},
                                             headers=quoted))
    assert list_all(tenant.client) == [created]
    assert _events(tenant) == ["contact.created"]


def test_each_write_replays_without_writing_again(tenant):
    c = tenant.create_contact({"email": "w@example.com"})
    one = f"/v1/contacts/{c['id']}"
    patch_key, delete_key, restore_key, put_key = _key(), _key(), _key(), _key()
    patched = tenant.client.patch(one, {"first_name": "P"}, headers=patch_key)
    assert assert_contact_response(patched)["version"] == 2
    _assert_replay(patched, tenant.client.patch(one, {"first_name": "P"}, headers=patch_key))
    archived = tenant.client.delete(one, headers=delete_key)
    assert assert_contact_response(archived)["archived_at"] is not None
    restored = tenant.client.post(one + "/restore", headers=restore_key)
    assert assert_contact_response(restored)["archived_at"] is None
    # The DELETE's key answers as it did, and the contact stays restored.
    _assert_replay(archived, tenant.client.delete(one, headers=delete_key))
    _assert_replay(restored, tenant.client.post(one + "/restore", headers=restore_key))
    upsert = "/v1/contacts/u%40example.com?id_property=email"
    put = tenant.client.put(upsert, {"title": "U"}, headers=put_key)
    assert_contact_response(put, 201)
    _assert_replay(put, tenant.client.put(upsert, {"title": "U"}, headers=put_key))
    assert tenant.get_contact(c["id"])["version"] == 4
    assert len(list_all(tenant.client)) == 2
    assert _events(tenant) == ["contact.created", "contact.updated", "contact.archived",
                               "contact.restored", "contact.created"]


def test_a_batch_replays_its_results(tenant):
    key = _key()
    body = {"atomic": False, "operations": [
        {"op": "create", "body": {"email": "b1@example.com"}},
        {"op": "create", "body": {"email": "bad"}}]}
    first = tenant.client.post("/v1/contacts/batch", body, headers=key)
    assert [r["status"] for r in assert_status(first, 200)["results"]] == [201, 400]
    _assert_replay(first, tenant.client.post("/v1/contacts/batch", body, headers=key))
    assert len(list_all(tenant.client)) == 1


def test_the_key_with_another_request_is_a_422(tenant):
    key = _key()
    created = assert_contact_response(
        tenant.client.post("/v1/contacts", {"email": "k@example.com"}, headers=key), 201)
    assert_error(tenant.client.post("/v1/contacts", {"email": "other@example.com"}, headers=key),
                 422, "idempotency_key_reused")
    assert_error(tenant.client.patch(f"/v1/contacts/{created['id']}", {"email": "k@example.com"},
                                     headers=key), 422, "idempotency_key_reused")
    assert_error(tenant.client.post("/v1/contacts?properties=", {"email": "k@example.com"},
                                    headers=key), 422, "idempotency_key_reused")
    assert list_all(tenant.client) == [created]


def test_keys_are_per_tenant(tenant, other_tenant):
    key = _key()
    mine = assert_contact_response(tenant.client.post("/v1/contacts", {}, headers=key), 201)
    theirs = assert_contact_response(other_tenant.client.post("/v1/contacts", {}, headers=key), 201)
    assert mine["id"] != theirs["id"]
    assert list_all(other_tenant.client) == [theirs]


def test_a_request_that_fails_before_writing_stores_nothing(tenant):
    key = _key()
    assert_error(tenant.client.post("/v1/contacts", {"email": "nope"}, headers=key), 400,
                 "validation_failed")
    taken = tenant.create_contact({"email": "t@example.com"})
    assert_error(tenant.client.post("/v1/contacts", {"email": "t@example.com"}, headers=key), 409,
                 "duplicate")
    assert_error(tenant.client.patch("/v1/contacts/0190a0b0-0000-7000-8000-000000000000", {},
                                     headers=key), 404)
    # Fixed, under the same key: a new request, answered and stored now.
    fixed = tenant.client.post("/v1/contacts", {"email": "fixed@example.com"}, headers=key)
    created = assert_contact_response(fixed, 201)
    _assert_replay(fixed, tenant.client.post("/v1/contacts", {"email": "fixed@example.com"},
                                             headers=key))
    assert {c["id"] for c in list_all(tenant.client)} == {taken["id"], created["id"]}


@pytest.mark.parametrize("value", ["", '""', "a" * 256, "caf\u00e9"])
def test_a_malformed_key_is_a_400(tenant, value):
    resp = tenant.client.post("/v1/contacts", {}, headers={"Idempotency-Key": value})
    assert_error(resp, 400, "invalid_idempotency_key")
    assert list_all(tenant.client) == []


def test_a_key_of_255_characters_is_fine(tenant):
    key = {"Idempotency-Key": "k" * 255}
    first = tenant.client.post("/v1/contacts", {}, headers=key)
    assert_contact_response(first, 201)
    _assert_replay(first, tenant.client.post("/v1/contacts", {}, headers=key))


def test_a_repeat_while_the_first_is_running_is_a_409(tenant):
    """With every contact write held back, two requests under one key: the one that claims
    the key waits for the lock; the other is told at once that the key is in use. Once the
    lock goes, the first is answered and stored, and a third replays it."""
    key = _key()
    answers = []
    done = threading.Event()

    def send():
        answers.append(tenant.client.post("/v1/contacts", {"email": "f@example.com"},
                                          headers=key))
        if len(answers) == 2:
            done.set()

    with contacts_locked(tenant.server):
        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while not answers and time.monotonic() < deadline:
            time.sleep(0.005)  # polling for the first answer, bounded
        assert answers, "no answer while the lock was held"
        assert_error(answers[0], 409, "idempotency_key_in_use")
    assert done.wait(30)
    for t in threads:
        t.join(30)
    first = answers[1]
    created = assert_contact_response(first, 201)
    _assert_replay(first, tenant.client.post("/v1/contacts", {"email": "f@example.com"},
                                             headers=key))
    assert list_all(tenant.client) == [created]


def test_a_retry_after_a_crash_between_commit_and_answer_replays_the_commit(make_server):
    """The server is killed (SIGKILL) once the write has committed, before the client has read
    a byte of the answer; the retry, on the restarted server, replays the committed answer."""
    srv = make_server(name="killed")
    tenant = srv.tenant()
    key = str(uuid.uuid4())
    body = b'{"email":"crash@example.com"}'
    head = (f"POST /v1/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.secret}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", srv.port))
    sock.sendall(head + body)
    stored = f"SELECT count(*) FROM idempotency_answers WHERE key = '{key}'"
    deadline = time.monotonic() + 30
    while query_db(srv.db_url, stored) != [("1",)] and time.monotonic() < deadline:
        time.sleep(0.005)  # polling for the commit, bounded
    assert query_db(srv.db_url, stored) == [("1",)]
    srv.signal(signal.SIGKILL)
    srv.proc.wait(10)
    sock.close()

    again = make_server(name="restarted", db_path=srv.db_path, db_url=srv.db_url)
    client = again.client(f"Bearer {tenant.secret}")
    retry = client.post("/v1/contacts", body, headers={"Idempotency-Key": key})
    created = assert_contact_response(retry, 201)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert created["email"] == "crash@example.com"
    assert list_all(client) == [created]


def test_an_answer_is_replayed_for_the_ttl_and_not_after(make_server):
    srv = make_server(name="ttl", extra_args=["--idempotency-ttl", "1s"])
    tenant = srv.tenant()
    key = str(uuid.uuid4())
    first = tenant.client.post("/v1/contacts", {}, headers={"Idempotency-Key": key})
    assert_contact_response(first, 201)
    [(created_at, expires_at)] = query_db(
        srv.db_url,
        f"SELECT created_at, expires_at FROM idempotency_answers WHERE key = '{key}'")
    assert int(expires_at) - int(created_at) == 1000
    deadline = time.monotonic() + 30
    while time.time() * 1000 <= int(expires_at) + 5 and time.monotonic() < deadline:
        time.sleep(0.01)  # waiting for the clock to pass the stored expiry, bounded
    later = tenant.client.post("/v1/contacts", {}, headers={"Idempotency-Key": key})
    assert_contact_response(later, 201)
    assert "Idempotent-Replayed" not in later.headers
    assert len(list_all(tenant.client)) == 2


def test_a_bad_ttl_is_refused_at_start(make_server):
    srv = make_server(name="badttl", start=False, extra_args=["--idempotency-ttl", "0"])
    with pytest.raises(AssertionError, match="positive duration"):
        srv.start()
