"""Erasure (GDPR Article 17) and deleting a tenant. POST /v1/contacts/{id}/erase removes the
contact and every value of it from the store and from the change log, leaving a
`contact.erased` event with its id only; the id is a 404 ever after. `contactsd org delete`
removes a tenant and all it owns, and its keys stop working at once on a running server. The
stored bytes are searched directly: SQLite's files once the server has closed the database
(its WAL checkpointed), PostgreSQL's table and index files after VACUUM FULL and CHECKPOINT."""

import os
import time
import uuid
from pathlib import Path

import pytest

from contactsd_harness import (_psql, assert_contact_response, assert_error, assert_status,
                               query_db, settle_feed)


def _markers():
    """Values no other test writes, to look for in the database's bytes."""
    tag = uuid.uuid4().hex[:12]
    return {"first": f"Erasable{tag}", "email": f"erase.{tag}@example.com",
            "note": f"note-{tag}", "old": f"Older{tag}", "custom": f"cf-{tag}"}


def _stored_files(srv) -> list[Path]:
    """The files that hold the server's data: SQLite's database and WAL; on PostgreSQL, the
    files of every table and index of the database (after VACUUM FULL and CHECKPOINT)."""
    if srv.backend == "sqlite":
        path = Path(srv.db_url[len("sqlite:"):])
        return [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    _psql(srv.db_url, "VACUUM FULL", "CHECKPOINT")
    [(data_dir,)] = query_db(srv.db_url, "SHOW data_directory")
    rows = query_db(srv.db_url, "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE n.nspname IN ('public', 'pg_toast') "
                                "AND c.relkind IN ('r', 'i', 't') "
                                "AND pg_relation_filepath(c.oid) IS NOT NULL")
    files = []
    for (rel,) in rows:
        base = Path(data_dir) / rel
        files += [p for p in base.parent.glob(base.name + "*")]
    if not files or not os.access(files[0], os.R_OK):
        pytest.skip("the PostgreSQL server's files are not readable here")
    return files


def _bytes_found(files: list[Path], values) -> set[str]:
    found = set()
    for f in files:
        data = f.read_bytes()
        found |= {v for v in values if v.encode() in data}
    return found


def test_erasing_a_contact_leaves_no_byte_of_it(make_server):
    srv = make_server()
    tenant = srv.tenant()
    m = _markers()
    assert_status(tenant.client.post("/v1/custom-fields", {"name": "tier", "type": "string"}),
                  201)
    c = tenant.create_contact({"first_name": m["old"], "email": m["email"], "notes": m["note"],
                               "custom_fields": {"tier": m["custom"]}})
    cid = c["id"]
    for name in (m["first"], m["first"] + "2"):  # older values live on in its history
        assert_contact_response(tenant.client.patch(f"/v1/contacts/{cid}", {"first_name": name}))
    assert_status(tenant.client.delete(f"/v1/contacts/{cid}"), 200)
    kept = tenant.create_contact({"first_name": "Kept"})
    # The search finds what is stored: the current values, before the erasure.
    assert {m["email"], m["note"], m["custom"]} <= _bytes_found(_stored_files(srv), m.values())

    r = tenant.client.post(f"/v1/contacts/{cid}/erase")
    assert r.status_code == 204 and r.content == b"", r.text
    for resp in (tenant.client.get(f"/v1/contacts/{cid}"),
                 tenant.client.patch(f"/v1/contacts/{cid}", {"first_name": "Back"}),
                 tenant.client.get(f"/v1/contacts/{cid}/history"),
                 tenant.client.post(f"/v1/contacts/{cid}/erase"),
                 tenant.client.post(f"/v1/contacts/{cid}/restore")):
        assert_error(resp, 404)
    settle_feed()
    page = assert_status(tenant.client.get("/v1/events", params={"limit": 1000}), 200)
    mine = [e for e in page["data"] if e["contact_id"] == cid]
    assert [(e["type"], e["data"], e["changes"]) for e in mine] == [("contact.erased", None, None)]
    assert mine[0]["actor"] == {"type": "api_key", "id": tenant.key["id"]}
    assert [e["contact_id"] for e in page["data"]][-2:] == [kept["id"], cid]
    # The email is free again; the other contact and the tenant's definitions are untouched.
    tenant.create_contact({"email": m["email"]})
    assert tenant.get_contact(kept["id"]) == kept
    assert query_db(srv.db_url, f"SELECT count(*) FROM events WHERE contact_id = '{cid}' "
                                f"AND type <> 'contact.erased'") == [("0",)]
    assert query_db(srv.db_url, f"SELECT count(*) FROM contacts WHERE id = '{cid}'") == [("0",)]

    other = tenant.create_contact({"first_name": "Other"})
    assert_error(srv.tenant().client.post(f"/v1/contacts/{other['id']}/erase"), 404)
    assert tenant.get_contact(other["id"]) == other
    assert_error(tenant.client.post("/v1/contacts/nope/erase"), 400, "invalid_id")
    assert_error(srv.client().post(f"/v1/contacts/{other['id']}/erase"), 401)

    # The new contact holds the email again: erase it too, then look at the bytes.
    for e in assert_status(tenant.client.get("/v1/contacts", params={"limit": 100}), 200)["data"]:
        if e["email"] == m["email"]:
            assert tenant.client.post(f"/v1/contacts/{e['id']}/erase").status_code == 204
    if srv.backend == "sqlite":
        srv.stop()  # closing checkpoints the WAL into the file
    assert _bytes_found(_stored_files(srv), m.values()) == set()


def test_org_delete_removes_the_tenant_and_its_keys_stop_at_once(make_server):
    srv = make_server()
    doomed, other = srv.tenant(), srv.tenant()
    assert_status(doomed.client.post("/v1/custom-fields", {"name": "tier", "type": "string"}), 201)
    c = doomed.create_contact({"email": "doomed@example.com", "custom_fields": {"tier": "x"}})
    assert_contact_response(doomed.client.patch(f"/v1/contacts/{c['id']}", {"notes": "n"}))
    kept = other.create_contact({"email": "doomed@example.com"})
    assert_status(doomed.client.get("/v1/contacts"), 200)  # its key is now cached
    assert_status(doomed.client.post("/v1/webhooks", {"url": "https://93.184.215.14/hook",
                                                      "events": ["*"]}), 201)

    out = srv.cli("org", "delete", doomed.org_id)
    assert out == {"id": doomed.org_id, "removed": {
        "contacts": 1, "events": 3, "contact_keys": 1, "api_keys": 1, "custom_fields": 1,
        "collection_entries": 0, "collection_counters": 0, "unlocks": 0,
        "idempotency_answers": 0, "contact_terms": 1, "webhook_endpoints": 1,
        "webhook_deliveries": 0, "webhook_attempts": 0, "orgs": 1}}
    if srv.backend == "postgresql":
        # The one window docs/architecture.md names: the NOTIFY's delivery to the server's
        # listener after the delete's commit (sub-millisecond, longer on a loaded machine).
        deadline = time.monotonic() + 5
        while doomed.client.get("/v1/contacts").status_code != 401 and \
                time.monotonic() < deadline:
            time.sleep(0.01)
    assert_error(doomed.client.get("/v1/contacts"), 401)
    assert_error(doomed.client.get("/v1/events"), 401)
    for table in ("contacts", "events", "contact_keys", "api_keys", "custom_fields"):
        assert query_db(srv.db_url, f"SELECT count(*) FROM {table} "
                                    f"WHERE org_id = '{doomed.org_id}'") == [("0",)], table
    assert query_db(srv.db_url, f"SELECT count(*) FROM orgs WHERE id = '{doomed.org_id}'") == \
        [("0",)]
    assert other.get_contact(kept["id"]) == kept
    p = srv.run_cli("org", "delete", doomed.org_id)
    assert p.returncode == 1 and "not found" in p.stderr.lower()
