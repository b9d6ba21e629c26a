#include "store/sqlite/group_commit_writer.hpp"

#include "store/sqlite/sql.hpp"
#include "store/sqlite/write_transaction.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <future>
#include <linux/futex.h>
#include <memory>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

bool InTransaction(Connection& connection) {
  return sqlite3_get_autocommit(connection.handle()) == 0;
}

}  // namespace

// A one-shot flag that one thread sleeps on until another sets it: one futex call on each side
// at most, no spinning and no mutex. std::binary_semaphore spins with sched_yield before it
// sleeps, and a mutex + condition variable makes a woken waiter block again on the mutex the
// notifier still holds: with dozens of callers waiting out a disk sync on two cores, those
// extra context switches cost more CPU than the writes themselves (measured with perf).
// Outside the anonymous namespace: GroupCommitWriter::Job, a member of a class with linkage,
// holds one.
class DoneFlag {
 public:
  void Wait() {
    std::uint32_t state = kPending;
    if (!state_.compare_exchange_strong(state, kSleeping, std::memory_order_acquire)) return;
    do {
      Futex(FUTEX_WAIT_PRIVATE, kSleeping);  // returns at once unless still kSleeping
    } while (state_.load(std::memory_order_acquire) != kDone);
  }

  // The waiter may return, and the flag die, as soon as the store lands; the wake that may
  // follow only uses the address as a key (at worst a spurious wake-up for a later owner of
  // the address, which every futex user tolerates).
  void Set() {
    if (state_.exchange(kDone, std::memory_order_release) == kSleeping) {
      Futex(FUTEX_WAKE_PRIVATE, 1);
    }
  }

 private:
  static constexpr std::uint32_t kPending = 0;
  static constexpr std::uint32_t kSleeping = 1;
  static constexpr std::uint32_t kDone = 2;

  void Futex(int op, std::uint32_t value) {
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), op, value, nullptr, nullptr, 0);
  }

  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  std::atomic<std::uint32_t> state_{kPending};
};

// One caller's write. A waiting caller's job lives on its stack (the caller waits until the
// writer thread has set `result`, so the pointer in the queue stays valid until then); an
// asynchronous job owns its body and completion and is freed once completed.
struct GroupCommitWriter::Job {
  const Body* body = nullptr;
  bool exclusive = false;
  Status result;
  std::exception_ptr thrown;
  DoneFlag done;
  // Asynchronous jobs only: `body` points at owned_body, and `completion` is called instead of
  // setting `done`.
  Body owned_body;
  Completion completion;
};

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> writer, int max_batch,
                                     std::string sync_wal_path)
    : connection_(std::move(writer)),
      max_batch_(static_cast<std::size_t>(std::max(1, max_batch))),
      syncer_(sync_wal_path.empty() ? nullptr
                                    : std::make_unique<WalSyncer>(std::move(sync_wal_path))),
      thread_([this] { Loop(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  thread_.join();
  syncer_.reset();  // answers the last batches once they are synced
}

Status GroupCommitWriter::Write(const Body& body) {
  Job job;
  job.body = &body;
  return Submit(job);
}

Status GroupCommitWriter::Exclusive(const Body& job_body) {
  Job job;
  job.body = &job_body;
  job.exclusive = true;
  return Submit(job);
}

const metrics::Histogram* GroupCommitWriter::sync_seconds() const {
  return syncer_ ? &syncer_->sync_seconds() : nullptr;
}

WriteStats GroupCommitWriter::stats() const {
  WriteStats stats{transactions_.load(std::memory_order_relaxed),
                   writes_.load(std::memory_order_relaxed), 0};
  std::lock_guard lock(mu_);
  stats.queued = pending_.size();
  return stats;
}

Status GroupCommitWriter::SyncCommitted() {
  if (!syncer_) return {};
  if (syncer_->OnThread()) return Error::Internal("sqlite: a sync waited for on its own thread");
  std::promise<Status> synced;
  auto done = synced.get_future();
  syncer_->After([&synced](Status status) { synced.set_value(std::move(status)); });
  return done.get();
}

void GroupCommitWriter::WriteAsync(Body body, Completion done) {
  auto job = std::make_unique<Job>();
  job->owned_body = std::move(body);
  job->body = &job->owned_body;
  job->completion = std::move(done);
  // Nobody waits for it, so even the writer thread itself (a completion) may queue one.
  Enqueue(job.release());  // Finish() frees it
}

void GroupCommitWriter::Enqueue(Job* job) {
  {
    std::lock_guard lock(mu_);
    pending_.push_back(job);
  }
  work_cv_.notify_one();
}

Status GroupCommitWriter::Submit(Job& job) {
  // The writer thread, and the syncer's (a completion), would wait for themselves.
  if (std::this_thread::get_id() == thread_.get_id() || (syncer_ && syncer_->OnThread())) {
    return Error::Internal("sqlite: a write body wrote through the store (it would deadlock)");
  }
  Enqueue(&job);
  job.done.Wait();
  if (job.thrown) std::rethrow_exception(job.thrown);
  return std::move(job.result);
}

void GroupCommitWriter::Finish(Job* job) {
  if (!job->completion) {
    job->done.Set();  // the caller returns, and its Job is gone: nothing may touch it after this
    return;
  }
  std::unique_ptr<Job> owned(job);
  owned->completion(std::move(owned->result));
}

void GroupCommitWriter::Loop() {
  pthread_setname_np(pthread_self(), "sqlite-writer");  // for top -H, perf and gdb
  std::vector<Job*> batch;
  batch.reserve(max_batch_);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, and every queued write was answered
      // An exclusive job runs alone; a batch stops before the next one.
      do {
        batch.push_back(pending_.front());
        pending_.pop_front();
      } while (!batch.front()->exclusive && batch.size() < max_batch_ && !pending_.empty() &&
               !pending_.front()->exclusive);
    }
    if (batch.front()->exclusive) {
      RunBody(*batch.front(), *connection_);
    } else {
      RunBatch(batch);
    }
    Answer(batch);
    batch.clear();
  }
}

void GroupCommitWriter::Answer(const std::vector<Job*>& batch) {
  // Once finished, a job's caller returns and its Job is gone: finish last.
  if (!syncer_) {
    for (Job* job : batch) Finish(job);
    return;
  }
  syncer_->After([batch](Status synced) {
    for (Job* job : batch) {
      // Committed but not known to be on disk: not acknowledged as written.
      if (!synced.ok() && job->result.ok()) job->result = synced.error();
      Finish(job);
    }
  });
}

void GroupCommitWriter::RunBody(Job& job, Connection& connection) {
  try {
    job.result = (*job.body)(connection);
  } catch (const std::exception& e) {
    job.thrown = std::current_exception();
    job.result = Error::Internal(std::string("sqlite: a write body threw: ") + e.what());
  } catch (...) {
    job.thrown = std::current_exception();
    job.result = Error::Internal("sqlite: a write body threw a non-std exception");
  }
}

void GroupCommitWriter::RunBatch(const std::vector<Job*>& batch) {
  std::size_t next = 0;
  while (next < batch.size()) next = RunTransaction(batch, next);
}

std::size_t GroupCommitWriter::RunTransaction(const std::vector<Job*>& batch, std::size_t start) {
  const std::size_t end = batch.size();
  WriteTransaction txn(*connection_);
  if (auto begun = txn.Begin(); !begun) {
    for (std::size_t i = start; i < end; ++i) batch[i]->result = begun.error();
    return end;
  }
  for (std::size_t i = start; i < end; ++i) {
    if (RunInSavepoint(*batch[i])) continue;
    // The transaction is gone (SQLite rolls back the whole of it after some errors, e.g. a
    // full disk or an I/O error) or untrustworthy: the writes before this one were lost with
    // it and must not be acknowledged. The destructor rolls back what may still be open.
    for (std::size_t j = start; j < i; ++j) {
      if (batch[j]->result.ok()) {
        batch[j]->result = Error::Unavailable(
            "sqlite: the transaction was rolled back after another write in "
            "its batch failed");
      }
    }
    return i + 1;
  }
  const auto commit_began = std::chrono::steady_clock::now();
  Status committed = txn.Commit();
  commit_seconds_.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_began).count());
  std::uint64_t written = 0;
  for (std::size_t i = start; i < end; ++i) {
    if (!batch[i]->result.ok()) continue;
    if (committed) {
      ++written;
    } else {
      batch[i]->result = committed.error();
    }
  }
  if (committed) {
    commit_writes_.Observe(static_cast<double>(written));
    transactions_.fetch_add(1, std::memory_order_relaxed);
    writes_.fetch_add(written, std::memory_order_relaxed);
  }
  return end;
}

bool GroupCommitWriter::RunInSavepoint(Job& job) {
  Connection& connection = *connection_;
  if (auto saved = connection.ExecCached(sql::kSavepoint); !saved) {
    job.result = std::move(saved).error();
    return InTransaction(connection);
  }
  RunBody(job, connection);
  if (!InTransaction(connection)) {
    if (job.result.ok()) job.result = Error::Unavailable("sqlite: the transaction was lost");
    return false;
  }
  if (job.result.ok()) {
    if (auto released = connection.ExecCached(sql::kReleaseSavepoint); !released) {
      job.result = std::move(released).error();
      return false;
    }
    return true;
  }
  // ROLLBACK TO undoes the body's changes but keeps the savepoint open; RELEASE closes it.
  return connection.ExecCached(sql::kRollbackToSavepoint).ok() &&
         connection.ExecCached(sql::kReleaseSavepoint).ok();
}

}  // namespace contactsd::store::sqlite
