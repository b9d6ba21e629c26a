"""GET /v1/contacts: creation order, limits, cursors (walks, tampering), archived rows left
out, and tenants never mixed."""

import base64
import json
import socket

import pytest

from contactsd_harness import (ResponseReader, assert_contact_shape, assert_error, assert_status,
                               list_all)


def _page(client, **params):
    page = assert_status(client.get("/v1/contacts", params=params), 200)
    assert set(page) == {"data", "next_cursor"}, page
    assert page["next_cursor"] is None or (isinstance(page["next_cursor"], str)
                                           and page["next_cursor"]), page
    for c in page["data"]:
        assert_contact_shape(c)
    return page


def _make(tenant, n, prefix="c"):
    return [tenant.create_contact({"first_name": f"{prefix}{i}"}) for i in range(n)]


def test_empty_list(tenant):
    assert _page(tenant.client) == {"data": [], "next_cursor": None}


def test_list_returns_full_contacts_in_creation_order(tenant):
    made = _make(tenant, 5)
    page = _page(tenant.client)
    assert page == {"data": made, "next_cursor": None}


@pytest.mark.parametrize("n,limit", [(7, 3), (6, 3), (5, 1), (4, 100), (10, 10), (1, 1)])
def test_walking_the_cursors_returns_every_contact_once_in_order(tenant, n, limit):
    made = _make(tenant, n)
    pages, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = _page(tenant.client, **params)
        assert len(page["data"]) <= limit
        pages.append(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(pages) <= n + 1, "the walk does not end"
    assert [c for p in pages for c in p] == made
    assert all(len(p) == limit for p in pages[:-1] if p), [len(p) for p in pages]
    # no empty page except possibly the last one when n is a multiple of limit
    assert all(pages[:-1])


def test_default_limit_is_50(tenant):
    made = _make(tenant, 55)
    first = _page(tenant.client)
    assert first["data"] == made[:50]
    assert first["next_cursor"] is not None
    second = _page(tenant.client, cursor=first["next_cursor"])
    assert second == {"data": made[50:], "next_cursor": None}


def test_limit_100_is_allowed(tenant):
    made = _make(tenant, 3)
    assert _page(tenant.client, limit=100) == {"data": made, "next_cursor": None}


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "", "1e2", "99999999999999999999",
                                   "5x"])
def test_bad_limit_is_400_invalid_query(tenant, limit):
    tenant.create_contact({})
    assert_error(tenant.client.get("/v1/contacts", params={"limit": limit}), 400, "invalid_query")


def _tamper(cursor: str) -> list[str]:
    """Variants of a real cursor with one character changed in the middle, at the start and
    near the end (not the very last char, whose low bits may be base64 padding)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    out = []
    core = cursor.rstrip("=")
    for pos in sorted({len(core) // 2, 0, max(0, len(core) - 2)}):
        ch = cursor[pos]
        repl = next(a for a in alphabet if a != ch and a.lower() != ch.lower())
        out.append(cursor[:pos] + repl + cursor[pos + 1:])
    return out


def test_tampered_cursor_is_400_invalid_cursor(tenant):
    _make(tenant, 4)
    cursor = _page(tenant.client, limit=2)["next_cursor"]
    assert cursor
    for bad in _tamper(cursor) + [cursor[:-4], cursor + "AAAA", cursor[::-1]]:
        r = tenant.client.get("/v1/contacts", params={"limit": 2, "cursor": bad})
        assert_error(r, 400, "invalid_cursor")


@pytest.mark.parametrize("cursor", [
    "garbage", "!!!", "0", "null", "%00", "A" * 5000,
    base64.urlsafe_b64encode(b'{"after":"00000000-0000-0000-0000-000000000000"}').decode(),
    base64.b64encode(b"0190a0b0-0000-7000-8000-000000000000").decode(),
    "0190a0b0-0000-7000-8000-000000000000",
])
def test_garbage_cursor_is_400_invalid_cursor(tenant, cursor):
    tenant.create_contact({})
    r = tenant.client.get("/v1/contacts", params={"cursor": cursor})
    assert_error(r, 400, "invalid_cursor")


def test_archived_contacts_are_not_listed(tenant):
    made = _make(tenant, 5)
    for i in (1, 3):
        assert_status(tenant.client.delete(f"/v1/contacts/{made[i]['id']}"), 200)
    assert [c["id"] for c in list_all(tenant.client)] == [made[i]["id"] for i in (0, 2, 4)]
    assert [c["id"] for c in list_all(tenant.client, limit=1)] == \
        [made[i]["id"] for i in (0, 2, 4)]


def test_a_walk_survives_archiving_the_row_its_cursor_points_at(tenant):
    made = _make(tenant, 6)
    first = _page(tenant.client, limit=2)
    assert first["data"] == made[:2]
    assert_status(tenant.client.delete(f"/v1/contacts/{made[1]['id']}"), 200)  # the anchor
    rest = []
    cursor = first["next_cursor"]
    while cursor:
        page = _page(tenant.client, limit=2, cursor=cursor)
        rest += page["data"]
        cursor = page["next_cursor"]
    assert rest == made[2:]


def test_contacts_created_during_a_walk_appear_at_its_end(tenant):
    made = _make(tenant, 4)
    first = _page(tenant.client, limit=2)
    late = tenant.create_contact({"first_name": "late"})
    rest = list_all_from(tenant.client, first["next_cursor"], limit=2)
    assert first["data"] + rest == made + [late]


def list_all_from(client, cursor, limit):
    out = []
    while cursor:
        page = _page(client, limit=limit, cursor=cursor)
        out += page["data"]
        cursor = page["next_cursor"]
    return out


def test_patched_contacts_keep_their_place(tenant):
    made = _make(tenant, 3)
    patched = assert_status(tenant.client.patch(f"/v1/contacts/{made[0]['id']}",
                                                {"first_name": "zzz"}), 200)
    assert list_all(tenant.client) == [patched] + made[1:]


def test_lists_never_mix_tenants(tenant, other_tenant):
    mine = _make(tenant, 3, "mine")
    theirs = _make(other_tenant, 4, "theirs")
    assert list_all(tenant.client) == mine
    assert list_all(other_tenant.client) == theirs
    assert list_all(tenant.client, limit=1) == mine
    assert list_all(other_tenant.client, limit=1) == theirs


def test_another_tenants_cursor_never_shows_their_rows(tenant, other_tenant):
    mine = _make(tenant, 2, "mine")
    _make(other_tenant, 4, "theirs")
    their_cursor = _page(other_tenant.client, limit=1)["next_cursor"]
    r = tenant.client.get("/v1/contacts", params={"limit": 10, "cursor": their_cursor})
    if r.status_code == 400:
        assert_error(r, 400, "invalid_cursor")
    else:
        page = assert_status(r, 200)
        mine_ids = {c["id"] for c in mine}
        assert all(c["id"] in mine_ids for c in page["data"]), page


def test_rapid_sequential_creates_keep_creation_order(tenant):
    # each create is answered before the next is sent, so creation order is well defined
    # even when several land in the same millisecond
    made = _make(tenant, 150)
    listed = list_all(tenant.client, limit=100)
    assert [c["id"] for c in listed] == [c["id"] for c in made], \
        "list order differs from creation order: " + ", ".join(
            f"{a['first_name']}@{a['created_at']}" for a, b in zip(listed, made) if a != b)[:500]


def test_pipelined_creates_keep_creation_order(server, tenant):
    # One connection answers its requests one after another, in order, so these contacts are
    # created in a known order - and fast enough that many share a millisecond.
    n = 300
    reqs = b""
    for i in range(n):
        body = json.dumps({"first_name": f"p{i:03d}"}).encode()
        reqs += (f"POST /v1/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.secret}"
                 f"\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                 ).encode() + body
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(reqs)
        reader = ResponseReader(sock)
        created = [reader.read() for _ in range(n)]
    assert [r.status for r in created] == [201] * n
    made = [r.json() for r in created]
    assert [c["first_name"] for c in made] == [f"p{i:03d}" for i in range(n)]
    listed = list_all(tenant.client, limit=100)
    assert sorted(c["id"] for c in listed) == sorted(c["id"] for c in made)
    swapped = [(a["first_name"], a["id"], a["created_at"]) for a, b in zip(listed, made) if a != b]
    assert not swapped, (f"{len(swapped)} of {n} contacts listed out of creation order, "
                         f"first ones (name, id, created_at): {swapped[:4]}")
