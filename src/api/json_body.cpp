#include "api/json_body.hpp"

#include "model/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace contactsd::api {

Result<boost::json::object> ParseObject(std::string_view body, boost::json::storage_ptr storage) {
  boost::json::parse_options options;
  options.max_depth = 32;  // deeper documents are refused rather than parsed recursively
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec, std::move(storage), options);
  if (ec) return Error::BadRequest("The request body is not valid JSON", "invalid_json");
  if (!model::AllNumbersFinite(v)) {
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
