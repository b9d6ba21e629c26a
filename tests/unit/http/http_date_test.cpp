#include "http/http_date.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace contactsd::http {
namespace {

std::string Format(std::int64_t seconds) {
  char text[29];
  FormatHttpDate(seconds, text);
  return std::string(text, sizeof text);
}

TEST(HttpDate, FormatsImfFixdate) {
  EXPECT_EQ(Format(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(Format(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  EXPECT_EQ(Format(1796415778), "Fri, 04 Dec 2026 20:22:58 GMT");
  EXPECT_EQ(Format(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT");
}

TEST(HttpDate, NowIsTodayAndStableWithinASecond) {
  const std::string now(HttpDateNow());
  const std::int64_t t = std::time(nullptr);
  // Within the same second or the one before (the coarse clock lags by a few ms at most).
  EXPECT_TRUE(now == Format(t) || now == Format(t - 1) || now == Format(t + 1)) << now;
  EXPECT_EQ(now.size(), 29u);
}

}  // namespace
}  // namespace contactsd::http
