#include "store/sqlite/credentials_watch.hpp"

#include "store/sqlite/rows.hpp"
#include "store/sqlite/sql.hpp"

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

}  // namespace

Result<std::uint64_t> CredentialsWatch::Version() {
  std::lock_guard lock(mu_);
  if (!connection_) {
    auto opened = Connection::Open(options_);
    if (!opened) return std::move(opened).error();
    connection_ = std::move(*opened);
  }
  auto data_version = ReadInteger(*connection_, sql::kDataVersion);
  if (!data_version) return std::move(data_version).error();
  if (*data_version != data_version_) {
    auto version = ReadInteger(*connection_, sql::kGetCredentialsVersion);
    if (!version) return std::move(version).error();
    version_ = static_cast<std::uint64_t>(*version);
    data_version_ = *data_version;
  }
  return version_;
}

}  // namespace contactsd::store::sqlite
