// Maps a SQLite result code to the one Error type: busy or locked (after the busy timeout) is
// Unavailable, anything else Internal. SQLite's own text goes to `internal` only.
#pragma once

#include "common/error.hpp"

#include <string_view>

struct sqlite3;

namespace contactsd::store::sqlite {

// REQUIRES: rc is a SQLite error code; db is the connection it came from (or null).
Error SqliteError(sqlite3* db, int rc, std::string_view context);

}  // namespace contactsd::store::sqlite
