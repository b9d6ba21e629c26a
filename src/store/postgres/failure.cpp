#include "store/postgres/failure.hpp"

namespace contactsd::store::postgres {

FailureKind ClassifyFailure(std::string_view sqlstate, bool connection_ok) {
  // Class 08: connection exception. 57P: the server is shutting down (57P01 admin shutdown,
  // 57P02 crash shutdown), starting up (57P03), or ended this session (57P04 database dropped,
  // 57P05 idle-session timeout). 25006: a read-only transaction was asked to write, which on
  // contactsd's connections means the server no longer takes writes (a primary made
  // read-only in a switchover): a new connection looks for the one that does.
  if (!connection_ok || sqlstate.empty() || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P") || sqlstate == "25006") {
    return FailureKind::kConnectionLost;
  }
  // Class 53: insufficient resources (disk full, out of memory, too many connections).
  // 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, 57014 query
  // canceled (a statement timeout).
  if (sqlstate.starts_with("53") || sqlstate == "40001" || sqlstate == "40P01" ||
      sqlstate == "55P03" || sqlstate == "57014") {
    return FailureKind::kRetryLater;
  }
  return FailureKind::kInternal;
}

bool EndsSession(std::string_view severity) { return severity == "FATAL" || severity == "PANIC"; }

}  // namespace contactsd::store::postgres
