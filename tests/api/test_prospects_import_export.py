"""Import and export on the `prospects` catalogue: only a plan that may write imports (403
before the body is read otherwise), and the export shows each org the gated fields as GET
does: null until it has unlocked the contact."""

from __future__ import annotations

import json

from contactsd_harness import assert_status
import test_prospects_common as p

model_name, internal, make_customer = p.model_name, p.internal, p.make_customer  # fixtures

NDJSON = {"Content-Type": "application/x-ndjson"}


def test_only_a_writing_plan_imports_and_the_export_gates_as_get_does(internal, make_customer):
    district = p.district()
    lines = [{"name": f"Principal {i}", "district_id": district, "email": f"p{i}@school.edu",
              "phone": "+1 555 0100", "unlock_cost": 1} for i in range(3)]
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    customer = make_customer(credits=5)
    refused = assert_status(customer.client.post(f"{p.BASE}/import", body, headers=NDJSON), 403)
    assert refused["statusCode"] == 403
    assert p.list_all(customer, district_id=district) == []
    report = assert_status(internal.client.post(f"{p.BASE}/import", body, headers=NDJSON), 200)
    assert (report["created"], report["rejected"]) == (3, 0), report

    def exported(tenant):
        r = tenant.client.get(f"{p.BASE}/export", params={"district_id": district})
        assert r.status_code == 200, r.text[:300]
        return sorted((json.loads(line) for line in r.text.splitlines()),
                      key=lambda c: c["name"])

    full = exported(internal)
    assert [c["email"] for c in full] == ["p0@school.edu", "p1@school.edu", "p2@school.edu"]
    locked = exported(customer)
    assert [c["email"] for c in locked] == [None, None, None]
    p.unlock(customer, locked[1]["id"])
    after = exported(customer)
    assert [c["email"] for c in after] == [None, "p1@school.edu", None]
    # Each line as GET shows it to that org.
    assert after[1] == p.get(customer, after[1]["id"])


def test_a_csv_cell_with_a_number_past_a_double_is_rejected_and_nothing_unreadable_is_stored(
        internal):
    # Boost.JSON reads 1e999 as infinity: stored, the document would no longer be JSON, and the
    # contact, every list page holding it and every export would fail.
    district = p.district()
    text = ("name,district_id,key_facts\n"
            f"Finite,{district},\"{{\"\"n\"\":1e300}}\"\n"
            f"Infinite,{district},\"{{\"\"n\"\":1e999}}\"\n")
    report = assert_status(internal.client.post(f"{p.BASE}/import", text.encode(),
                                                headers={"Content-Type": "text/csv"}), 200)
    assert (report["created"], report["rejected"]) == (1, 1), report
    assert report["errors"][0]["line"] == 3
    assert report["errors"][0]["error"]["details"][0]["field"] == "key_facts"
    stored = p.list_all(internal, district_id=district)
    assert [c["name"] for c in stored] == ["Finite"]
    assert p.get(internal, stored[0]["id"])["key_facts"] == {"n": 1e300}
    r = internal.client.get(f"{p.BASE}/export", params={"district_id": district})
    assert r.status_code == 200, r.text[:300]
    assert [json.loads(line)["name"] for line in r.text.splitlines()] == ["Finite"]
