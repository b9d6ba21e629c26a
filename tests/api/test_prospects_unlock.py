"""Unlocks of the `prospects` catalogue (issue 6): contact details masked until an org unlocks
the contact, `POST /api/v1/contacts/{contactId}/unlock` spending the contact's cost once from
the org's credits (a second unlock is free, too few credits are a 402 that spends nothing),
internal orgs seeing everything for free, `_access` per calling org, concurrent unlocks
spending once (many threads; two servers on one database). Every balance is read with
`contactsd org show`, as an operator would."""


from contactsd_harness import Client, assert_error, run_together
import test_prospects_common as p
from test_prospects_common import BASE, FULL, FULL_VIEW, GATED, create, credits, district, get, \
    list_all, prospect, unlock, view

model_name, internal, make_customer = p.model_name, p.internal, p.make_customer  # fixtures

LOCKED = {"is_unlocked": False, "is_unlocking": False, "unlocked_at": None, "credits_spent": 0}


def masked(c: dict) -> dict:
    """FULL_VIEW-like view `c` with its gated fields as a locked org sees them."""
    return {**c, **{k: None for k in GATED}}


def test_contact_details_are_null_until_the_org_unlocks_them(server, internal, make_customer):
    d = district()
    c = create(internal, {**FULL, "district_id": d})
    customer = make_customer(credits=10)

    before = get(customer, c["id"])
    assert view(before) == masked(view(c))
    assert before["_access"] == {**LOCKED, "unlock_cost": 3}
    [listed] = list_all(customer, district_id=d)
    assert listed == before

    opened = unlock(customer, c["id"])
    assert view(opened) == view(c)  # email, phone and linkedin_url shown
    assert opened["_access"]["is_unlocked"] is True
    assert opened["_access"]["is_unlocking"] is False
    assert opened["_access"]["credits_spent"] == 3
    assert opened["_access"]["unlock_cost"] == 3
    assert opened["_access"]["unlocked_at"] >= c["created_at"]
    assert {k: opened[k] for k in ("id", "last_updated_at", "created_at")} == \
        {k: c[k] for k in ("id", "last_updated_at", "created_at")}
    assert credits(server, customer) == 7

    # From now on, for this org only.
    assert get(customer, c["id"]) == opened
    assert list_all(customer, district_id=d) == [opened]
    other = make_customer(credits=10)
    assert get(other, c["id"]) == before
    assert credits(server, other) == 10


def test_a_second_unlock_is_free(server, internal, make_customer):
    c = create(internal, FULL)
    customer = make_customer(credits=5)
    first = unlock(customer, c["id"])
    assert credits(server, customer) == 2
    second = unlock(customer, c["id"])
    assert second == first  # the same unlock: same time, same price
    assert credits(server, customer) == 2


def test_too_few_credits_is_a_402_that_spends_nothing(server, internal, make_customer):
    dear = create(internal, {**FULL, "unlock_cost": 3})
    cheap = create(internal, {**FULL, "unlock_cost": 2})
    customer = make_customer(credits=2)
    r = customer.client.post(f"{BASE}/{dear['id']}/unlock")
    e = assert_error(r, 402, "insufficient_credits")
    assert set(e) == {"error", "message", "statusCode"}
    assert "costs 3" in e["message"] and "balance is 2" in e["message"]
    assert credits(server, customer) == 2
    assert get(customer, dear["id"])["_access"] == {**LOCKED, "unlock_cost": 3}
    assert get(customer, dear["id"])["email"] is None

    # Exactly enough is enough; then nothing is left.
    assert unlock(customer, cheap["id"])["_access"]["credits_spent"] == 2
    assert credits(server, customer) == 0
    assert_error(customer.client.post(f"{BASE}/{dear['id']}/unlock"), 402, "insufficient_credits")
    assert credits(server, customer) == 0
    # What it did unlock stays unlocked, for free.
    assert unlock(customer, cheap["id"])["email"] == FULL["email"]


def test_a_contact_that_costs_nothing_is_unlocked_with_no_credits(server, internal, make_customer):
    c = create(internal, {**FULL, "unlock_cost": 0})
    customer = make_customer(credits=0)
    assert get(customer, c["id"])["email"] is None
    opened = unlock(customer, c["id"])
    assert opened["email"] == FULL["email"]
    assert opened["_access"]["is_unlocked"] is True
    assert opened["_access"]["credits_spent"] == 0
    assert credits(server, customer) == 0


def test_internal_orgs_see_everything_without_unlocking(server, make_tenant, make_customer):
    rich_internal = make_tenant(plan="internal", credits=10)
    c = create(rich_internal, FULL)
    seen = get(rich_internal, c["id"])
    assert view(seen) == FULL_VIEW
    assert seen["_access"] == {"is_unlocked": True, "is_unlocking": False, "unlocked_at": None,
                               "credits_spent": 0, "unlock_cost": 3}
    # Its unlock answers the same contact and spends nothing.
    assert unlock(rich_internal, c["id"]) == seen
    assert credits(server, rich_internal) == 10
    # And another internal org sees the same.
    assert get(make_tenant(plan="internal"), c["id"]) == seen


def test_updates_cost_nothing_and_keep_every_orgs_unlocks(server, make_tenant, make_customer):
    rich_internal = make_tenant(plan="internal", credits=10)
    c = create(rich_internal, FULL)
    customer = make_customer(credits=4)
    opened = unlock(customer, c["id"])
    assert credits(server, customer) == 1

    prospect(rich_internal.client.patch(f"{BASE}/{c['id']}", {"title": "Chief"}))
    assert credits(server, rich_internal) == 10
    assert credits(server, customer) == 1
    after = get(customer, c["id"])
    assert after["title"] == "Chief"
    assert after["email"] == FULL["email"]
    assert after["_access"] == opened["_access"]


def test_the_list_shows_each_contacts_access_for_the_caller(internal, make_customer):
    d = district()
    made = [create(internal, {**FULL, "district_id": d, "unlock_cost": k}) for k in (1, 2, 3)]
    customer = make_customer(credits=10)
    unlock(customer, made[1]["id"])
    listed = list_all(customer, district_id=d, limit=2)
    assert [c["id"] for c in listed] == [m["id"] for m in made]
    assert [c["_access"]["is_unlocked"] for c in listed] == [False, True, False]
    assert [c["_access"]["unlock_cost"] for c in listed] == [1, 2, 3]
    assert [c["_access"]["credits_spent"] for c in listed] == [0, 2, 0]
    assert [c["email"] for c in listed] == [None, FULL["email"], None]
    assert [c["phone"] for c in listed] == [None, FULL["phone"], None]
    assert [c["linkedin_url"] for c in listed] == [None, FULL["linkedin_url"], None]


def test_the_unlock_body_is_ignored(server, internal, make_customer):
    c = create(internal, FULL)
    customer = make_customer(credits=3)
    r = customer.client.post(f"{BASE}/{c['id']}/unlock", "not json at all")
    assert prospect(r)["_access"]["credits_spent"] == 3
    assert credits(server, customer) == 0


def test_concurrent_unlocks_of_one_contact_spend_once(server, internal, make_customer):
    c = create(internal, FULL)
    customer = make_customer(credits=10)
    n = 16
    bodies = [None] * n

    def worker(i, barrier):
        client = Client(server.base_url, f"Bearer {customer.secret}")
        barrier.wait()
        bodies[i] = prospect(client.post(f"{BASE}/{c['id']}/unlock"))
        client.close()

    run_together(n, worker)
    assert all(b == bodies[0] for b in bodies), "every unlock answers the one unlock"
    assert bodies[0]["_access"]["credits_spent"] == 3
    assert credits(server, customer) == 7


def test_racing_unlocks_of_two_contacts_with_credits_for_one(server, internal, make_customer):
    for _ in range(4):
        a, b = create(internal, FULL), create(internal, FULL)
        customer = make_customer(credits=3)
        statuses = [None, None]

        def worker(i, barrier):
            client = Client(server.base_url, f"Bearer {customer.secret}")
            barrier.wait()
            statuses[i] = client.post(f"{BASE}/{(a, b)[i]['id']}/unlock").status_code
            client.close()

        run_together(2, worker)
        assert sorted(statuses) == [200, 402]
        assert credits(server, customer) == 0
        opened = [get(customer, x["id"])["_access"]["is_unlocked"] for x in (a, b)]
        assert opened == [s == 200 for s in statuses]


def test_unlocks_racing_through_two_servers_on_one_database_spend_once(make_server):
    first = make_server(model="prospects", name="first")
    second = make_server(model="prospects", name="second", db_path=first.db_path)
    ops = first.tenant(plan="internal")
    c = create(ops, FULL)
    customer = first.tenant(plan="free", credits=10)
    n = 12
    bodies = [None] * n

    def worker(i, barrier):
        client = Client((first, second)[i % 2].base_url, f"Bearer {customer.secret}")
        barrier.wait()
        bodies[i] = prospect(client.post(f"{BASE}/{c['id']}/unlock"))
        client.close()

    run_together(n, worker)
    assert all(b == bodies[0] for b in bodies)
    assert credits(second, customer) == 7


def test_an_unlock_with_an_idempotency_key_replays_and_spends_once(server, internal,
                                                                   make_customer):
    """The answer of a paid unlock commits with it; a repeat replays it, byte for byte, and
    spends nothing. The key with another contact is a 422. An unlock that spends nothing
    (unlocked before) stores no answer."""
    c = create(internal, FULL)
    other = create(internal, FULL)
    customer = make_customer(credits=10)
    key = {"Idempotency-Key": "unlock-1"}
    first = customer.client.post(f"{BASE}/{c['id']}/unlock", headers=key)
    opened = prospect(first)
    assert opened["_access"]["credits_spent"] == 3
    again = customer.client.post(f"{BASE}/{c['id']}/unlock", headers=key)
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert credits(server, customer) == 7
    assert_error(customer.client.post(f"{BASE}/{other['id']}/unlock", headers=key), 422,
                 "idempotency_key_reused")
    assert credits(server, customer) == 7
    free = customer.client.post(f"{BASE}/{c['id']}/unlock", headers={"Idempotency-Key": "u-2"})
    assert prospect(free) == opened and "Idempotent-Replayed" not in free.headers
    # Too few credits: a 402 that stores nothing, so the same key works once credits came.
    poor = make_customer(credits=1)
    assert_error(poor.client.post(f"{BASE}/{c['id']}/unlock", headers=key), 402)
    assert credits(server, poor) == 1
