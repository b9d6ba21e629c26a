// ParsePostgresUrl: contactsd's own ?pool=N is taken out of the URL, libpq's parameters stay.
#include "store/postgres/url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace contactsd::store::postgres {
namespace {

TEST(PostgresUrl, PoolIsTakenOutAndTheRestKept) {
  auto parsed =
      ParsePostgresUrl("postgresql://u:p@h:5432/db?sslmode=disable&pool=12&connect_timeout=3");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->pool_size, 12);
  EXPECT_EQ(parsed->conninfo, "postgresql://u:p@h:5432/db?sslmode=disable&connect_timeout=3");

  auto only_pool = ParsePostgresUrl("postgres://h/db?pool=1");
  ASSERT_TRUE(only_pool.ok());
  EXPECT_EQ(only_pool->pool_size, 1);
  EXPECT_EQ(only_pool->conninfo, "postgres://h/db");
}

TEST(PostgresUrl, AMultiHostUrlPassesThroughToLibpq) {
  // A primary and its standby: libpq tries the hosts in order, for a server that takes writes.
  auto parsed = ParsePostgresUrl(
      "postgresql://u:p@10.0.0.1:5432,10.0.0.2:5433/db?target_session_attrs=read-write&pool=3");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->pool_size, 3);
  EXPECT_EQ(parsed->conninfo,
            "postgresql://u:p@10.0.0.1:5432,10.0.0.2:5433/db?target_session_attrs=read-write");
  auto hosts_only = ParsePostgresUrl("postgres://a,b,c/db?connect_timeout=2");
  ASSERT_TRUE(hosts_only.ok());
  EXPECT_EQ(hosts_only->conninfo, "postgres://a,b,c/db?connect_timeout=2");
  // A list libpq cannot read is refused at start-up, without quoting the URL.
  auto bad = ParsePostgresUrl("postgresql://u:hunter2@a:1,[::1/db");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(bad.error().message.find("hunter2"), std::string::npos);
}

TEST(PostgresUrl, DefaultAndOverride) {
  auto plain = ParsePostgresUrl("postgresql://h/db");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->pool_size, kDefaultPoolSize);
  EXPECT_EQ(plain->conninfo, "postgresql://h/db");
  auto overridden = ParsePostgresUrl("postgresql://h/db?pool=4", 16);
  ASSERT_TRUE(overridden.ok());
  EXPECT_EQ(overridden->pool_size, 16);
}

TEST(PostgresUrl, BadPoolSizesAreRefused) {
  for (const char* url :
       {"postgresql://h/db?pool=0", "postgresql://h/db?pool=", "postgresql://h/db?pool=2x",
        "postgresql://h/db?pool=-1", "postgresql://h/db?pool=1001"}) {
    auto parsed = ParsePostgresUrl(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.error().code, ErrorCode::kBadRequest) << url;
  }
  EXPECT_FALSE(ParsePostgresUrl("postgresql://h/db", 1001).ok());
}

}  // namespace
}  // namespace contactsd::store::postgres
