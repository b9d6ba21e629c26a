#include "contacts/change_prior.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace contactsd::contacts {
namespace {

namespace json = boost::json;

json::object Object(const char* text) { return json::parse(text).as_object(); }

store::Contact After(std::optional<std::int64_t> archived_at = std::nullopt,
                     std::string archived_by = "") {
  store::Contact c;
  c.archived_at_ms = archived_at;
  c.archived_by = std::move(archived_by);
  return c;
}

TEST(ChangePrior, KeepsOnlyWhatTheWriteReplacedAndRebuildsTheRecordBefore) {
  const json::object before = Object(R"({"a":1,"b":"x","c":[1],"gone":true})");
  const json::object after = Object(R"({"a":1,"b":"y","c":[1],"new":null})");
  const std::string prior = PriorOf(before, after);
  EXPECT_EQ(json::parse(prior), json::parse(R"({"b":"x","gone":true,"$absent":["new"]})"));
  auto rebuilt = BeforeOf(after, After(), prior);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->record, before);
}

TEST(ChangePrior, ComparesOnlyTheKeysAPatchSent) {
  const json::object replaced = Object(R"({"b":"x"})");  // the stored values of the sent keys
  const json::object after = Object(R"({"a":1,"b":"y","c":"new"})");
  const json::object sent = Object(R"({"b":"y","c":"new","d":null})");
  EXPECT_EQ(json::parse(PriorOf(replaced, after, &sent)),
            json::parse(R"({"b":"x","$absent":["c"]})"));
}

TEST(ChangePrior, RemembersTheArchiveMarksAnArchiveOrRestoreReplaced) {
  store::Contact active;
  auto archived = BeforeOf(Object(R"({"a":1})"), After(5'000, "key-1"), ArchivePriorOf(active));
  ASSERT_TRUE(archived.ok());
  EXPECT_EQ(archived->archived_at_ms, std::nullopt);
  EXPECT_EQ(archived->archived_by, "");
  auto restored = BeforeOf(Object(R"({"a":1})"), After(), ArchivePriorOf(After(5'000, "key-1")));
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->archived_at_ms, 5'000);
  EXPECT_EQ(restored->archived_by, "key-1");
  EXPECT_EQ(restored->record, Object(R"({"a":1})"));
}

TEST(ChangePrior, AnEmptyPriorIsTheRecordAsIsAndAMalformedOneAnError) {
  auto same = BeforeOf(Object(R"({"a":1})"), After(), "");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->record, Object(R"({"a":1})"));
  EXPECT_FALSE(BeforeOf(Object("{}"), After(), "[1]").ok());
  EXPECT_FALSE(BeforeOf(Object("{}"), After(), R"({"$absent":3})").ok());
}

}  // namespace
}  // namespace contactsd::contacts
