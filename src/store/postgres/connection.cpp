#include "store/postgres/connection.hpp"

#include "store/postgres/failure.hpp"

#include <libpq-fe.h>

#include <array>
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

// libpq parameters set unless the URL says otherwise, chosen for failover:
// - connect_timeout applies to each host in turn: with the first host of a multi-host URL gone
//   without a trace, a new connection tries the next one after 5 s, not after TCP gives up.
// - target_session_attrs=read-write: every connection of contactsd writes, so libpq skips a
//   standby (or a server in read-only mode) and walks on to the primary, which after a
//   failover is the promoted standby.
// - keepalives and tcp_user_timeout: a server whose machine vanished (no FIN, no RST) is
//   noticed within about 30 s, instead of TCP's two hours idle or fifteen minutes of
//   retransmissions, so a call waiting on it ends as Unavailable.
constexpr std::array<std::pair<const char*, const char*>, 7> kDefaultParams = {{
    {"connect_timeout", "5"},
    {"target_session_attrs", "read-write"},
    {"keepalives_idle", "10"},
    {"keepalives_interval", "5"},
    {"keepalives_count", "3"},
    {"tcp_user_timeout", "30000"},
    {"application_name", "contactsd"},
}};

// libpq's text on one log line: a failed multi-host connect is a line per host, with hints
// on indented lines of their own.
std::string OneLine(const char* message) {
  std::string_view rest = message != nullptr ? message : "";
  std::string text;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (!text.empty()) text += "; ";
    text += line;
  }
  return text;
}

void WriteBigEndian(std::int64_t value, char* out) {
  auto bits = static_cast<std::uint64_t>(value);
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(bits & 0xff);
    bits >>= 8;
  }
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  // The defaults first, then the URL (dbname, expanded), whose parameters override them; the
  // encoding last, so it stays UTF-8, which the store relies on. The last entry stays null.
  std::array<const char*, kDefaultParams.size() + 3> keywords{};
  std::array<const char*, kDefaultParams.size() + 3> values{};
  std::size_t n = 0;
  for (const auto& [keyword, value] : kDefaultParams) {
    keywords[n] = keyword;
    values[n++] = value;
  }
  keywords[n] = "dbname";
  values[n++] = conninfo.c_str();
  keywords[n] = "client_encoding";
  values[n] = "UTF8";
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return Error::Unavailable("postgres: connect: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's text names the host, port, user and database, never the password.
    Error error = Error::Unavailable("postgres: connect: " + OneLine(PQerrorMessage(conn)));
    PQfinish(conn);
    return error;
  }
  auto connection = std::unique_ptr<Connection>(new Connection(conn));
  PQsetNoticeReceiver(conn, &Connection::OnNotice, connection.get());
  return connection;
}

void Connection::OnNotice(void* self, const pg_result* notice) {
  // The server's messages go to the error's `internal` text; NOTICEs (e.g. "relation already
  // exists, skipping") are dropped instead of being printed on stderr by libpq. A FATAL sent
  // outside any query is the server closing this connection: it is not to be used again,
  // even if the end of the stream has not arrived yet.
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity != nullptr && EndsSession(severity)) {
    static_cast<Connection*>(self)->poisoned_ = true;
  }
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::usable() const { return !poisoned_ && PQstatus(conn_) == CONNECTION_OK; }

bool Connection::idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

bool Connection::CheckAlive() {
  if (!usable()) return false;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (::poll(&fd, 1, 0) > 0) {
    // An idle connection has nothing to read unless the server is closing it (a FATAL, then
    // the end of the stream) or sent a parameter change: let libpq read it, then parse it
    // (PQisBusy), which hands a FATAL to OnNotice.
    if (PQconsumeInput(conn_) == 0) {
      poisoned_ = true;
    } else {
      (void)PQisBusy(conn_);
    }
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
  switch (ClassifyFailure(failure_.sqlstate, PQstatus(conn_) == CONNECTION_OK)) {
    case FailureKind::kConnectionLost:
      poisoned_ = true;
      return Error::Unavailable(std::move(internal));
    case FailureKind::kRetryLater:
      return Error::Unavailable(std::move(internal));
    case FailureKind::kInternal:
      break;
  }
  return Error::Internal(std::move(internal));
}

Error Connection::ResultError(int index, const pg_result* result) {
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string internal = "postgres: " + OneLine(PQresultErrorMessage(result));
  if (sqlstate == nullptr) internal += " (" + OneLine(PQerrorMessage(conn_)) + ")";
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
    return Fail(-1, "", "postgres: cannot enter pipeline mode: " + OneLine(PQerrorMessage(conn_)));
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
      return Fail(-1, "", "postgres: send: " + OneLine(PQerrorMessage(conn_)));
    }
    sent.push_back({static_cast<int>(i), false});
  }
  if (PQpipelineSync(conn_) != 1) {
    poisoned_ = true;
    return Fail(-1, "", "postgres: send: " + OneLine(PQerrorMessage(conn_)));
  }

  std::vector<Rows> rows;
  rows.reserve(queries.size());
  std::optional<Error> error;
  for (const Sent& s : sent) {
    PGresult* result = PQgetResult(conn_);
    if (result == nullptr) {
      poisoned_ = true;
      return Fail(s.query, "", "postgres: " + OneLine(PQerrorMessage(conn_)));
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
  if (result == nullptr) return Fail(-1, "", "postgres: " + OneLine(PQerrorMessage(conn_)));
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error error = ResultError(0, result);
    PQclear(result);
    return error;
  }
  return Rows(result);
}

}  // namespace contactsd::store::postgres
