// FeedWaiters over a real SQLite store: a waiter runs its query again when the store's events
// watermark moves and answers once it finds events; at its deadline, or when released, it
// answers with what it has; past the cap nothing is taken. No test sleeps: each waits for an
// answer (a future), with a generous bound.
#include "api/feed_waiters.hpp"

#include "store/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>

namespace contactsd::api {
namespace {

using namespace std::chrono_literals;

class FeedWaitersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenStore("sqlite:" + (dir_.path() / "t.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->CreateOrg({"org-a", "A", "free", 0, 1}).ok());
  }

  void CommitAnEvent() {
    store::Contact c;
    c.org_id = "org-a";
    c.id = "c-" + std::to_string(++contacts_);
    c.doc = "{}";
    ASSERT_TRUE(store_->CreateContact(c, {}).ok());
  }

  // A waiter: `found` says whether its query finds events; it answers `last` through `answer`.
  struct Probe {
    std::atomic<bool> found{false};
    std::atomic<int> polls{0};
    std::promise<bool> answer;
    FeedWaiters::Poll Poll() {
      return [this](bool last) {
        ++polls;
        if (!found && !last) return false;
        answer.set_value(last);
        return true;
      };
    }
  };

  store::test::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  int contacts_ = 0;
};

constexpr auto kBound = 10s;  // far past any answer; only a broken FeedWaiters reaches it

TEST_F(FeedWaitersTest, AWaiterAnswersOnceACommittedEventMovesTheWatermark) {
  FeedWaiters waiters(*store_, 5ms, 8);
  Probe probe;
  auto answered = probe.answer.get_future();
  ASSERT_TRUE(waiters.Add(probe.Poll(), FeedWaiters::Clock::now() + 60s));
  probe.found = true;
  CommitAnEvent();
  ASSERT_EQ(answered.wait_for(kBound), std::future_status::ready);
  EXPECT_FALSE(answered.get());  // answered with events, long before its deadline
  EXPECT_EQ(waiters.waiting(), 0u);
}

TEST_F(FeedWaitersTest, WithNothingFoundAWaiterAnswersAtItsDeadline) {
  FeedWaiters waiters(*store_, 5ms, 8);
  Probe probe;
  auto answered = probe.answer.get_future();
  const auto deadline = FeedWaiters::Clock::now() + 50ms;
  ASSERT_TRUE(waiters.Add(probe.Poll(), deadline));
  CommitAnEvent();  // the watermark moves, but this waiter's query still finds nothing
  ASSERT_EQ(answered.wait_for(kBound), std::future_status::ready);
  EXPECT_TRUE(answered.get());
  EXPECT_GE(FeedWaiters::Clock::now(), deadline);
}

TEST_F(FeedWaitersTest, ReleaseAnswersEveryWaiterAtOnceAndLaterOnesAsTheyCome) {
  FeedWaiters waiters(*store_, 5ms, 8);
  Probe first, second;
  auto first_answer = first.answer.get_future();
  ASSERT_TRUE(waiters.Add(first.Poll(), FeedWaiters::Clock::now() + 60s));
  waiters.Release();
  ASSERT_EQ(first_answer.wait_for(kBound), std::future_status::ready);
  EXPECT_TRUE(first_answer.get());
  auto second_answer = second.answer.get_future();
  ASSERT_TRUE(waiters.Add(second.Poll(), FeedWaiters::Clock::now() + 60s));
  ASSERT_EQ(second_answer.wait_for(kBound), std::future_status::ready);
  EXPECT_TRUE(second_answer.get());
}

TEST_F(FeedWaitersTest, PastTheCapNothingIsTakenAndTheDestructorAnswersTheRest) {
  auto probes = std::make_unique<Probe[]>(3);
  std::future<bool> answers[2] = {probes[0].answer.get_future(), probes[1].answer.get_future()};
  {
    FeedWaiters waiters(*store_, 5ms, 2);
    ASSERT_TRUE(waiters.Add(probes[0].Poll(), FeedWaiters::Clock::now() + 60s));
    ASSERT_TRUE(waiters.Add(probes[1].Poll(), FeedWaiters::Clock::now() + 60s));
    EXPECT_FALSE(waiters.Add(probes[2].Poll(), FeedWaiters::Clock::now() + 60s));
    EXPECT_EQ(waiters.waiting(), 2u);
  }
  for (auto& answer : answers) {
    ASSERT_EQ(answer.wait_for(0s), std::future_status::ready);
    EXPECT_TRUE(answer.get());
  }
  EXPECT_EQ(probes[2].polls.load(), 0);
}

}  // namespace
}  // namespace contactsd::api
