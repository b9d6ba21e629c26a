// Connection: one libpq connection, with the catalogued statements (sql.hpp) prepared on it on
// first use, once each. Run() sends a batch of queries in one round trip (libpq pipeline mode),
// preparing any statement this connection has not prepared yet in the same trip.
//
// Not thread-safe: one thread at a time (a Pool lease).
#pragma once

#include "common/result.hpp"
#include "store/postgres/query.hpp"
#include "store/postgres/sql.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct pg_conn;

namespace contactsd::store::postgres {

// Why the last Run() failed: which query of the batch (-1: none, or the connection itself) and
// its SQLSTATE ("" when the connection failed).
struct Failure {
  int index = -1;
  std::string sqlstate;
};

// SQLSTATEs the store handles itself.
inline constexpr char kUniqueViolation[] = "23505";

class Connection {
 public:
  // Connects with a libpq connection string or URL (it is never put in an error), to a server
  // that takes writes: with several hosts, the first of them that does (libpq tries them in
  // order). Each attempt is bounded in time (connect_timeout, 5 s per host unless the URL
  // says otherwise).
  // Errors: Unavailable when no host can be reached, none takes writes, or the server refuses
  // the connection.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Sends `queries` in one round trip and returns one Rows per query. The batch runs in an
  // implicit transaction unless one is open (BEGIN): an error stops it at the failing query,
  // whose index and SQLSTATE failure() then gives; the server skips the rest.
  // Errors: Unavailable (connection lost, server shutting down or made read-only, deadlock,
  // serialization failure, lock or statement timeout, too many connections: failure.hpp),
  // Internal (anything else; a unique violation too, for the caller to translate). The
  // server's text goes to `internal`. A lost connection is no longer usable().
  Result<std::vector<Rows>> Run(std::span<const Query> queries);
  Result<Rows> Run(const Query& query);

  // Runs SQL text (one or more statements, no parameters, simple protocol) and returns the
  // last statement's result; for migrations and other rare, fixed SQL (nothing is prepared).
  Result<Rows> Exec(const char* sql);

  const Failure& failure() const { return failure_; }

  // False once the connection is lost or in an unknown protocol state: discard it.
  bool usable() const;
  // True when no transaction is open (nor a failed one waiting for ROLLBACK).
  bool idle() const;
  // For an idle connection about to be reused: reads whatever the server sent meanwhile (a
  // server that shut down has closed the socket) and returns usable(). Does not block.
  bool CheckAlive();

  // Whether a batch that may have made a change durable was sent since ClearMayHaveCommitted():
  // after a lost connection, only an operation that never sent one is retried.
  bool may_have_committed() const { return may_have_committed_; }
  void ClearMayHaveCommitted() { may_have_committed_ = false; }

  // How many statements this connection has prepared (each at most once).
  int prepared_count() const;

  // The libpq handle, for what this class does not wrap (waiting for notifications).
  pg_conn* handle() const { return conn_; }

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  // libpq's notice receiver for this connection (`self`).
  static void OnNotice(void* self, const struct pg_result* notice);
  Error Fail(int index, const char* sqlstate, std::string internal);
  Error ResultError(int index, const struct pg_result* result);

  pg_conn* conn_;
  bool poisoned_ = false;  // lost, closing, or a protocol-level surprise: never reuse
  bool may_have_committed_ = false;
  Failure failure_;
  std::array<bool, static_cast<std::size_t>(Sql::kCount)> prepared_{};
};

}  // namespace contactsd::store::postgres
