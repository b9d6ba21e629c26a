#include "store/sqlite/connection.hpp"

#include "store/sqlite/errors.hpp"
#include "store/sqlite/statement.hpp"

#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

namespace contactsd::store::sqlite {
namespace {

constexpr char kEnableWal[] = "PRAGMA journal_mode = WAL";

// Process-wide settings, made before SQLite initializes (the first open). Without memory
// statistics, which nothing here reads, an allocation by SQLite takes no global mutex: every
// connection allocates on every statement (measured: ~4% of a batch's writer time went to that
// mutex).
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time, so SQLite's own per-connection
  // mutex would be pure overhead.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = Error::Unavailable("sqlite: open " + options.path + ": " +
                                     (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<Connection> connection(new Connection(db));
  if (auto status = connection->Configure(options); !status) {
    return Error::Unavailable(std::move(status).error().internal);
  }
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Connection::Configure(const ConnectionOptions& options) {
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  if (options.role == ConnectionRole::kReader) {
    // Readers open read-write (so they can map the WAL index like any other connection) but
    // refuse writes; the journal mode is a property of the file, set by the writer.
    return ExecScript("PRAGMA query_only = ON");
  }
  if (auto wal = EnableWal(options); !wal) return wal;
  // secure_delete: what a write deletes or overwrites (an old version of a document, an erased
  // contact, a pruned event) is zeroed in its page, not left in free space: once the WAL is
  // checkpointed, the database file holds no byte of an erased contact (docs/events.md).
  // temp_store = MEMORY: every write runs in a savepoint of the group commit, whose journal of
  // the pages it changes spills to a temporary file past 64 KiB; a batch of 1,000 creates
  // then made thousands of pwrite calls to it (docs/benchmarks.md). In memory it costs at most
  // the pages one write changes.
  const std::string pragmas =
      std::string("PRAGMA synchronous = ") + (options.synchronous_full ? "FULL" : "NORMAL") +
      "; PRAGMA journal_size_limit = " + std::to_string(kJournalSizeLimitBytes) +
      "; PRAGMA cache_size = -" + std::to_string(kWriterCacheKiB) +
      "; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;";
  return ExecScript(pragmas.c_str());
}

Status Connection::EnableWal(const ConnectionOptions& options) {
  // Switching a new file to WAL takes an exclusive lock for which SQLite does not call the
  // busy handler, so processes creating the same file at once would fail: retry here, within
  // the same busy timeout. On a file already in WAL mode this is a quick no-op.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
  for (;;) {
    auto mode = Prepare(kEnableWal);
    if (!mode) return std::move(mode).error();
    auto row = mode->Next();
    if (row) {
      // The pragma answers with the mode in force: anything but "wal" (an in-memory database,
      // a file system without shared memory) would break readers-beside-the-writer.
      if (*row && mode->Text(0) == "wal") return {};
      return Error::Internal("sqlite: " + options.path + " cannot use WAL journal mode");
    }
    if (row.error().code != ErrorCode::kUnavailable ||
        std::chrono::steady_clock::now() >= deadline) {
      return std::move(row).error();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status Connection::ExecScript(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg(db_) still holds the same text
  if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
  return {};
}

Result<Statement> Connection::Prepare(const char* sql) {
  auto [it, inserted] = statements_.try_emplace(sql, nullptr);
  if (inserted) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK || stmt == nullptr) {
      statements_.erase(it);
      sqlite3_finalize(stmt);
      return SqliteError(db_, rc != SQLITE_OK ? rc : SQLITE_MISUSE, sql);
    }
    it->second = stmt;
  }
  return Statement(it->second);
}

Status Connection::ExecCached(const char* sql) {
  auto stmt = Prepare(sql);
  if (!stmt) return std::move(stmt).error();
  if (auto done = stmt->Exec(); !done) return std::move(done).error();
  return {};
}

std::int64_t Connection::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

}  // namespace contactsd::store::sqlite
