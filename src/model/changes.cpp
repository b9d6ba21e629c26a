#include "model/changes.hpp"

#include "model/json_text.hpp"

#include <algorithm>

namespace contactsd::model {
namespace {

namespace json = boost::json;

const json::value kNull;

const json::value& ValueOf(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  return v ? *v : kNull;
}

void AppendChange(std::string& out, bool& first, std::string_view key, const json::value& before,
                  const json::value& after) {
  out += first ? "" : ",";
  first = false;
  AppendJsonString(out, key);
  out += R"(:{"before":)";
  AppendJsonText(out, before);
  out += R"(,"after":)";
  AppendJsonText(out, after);
  out += '}';
}

// Appends the differing keys of two objects; a key of `before` only comes after the others.
void AppendDiff(std::string& out, const json::object& before, const json::object& after,
                const Model& model, bool top) {
  bool first = true;
  auto skipped = [&](std::string_view key) {
    if (!top) return false;
    return std::any_of(
        model.response().begin(), model.response().end(), [&](const ResponseProperty& p) {
          return p.name == key &&
                 (p.source == PropertySource::kVersion || p.source == PropertySource::kUpdatedAt);
        });
  };
  auto nested = [&](std::string_view key) {
    const FieldSpec* custom = model.custom_fields_field();
    if (!top || !custom) return false;
    return std::any_of(model.response().begin(), model.response().end(),
                       [&](const ResponseProperty& p) {
                         return p.name == key && p.field == custom && !p.flatten;
                       });
  };
  for (const auto& [key, value] : after) {
    const json::value& was = ValueOf(before, key);
    if (was == value || skipped(key)) continue;
    if (nested(key) && was.is_object() && value.is_object()) {
      out += first ? "" : ",";
      first = false;
      AppendJsonString(out, key);
      out += ':';
      out += '{';
      AppendDiff(out, was.get_object(), value.get_object(), model, false);
      out += '}';
      continue;
    }
    AppendChange(out, first, key, was, value);
  }
  for (const auto& [key, value] : before) {
    if (after.contains(key) || skipped(key)) continue;
    AppendChange(out, first, key, value, kNull);
  }
}

}  // namespace

void AppendChanges(std::string& out, const Model& model, const json::object& before,
                   const json::object& after) {
  out += '{';
  AppendDiff(out, before, after, model, true);
  out += '}';
}

}  // namespace contactsd::model
