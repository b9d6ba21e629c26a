#include "api/feed_waiters.hpp"

#include <utility>

namespace contactsd::api {

FeedWaiters::FeedWaiters(store::Store& store, std::chrono::milliseconds tick,
                         std::size_t max_waiters)
    : store_(store), tick_(tick), max_waiters_(max_waiters), thread_([this] { Run(); }) {}

FeedWaiters::~FeedWaiters() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    released_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool FeedWaiters::Add(Poll poll, Clock::time_point deadline) {
  {
    std::lock_guard lock(mu_);
    if (waiters_.size() >= max_waiters_) return false;
    if (released_) deadline = Clock::now();  // shutting down: answered on the next pass
    waiters_.push_back({std::move(poll), deadline});
  }
  wake_.notify_all();
  return true;
}

void FeedWaiters::Release() {
  {
    std::lock_guard lock(mu_);
    released_ = true;
  }
  wake_.notify_all();
}

std::size_t FeedWaiters::waiting() const {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

void FeedWaiters::Run() {
  std::string last_mark;
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_ && waiters_.empty()) return;
    if (waiters_.empty()) {
      wake_.wait(lock, [this] { return stopping_ || !waiters_.empty(); });
      continue;
    }
    if (!released_) wake_.wait_for(lock, tick_, [this] { return released_; });
    // The waiters are taken out while their queries run, so Add never waits for a query; the
    // ones that still wait go back (ahead of any added meanwhile).
    std::list<Waiter> round;
    round.swap(waiters_);
    const bool released = released_;
    lock.unlock();
    auto mark = store_.EventsWatermark();
    const bool moved = !mark.ok() || *mark != last_mark;
    if (mark.ok()) last_mark = *mark;
    const Clock::time_point now = Clock::now();
    for (auto it = round.begin(); it != round.end();) {
      const bool last = released || now >= it->deadline;
      if ((moved || last) && it->poll(last)) {
        it = round.erase(it);
      } else {
        ++it;
      }
    }
    lock.lock();
    waiters_.splice(waiters_.begin(), round);
  }
}

}  // namespace contactsd::api
