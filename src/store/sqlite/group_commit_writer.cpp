#include "store/sqlite/group_commit_writer.hpp"

#include "store/sqlite/sql.hpp"
#include "store/sqlite/write_transaction.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <exception>
#include <semaphore>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

Status ExecCached(Connection& connection, const char* sql) {
  auto stmt = connection.Prepare(sql);
  if (!stmt) return std::move(stmt).error();
  if (auto done = stmt->Exec(); !done) return std::move(done).error();
  return {};
}

bool InTransaction(Connection& connection) {
  return sqlite3_get_autocommit(connection.handle()) == 0;
}

}  // namespace

// One caller's write, on the caller's stack: the caller waits on `done` until the writer thread
// has set `result` (and `thrown`), so the pointers in the queue stay valid.
struct GroupCommitWriter::Job {
  const Body* body = nullptr;
  bool exclusive = false;
  Status result;
  std::exception_ptr thrown;
  std::binary_semaphore done{0};
};

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> writer, int max_batch)
    : connection_(std::move(writer)),
      max_batch_(static_cast<std::size_t>(std::max(1, max_batch))),
      thread_([this] { Loop(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  thread_.join();
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

WriteStats GroupCommitWriter::stats() const {
  WriteStats stats{transactions_.load(std::memory_order_relaxed),
                   writes_.load(std::memory_order_relaxed), 0};
  std::lock_guard lock(mu_);
  stats.queued = pending_.size();
  return stats;
}

Status GroupCommitWriter::Submit(Job& job) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    return Error::Internal("sqlite: a write body wrote through the store (it would deadlock)");
  }
  {
    std::lock_guard lock(mu_);
    pending_.push_back(&job);
  }
  work_cv_.notify_one();
  job.done.acquire();
  if (job.thrown) std::rethrow_exception(job.thrown);
  return std::move(job.result);
}

void GroupCommitWriter::Loop() {
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
    // Once released, a job's caller returns and its Job is gone: release last.
    for (Job* job : batch) job->done.release();
    batch.clear();
  }
}

void GroupCommitWriter::RunBody(Job& job, Connection& connection) {
  try {
    job.result = (*job.body)(connection);
  } catch (...) {
    job.thrown = std::current_exception();
    job.result = Error::Internal("sqlite: a write body threw");
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
  Status committed = txn.Commit();
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
    transactions_.fetch_add(1, std::memory_order_relaxed);
    writes_.fetch_add(written, std::memory_order_relaxed);
  }
  return end;
}

bool GroupCommitWriter::RunInSavepoint(Job& job) {
  Connection& connection = *connection_;
  if (auto saved = ExecCached(connection, sql::kSavepoint); !saved) {
    job.result = std::move(saved).error();
    return InTransaction(connection);
  }
  RunBody(job, connection);
  if (!InTransaction(connection)) {
    if (job.result.ok()) job.result = Error::Unavailable("sqlite: the transaction was lost");
    return false;
  }
  if (job.result.ok()) {
    if (auto released = ExecCached(connection, sql::kReleaseSavepoint); !released) {
      job.result = std::move(released).error();
      return false;
    }
    return true;
  }
  // ROLLBACK TO undoes the body's changes but keeps the savepoint open; RELEASE closes it.
  return ExecCached(connection, sql::kRollbackToSavepoint).ok() &&
         ExecCached(connection, sql::kReleaseSavepoint).ok();
}

}  // namespace contactsd::store::sqlite
