#include "store/sqlite/credentials_watch.hpp"

#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"

#include <chrono>
#include <utility>

namespace contactsd::store::sqlite {
namespace {

Result<std::int64_t> ReadInteger(Connection& connection, const char* sql) {
  auto stmt = connection.Prepare(sql);
  if (!stmt) return std::move(stmt).error();
  auto value = FirstRow(*stmt, [](const Statement& row) { return row.Int64(0); });
  if (!value) return std::move(value).error();
  return value->value_or(0);
}

std::int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool Fresh(std::int64_t read_at_ns, std::int64_t now_ns) {
  return read_at_ns >= 0 &&
         now_ns - read_at_ns <
             std::chrono::duration_cast<std::chrono::nanoseconds>(kCredentialsMaxAge).count();
}

}  // namespace

Result<std::uint64_t> CredentialsWatch::Version() {
  if (Fresh(read_at_ns_.load(std::memory_order_acquire), SteadyNowNs())) {
    return version_.load(std::memory_order_relaxed);
  }
  std::lock_guard lock(mu_);
  // Another thread may have refreshed it while this one waited for the lock.
  if (Fresh(read_at_ns_.load(std::memory_order_acquire), SteadyNowNs())) {
    return version_.load(std::memory_order_relaxed);
  }
  return Refresh();
}

Result<std::uint64_t> CredentialsWatch::Refresh() {
  // Taken before the read: the version read is at least as new as this moment.
  const std::int64_t read_at = SteadyNowNs();
  if (!connection_) {
    auto opened = Connection::Open(options_);
    if (!opened) return std::move(opened).error();
    connection_ = std::move(*opened);
  }
  auto data_version = ReadInteger(*connection_, sql::kDataVersion);
  if (!data_version) return std::move(data_version).error();
  std::uint64_t version = version_.load(std::memory_order_relaxed);
  if (*data_version != data_version_) {
    auto row = ReadInteger(*connection_, sql::kGetCredentialsVersion);
    if (!row) return std::move(row).error();
    version = static_cast<std::uint64_t>(*row);
    data_version_ = *data_version;
  }
  version_.store(version, std::memory_order_relaxed);
  read_at_ns_.store(read_at, std::memory_order_release);
  return version;
}

}  // namespace contactsd::store::sqlite
