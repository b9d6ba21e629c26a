"""RS256 JWTs for the `crm` model: `serve --model crm --jwt-public-key PEM` (issue 3: "or
`--jwt-public-key PATH` enables RS256 (PEM)"; "any algorithm other than the configured one
[is] refused"). The module runs a server of its own with a fresh RSA key pair; tokens are
signed by `openssl dgst -sha256 -sign`.

The classic algorithm-confusion attack is here: a token whose header says HS256, "signed" with
HMAC using the server's *public* key PEM as the secret. A verifier that lets the token choose
its algorithm would accept it; this one must not."""

from __future__ import annotations

import shutil
import time

import pytest

from contactsd_harness import Server, assert_status
import test_crm_common as crm
from test_crm_common import (JWT_SECRET, CrmTenant, assert_unauthorized, claims,
                             contact_response, hs256_token, rs_token, unsigned_token)


@pytest.fixture(scope="module")
def model_name():
    return "crm"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("crm-rs256-keys")
    private, public = crm.rsa_key_pair(d, "server")
    other_private, _ = crm.rsa_key_pair(d, "stranger")
    return {"private": private, "public": public, "other_private": other_private}


@pytest.fixture(scope="module")
def server(contactsd_bin, tmp_path_factory, keys):
    workdir = tmp_path_factory.mktemp("crm-rs256")
    srv = Server(contactsd_bin, workdir, model="crm",
                 extra_args=["--jwt-public-key", str(keys["public"])]).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def account(server) -> CrmTenant:
    """An account (its `client` carries an HS256 token, useless here: tests build their own)."""
    return CrmTenant.make(server)


def _rs(keys, payload, **kw) -> str:
    return "Bearer " + rs_token(payload, keys["private"], **kw)


def test_an_rs256_token_acts_for_its_account(server, account, keys):
    c = server.client(_rs(keys, claims(account.account_id, sub="rs@example.com")))
    made = contact_response(c.post("/contacts", {"fields": {"first_name": "Ada"}}), 201)
    assert contact_response(c.get(f"/contacts/{made['id']}"), 200) == made
    archived = contact_response(c.delete(f"/contacts/{made['id']}"), 200)
    assert archived["archived_by"] == "rs@example.com"
    assert contact_response(c.get(f"/contacts/{made['id']}"), 200) == archived
    assert contact_response(c.post(f"/contacts/{made['id']}/restore"), 200)["archived"] is False


def test_api_keys_work_beside_rs256(server, account):
    c = server.client(f"Bearer {account.key['key']}")
    assert_status(c.get("/contacts"), 200)


def _pem(keys) -> bytes:
    return keys["public"].read_bytes()


def short(account_id, **extra) -> dict:
    """The usual claims (with sub), plus `extra`."""
    return claims(account_id, **extra)


# (id, f(keys, account id) -> Authorization)
REFUSED = [
    ("hs256-signed-with-the-public-key-pem",
     lambda k, a: "Bearer " + hs256_token(short(a), secret=_pem(k))),
    ("hs256-signed-with-the-pem-without-its-last-newline",
     lambda k, a: "Bearer " + hs256_token(short(a), secret=_pem(k).rstrip(b"\n"))),
    ("hs256-with-any-secret", lambda k, a: "Bearer " + hs256_token(short(a), secret=JWT_SECRET)),
    ("alg-none", lambda k, a: "Bearer " + unsigned_token(short(a))),
    ("alg-none-keeping-a-real-rs256-signature",
     lambda k, a: "Bearer " + unsigned_token(short(a))
     + rs_token(short(a), k["private"]).rsplit(".", 1)[1]),
    ("rs256-signed-by-another-key",
     lambda k, a: "Bearer " + rs_token(short(a), k["other_private"])),
    ("rs384-same-key", lambda k, a: _rs(k, short(a), alg="RS384", digest="-sha384")),
    ("rs512-same-key", lambda k, a: _rs(k, short(a), alg="RS512", digest="-sha512")),
    ("rs256-header-with-an-rs512-signature",
     lambda k, a: _rs(k, short(a), alg="RS256", digest="-sha512")),
    ("expired", lambda k, a: _rs(k, short(a, exp=int(time.time()) - 60))),
    ("nbf-in-the-future", lambda k, a: _rs(k, short(a, nbf=int(time.time()) + 120))),
    ("no-account_id", lambda k, a: _rs(k, short(None))),
    ("account_id-of-no-org", lambda k, a: _rs(k, short("0190a0b0-0000-7000-8000-0000000000aa"))),
    ("payload-swapped",
     lambda k, a: "Bearer " + ".".join([
         rs_token(short(a, sub="a@example.com"), k["private"]).split(".")[0],
         rs_token(short(a, sub="b@example.com"), k["private"]).split(".")[1],
         rs_token(short(a, sub="a@example.com"), k["private"]).split(".")[2]])),
]


@pytest.mark.parametrize("make_auth", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_tokens_are_one_401(server, account, keys, make_auth):
    auth = make_auth(keys, account.account_id)
    c = server.client(auth)
    assert_unauthorized(c.get("/contacts"))
    assert_unauthorized(c.post("/contacts", {"fields": {"first_name": "Mallory"}}))
    mine = server.client(_rs(keys, claims(account.account_id)))
    page = assert_status(mine.get("/contacts"), 200)
    assert all(x["first_name"] != "Mallory" for x in page["data"])


def test_leeway_applies_to_rs256_too(server, account, keys):
    now = int(time.time())
    for payload in (claims(account.account_id, exp=now - 10),
                    claims(account.account_id, nbf=now + 10)):
        assert_status(server.client(_rs(keys, payload)).get("/contacts"), 200)
    for payload in (claims(account.account_id, exp=now - 60),
                    claims(account.account_id, nbf=now + 120)):
        assert_unauthorized(server.client(_rs(keys, payload)).get("/contacts"))


def test_the_public_key_may_come_from_the_environment(make_server, keys):
    srv = make_server("crm", env={"CONTACTSD_JWT_PUBLIC_KEY": str(keys["public"])})
    org = srv.org("env")
    assert_status(srv.client(_rs(keys, short(org["id"]))).get("/contacts"), 200)
    assert_unauthorized(srv.client(_rs({**keys, "private": keys["other_private"]},
                                       short(org["id"]))).get("/contacts"))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed")
def test_the_docs_rs256_recipe(make_server, tmp_path):
    """docs/models/crm.md's RS256 recipe, run as written: its key pair serves, its token works."""
    recipe = crm.doc_block("-sign jwt.key")
    srv_dir = tmp_path / "recipe"
    srv_dir.mkdir()
    probe = make_server("crm", start=False, name="rs256-recipe")
    org = probe.org("recipe")
    token = crm.token_from_recipe(recipe, {"ORG": org["id"]}, cwd=srv_dir)
    srv = make_server("crm", db_path=probe.db_path, name="rs256-recipe-served",
                      extra_args=["--jwt-public-key", str(srv_dir / "jwt.pub.pem")])
    made = contact_response(srv.client(f"Bearer {token}").post("/contacts", {"fields": {}}), 201)
    archived = contact_response(srv.client(f"Bearer {token}").delete(f"/contacts/{made['id']}"))
    assert archived["archived_by"] == "jane@example.com"


def realistic_claims(account_id: str) -> dict:
    """What an identity provider's access token carries besides account_id and sub."""
    now = int(time.time())
    return {"iss": "https://login.example.com/", "aud": "https://crm.example.com/api",
            "sub": "jane.doe@example.com", "account_id": account_id, "iat": now,
            "nbf": now, "exp": now + 3600, "scope": "contacts:read contacts:write",
            "email": "jane.doe@example.com", "name": "Jane Doe"}


def test_an_rs256_token_with_realistic_claims_is_accepted(server, account, keys):
    token = rs_token(realistic_claims(account.account_id), keys["private"])
    assert len(token) > 512
    c = server.client(f"Bearer {token}")
    made = contact_response(c.post("/contacts", {"fields": {}}), 201)
    assert contact_response(c.delete(f"/contacts/{made['id']}"), 200)["archived_by"] == \
        "jane.doe@example.com"
