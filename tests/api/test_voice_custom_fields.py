"""Custom fields of the `voice` model. The page: custom_fields is an object and "only keys
matching company CustomField names are stored" (the same on POST and PATCH). So a company
defines its fields (POST /custom-fields/ {"name": "plan"}, the type optional: without one a
value may be any JSON), values of defined names are merged into the stored ones (null
removes a key), and every other key is dropped silently. Definitions belong to one company."""

import time

import pytest

from contactsd_harness import assert_error, assert_status, is_timestamp
import test_voice_common as voice
from test_voice_common import EMPTY_VIEW, SHARED_FIELDS, contact_url, unique, view

# the suite's fixtures, used by name
model_name, shared, fresh, other = voice.model_name, voice.shared, voice.fresh, voice.other

# Most tests define fields of their own names in the module's one company (`shared`, which has
# SHARED_FIELDS) and check its whole definition list is otherwise unchanged; `fresh` / `other`
# companies only where an empty list matters (a new company costs two CLI runs).

# ---- definitions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("slash", ["/", ""], ids=["slash", "no-slash"])
def test_define_a_field_by_name_only(shared, slash):
    before = shared.fields()
    name = unique("plan")
    r = shared.client.post("/custom-fields" + slash, {"name": name})
    d = assert_status(r, 201)
    assert set(d) == {"name", "type", "options", "created_at"}, d
    assert d["name"] == name and d["type"] == "any" and d["options"] == [], d
    assert is_timestamp(d["created_at"])
    listed = assert_status(shared.client.get("/custom-fields" + slash), 200)
    assert set(listed) == {"data"}
    assert {x["name"]: x for x in listed["data"]} == {**before, name: d}


@pytest.mark.parametrize("body", [
    {"name": "plan", "type": None},
    {"name": "plan", "type": "any"},
    {"name": "plan", "type": "string"},
    {"name": "plan", "type": "integer"},
    {"name": "plan", "type": "number"},
    {"name": "plan", "type": "boolean"},
    {"name": "plan", "type": "date"},
    {"name": "plan", "type": "enum", "options": ["basic", "pro"]},
], ids=lambda b: str(b.get("type")))
def test_define_a_field_with_a_type(shared, body):
    before = shared.fields()
    body = {**body, "name": unique("typed")}
    d = shared.define(body)
    assert d["type"] == (body["type"] or "any")
    assert d["options"] == body.get("options", [])
    assert shared.fields() == {**before, body["name"]: d}


def test_list_holds_every_definition_in_order(fresh):
    assert assert_status(fresh.client.get("/custom-fields/"), 200) == {"data": []}
    made = []
    for n in ("zeta", "alpha", "mid"):
        made.append(fresh.define({"name": n}))
        time.sleep(0.003)  # created_at has millisecond resolution
    body = assert_status(fresh.client.get("/custom-fields/"), 200)
    assert body == {"data": made}


def test_a_name_defined_twice_is_409(shared):
    name = unique("twice")
    shared.define({"name": name})
    before = shared.fields()
    for body in ({"name": name}, {"name": name, "type": "integer"}, {"name": "plan"}):
        assert_error(shared.client.post("/custom-fields/", body), 409, "duplicate")
    assert shared.fields() == before


@pytest.mark.parametrize("name", [
    "full_name", "first_name", "last_name", "email", "phone_number", "business_name", "notes",
    "tags", "is_dnd", "lead_source", "custom_fields", "profile_picture_url", "last_activity",
    "id", "created_at", "updated_at"])
def test_the_models_own_names_are_409(shared, name):
    before = shared.fields()
    assert_error(shared.client.post("/custom-fields/", {"name": name}), 409, "duplicate")
    assert shared.fields() == before


@pytest.mark.parametrize("body,fields", [
    ({}, {"name"}),
    ({"type": "string"}, {"name"}),
    ({"name": 5}, {"name"}),
    ({"name": None}, {"name"}),
    ({"name": ""}, {"name"}),
    ({"name": "Plan"}, {"name"}),
    ({"name": "1plan"}, {"name"}),
    ({"name": "my-plan"}, {"name"}),
    ({"name": "my plan"}, {"name"}),
    ({"name": "p" * 64}, {"name"}),
    ({"name": "plan", "type": "colour"}, {"type"}),
    ({"name": "plan", "type": 5}, {"type"}),
    ({"name": "plan", "type": "enum"}, {"options"}),
    ({"name": "plan", "type": "string", "options": ["a"]}, {"options"}),
    ({"name": "plan", "required": True}, {"required"}),
    ({"name": "Plan", "type": "colour"}, {"name", "type"}),
], ids=lambda v: str(v) if isinstance(v, dict) else None)
def test_bad_definitions_are_400(shared, body, fields):
    before = shared.fields()
    assert_error(shared.client.post("/custom-fields/", body), 400, "validation_failed",
                 {f: None for f in fields})
    assert shared.fields() == before


@pytest.mark.parametrize("raw,error", [("{", "invalid_json"), ("", "invalid_json"),
                                       ('["plan"]', "invalid_body"), ('"plan"', "invalid_body")])
def test_malformed_definitions_are_400(shared, raw, error):
    before = shared.fields()
    assert_error(shared.client.post("/custom-fields/", raw), 400, error)
    assert shared.fields() == before


def test_definitions_belong_to_one_company(shared, other):
    mine = shared.fields()
    assert other.fields() == {}
    theirs = other.define({"name": "plan", "type": "integer"})  # same name, another company
    secret = other.define({"name": "secret_score"})
    assert shared.fields() == mine
    assert other.fields() == {"plan": theirs, "secret_score": secret}
    # each company's values follow its own definition
    assert shared.create({"custom_fields": {"plan": "pro"}})["custom_fields"] == {"plan": "pro"}
    assert_error(other.client.post("/contacts/", {"custom_fields": {"plan": "pro"}}), 400,
                 "validation_failed", {"custom_fields.plan": "invalid_type"})
    assert other.list_all() == []
    # and another company's field names are dropped like any unknown key
    c = shared.create({"custom_fields": {"secret_score": 99}})
    assert c["custom_fields"] == {}
    c = shared.patch(c["id"], {"custom_fields": {"secret_score": 99}})
    assert c["custom_fields"] == {}
    assert shared.get(c["id"]) == c


# ---- values ----------------------------------------------------------------------------------

# Values a field defined without a type takes, stored as sent.
ANY_VALUES = [
    "pro", "", "<string>", 0, -3, 2.5, 1e300, 9007199254740993, True, False, [], [1, "two", None],
    {}, {"nested": {"deep": [1, {"x": None}]}}, "ü李\u0000\n",
]


@pytest.mark.parametrize("value", ANY_VALUES, ids=[repr(v)[:30] for v in ANY_VALUES])
def test_a_field_without_a_type_takes_any_json(shared, value):
    c = shared.create({"custom_fields": {"plan": value}})
    assert c["custom_fields"] == {"plan": value}
    assert shared.get(c["id"]) == c
    c2 = shared.create({})
    got = shared.patch(c2["id"], {"custom_fields": {"plan": value}})
    assert got["custom_fields"] == {"plan": value}
    assert shared.get(c2["id"]) == got


# (id, stored before, PATCH custom_fields value, stored after)
MERGES = [
    ("add", {"plan": "pro"}, {"score": 3}, {"plan": "pro", "score": 3}),
    ("replace-one", {"plan": "pro", "score": 1}, {"plan": "basic"}, {"plan": "basic", "score": 1}),
    ("null-removes", {"plan": "pro", "score": 1}, {"plan": None}, {"score": 1}),
    ("null-of-unset", {"score": 1}, {"plan": None}, {"score": 1}),
    ("empty-object-no-op", {"plan": "pro"}, {}, {"plan": "pro"}),
    ("unknown-dropped", {"plan": "pro"}, {"nope": 1, "Plan": 2}, {"plan": "pro"}),
    ("unknown-beside-known", {}, {"nope": 1, "stage": "won"}, {"stage": "won"}),
    ("null-clears-all", {"plan": "pro", "score": 1}, None, {}),
    ("object-value-replaced-whole", {"plan": {"a": 1, "b": 2}}, {"plan": {"a": 3}},
     {"plan": {"a": 3}}),
]


@pytest.mark.parametrize("before,sent,after", [m[1:] for m in MERGES], ids=[m[0] for m in MERGES])
def test_patch_merges_custom_fields(shared, before, sent, after):
    c = shared.create({"notes": "merge", "custom_fields": before})
    assert c["custom_fields"] == before
    got = shared.patch(c["id"], {"custom_fields": sent})
    assert got == {**c, "custom_fields": after}
    assert shared.get(c["id"]) == got


# (id, custom_fields sent, {detail field: code}) - typed definitions are checked; every bad
# key is named; unknown keys beside them are still just dropped
TYPED_REFUSALS = [
    ("integer-string", {"score": "high"}, {"custom_fields.score": "invalid_type"}),
    ("integer-fraction", {"score": 1.5}, {"custom_fields.score": "invalid_type"}),
    ("enum-outside", {"stage": "lost"}, {"custom_fields.stage": "invalid_value"}),
    ("both", {"score": "x", "stage": "lost", "nope": 1, "plan": "ok"},
     {"custom_fields.score": "invalid_type", "custom_fields.stage": "invalid_value"}),
]


@pytest.mark.parametrize("sent,fields", [t[1:] for t in TYPED_REFUSALS],
                         ids=[t[0] for t in TYPED_REFUSALS])
def test_typed_custom_fields_are_checked_and_nothing_is_stored(shared, sent, fields):
    c = shared.create({"custom_fields": {"plan": "pro", "score": 1}})
    r = shared.client.patch(contact_url(c["id"]), {"custom_fields": sent, "notes": "no"})
    assert_error(r, 400, "validation_failed", fields)
    assert shared.get(c["id"]) == c
    assert_error(shared.client.post("/contacts/", {"custom_fields": sent}), 400,
                 "validation_failed", fields)


def test_a_value_is_stored_once_its_field_is_defined(shared):
    name = unique("late")
    c = shared.create({"custom_fields": {name: "pro"}})
    assert c["custom_fields"] == {}  # not defined yet: dropped
    shared.define({"name": name})
    assert shared.get(c["id"])["custom_fields"] == {}  # nothing kept from before
    got = shared.patch(c["id"], {"custom_fields": {name: "pro"}})
    assert got["custom_fields"] == {name: "pro"}
    assert shared.get(c["id"]) == got


def test_a_company_without_definitions_stores_no_custom_values(fresh):
    c = fresh.create({"custom_fields": {"a": 1, "b": {"c": 2}}})
    assert view(c) == EMPTY_VIEW
    got = fresh.patch(c["id"], {"custom_fields": {"a": 1}})
    assert got == c
    assert fresh.get(c["id"]) == c


def test_shared_fields_are_defined(shared):
    fields = shared.fields()
    assert {n: {k: fields[n][k] for k in ("name", "type", "options")} for n in SHARED_FIELDS} == {
        "plan": {"name": "plan", "type": "any", "options": []},
        "score": {"name": "score", "type": "integer", "options": []},
        "stage": {"name": "stage", "type": "enum", "options": ["new", "won"]}}
