"""Addressing a contact by a unique key (issue 16): GET, PATCH and DELETE
{base}/contacts/{value}?id_property=email|external_id (HubSpot's idProperty) act on the active
contact of the caller's tenant that holds the value, compared as stored; 404 when none does.
Checked against what GET by id shows, on the standard and the crm models."""

from urllib.parse import quote

import pytest

from contactsd_harness import assert_contact_response, assert_error


def _by_key(value, prop):
    return f"/v1/contacts/{quote(value, safe='')}", {"id_property": prop}


def test_get_by_email_in_any_case_is_the_holder(tenant):
    tenant.create_contact({"email": "other@example.com"})
    held = tenant.create_contact({"email": "ada@example.com", "first_name": "Ada"})
    by_id = tenant.client.get(f"/v1/contacts/{held['id']}")
    for sent in ("ada@example.com", "ADA@Example.COM", " ada@example.com "):
        path, params = _by_key(sent, "email")
        r = tenant.client.get(path, params=params)
        assert assert_contact_response(r) == held, sent
        assert r.headers["ETag"] == by_id.headers["ETag"]


def test_external_id_is_compared_exactly(tenant):
    held = tenant.create_contact({"external_id": "crm-42/a b"})  # a slash and a space, escaped
    path, params = _by_key("crm-42/a b", "external_id")
    assert assert_contact_response(tenant.client.get(path, params=params)) == held
    path, params = _by_key("CRM-42/a b", "external_id")
    assert_error(tenant.client.get(path, params=params), 404, "not_found")


def test_patch_by_key_changes_the_holder_and_records_its_event(tenant):
    held = tenant.create_contact({"email": "grace@example.com", "first_name": "Grace"})
    path, params = _by_key("Grace@Example.com", "email")
    r = tenant.client.patch(path, {"title": "Rear Admiral"}, params=params)
    patched = assert_contact_response(r)
    assert patched["id"] == held["id"] and patched["version"] == 2
    assert tenant.get_contact(held["id"]) == patched
    history = tenant.client.get(f"/v1/contacts/{held['id']}/history").json()["data"]
    assert history[0]["type"] == "contact.updated"
    assert history[0]["changes"] == {"title": {"before": None, "after": "Rear Admiral"}}


def test_patch_that_moves_the_key_then_the_old_value_finds_nothing(tenant):
    held = tenant.create_contact({"email": "old@example.com"})
    path, params = _by_key("old@example.com", "email")
    moved = assert_contact_response(tenant.client.patch(path, {"email": "new@example.com"},
                                                        params=params))
    assert moved["id"] == held["id"]
    assert_error(tenant.client.get(path, params=params), 404, "not_found")
    path, params = _by_key("new@example.com", "email")
    assert assert_contact_response(tenant.client.get(path, params=params))["id"] == held["id"]


def test_delete_by_key_archives_and_an_archived_contact_holds_no_key(tenant):
    held = tenant.create_contact({"email": "gone@example.com"})
    path, params = _by_key("gone@example.com", "email")
    archived = assert_contact_response(tenant.client.delete(path, params=params))
    assert archived["id"] == held["id"] and archived["archived_at"]
    assert tenant.get_contact(held["id"]) == archived
    assert_error(tenant.client.get(path, params=params), 404, "not_found")
    assert_error(tenant.client.patch(path, {"title": "x"}, params=params), 404, "not_found")
    assert tenant.get_contact(held["id"]) == archived


def test_another_tenants_holder_is_not_found(tenant, other_tenant):
    theirs = other_tenant.create_contact({"email": "mine@example.com", "external_id": "x-1"})
    for value, prop in (("mine@example.com", "email"), ("x-1", "external_id")):
        path, params = _by_key(value, prop)
        assert_error(tenant.client.get(path, params=params), 404, "not_found")
        assert_error(tenant.client.patch(path, {"title": "hijack"}, params=params), 404,
                     "not_found")
        assert_error(tenant.client.delete(path, params=params), 404, "not_found")
    assert other_tenant.get_contact(theirs["id"]) == theirs


@pytest.mark.parametrize("prop", ["first_name", "owner", "id", "nope", ""])
def test_id_property_must_name_a_unique_field(tenant, prop):
    held = tenant.create_contact({"email": "a@example.com", "first_name": "a@example.com"})
    path, params = _by_key("a@example.com", prop)
    err = assert_error(tenant.client.get(path, params=params), 400, "invalid_query")
    assert "email" in err["message"] and "external_id" in err["message"]
    assert_error(tenant.client.patch(path, {"title": "x"}, params=params), 400, "invalid_query")
    assert tenant.get_contact(held["id"]) == held


def test_a_value_the_field_cannot_hold_is_not_found(tenant):
    path, params = _by_key("not an email", "email")
    assert_error(tenant.client.get(path, params=params), 404, "not_found")


def test_without_id_property_the_path_is_still_an_id(tenant):
    tenant.create_contact({"email": "plain@example.com"})
    assert_error(tenant.client.get("/v1/contacts/plain@example.com"), 400, "invalid_id")


# ---- list filters on the unique fields: ?email=, ?external_id= -------------------------------

def _list(tenant, **params):
    r = tenant.client.get("/v1/contacts", params=params)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["next_cursor"] is None
    return page["data"]


def test_list_by_email_or_external_id_is_the_holder(tenant):
    tenant.create_contact({"email": "x@example.com", "external_id": "x"})
    held = tenant.create_contact({"email": "ada@example.com", "external_id": "crm-1"})
    assert _list(tenant, email="ADA@example.com") == [held]
    assert _list(tenant, external_id="crm-1") == [held]
    assert _list(tenant, email="ada@example.com", external_id="crm-1") == [held]
    assert _list(tenant, email="ada@example.com", external_id="x") == []  # two holders
    assert _list(tenant, external_id="CRM-1") == []
    assert _list(tenant, email="nobody@example.com") == []
    assert _list(tenant, email="not an email") == []
    assert _list(tenant, email="ada@example.com", updated_since="2999-01-01T00:00:00Z") == []
    assert _list(tenant, email="ada@example.com",
                 updated_since="2000-01-01T00:00:00Z", order="updated_at") == [held]


def test_list_by_email_skips_archived_and_other_tenants(tenant, other_tenant):
    first = tenant.create_contact({"email": "moved@example.com"})
    assert assert_contact_response(tenant.client.delete(f"/v1/contacts/{first['id']}"))
    assert _list(tenant, email="moved@example.com") == []
    second = tenant.create_contact({"email": "moved@example.com"})
    assert _list(tenant, email="moved@example.com") == [second]
    assert _list(other_tenant, email="moved@example.com") == []
    theirs = other_tenant.create_contact({"email": "moved@example.com"})
    assert _list(other_tenant, email="moved@example.com") == [theirs]


def test_list_by_email_after_a_cursor_past_the_holder_is_empty(tenant):
    held = tenant.create_contact({"email": "c@example.com"})
    tenant.create_contact({})
    first = tenant.client.get("/v1/contacts", params={"limit": 1}).json()
    assert first["data"] == [held] and first["next_cursor"]
    assert _list(tenant, email="c@example.com", cursor=first["next_cursor"]) == []
    assert_error(tenant.client.get("/v1/contacts", params={"email": "c@example.com",
                                                           "cursor": "forged"}),
                 400, "invalid_cursor")
