#include "store/sqlite/errors.hpp"

#include <sqlite3.h>

#include <string>

namespace contactsd::store::sqlite {

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string internal = "sqlite: ";
  internal += context;
  internal += ": ";
  internal += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  internal += " (";
  internal += std::to_string(rc);
  internal += ")";
  const int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Error::Unavailable(std::move(internal));
  }
  return Error::Internal(std::move(internal));
}

}  // namespace contactsd::store::sqlite
