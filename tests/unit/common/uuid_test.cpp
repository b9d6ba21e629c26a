#include "common/uuid.hpp"

#include <gtest/gtest.h>

namespace contactsd {
namespace {

TEST(Uuid, V7IsWellFormedAndTimeOrdered) {
  std::string a = NewUuidV7(1000), b = NewUuidV7(2000);
  EXPECT_TRUE(IsUuid(a));
  EXPECT_EQ(a[14], '7');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_NE(NewUuidV7(1000), NewUuidV7(1000));
}

TEST(Uuid, V7SortsInCreationOrderWithinOneMillisecondAndWhenTheClockGoesBack) {
  std::string previous = NewUuidV7(5000);
  for (int i = 0; i < 10000; ++i) {  // far more than fit in one millisecond's counter
    std::string next = NewUuidV7(i % 3 == 0 ? 4000 : 5000);
    ASSERT_LT(previous, next) << "after " << i;
    previous = next;
  }
}

TEST(Uuid, RecognisesOnlyCanonicalText) {
  EXPECT_TRUE(IsUuid("550e8400-e29b-41d4-a716-446655440000"));
  EXPECT_TRUE(IsUuid("550E8400-E29B-41D4-A716-446655440000"));
  EXPECT_FALSE(IsUuid("550e8400e29b41d4a716446655440000"));
  EXPECT_FALSE(IsUuid("550e8400-e29b-41d4-a716-44665544000g"));
  EXPECT_FALSE(IsUuid("550e8400-e29b-41d4-a716-4466554400000"));
  EXPECT_FALSE(IsUuid(""));
  EXPECT_EQ(ToLowerUuid("550E8400-E29B-41D4-A716-446655440000"),
            "550e8400-e29b-41d4-a716-446655440000");
}

}  // namespace
}  // namespace contactsd
