// RequestMetrics: what the server has answered, per route: counts by status, a latency histogram,
// and the requests in flight. Recorded by the sessions as each answer is written (a few relaxed
// atomic adds on the thread's own shard: common/metric_cells.hpp), read by the /metrics
// exposition. Routes are the router's: the label is the route's template, never the raw path, so
// the number of series stays fixed whatever clients send.
#pragma once

#include "common/metric_cells.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace contactsd::http {

class Router;

class RequestMetrics {
 public:
  explicit RequestMetrics(const Router& router);

  // A request's head has arrived / its answer is written (or it ended without one).
  void Started() noexcept { in_flight_.Add(0); }
  void Ended() noexcept { in_flight_.Add(1); }
  // `route`: the matched route's pattern as the router holds it (Dispatched::route), or any
  // other text for a request no route took (404, 405, 400 before routing).
  void Answered(std::string_view route, int status, std::chrono::microseconds elapsed) noexcept;

  struct RouteRow {
    std::string method;  // "-" for requests no route took
    std::string route;
    std::vector<std::pair<int, std::uint64_t>> by_status;  // the statuses seen, in order
    metrics::Histogram::Snapshot latency;                  // seconds
  };
  std::vector<RouteRow> Rows() const;
  std::int64_t in_flight() const;

 private:
  std::size_t RowOf(std::string_view route) const noexcept;

  std::vector<std::pair<std::string, std::string>> labels_;  // method, route; last: no route
  std::unordered_map<const char*, std::size_t> rows_;        // by the router's pattern text
  metrics::ShardedCounts answers_;                           // row × status slot
  std::vector<metrics::Histogram> latency_;                  // by row
  metrics::ShardedCounts in_flight_;                         // started, ended
};

}  // namespace contactsd::http
