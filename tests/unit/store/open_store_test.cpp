// OpenStore: URL schemes, path handling and migration on open.
#include "pg_test_schema.hpp"
#include "temp_dir.hpp"

#include "store/store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

namespace contactsd::store::test {
namespace {

TEST(OpenStore, SqliteAbsolutePathCreatesMissingDirectoriesAndMigrates) {
  TempDir dir;
  const auto path = dir.path() / "a" / "b" / "contacts.db";
  auto store = OpenStore("sqlite:" + path.string());
  ASSERT_TRUE(store.ok()) << store.error().internal;
  EXPECT_TRUE(std::filesystem::exists(path));
  // Migrated: the tables are there.
  ASSERT_TRUE((*store)->CreateOrg({"org-a", "Acme", "free", 0, 1}).ok());
  EXPECT_EQ((*store)->GetOrg("org-a")->name, "Acme");
}

TEST(OpenStore, SqliteRelativePathIsUnderTheWorkingDirectory) {
  TempDir dir;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto store = OpenStore("sqlite:data/contacts.db");
  std::filesystem::current_path(previous);
  ASSERT_TRUE(store.ok()) << store.error().internal;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "contacts.db"));
}

TEST(OpenStore, ReopeningTheSameFileKeepsItsData) {
  TempDir dir;
  const std::string url = "sqlite:" + (dir.path() / "contacts.db").string();
  {
    auto store = OpenStore(url);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->CreateOrg({"org-a", "Acme", "free", 0, 1}).ok());
  }
  auto store = OpenStore(url);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->GetOrg("org-a").ok());
}

TEST(OpenStore, PostgresServerDownIsUnavailableWithoutThePassword) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  for (const char* url :
       {"postgresql://u:hunter2@127.0.0.1:1/db", "postgres://u:hunter2@127.0.0.1:1/db?pool=2"}) {
    auto store = OpenStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.error().code, ErrorCode::kUnavailable) << url;
    EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos);
    EXPECT_EQ(store.error().internal.find("hunter2"), std::string::npos);
    EXPECT_NE(store.error().internal.find("postgres: connect"), std::string::npos);
    // libpq's lines (the failure, a hint) on one log line.
    EXPECT_EQ(store.error().internal.find('\n'), std::string::npos) << store.error().internal;
  }
}

TEST(OpenStore, PostgresUrlMistakesAreBadRequestsWithoutEchoingTheUrl) {
  for (const char* url :
       {"postgresql://u:hunter2@127.0.0.1:1/db?pool=0", "postgresql://u:hunter2@h/db?pool=x",
        "postgresql://u:hunter2@h/db?pool=1001", "postgresql://u:hunter2%zz@h/db",
        "postgresql://u:hunter2@h/db?no_such_param=1"}) {
    auto store = OpenStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.error().code, ErrorCode::kBadRequest) << url;
    EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos) << url;
    EXPECT_EQ(store.error().internal.find("hunter2"), std::string::npos) << url;
  }
}

TEST(OpenStore, PostgresOpensAndMigrates) {
  const char* url = PostgresTestUrl();
  if (url == nullptr) GTEST_SKIP() << kNoPostgresServer;
  TestSchema schema(url);
  auto store = OpenStore(schema.Url("pool=2"));
  ASSERT_TRUE(store.ok()) << store.error().internal;
  ASSERT_TRUE((*store)->CreateOrg({"org-a", "Acme", "free", 0, 1}).ok());
  EXPECT_EQ((*store)->GetOrg("org-a")->name, "Acme");
}

TEST(OpenStore, UnknownSchemeNamesTheAcceptedFormWithoutEchoingTheUrl) {
  auto store = OpenStore("mysql://root:hunter2@localhost/db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kBadRequest);
  EXPECT_NE(store.error().message.find("sqlite:PATH"), std::string::npos);
  EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos);
}

TEST(OpenStore, SqliteNeedsAFilePath) {
  for (const char* url : {"sqlite:", "sqlite::memory:"}) {
    auto store = OpenStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.error().code, ErrorCode::kBadRequest) << url;
  }
}

TEST(OpenStore, AnUnopenableFileIsUnavailable) {
  TempDir dir;
  // The path names a directory, which SQLite cannot open as a database.
  auto store = OpenStore("sqlite:" + dir.path().string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace contactsd::store::test

namespace contactsd::store {
namespace {

TEST(RedactedUrl, HidesOnlyThePassword) {
  EXPECT_EQ(RedactedUrl("postgresql://app:s3cret@db:5432/c?pool=4"),
            "postgresql://app:***@db:5432/c?pool=4");
  EXPECT_EQ(RedactedUrl("postgresql://app@db/c"), "postgresql://app@db/c");
  EXPECT_EQ(RedactedUrl("sqlite:./data/contacts.db"), "sqlite:./data/contacts.db");
}

TEST(RedactedUrl, HidesThePasswordOfAMultiHostUrlAndPasswordParameters) {
  EXPECT_EQ(RedactedUrl("postgresql://app:s3cret@10.0.0.1:5432,10.0.0.2:5433/c?"
                        "target_session_attrs=read-write"),
            "postgresql://app:***@10.0.0.1:5432,10.0.0.2:5433/c?target_session_attrs=read-write");
  EXPECT_EQ(RedactedUrl("postgresql://h1,h2/c?user=app&password=s3cret&pool=4"),
            "postgresql://h1,h2/c?user=app&password=***&pool=4");
  EXPECT_EQ(RedactedUrl("postgresql://app:a@h/c?sslpassword=b&passfile=/p&"),
            "postgresql://app:***@h/c?sslpassword=***&passfile=/p&");
  // libpq reads the user info up to an '@' before the first '/': a '?' in it is no query.
  EXPECT_EQ(RedactedUrl("postgresql://app:s3?cret@h/c?x=1"), "postgresql://app:***@h/c?x=1");
}

}  // namespace
}  // namespace contactsd::store
