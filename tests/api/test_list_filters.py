"""List filters on every type a model file may filter on (tests/api/models/filters.json): the
value in the query is read as its field stores it — a boolean, a number, an email in any case, a
phone in any format, a datetime in any zone, a UUID in any case — and matches exactly the
contacts holding it, on SQLite and PostgreSQL. A value of the wrong type for the field is a
400; one the field could not hold matches nothing. A stored string holding U+0000 matches no
filter, not even one on its prefix."""

from pathlib import Path
from urllib.parse import quote

import pytest

from contactsd_harness import Server, assert_error, assert_status

MODEL = str(Path(__file__).parent / "models" / "filters.json")


@pytest.fixture(scope="module")
def server(contactsd_bin, tmp_path_factory):
    srv = Server(contactsd_bin, tmp_path_factory.mktemp("filters"), model=MODEL).start()
    yield srv
    srv.stop()


def _create(tenant, body):
    return assert_status(tenant.client.post("/v1/contacts", body), 201)


def _ids(tenant, **params):
    # Escaped by hand: a "+" in this API's query is a plus sign, and a space is %20.
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    page = assert_status(tenant.client.get(f"/v1/contacts?{query}"), 200)
    return [c["id"] for c in page["data"]]


# param, the value stored, query values that find it, query values that do not
CASES = [
    ("s", "Hello", ["Hello"], ["hello", "Hell", "Hello ", ""]),
    ("e", "ada@example.com", ["ada@example.com", "ADA@Example.COM", " ada@example.com"],
     ["ada@example.co", "not-an-email"]),
    ("p", "+14155552671", ["+14155552671", "+1 (415) 555-2671"], ["+14155552672", "nope"]),
    ("u", "https://example.com/a", ["https://example.com/a"], ["https://example.com/b", "x"]),
    ("d", "2026-12-05", ["2026-12-05"], ["2026-12-06", "2026-13-01"]),
    ("dt", "2026-12-05T10:00:00Z", ["2026-12-05T10:00:00Z", "2026-12-05T11:00:00+01:00",
                                    "2026-12-05T10:00:00.000Z"],
     ["2026-12-05T10:00:01Z", "yesterday"]),
    ("b", True, ["true"], ["false"]),
    ("i", 42, ["42"], ["41", "-42"]),
    ("n", 1.5, ["1.5", "1.50", "15e-1"], ["1.25", "2"]),
    ("ref", "0190a0b0-0000-7000-8000-00000000000a", ["0190A0B0-0000-7000-8000-00000000000A"],
     ["0190a0b0-0000-7000-8000-00000000000b"]),
    ("c", "FR", ["FR"], ["DE", "XX"]),
    ("en", "red", ["red"], ["green", "blue"]),
    ("sa", ["x", "y"], ["x", "y"], ["z", "X", ""]),
    ("ia", [3, 7], ["3", "7"], ["4"]),
]


@pytest.mark.direct  # spaces in the query, which prism re-encodes as '+' (a plus here)
@pytest.mark.parametrize("param,stored,finds,misses", CASES, ids=[c[0] for c in CASES])
def test_a_filter_finds_the_value_as_stored(tenant, param, stored, finds, misses):
    held = _create(tenant, {param: stored})
    _create(tenant, {})  # holds nothing: never found
    for value in finds:
        assert _ids(tenant, **{param: value}) == [held["id"]], (param, value)
    for value in misses:
        assert _ids(tenant, **{param: value}) == [], (param, value)


@pytest.mark.parametrize("param,value,why", [
    ("b", "yes", "true or false"), ("b", "1", "true or false"),
    ("i", "4.5", "integer"), ("i", "x", "integer"), ("ia", "x", "integer"),
    ("n", "abc", "number"), ("n", "nan", "number"), ("n", "inf", "number"),
    ("ref", "not-a-uuid", "UUID"),
])
def test_a_value_of_the_wrong_type_is_a_400(tenant, param, value, why):
    err = assert_error(tenant.client.get("/v1/contacts", params={param: value}), 400,
                       "invalid_query")
    assert param in err["message"] and why in err["message"], err


def test_filters_combine(tenant):
    both = _create(tenant, {"b": False, "n": 2, "sa": ["k"]})
    _create(tenant, {"b": False, "n": 3, "sa": ["k"]})
    _create(tenant, {"b": True, "n": 2, "sa": ["k"]})
    assert _ids(tenant, b="false", n="2", sa="k") == [both["id"]]
    assert _ids(tenant, b="false", n="2.0") == [both["id"]]


def test_a_string_holding_a_nul_matches_no_filter_on_its_prefix(tenant):
    nul = _create(tenant, {"s": "a\u0000b", "sa": ["a\u0000b"]})
    plain = _create(tenant, {"s": "a", "sa": ["a"]})
    escaped = _create(tenant, {"s": "a\\u0000b"})  # a backslash, not a NUL
    assert nul["s"] == "a\u0000b"
    assert _ids(tenant, s="a") == [plain["id"]]
    assert _ids(tenant, sa="a") == [plain["id"]]
    assert _ids(tenant, s="a\\u0000b") == [escaped["id"]]
