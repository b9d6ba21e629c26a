// Retention of the change log: a thread that deletes the events older than the retention
// period, oldest first, a small batch per transaction, so that writes queued meanwhile wait for
// one short batch at most, never for the whole backlog. Its state is the database's: after a
// restart (or a kill -9) it carries on from whatever is left.
#pragma once

#include "contacts/contacts_service.hpp"
#include "store/store.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace contactsd::contacts {

class EventPruner {
 public:
  // Events that occurred more than `retention` before clock() go; the thread looks every
  // `interval`, and prunes at once on start.
  EventPruner(store::Store& store, Clock clock, std::chrono::milliseconds retention,
              std::chrono::milliseconds interval);
  ~EventPruner();  // stops after the batch in progress
  EventPruner(const EventPruner&) = delete;
  EventPruner& operator=(const EventPruner&) = delete;

  static constexpr int kBatch = 500;

 private:
  void Run();
  // Deletes every event past the retention, a batch at a time, until none is left or stopping.
  void PruneAll();

  store::Store& store_;
  Clock clock_;
  const std::chrono::milliseconds retention_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace contactsd::contacts
