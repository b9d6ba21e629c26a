"""CORS in a real browser: headless Chromium runs a page served from another local origin, and
that page calls contactsd with `fetch` (docs/http.md, "CORS").

The page comes from a small Python HTTP server on 127.0.0.1 on a port of its own, so its
origin (`http://127.0.0.1:<page port>`) differs from the API's (`http://127.0.0.1:<api port>`)
and every API call is cross-origin. Its script:

  0. `GET /healthz` in `no-cors` mode: an opaque answer, which a browser gives whatever the
     CORS headers. It shows that the page can reach the server, so a later failure comes from
     CORS and not from the network;
  1. `POST /v1/contacts` {"first_name": "Ada"} with `Authorization: Bearer <key>` and
     `Content-Type: application/json` (both make the browser send a preflight first), then
     reads the `ETag` and `Location` of the answer. A script can read those headers only when
     the server lists them in `Access-Control-Expose-Headers`;
  2. `GET /v1/contacts/{id}`;
  3. `PATCH /v1/contacts/{id}` {"title": "Analyst"} with `If-Match: <the ETag it read>`, then
     reads the new ETag;
  4. the same PATCH again with the old, stale ETag. It must get a 412 whose status and body the
     script can read, because error answers carry the CORS headers too.

The script then posts a JSON summary of every step (status, readable headers, body, or the
error of a fetch that failed) to `/result` on its own origin. The page server keeps the summary
and sets an Event. The test waits for that Event, never for a fixed time, and then ends
Chromium.

- With `--cors-origins <page origin>` every step works, and the harness client reads the stored
  result back. A request from an origin that is not in the list gets no CORS header.
- Without `--cors-origins` the preflight gets no CORS headers, so the browser rejects the POST
  with a TypeError and the server stores nothing.

Needs Debian's `chromium` package (scripts/install-deps.sh installs it). If it is missing the
test fails rather than skips, because CI must run this test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from contactsd_harness import assert_contact_response, free_port, get_contact, list_all

# Not through the OpenAPI proxy (CONTACTSD_TEST_PRISM): CORS, whose headers prism adds to
# every answer itself.
pytestmark = pytest.mark.direct

CHROMIUM = Path("/usr/bin/chromium")

# How long the page gets to report. A run normally takes about a second. This limit only
# applies when something is broken. Every fetch in the page gives up after
# FETCH_TIMEOUT_MS, so a page that is still running reports within about 50 s.
REPORT_TIMEOUT = 60
FETCH_TIMEOUT_MS = 10_000
BROWSER_EXIT_TIMEOUT = 10


# --------------------------------------------------------------------------------------------
# The page and the server of the other origin
# --------------------------------------------------------------------------------------------

# The page's query string gives the API's base URL and the key. The page never changes, and
# nothing from the test is pasted into script text.
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>contactsd CORS check</title></head>
<body>
<script>
"use strict";
(async () => {
  const params = new URLSearchParams(location.search);
  const api = params.get("api");
  const auth = {"Authorization": "Bearer " + params.get("key")};
  const report = {origin: location.origin, steps: {}};

  // One fetch. Records what a script can see of the answer, or the error of a failed fetch
  // (a CORS refusal is a TypeError with no further detail, by design of the Fetch spec).
  async function step(name, path, init) {
    const out = report.steps[name] = {};
    try {
      const r = await fetch(api + path,
                            {...init, signal: AbortSignal.timeout(__FETCH_TIMEOUT_MS__)});
      out.type = r.type;  // "cors" when CORS allowed it, "opaque" for a no-cors request
      out.status = r.status;
      out.etag = r.headers.get("ETag");
      out.location = r.headers.get("Location");
      const text = await r.text();
      try { out.body = JSON.parse(text); } catch (e) { out.text = text; }  // not JSON
    } catch (e) {
      out.error = e.name + ": " + e.message;
      throw e;
    }
    return out;
  }

  try {
    await step("reach", "/healthz", {mode: "no-cors"});
    const created = await step("post", "/v1/contacts", {
      method: "POST",
      headers: {...auth, "Content-Type": "application/json"},
      body: JSON.stringify({first_name: "Ada"}),
    });
    if (created.status !== 201) throw new Error("POST answered " + created.status);
    const path = "/v1/contacts/" + encodeURIComponent(created.body.id);
    await step("get", path, {headers: auth});
    await step("patch", path, {
      method: "PATCH",
      headers: {...auth, "Content-Type": "application/merge-patch+json",
                "If-Match": created.etag},
      body: JSON.stringify({title: "Analyst"}),
    });
    await step("stale_patch", path, {
      method: "PATCH",
      headers: {...auth, "Content-Type": "application/merge-patch+json",
                "If-Match": created.etag},
      body: JSON.stringify({title: "Stale"}),
    });
  } catch (e) {
    report.stopped = e.name + ": " + e.message;  // the steps after this one did not run
  }
  // Same origin: no CORS involved in the report itself.
  await fetch("/result", {method: "POST", headers: {"Content-Type": "application/json"},
                          body: JSON.stringify(report)});
})();
</script>
</body></html>
""".replace("__FETCH_TIMEOUT_MS__", str(FETCH_TIMEOUT_MS)).encode()


class PageServer:
    """The other origin: serves PAGE at `/` and keeps the first JSON object posted to
    `/result`. `reported` is set when that object arrives."""

    def __init__(self):
        self.result: dict | None = None
        self.reported = threading.Event()
        self.requests: list[str] = []  # request lines, shown when a test fails
        owner = self

        class Handler(_PageHandler):
            page_server = owner

        # Port 0: the kernel picks a free port while binding, so no other process can take it
        # first.
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        name="cors-page-server", daemon=True)
        self._thread.start()

    def page_url(self, api_base: str, key: str) -> str:
        return f"{self.origin}/?" + urllib.parse.urlencode({"api": api_base, "key": key})

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


class _PageHandler(BaseHTTPRequestHandler):
    page_server: PageServer

    def do_GET(self):
        if urllib.parse.urlsplit(self.path).path != "/":
            self._answer(404, b"")  # /favicon.ico and anything else
            return
        self._answer(200, PAGE, "text/html; charset=utf-8")

    def do_POST(self):
        if self.path != "/result":
            self._answer(404, b"")
            return
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        owner = self.page_server
        if owner.result is None:
            try:
                owner.result = json.loads(data)
            except ValueError:
                owner.result = {"unreadable_report": data.decode(errors="replace")}
            owner.reported.set()
        self._answer(204, b"")

    def _answer(self, status: int, body: bytes, content_type: str | None = None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, fmt, *args):
        # Keep the request log for failure messages. pytest's output stays quiet.
        self.page_server.requests.append(fmt % args)


@pytest.fixture
def page_server():
    srv = PageServer()
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} not found: this test needs Debian's chromium package "
                    f"(apt-get install chromium; scripts/install-deps.sh installs it)",
                    pytrace=False)
    return CHROMIUM


# --------------------------------------------------------------------------------------------
# Running the page in headless Chromium
# --------------------------------------------------------------------------------------------

def chromium_argv(binary: Path, user_data_dir: Path, url: str) -> list[str]:
    return [
        str(binary),
        "--headless",                 # no display here or in CI
        "--no-sandbox",               # Chromium refuses to run as root with its sandbox, and
                                      # containers often lack the namespaces it needs
        "--disable-gpu",              # no GPU here: no hardware acceleration attempts
        "--disable-dev-shm-usage",    # a container's /dev/shm can be tiny: renderers crash
        "--disable-quic",             # plain HTTP/1.1 over TCP to both loopback servers
        "--no-first-run",             # no first-run tasks or import
        # There is no outside network. Without these, Chromium tries to reach Google (updates,
        # sync, variations, safe browsing), which only adds delay and log noise. Debian's
        # wrapper adds --disable-background-networking itself only when remote extensions are
        # off, but /etc/chromium.d/extensions turns them on.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-proxy-server",          # an http_proxy from the environment must not see this
        # Keeps the browser up until we end it, whatever its headless mode does once the page
        # has loaded. Port 0: any free port, on loopback only.
        "--remote-debugging-port=0",
        # The page's console in our log, e.g. "... has been blocked by CORS policy: ...",
        # shown when a test fails.
        "--enable-logging=stderr", "--v=0",
        # A fresh profile per run: no preflight cache, HSTS or other state carried over.
        f"--user-data-dir={user_data_dir}",
        url,
    ]


def run_page(binary: Path, page: PageServer, url: str, log_path: Path) -> dict:
    """Opens `url` in a fresh headless Chromium and returns what the page reported. Then ends
    Chromium and removes its profile and home."""
    root = Path(tempfile.mkdtemp(prefix="contactsd-chromium-"))
    try:
        profile, home = root / "profile", root / "home"
        profile.mkdir()
        home.mkdir()
        env = dict(os.environ)
        # Chromium also writes outside its profile: a crash-report database under
        # $XDG_CONFIG_HOME, and dconf and font caches under $XDG_CACHE_HOME or $HOME. Keeping
        # those in `root` means the user's home is never touched and the cleanup removes
        # everything.
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                   XDG_CACHE_HOME=str(home / ".cache"))
        with open(log_path, "wb") as log:
            # A session of its own, so its process group id is its PID. Debian's
            # /usr/bin/chromium is a shell script that execs the browser, so that PID is the
            # browser's.
            proc = subprocess.Popen(chromium_argv(binary, profile, url), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log, env=env, start_new_session=True)
        try:
            _wait_for_report(proc, page, log_path)
        finally:
            _end_browser(proc)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return page.result


def _wait_for_report(proc: subprocess.Popen, page: PageServer, log_path: Path):
    """Waits until the page reports. Fails at once if Chromium exits first, or after
    REPORT_TIMEOUT. The short Event waits only let us notice a dead browser quickly: the wait
    returns as soon as the report arrives."""
    deadline = time.monotonic() + REPORT_TIMEOUT
    while not page.reported.wait(timeout=0.2):
        if proc.poll() is not None:
            pytest.fail(f"chromium exited with {proc.returncode} before the page reported"
                        f"{_diagnostics(page, log_path)}")
        if time.monotonic() > deadline:
            pytest.fail(f"the page did not report within {REPORT_TIMEOUT}s"
                        f"{_diagnostics(page, log_path)}")


def _end_browser(proc: subprocess.Popen):
    """SIGTERM to the browser (it then ends its helpers), SIGKILL if it hangs. Then SIGKILL to
    any helper still in its process group. That group holds only processes this browser
    started, and its id is the PID we started."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=BROWSER_EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # usual case: every helper already exited


def _diagnostics(page: PageServer, log_path: Path) -> str:
    """The page server's request log and Chromium's console and error lines, for a failure
    message. The D-Bus complaints of a machine without a session bus are left out."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    useful = [line for line in lines
              if "dbus" not in line.lower() and "d-bus" not in line.lower()]
    console = [line for line in useful if ":CONSOLE" in line]
    return ("\n--- page server requests ---\n" + "\n".join(page.requests) +
            "\n--- chromium console ---\n" + "\n".join(console) +
            f"\n--- chromium log (last lines, without D-Bus noise; full log: {log_path}) ---\n" +
            "\n".join(useful[-30:]))


def _describe(report: dict, page: PageServer, log_path: Path) -> str:
    return "\npage report:\n" + json.dumps(report, indent=2) + _diagnostics(page, log_path)


def _cors_headers(resp) -> dict[str, str]:
    return {k: v for k, v in resp.headers.items() if k.lower().startswith("access-control-")}


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------

def _visit(server, page_server, chromium, tmp_path):
    """Loads the page in Chromium against `server` with a fresh tenant's key: (tenant, the
    page's report, a description for failures, the report's steps)."""
    tenant = server.tenant()
    log_path = tmp_path / "chromium.log"
    report = run_page(chromium, page_server, page_server.page_url(server.base_url, tenant.secret),
                      log_path)
    return tenant, report, _describe(report, page_server, log_path), report.get("steps", {})


def test_page_on_an_allowed_origin_creates_reads_and_patches(make_server, page_server, chromium,
                                                               tmp_path):
    server = make_server(extra_args=["--cors-origins", page_server.origin])
    tenant, report, why, steps = _visit(server, page_server, chromium, tmp_path)

    assert "stopped" not in report, why
    assert set(steps) == {"reach", "post", "get", "patch", "stale_patch"}, why
    assert report["origin"] == page_server.origin, why
    assert steps["reach"]["type"] == "opaque", why

    # POST: a 201 with a body the script can read, and the ETag and Location it can read only
    # because they are in Access-Control-Expose-Headers.
    post = steps["post"]
    assert post["type"] == "cors" and post["status"] == 201, why
    created = post["body"]
    assert created["first_name"] == "Ada" and created["version"] == 1, why
    assert post["etag"] == '"1"', why
    assert post["location"] == f"/v1/contacts/{created['id']}", why

    get = steps["get"]
    assert get["status"] == 200 and get["etag"] == '"1"', why
    assert get["body"] == created, why

    # The PATCH went through its preflight (PATCH, If-Match, a non-simple Content-Type), and
    # the If-Match holding the ETag the script read matched.
    patch = steps["patch"]
    assert patch["status"] == 200, why
    assert patch["etag"] == '"2"', why
    assert patch["body"]["title"] == "Analyst" and patch["body"]["version"] == 2, why
    assert patch["body"]["first_name"] == "Ada", why

    # An error answer carries the CORS headers too: the script reads the 412 and its body.
    stale = steps["stale_patch"]
    assert stale["status"] == 412, why
    assert stale["body"]["error"] == "precondition_failed", why

    # What the browser wrote is what is stored (the stale PATCH wrote nothing).
    stored = get_contact(tenant.client, created["id"])
    assert stored["title"] == "Analyst" and stored["first_name"] == "Ada", stored
    assert stored["version"] == 2, stored

    # A plain client that sends the listed origin gets it back. This shows the server does send
    # CORS headers here, so the empty answers below mean a refusal.
    allowed = tenant.client.get(f"/v1/contacts/{created['id']}",
                                headers={"Origin": page_server.origin})
    assert_contact_response(allowed)
    assert allowed.headers.get("Access-Control-Allow-Origin") == page_server.origin, \
        dict(allowed.headers)
    vary = [v.strip().lower() for v in allowed.headers.get("Vary", "").split(",")]
    assert "origin" in vary, dict(allowed.headers)  # a cache must not serve it to another
    # Bearer tokens, never cookies: no credentialed CORS.
    assert "Access-Control-Allow-Credentials" not in allowed.headers, dict(allowed.headers)

    # Origins not in the list get no CORS header at all. Matching is exact: another port, or
    # the same port under another host name, is another origin, and so is "null" (a sandboxed
    # frame or a file:// page).
    anonymous = server.client()
    for origin in (f"http://127.0.0.1:{free_port()}", f"http://localhost:{page_server.port}",
                   "null"):
        preflight = anonymous.request("OPTIONS", "/v1/contacts", headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        })
        # "Its preflight is a plain OPTIONS answer" (a 204 with Allow), without any CORS
        # header, so the browser refuses the call.
        assert preflight.status_code == 204, (origin, preflight.status_code, preflight.text)
        assert _cors_headers(preflight) == {}, (origin, dict(preflight.headers))

        plain = tenant.client.get(f"/v1/contacts/{created['id']}", headers={"Origin": origin})
        assert_contact_response(plain)
        assert _cors_headers(plain) == {}, (origin, dict(plain.headers))


def test_page_is_refused_without_cors_origins(make_server, page_server, chromium, tmp_path):
    server = make_server()  # CORS off: the default
    tenant, report, why, steps = _visit(server, page_server, chromium, tmp_path)

    # The page reached the server (a no-cors request works whatever the CORS headers), so the
    # failure below comes from CORS and not from the network.
    assert steps.get("reach", {}).get("type") == "opaque", why

    # The POST's preflight got no CORS headers: the browser never sent the POST and the script
    # sees only a TypeError, without status or headers.
    post = steps.get("post", {})
    assert post.get("error", "").startswith("TypeError"), why
    assert "status" not in post, why
    assert report.get("stopped", "").startswith("TypeError"), why
    assert set(steps) == {"reach", "post"}, why

    # Nothing was stored for this tenant.
    assert list_all(tenant.client) == [], why

    # The server's access log shows the mechanism: the preflight (OPTIONS) arrived, and the POST
    # never did. Stopping the server first makes sure every line is written.
    server.stop()
    access = [line for line in server.stderr().splitlines() if " event=access " in line]
    assert any("method=OPTIONS" in line for line in access), "\n".join(access) + why
    assert not any("method=POST" in line for line in access), "\n".join(access) + why
