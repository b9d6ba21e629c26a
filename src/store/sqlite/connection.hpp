// Connection: one sqlite3 handle, configured for contactsd (WAL, busy timeout, WAL size cap),
// with a cache of prepared statements so that each SQL text is prepared once per connection.
//
// Not thread-safe: one thread at a time (the store's writer thread, or a ReadPool lease).
#pragma once

#include "common/result.hpp"
#include "store/sqlite/statement.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace contactsd::store::sqlite {

enum class ConnectionRole {
  kWriter,  // sets WAL mode and the durability level; the store's only writer
  kReader,  // query_only: any write through it fails
};

struct ConnectionOptions {
  std::string path;
  ConnectionRole role = ConnectionRole::kWriter;
  bool synchronous_full = true;  // FULL: a commit is durable; NORMAL: may roll back on power loss
  int busy_timeout_ms = 5000;    // how long to wait for another process's lock
};

// The writer's page cache (SQLite's default is 2 MiB for every connection). Every PATCH reads
// the contact's pages and its key index on the writer: a page missing from the cache is a
// pread(2), one of the costliest steps of a write. Readers keep the default.
inline constexpr int kWriterCacheKiB = 16 * 1024;

// After a checkpoint, a WAL file larger than this is truncated to it.
inline constexpr std::int64_t kJournalSizeLimitBytes = std::int64_t{64} * 1024 * 1024;

class Connection {
 public:
  // Opens (creating if missing) and configures the database file.
  // Errors: Unavailable when the file cannot be opened or configured.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs SQL text of one or more statements to completion, discarding any rows; for pragmas,
  // DDL and transaction control that runs rarely (nothing is cached).
  Status ExecScript(const char* sql);

  // The cached prepared statement for `sql`, prepared on first use.
  // REQUIRES: `sql` is a string constant (the cache is keyed by its address), holds one
  // statement, and is not already in use on this connection.
  Result<Statement> Prepare(const char* sql);
  // Prepare(sql), run to completion with no parameters, its rows ignored: for the statements
  // of transaction control that run often (savepoints). REQUIRES: as Prepare.
  Status ExecCached(const char* sql);

  sqlite3* handle() const { return db_; }
  // The rowid of the last row this connection inserted (sqlite3_last_insert_rowid).
  std::int64_t LastInsertRowid() const;

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  Status Configure(const ConnectionOptions& options);
  Status EnableWal(const ConnectionOptions& options);

  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

}  // namespace contactsd::store::sqlite
