"""docs/models/crm.md runs as written: its HS256 token recipe (openssl in bash) makes a token
this server accepts, and its curl examples, run in order by bash and curl against a fresh
account, answer the status of their `# → NNN` line and the JSON shown after them (ids,
timestamps and cursors need only be of the same kind). The RS256 recipe is run by
test_crm_rs256.py, which has an RS256 server."""

from __future__ import annotations

import base64
import json
import shutil

import pytest

from contactsd_harness import assert_status, strict_json
import test_crm_common as crm
from test_crm_common import (JWT_SECRET, SUB, assert_like_the_doc, doc_block, doc_examples,
                             run_sh, token_from_recipe)

model_name, server, fresh = crm.model_name, crm.server, crm.fresh  # fixtures, used by name

pytestmark = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("openssl") is None,
                                reason="curl and openssl are needed to run the doc's examples")

CURL_WRAPPER = ("curl() { command curl --noproxy '*' --max-time 10 --show-error "
                "--write-out '\\n%{http_code}' \"$@\"; }")


def _payload(token: str) -> dict:
    seg = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def test_the_hs256_recipe_makes_a_token_the_server_accepts(server, fresh):
    recipe = doc_block("TOKEN=", "-hmac")
    token = token_from_recipe(recipe, {"ORG": fresh.account_id, "SECRET": JWT_SECRET})
    claims = _payload(token)
    assert claims["account_id"] == fresh.account_id and claims["sub"] == SUB
    made = assert_status(server.client(f"Bearer {token}").post("/contacts", {"fields": {}}), 201)
    assert fresh.get(made["id"]) == made
    wrong = token_from_recipe(recipe, {"ORG": fresh.account_id, "SECRET": "another secret"})
    crm.assert_unauthorized(server.client(f"Bearer {wrong}").get("/contacts"))


def test_the_examples_run_as_shown(server, fresh):
    examples = doc_examples()
    assert len(examples) >= 10, "the doc lost its examples"
    token = token_from_recipe(doc_block("TOKEN=", "-hmac"),
                              {"ORG": fresh.account_id, "SECRET": JWT_SECRET})
    env = {"H": server.base_url, "TOKEN": token, "ID": ""}
    for command, status, shown in examples:
        out = run_sh(f"{CURL_WRAPPER}\n{command}", env)
        body, _, code = out.rpartition("\n")
        assert int(code) == status, f"{command}\n-> {code} {body}"
        got = strict_json(body, command)
        assert_like_the_doc(got, shown, command.splitlines()[0])
        if not env["ID"] and status == 201 and "/contacts" in command:
            env["ID"] = got["id"]  # "the examples below use its id as $ID"
    # the walk-through's end state, read back: one active contact, as the last answer shows it
    [c] = fresh.list_all()
    assert c["id"] == env["ID"] and c["archived"] is False
    assert (c["first_name"], c["score"], c["tier"]) == ("Ada", 42, "gold")
    assert fresh.get(c["id"], ["phone"])["phone"] == "+1 (415) 555-2671"
