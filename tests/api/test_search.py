"""?q= (issue 16): a prefix search on the model's names and email, case-insensitive, read
through an index of search terms (not a scan of the tenant), paged with the cursor. A PATCH of
a name moves its terms; erasure removes them. On SQLite and, with CONTACTSD_TEST_DB, PostgreSQL."""

from urllib.parse import quote

import pytest

from contactsd_harness import assert_error, assert_status, query_db


def _search(tenant, q, **params):
    query = "&".join([f"q={quote(q, safe='')}"] + [f"{k}={v}" for k, v in params.items()])
    page = assert_status(tenant.client.get(f"/v1/contacts?{query}"), 200)
    assert set(page) == {"data", "next_cursor"}, page
    return page


def _ids(tenant, q, **params):
    return [c["id"] for c in _search(tenant, q, **params)["data"]]


@pytest.mark.direct  # spaces in the query, which prism re-encodes as '+' (a plus here)
def test_a_prefix_of_a_name_or_an_email_finds_the_contact(tenant):
    ada = tenant.create_contact({"first_name": "Ada", "last_name": "Lovelace",
                                 "email": "countess@example.com"})
    mary = tenant.create_contact({"first_name": "Mary Ann", "last_name": "Smith-Jones"})
    tenant.create_contact({"first_name": "Bob", "email": "bob@example.org"})
    assert _ids(tenant, "ada") == [ada["id"]]
    assert _ids(tenant, "LOVE") == [ada["id"]]
    assert _ids(tenant, "countess@ex") == [ada["id"]]
    assert _ids(tenant, " Ada ") == [ada["id"]]
    # Each word of a name: "ann" (Mary Ann), "jones" (Smith-Jones).
    assert _ids(tenant, "ann") == [mary["id"]]
    assert _ids(tenant, "jones") == [mary["id"]]
    assert _ids(tenant, "mary a") == [mary["id"]]
    # A prefix, not a substring: "ace" is inside "Lovelace" but starts no term.
    assert _ids(tenant, "ace") == []
    assert _ids(tenant, "example") == []
    assert _ids(tenant, "zz") == []


def test_pages_follow_the_cursor_in_id_order(tenant):
    made = [tenant.create_contact({"first_name": f"Sam{i}"})["id"] for i in range(7)]
    tenant.create_contact({"first_name": "Other"})
    seen, cursor = [], None
    while True:
        params = {"limit": 3} if cursor is None else {"limit": 3, "cursor": cursor}
        page = _search(tenant, "sam", **params)
        seen += [c["id"] for c in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made


def test_writes_move_the_terms(tenant):
    c = tenant.create_contact({"first_name": "Grace", "email": "g@example.com"})
    assert _ids(tenant, "grace") == [c["id"]]
    assert_status(tenant.client.patch(f"/v1/contacts/{c['id']}", {"first_name": "Hopper"}), 200)
    assert _ids(tenant, "grace") == []
    assert _ids(tenant, "hop") == [c["id"]]
    # A write that sends no searched field leaves them.
    assert_status(tenant.client.patch(f"/v1/contacts/{c['id']}", {"notes": "x"}), 200)
    assert _ids(tenant, "hop") == [c["id"]]
    assert_status(tenant.client.delete(f"/v1/contacts/{c['id']}"), 200)
    assert _ids(tenant, "hop") == []  # archived: left out, as from the list
    assert_status(tenant.client.post(f"/v1/contacts/{c['id']}/restore"), 200)
    assert _ids(tenant, "hop") == [c["id"]]
    # A batch's creates and updates are found too.
    r = assert_status(tenant.client.post("/v1/contacts/batch", {"operations": [
        {"op": "create", "body": {"first_name": "Katherine", "email": "kj@example.com"}},
        {"op": "update", "id": "g@example.com", "id_property": "email",
         "body": {"last_name": "Johnson"}}]}), 200)
    new_id = r["results"][0]["contact"]["id"]
    assert _ids(tenant, "kath") == [new_id]
    assert _ids(tenant, "johnson") == [c["id"]]


def test_tenants_do_not_find_each_others_contacts(tenant, other_tenant):
    other_tenant.create_contact({"first_name": "Secret"})
    assert _ids(tenant, "secret") == []


def test_erasure_removes_the_terms(tenant):
    c = tenant.create_contact({"first_name": "Erin", "email": "erin@example.com"})
    stored = f"SELECT count(*) FROM contact_terms WHERE contact_id = '{c['id']}'"
    assert query_db(tenant.server.db_url, stored) == [("2",)]  # "erin", "erin@example.com"
    assert tenant.client.post(f"/v1/contacts/{c['id']}/erase").status_code == 204
    assert _ids(tenant, "erin") == []
    assert query_db(tenant.server.db_url, stored) == [("0",)]


@pytest.mark.direct  # spaces in the query, which prism re-encodes as '+' (a plus here)
def test_bad_searches_are_refused(tenant):
    for q in ["", "   "]:
        assert_error(tenant.client.get(f"/v1/contacts?q={quote(q)}"), 400, "invalid_query")
    assert_error(tenant.client.get("/v1/contacts?q=a&email=a%40b.c"), 400, "invalid_query")
    assert_error(tenant.client.get("/v1/contacts?q=a&order=updated_at"), 400, "invalid_query")
    assert_error(tenant.client.get("/v1/contacts?q=a&q=b"), 400, "invalid_query")
    assert_error(tenant.client.get("/v1/contacts?q=%FF%FE"), 400, "invalid_query")  # not UTF-8
    # A prefix that ends in U+10FFFF, or past what any term holds, finds nothing, no error.
    assert _ids(tenant, "\U0010ffff") == []
    assert _ids(tenant, "\u00ff\u00ff") == []
    # An embedded NUL: the terms stop before it.
    c = tenant.create_contact({"first_name": "nu\u0000ll"})
    assert _ids(tenant, "nu") == [c["id"]]
