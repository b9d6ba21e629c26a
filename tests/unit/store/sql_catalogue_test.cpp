// The change log cannot be bypassed: no statement that writes contacts leaves out the event.
// PostgreSQL: every catalogued statement that inserts, updates or deletes contacts also inserts
// into events (it is one statement with a CTE). SQLite: the statements that write contacts
// exist only in change_log.cpp, whose functions append the event; the backend's other sources
// hold none (a migration may only link the chain of events logged before it).
#include "store/postgres/sql.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace contactsd::store::test {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool WritesContacts(const std::string& sql) {
  return sql.find("insert into contacts") != std::string::npos ||
         sql.find("update contacts") != std::string::npos ||
         sql.find("delete from contacts") != std::string::npos;
}

TEST(SqlCatalogue, EveryPostgresStatementThatWritesAContactAlsoWritesItsEvent) {
  int writers = 0;
  for (int i = 0; i < static_cast<int>(postgres::Sql::kCount); ++i) {
    const postgres::StatementDef& def = postgres::Def(static_cast<postgres::Sql>(i));
    const std::string sql = Lower(def.sql);
    if (!WritesContacts(sql)) continue;
    ++writers;
    // The event of the change, or (erasing, deleting an org) the log of what is removed.
    EXPECT_TRUE(sql.find("insert into events") != std::string::npos ||
                sql.find("delete from events") != std::string::npos)
        << def.name << " writes contacts without writing the change log";
  }
  EXPECT_GE(writers, 5);  // insert, update, update at version, erase, delete org
}

TEST(SqlCatalogue, OnlyTheSqliteChangeLogWritesContacts) {
  const std::filesystem::path dir =
      std::filesystem::path(CONTACTSD_SOURCE_DIR) / "src/store/sqlite";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    ++files;
    std::string source = Lower(text.str());
    if (entry.path().filename() == "migrations.cpp") {
      // A migration may link the chains of events logged before it (no value of a contact
      // changes, so there is no event to record); any other write of contacts there fails.
      const std::string link = "update contacts set last_event_seq = coalesce(";
      EXPECT_NE(source.find(link), std::string::npos);
      for (auto at = source.find(link); at != std::string::npos; at = source.find(link)) {
        source.erase(at, link.size());
      }
    }
    const bool writes = WritesContacts(source);
    if (entry.path().filename() == "change_log.cpp") {
      EXPECT_TRUE(writes) << "change_log.cpp should hold the statements that write contacts";
    } else {
      EXPECT_FALSE(writes) << entry.path() << " holds a statement that writes contacts";
    }
  }
  EXPECT_GT(files, 10);
}

}  // namespace
}  // namespace contactsd::store::test
