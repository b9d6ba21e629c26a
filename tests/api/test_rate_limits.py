"""Rate limits (docs/operations.md): token buckets per tenant (--rate-limit) and per credential
(--key-rate-limit), off by default. Over the limit: 429 rate_limited with Retry-After and nothing
stored; every answer to an authenticated request carries RateLimit-Policy and RateLimit (IETF
httpapi draft); another tenant, or another key, is not held back; a bucket refills."""

import re
import time

import pytest

from contactsd_harness import assert_error, assert_status

pytestmark = pytest.mark.direct  # timing of refills: no proxy in between

# Slow refill (one token per 20 s): the test's requests never get one back in the meantime.
SLOW = "3/m,burst=3"


def test_a_tenant_over_its_limit_gets_429_and_others_do_not(make_server):
    server = make_server("standard", extra_args=["--rate-limit", SLOW])
    a, b = server.tenant(), server.tenant()
    answers = [a.client.post("/v1/contacts", {"first_name": f"A{i}"}) for i in range(3)]
    for i, answer in enumerate(answers):
        assert_status(answer, 201)
        assert answer.headers["RateLimit-Policy"] == '"tenant";q=3;w=60'
        m = re.fullmatch(r'"tenant";r=(\d+);t=(\d+)', answer.headers["RateLimit"])
        assert m and int(m[1]) == 2 - i and 0 < int(m[2]) <= 60, answer.headers["RateLimit"]

    refused = a.client.post("/v1/contacts", {"first_name": "A-too-many"})
    body = assert_error(refused, 429, "rate_limited")
    assert "retry" in body["message"].lower()
    assert 1 <= int(refused.headers["Retry-After"]) <= 20
    assert refused.headers["RateLimit"].startswith('"tenant";r=0;')
    assert a.client.get("/v1/contacts").status_code == 429  # reads take tokens too
    assert_status(b.client.post("/v1/contacts", {"first_name": "B"}), 201)  # B is not held back
    server.stop()
    server.start()  # buckets are in memory: a restart starts them full
    # the refused write stored nothing
    again = server.client(f"Bearer {a.secret}")  # the restarted server's port
    assert [c["first_name"] for c in
            assert_status(again.get("/v1/contacts"), 200)["data"]] == ["A0", "A1", "A2"]


def test_a_key_over_its_limit_leaves_the_tenants_other_keys_alone(make_server):
    server = make_server("standard", extra_args=["--key-rate-limit", SLOW])
    tenant = server.tenant()
    other = server.client("Bearer " + server.key(tenant.org_id)["key"])
    for _ in range(3):
        assert_status(tenant.client.get("/v1/contacts"), 200)
    refused = tenant.client.get("/v1/contacts")
    assert_error(refused, 429, "rate_limited")
    assert refused.headers["RateLimit-Policy"] == '"key";q=3;w=60'
    assert_status(other.get("/v1/contacts"), 200)


def test_a_bucket_refills(make_server):
    server = make_server("standard", extra_args=["--rate-limit", "5/s,burst=2"])
    tenant = server.tenant()
    deadline = time.monotonic() + 10
    while tenant.client.get("/v1/contacts").status_code != 429:  # spend the burst
        assert time.monotonic() < deadline, "never limited"
    refused_at = time.monotonic()
    while (answer := tenant.client.get("/v1/contacts")).status_code == 429:
        assert time.monotonic() < deadline, "never refilled"
        time.sleep(0.05)
    assert_status(answer, 200)
    assert time.monotonic() - refused_at < 5


def test_without_limits_there_are_no_rate_limit_fields(server, tenant):
    answer = tenant.client.get("/v1/contacts")
    assert_status(answer, 200)
    assert "RateLimit" not in answer.headers and "RateLimit-Policy" not in answer.headers


@pytest.mark.parametrize("value", ["200", "200/d", "0/s", "-1/s", "10/s,burst=0",
                                   "10/s,burst=1.5", "10/s,bust=3", "abc/s"])
def test_a_bad_rate_is_refused_at_start(server, value):
    p = server.run_cli("serve", "--rate-limit", value)
    assert p.returncode == 2, (value, p.stderr)
    assert "--rate-limit" in p.stderr
