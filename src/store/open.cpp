// OpenStore: the one place that maps a database URL to a backend.
#include "store/postgres/postgres_store.hpp"
#include "store/postgres/url.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <string>
#include <system_error>

namespace contactsd::store {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";

// The URL is never echoed back: a PostgreSQL URL may carry a password.
Error UnsupportedUrl() {
  return Error::BadRequest(
      "Unsupported database URL: expected sqlite:PATH (e.g. sqlite:data/contactsd.db or "
      "sqlite:/var/lib/contactsd/contactsd.db) or postgresql://USER:PASSWORD@HOST:PORT/DBNAME");
}

Result<std::unique_ptr<Store>> OpenSqlite(std::string_view path_text, const OpenOptions& open) {
  if (path_text.empty() || path_text.starts_with(':')) {
    // ":memory:" and friends would give each connection its own database.
    return Error::BadRequest("sqlite: URL needs a file path, e.g. sqlite:data/contactsd.db");
  }
  const std::filesystem::path path(path_text);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return Error::Unavailable("sqlite: create directory " + path.parent_path().string() + ": " +
                                ec.message());
    }
  }
  sqlite::SqliteOptions options;
  options.path = path.string();
  options.synchronous_full = open.sqlite_synchronous_full;
  auto store = sqlite::SqliteStore::Open(options);
  if (!store) return std::move(store).error();
  if (auto migrated = (*store)->Migrate(); !migrated) return std::move(migrated).error();
  return std::unique_ptr<Store>(std::move(*store));
}

// The pool size: OpenOptions::pool_size when set, else the URL's ?pool=N, else 8.
Result<std::unique_ptr<Store>> OpenPostgres(std::string_view url, const OpenOptions& options) {
  auto parsed = postgres::ParsePostgresUrl(url, options.pool_size);
  if (!parsed) return std::move(parsed).error();
  postgres::PostgresOptions pg;
  pg.conninfo = std::move(parsed->conninfo);
  pg.pool_size = parsed->pool_size;
  auto store = postgres::PostgresStore::Open(pg);
  if (auto migrated = store->Migrate(); !migrated) return std::move(migrated).error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const OpenOptions& options) {
  if (url.starts_with(kSqlitePrefix)) {
    return OpenSqlite(url.substr(kSqlitePrefix.size()), options);
  }
  if (postgres::IsPostgresUrl(url)) return OpenPostgres(url, options);
  return UnsupportedUrl();
}

std::string RedactedUrl(std::string_view url) {
  // scheme://user:password@host → scheme://user:***@host; anything else is shown as it is.
  auto scheme = url.find("://");
  auto at = url.find('@', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (scheme == std::string_view::npos || at == std::string_view::npos) return std::string(url);
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace contactsd::store
