"""Fixtures for the black-box API suites (see contactsd_harness.py for the Server helper).

- `server`: one real contactsd per test module, on a fresh database: a SQLite file, or a
  PostgreSQL database when CONTACTSD_TEST_DB=postgresql://... (`make test` runs the suite
  both ways; see contactsd_harness.Server for the rules). A module picks the
  model and the thread count by overriding the module-scoped `model_name` / `server_threads`
  fixtures, e.g. in test_crm_*.py:  `@pytest.fixture(scope="module")
  def model_name(): return "crm"`.
- `tenant`, `other_tenant`: a fresh org + API key per test on that server, so tests never see
  each other's data; `make_tenant(...)` for more (plans, credits).
- `make_server(...)`: a server of the test's own (signals, restarts); stopped at teardown.

The binary is $CONTACTSD_BIN, else build/contactsd in this repo. Run:
    /usr/bin/python3 -m pytest -q tests/api
    CONTACTSD_TEST_DB=postgresql://user:pass@127.0.0.1:5432/db /usr/bin/python3 -m pytest -q tests/api
"""

from __future__ import annotations

import atexit
import shutil
import tempfile

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

import contactsd_harness
from contactsd_harness import Server, binary_path, drop_test_databases

# Hypothesis caches data in ./.hypothesis; keep the work tree clean (examples are not saved:
# the property tests use database=None).
_hypothesis_home = tempfile.mkdtemp(prefix="contactsd-hypothesis-")
set_hypothesis_home_dir(_hypothesis_home)
atexit.register(shutil.rmtree, _hypothesis_home, ignore_errors=True)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "direct: talks to the server itself even in the OpenAPI proxy pass (CONTACTSD_TEST_PRISM):"
        " the test is about what a proxy in JavaScript rewrites (the transport, CORS, exact"
        " bytes, numbers a double cannot hold, a kill -9 mid-request)")


@pytest.fixture(autouse=True)
def _direct_when_marked(request):
    contactsd_harness.DIRECT["on"] = request.node.get_closest_marker("direct") is not None
    yield
    contactsd_harness.DIRECT["on"] = False


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases():
    """With CONTACTSD_TEST_DB: drops the session's PostgreSQL databases at the end."""
    yield
    drop_test_databases()


@pytest.fixture(scope="session")
def contactsd_bin():
    path = binary_path()
    if not path.is_file():
        pytest.fail(f"contactsd binary not found at {path}: build it (make build) or set "
                    f"CONTACTSD_BIN", pytrace=False)
    return path


@pytest.fixture(scope="module")
def model_name() -> str:
    return "standard"


@pytest.fixture(scope="module")
def server_threads() -> int | None:
    return None  # the server's default


@pytest.fixture(scope="module")
def server(contactsd_bin, model_name, server_threads, tmp_path_factory, request):
    workdir = tmp_path_factory.mktemp(f"{model_name}-{request.module.__name__}")
    srv = Server(contactsd_bin, workdir, model=model_name, threads=server_threads).start()
    yield srv
    srv.stop()


@pytest.fixture
def make_tenant(server):
    """Creates fresh tenants on the module's server; checks the server survived the test."""
    yield server.tenant
    server.assert_alive()


@pytest.fixture
def tenant(make_tenant):
    return make_tenant()


@pytest.fixture
def other_tenant(make_tenant):
    return make_tenant()


@pytest.fixture
def make_server(contactsd_bin, tmp_path):
    """Factory for servers owned by one test: make_server(model=..., db_path=..., db_url=...,
    start=True)."""
    servers: list[Server] = []

    def make(model: str = "standard", *, start: bool = True, name: str | None = None,
             **kw) -> Server:
        workdir = tmp_path / (name or f"server{len(servers)}")
        srv = Server(contactsd_bin, workdir, model=model, **kw)
        servers.append(srv)
        return srv.start() if start else srv

    yield make
    for srv in servers:
        if srv.proc is not None:
            try:
                srv.stop()
            finally:
                srv.kill()
