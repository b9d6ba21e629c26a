"""Scoped and expiring credentials (docs/keys.md): `key create --scope read|write|admin
--expires-in`, `key list` with scope, expiry and last use, the same scopes from a JWT's `scope`
claim, and JWTs with critical header extensions refused. Every write operation the server's own
OpenAPI document lists is tried with each scope: a read key can write nothing, anywhere; a write
key cannot change the tenant's settings; and a refused request stores nothing."""

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from contactsd_harness import (_model_base_path, assert_error, assert_status, is_timestamp,
                               query_db)

BUILTIN_MODELS = ["standard", "crm", "gifting", "prospects", "voice"]
JWT_SECRET = "scopes-secret"
SOME_ID = "0190f0a5-7c1e-7000-8000-000000000001"
# Routes that change a tenant's settings or destroy data: admin only (with each model's
# collections, read from its file).
ADMIN_PATHS = ("/custom-fields", "/webhooks", "/erase")
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def _write_operations(server) -> list[tuple[str, str]]:
    """(method, path) of every write the served document lists, path parameters filled."""
    base = _model_base_path(server.model)
    doc = assert_status(server.client().get(f"{base}/openapi.json"), 200)
    ops = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "head", "parameters") or op.get("security") == []:
                continue
            concrete = path
            while "{" in concrete:
                start = concrete.index("{")
                concrete = concrete[:start] + SOME_ID + concrete[concrete.index("}") + 1:]
            ops.append((method.upper(), concrete))
    assert len(ops) >= 5, ops  # creates, updates, deletes at least
    return ops


def _needs_admin(model: str, path: str) -> bool:
    collections = json.loads((MODELS_DIR / f"{model}.json").read_text()).get("collections", [])
    base = _model_base_path(model)
    return any(part in path for part in ADMIN_PATHS) or any(
        path.startswith(f"{base}/{name}") for name in collections)


def _stored_rows(server) -> dict:
    """What a refused request must not have changed: the contacts and the change log."""
    tables = ["contacts", "events", "custom_fields", "webhook_endpoints", "collection_entries",
              "idempotency_answers"]
    return {t: query_db(server.db_url, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def _key(server, org_id: str, *args: str) -> dict:
    return server.cli("key", "create", "--org", org_id, *args)


def _org(server) -> dict:
    plan = "internal" if server.model == "prospects" else "free"
    return server.org("scoped", plan=plan)


@pytest.mark.parametrize("model", BUILTIN_MODELS)
def test_a_read_key_writes_nothing_and_a_write_key_no_settings(make_server, model):
    server = make_server(model)
    org = _org(server)
    read = server.client("Bearer " + _key(server, org["id"], "--scope", "read")["key"])
    write = server.client("Bearer " + _key(server, org["id"], "--scope", "write")["key"])
    admin = server.client("Bearer " + _key(server, org["id"], "--scope", "admin")["key"])
    base = _model_base_path(model)
    assert_status(read.get(f"{base}/contacts"), 200)  # reads are what a read key is for

    before = _stored_rows(server)
    ops = _write_operations(server)
    for method, path in ops:
        body = {"no_model_has_this_field": 1}  # refused by every write that takes a body
        headers = {}
        if path.endswith("/import"):  # its body type is checked first: give the right one
            body, headers = json.dumps(body) + "\n", {"Content-Type": "application/x-ndjson"}
        assert_error(read.request(method, path, body, headers=headers), 403, "insufficient_scope")
        answer = write.request(method, path, body, headers=headers)
        if _needs_admin(model, path):
            assert_error(answer, 403, "insufficient_scope")
        else:
            assert answer.status_code != 403 or answer.json()["error"] != "insufficient_scope", \
                (method, path, answer.text)
        # admin is never refused for its scope (it may be for the made-up ids and bodies)
        refused = admin.request(method, path, body, headers=headers)
        assert refused.status_code != 403 or refused.json()["error"] != "insufficient_scope"
    after = _stored_rows(server)
    # The write and admin keys' requests had made-up ids and a field no model has, so they
    # stored nothing either: whatever changed, a refusal for scope changed.
    assert after == before, (before, after)


def test_key_list_shows_scope_expiry_and_the_last_use(make_server):
    server = make_server("standard")
    org = server.org("keys")
    used = _key(server, org["id"], "--scope", "write", "--name", "sync", "--expires-in", "90d")
    unused = _key(server, org["id"])
    assert used["scope"] == "write" and unused["scope"] == "admin"  # admin: the full rights
    expires = datetime.fromisoformat(used["expires_at"].replace("Z", "+00:00"))
    days = (expires - datetime.now(timezone.utc)).total_seconds() / 86400
    assert 89.9 < days <= 90, used
    assert unused["expires_at"] is None

    before = int(time.time() * 1000)
    assert_status(server.client("Bearer " + used["key"]).get("/v1/contacts"), 200)
    server.stop()  # a graceful stop flushes the uses it has seen (else every 30 s)
    listed = {k["id"]: k for k in server.cli("key", "list", "--org", org["id"])}
    assert listed[used["id"]]["scope"] == "write"
    assert listed[used["id"]]["expires_at"] == used["expires_at"]
    last = listed[used["id"]]["last_used_at"]
    assert is_timestamp(last), listed
    last_ms = datetime.fromisoformat(last.replace("Z", "+00:00")).timestamp() * 1000
    assert last_ms >= before - 1, (last, before)
    assert listed[unused["id"]]["last_used_at"] is None


def test_an_expired_key_is_refused_like_an_unknown_one(make_server):
    server = make_server("standard")
    org = server.org("expiring")
    created = time.monotonic()
    key = _key(server, org["id"], "--expires-in", "3s")
    client = server.client("Bearer " + key["key"])
    first = client.get("/v1/contacts")
    if time.monotonic() - created < 2.5:  # on a slow machine it may be gone already
        assert_status(first, 200)
    deadline = time.monotonic() + 30
    while client.get("/v1/contacts").status_code != 401:
        assert time.monotonic() < deadline, "the expired key still works"
        time.sleep(0.2)
    expired = client.get("/v1/contacts")
    unknown = server.client("Bearer sk_live_" + "x" * 40).get("/v1/contacts")
    assert expired.status_code == unknown.status_code == 401
    assert expired.json() == unknown.json()


@pytest.mark.parametrize("args", [["--scope", "owner"], ["--expires-in", "soon"],
                                  ["--expires-in", "0s"]])
def test_key_create_refuses_a_bad_scope_or_expiry(server, args):
    org = server.org("bad-keys")
    p = server.run_cli("key", "create", "--org", org["id"], *args)
    assert p.returncode == 2, p.stderr
    assert args[0] in p.stderr and p.stdout == ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(header: dict, claims: dict) -> str:
    signing = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    sig = hmac.new(JWT_SECRET.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + _b64(sig)


def _token(server, org_id: str, *args: str) -> str:
    p = server.run_cli("token", "--org", org_id, "--subject", "ada@example.com",
                       "--jwt-secret", JWT_SECRET, *args, db=False)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["token"]


def test_jwt_scope_claims_map_to_the_same_scopes(make_server):
    server = make_server("crm", extra_args=["--jwt-secret", JWT_SECRET])
    org = server.org("jwt")
    body = {"fields": {"first_name": "Ada", "email": "ada@example.com"}}
    reader = server.client("Bearer " + _token(server, org["id"], "--scope", "read"))
    assert_status(reader.get("/contacts"), 200)
    assert_error(reader.post("/contacts", body), 403, "insufficient_scope")
    # OAuth's list: the widest scope it names counts
    writer = server.client("Bearer " + _token(server, org["id"], "--scope", "openid write"))
    created = assert_status(writer.post("/contacts", body), 201)
    assert_error(writer.post("/custom-fields", {"name": "tier", "type": "string"}), 403,
                 "insufficient_scope")
    full = server.client("Bearer " + _token(server, org["id"]))  # no claim: full rights
    assert full.post("/custom-fields", {"name": "tier", "type": "string"}).status_code in (200, 201)
    # a claim naming none of ours (an identity provider's own scopes) keeps the full rights
    foreign = server.client("Bearer " + _token(server, org["id"], "--scope", "contacts:read openid"))
    assert full.post("/custom-fields", {"name": "rank", "type": "string"}).status_code in (200, 201)
    assert foreign.delete("/custom-fields/rank").status_code in (200, 204)
    assert_status(full.get(f"/contacts/{created['id']}"), 200)


def test_a_jwt_with_critical_extensions_is_refused(make_server):
    server = make_server("crm", extra_args=["--jwt-secret", JWT_SECRET])
    org = server.org("crit")
    claims = {"account_id": org["id"], "sub": "ada@example.com", "exp": int(time.time()) + 600}
    plain = _hs256({"alg": "HS256", "typ": "JWT"}, claims)
    assert_status(server.client("Bearer " + plain).get("/contacts"), 200)
    for crit in (["exp"], ["http://example.com/unknown"], []):
        token = _hs256({"alg": "HS256", "typ": "JWT", "crit": crit,
                        "http://example.com/unknown": True}, claims)
        assert_error(server.client("Bearer " + token).get("/contacts"), 401)
