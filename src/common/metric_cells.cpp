#include "common/metric_cells.hpp"

#include <cmath>
#include <utility>

namespace contactsd::metrics {
namespace {

constexpr std::size_t kCellsPerLine = 64 / sizeof(std::atomic<std::uint64_t>);

std::atomic<std::size_t> next_shard{0};

}  // namespace

std::size_t ShardedCounts::Shard() noexcept {
  // Handed out in turn as threads first record: the server's few I/O and worker threads each
  // get a shard of their own.
  thread_local const std::size_t shard =
      next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

ShardedCounts::ShardedCounts(std::size_t cells)
    : cells_(cells),
      stride_((cells + kCellsPerLine - 1) / kCellsPerLine * kCellsPerLine),
      counts_(new std::atomic<std::uint64_t>[kShards * stride_]) {
  for (std::size_t i = 0; i < kShards * stride_; ++i) {
    counts_[i].store(0, std::memory_order_relaxed);
  }
}

std::vector<std::uint64_t> ShardedCounts::Totals() const {
  std::vector<std::uint64_t> totals(cells_, 0);
  for (std::size_t shard = 0; shard < kShards; ++shard) {
    for (std::size_t cell = 0; cell < cells_; ++cell) {
      totals[cell] += counts_[shard * stride_ + cell].load(std::memory_order_relaxed);
    }
  }
  return totals;
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 2) {}

void Histogram::Observe(double value) noexcept {
  std::size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  counts_.Add(bucket);
  if (value > 0)
    counts_.Add(bounds_.size() + 1, static_cast<std::uint64_t>(std::llround(value * 1e6)));
}

Histogram::Snapshot Histogram::Take() const {
  const std::vector<std::uint64_t> totals = counts_.Totals();
  Snapshot out;
  out.upper_bounds = bounds_;
  out.cumulative.reserve(bounds_.size());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    running += totals[i];
    out.cumulative.push_back(running);
  }
  out.count = running + totals[bounds_.size()];
  out.sum = static_cast<double>(totals[bounds_.size() + 1]) / 1e6;
  return out;
}

std::vector<double> LatencyBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> LagBounds() {
  return {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
}

}  // namespace contactsd::metrics
