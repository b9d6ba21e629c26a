"""A first run as a new user makes it: the quick start `contactsd serve` prints (on stdout; stderr
is the log), run as printed for every built-in model (each line's <...> filled with what the line
before printed), stores a contact; the version; and the command line's exit statuses (1 for a
failure, 2 for usage) with a message naming what was wrong."""

import json
import os
import re
import subprocess

import pytest

from contactsd_harness import _model_base_path, assert_status

pytestmark = pytest.mark.direct  # the quick start's curl talks to the server itself

JWT_SECRET = "first-run-secret"
BUILTIN_MODELS = ["standard", "crm", "gifting", "prospects", "voice"]


def _quick_start(stdout: str) -> list[list[str]]:
    """The banner's blocks of commands: [[org, key, curl]] and, with a JWT, [[token, curl]]."""
    lines = stdout.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("To get started"))
    blocks, command = [[]], ""
    for line in lines[start + 1:]:
        if line.startswith("  "):
            command += line.strip() if not command else " " + line.strip()
            if command.endswith("\\"):
                command = command[:-1].rstrip()
                continue
            blocks[-1].append(command)
            command = ""
        elif line.startswith("Or with a bearer JWT"):
            blocks.append([])
        else:
            break
    return blocks


def _run(server, command: str) -> str:
    if server.backend == "postgresql":  # the banner hides the password; the user knows it
        command = re.sub(r"--db \S+", "--db '" + server.db_url + "'", command)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTSD_")}
    p = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env,
                       timeout=30, cwd=server.workdir)
    assert p.returncode == 0, f"{command}\nexit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout


def _fill(command: str, **printed: str) -> str:
    for name, value in printed.items():
        command = command.replace(f'<the "{name}" printed above>', value)
    assert "<" not in command.replace("<the --jwt-secret value>", ""), command
    return command.replace("<the --jwt-secret value>", JWT_SECRET)


def _assert_stored(server, credential: str, answer: str):
    created = json.loads(answer)
    assert isinstance(created.get("id"), str) and created["id"], created
    base = _model_base_path(server.model)
    got = server.client(f"Bearer {credential}").get(f"{base}/contacts/{created['id']}")
    assert_status(got, 200)
    assert got.json() == created


@pytest.mark.parametrize("model", BUILTIN_MODELS)
def test_the_banner_quick_start_works_as_printed(make_server, model):
    server = make_server(model, extra_args=["--jwt-secret", JWT_SECRET])
    blocks = _quick_start(server.stdout())
    assert len(blocks) == 2 and len(blocks[0]) == 3 and len(blocks[1]) == 2, blocks
    (org_line, key_line, curl_line), (token_line, jwt_curl_line) = blocks
    assert str(server.binary) in org_line and f":{server.port}" in curl_line

    org = json.loads(_run(server, org_line))
    key = json.loads(_run(server, _fill(key_line, id=org["id"])))
    _assert_stored(server, key["key"], _run(server, _fill(curl_line, key=key["key"])))

    # "Or with a bearer JWT": the same first step, then a token instead of a key (another org,
    # as the example's email is unique within an org in some models).
    org = json.loads(_run(server, org_line))
    token = json.loads(_run(server, _fill(token_line, id=org["id"])))
    _assert_stored(server, token["token"], _run(server, _fill(jwt_curl_line, token=token["token"])))


def test_without_a_jwt_secret_the_banner_offers_keys_only(make_server):
    server = make_server("crm")
    blocks = _quick_start(server.stdout())
    assert len(blocks) == 1 and len(blocks[0]) == 3, blocks
    assert "token" not in server.stdout()


def test_version_names_the_release_and_the_commit(server):
    for args in (["--version"], ["version"]):
        p = server.run_cli(*args, db=False)
        assert p.returncode == 0, p.stderr
        assert re.fullmatch(r"contactsd \d+\.\d+\.\d+ \(commit [0-9a-f]{7,40}(-dirty)?\)\n",
                            p.stdout), p.stdout


@pytest.mark.parametrize("args, db, status, named", [
    (["serve", "--bogus"], True, 2, "--bogus"),
    (["org", "create"], True, 2, "--name"),
    (["bogus"], False, 2, "unknown command 'bogus'"),
    ([], False, 2, "a command is required"),
    (["serve", "--threads", "many"], True, 2, "--threads"),
    (["org", "show", "0190f0a5-7c1e-7000-8000-000000000001"], True, 1, "not found"),
    (["serve", "--listen", "nowhere"], True, 1, "--listen"),
    (["token", "--org", "x", "--subject", "me", "--jwt-secret", ""], False, 1, "secret"),
])
def test_cli_errors_exit_1_and_usage_errors_2_naming_the_argument(server, args, db, status,
                                                                   named):
    p = server.run_cli(*args, db=db)
    assert p.returncode == status, (p.returncode, p.stderr)
    assert named.lower() in p.stderr.lower(), p.stderr
    assert p.stdout == ""
