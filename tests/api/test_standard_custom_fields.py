"""Per-tenant custom fields of the `standard` model: definitions (names, types, enum options,
clashes, isolation) and values on contacts (typed validation, PATCH merge, null removes)."""

from datetime import datetime

import pytest

from contactsd_harness import (assert_contact_response, assert_error, assert_status,
                               is_timestamp, list_all)

TYPES = ["string", "number", "integer", "boolean", "date", "datetime", "email", "phone", "url",
         "enum"]
COLORS = ["Red", "Green", "Blue"]
STANDARD_NAMES = ["first_name", "last_name", "email", "phone", "company", "title", "notes",
                  "tags", "owner", "external_id"]


def _define(tenant, name, type_, options=None, status=201):
    body = {"name": name, "type": type_}
    if options is not None:
        body["options"] = options
    r = tenant.client.post("/v1/custom-fields", body)
    if status != 201:
        return r
    d = assert_status(r, 201)
    assert {"name", "type", "created_at"} <= set(d) <= {"name", "type", "options", "created_at"}, d
    assert d["name"] == name and d["type"] == type_ and is_timestamp(d["created_at"])
    if type_ == "enum":
        assert d["options"] == options
    else:
        assert d.get("options", []) == [], d
    return d


def _fields(tenant):
    body = assert_status(tenant.client.get("/v1/custom-fields"), 200)
    assert set(body) == {"data"}, body
    return {d["name"]: d for d in body["data"]}


@pytest.fixture
def cf(tenant):
    """A tenant with one custom field per type, named cf_<type>."""
    for t in TYPES:
        _define(tenant, f"cf_{t}", t, COLORS if t == "enum" else None)
    return tenant


# ---- definitions -----------------------------------------------------------------------------

@pytest.mark.parametrize("type_", TYPES)
def test_define_each_type(tenant, type_):
    d = _define(tenant, f"my_{type_}", type_, COLORS if type_ == "enum" else None)
    assert _fields(tenant) == {d["name"]: d}


def test_non_enum_types_accept_empty_options(tenant):
    _define(tenant, "plain", "string", [])
    assert list(_fields(tenant)) == ["plain"]


def test_list_holds_every_definition(cf):
    got = _fields(cf)
    assert set(got) == {f"cf_{t}" for t in TYPES}
    assert {n: d["type"] for n, d in got.items()} == {f"cf_{t}": t for t in TYPES}
    assert got["cf_enum"]["options"] == COLORS


@pytest.mark.parametrize("name", ["a", "a" * 63, "a_1", "z9", "tier_2_level"])
def test_valid_names(tenant, name):
    _define(tenant, name, "string")


@pytest.mark.parametrize("name", ["", "1abc", "Abc", "aB", "a-b", "a b", "_a", "a" * 64, "é",
                                  "a.b", "a$", " a", "a\n"])
def test_invalid_names_are_400(tenant, name):
    r = _define(tenant, name, "string", status=400)
    assert_error(r, 400, "validation_failed", {"name": None})
    assert _fields(tenant) == {}


# (body, the detail fields expected)
BAD_DEFINITIONS = [
    ({"type": "string"}, {"name"}),
    ({"name": 5, "type": "string"}, {"name"}),
    ({"name": None, "type": "string"}, {"name"}),
    ({"name": "x"}, {"type"}),
    ({"name": "x", "type": "foo"}, {"type"}),
    ({"name": "x", "type": "String"}, {"type"}),
    ({"name": "x", "type": ""}, {"type"}),
    ({"name": "x", "type": 5}, {"type"}),
    ({"name": "x", "type": "enum"}, {"options"}),
    ({"name": "x", "type": "enum", "options": []}, {"options"}),
    ({"name": "x", "type": "enum", "options": "Red"}, {"options"}),
    ({"name": "x", "type": "enum", "options": None}, {"options"}),
    ({"name": "x", "type": "string", "options": ["a"]}, {"options"}),
    ({"name": "X", "type": "foo"}, {"name", "type"}),
]


@pytest.mark.parametrize("body,fields", BAD_DEFINITIONS,
                         ids=[f"{i}" for i in range(len(BAD_DEFINITIONS))])
def test_bad_definitions_are_400_naming_every_bad_field(tenant, body, fields):
    r = tenant.client.post("/v1/custom-fields", body)
    assert_error(r, 400, "validation_failed", {f: None for f in fields})
    assert _fields(tenant) == {}


def test_enum_takes_up_to_100_options(tenant):
    _define(tenant, "big", "enum", [f"o{i}" for i in range(100)])
    r = tenant.client.post("/v1/custom-fields",
                           {"name": "bigger", "type": "enum", "options": [f"o{i}" for i in range(101)]})
    assert_error(r, 400, "validation_failed", {"options": None})
    assert list(_fields(tenant)) == ["big"]


@pytest.mark.parametrize("options", [[1], ["Red", 2], [None], [["a"]]])
def test_enum_options_must_be_strings(tenant, options):
    r = tenant.client.post("/v1/custom-fields", {"name": "x", "type": "enum", "options": options})
    body = assert_error(r, 400, "validation_failed")
    assert all(d["field"].startswith("options") for d in body["details"]), body
    assert _fields(tenant) == {}


def test_unknown_key_in_a_definition_is_400(tenant):
    r = tenant.client.post("/v1/custom-fields", {"name": "x", "type": "string", "required": True})
    assert_error(r, 400, "validation_failed")
    assert _fields(tenant) == {}


@pytest.mark.parametrize("body,error", [("{", "invalid_json"), ("[]", "invalid_body"),
                                        ('"x"', "invalid_body")])
def test_malformed_definition_bodies(tenant, body, error):
    assert_error(tenant.client.post("/v1/custom-fields", body), 400, error)
    assert _fields(tenant) == {}


def test_redefining_a_name_is_409(tenant):
    first = _define(tenant, "tier", "string")
    r = _define(tenant, "tier", "integer", status=409)
    assert_error(r, 409, "duplicate")
    assert _fields(tenant) == {"tier": first}


@pytest.mark.parametrize("name", STANDARD_NAMES)
def test_standard_field_names_are_409(tenant, name):
    assert_error(_define(tenant, name, "string", status=409), 409, "duplicate")
    assert _fields(tenant) == {}


def test_definitions_belong_to_one_tenant(tenant, other_tenant):
    mine = _define(tenant, "tier", "string")
    assert _fields(other_tenant) == {}
    theirs = _define(other_tenant, "tier", "integer")  # the same name, another tenant: fine
    assert _fields(tenant) == {"tier": mine}
    assert _fields(other_tenant) == {"tier": theirs}
    # and each tenant's values follow its own definition
    assert other_tenant.create_contact({"custom_fields": {"tier": 3}})["custom_fields"] == {"tier": 3}
    r = tenant.client.post("/v1/contacts", {"custom_fields": {"tier": 3}})
    assert_error(r, 400, "validation_failed", {"custom_fields.tier": "invalid_type"})


def test_another_tenants_field_is_unknown(tenant, other_tenant):
    _define(other_tenant, "secret_score", "integer")
    r = tenant.client.post("/v1/contacts", {"custom_fields": {"secret_score": 1}})
    assert_error(r, 400, "validation_failed", {"custom_fields.secret_score": "unknown_field"})
    assert list_all(tenant.client) == []


# ---- values ----------------------------------------------------------------------------------

# (type, sent, stored) - valid values
VALID_VALUES = [
    ("string", "hello", "hello"),
    ("string", "", ""),
    ("string", "s" * 1000, "s" * 1000),
    ("number", 1, 1),
    ("number", 1.5, 1.5),
    ("number", -2000.25, -2000.25),
    ("number", 0, 0),
    ("integer", 3, 3),
    ("integer", -7, -7),
    ("integer", 0, 0),
    ("integer", 9007199254740991, 9007199254740991),
    ("boolean", True, True),
    ("boolean", False, False),
    ("date", "2024-02-29", "2024-02-29"),
    ("date", "2000-02-29", "2000-02-29"),
    ("date", "2023-12-31", "2023-12-31"),
    ("datetime", "2023-01-02T03:04:05Z", "2023-01-02T03:04:05Z"),
    ("datetime", "2023-01-02T03:04:05.123Z", "2023-01-02T03:04:05.123Z"),
    ("datetime", "2023-01-02T03:04:05.123+02:00", "2023-01-02T03:04:05.123+02:00"),
    ("email", "a@b.com", "a@b.com"),
    ("phone", "+14155552671", "+14155552671"),
    ("url", "https://example.com/path?q=1", "https://example.com/path?q=1"),
    ("url", "http://localhost:8080", "http://localhost:8080"),
    ("enum", "Red", "Red"),
    ("enum", "Blue", "Blue"),
]

FORMAT = {"invalid_format"}
TYPE = {"invalid_type"}
ANY = None  # the code is not pinned by the contract

# (type, sent, allowed detail codes) - invalid values
INVALID_VALUES = [
    ("string", "s" * 1001, {"too_long"}),
    ("string", 5, TYPE), ("string", True, TYPE), ("string", ["a"], TYPE), ("string", {}, TYPE),
    ("number", "1", TYPE), ("number", True, TYPE), ("number", [1], TYPE),
    ("integer", 1.5, TYPE | FORMAT), ("integer", "3", TYPE), ("integer", True, TYPE),
    ("boolean", "true", TYPE), ("boolean", 1, TYPE), ("boolean", 0, TYPE), ("boolean", "yes", TYPE),
    ("date", "2023-02-29", FORMAT), ("date", "1900-02-29", FORMAT), ("date", "2023-04-31", FORMAT),
    ("date", "2023-13-01", FORMAT), ("date", "2023-00-10", FORMAT), ("date", "2023-1-01", FORMAT),
    ("date", "20230101", FORMAT), ("date", "2023-01-01T00:00:00Z", FORMAT),
    ("date", "tomorrow", FORMAT), ("date", 20230101, TYPE),
    ("datetime", "2023-01-02", FORMAT), ("datetime", "yesterday", FORMAT),
    ("datetime", "2023-02-30T00:00:00Z", FORMAT), ("datetime", "2023-01-02T25:00:00Z", FORMAT),
    ("datetime", "2023-01-02T03:04:05", FORMAT), ("datetime", 1672628645, TYPE),
    ("email", "nope", FORMAT), ("email", "a@", FORMAT), ("email", 5, TYPE),
    ("phone", "hello", FORMAT), ("phone", "+1 123", FORMAT), ("phone", 4155552671, TYPE),
    ("url", "not a url", FORMAT), ("url", "example", FORMAT), ("url", 5, TYPE),
    ("url", "ftp://example.com/x", FORMAT), ("url", "/relative/path", FORMAT),
    ("url", "javascript:alert(1)", FORMAT),
    ("enum", "red", ANY), ("enum", "Purple", ANY), ("enum", "", ANY), ("enum", 1, TYPE | FORMAT),
    ("enum", ["Red"], TYPE),
]


def _same_value(type_, got, want):
    if type_ == "datetime":  # may be normalized: the same instant is what matters
        parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
        return isinstance(got, str) and parse(got) == parse(want)
    if type_ == "number":
        return isinstance(got, (int, float)) and not isinstance(got, bool) and got == want
    return got == want and type(got) is type(want)


@pytest.mark.parametrize("type_,sent,stored", VALID_VALUES,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(VALID_VALUES)])
def test_valid_values_are_stored(cf, type_, sent, stored):
    name = f"cf_{type_}"
    c = cf.create_contact({"custom_fields": {name: sent}})
    assert set(c["custom_fields"]) == {name}
    assert _same_value(type_, c["custom_fields"][name], stored), c["custom_fields"]
    assert cf.get_contact(c["id"]) == c
    # the same through PATCH
    base = cf.create_contact({"first_name": "P"})
    r = cf.client.patch(f"/v1/contacts/{base['id']}", {"custom_fields": {name: sent}})
    p = assert_contact_response(r)
    assert _same_value(type_, p["custom_fields"][name], stored) and p["version"] == 2
    assert cf.get_contact(base["id"]) == p


@pytest.mark.parametrize("type_,sent,codes", INVALID_VALUES,
                         ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(INVALID_VALUES)])
def test_invalid_values_are_rejected(cf, type_, sent, codes):
    name = f"cf_{type_}"
    r = cf.client.post("/v1/contacts", {"custom_fields": {name: sent}})
    assert_error(r, 400, "validation_failed", {f"custom_fields.{name}": codes})
    assert list_all(cf.client) == []
    before = cf.create_contact({"custom_fields": {"cf_string": "keep"}})
    r = cf.client.patch(f"/v1/contacts/{before['id']}", {"custom_fields": {name: sent}})
    assert_error(r, 400, "validation_failed", {f"custom_fields.{name}": codes})
    assert cf.get_contact(before["id"]) == before


def test_unknown_custom_field_is_400(cf):
    r = cf.client.post("/v1/contacts", {"custom_fields": {"nope": 1, "cf_string": "ok"}})
    assert_error(r, 400, "validation_failed", {"custom_fields.nope": "unknown_field"})
    assert list_all(cf.client) == []


def test_every_bad_custom_and_standard_field_is_listed_at_once(cf):
    body = {"email": "bad", "custom_fields": {"cf_integer": "x", "cf_date": "2023-02-29",
                                              "nope": 1, "cf_string": "fine"}}
    r = cf.client.post("/v1/contacts", body)
    assert_error(r, 400, "validation_failed", {
        "email": "invalid_format", "custom_fields.cf_integer": "invalid_type",
        "custom_fields.cf_date": "invalid_format", "custom_fields.nope": "unknown_field"})
    before = cf.create_contact({})
    assert_error(cf.client.patch(f"/v1/contacts/{before['id']}", body), 400, "validation_failed")
    assert cf.get_contact(before["id"]) == before


def test_null_in_a_create_stores_nothing(cf):
    c = cf.create_contact({"custom_fields": {"cf_string": None, "cf_integer": 4}})
    assert c["custom_fields"] == {"cf_integer": 4}


def test_patch_merges_custom_fields_key_by_key(cf):
    c = cf.create_contact({"custom_fields": {"cf_string": "a", "cf_integer": 1, "cf_enum": "Red"}})
    steps = [
        ({"cf_integer": 2}, {"cf_string": "a", "cf_integer": 2, "cf_enum": "Red"}, 2),
        ({"cf_boolean": False}, {"cf_string": "a", "cf_integer": 2, "cf_enum": "Red",
                                 "cf_boolean": False}, 3),
        ({"cf_string": None}, {"cf_integer": 2, "cf_enum": "Red", "cf_boolean": False}, 4),
        ({}, {"cf_integer": 2, "cf_enum": "Red", "cf_boolean": False}, 4),  # no-op
        ({"cf_integer": 2}, {"cf_integer": 2, "cf_enum": "Red", "cf_boolean": False}, 4),  # same
        ({"cf_string": None}, {"cf_integer": 2, "cf_enum": "Red", "cf_boolean": False}, 4),  # gone
        ({"cf_enum": "Green", "cf_integer": None},
         {"cf_enum": "Green", "cf_boolean": False}, 5),
    ]
    for sent, want, version in steps:
        r = cf.client.patch(f"/v1/contacts/{c['id']}", {"custom_fields": sent})
        got = assert_contact_response(r)
        assert got["custom_fields"] == want, (sent, got["custom_fields"])
        assert got["version"] == version, (sent, got["version"])
    assert cf.get_contact(c["id"]) == got


def test_patch_without_custom_fields_keeps_them(cf):
    c = cf.create_contact({"custom_fields": {"cf_string": "a"}})
    got = assert_contact_response(cf.client.patch(f"/v1/contacts/{c['id']}", {"first_name": "x"}))
    assert got["custom_fields"] == {"cf_string": "a"}


def test_patch_custom_fields_null_clears_them_all(cf):
    c = cf.create_contact({"custom_fields": {"cf_string": "a", "cf_integer": 1}})
    got = assert_contact_response(cf.client.patch(f"/v1/contacts/{c['id']}",
                                                  {"custom_fields": None}))
    assert got["custom_fields"] == {} and got["version"] == 2


def test_a_patch_with_one_bad_custom_value_applies_nothing(cf):
    before = cf.create_contact({"first_name": "A", "custom_fields": {"cf_integer": 1}})
    r = cf.client.patch(f"/v1/contacts/{before['id']}",
                        {"first_name": "B", "custom_fields": {"cf_integer": 2, "cf_boolean": "no"}})
    assert_error(r, 400, "validation_failed", {"custom_fields.cf_boolean": "invalid_type"})
    assert cf.get_contact(before["id"]) == before


def test_custom_values_show_in_the_list(cf):
    c = cf.create_contact({"custom_fields": {"cf_url": "https://example.com", "cf_number": 2.5}})
    assert list_all(cf.client) == [c]


def test_datetimes_are_stored_as_utc(cf):
    c = cf.create_contact({"custom_fields": {"cf_datetime": "2023-01-02T03:04:05.123+02:00"}})
    stored = c["custom_fields"]["cf_datetime"]
    assert stored.endswith("Z") and _same_value("datetime", stored, "2023-01-02T01:04:05.123Z"), \
        stored


@pytest.mark.parametrize("type_,value", [
    ("number", "1e400"), ("number", "-1e400"), ("integer", "18446744073709551616"),
    ("integer", "9223372036854775808"), ("integer", "-9223372036854775809"),
    ("number", "123456789012345678901234567890"),
])
def test_extreme_numbers_are_rejected_or_round_trip(cf, type_, value):
    # sent verbatim: no 5xx, and what is stored must read back as valid JSON with that value
    # (1e400 overflows a double: stored as Infinity it would poison every later read)
    body = '{"custom_fields": {"cf_%s": %s}}' % (type_, value)
    r = cf.client.post("/v1/contacts", body)
    assert r.status_code in (201, 400), r.text
    if r.status_code == 400:
        assert_error(r, 400, {"invalid_json", "validation_failed"})
        assert list_all(cf.client) == []
    else:
        c = assert_contact_response(r, 201)
        assert c["custom_fields"][f"cf_{type_}"] == float(value) or \
            c["custom_fields"][f"cf_{type_}"] == int(value)
        assert cf.get_contact(c["id"]) == c
        assert list_all(cf.client) == [c]


@pytest.mark.parametrize("value", ["1E-400", "0.5", "2.000001", "-1e-5"])
def test_an_integer_field_rejects_non_integers_however_written(cf, value):
    # 1E-400 is not an integer even though it underflows to 0.0 as a double
    r = cf.client.post("/v1/contacts", '{"custom_fields": {"cf_integer": %s}}' % value)
    assert_error(r, 400, "validation_failed",
                 {"custom_fields.cf_integer": {"invalid_type", "invalid_format"}})
    assert list_all(cf.client) == []


def test_an_account_may_define_at_most_100_custom_fields(tenant):
    for i in range(100):
        assert_status(tenant.client.post("/v1/custom-fields", {"name": f"f{i}", "type": "string"}),
                      201)
    body = assert_error(tenant.client.post("/v1/custom-fields", {"name": "one_more", "type": "string"}),
                        409, "limit_reached")
    assert "100" in body["message"]
    listed = assert_status(tenant.client.get("/v1/custom-fields"), 200)["data"]
    assert len(listed) == 100 and "one_more" not in {f["name"] for f in listed}


@pytest.mark.direct  # the exact bytes of a number (prism re-serializes JSON)
@pytest.mark.parametrize("sent,text", [("1.5", "1.5"), ("0.1", "0.1"), ("-2000.25", "-2000.25"),
                                       ("2.50", "2.5"), ("1e-7", "1e-07"), ("1E2", "100")])
def test_numbers_are_written_as_people_write_them(cf, sent, text):
    # Not Boost 1.81's default "1.5E0": the shortest text that reads back to the same number.
    r = cf.client.post("/v1/contacts", '{"custom_fields": {"cf_number": %s}}' % sent)
    assert r.status_code == 201, r.text
    assert f'"cf_number":{text}' in r.text
    got = cf.client.get(f"/v1/contacts/{r.json()['id']}")
    assert f'"cf_number":{text}' in got.text
