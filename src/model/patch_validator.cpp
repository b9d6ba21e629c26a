#include "model/patch_validator.hpp"

#include <boost/json/value.hpp>

namespace contactsd::model {
namespace {

// The length of the whitespace character at text[i], or 0: ASCII spaces and the Unicode
// spaces people paste from documents and forms (no-break, en/em, thin, ideographic, ...).
std::size_t SpaceAt(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) {
    return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u;
  };
  unsigned char c = byte(i);
  if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
  if (c == 0xC2 && (byte(i + 1) == 0xA0 || byte(i + 1) == 0x85)) return 2;  // U+00A0, U+0085
  if (c == 0xE1 && byte(i + 1) == 0x9A && byte(i + 2) == 0x80) return 3;    // U+1680
  if (c == 0xE2 && byte(i + 1) == 0x80 &&
      (byte(i + 2) <= 0x8A || byte(i + 2) == 0xA8 || byte(i + 2) == 0xA9 || byte(i + 2) == 0xAF)) {
    return 3;  // U+2000..U+200A, U+2028, U+2029, U+202F
  }
  if (c == 0xE2 && byte(i + 1) == 0x81 && byte(i + 2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && byte(i + 1) == 0x80 && byte(i + 2) == 0x80) return 3;  // U+3000
  return 0;
}

// "  Mary   Ann Smith " → "Mary", "Ann Smith"; one word → that word and null; blank → nulls.
std::pair<boost::json::value, boost::json::value> SplitName(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (std::size_t n = SpaceAt(text, i)) i += n;
    std::size_t start = i;
    while (i < text.size() && SpaceAt(text, i) == 0) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  if (words.empty()) return {nullptr, nullptr};
  if (words.size() == 1) return {boost::json::string(words[0]), nullptr};
  std::string rest;
  for (std::size_t w = 1; w < words.size(); ++w) {
    if (w > 1) rest += ' ';
    rest += words[w];
  }
  return {boost::json::string(words[0]), boost::json::string(rest)};
}

// Write rules turn write-only inputs into stored fields. A stored field sent in the same
// request wins over the value a rule derives for it.
void ApplyWriteRules(const Model& model, const boost::json::object& fields, const TypeContext& ctx,
                     boost::json::object& normalized, std::vector<FieldError>& errors) {
  for (const auto& rule : model.split_name_rules()) {
    auto it = normalized.find(rule.from->name);
    if (it == normalized.end()) continue;
    auto [first, last] = it->value().is_string()
                             ? SplitName(it->value().get_string())
                             : std::pair<boost::json::value, boost::json::value>{};
    normalized.erase(it);
    for (auto [target, value] : {std::pair{rule.first, &first}, std::pair{rule.last, &last}}) {
      if (fields.contains(target->name)) continue;
      boost::json::value out(normalized.storage());
      if (CheckValue(*target, *value, ctx, rule.from->name, out, errors)) {
        normalized[target->name] = std::move(out);
      }
    }
  }
}

}  // namespace

PatchCheck CheckPatch(const Model& model, const boost::json::object& fields,
                      const std::vector<FieldSpec>& custom_fields, WriteKind kind,
                      boost::json::storage_ptr storage) {
  TypeContext ctx = model.type_context();
  ctx.custom_fields = &custom_fields;
  std::vector<FieldError> errors;
  boost::json::object normalized(std::move(storage));
  normalized.reserve(fields.size());
  const FieldSpec* container = model.custom_fields_field();
  for (const auto& [key, value] : fields) {
    const FieldSpec* spec = model.FindField(key);
    if (model.IsSystemName(key) || (spec && spec->read_only)) {
      errors.push_back({std::string(key), "read_only", "is read-only"});
      continue;
    }
    if (spec && spec->create_only && kind == WriteKind::kUpdate) {
      errors.push_back(
          {std::string(key), "read_only", "can only be set when the contact is created"});
      continue;
    }
    if (model.custom_fields_flat() && (!spec || spec == container)) {
      // A top-level key that is not a model field names a custom field.
      const FieldSpec* def = nullptr;
      for (const auto& f : custom_fields) {
        if (f.name == key && spec != container) def = &f;
      }
      if (!def) {
        errors.push_back({std::string(key), "unknown_field", "is not a field of this resource"});
        continue;
      }
      boost::json::value out(normalized.storage());
      if (CheckValue(*def, value, ctx, key, out, errors)) {
        boost::json::value& nested = normalized[container->name];
        if (!nested.is_object()) nested.emplace_object();
        nested.get_object()[key] = std::move(out);
      }
      continue;
    }
    if (!spec) {
      errors.push_back({std::string(key), "unknown_field", "is not a field of this resource"});
      continue;
    }
    if (spec->required && value.is_string() && value.get_string().empty()) {
      // Missing, whatever the field's type (an email, an enum): the whole-record check reports
      // it as "required", as it does a null or an absent value, rather than as a bad format.
      normalized[key] = value;
      continue;
    }
    boost::json::value out(normalized.storage());
    if (CheckValue(*spec, value, ctx, key, out, errors)) normalized[key] = std::move(out);
  }
  if (errors.empty()) ApplyWriteRules(model, fields, ctx, normalized, errors);
  return {std::move(normalized), std::move(errors)};
}

}  // namespace contactsd::model
