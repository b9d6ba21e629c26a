#include "http/request_id.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace contactsd::http {
namespace {

TEST(RequestId, SaneIdsAreShortAndPlain) {
  EXPECT_TRUE(IsSaneRequestId("a"));
  EXPECT_TRUE(IsSaneRequestId("req-42_x.y:z"));
  EXPECT_TRUE(IsSaneRequestId(std::string(64, 'f')));
  EXPECT_FALSE(IsSaneRequestId(""));
  EXPECT_FALSE(IsSaneRequestId(std::string(65, 'f')));
  EXPECT_FALSE(IsSaneRequestId("has space"));
  EXPECT_FALSE(IsSaneRequestId("quote\""));
  EXPECT_FALSE(IsSaneRequestId("new\nline"));
  EXPECT_FALSE(IsSaneRequestId("caf\xC3\xA9"));
}

TEST(RequestId, NewIdsAreSixteenHexCharsAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    ASSERT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    EXPECT_TRUE(IsSaneRequestId(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RequestId, EchoesTheClientsOnlyWhenSane) {
  const std::string client = "abc-123";
  EXPECT_EQ(RequestIdFor(&client), "abc-123");
  const std::string insane = "abc 123";
  const std::string replaced = RequestIdFor(&insane);
  EXPECT_NE(replaced, insane);
  EXPECT_EQ(replaced.size(), 16u);
  EXPECT_EQ(RequestIdFor(nullptr).size(), 16u);
}

}  // namespace
}  // namespace contactsd::http
