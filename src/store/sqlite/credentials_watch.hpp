// CredentialsWatch: SQLite's Store::CredentialsVersion(). The version is a settings row that
// every revoke bumps in its transaction. Reading it costs a read transaction (file locks on the
// WAL index, a page read after any commit), which was 18% of a GET's CPU when done per request.
// So a connection of its own asks `PRAGMA data_version` (did any connection of any process
// commit since the last call?), reads the row again only then, and the answer is trusted for
// kCredentialsMaxAge.
//
// That stays exact because a revoke waits out the same interval after its commit before it
// returns (SqliteStore::RevokeApiKey): a request that comes after the revoke has returned finds
// either a version read after the commit, or one too old to trust, which is read again. So no
// key is accepted after its revoke returned, by any server on the file, while the file is read
// at most once per interval rather than once per request.
//
// Thread-safe: a lock-free read while the version is fresh; one mutex around a refresh.
#pragma once

#include "common/result.hpp"
#include "store/sqlite/connection.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

namespace contactsd::store::sqlite {

// How long a version read from the file is trusted, and so how long a revoke waits after its
// commit.
inline constexpr std::chrono::microseconds kCredentialsMaxAge{1000};

class CredentialsWatch {
 public:
  // REQUIRES: options.role is kReader. The connection is opened on first use.
  explicit CredentialsWatch(ConnectionOptions options) : options_(std::move(options)) {}

  // Errors: Unavailable when the database cannot be read.
  Result<std::uint64_t> Version();

 private:
  // The version, read again from the file. REQUIRES: mu_ held.
  Result<std::uint64_t> Refresh();

  const ConnectionOptions options_;
  std::mutex mu_;
  std::unique_ptr<Connection> connection_;  // guarded by mu_
  std::int64_t data_version_ = -1;          // guarded by mu_; -1: never read
  // The last version read, and when its read began (steady clock, ns; -1: never). The version
  // is stored before the time, so a reader that sees a time sees that version or a later one.
  std::atomic<std::uint64_t> version_{0};
  std::atomic<std::int64_t> read_at_ns_{-1};
};

}  // namespace contactsd::store::sqlite
