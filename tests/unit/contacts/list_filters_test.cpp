// ListFilterFor: a list parameter's value read as its field stores it, for each type a model
// may filter on.
#include "contacts/list_filters.hpp"

#include <gtest/gtest.h>

namespace contactsd::contacts {
namespace {

const model::Model& FiltersModel() {
  static const model::Model model = std::move(model::Model::Parse(R"({
    "name": "t", "base_path": "",
    "fields": {
      "s": {"type": "string"}, "e": {"type": "email", "lowercase": true},
      "p": {"type": "phone"}, "dt": {"type": "datetime"}, "b": {"type": "boolean"},
      "i": {"type": "integer"}, "n": {"type": "number"}, "ref": {"type": "uuid"},
      "sa": {"type": "string_array", "default": []}, "ia": {"type": "integer_array", "default": []}
    },
    "list_filters": {"s": "s", "e": "e", "p": "p", "dt": "dt", "b": "b", "i": "i", "n": "n",
                     "ref": "ref", "sa": "sa", "ia": "ia"},
    "response": ["s"]
  })"))
                                        .value();
  return model;
}

store::DocFilter Filter(std::string_view param, std::string_view value) {
  auto filter = ListFilterFor(FiltersModel(), param, value);
  EXPECT_TRUE(filter.ok()) << param << "=" << value;
  EXPECT_TRUE(filter.ok() && filter->has_value()) << param << "=" << value;
  return filter.ok() && *filter ? **filter : store::DocFilter{};
}

TEST(ListFilterFor, ReadsTheValueAsTheFieldStoresIt) {
  EXPECT_EQ(Filter("s", "Hello").text, "Hello");
  EXPECT_EQ(Filter("e", "ADA@Example.com").text, "ada@example.com");
  EXPECT_EQ(Filter("p", "+1-415-555-2671").text, "+14155552671");
  EXPECT_EQ(Filter("dt", "2026-12-05T11:00:00+01:00").text, "2026-12-05T10:00:00.000Z");
  EXPECT_EQ(Filter("b", "true").boolean, true);
  EXPECT_EQ(Filter("b", "false").boolean, false);
  EXPECT_EQ(Filter("i", "-42").integer, -42);
  EXPECT_EQ(Filter("n", "15e-1").number, 1.5);
  EXPECT_EQ(Filter("ref", "0190A0B0-0000-7000-8000-00000000000A").text,
            "0190a0b0-0000-7000-8000-00000000000a");
  EXPECT_EQ(Filter("sa", "x").text, "x");
  EXPECT_EQ(Filter("ia", "7").integer, 7);
  EXPECT_EQ(Filter("sa", "x").field, "sa");
}

TEST(ListFilterFor, AValueTheFieldCannotHoldMatchesNothing) {
  for (auto [param, value] : {std::pair{"e", "not-an-email"}, std::pair{"p", "nope"},
                              std::pair{"dt", "yesterday"}, std::pair{"sa", ""}}) {
    auto filter = ListFilterFor(FiltersModel(), param, value);
    ASSERT_TRUE(filter.ok()) << param;
    EXPECT_FALSE(filter->has_value()) << param;
  }
}

TEST(ListFilterFor, AValueOfTheWrongTypeOrAnUnknownParameterIsA400) {
  for (auto [param, value] :
       {std::pair{"b", "yes"}, std::pair{"i", "4.5"}, std::pair{"ia", "x"}, std::pair{"n", "nan"},
        std::pair{"n", "1e999"}, std::pair{"ref", "x"}, std::pair{"nope", "1"}}) {
    auto filter = ListFilterFor(FiltersModel(), param, value);
    ASSERT_FALSE(filter.ok()) << param << "=" << value;
    EXPECT_EQ(filter.error().code, ErrorCode::kBadRequest);
    EXPECT_EQ(filter.error().error, "invalid_query");
  }
}

}  // namespace
}  // namespace contactsd::contacts
