#include "model/json_text.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <random>
#include <string>

namespace contactsd::model {
namespace {

namespace json = boost::json;

TEST(JsonText, DoublesAreTheShortestTextThatReadsBack) {
  EXPECT_EQ(JsonText(json::value(1.5)), "1.5");
  EXPECT_EQ(JsonText(json::value(0.1)), "0.1");
  EXPECT_EQ(JsonText(json::value(100.0)), "100");
  EXPECT_EQ(JsonText(json::value(-2.25)), "-2.25");
  EXPECT_EQ(JsonText(json::value(1e300)), "1e+300");
  EXPECT_EQ(JsonText(json::value(12345678.9)), "12345678.9");
  EXPECT_EQ(JsonText(json::value(5e-324)), "5e-324");
}

TEST(JsonText, EverythingElseIsWhatBoostWrites) {
  const json::value value = json::parse(
      R"({"s":"a\"b\\c\n\t\u0001\u001f é 😀 /","i":-9223372036854775808,"u":18446744073709551615,)"
      R"("b":[true,false,null],"o":{},"a":[],"n":{"x":[{"y":"z"}]},"":0})");
  EXPECT_EQ(JsonText(value), json::serialize(value));
}

TEST(JsonText, RandomDoublesReadBackExactly) {
  // Read back with std::from_chars: Boost 1.81's parser itself may be off by an ulp.
  std::mt19937_64 random(42);
  for (int round = 0; round < 10'000; ++round) {
    const double number = std::bit_cast<double>(random() & 0x7fefffffffffffffULL);  // finite
    const std::string text = JsonText(json::value(number));
    double read = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), read);
    ASSERT_EQ(ec, std::errc()) << text;
    ASSERT_EQ(end, text.data() + text.size()) << text;
    ASSERT_EQ(read, number) << text;
  }
}

TEST(JsonText, RandomStringsReadBackEqual) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int> ascii(0, 127);
  for (int round = 0; round < 2'000; ++round) {
    std::string text;
    for (int i = 0; i < 12; ++i) text += static_cast<char>(ascii(random));
    const json::value value = json::array{text, json::object{{text, text}}};
    ASSERT_EQ(JsonText(value), json::serialize(value));
    ASSERT_EQ(json::parse(JsonText(value)), value);
  }
}

}  // namespace
}  // namespace contactsd::model
