// OpenStore: URL schemes, path handling and migration on open.
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

TEST(OpenStore, PostgresIsNotSupportedYet) {
  for (const char* url : {"postgresql://u:secret@localhost/db", "postgres://localhost/db"}) {
    auto store = OpenStore(url);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().code, ErrorCode::kBadRequest);
    EXPECT_EQ(store.error().message, "PostgreSQL is not supported yet");
  }
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
