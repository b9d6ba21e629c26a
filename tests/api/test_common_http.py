"""The HTTP layer every model shares: health, request ids, content type, routing (404/405,
trailing slash), body shapes and the request limits (413, 431)."""

import socket
import uuid

import pytest

from contactsd_harness import (ResponseReader, assert_contact_response, assert_error,
                               assert_status, list_all)

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
MIB = 1024 * 1024


# ---- health ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
def test_healthz_needs_no_auth(server, path):
    r = server.client().get(path)
    assert assert_status(r, 200) == {"status": "ok"}


# ---- request ids and content type on every kind of response -----------------------------------

# (method, path, body, authorized, expected status)
RESPONSE_KINDS = [
    pytest.param("GET", "/healthz", None, False, 200, id="healthz"),
    pytest.param("GET", "/v1/contacts", None, True, 200, id="list"),
    pytest.param("POST", "/v1/contacts", {}, True, 201, id="create"),
    pytest.param("GET", "/v1/contacts", None, False, 401, id="unauthorized"),
    pytest.param("GET", "/v1/no-such-route", None, True, 404, id="unknown-route"),
    pytest.param("GET", f"/v1/contacts/{UNKNOWN_ID}", None, True, 404, id="unknown-id"),
    pytest.param("POST", f"/v1/contacts/{UNKNOWN_ID}", {}, True, 405, id="wrong-method"),
    pytest.param("POST", "/v1/contacts", "{", True, 400, id="invalid-json"),
    pytest.param("GET", "/v1/contacts/not-a-uuid", None, True, 400, id="invalid-id"),
]


@pytest.mark.parametrize("method,path,body,authorized,status", RESPONSE_KINDS)
def test_every_response_is_json_and_echoes_the_request_id(server, tenant, method, path, body,
                                                          authorized, status):
    client = tenant.client if authorized else server.client()
    kw = {} if body is None else {"body": body}
    r = client.request(method, path, **kw)
    assert_status(r, status)  # checks Content-Type: application/json and X-Request-Id
    rid = f"req-{uuid.uuid4().hex[:12]}_A.1"
    r = client.request(method, path, headers={"X-Request-Id": rid}, **kw)
    assert_status(r, status)
    assert r.headers["X-Request-Id"] == rid


def test_generated_request_ids_are_unique(server):
    c = server.client()
    ids = {c.get("/healthz").headers.get("X-Request-Id") for _ in range(20)}
    assert None not in ids and "" not in ids
    assert len(ids) == 20


@pytest.mark.parametrize("rid", [
    pytest.param("a" * 1000, id="too-long"),
    pytest.param('a b "<script>"', id="spaces-and-markup"),
])
def test_insane_client_request_id_is_replaced(server, rid):
    # "echoes a sane client-sent X-Request-Id": a huge or markup-laden one is not sane.
    r = server.client().get("/healthz", headers={"X-Request-Id": rid})
    assert_status(r, 200)
    assert r.headers["X-Request-Id"] and r.headers["X-Request-Id"] != rid


# ---- routing ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/nope", "/v1", "/v1/nope", "/v2/contacts", f"/v1/contacts/{UNKNOWN_ID}/nope",
    "/v1/contacts/a/b/c",
])
def test_unknown_route_is_a_json_404(tenant, path):
    assert_error(tenant.client.get(path), 404)


# (method, path, methods that Allow must list)
WRONG_METHODS = [
    ("POST", "/v1/contacts/{id}", {"GET", "PUT", "PATCH", "DELETE"}),
    ("GET", "/v1/contacts/{id}/restore", {"POST"}),
    ("DELETE", "/v1/custom-fields", {"GET", "POST"}),
    ("POST", "/healthz", {"GET"}),
]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_a_write_without_an_id_is_a_400_naming_it(tenant, method):
    r = tenant.client.request(method, "/v1/contacts", **({"body": {}} if method == "PATCH" else {}))
    body = assert_error(r, 400, "invalid_id")
    assert "missing" in body["message"]


@pytest.mark.direct  # a GET with a body, which prism will not forward
@pytest.mark.parametrize("method,path,allowed", WRONG_METHODS,
                         ids=[f"{m} {p}" for m, p, _ in WRONG_METHODS])
def test_wrong_method_is_a_json_405_with_allow(tenant, method, path, allowed):
    contact = tenant.create_contact({"first_name": "Ada"})
    r = tenant.client.request(method, path.format(id=contact["id"]), body={})
    assert_error(r, 405)
    allow = {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    assert allowed <= allow, f"Allow {r.headers.get('Allow')!r} lacks {allowed - allow}"
    assert method not in allow
    # and nothing happened to the contact
    assert tenant.get_contact(contact["id"]) == contact


def test_trailing_slash_is_accepted_everywhere(tenant):
    c = tenant.client
    created = assert_contact_response(c.post("/v1/contacts/", {"first_name": "Ada"}), 201)
    cid = created["id"]
    assert assert_contact_response(c.get(f"/v1/contacts/{cid}/")) == created
    page = assert_status(c.get("/v1/contacts/"), 200)
    assert [x["id"] for x in page["data"]] == [cid]
    patched = assert_contact_response(c.patch(f"/v1/contacts/{cid}/", {"last_name": "L"}))
    assert patched["last_name"] == "L" and patched["version"] == 2
    archived = assert_contact_response(c.delete(f"/v1/contacts/{cid}/"))
    assert archived["archived_at"] is not None
    restored = assert_contact_response(c.post(f"/v1/contacts/{cid}/restore/"))
    assert restored["archived_at"] is None and restored["version"] == 4
    assert_status(c.post("/v1/custom-fields/", {"name": "tier", "type": "string"}), 201)
    assert [f["name"] for f in assert_status(c.get("/v1/custom-fields/"), 200)["data"]] == ["tier"]


# ---- body shapes -----------------------------------------------------------------------------

MALFORMED_JSON = [
    pytest.param("{", id="truncated"),
    pytest.param('{"first_name": }', id="missing-value"),
    pytest.param('{"first_name": "a",}', id="trailing-comma"),
    pytest.param("{'first_name': 'a'}", id="single-quotes"),
    pytest.param('{"first_name": "a"} x', id="trailing-garbage"),
    pytest.param('{"first_name": "a"}{}', id="two-documents"),
    pytest.param(b'{"first_name": "\xff\xfe"}', id="invalid-utf8"),
    pytest.param('{"first_name": "\\ud800"}', id="lone-surrogate-escape"),
    pytest.param("[" * 100000 + "]" * 100000, id="deeply-nested"),
]
NOT_AN_OBJECT = [
    pytest.param("[]", id="array"),
    pytest.param('[{"first_name": "a"}]', id="array-of-object"),
    pytest.param('"first_name"', id="string"),
    pytest.param("42", id="number"),
    pytest.param("true", id="bool"),
    pytest.param("null", id="null"),
]


@pytest.mark.parametrize("body", MALFORMED_JSON)
def test_malformed_json_is_400_and_writes_nothing(tenant, body):
    r = tenant.client.post("/v1/contacts", body)
    if isinstance(body, str) and body.startswith("[["):
        # nesting beyond the parser's depth limit; any 400 is fine, never a 500
        codes = {"invalid_json", "invalid_body"}
    elif "ud800" in str(body):
        # a lone surrogate escape is not valid Unicode: either malformed or a bad field value
        codes = {"invalid_json", "validation_failed"}
    else:
        codes = {"invalid_json"}
    assert_error(r, 400, codes)
    assert list_all(tenant.client) == []
    before = tenant.create_contact({"first_name": "Ada", "email": "ada@example.com"})
    assert_error(tenant.client.patch(f"/v1/contacts/{before['id']}", body), 400, codes)
    assert tenant.get_contact(before["id"]) == before


@pytest.mark.parametrize("body", NOT_AN_OBJECT)
def test_a_non_object_body_is_400_invalid_body(tenant, body):
    assert_error(tenant.client.post("/v1/contacts", body), 400, "invalid_body")
    assert list_all(tenant.client) == []
    before = tenant.create_contact({"first_name": "Ada"})
    assert_error(tenant.client.patch(f"/v1/contacts/{before['id']}", body), 400, "invalid_body")
    assert tenant.get_contact(before["id"]) == before


def test_an_empty_body_is_400(tenant):
    # an empty body is not a JSON document
    assert_error(tenant.client.post("/v1/contacts", ""), 400, {"invalid_json", "invalid_body"})
    assert list_all(tenant.client) == []
    before = tenant.create_contact({"first_name": "Ada"})
    r = tenant.client.patch(f"/v1/contacts/{before['id']}", "")
    assert_error(r, 400, {"invalid_json", "invalid_body"})
    assert tenant.get_contact(before["id"]) == before


# ---- limits ----------------------------------------------------------------------------------

def _post_head(tenant, length=None, chunked=False, extra=""):
    head = ("POST /v1/contacts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {tenant.secret}\r\nContent-Type: application/json\r\n")
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {length}\r\n"
    return (head + extra + "\r\n").encode()


def _raw_json(raw, status):
    assert raw.status == status, (raw.status, raw.body[:300])
    assert raw.headers.get("x-request-id"), raw.headers
    assert raw.headers.get("content-type", "").split(";")[0].strip() == "application/json", \
        raw.headers
    body = raw.json()
    assert body.get("statusCode") == status and isinstance(body.get("error"), str) \
        and isinstance(body.get("message"), str), body
    return body


def _notes_body(total_size: int) -> bytes:
    prefix, suffix = b'{"notes": "', b'"}'
    return prefix + b"n" * (total_size - len(prefix) - len(suffix)) + suffix


def test_body_over_1_mib_is_413(server, tenant):
    body = _notes_body(MIB + 1)
    _raw_json(server.raw(_post_head(tenant, len(body)), body), 413)
    assert list_all(tenant.client) == []


def test_chunked_body_over_1_mib_is_413(server, tenant):
    body = _notes_body(2 * MIB)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 65536]), body[i:i + 65536])
                      for i in range(0, len(body), 65536)) + b"0\r\n\r\n"
    _raw_json(server.raw(_post_head(tenant, chunked=True), chunks), 413)
    assert list_all(tenant.client) == []


def test_body_of_exactly_1_mib_is_read_and_validated(tenant):
    # at the limit the body is accepted by the transport; the model then rejects the notes
    body = _notes_body(MIB)
    assert len(body) == MIB
    r = tenant.client.post("/v1/contacts", body)
    assert_error(r, 400, "validation_failed", {"notes": "too_long"})


def test_headers_over_16_kib_are_431(server, tenant):
    head = _post_head(tenant, 2, extra=f"X-Big: {'a' * (17 * 1024)}\r\n")
    _raw_json(server.raw(head, b"{}"), 431)
    many = "".join(f"X-Pad-{i}: {'b' * 500}\r\n" for i in range(40))  # 20 KiB in 40 headers
    _raw_json(server.raw(_post_head(tenant, 2, extra=many), b"{}"), 431)
    assert list_all(tenant.client) == []


def test_headers_under_the_limit_are_fine(tenant):
    r = tenant.client.get("/v1/contacts", headers={"X-Big": "a" * (8 * 1024)})
    assert assert_status(r, 200) == {"data": [], "next_cursor": None}


def test_keep_alive_serves_several_requests_on_one_connection(server, tenant):
    # the same requests.Session reuses its connection; a 4xx must not poison it
    c = tenant.client
    assert_status(c.get("/v1/contacts"), 200)
    assert_error(c.post("/v1/contacts", "{"), 400, "invalid_json")
    assert_contact_response(c.post("/v1/contacts", {"first_name": "x"}), 201)
    assert len(assert_status(c.get("/v1/contacts"), 200)["data"]) == 1


SMUGGLING = [
    pytest.param("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                 id="content-length-and-chunked"),
    pytest.param("Content-Length: 2\r\nContent-Length: 3\r\n\r\n{} ", id="two-content-lengths"),
    pytest.param("Content-Length: -1\r\n\r\n{}", id="negative-content-length"),
    pytest.param("Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", id="bad-chunk-size"),
]


@pytest.mark.parametrize("framing", SMUGGLING)
def test_ambiguous_or_broken_framing_is_a_json_400(server, tenant, framing):
    head = (f"POST /v1/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.secret}\r\n"
            + framing)
    _raw_json(server.raw(head.encode()), 400)
    assert list_all(tenant.client) == []


def test_server_survives_garbage_on_the_socket(server):
    try:
        raw = server.raw(b"THIS IS NOT HTTP\r\n\r\n")
        assert 400 <= raw.status < 500, raw  # answering is optional, a 4xx if it does
    except ConnectionError:
        pass  # closing the connection is fine too
    r = server.client().get("/healthz")
    assert assert_status(r, 200) == {"status": "ok"}


def test_pipelined_requests_are_answered_in_order(server, tenant):
    created = tenant.create_contact({"first_name": "Pipe"})
    auth = f"Authorization: Bearer {tenant.secret}\r\n"
    reqs = (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n\r\n"
            + f"GET /v1/contacts/{created['id']} HTTP/1.1\r\nHost: x\r\n{auth}"
              f"X-Request-Id: two\r\n\r\n".encode()
            + b"GET /v1/nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: three\r\n"
            + auth.encode() + b"\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(reqs)
        reader = ResponseReader(sock)
        answers = [reader.read() for _ in range(3)]
    assert [(a.status, a.headers.get("x-request-id")) for a in answers] == \
        [(200, "one"), (200, "two"), (404, "three")]
    assert answers[1].json() == created


def test_many_idle_connections_do_not_block_the_server(server):
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(64)]
    try:
        r = server.client().get("/healthz")
        assert assert_status(r, 200) == {"status": "ok"}
    finally:
        for s in idle:
            s.close()
    assert assert_status(server.client().get("/healthz"), 200) == {"status": "ok"}


def test_a_small_chunked_body_is_read(server, tenant):
    body = b'{"first_name": "Chunky", "tags": ["a"]}'
    chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, body[:10], len(body) - 10, body[10:])
    raw = server.raw(_post_head(tenant, chunked=True), chunks)
    assert raw.status == 201, (raw.status, raw.body[:300])
    created = raw.json()
    assert created["first_name"] == "Chunky" and created["tags"] == ["a"]
    assert tenant.get_contact(created["id"]) == created
