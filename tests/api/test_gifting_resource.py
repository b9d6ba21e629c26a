"""The `gifting` contact as a resource: Bearer API keys, the routes (POST, GET, list, PATCH,
PUT, DELETE -> 204 and gone), the answer's shape, ids, accounts that cannot see each other,
and pagination."""

from __future__ import annotations

import pytest

from contactsd_harness import UNAUTHORIZED_BODY, assert_error, assert_status
import test_gifting_common as gift
from test_gifting_common import FULL, UNKNOWN_ID, VALID, assert_unchanged, contact_response

model_name, fresh, other = gift.model_name, gift.fresh, gift.other  # fixtures, used by name


# ---- authentication ------------------------------------------------------------------------------

def test_a_bearer_api_key_is_the_credential(server, fresh):
    c = fresh.create()
    lower = server.client(f"bearer {fresh.key['key']}")
    assert contact_response(lower.get(f"/contacts/{c['id']}")) == c
    bare = server.client(fresh.key["key"])  # the bare key works too
    assert contact_response(bare.get(f"/contacts/{c['id']}")) == c


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer sk_live_unknown",
                                           "Basic dXNlcjpwYXNz", "Token sk_live_x"])
def test_anything_else_is_one_401_on_every_route(server, fresh, authorization):
    c = fresh.create()
    fresh.add("lists", "l")
    client = server.client(authorization)
    for method, path, body in (
            ("POST", "/contacts", VALID), ("GET", "/contacts", None),
            ("GET", f"/contacts/{c['id']}", None), ("PATCH", f"/contacts/{c['id']}", {}),
            ("PUT", f"/contacts/{c['id']}", VALID), ("DELETE", f"/contacts/{c['id']}", None),
            ("POST", "/lists", {"name": "x"}), ("GET", "/lists", None),
            ("DELETE", "/lists/1", None)):
        r = client.request(method, path, body) if body is not None else client.request(method, path)
        assert assert_status(r, 401) == UNAUTHORIZED_BODY, (method, path)
    assert_unchanged(fresh, c)
    assert fresh.entries("lists") == [{"id": 1, "name": "l"}]


def test_a_revoked_key_stops_working(server, fresh):
    c = fresh.create()
    server.cli("key", "revoke", fresh.key["id"])
    assert_error(fresh.client.get(f"/contacts/{c['id']}"), 401, "unauthorized")


# ---- routes --------------------------------------------------------------------------------------

def test_create_answers_201_with_the_contact_and_its_etag(fresh):
    r = fresh.client.post("/contacts", FULL)
    c = contact_response(r, 201)
    assert r.headers["ETag"] == '"1"'
    assert gift.view(c) == gift.expected_view(FULL)


def test_get_and_list_show_the_same_contact(fresh):
    c = fresh.create(FULL)
    assert fresh.get(c["id"]) == c
    assert fresh.get(c["id"].upper()) == c  # ids are read case-insensitively
    assert fresh.list_all() == [c]


def test_delete_answers_204_and_the_contact_is_gone(fresh):
    c = fresh.create()
    kept = fresh.create()
    r = fresh.client.delete(f"/contacts/{c['id']}")
    assert r.status_code == 204 and r.content == b""
    for method, body in (("get", None), ("patch", {"title": "x"}), ("put", VALID),
                         ("delete", None)):
        args = (f"/contacts/{c['id']}",) + ((body,) if body is not None else ())
        assert_error(getattr(fresh.client, method)(*args), 404, "not_found")
    assert fresh.ids() == [kept["id"]]


@pytest.mark.parametrize("bad_id", ["123", "not-a-uuid", "0190a0b0-0000-7000-8000-00000000000g"])
def test_a_malformed_id_is_a_400(fresh, bad_id):
    for method, body in (("get", None), ("patch", {}), ("put", VALID), ("delete", None)):
        args = (f"/contacts/{bad_id}",) + ((body,) if body is not None else ())
        assert_error(getattr(fresh.client, method)(*args), 400, "invalid_id")


def test_a_write_without_an_id_is_a_400(fresh):
    for method in ("patch", "put", "delete"):
        args = ("/contacts",) + (({},) if method != "delete" else ())
        assert_error(getattr(fresh.client, method)(*args), 400, "invalid_id")


def test_an_unknown_id_is_a_404(fresh):
    for method, body in (("get", None), ("patch", {"title": "x"}), ("put", VALID),
                         ("delete", None)):
        args = (f"/contacts/{UNKNOWN_ID}",) + ((body,) if body is not None else ())
        body = assert_error(getattr(fresh.client, method)(*args), 404, "not_found")
        assert set(body) == {"error", "message", "statusCode"}


def test_another_accounts_contact_looks_unknown(fresh, other):
    theirs = other.create(FULL)
    unknown = assert_status(fresh.client.get(f"/contacts/{UNKNOWN_ID}"), 404)
    for method, body in (("get", None), ("patch", {"title": "x"}), ("put", VALID),
                         ("delete", None)):
        args = (f"/contacts/{theirs['id']}",) + ((body,) if body is not None else ())
        assert assert_error(getattr(fresh.client, method)(*args), 404, "not_found") == unknown
    assert fresh.list_all() == []
    assert_unchanged(other, theirs)


@pytest.mark.parametrize("raw,error", [("", "invalid_json"), ("{", "invalid_json"),
                                       ("[]", "invalid_body"), ("null", "invalid_body")])
def test_a_body_that_is_not_an_object(fresh, raw, error):
    c = fresh.create()
    for method in ("post", "patch", "put"):
        path = "/contacts" if method == "post" else f"/contacts/{c['id']}"
        assert_error(getattr(fresh.client, method)(path, raw), 400, error)
    assert_unchanged(fresh, c)
    assert fresh.ids() == [c["id"]]


def test_the_list_pages_in_creation_order(fresh):
    ids = [fresh.create()["id"] for _ in range(5)]
    page = fresh.page(limit=2)
    assert [c["id"] for c in page["data"]] == ids[:2] and page["next_cursor"]
    assert fresh.ids(limit=2) == ids
    assert_error(fresh.client.get("/contacts", params={"limit": 0}), 400, "invalid_query")
    assert_error(fresh.client.get("/contacts", params={"limit": 101}), 400, "invalid_query")
    assert_error(fresh.client.get("/contacts", params={"cursor": "forged"}), 400,
                 "invalid_cursor")


def test_a_trailing_slash_is_the_same_route(fresh):
    c = fresh.create()
    assert contact_response(fresh.client.get(f"/contacts/{c['id']}/")) == c
    assert assert_status(fresh.client.get("/lists/"), 200) == {"data": []}
