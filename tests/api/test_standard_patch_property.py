"""Property: a random PATCH (a random subset of fields, each with a valid or an invalid value)
either answers 200 and the stored contact is exactly the merge of the normalized sent values,
or answers 400 naming exactly the bad fields and the stored contact is unchanged. Never a 5xx.
"""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactsd_harness import assert_contact_response, assert_error, assert_status

OK, BAD = True, False
TOKEN = "{u}"  # replaced by a fresh token per example, so unique values never clash


def ok(sent, stored=None, *, same=False):
    return (sent, OK, sent if same else stored)


def bad(sent):
    return (sent, BAD, None)


# Text without surrogates or control characters and without outer whitespace (the contract
# trims emails, not names, so names are kept clear of that question).
text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
               max_size=40).filter(lambda s: s == s.strip() and s)


def name_values():
    return st.one_of(
        text.map(lambda s: ok(s, same=True)),
        st.just(ok("x" * 200, same=True)),
        st.just(ok(None, None)),
        st.just(bad("x" * 201)),
        st.sampled_from([bad(5), bad(True), bad(["a"]), bad({"a": 1})]),
    )


def email_values():
    variants = st.sampled_from([
        (f"{TOKEN}@example.com", lambda s: s),
        (f"  {TOKEN}@Example.COM ", lambda s: s.strip().lower()),
        (f"First.{TOKEN}+tag@Sub.Example.org", lambda s: s.lower()),
    ])
    return st.one_of(
        variants.map(lambda v: ("email-template", v[0], v[1])),
        st.just(ok(None, None)),
        st.sampled_from([bad("not-an-email"), bad("a@"), bad("@b.com"), bad(7),
                         bad("a b@example.com")]),
    )


PHONES = [("+1 (415) 555-2671", "+14155552671"), ("415-555-2671", "+14155552671"),
          ("+44 20 7946 0958", "+442079460958"), ("+14155552671", "+14155552671")]

tag = st.text(alphabet="abcxyz", min_size=1, max_size=3)


def _dedupe(xs):
    out = []
    for x in xs:
        if x not in out:
            out.append(x)
    return out


FIELDS = {
    "first_name": name_values(),
    "last_name": name_values(),
    "company": name_values(),
    "title": name_values(),
    "notes": st.one_of(text.map(lambda s: ok(s, same=True)), st.just(ok("n" * 10000, same=True)),
                       st.just(ok(None, None)), st.just(bad("n" * 10001)), st.just(bad(False))),
    "email": email_values(),
    "owner": email_values(),
    "phone": st.one_of(st.sampled_from([ok(s, e) for s, e in PHONES]), st.just(ok(None, None)),
                       st.sampled_from([bad("hello"), bad("+1 123"), bad(4155552671)])),
    "tags": st.one_of(st.lists(tag, max_size=6).map(lambda xs: ok(xs, _dedupe(xs))),
                      st.just(ok(None, [])),
                      st.sampled_from([bad([""]), bad(["t" * 101]), bad([1]), bad("tag"),
                                       bad([f"t{i}" for i in range(51)])])),
    "external_id": st.one_of(st.just(ok(f"ext-{TOKEN}", "template")), st.just(ok(None, None)),
                             st.just(bad("e" * 201)), st.just(bad(7))),
    "custom_fields": st.one_of(
        st.fixed_dictionaries({}, optional={
            "score": st.one_of(st.integers(-1000, 1000), st.none()),
            "vip": st.one_of(st.booleans(), st.none()),
        }).map(lambda d: (d, OK, "merge")),
        st.sampled_from([bad({"score": "high"}), bad({"vip": "yes"}), bad({"nope": 1}),
                         bad([]), bad(3)]),
    ),
    # never valid in a PATCH body
    "id": st.just(bad(str(uuid.uuid4()))),
    "version": st.just(bad(9)),
    "created_at": st.just(bad("2026-01-01T00:00:00.000Z")),
    "unknown_key": st.just(bad("x")),
}
RARE = {"id", "version", "created_at", "unknown_key"}


@st.composite
def patch_bodies(draw):
    names = draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True, max_size=6))
    if any(n in RARE for n in names) and draw(st.integers(0, 3)) > 0:
        names = [n for n in names if n not in RARE]  # keep the rare ones rare
    return {n: draw(FIELDS[n]) for n in names}


def _materialize(field, spec, token):
    """Returns (sent, is_valid, stored) with the per-example token substituted."""
    if spec[0] == "email-template":
        _, template, norm = spec
        sent = template.replace(TOKEN, token)
        return sent, OK, norm(sent)
    sent, valid, stored = spec
    if stored == "template":
        sent = sent.replace(TOKEN, token)
        stored = sent
    return sent, valid, stored


def _detail_owner(field_name, bad_fields):
    for b in bad_fields:
        if field_name == b or field_name.startswith((f"{b}.", f"{b}[")):
            return b
    return None


@pytest.fixture(scope="module")
def prop_tenant(server):
    t = server.tenant()
    for name, type_ in (("score", "integer"), ("vip", "boolean")):
        assert_status(t.client.post("/v1/custom-fields", {"name": name, "type": type_}), 201)
    return t


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(spec=patch_bodies())
def test_random_patch_applies_fully_or_not_at_all(prop_tenant, spec):
    t = prop_tenant
    token = uuid.uuid4().hex[:12]
    base = t.create_contact({
        "first_name": "Base", "last_name": "Line", "email": f"base-{token}@example.com",
        "phone": "+14155552671", "tags": ["a", "b"], "owner": "owner@example.com",
        "external_id": f"base-{token}", "custom_fields": {"score": 1, "vip": True},
    })
    try:
        body, expected, bad_fields = {}, dict(base), []
        expected_cf = dict(base["custom_fields"])
        for field, s in spec.items():
            sent, valid, stored = _materialize(field, s, token)
            key = "unknown_key_xyz" if field == "unknown_key" else field
            body[key] = sent
            if not valid:
                bad_fields.append(key)
            elif field == "custom_fields":
                for k, v in sent.items():
                    if v is None:
                        expected_cf.pop(k, None)
                    else:
                        expected_cf[k] = v
            else:
                expected[field] = stored
        expected["custom_fields"] = expected_cf

        r = t.client.patch(f"/v1/contacts/{base['id']}", body)
        assert r.status_code < 500, f"{r.status_code} for {body!r}: {r.text[:500]}"
        after = t.get_contact(base["id"])
        if bad_fields:
            err = assert_error(r, 400, "validation_failed")
            named = {d["field"] for d in err["details"]}
            owners = {_detail_owner(f, bad_fields) for f in named}
            assert None not in owners, f"details name fields that were fine: {named} for {body!r}"
            assert owners == set(bad_fields), f"details {named}, bad fields {bad_fields}"
            assert after == base, f"a failed PATCH changed the contact: {body!r}"
        else:
            got = assert_contact_response(r)
            changed = any(expected[k] != base[k] for k in expected
                          if k not in ("version", "updated_at"))
            want = {**expected, "version": base["version"] + (1 if changed else 0),
                    "updated_at": got["updated_at"] if changed else base["updated_at"]}
            assert got == want, f"sent {body!r}"
            assert after == got
    finally:
        t.client.delete(f"/v1/contacts/{base['id']}")
