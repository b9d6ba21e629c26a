#include "store/postgres/connection.hpp"

#include <libpq-fe.h>

#include <cstring>
#include <optional>
#include <poll.h>
#include <string_view>
#include <utility>

namespace contactsd::store::postgres {
namespace {

constexpr Oid kTextOid = 25;
constexpr Oid kInt8Oid = 20;
constexpr int kBinary = 1;
constexpr int kTextResults = 0;
constexpr std::size_t kMaxParams = 16;

std::string Trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Retrying may help: the database is down, restarting, out of connections, or it aborted the
// transaction to break a deadlock or a serialization conflict.
bool IsUnavailable(std::string_view sqlstate) {
  return sqlstate.empty() || sqlstate.starts_with("08") || sqlstate.starts_with("53") ||
         sqlstate.starts_with("57P") || sqlstate == "40001" || sqlstate == "40P01" ||
         sqlstate == "55P03" || sqlstate == "57014";
}

// The server's messages go to the error's `internal` text; NOTICEs (e.g. "relation already
// exists, skipping") and the FATAL a closing server sends to an idle connection are dropped
// instead of being printed on stderr by libpq.
void IgnoreNotice(void*, const char*) {}

void WriteBigEndian(std::int64_t value, char* out) {
  auto bits = static_cast<std::uint64_t>(value);
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(bits & 0xff);
    bits >>= 8;
  }
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  // Later keywords override earlier ones: the URL (dbname, expanded) may change the timeout
  // and the application name, but the encoding stays UTF-8, which the store relies on.
  const char* const keywords[] = {"connect_timeout", "application_name", "dbname",
                                  "client_encoding", nullptr};
  const char* const values[] = {"10", "contactsd", conninfo.c_str(), "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Error::Unavailable("postgres: connect: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's text names the host, port, user and database, never the password.
    Error error = Error::Unavailable("postgres: connect: " + Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return error;
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::usable() const { return !poisoned_ && PQstatus(conn_) == CONNECTION_OK; }

bool Connection::idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

bool Connection::CheckAlive() {
  if (!usable()) return false;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (::poll(&fd, 1, 0) > 0) {
    // An idle connection has nothing to read unless the server closed it (or sent a
    // parameter change): let libpq find out which.
    if (PQconsumeInput(conn_) == 0) poisoned_ = true;
  }
  return usable();
}

int Connection::prepared_count() const {
  int count = 0;
  for (bool prepared : prepared_) count += prepared ? 1 : 0;
  return count;
}

Error Connection::Fail(int index, const char* sqlstate, std::string internal) {
  failure_ = {index, sqlstate != nullptr ? sqlstate : ""};
  if (PQstatus(conn_) != CONNECTION_OK) poisoned_ = true;
  if (IsUnavailable(failure_.sqlstate)) return Error::Unavailable(std::move(internal));
  return Error::Internal(std::move(internal));
}

Error Connection::ResultError(int index, const pg_result* result) {
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string internal = "postgres: " + Trimmed(PQresultErrorMessage(result));
  if (sqlstate == nullptr) internal += " (" + Trimmed(PQerrorMessage(conn_)) + ")";
  return Fail(index, sqlstate, std::move(internal));
}

Result<std::vector<Rows>> Connection::Run(std::span<const Query> queries) {
  failure_ = {};
  if (!usable()) return Fail(-1, "", "postgres: the connection is closed");
  for (const Query& query : queries) {
    const StatementDef& def = Def(query.sql());
    const std::size_t count = std::strlen(def.params);
    bool typed = count == query.params().size() && count <= kMaxParams;
    for (std::size_t p = 0; typed && p < count; ++p) {
      const auto kind = query.params()[p].kind;
      typed = kind == Query::Param::Kind::kNull ||
              (kind == Query::Param::Kind::kInt8) == (def.params[p] == 'i');
    }
    if (!typed) {
      return Error::Internal(std::string("postgres: statement ") + def.name +
                             " takes parameters \"" + def.params + "\", got " +
                             std::to_string(query.params().size()) + " of other types");
    }
  }
  if (PQenterPipelineMode(conn_) != 1) {
    poisoned_ = true;
    return Fail(-1, "", "postgres: cannot enter pipeline mode: " + Trimmed(PQerrorMessage(conn_)));
  }

  // What was sent, in order: a Prepare for a statement this connection has not prepared yet
  // comes just before its first use.
  struct Sent {
    int query;
    bool prepare;
  };
  std::vector<Sent> sent;
  sent.reserve(queries.size() * 2);
  std::array<bool, static_cast<std::size_t>(Sql::kCount)> preparing{};
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const Query& query = queries[i];
    const auto slot = static_cast<std::size_t>(query.sql());
    const StatementDef& def = Def(query.sql());
    const std::size_t count = std::strlen(def.params);
    if (def.may_commit) may_have_committed_ = true;
    std::array<Oid, kMaxParams> types{};
    std::array<const char*, kMaxParams> values{};
    std::array<int, kMaxParams> lengths{};
    std::array<int, kMaxParams> formats{};
    std::array<std::array<char, 8>, kMaxParams> int8s{};
    for (std::size_t p = 0; p < count; ++p) {
      types[p] = def.params[p] == 'i' ? kInt8Oid : kTextOid;
      formats[p] = kBinary;
      const Query::Param& param = query.params()[p];
      switch (param.kind) {
        case Query::Param::Kind::kNull:
          break;
        case Query::Param::Kind::kText:
          // The binary form of text is its bytes; a non-null pointer even for "".
          values[p] = param.text.data() != nullptr ? param.text.data() : "";
          lengths[p] = static_cast<int>(param.text.size());
          break;
        case Query::Param::Kind::kInt8:
          WriteBigEndian(param.int8, int8s[p].data());
          values[p] = int8s[p].data();
          lengths[p] = 8;
          break;
      }
    }
    bool ok = true;
    if (!prepared_[slot] && !preparing[slot]) {
      ok = PQsendPrepare(conn_, def.name, def.sql, static_cast<int>(count), types.data()) == 1;
      preparing[slot] = true;
      if (ok) sent.push_back({static_cast<int>(i), true});
    }
    ok = ok && PQsendQueryPrepared(conn_, def.name, static_cast<int>(count), values.data(),
                                   lengths.data(), formats.data(), kTextResults) == 1;
    if (!ok) {
      poisoned_ = true;
      return Fail(-1, "", "postgres: send: " + Trimmed(PQerrorMessage(conn_)));
    }
    sent.push_back({static_cast<int>(i), false});
  }
  if (PQpipelineSync(conn_) != 1) {
    poisoned_ = true;
    return Fail(-1, "", "postgres: send: " + Trimmed(PQerrorMessage(conn_)));
  }

  std::vector<Rows> rows;
  rows.reserve(queries.size());
  std::optional<Error> error;
  for (const Sent& s : sent) {
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) {
      poisoned_ = true;
      return Fail(s.query, "", "postgres: " + Trimmed(PQerrorMessage(conn_)));
    }
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_FATAL_ERROR) {
      if (!error) error = ResultError(s.query, result);
      PQclear(result);
      if (PQstatus(conn_) != CONNECTION_OK) {
        poisoned_ = true;
        return std::move(*error);
      }
    } else if (status == PGRES_PIPELINE_ABORTED) {
      PQclear(result);  // skipped after an earlier error
    } else if (s.prepare) {
      if (status == PGRES_COMMAND_OK) {
        prepared_[static_cast<std::size_t>(queries[static_cast<std::size_t>(s.query)].sql())] =
            true;
      }
      PQclear(result);
    } else if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      rows.emplace_back(result);
    } else {
      PQclear(result);
      poisoned_ = true;
      return Fail(s.query, "",
                  std::string("postgres: unexpected result status ") + PQresStatus(status));
    }
    // Each command's results end with a null.
    if (PGresult* extra = PQgetResult(conn_); extra != nullptr) {
      PQclear(extra);
      poisoned_ = true;
      return Fail(s.query, "", "postgres: more than one result for one statement");
    }
  }
  PGresult* sync = PQgetResult(conn_);
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) {
    poisoned_ = true;
    if (!error) error = Fail(-1, "", "postgres: pipeline out of step");
  }
  if (error) return std::move(*error);
  return rows;
}

Result<Rows> Connection::Run(const Query& query) {
  auto rows = Run(std::span<const Query>(&query, 1));
  if (!rows) return std::move(rows).error();
  return std::move(rows->front());
}

Result<Rows> Connection::Exec(const char* sql) {
  failure_ = {};
  may_have_committed_ = true;  // arbitrary SQL: assume the worst
  if (!usable()) return Fail(-1, "", "postgres: the connection is closed");
  PGresult* result = PQexec(conn_, sql);
  if (result == nullptr) return Fail(-1, "", "postgres: " + Trimmed(PQerrorMessage(conn_)));
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error error = ResultError(0, result);
    PQclear(result);
    return error;
  }
  return Rows(result);
}

}  // namespace contactsd::store::postgres
