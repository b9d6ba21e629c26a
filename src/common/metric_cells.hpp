// Counts that any thread adds to without a lock and without sharing a cache line with the other
// threads (each thread adds to a shard of its own; a collection sums the shards), so recording a
// request's metrics costs a few uncontended atomic adds. No Prometheus here: the exposition
// (app/metrics_exposition) reads these and writes the text format.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace contactsd::metrics {

// Threads beyond this many share shards (still correct, only no longer uncontended).
inline constexpr std::size_t kShards = 16;

// A slot per cell per shard, each shard's slots on cache lines of their own.
class ShardedCounts {
 public:
  explicit ShardedCounts(std::size_t cells);

  void Add(std::size_t cell, std::uint64_t n = 1) noexcept {
    counts_[Shard() * stride_ + cell].fetch_add(n, std::memory_order_relaxed);
  }
  // Each cell's total over the shards (a moment's view: adds meanwhile may or may not count).
  std::vector<std::uint64_t> Totals() const;
  std::size_t cells() const { return cells_; }

 private:
  static std::size_t Shard() noexcept;

  std::size_t cells_;
  std::size_t stride_;  // cells rounded up to a whole number of cache lines
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
};

// A distribution over fixed upper bounds, as Prometheus histograms have: observations go to the
// first bucket whose bound is at least the value (or past the last), and their sum is kept in
// millionths, so it stays an integer add.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double value) noexcept;

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative;  // per bound: observations <= it
    std::uint64_t count = 0;                // all of them (the +Inf bucket)
    double sum = 0;
  };
  Snapshot Take() const;

 private:
  std::vector<double> bounds_;
  ShardedCounts counts_;  // one per bound, one past the last, then the sum in millionths
};

// Seconds: 0.5 ms to 10 s, for request and database latencies.
std::vector<double> LatencyBounds();
// Bounds in seconds for delays a queue builds up: 10 ms to an hour.
std::vector<double> LagBounds();

}  // namespace contactsd::metrics
