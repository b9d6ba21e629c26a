"""`PATCH /contacts/{contact_id}` of the `voice` model, sentence by sentence of the page
(shared/specs/003_fdab34eb03a27f9d.txt) and of issue 5: the page's own curl example verbatim,
only sent keys applied, full_name split, email "" -> null, phone_number stored as sent and
answered as `phone`, tags replaced whole, lead_source outside the list stored as "manual",
the response shape; then every refused body, each followed by a GET proving nothing changed.

Every case starts from a contact created with BASE (test_voice_common.py) and checks the
PATCH answer, then the stored contact (GET and the list) against the expected view."""

import json
import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactsd_harness import assert_error, assert_status, is_timestamp
import test_voice_common as voice
from test_voice_common import BASE, BASE_VIEW, contact_response, contact_url, join_name, view

model_name, shared = voice.model_name, voice.shared  # the suite's fixtures, used by name

# The page's example request, verbatim: `--data '...'` sends the text between the quotes as
# is, newlines and indentation included.
CURL_DATA = '''
{
  "full_name": "<string>",
  "first_name": "<string>",
  "last_name": "<string>",
  "email": "<string>",
  "phone_number": "<string>",
  "business_name": "<string>",
  "notes": "<string>",
  "tags": [
    "<string>"
  ],
  "is_dnd": true,
  "lead_source": "<string>",
  "custom_fields": {}
}
'''
# What that request leaves (the custom fields of BASE stay: {} merges nothing).
CURL_VIEW = {
    **BASE_VIEW, "name": "<string> <string>", "email": "<string>", "phone": "<string>",
    "business_name": "<string>", "notes": "<string>", "tags": ["<string>"],
    "lead_source": "manual", "is_dnd": True,
}


def _stored(shared, cid):
    """The contact as GET and the list show it (they must agree)."""
    got = shared.get(cid)
    assert shared.get(cid, slash=False) == got
    return got


def _apply(shared, body, expected_changes, slash=True):
    """Create BASE, PATCH `body`: 200 with BASE_VIEW + expected_changes, and stored so."""
    before = shared.create(BASE)
    assert view(before) == BASE_VIEW
    after = shared.patch(before["id"], body, slash=slash)
    expected = {**BASE_VIEW, **expected_changes}
    assert view(after) == expected, f"PATCH {body!r}"
    assert after["id"] == before["id"] and after["created_at"] == before["created_at"]
    assert _stored(shared, before["id"]) == after
    return after


# ---- the page's curl example -----------------------------------------------------------------

def test_the_pages_curl_example_verbatim(shared):
    """Headers and body exactly as in the page's example (bare key, trailing slash)."""
    c = shared.create(BASE)
    r = shared.client.patch(f"/contacts/{c['id']}/", CURL_DATA,
                            headers={"Content-Type": "application/json"})
    got = contact_response(r, 200)
    assert view(got) == CURL_VIEW
    assert got["id"] == c["id"] and got["created_at"] == c["created_at"]
    assert _stored(shared, c["id"]) == got


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_pages_curl_command_itself(server, shared):
    """The page's curl command, run by curl, with only the host, the id and the key filled in."""
    c = shared.create(BASE)
    argv = ["curl", "--silent", "--show-error", "--noproxy", "*", "--max-time", "10",
            "--write-out", "\n%{http_code}",
            "--request", "PATCH",
            "--url", f"{server.base_url}/contacts/{c['id']}/",
            "--header", f"Authorization: {shared.secret}",
            "--header", "Content-Type: application/json",
            "--data", CURL_DATA]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    p = subprocess.run(argv, capture_output=True, text=True, timeout=20, env=env)
    assert p.returncode == 0, p.stderr
    body, _, status = p.stdout.rpartition("\n")
    assert status == "200", p.stdout
    got = json.loads(body)
    assert view(got) == CURL_VIEW
    assert _stored(shared, c["id"]) == got


def test_the_curl_body_on_an_empty_contact(shared):
    c = shared.create({})
    got = shared.patch(c["id"], CURL_DATA)
    assert view(got) == {**CURL_VIEW, "custom_fields": {}}
    assert _stored(shared, c["id"]) == got


# ---- "all optional; only sent keys are applied" ----------------------------------------------

# (id, body, the properties it changes; every other one must stay as in BASE_VIEW)
APPLIED = [
    ("empty-body-is-a-no-op", {}, {}),
    # first_name / last_name
    ("first_name", {"first_name": "Grace"}, {"name": "Grace Lovelace"}),
    ("last_name", {"last_name": "Hopper"}, {"name": "Ada Hopper"}),
    ("first-and-last", {"first_name": "Grace", "last_name": "Hopper"}, {"name": "Grace Hopper"}),
    ("first_name-null", {"first_name": None}, {"name": "Lovelace"}),
    ("last_name-null", {"last_name": None}, {"name": "Ada"}),
    ("both-names-null", {"first_name": None, "last_name": None}, {"name": None}),
    ("first_name-empty", {"first_name": ""}, {"name": "Lovelace"}),
    ("unicode-names", {"first_name": "Zoë", "last_name": "李"}, {"name": "Zoë 李"}),
    ("first_name-200", {"first_name": "f" * 200}, {"name": "f" * 200 + " Lovelace"}),
    # full_name ("Also updates first_name and last_name")
    ("full_name", {"full_name": "Grace Hopper"}, {"name": "Grace Hopper"}),
    ("full_name-one-word", {"full_name": "Grace"}, {"name": "Grace"}),
    ("full_name-three-words", {"full_name": "Mary Ann Smith"}, {"name": "Mary Ann Smith"}),
    ("full_name-whitespace", {"full_name": "  Mary   Ann \t Smith \n"}, {"name": "Mary Ann Smith"}),
    ("full_name-blank", {"full_name": "   "}, {"name": None}),
    ("full_name-empty", {"full_name": ""}, {"name": None}),
    ("full_name-null", {"full_name": None}, {"name": None}),
    ("full_name-first-wins", {"full_name": "Mary Ann Smith", "first_name": "Molly"},
     {"name": "Molly Ann Smith"}),
    ("full_name-last-wins", {"full_name": "Mary Ann Smith", "last_name": "Jones"},
     {"name": "Mary Jones"}),
    ("full_name-both-win", {"full_name": "Mary Ann Smith", "first_name": "A", "last_name": "B"},
     {"name": "A B"}),
    ("full_name-first-null-wins", {"full_name": "Mary Smith", "first_name": None},
     {"name": "Smith"}),
    ("full_name-after-first", {"first_name": "Molly", "full_name": "Mary Smith"},
     {"name": "Molly Smith"}),
    # email ("Empty string is stored as null"; no format check)
    ("email", {"email": "grace@example.com"}, {"email": "grace@example.com"}),
    ("email-empty-is-null", {"email": ""}, {"email": None}),
    ("email-null", {"email": None}, {"email": None}),
    ("email-placeholder", {"email": "<string>"}, {"email": "<string>"}),
    ("email-not-an-address", {"email": "not an address"}, {"email": "not an address"}),
    ("email-as-sent", {"email": "  Ada@Example.COM "}, {"email": "  Ada@Example.COM "}),
    ("email-blank-is-kept", {"email": " "}, {"email": " "}),
    # phone_number ("Assigned as provided (no normalization)"), answered as `phone`
    ("phone_number", {"phone_number": "+14155550000"}, {"phone": "+14155550000"}),
    ("phone_number-formatted", {"phone_number": "(415) 555-0000 ext. 12"},
     {"phone": "(415) 555-0000 ext. 12"}),
    ("phone_number-international", {"phone_number": "0049 30 1234567"},
     {"phone": "0049 30 1234567"}),
    ("phone_number-not-a-number", {"phone_number": "call the front desk"},
     {"phone": "call the front desk"}),
    ("phone_number-empty", {"phone_number": ""}, {"phone": ""}),
    ("phone_number-spaces", {"phone_number": "  +1 415  "}, {"phone": "  +1 415  "}),
    ("phone_number-null", {"phone_number": None}, {"phone": None}),
    ("phone_number-64", {"phone_number": "9" * 64}, {"phone": "9" * 64}),
    # business_name, notes
    ("business_name", {"business_name": "Babbage & Co"}, {"business_name": "Babbage & Co"}),
    ("business_name-empty", {"business_name": ""}, {"business_name": ""}),
    ("business_name-null", {"business_name": None}, {"business_name": None}),
    ("notes", {"notes": "line 1\nline 2"}, {"notes": "line 1\nline 2"}),
    ("notes-null", {"notes": None}, {"notes": None}),
    ("notes-10000", {"notes": "n" * 10000}, {"notes": "n" * 10000}),
    # tags ("Replaces the entire tags array")
    ("tags-replaced", {"tags": ["callback"]}, {"tags": ["callback"]}),
    ("tags-reordered", {"tags": ["lead", "vip"]}, {"tags": ["lead", "vip"]}),
    ("tags-empty", {"tags": []}, {"tags": []}),
    ("tags-null", {"tags": None}, {"tags": []}),
    ("tags-repeats-kept", {"tags": ["a", "a", "b"]}, {"tags": ["a", "a", "b"]}),
    ("tags-100", {"tags": [f"t{i}" for i in range(100)]}, {"tags": [f"t{i}" for i in range(100)]}),
    # is_dnd
    ("is_dnd-true", {"is_dnd": True}, {"is_dnd": True}),
    ("is_dnd-false", {"is_dnd": False}, {}),
    # lead_source ("Invalid values are stored as manual")
    *[(f"lead_source-{s}", {"lead_source": s}, {"lead_source": s})
      for s in ["manual", "webhook", "facebook", "instagram", "import"]],
    ("lead_source-api", {"lead_source": "api"}, {}),
    ("lead_source-unknown", {"lead_source": "tiktok"}, {"lead_source": "manual"}),
    ("lead_source-placeholder", {"lead_source": "<string>"}, {"lead_source": "manual"}),
    ("lead_source-case", {"lead_source": "Facebook"}, {"lead_source": "manual"}),
    ("lead_source-space", {"lead_source": " api"}, {"lead_source": "manual"}),
    ("lead_source-empty", {"lead_source": ""}, {"lead_source": "manual"}),
    # custom_fields (more in test_voice_custom_fields.py)
    ("custom_fields-merge", {"custom_fields": {"stage": "won"}},
     {"custom_fields": {"plan": "pro", "score": 7, "stage": "won"}}),
    ("custom_fields-unknown-dropped", {"custom_fields": {"nope": 1}}, {}),
    ("custom_fields-empty", {"custom_fields": {}}, {}),
    # several at once
    ("everything", {"full_name": "Grace Brewster Hopper", "email": "", "phone_number": "555",
                    "business_name": "Navy", "notes": "", "tags": ["cobol"], "is_dnd": True,
                    "lead_source": "import", "custom_fields": {"plan": None, "nope": 2}},
     {"name": "Grace Brewster Hopper", "email": None, "phone": "555", "business_name": "Navy",
      "notes": "", "tags": ["cobol"], "is_dnd": True, "lead_source": "import",
      "custom_fields": {"score": 7}}),
]


@pytest.mark.parametrize("body,changes", [c[1:] for c in APPLIED], ids=[c[0] for c in APPLIED])
def test_only_sent_keys_are_applied(shared, body, changes):
    _apply(shared, body, changes)


@pytest.mark.parametrize("slash", [True, False], ids=["slash", "no-slash"])
def test_patch_with_and_without_trailing_slash(shared, slash):
    _apply(shared, {"notes": "via " + ("slash" if slash else "no slash")},
           {"notes": "via " + ("slash" if slash else "no slash")}, slash=slash)


def test_patches_accumulate(shared):
    c = shared.create(BASE)
    shared.patch(c["id"], {"email": "g@example.com"})
    shared.patch(c["id"], {"tags": ["x"]})
    shared.patch(c["id"], {"full_name": "Grace Hopper"})
    got = shared.patch(c["id"], {})
    assert view(got) == {**BASE_VIEW, "email": "g@example.com", "tags": ["x"],
                         "name": "Grace Hopper"}
    assert _stored(shared, c["id"]) == got


# ---- full_name: which part lands in first_name and which in last_name -----------------------

def _parts_after(shared, body):
    """(first_name, last_name) stored after PATCHing `body` onto BASE. The response shows only
    the joined name, so two copies are probed: one gets a new first_name (the name then shows
    the stored last_name), the other a new last_name (showing the stored first_name)."""
    a, b = shared.create(BASE), shared.create(BASE)
    ra, rb = shared.patch(a["id"], body), shared.patch(b["id"], body)
    assert ra["name"] == rb["name"]
    mark = "\u00a7"
    na = shared.patch(a["id"], {"first_name": mark})["name"]
    nb = shared.patch(b["id"], {"last_name": mark})["name"]
    last = None if na == mark else na.removeprefix(mark + " ")
    first = None if nb == mark else nb.removesuffix(" " + mark)
    assert ra["name"] == join_name(first, last)
    return first, last


# (body, first_name, last_name) - issue 5 and the brief's examples
SPLITS = [
    ({"full_name": "Ada"}, "Ada", None),
    ({"full_name": "Mary Ann Smith"}, "Mary", "Ann Smith"),
    ({"full_name": "  Mary   Ann Smith "}, "Mary", "Ann Smith"),
    ({"full_name": "Ada\tKing\nLovelace"}, "Ada", "King Lovelace"),
    ({"full_name": "José  García-Márquez"}, "José", "García-Márquez"),
    ({"full_name": "李 小龙"}, "李", "小龙"),
    # Unicode spaces separate words too: a no-break space (web forms), an ideographic space
    ({"full_name": "Ada\u00a0Lovelace"}, "Ada", "Lovelace"),
    ({"full_name": "\u00a0Ada  Lovelace\u00a0"}, "Ada", "Lovelace"),
    ({"full_name": "李\u3000小龙"}, "李", "小龙"),
    ({"full_name": ""}, None, None),
    ({"full_name": " \t "}, None, None),
    ({"full_name": None}, None, None),
    ({"full_name": "Mary Ann Smith", "first_name": "Molly"}, "Molly", "Ann Smith"),
    ({"full_name": "Mary Ann Smith", "last_name": "Jones"}, "Mary", "Jones"),
    ({"full_name": "Mary Ann Smith", "last_name": None}, "Mary", None),
    ({"full_name": "Mary", "last_name": "Jones"}, "Mary", "Jones"),
    ({"full_name": "", "first_name": "Molly"}, "Molly", None),
    ({"full_name": "<string>", "first_name": "<string>", "last_name": "<string>"},
     "<string>", "<string>"),
    ({"first_name": "Grace"}, "Grace", "Lovelace"),
    ({"last_name": "Hopper"}, "Ada", "Hopper"),
]


@pytest.mark.parametrize("body,first,last", SPLITS,
                         ids=[json.dumps(b, ensure_ascii=True)[:48] for b, _, _ in SPLITS])
def test_full_name_sets_first_and_last_name(shared, body, first, last):
    assert _parts_after(shared, body) == (first, last)


def test_full_name_is_write_only(shared):
    c = shared.create({"full_name": "Grace Hopper"})
    assert c["name"] == "Grace Hopper" and "full_name" not in c
    assert "full_name" not in shared.get(c["id"])


_WORD = st.text(alphabet=st.sampled_from("abcXYZéü李-'."), min_size=1, max_size=8)
_GAP = st.text(alphabet=st.sampled_from(" \t\n"), min_size=1, max_size=3)
_EDGE = st.text(alphabet=st.sampled_from(" \t\n"), max_size=3)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(_WORD, max_size=5), gaps=st.lists(_GAP, min_size=5, max_size=5),
       lead=_EDGE, trail=_EDGE)
def test_full_name_split_property(shared, words, gaps, lead, trail):
    text = lead + "".join(w + (gaps[i] if i < len(words) - 1 else "")
                          for i, w in enumerate(words)) + trail
    first = words[0] if words else None
    last = " ".join(words[1:]) or None
    assert _parts_after(shared, {"full_name": text}) == (first, last)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phone=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=64))
def test_phone_number_is_stored_exactly_as_sent(shared, phone):
    c = shared.create({})
    got = shared.patch(c["id"], {"phone_number": phone})
    assert got["phone"] == phone
    assert shared.get(c["id"])["phone"] == phone


# ---- the response -----------------------------------------------------------------------------

def test_response_has_exactly_the_pages_properties_and_custom_fields(shared):
    c = shared.create(BASE)
    got = shared.patch(c["id"], {"notes": "x"})
    assert list(got) == ["id", "name", "email", "phone", "business_name", "notes", "tags",
                         "lead_source", "is_dnd", "profile_picture_url", "last_activity",
                         "created_at", "custom_fields"]
    assert got["profile_picture_url"] is None and got["last_activity"] is None
    assert is_timestamp(got["created_at"])  # e.g. 2026-11-25T02:31:16.242Z


# ---- refused bodies: 400, nothing stored -------------------------------------------------------

T = "invalid_type"
# (id, body, error, {detail field: code}) - every bad field of the body is named, at once
REFUSED = [
    # wrong JSON types
    ("email-number", {"email": 5}, {"email": T}),
    ("email-bool", {"email": False}, {"email": T}),
    ("first_name-number", {"first_name": 5}, {"first_name": T}),
    ("last_name-bool", {"last_name": True}, {"last_name": T}),
    ("full_name-number", {"full_name": 5}, {"full_name": T}),
    ("full_name-array", {"full_name": ["Ada", "Lovelace"]}, {"full_name": T}),
    ("full_name-bad-beside-good-first", {"full_name": 5, "first_name": "X"}, {"full_name": T}),
    ("phone_number-number", {"phone_number": 14155552671}, {"phone_number": T}),
    ("business_name-array", {"business_name": []}, {"business_name": T}),
    ("notes-object", {"notes": {}}, {"notes": T}),
    ("tags-string", {"tags": "vip"}, {"tags": T}),
    ("tags-number-item", {"tags": [1]}, {"tags": T}),
    ("tags-null-item", {"tags": ["a", None]}, {"tags": T}),
    ("tags-object", {"tags": {"a": 1}}, {"tags": T}),
    ("tags-empty-item", {"tags": [""]}, {"tags": "invalid_value"}),
    ("is_dnd-string", {"is_dnd": "true"}, {"is_dnd": T}),
    ("is_dnd-number", {"is_dnd": 1}, {"is_dnd": T}),
    ("is_dnd-null", {"is_dnd": None}, {"is_dnd": "not_nullable"}),
    ("lead_source-number", {"lead_source": 5}, {"lead_source": T}),
    ("lead_source-array", {"lead_source": ["api"]}, {"lead_source": T}),
    ("lead_source-null", {"lead_source": None}, {"lead_source": "not_nullable"}),
    ("custom_fields-string", {"custom_fields": "x"}, {"custom_fields": T}),
    ("custom_fields-array", {"custom_fields": [{"plan": "x"}]}, {"custom_fields": T}),
    ("custom_fields-number", {"custom_fields": 1}, {"custom_fields": T}),
    ("custom_fields-typed-value", {"custom_fields": {"score": "high"}},
     {"custom_fields.score": T}),
    # too long / too many
    ("first_name-201", {"first_name": "f" * 201}, {"first_name": "too_long"}),
    ("last_name-201", {"last_name": "l" * 201}, {"last_name": "too_long"}),
    ("full_name-402", {"full_name": "a " * 201}, {"full_name": "too_long"}),
    ("full_name-first-word-201", {"full_name": "f" * 201 + " Smith"}, {"full_name": "too_long"}),
    ("full_name-rest-201", {"full_name": "Ada " + "l" * 201}, {"full_name": "too_long"}),
    ("email-255", {"email": "e" * 255}, {"email": "too_long"}),
    ("phone_number-65", {"phone_number": "9" * 65}, {"phone_number": "too_long"}),
    ("business_name-201", {"business_name": "b" * 201}, {"business_name": "too_long"}),
    ("notes-10001", {"notes": "n" * 10001}, {"notes": "too_long"}),
    ("tags-101-items", {"tags": [f"t{i}" for i in range(101)]}, {"tags": "too_many_items"}),
    ("tag-101-chars", {"tags": ["t" * 101]}, {"tags": "too_long"}),
    # unknown keys (the response's own names are not inputs)
    ("unknown", {"foo": 1}, {"foo": "unknown_field"}),
    ("name", {"name": "Grace Hopper"}, {"name": "unknown_field"}),
    ("phone", {"phone": "+14155550000"}, {"phone": "unknown_field"}),
    ("fullName", {"fullName": "Grace Hopper"}, {"fullName": "unknown_field"}),
    ("unknown-null", {"foo": None}, {"foo": "unknown_field"}),
    # read-only
    ("id", {"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}, {"id": "read_only"}),
    ("created_at", {"created_at": "2023-11-07T05:31:56Z"}, {"created_at": "read_only"}),
    ("updated_at", {"updated_at": "2023-11-07T05:31:56Z"}, {"updated_at": "read_only"}),
    ("profile_picture_url", {"profile_picture_url": "https://example.com/a.png"},
     {"profile_picture_url": "read_only"}),
    ("last_activity", {"last_activity": "2023-11-07T05:31:56Z"}, {"last_activity": "read_only"}),
    # every bad field at once; good fields beside them are not applied either
    ("many-at-once", {"email": 5, "is_dnd": "yes", "tags": [1], "custom_fields": [],
                      "lead_source": 5},
     {"email": T, "is_dnd": T, "tags": T, "custom_fields": T, "lead_source": T}),
    ("good-beside-bad", {"first_name": "Grace", "tags": ["new"], "email": 5}, {"email": T}),
    ("unknown-beside-bad", {"foo": 1, "is_dnd": "x", "notes": "new"},
     {"foo": "unknown_field", "is_dnd": T}),
    ("read-only-beside-good", {"id": "x", "full_name": "Grace Hopper"}, {"id": "read_only"}),
    ("the-page-example-response", {
        "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a", "name": "<string>", "email": "<string>",
        "phone": "<string>", "business_name": "<string>", "notes": "<string>",
        "tags": ["<string>"], "lead_source": "<string>", "is_dnd": True,
        "profile_picture_url": "<string>", "last_activity": "2023-11-07T05:31:56Z",
        "created_at": "2023-11-07T05:31:56Z"},
     {"id": "read_only", "name": "unknown_field", "phone": "unknown_field",
      "profile_picture_url": "read_only", "last_activity": "read_only",
      "created_at": "read_only"}),
]


@pytest.mark.parametrize("body,fields", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_patch_changes_nothing(shared, body, fields):
    c = shared.create(BASE)
    r = shared.client.patch(contact_url(c["id"]), body)
    assert_error(r, 400, "validation_failed", fields)
    assert _stored(shared, c["id"]) == c


# (id, raw body, error)
MALFORMED = [
    ("truncated", "{", "invalid_json"),
    ("empty", "", "invalid_json"),
    ("trailing-comma", '{"notes": "x",}', "invalid_json"),
    ("single-quotes", "{'notes': 'x'}", "invalid_json"),
    ("two-documents", '{"notes": "x"} {"notes": "y"}', "invalid_json"),
    ("nan", '{"notes": NaN}', "invalid_json"),
    ("array", '[{"notes": "x"}]', "invalid_body"),
    ("null", "null", "invalid_body"),
    ("string", '"notes"', "invalid_body"),
]


@pytest.mark.parametrize("raw,error", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_bodies_change_nothing(shared, raw, error):
    c = shared.create(BASE)
    r = shared.client.patch(contact_url(c["id"]), raw)
    assert_error(r, 400, error)
    assert _stored(shared, c["id"]) == c


def test_refused_patch_is_not_half_applied_to_the_list(shared):
    c = shared.create({**BASE, "tags": ["half-applied-probe"]})
    r = shared.client.patch(contact_url(c["id"]), {"tags": ["changed"], "is_dnd": None})
    assert_error(r, 400, "validation_failed", {"is_dnd": "not_nullable"})
    assert [x["id"] for x in shared.list_all(tag="half-applied-probe")] == [c["id"]]
    assert shared.list_all(tag="changed") == []
    assert assert_status(shared.client.get(contact_url(c["id"])), 200) == c


# ---- beyond the page: the engine's ETag / If-Match also work here ------------------------------

def test_etag_and_if_match(shared):
    c = shared.create(BASE)
    r = shared.client.patch(contact_url(c["id"]), {"notes": "v2"})
    got = contact_response(r)
    etag = r.headers.get("ETag")
    assert etag and etag.startswith('"') and etag.endswith('"'), etag
    stale = shared.client.patch(contact_url(c["id"]), {"notes": "v3"},
                                headers={"If-Match": '"1"'})
    assert_error(stale, 412, "precondition_failed")
    assert _stored(shared, c["id"]) == got
    ok = shared.client.patch(contact_url(c["id"]), {"notes": "v3"}, headers={"If-Match": etag})
    assert contact_response(ok)["notes"] == "v3"


@pytest.mark.parametrize("ctype", ["application/x-www-form-urlencoded", "text/plain", None])
def test_the_request_content_type_is_not_enforced(shared, ctype):
    """curl --data without the page's Content-Type header sends a form type: still JSON."""
    c = shared.create(BASE)
    headers = {"Content-Type": ctype} if ctype else {}
    # the session directly: Client.request would add "Content-Type: application/json"
    r = shared.client.session.request("PATCH", shared.client.base_url + contact_url(c["id"]),
                                      data=b'{"notes": "form"}', headers=headers, timeout=10)
    assert r.request.headers.get("Content-Type") == ctype
    got = contact_response(r)
    assert got["notes"] == "form"
    assert _stored(shared, c["id"]) == got
