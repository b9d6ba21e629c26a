#include "api/json_body.hpp"

#include "model/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>

namespace contactsd::api {
namespace {

// Boost.JSON reads 1e400 as infinity, which no JSON document can carry back out; such a body
// is refused here, once, rather than stored and served as invalid JSON later.
bool AllNumbersFinite(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const auto& item : v.get_array()) {
        if (!AllNumbersFinite(item)) return false;
      }
      return true;
    case boost::json::kind::object:
      for (const auto& [key, item] : v.get_object()) {
        if (!AllNumbersFinite(item)) return false;
      }
      return true;
    default:
      return true;
  }
}

}  // namespace

Result<boost::json::object> ParseObject(std::string_view body, boost::json::storage_ptr storage) {
  boost::json::parse_options options;
  options.max_depth = 32;  // deeper documents are refused rather than parsed recursively
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec, std::move(storage), options);
  if (ec) return Error::BadRequest("The request body is not valid JSON", "invalid_json");
  if (!AllNumbersFinite(v)) {
    return Error::BadRequest("The request body has a number too large to represent",
                             "invalid_json");
  }
  if (!v.is_object()) {
    return Error::BadRequest("The request body must be a JSON object", "invalid_body");
  }
  return std::move(v.get_object());
}

Result<boost::json::object> FieldsOf(const model::Model& model, boost::json::object body) {
  if (model.envelope() == model::Envelope::kFlat) return body;
  boost::json::value* fields = body.if_contains("fields");
  if (!fields || !fields->is_object()) {
    return Error::BadRequest("The request body must have a \"fields\" object", "invalid_body");
  }
  for (const auto& [key, value] : body) {
    if (key != "fields") {
      Error e = Error::Validation(
          {{std::string(key), "unknown_field", "is not allowed beside \"fields\""}});
      return e;
    }
  }
  return std::move(fields->get_object());
}

Response JsonResponse(int status, const boost::json::value& value) {
  return Response{status, model::JsonText(value), {}};
}

}  // namespace contactsd::api
