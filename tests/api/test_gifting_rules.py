"""Every rule of the page (shared/specs/002_2da789fe1bf14452.txt) and of issue 4, field by
field: what is accepted and how it is stored, and what is refused - with a 400 naming the
field, and the stored contact read back unchanged (same version, same updated_at) after each
refused PATCH and PUT, and no contact created by a refused POST.

PUT replaces the writable fields (a field not sent is cleared), PATCH applies the sent keys;
either way the merged record must satisfy every rule, and every violation is listed at once."""

from __future__ import annotations

import pytest

from contactsd_harness import assert_error
import test_gifting_common as gift
from test_gifting_common import (BOOLEANS, DATES, FULL, REQUIRED, STRINGS, VALID, assert_rejected,
                                 assert_unchanged, contact_response, empty_view, expected_view,
                                 view)

model_name, fresh, other = gift.model_name, gift.fresh, gift.other  # fixtures, used by name


def refused_everywhere(t, changes, fields, error="validation_failed"):
    """`changes` over a valid contact is refused by PATCH, PUT and POST alike, naming exactly
    `fields`; nothing is stored."""
    before = t.create(FULL)
    assert_rejected(t.client.patch(f"/contacts/{before['id']}", changes), fields, error)
    assert_unchanged(t, before)
    assert_rejected(t.client.put(f"/contacts/{before['id']}", {**FULL, **changes}), fields, error)
    assert_unchanged(t, before)
    existing = t.ids()
    assert_rejected(t.client.post("/contacts", {**VALID, **changes}), fields, error)
    assert t.ids() == existing


def accepted_everywhere(t, changes, stored):
    """`changes` is accepted by POST, PATCH and PUT, and each stores `stored` (field -> value)."""
    made = t.create({**VALID, **changes})
    assert {k: made[k] for k in stored} == stored
    assert t.get(made["id"]) == made
    base = t.create(FULL)
    patched = t.patch(base["id"], changes)
    assert {k: patched[k] for k in stored} == stored
    assert t.get(base["id"]) == patched
    put = t.put(base["id"], {**VALID, **changes})
    assert {k: put[k] for k in stored} == stored
    assert t.get(base["id"]) == put


# ---- a valid contact -----------------------------------------------------------------------------

def test_a_full_contact_is_stored_and_shown_as_sent(fresh):
    c = fresh.create(FULL)
    assert view(c) == expected_view(FULL)
    assert c["created_at"] == c["updated_at"]
    assert fresh.get(c["id"]) == c
    assert fresh.list_all() == [c]


def test_the_least_valid_contact_gets_empty_values(fresh):
    c = fresh.create(VALID)
    assert view(c) == expected_view(VALID)
    assert c["address_validated"] is False and c["lists"] == [] and c["phone"] is None


# ---- required fields -----------------------------------------------------------------------------

@pytest.mark.parametrize("field", REQUIRED)
@pytest.mark.parametrize("value", [None, ""], ids=["null", "empty"])
def test_a_required_field_null_or_empty_is_refused(fresh, field, value):
    refused_everywhere(fresh, {field: value}, {field: "required"})


@pytest.mark.parametrize("field", REQUIRED)
def test_a_required_field_missing_from_a_create_or_a_put_is_refused(fresh, field):
    before = fresh.create(FULL)
    body = {k: v for k, v in FULL.items() if k != field}
    r = fresh.client.put(f"/contacts/{before['id']}", body)
    assert_rejected(r, {field: "required"})
    assert_unchanged(fresh, before)
    r = fresh.client.post("/contacts", {k: v for k, v in VALID.items() if k != field})
    assert_rejected(r, {field: "required"})
    assert fresh.ids() == [before["id"]]
    # PATCH sends only what changes: the stored value stays and still counts.
    assert fresh.patch(before["id"], {"title": "Boss"})[field] == FULL[field]


def test_an_empty_body_is_every_required_field_at_once(fresh):
    before = fresh.create()
    expected = {f: "required" for f in REQUIRED} | {"address": "required"}
    body = assert_rejected(fresh.client.post("/contacts", {}), expected)
    assert "address or address2 is required" in body["message"]
    assert_rejected(fresh.client.put(f"/contacts/{before['id']}", {}), expected)
    assert_unchanged(fresh, before)
    assert fresh.ids() == [before["id"]]


def test_whitespace_is_a_value_for_plain_strings(fresh):
    # Only "" is empty: the page gives no trimming rule for names, cities or zips.
    c = fresh.create({**VALID, "city": " ", "zip": " 10001 "})
    assert (c["city"], c["zip"]) == (" ", " 10001 ")


# ---- email ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["not-an-email", "a@", "@example.com", "a b@example.com",
                                 "ada@exa_mple.com", "ada@-example.com", "ada@@example.com",
                                 "   ", "ada@example..com"])
def test_an_invalid_email_is_refused(fresh, bad):
    refused_everywhere(fresh, {"email": bad}, {"email": "invalid_format"})


def test_an_email_of_another_type_is_refused(fresh):
    refused_everywhere(fresh, {"email": 42}, {"email": "invalid_type"})
    refused_everywhere(fresh, {"email": ["a@b.c"]}, {"email": "invalid_type"})


@pytest.mark.parametrize("sent,stored", [
    ("ada@example.com", "ada@example.com"),
    ("  Ada.Lovelace+gifts@Example.COM \t", "Ada.Lovelace+gifts@Example.COM"),  # trimmed only
    ("o'brien@mail.example.co.uk", "o'brien@mail.example.co.uk"),
    ("root@localhost", "root@localhost"),  # the WHATWG rule needs no dot in the domain
])
def test_a_valid_email_is_stored_trimmed_with_its_case(fresh, sent, stored):
    accepted_everywhere(fresh, {"email": sent}, {"email": stored})


def test_emails_are_not_unique(fresh):
    a, b = fresh.create(), fresh.create()
    assert a["email"] == b["email"] and a["id"] != b["id"]


# ---- enums: gender, shirt_size, contact_type -----------------------------------------------------

ENUMS = {
    "gender": (["male", "female"], ["Male", "FEMALE", "other", " male"]),
    "shirt_size": (["XS", "SM", "MD", "LG", "XL", "2XL", "3XL"],
                   ["xs", "S", "M", "L", "XXL", "2xl", "4XL", "md "]),
    "contact_type": (["employee", "client"], ["Employee", "CLIENT", "contractor", "vendor"]),
}


@pytest.mark.parametrize("field", list(ENUMS))
def test_every_allowed_enum_value_is_accepted(fresh, field):
    for value in ENUMS[field][0]:
        accepted_everywhere(fresh, {field: value}, {field: value})


@pytest.mark.parametrize("field,bad", [(f, b) for f, (_, bads) in ENUMS.items() for b in bads])
def test_an_enum_value_outside_the_list_is_refused_naming_the_allowed_ones(fresh, field, bad):
    before = fresh.create(FULL)
    r = fresh.client.patch(f"/contacts/{before['id']}", {field: bad})
    body = assert_rejected(r, {field: "invalid_value"})
    assert body["details"][0]["message"] == "must be one of: " + ", ".join(ENUMS[field][0])
    assert_unchanged(fresh, before)


@pytest.mark.parametrize("field", list(ENUMS))
def test_an_enum_value_of_another_type_is_refused(fresh, field):
    refused_everywhere(fresh, {field: 1}, {field: "invalid_type"})
    refused_everywhere(fresh, {field: [ENUMS[field][0][0]]}, {field: "invalid_type"})


def test_optional_enums_can_be_cleared(fresh):
    c = fresh.create(FULL)
    cleared = fresh.patch(c["id"], {"gender": None, "shirt_size": None})
    assert (cleared["gender"], cleared["shirt_size"]) == (None, None)


# ---- dates ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", DATES)
def test_a_real_date_is_accepted(fresh, field):
    accepted_everywhere(fresh, {field: "2024-02-29"}, {field: "2024-02-29"})  # a leap day
    accepted_everywhere(fresh, {field: "1900-12-31"}, {field: "1900-12-31"})


BAD_DATES = ["2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-05", "24-01-05",
             "01/15/1990", "2024-01-15T00:00:00Z", "2024-01-15 ", "", "yesterday"]


@pytest.mark.parametrize("field", DATES)
def test_a_date_that_is_not_a_real_yyyy_mm_dd_is_refused(fresh, field):
    before = fresh.create(FULL)
    for bad in BAD_DATES:
        r = fresh.client.patch(f"/contacts/{before['id']}", {field: bad})
        body = assert_rejected(r, {field: "invalid_format"})
        assert body["details"][0]["message"] == "must be a real date in the form yyyy-mm-dd"
        assert_unchanged(fresh, before)
    refused_everywhere(fresh, {field: 20240115}, {field: "invalid_type"})


# ---- country and state ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["XX", "usa", "us", "Us", "U", "USA", "ZZ", " US", "EU"])
def test_a_country_that_is_not_an_upper_case_iso_code_is_refused(fresh, bad):
    refused_everywhere(fresh, {"country": bad}, {"country": "invalid_value"})


def test_a_country_of_another_type_is_refused(fresh):
    refused_everywhere(fresh, {"country": 840}, {"country": "invalid_type"})


@pytest.mark.parametrize("country,state", [("DE", "Bayern"), ("FR", "Île-de-France"),
                                           ("GB", "x"), ("MX", "NY"), ("AU", "ON")])
def test_outside_the_us_and_canada_any_state_string_is_accepted(fresh, country, state):
    accepted_everywhere(fresh, {"country": country, "state": state},
                        {"country": country, "state": state})


def test_a_state_of_another_type_is_refused(fresh):
    refused_everywhere(fresh, {"state": 12}, {"state": "invalid_type"})


@pytest.mark.parametrize("country,bad", [("US", "ON"), ("US", "ny"), ("US", "New York"),
                                         ("US", "US-NY"), ("US", "XX"), ("CA", "NY"),
                                         ("CA", "on"), ("CA", "Ontario"), ("CA", "QB")])
def test_a_state_that_is_not_a_subdivision_of_the_us_or_canada_is_refused(fresh, country, bad):
    refused_everywhere(fresh, {"country": country, "state": bad}, {"state": "invalid_value"})


def test_the_state_rule_reads_the_merged_record(fresh):
    ca = fresh.create({**VALID, "country": "CA", "state": "ON", "city": "Toronto"})
    # The country alone changes to US: the stored state ON is not a US state.
    r = fresh.client.patch(f"/contacts/{ca['id']}", {"country": "US"})
    body = assert_rejected(r, {"state": "invalid_value"})
    assert body["details"][0]["message"].startswith("must be an ISO 3166-2 subdivision code of US")
    assert_unchanged(fresh, ca)
    # The state alone changes to a US state while the country stays CA.
    assert_rejected(fresh.client.patch(f"/contacts/{ca['id']}", {"state": "NY"}),
                    {"state": "invalid_value"})
    assert_unchanged(fresh, ca)
    # Both at once is fine; and moving to a country without the rule keeps any state.
    us = fresh.patch(ca["id"], {"country": "US", "state": "NY"})
    assert (us["country"], us["state"]) == ("US", "NY")
    fr = fresh.patch(ca["id"], {"country": "FR"})
    assert (fr["country"], fr["state"]) == ("FR", "NY")
    # Back to CA with the state NY: refused again.
    assert_rejected(fresh.client.patch(f"/contacts/{ca['id']}", {"country": "CA"}),
                    {"state": "invalid_value"})
    assert_unchanged(fresh, fr)


def test_a_put_checks_the_state_against_the_country_it_sends(fresh):
    c = fresh.create()
    r = fresh.client.put(f"/contacts/{c['id']}", {**VALID, "country": "CA"})  # state NY
    assert_rejected(r, {"state": "invalid_value"})
    assert_unchanged(fresh, c)


# ---- address / address2 --------------------------------------------------------------------------

@pytest.mark.parametrize("address,address2", [("1 Main St", None), (None, "Suite 5"),
                                              ("1 Main St", "Suite 5"), ("1 Main St", ""),
                                              ("", "Suite 5")])
def test_one_address_line_is_enough(fresh, address, address2):
    body = {**VALID, "address": address, "address2": address2}
    c = fresh.create(body)
    assert (c["address"], c["address2"]) == (address, address2)


@pytest.mark.parametrize("address,address2", [(None, None), ("", ""), ("", None), (None, "")])
def test_without_any_address_line_the_contact_is_refused(fresh, address, address2):
    refused_everywhere(fresh, {"address": address, "address2": address2}, {"address": "required"})


def test_clearing_the_only_address_line_is_refused_and_swapping_lines_is_fine(fresh):
    c = fresh.create(VALID)  # address only
    r = fresh.client.patch(f"/contacts/{c['id']}", {"address": None})
    body = assert_rejected(r, {"address": "required"})
    assert body["details"][0]["message"] == "address or address2 is required"
    assert_unchanged(fresh, c)
    swapped = fresh.patch(c["id"], {"address": None, "address2": "PO Box 7"})
    assert (swapped["address"], swapped["address2"]) == (None, "PO Box 7")


def test_an_address_of_another_type_is_refused(fresh):
    refused_everywhere(fresh, {"address": 12}, {"address": "invalid_type"})
    refused_everywhere(fresh, {"address2": ["x"]}, {"address2": "invalid_type"})


# ---- booleans ------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", BOOLEANS)
def test_the_address_flags_take_true_and_false(fresh, field):
    accepted_everywhere(fresh, {field: True}, {field: True})
    accepted_everywhere(fresh, {field: False}, {field: False})


@pytest.mark.parametrize("field", BOOLEANS)
@pytest.mark.parametrize("bad", ["true", "false", 1, 0, "yes", [], {}])
def test_the_address_flags_take_nothing_but_booleans(fresh, field, bad):
    refused_everywhere(fresh, {field: bad}, {field: "invalid_type"})


@pytest.mark.parametrize("field", BOOLEANS)
def test_the_address_flags_are_never_null(fresh, field):
    refused_everywhere(fresh, {field: None}, {field: "not_nullable"})


# ---- plain strings -------------------------------------------------------------------------------

@pytest.mark.parametrize("field", STRINGS + ["first_name", "last_name", "city", "zip", "address2"])
def test_a_string_field_takes_only_strings(fresh, field):
    refused_everywhere(fresh, {field: 7}, {field: "invalid_type"})
    refused_everywhere(fresh, {field: True}, {field: "invalid_type"})
    refused_everywhere(fresh, {field: {"a": 1}}, {field: "invalid_type"})


@pytest.mark.parametrize("field", STRINGS)
def test_optional_strings_are_stored_as_sent_and_cleared_by_null(fresh, field):
    accepted_everywhere(fresh, {field: "  Zoë 😀 "}, {field: "  Zoë 😀 "})
    accepted_everywhere(fresh, {field: ""}, {field: ""})
    c = fresh.create({**VALID, field: "x"})
    assert fresh.patch(c["id"], {field: None})[field] is None


@pytest.mark.parametrize("field,limit", [("first_name", 200), ("last_name", 200), ("email", 254),
                                         ("phone", 50), ("address", 255), ("address2", 255),
                                         ("city", 200), ("state", 200), ("zip", 32),
                                         ("company", 200), ("department", 200), ("title", 200),
                                         ("employment_status", 100), ("employment_type", 100),
                                         ("classification", 100)])
def test_strings_have_a_length_limit_in_characters(fresh, field, limit):
    if field == "email":
        fits = "a" * (limit - len("@example.com")) + "@example.com"
        over = "a" + fits
    else:
        fits, over = "é" * limit, "é" * (limit + 1)
    country = {"state": {"country": "FR"}}.get(field, {})
    accepted_everywhere(fresh, {**country, field: fits}, {field: fits})
    refused_everywhere(fresh, {**country, field: over}, {field: "too_long"})


# ---- unknown and read-only names -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["nickname", "First_name", "custom_fields", "version",
                                  "archived_at", "list_ids"])
def test_an_unknown_name_is_refused(fresh, name):
    refused_everywhere(fresh, {name: "x"}, {name: "unknown_field"})


@pytest.mark.parametrize("name", ["id", "created_at", "updated_at"])
def test_a_system_name_is_read_only(fresh, name):
    refused_everywhere(fresh, {name: "x"}, {name: "read_only"})


# ---- every violation at once ---------------------------------------------------------------------

def test_every_violation_is_listed_in_one_400(fresh):
    before = fresh.create(FULL)
    body = {
        "first_name": None, "email": "nope", "gender": "Male", "shirt_size": "xl",
        "birthday": "2023-02-29", "country": "usa", "address": None, "address2": "",
        "zip": "", "contact_type": "contractor", "address_verified": "true",
        "start_date": "2024-13-01", "phone": 5, "lists": [1], "labels": "x", "id": "x",
        "nickname": "Ada",
    }
    expected = {
        "first_name": "required", "email": "invalid_format", "gender": "invalid_value",
        "shirt_size": "invalid_value", "birthday": "invalid_format", "country": "invalid_value",
        "address": "required", "zip": "required", "contact_type": "invalid_value",
        "address_verified": "invalid_type", "start_date": "invalid_format",
        "phone": "invalid_type", "lists": "not_found", "labels": "invalid_type",
        "id": "read_only", "nickname": "unknown_field",
    }
    # PATCH merges over FULL; PUT and POST send FULL's other fields beside the bad ones.
    for method, sent in (("patch", body), ("put", {**FULL, **body})):
        r = getattr(fresh.client, method)(f"/contacts/{before['id']}", sent)
        got = assert_rejected(r, expected)
        assert len(got["details"]) == len(expected), got  # one detail per field
        assert_unchanged(fresh, before)
    assert_rejected(fresh.client.post("/contacts", {**FULL, **body}), expected)
    assert fresh.ids() == [before["id"]]


def test_a_bad_value_is_not_also_reported_as_missing(fresh):
    # email is required and sent wrong: one detail, the format.
    r = fresh.client.post("/contacts", {**VALID, "email": "nope"})
    body = assert_rejected(r, {"email": "invalid_format"})
    assert len(body["details"]) == 1


# ---- PUT replaces, PATCH merges ------------------------------------------------------------------

def test_patch_changes_only_the_sent_keys(fresh):
    c = fresh.create(FULL)
    patched = fresh.patch(c["id"], {"title": "Chief Analyst", "shirt_size": "LG"})
    assert view(patched) == expected_view({**FULL, "title": "Chief Analyst", "shirt_size": "LG"})
    assert patched["created_at"] == c["created_at"] and patched["updated_at"] >= c["updated_at"]
    assert fresh.get(c["id"]) == patched


def test_put_clears_every_field_it_does_not_send(fresh):
    lst = fresh.add("lists", "VIP")
    c = fresh.create({**FULL, "lists": [lst]})
    replacement = {**VALID, "first_name": "Grace", "country": "CA", "state": "QC",
                   "address": None, "address2": "Unit 9"}
    put = fresh.put(c["id"], replacement)
    assert view(put) == expected_view(replacement)  # phone, dates, flags, lists: cleared
    assert put["id"] == c["id"] and put["created_at"] == c["created_at"]
    assert fresh.get(c["id"]) == put
    assert fresh.ids(list_id=lst) == []


def test_a_patch_or_put_that_changes_nothing_keeps_the_version(fresh):
    c = fresh.create(FULL)
    tag = fresh.etag(c["id"])
    assert fresh.patch(c["id"], {}) == c
    assert fresh.patch(c["id"], {"title": FULL["title"]}) == c
    assert fresh.put(c["id"], FULL) == c
    assert fresh.etag(c["id"]) == tag


def test_null_resets_the_lists_and_labels_to_empty(fresh):
    lst, lab = fresh.add("lists", "a"), fresh.add("labels", "b")
    c = fresh.create({**VALID, "lists": [lst], "labels": [lab]})
    cleared = fresh.patch(c["id"], {"lists": None, "labels": None})
    assert (cleared["lists"], cleared["labels"]) == ([], [])


def test_if_match_guards_put_and_patch(fresh):
    c = fresh.create()
    stale = fresh.etag(c["id"])
    fresh.patch(c["id"], {"title": "New"})
    for method, body in (("patch", {"title": "Lost"}), ("put", VALID)):
        r = getattr(fresh.client, method)(f"/contacts/{c['id']}", body,
                                          headers={"If-Match": stale})
        assert_error(r, 412, "precondition_failed")
    assert fresh.get(c["id"])["title"] == "New"
    current = fresh.etag(c["id"])
    r = fresh.client.put(f"/contacts/{c['id']}", VALID, headers={"If-Match": current})
    assert contact_response(r)["title"] is None


def test_validation_comes_before_the_lookup(fresh, other):
    # A bad body is a 400 naming the request's own problems whatever the id names: unknown,
    # another account's, deleted, or a stale If-Match.
    theirs = other.create()
    mine = fresh.create()
    assert fresh.client.delete(f"/contacts/{mine['id']}").status_code == 204
    live = fresh.create()
    stale = fresh.etag(live["id"])
    live = fresh.patch(live["id"], {"title": "moved on"})
    for cid, headers in ((gift.UNKNOWN_ID, {}), (theirs["id"], {}), (mine["id"], {}),
                         (live["id"], {"If-Match": stale})):
        for method in ("patch", "put"):
            r = getattr(fresh.client, method)(f"/contacts/{cid}", {"gender": "x"},
                                              headers=headers)
            assert_rejected(r, {"gender": "invalid_value"})
    assert_unchanged(other, theirs)
    assert_unchanged(fresh, live)
    # With a valid body, the lookup answers.
    for method, body in (("patch", {"gender": "male"}), ("put", VALID)):
        assert_error(getattr(fresh.client, method)(f"/contacts/{gift.UNKNOWN_ID}", body), 404,
                     "not_found")


def test_empty_view_has_every_writable_field():
    assert set(empty_view()) | {"id", "created_at", "updated_at"} == set(gift.RESPONSE_KEYS)
