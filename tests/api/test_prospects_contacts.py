"""The `prospects` catalogue's contacts, sentence by sentence of issue 6 and of the page
(shared/specs/000_f32e63637e46731e.txt): POST (internal only, every field of the page, system
fields defaulted), GET and the paginated, filtered list (every org), PATCH (internal only, free,
only name / title / is_district_contact), and every refused request followed by a read proving
nothing changed. Unlocks, masking and credits: test_prospects_unlock.py."""

import time

import pytest

from contactsd_harness import UNAUTHORIZED_BODY, assert_error
import test_prospects_common as p
from test_prospects_common import BASE, DEFAULTS_VIEW, EDITABLE, FULL, FULL_VIEW, PAGE_KEYS, \
    UNKNOWN_ID, create, credits, district, get, list_all, list_page, prospect, view

model_name, internal, make_customer = p.model_name, p.internal, p.make_customer  # fixtures


def later():
    """Lets the millisecond clock move, so a change shows in last_updated_at."""
    time.sleep(0.005)


# ---- POST /api/v1/contacts -----------------------------------------------------------------

def test_an_internal_org_creates_a_contact_with_every_field_of_the_page(internal):
    c = create(internal, FULL)
    assert view(c) == FULL_VIEW
    assert c["last_updated_at"] == c["created_at"]
    # Internal orgs see everything; the cost shows in _access only, never as a top-level key.
    assert c["_access"] == {"is_unlocked": True, "is_unlocking": False, "unlocked_at": None,
                            "credits_spent": 0, "unlock_cost": 3}
    assert "unlock_cost" not in c
    assert get(internal, c["id"]) == c


def test_system_fields_not_sent_get_their_defaults(internal):
    c = create(internal, {"name": "Bo"})
    assert view(c) == {"name": "Bo", **DEFAULTS_VIEW}
    assert c["_access"]["unlock_cost"] == 1  # the default cost
    assert get(internal, c["id"]) == c


def test_null_resets_a_system_field_to_its_default_on_create(internal):
    c = create(internal, {"name": "Bo", "key_facts": None, "title": None})
    assert c["key_facts"] == {} and c["title"] is None


def test_a_customer_cannot_create(server, make_customer):
    customer = make_customer(credits=10)
    d = district()
    for body in ({"name": "Eve", "district_id": d}, {}, "not json", [1]):
        r = customer.client.post(BASE, body)
        e = assert_error(r, 403, "forbidden")
        assert set(e) == {"error", "message", "statusCode"}
        assert "internal" in e["message"]
    assert list_all(customer, district_id=d) == []
    assert credits(server, customer) == 10


@pytest.mark.parametrize("authorization", [None, "Bearer sk_live_nope", "Bearer ", "sk_live_x"])
def test_a_bad_key_is_401_before_any_403(server, authorization):
    client = server.client(authorization)
    for method, path in (("POST", BASE), ("PATCH", f"{BASE}/{UNKNOWN_ID}"),
                         ("GET", BASE), ("GET", f"{BASE}/{UNKNOWN_ID}"),
                         ("POST", f"{BASE}/{UNKNOWN_ID}/unlock")):
        r = client.request(method, path) if method == "GET" else \
            client.request(method, path, {"name": "x"})
        assert assert_error(r, 401, "unauthorized") == UNAUTHORIZED_BODY


# Bodies of a create that are refused: body -> {field: code}.
BAD_CREATES = [
    pytest.param({}, {"name": "required"}, id="name-missing"),
    pytest.param({"name": ""}, {"name": "required"}, id="name-empty"),
    pytest.param({"name": None}, {"name": "not_nullable"}, id="name-null"),
    pytest.param({"name": 7}, {"name": "invalid_type"}, id="name-number"),
    pytest.param({"name": "x" * 201}, {"name": "too_long"}, id="name-too-long"),
    pytest.param({"name": "A", "email": "nope"}, {"email": "invalid_format"}, id="email"),
    pytest.param({"name": "A", "linkedin_url": "linkedin.com/in/a"},
                 {"linkedin_url": "invalid_format"}, id="linkedin-url"),
    pytest.param({"name": "A", "school_id": "school-1"}, {"school_id": "invalid_format"},
                 id="school-id"),
    pytest.param({"name": "A", "enrichment_status": "done"}, {"enrichment_status": "invalid_value"},
                 id="enrichment-status"),
    pytest.param({"name": "A", "email_status": None}, {"email_status": "not_nullable"},
                 id="email-status-null"),
    pytest.param({"name": "A", "hubspot_sync_status": 1}, {"hubspot_sync_status": "invalid_type"},
                 id="hubspot-sync-status"),
    pytest.param({"name": "A", "enrichment_retry_count": -1},
                 {"enrichment_retry_count": "out_of_range"}, id="count-negative"),
    pytest.param({"name": "A", "email_retry_count": "2"}, {"email_retry_count": "invalid_type"},
                 id="count-string"),
    pytest.param({"name": "A", "email_retry_count": 2.5}, {"email_retry_count": "invalid_type"},
                 id="count-fraction"),
    pytest.param({"name": "A", "email_confidence_score": 101},
                 {"email_confidence_score": "out_of_range"}, id="confidence-over-100"),
    pytest.param({"name": "A", "qualification_score": "high"},
                 {"qualification_score": "invalid_type"}, id="score-string"),
    pytest.param({"name": "A", "emailed": "true"}, {"emailed": "invalid_type"}, id="bool-string"),
    pytest.param({"name": "A", "email_bounced": None}, {"email_bounced": "not_nullable"},
                 id="bool-null"),
    pytest.param({"name": "A", "is_district_contact": 1}, {"is_district_contact": "invalid_type"},
                 id="district-contact-number"),
    pytest.param({"name": "A", "enriched_at": "yesterday"}, {"enriched_at": "invalid_format"},
                 id="timestamp"),
    pytest.param({"name": "A", "key_facts": ["a"]}, {"key_facts": "invalid_type"},
                 id="key-facts-array"),
    pytest.param({"name": "A", "unlock_cost": -1}, {"unlock_cost": "out_of_range"},
                 id="cost-negative"),
    pytest.param({"name": "A", "unlock_cost": "1"}, {"unlock_cost": "invalid_type"},
                 id="cost-string"),
    pytest.param({"name": "A", "id": UNKNOWN_ID}, {"id": "read_only"}, id="id"),
    pytest.param({"name": "A", "created_at": "2026-01-01T00:00:00Z"}, {"created_at": "read_only"},
                 id="created-at"),
    pytest.param({"name": "A", "last_updated_at": "2026-01-01T00:00:00Z"},
                 {"last_updated_at": "read_only"}, id="last-updated-at"),
    pytest.param({"name": "A", "_access": {}}, {"_access": "read_only"}, id="access"),
    pytest.param({"name": "A", "colour": "red"}, {"colour": "unknown_field"}, id="unknown"),
    pytest.param({"name": 1, "email": "x", "emailed": 0, "colour": 1},
                 {"name": "invalid_type", "email": "invalid_format", "emailed": "invalid_type",
                  "colour": "unknown_field"}, id="every-error-at-once"),
]


@pytest.mark.parametrize("body,fields", BAD_CREATES)
def test_a_bad_create_is_a_400_naming_each_field_and_stores_nothing(internal, body, fields):
    d = district()
    r = internal.client.post(BASE, {**body, "district_id": d})
    assert_error(r, 400, "validation_failed", fields)
    assert list_all(internal, district_id=d) == []


@pytest.mark.parametrize("body,error", [
    ("{", "invalid_json"), ("", "invalid_json"), ("[]", "invalid_body"), ('"x"', "invalid_body"),
])
def test_a_create_with_a_malformed_body_is_a_400(internal, body, error):
    assert_error(internal.client.post(BASE, body), 400, error)


# ---- GET /api/v1/contacts/{contactId} ----------------------------------------------------------

def test_every_org_reads_the_catalogue(internal, make_customer):
    c = create(internal, {**FULL, "district_id": district()})
    customer = make_customer()
    seen = get(customer, c["id"])
    assert seen["id"] == c["id"] and seen["name"] == FULL["name"]
    # Everything but the gated contact details, which test_prospects_unlock.py covers.
    for k in PAGE_KEYS:
        if k not in p.GATED and k != "_access":
            assert seen[k] == c[k], k


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1234", UNKNOWN_ID + "0", "0190a0b0-0000"])
def test_a_malformed_id_is_a_400(internal, make_customer, bad_id):
    customer = make_customer(credits=5)
    for t in (internal, customer):
        assert_error(t.client.get(f"{BASE}/{bad_id}"), 400, "invalid_id")
        assert_error(t.client.post(f"{BASE}/{bad_id}/unlock"), 400, "invalid_id")
    assert_error(internal.client.patch(f"{BASE}/{bad_id}", {"name": "x"}), 400, "invalid_id")


def test_an_unknown_id_is_a_404(internal, make_customer):
    customer = make_customer(credits=5)
    for t in (internal, customer):
        assert_error(t.client.get(f"{BASE}/{UNKNOWN_ID}"), 404, "not_found")
        assert_error(t.client.post(f"{BASE}/{UNKNOWN_ID}/unlock"), 404, "not_found")
    assert_error(internal.client.patch(f"{BASE}/{UNKNOWN_ID}", {"name": "x"}), 404, "not_found")


def test_an_upper_case_id_finds_the_contact(internal):
    c = create(internal, {"name": "Cy"})
    assert get(internal, c["id"].upper()) == c


# ---- GET /api/v1/contacts ---------------------------------------------------------------------

def test_the_list_pages_through_the_catalogue_in_creation_order(internal, make_customer):
    d = district()
    made = [create(internal, {"name": f"n{i}", "district_id": d}) for i in range(5)]
    customer = make_customer()
    first = list_page(customer, district_id=d, limit=2)
    assert [c["id"] for c in first["data"]] == [m["id"] for m in made[:2]]
    assert isinstance(first["next_cursor"], str)
    walked = list_all(customer, district_id=d, limit=2)
    assert [c["id"] for c in walked] == [m["id"] for m in made]
    last = list_page(customer, district_id=d, limit=5)
    assert last["next_cursor"] is None


def test_the_list_filters_by_district_school_and_state(internal):
    d, other = district(), district()
    s1, s2 = district(), district()
    a = create(internal, {"name": "a", "district_id": d, "school_id": s1, "state": "CA"})
    b = create(internal, {"name": "b", "district_id": d, "school_id": s2, "state": "NY"})
    c = create(internal, {"name": "c", "district_id": other, "school_id": s1, "state": "CA"})
    ids = lambda cs: [x["id"] for x in cs]  # noqa: E731
    assert ids(list_all(internal, district_id=d)) == [a["id"], b["id"]]
    assert ids(list_all(internal, school_id=s1)) == [a["id"], c["id"]]
    assert ids(list_all(internal, district_id=d, state="NY")) == [b["id"]]
    assert ids(list_all(internal, district_id=d, school_id=s1, state="CA")) == [a["id"]]
    assert ids(list_all(internal, district_id=d.upper())) == [a["id"], b["id"]]
    assert list_all(internal, district_id=d, state="TX") == []


@pytest.mark.parametrize("params", [
    {"district_id": "district-7"}, {"school_id": "1"}, {"colour": "red"}, {"limit": 0},
    {"limit": 101}, {"limit": "x"}, {"cursor": "forged"},
])
def test_bad_list_parameters_are_a_400(internal, params):
    r = internal.client.get(BASE, params=params)
    assert_error(r, 400, ("invalid_query", "invalid_cursor"))


# ---- PATCH /api/v1/contacts/{contactId} --------------------------------------------------------

def test_the_pages_curl_example_with_a_key_is_a_no_op(internal):
    c = create(internal, FULL)
    later()
    r = internal.client.patch(f"{BASE}/{c['id']}", "{}",
                              headers={"Content-Type": "application/json"})
    assert prospect(r) == c  # last_updated_at too: nothing changed
    assert get(internal, c["id"]) == c


EDITS = [
    pytest.param({"name": "Grace Hopper"}, id="name"),
    pytest.param({"title": "Director of Technology"}, id="title"),
    pytest.param({"title": None}, id="title-null"),
    pytest.param({"is_district_contact": False}, id="district-contact-false"),
    pytest.param({"is_district_contact": None}, id="district-contact-null"),
    pytest.param({"name": "G", "title": "T", "is_district_contact": False}, id="all-three"),
]


@pytest.mark.parametrize("edit", EDITS)
def test_a_patch_changes_exactly_the_sent_editable_fields(server, internal, edit):
    c = create(internal, FULL)
    later()
    r = internal.client.patch(f"{BASE}/{c['id']}", edit)
    after = prospect(r)
    assert view(after) == {**view(c), **edit}
    assert after["id"] == c["id"] and after["created_at"] == c["created_at"]
    assert after["last_updated_at"] > c["last_updated_at"]
    assert after["_access"] == c["_access"]
    assert get(internal, c["id"]) == after


def test_a_patch_that_sends_the_stored_values_changes_nothing(internal):
    c = create(internal, FULL)
    later()
    same = {k: FULL[k] for k in EDITABLE}
    assert prospect(internal.client.patch(f"{BASE}/{c['id']}", same)) == c


def test_patching_is_free_for_the_internal_org(server, make_tenant):
    rich_internal = make_tenant(plan="internal", credits=10)
    c = create(rich_internal, FULL)
    assert credits(server, rich_internal) == 10
    prospect(rich_internal.client.patch(f"{BASE}/{c['id']}", {"name": "Free"}))
    assert credits(server, rich_internal) == 10


def test_a_customer_cannot_patch_and_keeps_its_credits(server, internal, make_customer):
    c = create(internal, FULL)
    customer = make_customer(credits=7)
    for body in ({"name": "Eve"}, {}, {"email": "x"}, "not json"):
        e = assert_error(customer.client.patch(f"{BASE}/{c['id']}", body), 403, "forbidden")
        assert set(e) == {"error", "message", "statusCode"}
    # Even for a contact that does not exist, or a malformed id: the plan is checked first.
    assert_error(customer.client.patch(f"{BASE}/{UNKNOWN_ID}", {"name": "x"}), 403, "forbidden")
    assert_error(customer.client.patch(f"{BASE}/nope", {"name": "x"}), 403, "forbidden")
    assert get(internal, c["id"]) == c
    assert credits(server, customer) == 7


# Refused PATCH bodies: body -> {field: code}. Every key of the page but the three editable
# ones is refused by name, as are the cost and unknown keys.
NOT_EDITABLE = [k for k in PAGE_KEYS if k not in EDITABLE]
SAMPLE = {**FULL_VIEW, "id": UNKNOWN_ID, "last_updated_at": "2026-01-01T00:00:00.000Z",
          "created_at": "2026-01-01T00:00:00.000Z",
          "_access": {"is_unlocked": True, "is_unlocking": False, "unlocked_at": None,
                      "credits_spent": 0, "unlock_cost": 0}}
BAD_PATCHES = [pytest.param({k: SAMPLE[k]}, {k: "read_only"}, id=f"read-only-{k}")
               for k in NOT_EDITABLE] + [
    pytest.param({"unlock_cost": 0}, {"unlock_cost": "read_only"}, id="read-only-unlock_cost"),
    pytest.param({"email": None}, {"email": "read_only"}, id="read-only-null"),
    pytest.param({"colour": "red"}, {"colour": "unknown_field"}, id="unknown"),
    pytest.param({"name": 5}, {"name": "invalid_type"}, id="name-number"),
    pytest.param({"name": None}, {"name": "not_nullable"}, id="name-null"),
    pytest.param({"name": ""}, {"name": "required"}, id="name-empty"),
    pytest.param({"name": ["a"]}, {"name": "invalid_type"}, id="name-array"),
    pytest.param({"title": 5}, {"title": "invalid_type"}, id="title-number"),
    pytest.param({"title": {"x": 1}}, {"title": "invalid_type"}, id="title-object"),
    pytest.param({"is_district_contact": "yes"}, {"is_district_contact": "invalid_type"},
                 id="district-contact-string"),
    pytest.param({"is_district_contact": 0}, {"is_district_contact": "invalid_type"},
                 id="district-contact-number"),
    pytest.param({"name": 1, "title": True, "state": "NY", "x": 1},
                 {"name": "invalid_type", "title": "invalid_type", "state": "read_only",
                  "x": "unknown_field"}, id="every-error-at-once"),
    pytest.param({"name": "Valid", "email_status": "sent"}, {"email_status": "read_only"},
                 id="good-beside-bad"),
]


@pytest.mark.parametrize("body,fields", BAD_PATCHES)
def test_a_bad_patch_is_a_400_naming_each_key_and_changes_nothing(internal, body, fields):
    c = create(internal, FULL)
    later()
    r = internal.client.patch(f"{BASE}/{c['id']}", body)
    e = assert_error(r, 400, "validation_failed", fields)
    for field in fields:
        assert field in e["message"]
    assert get(internal, c["id"]) == c


@pytest.mark.parametrize("body,error", [
    ("{", "invalid_json"), ("", "invalid_json"), ("[]", "invalid_body"), ("null", "invalid_body"),
    ('{"name": 1e400}', "invalid_json"),
])
def test_a_patch_with_a_malformed_body_is_a_400_and_changes_nothing(internal, body, error):
    c = create(internal, FULL)
    assert_error(internal.client.patch(f"{BASE}/{c['id']}", body), 400, error)
    assert get(internal, c["id"]) == c


# ---- what the model does not serve ------------------------------------------------------------

def test_contacts_are_never_deleted_nor_replaced(internal):
    c = create(internal, FULL)
    assert_error(internal.client.delete(f"{BASE}/{c['id']}"), 405, "method_not_allowed")
    assert_error(internal.client.put(f"{BASE}/{c['id']}", {"name": "x"}), 405,
                 "method_not_allowed")
    assert_error(internal.client.post(f"{BASE}/{c['id']}/restore"), 404)
    assert_error(internal.client.patch(BASE, {"name": "x"}), 400, "invalid_id")
    assert get(internal, c["id"]) == c
