#include "contacts/event_pruner.hpp"

#include <spdlog/spdlog.h>

namespace contactsd::contacts {

EventPruner::EventPruner(store::Store& store, Clock clock, std::chrono::milliseconds retention,
                         std::chrono::milliseconds interval)
    : store_(store),
      clock_(std::move(clock)),
      retention_(retention),
      interval_(interval),
      thread_([this] { Run(); }) {}

EventPruner::~EventPruner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void EventPruner::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    PruneAll();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

void EventPruner::PruneAll() {
  int total = 0;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    const std::int64_t cutoff = clock_() - retention_.count();
    auto pruned = store_.PruneEvents(cutoff, kBatch);
    if (!pruned.ok()) {
      spdlog::warn("events: pruning failed, will retry: {}", pruned.error().internal.empty()
                                                                 ? pruned.error().message
                                                                 : pruned.error().internal);
      break;
    }
    total += *pruned;
    if (*pruned < kBatch) break;
  }
  if (total > 0) spdlog::info("events: pruned {} event(s) past the retention", total);
}

}  // namespace contactsd::contacts
