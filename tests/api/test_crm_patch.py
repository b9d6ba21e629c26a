"""`PATCH /contacts/{contactId}` of the `crm` model, sentence by sentence of the page
(shared/specs/001_34432ad860086f9c.txt) and of issue 3: the `{"fields": {...}}` body, only sent
keys applied, null clears, `{}` is a no-op, custom fields flat, the flat response and its key
order, forbidden system fields and unknown names (every bad field at once), 404 / 400 ids,
409 archived, 409 duplicate (case-insensitive email, archived contacts hold no keys).

Every case starts from a contact created with base() and checks the PATCH answer, then the
stored contact (GET, with ?properties=phone so that nothing is hidden); every refused request
is followed by a GET proving nothing changed (same body, same ETag)."""

from __future__ import annotations

import concurrent.futures

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactsd_harness import assert_error, is_timestamp
import test_crm_common as crm
from test_crm_common import (READ_ONLY, SUB, UNKNOWN_ID, assert_not_found, contact_response,
                             expected_view, unique, view)

model_name, server, shared = crm.model_name, crm.server, crm.shared  # fixtures, used by name
fresh, other = crm.fresh, crm.other

ABSENT = object()  # in an expected change: the key is not in the answer at all


def base(u: str) -> dict:
    """A contact with every model field and two custom fields set (unique keys per test)."""
    return {"first_name": "Ada", "last_name": "Lovelace", "email": f"ada.{u}@example.com",
            "phone": "+1 (415) 555-2671", "contact_owner": "owner@example.com",
            "external_id": f"crm-{u}", "score": 7, "tier": "gold"}


def subst(value, u: str):
    """Replaces {u} in every string of a body / expectation with the test's unique token."""
    if isinstance(value, str):
        return value.replace("{u}", u)
    if isinstance(value, dict):
        return {k: subst(v, u) for k, v in value.items()}
    if isinstance(value, list):
        return [subst(v, u) for v in value]
    return value


def token() -> str:
    return unique("")  # 12 hex digits


def _apply(shared, body_fields: dict, changes: dict) -> dict:
    """Create base(u), PATCH {"fields": body_fields}: 200 with base + changes, stored so."""
    u = token()
    body_fields, changes = subst(body_fields, u), subst(changes, u)
    before = shared.create(base(u))
    stored_before = shared.stored(before["id"])
    assert view(stored_before) == expected_view(base(u))
    etag_before = shared.etag(before["id"])

    after = shared.patch(before["id"], body_fields, properties=["phone"])
    expected = {**expected_view(base(u)), **changes}
    expected = {k: v for k, v in expected.items() if v is not ABSENT}
    assert view(after) == expected, f"PATCH {body_fields!r}"
    assert after["id"] == before["id"] and after["created_at"] == before["created_at"]
    assert after["updated_at"] >= before["updated_at"]
    assert shared.stored(before["id"]) == after
    if view(after) == view(stored_before):  # nothing changed: nothing written
        assert after["updated_at"] == before["updated_at"]
        assert shared.etag(before["id"]) == etag_before
    return after


# ---- "Only include keys you want to change. Omitted fields keep their current values." -------

EMAIL_254 = "{u}" + "a" * (254 - 12 - len("@example.com")) + "@example.com"
EXTERNAL_200 = "{u}" + "x" * 188

# (id, fields sent, the properties they change; every other one must stay as in base())
APPLIED = [
    ("empty-fields-is-a-no-op", {}, {}),
    ("first_name", {"first_name": "Grace"}, {"first_name": "Grace"}),
    ("last_name", {"last_name": "Hopper"}, {"last_name": "Hopper"}),
    ("both-names", {"first_name": "Grace", "last_name": "Hopper"},
     {"first_name": "Grace", "last_name": "Hopper"}),
    ("first_name-empty-string-kept", {"first_name": ""}, {"first_name": ""}),
    ("first_name-200-characters", {"first_name": "é" * 200}, {"first_name": "é" * 200}),
    ("first_name-null-clears", {"first_name": None}, {"first_name": None}),
    ("last_name-null-clears", {"last_name": None}, {"last_name": None}),
    ("same-value-is-a-no-op", {"first_name": "Ada", "tier": "gold"}, {}),
    # email: a valid address, trimmed, case kept
    ("email", {"email": "grace.{u}@example.com"}, {"email": "grace.{u}@example.com"}),
    ("email-trimmed-case-kept", {"email": "  Grace.{u}@Example.COM\t"},
     {"email": "Grace.{u}@Example.COM"}),
    ("email-254-characters", {"email": EMAIL_254}, {"email": EMAIL_254}),
    ("email-own-address-other-case", {"email": "ADA.{u}@EXAMPLE.COM"},
     {"email": "ADA.{u}@EXAMPLE.COM"}),
    ("email-null-clears", {"email": None}, {"email": None}),
    # phone: a string, stored exactly as sent
    ("phone-kept-as-sent", {"phone": "+1 (415) 555-2671 ext. 9"},
     {"phone": "+1 (415) 555-2671 ext. 9"}),
    ("phone-any-text", {"phone": "ask reception"}, {"phone": "ask reception"}),
    ("phone-empty-string-kept", {"phone": ""}, {"phone": ""}),
    ("phone-50-characters", {"phone": "1" * 50}, {"phone": "1" * 50}),
    ("phone-null-clears", {"phone": None}, {"phone": None}),
    # contact_owner: the assigned owner, an address
    ("contact_owner", {"contact_owner": "boss@example.com"}, {"contact_owner": "boss@example.com"}),
    ("contact_owner-trimmed", {"contact_owner": " Boss@Example.com "},
     {"contact_owner": "Boss@Example.com"}),
    ("contact_owner-null-clears", {"contact_owner": None}, {"contact_owner": None}),
    # external_id: nullable string
    ("external_id", {"external_id": "sf-{u}"}, {"external_id": "sf-{u}"}),
    ("external_id-200-characters", {"external_id": EXTERNAL_200}, {"external_id": EXTERNAL_200}),
    ("external_id-null-clears", {"external_id": None}, {"external_id": None}),
    # custom fields: flat, shown only when set
    ("custom-number", {"score": 3.5}, {"score": 3.5}),
    ("custom-zero-is-a-value", {"score": 0}, {"score": 0}),
    ("custom-null-removes", {"score": None}, {"score": ABSENT}),
    ("custom-every-null", {"score": None, "tier": None}, {"score": ABSENT, "tier": ABSENT}),
    ("custom-enum", {"tier": "silver"}, {"tier": "silver"}),
    ("custom-false-is-a-value", {"vip": False}, {"vip": False}),
    ("custom-date", {"since": "2024-02-29"}, {"since": "2024-02-29"}),
    ("custom-null-on-unset-field", {"since": None}, {}),
    ("model-and-custom-together", {"last_name": "Byron", "vip": True, "score": None},
     {"last_name": "Byron", "vip": True, "score": ABSENT}),
    ("every-field-at-once",
     {"first_name": "Grace", "last_name": "Hopper", "email": "grace.{u}@navy.mil",
      "phone": "555 0100", "contact_owner": "cmdr@navy.mil", "external_id": "navy-{u}",
      "score": 1, "tier": "silver", "vip": True, "since": "1906-12-09"},
     {"first_name": "Grace", "last_name": "Hopper", "email": "grace.{u}@navy.mil",
      "phone": "555 0100", "contact_owner": "cmdr@navy.mil", "external_id": "navy-{u}",
      "score": 1, "tier": "silver", "vip": True, "since": "1906-12-09"}),
]


@pytest.mark.parametrize("body_fields,changes", [c[1:] for c in APPLIED],
                         ids=[c[0] for c in APPLIED])
def test_only_sent_keys_change(shared, body_fields, changes):
    _apply(shared, body_fields, changes)


def test_empty_fields_returns_the_object_unchanged(shared):
    c = shared.create(base(token()))
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": {}})
    got = contact_response(r, 200)
    assert got == c  # same updated_at too: nothing was written
    assert r.headers["ETag"] == shared.etag(c["id"])


def test_a_change_moves_updated_at_not_created_at(shared):
    c = shared.create(base(token()))
    got = shared.patch(c["id"], {"first_name": "Grace"})
    assert got["created_at"] == c["created_at"]
    assert got["updated_at"] >= c["updated_at"] and is_timestamp(got["updated_at"])
    assert shared.stored(c["id"])["updated_at"] == got["updated_at"]


def test_successive_patches_accumulate(shared):
    u = token()
    c = shared.create(base(u))
    shared.patch(c["id"], {"first_name": "Grace"})
    shared.patch(c["id"], {"vip": True})
    shared.patch(c["id"], {"score": None, "phone": None})
    expected = {**expected_view(base(u)), "first_name": "Grace", "vip": True, "phone": None}
    del expected["score"]
    assert view(shared.stored(c["id"])) == expected


def test_the_names_a_get_returns_are_the_names_a_patch_takes(shared):
    """The page: "Each key inside fields is a field internal_name (the same names returned in
    GET responses...)". Sending back every non-system property of a GET is a valid no-op."""
    c = shared.create(base(token()))
    got = shared.get(c["id"], ["phone"])
    echo = {k: v for k, v in got.items() if k not in READ_ONLY}
    assert set(echo) == {"first_name", "last_name", "email", "contact_owner", "external_id",
                         "phone", "score", "tier"}
    assert shared.patch(c["id"], echo, properties=["phone"]) == got
    assert shared.stored(c["id"]) == got


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries({}, optional={
    "first_name": st.none() | st.text(max_size=20),
    "last_name": st.none() | st.text(max_size=20),
    "phone": st.none() | st.text(max_size=50),
    "contact_owner": st.none() | st.just("someone@example.com"),
    "score": st.none() | st.integers(-10**6, 10**6),
    "tier": st.none() | st.sampled_from(["gold", "silver"]),
    "vip": st.none() | st.booleans(),
}))
def test_any_subset_of_fields_merges_into_the_stored_contact(shared, body_fields):
    """Property: the stored contact is the old one with exactly the sent keys replaced (null
    clears a model field, removes a custom value)."""
    u = token()
    expected = expected_view(base(u))
    for k, v in body_fields.items():
        if k in ("score", "tier", "vip") and v is None:
            expected.pop(k, None)
        else:
            expected[k] = v
    c = shared.create(base(u))
    got = shared.patch(c["id"], body_fields, properties=["phone"])
    assert view(got) == expected
    assert shared.stored(c["id"]) == got


# ---- the response --------------------------------------------------------------------------

def test_response_is_flat_with_the_default_set_in_order(shared):
    u = token()
    c = shared.create(base(u))
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": {"vip": True}})
    got = contact_response(r, 200)
    assert list(got)[:9] == crm.DEFAULT_KEYS
    assert "phone" not in got and "archived_by" not in got and "custom_fields" not in got
    assert "fields" not in got  # "not nested under fields in the response"
    assert got["archived"] is False
    assert crm.custom_values(got) == {"score": 7, "tier": "gold", "vip": True}
    assert got["email"] == f"ada.{u}@example.com" and got["external_id"] == f"crm-{u}"


def test_properties_phone_adds_phone_after_updated_at_before_custom_fields(shared):
    c = shared.create(base(token()))
    got = shared.patch(c["id"], {"phone": "+44 20 7946 0958"}, properties=["phone"])
    keys = list(got)
    assert keys[:10] == crm.DEFAULT_KEYS + ["phone"]
    assert got["phone"] == "+44 20 7946 0958"
    assert set(keys[10:]) == {"score", "tier"}


def test_no_version_in_the_body_but_etag_and_if_match_work(shared):
    """Beyond the page: the engine's version travels in the ETag header only; a PATCH with a
    stale If-Match is a 412 and changes nothing."""
    c = shared.create(base(token()))
    assert "version" not in c
    etag = shared.etag(c["id"])
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": {"first_name": "Grace"}},
                            headers={"If-Match": etag})
    got = contact_response(r, 200)
    new_etag = r.headers["ETag"]
    assert new_etag != etag
    stale = shared.client.patch(f"/contacts/{c['id']}", {"fields": {"first_name": "Molly"}},
                                headers={"If-Match": etag})
    assert_error(stale, 412, "precondition_failed")
    assert shared.stored(c["id"])["first_name"] == "Grace"
    assert shared.etag(c["id"]) == new_etag
    assert got["first_name"] == "Grace"


# ---- refused bodies: 400, every bad field named, nothing changed ------------------------------

RO = "read_only"
UNKNOWN = "unknown_field"
TYPE = "invalid_type"
FORMAT = "invalid_format"
LONG = "too_long"
VALUE = "invalid_value"

# (id, request body (str: sent verbatim), status, error, {detail field: code} or None)
REFUSED = [
    # the body itself
    ("not-json", "{", 400, "invalid_json", None),
    ("empty-body", "", 400, "invalid_json", None),
    ("trailing-comma", '{"fields": {"first_name": "Grace",}}', 400, "invalid_json", None),
    ("lone-surrogate", '{"fields": {"first_name": "\\ud800"}}', 400, "invalid_json", None),
    ("number-too-large", '{"fields": {"score": 1e400}}', 400, "invalid_json", None),
    ("body-null", "null", 400, "invalid_body", None),
    ("body-array", [{"fields": {}}], 400, "invalid_body", None),
    ("body-string", '"fields"', 400, "invalid_body", None),
    # "fields: Required. Map of internal_name -> value"
    ("fields-missing", {}, 400, "invalid_body", None),
    ("fields-not-an-envelope", {"first_name": "Grace"}, 400, "invalid_body", None),
    ("fields-null", {"fields": None}, 400, "invalid_body", None),
    ("fields-array", {"fields": [["first_name", "Grace"]]}, 400, "invalid_body", None),
    ("fields-string", {"fields": "first_name=Grace"}, 400, "invalid_body", None),
    ("fields-number", {"fields": 1}, 400, "invalid_body", None),
    ("key-beside-fields", {"fields": {"first_name": "Grace"}, "id": "x"}, 400,
     "validation_failed", {"id": UNKNOWN}),
    ("properties-in-the-body", {"fields": {}, "properties": ["phone"]}, 400,
     "validation_failed", {"properties": UNKNOWN}),
    # forbidden system fields
    *[(f"read-only-{k}", {"fields": {k: v}}, 400, "validation_failed", {k: RO})
      for k, v in [("id", UNKNOWN_ID), ("created_at", "2020-01-01T00:00:00.000Z"),
                   ("updated_at", "2020-01-01T00:00:00.000Z"), ("archived", False),
                   ("archived_by", SUB)]],
    ("read-only-all-five-with-a-valid-field",
     {"fields": {"first_name": "Grace", "id": UNKNOWN_ID, "created_at": None,
                 "updated_at": None, "archived": True, "archived_by": None}},
     400, "validation_failed", {k: RO for k in READ_ONLY}),
    # unknown names
    ("unknown-name", {"fields": {"nickname": "Gee"}}, 400, "validation_failed",
     {"nickname": UNKNOWN}),
    ("custom-fields-nested", {"fields": {"custom_fields": {"score": 1}}}, 400,
     "validation_failed", {"custom_fields": UNKNOWN}),
    ("names-are-case-sensitive", {"fields": {"First_Name": "Grace", "Phone": "1"}}, 400,
     "validation_failed", {"First_Name": UNKNOWN, "Phone": UNKNOWN}),
    ("other-models-names", {"fields": {"full_name": "G H", "phone_number": "1", "name": "G",
                                       "owner": "a@b.c", "version": 2, "tags": []}},
     400, "validation_failed", {k: UNKNOWN for k in ("full_name", "phone_number", "name",
                                                     "owner", "version", "tags")}),
    ("undefined-custom-field", {"fields": {"plan": "pro"}}, 400, "validation_failed",
     {"plan": UNKNOWN}),
    # wrong JSON types
    ("types", {"fields": {"first_name": 5, "last_name": True, "email": {}, "phone": 4155552671,
                          "contact_owner": [], "external_id": 7}},
     400, "validation_failed", {k: TYPE for k in crm.MODEL_FIELDS}),
    # formats
    *[(f"email-{name}", {"fields": {"email": v}}, 400, "validation_failed", {"email": FORMAT})
      for name, v in [("no-at", "ada.example.com"), ("empty", ""), ("blank", "   "),
                      ("no-domain", "ada@"), ("no-local", "@example.com"),
                      ("space-inside", "ada lovelace@example.com"), ("two-ats", "a@b@c.d")]],
    ("contact_owner-not-an-address", {"fields": {"contact_owner": "Jane Doe"}}, 400,
     "validation_failed", {"contact_owner": FORMAT}),
    # lengths (Unicode characters)
    ("too-long", {"fields": {"first_name": "é" * 201, "last_name": "x" * 201, "phone": "1" * 51,
                             "external_id": "x" * 201, "email": "a" * 243 + "@example.com"}},
     400, "validation_failed", {"first_name": LONG, "last_name": LONG, "phone": LONG,
                                "external_id": LONG, "email": (LONG, FORMAT)}),
    # custom values, checked by their type
    ("custom-number-given-a-string", {"fields": {"score": "x"}}, 400, "validation_failed",
     {"score": TYPE}),
    ("custom-enum-outside-options", {"fields": {"tier": "bronze"}}, 400, "validation_failed",
     {"tier": VALUE}),
    ("custom-enum-case-sensitive", {"fields": {"tier": "Gold"}}, 400, "validation_failed",
     {"tier": VALUE}),
    ("custom-boolean-given-a-string", {"fields": {"vip": "true"}}, 400, "validation_failed",
     {"vip": TYPE}),
    ("custom-date-not-a-real-day", {"fields": {"since": "2023-02-29"}}, 400,
     "validation_failed", {"since": FORMAT}),
    # every bad field at once, and a good one beside them is not applied either
    ("everything-at-once",
     {"fields": {"first_name": "Grace", "id": "x", "archived": False, "nickname": 1,
                 "email": "nope", "phone": 5, "score": "x", "tier": "bronze"}},
     400, "validation_failed",
     {"id": RO, "archived": RO, "nickname": UNKNOWN, "email": FORMAT, "phone": TYPE,
      "score": TYPE, "tier": VALUE}),
]


@pytest.mark.parametrize("body,status,error,fields", [c[1:] for c in REFUSED],
                         ids=[c[0] for c in REFUSED])
def test_refused_bodies_change_nothing(shared, body, status, error, fields):
    c = shared.create(base(token()))
    before, etag = shared.stored(c["id"]), shared.etag(c["id"])
    r = shared.client.patch(f"/contacts/{c['id']}", body,
                            headers={"Content-Type": "application/json"})
    err = assert_error(r, status, error, fields)
    if fields:
        for d in err["details"]:  # the message names the field too
            assert d["field"] in err["message"], err
    assert shared.stored(c["id"]) == before
    assert shared.etag(c["id"]) == etag


def test_read_only_detail_names_the_field_and_says_so(shared):
    c = shared.create({})
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": {"archived_by": "me"}})
    err = assert_error(r, 400, "validation_failed", {"archived_by": "read_only"})
    assert "read-only" in err["details"][0]["message"]
    assert shared.stored(c["id"]) == shared.get(c["id"], ["phone"])


def test_another_accounts_custom_field_is_unknown_here(shared, fresh):
    fresh.define({"name": "plan", "type": "string"})
    c = shared.create({"first_name": "Ada"})
    before = shared.stored(c["id"])
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": {"plan": "pro"}})
    assert_error(r, 400, "validation_failed", {"plan": "unknown_field"})
    assert shared.stored(c["id"]) == before


def test_invalid_properties_refuse_the_patch_before_writing(shared):
    c = shared.create(base(token()))
    before = shared.stored(c["id"])
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": {"first_name": "Grace"}},
                            params={"properties": "phone,nope"})
    err = assert_error(r, 400, "invalid_properties")
    assert "nope" in err["message"]
    assert shared.stored(c["id"]) == before


# ---- 404 / 400 on the path ---------------------------------------------------------------------

def test_unknown_contact_is_404(shared):
    assert_not_found(shared.client.patch(f"/contacts/{UNKNOWN_ID}", {"fields": {}}))
    assert_not_found(shared.client.patch(f"/contacts/{UNKNOWN_ID}",
                                         {"fields": {"first_name": "Grace"}}))
    # validation comes before the lookup: a bad body is a 400 whatever the id names
    r = shared.client.patch(f"/contacts/{UNKNOWN_ID}", {"fields": {"nickname": "G"}})
    assert_error(r, 400, "validation_failed", {"nickname": "unknown_field"})


def test_another_accounts_contact_is_the_same_404_and_stays_unchanged(shared, other):
    theirs = other.create({"first_name": "Theirs", "email": f"t.{token()}@example.com"})
    before = other.stored(theirs["id"])
    mine = assert_not_found(shared.client.patch(f"/contacts/{UNKNOWN_ID}", {"fields": {}}))
    r = shared.client.patch(f"/contacts/{theirs['id']}", {"fields": {"first_name": "Mine"}})
    assert assert_not_found(r) == mine
    assert other.stored(theirs["id"]) == before


@pytest.mark.parametrize("bad_id", [
    "abc", "123", "01a2109a-79e9-77aa-9d1d-690caea23ef2x", "01a2109a79e977aa9d1d690caea23ef2",
    "01a2109a-79e9-77aa-9d1d-690caea23eg2", "%20",
])
def test_malformed_id_is_400_invalid_id(shared, bad_id):
    r = shared.client.patch(f"/contacts/{bad_id}", {"fields": {"first_name": "Grace"}})
    assert_error(r, 400, "invalid_id")


def test_upper_case_id_names_the_same_contact(shared):
    c = shared.create({"first_name": "Ada"})
    got = shared.patch(c["id"].upper(), {"first_name": "Grace"})
    assert got["id"] == c["id"]
    assert shared.stored(c["id"])["first_name"] == "Grace"


def test_missing_contact_id_is_400(shared):
    """The page's error table: "400 | Missing contactId, ...". """
    r = shared.client.patch("/contacts/", {"fields": {"first_name": "Grace"}})
    assert_error(r, 400)


# ---- 409: archived ---------------------------------------------------------------------------

@pytest.mark.parametrize("body_fields", [
    {"first_name": "Grace"}, {}, {"score": None}, {"email": None, "external_id": None},
], ids=["change", "empty-fields", "custom-null", "clear-unique-keys"])
def test_patching_an_archived_contact_is_409_and_changes_nothing(shared, body_fields):
    c = shared.create(base(token()))
    archived = shared.delete(c["id"])
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": body_fields})
    err = assert_error(r, 409, "archived")
    assert "archived" in err["message"].lower()
    stored = shared.get(c["id"])
    assert stored == archived
    assert stored["archived"] == archived["archived"] and stored["archived_by"] == SUB


def test_archived_comes_before_duplicate(shared):
    u = token()
    shared.create({"email": f"held.{u}@example.com"})
    c = shared.create({"first_name": "Ada"})
    archived = shared.delete(c["id"])
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": {"email": f"held.{u}@example.com"}})
    assert_error(r, 409, "archived")
    assert shared.get(c["id"]) == archived


def test_a_bad_body_on_an_archived_contact_is_still_a_400(shared):
    """Validation comes first: the client learns its body is wrong whatever the state."""
    c = shared.create({"first_name": "Ada"})
    archived = shared.delete(c["id"])
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": {"archived": False}})
    assert_error(r, 400, "validation_failed", {"archived": "read_only"})
    assert shared.get(c["id"]) == archived


# ---- 409: duplicate active record ------------------------------------------------------------

@pytest.mark.parametrize("field,held,sent", [
    ("email", "dup.{u}@example.com", "dup.{u}@example.com"),
    ("email", "dup.{u}@example.com", "DUP.{u}@Example.COM"),
    ("email", "Dup.{u}@Example.com", "  dup.{u}@example.com "),
    ("external_id", "ext-{u}", "ext-{u}"),
], ids=["email-same", "email-other-case", "email-padded", "external_id-same"])
def test_duplicate_of_another_active_contact_is_409_naming_the_field(shared, field, held, sent):
    u = token()
    holder = shared.create({field: subst(held, u)})
    c = shared.create(base(u))
    before, etag = shared.stored(c["id"]), shared.etag(c["id"])
    r = shared.client.patch(f"/contacts/{c['id']}",
                            {"fields": {"first_name": "Grace", field: subst(sent, u)}})
    err = assert_error(r, 409, "duplicate", {field: "duplicate"})
    assert field in err["message"]
    assert err["details"][0]["existing_id"] == holder["id"]
    assert shared.stored(c["id"]) == before and shared.etag(c["id"]) == etag
    assert shared.stored(holder["id"])[field] == subst(held, u)


def test_both_keys_taken_is_a_409_naming_the_email(shared):
    u = token()
    shared.create({"email": f"both.{u}@example.com", "external_id": f"both-{u}"})
    c = shared.create(base(u))
    before = shared.stored(c["id"])
    r = shared.client.patch(f"/contacts/{c['id']}", {"fields": {
        "email": f"both.{u}@example.com", "external_id": f"both-{u}"}})
    err = assert_error(r, 409, "duplicate", {"email": "duplicate"})  # the email is checked first
    assert "email" in err["message"]
    assert shared.stored(c["id"]) == before


def test_external_id_compares_exactly(shared):
    """Only emails compare case-insensitively; external ids are opaque strings."""
    u = token()
    shared.create({"external_id": f"EXT-{u}"})
    c = shared.create({})
    assert shared.patch(c["id"], {"external_id": f"ext-{u}"})["external_id"] == f"ext-{u}"


def test_archived_contacts_hold_no_unique_keys(shared):
    u = token()
    old = shared.create({"email": f"gone.{u}@example.com", "external_id": f"gone-{u}"})
    shared.delete(old["id"])
    c = shared.create({})
    got = shared.patch(c["id"], {"email": f"GONE.{u}@example.com", "external_id": f"gone-{u}"})
    assert got["email"] == f"GONE.{u}@example.com" and got["external_id"] == f"gone-{u}"
    assert shared.stored(c["id"]) == shared.get(c["id"], ["phone"])
    assert shared.get(old["id"])["email"] == f"gone.{u}@example.com"  # kept on the archive


def test_null_keys_never_collide(shared):
    a, b = shared.create({}), shared.create({})
    assert shared.patch(a["id"], {"external_id": None, "email": None})["external_id"] is None
    assert shared.patch(b["id"], {"external_id": None, "email": None})["email"] is None


def test_uniqueness_is_per_account(shared, other):
    u = token()
    other.create({"email": f"same.{u}@example.com", "external_id": f"same-{u}"})
    c = shared.create({})
    got = shared.patch(c["id"], {"email": f"same.{u}@example.com", "external_id": f"same-{u}"})
    assert got["email"] == f"same.{u}@example.com"


def test_concurrent_claims_of_one_email_leave_exactly_one_holder(server, fresh):
    u = token()
    ids = [fresh.create({})["id"] for _ in range(6)]
    email = f"race.{u}@example.com"

    def claim(cid):
        c = server.client(f"Bearer {fresh.token}")
        r = c.patch(f"/contacts/{cid}", {"fields": {"email": email}})
        c.close()
        return r.status_code

    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        codes = list(ex.map(claim, ids))
    assert sorted(codes) == [200] + [409] * 5, codes
    holders = [c for c in fresh.list_all() if c["email"] == email]
    assert len(holders) == 1
