// Retention: a thread that deletes what has expired (change-log events past the retention,
// idempotency answers past their time, settled webhook deliveries), oldest first, a small batch per
// transaction, so that writes queued meanwhile wait for one short batch at most, never for the
// whole backlog. Its state is the database's: after a restart (or a kill -9) it carries on from
// whatever is left.
#pragma once

#include "contacts/contacts_service.hpp"
#include "store/store.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace contactsd::contacts {

class Pruner {
 public:
  // Deletes at most `batch` expired rows in one transaction; returns how many it deleted
  // (fewer than `batch`: none is left).
  using PruneBatch = std::function<Result<int>(int batch)>;

  // Prunes at once on start, then every `interval`; `what` names the rows in its log lines.
  Pruner(std::string what, PruneBatch prune, std::chrono::milliseconds interval);
  ~Pruner();  // stops after the batch in progress
  Pruner(const Pruner&) = delete;
  Pruner& operator=(const Pruner&) = delete;

  static constexpr int kBatch = 500;

 private:
  void Run();
  // Deletes everything expired, a batch at a time, until none is left or stopping.
  void PruneAll();

  const std::string what_;
  const PruneBatch prune_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

// The events that occurred more than `retention` before clock() (Store::PruneEvents).
Pruner::PruneBatch ExpiredEvents(store::Store& store, Clock clock,
                                 std::chrono::milliseconds retention);
// The idempotency answers expired at clock() (Store::PruneAnswers).
Pruner::PruneBatch ExpiredAnswers(store::Store& store, Clock clock);
// The webhook deliveries settled and made more than `retention` before clock(), with their
// delivery log (Store::PruneDeliveries).
Pruner::PruneBatch ExpiredDeliveries(store::Store& store, Clock clock,
                                     std::chrono::milliseconds retention);

}  // namespace contactsd::contacts
