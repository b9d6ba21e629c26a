"""docs/models/gifting.md runs as written: its curl examples, run in order by bash and curl
against a fresh account, answer the status of their `# → NNN` line and the JSON shown after
them (ids and timestamps need only be of the same kind; a 204 shows no JSON and must have no
body); the stored state at the end is the one the walk-through leaves."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from contactsd_harness import strict_json
import test_gifting_common as gift
from test_crm_common import assert_like_the_doc, run_sh

model_name, fresh = gift.model_name, gift.fresh  # fixtures, used by name

pytestmark = pytest.mark.skipif(shutil.which("curl") is None,
                                reason="curl is needed to run the doc's examples")

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "models" / "gifting.md"
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
CURL_WRAPPER = ("curl() { command curl --noproxy '*' --max-time 10 --show-error "
                "--write-out '\\n%{http_code}' \"$@\"; }")


def doc_examples() -> list[tuple[str, int, Any]]:
    """The doc's curl examples in order: (command, status, the JSON of the ```json block right
    after it, or None for a 204)."""
    blocks = [(m.group(1), m.group(2)) for m in _FENCE.finditer(DOC_PATH.read_text())]
    out = []
    for i, (info, text) in enumerate(blocks):
        if info != "sh" or not text.lstrip().startswith("curl"):
            continue
        m = re.search(r"^# → (\d{3})$", text, re.M)
        assert m, f"example without a '# → NNN' line: {text}"
        status = int(m.group(1))
        has_json = i + 1 < len(blocks) and blocks[i + 1][0] == "json"
        if status == 204:
            assert not has_json, f"a 204 has no body, yet the doc shows one after: {text}"
            out.append((text, status, None))
        else:
            assert has_json, f"no json after: {text}"
            out.append((text, status, json.loads(blocks[i + 1][1])))
    return out


def test_the_examples_run_as_shown(server, fresh):
    examples = doc_examples()
    assert len(examples) >= 14, "the doc lost its examples"
    env = {"H": server.base_url, "KEY": fresh.key["key"], "ID": ""}
    for command, status, shown in examples:
        out = run_sh(f"{CURL_WRAPPER}\n{command}", env)
        body, _, code = out.rpartition("\n")
        assert int(code) == status, f"{command}\n-> {code} {body}"
        if shown is None:
            assert body == "", f"{command}\n-> a body: {body}"
            continue
        got = strict_json(body, command)
        assert_like_the_doc(got, shown, command.splitlines()[0])
        if not env["ID"] and status == 201 and "/contacts" in command:
            env["ID"] = got["id"]  # "the examples below use its id as $ID"
    # The end state, read back: the contact deleted, list 1 kept, the label gone.
    assert fresh.list_all() == []
    assert fresh.entries("lists") == [{"id": 1, "name": "Holiday gifts 2026"}]
    assert fresh.entries("labels") == []


def test_the_doc_lists_every_field_of_the_model():
    text = DOC_PATH.read_text()
    model = json.loads((DOC_PATH.parents[2] / "models" / "gifting.json").read_text())
    for field in model["fields"]:
        assert f"`{field}`" in text, f"{field} is not documented"
    for key in gift.RESPONSE_KEYS:
        assert f"`{key}`" in text, key
