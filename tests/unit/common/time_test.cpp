#include "common/time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace contactsd {
namespace {

TEST(Time, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(1764033363123), "2025-11-25T01:16:03.123Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(253402300799999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(-62167219200000), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(253402300800000), "10000-01-01T00:00:00.000Z");  // past 4 digits
}

TEST(Time, AppendsTheSameTextAfterWhatIsThere) {
  std::string out = "at ";
  AppendTimestamp(out, 1764033363123);
  AppendTimestamp(out, 253402300800000);
  EXPECT_EQ(out, "at 2025-11-25T01:16:03.123Z10000-01-01T00:00:00.000Z");
}

TEST(Time, ParsesWhatItFormats) {
  for (std::int64_t ms : {0LL, 1764033363123LL, 951782400000LL /* 2000-02-29 */}) {
    EXPECT_EQ(ParseTimestamp(FormatTimestamp(ms)), ms);
  }
}

TEST(Time, ParsesOffsetsAndFractions) {
  EXPECT_EQ(ParseTimestamp("2025-11-25T02:16:03+01:00"), 1764033363000);
  EXPECT_EQ(ParseTimestamp("2025-11-25T01:16:03.1Z"), 1764033363100);
  EXPECT_EQ(ParseTimestamp("2025-11-25T01:16:03.123456Z"), 1764033363123);
}

TEST(Time, RejectsMalformedTimestamps) {
  for (const char* bad :
       {"", "2025-11-25", "2025-11-25T01:16:03", "2025-02-30T00:00:00Z", "2025-11-25T24:00:00Z",
        "2025-11-25T01:16:03.Z", "2025-11-25 01:16:03Z", "2025-11-25T01:16:03+0100"}) {
    EXPECT_FALSE(ParseTimestamp(bad)) << bad;
  }
}

TEST(Time, CalendarDates) {
  EXPECT_TRUE(IsCalendarDate("2024-02-29"));
  EXPECT_TRUE(IsCalendarDate("2000-02-29"));
  EXPECT_FALSE(IsCalendarDate("1900-02-29"));
  EXPECT_FALSE(IsCalendarDate("2023-02-29"));
  EXPECT_FALSE(IsCalendarDate("2024-13-01"));
  EXPECT_FALSE(IsCalendarDate("2024-04-31"));
  EXPECT_FALSE(IsCalendarDate("2024-4-01"));
  EXPECT_FALSE(IsCalendarDate("2024-04-01T"));
}

}  // namespace
}  // namespace contactsd
