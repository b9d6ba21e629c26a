// Reads contactsd's own options out of a PostgreSQL URL before libpq sees it.
// postgresql://USER:PASSWORD@HOST:PORT/DBNAME?pool=N&sslmode=... : `pool` (connections per
// process) is ours and is removed; every other parameter is libpq's and passes through, and so
// does the host list of a multi-host URL (postgresql://...@HOST1:PORT1,HOST2:PORT2/DBNAME
// ?target_session_attrs=read-write: a primary and its standbys, tried in order).
#pragma once

#include "common/result.hpp"

#include <string>
#include <string_view>

namespace contactsd::store::postgres {

inline constexpr int kDefaultPoolSize = 8;
inline constexpr int kMaxPoolSize = 1000;

struct PostgresUrl {
  std::string conninfo;  // the URL for libpq, without `pool`
  int pool_size = kDefaultPoolSize;
};

bool IsPostgresUrl(std::string_view url);

// `pool_size` > 0 overrides the URL's ?pool=N; otherwise the URL's, else kDefaultPoolSize.
// Errors: BadRequest for a pool size outside 1..1000 or a URL libpq cannot parse. Never quotes
// the URL, which may hold a password.
Result<PostgresUrl> ParsePostgresUrl(std::string_view url, int pool_size = 0);

}  // namespace contactsd::store::postgres
