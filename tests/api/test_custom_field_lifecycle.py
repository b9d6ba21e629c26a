"""A custom field's definition after it is made: PATCH {base}/custom-fields/{name} changes what
is safe to change (an enum's options: added, or removed where no contact holds them), DELETE
removes the definition and its value from every contact of the tenant in one transaction, each
change recorded in the change log. On standard (custom values nested in custom_fields) and crm
(flat, beside the fields), on the backend of the pass; stored documents are read back from the
database."""

from __future__ import annotations

import json
import threading
import time

import pytest

from contactsd_harness import (assert_error, assert_status, contacts_locked, gauge, query_db,
                               settle_feed, writes_waiting)


def events(client, base, after=None):
    settle_feed()
    params = {"limit": 100}
    if after:
        params["after"] = after
    page = assert_status(client.get(f"{base}/events", params=params), 200)
    return page["data"], page["next_cursor"]


def stored_doc(server, org_id, contact_id) -> tuple[dict, int]:
    [(doc, version)] = query_db(server.db_url,
                                f"SELECT doc, version FROM contacts WHERE org_id = '{org_id}' "
                                f"AND id = '{contact_id}'")
    return json.loads(doc), int(version)


# --------------------------------------------------------------------------------------------
# standard: nested custom values


def test_enum_options_grow_and_the_document_follows(tenant):
    c = tenant.client
    assert_status(c.post("/v1/custom-fields",
                         {"name": "tier", "type": "enum", "options": ["gold", "silver"]}), 201)
    assert_error(c.post("/v1/contacts", {"custom_fields": {"tier": "bronze"}}), 400)
    _, cursor = events(c, "/v1")

    changed = assert_status(c.patch("/v1/custom-fields/tier",
                                    {"options": ["gold", "silver", "bronze", "bronze"]}), 200)
    assert changed["options"] == ["gold", "silver", "bronze"]
    assert changed["name"] == "tier" and changed["type"] == "enum"
    assert assert_status(c.get("/v1/custom-fields/tier"), 200)["options"] == changed["options"]
    created = assert_status(c.post("/v1/contacts", {"custom_fields": {"tier": "bronze"}}), 201)
    assert created["custom_fields"] == {"tier": "bronze"}

    # The tenant's document shows the new option at once.
    document = assert_status(c.get("/v1/openapi.json"), 200)
    tier = document["components"]["schemas"]["ContactCreate"]["properties"]["custom_fields"][
        "properties"]["tier"]
    assert tier["enum"] == ["gold", "silver", "bronze", None]

    logged, _ = events(c, "/v1", cursor)
    assert [e["type"] for e in logged] == ["custom_field.updated", "contact.created"]
    assert logged[0]["data"]["options"] == ["gold", "silver", "bronze"]
    assert logged[0]["contact_id"] is None


def test_removing_an_option_a_contact_holds_is_a_409_with_the_count(tenant):
    c = tenant.client
    assert_status(c.post("/v1/custom-fields", {"name": "tier", "type": "enum",
                                               "options": ["gold", "silver", "bronze"]}), 201)
    for tier in ("gold", "gold", "silver"):
        assert_status(c.post("/v1/contacts", {"custom_fields": {"tier": tier}}), 201)
    archived = assert_status(c.post("/v1/contacts", {"custom_fields": {"tier": "gold"}}), 201)
    assert_status(c.delete(f"/v1/contacts/{archived['id']}"), 200)
    _, cursor = events(c, "/v1")

    # gold: two active contacts and an archived one hold it.
    body = assert_error(c.patch("/v1/custom-fields/tier", {"options": ["silver", "bronze"]}), 409,
                        "incompatible_change")
    assert "3 contacts hold" in body["message"] and "'gold'" in body["message"]
    assert body["details"][0]["field"] == "options"
    assert body["details"][0]["code"] == "values_in_use"
    assert assert_status(c.get("/v1/custom-fields/tier"), 200)["options"] == [
        "gold", "silver", "bronze"]
    assert events(c, "/v1", cursor)[0] == []  # nothing changed, nothing recorded

    # bronze: nobody holds it, so it may go.
    changed = assert_status(c.patch("/v1/custom-fields/tier", {"options": ["gold", "silver"]}),
                            200)
    assert changed["options"] == ["gold", "silver"]
    assert_error(c.post("/v1/contacts", {"custom_fields": {"tier": "bronze"}}), 400)


@pytest.mark.parametrize("body,status,code,field", [
    ({"type": "string"}, 409, "incompatible_change", "type"),
    ({"name": "level"}, 400, "validation_failed", "name"),
    ({"colour": "red"}, 400, "validation_failed", "colour"),
    ({"options": []}, 400, "validation_failed", "options"),
    ({"options": ["gold", 7]}, 400, "validation_failed", "options"),
])
def test_what_cannot_change(tenant, body, status, code, field):
    c = tenant.client
    assert_status(c.post("/v1/custom-fields",
                         {"name": "tier", "type": "enum", "options": ["gold"]}), 201)
    _, cursor = events(c, "/v1")
    err = assert_error(c.patch("/v1/custom-fields/tier", body), status, code)
    assert err["details"][0]["field"] == field, err
    assert assert_status(c.get("/v1/custom-fields/tier"), 200)["options"] == ["gold"]
    assert events(c, "/v1", cursor)[0] == []


def test_the_same_name_and_type_may_be_sent_back(tenant):
    c = tenant.client
    assert_status(c.post("/v1/custom-fields", {"name": "score", "type": "number"}), 201)
    same = assert_status(c.patch("/v1/custom-fields/score", {"name": "score", "type": "number"}),
                         200)
    assert same["type"] == "number" and same["options"] == []
    assert_error(c.patch("/v1/custom-fields/score", {"options": ["a"]}), 400, "validation_failed")


def test_unknown_fields_and_other_tenants_are_404(tenant, other_tenant):
    assert_status(other_tenant.client.post("/v1/custom-fields",
                                           {"name": "tier", "type": "string"}), 201)
    assert_error(tenant.client.patch("/v1/custom-fields/tier", {"options": None}), 404)
    assert_error(tenant.client.delete("/v1/custom-fields/tier"), 404)
    assert_status(other_tenant.client.get("/v1/custom-fields/tier"), 200)
    assert_error(tenant.server.client().delete("/v1/custom-fields/tier"), 401)


def _wait(condition, what: str, seconds: float = 4):
    """Polls `condition` until it holds; within the store's 5 s wait for a lock."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)  # polling a condition, bounded by the deadline


@pytest.mark.parametrize("change", ["remove the option", "delete the field"])
def test_a_value_checked_before_its_definition_changed_is_never_stored(tenant, change):
    """A PATCH checks its custom value against the definitions before its transaction; the
    store checks them again inside it. With every write that records a change held back, the
    definition change is sent, then a PATCH setting the value it takes away; both wait (most
    runs: the PATCH already checked). Whichever commits first, no contact is left holding a
    value its definition does not allow: the PATCH is refused (409 custom_field_changed, nothing
    stored), or it commits first and the option's removal is refused for the value it now holds
    (a field's deletion takes it out), or, checked only after the change (a background write of
    the server's can be the one seen waiting), it is refused as any value outside the
    definition. The build before the store's own check failed this on both backends."""
    c = tenant.client
    server = tenant.server
    assert_status(c.post("/v1/custom-fields",
                         {"name": "tier", "type": "enum", "options": ["gold", "silver"]}), 201)
    contact = assert_status(c.post("/v1/contacts", {"first_name": "Ada"}), 201)
    answers = {}

    def send(name, call):
        answers[name] = call()

    definition = (lambda: c.patch("/v1/custom-fields/tier", {"options": ["silver"]})) \
        if change == "remove the option" else (lambda: c.delete("/v1/custom-fields/tier"))
    patch = lambda: c.patch(f"/v1/contacts/{contact['id']}",  # noqa: E731
                            {"custom_fields": {"tier": "gold"}})
    threads = [threading.Thread(target=send, args=("definition", definition)),
               threading.Thread(target=send, args=("patch", patch))]
    with contacts_locked(server, table="events"):
        threads[0].start()
        _wait(lambda: gauge(server, "contactsd_http_requests_in_flight") >= 2,
              "the definition change did not arrive")
        threads[1].start()
        # Both have arrived and wait for the lock (on SQLite one runs on the writer, the other
        # is queued behind it).
        _wait(lambda: gauge(server, "contactsd_http_requests_in_flight") >= 3
              and writes_waiting(server) >= (1 if server.backend == "sqlite" else 2),
              "the writes did not both wait")
        assert answers == {}
    for t in threads:
        t.join(30)
    doc, version = stored_doc(server, tenant.org_id, contact["id"])
    options = {"remove the option": ["gold", "silver"], "delete the field": None}[change]
    listed = c.get("/v1/custom-fields/tier")
    if answers["patch"].status_code == 200:
        # The PATCH committed first: the definition change found the value and kept it valid.
        if change == "remove the option":
            assert_error(answers["definition"], 409, "incompatible_change")
            assert assert_status(listed, 200)["options"] == options
            assert doc["custom_fields"] == {"tier": "gold"} and version == 2
        else:
            assert_status(answers["definition"], 200)
            assert_error(listed, 404)
            assert doc["custom_fields"] == {} and version == 3
    else:
        if answers["patch"].status_code == 400:  # checked after the change had committed
            body = assert_error(answers["patch"], 400, "validation_failed")
            assert body["details"][0]["field"] == "custom_fields.tier", body
        else:
            body = assert_error(answers["patch"], 409, "custom_field_changed")
            assert body["details"][0]["field"] == "tier"
        assert answers["definition"].status_code == 200, answers["definition"].text
        assert doc.get("custom_fields", {}) == {} and version == 1
        settle_feed()
        history = assert_status(c.get(f"/v1/contacts/{contact['id']}/history"), 200)["data"]
        assert [e["type"] for e in history] == ["contact.created"]  # nothing recorded


def test_delete_takes_the_value_out_of_every_contact_atomically(server, tenant, other_tenant):
    c = tenant.client
    for t in (tenant, other_tenant):
        assert_status(t.client.post("/v1/custom-fields", {"name": "tier", "type": "string"}), 201)
        assert_status(t.client.post("/v1/custom-fields", {"name": "score", "type": "number"}), 201)
    holder = assert_status(c.post("/v1/contacts", {"first_name": "A", "custom_fields": {
        "tier": "gold", "score": 2}}), 201)
    archived = assert_status(c.post("/v1/contacts", {"first_name": "B", "custom_fields": {
        "tier": "silver"}}), 201)
    assert_status(c.delete(f"/v1/contacts/{archived['id']}"), 200)
    bystander = assert_status(c.post("/v1/contacts", {"first_name": "C", "custom_fields": {
        "score": 1}}), 201)
    foreign = assert_status(other_tenant.client.post("/v1/contacts", {"custom_fields": {
        "tier": "gold"}}), 201)
    _, cursor = events(c, "/v1")

    gone = assert_status(c.delete("/v1/custom-fields/tier"), 200)
    assert gone == {"name": "tier", "contacts_changed": 2}

    # What is stored: the value gone from the holder and from the archived contact, each a
    # version up; the bystander and the other tenant untouched.
    doc, version = stored_doc(server, tenant.org_id, holder["id"])
    assert doc["custom_fields"] == {"score": 2} and version == 2
    doc, version = stored_doc(server, tenant.org_id, archived["id"])
    assert doc["custom_fields"] == {} and version == 3
    doc, version = stored_doc(server, tenant.org_id, bystander["id"])
    assert doc["custom_fields"] == {"score": 1} and version == 1
    doc, version = stored_doc(server, other_tenant.org_id, foreign["id"])
    assert doc["custom_fields"] == {"tier": "gold"} and version == 1

    shown = assert_status(c.get(f"/v1/contacts/{holder['id']}"), 200)
    assert shown["custom_fields"] == {"score": 2} and shown["version"] == 2
    assert [f["name"] for f in assert_status(c.get("/v1/custom-fields"), 200)["data"]] == ["score"]
    assert_error(c.get("/v1/custom-fields/tier"), 404)
    assert_error(c.post("/v1/contacts", {"custom_fields": {"tier": "gold"}}), 400)

    # The log: the definition's deletion, then each changed contact's update, whose changes
    # show the value leaving.
    logged, _ = events(c, "/v1", cursor)
    assert [e["type"] for e in logged] == ["custom_field.deleted", "contact.updated",
                                           "contact.updated"]
    assert logged[0]["data"]["name"] == "tier"
    changed = {e["contact_id"]: e["changes"] for e in logged[1:]}
    assert set(changed) == {holder["id"], archived["id"]}
    assert changed[holder["id"]] == {"custom_fields": {"tier": {"before": "gold",
                                                                "after": None}}}
    assert changed[archived["id"]] == {"custom_fields": {"tier": {"before": "silver",
                                                                  "after": None}}}

    # Defined anew, of another type: the old values are gone, not reinterpreted.
    assert_status(c.post("/v1/custom-fields", {"name": "tier", "type": "integer"}), 201)
    assert_status(c.patch(f"/v1/contacts/{holder['id']}", {"custom_fields": {"tier": 3}}), 200)
    assert assert_error(c.delete("/v1/custom-fields/nope"), 404)


def test_deleting_a_field_no_contact_holds_changes_no_contact(tenant):
    c = tenant.client
    assert_status(c.post("/v1/custom-fields", {"name": "unused", "type": "string"}), 201)
    contact = assert_status(c.post("/v1/contacts", {"first_name": "A"}), 201)
    _, cursor = events(c, "/v1")
    assert assert_status(c.delete("/v1/custom-fields/unused"), 200)["contacts_changed"] == 0
    logged, _ = events(c, "/v1", cursor)
    assert [e["type"] for e in logged] == ["custom_field.deleted"]
    assert assert_status(c.get(f"/v1/contacts/{contact['id']}"), 200)["version"] == 1


# --------------------------------------------------------------------------------------------
# crm: flat custom values, beside the fields


def test_flat_custom_values_leave_with_their_field(make_server):
    srv = make_server("crm")
    t = srv.tenant()
    c = t.client
    assert_status(c.post("/custom-fields", {"name": "renewal", "type": "date"}), 201)
    assert_status(c.post("/custom-fields", {"name": "stage", "type": "enum",
                                            "options": ["lead", "won"]}), 201)
    held = assert_status(c.post("/contacts", {"fields": {"email": "a@example.com",
                                                         "renewal": "2027-01-31",
                                                         "stage": "won"}}), 201)
    assert held["renewal"] == "2027-01-31"

    assert_error(c.patch("/custom-fields/stage", {"options": ["lead"]}), 409,
                 "incompatible_change")
    assert assert_status(c.patch("/custom-fields/stage", {"options": ["lead", "won", "lost"]}),
                         200)["options"] == ["lead", "won", "lost"]

    assert assert_status(c.delete("/custom-fields/renewal"), 200)["contacts_changed"] == 1
    shown = assert_status(c.get(f"/contacts/{held['id']}"), 200)
    assert "renewal" not in shown and shown["stage"] == "won"
    doc, _ = stored_doc(srv, t.org_id, held["id"])
    assert doc["custom_fields"] == {"stage": "won"}
    document = assert_status(c.get("/openapi.json"), 200)
    properties = document["components"]["schemas"]["Contact"]["properties"]
    assert "renewal" not in properties and "stage" in properties
