#include "common/log_sink.hpp"

#include "common/log.hpp"
#include "common/log_capture.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <string>

namespace contactsd::log {
namespace {

// A JSON string's text ("<not a string>" for any other value).
std::string FieldText(const boost::json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : "<not a string>";
}

TEST(LogSink, WritesStructuredLinesWithTimeAndLevel) {
  LogCapture log;
  Info("listening", "serving the API", {{"url", "http://127.0.0.1:8080"}});
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(std::regex_match(
      lines[0], std::regex(R"(ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info )"
                           R"(event=listening msg="serving the API" url=http://127.0.0.1:8080)")))
      << lines[0];
}

TEST(LogSink, PlainSpdlogCallsComeOutStructuredToo) {
  LogCapture log({Format::kJson, Level::kInfo});
  spdlog::warn("webhooks: {} failed", "leasing");
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  const auto line = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(FieldText(line.at("level")), "warn");
  EXPECT_EQ(FieldText(line.at("event")), "log");
  EXPECT_EQ(FieldText(line.at("msg")), "webhooks: leasing failed");
}

TEST(LogSink, SpdlogLevelsMapToTheFour) {
  LogCapture log({Format::kLogfmt, Level::kDebug});
  spdlog::trace("below debug: never written");
  spdlog::debug("t");
  spdlog::critical("c");
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" level=debug event=log msg=t"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" level=error event=log msg=c"), std::string::npos) << lines[1];
}

TEST(LogSink, LinesBelowTheLevelAreNotWritten) {
  LogCapture log({Format::kLogfmt, Level::kWarn});
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kWarn));
  Info("access", "request");
  spdlog::info("plain");
  Warn("prune_failed", "pruning failed");
  Error("handler_threw", "boom");
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("level=warn event=prune_failed"), std::string::npos);
  EXPECT_NE(lines[1].find("level=error event=handler_threw"), std::string::npos);
}

TEST(LogSink, SpdlogsOwnErrorsBecomeLines) {
  LogCapture log({Format::kJson, Level::kInfo});
  spdlog::info(fmt::runtime("{} and {}"), 1);  // one argument short
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  const auto line = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(FieldText(line.at("level")), "error");
  EXPECT_EQ(FieldText(line.at("event")), "log_error");
}

TEST(LogSink, SpdlogPatternsDoNotChangeTheFormat) {
  LogCapture log;
  spdlog::set_pattern("[%l] %v");
  spdlog::info("x");
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("ts=", 0), 0u) << lines[0];
}

TEST(LogSink, ParsesTheNamesOfFormatsAndLevels) {
  EXPECT_EQ(ParseFormat("logfmt"), Format::kLogfmt);
  EXPECT_EQ(ParseFormat("json"), Format::kJson);
  EXPECT_EQ(ParseFormat("JSON"), std::nullopt);
  EXPECT_EQ(ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(ParseLevel("warn"), Level::kWarn);
  EXPECT_EQ(ParseLevel("warning"), std::nullopt);
}

}  // namespace
}  // namespace contactsd::log
