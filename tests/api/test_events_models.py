"""The change log of the other built-in models (standard's is test_events.py): crm (archive and
restore, custom fields flattened to top level, JWT and API-key actors), gifting (PUT, hidden
delete, deleting a list or label entry), prospects (one catalogue every org reads, gated fields
masked per reader, unlocks recorded only in the unlocking org's feed) and voice (hidden delete,
nested custom fields). For each: the events a write records, their exact `changes`, `data`
equal to what GET answers right after the write, nothing recorded by a refused write, and each
tenant seeing only its own log; and, under concurrent writes, one contact's events read in feed
order leading from each to the next. One server per model for the module, on the pass's
backend (SQLite, or PostgreSQL with CONTACTSD_TEST_DB)."""

import uuid

import pytest

from contactsd_harness import (Server, assert_error, assert_status, is_timestamp, run_together,
                               settle_feed)
from test_crm_common import JWT_SECRET, SUB, CrmTenant
from test_gifting_common import VALID as GIFT, GiftTenant
from test_prospects_common import GATED, assert_prospect, district
from test_voice_common import VoiceTenant

EVENT_KEYS = {"id", "type", "occurred_at", "contact_id", "actor", "request_id", "changes", "data"}
MOVING = {"updated_at", "last_updated_at"}  # change on every write: never in `changes`
PROSPECTS = "/api/v1"


# ---- servers and tenants ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def serve(contactsd_bin, tmp_path_factory):
    """serve(model): the module's one server of that model, started on first use."""
    servers: dict[str, Server] = {}

    def get(model: str) -> Server:
        if model not in servers:
            extra = ["--jwt-secret", JWT_SECRET] if model == "crm" else []
            servers[model] = Server(contactsd_bin, tmp_path_factory.mktemp(f"events-{model}"),
                                    model=model, extra_args=extra).start()
        return servers[model]

    get.servers = servers
    yield get
    for srv in servers.values():
        srv.stop()


@pytest.fixture(autouse=True)
def _servers_survive(serve):
    yield
    for srv in serve.servers.values():
        srv.assert_alive()


@pytest.fixture
def crm(serve):
    return CrmTenant.make(serve("crm"))


@pytest.fixture
def gift(serve):
    return GiftTenant(serve("gifting"))


@pytest.fixture
def voice(serve):
    return VoiceTenant.make(serve("voice"))


# ---- reading the log ----------------------------------------------------------------------------

def feed(client, base="", after=None, **params) -> tuple[list[dict], str]:
    """Every event after the cursor `after`, page by page: (events, the cursor to resume at)."""
    settle_feed()
    events, cursor = [], after
    while True:
        page = assert_status(client.get(f"{base}/events", params={
            **params, **({"after": cursor} if cursor else {})}), 200)
        assert set(page) == {"data", "next_cursor"}, page
        assert isinstance(page["next_cursor"], str) and page["next_cursor"], page
        for e in page["data"]:
            assert set(e) == EVENT_KEYS and set(e["actor"]) == {"type", "id"}, e
            assert e["id"].startswith("evt_") and is_timestamp(e["occurred_at"]), e
        cursor = page["next_cursor"]
        if not page["data"]:
            return events, cursor
        events.extend(page["data"])


def history(client, base, cid, **params) -> list[dict]:
    """The contact's whole history, newest first, following the cursors."""
    out, cursor = [], None
    while True:
        page = assert_status(client.get(f"{base}/contacts/{cid}/history", params={
            **params, **({"cursor": cursor} if cursor else {})}), 200)
        assert set(page) == {"data", "next_cursor"}, page
        out.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return out


def change(before, after) -> dict:
    return {"before": before, "after": after}


def diff(before: dict, after: dict, nested: tuple = ()) -> dict:
    """The `changes` two successive `data` of a contact imply: every differing property but the
    moving timestamps, a nested custom-fields property key by key, a missing key as null."""
    out = {}
    for k in list(after) + [k for k in before if k not in after]:
        was, now = before.get(k), after.get(k)
        if k in MOVING or was == now:
            continue
        both_objects = isinstance(was, dict) and isinstance(now, dict)
        out[k] = diff(was, now) if k in nested and both_objects else change(was, now)
    return out


def assert_chain(events: list[dict], current: dict | None, nested: tuple = ()) -> None:
    """One contact's events, in feed order, follow each other: each one's `changes` lead from
    the previous one's `data` to its own, and the last `data` is the contact as GET shows it."""
    for prev, e in zip(events, events[1:]):
        implied = diff(prev["data"], e["data"], nested)
        assert e["changes"] == implied, (
            f"feed order {[x['id'] for x in events]}: {e['id']} follows {prev['id']} but its "
            f"changes {e['changes']} do not lead from that event's data: {implied}")
    if current is not None:
        assert events[-1]["data"] == current, f"the last event {events[-1]['id']} is not GET"


# ---- crm: archive / restore, flat custom fields -------------------------------------------------

def test_crm_each_write_records_its_event_with_flat_custom_field_changes(crm):
    key_actor = {"type": "api_key", "id": crm.key["id"]}

    def full(cid):
        """The contact as GET shows it with its optional `phone`, as events always show it."""
        return assert_status(crm.keyed.get(f"/contacts/{cid}", params={"properties": "phone"}),
                             200)

    tier = assert_status(crm.keyed.post("/custom-fields", {"name": "tier", "type": "enum",
                                                           "options": ["gold", "silver"]}), 201)
    rid = f"req-{uuid.uuid4().hex[:12]}"
    created = assert_status(crm.keyed.post(
        "/contacts", {"fields": {"first_name": "Ada", "email": "ada@example.com", "tier": "gold"}},
        headers={"X-Request-Id": rid}), 201)
    cid = created["id"]
    assert crm.get(cid) == created
    created = full(cid)
    patched = assert_status(crm.keyed.patch(
        f"/contacts/{cid}", {"fields": {"last_name": "King", "tier": "silver"}}), 200)
    assert crm.get(cid) == patched
    patched = full(cid)
    unset = assert_status(crm.keyed.patch(
        f"/contacts/{cid}", {"fields": {"tier": None, "first_name": "Ada"}}), 200)
    assert crm.get(cid) == unset
    unset = full(cid)
    # An optional property changes like any other: the event shows it.
    assert_status(crm.keyed.patch(f"/contacts/{cid}", {"fields": {"phone": "+14155552671"}}),
                  200)
    phoned = full(cid)
    archived = crm.delete(cid)  # by the JWT: archived_by is its sub
    assert crm.delete(cid) == archived  # idempotent: no second event
    assert crm.get(cid) == archived
    archived = full(cid)
    restored = crm.restore(cid)
    assert crm.get(cid) == restored
    restored = full(cid)

    events, _ = feed(crm.client)
    assert [e["type"] for e in events] == [
        "custom_field.created", "contact.created", "contact.updated", "contact.updated",
        "contact.updated", "contact.archived", "contact.restored"]
    definition, c, up1, up2, up3, arch, rest = events
    assert definition["contact_id"] is None and definition["changes"] is None
    assert definition["data"] == tier == crm.definitions()[0]
    assert all(e["contact_id"] == cid for e in events[1:])
    assert [e["actor"] for e in events] == [key_actor] * 5 + [{"type": "jwt", "id": SUB}] * 2
    assert c["request_id"] == rid and len({e["request_id"] for e in events}) == 7
    assert c["changes"] is None and c["data"] == created
    assert up1["changes"] == {"last_name": change(None, "King"), "tier": change("gold", "silver")}
    assert up1["data"] == patched
    assert up2["changes"] == {"tier": change("silver", None)} and up2["data"] == unset
    assert up3["changes"] == {"phone": change(None, phoned["phone"])} and up3["data"] == phoned
    assert phoned["phone"]
    assert arch["changes"] == {"archived": change(False, archived["archived"]),
                               "archived_by": change(None, SUB)}
    assert arch["data"] == archived
    assert rest["changes"] == {"archived": change(archived["archived"], False),
                               "archived_by": change(SUB, None)}
    assert rest["data"] == restored
    assert_chain(events[1:], restored)
    assert history(crm.client, "", cid, limit=2) == events[:0:-1]
    assert [e["id"] for e in feed(crm.client, type="contact.archived")[0]] == [arch["id"]]
    assert_error(crm.client.get("/events", params={"type": "contact.deleted"}), 400,
                 "invalid_query")


def test_crm_refused_writes_record_nothing_and_accounts_see_only_their_log(crm, serve):
    a = crm.create({"first_name": "A", "email": "a@example.com"})
    b = crm.create({"first_name": "B", "email": "b@example.com"})
    crm.define({"name": "score", "type": "number"})
    _, cursor = feed(crm.client)
    url = f"/contacts/{a['id']}"
    assert_error(crm.client.patch(url, {"fields": {"email": "not-an-email"}}), 400)
    assert_error(crm.client.patch(url, {"fields": {"nope": 1}}), 400)
    assert_error(crm.client.patch(url, {"fields": {"score": "high"}}), 400)
    assert_error(crm.client.patch(url, {"fields": {"email": "b@example.com"}}), 409)
    assert_error(crm.client.patch(url, {"fields": {"first_name": "X"}},
                                  headers={"If-Match": '"99"'}), 412)
    assert_error(crm.client.patch(f"/contacts/{uuid.uuid4()}", {"fields": {"last_name": "X"}}),
                 404)
    assert_error(crm.client.post("/custom-fields", {"name": "score", "type": "number"}), 409)
    crm.delete(b["id"])
    assert_error(crm.client.patch(f"/contacts/{b['id']}", {"fields": {"last_name": "Y"}}), 409)
    events, _ = feed(crm.client, after=cursor)
    assert [(e["type"], e["contact_id"]) for e in events] == [("contact.archived", b["id"])]
    assert crm.get(a["id"]) == a

    other = CrmTenant.make(serve("crm"))
    theirs = other.create({"first_name": "Theirs", "email": "a@example.com"})
    assert [(e["type"], e["contact_id"]) for e in feed(other.client)[0]] == [
        ("contact.created", theirs["id"])]
    assert feed(other.client, contact_id=a["id"])[0] == []
    assert_error(other.client.get(f"/contacts/{a['id']}/history"), 404)
    assert theirs["id"] not in {e["contact_id"] for e in feed(crm.client)[0]}


# ---- gifting: PUT, hidden delete, collection entries --------------------------------------------

def test_gifting_put_patch_and_delete_record_exactly_what_changed(gift):
    vip = gift.add("lists", "vip")
    body = {**GIFT, "phone": "+1 212 555 0100", "shirt_size": "MD", "title": "Analyst",
            "address_validated": True, "lists": [vip]}
    created = gift.create(body)
    cid = created["id"]
    assert gift.get(cid) == created
    put = gift.put(cid, {**GIFT, "title": "Director", "zip": "10002", "lists": [vip]})
    assert gift.get(cid) == put
    # The same record again, through PUT or PATCH, changes nothing and records nothing.
    assert gift.put(cid, {**GIFT, "title": "Director", "zip": "10002", "lists": [vip, vip]}) == put
    assert gift.patch(cid, {"title": "Director"}) == put
    patched = gift.patch(cid, {"labels": [gift.add("labels", "new")], "city": "Albany"})
    assert gift.get(cid) == patched
    r = gift.client.delete(f"/contacts/{cid}")
    assert r.status_code == 204 and r.content == b""
    assert_error(gift.client.get(f"/contacts/{cid}"), 404, "not_found")

    events, _ = feed(gift.client)
    assert [e["type"] for e in events] == ["contact.created", "contact.updated",
                                           "contact.updated", "contact.deleted"]
    c, replaced, up, deleted = events
    assert c["changes"] is None and c["data"] == created
    assert replaced["changes"] == {
        "phone": change("+1 212 555 0100", None), "shirt_size": change("MD", None),
        "zip": change("10001", "10002"), "title": change("Analyst", "Director"),
        "address_validated": change(True, False)}
    assert replaced["data"] == put
    assert up["changes"] == {"city": change("New York", "Albany"),
                             "labels": change([], patched["labels"])}
    assert up["data"] == patched
    # The deleted contact as it was (only its updated_at moved); no response property changed.
    assert deleted["changes"] == {}
    assert {**deleted["data"], "updated_at": None} == {**patched, "updated_at": None}
    assert all(e["contact_id"] == cid and e["actor"] == {"type": "api_key", "id": gift.key["id"]}
               for e in events)
    assert_chain(events, None)
    assert history(gift.client, "", cid) == events[::-1]  # a deleted contact keeps its history
    assert feed(gift.client, type="contact.deleted")[0] == [deleted]
    assert_error(gift.client.get("/events", params={"type": "contact.archived"}), 400,
                 "invalid_query")


def test_gifting_deleting_an_entry_records_one_update_per_contact_holding_it(gift, serve):
    a, b = gift.add("lists", "a"), gift.add("lists", "b")
    lab = gift.add("labels", "l")
    both = gift.create({**GIFT, "lists": [b, a], "labels": [lab]})["id"]
    only_a = gift.create({**GIFT, "lists": [a]})["id"]
    gift.create({**GIFT, "lists": [b]})
    other = GiftTenant(serve("gifting"))
    theirs = other.create({**GIFT, "lists": [other.add("lists", "same id as a")]})
    _, cursor = feed(gift.client)
    _, other_cursor = feed(other.client)

    rid = f"req-{uuid.uuid4().hex[:12]}"
    assert gift.client.delete(f"/lists/{a}", headers={"X-Request-Id": rid}).status_code == 204
    events, cursor = feed(gift.client, after=cursor)
    assert sorted(e["contact_id"] for e in events) == sorted([both, only_a])
    by_contact = {e["contact_id"]: e for e in events}
    assert by_contact[both]["changes"] == {"lists": change([b, a], [b])}
    assert by_contact[only_a]["changes"] == {"lists": change([a], [])}
    for cid, e in by_contact.items():
        assert e["type"] == "contact.updated" and e["request_id"] == rid, e
        assert e["data"] == gift.get(cid)
    assert gift.client.delete(f"/labels/{lab}").status_code == 204
    events, cursor = feed(gift.client, after=cursor)
    assert [(e["contact_id"], e["changes"]) for e in events] == [
        (both, {"labels": change([lab], [])})]
    assert events[0]["data"] == gift.get(both)
    assert feed(other.client, after=other_cursor)[0] == []  # the same ids in another account
    assert other.get(theirs["id"]) == theirs

    # Refused writes record nothing.
    url = f"/contacts/{only_a}"
    assert_error(gift.client.delete(f"/lists/{a}"), 404, "not_found")
    assert_error(gift.client.patch(url, {"lists": [a]}), 400, "validation_failed",
                 {"lists": "not_found"})
    assert_error(gift.client.put(url, {"first_name": "Only"}), 400, "validation_failed")
    assert_error(gift.client.patch(url, {"title": "X"}, headers={"If-Match": '"1"'}), 412)
    assert gift.client.delete(url).status_code == 204
    _, cursor = feed(gift.client, after=cursor)
    assert_error(gift.client.patch(url, {"title": "X"}), 404, "not_found")
    assert_error(gift.client.put(url, GIFT), 404, "not_found")
    assert feed(gift.client, after=cursor)[0] == []


def test_gifting_feed_keeps_each_contacts_order_under_concurrent_writes_and_deletes(gift):
    """Writers change one contact while lists it holds are deleted: read in feed order, each
    event leads from the one before it, and the last one is the contact as stored."""
    stable = [gift.add("lists", f"s{i}") for i in range(4)]
    doomed = [gift.add("lists", f"d{i}") for i in range(10)]
    cid = gift.create({**GIFT, "lists": doomed[:3]})["id"]
    writers, writes = 6, 20

    def work(i, barrier):
        client = gift.new_client()
        barrier.wait()
        if i == writers:  # the deleter
            for list_id in doomed:
                assert client.delete(f"/lists/{list_id}").status_code == 204
            return
        for n in range(writes):
            lists = [stable[(i + n) % 4]] + ([doomed[n // 2]] if n % 2 == 0 else [])
            r = client.patch(f"/contacts/{cid}", {"title": f"w{i}-{n}", "lists": lists})
            if r.status_code != 200:  # the doomed list is gone already
                assert_error(r, 400, "validation_failed", {"lists": "not_found"})

    run_together(writers + 1, work)
    events, _ = feed(gift.client, contact_id=cid)
    assert len({e["id"] for e in events}) == len(events) > writers * writes // 2
    assert_chain(events, gift.get(cid))


# ---- prospects: one catalogue, gated fields, private unlocks ------------------------------------

def test_prospects_readers_see_the_catalogue_masked_and_only_their_own_unlocks(serve):
    prospects = serve("prospects")
    internal = prospects.tenant(plan="internal")
    buyer, onlooker = prospects.tenant(credits=10), prospects.tenant(credits=2)
    url = f"{PROSPECTS}/contacts"
    gated = {"email": "ada@district.k12.us", "phone": "+1 415 555 2671",
             "linkedin_url": "https://www.linkedin.com/in/ada"}
    made = assert_prospect(assert_status(internal.client.post(url, {
        "name": "Ada", "district_id": district(), "unlock_cost": 3, **gated}), 201))
    cid = made["id"]
    masked_created = assert_status(buyer.client.get(f"{url}/{cid}"), 200)
    assert all(masked_created[k] is None for k in GATED)
    patched = assert_status(internal.client.patch(f"{url}/{cid}", {
        "title": "Superintendent", "is_district_contact": True}), 200)

    def log(t):
        return feed(t.client, PROSPECTS, contact_id=cid)[0]

    def get(t):
        return assert_status(t.client.get(f"{url}/{cid}"), 200)

    updated_changes = {"title": change(None, "Superintendent"),
                       "is_district_contact": change(None, True)}
    for t in (internal, buyer, onlooker):  # every org reads the catalogue's events
        events = log(t)
        assert [e["type"] for e in events] == ["contact.created", "contact.updated"]
        assert all(e["actor"] == {"type": "api_key", "id": internal.key["id"]} for e in events)
        assert events[0]["changes"] is None and events[1]["changes"] == updated_changes
        assert events[1]["data"] == get(t)
    assert log(internal)[0]["data"] == made  # the writer sees the gated fields
    assert log(buyer)[0]["data"] == masked_created  # the others see them masked
    assert log(internal)[1]["data"] == patched

    cursors = {t.org_id: feed(t.client, PROSPECTS)[1] for t in (internal, buyer, onlooker)}
    unlocked = assert_status(buyer.client.post(f"{url}/{cid}/unlock"), 200)
    assert {k: unlocked[k] for k in GATED} == gated
    assert unlocked == get(buyer)
    assert assert_status(buyer.client.post(f"{url}/{cid}/unlock"), 200) == unlocked  # free
    assert_status(internal.client.post(f"{url}/{cid}/unlock"), 200)  # records nothing
    assert_error(onlooker.client.post(f"{url}/{cid}/unlock"), 402, "insufficient_credits")
    new = {t.org_id: feed(t.client, PROSPECTS, after=cursors[t.org_id])[0]
           for t in (internal, buyer, onlooker)}
    assert new[internal.org_id] == [] and new[onlooker.org_id] == []
    [unlock] = new[buyer.org_id]
    assert unlock["type"] == "contact.unlocked" and unlock["contact_id"] == cid
    assert unlock["actor"] == {"type": "api_key", "id": buyer.key["id"]}
    assert unlock["changes"] is None and unlock["data"] == unlocked
    assert [e["type"] for e in history(buyer.client, PROSPECTS, cid)] == [
        "contact.unlocked", "contact.updated", "contact.created"]
    assert history(onlooker.client, PROSPECTS, cid) == log(onlooker)[::-1]
    assert all(e["data"][k] is None for e in log(onlooker) for k in GATED)
    assert feed(onlooker.client, PROSPECTS, type="contact.unlocked", contact_id=cid)[0] == []

    # Refused writes record nothing, in any org's feed.
    cursors = {t.org_id: feed(t.client, PROSPECTS)[1] for t in (internal, buyer)}
    assert_error(buyer.client.patch(f"{url}/{cid}", {"title": "X"}), 403, "forbidden")
    assert_error(internal.client.patch(f"{url}/{cid}", {"unlock_cost": 9}), 400)
    assert_error(internal.client.patch(f"{url}/{cid}", {"name": None}), 400)
    assert_error(internal.client.patch(f"{url}/{uuid.uuid4()}", {"title": "X"}), 404)
    assert_error(buyer.client.post(f"{url}/{uuid.uuid4()}/unlock"), 404)
    for t in (internal, buyer):
        assert feed(t.client, PROSPECTS, after=cursors[t.org_id])[0] == []
    assert_error(buyer.client.get(f"{PROSPECTS}/events", params={"type": "contact.archived"}),
                 400, "invalid_query")


# ---- voice: hidden delete, nested custom fields -------------------------------------------------

def test_voice_each_write_records_its_event_with_nested_custom_field_changes(voice, serve):
    plan = voice.define({"name": "plan"})
    score = voice.define({"name": "score", "type": "integer"})
    created = voice.create({"full_name": "Ada Lovelace", "tags": ["vip"],
                            "custom_fields": {"plan": "pro", "undefined": 1}})
    cid = created["id"]
    assert voice.get(cid) == created and created["custom_fields"] == {"plan": "pro"}
    patched = voice.patch(cid, {"first_name": "Augusta", "phone_number": "+1 555 0100",
                                "custom_fields": {"plan": None, "score": 3}})
    assert voice.get(cid) == patched
    # Nothing stored changes: an undefined custom field is dropped, "" is the email's null.
    assert voice.patch(cid, {"custom_fields": {"undefined": 2}, "email": ""}) == patched
    r = voice.client.delete(f"/contacts/{cid}/")
    assert r.status_code == 204 and r.content == b""
    assert_error(voice.client.get(f"/contacts/{cid}/"), 404, "not_found")

    events, _ = feed(voice.client)
    assert [e["type"] for e in events] == ["custom_field.created", "custom_field.created",
                                           "contact.created", "contact.updated",
                                           "contact.deleted"]
    assert [e["data"] for e in events[:2]] == [plan, score]
    assert all(e["contact_id"] is None and e["changes"] is None for e in events[:2])
    c, up, deleted = events[2:]
    assert c["changes"] is None and c["data"] == created
    assert up["changes"] == {
        "name": change("Ada Lovelace", "Augusta Lovelace"), "phone": change(None, "+1 555 0100"),
        "custom_fields": {"plan": change("pro", None), "score": change(None, 3)}}
    assert up["data"] == patched
    assert deleted["changes"] == {} and deleted["data"] == patched
    assert all(e["actor"] == {"type": "api_key", "id": voice.key["id"]} for e in events)
    assert_chain(events[2:], None, nested=("custom_fields",))
    assert history(voice.client, "", cid) == events[:1:-1]
    assert feed(voice.bearer, type="contact.deleted")[0] == [deleted]

    # Refused writes record nothing.
    live = voice.create({"full_name": "Grace Hopper"})["id"]
    _, cursor = feed(voice.client)
    assert_error(voice.client.patch(f"/contacts/{live}/", {"is_dnd": None}), 400,
                 "validation_failed", {"is_dnd": "not_nullable"})
    assert_error(voice.client.patch(f"/contacts/{live}/", {"custom_fields": {"score": "x"}}),
                 400)
    assert_error(voice.client.patch(f"/contacts/{live}/", "{"), 400, "invalid_json")
    assert_error(voice.client.patch(f"/contacts/{live}/", {"notes": "x"},
                                    headers={"If-Match": '"9"'}), 412)
    assert_error(voice.client.patch(f"/contacts/{cid}/", {"notes": "x"}), 404, "not_found")
    assert_error(voice.client.delete(f"/contacts/{cid}/"), 404, "not_found")
    assert_error(voice.client.post("/custom-fields/", {"name": "plan"}), 409, "duplicate")
    assert feed(voice.client, after=cursor)[0] == []

    other = VoiceTenant.make(serve("voice"))  # another company sees none of it
    assert feed(other.client)[0] == [] and feed(other.client, contact_id=cid)[0] == []
    assert_error(other.client.get(f"/contacts/{live}/history"), 404, "not_found")
    theirs = other.create({"full_name": "Theirs"})["id"]
    assert [e["contact_id"] for e in feed(other.client)[0]] == [theirs]
    assert feed(voice.client, after=cursor)[0] == []
