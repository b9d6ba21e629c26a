// ModelParser: reads a model file into a Model, key by key, naming the path of the first bad
// key. Private to src/model: split over model_parser.cpp (the file, fields, responses) and
// model_rules_parser.cpp (custom fields, write rules, record rules, list filters, collections).
#pragma once

#include "model/model.hpp"

#include <boost/json/value.hpp>

#include <string_view>

namespace contactsd::model {
namespace json = boost::json;

class ModelParser {
 public:
  static Result<Model> Parse(std::string_view text);

 private:
  Status ParseTop(const json::object& top);
  Status ParseField(std::string_view name, const json::value& v, FieldSpec& out);
  Status ParseResponse(const json::value& v);
  Status ParseResponseProperty(const json::value& item, ResponseProperty& out);
  Status ParseCustomFields(const json::value& v);
  Status ParseWriteRules(const json::value& v);
  Status ParseListFilters(const json::value& v);
  Status ParseSearch(const json::value& v);
  Status ParseRecordRules(const json::value& v);
  Status ParseUnlocks(const json::value& v);
  // An array of plan names (lower-case words), as in "write_plans".
  static Result<std::vector<std::string>> PlanNames(std::string_view path, const json::value& v);
  Status ParseCollections(const json::value& v);
  Status ParseExamples(const json::value& v);
  Result<const FieldSpec*> FieldNamed(std::string_view path, const json::value* name) const;

  // An error naming the key at `path`.
  static Error Bad(std::string_view path, std::string_view what) {
    return Error::BadRequest(std::string(path) + ": " + std::string(what), "invalid_model");
  }

  Model model_;
};

// A lower-case identifier of at most 63 characters: field, parameter and model names.
bool IsIdentifier(std::string_view s);

}  // namespace contactsd::model
