"""Upsert by a unique key (issue 16): PUT /v1/contacts/{value}?id_property=email|external_id
creates the contact when no active one holds the key (201, Location) and otherwise applies the
body as a PATCH to the holder (200). Racing upserts of one key make one contact. Checked
against the stored contacts, not only the statuses. (Two servers on PostgreSQL:
test_two_servers_pg.py.)"""

from urllib.parse import quote

from contactsd_harness import (Client, assert_contact_response, assert_error, list_all,
                               run_together)


def _put(tenant, value, prop, body, **kw):
    return tenant.client.put(f"/v1/contacts/{quote(value, safe='')}", body,
                             params={"id_property": prop}, **kw)


def test_creates_then_updates_the_same_contact(tenant):
    r = _put(tenant, "Ada@Example.com", "email", {"first_name": "Ada"})
    created = assert_contact_response(r, 201)
    assert r.headers["Location"] == f"/v1/contacts/{created['id']}"
    assert created["email"] == "ada@example.com" and created["first_name"] == "Ada"
    assert created["version"] == 1
    r = _put(tenant, "ada@example.com", "email", {"last_name": "Lovelace"})
    updated = assert_contact_response(r, 200)
    assert updated["id"] == created["id"] and updated["version"] == 2
    assert updated["first_name"] == "Ada" and updated["last_name"] == "Lovelace"
    assert list_all(tenant.client) == [updated]
    history = tenant.client.get(f"/v1/contacts/{created['id']}/history").json()["data"]
    assert [e["type"] for e in history] == ["contact.updated", "contact.created"]


def test_by_external_id(tenant):
    created = assert_contact_response(_put(tenant, "crm/7", "external_id", {"title": "A"}), 201)
    assert created["external_id"] == "crm/7"
    updated = assert_contact_response(_put(tenant, "crm/7", "external_id", {"title": "B"}), 200)
    assert updated["id"] == created["id"] and updated["title"] == "B"
    other = assert_contact_response(_put(tenant, "CRM/7", "external_id", {}), 201)  # exact
    assert other["id"] != created["id"]


def test_the_body_may_name_the_key_only_with_the_paths_value(tenant):
    ok = assert_contact_response(_put(tenant, "k@example.com", "email",
                                      {"email": "K@EXAMPLE.com", "first_name": "K"}), 201)
    err = assert_error(_put(tenant, "k@example.com", "email", {"email": "other@example.com"}),
                       400, "validation_failed", {"email": "mismatch"})
    assert "path" in err["details"][0]["message"]
    assert_error(_put(tenant, "new@example.com", "email", {"email": "other@example.com"}),
                 400, "validation_failed", {"email": "mismatch"})
    assert list_all(tenant.client) == [ok]


def test_bad_requests_store_nothing(tenant):
    assert_error(_put(tenant, "not an email", "email", {}), 400, "validation_failed",
                 {"email": "invalid_format"})
    assert_error(_put(tenant, "x", "first_name", {}), 400, "invalid_query")
    assert_error(tenant.client.put("/v1/contacts/x@example.com", {}), 400, "invalid_query")
    assert_error(_put(tenant, "v@example.com", "email", {"first_name": 7}), 400,
                 "validation_failed", {"first_name": "invalid_type"})
    assert list_all(tenant.client) == []


def test_an_archived_holder_is_not_upserted_into(tenant):
    old = assert_contact_response(_put(tenant, "a@example.com", "email", {"title": "old"}), 201)
    archived = assert_contact_response(tenant.client.delete(f"/v1/contacts/{old['id']}"))
    new = assert_contact_response(_put(tenant, "a@example.com", "email", {"title": "new"}), 201)
    assert new["id"] != old["id"]
    assert tenant.get_contact(old["id"]) == archived


def test_preconditions(tenant):
    assert_error(_put(tenant, "p@example.com", "email", {}, headers={"If-Match": '"1"'}), 412,
                 "precondition_failed")
    assert list_all(tenant.client) == []
    c = assert_contact_response(_put(tenant, "p@example.com", "email", {},
                                     headers={"If-None-Match": "*"}), 201)
    assert_error(_put(tenant, "p@example.com", "email", {"title": "x"},
                      headers={"If-None-Match": "*"}), 412, "precondition_failed")
    assert_error(_put(tenant, "p@example.com", "email", {"title": "x"},
                      headers={"If-Match": '"7"'}), 412, "precondition_failed")
    done = assert_contact_response(_put(tenant, "p@example.com", "email", {"title": "x"},
                                        headers={"If-Match": '"1"'}), 200)
    assert done["id"] == c["id"] and done["version"] == 2


def test_racing_upserts_of_one_key_make_one_contact(server, tenant):
    n = 20
    results = [None] * n

    def worker(i, barrier):
        client = Client(server.base_url, f"Bearer {tenant.secret}")
        barrier.wait()
        r = client.put("/v1/contacts/race%40example.com", {"notes": f"w{i}"},
                       params={"id_property": "email"})
        results[i] = (r.status_code, r.json())
        client.close()

    run_together(n, worker)
    statuses = sorted(s for s, _ in results)
    assert statuses == [200] * (n - 1) + [201], results
    ids = {body["id"] for _, body in results}
    stored = list_all(tenant.client)
    assert len(ids) == 1 and [c["id"] for c in stored] == list(ids)
    assert stored[0]["version"] == n  # every upsert applied, one after another
