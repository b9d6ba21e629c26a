// What a failed libpq call says about the connection it ran on, and what the caller is told:
// pure rules on the SQLSTATE (PostgreSQL's error code) and on whether libpq still holds the
// connection open. They decide how a failover looks to a client: a server that went away is a
// 503 and a new connection, never a 500.
#pragma once

#include <string_view>

namespace contactsd::store::postgres {

enum class FailureKind {
  // The server went away, is shutting down, or no longer takes writes (a primary made
  // read-only): the connection is discarded, and the pool's next one walks the URL's hosts
  // for a writable server. Unavailable (503).
  kConnectionLost,
  // Worth trying again later, on the same connection: a deadlock or a serialization failure, a
  // lock or statement timeout, a server short of resources. Unavailable (503).
  kRetryLater,
  // Anything else: a bug, or a constraint the caller translates (unique_violation). Internal.
  kInternal,
};

// `sqlstate` is "" when the failure is libpq's own (the server sent no error: it closed the
// connection, or the protocol went out of step); `connection_ok` is whether libpq still has
// the connection open (PQstatus() == CONNECTION_OK) after the failure.
FailureKind ClassifyFailure(std::string_view sqlstate, bool connection_ok);

// Whether a message the server sends to a connection outside any query ends the session: the
// FATAL (or PANIC) it sends an idle connection just before it closes it (a shutdown, a
// terminated backend, an idle-session timeout). `severity` is the non-localized one.
bool EndsSession(std::string_view severity);

}  // namespace contactsd::store::postgres
