#include "contacts/list_filters.hpp"

#include "model/field_types.hpp"
#include "model/value_check.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace contactsd::contacts {

namespace json = boost::json;

Result<std::optional<store::DocFilter>> ListFilterFor(const model::Model& model,
                                                      std::string_view param,
                                                      std::string_view value) {
  auto f = std::find_if(model.list_filters().begin(), model.list_filters().end(),
                        [&](const model::ListFilter& lf) { return lf.param == param; });
  if (f == model.list_filters().end()) {
    return Error::BadRequest("Unknown filter '" + std::string(param) + "'", "invalid_query");
  }
  const model::FieldSpec& spec = *f->field;
  const model::FieldTypeTraits& traits = model::TraitsOf(spec.type);
  // A filter on an array field matches one item: the text is read as an item.
  const bool array = traits.item_type != spec.type;
  auto invalid = [&](std::string_view why) {
    return Error::BadRequest(std::string(param) + " " + std::string(why), "invalid_query");
  };
  auto in = model::TraitsOf(traits.item_type).from_text(value);
  if (!in) return invalid(model::TraitsOf(traits.item_type).expected);
  json::value checked;
  std::vector<FieldError> errors;
  json::value sent = array ? json::value(json::array{std::move(*in)}) : std::move(*in);
  if (!model::CheckValue(spec, sent, model.type_context(), param, checked, errors) ||
      checked.is_null() || (array && checked.as_array().empty())) {
    // A value the field could never hold (an email without "@") matches no contact.
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
