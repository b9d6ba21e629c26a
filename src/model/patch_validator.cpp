#include "model/patch_validator.hpp"

namespace contactsd::model {

Result<boost::json::object> ValidatePatch(const Model& model, const boost::json::object& fields,
                                          const std::vector<FieldSpec>& custom_fields) {
  TypeContext ctx = model.type_context();
  ctx.custom_fields = &custom_fields;
  std::vector<FieldError> errors;
  boost::json::object normalized;
  normalized.reserve(fields.size());
  for (const auto& [key, value] : fields) {
    const FieldSpec* spec = model.FindField(key);
    if (model.IsSystemName(key) || (spec && spec->read_only)) {
      errors.push_back({std::string(key), "read_only", "is read-only"});
      continue;
    }
    if (!spec) {
      errors.push_back({std::string(key), "unknown_field", "is not a field of this resource"});
      continue;
    }
    boost::json::value out;
    if (CheckValue(*spec, value, ctx, key, out, errors)) normalized[key] = std::move(out);
  }
  if (!errors.empty()) return Error::Validation(std::move(errors));
  return normalized;
}

}  // namespace contactsd::model
