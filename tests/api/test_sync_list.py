"""The list in the order a sync reads it: GET /v1/contacts?order=updated_at&updated_since=T.
A sync stores the cursor (or the last updated_at it saw) and resumes: ordered by
(updated_at, id), so contacts updated in the same millisecond keep one order across pages."""

import time

import pytest

from contactsd_harness import (assert_contact_response, assert_error, assert_status, settle_feed,
                               walk_pages)


def _pages(tenant, **params):
    def fetch(p):
        page = assert_status(tenant.client.get("/v1/contacts", params=p), 200)
        assert set(page) == {"data", "next_cursor"}, page
        return page
    return walk_pages(fetch, params)


def _key(c):
    return (c["updated_at"], c["id"])


def test_order_by_update_pages_in_update_order_and_since_keeps_the_later_ones(tenant):
    ids = [tenant.create_contact({"first_name": f"S{i}"})["id"] for i in range(7)]
    touched = [assert_contact_response(tenant.client.patch(f"/v1/contacts/{cid}",
                                                           {"notes": "changed"}))
               for cid in (ids[4], ids[1], ids[5])]
    # What the order must be, from each contact as stored (a PATCH may land in the millisecond
    # of the last create: then the id decides).
    expected = sorted((tenant.get_contact(cid) for cid in ids), key=_key)
    whole = _pages(tenant, order="updated_at")
    assert whole == expected
    # The patched ones are ordered by what their PATCHes stored (two in one millisecond: by id).
    assert [c["id"] for c in whole if c["id"] in (ids[4], ids[1], ids[5])] == \
        [c["id"] for c in sorted(touched, key=_key)]
    assert _pages(tenant, order="updated_at", limit=2) == whole
    since = touched[0]["updated_at"]
    later = _pages(tenant, order="updated_at", updated_since=since, limit=2)
    assert later == [c for c in whole if c["updated_at"] >= since]
    assert {c["id"] for c in touched} <= {c["id"] for c in later}
    # updated_since also narrows the default order (by id).
    by_id = _pages(tenant, updated_since=since)
    assert [c["id"] for c in by_id] == sorted(c["id"] for c in later)
    # A contact changed after a sync's last page shows up when it resumes.
    last_page = assert_status(tenant.client.get("/v1/contacts", params={
        "order": "updated_at", "limit": 7}), 200)
    assert last_page["next_cursor"] is None
    resume_from = later[-1]["updated_at"]
    changed = assert_contact_response(tenant.client.patch(f"/v1/contacts/{ids[0]}",
                                                          {"notes": "again"}))
    again = _pages(tenant, order="updated_at", updated_since=resume_from)
    assert changed in again and again == sorted(again, key=_key)


@pytest.mark.parametrize("params", [{"updated_since": "yesterday"},
                                    {"updated_since": "2026-13-01T00:00:00Z"},
                                    {"order": "name"}])
def test_bad_sync_parameters_are_400s(tenant, params):
    assert_error(tenant.client.get("/v1/contacts", params=params), 400, "invalid_query")


def test_a_cursor_only_resumes_the_order_it_was_made_in(tenant):
    for i in range(3):
        tenant.create_contact({"first_name": f"C{i}"})
    by_id = assert_status(tenant.client.get("/v1/contacts", params={"limit": 1}), 200)
    by_update = assert_status(tenant.client.get("/v1/contacts", params={
        "limit": 1, "order": "updated_at"}), 200)
    assert_error(tenant.client.get("/v1/contacts", params={
        "order": "updated_at", "cursor": by_id["next_cursor"]}), 400, "invalid_cursor")
    assert_error(tenant.client.get("/v1/contacts", params={"cursor": by_update["next_cursor"]}),
                 400, "invalid_cursor")


def test_contacts_whose_events_were_pruned_still_list_in_update_order(make_server):
    """The order is read from the change log; contacts last changed before what retention kept
    come from a scan of the contacts, first, and the pages run across both without a gap."""
    srv = make_server(extra_args=["--event-retention", "2s"])
    tenant = srv.tenant()
    old = [tenant.create_contact({"first_name": f"Old{i}"})["id"] for i in range(3)]
    deadline = time.monotonic() + 30
    settle_feed()  # an empty feed then means pruned, not yet visible
    while assert_status(tenant.client.get("/v1/events"), 200)["data"]:
        assert time.monotonic() < deadline, "the events were not pruned within 30 s"
        time.sleep(0.1)
    new = [tenant.create_contact({"first_name": f"New{i}"})["id"] for i in range(2)]
    assert_contact_response(tenant.client.patch(f"/v1/contacts/{old[1]}", {"notes": "again"}))
    expected = sorted((assert_status(tenant.client.get(f"/v1/contacts/{cid}"), 200)
                       for cid in old + new), key=_key)
    # The two whose events were pruned come first (changed seconds before the others).
    assert {c["id"] for c in expected[:2]} == {old[0], old[2]}
    for limit in (1, 2, 5):
        assert _pages(tenant, order="updated_at", limit=limit) == expected
    since = expected[1]["updated_at"]
    assert _pages(tenant, order="updated_at", updated_since=since, limit=2) == \
        [c for c in expected if c["updated_at"] >= since]
