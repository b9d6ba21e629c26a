// Versioned schema migrations for PostgreSQL. schema_migrations holds one row per applied step;
// each step is SQL text run in order. Steps are append-only: never edit one that has shipped.
#pragma once

#include "common/result.hpp"

namespace contactsd::store::postgres {

class Connection;

// The schema version this binary writes: the number of migration steps.
int LatestSchemaVersion();

// Applies the missing steps in one transaction that first takes a transaction-scoped advisory
// lock (pg_advisory_xact_lock), so servers starting at once serialize: the first migrates, the
// others wait, then find every step applied. DDL is transactional in PostgreSQL, so a failed
// step leaves nothing behind.
// Errors: Unavailable (connection lost); Internal (a step failed, or the database's schema is
// newer than this binary).
// REQUIRES: `connection` is idle and held by the caller alone.
Status Migrate(Connection& connection);

}  // namespace contactsd::store::postgres
