#include "store/postgres/url.hpp"

#include <libpq-fe.h>

#include <charconv>

namespace contactsd::store::postgres {
namespace {

constexpr char kPoolParam[] = "pool=";

Error BadPoolSize() {
  return Error::BadRequest("The database URL's pool=N must be a number between 1 and " +
                           std::to_string(kMaxPoolSize));
}

}  // namespace

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

Result<PostgresUrl> ParsePostgresUrl(std::string_view url, int pool_size) {
  PostgresUrl parsed;
  const std::size_t question = url.find('?');
  parsed.conninfo = std::string(url.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = url.substr(question + 1);
    std::string kept;
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view item = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (item.starts_with(kPoolParam)) {
        const std::string_view digits = item.substr(sizeof(kPoolParam) - 1);
        int size = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
        if (ec != std::errc() || end != digits.data() + digits.size() || size < 1 ||
            size > kMaxPoolSize) {
          return BadPoolSize();
        }
        parsed.pool_size = size;
        continue;
      }
      if (item.empty()) continue;
      kept += kept.empty() ? "?" : "&";
      kept += item;
    }
    parsed.conninfo += kept;
  }
  if (pool_size != 0) {
    if (pool_size < 1 || pool_size > kMaxPoolSize) return BadPoolSize();
    parsed.pool_size = pool_size;
  }
  // Check the rest now, so a typo fails at start-up rather than at the first connection.
  // libpq's message may quote part of the URL (a password too), so it is not passed on.
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(parsed.conninfo.c_str(), &message);
  PQfreemem(message);
  if (options == nullptr) {
    return Error::BadRequest(
        "Invalid PostgreSQL URL: expected "
        "postgresql://USER:PASSWORD@HOST:PORT[,HOST:PORT...]/DBNAME[?pool=N&sslmode=...] with "
        "libpq's parameters and percent-encoding");
  }
  PQconninfoFree(options);
  return parsed;
}

}  // namespace contactsd::store::postgres
