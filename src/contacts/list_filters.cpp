#include "contacts/list_filters.hpp"

#include "model/value_check.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

namespace contactsd::contacts {
namespace {

namespace json = boost::json;

// The JSON a list parameter's text stands for, read as the field's type (or, for an array
// field, its items' type) reads it: a boolean, an integer, a number or a string.
std::optional<json::value> QueryValue(model::FieldType type, std::string_view text) {
  switch (type) {
    case model::FieldType::kBoolean:
      if (text == "true" || text == "false") return json::value(text == "true");
      return std::nullopt;
    case model::FieldType::kInteger:
    case model::FieldType::kIntegerArray: {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
      return json::value(n);
    }
    case model::FieldType::kNumber: {
      double d = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(d)) {
        return std::nullopt;
      }
      return json::value(d);
    }
    default:
      return json::value(json::string(text));
  }
}

}  // namespace

Result<std::optional<store::DocFilter>> ListFilterFor(const model::Model& model,
                                                      std::string_view param,
                                                      std::string_view value) {
  auto f = std::find_if(model.list_filters().begin(), model.list_filters().end(),
                        [&](const model::ListFilter& lf) { return lf.param == param; });
  if (f == model.list_filters().end()) {
    return Error::BadRequest("Unknown filter '" + std::string(param) + "'", "invalid_query");
  }
  const model::FieldSpec& spec = *f->field;
  const bool array =
      spec.type == model::FieldType::kStringArray || spec.type == model::FieldType::kIntegerArray;
  auto invalid = [&](std::string_view why) {
    return Error::BadRequest(std::string(param) + " " + std::string(why), "invalid_query");
  };
  auto in = QueryValue(spec.type, value);
  if (!in) {
    switch (spec.type) {
      case model::FieldType::kBoolean:
        return invalid("must be true or false");
      case model::FieldType::kNumber:
        return invalid("must be a number");
      default:
        return invalid("must be an integer");
    }
  }
  json::value checked;
  std::vector<FieldError> errors;
  json::value sent = array ? json::value(json::array{std::move(*in)}) : std::move(*in);
  if (!model::CheckValue(spec, sent, model.type_context(), param, checked, errors) ||
      checked.is_null() || (array && checked.as_array().empty())) {
    if (spec.type == model::FieldType::kUuid) return invalid("must be a UUID");
    return std::optional<store::DocFilter>{};
  }
  const json::value& item = array ? checked.as_array().at(0) : checked;
  store::DocFilter filter{spec.name, ""};
  if (item.is_string()) {
    filter.text = item.get_string();
  } else if (item.is_int64()) {
    filter.integer = item.get_int64();
  } else if (item.is_double()) {
    filter.number = item.get_double();
  } else if (item.is_bool()) {
    filter.boolean = item.get_bool();
  } else {
    return std::optional<store::DocFilter>{};
  }
  return std::optional<store::DocFilter>(std::move(filter));
}

}  // namespace contactsd::contacts
