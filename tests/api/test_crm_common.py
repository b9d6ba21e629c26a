"""Shared helpers and fixtures of the `crm` suite (test_crm_*.py). No tests here.

The `crm` model plays the generic CRM object API of shared/specs/001_34432ad860086f9c.txt
(issue 3): base path "", `Authorization: Bearer <JWT>` whose `account_id` claim names the org
(`sub` the user), API keys of the org beside the JWTs, bodies `{"fields": {...}}`, and a
contact answered flat:

    {id, first_name, last_name, email, contact_owner, external_id, archived, [archived_by],
     created_at, updated_at, [?properties: phone], [the account's custom fields that are set]}

What this module gives the others (they import the fixtures by name, pytest then uses them):
- `server`: one `contactsd serve --model crm --jwt-secret JWT_SECRET` per module. It
  overrides conftest's `server` because that one cannot pass serve flags; the shared harness
  is left alone. (test_crm_rs256.py has its own RS256 server.)
- `shared`: one account per module with SHARED_FIELDS defined, for tests that only look at the
  contacts they create themselves; `fresh` / `other`: a new account per test (lists,
  definitions, isolation).
- JWT minting without a JWT library: HS256 with hmac, RS256 with `openssl dgst -sign`,
  unsigned `alg: none` tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Iterable, Mapping

import pytest

from contactsd_harness import Client, Server, assert_error, assert_status, is_timestamp, is_uuid

JWT_SECRET = "crm-suite-hs256-secret-6f1d0c2a"
SUB = "jane@example.com"  # the `sub` of the suite's tokens: what archived_by records

UNAUTHORIZED_BODY = {
    "error": "unauthorized",
    "message": "Missing or invalid account context",
    "statusCode": 401,
}

# The default property set, in the order the page lists it (created_at / updated_at last).
DEFAULT_KEYS = ["id", "first_name", "last_name", "email", "contact_owner", "external_id",
                "archived", "created_at", "updated_at"]
OPTIONAL_KEYS = ["phone"]  # what ?properties may add
MODEL_FIELDS = ["first_name", "last_name", "email", "phone", "contact_owner", "external_id"]
READ_ONLY = ["id", "created_at", "updated_at", "archived", "archived_by"]
UNKNOWN_ID = "0190a0b0-0000-7000-8000-000000000000"  # a well-formed UUID no contact has

# Custom fields the `shared` account defines: name -> definition body.
SHARED_FIELDS = {
    "score": {"name": "score", "type": "number"},
    "tier": {"name": "tier", "type": "enum", "options": ["gold", "silver"]},
    "vip": {"name": "vip", "type": "boolean"},
    "since": {"name": "since", "type": "date"},
}


# ---- JWTs -----------------------------------------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: Any) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def claims(account_id: str | None, sub: str | None = SUB, ttl: int = 3600,
           **extra: Any) -> dict:
    """account_id / sub / exp (now + ttl); None leaves a claim out; extra adds or replaces."""
    c: dict[str, Any] = {}
    if account_id is not None:
        c["account_id"] = account_id
    if sub is not None:
        c["sub"] = sub
    c["exp"] = int(time.time()) + ttl
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def hs256_token(payload: Mapping[str, Any], secret: str | bytes = JWT_SECRET,
                header: Mapping[str, Any] | None = None,
                digest=hashlib.sha256) -> str:
    head = dict(header or {"alg": "HS256", "typ": "JWT"})
    signing_input = f"{_segment(head)}.{_segment(dict(payload))}"
    key = secret.encode() if isinstance(secret, str) else secret
    sig = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(sig)}"


def unsigned_token(payload: Mapping[str, Any], alg: str = "none") -> str:
    """`{"alg": "none"}` and an empty signature: the token that must never pass."""
    return f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(dict(payload))}."


def rs_token(payload: Mapping[str, Any], private_key: Path, alg: str = "RS256",
             digest: str = "-sha256") -> str:
    """An RS256 (or RS384/RS512 with the matching digest) token signed by openssl."""
    signing_input = f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(dict(payload))}"
    p = subprocess.run(["openssl", "dgst", digest, "-sign", str(private_key)],
                       input=signing_input.encode(), capture_output=True, timeout=20)
    assert p.returncode == 0, p.stderr.decode()
    return f"{signing_input}.{b64url(p.stdout)}"


def rsa_key_pair(directory: Path, name: str = "jwt") -> tuple[Path, Path]:
    """A fresh 2048-bit RSA key pair as PEM files: (private, public)."""
    private, public = directory / f"{name}.key", directory / f"{name}.pub.pem"
    for argv in (["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                  "rsa_keygen_bits:2048", "-out", str(private)],
                 ["openssl", "pkey", "-in", str(private), "-pubout", "-out", str(public)]):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
    return private, public


# ---- the contact ----------------------------------------------------------------------------

def expected_keys(c: Mapping[str, Any], properties: Iterable[str] = ()) -> list[str]:
    """The key order a contact answer must have: the default set (archived_by right after
    archived when archived), the requested optional properties, then the custom fields."""
    keys = list(DEFAULT_KEYS)
    if c.get("archived") is not False:
        keys.insert(keys.index("archived") + 1, "archived_by")
    keys += [p for p in OPTIONAL_KEYS if p in set(properties)]
    return keys


def assert_crm_contact(c: Any, properties: Iterable[str] = ()) -> dict:
    """The page's flat object: exact key order up to the custom fields, each of its type."""
    assert isinstance(c, dict), c
    fixed = expected_keys(c, properties)
    keys = list(c)
    assert keys[:len(fixed)] == fixed, f"keys {keys}, expected to start with {fixed}"
    custom = keys[len(fixed):]
    for k in custom:  # custom fields: never a model or system name, never null (shown when set)
        assert k not in DEFAULT_KEYS + OPTIONAL_KEYS + ["archived_by", "custom_fields"], (k, c)
        assert c[k] is not None, f"custom field {k} shown as null: {c}"
    assert is_uuid(c["id"]), c["id"]
    for k in ("first_name", "last_name", "email", "contact_owner", "external_id"):
        assert c[k] is None or isinstance(c[k], str), (k, c[k])
    if "phone" in c:
        assert c["phone"] is None or isinstance(c["phone"], str), c["phone"]
    assert c["archived"] is False or is_timestamp(c["archived"]), c["archived"]
    if "archived_by" in c:
        assert isinstance(c["archived_by"], str), c["archived_by"]
    assert is_timestamp(c["created_at"]) and is_timestamp(c["updated_at"]), c
    assert c["updated_at"] >= c["created_at"], c
    return c


def contact_response(resp, status: int = 200, properties: Iterable[str] = ()) -> dict:
    c = assert_crm_contact(assert_status(resp, status), properties)
    etag = resp.headers.get("ETag")
    assert etag and etag.startswith('"') and etag.endswith('"'), f"ETag {etag!r}"
    return c


def custom_values(c: Mapping[str, Any], properties: Iterable[str] = ()) -> dict:
    """The custom fields of a contact answer (everything after the fixed keys)."""
    fixed = expected_keys(c, properties)
    return {k: v for k, v in c.items() if k not in fixed}


def view(c: Mapping[str, Any]) -> dict:
    """A contact without id and timestamps (archived kept only as True/False)."""
    out = {k: v for k, v in c.items() if k not in ("id", "created_at", "updated_at")}
    if out.get("archived") not in (False, None):
        out["archived"] = True
    return out


def expected_view(fields: Mapping[str, Any], phone: bool = True) -> dict:
    """What a contact created from `fields` looks like through view() (GET ?properties=phone
    when `phone`): every model field, archived false, then the custom values that are set."""
    v = {k: fields.get(k) for k in ("first_name", "last_name", "email", "contact_owner",
                                    "external_id")}
    v["archived"] = False
    if phone:
        v["phone"] = fields.get("phone")
    v.update({k: val for k, val in fields.items()
              if k not in MODEL_FIELDS and val is not None})
    return v


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def assert_unauthorized(resp) -> None:
    """The one 401 body, whatever was wrong with the credentials."""
    body = assert_status(resp, 401)
    assert body == UNAUTHORIZED_BODY, body


def assert_not_found(resp) -> dict:
    """The one 404 body: unknown and foreign contacts look alike."""
    body = assert_error(resp, 404, "not_found")
    assert set(body) == {"error", "message", "statusCode"}, body
    return body


def properties_param(properties: Iterable[str] | str | None) -> dict | None:
    if properties is None:
        return None
    return {"properties": properties if isinstance(properties, str) else ",".join(properties)}


class CrmTenant:
    """One account (org) with a JWT client (`client`, sub=SUB) and, made on first use (a CLI
    call costs time), an API key and its client (`key`, `keyed`)."""

    def __init__(self, server: Server, org: dict, token: str):
        self.server, self.org, self.token = server, org, token
        self.client = server.client(f"Bearer {token}")
        self._key: dict | None = None
        self._keyed: Client | None = None

    @classmethod
    def make(cls, server: Server, sub: str = SUB) -> "CrmTenant":
        org = server.org(f"crm-{uuid.uuid4().hex[:8]}")
        return cls(server, org, hs256_token(claims(org["id"], sub)))

    @property
    def key(self) -> dict:
        if self._key is None:
            self._key = self.server.key(self.org["id"])
        return self._key

    @property
    def keyed(self) -> Client:
        """A client sending the account's API key as `Bearer sk_live_...`."""
        if self._keyed is None:
            self._keyed = self.server.client(f"Bearer {self.key['key']}")
        return self._keyed

    @property
    def account_id(self) -> str:
        return self.org["id"]

    def jwt_client(self, sub: str | None = SUB, **claim_overrides) -> Client:
        return self.server.client(
            f"Bearer {hs256_token(claims(self.account_id, sub, **claim_overrides))}")

    # ---- contacts ----
    def create(self, fields: Mapping[str, Any] | None = None, properties=None) -> dict:
        r = self.client.post("/contacts", {"fields": dict(fields or {})},
                             params=properties_param(properties))
        return contact_response(r, 201, properties or ())

    def get(self, cid: str, properties=None) -> dict:
        r = self.client.get(f"/contacts/{cid}", params=properties_param(properties))
        return contact_response(r, 200, properties or ())

    def stored(self, cid: str) -> dict:
        """The contact as stored, everything shown (phone added); the GET without
        ?properties must be the same minus phone."""
        got = self.get(cid, ["phone"])
        assert self.get(cid) == {k: v for k, v in got.items() if k != "phone"}
        return got

    def etag(self, cid: str) -> str:
        r = self.client.get(f"/contacts/{cid}")
        assert_status(r, 200)
        return r.headers["ETag"]

    def patch(self, cid: str, fields: Mapping[str, Any], properties=None) -> dict:
        r = self.client.patch(f"/contacts/{cid}", {"fields": dict(fields)},
                              params=properties_param(properties))
        return contact_response(r, 200, properties or ())

    def delete(self, cid: str) -> dict:
        return contact_response(self.client.delete(f"/contacts/{cid}"), 200)

    def restore(self, cid: str) -> dict:
        return contact_response(self.client.post(f"/contacts/{cid}/restore"), 200)

    def page(self, properties=None, **params) -> dict:
        p = dict(params)
        if properties is not None:
            p.update(properties_param(properties))
        page = assert_status(self.client.get("/contacts", params=p), 200)
        assert list(page) == ["data", "next_cursor"], page
        nc = page["next_cursor"]
        assert nc is None or (isinstance(nc, str) and nc), page
        for c in page["data"]:
            assert_crm_contact(c, properties or ())
        return page

    def list_all(self, limit: int | None = None, properties=None) -> list[dict]:
        out, cursor = [], None
        for _ in range(1000):
            params = {}
            if limit is not None:
                params["limit"] = limit
            if cursor is not None:
                params["cursor"] = cursor
            page = self.page(properties, **params)
            out.extend(page["data"])
            cursor = page["next_cursor"]
            if cursor is None:
                return out
        raise AssertionError("no end of the list")

    # ---- custom field definitions ----
    def define(self, body: Mapping[str, Any]) -> dict:
        d = assert_status(self.client.post("/custom-fields", dict(body)), 201)
        assert list(d) == ["name", "type", "options", "created_at"], d
        assert d["name"] == body["name"] and d["type"] == body["type"], d
        assert d["options"] == body.get("options", []), d
        assert is_timestamp(d["created_at"]), d
        return d

    def definitions(self) -> list[dict]:
        body = assert_status(self.client.get("/custom-fields"), 200)
        assert list(body) == ["data"], body
        return body["data"]


# ---- fixtures (imported by name into each crm module) ------------------------------------------

@pytest.fixture(scope="module")
def model_name():
    return "crm"


@pytest.fixture(scope="module")
def server(contactsd_bin, tmp_path_factory, request):
    """`serve --model crm --jwt-secret JWT_SECRET` for the module (conftest's `server` cannot
    pass serve flags)."""
    workdir = tmp_path_factory.mktemp(f"crm-{request.module.__name__}")
    srv = Server(contactsd_bin, workdir, model="crm",
                 extra_args=["--jwt-secret", JWT_SECRET]).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def shared(server) -> CrmTenant:
    """One account for the module, with SHARED_FIELDS defined. Tests using it only look at
    the contacts they create themselves (unique emails / external ids)."""
    t = CrmTenant.make(server)
    for body in SHARED_FIELDS.values():
        t.define(body)
    return t


@pytest.fixture
def fresh(server) -> CrmTenant:
    t = CrmTenant.make(server)
    yield t
    server.assert_alive()


@pytest.fixture
def other(server) -> CrmTenant:
    return CrmTenant.make(server)


# ---- docs/models/crm.md: its `sh` blocks are run by the tests -----------------------------------

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "models" / "crm.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def doc_blocks() -> list[tuple[str, str]]:
    """(info string, text) of every fenced block of docs/models/crm.md, in order."""
    return [(m.group(1), m.group(2)) for m in _FENCE.finditer(DOC_PATH.read_text())]


def doc_block(*needles: str) -> str:
    """The one `sh` block of the doc that contains every needle."""
    found = [t for info, t in doc_blocks() if info == "sh" and all(n in t for n in needles)]
    assert len(found) == 1, f"{len(found)} sh blocks of {DOC_PATH.name} contain {needles}"
    return found[0]


def doc_examples() -> list[tuple[str, int, Any]]:
    """The doc's curl examples in order: (command, status in its `# → NNN` line, the JSON body
    of the ```json block right after it)."""
    blocks, out = doc_blocks(), []
    for i, (info, text) in enumerate(blocks):
        if info != "sh" or not text.lstrip().startswith("curl"):
            continue
        m = re.search(r"^# → (\d{3})$", text, re.M)
        assert m, f"example without a '# → NNN' line: {text}"
        assert i + 1 < len(blocks) and blocks[i + 1][0] == "json", f"no json after: {text}"
        out.append((text, int(m.group(1)), json.loads(blocks[i + 1][1])))
    return out


def b64url_function() -> str:
    """The doc's shell function that base64url-encodes stdin."""
    m = re.search(r"^b64url\(\) \{.*\}$", DOC_PATH.read_text(), re.M)
    assert m, "no b64url() in the doc"
    return m.group(0)


def run_sh(script: str, env: Mapping[str, str], cwd: Path | None = None) -> str:
    """Runs a shell script with bash (-e, no proxies); returns stdout."""
    full_env = {k: v for k, v in os.environ.items()
                if "proxy" not in k.lower() and not k.startswith("CONTACTSD_")}
    full_env.update(env)
    p = subprocess.run(["bash", "-ec", script], capture_output=True, text=True, timeout=60,
                       env=full_env, cwd=cwd, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"script failed ({p.returncode}): {p.stderr}\n{script}"
    return p.stdout


def token_from_recipe(recipe: str, env: Mapping[str, str], cwd: Path | None = None) -> str:
    """Runs one of the doc's token recipes, without its placeholder ORG= / SECRET= lines
    (`env` gives them), and returns the $TOKEN it made."""
    lines = [ln for ln in recipe.splitlines() if not re.match(r"^(ORG|SECRET)=", ln)]
    script = "\n".join([b64url_function()] + lines + ['printf %s "$TOKEN"'])
    return run_sh(script, env, cwd)


VOLATILE = {"id": is_uuid, "existing_id": is_uuid, "created_at": is_timestamp, "updated_at": is_timestamp,
            "archived": is_timestamp, "next_cursor": lambda v: isinstance(v, str) and v}


def assert_like_the_doc(got: Any, shown: Any, where: str = "$") -> None:
    """`got` is what the doc shows: the same keys in the same order and the same values, except
    ids, timestamps and cursors, which need only be of the same kind."""
    if isinstance(shown, dict):
        assert isinstance(got, dict) and list(got) == list(shown), \
            f"{where}: keys {list(got) if isinstance(got, dict) else got}, doc {list(shown)}"
        for k, v in shown.items():
            if k in VOLATILE and isinstance(v, str):
                assert VOLATILE[k](got[k]), f"{where}.{k}: {got[k]!r}"
            else:
                assert_like_the_doc(got[k], v, f"{where}.{k}")
    elif isinstance(shown, list):
        assert isinstance(got, list) and len(got) == len(shown), f"{where}: {got} vs {shown}"
        for i, (g, s) in enumerate(zip(got, shown)):
            assert_like_the_doc(g, s, f"{where}[{i}]")
    else:
        assert got == shown and type(got) is type(shown), f"{where}: {got!r}, doc {shown!r}"
