// The long polls of the event feed (GET {base}/events?wait=SECONDS): requests that found no
// event after their cursor wait here, on no thread of the server's, until one exists or their
// deadline passes. One thread reads the store's events watermark every `tick` while anyone
// waits; when it moves, each waiter runs its query again, and answers if it found events.
// Thread-safe.
#pragma once

#include "store/store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace contactsd::api {

class FeedWaiters {
 public:
  using Clock = std::chrono::steady_clock;
  // Runs a waiter's query: answers and returns true when it found events or when `last` is set
  // (its deadline has passed, or the server is shutting down: then it answers what it has).
  using Poll = std::function<bool(bool last)>;

  FeedWaiters(store::Store& store, std::chrono::milliseconds tick, std::size_t max_waiters);
  // Answers every waiter (a last poll each), then joins the thread.
  ~FeedWaiters();
  FeedWaiters(const FeedWaiters&) = delete;
  FeedWaiters& operator=(const FeedWaiters&) = delete;

  // Takes a waiter until `deadline`. False when max_waiters wait already (nothing taken).
  bool Add(Poll poll, Clock::time_point deadline);
  // Answers every waiter now and every later one at once: the server is shutting down.
  void Release();

  std::size_t waiting() const;

 private:
  struct Waiter {
    Poll poll;
    Clock::time_point deadline;
  };
  void Run();

  store::Store& store_;
  const std::chrono::milliseconds tick_;
  const std::size_t max_waiters_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::list<Waiter> waiters_;  // guarded by mu_
  bool released_ = false;      // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  std::thread thread_;
};

}  // namespace contactsd::api
