"""Account custom fields of the `crm` model (the page: "Custom account fields use the same key
names", "custom fields at top level"; issue 3: `POST /custom-fields`, `GET /custom-fields`,
409 on a name clash, values validated by their type). Definitions, then values: written flat
inside `fields`, answered flat, shown only when set, checked by type, per account."""

from __future__ import annotations

import pytest

from contactsd_harness import assert_error, assert_status
import test_crm_common as crm
from test_crm_common import custom_values

model_name, server = crm.model_name, crm.server  # fixtures, used by name
fresh, other = crm.fresh, crm.other

TYPES = ["string", "number", "integer", "boolean", "date", "datetime", "email", "phone", "url",
         "enum"]


# ---- definitions ---------------------------------------------------------------------------

def test_define_every_type_and_list_them_in_creation_order(fresh):
    made = []
    for t in TYPES:
        body = {"name": f"f_{t}", "type": t}
        if t == "enum":
            body["options"] = ["a", "b"]
        d = fresh.define(body)
        assert d["options"] == (["a", "b"] if t == "enum" else [])
        made.append(d)
    assert fresh.definitions() == made


def test_definitions_belong_to_one_account(fresh, other):
    fresh.define({"name": "plan", "type": "string"})
    other.define({"name": "plan", "type": "integer"})  # the same name elsewhere: fine
    assert [(d["name"], d["type"]) for d in fresh.definitions()] == [("plan", "string")]
    assert [(d["name"], d["type"]) for d in other.definitions()] == [("plan", "integer")]


@pytest.fixture(scope="module")
def defs(server):
    """An account for the refused definitions: each test checks its name was not stored."""
    return crm.CrmTenant.make(server)


@pytest.mark.parametrize("name", [
    "first_name", "last_name", "email", "phone", "contact_owner", "external_id",
    "custom_fields", "id", "created_at", "updated_at", "archived", "archived_by",
])
def test_a_model_or_system_name_is_409(defs, name):
    r = defs.client.post("/custom-fields", {"name": name, "type": "string"})
    err = assert_error(r, 409, "duplicate", {"name": "duplicate"})
    assert name in err["message"]
    assert name not in [d["name"] for d in defs.definitions()]


def test_a_name_already_defined_is_409(fresh):
    first = fresh.define({"name": "plan", "type": "string"})
    r = fresh.client.post("/custom-fields", {"name": "plan", "type": "integer"})
    assert_error(r, 409, "duplicate", {"name": "duplicate"})
    assert fresh.definitions() == [first]


@pytest.mark.parametrize("body,fields", [
    ({"name": "Plan", "type": "string"}, {"name": "invalid_format"}),
    ({"name": "my-plan", "type": "string"}, {"name": "invalid_format"}),
    ({"name": "1plan", "type": "string"}, {"name": "invalid_format"}),
    ({"name": "", "type": "string"}, {"name": "invalid_format"}),
    ({"name": "p" * 64, "type": "string"}, {"name": "invalid_format"}),
    ({"type": "string"}, {"name": "required"}),
    ({"name": "plan"}, {"type": "required"}),
    ({"name": "plan", "type": "text"}, {"type": "invalid_value"}),
    ({"name": "plan", "type": "enum"}, {"options": "invalid_value"}),
    ({"name": "plan", "type": "enum", "options": []}, {"options": "invalid_value"}),
    ({"name": "plan", "type": "string", "required": True}, {"required": "unknown_field"}),
], ids=["upper-case", "dash", "leading-digit", "empty", "64-characters", "no-name", "no-type",
        "unknown-type", "enum-without-options", "enum-empty-options", "unknown-key"])
def test_bad_definitions_are_400(defs, body, fields):
    before = defs.definitions()
    assert_error(defs.client.post("/custom-fields", body), 400, "validation_failed", fields)
    assert defs.definitions() == before


def test_a_63_character_name_is_fine(defs):
    defs.define({"name": "p" * 63, "type": "string"})


# ---- values ----------------------------------------------------------------------------------

# (type, value sent, value stored and answered)
STORED = [
    ("string", "Gold plan", "Gold plan"),
    ("string", "", ""),
    ("string", "x" * 1000, "x" * 1000),
    ("number", 1.5, 1.5),
    ("number", -3, -3),
    ("number", 0, 0),
    ("integer", 42, 42),
    ("integer", -7, -7),
    ("boolean", True, True),
    ("boolean", False, False),
    ("date", "2024-02-29", "2024-02-29"),
    ("datetime", "2026-01-31T09:30:00Z", "2026-01-31T09:30:00.000Z"),
    ("datetime", "2026-01-31T10:30:00+01:00", "2026-01-31T09:30:00.000Z"),
    ("email", " Bob@Example.com ", "Bob@Example.com"),
    ("phone", "+1 (415) 555-2671", "+14155552671"),
    ("phone", "(415) 555-2671", "+14155552671"),
    ("url", "https://example.com/a?b=c", "https://example.com/a?b=c"),
    ("enum", "b", "b"),
]

TYPE, FORMAT, VALUE, LONG = "invalid_type", "invalid_format", "invalid_value", "too_long"
# (type, value sent, detail code)
REFUSED = [
    ("string", 5, TYPE), ("string", "x" * 1001, LONG),
    ("number", "x", TYPE), ("number", "1", TYPE), ("number", True, TYPE),
    ("integer", 1.5, TYPE), ("integer", 2.0, TYPE), ("integer", "3", TYPE),
    ("boolean", "true", TYPE), ("boolean", 1, TYPE),
    ("date", "2023-02-29", FORMAT), ("date", "2024-2-3", FORMAT), ("date", "31/01/2024", FORMAT),
    ("date", "2024-01-31T00:00:00Z", FORMAT),
    ("datetime", "yesterday", FORMAT), ("datetime", "2026-01-31T09:30:00", FORMAT),
    ("email", "bob", FORMAT), ("email", 5, TYPE),
    ("phone", "hello", FORMAT), ("phone", 4155552671, TYPE),
    ("url", "ftp://example.com", FORMAT), ("url", "example.com", FORMAT),
    ("enum", "c", VALUE), ("enum", "A", VALUE), ("enum", 1, (TYPE, VALUE)),
]


@pytest.fixture(scope="module")
def typed(server):
    """An account with one custom field per type, named v_<type>."""
    t = crm.CrmTenant.make(server)
    for ty in TYPES:
        body = {"name": f"v_{ty}", "type": ty}
        if ty == "enum":
            body["options"] = ["a", "b"]
        t.define(body)
    return t


@pytest.mark.parametrize("ty,sent,stored", STORED,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(STORED)])
def test_valid_values_are_stored_flat(typed, ty, sent, stored):
    name = f"v_{ty}"
    c = typed.create({"first_name": "Ada"})
    got = typed.patch(c["id"], {name: sent})
    assert custom_values(got) == {name: stored}
    assert got[name] == stored and type(got[name]) is type(stored)
    assert typed.stored(c["id"])[name] == stored
    created = typed.create({name: sent})  # POST checks the same way
    assert custom_values(created) == {name: stored}


@pytest.mark.direct  # numbers beyond a double (prism re-serializes JSON)
@pytest.mark.parametrize("ty,sent,code", REFUSED,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(REFUSED)])
def test_invalid_values_are_400_naming_the_field(typed, ty, sent, code):
    name = f"v_{ty}"
    c = typed.create({"first_name": "Ada", name: None})
    before = typed.stored(c["id"])
    r = typed.client.patch(f"/contacts/{c['id']}", {"fields": {name: sent}})
    err = assert_error(r, 400, "validation_failed", {name: code})
    assert name in err["message"]
    assert typed.stored(c["id"]) == before


def test_every_bad_custom_value_is_listed_at_once(typed):
    c = typed.create({})
    r = typed.client.patch(f"/contacts/{c['id']}", {"fields": {
        "v_number": "x", "v_enum": "z", "v_date": "2023-13-01", "v_boolean": "no",
        "v_string": "fine", "first_name": 1}})
    assert_error(r, 400, "validation_failed", {
        "v_number": TYPE, "v_enum": VALUE, "v_date": FORMAT, "v_boolean": TYPE,
        "first_name": TYPE})
    assert custom_values(typed.stored(c["id"]), ["phone"]) == {}


def test_values_are_shown_only_when_set(fresh):
    fresh.define({"name": "plan", "type": "string"})
    fresh.define({"name": "seats", "type": "integer"})
    c = fresh.create({})
    assert custom_values(c) == {}                       # defined, never set: not shown
    got = fresh.patch(c["id"], {"seats": 0})
    assert custom_values(got) == {"seats": 0}           # 0 is a value
    got = fresh.patch(c["id"], {"plan": "pro"})
    assert custom_values(got) == {"seats": 0, "plan": "pro"}
    got = fresh.patch(c["id"], {"seats": None})         # null removes it
    assert custom_values(got) == {"plan": "pro"} and "seats" not in got
    assert fresh.stored(c["id"]) == fresh.get(c["id"], ["phone"])
    assert custom_values(fresh.get(c["id"])) == {"plan": "pro"}
    assert custom_values(fresh.page()["data"][0]) == {"plan": "pro"}


def test_a_field_defined_later_can_be_set_on_existing_contacts(fresh):
    c = fresh.create({"first_name": "Ada"})
    r = fresh.client.patch(f"/contacts/{c['id']}", {"fields": {"plan": "pro"}})
    assert_error(r, 400, "validation_failed", {"plan": "unknown_field"})
    fresh.define({"name": "plan", "type": "string"})
    assert fresh.patch(c["id"], {"plan": "pro"})["plan"] == "pro"


def test_custom_values_are_never_nested(fresh):
    fresh.define({"name": "plan", "type": "string"})
    c = fresh.create({"plan": "pro"})
    assert "custom_fields" not in c and c["plan"] == "pro"
    r = fresh.client.patch(f"/contacts/{c['id']}", {"fields": {"custom_fields": {"plan": "x"}}})
    assert_error(r, 400, "validation_failed", {"custom_fields": "unknown_field"})
    assert fresh.get(c["id"])["plan"] == "pro"


def test_custom_fields_routes_need_the_account(server, fresh):
    anon = server.client()
    crm.assert_unauthorized(anon.get("/custom-fields"))
    crm.assert_unauthorized(anon.post("/custom-fields", {"name": "plan", "type": "string"}))
    assert fresh.definitions() == []
    assert_status(fresh.keyed.post("/custom-fields", {"name": "plan", "type": "string"}), 201)
    assert [d["name"] for d in fresh.definitions()] == ["plan"]
