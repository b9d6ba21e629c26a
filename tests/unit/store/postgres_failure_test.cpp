// ClassifyFailure and EndsSession: what a failed libpq call means for its connection. A server
// that went away (or stopped taking writes) must give Unavailable and a new connection, never
// Internal; a deadlock keeps its connection.
#include "store/postgres/failure.hpp"

#include <gtest/gtest.h>

namespace contactsd::store::postgres {
namespace {

TEST(PostgresFailure, AServerThatWentAwayLosesTheConnection) {
  for (const char* sqlstate : {
           "",       // libpq's own: the server closed the connection, no SQLSTATE
           "08006",  // connection_failure
           "08003",  // connection_does_not_exist
           "57P01",  // admin_shutdown: pg_ctl stop -m fast, pg_terminate_backend
           "57P02",  // crash_shutdown: another backend crashed
           "57P03",  // cannot_connect_now: starting up, or shutting down
           "57P05",  // idle_session_timeout
           "25006",  // read_only_sql_transaction: the server no longer takes writes
       }) {
    EXPECT_EQ(ClassifyFailure(sqlstate, /*connection_ok=*/true), FailureKind::kConnectionLost)
        << sqlstate;
  }
}

TEST(PostgresFailure, ABrokenConnectionIsLostWhateverTheServerSaid) {
  for (const char* sqlstate : {"", "23505", "42P01", "XX000", "40P01"}) {
    EXPECT_EQ(ClassifyFailure(sqlstate, /*connection_ok=*/false), FailureKind::kConnectionLost)
        << sqlstate;
  }
}

TEST(PostgresFailure, ContentionAndShortagesAreRetriedLaterOnTheSameConnection) {
  for (const char* sqlstate : {"40001", "40P01", "55P03", "57014", "53300", "53100", "53200"}) {
    EXPECT_EQ(ClassifyFailure(sqlstate, /*connection_ok=*/true), FailureKind::kRetryLater)
        << sqlstate;
  }
}

TEST(PostgresFailure, AnythingElseIsInternal) {
  for (const char* sqlstate : {"23505", "42P01", "42601", "22P02", "XX000", "25P02", "58030"}) {
    EXPECT_EQ(ClassifyFailure(sqlstate, /*connection_ok=*/true), FailureKind::kInternal)
        << sqlstate;
  }
}

TEST(PostgresFailure, OnlyAFatalOrAPanicEndsTheSession) {
  EXPECT_TRUE(EndsSession("FATAL"));
  EXPECT_TRUE(EndsSession("PANIC"));
  for (const char* severity : {"NOTICE", "WARNING", "ERROR", "LOG", "INFO", "DEBUG", ""}) {
    EXPECT_FALSE(EndsSession(severity)) << severity;
  }
}

}  // namespace
}  // namespace contactsd::store::postgres
