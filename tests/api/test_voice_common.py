"""Shared helpers and fixtures of the `voice` suite (test_voice_*.py). No tests here.

The `voice` model plays the phone-agent platform of shared/specs/003_fdab34eb03a27f9d.txt:
base path "", `Authorization: <api-key>` (bare key, as the page) or `Bearer <key>`, paths
with or without a trailing slash, and a contact answered as

    {id, name, email, phone, business_name, notes, tags, lead_source, is_dnd,
     profile_picture_url, last_activity, created_at, custom_fields}

The other voice modules import the fixtures below by name (pytest then uses them there):
`model_name` (serve --model voice), `shared` (one company per module with custom fields
defined, for tests that only touch contacts they create), `fresh` / `other` (a new company
per test, for lists, definitions and isolation). The clients send the key bare, as the page
does; `bearer` clients are there for the `Bearer <key>` form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from contactsd_harness import (Client, Server, assert_error, assert_status, is_timestamp, is_uuid,
                               walk_pages)

VOICE_KEYS = {
    "id", "name", "email", "phone", "business_name", "notes", "tags", "lead_source", "is_dnd",
    "profile_picture_url", "last_activity", "created_at", "custom_fields",
}
LEAD_SOURCES = ["manual", "api", "webhook", "facebook", "instagram", "import"]
UNKNOWN_ID = "0190a0b0-0000-7000-8000-000000000000"  # a well-formed UUID no contact has

# Custom fields the `shared` company defines: name -> definition body.
SHARED_FIELDS = {
    "plan": {"name": "plan"},                      # no type: any JSON value
    "score": {"name": "score", "type": "integer"},
    "stage": {"name": "stage", "type": "enum", "options": ["new", "won"]},
}

# A contact with every field set, and what it looks like (without id/created_at).
BASE = {
    "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
    "phone_number": "+1 (415) 555-2671", "business_name": "Analytical Engines",
    "notes": "Call after 5pm", "tags": ["vip", "lead"], "is_dnd": False, "lead_source": "api",
    "custom_fields": {"plan": "pro", "score": 7},
}
BASE_VIEW = {
    "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+1 (415) 555-2671",
    "business_name": "Analytical Engines", "notes": "Call after 5pm", "tags": ["vip", "lead"],
    "lead_source": "api", "is_dnd": False, "profile_picture_url": None, "last_activity": None,
    "custom_fields": {"plan": "pro", "score": 7},
}
EMPTY_VIEW = {
    "name": None, "email": None, "phone": None, "business_name": None, "notes": None,
    "tags": [], "lead_source": "manual", "is_dnd": False, "profile_picture_url": None,
    "last_activity": None, "custom_fields": {},
}


def contact_url(cid: str, slash: bool = True) -> str:
    return f"/contacts/{cid}/" if slash else f"/contacts/{cid}"


def assert_voice_contact(c: Any) -> dict:
    """The page's response shape (plus custom_fields), each property of its documented type."""
    assert isinstance(c, dict), c
    assert set(c) == VOICE_KEYS, \
        f"keys differ: extra {set(c) - VOICE_KEYS}, missing {VOICE_KEYS - set(c)}: {c}"
    assert is_uuid(c["id"]), c["id"]
    for k in ("name", "email", "phone", "business_name", "notes"):
        assert c[k] is None or isinstance(c[k], str), (k, c[k])
    assert isinstance(c["tags"], list) and all(isinstance(t, str) for t in c["tags"]), c["tags"]
    assert c["lead_source"] in LEAD_SOURCES, c["lead_source"]
    assert isinstance(c["is_dnd"], bool), c["is_dnd"]
    assert c["profile_picture_url"] is None, c["profile_picture_url"]  # nothing sets it yet
    assert c["last_activity"] is None, c["last_activity"]
    assert is_timestamp(c["created_at"]), c["created_at"]  # ISO 8601 UTC with milliseconds
    assert isinstance(c["custom_fields"], dict), c["custom_fields"]
    return c


def contact_response(resp, status: int = 200) -> dict:
    return assert_voice_contact(assert_status(resp, status))


def view(c: dict) -> dict:
    """A contact without its id and created_at, to compare with BASE_VIEW / EMPTY_VIEW."""
    return {k: v for k, v in c.items() if k not in ("id", "created_at")}


def unique(prefix: str = "t") -> str:
    """A tag or name no other test uses, to isolate a test inside the module's company."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def join_name(first: str | None, last: str | None) -> str | None:
    return " ".join(p for p in (first, last) if p) or None


def assert_not_found(resp) -> dict:
    """The one 404 body: unknown, foreign and deleted contacts all look alike."""
    body = assert_error(resp, 404, "not_found")
    assert set(body) == {"error", "message", "statusCode"}, body
    return body


@dataclass
class VoiceTenant:
    """One company with one API key: `client` sends the key bare (as the page), `bearer`
    sends `Bearer <key>`."""
    server: Server
    org: dict
    key: dict
    client: Client
    bearer: Client

    @classmethod
    def make(cls, server: Server) -> "VoiceTenant":
        org = server.org(f"voice-{uuid.uuid4().hex[:8]}")
        key = server.key(org["id"])
        return cls(server, org, key, server.client(key["key"]),
                   server.client(f"Bearer {key['key']}"))

    @property
    def secret(self) -> str:
        return self.key["key"]

    def create(self, body: Any = None, slash: bool = True) -> dict:
        r = self.client.post("/contacts/" if slash else "/contacts", {} if body is None else body)
        return contact_response(r, 201)

    def get(self, cid: str, slash: bool = True) -> dict:
        return contact_response(self.client.get(contact_url(cid, slash)), 200)

    def patch(self, cid: str, body: Any, slash: bool = True) -> dict:
        return contact_response(self.client.patch(contact_url(cid, slash), body), 200)

    def page(self, **params) -> dict:
        page = assert_status(self.client.get("/contacts/", params=params), 200)
        assert set(page) == {"data", "next_cursor"}, page
        nc = page["next_cursor"]
        assert nc is None or (isinstance(nc, str) and nc), page
        for c in page["data"]:
            assert_voice_contact(c)
        return page

    def list_all(self, limit: int | None = None, **params) -> list[dict]:
        if limit is not None:
            params["limit"] = limit
        return walk_pages(lambda p: self.page(**p), params)

    def define(self, body: dict) -> dict:
        d = assert_status(self.client.post("/custom-fields/", body), 201)
        assert set(d) == {"name", "type", "options", "created_at"}, d
        assert d["name"] == body["name"] and is_timestamp(d["created_at"]), d
        return d

    def fields(self) -> dict[str, dict]:
        body = assert_status(self.client.get("/custom-fields/"), 200)
        assert set(body) == {"data"}, body
        return {d["name"]: d for d in body["data"]}


# ---- fixtures (imported by name into each voice module) ----------------------------------------

@pytest.fixture(scope="module")
def model_name():
    return "voice"


@pytest.fixture(scope="module")
def shared(server) -> VoiceTenant:
    """One company for the module, with SHARED_FIELDS defined. Tests using it only look at
    the contacts they create themselves."""
    t = VoiceTenant.make(server)
    for body in SHARED_FIELDS.values():
        t.define(body)
    return t


@pytest.fixture
def fresh(server) -> VoiceTenant:
    t = VoiceTenant.make(server)
    yield t
    server.assert_alive()


@pytest.fixture
def other(server) -> VoiceTenant:
    return VoiceTenant.make(server)
