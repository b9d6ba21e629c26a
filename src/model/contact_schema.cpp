#include "model/contact_schema.hpp"

#include "model/field_types.hpp"
#include "model/json_text.hpp"
#include "model/patch_validator.hpp"
#include "model/projection.hpp"
#include "model/record.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>

namespace contactsd::model {
namespace {

namespace json = boost::json;

// `schema` also accepts null: "null" joins its type (and its enum, which lists every value).
void AllowNull(json::object& schema) {
  if (json::value* type = schema.if_contains("type")) {
    json::array types;
    types.emplace_back(std::move(*type));
    types.emplace_back("null");
    *type = std::move(types);
  }
  if (json::value* values = schema.if_contains("enum")) values->as_array().emplace_back(nullptr);
}

json::object Timestamp(bool nullable) {
  json::object s{{"type", "string"}, {"format", "date-time"}};
  if (nullable) AllowNull(s);
  return s;
}

// Whether an answer may show the field as null: it has no value and no default to show, or
// the reader may not see it (gated, locked).
bool AnswerMayBeNull(const FieldSpec& f) {
  return f.gated || (f.default_value.is_null() && !f.required);
}

// The custom-fields object: each of the tenant's definitions as a property. A key of a value
// is always optional (a contact need not hold every custom field).
json::object CustomFieldsObject(const std::vector<FieldSpec>* custom, SchemaSide side,
                                bool closed) {
  json::object schema{{"type", "object"}};
  json::object properties;
  if (custom) {
    for (const FieldSpec& f : *custom) properties[f.name] = FieldSchema(f, side, true);
  }
  schema["properties"] = std::move(properties);
  if (custom && closed) schema["additionalProperties"] = false;
  return schema;
}

// Whether a write may leave the field out: a required field that no default and no write rule
// fills must be sent.
bool MustBeSent(const Model& model, const FieldSpec& f) {
  if (!f.required || !f.default_value.is_null()) return false;
  for (const SplitNameRule& rule : model.split_name_rules()) {
    if (rule.first == &f || rule.last == &f) return false;
  }
  return true;
}

// The fields in the model's envelope.
json::object InEnvelope(const Model& model, const json::object& fields) {
  if (model.envelope() == Envelope::kFlat) return fields;
  return {{"fields", fields}};
}

// The answer to the model's example create, as the server would give it (the record made and
// projected as every answer is), to a reader who may see every field.
std::optional<json::value> ExampleAnswer(const Model& model) {
  if (model.example_create().empty()) return std::nullopt;
  PatchCheck check = CheckPatch(model, model.example_create(), {}, WriteKind::kCreate);
  if (!check.errors.empty()) return std::nullopt;  // refused when the model loaded
  const json::object record = NewRecord(model, check.normalized);
  constexpr std::int64_t kAt = 1'796'117'400'000;  // 2026-12-01T09:30:00.000Z
  RecordMeta meta;
  meta.id = "0190f0a5-7c1e-7000-8000-000000000001";
  meta.version = 1;
  meta.created_at_ms = kAt;
  meta.updated_at_ms = kAt;
  AccessState full;
  full.full_access = true;
  std::string text;
  AppendProjection(text, model, meta, record, model.optional_properties(), &full);
  return json::parse(text);
}

}  // namespace

json::object FieldSchema(const FieldSpec& spec, SchemaSide side, bool nullable) {
  json::object schema;
  TraitsOf(spec.type).schema(spec, side, schema);
  if (nullable) AllowNull(schema);
  // The field's own words first, then the type's ("Surrounding spaces are trimmed.").
  std::string description = spec.description;
  if (const json::value* type_said = schema.if_contains("description")) {
    description += std::string(description.empty() ? "" : " ") + type_said->as_string().c_str();
  }
  // Said in words, not as `default`: generators (openapi-typescript) make a property with a
  // default required, and a write need not send it.
  if (side == SchemaSide::kRequest && !spec.default_value.is_null()) {
    description += std::string(description.empty() ? "" : " ") + "Stored as " +
                   JsonText(spec.default_value) + " when a new contact leaves it out.";
  }
  if (!description.empty()) schema["description"] = std::move(description);
  if (spec.write_only) schema["writeOnly"] = true;
  if (spec.read_only) schema["readOnly"] = true;
  return schema;
}

json::object ContactAnswerSchema(const Model& model, const std::vector<FieldSpec>* custom) {
  json::object properties;
  json::array required;
  bool open = false;  // flat custom values whose names the document cannot know
  for (const ResponseProperty& p : model.response()) {
    json::object s;
    bool always = !p.optional && !p.omit_when_null;
    switch (p.source) {
      case PropertySource::kField:
        if (p.flatten) {
          if (custom) {
            for (const FieldSpec& f : *custom) {
              if (model.IsResponsePropertyName(f.name)) continue;
              properties[f.name] = FieldSchema(f, SchemaSide::kAnswer, true);
            }
          }
          open = open || !custom;
          continue;  // a contact holds some of its custom values, not all
        }
        if (p.field->type == FieldType::kCustomFields) {
          s = CustomFieldsObject(custom, SchemaSide::kAnswer, false);
        } else {
          s = FieldSchema(*p.field, SchemaSide::kAnswer, AnswerMayBeNull(*p.field));
          s.erase("writeOnly");
        }
        break;
      case PropertySource::kJoin:
        s = {{"type", json::array{"string", "null"}}};
        s["description"] = "Joined from stored names, one space between them.";
        break;
      case PropertySource::kId:
        s = {{"type", "string"}, {"format", "uuid"}, {"readOnly", true}};
        break;
      case PropertySource::kVersion:
        s = {{"type", "integer"}, {"minimum", 1}, {"readOnly", true}};
        s["description"] = "Grows by one at every change; the ETag carries it.";
        break;
      case PropertySource::kCreatedAt:
      case PropertySource::kUpdatedAt:
        s = Timestamp(false);
        break;
      case PropertySource::kArchivedAt:
        s = Timestamp(true);
        break;
      case PropertySource::kArchivedBy:
        s = {{"type", json::array{"string", "null"}}};
        break;
      case PropertySource::kArchivedFlag:
        s = {{"oneOf", json::array{json::object{{"const", false}}, Timestamp(false)}}};
        s["description"] = "false, or when the contact was archived.";
        break;
      case PropertySource::kAccess:
        s = {{"type", "object"},
             {"required", json::array{"is_unlocked", "is_unlocking", "unlocked_at", "credits_spent",
                                      "unlock_cost"}},
             {"properties", json::object{{"is_unlocked", {{"type", "boolean"}}},
                                         {"is_unlocking", {{"type", "boolean"}}},
                                         {"unlocked_at", Timestamp(true)},
                                         {"credits_spent", {{"type", "integer"}, {"minimum", 0}}},
                                         {"unlock_cost", {{"type", "integer"}, {"minimum", 0}}}}}};
        break;
    }
    if (p.source != PropertySource::kField && p.source != PropertySource::kAccess &&
        p.source != PropertySource::kJoin) {
      s["readOnly"] = true;
    }
    properties[p.name] = std::move(s);
    if (always) required.emplace_back(p.name);
  }
  json::object schema{{"type", "object"}, {"properties", std::move(properties)}};
  schema["required"] = std::move(required);
  if (!open) schema["additionalProperties"] = false;
  if (auto example = ExampleAnswer(model)) schema["examples"] = json::array{std::move(*example)};
  return schema;
}

json::object ContactWriteSchema(const Model& model, WriteShape shape,
                                const std::vector<FieldSpec>* custom) {
  const FieldSpec* container = model.custom_fields_field();
  const bool drop_unknown = model.unknown_custom_keys() == UnknownCustomKeys::kDrop;
  json::object properties;
  json::array required;
  for (const FieldSpec& f : model.fields()) {
    if (f.read_only || (f.create_only && shape == WriteShape::kUpdate)) continue;
    if (&f == container) {
      if (model.custom_fields_flat()) continue;  // its values come as top-level keys
      properties[f.name] = CustomFieldsObject(custom, SchemaSide::kRequest, !drop_unknown);
      if (f.nullable) AllowNull(properties[f.name].as_object());
      continue;
    }
    properties[f.name] = FieldSchema(f, SchemaSide::kRequest, f.nullable);
    if (shape != WriteShape::kUpdate && MustBeSent(model, f)) required.emplace_back(f.name);
  }
  bool open = false;
  if (container && model.custom_fields_flat()) {
    if (custom) {
      for (const FieldSpec& f : *custom) {
        if (!properties.contains(f.name)) {
          properties[f.name] = FieldSchema(f, SchemaSide::kRequest, true);
        }
      }
    }
    open = !custom;
  }
  json::object fields{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) fields["required"] = std::move(required);
  if (!open) fields["additionalProperties"] = false;
  json::object schema =
      model.envelope() == Envelope::kFlat
          ? std::move(fields)
          : json::object{{"type", "object"},
                         {"required", json::array{"fields"}},
                         {"properties", json::object{{"fields", std::move(fields)}}},
                         {"additionalProperties", false}};
  if (json::object example = ExampleWriteBody(model, shape); !example.empty()) {
    schema["examples"] = json::array{std::move(example)};
  }
  return schema;
}

json::object ExampleWriteBody(const Model& model, WriteShape shape) {
  // PUT replaces with what a create sends.
  const json::object& example =
      shape == WriteShape::kUpdate ? model.example_update() : model.example_create();
  return example.empty() ? json::object() : InEnvelope(model, example);
}

}  // namespace contactsd::model
