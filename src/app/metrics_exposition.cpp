#include "app/metrics_exposition.hpp"

#include "webhooks/dispatcher.hpp"

#include "app/build_info.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "http/server.hpp"
#include "store/store.hpp"

#include <algorithm>
#include <atomic>
#include <dirent.h>
#include <fstream>
#include <memory>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sstream>
#include <unistd.h>

namespace contactsd::app {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

ClientMetric Value(double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  metric.gauge.value = value;
  return metric;
}

ClientMetric HistogramOf(const metrics::Histogram::Snapshot& snapshot,
                         std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  metric.histogram.sample_count = snapshot.count;
  metric.histogram.sample_sum = snapshot.sum;
  for (std::size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
    metric.histogram.bucket.push_back({snapshot.cumulative[i], snapshot.upper_bounds[i]});
  }
  metric.histogram.bucket.push_back({snapshot.count, std::numeric_limits<double>::infinity()});
  return metric;
}

void AddGauge(std::vector<MetricFamily>& out, std::string name, std::string help, double value) {
  MetricFamily family = Family(std::move(name), std::move(help), MetricType::Gauge);
  family.metric.push_back(Value(value));
  out.push_back(std::move(family));
}

void AddHistogram(std::vector<MetricFamily>& out, std::string name, std::string help,
                  const metrics::Histogram* histogram) {
  if (histogram == nullptr) return;
  MetricFamily family = Family(std::move(name), std::move(help), MetricType::Histogram);
  family.metric.push_back(HistogramOf(histogram->Take()));
  out.push_back(std::move(family));
}

// Resident set size from /proc/self/statm (pages), in bytes; 0 when it cannot be read.
double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  long long size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double OpenDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the directory's own descriptor
}

// The change log's gauges, from one read of the database; none when that read fails (a scrape
// must not fail for it: the request metrics say more about the failure). `failing` is whether
// the last read failed: the failure is logged when it begins and when it ends, not at every
// scrape (one line per 15 s for as long as a database is unreachable said nothing new).
void AddEventLogState(std::vector<MetricFamily>& out, store::Store& store,
                      std::atomic<bool>& failing) {
  auto state = store.ReadEventLogState();
  if (!state.ok()) {
    // The scrape still answers with every other metric; the gauges' absence and this line say
    // why they are missing.
    if (!failing.exchange(true)) {
      log::Warn("metrics_read_failed", "cannot read the change log's state for /metrics",
                {{"error", state.error().internal}});
    }
    return;
  }
  if (failing.exchange(false)) {
    log::Info("metrics_read_recovered", "the change log's state for /metrics is read again");
  }
  const double now = static_cast<double>(NowMillis());
  auto age = [now](std::int64_t at_ms) {
    return at_ms == 0 ? 0 : std::max(0.0, (now - static_cast<double>(at_ms)) / 1000);
  };
  AddGauge(out, "contactsd_event_log_newest_seq", "The seq of the newest event in the change log",
           static_cast<double>(state->newest_seq));
  AddGauge(
      out, "contactsd_event_log_retained_events",
      "Events the change log holds, counted as the span of seqs between its oldest and newest "
      "(an upper bound: erasures and rolled-back writes leave gaps)",
      state->newest_seq == 0 ? 0 : static_cast<double>(state->newest_seq - state->oldest_seq + 1));
  AddGauge(out, "contactsd_event_log_oldest_event_age_seconds",
           "How long ago the oldest event retained occurred (retention keeps it near "
           "--event-retention)",
           age(state->oldest_at_ms));
  AddGauge(out, "contactsd_event_log_newest_event_age_seconds",
           "How long ago the newest event occurred (the time since the last write)",
           age(state->newest_at_ms));
  if (state->bytes >= 0) {
    AddGauge(out, "contactsd_event_log_bytes", "The change log's size on disk, indexes included",
             static_cast<double>(state->bytes));
  }
  AddGauge(out, "contactsd_webhook_pending_deliveries",
           "Webhook deliveries parked for a retry or behind one, not yet delivered",
           static_cast<double>(state->pending_deliveries));
  AddGauge(out, "contactsd_webhook_oldest_pending_age_seconds",
           "How long ago the oldest pending webhook delivery was parked (0: none is)",
           age(state->oldest_pending_at_ms));
}

}  // namespace

std::string MetricsExposition::Render() const {
  std::vector<MetricFamily> families;
  for (const Source& source : sources_) source(families);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

api::Route MetricsRoute(const MetricsExposition& exposition) {
  api::Route route{"GET", "/metrics", [&exposition](const api::Request&) -> Result<api::Response> {
                     return api::Response{
                         200,
                         exposition.Render(),
                         {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}}};
                   }};
  // Operations' business, not the model's API: left out of the OpenAPI document.
  route.doc.not_an_operation = true;
  return route;
}

MetricsExposition::Source ServerMetrics(const http::Server& server) {
  return [&server](std::vector<MetricFamily>& out) {
    MetricFamily requests =
        Family("contactsd_http_requests_total",
               "Requests answered, by route template, method and status", MetricType::Counter);
    MetricFamily latency =
        Family("contactsd_http_request_duration_seconds",
               "From a request's first byte to its answer's last, by route", MetricType::Histogram);
    for (const auto& row : server.request_metrics().Rows()) {
      for (const auto& [status, count] : row.by_status) {
        requests.metric.push_back(Value(static_cast<double>(count),
                                        {{"method", row.method},
                                         {"route", row.route},
                                         {"status", status ? std::to_string(status) : "other"}}));
      }
      latency.metric.push_back(
          HistogramOf(row.latency, {{"method", row.method}, {"route", row.route}}));
    }
    out.push_back(std::move(requests));
    out.push_back(std::move(latency));
    const http::ServerStats stats = server.stats();
    AddGauge(out, "contactsd_http_requests_in_flight",
             "Requests whose head has arrived and whose answer is not yet written",
             static_cast<double>(server.request_metrics().in_flight()));
    AddGauge(out, "contactsd_http_connections", "Open client connections",
             static_cast<double>(stats.connections));
    AddGauge(out, "contactsd_http_worker_queue", "Requests waiting for a write worker",
             static_cast<double>(stats.worker_queue));
    AddGauge(out, "contactsd_http_bulk_queue", "Requests waiting for a bulk worker",
             static_cast<double>(stats.bulk_queue));
  };
}

MetricsExposition::Source StoreMetrics(store::Store& store) {
  auto failing = std::make_shared<std::atomic<bool>>(false);
  return [&store, failing](std::vector<MetricFamily>& out) {
    AddEventLogState(out, store, *failing);
    const store::StoreMetrics measured = store.Metrics();
    AddHistogram(out, "contactsd_sqlite_commit_writes",
                 "Writes committed together by one SQLite group commit", measured.commit_writes);
    AddHistogram(out, "contactsd_sqlite_commit_duration_seconds",
                 "How long each SQLite group commit's COMMIT took", measured.commit_seconds);
    AddHistogram(out, "contactsd_sqlite_wal_sync_duration_seconds",
                 "How long each fdatasync of the SQLite WAL took (--sync full)",
                 measured.sync_seconds);
    if (measured.commit_writes != nullptr) {
      AddGauge(out, "contactsd_sqlite_queued_writes", "Writes waiting for the next group commit",
               static_cast<double>(measured.queued_writes));
    }
    AddHistogram(out, "contactsd_postgres_pool_wait_seconds",
                 "How long each request waited for a pooled PostgreSQL connection",
                 measured.pool_wait_seconds);
  };
}

MetricsExposition::Source WebhookMetrics(const webhooks::Dispatcher& dispatcher) {
  return [&dispatcher](std::vector<MetricFamily>& out) {
    const webhooks::DeliveryMetrics& measured = dispatcher.metrics();
    MetricFamily attempts =
        Family("contactsd_webhook_attempts_total",
               "Webhook delivery attempts finished, by outcome: delivered, failed (another "
               "attempt is scheduled) or given_up (none is)",
               MetricType::Counter);
    const std::vector<std::uint64_t> outcomes = measured.outcomes.Totals();
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      attempts.metric.push_back(Value(static_cast<double>(outcomes[i]),
                                      {{"outcome", webhooks::DeliveryMetrics::kOutcomeNames[i]}}));
    }
    out.push_back(std::move(attempts));
    MetricFamily latency =
        Family("contactsd_webhook_attempt_duration_seconds",
               "How long each attempt that was sent took", MetricType::Histogram);
    latency.metric.push_back(HistogramOf(measured.seconds.Take()));
    out.push_back(std::move(latency));
    AddGauge(out, "contactsd_webhook_attempts_in_flight", "Webhook attempts on the way now",
             measured.in_flight.load(std::memory_order_relaxed));
    AddHistogram(out, "contactsd_webhook_log_read_lag_seconds",
                 "From an event's write to the dispatcher reading it from the change log for an "
                 "endpoint, per event and endpoint",
                 &measured.read_lag_seconds);
  };
}

MetricsExposition::Source ProcessMetrics() {
  return [](std::vector<MetricFamily>& out) {
    AddGauge(out, "process_resident_memory_bytes", "Resident memory size in bytes",
             ResidentBytes());
    AddGauge(out, "process_open_fds", "Open file descriptors", OpenDescriptors());
    MetricFamily build =
        Family("contactsd_build_info", "The version and commit serving", MetricType::Gauge);
    build.metric.push_back(Value(1, {{"version", kVersion}, {"commit", kCommit}}));
    out.push_back(std::move(build));
  };
}

}  // namespace contactsd::app
