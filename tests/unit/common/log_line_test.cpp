#include "common/log_line.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <random>
#include <string>

namespace contactsd::log {
namespace {

namespace json = boost::json;

// A JSON string's text ("<not a string>" for any other value).
std::string Text(const boost::json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : "<not a string>";
}

constexpr std::string_view kTs = "2026-12-05T23:20:01.123Z";

std::string Body(std::string_view event, std::string_view message, Fields fields = {}) {
  LineBuffer out;
  AppendBody(out, event, message, std::span<const Field>(fields.begin(), fields.size()));
  return fmt::to_string(out);
}

std::string Line(Format format, Level level, std::string_view payload, bool structured = true) {
  LineBuffer out;
  AppendLine(out, format, level, kTs, payload, structured);
  return fmt::to_string(out);
}

std::string Value(std::string_view text) {
  LineBuffer out;
  AppendValue(out, text);
  return fmt::to_string(out);
}

// A JSON line as Boost.JSON reads it (which refuses invalid UTF-8), without its '\n'.
json::object ParsedJson(const std::string& line) {
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  json::error_code ec;
  json::value value = json::parse(std::string_view(line).substr(0, line.size() - 1), ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << line;
  return value.is_object() ? value.as_object() : json::object();
}

TEST(LogLine, WritesALogfmtLine) {
  const std::string body =
      Body("pruned", "pruned what was past its time", {{"what", "events"}, {"count", 12}});
  EXPECT_EQ(body, R"(event=pruned msg="pruned what was past its time" what=events count=12)");
  EXPECT_EQ(Line(Format::kLogfmt, Level::kInfo, body),
            "ts=2026-12-05T23:20:01.123Z level=info " + body + "\n");
}

TEST(LogLine, WritesTheSameKeysAsAJsonObject) {
  const std::string body = Body("handler_threw", "boom \"x\"",
                                {{"rid", "r-1"}, {"status", 500}, {"org", "123"}, {"n", -4}});
  EXPECT_EQ(Line(Format::kJson, Level::kError, body),
            R"({"ts":"2026-12-05T23:20:01.123Z","level":"error","event":"handler_threw",)"
            R"("msg":"boom \"x\"","rid":"r-1","status":500,"org":"123","n":-4})"
            "\n");
}

TEST(LogLine, APlainMessageIsTheMsgOfAnEventLog) {
  EXPECT_EQ(Line(Format::kLogfmt, Level::kWarn, "disk = full", false),
            "ts=2026-12-05T23:20:01.123Z level=warn event=log msg=\"disk = full\"\n");
  const json::object line = ParsedJson(Line(Format::kJson, Level::kDebug, "a\nb", false));
  EXPECT_EQ(Text(line.at("level")), "debug");
  EXPECT_EQ(Text(line.at("event")), "log");
  EXPECT_EQ(Text(line.at("msg")), "a\nb");
}

TEST(LogLine, EveryLineHasTsLevelEventAndMsg) {
  const json::object line = ParsedJson(Line(Format::kJson, Level::kInfo, Body("e", "")));
  EXPECT_EQ(Text(line.at("ts")), kTs);
  EXPECT_EQ(Text(line.at("msg")), "");
  EXPECT_EQ(Line(Format::kLogfmt, Level::kInfo, Body("e", "")),
            "ts=2026-12-05T23:20:01.123Z level=info event=e msg=\"\"\n");
}

TEST(LogLine, QuotesWhatIsNotABareWord) {
  EXPECT_EQ(Value("/v1/contacts/{id}"), "/v1/contacts/{id}");
  EXPECT_EQ(Value("-"), "-");
  EXPECT_EQ(Value(""), R"("")");
  EXPECT_EQ(Value("a b"), R"("a b")");
  EXPECT_EQ(Value("a=b"), R"("a=b")");
  EXPECT_EQ(Value("back\\slash"), R"("back\\slash")");
  EXPECT_EQ(Value("say \"hi\""), R"("say \"hi\"")");
  // Text that reads as a number stays text in JSON.
  EXPECT_EQ(Value("42"), R"("42")");
  EXPECT_EQ(Value("-7"), R"("-7")");
  EXPECT_EQ(Value("007"), "007");  // no JSON number: bare, and a string in JSON
  EXPECT_EQ(Value("1.5"), "1.5");
  EXPECT_EQ(Value("José"), "\"José\"");
}

TEST(LogLine, EscapesControlCharactersAsJsonDoes) {
  EXPECT_EQ(Value(std::string_view("a\n\r\t\x01\x1f\x7f\0z", 9)),
            R"("a\n\r\t\u0001\u001f\u007f\u0000z")");
}

TEST(LogLine, WritesInvalidUtf8AsTheReplacementCharacter) {
  EXPECT_EQ(Value("\xff"), R"("\ufffd")");
  EXPECT_EQ(Value("a\x80z"), R"("a\ufffdz")");                  // a lone continuation byte
  EXPECT_EQ(Value("\xc0\x80"), R"("\ufffd\ufffd")");            // an overlong NUL
  EXPECT_EQ(Value("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // a surrogate
  EXPECT_EQ(Value("\xe2\x82"), R"("\ufffd\ufffd")");            // cut short
  EXPECT_EQ(Value("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // past U+10FFFF
  EXPECT_EQ(Value("€ \xf0\x9f\x98\x80"), "\"€ \xf0\x9f\x98\x80\"");       // well-formed: kept
}

TEST(LogLine, EscapesWhatSomeReadersTakeForALineBreak) {
  EXPECT_EQ(Value("a\xc2\x85"
                  "b\xe2\x80\xa8"
                  "c\xe2\x80\xa9"),
            R"("a\u0085b\u2028c\u2029")");
}

TEST(LogLine, KeysAreCodeNamesOnly) {
  EXPECT_EQ(Body("e", "m", {{"a key=\"x\"", "v"}, {"", "w"}}), "event=e msg=m a_key__x_=v _=w");
}

TEST(LogLine, AnyBytesMakeValidJsonAndOneLogfmtLine) {
  std::mt19937 rng(19);
  for (int round = 0; round < 2000; ++round) {
    std::string text(rng() % 40, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 256);
    const std::string body = Body(text, text, {{text, text}, {"n", static_cast<int>(rng())}});
    const std::string logfmt = Line(Format::kLogfmt, Level::kInfo, body);
    ASSERT_EQ(logfmt.find('\n'), logfmt.size() - 1) << logfmt;
    const json::object line = ParsedJson(Line(Format::kJson, Level::kInfo, body));
    ASSERT_TRUE(line.contains("msg")) << body;
    const json::object plain = ParsedJson(Line(Format::kJson, Level::kInfo, text, false));
    ASSERT_TRUE(plain.contains("msg"));
  }
}

TEST(LogLine, WellFormedTextComesBackAsItWas) {
  const std::string text = "tab\there \"quoted\" back\\slash = Zoë €";
  const json::object line =
      ParsedJson(Line(Format::kJson, Level::kInfo, Body("e", text, {{"k", text}})));
  EXPECT_EQ(Text(line.at("msg")), text);
  EXPECT_EQ(Text(line.at("k")), text);
}

TEST(LogLine, ABodyItDidNotWriteIsKeptAsTheMsg) {
  const json::object line = ParsedJson(Line(Format::kJson, Level::kInfo, "event=e msg=\"open"));
  EXPECT_EQ(Text(line.at("event")), "log");
  EXPECT_EQ(Text(line.at("msg")), "event=e msg=\"open");
}

TEST(LogLine, WritesTimestampsInUtcWithMilliseconds) {
  char out[kTimestampSize];
  WriteTimestamp(0, out);
  EXPECT_EQ(std::string_view(out, kTimestampSize), "1970-01-01T00:00:00.000Z");
  WriteTimestamp(1764033363123, out);
  EXPECT_EQ(std::string_view(out, kTimestampSize), "2025-11-25T01:16:03.123Z");
  WriteTimestamp(951868799009, out);  // the end of a leap day
  EXPECT_EQ(std::string_view(out, kTimestampSize), "2000-02-29T23:59:59.009Z");
}

TEST(LogLine, NamesTheLevels) {
  EXPECT_EQ(LevelName(Level::kDebug), "debug");
  EXPECT_EQ(LevelName(Level::kInfo), "info");
  EXPECT_EQ(LevelName(Level::kWarn), "warn");
  EXPECT_EQ(LevelName(Level::kError), "error");
}

}  // namespace
}  // namespace contactsd::log
