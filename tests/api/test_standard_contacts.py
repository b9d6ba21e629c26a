"""The `standard` model's contacts: create, read, patch, archive, restore; validation tables
(every bad field listed at once), read-only and unknown keys, uniqueness, tenant isolation of
single contacts. Every failed write is followed by a GET proving nothing changed."""

import time
import uuid

import pytest

from contactsd_harness import (CONTACT_KEYS, assert_contact_response, assert_error,
                               is_timestamp, list_all)

UNKNOWN_ID = "0190a0b0-0000-7000-8000-000000000000"
LONG_EMAIL = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"  # 254 chars
assert len(LONG_EMAIL) == 254

FULL = {
    "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
    "phone": "+14155552671", "company": "Analytical Engines", "title": "Countess",
    "notes": "First programmer.", "tags": ["math", "poetry"], "owner": "boss@example.com",
    "external_id": "crm-1", "custom_fields": {},
}


def _url(cid):
    return f"/v1/contacts/{cid}"


def _tick():
    time.sleep(0.005)  # timestamps have millisecond resolution


# ---- create ----------------------------------------------------------------------------------

def test_create_empty_contact(tenant):
    r = tenant.client.post("/v1/contacts", {})
    c = assert_contact_response(r, 201)
    assert c == {**{k: None for k in CONTACT_KEYS}, "id": c["id"], "tags": [],
                 "custom_fields": {}, "version": 1, "created_at": c["created_at"],
                 "updated_at": c["updated_at"]}
    assert c["created_at"] == c["updated_at"]
    assert r.headers["ETag"] == '"1"'
    assert tenant.get_contact(c["id"]) == c
    assert [x["id"] for x in list_all(tenant.client)] == [c["id"]]


def test_create_full_contact_is_stored_as_sent(tenant):
    c = tenant.create_contact(FULL)
    assert {k: c[k] for k in FULL} == FULL
    assert c["version"] == 1 and c["archived_at"] is None
    assert tenant.get_contact(c["id"]) == c


def test_ids_are_unique(tenant):
    ids = {tenant.create_contact({})["id"] for _ in range(10)}
    assert len(ids) == 10


# (field, sent, stored): what a valid value is stored as; checked through POST and PATCH.
NORMALIZED = [
    ("email", "  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com"),
    ("email", "ada+tag@sub.example.co.uk", "ada+tag@sub.example.co.uk"),
    ("email", "\tAda@Example.com\n", "ada@example.com"),
    ("email", LONG_EMAIL.upper(), LONG_EMAIL),
    ("email", None, None),
    ("owner", " Boss@Example.com", "boss@example.com"),
    ("owner", None, None),
    ("phone", "+1 (415) 555-2671", "+14155552671"),
    ("phone", "+44 20 7946 0958", "+442079460958"),
    ("phone", "415-555-2671", "+14155552671"),
    ("phone", "(415) 555-2671", "+14155552671"),
    ("phone", "+14155552671", "+14155552671"),
    ("phone", None, None),
    ("tags", ["a", "b", "a", "c", "b"], ["a", "b", "c"]),
    ("tags", ["z", "y", "x"], ["z", "y", "x"]),
    ("tags", [], []),
    ("tags", None, []),
    ("tags", ["t" * 100] + [f"tag{i}" for i in range(49)], ["t" * 100] + [f"tag{i}" for i in range(49)]),
    # (whether "at most 50" counts before or after removing repeats is not pinned down)
    ("first_name", "Zoë 李", "Zoë 李"),
    ("first_name", "x" * 200, "x" * 200),
    ("first_name", "é" * 200, "é" * 200),  # characters, not bytes
    ("first_name", "😀" * 200, "😀" * 200),  # code points, not UTF-16 units
    ("first_name", "a\u0000b", "a\u0000b"),  # an embedded NUL is kept, not a C-string cut
    ("last_name", "y" * 200, "y" * 200),
    ("company", "c" * 200, "c" * 200),
    ("title", "t" * 200, "t" * 200),
    ("notes", "n" * 10000, "n" * 10000),
    ("notes", "line1\nline2\t\"quoted\" \\ </script>", "line1\nline2\t\"quoted\" \\ </script>"),
    ("external_id", "e" * 200, "e" * 200),
    ("custom_fields", {}, {}),
    ("custom_fields", None, {}),
    ("company", None, None),
]
NORMALIZED_IDS = [f"{f}-{i}" for i, (f, _, _) in enumerate(NORMALIZED)]


@pytest.mark.parametrize("field,sent,stored", NORMALIZED, ids=NORMALIZED_IDS)
def test_create_and_patch_normalize(tenant, field, sent, stored):
    c = tenant.create_contact({field: sent})
    assert c[field] == stored
    assert tenant.get_contact(c["id"]) == c
    assert_contact_response(tenant.client.delete(_url(c["id"])))  # frees its unique values
    # the same value through PATCH, on a contact that holds other values
    before = tenant.create_contact(FULL)
    _tick()
    r = tenant.client.patch(_url(before["id"]), {field: sent})
    after = assert_contact_response(r)
    assert after[field] == stored
    assert {k: after[k] for k in FULL if k != field} == {k: before[k] for k in FULL if k != field}
    assert after["version"] == before["version"] + (0 if before[field] == stored else 1)
    assert tenant.get_contact(before["id"]) == after


# ---- validation ------------------------------------------------------------------------------

TOO_LONG = {"too_long"}
BAD_EMAIL = {"invalid_format"}

# (body, {field: allowed codes}) - every bad field must be listed, and only those.
INVALID = [
    ({"first_name": "x" * 201}, {"first_name": TOO_LONG}),
    ({"last_name": "x" * 201}, {"last_name": TOO_LONG}),
    ({"company": "x" * 201}, {"company": TOO_LONG}),
    ({"title": "x" * 201}, {"title": TOO_LONG}),
    ({"first_name": "é" * 201}, {"first_name": TOO_LONG}),
    ({"title": "😀" * 201}, {"title": TOO_LONG}),
    ({"notes": "x" * 10001}, {"notes": TOO_LONG}),
    ({"external_id": "x" * 201}, {"external_id": TOO_LONG}),
    ({"email": "a" + LONG_EMAIL}, {"email": {"too_long", "invalid_format"}}),
    ({"email": "not-an-email"}, {"email": BAD_EMAIL}),
    ({"email": "a@"}, {"email": BAD_EMAIL}),
    ({"email": "@example.com"}, {"email": BAD_EMAIL}),
    ({"email": "a b@example.com"}, {"email": BAD_EMAIL}),
    ({"email": "a@@example.com"}, {"email": BAD_EMAIL}),
    ({"owner": "boss"}, {"owner": BAD_EMAIL}),
    ({"phone": "hello"}, {"phone": {"invalid_format"}}),
    ({"phone": "+1 123"}, {"phone": {"invalid_format"}}),
    ({"phone": "12"}, {"phone": {"invalid_format"}}),
    ({"first_name": 123}, {"first_name": {"invalid_type"}}),
    ({"first_name": True}, {"first_name": {"invalid_type"}}),
    ({"last_name": ["a"]}, {"last_name": {"invalid_type"}}),
    ({"company": {"a": 1}}, {"company": {"invalid_type"}}),
    ({"notes": False}, {"notes": {"invalid_type"}}),
    ({"email": 5}, {"email": {"invalid_type"}}),
    ({"owner": ["a@b.com"]}, {"owner": {"invalid_type"}}),
    ({"phone": 4155552671}, {"phone": {"invalid_type"}}),
    ({"external_id": 7}, {"external_id": {"invalid_type"}}),
    ({"tags": "a"}, {"tags": {"invalid_type"}}),
    ({"tags": {"a": 1}}, {"tags": {"invalid_type"}}),
    ({"custom_fields": []}, {"custom_fields": {"invalid_type"}}),
    ({"custom_fields": "x"}, {"custom_fields": {"invalid_type"}}),
    ({"id": str(uuid.uuid4())}, {"id": {"read_only"}}),
    ({"created_at": "2026-01-01T00:00:00.000Z"}, {"created_at": {"read_only"}}),
    ({"updated_at": "2026-01-01T00:00:00.000Z"}, {"updated_at": {"read_only"}}),
    ({"archived_at": None}, {"archived_at": {"read_only"}}),
    ({"version": 5}, {"version": {"read_only"}}),
    ({"foo": 1}, {"foo": {"unknown_field"}}),
    ({"First_Name": "Ada"}, {"First_Name": {"unknown_field"}}),
    ({"full_name": "Ada Lovelace"}, {"full_name": {"unknown_field"}}),
    ({"": "x"}, {"": {"unknown_field"}}),
    ({"email": "bad", "foo": 1, "first_name": 5},
     {"email": BAD_EMAIL, "foo": {"unknown_field"}, "first_name": {"invalid_type"}}),
    ({"first_name": "ok", "last_name": "x" * 201, "version": 1, "bar": None},
     {"last_name": TOO_LONG, "version": {"read_only"}, "bar": {"unknown_field"}}),
    ({"first_name": 1, "last_name": 2, "company": 3, "title": 4, "notes": 5, "email": "x",
      "phone": "hello", "tags": 6, "owner": "y", "external_id": 8, "custom_fields": 9,
      "id": "x", "version": 2, "nope": 0},
     {"first_name": {"invalid_type"}, "last_name": {"invalid_type"}, "company": {"invalid_type"},
      "title": {"invalid_type"}, "notes": {"invalid_type"}, "email": BAD_EMAIL,
      "phone": {"invalid_format"}, "tags": {"invalid_type"}, "owner": BAD_EMAIL,
      "external_id": {"invalid_type"}, "custom_fields": {"invalid_type"}, "id": {"read_only"},
      "version": {"read_only"}, "nope": {"unknown_field"}}),
]
INVALID_IDS = [f"{i}-" + "+".join(f"{k}:{type(v).__name__}" for k, v in b.items())
               for i, (b, _) in enumerate(INVALID)]

# Bad tags: the detail may name "tags" or the element ("tags[0]", "tags.0").
INVALID_TAGS = [
    pytest.param([1], id="number-item"),
    pytest.param([None], id="null-item"),
    pytest.param([""], id="empty-item"),
    pytest.param(["ok", "t" * 101], id="item-too-long"),
    pytest.param([f"t{i}" for i in range(51)], id="51-items"),
    pytest.param([["nested"]], id="array-item"),
]


@pytest.mark.parametrize("body,fields", INVALID, ids=INVALID_IDS)
def test_invalid_fields_are_all_listed_and_nothing_is_written(tenant, body, fields):
    assert_error(tenant.client.post("/v1/contacts", body), 400, "validation_failed", fields)
    assert list_all(tenant.client) == []
    before = tenant.create_contact(FULL)
    r = tenant.client.patch(_url(before["id"]), body)
    assert_error(r, 400, "validation_failed", fields)
    assert tenant.get_contact(before["id"]) == before


def _assert_tags_error(r):
    body = assert_error(r, 400, "validation_failed")
    fields = [d["field"] for d in body.get("details", [])]
    assert fields and all(f == "tags" or f.startswith(("tags.", "tags[")) for f in fields), body


@pytest.mark.parametrize("tags", INVALID_TAGS)
def test_invalid_tags_are_rejected(tenant, tags):
    _assert_tags_error(tenant.client.post("/v1/contacts", {"tags": tags}))
    assert list_all(tenant.client) == []
    before = tenant.create_contact(FULL)
    _assert_tags_error(tenant.client.patch(_url(before["id"]), {"tags": tags}))
    assert tenant.get_contact(before["id"]) == before


def test_the_own_id_in_a_patch_is_still_read_only(tenant):
    before = tenant.create_contact(FULL)
    body = {k: before[k] for k in ("id", "version", "created_at", "updated_at", "archived_at")}
    r = tenant.client.patch(_url(before["id"]), body)
    assert_error(r, 400, "validation_failed", {k: "read_only" for k in body})
    assert tenant.get_contact(before["id"]) == before


def test_a_full_get_response_cannot_be_sent_back_as_a_patch(tenant):
    before = tenant.create_contact(FULL)
    r = tenant.client.patch(_url(before["id"]), before)
    assert_error(r, 400, "validation_failed",
                 {k: "read_only" for k in ("id", "version", "created_at", "updated_at",
                                           "archived_at")})
    assert tenant.get_contact(before["id"]) == before


# ---- get -------------------------------------------------------------------------------------

MALFORMED_IDS = ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g",
                 "00000000000000000000000000000000", "0190a0b0-0000-7000-8000-0000000000000",
                 "%27%20OR%201%3D1%20--", "%00"]


@pytest.mark.parametrize("bad_id", MALFORMED_IDS)
def test_malformed_id_is_400_invalid_id(tenant, bad_id):
    other = tenant.create_contact(FULL)
    for method, suffix, body in [("GET", "", None), ("PATCH", "", {"first_name": "x"}),
                                 ("DELETE", "", None), ("POST", "/restore", None)]:
        r = tenant.client.request(method, f"/v1/contacts/{bad_id}{suffix}",
                                  **({} if body is None else {"body": body}))
        assert_error(r, 400, "invalid_id")
    assert tenant.get_contact(other["id"]) == other


def _masked(body, cid):
    """The 404 body with the id (if the message quotes it) masked, for comparing."""
    return {k: (v.replace(cid, "<id>") if isinstance(v, str) else v) for k, v in body.items()}


@pytest.mark.parametrize("method,suffix,body", [
    ("GET", "", None), ("PATCH", "", {"first_name": "Mallory"}), ("PATCH", "", {}),
    ("DELETE", "", None), ("POST", "/restore", None),
])
def test_another_tenants_contact_is_indistinguishable_from_an_unknown_id(
        tenant, other_tenant, method, suffix, body):
    theirs = other_tenant.create_contact(FULL)
    kw = {} if body is None else {"body": body}
    foreign = tenant.client.request(method, f"/v1/contacts/{theirs['id']}{suffix}", **kw)
    unknown = tenant.client.request(method, f"/v1/contacts/{UNKNOWN_ID}{suffix}", **kw)
    b1 = assert_error(foreign, 404, "not_found")
    b2 = assert_error(unknown, 404, "not_found")
    assert _masked(b1, theirs["id"]) == _masked(b2, UNKNOWN_ID)
    assert "ETag" not in foreign.headers
    assert other_tenant.get_contact(theirs["id"]) == theirs


def test_same_email_and_external_id_in_two_tenants(tenant, other_tenant):
    a = tenant.create_contact({"email": "same@example.com", "external_id": "X-1"})
    b = other_tenant.create_contact({"email": "same@example.com", "external_id": "X-1"})
    assert a["id"] != b["id"]
    assert [c["id"] for c in list_all(tenant.client)] == [a["id"]]
    assert [c["id"] for c in list_all(other_tenant.client)] == [b["id"]]


# ---- patch -----------------------------------------------------------------------------------

def test_patch_changes_only_the_sent_keys(tenant):
    before = tenant.create_contact(FULL)
    _tick()
    r = tenant.client.patch(_url(before["id"]), {"company": "Babbage & Co", "title": None})
    after = assert_contact_response(r)
    assert after == {**before, "company": "Babbage & Co", "title": None, "version": 2,
                     "updated_at": after["updated_at"]}
    assert after["updated_at"] > before["updated_at"]
    assert r.headers["ETag"] == '"2"'
    assert tenant.get_contact(before["id"]) == after


def test_null_clears_every_field(tenant):
    before = tenant.create_contact({**FULL, "tags": ["a"]})
    body = {k: None for k in FULL}
    after = assert_contact_response(tenant.client.patch(_url(before["id"]), body))
    assert after == {**before, **{k: None for k in FULL}, "tags": [], "custom_fields": {},
                     "version": 2, "updated_at": after["updated_at"]}
    assert tenant.get_contact(before["id"]) == after


def test_empty_patch_is_a_no_op(tenant):
    before = tenant.create_contact(FULL)
    _tick()
    r = tenant.client.patch(_url(before["id"]), {})
    assert assert_contact_response(r) == before
    assert r.headers["ETag"] == '"1"'
    assert tenant.get_contact(before["id"]) == before


def test_patch_with_the_current_values_is_a_no_op(tenant):
    before = tenant.create_contact(FULL)
    _tick()
    same = {
        "first_name": "Ada", "email": "  ADA@Example.com ", "phone": "(415) 555-2671",
        "tags": ["math", "poetry", "math"], "owner": "Boss@example.com", "custom_fields": {},
        "external_id": "crm-1",
    }
    assert assert_contact_response(tenant.client.patch(_url(before["id"]), same)) == before
    assert tenant.get_contact(before["id"]) == before


def test_clearing_an_unset_field_is_a_no_op(tenant):
    before = tenant.create_contact({})
    _tick()
    r = tenant.client.patch(_url(before["id"]), {"email": None, "tags": None, "notes": None})
    assert assert_contact_response(r) == before


def test_each_change_bumps_the_version_by_exactly_one(tenant):
    c = tenant.create_contact({})
    created_at = c["created_at"]
    for i in range(2, 7):
        _tick()
        prev = c
        c = assert_contact_response(tenant.client.patch(_url(c["id"]),
                                                        {"first_name": f"n{i}", "notes": str(i)}))
        assert c["version"] == i
        assert c["created_at"] == created_at
        assert c["updated_at"] > prev["updated_at"]
    assert tenant.get_contact(c["id"]) == c


@pytest.mark.parametrize("if_match", ['"{v}"', "*", '"7", "{v}"', 'W/"{v}", "{v}"'])
def test_if_match_with_the_current_version_applies(tenant, if_match):
    before = tenant.create_contact(FULL)
    r = tenant.client.patch(_url(before["id"]), {"first_name": "Augusta"},
                            headers={"If-Match": if_match.format(v=1)})
    after = assert_contact_response(r)
    assert after["first_name"] == "Augusta" and after["version"] == 2
    r = tenant.client.patch(_url(before["id"]), {"first_name": "Ada"},
                            headers={"If-Match": if_match.format(v=2)})
    assert assert_contact_response(r)["version"] == 3
    assert tenant.get_contact(before["id"])["first_name"] == "Ada"


# A weak tag never matches If-Match, not even the current version's (RFC 9110 §13.1.1: strong
# comparison), and "02" is another tag than "2".
@pytest.mark.parametrize("if_match", ['"1"', '"3"', '"999"', '"0"', '"abc"', 'W/"1"', 'W/"2"',
                                      '"02"', "2", '"1", "3"'])
def test_if_match_with_another_version_is_412(tenant, if_match):
    c = tenant.create_contact(FULL)
    before = assert_contact_response(tenant.client.patch(_url(c["id"]), {"first_name": "v2"}))
    r = tenant.client.patch(_url(c["id"]), {"first_name": "Mallory"}, headers={"If-Match": if_match})
    assert_error(r, 412, "precondition_failed")
    assert tenant.get_contact(c["id"]) == before


def test_if_match_is_checked_even_for_a_no_op(tenant):
    c = tenant.create_contact(FULL)
    before = assert_contact_response(tenant.client.patch(_url(c["id"]), {"first_name": "v2"}))
    r = tenant.client.patch(_url(c["id"]), {}, headers={"If-Match": '"1"'})
    assert_error(r, 412, "precondition_failed")
    assert tenant.get_contact(c["id"]) == before


# ---- uniqueness ------------------------------------------------------------------------------

def _assert_duplicate(r, field, holder_id):
    body = assert_error(r, 409, "duplicate", {field: None})
    assert field in body["message"], body
    # The holder is named, so a sync can fetch or update it instead.
    assert body["details"][0]["existing_id"] == holder_id, body
    return body


@pytest.mark.parametrize("field,first,second", [
    ("email", "dup@example.com", "  DUP@Example.COM "),
    ("email", "dup@example.com", "dup@example.com"),
    ("external_id", "ext-1", "ext-1"),
])
def test_create_with_a_taken_unique_value_is_409(tenant, field, first, second):
    a = tenant.create_contact({field: first, "first_name": "A"})
    _assert_duplicate(tenant.client.post("/v1/contacts", {field: second, "first_name": "B"}),
                      field, a["id"])
    assert list_all(tenant.client) == [a]


def test_external_id_is_case_sensitive(tenant):
    tenant.create_contact({"external_id": "ext-1"})
    assert tenant.create_contact({"external_id": "EXT-1"})["external_id"] == "EXT-1"


@pytest.mark.parametrize("field,value", [("email", "taken@example.com"),
                                         ("external_id", "taken-1")])
def test_patch_into_a_taken_unique_value_is_409_and_changes_nothing(tenant, field, value):
    holder = tenant.create_contact({field: value})
    before = tenant.create_contact({**FULL, field: None})
    r = tenant.client.patch(_url(before["id"]), {field: value, "first_name": "Changed"})
    _assert_duplicate(r, field, holder["id"])
    assert tenant.get_contact(before["id"]) == before


def test_owner_and_empty_values_are_not_unique(tenant):
    a = tenant.create_contact({"owner": "boss@example.com"})
    b = tenant.create_contact({"owner": "boss@example.com"})
    assert a["owner"] == b["owner"] == "boss@example.com"
    tenant.create_contact({"email": None, "external_id": None})
    tenant.create_contact({"email": None, "external_id": None})
    assert len(list_all(tenant.client)) == 4


def test_a_changed_or_cleared_unique_value_is_released(tenant):
    a = tenant.create_contact({"email": "one@example.com", "external_id": "one"})
    r = tenant.client.patch(_url(a["id"]), {"email": "two@example.com", "external_id": None})
    assert assert_contact_response(r)["version"] == 2
    b = tenant.create_contact({"email": "one@example.com", "external_id": "one"})
    assert b["email"] == "one@example.com"
    _assert_duplicate(tenant.client.post("/v1/contacts", {"email": "two@example.com"}), "email",
                      a["id"])


def test_a_duplicate_names_the_active_holder_in_the_callers_tenant_only(tenant, other_tenant):
    archived = tenant.create_contact({"email": "held@example.com"})
    assert assert_contact_response(tenant.client.delete(_url(archived["id"])))["archived_at"]
    holder = tenant.create_contact({"email": "held@example.com"})
    body = _assert_duplicate(tenant.client.post("/v1/contacts", {"email": "HELD@example.com"}),
                             "email", holder["id"])
    assert archived["id"] not in str(body)
    # Another tenant's contacts neither clash nor are named.
    theirs = other_tenant.create_contact({"email": "held@example.com"})
    assert holder["id"] not in str(theirs)
    _assert_duplicate(other_tenant.client.post("/v1/contacts", {"email": "held@example.com"}),
                      "email", theirs["id"])


# ---- archive and restore ---------------------------------------------------------------------

def test_delete_archives_and_keeps_the_data(tenant):
    before = tenant.create_contact(FULL)
    _tick()
    r = tenant.client.delete(_url(before["id"]))
    archived = assert_contact_response(r)
    assert is_timestamp(archived["archived_at"])
    assert archived["version"] == 2
    assert {k: archived[k] for k in FULL} == {k: before[k] for k in FULL}
    assert archived["created_at"] == before["created_at"]
    assert tenant.get_contact(before["id"]) == archived
    assert list_all(tenant.client) == []


def test_deleting_twice_is_a_no_op(tenant):
    c = tenant.create_contact(FULL)
    archived = assert_contact_response(tenant.client.delete(_url(c["id"])))
    _tick()
    assert assert_contact_response(tenant.client.delete(_url(c["id"]))) == archived
    assert tenant.get_contact(c["id"]) == archived


@pytest.mark.parametrize("body", [{"first_name": "Zombie"}, {}, {"email": "new@example.com"}])
def test_patching_an_archived_contact_is_409(tenant, body):
    c = tenant.create_contact(FULL)
    archived = assert_contact_response(tenant.client.delete(_url(c["id"])))
    assert_error(tenant.client.patch(_url(c["id"]), body), 409, "archived")
    assert tenant.get_contact(c["id"]) == archived


def test_restore_unarchives(tenant):
    c = tenant.create_contact(FULL)
    archived = assert_contact_response(tenant.client.delete(_url(c["id"])))
    _tick()
    restored = assert_contact_response(tenant.client.post(f"{_url(c['id'])}/restore"))
    assert restored["archived_at"] is None
    assert restored["version"] == 3
    assert {k: restored[k] for k in FULL} == {k: c[k] for k in FULL}
    assert tenant.get_contact(c["id"]) == restored
    assert list_all(tenant.client) == [restored]
    patched = assert_contact_response(tenant.client.patch(_url(c["id"]), {"first_name": "Back"}))
    assert patched["version"] == 4
    assert archived["version"] == 2


def test_delete_with_a_stale_if_match_is_412_and_archives_nothing(tenant):
    c = tenant.create_contact(FULL)
    v2 = assert_contact_response(tenant.client.patch(_url(c["id"]), {"first_name": "v2"}))
    r = tenant.client.delete(_url(c["id"]), headers={"If-Match": '"1"'})
    assert_error(r, 412, "precondition_failed")
    assert tenant.get_contact(c["id"]) == v2
    assert tenant.get_contact(c["id"])["archived_at"] is None
    archived = assert_contact_response(tenant.client.delete(_url(c["id"]),
                                                            headers={"If-Match": '"2"'}))
    assert archived["version"] == 3 and archived["archived_at"] is not None
    # Archived already: the same version matches (a no-op), another does not, nor a weak tag.
    assert assert_contact_response(
        tenant.client.delete(_url(c["id"]), headers={"If-Match": '"3"'})) == archived
    assert_error(tenant.client.delete(_url(c["id"]), headers={"If-Match": 'W/"3"'}), 412,
                 "precondition_failed")
    assert_error(tenant.client.delete(_url(c["id"]), headers={"If-Match": '"2"'}), 412,
                 "precondition_failed")
    assert_error(tenant.client.delete(_url(c["id"]), headers={"If-Match": "three"}), 412,
                 "precondition_failed")
    assert tenant.get_contact(c["id"]) == archived


def test_restore_with_a_stale_if_match_is_412_and_stays_archived(tenant):
    c = tenant.create_contact(FULL)
    archived = assert_contact_response(tenant.client.delete(_url(c["id"])))
    r = tenant.client.post(f"{_url(c['id'])}/restore", headers={"If-Match": '"1"'})
    assert_error(r, 412, "precondition_failed")
    assert tenant.get_contact(c["id"]) == archived
    restored = assert_contact_response(
        tenant.client.post(f"{_url(c['id'])}/restore", headers={"If-Match": '"2"'}))
    assert restored["version"] == 3 and restored["archived_at"] is None
    assert tenant.get_contact(c["id"]) == restored


def test_restoring_an_active_contact_is_a_no_op(tenant):
    c = tenant.create_contact(FULL)
    assert assert_contact_response(tenant.client.post(f"{_url(c['id'])}/restore")) == c
    assert tenant.get_contact(c["id"]) == c


def test_an_archived_contacts_unique_values_are_free(tenant):
    a = tenant.create_contact({"email": "free@example.com", "external_id": "free-1"})
    tenant.client.delete(_url(a["id"]))
    b = tenant.create_contact({"email": "free@example.com", "external_id": "free-1"})
    assert b["email"] == "free@example.com"
    c = tenant.create_contact({})
    # and patching another contact into them works too once b is archived
    tenant.client.delete(_url(b["id"]))
    patched = assert_contact_response(tenant.client.patch(_url(c["id"]),
                                                          {"email": "free@example.com"}))
    assert patched["email"] == "free@example.com"


@pytest.mark.parametrize("field", ["email", "external_id"])
def test_restore_is_409_when_a_unique_value_was_taken_meanwhile(tenant, field):
    value = "taken@example.com" if field == "email" else "taken-1"
    a = tenant.create_contact({field: value, "first_name": "A"})
    archived = assert_contact_response(tenant.client.delete(_url(a["id"])))
    b = tenant.create_contact({field: value, "first_name": "B"})
    _assert_duplicate(tenant.client.post(f"{_url(a['id'])}/restore"), field, b["id"])
    assert tenant.get_contact(a["id"]) == archived
    assert list_all(tenant.client) == [b]
    # once the other one lets go, the restore works
    tenant.client.delete(_url(b["id"]))
    restored = assert_contact_response(tenant.client.post(f"{_url(a['id'])}/restore"))
    assert restored["archived_at"] is None and restored[field] == value


@pytest.mark.parametrize("method,suffix", [("DELETE", ""), ("POST", "/restore"),
                                           ("GET", ""), ("PATCH", "")])
def test_unknown_id_is_404(tenant, method, suffix):
    kw = {"body": {"first_name": "x"}} if method == "PATCH" else {}
    r = tenant.client.request(method, f"/v1/contacts/{UNKNOWN_ID}{suffix}", **kw)
    assert_error(r, 404, "not_found")
    assert list_all(tenant.client) == []


def test_create_accepts_a_json_content_type_with_charset(tenant):
    r = tenant.client.post("/v1/contacts", {"first_name": "Ada"},
                           headers={"Content-Type": "application/json; charset=utf-8"})
    c = assert_contact_response(r, 201)
    assert c["first_name"] == "Ada"
    assert tenant.get_contact(c["id"]) == c
