// The PostgreSQL test server: its URL comes from CONTACTSD_TEST_PG_URL (`make test` starts a
// throw-away cluster and sets it; scripts/pg-cluster.sh). Each test gets a fresh schema on it,
// which is far faster than a fresh database, and drops it afterwards.
#pragma once

#include "store/postgres/connection.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace contactsd::store::test {

// The test server's URL, or null when CONTACTSD_TEST_PG_URL is unset or empty.
const char* PostgresTestUrl();

// Why PostgreSQL tests are skipped without a server.
inline constexpr char kNoPostgresServer[] =
    "CONTACTSD_TEST_PG_URL is not set: PostgreSQL tests skipped (make test sets it; or run "
    "scripts/pg-cluster.sh start DIR and export the URL it prints)";

// A schema with a random name, created on construction, dropped with everything in it on
// destruction. Throws std::runtime_error when the server cannot be reached.
class TestSchema {
 public:
  explicit TestSchema(std::string base_url);
  TestSchema(const TestSchema&) = delete;
  TestSchema& operator=(const TestSchema&) = delete;
  ~TestSchema();

  const std::string& name() const { return name_; }
  // A URL whose connections see this schema only (search_path); `extra` adds query parameters
  // ("pool=2&application_name=x"); `settings` adds server settings to the connections'
  // options, percent-encoded ("-c%20deadlock_timeout%3D3s").
  std::string Url(std::string_view extra = "", std::string_view settings = "") const;
  // The first column of the first row of `sql`, run in this schema ("" when no row).
  // Fails the test on error.
  std::string Value(const std::string& sql);

 private:
  std::string base_url_;
  std::string name_;
  std::unique_ptr<postgres::Connection> admin_;  // search_path = this schema
};

}  // namespace contactsd::store::test
