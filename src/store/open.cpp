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
      "sqlite:/var/lib/contactsd/contactsd.db) or postgresql://USER:PASSWORD@HOST:PORT/DBNAME "
      "(several HOST:PORT, comma-separated, for a primary and its standbys)");
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

namespace {

// ?...&password=x&... → password=***; sslpassword (a client key's) too.
std::string RedactedQuery(std::string_view query) {
  std::string out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    const std::size_t equals = item.find('=');
    const std::string_view name = item.substr(0, equals);
    if (equals != std::string_view::npos && (name == "password" || name == "sslpassword")) {
      out.append(name).append("=***");
    } else {
      out.append(item);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    query = query.substr(amp + 1);
  }
  return out;
}

}  // namespace

std::string RedactedUrl(std::string_view url) {
  // scheme://user:password@host[,host...]/db?...&password=...: each password becomes "***";
  // anything else is shown as it is.
  constexpr auto kNone = std::string_view::npos;
  const std::size_t scheme = url.find("://");
  if (scheme == kNone) return std::string(url);
  const std::size_t start = scheme + 3;
  std::string out;
  std::size_t from = 0;  // where the text still to copy starts
  // The user info runs to an '@' before the first '/' (libpq's reading of a URL).
  const std::size_t at = url.substr(0, url.find('/', start)).find('@', start);
  const std::size_t colon = at == kNone ? kNone : url.substr(0, at).find(':', start);
  if (colon != kNone) {
    out.append(url.substr(0, colon + 1)).append("***");
    from = at;
  }
  const std::size_t question = url.find('?', at == kNone ? start : at);
  out.append(url.substr(from, question == kNone ? kNone : question - from));
  if (question != kNone) out.append("?").append(RedactedQuery(url.substr(question + 1)));
  return out;
}

}  // namespace contactsd::store
