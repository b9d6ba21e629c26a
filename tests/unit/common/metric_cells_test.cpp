#include "common/metric_cells.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace contactsd::metrics {
namespace {

TEST(ShardedCounts, EveryThreadsAddsAreCounted) {
  ShardedCounts counts(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 20; ++t) {  // more threads than shards: some share one
    threads.emplace_back([&counts] {
      for (int i = 0; i < 1000; ++i) {
        counts.Add(0);
        counts.Add(2, 3);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counts.Totals(), (std::vector<std::uint64_t>{20'000, 0, 60'000}));
}

TEST(Histogram, BucketsAreCumulativeAndTheSumIsKept) {
  Histogram histogram({1, 5, 10});
  for (double v : {0.5, 1.0, 3.0, 7.0, 12.0, 0.0}) histogram.Observe(v);
  const Histogram::Snapshot s = histogram.Take();
  EXPECT_EQ(s.upper_bounds, (std::vector<double>{1, 5, 10}));
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{3, 4, 5}));  // a bound is inclusive
  EXPECT_EQ(s.count, 6u);                                          // 12 is past the last
  EXPECT_DOUBLE_EQ(s.sum, 23.5);
}

}  // namespace
}  // namespace contactsd::metrics
