// GroupCommitWriter: the one thread that owns the SQLite writer connection, and commits the
// writes of many callers together. A caller hands over its write (a body) and waits; the thread
// takes every write queued meanwhile (up to max_batch) into one BEGIN IMMEDIATE ... COMMIT, each
// inside its own SAVEPOINT, so one disk sync (synchronous=FULL) serves the whole batch while a
// write that fails is rolled back alone.
//
// Batches form by themselves, with no timer: while one COMMIT waits for its sync, the next
// writes queue up, and the thread takes them all as soon as it is free. A lone write is
// committed at once.
//
// A caller either waits (Write) or hands over a completion (WriteAsync) that the thread calls
// after the commit: then no thread of the caller's is parked per write, which is what lets an
// HTTP I/O thread hand a PATCH over and go on serving.
//
// Thread-safe.
#pragma once

#include "common/metric_cells.hpp"
#include "common/result.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/wal_syncer.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace contactsd::store::sqlite {

// Counts kept by the writer, for tests and diagnostics: how many writes its commits held, and
// how many writes wait for the thread right now.
struct WriteStats {
  std::uint64_t transactions = 0;  // COMMITs that returned success
  std::uint64_t writes = 0;        // bodies that succeeded inside those commits
  std::size_t queued = 0;          // writes handed over and not yet taken into a batch
};

class GroupCommitWriter {
 public:
  // Runs on the writer thread with the writer connection. It must not block (no network, no
  // waiting on other threads: its batch-mates wait for it) and must not write through the
  // store; reading through the store's read connections is fine.
  using Body = std::function<Status(Connection& writer)>;
  // Called once on the writer thread with what Write would return, after the COMMIT holding the
  // write has returned. It must be quick, must not block and must not throw: the rest of its
  // batch is answered after it (hand heavier work to another thread).
  using Completion = std::function<void(Status)>;

  // Takes the connection and starts the thread. REQUIRES: max_batch >= 1. With a
  // `sync_wal_path` (the database's path + "-wal"; the connection then runs with
  // synchronous=NORMAL), every batch is answered only once a WalSyncer has synced the WAL
  // after its COMMIT: FULL's durability, with the sync off the writer thread.
  GroupCommitWriter(std::unique_ptr<Connection> writer, int max_batch,
                    std::string sync_wal_path = {});
  // Answers every write already queued, then stops the thread.
  ~GroupCommitWriter();
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Runs `body` inside its own savepoint of the next batch's transaction, and returns once the
  // COMMIT holding it has returned. Returns the body's own error (its changes alone rolled
  // back; its batch-mates still commit), or the error of the BEGIN or the COMMIT (then nothing
  // of the batch is stored). An exception from the body is rethrown here, its changes rolled
  // back. Errors: Internal when called from a body (it would wait for itself forever).
  Status Write(const Body& body);

  // Write without waiting: queues `body` and returns; `done` gets Write's result on the writer
  // thread. An exception from the body is an Internal error naming it. It may be called on the
  // writer thread too (from a completion, or a body): the write joins a later batch. Every
  // write queued before the destructor runs is still committed and answered.
  void WriteAsync(Body body, Completion done);

  // Waits for an fdatasync of the WAL that begins after this call: whatever any process had
  // committed to the file before it is then durable. Returns at once when the connection syncs
  // its own commits (no WalSyncer). Errors: the sync's. Not to be called from a completion.
  Status SyncCommitted();

  // Runs `job` alone on the writer thread, with no transaction around it (it opens its own,
  // e.g. migrations), and returns its result.
  Status Exclusive(const Body& job);

  WriteStats stats() const;
  // Writes per COMMIT, and how long each COMMIT took (seconds); the WAL syncs' when they sync.
  const metrics::Histogram& commit_writes() const { return commit_writes_; }
  const metrics::Histogram& commit_seconds() const { return commit_seconds_; }
  const metrics::Histogram* sync_seconds() const;

 private:
  struct Job;

  void Enqueue(Job* job);
  Status Submit(Job& job);
  void Loop();
  // Runs the batch's transactions; on return every job has its result.
  void RunBatch(const std::vector<Job*>& batch);
  // One BEGIN ... COMMIT over batch[start..]; returns the index of the first job it did not
  // take (a lost transaction ends it early; the rest go into a new one).
  std::size_t RunTransaction(const std::vector<Job*>& batch, std::size_t start);
  // Runs one body between SAVEPOINT and RELEASE (ROLLBACK TO on error). False when the
  // enclosing transaction can no longer be trusted (SQLite rolled it back, or the savepoint
  // could not be undone).
  bool RunInSavepoint(Job& job);
  static void RunBody(Job& job, Connection& connection);
  // Gives the job its result: wakes its waiting caller, or calls its completion and frees it.
  static void Finish(Job* job);
  // Finishes the jobs of a batch whose COMMIT has returned: at once, or after the WAL's sync.
  void Answer(const std::vector<Job*>& batch);

  metrics::Histogram commit_writes_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}};
  metrics::Histogram commit_seconds_{metrics::LatencyBounds()};
  const std::unique_ptr<Connection> connection_;  // used by thread_ only
  const std::size_t max_batch_;
  // Declared before thread_: the writer thread hands it batches until it stops.
  std::unique_ptr<WalSyncer> syncer_;  // null: answer at COMMIT (the connection syncs, or not)

  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<Job*> pending_;  // guarded by mu_
  bool stopping_ = false;     // guarded by mu_

  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> writes_{0};

  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace contactsd::store::sqlite
