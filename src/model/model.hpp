// A contact model: the contract of one deployment (fields, rules, request and response
// shapes), loaded from a model file and checked as a whole before the server starts.
// Immutable after loading; safe to share between threads.
#pragma once

#include "common/result.hpp"
#include "model/field_spec.hpp"
#include "model/value_check.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace contactsd::model {

// How a write request carries its fields.
enum class Envelope {
  kFlat,    // {"first_name": "Ada", ...}
  kFields,  // {"fields": {"first_name": "Ada", ...}}
};

// Where a response property comes from.
enum class PropertySource { kField, kId, kVersion, kCreatedAt, kUpdatedAt, kArchivedAt };

struct ResponseProperty {
  std::string name;
  PropertySource source = PropertySource::kField;
  const FieldSpec* field = nullptr;  // for kField
};

class Model {
 public:
  // Parses and checks a model file. Errors: BadRequest whose message names the bad key,
  // e.g. "fields.email.type: unknown type 'mail'".
  static Result<Model> Parse(std::string_view json_text);

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  const std::string& name() const { return name_; }
  const std::string& base_path() const { return base_path_; }
  Envelope envelope() const { return envelope_; }
  bool custom_fields_enabled() const { return custom_fields_enabled_; }
  const TypeContext& type_context() const { return type_context_; }

  // Every field, in model-file order. Pointers into it stay valid for the model's life.
  const std::vector<FieldSpec>& fields() const { return fields_; }
  const FieldSpec* FindField(std::string_view name) const;
  // System-managed names (id, version, timestamps): never accepted in a request body.
  bool IsSystemName(std::string_view name) const;
  // The properties of a response, in order.
  const std::vector<ResponseProperty>& response() const { return response_; }
  // The field of type custom_fields, or nullptr.
  const FieldSpec* custom_fields_field() const { return custom_fields_field_; }

 private:
  Model() = default;
  friend class ModelParser;

  std::string name_;
  std::string base_path_;
  Envelope envelope_ = Envelope::kFlat;
  bool custom_fields_enabled_ = false;
  TypeContext type_context_;
  std::vector<FieldSpec> fields_;
  std::vector<std::string> system_names_;
  std::vector<ResponseProperty> response_;
  const FieldSpec* custom_fields_field_ = nullptr;
};

}  // namespace contactsd::model
