"""Lists and labels of the `gifting` model: `POST /lists` and `/labels` {"name"} -> 201
{"id", "name"}, `GET` -> {"data": [...]} in id order, `DELETE /lists/{id}` -> 204, which takes
the id out of every contact of the account that carried it. Ids are int32s, per account and
per collection, from 1, never reused; another account's ids do not exist. A contact's `lists`
and `labels` must hold existing ids only (a missing one is a 400 naming it), are stored once
each, and are replaced whole by a write. The contact list filters by `list_id` / `label_id`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from contactsd_harness import assert_error, assert_status
import test_gifting_common as gift
from test_gifting_common import VALID, assert_rejected, assert_unchanged

model_name, fresh, other = gift.model_name, gift.fresh, gift.other  # fixtures, used by name

COLLECTIONS = ["lists", "labels"]


# ---- creating and listing entries ----------------------------------------------------------------

@pytest.mark.parametrize("collection", COLLECTIONS)
def test_entries_get_ids_from_one_in_creation_order(fresh, collection):
    r = fresh.client.post(f"/{collection}", {"name": "VIP clients"})
    assert assert_status(r, 201) == {"id": 1, "name": "VIP clients"}
    assert fresh.add(collection, "Holiday 2026") == 2
    assert fresh.entries(collection) == [{"id": 1, "name": "VIP clients"},
                                         {"id": 2, "name": "Holiday 2026"}]
    # The other collection counts on its own.
    other_collection = "labels" if collection == "lists" else "lists"
    assert fresh.entries(other_collection) == []
    assert fresh.add(other_collection, "x") == 1


def test_names_are_trimmed_and_may_repeat(fresh):
    r = fresh.client.post("/lists", {"name": "  Summer \t"})
    assert assert_status(r, 201) == {"id": 1, "name": "Summer"}
    assert fresh.add("lists", "Summer") == 2
    assert fresh.add("lists", "Zoë 😀 " + "é" * 248) == 3  # 255 characters
    assert [e["name"] for e in fresh.entries("lists")] == ["Summer", "Summer",
                                                            "Zoë 😀 " + "é" * 248]


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize("body,fields", [
    ({}, {"name": "required"}),
    ({"name": None}, {"name": "required"}),
    ({"name": ""}, {"name": "required"}),
    ({"name": "  \t "}, {"name": "required"}),
    ({"name": 5}, {"name": "invalid_type"}),
    ({"name": ["a"]}, {"name": "invalid_type"}),
    ({"name": "é" * 256}, {"name": "too_long"}),
    ({"name": "ok", "color": "red"}, {"color": "unknown_field"}),
    ({"id": 9, "name": ""}, {"id": "unknown_field", "name": "required"}),
], ids=["missing", "null", "empty", "blank", "number", "array", "too-long", "unknown-key",
        "two-problems"])
def test_a_bad_entry_body_is_a_400_and_creates_nothing(fresh, collection, body, fields):
    fresh.add(collection, "kept")
    assert_rejected(fresh.client.post(f"/{collection}", body), fields)
    assert fresh.entries(collection) == [{"id": 1, "name": "kept"}]
    assert fresh.add(collection, "next") == 2  # no id was used up


@pytest.mark.parametrize("raw,error", [("", "invalid_json"), ("{", "invalid_json"),
                                       ("[]", "invalid_body"), ('"VIP"', "invalid_body")])
def test_a_body_that_is_not_an_object_is_refused(fresh, raw, error):
    assert_error(fresh.client.post("/lists", raw), 400, error)
    assert fresh.entries("lists") == []


def test_entries_need_credentials(server, fresh):
    fresh.add("lists", "mine")
    for client in (server.client(), server.client("Bearer sk_live_nope"),
                   server.client(f"Basic {fresh.key['key']}")):
        for method, path, body in (("POST", "/lists", {"name": "x"}), ("GET", "/labels", None),
                                   ("DELETE", "/lists/1", None)):
            r = client.request(method, path, body) if body else client.request(method, path)
            assert assert_error(r, 401, "unauthorized") == gift_unauthorized()
    assert fresh.entries("lists") == [{"id": 1, "name": "mine"}]


def gift_unauthorized():
    return {"error": "unauthorized", "message": "Missing or invalid credentials",
            "statusCode": 401}


def test_a_created_entry_is_at_its_location(fresh, other):
    r = fresh.client.post("/labels", {"name": "VIP"})
    created = assert_status(r, 201)
    assert r.headers["Location"] == f"/labels/{created['id']}"
    assert assert_status(fresh.client.get(r.headers["Location"]), 200) == created
    assert_error(other.client.get(r.headers["Location"]), 404, "not_found")  # not theirs


def test_unknown_routes_and_methods(fresh):
    assert_error(fresh.client.get("/lists/1"), 404, "not_found")  # no entry 1 yet
    assert_error(fresh.client.patch("/lists/1", {"name": "x"}), 405, "method_not_allowed")
    assert_error(fresh.client.delete("/lists"), 400, "invalid_id")
    assert_error(fresh.client.get("/tags"), 404, "not_found")


def test_an_account_holds_at_most_1000_entries_per_collection(fresh):
    # Created concurrently: the ids are still 1..1000, each given once.
    clients = [fresh.new_client() for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda i: fresh.add("lists", f"list {i}", clients[i % 8]),
                            range(1000)))
    assert sorted(ids) == list(range(1, 1001))
    body = assert_error(fresh.client.post("/lists", {"name": "one more"}), 409, "limit_reached")
    assert "1000" in body["message"]
    assert len(fresh.entries("lists")) == 1000
    assert fresh.add("labels", "labels count apart") == 1
    # A deleted entry frees its place, not its id.
    assert fresh.client.delete("/lists/500").status_code == 204
    assert fresh.add("lists", "in its place") == 1001


# ---- accounts ------------------------------------------------------------------------------------

def test_another_accounts_entries_do_not_exist(fresh, other):
    theirs = other.add("lists", "theirs")      # id 1 of the other account
    assert fresh.entries("lists") == []
    r = fresh.client.post("/contacts", {**VALID, "lists": [theirs]})
    body = assert_rejected(r, {"lists": "not_found"})
    assert body["details"][0]["message"] == f"no such id in lists: {theirs}"
    assert_error(fresh.client.delete(f"/lists/{theirs}"), 404, "not_found")
    assert other.entries("lists") == [{"id": theirs, "name": "theirs"}]
    # Each account counts from 1: the same id names each account's own entry.
    mine = fresh.add("lists", "mine")
    assert mine == theirs
    c = fresh.create({**VALID, "lists": [mine]})
    assert other.ids(list_id=theirs) == []
    assert fresh.ids(list_id=mine) == [c["id"]]


# ---- contacts carrying ids -----------------------------------------------------------------------

def test_ids_are_stored_once_each_in_the_order_sent(fresh):
    a, b, c = (fresh.add("lists", n) for n in "abc")
    x = fresh.add("labels", "x")
    made = fresh.create({**VALID, "lists": [c, a, c, b, a], "labels": [x, x]})
    assert (made["lists"], made["labels"]) == ([c, a, b], [x])
    assert fresh.get(made["id"]) == made


def test_an_array_replaces_the_previous_one(fresh):
    a, b, c = (fresh.add("lists", n) for n in "abc")
    made = fresh.create({**VALID, "lists": [a, b]})
    assert fresh.patch(made["id"], {"lists": [c]})["lists"] == [c]
    assert fresh.patch(made["id"], {"lists": []})["lists"] == []
    assert fresh.patch(made["id"], {"lists": [b, a]})["lists"] == [b, a]
    assert fresh.put(made["id"], {**VALID, "labels": []})["lists"] == []  # PUT clears


@pytest.mark.parametrize("field", ["lists", "labels"])
def test_a_missing_id_is_a_400_naming_the_field_and_the_ids(fresh, field):
    known = fresh.add(field, "known")
    before = fresh.create({**VALID, field: [known]})
    for sent, missing in (([known, 7], "7"), ([9, known, 8, 9], "9, 8"), ([0], "0"),
                          ([-1], "-1"), ([2**31], str(2**31)), ([2**40], str(2**40))):
        for method, body in (("patch", {field: sent}), ("put", {**VALID, field: sent})):
            r = getattr(fresh.client, method)(f"/contacts/{before['id']}", body)
            got = assert_rejected(r, {field: "not_found"})
            assert got["details"][0]["message"] == f"no such id in {field}: {missing}"
            assert_unchanged(fresh, before)
        assert_rejected(fresh.client.post("/contacts", {**VALID, field: sent}),
                        {field: "not_found"})
    assert fresh.ids() == [before["id"]]


@pytest.mark.direct  # JSON numbers as sent (prism re-serializes 100.0 as 100)
@pytest.mark.parametrize("field", ["lists", "labels"])
@pytest.mark.parametrize("bad", ["1", 1, [1.5], ["1"], [True], [None], [[1]], {"id": 1},
                                 [1e2], [2**63]], ids=str)
def test_ids_must_be_an_array_of_integers(fresh, field, bad):
    fresh.add(field, "one")
    before = fresh.create(VALID)
    r = fresh.client.patch(f"/contacts/{before['id']}", {field: bad})
    assert_rejected(r, {field: ("invalid_type", "out_of_range")})
    assert_unchanged(fresh, before)


def test_at_most_1000_ids_per_contact(fresh):
    lst = fresh.add("lists", "a")
    before = fresh.create(VALID)
    r = fresh.client.patch(f"/contacts/{before['id']}", {"lists": [lst] * 1001})
    assert_rejected(r, {"lists": "too_many_items"})
    assert_unchanged(fresh, before)
    assert fresh.patch(before["id"], {"lists": [lst] * 1000})["lists"] == [lst]


def test_a_missing_id_joins_the_other_violations(fresh):
    before = fresh.create(VALID)
    r = fresh.client.patch(f"/contacts/{before['id']}",
                           {"lists": [4], "labels": [5, 6], "gender": "x", "zip": None})
    body = assert_rejected(r, {"lists": "not_found", "labels": "not_found",
                               "gender": "invalid_value", "zip": "required"})
    assert {d["field"]: d["message"] for d in body["details"]}["labels"] == \
        "no such id in labels: 5, 6"
    assert_unchanged(fresh, before)


# ---- deleting entries ----------------------------------------------------------------------------

def test_deleting_an_entry_takes_its_id_out_of_every_contact(fresh, other):
    a, b = fresh.add("lists", "a"), fresh.add("lists", "b")
    lab = fresh.add("labels", "same id as list a")
    assert lab == a
    both = fresh.create({**VALID, "lists": [b, a], "labels": [lab]})
    only_a = fresh.create({**VALID, "lists": [a]})
    only_b = fresh.create({**VALID, "lists": [b]})
    theirs_list = other.add("lists", "theirs")
    theirs = other.create({**VALID, "lists": [theirs_list]})
    assert theirs_list == a

    r = fresh.client.delete(f"/lists/{a}")
    assert r.status_code == 204 and r.content == b""
    after_both = fresh.get(both["id"])
    assert after_both["lists"] == [b] and after_both["labels"] == [lab]  # labels untouched
    assert after_both["updated_at"] >= both["updated_at"]
    assert fresh.etag(both["id"]) != '"1"'  # a new version
    assert fresh.get(only_a["id"])["lists"] == []
    assert fresh.get(only_b["id"]) == only_b  # did not hold it: untouched
    assert fresh.entries("lists") == [{"id": b, "name": "b"}]
    assert fresh.ids(list_id=a) == []
    # The other account's list with the same id, and its contact, are untouched.
    assert other.entries("lists") == [{"id": theirs_list, "name": "theirs"}]
    assert_unchanged(other, theirs)
    # Gone: deleting again is a 404, using it is a 400, and its id is never given again.
    assert_error(fresh.client.delete(f"/lists/{a}"), 404, "not_found")
    assert_rejected(fresh.client.patch(f"/contacts/{only_b['id']}", {"lists": [a]}),
                    {"lists": "not_found"})
    assert fresh.add("lists", "c") == 3


def test_deleting_a_label_leaves_a_contact_that_still_satisfies_every_rule(fresh):
    lab = fresh.add("labels", "l")
    c = fresh.create({**VALID, "labels": [lab]})
    assert fresh.client.delete(f"/labels/{lab}").status_code == 204
    after = fresh.get(c["id"])
    assert after["labels"] == [] and gift.view(after) == gift.expected_view(VALID)
    assert fresh.patch(c["id"], {"title": "still writable"})["title"] == "still writable"


def test_a_deleted_contact_keeps_no_deleted_id(fresh):
    lst = fresh.add("lists", "l")
    c = fresh.create({**VALID, "lists": [lst]})
    assert fresh.client.delete(f"/contacts/{c['id']}").status_code == 204
    assert fresh.client.delete(f"/lists/{lst}").status_code == 204
    assert_error(fresh.client.get(f"/contacts/{c['id']}"), 404, "not_found")
    assert fresh.entries("lists") == []


# Ids GET and DELETE of an entry read alike: not a decimal integer (400), or no such entry.
MALFORMED_OR_UNKNOWN_IDS = [
    ("/lists/abc", 400, "invalid_id"), ("/lists/1.5", 400, "invalid_id"),
    ("/lists/+1", 400, "invalid_id"), ("/lists/1e3", 400, "invalid_id"),
    ("/lists/%201", 400, "invalid_id"), ("/lists/99", 404, "not_found"),
    ("/lists/0", 404, "not_found"), ("/lists/-1", 404, "not_found"),
    ("/lists/99999999999999999999999", 404, "not_found"), ("/labels/1", 404, "not_found"),
]


@pytest.mark.parametrize("path,status,error", MALFORMED_OR_UNKNOWN_IDS)
def test_deleting_a_malformed_or_unknown_id(fresh, path, status, error):
    fresh.add("lists", "kept")
    assert_error(fresh.client.delete(path), status, error)
    assert fresh.entries("lists") == [{"id": 1, "name": "kept"}]


@pytest.mark.parametrize("path,status,error", MALFORMED_OR_UNKNOWN_IDS)
def test_reading_a_malformed_or_unknown_id_answers_as_deleting_it(fresh, path, status, error):
    fresh.add("lists", "kept")
    assert_error(fresh.client.get(path), status, error)
    # The id is read as DELETE reads it: a decimal integer, leading zeros allowed.
    for spelling in ("1", "01"):
        entry = assert_status(fresh.client.get(f"/lists/{spelling}"), 200)
        assert entry == {"id": 1, "name": "kept"}


def test_concurrent_deletes_and_writes_leave_no_dangling_id(fresh):
    # Writers keep putting fresh list ids on contacts while the lists are deleted: every
    # write lands before the delete (and is cleaned) or is refused with a 400.
    ids = [fresh.add("lists", f"l{i}") for i in range(30)]
    contacts = [fresh.create(VALID)["id"] for _ in range(3)]

    writers = [fresh.new_client() for _ in range(30)]
    deleters = [fresh.new_client() for _ in range(30)]

    def write(i):
        r = writers[i].patch(f"/contacts/{contacts[i % 3]}", {"lists": [ids[i]]})
        assert r.status_code in (200, 400), r.text
        if r.status_code == 400:
            assert_rejected(r, {"lists": "not_found"})

    def delete(i):
        assert deleters[i].delete(f"/lists/{ids[i]}").status_code == 204

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(f, i) for i in range(30) for f in (write, delete)]
        for f in futures:
            f.result()
    assert fresh.entries("lists") == []
    for cid in contacts:
        assert fresh.get(cid)["lists"] == []


# ---- list filters --------------------------------------------------------------------------------

def test_the_contact_list_filters_by_list_id_and_label_id(fresh):
    l1, l2 = fresh.add("lists", "1"), fresh.add("lists", "2")
    vip = fresh.add("labels", "vip")
    a = fresh.create({**VALID, "lists": [l1], "labels": [vip]})["id"]
    b = fresh.create({**VALID, "lists": [l1, l2]})["id"]
    c = fresh.create({**VALID, "lists": [l2], "labels": [vip]})["id"]
    fresh.create(VALID)
    assert fresh.ids(list_id=l1) == [a, b]
    assert fresh.ids(list_id=l2) == [b, c]
    assert fresh.ids(label_id=vip) == [a, c]
    assert fresh.ids(list_id=l1, label_id=vip) == [a]
    assert fresh.ids(list_id=99) == []
    assert fresh.ids(list_id=l1, limit=1) == [a, b]  # pages through the filter
    page = fresh.page(list_id=l1, limit=1)
    assert [x["id"] for x in page["data"]] == [a] and page["next_cursor"]
    # A deleted contact leaves the filtered list too.
    assert fresh.client.delete(f"/contacts/{b}").status_code == 204
    assert fresh.ids(list_id=l1) == [a]


@pytest.mark.parametrize("params", [{"list_id": "abc"}, {"list_id": "1.5"}, {"label_id": ""},
                                    {"tag": "x"}, {"lists": "1"}])
def test_a_bad_filter_is_a_400(fresh, params):
    assert_error(fresh.client.get("/contacts", params=params), 400, "invalid_query")
