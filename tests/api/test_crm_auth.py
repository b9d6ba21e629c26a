"""Authentication and account isolation of the `crm` model (the page: "Bearer JWT with valid
account context", "401 | Missing account context"; issue 3, "Authentication"): HS256 JWTs
whose `account_id` names the org, exp / nbf with 30 s of leeway, `alg: none` and every other
algorithm refused, API keys of the org beside the JWTs, one 401 body for every failure, and
no way for one account to read, change or detect another's contacts.

The module's server runs `--jwt-secret`; RS256 is test_crm_rs256.py (a server of its own).
Every refused credential is also tried on a write, and the target account is checked to have
gained nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time

import pytest

from contactsd_harness import assert_error, assert_status
import test_crm_common as crm
from test_crm_common import (JWT_SECRET, SUB, UNKNOWN_ID, CrmTenant, assert_not_found,
                             assert_unauthorized, claims, contact_response, hs256_token,
                             unsigned_token)

model_name, server, shared = crm.model_name, crm.server, crm.shared  # fixtures, used by name
fresh, other = crm.fresh, crm.other

NONEXISTENT_ORG = "0190a0b0-0000-7000-8000-0000000000aa"


@pytest.fixture(scope="module")
def victim(server) -> CrmTenant:
    """An account that must never gain a contact from a refused request."""
    return CrmTenant.make(server)


@pytest.fixture(scope="module")
def bystander(server) -> CrmTenant:
    """A second real account, whose id the refused tokens may name."""
    return CrmTenant.make(server)


def _now() -> int:
    return int(time.time())


def _tampered(account_id: str, other_account: str) -> str:
    """A valid token whose payload was swapped for another account's, signature kept."""
    head, _, sig = hs256_token(claims(account_id)).split(".")
    _, payload, _ = hs256_token(claims(other_account)).split(".")
    return f"Bearer {head}.{payload}.{sig}"


# (id, f(victim account id, a real org id of another account) -> Authorization or None)
REFUSED = [
    ("no-header", lambda a, o: None),
    ("empty-header", lambda a, o: ""),
    ("bearer-without-token", lambda a, o: "Bearer"),
    ("bearer-and-space", lambda a, o: "Bearer "),
    ("basic-scheme", lambda a, o: "Basic dXNlcjpwYXNz"),
    ("other-scheme-with-a-valid-token", lambda a, o: f"Token {hs256_token(claims(a))}"),
    ("not-a-jwt", lambda a, o: "Bearer abc.def.ghi"),
    ("two-segments", lambda a, o: "Bearer " + hs256_token(claims(a)).rsplit(".", 1)[0]),
    ("signature-stripped", lambda a, o: "Bearer " + hs256_token(claims(a)).rsplit(".", 1)[0] + "."),
    ("wrong-secret", lambda a, o: f"Bearer {hs256_token(claims(a), secret='not-the-secret')}"),
    ("empty-secret", lambda a, o: f"Bearer {hs256_token(claims(a), secret='')}"),
    ("payload-swapped", lambda a, o: _tampered(o, a)),
    ("expired-beyond-leeway", lambda a, o: f"Bearer {hs256_token(claims(a, exp=_now() - 60))}"),
    ("expired-long-ago", lambda a, o: f"Bearer {hs256_token(claims(a, exp=1))}"),
    ("nbf-in-the-future", lambda a, o: f"Bearer {hs256_token(claims(a, nbf=_now() + 120))}"),
    ("exp-not-a-number", lambda a, o: f"Bearer {hs256_token(claims(a, exp=str(_now() + 60)))}"),
    ("nbf-not-a-number", lambda a, o: f"Bearer {hs256_token(claims(a, nbf='now'))}"),
    ("no-account_id", lambda a, o: f"Bearer {hs256_token(claims(None))}"),
    ("account_id-null", lambda a, o: f"Bearer {hs256_token({**claims(None), 'account_id': None})}"),
    ("account_id-empty", lambda a, o: f"Bearer {hs256_token(claims(''))}"),
    ("account_id-number", lambda a, o: f"Bearer {hs256_token(claims(12345))}"),
    ("account_id-not-a-uuid", lambda a, o: f"Bearer {hs256_token(claims('acme'))}"),
    ("account_id-of-no-org", lambda a, o: f"Bearer {hs256_token(claims(NONEXISTENT_ORG))}"),
    ("org_id-claim-instead", lambda a, o: f"Bearer {hs256_token(claims(None, org_id=a))}"),
    ("alg-none", lambda a, o: f"Bearer {unsigned_token(claims(a))}"),
    ("alg-None", lambda a, o: f"Bearer {unsigned_token(claims(a), alg='None')}"),
    ("alg-none-with-a-signature",
     lambda a, o: "Bearer " + unsigned_token(claims(a))
     + hs256_token(claims(a)).rsplit(".", 1)[1]),
    ("alg-HS384-same-secret",
     lambda a, o: "Bearer " + hs256_token(claims(a), header={"alg": "HS384", "typ": "JWT"},
                                          digest=hashlib.sha384)),
    ("alg-HS512-same-secret",
     lambda a, o: "Bearer " + hs256_token(claims(a), header={"alg": "HS512", "typ": "JWT"},
                                          digest=hashlib.sha512)),
    ("alg-RS256-header-on-an-HS256-server",
     lambda a, o: "Bearer " + hs256_token(claims(a), header={"alg": "RS256", "typ": "JWT"})),
    ("unknown-api-key", lambda a, o: "Bearer sk_live_" + "x" * 40),
    ("oversized-token", lambda a, o: "Bearer " + hs256_token(claims(a, pad="x" * 9000))),
]


@pytest.mark.parametrize("make_auth", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_credentials_are_one_401(server, victim, bystander, make_auth, request):
    auth = make_auth(victim.account_id, bystander.account_id)
    c = server.client(auth)
    assert_unauthorized(c.get("/contacts"))
    assert_unauthorized(c.post("/contacts", {"fields": {"first_name": "Mallory"}}))
    assert_unauthorized(c.post("/custom-fields", {"name": "pwned", "type": "string"}))
    assert victim.list_all() == [] and victim.definitions() == []
    assert bystander.list_all() == []


def test_revoked_api_key_is_401(server, fresh):
    key = server.key(fresh.account_id)
    c = server.client(f"Bearer {key['key']}")
    assert_status(c.get("/contacts"), 200)
    p = server.run_cli("key", "revoke", key["id"])
    assert p.returncode == 0, p.stderr
    assert_unauthorized(c.get("/contacts"))
    assert_unauthorized(c.post("/contacts", {"fields": {}}))
    assert fresh.list_all() == []


# (id, f(account id) -> Authorization): accepted
ACCEPTED = [
    ("bearer-jwt", lambda a: f"Bearer {hs256_token(claims(a))}"),
    ("scheme-case-insensitive", lambda a: f"bearer {hs256_token(claims(a))}"),
    ("scheme-upper-case", lambda a: f"BEARER {hs256_token(claims(a))}"),
    ("bare-jwt", lambda a: hs256_token(claims(a))),
    ("expired-within-leeway", lambda a: f"Bearer {hs256_token(claims(a, exp=_now() - 10))}"),
    ("nbf-within-leeway", lambda a: f"Bearer {hs256_token(claims(a, nbf=_now() + 10))}"),
    ("nbf-past-and-iat", lambda a: f"Bearer {hs256_token(claims(a, nbf=_now() - 5, iat=_now()))}"),
    ("no-exp", lambda a: f"Bearer {hs256_token({'account_id': a, 'sub': SUB})}"),
    ("extra-claims", lambda a: f"Bearer {hs256_token(claims(a, role='admin', aud='crm'))}"),
    ("header-without-typ", lambda a: f"Bearer {hs256_token(claims(a), header={'alg': 'HS256'})}"),
    ("header-with-kid",
     lambda a: "Bearer " + hs256_token(claims(a),
                                       header={"alg": "HS256", "typ": "JWT", "kid": "k1"})),
]


@pytest.mark.parametrize("make_auth", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepted_tokens_act_for_their_account(server, shared, make_auth):
    c = server.client(make_auth(shared.account_id))
    before = [x["id"] for x in shared.list_all()]
    made = contact_response(c.post("/contacts", {"fields": {"first_name": "Ada"}}), 201)
    assert [x["id"] for x in shared.list_all()] == before + [made["id"]]
    assert contact_response(c.get(f"/contacts/{made['id']}"), 200) == made
    assert shared.get(made["id"]) == made


@pytest.mark.parametrize("form", ["Bearer {}", "{}"], ids=["bearer", "bare"])
def test_api_keys_of_the_account_work_too(server, shared, form):
    key = shared.key["key"]
    c = server.client(form.format(key))
    made = contact_response(c.post("/contacts", {"fields": {"first_name": "Ada"}}), 201)
    assert shared.get(made["id"]) == made  # the JWT client sees what the key made


# ---- every route needs the account ----------------------------------------------------------

ROUTES = [
    ("GET", "/contacts", None), ("POST", "/contacts", {"fields": {}}),
    ("GET", "/contacts/{id}", None), ("PATCH", "/contacts/{id}", {"fields": {"first_name": "X"}}),
    ("DELETE", "/contacts/{id}", None), ("POST", "/contacts/{id}/restore", None),
    ("GET", "/custom-fields", None), ("POST", "/custom-fields", {"name": "x", "type": "string"}),
]


@pytest.mark.parametrize("method,path,body", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_every_route_is_401_without_an_account(server, shared, method, path, body):
    c = shared.create({"first_name": "Ada"})
    before = shared.stored(c["id"])
    expired = f"Bearer {hs256_token(claims(shared.account_id, exp=_now() - 3600))}"
    for auth in (None, expired):
        client = server.client(auth)
        kw = {} if body is None else {"body": body}
        assert_unauthorized(client.request(method, path.format(id=c["id"]), **kw))
    assert shared.stored(c["id"]) == before
    assert "x" not in [d["name"] for d in shared.definitions()]


def test_healthz_needs_no_account(server):
    assert_status(server.client().get("/healthz"), 200)


# ---- isolation: a token for account A cannot see account B ---------------------------------------

def test_a_token_for_one_account_cannot_touch_another(fresh, other):
    other.define({"name": "secret_score", "type": "number"})
    theirs = other.create({"first_name": "Theirs", "email": "theirs@example.com",
                           "secret_score": 9})
    gone = other.create({"first_name": "Archived"})
    other.delete(gone["id"])
    before, before_gone = other.stored(theirs["id"]), other.get(gone["id"])
    unknown = assert_not_found(fresh.client.get(f"/contacts/{UNKNOWN_ID}"))
    for r in (fresh.client.get(f"/contacts/{theirs['id']}"),
              fresh.client.patch(f"/contacts/{theirs['id']}", {"fields": {"first_name": "X"}}),
              fresh.client.patch(f"/contacts/{theirs['id']}", {"fields": {}}),
              fresh.client.delete(f"/contacts/{theirs['id']}"),
              fresh.client.post(f"/contacts/{theirs['id']}/restore"),
              fresh.client.get(f"/contacts/{gone['id']}"),
              fresh.client.post(f"/contacts/{gone['id']}/restore")):
        assert assert_not_found(r) == unknown  # the same body as an id nobody has
    assert fresh.list_all() == [] and fresh.definitions() == []
    # their custom field is not a field here, and their email is free here
    r = fresh.client.post("/contacts", {"fields": {"secret_score": 1}})
    assert_error(r, 400, "validation_failed", {"secret_score": "unknown_field"})
    mine = fresh.create({"email": "theirs@example.com"})
    assert mine["email"] == "theirs@example.com"
    assert other.stored(theirs["id"]) == before and other.get(gone["id"]) == before_gone
    assert [c["id"] for c in other.list_all()] == [theirs["id"]]


def test_an_api_key_is_bound_to_its_account_too(fresh, other):
    theirs = other.create({"first_name": "Theirs"})
    assert_not_found(fresh.keyed.get(f"/contacts/{theirs['id']}"))
    assert_not_found(fresh.keyed.delete(f"/contacts/{theirs['id']}"))
    assert other.get(theirs["id"])["archived"] is False


# ---- archived_by: who archived ---------------------------------------------------------------

def test_archived_by_is_the_tokens_sub(shared):
    c = shared.create({})
    client = shared.jwt_client(sub="alice@example.com")
    got = contact_response(client.delete(f"/contacts/{c['id']}"), 200)
    assert got["archived_by"] == "alice@example.com"
    assert shared.get(c["id"])["archived_by"] == "alice@example.com"


@pytest.mark.parametrize("sub", [None, "", 42], ids=["no-sub", "empty-sub", "number-sub"])
def test_a_token_without_a_user_is_refused(shared, sub):
    """`sub` names who acts (it becomes archived_by): a token without a string one is a 401."""
    c = shared.create({})
    payload = claims(shared.account_id, sub=None)
    if sub is not None:
        payload["sub"] = sub
    r = shared.server.client(f"Bearer {hs256_token(payload)}").delete(f"/contacts/{c['id']}")
    assert_unauthorized(r)
    assert shared.get(c["id"])["archived"] is False


def test_alg_names_are_case_sensitive(server, victim):
    """RFC 7515 4.1.1: "alg" is a case-sensitive string; "hs256" names no algorithm."""
    token = hs256_token(claims(victim.account_id), header={"alg": "hs256", "typ": "JWT"})
    assert_unauthorized(server.client(f"Bearer {token}").get("/contacts"))


def test_a_token_longer_than_512_characters_is_accepted(server, shared):
    payload = claims(shared.account_id, iss="https://login.example.com/",
                     aud="https://crm.example.com/api", iat=_now(), nbf=_now(),
                     scope="contacts:read contacts:write", email=SUB, name="Jane Doe",
                     roles=["sales", "support", "admin"], tenant="acme-corporation-emea")
    token = hs256_token(payload)
    assert len(token) > 512
    assert_status(server.client(f"Bearer {token}").get("/contacts"), 200)


# ---- configuration ------------------------------------------------------------------------------

def test_without_jwt_configuration_only_api_keys_work(make_server):
    srv = make_server("crm")
    t = srv.tenant()
    token = hs256_token(claims(t.org_id))
    assert_unauthorized(srv.client(f"Bearer {token}").get("/contacts"))
    assert_unauthorized(srv.client(f"Bearer {unsigned_token(claims(t.org_id))}").get("/contacts"))
    assert_status(srv.client(f"Bearer {t.secret}").get("/contacts"), 200)


def test_the_secret_may_come_from_the_environment(make_server):
    srv = make_server("crm", env={"CONTACTSD_JWT_SECRET": "from-the-environment"})
    org = srv.org("env")
    good = hs256_token(claims(org["id"]), secret="from-the-environment")
    assert_status(srv.client(f"Bearer {good}").get("/contacts"), 200)
    assert_unauthorized(srv.client(f"Bearer {hs256_token(claims(org['id']))}").get("/contacts"))


def _serve_fails(contactsd_bin, tmp_path, *args) -> str:
    """Starts `serve` with args; it must exit non-zero at once. Returns its stderr."""
    argv = [str(contactsd_bin), "serve", "--db", f"sqlite:{tmp_path / 'c.db'}", "--model", "crm",
            "--listen", "127.0.0.1:0", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTSD_")}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, stdin=subprocess.DEVNULL)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"serve {args} kept running")
    assert proc.returncode != 0, (out, err)
    return err


def test_bad_jwt_configuration_stops_the_server(contactsd_bin, tmp_path):
    private, public = crm.rsa_key_pair(tmp_path)
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    assert "not both" in _serve_fails(contactsd_bin, tmp_path, "--jwt-secret", JWT_SECRET,
                                      "--jwt-public-key", str(public))
    assert "junk.pem" in _serve_fails(contactsd_bin, tmp_path, "--jwt-public-key", str(junk))
    assert "public key" in _serve_fails(contactsd_bin, tmp_path, "--jwt-public-key", str(private))
    assert "missing.pem" in _serve_fails(contactsd_bin, tmp_path, "--jwt-public-key",
                                         str(tmp_path / "missing.pem"))
