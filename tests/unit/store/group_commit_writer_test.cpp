// GroupCommitWriter on a real SQLite file: batches form, a failing write is undone alone, a
// failed COMMIT fails its whole batch, and callers hear back only after their commit.
//
// To make a batch's make-up certain rather than a matter of scheduling, a test first hands the
// writer a "gate" write that holds the thread until the writes it wants batched are queued
// (WriteStats::queued); those then share the next transaction.
#include "store/sqlite/group_commit_writer.hpp"

#include "temp_dir.hpp"

#include "store/sqlite/connection.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace contactsd::store::test {
namespace {

using sqlite::Connection;
using sqlite::ConnectionRole;
using sqlite::GroupCommitWriter;

constexpr char kInsertItem[] = "INSERT INTO items (name) VALUES (?1)";
constexpr char kCountItems[] = "SELECT count(*) FROM items";
constexpr char kHasItem[] = "SELECT count(*) FROM items WHERE name = ?1";

class GroupCommitWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto connection = Connection::Open({path_});
    ASSERT_TRUE(connection.ok()) << connection.error().internal;
    // `children` references `items` with a deferred foreign key: a dangling child is only
    // caught by the COMMIT, which is how a test makes a COMMIT fail.
    ASSERT_TRUE((*connection)
                    ->ExecScript("PRAGMA foreign_keys = ON;"
                                 "CREATE TABLE items (name TEXT PRIMARY KEY) STRICT;"
                                 "CREATE TABLE children (parent TEXT REFERENCES items (name) "
                                 "DEFERRABLE INITIALLY DEFERRED) STRICT;")
                    .ok());
    writer_ = std::make_unique<GroupCommitWriter>(std::move(*connection), max_batch_);
  }

  // Inserts `name` into items; the error of a taken name is SQLite's constraint error.
  static Status Insert(Connection& writer, const std::string& name) {
    auto stmt = writer.Prepare(kInsertItem);
    if (!stmt) return std::move(stmt).error();
    stmt->Bind(1, name);
    if (auto done = stmt->Exec(); !done) return std::move(done).error();
    return {};
  }

  Status WriteItem(const std::string& name) {
    return writer_->Write([&](Connection& writer) { return Insert(writer, name); });
  }

  // Holds the writer thread, from another thread, until `n` writes are queued behind it.
  // Returns once the gate's write is running, so every write started after it queues.
  std::thread Gate(std::size_t n) {
    gate_running_ = false;
    std::thread gate([this, n] {
      Status passed = writer_->Write([&](Connection&) -> Status {
        gate_running_ = true;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (writer_->stats().queued < n) {
          if (std::chrono::steady_clock::now() > deadline) return Error::Internal("gate timeout");
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return {};
      });
      EXPECT_TRUE(passed.ok()) << passed.error().internal;
    });
    while (!gate_running_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return gate;
  }

  // Writes items "w0".."w<n-1>" from n threads while a gate holds the writer, so that all n
  // queue behind it; returns each thread's result.
  std::vector<Status> WriteBehindAGate(int n) {
    std::thread gate = Gate(static_cast<std::size_t>(n));
    std::vector<std::thread> writers;
    std::vector<Status> results(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      writers.emplace_back([&, i] { results[i] = WriteItem("w" + std::to_string(i)); });
    }
    for (auto& t : writers) t.join();
    gate.join();
    return results;
  }

  // Reads one integer from a bystander connection: what a new reader sees as committed.
  std::int64_t Count(const char* sql, const std::string& bind = "") {
    auto reader = Connection::Open({path_, ConnectionRole::kReader});
    EXPECT_TRUE(reader.ok());
    auto stmt = (*reader)->Prepare(sql);
    EXPECT_TRUE(stmt.ok());
    if (!bind.empty()) stmt->Bind(1, bind);
    auto row = stmt->Next();
    EXPECT_TRUE(row.ok() && *row);
    return stmt->Int64(0);
  }

  TempDir dir_;
  std::string path_ = (dir_.path() / "gc.db").string();
  int max_batch_ = 128;
  std::unique_ptr<GroupCommitWriter> writer_;
  std::atomic<bool> gate_running_ = false;
};

TEST_F(GroupCommitWriterTest, ALoneWriteCommitsAtOnce) {
  ASSERT_TRUE(WriteItem("a").ok());
  EXPECT_EQ(Count(kCountItems), 1);  // visible to a new reader as soon as Write returned
  auto stats = writer_->stats();
  EXPECT_EQ(stats.transactions, 1u);
  EXPECT_EQ(stats.writes, 1u);
  EXPECT_EQ(stats.queued, 0u);
}

TEST_F(GroupCommitWriterTest, WritesQueuedDuringACommitShareTheNextTransaction) {
  constexpr int kWriters = 8;
  std::vector<Status> results = WriteBehindAGate(kWriters);
  for (int i = 0; i < kWriters; ++i) EXPECT_TRUE(results[i].ok()) << i;
  EXPECT_EQ(Count(kCountItems), kWriters);
  auto stats = writer_->stats();
  EXPECT_EQ(stats.writes, 1u + kWriters);
  EXPECT_EQ(stats.transactions, 2u);  // the gate's, then one for all eight
}

TEST_F(GroupCommitWriterTest, AFailingWriteIsRolledBackAloneWhileItsBatchMatesCommit) {
  std::thread gate = Gate(3);
  Status before, failing, after;
  std::thread t1([&] { before = WriteItem("before"); });
  std::thread t2([&] {
    failing = writer_->Write([&](Connection& writer) -> Status {
      // Writes first, then fails: the row must not survive.
      if (auto inserted = Insert(writer, "failing"); !inserted) return inserted;
      return Error::Validation({{"name", "invalid", "no"}});
    });
  });
  std::thread t3([&] { after = WriteItem("after"); });
  t1.join();
  t2.join();
  t3.join();
  gate.join();
  EXPECT_TRUE(before.ok());
  EXPECT_TRUE(after.ok());
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.error().code, ErrorCode::kValidation);
  EXPECT_EQ(failing.error().details.at(0).field, "name");
  EXPECT_EQ(Count(kHasItem, "before"), 1);
  EXPECT_EQ(Count(kHasItem, "after"), 1);
  EXPECT_EQ(Count(kHasItem, "failing"), 0);
  EXPECT_EQ(writer_->stats().transactions, 2u);
  EXPECT_EQ(writer_->stats().writes, 3u);  // the gate, before, after
}

TEST_F(GroupCommitWriterTest, ASqliteErrorInOneWriteLeavesItsBatchMatesIntact) {
  ASSERT_TRUE(WriteItem("taken").ok());
  std::thread gate = Gate(2);
  Status clash, other;
  std::thread t1([&] { clash = WriteItem("taken"); });  // primary key violation
  std::thread t2([&] { other = WriteItem("fresh"); });
  t1.join();
  t2.join();
  gate.join();
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.error().internal.find("UNIQUE"), std::string::npos) << clash.error().internal;
  EXPECT_TRUE(other.ok());
  EXPECT_EQ(Count(kCountItems), 2);
}

TEST_F(GroupCommitWriterTest, AFailedCommitFailsEveryWriteOfItsBatch) {
  std::thread gate = Gate(2);
  Status dangling, innocent;
  std::thread t1([&] {
    dangling = writer_->Write([](Connection& writer) -> Status {
      return writer.ExecScript("INSERT INTO children (parent) VALUES ('nobody')");
    });
  });
  std::thread t2([&] { innocent = WriteItem("innocent"); });
  t1.join();
  t2.join();
  gate.join();
  // The deferred foreign key fails the COMMIT: neither write may be acknowledged or stored.
  ASSERT_FALSE(dangling.ok());
  ASSERT_FALSE(innocent.ok());
  EXPECT_NE(innocent.error().internal.find("FOREIGN KEY"), std::string::npos)
      << innocent.error().internal;
  EXPECT_EQ(Count(kHasItem, "innocent"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM children"), 0);
  // The writer recovers: the next write commits.
  EXPECT_TRUE(WriteItem("later").ok());
  EXPECT_EQ(Count(kHasItem, "later"), 1);
}

TEST_F(GroupCommitWriterTest, AThrowingWriteIsRethrownToItsCallerAndUndoneAlone) {
  std::thread gate = Gate(2);
  bool threw = false;
  Status other;
  std::thread t1([&] {
    try {
      (void)writer_->Write([&](Connection& writer) -> Status {
        (void)Insert(writer, "thrower");
        throw std::runtime_error("boom");
      });
    } catch (const std::runtime_error& e) {
      threw = std::string(e.what()) == "boom";
    }
  });
  std::thread t2([&] { other = WriteItem("survivor"); });
  t1.join();
  t2.join();
  gate.join();
  EXPECT_TRUE(threw);
  EXPECT_TRUE(other.ok());
  EXPECT_EQ(Count(kHasItem, "thrower"), 0);
  EXPECT_EQ(Count(kHasItem, "survivor"), 1);
}

TEST_F(GroupCommitWriterTest, AWriteFromInsideABodyIsRefusedInsteadOfDeadlocking) {
  Status inner;
  Status outer = writer_->Write([&](Connection& writer) -> Status {
    inner = WriteItem("nested");
    return Insert(writer, "outer");
  });
  EXPECT_TRUE(outer.ok());
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().code, ErrorCode::kInternal);
  EXPECT_EQ(Count(kHasItem, "nested"), 0);
}

TEST_F(GroupCommitWriterTest, ExclusiveJobsRunOutsideAnyTransaction) {
  Status job = writer_->Exclusive([](Connection& writer) -> Status {
    // Would fail with "cannot start a transaction within a transaction" inside a batch.
    if (auto begun = writer.ExecScript("BEGIN IMMEDIATE"); !begun) return begun;
    if (auto inserted = Insert(writer, "own"); !inserted) return inserted;
    return writer.ExecScript("COMMIT");
  });
  EXPECT_TRUE(job.ok()) << job.error().internal;
  EXPECT_EQ(Count(kHasItem, "own"), 1);
  EXPECT_TRUE(WriteItem("next").ok());
}

// WriteAsync's completions, collected for a test to wait on.
class Completions {
 public:
  GroupCommitWriter::Completion For(const std::string& name) {
    return [this, name](Status result) {
      std::lock_guard lock(mu_);
      // What a new reader sees when the completion runs: the write must be committed by then.
      results_.emplace_back(name, std::move(result));
      cv_.notify_all();
    };
  }
  // The results, in completion order, once `n` have arrived (fails the test after 10 s).
  std::vector<std::pair<std::string, Status>> WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, std::chrono::seconds(10), [&] { return results_.size() >= n; }));
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, Status>> results_;
};

TEST_F(GroupCommitWriterTest, AnAsynchronousWriteIsCompletedAfterItsCommit) {
  Completions done;
  std::int64_t seen_at_completion = -1;
  writer_->WriteAsync([](Connection& writer) { return Insert(writer, "async"); },
                      [&](Status result) {
                        EXPECT_TRUE(result.ok());
                        seen_at_completion = Count(kHasItem, "async");  // from another connection
                        done.For("async")(std::move(result));
                      });
  done.WaitFor(1);
  EXPECT_EQ(seen_at_completion, 1);  // committed before its completion ran
  EXPECT_EQ(writer_->stats().transactions, 1u);
}

TEST_F(GroupCommitWriterTest, AsynchronousWritesShareABatchAndFailAlone) {
  std::thread gate = Gate(3);
  Completions done;
  writer_->WriteAsync([](Connection& writer) { return Insert(writer, "x"); }, done.For("first"));
  writer_->WriteAsync([](Connection& writer) { return Insert(writer, "x"); }, done.For("taken"));
  writer_->WriteAsync([](Connection& writer) { return Insert(writer, "y"); }, done.For("last"));
  gate.join();
  auto results = done.WaitFor(3);
  ASSERT_EQ(results.size(), 3u);
  // Completed in the order they were queued, after the one COMMIT they shared.
  EXPECT_EQ(results[0].first, "first");
  EXPECT_TRUE(results[0].second.ok());
  EXPECT_EQ(results[1].first, "taken");
  EXPECT_FALSE(results[1].second.ok());  // the primary key: its own error, undone alone
  EXPECT_EQ(results[2].first, "last");
  EXPECT_TRUE(results[2].second.ok());
  EXPECT_EQ(Count(kCountItems), 2);
  EXPECT_EQ(writer_->stats().transactions, 2u);  // the gate's, then one for the three
}

TEST_F(GroupCommitWriterTest, AnAsynchronousBodyThatThrowsCompletesWithAnInternalError) {
  Completions done;
  writer_->WriteAsync(
      [](Connection& writer) -> Status {
        if (auto inserted = Insert(writer, "thrown"); !inserted) return inserted;
        throw std::runtime_error("boom");
      },
      done.For("thrower"));
  auto results = done.WaitFor(1);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0].second.ok());
  EXPECT_EQ(results[0].second.error().code, ErrorCode::kInternal);
  EXPECT_NE(results[0].second.error().internal.find("boom"), std::string::npos);
  EXPECT_EQ(Count(kHasItem, "thrown"), 0);
}

// A completion may queue the next write (nobody waits, so nothing deadlocks): it joins a
// later batch.
TEST_F(GroupCommitWriterTest, ACompletionMayQueueAnotherAsynchronousWrite) {
  Completions done;
  writer_->WriteAsync([](Connection& w) { return Insert(w, "first"); },
                      [&](Status result) {
                        EXPECT_TRUE(result.ok());
                        writer_->WriteAsync([](Connection& w) { return Insert(w, "second"); },
                                            done.For("second"));
                      });
  auto results = done.WaitFor(1);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].second.ok());
  EXPECT_EQ(Count(kCountItems), 2);
  EXPECT_EQ(writer_->stats().transactions, 2u);
}

TEST_F(GroupCommitWriterTest, TheDestructorCommitsAndCompletesEveryQueuedWrite) {
  std::thread gate = Gate(5);
  Completions done;
  for (int i = 0; i < 5; ++i) {
    const std::string name = "q" + std::to_string(i);
    writer_->WriteAsync([name](Connection& writer) { return Insert(writer, name); },
                        done.For(name));
  }
  gate.join();
  writer_.reset();
  auto results = done.WaitFor(5);
  ASSERT_EQ(results.size(), 5u);
  for (const auto& [name, result] : results) EXPECT_TRUE(result.ok()) << name;
  EXPECT_EQ(Count(kCountItems), 5);
}

// With a WalSyncer (what --sync full uses), the connection commits without syncing and the
// writes are answered once the WAL has been synced beside the writer.
class SyncedWriterTest : public GroupCommitWriterTest {
 protected:
  void SetUp() override {
    GroupCommitWriterTest::SetUp();
    writer_.reset();
    auto connection = Connection::Open({path_, ConnectionRole::kWriter, false});
    ASSERT_TRUE(connection.ok());
    writer_ = std::make_unique<GroupCommitWriter>(std::move(*connection), max_batch_, wal_path_);
  }
  std::string wal_path_ = path_ + "-wal";
};

TEST_F(SyncedWriterTest, WritesAreAnsweredOnceSyncedInCommitOrder) {
  ASSERT_TRUE(WriteItem("sync").ok());
  EXPECT_EQ(Count(kHasItem, "sync"), 1);
  std::thread gate = Gate(3);
  Completions done;
  for (const char* name : {"a", "b", "c"}) {
    writer_->WriteAsync([name = std::string(name)](Connection& w) { return Insert(w, name); },
                        done.For(name));
  }
  gate.join();
  auto results = done.WaitFor(3);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].first, "a");
  EXPECT_EQ(results[2].first, "c");
  for (const auto& [name, result] : results) EXPECT_TRUE(result.ok()) << name;
  EXPECT_EQ(Count(kCountItems), 4);
}

// A WAL that cannot be synced: committed, but not known to be on disk, so not acknowledged.
class UnsyncableWriterTest : public SyncedWriterTest {
 protected:
  void SetUp() override {
    wal_path_ = "/dev/null/not-a-directory-wal";  // stat fails with ENOTDIR
    SyncedWriterTest::SetUp();
  }
};

TEST_F(UnsyncableWriterTest, AWriteWhoseSyncFailsIsNotAcknowledged) {
  Status written = WriteItem("unsynced");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::kUnavailable);
  Completions done;
  writer_->WriteAsync([](Connection& w) { return Insert(w, "unsynced-async"); }, done.For("async"));
  auto results = done.WaitFor(1);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].second.ok());
  // A write that failed on its own keeps its own error.
  Status taken = WriteItem("unsynced");
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().code, ErrorCode::kUnavailable);
}

class SmallBatchTest : public GroupCommitWriterTest {
 protected:
  void SetUp() override {
    max_batch_ = 4;
    GroupCommitWriterTest::SetUp();
  }
};

TEST_F(SmallBatchTest, ABatchTakesAtMostMaxBatchWrites) {
  constexpr int kWriters = 10;
  for (const Status& result : WriteBehindAGate(kWriters)) EXPECT_TRUE(result.ok());
  EXPECT_EQ(Count(kCountItems), kWriters);
  EXPECT_EQ(writer_->stats().transactions, 1u + 3u);  // the gate, then 4 + 4 + 2
}

}  // namespace
}  // namespace contactsd::store::test
