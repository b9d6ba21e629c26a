#include "http/access_log.hpp"

#include "common/allocation_counter.hpp"
#include "common/log_capture.hpp"
#include "common/log_line.hpp"

#include <gtest/gtest.h>

#include <string>

namespace contactsd::http {
namespace {

using std::chrono::microseconds;

// The body of the entry's line, as log::Write makes it (the sink adds ts and level).
std::string BodyOf(const AccessEntry& entry) {
  const AccessFields line = FieldsOf(entry);
  log::LineBuffer out;
  log::AppendBody(out, "access", "request",
                  std::span<const log::Field>(line.fields.data(), line.count));
  return fmt::to_string(out);
}

TEST(AccessLog, NamesTheRouteNotThePath) {
  EXPECT_EQ(BodyOf({"PATCH", "/v1/contacts/{id}", "/v1/contacts/0190f0a5", 200, microseconds(1234),
                    "acme", "3f2a9c0d1e4b5a67"}),
            "event=access msg=request method=PATCH route=/v1/contacts/{id} status=200 us=1234 "
            "org=acme rid=3f2a9c0d1e4b5a67");
}

TEST(AccessLog, ARequestWithNoRouteCarriesItsPath) {
  EXPECT_EQ(BodyOf({"GET", "-", "/v1/contactz/x", 404, microseconds(7), "", "r1"}),
            "event=access msg=request method=GET route=- path=/v1/contactz/x status=404 us=7 "
            "org=- rid=r1");
}

TEST(AccessLog, EmptyValuesBecomeDashes) {
  EXPECT_EQ(BodyOf({"", "", "", 400, microseconds(1), "", ""}),
            "event=access msg=request method=- route=- path=- status=400 us=1 org=- rid=-");
}

TEST(AccessLog, QuotesAndEscapesAwkwardValues) {
  EXPECT_EQ(
      BodyOf({"GET", "/x", "", 200, microseconds(1), "a \"b\"=c\n", "r1"}),
      R"(event=access msg=request method=GET route=/x status=200 us=1 org="a \"b\"=c\n" rid=r1)");
}

TEST(AccessLog, ALongPathIsCutOutsideAUtf8Sequence) {
  const std::string path = "/" + std::string(kMaxLoggedPath - 2, 'a') + "\xc3\xa9" + "tail";
  const AccessFields line = FieldsOf({"GET", "-", path, 404, microseconds(1), "", "r"});
  ASSERT_EQ(line.fields[2].key(), "path");
  EXPECT_EQ(line.fields[2].text(), std::string_view(path).substr(0, kMaxLoggedPath - 1));
}

TEST(AccessLog, WritesAnInfoLineOfTheLog) {
  log::LogCapture log;
  AccessLog(true).Write({"GET", "-", "/nope", 404, microseconds(3), "", "r9"});
  AccessLog(false).Write({"GET", "/", "", 200, microseconds(1), "", "r"});
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" level=info event=access msg=request method=GET route=- path=/nope "
                          "status=404 us=3 org=- rid=r9"),
            std::string::npos)
      << lines[0];
  EXPECT_FALSE(AccessLog(false).enabled());
}

TEST(AccessLog, IsSubjectToTheLogLevel) {
  log::LogCapture log({log::Format::kLogfmt, log::Level::kWarn});
  AccessLog(true).Write({"GET", "/", "", 200, microseconds(1), "", "r"});
  EXPECT_EQ(log.Text(), "");
}

TEST(AccessLog, CountingSeesALineTooLongForTheStack) {
  // The counter works: otherwise the zero below would mean nothing.
  log::LogCapture log;
  const std::string org(600, 'o');
  EXPECT_GT(test::AllocationsOf([&] {
              AccessLog(true).Write({"GET", "/", "", 200, microseconds(1), org, "r"});
            }),
            0);
}

// The hot path: one line per request, made on the stack, in either format.
TEST(AccessLog, WritesItsLineWithoutAllocating) {
  for (log::Format format : {log::Format::kLogfmt, log::Format::kJson}) {
    log::LogCapture log({format, log::Level::kInfo});
    const AccessLog access(true);
    const AccessEntry entry{"PATCH",
                            "/v1/contacts/{id}",
                            "",
                            200,
                            microseconds(412),
                            "0190f0a5-7c1e-7000-8000-000000000001",
                            "3f2a9c0d1e4b5a67"};
    const AccessEntry unrouted{"GET",
                               "-",
                               "/v1/contacts/0190f0a5-7c1e-7000-8000-000000000001/x",
                               404,
                               microseconds(9),
                               "",
                               "3f2a9c0d1e4b5a67"};
    access.Write(entry);  // the first call may set things up
    EXPECT_EQ(test::AllocationsOf([&] {
                for (int i = 0; i < 10; ++i) {
                  access.Write(entry);
                  access.Write(unrouted);
                }
              }),
              0);
    EXPECT_EQ(log.Lines().size(), 21u);
  }
}

}  // namespace
}  // namespace contactsd::http
