#include "contacts/pruner.hpp"

#include "common/log.hpp"

namespace contactsd::contacts {

Pruner::Pruner(std::string what, PruneBatch prune, std::chrono::milliseconds interval)
    : what_(std::move(what)),
      prune_(std::move(prune)),
      interval_(interval),
      thread_([this] { Run(); }) {}

Pruner::~Pruner() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Pruner::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    PruneAll();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

void Pruner::PruneAll() {
  int total = 0;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    auto pruned = prune_(kBatch);
    if (!pruned.ok()) {
      const Error& error = pruned.error();
      log::Warn(
          "prune_failed", "pruning failed; will retry",
          {{"what", what_}, {"error", error.internal.empty() ? error.message : error.internal}});
      break;
    }
    total += *pruned;
    if (*pruned < kBatch) break;
  }
  if (total > 0) {
    log::Info("pruned", "pruned what was past its time", {{"what", what_}, {"count", total}});
  }
}

Pruner::PruneBatch ExpiredEvents(store::Store& store, Clock clock,
                                 std::chrono::milliseconds retention) {
  return [&store, clock = std::move(clock), retention](int batch) {
    return store.PruneEvents(clock() - retention.count(), batch);
  };
}

Pruner::PruneBatch ExpiredAnswers(store::Store& store, Clock clock) {
  return
      [&store, clock = std::move(clock)](int batch) { return store.PruneAnswers(clock(), batch); };
}

Pruner::PruneBatch ExpiredDeliveries(store::Store& store, Clock clock,
                                     std::chrono::milliseconds retention) {
  return [&store, clock = std::move(clock), retention](int batch) {
    return store.PruneDeliveries(clock() - retention.count(), batch);
  };
}

}  // namespace contactsd::contacts
