#include "model/value_check.hpp"

#include "model/field_types.hpp"
#include "model/json_text.hpp"
#include "model/type_checks.hpp"

namespace contactsd::model {

bool CheckValue(const FieldSpec& spec, const boost::json::value& in, const TypeContext& ctx,
                std::string_view path, boost::json::value& out, std::vector<FieldError>& errors) {
  if (spec.empty_as_null && in.is_string() && in.get_string().empty()) {
    out = nullptr;
    return true;
  }
  if (in.is_null()) {
    if (!spec.nullable) {
      errors.push_back(types::MakeError(path, "not_nullable", "must not be null"));
      return false;
    }
    out = nullptr;
    return true;
  }
  if (spec.type == FieldType::kCustomFields) {
    return types::CustomFields(spec, in, ctx, path, out, errors);
  }
  if (auto error = TraitsOf(spec.type).check(spec, in, ctx, path, out)) {
    errors.push_back(std::move(*error));
    return false;
  }
  // 5.0 is stored as "5", which reads back as the integer 5: kept as that integer, the same
  // value sent again is no change (numbers and "object"/"any" values stored as sent).
  AsStoredNumbers(out);
  return true;
}

}  // namespace contactsd::model
