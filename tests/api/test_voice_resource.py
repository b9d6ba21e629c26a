"""The `voice` contact resource around the page's PATCH: the `Authorization: <api-key>` header
(bare, or `Bearer <key>`), every path with or without a trailing slash, POST /contacts/ (201,
the same body rules), GET one, GET /contacts/ (`{data, next_cursor}`, `tag` filter, cursors),
DELETE (204, then gone for clients but kept in storage), contact ids (400 malformed, 404
unknown), and tenant isolation (another company's key cannot read, change or detect)."""

import os
import sqlite3
import subprocess
import urllib.parse
from datetime import datetime, timezone

import pytest

from contactsd_harness import UNAUTHORIZED_BODY, assert_error, assert_status, is_uuid
import test_voice_common as voice
from test_voice_common import (BASE, BASE_VIEW, EMPTY_VIEW, UNKNOWN_ID, VoiceTenant,
                               assert_not_found, contact_response, contact_url, unique, view)

# the suite's fixtures, used by name
model_name, shared, fresh, other = voice.model_name, voice.shared, voice.fresh, voice.other

# Most tests work inside the module's one company (`shared`), each on contacts and tags of its
# own: a new company costs two CLI runs. `fresh` / `other` companies only where a whole list
# must be seen.


@pytest.fixture(scope="module")
def quiet(server) -> VoiceTenant:
    """A company in which nothing is ever created: its list must stay empty."""
    return VoiceTenant.make(server)


# ---- authentication ----------------------------------------------------------------------------

# Every route, as (method, path template, body); {id} is an existing contact of the tenant.
ROUTES = [
    ("POST", "/contacts", {"first_name": "Mallory"}),
    ("GET", "/contacts", None),
    ("GET", "/contacts/{id}", None),
    ("PATCH", "/contacts/{id}", {"first_name": "Mallory"}),
    ("DELETE", "/contacts/{id}", None),
    ("POST", "/custom-fields", {"name": "evil"}),
    ("GET", "/custom-fields", None),
    ("GET", "/contacts/not-a-uuid", None),  # credentials are checked before the id
]
SLASHES = [pytest.param("", id="no-slash"), pytest.param("/", id="slash")]


def _call(client, method, path, body):
    return client.request(method, path, **({} if body is None else {"body": body}))


BAD_AUTH = [
    pytest.param(lambda k: None, id="missing"),
    pytest.param(lambda k: "", id="empty"),
    pytest.param(lambda k: "<api-key>", id="the-page-placeholder"),
    pytest.param(lambda k: "Bearer", id="scheme-only"),
    pytest.param(lambda k: "Basic dXNlcjpwYXNz", id="basic"),
    pytest.param(lambda k: f"Token {k}", id="other-scheme"),
    pytest.param(lambda k: f"Api-Key {k}", id="api-key-scheme"),
    pytest.param(lambda k: f"{k} {k}", id="key-twice"),
    pytest.param(lambda k: f"Bearer {k} extra", id="trailing-token"),
    pytest.param(lambda k: k[:-1], id="one-char-shorter"),
    pytest.param(lambda k: k + "x", id="one-char-longer"),
    pytest.param(lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"), id="last-char-changed"),
    pytest.param(lambda k: "sk_live_" + "x" * 40, id="unknown-key"),
]


@pytest.mark.parametrize("slash", SLASHES)
@pytest.mark.parametrize("make_auth", BAD_AUTH)
def test_bad_credentials_are_the_one_401_everywhere(server, shared, make_auth, slash):
    c = shared.create(BASE)
    client = server.client(make_auth(shared.secret))
    for method, path, body in ROUTES:
        r = _call(client, method, path.format(id=c["id"]) + slash, body)
        assert_status(r, 401)
        assert r.json() == UNAUTHORIZED_BODY, (method, path)
    # nothing was changed or created
    assert shared.get(c["id"]) == c
    assert "evil" not in shared.fields()


@pytest.mark.parametrize("form", ["bare", "bearer"])
def test_the_bare_key_and_bearer_key_are_both_accepted(shared, form):
    client = shared.client if form == "bare" else shared.bearer
    assert client.session.headers["Authorization"] == (
        shared.secret if form == "bare" else f"Bearer {shared.secret}")
    tag = unique()
    c = contact_response(client.post("/contacts/", {"full_name": "Ada Lovelace", "tags": [tag]}),
                         201)
    assert contact_response(client.get(contact_url(c["id"]))) == c
    got = contact_response(client.patch(contact_url(c["id"]), {"notes": form}))
    assert got["notes"] == form
    # the same company, whichever form was used
    assert shared.get(c["id"]) == got
    assert shared.list_all(tag=tag) == [got]
    assert assert_status(client.get("/contacts/", params={"tag": tag}), 200)["data"] == [got]


def test_a_revoked_key_is_refused(server, shared):
    key2 = server.key(shared.org["id"])
    c = contact_response(server.client(key2["key"]).post("/contacts/", {"notes": "k2"}), 201)
    server.cli("key", "revoke", key2["id"])
    for auth in (key2["key"], f"Bearer {key2['key']}"):
        r = server.client(auth).get(contact_url(c["id"]))
        assert_status(r, 401)
        assert r.json() == UNAUTHORIZED_BODY
    assert shared.get(c["id"]) == c  # the company's other key still works


# ---- every path with or without the trailing slash -------------------------------------------

@pytest.mark.parametrize("slash", SLASHES)
def test_every_route_with_and_without_trailing_slash(shared, slash):
    cl, tag = shared.client, unique()
    c = contact_response(cl.post("/contacts" + slash, {"full_name": "Ada Lovelace"}), 201)
    one = f"/contacts/{c['id']}" + slash
    assert contact_response(cl.get(one)) == c
    got = contact_response(cl.patch(one, {"tags": [tag]}))
    assert got == {**c, "tags": [tag]}
    page = assert_status(cl.get("/contacts" + slash, params={"limit": 1}), 200)
    assert set(page) == {"data", "next_cursor"} and len(page["data"]) == 1, page
    page = assert_status(cl.get("/contacts" + slash, params={"tag": tag}), 200)
    assert page == {"data": [got], "next_cursor": None}
    name = unique("f")
    d = assert_status(cl.post("/custom-fields" + slash, {"name": name}), 201)
    assert d in assert_status(cl.get("/custom-fields" + slash), 200)["data"]
    r = cl.delete(one)
    assert r.status_code == 204, r.text
    assert_not_found(cl.get(one))
    page = assert_status(cl.get("/contacts" + slash, params={"tag": tag}), 200)
    assert page == {"data": [], "next_cursor": None}


# ---- POST /contacts/: 201, the same body rules ---------------------------------------------------

# (id, body, the view expected, as changes to EMPTY_VIEW)
CREATES = [
    ("empty", {}, {}),
    ("base", BASE, BASE_VIEW),
    ("full_name", {"full_name": "  Mary   Ann Smith "}, {"name": "Mary Ann Smith"}),
    ("full_name-one-word", {"full_name": "Ada"}, {"name": "Ada"}),
    ("full_name-and-first", {"full_name": "Mary Smith", "first_name": "Molly"},
     {"name": "Molly Smith"}),
    ("first-only", {"first_name": "Ada"}, {"name": "Ada"}),
    ("last-only", {"last_name": "Lovelace"}, {"name": "Lovelace"}),
    ("email-empty", {"email": ""}, {}),
    ("email-as-sent", {"email": "<string>"}, {"email": "<string>"}),
    ("phone_number", {"phone_number": " (415) 555-2671 "}, {"phone": " (415) 555-2671 "}),
    ("lead_source-invalid", {"lead_source": "tiktok"}, {}),
    ("lead_source-valid", {"lead_source": "webhook"}, {"lead_source": "webhook"}),
    ("tags-null", {"tags": None}, {}),
    ("is_dnd", {"is_dnd": True}, {"is_dnd": True}),
    ("custom-null-stores-nothing", {"custom_fields": {"plan": None, "score": 1}},
     {"custom_fields": {"score": 1}}),
    ("custom-unknown-dropped", {"custom_fields": {"nope": 1}}, {}),
    ("the-page-example-body", {
        "full_name": "<string>", "first_name": "<string>", "last_name": "<string>",
        "email": "<string>", "phone_number": "<string>", "business_name": "<string>",
        "notes": "<string>", "tags": ["<string>"], "is_dnd": True, "lead_source": "<string>",
        "custom_fields": {}},
     {"name": "<string> <string>", "email": "<string>", "phone": "<string>",
      "business_name": "<string>", "notes": "<string>", "tags": ["<string>"], "is_dnd": True}),
]


@pytest.mark.parametrize("body,changes", [c[1:] for c in CREATES], ids=[c[0] for c in CREATES])
def test_create(shared, body, changes):
    c = shared.create(body)
    assert view(c) == {**EMPTY_VIEW, **changes}
    assert shared.get(c["id"]) == c


def test_create_defaults_and_timestamps(shared):
    before = datetime.now(timezone.utc)
    c = shared.create({})
    after = datetime.now(timezone.utc)
    assert view(c) == EMPTY_VIEW  # tags [], lead_source manual, is_dnd false, custom {}
    created = datetime.strptime(c["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc)
    assert before.timestamp() - 2 <= created.timestamp() <= after.timestamp() + 2
    assert shared.get(c["id"]) == c


def test_ids_are_distinct_uuids(shared):
    ids = {shared.create({})["id"] for _ in range(10)}
    assert len(ids) == 10


# (id, body, {detail field: code})
BAD_CREATES = [
    ("unknown", {"name": "Ada"}, {"name": "unknown_field"}),
    ("read-only", {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}, {"id": "read_only"}),
    ("wrong-types", {"email": 1, "is_dnd": "no", "tags": "a"},
     {"email": "invalid_type", "is_dnd": "invalid_type", "tags": "invalid_type"}),
    ("is_dnd-null", {"is_dnd": None}, {"is_dnd": "not_nullable"}),
    ("custom-not-object", {"custom_fields": []}, {"custom_fields": "invalid_type"}),
]


@pytest.mark.parametrize("body,fields", [c[1:] for c in BAD_CREATES],
                         ids=[c[0] for c in BAD_CREATES])
def test_refused_create_stores_nothing(quiet, body, fields):
    assert_error(quiet.client.post("/contacts/", {**body, "notes": "x"}), 400,
                 "validation_failed", fields)
    assert quiet.list_all() == []


@pytest.mark.parametrize("raw,error", [("{", "invalid_json"), ("", "invalid_json"),
                                       ("[]", "invalid_body")])
def test_malformed_create_stores_nothing(quiet, raw, error):
    assert_error(quiet.client.post("/contacts/", raw), 400, error)
    assert quiet.list_all() == []


# ---- contact ids ---------------------------------------------------------------------------------

BAD_IDS = ["not-a-uuid", "123", "{contact_id}", "3c90c3cc0d444b5088888dd25736052a",
           "3c90c3cc-0d44-4b50-8888-8dd25736052", "3c90c3cc-0d44-4b50-8888-8dd25736052aa",
           "zc90c3cc-0d44-4b50-8888-8dd25736052a", "3c90c3cc_0d44_4b50_8888_8dd25736052a"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_malformed_id_is_400(shared, method, bad_id):
    r = _call(shared.client, method, f"/contacts/{bad_id}/",
              {"notes": "x"} if method == "PATCH" else None)
    assert_error(r, 400, "invalid_id")


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("slash", [True, False], ids=["slash", "no-slash"])
def test_an_unknown_id_is_404(shared, method, slash):
    r = _call(shared.client, method, contact_url(UNKNOWN_ID, slash),
              {"notes": "x"} if method == "PATCH" else None)
    assert_not_found(r)


def test_ids_are_read_case_insensitively(shared):
    c = shared.create({"notes": "upper"})
    assert contact_response(shared.client.get(contact_url(c["id"].upper()))) == c
    got = contact_response(shared.client.patch(contact_url(c["id"].upper()), {"notes": "u2"}))
    assert got == {**c, "notes": "u2"}
    assert shared.get(c["id"]) == got


def test_other_methods_are_405(shared):
    c = shared.create(BASE)
    for method, path in [("PUT", contact_url(c["id"])), ("POST", contact_url(c["id"]))]:
        assert_error(_call(shared.client, method, path, BASE), 405)
    # A write on the collection is a request that forgot the id: a 400 saying so.
    for method, path in [("DELETE", "/contacts/"), ("PATCH", "/contacts/")]:
        assert_error(_call(shared.client, method, path, BASE if method != "DELETE" else None),
                     400, "invalid_id")
    assert shared.get(c["id"]) == c


# ---- GET /contacts/: {data, next_cursor}, tag filter, cursors ------------------------------------

def test_the_whole_list(fresh):
    """One company's whole list: empty, then its contacts in creation order, walked with
    cursors at several page sizes; a deleted contact leaves it."""
    assert fresh.page() == {"data": [], "next_cursor": None}
    assert assert_status(fresh.client.get("/contacts"), 200) == {"data": [], "next_cursor": None}
    made = [fresh.create({"first_name": f"c{i}", "tags": [f"t{i % 2}"]}) for i in range(5)]
    assert fresh.page() == {"data": made, "next_cursor": None}
    for limit in (1, 2, 5, 100):
        pages, cursor = [], None
        while True:
            page = fresh.page(limit=limit, **({"cursor": cursor} if cursor else {}))
            assert 0 < len(page["data"]) <= limit
            pages.append(page["data"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert len(pages) <= 5, "the walk does not end"
        assert [c for p in pages for c in p] == made, limit
    assert fresh.list_all(limit=1, tag="t0") == made[0::2]
    r = fresh.client.delete(contact_url(made[2]["id"]))
    assert r.status_code == 204, r.text
    assert fresh.list_all() == made[:2] + made[3:]
    assert fresh.list_all(limit=1) == made[:2] + made[3:]
    assert fresh.list_all(tag="t0") == [made[0], made[4]]
    # without a limit, pages hold 50
    more = [fresh.create({"first_name": f"m{i}"}) for i in range(47)]
    everyone = made[:2] + made[3:] + more
    first = fresh.page()
    assert first["data"] == everyone[:50] and first["next_cursor"]
    assert fresh.page(cursor=first["next_cursor"]) == {"data": everyone[50:], "next_cursor": None}
    assert fresh.page(limit=100) == {"data": everyone, "next_cursor": None}


@pytest.mark.parametrize("params,error", [
    ({"limit": 0}, "invalid_query"), ({"limit": 101}, "invalid_query"),
    ({"limit": -1}, "invalid_query"), ({"limit": "ten"}, "invalid_query"),
    ({"limit": ""}, "invalid_query"), ({"cursor": "garbage"}, "invalid_cursor"),
    ({"search": "ada"}, "invalid_query"),
])
def test_bad_list_queries_are_400(shared, params, error):
    assert_error(shared.client.get("/contacts/", params=params), 400, error)


def _tag_page(tenant, encoded_tag):
    """GET /contacts/?tag=<encoded_tag>, the query written by hand (percent-encoded)."""
    page = assert_status(tenant.client.get("/contacts/?tag=" + encoded_tag), 200)
    assert set(page) == {"data", "next_cursor"}, page
    return page


def test_tag_filter(shared):
    u = unique("tf")
    a = shared.create({"first_name": "a", "tags": [f"{u}-vip"]})
    ab = shared.create({"first_name": "ab", "tags": [f"{u}-lead", f"{u}-vip"]})
    b = shared.create({"first_name": "b", "tags": [f"{u}-lead"]})
    shared.create({"first_name": "none"})
    odd = shared.create({"first_name": "odd", "tags": [f"{u} a b", f"{u}+b", f"{u}ü&?=",
                                                       f"{u}-VIP"]})
    cases = {f"{u}-vip": [a, ab], f"{u}-lead": [ab, b], f"{u}-VIP": [odd], f"{u}-vi": [],
             u: [], "": [], f"{u} a b": [odd], f"{u}+b": [odd], f"{u}ü&?=": [odd]}
    for tag, want in cases.items():
        page = _tag_page(shared, urllib.parse.quote(tag, safe=""))  # a space is %20, a plus %2B
        assert page == {"data": want, "next_cursor": None}, tag
    # "+" in the query is a plus sign, not a space (see docs/models/voice.md)
    assert _tag_page(shared, f"{u}+b")["data"] == [odd]
    assert _tag_page(shared, f"{u}+a+b")["data"] == []


def test_tag_filter_with_cursors(shared):
    even, odd = unique("even"), unique("odd")
    want = []
    for i in range(7):
        c = shared.create({"first_name": f"c{i}", "tags": [even] if i % 2 == 0 else [odd]})
        if i % 2 == 0:
            want.append(c)
    assert shared.list_all(limit=1, tag=even) == want
    assert shared.list_all(limit=3, tag=even) == want
    assert shared.list_all(limit=4, tag=even) == want


def test_tag_filter_follows_patches(shared):
    old, new = unique("old"), unique("new")
    c = shared.create({"tags": [old]})
    got = shared.patch(c["id"], {"tags": [new]})
    assert shared.page(tag=old)["data"] == []
    assert shared.page(tag=new)["data"] == [got]
    got = shared.patch(c["id"], {"tags": None})
    assert shared.page(tag=new)["data"] == []
    assert shared.get(c["id"]) == got


# ---- DELETE: 204, then gone for clients, kept in storage -----------------------------------------

def _stored_row(server, contact_id):
    """(doc, archived) of the contact's row as stored, read straight from the database: DELETE
    hides a contact from clients but keeps it (an operator may restore it later). SQLite is
    read with Python's sqlite3 (read-only); PostgreSQL (CONTACTSD_TEST_DB) with psql, the
    password passed in the environment as the harness does. None when there is no row."""
    assert is_uuid(contact_id), contact_id
    sql = f"SELECT doc, archived_at IS NOT NULL FROM contacts WHERE id = '{contact_id}'"
    url = server.db_url
    if url.startswith("sqlite:"):
        db = sqlite3.connect(f"file:{url[len('sqlite:'):]}?mode=ro", uri=True, timeout=5)
        try:
            row = db.execute(sql).fetchone()
        finally:
            db.close()
        return None if row is None else (row[0], bool(row[1]))
    parts = urllib.parse.urlsplit(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({"PGHOST": urllib.parse.unquote(parts.hostname or "localhost"),
                "PGPORT": str(parts.port or 5432),
                "PGUSER": urllib.parse.unquote(parts.username or ""),
                "PGPASSWORD": urllib.parse.unquote(parts.password or ""),
                "PGDATABASE": urllib.parse.unquote(parts.path.lstrip("/"))})
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-c", sql],
                       capture_output=True, text=True, env=env, timeout=30,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    out = p.stdout.strip("\n")
    if not out:
        return None
    doc, archived = out.rsplit("\t", 1)
    return doc, archived == "t"


@pytest.mark.parametrize("slash", [True, False], ids=["slash", "no-slash"])
def test_delete_is_204_and_the_contact_is_gone_for_clients(server, shared, slash):
    tag = unique()
    keep = shared.create({"first_name": "keep", "tags": [tag]})
    gone = shared.create({**BASE, "tags": [tag]})
    unknown = assert_not_found(shared.client.get(contact_url(UNKNOWN_ID)))

    r = shared.client.delete(contact_url(gone["id"], slash))
    assert r.status_code == 204, r.text
    assert r.content == b""

    for s in (True, False):
        url = contact_url(gone["id"], s)
        assert assert_not_found(shared.client.get(url)) == unknown
        assert assert_not_found(shared.client.patch(url, {"notes": "back?"})) == unknown
    assert shared.list_all(tag=tag) == [keep]
    assert shared.get(keep["id"]) == keep
    # kept in storage, untouched by the refused PATCH
    doc, archived = _stored_row(server, gone["id"])
    assert archived
    assert '"back?"' not in doc and '"Lovelace"' in doc


def test_deleting_twice_is_404(shared):
    c = shared.create({})
    assert shared.client.delete(contact_url(c["id"])).status_code == 204
    for s in (True, False):
        assert_not_found(shared.client.delete(contact_url(c["id"], s)))


def test_a_deleted_contact_cannot_be_restored_through_the_api(shared):
    tag = unique()
    c = shared.create({"tags": [tag]})
    assert shared.client.delete(contact_url(c["id"])).status_code == 204
    r = shared.client.post(f"/contacts/{c['id']}/restore", {})
    assert_error(r, 404)
    assert_not_found(shared.client.get(contact_url(c["id"])))
    assert shared.list_all(tag=tag) == []


# ---- tenant isolation --------------------------------------------------------------------------

def test_another_company_cannot_read_change_or_detect_a_contact(server, shared, other):
    tag = unique("mine")
    mine = shared.create({**BASE, "tags": [tag]})
    unknown = assert_not_found(other.client.get(contact_url(UNKNOWN_ID)))
    for s in (True, False):
        url = contact_url(mine["id"], s)
        assert assert_not_found(other.client.get(url)) == unknown
        assert assert_not_found(other.bearer.get(url)) == unknown
        assert assert_not_found(other.client.patch(url, {"notes": "pwned"})) == unknown
        assert assert_not_found(other.client.patch(url, {})) == unknown
        assert assert_not_found(other.client.delete(url)) == unknown
    assert other.list_all() == []
    assert other.list_all(tag=tag) == []
    assert shared.get(mine["id"]) == mine
    assert shared.list_all(tag=tag) == [mine]
    assert _stored_row(server, mine["id"])[1] is False  # not deleted either

    # lists never mix, filtered or not
    theirs = [other.create({"first_name": f"b{i}", "tags": [tag]}) for i in range(2)]
    assert other.list_all() == theirs
    assert other.list_all(limit=1, tag=tag) == theirs
    assert shared.list_all(limit=1, tag=tag) == [mine]
    # a cursor of one company shows nothing of it to another (a second contact of its own, so
    # that a page of one has a next page whichever tests ran on this module's tenant before)
    shared.create({"first_name": "second"})
    cursor = shared.page(limit=1)["next_cursor"]
    assert cursor
    r = other.client.get("/contacts/", params={"cursor": cursor})
    if r.status_code == 200:
        page = assert_status(r, 200)
        assert all(c["id"] in {t["id"] for t in theirs} for c in page["data"]), page
    else:
        assert_error(r, 400, "invalid_cursor")
    assert shared.get(mine["id"]) == mine
