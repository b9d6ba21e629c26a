// GET /metrics: the Prometheus text format (0.0.4), written by prometheus-cpp's TextSerializer
// from what the layers record themselves (common/metric_cells.hpp: the server's requests, the
// store's commits, syncs and pool waits) and from gauges read when scraped (connections, queues,
// the process's memory). Served on the API port, or on --metrics-listen alone.
#pragma once

#include "api/request.hpp"

#include <functional>
#include <string>
#include <vector>

namespace prometheus {
struct MetricFamily;
}
namespace contactsd::http {
class Server;
}
namespace contactsd::store {
class Store;
}
namespace contactsd::webhooks {
class Dispatcher;
}

namespace contactsd::app {

class MetricsExposition {
 public:
  // Appends its families at each scrape. Called on the scraping thread: it must be thread-safe.
  using Source = std::function<void(std::vector<prometheus::MetricFamily>&)>;

  // Adds a source. Not thread-safe: every source is added before the server serves.
  void Add(Source source) { sources_.push_back(std::move(source)); }
  // The text of every source's families.
  std::string Render() const;

 private:
  std::vector<Source> sources_;
};

// GET /metrics, answering `exposition`'s text; no credentials (it holds no tenant's data).
api::Route MetricsRoute(const MetricsExposition& exposition);

// The sources: the HTTP server's requests, connections and queues; the store's own measures,
// and the change log's extent and the webhook queue's depth (read from the database at each
// scrape: a few index lookups, store::EventLogState); the process (resident memory, open
// descriptors) and the build.
MetricsExposition::Source ServerMetrics(const http::Server& server);
MetricsExposition::Source StoreMetrics(store::Store& store);
MetricsExposition::Source ProcessMetrics();
// Webhook attempts by outcome, their latency, those on the way, and the log's lag as read.
MetricsExposition::Source WebhookMetrics(const webhooks::Dispatcher& dispatcher);

}  // namespace contactsd::app
