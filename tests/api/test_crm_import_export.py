"""Import and export on the `crm` model: lines in its `{"fields": {...}}` envelope, and the
flat lines its export writes (custom fields flat, as the model shows them) imported back."""

from __future__ import annotations

import csv
import io
import json
import uuid

from contactsd_harness import assert_status
import test_crm_common as crm

model_name, server = crm.model_name, crm.server  # fixtures, used by name

NDJSON = {"Content-Type": "application/x-ndjson"}
SYSTEM = {"id", "created_at", "updated_at", "archived", "archived_by"}


def export(tenant, fmt="ndjson"):
    r = tenant.keyed.get("/contacts/export", params={"format": fmt})
    assert r.status_code == 200, r.text[:300]
    return r


def test_envelope_lines_and_export_lines_import_to_the_same_contacts(server):
    source, target = crm.CrmTenant.make(server), crm.CrmTenant.make(server)
    for t in (source, target):
        t.define({"name": "score", "type": "number"})
    tag = uuid.uuid4().hex[:8]
    lines = [{"fields": {"first_name": f"N{i}", "email": f"{tag}-{i}@example.com",
                         "external_id": f"{tag}-{i}", "score": i / 2}} for i in range(5)]
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    report = assert_status(source.keyed.post("/contacts/import", body, headers=NDJSON), 200)
    assert (report["created"], report["rejected"]) == (5, 0), report
    exported = [json.loads(line) for line in export(source).text.splitlines()]
    assert sorted(c["first_name"] for c in exported) == [f"N{i}" for i in range(5)]
    assert {c["score"] for c in exported} == {i / 2 for i in range(5)}  # flat, as shown
    # The flat lines of the export import as they are.
    report = assert_status(target.keyed.post("/contacts/import", export(source).content,
                                             headers=NDJSON), 200)
    assert (report["created"], report["rejected"]) == (5, 0), report
    again = [json.loads(line) for line in export(target).text.splitlines()]

    def data(contacts):
        return sorted(({k: v for k, v in c.items() if k not in SYSTEM} for c in contacts),
                      key=lambda c: c["first_name"])

    assert data(again) == data(exported)
    # CSV: the custom field is a column of its own name.
    rows = list(csv.DictReader(io.StringIO(export(target, "csv").text, newline="")))
    assert sorted(float(r["score"]) for r in rows) == [i / 2 for i in range(5)]
    report = assert_status(target.keyed.post("/contacts/import", b"first_name,score\nCsv,7\n",
                                             headers={"Content-Type": "text/csv"}), 200)
    assert report["created"] == 1, report
    made = [json.loads(line) for line in export(target).text.splitlines()
            if json.loads(line)["first_name"] == "Csv"]
    assert made and made[0]["score"] == 7
