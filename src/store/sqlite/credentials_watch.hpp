// CredentialsWatch: SQLite's Store::CredentialsVersion(). The version is a settings row that
// every revoke bumps in its transaction; reading it on every request would cost a query, so a
// connection of its own asks `PRAGMA data_version` first, which tells from the WAL index alone
// whether any connection (of any process) committed since the last call, and reads the row
// again only then. Under read-only traffic no table is read at all.
//
// Thread-safe (one mutex: the call is a few microseconds).
#pragma once

#include "common/result.hpp"
#include "store/sqlite/connection.hpp"

#include <cstdint>
#include <memory>
#include <mutex>

namespace contactsd::store::sqlite {

class CredentialsWatch {
 public:
  // REQUIRES: options.role is kReader. The connection is opened on first use.
  explicit CredentialsWatch(ConnectionOptions options) : options_(std::move(options)) {}

  // Errors: Unavailable when the database cannot be read.
  Result<std::uint64_t> Version();

 private:
  const ConnectionOptions options_;
  std::mutex mu_;
  std::unique_ptr<Connection> connection_;  // guarded by mu_
  std::int64_t data_version_ = -1;          // guarded by mu_; -1: never read
  std::uint64_t version_ = 0;               // guarded by mu_; as of data_version_
};

}  // namespace contactsd::store::sqlite
