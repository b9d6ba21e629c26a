"""GET /metrics (docs/operations.md): the Prometheus text format, read with the reference
parser (Debian's python3-prometheus-client); its counters move with the requests made, by route
template (never the raw path), on both backends; the store's own measures are there; and
--metrics-listen serves it on a port of its own instead."""

import re
import sqlite3
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from contactsd_harness import assert_status

pytestmark = pytest.mark.direct  # /metrics is not in the model's OpenAPI document


def _scrape(base_url: str) -> dict:
    """{(sample name, frozenset(labels)): value} of every sample."""
    resp = requests.get(f"{base_url}/metrics", timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4"), resp.headers
    samples = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def _value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _scrape_when(base_url: str, ready, timeout: float = 10) -> dict:
    """Scrapes until ready(samples) holds, or returns the last scrape at the deadline (whose
    assertions then fail). A request is counted once its answer is written, which is a moment
    after the client may have read it: a scrape right after can come before."""
    deadline = time.monotonic() + timeout
    while True:
        samples = _scrape(base_url)
        if ready(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.01)


def test_counters_move_with_the_requests_by_route_template(server, tenant):
    base = server.direct_url
    contact = assert_status(tenant.client.post("/v1/contacts", {"first_name": "Ada"}), 201)
    before = _scrape(base)
    route = {"method": "PATCH", "route": "/v1/contacts/{id}"}
    for i in range(7):
        assert_status(tenant.client.patch(f"/v1/contacts/{contact['id']}", {"title": f"t{i}"}), 200)
    assert tenant.client.get("/v1/no-such-place-7f3a").status_code == 404
    after = _scrape_when(base, lambda s: (
        _value(s, "contactsd_http_request_duration_seconds_count", **route) -
        _value(before, "contactsd_http_request_duration_seconds_count", **route) >= 7 and
        _value(s, "contactsd_http_requests_total", method="-", route="-", status="404") >
        _value(before, "contactsd_http_requests_total", method="-", route="-", status="404")))

    moved = (_value(after, "contactsd_http_requests_total", status="200", **route) -
             _value(before, "contactsd_http_requests_total", status="200", **route))
    assert moved == 7, moved
    assert (_value(after, "contactsd_http_request_duration_seconds_count", **route) -
            _value(before, "contactsd_http_request_duration_seconds_count", **route)) == 7
    assert (_value(after, "contactsd_http_request_duration_seconds_bucket", le="+Inf", **route) ==
            _value(after, "contactsd_http_request_duration_seconds_count", **route))
    assert _value(after, "contactsd_http_request_duration_seconds_sum", **route) > 0
    assert (_value(after, "contactsd_http_requests_total", method="-", route="-", status="404") -
            _value(before, "contactsd_http_requests_total", method="-", route="-",
                   status="404")) == 1
    text = requests.get(f"{base}/metrics", timeout=10).text
    assert "no-such-place" not in text and contact["id"] not in text  # templates, not paths

    # the scrape itself is in flight while it is rendered, on an open connection
    assert _value(after, "contactsd_http_requests_in_flight") >= 1
    assert _value(after, "contactsd_http_connections") >= 1
    assert _value(after, "process_resident_memory_bytes") > 1 << 20
    assert _value(after, "process_open_fds") > 3
    assert any(name == "contactsd_build_info" and value == 1 for (name, _), value in after.items())


def test_the_stores_own_measures_move_with_writes(server, tenant):
    before = _scrape(server.direct_url)
    for i in range(5):
        assert_status(tenant.client.post("/v1/contacts", {"first_name": f"M{i}"}), 201)
    after = _scrape(server.direct_url)
    if server.backend == "sqlite":
        # every committed write is counted in the batch that committed it
        written = (_value(after, "contactsd_sqlite_commit_writes_sum") -
                   _value(before, "contactsd_sqlite_commit_writes_sum"))
        assert written >= 5, written
        commits = (_value(after, "contactsd_sqlite_commit_duration_seconds_count") -
                   _value(before, "contactsd_sqlite_commit_duration_seconds_count"))
        assert 1 <= commits <= written
        assert (_value(after, "contactsd_sqlite_wal_sync_duration_seconds_count") >
                _value(before, "contactsd_sqlite_wal_sync_duration_seconds_count"))
        assert ("contactsd_postgres_pool_wait_seconds_count", frozenset()) not in after
    else:
        assert (_value(after, "contactsd_postgres_pool_wait_seconds_count") -
                _value(before, "contactsd_postgres_pool_wait_seconds_count")) >= 5
        assert ("contactsd_sqlite_commit_writes_count", frozenset()) not in after


def test_the_change_log_gauges_follow_the_log(server, tenant):
    before = _scrape(server.direct_url)
    contact = assert_status(tenant.client.post("/v1/contacts", {"first_name": "Log"}), 201)
    for i in range(5):
        assert_status(tenant.client.patch(f"/v1/contacts/{contact['id']}", {"title": f"t{i}"}),
                      200)
    assert_status(tenant.client.patch(f"/v1/contacts/{contact['id']}", {"title": "t4"}), 200)
    after = _scrape(server.direct_url)

    # six changes, six events (the last PATCH changed nothing: no event)
    assert (_value(after, "contactsd_event_log_newest_seq") -
            _value(before, "contactsd_event_log_newest_seq")) == 6
    newest = _value(after, "contactsd_event_log_newest_seq")
    assert 6 <= _value(after, "contactsd_event_log_retained_events") <= newest
    assert 0 <= _value(after, "contactsd_event_log_newest_event_age_seconds") < 60
    assert (_value(after, "contactsd_event_log_oldest_event_age_seconds") >=
            _value(after, "contactsd_event_log_newest_event_age_seconds"))
    assert _value(after, "contactsd_webhook_pending_deliveries") == 0
    assert _value(after, "contactsd_webhook_oldest_pending_age_seconds") == 0
    if server.backend == "postgresql":
        assert (_value(after, "contactsd_event_log_bytes") >
                _value(before, "contactsd_event_log_bytes") > 0 or
                _value(after, "contactsd_event_log_bytes") > 8192)
    else:
        assert ("contactsd_event_log_bytes", frozenset()) not in after


def test_a_failing_read_of_the_log_is_logged_when_it_begins_and_ends_not_each_scrape(make_server):
    server = make_server("standard")
    if server.backend != "sqlite":
        pytest.skip("the read is made to fail by renaming a table under the server's SQLite file")
    gauge = ("contactsd_event_log_newest_seq", frozenset())
    assert gauge in _scrape(server.direct_url)

    def rename(old: str, new: str) -> None:
        con = sqlite3.connect(server.db_url[len("sqlite:"):])
        try:
            con.execute(f"ALTER TABLE {old} RENAME TO {new}")
            con.commit()
        finally:
            con.close()

    rename("webhook_deliveries", "webhook_deliveries_away")
    for _ in range(3):
        samples = _scrape(server.direct_url)
        assert gauge not in samples  # left out; the scrape still answers with the rest
        assert any(name == "contactsd_http_requests_total" for name, _ in samples)
    rename("webhook_deliveries_away", "webhook_deliveries")
    assert gauge in _scrape(server.direct_url)
    assert gauge in _scrape(server.direct_url)
    log = server.stderr()
    assert log.count("event=metrics_read_failed") == 1, log
    assert log.count("event=metrics_read_recovered") == 1, log


def test_metrics_listen_serves_them_on_a_port_of_their_own(make_server):
    server = make_server("standard", extra_args=["--metrics-listen", "127.0.0.1:0"])
    # Port 0: the kernel picks a free one, which the listening line names (a port probed free
    # beforehand could be taken by another test's server first).
    listening = next(line for line in server.stderr().splitlines() if "event=listening" in line)
    port = int(re.search(r"metrics_url=http://127\.0\.0\.1:(\d+)", listening).group(1))
    assert port != server.port, listening
    assert server.client().get("/metrics").status_code == 404  # not on the API's port
    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    before = _scrape(f"http://127.0.0.1:{port}")
    assert_status(server.client().get("/healthz"), 200)
    after = _scrape_when(f"http://127.0.0.1:{port}", lambda s: (
        _value(s, "contactsd_http_requests_total", **healthz) >
        _value(before, "contactsd_http_requests_total", **healthz)))
    assert (_value(after, "contactsd_http_requests_total", **healthz) -
            _value(before, "contactsd_http_requests_total", **healthz)) == 1
