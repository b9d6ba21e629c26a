#include "http/request_metrics.hpp"

#include "http/router.hpp"

#include <algorithm>
#include <array>

namespace contactsd::http {
namespace {

// The statuses the server answers; any other counts as 0 ("other"), so a table row stays small.
constexpr std::array<int, 33> kStatuses = {0,   200, 201, 202, 204, 206, 301, 302, 304, 400, 401,
                                           402, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413,
                                           414, 415, 416, 417, 422, 428, 429, 431, 500, 501, 503};

std::size_t StatusSlot(int status) noexcept {
  auto found = std::lower_bound(kStatuses.begin() + 1, kStatuses.end(), status);
  return found != kStatuses.end() && *found == status
             ? static_cast<std::size_t>(found - kStatuses.begin())
             : 0;
}

}  // namespace

RequestMetrics::RequestMetrics(const Router& router)
    : answers_((router.routes().size() + 1) * kStatuses.size()), in_flight_(2) {
  for (const api::Route* route : router.routes()) {
    rows_.emplace(route->pattern.data(), labels_.size());
    labels_.emplace_back(route->method, route->pattern);
  }
  labels_.emplace_back("-", "-");
  latency_.reserve(labels_.size());
  for (std::size_t i = 0; i < labels_.size(); ++i) latency_.emplace_back(metrics::LatencyBounds());
}

std::size_t RequestMetrics::RowOf(std::string_view route) const noexcept {
  auto found = rows_.find(route.data());
  return found == rows_.end() ? labels_.size() - 1 : found->second;
}

void RequestMetrics::Answered(std::string_view route, int status,
                              std::chrono::microseconds elapsed) noexcept {
  const std::size_t row = RowOf(route);
  answers_.Add(row * kStatuses.size() + StatusSlot(status));
  latency_[row].Observe(static_cast<double>(elapsed.count()) / 1e6);
}

std::vector<RequestMetrics::RouteRow> RequestMetrics::Rows() const {
  const std::vector<std::uint64_t> answers = answers_.Totals();
  std::vector<RouteRow> rows;
  for (std::size_t row = 0; row < labels_.size(); ++row) {
    RouteRow out{labels_[row].first, labels_[row].second, {}, latency_[row].Take()};
    for (std::size_t slot = 0; slot < kStatuses.size(); ++slot) {
      const std::uint64_t n = answers[row * kStatuses.size() + slot];
      if (n > 0) out.by_status.emplace_back(kStatuses[slot], n);
    }
    if (out.latency.count > 0 || !out.by_status.empty()) rows.push_back(std::move(out));
  }
  return rows;
}

std::int64_t RequestMetrics::in_flight() const {
  const std::vector<std::uint64_t> counts = in_flight_.Totals();
  return static_cast<std::int64_t>(counts[0]) - static_cast<std::int64_t>(counts[1]);
}

}  // namespace contactsd::http
