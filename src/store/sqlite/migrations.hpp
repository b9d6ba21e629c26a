// Versioned schema migrations. `PRAGMA user_version` holds the number of steps applied; each
// step is SQL text run in order. Steps are append-only: never edit one that has shipped.
#pragma once

#include "common/result.hpp"

namespace contactsd::store::sqlite {

class Connection;

// The schema version this binary writes: the number of migration steps.
int LatestSchemaVersion();

// Applies the missing steps inside one BEGIN IMMEDIATE transaction, so concurrent callers
// (threads or processes) serialize on the write lock: the first migrates, the others re-read
// user_version after it commits and find nothing to do.
// Errors: Unavailable (write lock not obtained within the busy timeout); Internal (a step
// failed, or the file's schema is newer than this binary). Nothing is applied on error.
// REQUIRES: the caller holds the writer `connection` exclusively, with no transaction open.
Status Migrate(Connection& connection);

}  // namespace contactsd::store::sqlite
