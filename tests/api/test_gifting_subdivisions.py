"""The `state` rule against the whole code list: every ISO 3166-2 subdivision of US and CA in
Debian's iso-codes data (the file the server's tables are generated from at build time) is
accepted for its country and stored as sent; codes of the other country, lower-case forms,
full codes and made-up ones are refused, leaving the contact unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import test_gifting_common as gift
from test_gifting_common import VALID, assert_rejected, assert_unchanged

model_name, fresh = gift.model_name, gift.fresh  # fixtures, used by name

ISO_3166_2 = Path("/usr/share/iso-codes/json/iso_3166-2.json")


def subdivisions(country: str) -> list[str]:
    """The codes after the dash ("NY" for US-NY) of `country`, from iso-codes."""
    entries = json.loads(ISO_3166_2.read_text())["3166-2"]
    return sorted(e["code"].split("-", 1)[1] for e in entries
                  if e["code"].startswith(country + "-"))


US, CA = subdivisions("US"), subdivisions("CA")


def test_the_data_has_the_states_provinces_and_territories():
    # The page's examples, the District of Columbia, and the sizes of the two lists.
    assert {"NY", "CA", "TX", "DC"} <= set(US) and len(US) >= 51
    assert {"ON", "BC", "AB", "QC", "YT", "NU", "NT"} <= set(CA) and len(CA) == 13


@pytest.fixture(scope="module")
def account(server) -> gift.GiftTenant:
    """One account for the table: each case works on contacts of its own."""
    return gift.GiftTenant(server)


@pytest.mark.parametrize("country,code", [("US", c) for c in US] + [("CA", c) for c in CA],
                         ids=[f"US-{c}" for c in US] + [f"CA-{c}" for c in CA])
def test_every_subdivision_code_is_accepted_for_its_country(account, country, code):
    # POST a new contact, PATCH the state alone, PUT the whole record: all take the code.
    made = account.create({**VALID, "country": country, "state": code})
    assert (made["country"], made["state"]) == (country, code)
    assert account.get(made["id"]) == made
    # From a contact in the other country, country and state change together.
    other_country, other_codes = ("CA", CA) if country == "US" else ("US", US)
    start = account.create({**VALID, "country": other_country, "state": other_codes[0]})
    patched = account.patch(start["id"], {"country": country, "state": code})
    assert (patched["country"], patched["state"]) == (country, code)
    assert account.get(start["id"]) == patched
    put = account.put(start["id"], {**VALID, "country": country, "state": code, "city": "X"})
    assert (put["country"], put["state"], put["city"]) == (country, code, "X")
    assert account.get(start["id"]) == put


@pytest.mark.parametrize("country,codes,others", [("US", US, CA), ("CA", CA, US)],
                         ids=["US", "CA"])
def test_codes_of_the_other_country_and_malformed_codes_are_refused(fresh, country, codes,
                                                                    others):
    before = fresh.create({**VALID, "country": country, "state": codes[0]})
    bad = [code for code in others if code not in codes]
    bad += [codes[1].lower(), f"{country}-{codes[1]}", codes[1] + " ", " " + codes[1], "XX",
            "ZZ", "00", codes[1][0], "State"]
    for code in bad:
        r = fresh.client.patch(f"/contacts/{before['id']}", {"state": code})
        body = assert_rejected(r, {"state": "invalid_value"})
        assert body["details"][0]["message"] == (
            f"must be an ISO 3166-2 subdivision code of {country}, such as {codes[0]}"), code
        assert_unchanged(fresh, before)
    assert len(bad) > 13
