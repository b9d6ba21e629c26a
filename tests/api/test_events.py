"""The change log of the `standard` model: every committed write records exactly its event, in
the same transaction; GET /v1/events is a feed a consumer resumes from its cursor without gaps
or repeats; GET /v1/contacts/{id}/history is one contact's events, newest first. Runs on the
backend of the pass (SQLite, then PostgreSQL), and reads the stored events back from the
database itself."""

import threading
import time
import uuid


from contactsd_harness import (FeedFollower, assert_contact_response, assert_error, assert_status,
                               is_timestamp, query_db, run_together, settle_feed)

EVENT_KEYS = {"id", "type", "occurred_at", "contact_id", "actor", "request_id", "changes", "data"}


def _feed_page(tenant, **params):
    settle_feed()
    page = assert_status(tenant.client.get("/v1/events", params=params), 200)
    assert set(page) == {"data", "next_cursor"}, page
    assert isinstance(page["next_cursor"], str) and page["next_cursor"], page
    for e in page["data"]:
        assert set(e) == EVENT_KEYS, e
        assert isinstance(e["id"], str) and e["id"], e
        assert is_timestamp(e["occurred_at"]), e
    return page


def _feed(tenant, after=None, **params):
    """Every event after the cursor `after`, read page by page; returns (events, cursor)."""
    events = []
    cursor = after
    while True:
        p = dict(params)
        if cursor is not None:
            p["after"] = cursor
        page = _feed_page(tenant, **p)
        cursor = page["next_cursor"]
        if not page["data"]:
            return events, cursor
        events.extend(page["data"])


def _history(tenant, contact_id, **params):
    page = assert_status(tenant.client.get(f"/v1/contacts/{contact_id}/history", params=params),
                         200)
    assert set(page) == {"data", "next_cursor"}, page
    return page


def _whole_history(tenant, contact_id, limit: int) -> list[dict]:
    """Every event of the contact's history, newest first, read page by page."""
    events, cursor = [], None
    while True:
        page = _history(tenant, contact_id, limit=limit, **({"cursor": cursor} if cursor else {}))
        events.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return events


def _stored_events(tenant) -> list[tuple]:
    """(type, contact_id, version) of every event the database holds for the tenant, in order."""
    return [(t, c, int(v)) for t, c, v in query_db(
        tenant.server.db_url,
        f"SELECT type, coalesce(contact_id, ''), version FROM events "
        f"WHERE org_id = '{tenant.org_id}' ORDER BY seq")]


def _summary(events):
    return [(e["type"], e["contact_id"] or "", e["data"].get("version", 1)) for e in events]


def test_each_write_records_exactly_its_event(tenant):
    rid = f"req-{uuid.uuid4().hex[:12]}"
    c = assert_contact_response(tenant.client.post(
        "/v1/contacts", {"first_name": "Ada", "email": "ada@example.com", "tags": ["a"]},
        headers={"X-Request-Id": rid}), 201)
    cid = c["id"]
    patched = assert_contact_response(tenant.client.patch(
        f"/v1/contacts/{cid}", {"first_name": "Augusta", "last_name": "King"}))
    # Sending what is stored changes nothing and records nothing.
    assert assert_contact_response(tenant.client.patch(
        f"/v1/contacts/{cid}", {"first_name": "Augusta"}))["version"] == 2
    assert_status(tenant.client.delete(f"/v1/contacts/{cid}"), 200)
    archived = tenant.get_contact(cid)
    # Archiving again is idempotent: no second event.
    assert_status(tenant.client.delete(f"/v1/contacts/{cid}"), 200)
    restored = assert_contact_response(tenant.client.post(f"/v1/contacts/{cid}/restore"))

    events, _ = _feed(tenant)
    assert [e["type"] for e in events] == ["contact.created", "contact.updated",
                                           "contact.archived", "contact.restored"]
    created, updated, archive, restore = events
    assert all(e["contact_id"] == cid for e in events)
    assert all(e["actor"] == {"type": "api_key", "id": tenant.key["id"]} for e in events)
    assert created["request_id"] == rid
    assert len({e["request_id"] for e in events}) == 4  # each write its own request
    assert created["changes"] is None and created["data"] == c
    assert updated["changes"] == {"first_name": {"before": "Ada", "after": "Augusta"},
                                  "last_name": {"before": None, "after": "King"}}
    assert updated["data"] == patched
    assert archive["changes"] == {"archived_at": {"before": None,
                                                  "after": archived["archived_at"]}}
    assert archive["data"] == archived
    assert restore["changes"] == {"archived_at": {"before": archived["archived_at"],
                                                  "after": None}}
    assert restore["data"] == restored
    assert [e["occurred_at"] for e in events] == [c["created_at"], patched["updated_at"],
                                                  archived["updated_at"], restored["updated_at"]]
    # What the database holds: the same four, nothing else.
    assert _stored_events(tenant) == [("contact.created", cid, 1), ("contact.updated", cid, 2),
                                      ("contact.archived", cid, 3), ("contact.restored", cid, 4)]


def test_failed_writes_record_no_event(tenant):
    a = tenant.create_contact({"first_name": "A", "email": "a@example.com"})
    b = tenant.create_contact({"first_name": "B", "email": "b@example.com"})
    _, cursor = _feed(tenant)
    before = _stored_events(tenant)
    url = f"/v1/contacts/{a['id']}"
    assert_error(tenant.client.patch(url, {"email": "not-an-email"}), 400, fields={"email": None})
    assert_error(tenant.client.patch(url, {"nope": 1}), 400)
    assert_error(tenant.client.patch(url, b"{bad json"), 400)
    assert_error(tenant.client.patch(f"/v1/contacts/{uuid.uuid4()}", {"first_name": "X"}), 404)
    assert_error(tenant.client.patch(url, {"email": "b@example.com"}), 409)
    assert_error(tenant.client.post("/v1/contacts", {"email": "B@example.com"}), 409)
    assert_error(tenant.client.patch(url, {"first_name": "X"}, headers={"If-Match": '"7"'}), 412)
    assert_status(tenant.client.delete(f"/v1/contacts/{b['id']}"), 200)
    _, cursor = _feed(tenant, after=cursor)
    assert_error(tenant.client.patch(f"/v1/contacts/{b['id']}", {"first_name": "Y"}), 409)
    events, _ = _feed(tenant, after=cursor)
    assert events == []
    assert _stored_events(tenant) == before + [("contact.archived", b["id"], 2)]
    assert tenant.get_contact(a["id"])["version"] == 1


def test_custom_fields_changes_are_nested_as_the_response_nests_them(tenant):
    assert_status(tenant.client.post("/v1/custom-fields", {"name": "tier", "type": "string"}), 201)
    assert_status(tenant.client.post("/v1/custom-fields", {"name": "seats", "type": "integer"}),
                  201)
    c = tenant.create_contact({"first_name": "C", "custom_fields": {"tier": "gold"}})
    assert_contact_response(tenant.client.patch(
        f"/v1/contacts/{c['id']}", {"custom_fields": {"tier": "platinum", "seats": 3}}))
    assert_contact_response(tenant.client.patch(
        f"/v1/contacts/{c['id']}", {"custom_fields": {"tier": None}}))
    events, _ = _feed(tenant)
    assert [e["type"] for e in events] == ["custom_field.created", "custom_field.created",
                                           "contact.created", "contact.updated",
                                           "contact.updated"]
    tier = events[0]
    assert tier["contact_id"] is None and tier["changes"] is None
    assert tier["data"]["name"] == "tier" and tier["data"]["type"] == "string"
    assert events[3]["changes"] == {"custom_fields": {
        "tier": {"before": "gold", "after": "platinum"}, "seats": {"before": None, "after": 3}}}
    assert events[4]["changes"] == {"custom_fields": {"tier": {"before": "platinum",
                                                               "after": None}}}
    assert events[4]["data"]["custom_fields"] == {"seats": 3}


def test_the_feed_resumes_from_its_cursor_without_gaps_or_repeats(tenant):
    ids = [tenant.create_contact({"first_name": f"P{i}"})["id"] for i in range(6)]
    for i, cid in enumerate(ids):
        assert_contact_response(tenant.client.patch(f"/v1/contacts/{cid}", {"notes": f"n{i}"}))
    everything, end = _feed(tenant, limit=1000)
    assert len(everything) == 12
    paged, _ = _feed(tenant, limit=5)
    assert paged == everything
    assert len({e["id"] for e in everything}) == 12
    # Stored cursors resume where they were taken; the end cursor waits for new events.
    page = _feed_page(tenant, limit=4)
    rest, _ = _feed(tenant, after=page["next_cursor"])
    assert page["data"] + rest == everything
    assert _feed_page(tenant, after=end)["data"] == []
    late = tenant.create_contact({"first_name": "Late"})
    assert _summary(_feed(tenant, after=end)[0]) == [("contact.created", late["id"], 1)]
    # Filters.
    updates, _ = _feed(tenant, type="contact.updated", limit=4)
    assert [e["contact_id"] for e in updates] == ids
    one, _ = _feed(tenant, contact_id=ids[2].upper())
    assert [e["type"] for e in one] == ["contact.created", "contact.updated"]


def test_bad_feed_requests_are_400s(tenant, other_tenant):
    tenant.create_contact({"first_name": "X"})
    foreign = _feed_page(other_tenant)["next_cursor"]
    for params, code in [({"after": "garbage"}, "invalid_cursor"),
                         ({"after": foreign}, "invalid_cursor"),
                         ({"after": _feed_page(tenant)["next_cursor"][:-2] + "AA"},
                          "invalid_cursor"),
                         ({"limit": 0}, "invalid_query"), ({"limit": 1001}, "invalid_query"),
                         ({"limit": "x"}, "invalid_query"),
                         ({"type": "contact.exploded"}, "invalid_query"),
                         ({"contact_id": "nope"}, "invalid_query"),
                         ({"cursor": "x"}, "invalid_query")]:
        assert_error(tenant.client.get("/v1/events", params=params), 400, code)
    assert_error(tenant.client.get(f"/v1/contacts/{uuid.uuid4()}/history"), 404)
    assert_error(tenant.client.get("/v1/contacts/nope/history"), 400, "invalid_id")
    assert_error(tenant.server.client().get("/v1/events"), 401)


def test_tenants_never_see_each_others_events(tenant, other_tenant):
    mine = tenant.create_contact({"first_name": "Mine"})
    assert_contact_response(tenant.client.patch(f"/v1/contacts/{mine['id']}", {"notes": "x"}))
    theirs = other_tenant.create_contact({"first_name": "Theirs"})
    assert _summary(_feed(tenant)[0]) == [("contact.created", mine["id"], 1),
                                          ("contact.updated", mine["id"], 2)]
    assert _summary(_feed(other_tenant)[0]) == [("contact.created", theirs["id"], 1)]
    assert _feed(other_tenant, contact_id=mine["id"])[0] == []
    assert_error(other_tenant.client.get(f"/v1/contacts/{mine['id']}/history"), 404)
    history_cursor = _history(tenant, mine["id"], limit=1)["next_cursor"]
    assert_error(other_tenant.client.get(f"/v1/contacts/{theirs['id']}/history",
                                         params={"cursor": history_cursor}), 400,
                 "invalid_cursor")


def test_history_is_newest_first_and_pages(tenant):
    c = tenant.create_contact({"first_name": "H"})
    other = tenant.create_contact({"first_name": "Other"})
    for i in range(5):
        assert_contact_response(tenant.client.patch(f"/v1/contacts/{c['id']}", {"notes": str(i)}))
    assert_contact_response(tenant.client.patch(f"/v1/contacts/{other['id']}", {"notes": "o"}))
    assert_status(tenant.client.delete(f"/v1/contacts/{c['id']}"), 200)
    whole = _history(tenant, c["id"])
    assert whole["next_cursor"] is None
    assert _history(tenant, c["id"], limit=1000) == whole
    assert [e["data"]["version"] for e in whole["data"]] == [7, 6, 5, 4, 3, 2, 1]
    assert whole["data"][0]["type"] == "contact.archived"  # archived contacts keep history
    assert whole["data"][1]["changes"] == {"notes": {"before": "3", "after": "4"}}
    assert _whole_history(tenant, c["id"], limit=3) == whole["data"]
    # The feed holds the same events, oldest first.
    assert list(reversed(whole["data"])) == _feed(tenant, contact_id=c["id"])[0]


def test_a_page_of_large_events_ends_early_and_every_event_is_still_read_once(tenant):
    # 100 custom fields of 1,000 characters each: an update's event holds ~200 KB (the document
    # and the values before), so 31 of them are past what a page holds (4 MiB of documents).
    for i in range(100):
        assert_status(tenant.client.post("/v1/custom-fields", {"name": f"f{i}", "type": "string"}),
                      201)
    c = tenant.create_contact({"first_name": "Large",
                               "custom_fields": {f"f{i}": "a" * 1000 for i in range(100)}})
    for letter in "bcdefghijklmnopqrstuvwxyzBCDEF":  # 30 updates, the last to "F" * 1000
        values = {f"f{i}": letter * 1000 for i in range(100)}
        assert_contact_response(tenant.client.patch(f"/v1/contacts/{c['id']}",
                                                    {"custom_fields": values}))
    versions = list(range(1, 32))
    first = _feed_page(tenant, contact_id=c["id"], limit=1000)
    assert 0 < len(first["data"]) < 31, len(first["data"])
    events, _ = _feed(tenant, contact_id=c["id"], limit=1000)
    assert [e["data"]["version"] for e in events] == versions
    newest = _history(tenant, c["id"], limit=1000)
    assert 0 < len(newest["data"]) < 31 and newest["next_cursor"] is not None
    history = _whole_history(tenant, c["id"], limit=1000)
    assert [e["data"]["version"] for e in history] == versions[::-1]
    assert history[0]["changes"]["custom_fields"]["f7"] == {"before": "E" * 1000,
                                                            "after": "F" * 1000}


def test_a_consumer_following_the_feed_with_wait_sees_every_write_of_8_writers_once(tenant):
    writers, writes_each = 8, 15
    contacts = [tenant.create_contact({"first_name": f"W{i}"})["id"] for i in range(writers)]
    _, cursor = _feed(tenant)
    reader = FeedFollower(tenant.server.client(f"Bearer {tenant.secret}"), cursor, limit=7)

    def write(i, barrier):
        client = tenant.server.client(f"Bearer {tenant.secret}")
        barrier.wait()
        for n in range(writes_each):
            assert_contact_response(client.patch(f"/v1/contacts/{contacts[i]}",
                                                 {"notes": f"{i}-{n}"}))
        client.close()

    try:
        run_together(writers, write)
    finally:
        seen = reader.stop()
    got = sorted((e["contact_id"], e["data"]["version"]) for e in seen)
    assert got == sorted((cid, v) for cid in contacts for v in range(2, writes_each + 2))
    assert len({e["id"] for e in seen}) == len(seen)
    for e in seen:
        n = e["data"]["version"] - 2
        i = contacts.index(e["contact_id"])
        before = f"{i}-{n - 1}" if n > 0 else None
        assert e["changes"] == {"notes": {"before": before, "after": f"{i}-{n}"}}


def test_wait_answers_as_soon_as_an_event_exists(tenant):
    _, end = _feed(tenant)
    answer = {}

    def poll():
        client = tenant.server.client(f"Bearer {tenant.secret}")
        answer["page"] = assert_status(
            client.get("/v1/events", params={"after": end, "wait": 30}), 200)
        client.close()

    waiting = threading.Thread(target=poll)
    waiting.start()
    c = tenant.create_contact({"first_name": "Awaited"})
    waiting.join(timeout=60)
    assert not waiting.is_alive()
    # Within the wait, the page holds the event (at the deadline it would be empty).
    assert _summary(answer["page"]["data"]) == [("contact.created", c["id"], 1)]


def test_wait_with_nothing_to_show_answers_an_empty_page_at_the_deadline(tenant, other_tenant):
    _, end = _feed(tenant)
    other_tenant.create_contact({"first_name": "Elsewhere"})  # another tenant's event
    page = _feed_page(tenant, after=end, wait=1)
    assert page["data"] == []
    assert _feed(tenant, after=page["next_cursor"])[0] == []
    for wait in ["-1", "31", "1.5", "x"]:
        assert_error(tenant.client.get("/v1/events", params={"wait": wait}), 400,
                     "invalid_query")


def test_one_contacts_events_are_in_the_feed_in_the_order_they_were_committed(tenant):
    """16 writers on one contact: every write after the first waits for the one before it, and
    the feed must list them in that order (on PostgreSQL a transaction's id, which the feed
    orders by, is taken once the contact's previous writer has committed: docs/events.md)."""
    c = tenant.create_contact({"first_name": "Contended"})
    _, cursor = _feed(tenant)

    def write(i, barrier):
        client = tenant.server.client(f"Bearer {tenant.secret}")
        barrier.wait()
        for n in range(15):
            assert_contact_response(client.patch(f"/v1/contacts/{c['id']}",
                                                 {"notes": f"{i}-{n}"}))
        client.close()

    run_together(16, write)
    events, _ = _feed(tenant, after=cursor)
    assert [e["data"]["version"] for e in events] == list(range(2, 2 + 16 * 15))
    for before, after in zip(events, events[1:]):
        assert after["changes"]["notes"]["before"] == before["data"]["notes"]
    assert events[-1]["data"] == tenant.get_contact(c["id"])


def test_events_past_the_retention_are_pruned_and_an_older_cursor_is_410(make_server):
    srv = make_server(extra_args=["--event-retention", "2s"])
    tenant = srv.tenant()
    old = tenant.create_contact({"first_name": "Old"})
    first = _feed_page(tenant, limit=1)  # a cursor after the first event
    assert_contact_response(tenant.client.patch(f"/v1/contacts/{old['id']}", {"notes": "x"}))
    # The pruner looks every second; wait (bounded) until both events are gone.
    deadline = time.monotonic() + 30
    while _feed_page(tenant)["data"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _feed_page(tenant)["data"] == [], "the events were not pruned within 30 s"
    body = assert_error(tenant.client.get("/v1/events", params={"after": first["next_cursor"]}),
                        410, "cursor_expired")
    assert "order=updated_at" in body["message"]
    assert _stored_events(tenant) == []
    # The contact is kept; its history is what is left of the log; new events flow again.
    assert tenant.get_contact(old["id"])["version"] == 2
    assert _history(tenant, old["id"]) == {"data": [], "next_cursor": None}
    new = tenant.create_contact({"first_name": "New"})
    events, _ = _feed(tenant)
    assert _summary(events) == [("contact.created", new["id"], 1)]
    # Bad settings are refused at start.
    bad = make_server(extra_args=["--event-retention", "30x"], start=False)
    p = bad.run_cli("serve", "--event-retention", "30x", db=True)
    assert p.returncode != 0 and "duration" in p.stderr
