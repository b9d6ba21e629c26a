"""The server's log (docs/operations.md, "Logs"): every line on stderr is one structured line, in
logfmt or JSON (--log-format), with ts, level, event and msg first; access lines name the route,
the path only when no route matched, the request id the client was answered with, and never a
query; --log-level hides what is below it, access lines included; a bad format or level is a
usage error (exit 2) that names the option."""

import json
import re
import resource
import socket

import pytest

from contactsd_harness import assert_status

pytestmark = pytest.mark.direct  # the lines are about what reached the server, not a proxy

TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
LEVELS = ("debug", "info", "warn", "error")
KEY = r"[A-Za-z0-9_.\-]+"
BARE = r'[!#-<>-\[\]-~]+'  # printable ASCII but for space, '"', '=' and '\'
QUOTED = r'"(?:[^"\\\x00-\x1f\x7f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'  # a JSON string
PAIR = re.compile(rf"({KEY})=({BARE}|{QUOTED})")
SECRET_EMAIL = "secret.person@example.com"


def parse_logfmt(line: str) -> dict:
    """A logfmt line as {key: value}, strictly: key=value pairs separated by one space, a value
    bare or a quoted JSON string; no key twice. Numbers stay text (logfmt has no types)."""
    pairs, at = {}, 0
    while at < len(line):
        if at > 0:
            assert line[at] == " ", f"no space before column {at}: {line!r}"
            at += 1
        m = PAIR.match(line, at)
        assert m, f"not key=value at column {at}: {line!r}"
        key, raw = m.group(1), m.group(2)
        assert key not in pairs, f"{key} twice: {line!r}"
        pairs[key] = json.loads(raw) if raw.startswith('"') else raw
        at = m.end()
    assert pairs, "an empty line"
    return pairs


def parse_json(line: str) -> dict:
    value = json.loads(line)
    assert isinstance(value, dict), line
    return value


def log_lines(server, log_format: str = "logfmt") -> list[dict]:
    """Every line of the stopped server's stderr, parsed; each must parse, as valid UTF-8, and
    begin with ts, level, event and msg."""
    text = server.stderr_path.read_bytes().decode("utf-8")  # strictly: always valid UTF-8
    if not text:
        return []
    assert text.endswith("\n"), text[-200:]
    lines = text.split("\n")[:-1]
    # No character inside a line that Python (or a log shipper) would take for a line break.
    assert text.splitlines() == lines
    parse = parse_json if log_format == "json" else parse_logfmt
    parsed = []
    for line in lines:
        entry = parse(line)
        assert list(entry)[:4] == ["ts", "level", "event", "msg"], line
        assert TS.fullmatch(entry["ts"]), line
        assert entry["level"] in LEVELS, line
        assert isinstance(entry["event"], str) and entry["event"], line
        assert isinstance(entry["msg"], str), line
        parsed.append(entry)
    return parsed


def access_line(lines: list[dict], rid: str) -> dict:
    found = [e for e in lines if e["event"] == "access" and e["rid"] == rid]
    assert len(found) == 1, (rid, [e for e in lines if e["event"] == "access"])
    return found[0]


def raw_request(port: int, head: bytes) -> dict[str, str]:
    """Sends `head` on its own connection; the answer's status line and headers."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    status, *headers = answer.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    out = {"status": status.split(" ")[1]}
    out.update({k.lower(): v.strip() for k, v in (h.split(":", 1) for h in headers)})
    return out


@pytest.mark.parametrize("log_format", ["logfmt", "json"])
def test_every_line_is_structured_and_access_lines_say_what_was_asked(make_server, log_format):
    server = make_server(extra_args=["--log-format", log_format])
    tenant = server.tenant()
    ok = tenant.client.get("/v1/contacts", headers={"X-Request-Id": "logs-ok-1"})
    assert_status(ok, 200)
    # No route: the path is logged, as sent; its query (an email here) is not.
    anonymous = server.client()
    missing = anonymous.get(f"/v1/nowhere/x%20y?email={SECRET_EMAIL}")
    assert missing.status_code == 404
    unauthenticated = anonymous.get("/v1/contacts", headers={"X-Request-Id": "logs-401-1"})
    assert unauthenticated.status_code == 401
    # A target that is not UTF-8, with a quote: refused, and still a line that parses.
    refused = raw_request(server.port, b'GET /caf\xc3\xa9/\xff"x?q=1 HTTP/1.1\r\nHost: x\r\n'
                                       b"X-Request-Id: logs-raw-1\r\nConnection: close\r\n\r\n")
    assert refused["status"] == "400"
    assert server.stop() == 0

    lines = log_lines(server, log_format)
    assert SECRET_EMAIL not in server.stderr()
    assert tenant.secret not in server.stderr()  # never an Authorization header
    events = [e["event"] for e in lines]
    assert events[-1] == "stopped" and "shutdown" in events, events
    assert not [e for e in lines if e["level"] == "error"], lines
    listening = next(e for e in lines if e["event"] == "listening")
    assert listening["level"] == "info" and listening["url"] == f"http://127.0.0.1:{server.port}"

    number = int if log_format == "json" else str  # JSON has numbers; logfmt has text
    served = access_line(lines, "logs-ok-1")
    assert list(served) == ["ts", "level", "event", "msg", "method", "route", "status", "us",
                            "org", "rid"], served
    assert served["level"] == "info"
    assert (served["method"], served["route"], served["status"]) == ("GET", "/v1/contacts",
                                                                     number(200))
    assert served["org"] == tenant.org_id
    assert isinstance(served["us"], number)

    rid = missing.headers["X-Request-Id"]  # the server made it; the line carries the same
    unrouted = access_line(lines, rid)
    assert list(unrouted) == ["ts", "level", "event", "msg", "method", "route", "path", "status",
                              "us", "org", "rid"], unrouted
    assert (unrouted["route"], unrouted["path"], unrouted["status"]) == (
        "-", "/v1/nowhere/x%20y", number(404))

    denied = access_line(lines, "logs-401-1")
    assert (denied["route"], denied["status"], denied["org"]) == ("/v1/contacts", number(401), "-")
    assert "path" not in denied
    assert unauthenticated.headers["X-Request-Id"] == "logs-401-1"

    bad = access_line(lines, refused["x-request-id"])
    assert bad["rid"] == "logs-raw-1"
    assert bad["path"] == '/café/\ufffd"x' and bad["status"] == number(400)


def test_the_environment_sets_the_format_and_level(make_server):
    server = make_server(env={"CONTACTSD_LOG_FORMAT": "json", "CONTACTSD_LOG_LEVEL": "debug"})
    assert_status(server.client().get("/healthz"), 200)
    assert server.stop() == 0
    assert {"listening", "access", "stopped"} <= {e["event"] for e in log_lines(server, "json")}


def test_no_access_log_keeps_the_other_lines(make_server):
    server = make_server(extra_args=["--no-access-log"])
    assert_status(server.client().get("/healthz"), 200)
    assert server.stop() == 0
    events = [e["event"] for e in log_lines(server)]
    assert "access" not in events and "listening" in events and "stopped" in events, events


def _few_files():
    # Below what --max-connections 1000 needs: the server starts, and warns (file_limit_low).
    resource.setrlimit(resource.RLIMIT_NOFILE, (512, 512))


@pytest.mark.parametrize("level, shown", [("warn", {"file_limit_low"}), ("error", set())])
def test_the_level_hides_what_is_below_it_access_lines_included(make_server, tmp_path, level,
                                                               shown):
    # A secrets key file of its own: on PostgreSQL there is none by default, which is a warning
    # of its own (secrets_in_clear).
    server = make_server(extra_args=["--log-level", level, "--max-connections", "1000",
                                     "--secrets-key-file", str(tmp_path / "secrets.key")],
                         preexec_fn=_few_files)
    tenant = server.tenant()
    assert_status(tenant.client.get("/v1/contacts"), 200)
    assert server.client().get("/v1/nowhere").status_code == 404
    assert server.stop() == 0
    lines = log_lines(server)
    assert {e["event"] for e in lines} == shown, lines
    assert all(e["level"] in LEVELS[LEVELS.index(level):] for e in lines), lines
    if shown:
        warning = lines[0]
        assert warning["level"] == "warn"
        assert (warning["limit"], warning["max_connections"]) == ("512", "1000")


@pytest.mark.parametrize("args, env, named", [
    (["--log-format", "xml"], {}, "--log-format"),
    (["--log-level", "verbose"], {}, "--log-level"),
    ([], {"CONTACTSD_LOG_FORMAT": "text"}, "--log-format"),
    ([], {"CONTACTSD_LOG_LEVEL": "warning"}, "--log-level"),
])
def test_a_bad_format_or_level_is_a_usage_error_naming_it(server, args, env, named):
    p = server.run_cli("serve", *args, env=env)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert named in p.stderr, p.stderr
    assert p.stdout == ""
