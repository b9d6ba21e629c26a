// The import's line readers: whatever the pieces the text arrives in (a byte at a time, split
// inside a line, a quoted cell or the byte order mark), the lines read are the same; CSV cells
// become their fields' types; NDJSON skips blank lines and counts them.
#include "api/import_formats.hpp"

#include "model/builtin_models.hpp"
#include "model/json_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace contactsd::api {
namespace {

const model::Model& Standard() {
  static const model::Model m =
      std::move(model::Model::Parse(model::BuiltinModels().front().json_text)).value();
  return m;
}

// Each line as "N:{fields}" or "N!error_code", fed in pieces of `piece` bytes (0: at once).
std::vector<std::string> Read(ImportFormat format, const std::string& text, std::size_t piece,
                              std::vector<model::FieldSpec> custom = {}) {
  std::vector<std::string> lines;
  auto reader = MakeLineReader(format, Standard(), std::move(custom));
  const LineFn each = [&](std::int64_t line, Result<boost::json::object> fields) -> Status {
    lines.push_back(std::to_string(line) +
                    (fields.ok() ? ":" + model::JsonText(*fields) : "!" + fields.error().error));
    return {};
  };
  const std::size_t step = piece == 0 ? text.size() + 1 : piece;
  for (std::size_t at = 0; at < text.size(); at += step) {
    Status fed = reader->Feed(std::string_view(text).substr(at, step), each);
    if (!fed) {  // the reading stops there, as its callers stop it
      lines.push_back("stopped!" + fed.error().error);
      return lines;
    }
  }
  Status ended = reader->End(each);
  if (!ended) lines.push_back("stopped!" + ended.error().error);
  return lines;
}

TEST(ImportFormatsTest, NdjsonLinesAreTheSameInAnyPieces) {
  const std::string text =
      "{\"first_name\":\"Zoë\"}\r\n\n  \nnope\n{\"id\":\"x\",\"version\":3,\"last_name\":\"L\"}";
  const std::vector<std::string> expected = {"1:{\"first_name\":\"Zoë\"}", "4!invalid_json",
                                             "5:{\"last_name\":\"L\"}"};
  for (std::size_t piece : {0, 1, 2, 3, 7}) {
    EXPECT_EQ(Read(ImportFormat::kNdjson, text, piece), expected) << "pieces of " << piece;
  }
}

TEST(ImportFormatsTest, CsvRecordsAreTheSameInAnyPieces) {
  model::FieldSpec score;
  score.name = "score";
  score.type = model::FieldType::kNumber;
  const std::string text =
      "\xEF\xBB\xBF"
      "first_name,notes,tags,custom_fields.score,id\r\n"
      "\"A, \"\"q\"\"\",\"two\nlines\",\"[\"\"x\"\"]\",2.5,ignored\r\n"
      ",,,,\n"
      "Bo,,not json,high,\n";
  const std::vector<std::string> expected = {
      "2:{\"first_name\":\"A, \\\"q\\\"\",\"notes\":\"two\\nlines\",\"tags\":[\"x\"],"
      "\"custom_fields\":{\"score\":2.5}}",
      "3:{}",
      "4:{\"first_name\":\"Bo\",\"tags\":\"not json\",\"custom_fields\":{\"score\":\"high\"}}"};
  for (std::size_t piece : {0, 1, 2, 3, 5, 64}) {
    EXPECT_EQ(Read(ImportFormat::kCsv, text, piece, {score}), expected) << "pieces of " << piece;
  }
}

TEST(ImportFormatsTest, CsvWithoutAByteOrderMarkShorterThanOne) {
  EXPECT_EQ(Read(ImportFormat::kCsv, "id", 0), std::vector<std::string>{});
  EXPECT_EQ(Read(ImportFormat::kCsv, "first_name\nA", 1),
            std::vector<std::string>{"2:{\"first_name\":\"A\"}"});
}

TEST(ImportFormatsTest, CsvThatCannotBeReadStops) {
  EXPECT_EQ(Read(ImportFormat::kCsv, "nickname\nA\n", 0),
            std::vector<std::string>{"stopped!invalid_csv"});
  const auto open_quote = Read(ImportFormat::kCsv, "first_name\n\"A\n", 1);
  ASSERT_FALSE(open_quote.empty());
  EXPECT_EQ(open_quote.back(), "stopped!invalid_csv");
}

TEST(ImportFormatsTest, ALineOverTheLimitIsRejectedAndTheNextRead) {
  const std::string text = "{\"notes\":\"" + std::string(kMaxLineBytes, 'x') + "\"}\n{}\n";
  EXPECT_EQ(Read(ImportFormat::kNdjson, text, 4096),
            (std::vector<std::string>{"1!payload_too_large", "2:{}"}));
}

}  // namespace
}  // namespace contactsd::api
