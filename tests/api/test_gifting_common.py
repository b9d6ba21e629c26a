"""Shared helpers and fixtures of the `gifting` suite (test_gifting_*.py). No tests here.

The `gifting` model plays the recipient contract of shared/specs/002_2da789fe1bf14452.txt
(issue 4): base path "", `Authorization: Bearer <api key>`, flat bodies, PUT (full replace)
and PATCH (sent keys only) both checked against every rule of the page on the merged record,
and per-account lists and labels (`/lists`, `/labels`) whose int32 ids contacts carry.

A contact is answered as RESPONSE_KEYS, in that order. The other gifting modules import the
fixtures below by name: `model_name` (serve --model gifting), `fresh` / `other` (a new
account per test, so lists, labels and contact lists start empty).
"""

from __future__ import annotations

import uuid
from typing import Any, Mapping

import pytest

from contactsd_harness import (Client, Server, assert_error, assert_status, is_timestamp, is_uuid,
                               walk_pages)

RESPONSE_KEYS = [
    "id", "first_name", "last_name", "email", "phone", "gender", "shirt_size", "birthday",
    "country", "address", "address2", "city", "state", "zip", "company", "department", "title",
    "employment_status", "contact_type", "employment_type", "start_date", "anniversary_date",
    "client_since", "classification", "address_validated", "address_force_accepted",
    "address_verified", "lists", "labels", "created_at", "updated_at",
]
REQUIRED = ["first_name", "last_name", "email", "country", "city", "state", "zip", "contact_type"]
STRINGS = ["phone", "company", "department", "title", "employment_status", "employment_type",
           "classification"]
DATES = ["birthday", "start_date", "anniversary_date", "client_since"]
BOOLEANS = ["address_validated", "address_force_accepted", "address_verified"]
UNKNOWN_ID = "0190a0b0-0000-7000-8000-000000000000"  # a well-formed UUID no contact has

# The least a valid recipient needs: the required fields and one address line.
VALID = {
    "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "country": "US",
    "city": "New York", "state": "NY", "zip": "10001", "contact_type": "employee",
    "address": "1 Main St",
}
# Every field set.
FULL = {
    **VALID, "phone": "+1 212 555 0100", "gender": "female", "shirt_size": "MD",
    "birthday": "1990-01-15", "address2": "Apt 4", "company": "Analytical Engines",
    "department": "Research", "title": "Analyst", "employment_status": "active",
    "employment_type": "Full-Time", "start_date": "2024-01-15", "anniversary_date": "2018-06-20",
    "client_since": "2020-03-01", "classification": "VIP", "address_validated": True,
    "address_force_accepted": False, "address_verified": True,
}


def empty_view() -> dict:
    """Every writable field as a contact holds it when nothing was sent for it."""
    view = {k: None for k in RESPONSE_KEYS if k not in ("id", "created_at", "updated_at")}
    view.update({b: False for b in BOOLEANS})
    view.update({"lists": [], "labels": []})
    return view


def expected_view(body: Mapping[str, Any]) -> dict:
    """What a contact created (or PUT) with `body` shows, without id and timestamps."""
    view = empty_view()
    view.update(body)
    return view


def view(c: Mapping[str, Any]) -> dict:
    """A contact answer without id and timestamps."""
    return {k: v for k, v in c.items() if k not in ("id", "created_at", "updated_at")}


def assert_gift_contact(c: Any) -> dict:
    """The answer's exact keys in order, each of its type."""
    assert isinstance(c, dict), c
    assert list(c) == RESPONSE_KEYS, f"keys {list(c)}"
    assert is_uuid(c["id"]), c["id"]
    for k in REQUIRED + STRINGS + DATES + ["gender", "shirt_size", "address", "address2"]:
        assert c[k] is None or isinstance(c[k], str), (k, c[k])
    for k in BOOLEANS:
        assert isinstance(c[k], bool), (k, c[k])
    for k in ("lists", "labels"):
        assert isinstance(c[k], list), (k, c[k])
        assert all(isinstance(i, int) and not isinstance(i, bool) and 1 <= i < 2**31
                   for i in c[k]), (k, c[k])
        assert len(set(c[k])) == len(c[k]), (k, c[k])
    assert is_timestamp(c["created_at"]) and is_timestamp(c["updated_at"]), c
    assert c["updated_at"] >= c["created_at"], c
    return c


def contact_response(resp, status: int = 200) -> dict:
    c = assert_gift_contact(assert_status(resp, status))
    etag = resp.headers.get("ETag")
    assert etag and etag.startswith('"') and etag.endswith('"'), f"ETag {etag!r}"
    return c


class GiftTenant:
    """One account with a `Bearer <key>` client, and the suite's requests as methods."""

    def __init__(self, server: Server):
        self.server = server
        self.org = server.org(f"gift-{uuid.uuid4().hex[:8]}")
        self.key = server.key(self.org["id"])
        self.client: Client = server.client(f"Bearer {self.key['key']}")

    def new_client(self) -> Client:
        """Another client with the account's key (one per thread: a session is not shared)."""
        return self.server.client(f"Bearer {self.key['key']}")

    # ---- contacts ----
    def create(self, body: Mapping[str, Any] | None = None) -> dict:
        return contact_response(self.client.post("/contacts", dict(VALID if body is None
                                                                    else body)), 201)

    def get(self, cid: str) -> dict:
        return contact_response(self.client.get(f"/contacts/{cid}"))

    def etag(self, cid: str) -> str:
        r = self.client.get(f"/contacts/{cid}")
        assert_status(r, 200)
        return r.headers["ETag"]

    def patch(self, cid: str, body: Mapping[str, Any]) -> dict:
        return contact_response(self.client.patch(f"/contacts/{cid}", dict(body)))

    def put(self, cid: str, body: Mapping[str, Any]) -> dict:
        return contact_response(self.client.put(f"/contacts/{cid}", dict(body)))

    def page(self, **params) -> dict:
        page = assert_status(self.client.get("/contacts", params=params), 200)
        assert list(page) == ["data", "next_cursor"], page
        for c in page["data"]:
            assert_gift_contact(c)
        return page

    def list_all(self, **params) -> list[dict]:
        return walk_pages(lambda p: self.page(**p), params)

    def ids(self, **params) -> list[str]:
        return [c["id"] for c in self.list_all(**params)]

    # ---- lists and labels ----
    def add(self, collection: str, name: str, client: Client | None = None) -> int:
        entry = assert_status((client or self.client).post(f"/{collection}", {"name": name}), 201)
        assert list(entry) == ["id", "name"], entry
        assert isinstance(entry["id"], int) and 1 <= entry["id"] < 2**31, entry
        return entry["id"]

    def entries(self, collection: str) -> list[dict]:
        body = assert_status(self.client.get(f"/{collection}"), 200)
        assert list(body) == ["data"], body
        for e in body["data"]:
            assert list(e) == ["id", "name"], e
        assert [e["id"] for e in body["data"]] == sorted(e["id"] for e in body["data"]), body
        return body["data"]


def assert_unchanged(t: GiftTenant, before: dict) -> None:
    """The stored contact is exactly `before` (same version, same updated_at)."""
    assert t.get(before["id"]) == before


def assert_rejected(resp, fields: Mapping[str, Any], error: str = "validation_failed") -> dict:
    """A 400 naming exactly `fields` (field -> code, or None for any code)."""
    return assert_error(resp, 400, error, fields)


# ---- fixtures (imported by name into each gifting module) ----------------------------------------

@pytest.fixture(scope="module")
def model_name():
    return "gifting"


@pytest.fixture
def fresh(server) -> GiftTenant:
    t = GiftTenant(server)
    yield t
    server.assert_alive()


@pytest.fixture
def other(server) -> GiftTenant:
    return GiftTenant(server)
