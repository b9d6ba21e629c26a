"""API-key authentication: `Bearer <key>` or the bare key; every failure is the same 401."""

import pytest

from contactsd_harness import (UNAUTHORIZED_BODY, assert_contact_response, assert_status,
                               is_timestamp, list_all)

# Bad Authorization values, each built from the tenant's real key (None: no header at all).
BAD_AUTH = [
    pytest.param(lambda k: None, id="missing"),
    pytest.param(lambda k: "", id="empty"),
    pytest.param(lambda k: "Bearer", id="scheme-only"),
    pytest.param(lambda k: "Bearer ", id="scheme-and-space"),
    pytest.param(lambda k: "Basic dXNlcjpwYXNz", id="basic"),
    pytest.param(lambda k: f"Token {k['key']}", id="other-scheme"),
    pytest.param(lambda k: f"Bearer {k['key']} extra", id="trailing-token"),
    pytest.param(lambda k: "Bearer sk_live_" + "x" * 40, id="unknown-key"),
    pytest.param(lambda k: "Bearer " + k["key"][:-1] + ("A" if k["key"][-1] != "A" else "B"),
                 id="last-char-changed"),
    pytest.param(lambda k: f"Bearer {k['key']}x", id="one-char-longer"),
    pytest.param(lambda k: f"Bearer {k['key'][:-1]}", id="one-char-shorter"),
    pytest.param(lambda k: "Bearer sk_test_" + k["key"][len("sk_live_"):], id="test-prefix"),
    pytest.param(lambda k: f"Bearer {k['prefix']}", id="prefix-only"),
    pytest.param(lambda k: f"Bearer {k['id']}", id="key-id"),
    pytest.param(lambda k: f"Bearer {k['org_id']}", id="org-id"),
    pytest.param(lambda k: k["key"][len("sk_live_"):], id="bare-without-sk-live"),
]

# Every protected route, as (method, path template, body).
PROTECTED = [
    ("GET", "/v1/contacts", None),
    ("POST", "/v1/contacts", {"first_name": "Mallory"}),
    ("GET", "/v1/contacts/{id}", None),
    ("PATCH", "/v1/contacts/{id}", {"first_name": "Mallory"}),
    ("DELETE", "/v1/contacts/{id}", None),
    ("POST", "/v1/contacts/{id}/restore", None),
    ("GET", "/v1/custom-fields", None),
    ("POST", "/v1/custom-fields", {"name": "evil", "type": "string"}),
    ("GET", "/v1/contacts/not-a-uuid", None),  # auth comes before id validation
]


def _call(client, method, path, body):
    return client.request(method, path, **({} if body is None else {"body": body}))


def _assert_unauthorized(r):
    assert_status(r, 401)
    assert r.json() == UNAUTHORIZED_BODY


@pytest.mark.parametrize("make_auth", BAD_AUTH)
def test_bad_credentials_get_the_one_401_on_every_route(server, tenant, make_auth):
    contact = tenant.create_contact({"first_name": "Ada"})
    client = server.client(make_auth(tenant.key))
    bodies = set()
    for method, path, body in PROTECTED:
        r = _call(client, method, path.format(id=contact["id"]), body)
        _assert_unauthorized(r)
        bodies.add(r.content)
    assert len(bodies) == 1, bodies
    # nothing was read, written or created
    assert tenant.get_contact(contact["id"]) == contact
    assert [c["id"] for c in list_all(tenant.client)] == [contact["id"]]
    assert assert_status(tenant.client.get("/v1/custom-fields"), 200) == {"data": []}


def test_all_401_bodies_are_byte_identical(server, tenant):
    key2 = server.key(tenant.org_id)
    server.cli("key", "revoke", key2["id"])
    bodies = set()
    for p in BAD_AUTH:
        bodies.add(server.client(p.values[0](tenant.key)).get("/v1/contacts").content)
    bodies.add(server.client(f"Bearer {key2['key']}").get("/v1/contacts").content)  # revoked
    bodies.add(server.client(key2["key"]).get("/v1/contacts").content)  # revoked, bare
    assert len(bodies) == 1, bodies


@pytest.mark.parametrize("auth", [
    pytest.param(lambda key: f"Bearer {key}", id="bearer"),
    pytest.param(lambda key: key, id="bare"),
])
def test_bearer_and_bare_key_are_both_accepted(server, tenant, auth):
    client = server.client(auth(tenant.secret))
    created = assert_contact_response(client.post("/v1/contacts", {"first_name": "Ada"}), 201)
    assert assert_contact_response(client.get(f"/v1/contacts/{created['id']}")) == created
    # the same tenant, whichever form is used
    assert tenant.get_contact(created["id"]) == created


def test_every_key_of_an_org_sees_the_same_contacts(server, tenant):
    created = tenant.create_contact({"first_name": "Ada"})
    key2 = server.key(tenant.org_id, name="second")
    client2 = server.client(f"Bearer {key2['key']}")
    assert [c["id"] for c in list_all(client2)] == [created["id"]]


def test_revoking_a_key_takes_effect_at_once_on_the_running_server(server, tenant):
    key2 = server.key(tenant.org_id, name="to-revoke")
    client2 = server.client(f"Bearer {key2['key']}")
    created = assert_contact_response(client2.post("/v1/contacts", {"first_name": "Ada"}), 201)

    revoked = server.cli("key", "revoke", key2["id"])
    assert revoked["id"] == key2["id"] and is_timestamp(revoked["revoked_at"])

    _assert_unauthorized(client2.get("/v1/contacts"))
    _assert_unauthorized(client2.get(f"/v1/contacts/{created['id']}"))
    _assert_unauthorized(client2.patch(f"/v1/contacts/{created['id']}", {"first_name": "X"}))
    _assert_unauthorized(server.client(key2["key"]).get("/v1/contacts"))  # bare form too
    # the org's other key still works and sees the contact, unchanged
    assert tenant.get_contact(created["id"]) == created


def test_the_secret_is_not_accepted_in_the_query_string(server, tenant):
    r = server.client().get("/v1/contacts", params={"api_key": tenant.secret})
    _assert_unauthorized(r)
