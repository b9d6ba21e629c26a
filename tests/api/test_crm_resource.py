"""The rest of the `crm` resource (issue 3, "The rest of the resource, in the same style"):
`POST /contacts` (201), `GET /contacts/{contactId}`, `?properties=` on every read and write,
`GET /contacts` (paginated), `DELETE` (archives, records archived_by), `POST .../restore`
(409 when a unique key was taken meanwhile). Each case checks the answer and the stored state."""

from __future__ import annotations

import urllib.parse

import pytest

from contactsd_harness import assert_error, assert_status, is_timestamp
import test_crm_common as crm
from test_crm_common import (SUB, UNKNOWN_ID, assert_crm_contact, assert_not_found,
                             contact_response, custom_values, unique, view)

model_name, server, shared = crm.model_name, crm.server, crm.shared  # fixtures, used by name
fresh, other = crm.fresh, crm.other


def u() -> str:
    return unique("")


# ---- POST /contacts ----------------------------------------------------------------------------

def test_create_with_every_field(shared):
    t = u()
    fields = {"first_name": "Ada", "last_name": "Lovelace", "email": f" Ada.{t}@Example.com ",
              "phone": "+1 (415) 555-2671", "contact_owner": "owner@example.com",
              "external_id": f"crm-{t}", "score": 7, "vip": False}
    r = shared.client.post("/contacts", {"fields": fields})
    c = contact_response(r, 201)
    assert view(c) == {"first_name": "Ada", "last_name": "Lovelace",
                       "email": f"Ada.{t}@Example.com", "contact_owner": "owner@example.com",
                       "external_id": f"crm-{t}", "archived": False, "score": 7, "vip": False}
    assert c["created_at"] == c["updated_at"]
    assert "phone" not in c  # phone is an optional property: asked for with ?properties
    assert shared.get(c["id"], ["phone"])["phone"] == "+1 (415) 555-2671"
    assert shared.get(c["id"]) == c


def test_create_with_empty_fields(shared):
    c = shared.create({})
    assert view(c) == {"first_name": None, "last_name": None, "email": None,
                       "contact_owner": None, "external_id": None, "archived": False}
    assert custom_values(c) == {}
    assert shared.get(c["id"]) == c


def test_create_drops_null_custom_values(shared):
    c = shared.create({"score": None, "tier": "gold"})
    assert custom_values(c) == {"tier": "gold"}


@pytest.mark.parametrize("body,error,fields", [
    ({}, "invalid_body", None),
    ({"fields": None}, "invalid_body", None),
    ({"first_name": "Ada"}, "invalid_body", None),
    ({"fields": {"id": UNKNOWN_ID}}, "validation_failed", {"id": "read_only"}),
    ({"fields": {"archived": "2020-01-01T00:00:00.000Z", "nope": 1}}, "validation_failed",
     {"archived": "read_only", "nope": "unknown_field"}),
    ({"fields": {"email": "nope", "score": "x"}}, "validation_failed",
     {"email": "invalid_format", "score": "invalid_type"}),
], ids=["no-fields", "fields-null", "no-envelope", "read-only", "read-only-and-unknown",
        "invalid-values"])
def test_create_refusals_store_nothing(shared, body, error, fields):
    before = shared.list_all()
    assert_error(shared.client.post("/contacts", body), 400, error, fields)
    assert shared.list_all() == before


def test_create_duplicate_is_409_and_stores_nothing(fresh):
    t = u()
    first = fresh.create({"email": f"one.{t}@example.com", "external_id": f"one-{t}"})
    r = fresh.client.post("/contacts", {"fields": {"email": f"ONE.{t}@EXAMPLE.com"}})
    err = assert_error(r, 409, "duplicate", {"email": "duplicate"})
    assert err["details"][0]["existing_id"] == first["id"]
    r = fresh.client.post("/contacts", {"fields": {"external_id": f"one-{t}"}})
    err = assert_error(r, 409, "duplicate", {"external_id": "duplicate"})
    assert err["details"][0]["existing_id"] == first["id"]
    assert [c["id"] for c in fresh.list_all()] == [first["id"]]


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", None])
def test_the_request_content_type_is_not_checked(shared, ctype):
    body = b'{"fields": {"first_name": "Ada"}}'
    session = shared.client.session  # sent by hand: the harness always adds a JSON type
    r = session.post(shared.client.base_url + "/contacts", data=body, timeout=10,
                     headers={"Content-Type": ctype} if ctype else {})
    c = contact_response(r, 201)
    assert shared.get(c["id"])["first_name"] == "Ada"


# ---- GET /contacts/{contactId} -----------------------------------------------------------------

def test_get_returns_the_stored_contact(shared):
    c = shared.create({"first_name": "Ada", "tier": "silver"})
    r = shared.client.get(f"/contacts/{c['id']}")
    got = contact_response(r, 200)
    assert got == c
    assert r.headers["ETag"] == shared.etag(c["id"])


def test_get_unknown_foreign_and_malformed(shared, other):
    theirs = other.create({"first_name": "Theirs"})
    a = assert_not_found(shared.client.get(f"/contacts/{UNKNOWN_ID}"))
    b = assert_not_found(shared.client.get(f"/contacts/{theirs['id']}"))
    assert a == b
    assert_error(shared.client.get("/contacts/not-a-uuid"), 400, "invalid_id")


# ---- ?properties= ------------------------------------------------------------------------------

# (id, the query value, the optional properties the answer must add)
PROPERTIES_OK = [
    ("phone", "phone", ["phone"]),
    ("whitespace-around-names", "  phone  ", ["phone"]),
    ("repeated-name-once", "phone,phone", ["phone"]),
    ("default-names-not-repeated", "email,id,archived,created_at,updated_at", []),
    ("default-and-optional", "first_name, phone ,external_id", ["phone"]),
    ("archived_by-is-in-the-default-set", "archived_by", []),
    ("empty-value", "", []),
    ("empty-items-ignored", ",phone,,", ["phone"]),
]


def _q(value: str) -> str:
    """?properties=VALUE, percent-encoded (a space as %20: the server reads `+` as a plus)."""
    return "?properties=" + urllib.parse.quote(value, safe=",")


def _count_key(raw: bytes, key: str) -> int:
    return raw.count(f'"{key}":'.encode())


@pytest.mark.direct  # spaces in the query, which prism re-encodes as '+' (a plus here)
@pytest.mark.parametrize("value,added", [c[1:] for c in PROPERTIES_OK],
                         ids=[c[0] for c in PROPERTIES_OK])
def test_properties_on_every_route(shared, value, added):
    """GET, PATCH, POST and the list add the same properties, once each."""
    c = shared.create({"first_name": "Ada", "phone": "555 0100", "tier": "gold"})
    q = _q(value)
    answers = [
        contact_response(shared.client.get(f"/contacts/{c['id']}{q}"), 200, added),
        contact_response(shared.client.patch(f"/contacts/{c['id']}{q}", {"fields": {}}),
                         200, added),
    ]
    created = contact_response(shared.client.post(f"/contacts{q}",
                                                  {"fields": {"phone": "555 0199"}}), 201, added)
    for got in answers:
        assert list(got) == crm.DEFAULT_KEYS + added + ["tier"], list(got)
        if added:
            assert got["phone"] == "555 0100"
    assert list(created) == crm.DEFAULT_KEYS + added
    r = shared.client.get(f"/contacts/{c['id']}{q}")
    for key in crm.DEFAULT_KEYS + added:
        assert _count_key(r.content, key) == 1, (key, r.text)
    page = assert_status(shared.client.get(f"/contacts{q}&limit=100"), 200)
    for item in page["data"]:
        assert_crm_contact(item, added)
        assert ("phone" in item) == bool(added)


def test_a_plus_in_the_query_is_a_plus_not_a_space(shared):
    """Form-style encoders write a space as `+`; the server reads `+` literally (as for every
    model), so `+phone` is not a property name: encode spaces as %20, or send none."""
    c = shared.create({})
    err = assert_error(shared.client.get(f"/contacts/{c['id']}?properties=email,+phone"),
                       400, "invalid_properties")
    assert "'+phone'" in err["message"]


# (id, the query value, the name the 400 must name)
PROPERTIES_BAD = [
    ("unknown", "nope", "nope"),
    ("unknown-beside-a-good-one", "phone,nope", "nope"),
    ("custom_fields-container", "custom_fields", "custom_fields"),
    ("case-sensitive", "PHONE", "PHONE"),
    ("write-only-envelope", "fields", "fields"),
    ("a-custom-field-name", "tier", "tier"),
]


@pytest.mark.parametrize("value,named", [c[1:] for c in PROPERTIES_BAD],
                         ids=[c[0] for c in PROPERTIES_BAD])
def test_invalid_properties_are_400_naming_them_on_every_route(shared, value, named):
    c = shared.create({"first_name": "Ada", "tier": "gold"})
    before = shared.stored(c["id"])
    params = {"properties": value}
    n_before = len(shared.list_all())
    for r in (shared.client.get(f"/contacts/{c['id']}", params=params),
              shared.client.patch(f"/contacts/{c['id']}", {"fields": {"first_name": "X"}},
                                  params=params),
              shared.client.post("/contacts", {"fields": {}}, params=params),
              shared.client.get("/contacts", params=params)):
        err = assert_error(r, 400, "invalid_properties", {"properties": "unknown_property"})
        assert f"'{named}'" in err["message"], err
    assert shared.stored(c["id"]) == before
    assert len(shared.list_all()) == n_before  # the POST stored nothing


# ---- GET /contacts -----------------------------------------------------------------------------

def test_list_pages_in_creation_order_without_archived(fresh, other):
    made = [fresh.create({"first_name": f"n{i}"}) for i in range(7)]
    other.create({"first_name": "not mine"})
    fresh.delete(made[3]["id"])
    expected = [c["id"] for c in made if c["id"] != made[3]["id"]]
    for limit in (1, 2, 6, 100, None):
        got = fresh.list_all(limit=limit)
        assert [c["id"] for c in got] == expected, limit
    first = fresh.page(limit=2)
    assert [c["id"] for c in first["data"]] == expected[:2] and first["next_cursor"]
    assert fresh.page(limit=2, cursor=first["next_cursor"])["data"][0]["id"] == expected[2]
    assert fresh.page(limit=6)["next_cursor"] is None


def test_list_items_are_the_get_answers(fresh):
    fresh.define({"name": "tier", "type": "enum", "options": ["gold"]})
    c = fresh.create({"first_name": "Ada", "tier": "gold", "phone": "1"})
    [item] = fresh.page(properties=["phone"])["data"]
    assert item == fresh.get(c["id"], ["phone"])
    [item] = fresh.page()["data"]
    assert item == fresh.get(c["id"])


def test_list_default_limit_is_50(fresh):
    for _ in range(51):
        assert_status(fresh.client.post("/contacts", {"fields": {}}), 201)
    page = fresh.page()
    assert len(page["data"]) == 50 and page["next_cursor"]
    assert len(fresh.page(cursor=page["next_cursor"])["data"]) == 1


@pytest.mark.parametrize("params,error", [
    ({"limit": 0}, "invalid_query"), ({"limit": 101}, "invalid_query"),
    ({"limit": "ten"}, "invalid_query"), ({"cursor": "abc"}, "invalid_cursor"),
    ({"tag": "vip"}, "invalid_query"),
])
def test_list_refuses_bad_queries(shared, params, error):
    assert_error(shared.client.get("/contacts", params=params), 400, error)


# ---- DELETE /contacts/{contactId}: archive ------------------------------------------------------

def test_delete_archives_and_answers_the_archived_object(shared):
    t = u()
    c = shared.create({"first_name": "Ada", "email": f"del.{t}@example.com", "score": 1})
    r = shared.client.delete(f"/contacts/{c['id']}")
    got = contact_response(r, 200)
    assert list(got)[:10] == ["id", "first_name", "last_name", "email", "contact_owner",
                              "external_id", "archived", "archived_by", "created_at",
                              "updated_at"]
    assert is_timestamp(got["archived"]) and got["archived_by"] == SUB
    assert got["updated_at"] == got["archived"]
    assert {k: v for k, v in view(got).items() if k not in ("archived", "archived_by")} == \
        {k: v for k, v in view(c).items() if k != "archived"}
    stored = shared.get(c["id"])  # GET still answers an archived contact
    assert stored == got
    assert c["id"] not in [x["id"] for x in shared.list_all()]


def test_delete_with_an_api_key_records_the_key_id(shared):
    c = shared.create({})
    got = contact_response(shared.keyed.delete(f"/contacts/{c['id']}"), 200)
    assert got["archived_by"] == shared.key["id"]
    assert shared.get(c["id"])["archived_by"] == shared.key["id"]


def test_delete_again_changes_nothing(shared):
    c = shared.create({"first_name": "Ada"})
    first = shared.delete(c["id"])
    someone_else = shared.jwt_client(sub="someone.else@example.com")
    again = contact_response(someone_else.delete(f"/contacts/{c['id']}"), 200)
    assert again == first  # same archived time, same archived_by
    assert shared.get(c["id"]) == first


def test_delete_unknown_foreign_and_malformed(shared, other):
    theirs = other.create({"first_name": "Theirs"})
    assert_not_found(shared.client.delete(f"/contacts/{UNKNOWN_ID}"))
    assert_not_found(shared.client.delete(f"/contacts/{theirs['id']}"))
    assert other.get(theirs["id"])["archived"] is False
    assert_error(shared.client.delete("/contacts/nope"), 400, "invalid_id")


# ---- POST /contacts/{contactId}/restore ---------------------------------------------------------

def test_restore_unarchives(shared):
    t = u()
    c = shared.create({"first_name": "Ada", "email": f"res.{t}@example.com", "tier": "gold"})
    archived = shared.delete(c["id"])
    r = shared.client.post(f"/contacts/{c['id']}/restore")
    got = contact_response(r, 200)
    assert got["archived"] is False and "archived_by" not in got
    assert list(got) == crm.DEFAULT_KEYS + ["tier"]
    assert view(got) == view(c)
    assert got["updated_at"] >= archived["updated_at"]
    assert shared.get(c["id"]) == got
    assert c["id"] in [x["id"] for x in shared.list_all()]
    assert shared.patch(c["id"], {"first_name": "Grace"})["first_name"] == "Grace"


def test_delete_and_restore_answer_the_default_set(shared):
    """As served: DELETE and restore do not read ?properties (see docs/models/crm.md)."""
    c = shared.create({"phone": "555 0100"})
    got = contact_response(shared.client.delete(f"/contacts/{c['id']}",
                                                params={"properties": "phone"}), 200)
    assert "phone" not in got
    got = contact_response(shared.client.post(f"/contacts/{c['id']}/restore",
                                              params={"properties": "phone"}), 200)
    assert "phone" not in got and got["archived"] is False


def test_restore_an_active_contact_changes_nothing(shared):
    c = shared.create({"first_name": "Ada"})
    assert shared.restore(c["id"]) == c
    assert shared.get(c["id"]) == c


@pytest.mark.parametrize("field", ["email", "external_id"])
def test_restore_is_409_when_a_key_was_taken_meanwhile(shared, field):
    t = u()
    value = f"taken.{t}@example.com" if field == "email" else f"taken-{t}"
    c = shared.create({field: value})
    archived = shared.delete(c["id"])
    taker = shared.create({field: value.upper() if field == "email" else value})
    r = shared.client.post(f"/contacts/{c['id']}/restore")
    err = assert_error(r, 409, "duplicate", {field: "duplicate"})
    assert field in err["message"]
    assert err["details"][0]["existing_id"] == taker["id"]
    assert shared.get(c["id"]) == archived  # still archived, untouched
    shared.delete(taker["id"])  # once the key is free again, restore works
    assert shared.restore(c["id"])[field] == value


def test_restore_unknown_foreign_and_malformed(shared, other):
    theirs = other.create({})
    other.delete(theirs["id"])
    assert_not_found(shared.client.post(f"/contacts/{UNKNOWN_ID}/restore"))
    assert_not_found(shared.client.post(f"/contacts/{theirs['id']}/restore"))
    assert other.get(theirs["id"])["archived"] is not False
    assert_error(shared.client.post("/contacts/nope/restore"), 400, "invalid_id")


# ---- methods -----------------------------------------------------------------------------------

@pytest.mark.direct  # a GET with a body, which prism will not forward
@pytest.mark.parametrize("method,path", [
    ("POST", "/contacts/{id}"), ("GET", "/contacts/{id}/restore"),
    ("PATCH", "/custom-fields"),
])
def test_other_methods_are_405(shared, method, path):
    c = shared.create({})
    r = shared.client.request(method, path.format(id=c["id"]), {"fields": {}})
    assert_error(r, 405, "method_not_allowed")
    assert shared.get(c["id"]) == c


# ---- addressing by a unique key (?id_property=) ---------------------------------------------

def test_get_patch_and_delete_by_email_or_external_id(shared, other):
    t = u()
    c = shared.create({"email": f"key.{t}@example.com", "external_id": f"key-{t}",
                       "phone": "+14155552671"})
    by_email = {"id_property": "email"}
    path = f"/contacts/{urllib.parse.quote(f'KEY.{t}@Example.com', safe='')}"
    # With ?properties=, as by id.
    got = contact_response(shared.client.get(path, params={**by_email, "properties": "phone"}),
                           200, ["phone"])
    assert got == shared.stored(c["id"])
    patched = contact_response(shared.client.patch(path, {"fields": {"first_name": "Key"}},
                                                   params=by_email), 200)
    assert patched["id"] == c["id"] and shared.get(c["id"]) == patched
    # Another account's key names nothing.
    assert_not_found(other.client.get(path, params=by_email))
    assert_not_found(other.client.get(f"/contacts/key-{t}", params={"id_property": "external_id"}))
    err = assert_error(shared.client.get(path, params={"id_property": "first_name"}), 400,
                       "invalid_query")
    assert "email" in err["message"]
    archived = contact_response(shared.client.delete(f"/contacts/key-{t}",
                                                     params={"id_property": "external_id"}), 200)
    assert archived["id"] == c["id"] and archived["archived"]
    assert_not_found(shared.client.get(path, params=by_email))  # archived: holds no key
    assert shared.get(c["id"]) == archived


def test_list_by_email_or_external_id(shared):
    t = u()
    c = shared.create({"email": f"list.{t}@example.com", "external_id": f"list-{t}"})
    for params in ({"email": f"LIST.{t}@example.com"}, {"external_id": f"list-{t}"}):
        page = assert_status(shared.client.get("/contacts", params=params), 200)
        assert page == {"data": [shared.get(c["id"])], "next_cursor": None}
    page = assert_status(shared.client.get("/contacts", params={"email": f"no.{t}@example.com"}),
                         200)
    assert page == {"data": [], "next_cursor": None}


# ---- issue 16: batch, Idempotency-Key, ?q= in the crm contract ---------------------------------

def test_batch_takes_bodies_in_the_fields_envelope(shared):
    t = u()
    r = assert_status(shared.client.post("/contacts/batch", {"atomic": True, "operations": [
        {"op": "create", "body": {"fields": {"email": f"b.{t}@example.com", "score": 1}}},
        {"op": "upsert", "id": f"ext-{t}", "id_property": "external_id",
         "body": {"fields": {"first_name": "Up"}}},
        {"op": "update", "id": f"b.{t}@example.com", "id_property": "email",
         "body": {"fields": {"score": 2}}},
    ]}), 200)
    assert [x["status"] for x in r["results"]] == [201, 201, 200]
    for x in r["results"]:
        assert_crm_contact(x["contact"])
    first, upserted, updated = (x["contact"] for x in r["results"])
    assert updated["id"] == first["id"] and updated["score"] == 2
    assert shared.get(first["id"]) == updated
    assert shared.get(upserted["id"])["external_id"] == f"ext-{t}"
    # A flat body is not this model's envelope: that operation fails, alone.
    r = assert_status(shared.client.post("/contacts/batch", {"operations": [
        {"op": "create", "body": {"email": f"flat.{t}@example.com"}}]}), 200)
    assert r["results"][0]["status"] == 400


def test_an_idempotent_create_replays(shared):
    t = u()
    key = {"Idempotency-Key": f"crm-{t}"}
    body = {"fields": {"email": f"idem.{t}@example.com"}}
    first = shared.client.post("/contacts", body, headers=key)
    c = contact_response(first, 201)
    again = shared.client.post("/contacts", body, headers=key)
    assert again.status_code == 201 and again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    page = assert_status(shared.client.get("/contacts", params={"email": f"idem.{t}@example.com"}),
                         200)
    assert [x["id"] for x in page["data"]] == [c["id"]]


def test_q_finds_by_name_and_email_prefix(shared):
    t = u()
    c = shared.create({"first_name": f"Zed{t}", "email": f"zq.{t}@example.com"})
    for q in (f"zed{t}", f"ZED{t}"[:6], f"zq.{t}"):
        page = assert_status(shared.client.get("/contacts", params={"q": q}), 200)
        assert c["id"] in [x["id"] for x in page["data"]], q
