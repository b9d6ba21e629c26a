#include "http/access_log.hpp"

#include <gtest/gtest.h>

namespace contactsd::http {
namespace {

using std::chrono::microseconds;

TEST(AccessLog, FormatsOneLogfmtLine) {
  const std::string line = FormatAccessLine(
      {"PATCH", "/v1/contacts/{id}", 200, microseconds(1234), "acme", "3f2a9c0d1e4b5a67"});
  EXPECT_EQ(line,
            "event=access method=PATCH route=/v1/contacts/{id} status=200 us=1234 org=acme "
            "rid=3f2a9c0d1e4b5a67");
}

TEST(AccessLog, EmptyValuesBecomeDashes) {
  const std::string line = FormatAccessLine({"GET", "-", 404, microseconds(7), "", "r1"});
  EXPECT_EQ(line, "event=access method=GET route=- status=404 us=7 org=- rid=r1");
}

TEST(AccessLog, QuotesAndEscapesAwkwardValues) {
  const std::string line =
      FormatAccessLine({"GET", "/x", 200, microseconds(1), "a \"b\"=c\n", "r1"});
  EXPECT_EQ(line, R"(event=access method=GET route=/x status=200 us=1 org="a \"b\"=c\x0a" rid=r1)");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(AccessLog, DisabledLogWritesNothing) {
  const AccessLog log(false);
  EXPECT_FALSE(log.enabled());
  log.Write({"GET", "/", 200, microseconds(1), "", "r"});  // must not crash
  EXPECT_TRUE(AccessLog(true).enabled());
}

}  // namespace
}  // namespace contactsd::http
