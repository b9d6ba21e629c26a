"""The webhook receiver (webhook_receiver.py + tests/webhook_receiver/receiver.js) checked on its
own, without contactsd: the webhook tests trust its verdicts, so it must accept a signature
made by the spec's rules, refuse a tampered one, and answer as told.

Signatures here come from a Python transcription of the spec (sign() below), itself checked
against the `standardwebhooks` library's own Webhook.sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import threading
import time
import uuid

import pytest
import requests

from webhook_receiver import RECEIVER_DIR, WebhookReceiver, make_test_ca

SECRET_A = "whsec_" + base64.b64encode(b"a" * 24).decode()
SECRET_B = "whsec_" + base64.b64encode(os.urandom(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """Standard Webhooks v1: base64(HMAC-SHA256(base64-decoded secret, "id.timestamp.body"))."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signed_headers(secret: str, body: str, *, msg_id: str | None = None,
                   timestamp: int | None = None, signature: str | None = None) -> dict:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature or sign(secret, msg_id, timestamp, body),
            "content-type": "application/json", "user-agent": "selftest/1"}


def body_of(size: int) -> str:
    """A JSON event of exactly `size` UTF-8 bytes, with non-ASCII text (the signature covers
    bytes, not characters)."""
    def event(note: str) -> str:
        return json.dumps({"type": "contact.created", "data": {"note": note}},
                          ensure_ascii=False)
    filler = size - len(event("é").encode())
    assert filler >= 0, size
    return event("é" + "x" * filler)


@pytest.fixture(scope="module")
def hooks():
    with WebhookReceiver() as r:
        yield r


@pytest.fixture(autouse=True)
def _fresh(hooks):
    hooks.reset()
    hooks.behave(200)
    hooks.set_secrets([SECRET_A, SECRET_B])


def post(url: str, body: str, headers: dict, **kw) -> requests.Response:
    s = requests.Session()
    s.trust_env = False
    try:
        return s.post(url, data=body.encode(), headers=headers, timeout=10, **kw)
    finally:
        s.close()


def test_python_signer_matches_the_library():
    """sign() above is the spec as the library reads it (Webhook.sign, run in node)."""
    body = body_of(300)
    script = ("const {Webhook} = require('standardwebhooks');"
              "const [s, id, ts, body] = process.argv.slice(1);"
              "process.stdout.write(new Webhook(s).sign(id, new Date(ts * 1000), body));")
    out = subprocess.run(["node", "-e", script, SECRET_B, "msg_1", "1700000000", body],
                         cwd=RECEIVER_DIR, capture_output=True, text=True, check=True,
                         timeout=30).stdout
    assert out == sign(SECRET_B, "msg_1", 1700000000, body)


def test_signed_delivery_is_verified_with_that_secret(hooks):
    body = body_of(2048)
    headers = signed_headers(SECRET_B, body)
    r = post(hooks.url("/hook"), body, headers)
    assert (r.status_code, r.text) == (200, "ok")
    [d] = hooks.wait_for(lambda got: len(got) == 1)
    assert d["path"] == "/hook" and d["method"] == "POST"
    assert d["headers"] == headers
    assert d["body"] == body and d["json"] == json.loads(body)
    assert d["verified_with"] == [1]
    assert d["verify_errors"][0] == "No matching signature found"
    assert d["answered"] == 200 and d["aborted"] is False


def test_tampered_body_is_not_verified(hooks):
    body = body_of(500)
    headers = signed_headers(SECRET_A, body)
    post(hooks.url(), body.replace("contact.created", "contact.deleted"), headers)
    [d] = hooks.wait_for(lambda got: len(got) == 1)
    assert d["verified_with"] == []
    assert d["json"]["type"] == "contact.deleted"


def test_one_good_signature_among_several_is_enough(hooks):
    body = body_of(200)
    good = signed_headers(SECRET_A, body)
    stale_key = "whsec_" + base64.b64encode(b"old" * 8).decode()
    good["webhook-signature"] = " ".join([
        sign(stale_key, good["webhook-id"], int(good["webhook-timestamp"]), body),
        good["webhook-signature"]])
    post(hooks.url(), body, good)
    [d] = hooks.wait_for(lambda got: len(got) == 1)
    assert d["verified_with"] == [0]


def test_stale_timestamp_is_refused_by_the_library(hooks):
    body = body_of(200)
    post(hooks.url(), body, signed_headers(SECRET_A, body, timestamp=int(time.time()) - 3600))
    [d] = hooks.wait_for(lambda got: len(got) == 1)
    assert d["verified_with"] == []
    assert d["verify_errors"][0] == "Message timestamp too old"


def test_behaviour_500_twice_then_normal(hooks):
    hooks.behave(500, count=2)
    body = body_of(100)
    statuses = [post(hooks.url(), body, signed_headers(SECRET_A, body)).status_code
                for _ in range(3)]
    assert statuses == [500, 500, 200]
    got = hooks.wait_for(lambda got: len(got) == 3)
    assert [d["answered"] for d in got] == [500, 500, 200]
    assert all(d["verified_with"] == [0] for d in got)


def test_behaviour_status_for_all_until_restored_with_extra_headers(hooks):
    hooks.behave(429, headers={"retry-after": "1"})
    body = body_of(100)
    for _ in range(3):
        r = post(hooks.url(), body, signed_headers(SECRET_A, body))
        assert (r.status_code, r.headers["retry-after"]) == (429, "1")
    hooks.behave(200)
    assert post(hooks.url(), body, signed_headers(SECRET_A, body)).status_code == 200


def test_delay_is_recorded_before_the_answer(hooks):
    hooks.behave(200, count=1, delay_ms=1500)
    body = body_of(100)
    result = {}
    sender = threading.Thread(target=lambda: result.update(
        r=post(hooks.url(), body, signed_headers(SECRET_A, body))))
    started = time.monotonic()
    sender.start()
    try:
        hooks.wait_for(lambda got: len(got) == 1, timeout=10)
        assert sender.is_alive(), "the delivery was answered before its delay"
    finally:
        sender.join(timeout=15)
    assert result["r"].status_code == 200
    assert time.monotonic() - started >= 1.5


def test_keep_alive_reuses_one_connection(hooks):
    conn = http.client.HTTPConnection("127.0.0.1", hooks.port, timeout=10)
    try:
        sockets = []
        for _ in range(3):
            body = body_of(4096)
            conn.request("POST", "/hook", body=body.encode(),
                         headers=signed_headers(SECRET_A, body))
            r = conn.getresponse()
            assert (r.status, r.read()) == (200, b"ok")
            sockets.append(conn.sock)
        assert sockets[0] is not None and all(s is sockets[0] for s in sockets)
    finally:
        conn.close()
    got = hooks.wait_for(lambda got: len(got) == 3)
    assert all(d["verified_with"] == [0] and len(d["body"].encode()) == 4096 for d in got)


def test_tls_receiver_with_throwaway_ca(tmp_path):
    ca, cert, key = make_test_ca(tmp_path)
    with WebhookReceiver(tls_cert=cert, tls_key=key, ca_cert=ca) as tls_hooks:
        tls_hooks.set_secrets([SECRET_A])
        assert tls_hooks.url("/x").startswith("https://localhost:")
        body = body_of(300)
        r = post(tls_hooks.url("/x"), body, signed_headers(SECRET_A, body), verify=str(ca))
        assert r.status_code == 200
        [d] = tls_hooks.wait_for(lambda got: len(got) == 1)
        assert d["path"] == "/x" and d["verified_with"] == [0]
        with pytest.raises(requests.exceptions.SSLError):  # the CA is what makes it trusted
            post(tls_hooks.url("/x"), body, signed_headers(SECRET_A, body))


def test_wait_for_timeout_summarizes(hooks):
    body = body_of(100)
    post(hooks.url("/seen"), body, signed_headers(SECRET_A, body))
    with pytest.raises(AssertionError, match=r"1 deliveries received:\n.*/seen.*answered=200"):
        hooks.wait_for(lambda got: len(got) == 2, timeout=0.3)


def test_stop_ends_the_process():
    r = WebhookReceiver().start()
    proc = r.proc
    assert r.stop() is not None and proc.poll() is not None
    assert r.stop() is None  # idempotent
