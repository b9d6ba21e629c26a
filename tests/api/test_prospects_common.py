"""Shared helpers and fixtures of the `prospects` suite (test_prospects_*.py). No tests here.

The `prospects` model plays the prospecting catalogue of shared/specs/000_f32e63637e46731e.txt
and issue 6: base path /api/v1, `Authorization: Bearer sk_live_...`, one catalogue of contacts
shared by every org, written by orgs on the `internal` plan, read by all, its contact details
(email, phone, linkedin_url) shown to an org once it has unlocked the contact with credits.

The other prospects modules import the fixtures below by name (pytest then uses them there):
`model_name` (serve --model prospects), `internal` (an org on the internal plan, per test),
`make_customer(credits)` (an org on the free plan with that balance). Contacts are shared by
every org of the module's server, so a test that lists tags its contacts with a district id of
its own and filters on it.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contactsd_harness import Server, Tenant, assert_status, is_timestamp, is_uuid

BASE = "/api/v1/contacts"
UNKNOWN_ID = "0190a0b0-0000-7000-8000-000000000000"  # a well-formed UUID no contact has

# The page's example response, key by key and in its order.
PAGE_KEYS = [
    "id", "district_id", "school_id", "name", "title", "email", "phone", "state",
    "is_district_contact", "linkedin_url", "profile_summary", "key_facts", "source",
    "source_url", "enrichment_status", "enriched_at", "enrichment_error",
    "enrichment_retry_count", "qualification_score", "qualification_justification",
    "qualified_at", "email_status", "email_error", "email_retry_count", "emailed", "emailed_at",
    "email_bounced", "email_bounced_at", "email_confidence_score", "email_verification_status",
    "email_verified_at", "hubspot_contact_id", "hubspot_synced_at", "hubspot_sync_status",
    "hubspot_sync_error", "notes", "discovered_at", "last_updated_at", "created_at", "_access",
]
ACCESS_KEYS = ["is_unlocked", "is_unlocking", "unlocked_at", "credits_spent", "unlock_cost"]
GATED = ["email", "phone", "linkedin_url"]
EDITABLE = ["name", "title", "is_district_contact"]

ENRICHMENT_STATUSES = ["pending", "in_progress", "enriched", "failed"]
EMAIL_STATUSES = ["pending", "sending", "sent", "failed", "skipped"]
HUBSPOT_SYNC_STATUSES = ["pending", "syncing", "synced", "failed", "skipped"]

STRING_OR_NULL = [
    "title", "email", "phone", "state", "linkedin_url", "profile_summary", "source",
    "source_url", "enrichment_error", "qualification_justification", "email_error",
    "email_verification_status", "hubspot_contact_id", "hubspot_sync_error", "notes",
]
TIMESTAMP_OR_NULL = [
    "enriched_at", "qualified_at", "emailed_at", "email_bounced_at", "email_verified_at",
    "hubspot_synced_at", "discovered_at",
]
COUNTS = ["enrichment_retry_count", "email_retry_count", "email_confidence_score"]

# A contact with every field of the page set (what an internal org's enrichment would write),
# plus its unlock cost; FULL_VIEW is how it reads back for an org that may see everything.
FULL = {
    "district_id": "0190a0b0-c0d0-7000-8000-0000000000d1",
    "school_id": "0190a0b0-c0d0-7000-8000-0000000000e1",
    "name": "Ada Lovelace",
    "title": "Superintendent",
    "email": "ada@district.k12.us",
    "phone": "+1 (415) 555-2671",
    "state": "CA",
    "is_district_contact": True,
    "linkedin_url": "https://www.linkedin.com/in/ada",
    "profile_summary": "Twenty years in public education.",
    "key_facts": {"budget": 1200000, "priorities": ["literacy", "STEM"], "note": None},
    "source": "district_website",
    "source_url": "https://district.k12.us/staff",
    "enrichment_status": "enriched",
    "enriched_at": "2026-01-02T03:04:05Z",
    "enrichment_error": None,
    "enrichment_retry_count": 1,
    "qualification_score": 87.5,
    "qualification_justification": "Decision maker with budget.",
    "qualified_at": "2026-01-03T00:00:00.000Z",
    "email_status": "sent",
    "email_error": None,
    "email_retry_count": 0,
    "emailed": True,
    "emailed_at": "2026-01-04T10:00:00+02:00",
    "email_bounced": False,
    "email_bounced_at": None,
    "email_confidence_score": 92,
    "email_verification_status": "valid",
    "email_verified_at": "2026-01-02T00:00:00Z",
    "hubspot_contact_id": "hs-123",
    "hubspot_synced_at": "2026-01-05T00:00:00Z",
    "hubspot_sync_status": "synced",
    "hubspot_sync_error": None,
    "notes": "Met at the conference.",
    "discovered_at": "2025-12-31T23:59:59.999Z",
    "unlock_cost": 3,
}
FULL_VIEW = {
    **{k: v for k, v in FULL.items() if k != "unlock_cost"},
    # datetimes are stored as UTC with milliseconds
    "enriched_at": "2026-01-02T03:04:05.000Z",
    "emailed_at": "2026-01-04T08:00:00.000Z",
    "email_verified_at": "2026-01-02T00:00:00.000Z",
    "hubspot_synced_at": "2026-01-05T00:00:00.000Z",
}
# What a contact created with only a name holds: every system field at its default.
DEFAULTS_VIEW = {
    "district_id": None, "school_id": None, "title": None, "email": None, "phone": None,
    "state": None, "is_district_contact": None, "linkedin_url": None, "profile_summary": None,
    "key_facts": {}, "source": None, "source_url": None, "enrichment_status": "pending",
    "enriched_at": None, "enrichment_error": None, "enrichment_retry_count": 0,
    "qualification_score": 0, "qualification_justification": None, "qualified_at": None,
    "email_status": "pending", "email_error": None, "email_retry_count": 0, "emailed": False,
    "emailed_at": None, "email_bounced": False, "email_bounced_at": None,
    "email_confidence_score": 0, "email_verification_status": None, "email_verified_at": None,
    "hubspot_contact_id": None, "hubspot_synced_at": None, "hubspot_sync_status": "pending",
    "hubspot_sync_error": None, "notes": None, "discovered_at": None,
}


@pytest.fixture(scope="module")
def model_name():
    return "prospects"


@pytest.fixture
def internal(make_tenant) -> Tenant:
    """An org on the internal plan (no credits: it never needs them)."""
    return make_tenant(plan="internal")


@pytest.fixture
def make_customer(make_tenant):
    """make_customer(credits=0): a fresh org on the free plan with that balance."""
    def make(credits: int = 0) -> Tenant:
        return make_tenant(plan="free", credits=credits)
    return make


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def assert_access(a: Any) -> dict:
    assert isinstance(a, dict), a
    assert list(a) == ACCESS_KEYS, f"_access keys {list(a)}"
    assert isinstance(a["is_unlocked"], bool), a
    assert a["is_unlocking"] is False, a  # unlocks are synchronous
    assert a["unlocked_at"] is None or is_timestamp(a["unlocked_at"]), a
    assert is_int(a["credits_spent"]) and a["credits_spent"] >= 0, a
    assert is_int(a["unlock_cost"]) and a["unlock_cost"] >= 0, a
    if not a["is_unlocked"]:
        assert a["unlocked_at"] is None and a["credits_spent"] == 0, a
    return a


def assert_prospect(c: Any) -> dict:
    """Exactly the page's key set, in its order, each of its type."""
    assert isinstance(c, dict), c
    assert list(c) == PAGE_KEYS, \
        f"keys differ: extra {set(c) - set(PAGE_KEYS)}, missing {set(PAGE_KEYS) - set(c)}, " \
        f"or out of order: {list(c)}"
    assert is_uuid(c["id"]), c["id"]
    for k in ("district_id", "school_id"):
        assert c[k] is None or is_uuid(c[k]), (k, c[k])
    assert isinstance(c["name"], str) and c["name"], c["name"]
    for k in STRING_OR_NULL:
        assert c[k] is None or isinstance(c[k], str), (k, c[k])
    assert c["is_district_contact"] is None or isinstance(c["is_district_contact"], bool)
    assert isinstance(c["key_facts"], dict), c["key_facts"]
    assert c["enrichment_status"] in ENRICHMENT_STATUSES, c["enrichment_status"]
    assert c["email_status"] in EMAIL_STATUSES, c["email_status"]
    assert c["hubspot_sync_status"] in HUBSPOT_SYNC_STATUSES, c["hubspot_sync_status"]
    for k in COUNTS:
        assert is_int(c[k]) and c[k] >= 0, (k, c[k])
    assert isinstance(c["qualification_score"], (int, float)) \
        and not isinstance(c["qualification_score"], bool), c["qualification_score"]
    for k in ("emailed", "email_bounced"):
        assert isinstance(c[k], bool), (k, c[k])
    for k in TIMESTAMP_OR_NULL:
        assert c[k] is None or is_timestamp(c[k]), (k, c[k])
    assert is_timestamp(c["last_updated_at"]), c["last_updated_at"]
    assert is_timestamp(c["created_at"]), c["created_at"]
    assert_access(c["_access"])
    return c


def prospect(resp, status: int = 200) -> dict:
    return assert_prospect(assert_status(resp, status))


def view(c: dict) -> dict:
    """The contact without its server-made keys (id, timestamps, _access) and name."""
    return {k: v for k, v in c.items()
            if k not in ("id", "last_updated_at", "created_at", "_access")}


def create(tenant: Tenant, body: dict) -> dict:
    return prospect(tenant.client.post(BASE, body), 201)


def get(tenant: Tenant, cid: str) -> dict:
    return prospect(tenant.client.get(f"{BASE}/{cid}"))


def unlock(tenant: Tenant, cid: str, status: int = 200):
    r = tenant.client.post(f"{BASE}/{cid}/unlock")
    return prospect(r) if status == 200 else r


def credits(server: Server, tenant: Tenant) -> int:
    """The org's balance as `contactsd org show` reports it."""
    shown = server.cli("org", "show", tenant.org_id)
    assert shown["id"] == tenant.org_id
    return shown["credits"]


def district() -> str:
    """A district id of the test's own, to find its contacts in the shared catalogue."""
    return str(uuid.uuid4())


def list_page(tenant: Tenant, **params) -> dict:
    page = assert_status(tenant.client.get(BASE, params=params), 200)
    assert list(page) == ["data", "next_cursor"], page
    for c in page["data"]:
        assert_prospect(c)
    return page


def list_all(tenant: Tenant, **params) -> list[dict]:
    out, cursor = [], None
    for _ in range(100):
        page = list_page(tenant, **params, **({"cursor": cursor} if cursor else {}))
        out.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return out
    raise AssertionError("no end of the list")

